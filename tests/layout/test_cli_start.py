"""The CLI answers --help and argument errors before any heavy import (issue #12 item 4).

Speed itself is measured in ``bench/cli_start.py``; here we check the reason it is fast: a fresh
interpreter that runs the command has not imported pandas, geopandas, shapely, networkx or
pyproj when it exits. The light copies of names the checks use are kept equal to their homes.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "geopandas", "shapely", "networkx", "pyproj", "numpy")

PROBE = """
import json, sys
from layout.cli.main import main
try:
    code = main({argv!r})
except SystemExit as exc:
    code = exc.code
print(json.dumps({{"code": code, "heavy": [m for m in {heavy!r} if m in sys.modules]}}))
"""


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--help"], 0),
        (["analyze", "--help"], 0),
        (["export", "--help"], 0),
        (["analyze", "--chain", "XX"], 2),
        (["analyze", "--chain", "LED", "--base", "profit"], 2),
        (["analyze", "--chain", "LED", "--level", "town"], 2),
        (["analyze", "--chain", "LED", "--permutations", "-5"], 2),
        (["export", "roads", "-o", "x.geojson"], 2),
        (["export", "counties", "-o", "x.shp"], 2),
        (["export", "counties", "-o", "x.geojson", "--format", "shp"], 2),
        (["no-such-command"], 2),
    ],
)
def test_help_and_argument_errors_import_nothing_heavy(argv: list[str], code: int) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv, heavy=HEAVY)],
        capture_output=True,
        text=True,
        check=False,
    )
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["code"] == code, proc.stderr
    assert out["heavy"] == [], f"{argv} imported {out['heavy']}"
    if code == 2:
        assert proc.stderr.count("\n") == 1, proc.stderr  # one line, no traceback


def test_light_copies_equal_their_homes() -> None:
    from geo import export
    from geo.frames import FRAMES
    from geo.layers import LAYER_NAMES
    from layout import checks, regions
    from layout.chains import chain_codes
    from layout.cli import export as export_cmd

    assert checks.LEVELS == regions.LEVELS
    assert tuple(FRAMES) == checks.FRAME_CODES
    assert checks.shipped_chain_codes() == chain_codes()
    assert export_cmd.LAYERS == LAYER_NAMES
    assert tuple(export.FORMATS) == export_cmd.FORMATS
