"""``cluster-atlas import-firms`` with the office options: --columns, --values, --chain, --sheet,
--encoding, the caps, and the progress bar (stderr only, never in --json output)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import openpyxl
import pytest

from layout.cli import import_firms
from layout.cli.main import main
from layout.records.limits import Limits


def test_the_cli_caps_are_the_importer_defaults() -> None:
    assert dataclasses.asdict(Limits()) == import_firms._LIMITS


def _registry(path: Path) -> Path:
    path.write_text(
        "单位,区划码,环节\n甲,370783,外延片\n乙,370102,封裝\n丙,999999,芯片\n", encoding="utf-8"
    )
    return path


def test_columns_values_and_chain_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _registry(tmp_path / "r.csv")
    out, rej = tmp_path / "ok.gpkg", tmp_path / "rej.csv"
    cols = tmp_path / "cols.json"
    cols.write_text(
        json.dumps({"单位": "name", "区划码": "adcode", "环节": "node"}, ensure_ascii=False)
    )
    args = ["import-firms", str(src), "-o", str(out), "--rejects", str(rej), "--json"]
    assert main([*args, "--columns", str(cols), "--chain", "LED", "--progress"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)  # the progress bar went to stderr only
    assert "[" in captured.err and "100%" in captured.err
    assert (summary["read"], summary["accepted"], summary["rejected"]) == (3, 1, 2)
    assert summary["by_reason"] == {"unlocatable": 1, "unknown_node": 1}
    assert summary["by_location"] == {"county": 1}
    assert summary["columns"] == {"name": "单位", "adcode": "区划码", "node": "环节"}
    assert summary["values"] == {"chain": {}, "node": {"LED": {"外延片": "epi", "芯片": "chip"}}}
    assert summary["unknown_values"]["node"] == {"LED": ["封裝"]}
    # the user maps the unknown value and runs again with the summary's own mapping files
    vals = tmp_path / "vals.json"
    vals.write_text(json.dumps({"node": {"LED": {"封裝": "package"}}}, ensure_ascii=False))
    assert main([*args, "--columns", str(cols), "--chain", "LED", "--values", str(vals)]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["accepted"] == 2 and again["by_reason"] == {"unlocatable": 1}


def test_sheet_caps_and_bad_mapping_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = openpyxl.Workbook()
    book.active.title = "说明"
    data = book.create_sheet("企业")
    data.append(["企业名称", "所属区县"])
    for i in range(5):
        data.append([f"企业{i}", "寿光市"])
    path = tmp_path / "b.xlsx"
    book.save(path)
    out, rej = tmp_path / "ok.gpkg", tmp_path / "rej.csv"
    args = ["import-firms", str(path), "-o", str(out), "--rejects", str(rej), "--json"]
    assert main([*args, "--sheet", "企业"]) == 0
    assert json.loads(capsys.readouterr().out)["accepted"] == 5
    assert main([*args, "--sheet", "企业", "--max-rows", "3"]) == 2
    err = capsys.readouterr().err
    assert "max_rows=3" in err and "--max-rows N" in err and len(err.strip().splitlines()) == 1
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    assert main([*args, "--sheet", "企业", "--columns", str(bad)]) == 2
    assert "--columns" in capsys.readouterr().err
    bad.write_text(json.dumps({"企业名称": "firmname"}))
    assert main([*args, "--sheet", "企业", "--columns", str(bad)]) == 2
    assert "not a field" in capsys.readouterr().err
