"""Smoke test of an installed wheel, run by .ci/run from a folder outside the checkout.

Checks that the package imports from site-packages (not from a checkout), that the shipped data
travelled inside it, and that the command line works end to end: layers, an analysis, an
export read back. Exits non-zero with a message on the first failure.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path


def run(*args: str) -> str:
    out = subprocess.run(["cluster-atlas", *args], capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        sys.exit(f"smoke: cluster-atlas {' '.join(args)} failed ({out.returncode}):\n{out.stderr}")
    return out.stdout


def main() -> None:
    import geo
    import layout
    from geo.registry import data_path

    for mod in (geo, layout):
        if "site-packages" not in str(mod.__file__):
            sys.exit(f"smoke: {mod.__name__} imported from {mod.__file__}, not the installed wheel")
    counties = data_path("counties")
    if "site-packages" not in str(counties) or not counties.exists():
        sys.exit(f"smoke: shipped data not installed with the wheel: {counties}")

    layers = {row["name"]: row["features"] for row in json.loads(run("layers", "--json"))["layers"]}
    if layers.get("counties") != 136 or layers.get("cities") != 16:
        sys.exit(f"smoke: unexpected layer counts {layers}")
    print(f"smoke: layers ok ({len(layers)} layers, 136 counties)")

    result = json.loads(
        run("analyze", "--chain", "LED", "--region", "370705", "--permutations", "0", "--json")
    )
    region = result["regions"][0]
    if (
        region["region"] != "370705"
        or not region["nodes"]
        or not result["data"]["synthetic_in_use"]
    ):
        sys.exit(f"smoke: unexpected analysis {region['region']} {len(region['nodes'])} nodes")
    print(
        f"smoke: analysis ok (LED in 370705: {len(region['nodes'])} nodes, "
        f"completeness {region['completeness']:.2f})"
    )

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "htz.geojson"
        summary = json.loads(run("export", "htz", "-o", str(out), "--json"))
        doc = json.loads(out.read_text(encoding="utf-8"))
        if summary["features"] != len(doc["features"]) or not doc["features"]:
            sys.exit("smoke: export wrote a different number of features than it reported")
        print(f"smoke: export ok ({len(doc['features'])} high-tech zones read back)")
    print("smoke: installed wheel works outside the checkout")


if __name__ == "__main__":
    main()
