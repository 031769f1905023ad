"""``cluster-atlas export LAYER -o PATH [--format geojson|gpkg|csv|xlsx] [--json]``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from layout.cli.common import CliError, add_json_flag, emit

__all__ = ["HELP", "add_arguments", "run"]

HELP = "export a layer (or 'all' as one GeoPackage)"

LAYERS: tuple[str, ...] = (
    "province",
    "cities",
    "counties",
    "zones",
    "zones-2020",
    "htz",
    "clusters",
)
"""The layer names of :data:`geo.layers.LAYER_NAMES` (a test keeps them equal), so an unknown
layer is refused before geopandas is imported."""

FORMATS: tuple[str, ...] = ("geojson", "gpkg", "csv", "xlsx")
"""The formats of :data:`geo.export.FORMATS` (a test keeps them equal)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``export``."""
    parser.add_argument(
        "layer", help="province, cities, counties, zones, zones-2020, htz, clusters, all"
    )
    parser.add_argument("-o", "--output", required=True, help="output file")
    parser.add_argument(
        "--format", help="geojson, gpkg, csv or xlsx (default: from the file suffix)"
    )
    add_json_flag(parser, "print a JSON summary")


def _infer_format(path: str, given: str | None) -> str:
    if given is not None:
        if given not in FORMATS:
            raise CliError(f"unknown format {given!r}: valid formats are {', '.join(FORMATS)}")
        return given
    suffix = Path(path).suffix.lower().lstrip(".")
    fmt = {
        "json": "geojson",
        "geojson": "geojson",
        "gpkg": "gpkg",
        "csv": "csv",
        "xlsx": "xlsx",
    }.get(suffix)
    if fmt is None:
        raise CliError(
            f"cannot tell the format from {path!r}: pass --format with one of {', '.join(FORMATS)}"
        )
    return fmt


def run(args: argparse.Namespace) -> int:
    """Write the layer; ``--json``: ``{"layer", "format", "path", "features"}``."""
    valid = (*LAYERS, "all")
    if args.layer not in valid:
        raise CliError(f"unknown layer {args.layer!r}: valid layers are {', '.join(valid)}")
    fmt = _infer_format(args.output, args.format)

    from geo import export
    from geo.layers import LAYER_NAMES, load_layer
    from layout.cli.common import check_outputs

    final = check_outputs({"-o": args.output})["-o"]
    if fmt == "gpkg":  # a new file with these layers replaces the old one: never drop others
        writes = list(LAYER_NAMES) if args.layer == "all" else [args.layer]
        stale = export.replace_problems(final, writes, argument="-o")
        if stale:
            raise export.OutputError(stale)
    if args.layer == "all":
        if fmt != "gpkg":
            raise CliError(
                f"layer 'all' is written as one GeoPackage: use --format gpkg, not {fmt!r}"
            )
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
    emit(
        {"layer": args.layer, "format": fmt, "path": str(args.output), "features": count},
        args.json,
        f"wrote {count} features of {args.layer} to {args.output} ({fmt})",
    )
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
