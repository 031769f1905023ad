"""``cluster-atlas`` command line: wires arguments to geo/ and layout/ calls, nothing more.

Commands and flags are a public contract (documented in README.md):

* ``cluster-atlas layers [--json]``
* ``cluster-atlas export LAYER -o PATH [--format geojson|gpkg|csv|xlsx]``

Errors in arguments print one line naming the valid values and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["CliError", "main"]

EXIT_USAGE = 2


class CliError(Exception):
    """An argument error: printed as one line, exit status 2."""


def _emit(obj: Any, as_json: bool, text: str) -> None:
    if as_json:
        sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        sys.stdout.write(text.rstrip("\n") + "\n")


# ----------------------------------------------------------------------------- layers / export
def _cmd_layers(args: argparse.Namespace) -> int:
    from geo.layers import layer_summary

    table = layer_summary()
    payload = {"layers": table.to_dict(orient="records")}
    _emit(payload, args.json, table.to_string(index=False))
    return 0


def _infer_format(path: str, given: str | None) -> str:
    from geo.export import FORMATS

    if given is not None:
        if given not in FORMATS:
            raise CliError(f"unknown format {given!r}: valid formats are {', '.join(FORMATS)}")
        return given
    suffix = Path(path).suffix.lower().lstrip(".")
    fmt = {"json": "geojson", "geojson": "geojson", "gpkg": "gpkg", "csv": "csv", "xlsx": "xlsx"}.get(suffix)
    if fmt is None:
        raise CliError(
            f"cannot tell the format from {path!r}: pass --format with one of {', '.join(FORMATS)}"
        )
    return fmt


def _cmd_export(args: argparse.Namespace) -> int:
    from geo import export
    from geo.layers import LAYER_NAMES, load_layer

    valid = (*LAYER_NAMES, "all")
    if args.layer not in valid:
        raise CliError(f"unknown layer {args.layer!r}: valid layers are {', '.join(valid)}")
    fmt = _infer_format(args.output, args.format)
    if args.layer == "all":
        if fmt != "gpkg":
            raise CliError(f"layer 'all' is written as one GeoPackage: use --format gpkg, not {fmt!r}")
        layers = {name: load_layer(name) for name in LAYER_NAMES}
        export.to_gpkg(layers, args.output)
        count = sum(len(g) for g in layers.values())
    else:
        gdf = load_layer(args.layer)
        count = len(gdf)
        if fmt == "geojson":
            export.to_geojson(gdf, args.output, metadata={"layer": args.layer, "datum": "WGS-84"})
        elif fmt == "gpkg":
            export.to_gpkg({args.layer: gdf}, args.output)
        elif fmt == "csv":
            export.to_csv(_with_lonlat(gdf), args.output)
        else:
            export.to_xlsx({args.layer: _with_lonlat(gdf)}, args.output)
    _emit({"layer": args.layer, "format": fmt, "path": str(args.output), "features": count},
          args.json, f"wrote {count} features of {args.layer} to {args.output} ({fmt})")
    return 0


def _with_lonlat(gdf: Any) -> Any:
    """Attribute table with lon/lat columns for point layers (polygons: representative point)."""
    import pandas as pd

    geoms = gdf.geometry
    pts = geoms.where(geoms.geom_type == "Point", geoms.representative_point())
    out = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    out["lon"] = pts.x.round(6)
    out["lat"] = pts.y.round(6)
    return out


# ----------------------------------------------------------------------------- parser
class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        raise CliError(message)


def _build_parser() -> tuple[argparse.ArgumentParser, dict[str, Callable[[argparse.Namespace], int]]]:
    p = _Parser(prog="cluster-atlas", description="Shandong Cluster Atlas command line")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {}

    s = sub.add_parser("layers", help="list layers with feature counts and datum")
    s.add_argument("--json", action="store_true", help="print JSON")
    handlers["layers"] = _cmd_layers

    s = sub.add_parser("export", help="export a layer (or 'all' as one GeoPackage)")
    s.add_argument("layer", help="province, cities, counties, zones, zones-2020, htz, clusters, all")
    s.add_argument("-o", "--output", required=True, help="output file")
    s.add_argument("--format", help="geojson, gpkg, csv or xlsx (default: from the file suffix)")
    s.add_argument("--json", action="store_true", help="print a JSON summary")
    handlers["export"] = _cmd_export

    for register in _EXTRA_COMMANDS:
        register(sub, handlers)
    return p, handlers


# Later modules add subcommands here: callables (subparsers, handlers) -> None.
_EXTRA_COMMANDS: list[Callable[[Any, dict[str, Callable[[argparse.Namespace], int]]], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cluster-atlas`` console script."""
    parser, handlers = _build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
        return handlers[args.command](args)
    except CliError as exc:
        sys.stderr.write(f"cluster-atlas: error: {exc}\n")
        return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
