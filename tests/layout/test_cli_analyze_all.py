"""``cluster-atlas analyze --all -o OUT.json``: every chain at every level in one process.

Each analysis in the file must be the JSON ``analyze --chain C --level L --frame F --json``
prints for that chain and level; the output follows the safe-output rules (checked before
anything is read, never an input, a folder or a device, written whole or not at all).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pytest

from layout.chains import chain_codes
from layout.cli import main

PERMS = "9"
LEVELS = [
    ("county", "2013"),
    ("city", "2013"),
    ("zone", "2013"),
    ("zone", "2020"),
    ("province", "2013"),
]


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("cluster-atlas: error: ") and err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    out = tmp_path_factory.mktemp("all") / "all.json"
    out.write_text("an older file\n", encoding="utf-8")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["analyze", "--all", "-o", str(out), "--permutations", PERMS, "--json"]) == 0
    return json.loads(out.read_text(encoding="utf-8")), json.loads(buf.getvalue())


def test_all_writes_every_chain_at_every_level(written: tuple[dict, dict]) -> None:
    doc, summary = written
    chains = list(chain_codes())
    assert doc["chains"] == chains
    assert [(x["level"], x["frame"]) for x in doc["levels"]] == LEVELS
    assert (doc["base"], doc["permutations"]) == ("employees", int(PERMS))
    assert doc["data"]["synthetic_in_use"] is True and doc["data"]["firms"] > 0
    got = [(a["chain"]["code"], a["level"], a["frame"]) for a in doc["analyses"]]
    assert got == [(c, lv, fr) for c in chains for lv, fr in LEVELS]
    assert summary["analyses"] == len(chains) * len(LEVELS) == 90
    assert summary["replaced"] == [summary["output"]]  # the older file was replaced


@pytest.mark.parametrize(
    ("chain", "level", "frame"), [("LED", "county", "2013"), ("PU", "zone", "2020")]
)
def test_each_analysis_is_what_analyze_json_prints(
    written: tuple[dict, dict],
    capsys: pytest.CaptureFixture[str],
    chain: str,
    level: str,
    frame: str,
) -> None:
    doc, _ = written
    args = ["analyze", "--chain", chain, "--level", level, "--frame", frame]
    assert main([*args, "--permutations", PERMS, "--json"]) == 0
    alone = json.loads(capsys.readouterr().out)
    i = list(chain_codes()).index(chain) * len(LEVELS) + LEVELS.index((level, frame))
    assert doc["analyses"][i] == alone


def test_one_chain_to_a_file_is_its_json(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "led.json"
    argv = ["analyze", "--chain", "LED", "--region", "BLUE", "--permutations", PERMS]
    assert main([*argv, "-o", str(out), "--json"]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("extra", "needles"),
    [
        ([], ["give -o OUT.json"]),
        (["-o", "x.json", "--chain", "LED", "--level", "city"], ["drop --chain, --level"]),
        (["-o", "x.json", "--base", "staff"], ["valid bases are"]),
        (["-o", "x.json", "--permutations", "-1"], ["out of range"]),
    ],
)
def test_all_refuses_bad_flags_in_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    extra: list[str],
    needles: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    _refused(["analyze", "--all", *extra], capsys, *needles)
    assert list(tmp_path.iterdir()) == []


def test_neither_chain_nor_all(capsys: pytest.CaptureFixture[str]) -> None:
    _refused(["analyze"], capsys, "give --chain CHAIN", "--all")


def test_output_that_could_hurt_is_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.csv"
    src.write_text(
        "firm_id,name,lon,lat,chain,node,employees\nF1,甲,119.16,36.71,LED,epi,10\n",
        encoding="utf-8",
    )
    before = src.read_bytes()
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "fifo.json")
    for target, needle in (
        (src, "input"),
        (tmp_path / "folder", "folder"),
        (tmp_path / "fifo.json", "regular file"),
        (tmp_path / "missing" / "x.json", "does not exist"),
    ):
        _refused(["analyze", "--all", "--firms", str(src), "-o", str(target)], capsys, "-o", needle)
    _refused(["analyze", "--all", "-o", "/dev/null"], capsys, "-o")
    assert src.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo.json", "folder", "in.csv"]


def test_a_failed_run_leaves_the_previous_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "all.json"
    out.write_text("previous\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01 not a table")
    assert main(["analyze", "--all", "--firms", str(bad), "-o", str(out)]) == 2
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.json", "bad.csv"]
    capsys.readouterr()
