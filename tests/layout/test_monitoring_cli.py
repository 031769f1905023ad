"""``cluster-atlas monitor``: the JSON shape on hand-made files, the demo panel, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from layout.cli import main
from layout.monitoring import demo_panel, monitor_chain

HEADER = "企业编号,企业名称,经度,纬度,产业链,环节,从业人数,产值（万元）"
# 历下区 (370102) and 市南区 (370202): one point inside each
JINAN, QINGDAO = (117.05, 36.67), (120.38, 36.07)


def _row(fid: str, node: str, emp: int, where: tuple[float, float]) -> str:
    return f"{fid},企业{fid},{where[0]},{where[1]},LED,{node},{emp},{emp * 10}"


def _files(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "led_2023.csv", tmp_path / "led_2024.csv"
    a.write_text(
        "\n".join(
            [
                HEADER,
                _row("L1", "epi", 100, JINAN),
                _row("L2", "chip", 50, JINAN),
                _row("L3", "epi", 40, QINGDAO),
            ]
        ),
        encoding="utf-8",
    )
    b.write_text(
        "\n".join([HEADER, _row("L1", "epi", 120, JINAN), _row("L4", "chip", 10, QINGDAO)]),
        encoding="utf-8",
    )
    return a, b


def test_monitor_json_on_two_files_by_hand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _files(tmp_path)
    assert main(["monitor", "--chain", "LED", "--firms", str(a), str(b), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["years"] == [2023, 2024] and d["level"] == "county"
    assert not d["data"]["synthetic_in_use"]
    reg = {r["region"]: r for r in d["regions"]}
    jinan, qingdao = reg["370102"], reg["370202"]
    # Jinan 150 → 120 (L2 exits), Qingdao 40 → 10 (L3 exits, L4 enters)
    assert [y["value"] for y in jinan["by_year"]] == [150.0, 120.0]
    assert jinan["by_year"][1]["exits"] == 1 and qingdao["by_year"][1]["entries"] == 1
    assert jinan["growth"]["cagr_value"] == pytest.approx(120 / 150 - 1)
    # only LED in the table: E = E_LED, so G = G_i = 130 / 190 − 1 and the industry mix is 0
    g = 130 / 190 - 1
    assert jinan["shift_share"]["provincial_share"] == pytest.approx(150 * g)
    assert jinan["shift_share"]["industry_mix"] == pytest.approx(0.0, abs=1e-9)
    assert jinan["shift_share"]["regional_shift"] == pytest.approx(-30 - 150 * g)
    kinds = {(t["node"], t["kind"]) for t in jinan["transitions"]}
    assert ("chip", "gap_opened") in kinds
    q = {(t["node"], t["kind"]) for t in qingdao["transitions"]}
    assert {("epi", "gap_opened"), ("chip", "gap_closed")} <= q
    assert {"ranks", "warnings", "rule", "province"} <= set(d)
    assert d["rule"]["warn_after"] == 2 and d["rule"]["exit_after"] == 3


def test_year_arguments_and_text_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = _files(tmp_path)
    argv = ["monitor", "--chain", "LED", "--firms", f"2020={a}", f"2022={b}", "--level", "city"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "years 2020–2022" in out and "370100 济南市" in out


def test_monitor_demo_matches_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["monitor", "--chain", "PU", "--level", "province", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    direct = json.loads(
        json.dumps(monitor_chain(demo_panel(), "PU", level="province").to_dict(), default=str)
    )
    assert d == direct
    assert d["years"] == list(range(2019, 2025)) and d["data"]["synthetic_in_use"]


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--level", "town", "--base", "staff"], "unknown base 'staff'"),
        (["--evaluated", "some"], "use present or all"),
        (["--start", "2030"], "not in the panel"),
        (["--start", "2024"], "at least two years"),
    ],
)
def test_errors_are_one_line(
    extra: list[str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["monitor", "--chain", "LED", "--level", "province", *extra]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_one_year_and_mixed_year_arguments_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _files(tmp_path)
    assert main(["monitor", "--chain", "LED", "--firms", str(a)]) == 2
    assert "at least two years" in capsys.readouterr().err
    assert main(["monitor", "--chain", "LED", "--firms", f"2020={a}", str(b)]) == 2
    assert "YEAR=PATH" in capsys.readouterr().err


def test_readme_example_is_what_monitor_prints() -> None:
    """The README's `monitor --json` example is the real output, cut as the README says."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    start = readme.index("Example (`cluster-atlas monitor --chain LED --level zone --json`")
    begin = readme.index("```json", start) + len("```json")
    example = json.loads(readme[begin : readme.index("```", begin)])
    d = json.loads(
        json.dumps(monitor_chain(demo_panel(), "LED", level="zone").to_dict(), default=str)
    )
    blue = next(r for r in d["regions"] if r["region"] == "BLUE")
    shown = example["regions"][0]
    assert shown["by_year"] == [blue["by_year"][0], blue["by_year"][-1]]
    assert shown["nodes"][0]["by_year"] == blue["nodes"][0]["by_year"][-1:]
    assert {k: v for k, v in shown["nodes"][0].items() if k != "by_year"} == {
        k: v for k, v in blue["nodes"][0].items() if k != "by_year"
    }
    assert shown["transitions"] == blue["transitions"][:1]
    for key in ("region", "name_zh", "name_en", "growth", "lq_change", "shift_share"):
        assert shown[key] == blue[key], key
    for key in ("chain", "level", "frame", "base", "years", "start", "end", "rule", "data"):
        assert example[key] == d[key], key
    assert example["province"]["by_year"] == d["province"]["by_year"][-1:]
    assert example["ranks"] == [r for r in d["ranks"] if r["region"] == "BLUE"][-1:]
    assert example["warnings"] == d["warnings"][:1]


def test_inputs_that_are_not_files_are_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)  # a reader would block on it forever
    a, _ = _files(tmp_path)
    for argv in (
        ["monitor", "--chain", "LED", "--firms", str(fifo), str(a)],
        ["monitor", "--chain", "LED", "--firms", f"2020={tmp_path}", f"2021={a}"],
        ["monitor", "--chain", "LED", "--level", "province", "--rule", str(fifo)],
        ["monitor", "--chain", "LED", "--level", "province", "--indicators", ""],
        ["report", "--chain", "LED", "--region", "370100", "-o", str(tmp_path / "r.html"),
         "--panel", str(a), str(fifo)],
    ):  # fmt: skip
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("cluster-atlas: error: ") and err.count("\n") == 1, err
        assert "FIFO" in err or "folder" in err or "not a file name" in err, err


def test_report_never_overwrites_a_panel_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _files(tmp_path)
    before = a.read_bytes()
    argv = ["report", "--chain", "LED", "--region", "370100", "-o", str(a), "--format", "html"]
    assert main([*argv, "--panel", f"2023={a}", f"2024={b}"]) == 2
    assert "never overwrites its own input" in capsys.readouterr().err
    assert a.read_bytes() == before
