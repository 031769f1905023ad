"""Fuzz the command line: random argument lists from the real flags and hostile values.

Issue #11's adversarial pass made 200 random CLI calls and got tracebacks. Here Hypothesis
builds argument lists from the parser itself (every command, sub-command and flag
``layout.cli.main.build_parser`` declares, so new flags are fuzzed too) with values drawn from
valid ones and hostile ones: empty, NUL, 300-character names, folders, FIFOs, dangling and
input-aliasing links, missing folders, text files named ``.gpkg``, GBK, binary and 10,000-deep
JSON, template payloads, huge and negative numbers. Every call runs in-process
(``layout.cli.main(argv)``) in a scratch folder and must end with status 0, or status 2 and
one line ``cluster-atlas: error: …`` on stderr — never a traceback, never status 70 (an
internal error). ``CLI_FUZZ_EXAMPLES=N`` searches deeper (default 60 calls; the number run is
printed). A few hostile calls also run as real processes to check what reaches the terminal.

To keep a run short ``--permutations`` is always given (from small valid and hostile values).
FIFOs are offered everywhere a path goes: every command refuses one before opening it (a
reader would block on it).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layout.cli.main import build_parser, main

EXAMPLES = int(os.environ.get("CLI_FUZZ_EXAMPLES", "60"))
FIRMS_CSV = (
    "firm_id,name,lon,lat,chain,node,employees,output\n"
    "F1,甲,119.16,36.71,LED,epi,10,100\n"
    "F2,{{7*7}},abc,36.7,LED,epi,10,100\n"
)

# role → values; paths are relative to the scratch folder the calls run in
OUTPUTS = [
    "out.csv",
    "out.gpkg",
    "out.geojson",
    "out.xlsx",
    "out.html",
    "",
    "a\x00b.csv",
    "dir",
    "dir.gpkg",
    "fifo.csv",
    "missing/x.csv",
    "x" * 300 + ".csv",
    "g" * 250 + ".gpkg",
    "dangling.csv",
    "in.csv",
    "link.csv",
    "./in.csv",
    "notes.gpkg",
    "ws.gpkg",
    "out.txt",
]
FIRM_INPUTS = [
    "in.csv",
    "fifo.csv",
    "gbk.csv",
    "bin.dat",
    "notes.gpkg",
    "ws.gpkg",
    "missing.csv",
    "",
    "dir",
    "a\x00b.csv",
    "deep.json",
    "x" * 300 + ".csv",
    "dangling.csv",
]
EDITS = [
    "edits.json",
    "deep.json",
    "types.json",
    "gbk.csv",
    "bin.dat",
    "fifo.csv",
    "dir",
    "missing.json",
    "",
    "ws.gpkg",
    "huge.json",
]
WORKSPACES = [
    "ws.gpkg",
    "new.gpkg",
    "notes.gpkg",
    "dir.gpkg",
    "fifo.gpkg",
    "missing/w.gpkg",
    "w.txt",
    "",
    "a\x00b.gpkg",
    "g" * 250 + ".gpkg",
]
HOSTILE = [
    "",
    "\x00",
    "{{7*7}}",
    "<img src=x onerror=alert(1)>",
    "-1",
    "nan",
    "x" * 300,
    "--json",
    "=1+1",
    "中文",
]
VALUES: dict[str, list[str]] = {
    "layer": ["counties", "province", "all", "zones-2020", "roads"],
    "format": ["geojson", "gpkg", "csv", "xlsx", "html", "shp"],
    "datum": ["wgs84", "gcj02", "bd09", "cgcs2000", "utm"],
    "crs": ["EPSG:4549", "EPSG:4326", "EPSG:999999", "not a crs"],
    "chain": ["LED", "CU", "XX"],
    "region": ["370783", "BLUE", "370000", "999999", "SHENGHUI"],
    "level": ["county", "city", "zone", "province", "town"],
    "frame": ["2013", "2020", "1999"],
    "base": ["employees", "output", "firms", "profit"],
    "permutations": ["0", "9", "-5", "abc", "100000", "99999999999999999999"],
    "name": ["a", "shouguang-epi", "bad name!", "x" * 64],
    "description": ["寿光", "{{7*7}}"],
    "firms_layer": ["firms", "demo", "nothing"],
}
_KEPT = ("in.csv", "notes.gpkg", "ws.gpkg", "edits.json", "gbk.csv")
ROLE = {
    "output": OUTPUTS,
    "rejects": OUTPUTS,
    "path": FIRM_INPUTS,
    "firms": FIRM_INPUTS,
    "edits": EDITS,
    "workspace": WORKSPACES,
}


def _commands() -> dict[str, list[object]]:
    """``{"export": [actions], "scenario new": [actions], …}`` from the real parser."""
    parser = build_parser()
    out: dict[str, list[object]] = {}

    def walk(prefix: str, p: object) -> None:
        subs = [a for a in p._actions if type(a).__name__ == "_SubParsersAction"]  # type: ignore[attr-defined]
        if subs:
            for name, sp in subs[0].choices.items():
                walk(f"{prefix} {name}".strip(), sp)
        else:
            out[prefix] = [a for a in p._actions if a.dest != "help"]  # type: ignore[attr-defined]

    walk("", parser)
    return out


COMMANDS = _commands()


@st.composite
def argv(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(sorted(COMMANDS)))
    args = command.split()
    for action in COMMANDS[command]:
        dest = action.dest  # type: ignore[attr-defined]
        flags = action.option_strings  # type: ignore[attr-defined]
        if dest == "permutations":
            include = True
        else:
            include = draw(st.floats(0, 1)) < (0.9 if action.required else 0.5)  # type: ignore[attr-defined]
        if not include:
            continue
        if action.nargs == 0:  # type: ignore[attr-defined]
            args.append(draw(st.sampled_from(flags)))
            continue
        pool = ROLE.get(dest) or VALUES.get(dest, []) + HOSTILE[:3]
        value = draw(
            st.sampled_from(pool + HOSTILE) if draw(st.booleans()) else st.sampled_from(pool)
        )
        if flags:
            args += [draw(st.sampled_from(flags)), value]
        else:
            args.append(value)  # a positional
    if draw(st.integers(0, 9)) == 0:  # now and then a stray token
        args.insert(draw(st.integers(0, len(args))), draw(st.sampled_from([*HOSTILE, "--nope"])))
    return args


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding every hostile file the values name."""
    from layout.scenarios import RemoveFirm, Scenario
    from layout.workspace import Workspace

    d = tmp_path_factory.mktemp("fuzz")
    (d / "in.csv").write_text(FIRMS_CSV, encoding="utf-8")
    (d / "gbk.csv").write_bytes(FIRMS_CSV.replace("{{7*7}}", "乙").encode("gbk"))
    (d / "bin.dat").write_bytes(bytes(range(256)) * 16)
    (d / "deep.json").write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")
    (d / "edits.json").write_text(
        json.dumps([{"type": "remove_firm", "firm_id": "ANCHOR-001"}]), encoding="utf-8"
    )
    (d / "types.json").write_text(
        json.dumps(
            [
                {
                    "type": "add_firm",
                    "firm_id": ["x"],
                    "name": {},
                    "lon": "e",
                    "lat": [],
                    "chain": 1,
                    "node": None,
                }
            ]
        ),
        encoding="utf-8",
    )
    (d / "huge.json").write_text(
        json.dumps([{"type": "remove_firm", "firm_id": "A"}] * 20_000), encoding="utf-8"
    )
    (d / "notes.gpkg").write_text("my notes\n", encoding="utf-8")
    Workspace(d / "ws.gpkg").save_scenario(Scenario("a", (RemoveFirm("ANCHOR-001"),)))
    (d / "dir").mkdir()
    (d / "dir.gpkg").mkdir()
    os.mkfifo(d / "fifo.csv")
    os.mkfifo(d / "fifo.gpkg")
    os.symlink(d / "nowhere" / "x.csv", d / "dangling.csv")
    os.symlink(d / "in.csv", d / "link.csv")
    pristine = tmp_path_factory.mktemp("pristine")
    for name in _KEPT:
        shutil.copyfile(d / name, pristine / name)
    return d


@contextlib.contextmanager
def _inside(folder: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)


def _call(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(args)
        except SystemExit as exc:  # --help exits through argparse
            status = int(exc.code or 0)
    return status, out.getvalue(), err.getvalue()


_RUNS: list[int] = []


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(args=argv())
def test_no_traceback_escapes_the_cli(scratch: Path, args: list[str]) -> None:
    before = {name: (scratch / name).read_bytes() for name in _KEPT}
    with _inside(scratch):
        status, _, err = _call(args)
    _RUNS.append(status)
    assert status in (0, 2), (args, status, err)
    assert "Traceback" not in err, (args, err)
    if status == 2:
        assert err.startswith("cluster-atlas: error: ") and err.count("\n") == 1, (args, err)
    # a file the call read is intact (an output may replace a file it did not read: restore it)
    read = {args[i + 1] for i, a in enumerate(args[:-1]) if a in ("--firms", "--edits")}
    read |= {a for a in args if a in FIRM_INPUTS}  # positionals (import-firms PATH)
    for name in _KEPT:
        now = (scratch / name).read_bytes()
        aliases = {name, f"./{name}"} | ({"link.csv"} if name == "in.csv" else set())
        if aliases & read and not (name == "ws.gpkg" and "scenario" in args):
            assert now == before[name], (args, name)
        if now != before[name]:
            (scratch / name).write_bytes(before[name])
    assert (scratch / "dir").is_dir() and (scratch / "fifo.csv").is_fifo(), args
    assert (scratch / "dangling.csv").is_symlink() and (scratch / "link.csv").is_symlink(), args


def test_fuzz_ran_and_reported() -> None:
    # printed with -s / in the log: how many calls, how many refused
    print(f"CLI fuzz: {len(_RUNS)} calls, {_RUNS.count(0)} ok, {_RUNS.count(2)} refused")
    assert len(_RUNS) >= min(EXAMPLES, 10)


@pytest.mark.parametrize(
    "args",
    [
        ["import-firms", "in.csv", "-o", "out.gpkg", "--rejects", "in.csv"],
        ["import-firms", "bin.dat", "-o", "out.gpkg", "--rejects", "rej.csv"],
        ["scenario", "new", "--workspace", "ws.gpkg", "--name", "b", "--edits", "deep.json"],
        ["scenario", "new", "--workspace", "ws.gpkg", "--name", "b", "--edits", "gbk.csv"],
        ["scenario", "list", "--workspace", "notes.gpkg"],
        ["export", "counties", "-o", "dir"],
        ["export", "counties", "-o", "x" * 300 + ".csv"],
        ["analyze", "--chain", "LED", "--permutations", "99999999999"],
        ["report", "--chain", "LED", "--region", "370783", "-o", "fifo.csv", "--format", "html"],
    ],
)
def test_hostile_calls_in_a_real_process(scratch: Path, args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "layout.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=scratch,
    )
    assert proc.returncode == 2, (args, proc.stderr)
    assert proc.stderr.startswith("cluster-atlas: error: ") and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr
