"""Hostile scenario edits: one clear error (with a message code and both languages), never a crash.

Issue #11 found tracebacks for scenario edits with lists or objects where scalars belong,
10,000-deep JSON, GBK and binary edits files. Every case below runs ``scenario new`` through
``layout.cli.main`` (exit 2, one line on stderr) and the library (``Scenario.from_json`` /
``validate``: a :class:`ScenarioError` whose problems carry codes and Chinese text).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.problems import ProblemError
from layout.cli import main
from layout.demo import demo_firms
from layout.scenarios import AddFirm, AddSite, RemoveFirm, Scenario, ScenarioError, validate

OK_FIRM = {
    "type": "add_firm",
    "firm_id": "S-1",
    "name": "新企业",
    "lon": 118.82,
    "lat": 37.01,
    "chain": "LED",
    "node": "epi",
    "employees": 50,
}


def _new(tmp_path: Path, payload: bytes | str, *extra: str) -> list[str]:
    edits = tmp_path / "edits.json"
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    edits.write_bytes(payload)
    ws = tmp_path / "w.gpkg"
    return ["scenario", "new", "--workspace", str(ws), "--name", "x", "--edits", str(edits), *extra]


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("cluster-atlas: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("firm_id", ["S-1"], "firm_id ['S-1'] must be text"),
        ("chain", {"code": "LED"}, "chain {'code': 'LED'} must be text"),
        ("node", ["epi"], "node ['epi'] must be text"),
        ("lon", [118.82], "lon [118.82] must be a number"),
        ("lat", "37.01", "lat '37.01' must be a number"),
        ("employees", {"n": 5}, "employees {'n': 5} must be a number or null"),
        ("name", 12, "name 12 must be text"),
        ("lon", True, "lon True must be a number"),
    ],
)
def test_lists_and_objects_where_scalars_belong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, value: object, needle: str
) -> None:
    edit = dict(OK_FIRM) | {field: value}
    _refused(_new(tmp_path, json.dumps([edit], ensure_ascii=False)), capsys, needle)
    with pytest.raises(ScenarioError) as err:
        Scenario.from_dict({"name": "x", "edits": [edit]})
    [p] = err.value.problems
    assert p.code == "scn_field_type" and p.argument == field
    assert "edit 1 (add_firm)" in p and "第 1 项修改" in p.text("zh")
    assert not (tmp_path / "w.gpkg").exists()


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (
            {
                "type": "add_site",
                "kind": "park",
                "site_id": "P",
                "name": "p",
                "lon": 117.15,
                "lat": 35.08,
                "nodes": "epi",
            },
            "nodes 'epi' must be a list of text",
        ),
        (
            {
                "type": "add_site",
                "kind": ["park"],
                "site_id": "P",
                "name": "p",
                "lon": 117.15,
                "lat": 35.08,
            },
            "kind ['park'] must be text",
        ),
        (
            {
                "type": "change_zone_membership",
                "adcode": ["371726"],
                "frame": "2013",
                "zone_code": "BLUE",
            },
            "adcode ['371726'] must be text",
        ),
        (
            {
                "type": "change_zone_membership",
                "adcode": "371726",
                "frame": {"y": 2013},
                "zone_code": "BLUE",
            },
            "frame {'y': 2013} must be text",
        ),
        ({"type": ["add_firm"]}, "edit type ['add_firm'] is unknown"),
        ([1, 2], "an edit must be a JSON object, not list"),
        ({"type": "remove_firm", "firm_id": None}, "firm_id None must be text"),
    ],
)
def test_other_edits_with_wrong_types(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], edit: object, needle: str
) -> None:
    _refused(_new(tmp_path, json.dumps([edit])), capsys, needle)


def test_whole_numbers_for_ids_become_text() -> None:
    s = Scenario.from_dict(
        {
            "name": "x",
            "edits": [
                {
                    "type": "change_zone_membership",
                    "adcode": 371726,
                    "frame": 2013,
                    "zone_code": "BLUE",
                }
            ],
        }
    )
    assert s.edits[0].adcode == "371726" and s.edits[0].frame == "2013"
    assert Scenario.from_json(s.to_json()) == s


def test_wrong_types_built_in_python_are_problems_not_crashes() -> None:
    bad = Scenario(
        "x",
        (
            AddFirm(["S-1"], "n", 118.8, 37.0, "LED", "epi"),  # type: ignore[arg-type]
            RemoveFirm({"id": 1}),  # type: ignore[arg-type]
            AddSite("park", "P", "p", 117.15, 35.08, ["LED"], ("epi",)),  # type: ignore[arg-type]
            "not an edit",  # type: ignore[arg-type]
        ),
    )
    with pytest.raises(ScenarioError) as err:
        validate(bad, demo_firms())
    codes = [p.code for p in err.value.problems]
    assert codes == ["scn_field_type", "scn_field_type", "scn_field_type", "scn_not_an_edit"]


def test_description_and_edits_must_have_their_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ScenarioError, match="description \\['a'\\] must be text or null"):
        Scenario.from_dict({"name": "x", "description": ["a"], "edits": []})
    with pytest.raises(ScenarioError, match="edits must be a JSON list"):
        Scenario.from_dict({"name": "x", "edits": {"type": "remove_firm"}})
    _refused(_new(tmp_path, '{"edits": {"a": 1}}'), capsys, "edits must be a JSON list")
    _refused(_new(tmp_path, '"just text"'), capsys, "list of edit objects")


def test_ten_thousand_deep_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deep = "[" * 10_000 + "]" * 10_000
    _refused(_new(tmp_path, deep), capsys, "nested deeper than 32", "CLUSTER_ATLAS_JSON_MAX_DEPTH")
    with pytest.raises(ScenarioError) as err:
        Scenario.from_json('{"name": "x", "edits": ' + deep + "}")
    assert err.value.problems[0].code == "json_too_deep"
    assert "嵌套" in err.value.text("zh")


def test_gbk_edits_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = json.dumps([OK_FIRM], ensure_ascii=False)
    _refused(_new(tmp_path, text.encode("gbk")), capsys, "GBK/GB18030", "save it as UTF-8")


def test_binary_edits_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blob = bytes(range(256)) * 8
    _refused(_new(tmp_path, blob), capsys, "not a text file")
    _refused(_new(tmp_path, b"PK\x03\x04\x14\x00\x00\x00"), capsys, "not a text file")


def test_utf8_with_bom_is_fine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    payload = "\ufeff" + json.dumps([{"type": "remove_firm", "firm_id": "ANCHOR-001"}])
    assert main(_new(tmp_path, payload)) == 0


def test_edits_file_that_is_a_folder_or_fifo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    folder = tmp_path / "d.json"
    folder.mkdir()
    fifo = tmp_path / "p.json"
    os.mkfifo(fifo)  # opening it for reading would block: it must be refused unopened
    base = ["scenario", "new", "--workspace", str(tmp_path / "w.gpkg"), "--name", "x", "--edits"]
    _refused([*base, str(folder)], capsys, "not a regular file")
    _refused([*base, str(fifo)], capsys, "not a regular file")
    _refused([*base, str(tmp_path / "missing.json")], capsys, "not found")


def test_size_items_and_string_caps_name_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    many = json.dumps([{"type": "remove_firm", "firm_id": "ANCHOR-001"}] * 10_001)
    _refused(_new(tmp_path, many), capsys, "10,001 items", "CLUSTER_ATLAS_JSON_MAX_ITEMS")
    long = json.dumps([dict(OK_FIRM) | {"name": "长" * 10_001}], ensure_ascii=False)
    _refused(_new(tmp_path, long), capsys, "10,001 characters", "CLUSTER_ATLAS_JSON_MAX_STRING")
    monkeypatch.setenv("CLUSTER_ATLAS_JSON_MAX_BYTES", "1000")
    big = json.dumps(
        {"edits": [{"type": "remove_firm", "firm_id": "ANCHOR-001"}], "note": "n" * 2000}
    )
    _refused(_new(tmp_path, big), capsys, "more than the limit of 1,000 bytes")
    monkeypatch.setenv("CLUSTER_ATLAS_JSON_MAX_BYTES", "lots")
    _refused(_new(tmp_path, "[]"), capsys, "CLUSTER_ATLAS_JSON_MAX_BYTES='lots' is invalid")
    # raising the limit lets the same file through
    monkeypatch.setenv("CLUSTER_ATLAS_JSON_MAX_BYTES", "100000")
    assert main(_new(tmp_path, big)) == 0


def test_too_many_edits_from_python_is_refused() -> None:
    from geo.safe_json import JsonLimits

    doc = {"name": "x", "edits": [{"type": "remove_firm", "firm_id": "A"}] * 11}
    with pytest.raises(ScenarioError, match="11 edits, more than the limit of 10"):
        Scenario.from_dict(doc, limits=JsonLimits(max_items=10))


def test_nan_and_huge_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _refused(
        _new(tmp_path, '[{"type": "move_firm", "firm_id": "A", "lon": NaN, "lat": 1}]'),
        capsys,
        "NaN, which is not JSON",
    )
    _refused(_new(tmp_path, "[" + "9" * 5000 + "]"), capsys, "more than 4,300 digits")


def test_scenario_error_is_a_problem_error_with_both_languages() -> None:
    with pytest.raises(ScenarioError) as err:
        validate(Scenario("bad name!", (RemoveFirm("NOPE"),)), demo_firms())
    exc = err.value
    assert isinstance(exc, ProblemError) and ScenarioError.subject == ("情景", "scenario")
    assert [p.code for p in exc.problems] == ["scn_bad_name", "scn_unknown_firm"]
    assert all(p.zh != p.en for p in exc.problems)
    assert exc.text("zh").startswith("情景共有 2 个问题")
