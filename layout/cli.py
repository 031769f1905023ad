"""``cluster-atlas`` command line: wires arguments to geo/ and layout/ calls, nothing more.

Commands and flags are a public contract (documented in README.md):

* ``cluster-atlas layers [--json]``
* ``cluster-atlas export LAYER -o PATH [--format geojson|gpkg|csv|xlsx]``
* ``cluster-atlas import-firms PATH [--datum …] [--crs EPSG:N] -o OUT.gpkg --rejects R.csv [--json]``
* ``cluster-atlas analyze --chain CHAIN [--firms PATH] [--region CODE] [--level …] [--base …] [--json]``
* ``cluster-atlas coverage [--json]``
* ``cluster-atlas report --chain CHAIN --region CODE -o PATH`` (layout.reports)
* ``cluster-atlas scenario new|run|list --workspace W.gpkg …`` (layout.scenarios)

Errors in arguments print one line naming the valid values and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["CliError", "load_firms", "main", "option_problems"]

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


def _cmd_export(args: argparse.Namespace) -> int:
    from geo import export
    from geo.layers import LAYER_NAMES, load_layer

    valid = (*LAYER_NAMES, "all")
    if args.layer not in valid:
        raise CliError(f"unknown layer {args.layer!r}: valid layers are {', '.join(valid)}")
    fmt = _infer_format(args.output, args.format)
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
    _emit(
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


# ----------------------------------------------------------------------------- parser
class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        raise CliError(message)


def _build_parser() -> tuple[
    argparse.ArgumentParser, dict[str, Callable[[argparse.Namespace], int]]
]:
    p = _Parser(prog="cluster-atlas", description="Shandong Cluster Atlas command line")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {}

    s = sub.add_parser("layers", help="list layers with feature counts and datum")
    s.add_argument("--json", action="store_true", help="print JSON")
    handlers["layers"] = _cmd_layers

    s = sub.add_parser("export", help="export a layer (or 'all' as one GeoPackage)")
    s.add_argument(
        "layer", help="province, cities, counties, zones, zones-2020, htz, clusters, all"
    )
    s.add_argument("-o", "--output", required=True, help="output file")
    s.add_argument("--format", help="geojson, gpkg, csv or xlsx (default: from the file suffix)")
    s.add_argument("--json", action="store_true", help="print a JSON summary")
    handlers["export"] = _cmd_export

    for register in _EXTRA_COMMANDS:
        register(sub, handlers)
    return p, handlers


# Later modules add subcommands here: callables (subparsers, handlers) -> None.
_EXTRA_COMMANDS: list[Callable[[Any, dict[str, Callable[[argparse.Namespace], int]]], None]] = []


# ----------------------------------------------------------------------------- firms / analysis
def load_firms(path: str | None, datum: str = "wgs84", crs: str | None = None) -> Any:
    """Firms from a user file (through the importer) or the demonstration table."""
    if path is None:
        from layout.demo import demo_firms

        return demo_firms()
    from layout.records import FirmImportError, read_firms

    try:
        result = read_firms(path, datum=datum, crs=crs)
    except (FirmImportError, OSError) as exc:
        raise CliError(str(exc).splitlines()[0]) from exc
    if result.summary["rejected"]:
        sys.stderr.write(
            f"note: {result.summary['rejected']} of {result.summary['read']} rows rejected; "
            "run `cluster-atlas import-firms` to write them out with their reasons\n"
        )
    return result.accepted


def _cmd_import_firms(args: argparse.Namespace) -> int:
    from geo.datum import DatumError, parse_datum
    from geo.export import to_gpkg
    from layout.records import FirmImportError, read_firms, write_rejects

    try:
        datum = parse_datum(args.datum).value
    except DatumError as exc:
        raise CliError(str(exc)) from exc
    try:
        result = read_firms(args.path, datum=datum, crs=args.crs)
    except (FirmImportError, OSError, ValueError) as exc:
        raise CliError(str(exc).splitlines()[0]) from exc
    if len(result.accepted):
        to_gpkg({"firms": result.accepted}, args.output, metadata={"firms": {"datum_in": datum}})
    write_rejects(result, args.rejects)
    summary = dict(result.summary) | {"output": str(args.output), "rejects": str(args.rejects)}
    by = ", ".join(f"{k} {v}" for k, v in summary.get("by_reason", {}).items()) or "none"
    _emit(
        summary,
        args.json,
        f"read {summary['read']} rows: {summary['accepted']} accepted, {summary['rejected']} rejected "
        f"(reasons: {by})\naccepted -> {args.output}\nrejects  -> {args.rejects}",
    )
    return 0


def option_problems(
    *, chain: str | None = None, base: str | None = None, level: str | None = None
) -> list[str]:
    """One message per invalid ``--chain``/``--base``/``--level`` value, naming the valid ones."""
    from layout.analysis import BASES
    from layout.chains import chain_codes
    from layout.regions import LEVELS

    problems = []
    codes = list(chain_codes())
    if chain is not None and chain not in codes:
        problems.append(f"unknown chain {chain!r}: valid chains are {', '.join(codes)}")
    if base is not None and base not in BASES:
        problems.append(f"unknown base {base!r}: valid bases are {', '.join(BASES)}")
    if level is not None and level not in LEVELS:
        problems.append(f"unknown level {level!r}: valid levels are {', '.join(LEVELS)}")
    return problems


def _cmd_analyze(args: argparse.Namespace) -> int:
    from layout.analysis import analyze_chain
    from layout.regions import RegionError

    problems = option_problems(chain=args.chain, base=args.base, level=args.level)
    if problems:
        raise CliError(problems[0])
    firms = load_firms(args.firms, args.datum, args.crs)
    try:
        result = analyze_chain(
            firms,
            args.chain,
            region=args.region,
            level=args.level,
            frame=args.frame,
            base=args.base,
            permutations=args.permutations,
        )
    except (RegionError, ValueError) as exc:
        raise CliError(str(exc).splitlines()[0]) from exc
    payload = result.to_dict()
    lines = [
        f"{result.name_zh} {result.name_en} — level {result.level}, base {result.base}"
        + (" (synthetic demonstration data)" if result.data.get("synthetic_in_use") else "")
    ]
    for reg in payload["regions"]:
        counts: dict[str, int] = {}
        for node in reg["nodes"]:
            counts[node["status"]] = counts.get(node["status"], 0) + 1
        lines.append(
            f"{reg['region']} {reg['name_zh']}: completeness {reg['completeness']:.2f} "
            + " ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        )
    _emit(payload, args.json, "\n".join(lines))
    return 0


def _cmd_coverage(args: argparse.Namespace) -> int:
    from layout import coverage

    matrices = {f: coverage.zone_cluster_matrix(f) for f in ("2013", "2020")}
    compliance = coverage.focus_compliance()
    uncovered = coverage.uncovered_counties()
    targets = coverage.target_progress()
    payload = {
        "zone_cluster_matrix": {
            f: m.reset_index().to_dict(orient="records") for f, m in matrices.items()
        },
        "zone_category_counts": {
            f: coverage.zone_category_counts(f).reset_index().to_dict(orient="records")
            for f in ("2013", "2020")
        },
        "focus_compliance": compliance.to_dict(orient="records"),
        "uncovered_counties": uncovered.to_dict(orient="records"),
        "target_progress": targets.to_dict(orient="records"),
    }
    text = (
        compliance[["cluster_id", "name_zh", "named_zone", "compliance"]].to_string(index=False)
        + f"\n\n{len(uncovered)} counties host no cluster and no high-tech zone\n\n"
        + targets[["target_id", "value", "observed", "status"]].to_string(index=False)
    )
    _emit(payload, args.json, text)
    return 0


def _register_analysis(sub: Any, handlers: dict[str, Callable[[argparse.Namespace], int]]) -> None:
    s = sub.add_parser(
        "import-firms", help="import a firm file; every row accepted or rejected with a reason"
    )
    s.add_argument("path", help="CSV (UTF-8, BOM, GBK/GB18030), XLSX, GeoJSON or GeoPackage")
    s.add_argument(
        "--datum", default="wgs84", help="wgs84, cgcs2000, gcj02 or bd09 (default wgs84)"
    )
    s.add_argument("--crs", default=None, help="projected input CRS, e.g. EPSG:4549")
    s.add_argument("-o", "--output", required=True, help="GeoPackage for the accepted firms")
    s.add_argument("--rejects", required=True, help="CSV for the rejected rows and their reasons")
    s.add_argument("--json", action="store_true", help="print the summary as JSON")
    handlers["import-firms"] = _cmd_import_firms

    s = sub.add_parser("analyze", help="analyse a chain in every region of a level, or one region")
    s.add_argument("--chain", required=True, help="chain code, e.g. LED")
    s.add_argument("--firms", default=None, help="firm file (default: the demonstration data)")
    s.add_argument("--datum", default="wgs84", help="datum of --firms coordinates")
    s.add_argument("--crs", default=None, help="projected CRS of --firms coordinates")
    s.add_argument("--region", default=None, help="county/city adcode, zone code or 370000")
    s.add_argument("--level", default=None, help="county, city, zone or province (default county)")
    s.add_argument("--frame", default="2013", help="plan frame of zones: 2013 or 2020")
    s.add_argument("--base", default="employees", help="employees, output or firms")
    s.add_argument("--permutations", type=int, default=999, help="permutations for Moran/LISA/Gi*")
    s.add_argument("--json", action="store_true", help="print JSON")
    handlers["analyze"] = _cmd_analyze

    s = sub.add_parser(
        "coverage", help="zone x cluster matrices, 2015 compliance, uncovered counties, targets"
    )
    s.add_argument("--json", action="store_true", help="print JSON")
    handlers["coverage"] = _cmd_coverage


_EXTRA_COMMANDS.append(_register_analysis)


def _register_report(sub: Any, handlers: dict[str, Callable[[argparse.Namespace], int]]) -> None:
    from layout.reports import register_cli  # imported lazily: keeps other commands fast

    register_cli(sub, handlers)


_EXTRA_COMMANDS.append(_register_report)


def _register_scenarios(sub: Any, handlers: dict[str, Callable[[argparse.Namespace], int]]) -> None:
    from layout.scenarios import register_cli

    register_cli(sub, handlers)


_EXTRA_COMMANDS.append(_register_scenarios)


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
