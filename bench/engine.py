"""Benchmark cases of the analysis engine and the rows they give (``bench/run.py`` runs them).

* ``engine_files`` — the seeded firm table (:func:`bench.data.bench_firms`) written once as
  GeoParquet and GeoPackage, the files both sides read;
* ``engine`` — ours: read the file, then every chain at every level
  (:func:`layout.analysis.analyze_all`, 18 chains × 5 levels = 90 analyses);
* ``pipeline`` — the peer: a plain geopandas pipeline that only reads the same file, joins it
  to the counties with ``geopandas.sjoin(predicate="within")`` and sums employees by county,
  chain and node;
* ``reference`` — the same 90 analyses with an earlier release's code (``--reference REF``,
  extracted from git), one ``analyze_chain`` call per chain and level as that release ran them;
* ``cli_all`` — ``cluster-atlas analyze --all -o OUT.json`` on the demonstration data, from
  process start to the file written, and the earlier release's per-call loop (with its JSON) as
  a process of its own.

"Identical" compares, chain by chain and level by level, the SHA-256 of each analysis's JSON
(``json.dumps(result.to_dict(), ensure_ascii=False)``), and the engine's county × chain × node
sums with the pipeline's, exactly.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = [
    "ENGINE_CASES",
    "REFERENCE_LOOP",
    "case_cli_all",
    "case_engine",
    "case_engine_files",
    "case_pipeline",
    "case_reference",
    "engine_plan",
    "engine_rows",
]

LEVELS = [
    ("county", "2013"),
    ("city", "2013"),
    ("zone", "2013"),
    ("zone", "2020"),
    ("province", "2013"),
]

REFERENCE_LOOP = """
import hashlib, json, sys
from layout.analysis import analyze_chain
from layout.chains import chain_codes
from layout.demo import demo_firms
levels = {levels!r}
firms = demo_firms()
with open(sys.argv[1], "w", encoding="utf-8") as fh:
    for chain in chain_codes():
        for level, frame in levels:
            text = json.dumps(
                analyze_chain(firms, chain, level=level, frame=frame).to_dict(),
                ensure_ascii=False,
                default=str,
            )
            fh.write(text + "\\n")
"""
"""The earlier release's way to get every analysis as JSON: a loop of ``analyze_chain``."""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _digests(results: Any) -> list[list[str]]:
    out = []
    for r in results:
        text = json.dumps(r.to_dict(), ensure_ascii=False, default=str)
        out.append([r.chain, r.level, r.frame, _digest(text)])
    return out


def _read(path: str) -> Any:
    import geopandas as gpd

    if path.endswith(".parquet"):
        return gpd.read_parquet(path)
    return gpd.read_file(path, engine="pyogrio")


def case_engine_files(spec: dict[str, Any]) -> dict[str, Any]:
    """Write the seeded firm table of ``n`` rows as GeoParquet and GeoPackage."""
    from bench.data import bench_firms

    folder = Path(spec["dir"])
    folder.mkdir(parents=True, exist_ok=True)
    firms = bench_firms(int(spec["n"]))
    out: dict[str, Any] = {"rows": len(firms)}
    for suffix in ("parquet", "gpkg"):
        path = folder / f"firms.{suffix}"
        t0 = time.perf_counter()
        if suffix == "parquet":
            firms.to_parquet(path)
        else:
            firms.to_file(path, layer="firms", engine="pyogrio")
        out[f"write_{suffix}_s"] = time.perf_counter() - t0
        out[suffix] = str(path)
        out[f"{suffix}_bytes"] = path.stat().st_size
    return out


def case_engine(spec: dict[str, Any]) -> dict[str, Any]:
    """Ours: read the file and analyse every chain at every level; best of ``repeat``."""
    import pandas as pd

    from geo.joins import CountyIndex
    from layout.analysis import AnalysisRun
    from layout.analysis.shared import level_key

    CountyIndex.default()  # built once per process, as in the join cases
    best: dict[str, Any] | None = None
    for _ in range(max(1, int(spec.get("repeat", 1)))):
        t0 = time.perf_counter()
        firms = _read(spec["path"])
        t1 = time.perf_counter()
        run = AnalysisRun(firms)
        results = list(run.iter_all(spec.get("chains")))
        t2 = time.perf_counter()
        if best is None or t2 - t0 < best["seconds"]:
            best = {"seconds": t2 - t0, "read_s": t1 - t0, "analysis_s": t2 - t1}
            kept = (run, results)
    assert best is not None
    run, results = kept
    t3 = time.perf_counter()
    best["digests"] = _digests(results)
    best["json_s"] = time.perf_counter() - t3
    best["analyses"] = len(results)
    best["firms"] = run.table.n_firms
    agg = run.table.level(level_key("county", "2013"))
    rows = [
        (agg.regions[i], chain, node, agg.sums[i, j])
        for (chain, node), j in run.table.pairs.items()
        for i in range(len(agg.regions))
        if agg.counts[i, j] > 0
    ]
    sums = pd.DataFrame(rows, columns=["adcode", "chain", "node", "employees"])
    sums.sort_values(["adcode", "chain", "node"]).reset_index(drop=True).to_parquet(spec["result"])
    best["result"] = spec["result"]
    return best


def case_pipeline(spec: dict[str, Any]) -> dict[str, Any]:
    """The peer: read the same file, ``sjoin`` to counties, sum by county, chain and node."""
    import geopandas as gpd
    import pandas as pd

    from geo.boundaries import load_counties

    counties = load_counties()[["adcode", "geometry"]]
    best = None
    for _ in range(max(1, int(spec.get("repeat", 1)))):
        t0 = time.perf_counter()
        firms = _read(spec["path"])
        t1 = time.perf_counter()
        joined = gpd.sjoin(firms, counties, predicate="within", how="left")
        sums = joined.groupby(["adcode", "chain", "node"])["employees"].sum()
        t2 = time.perf_counter()
        if best is None or t2 - t0 < best["seconds"]:
            best = {"seconds": t2 - t0, "read_s": t1 - t0, "join_sum_s": t2 - t1}
    assert best is not None
    out = pd.DataFrame(sums).reset_index().astype({"adcode": str, "chain": str, "node": str})
    out.sort_values(["adcode", "chain", "node"]).reset_index(drop=True).to_parquet(spec["result"])
    best["result"] = spec["result"]
    return best


def case_reference(spec: dict[str, Any]) -> dict[str, Any]:
    """An earlier release (run from its own source tree): one ``analyze_chain`` per chain and
    level on the same file, as that release ran them (county codes joined once, not timed)."""
    from geo.joins import CountyIndex, join_counties
    from layout.analysis import analyze_chain
    from layout.chains import chain_codes

    CountyIndex.default()
    firms = _read(spec["path"])
    firms["adcode"] = join_counties(firms)
    chains = list(chain_codes())[: int(spec.get("max_chains", 999))]
    results, per_level = [], {}
    t0 = time.perf_counter()
    for level, frame in LEVELS:
        t1 = time.perf_counter()
        results += [analyze_chain(firms, c, level=level, frame=frame) for c in chains]
        per_level[f"{level}-{frame}" if level == "zone" else level] = time.perf_counter() - t1
    seconds = time.perf_counter() - t0
    order = {c: i for i, c in enumerate(chains)}
    results.sort(key=lambda r: order[r.chain])  # stable: chain order, then level order
    return {
        "seconds": seconds,
        "per_level_s": per_level,
        "digests": _digests(results),
        "analyses": len(results),
        "source": spec.get("source_tree"),
    }


def case_cli_all(spec: dict[str, Any]) -> dict[str, Any]:
    """``cluster-atlas analyze --all -o`` on the demo data, process start to file written;
    with ``loop``: the earlier release's per-call loop (``REFERENCE_LOOP``) the same way."""
    out = Path(spec["dir"]) / ("loop.jsonl" if spec.get("loop") else "all.json")
    env = dict(os.environ)
    tree = spec.get("source_tree")
    cwd = tree or str(Path(__file__).resolve().parents[1])
    if spec.get("loop"):
        argv = [sys.executable, "-c", REFERENCE_LOOP.format(levels=LEVELS), str(out)]
    else:
        argv = [sys.executable, "-m", "layout.cli", "analyze", "--all", "-o", str(out)]
    times = []
    for _ in range(max(1, int(spec.get("repeat", 1)))):
        t0 = time.perf_counter()
        proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise RuntimeError(f"exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
    if spec.get("loop"):
        texts = out.read_text(encoding="utf-8").splitlines()
        docs = [json.loads(t) for t in texts]
    else:
        doc = json.loads(out.read_text(encoding="utf-8"))
        docs = doc["analyses"]
        texts = [json.dumps(a, ensure_ascii=False) for a in docs]
    digests = [
        [d["chain"]["code"], d["level"], d["frame"], _digest(t)]
        for d, t in zip(docs, texts, strict=True)
    ]
    return {
        "seconds": min(times),
        "all_seconds": times,
        "digests": digests,
        "analyses": len(digests),
        "bytes": out.stat().st_size,
    }


ENGINE_CASES = {
    "engine_files": case_engine_files,
    "engine": case_engine,
    "pipeline": case_pipeline,
    "reference": case_reference,
    "cli_all": case_cli_all,
}


def engine_plan(n: int, folder: str, reference: str | None, quick: bool) -> list[dict[str, Any]]:
    """The engine cases in order (``reference``: a source tree of an earlier release)."""
    parquet, gpkg = f"{folder}/firms.parquet", f"{folder}/firms.gpkg"
    repeat = 1 if quick else 3
    cases: list[dict[str, Any]] = [
        {"case": "engine_files", "n": n, "dir": folder},
        {"case": "pipeline", "n": n, "path": parquet, "source": "parquet", "repeat": repeat},
        {"case": "engine", "n": n, "path": parquet, "source": "parquet", "repeat": repeat},
        {"case": "pipeline", "n": n, "path": gpkg, "source": "gpkg", "repeat": 1},
        {"case": "engine", "n": n, "path": gpkg, "source": "gpkg", "repeat": 1},
        {"case": "cli_all", "n": 0, "dir": folder, "repeat": repeat},
    ]
    if reference:
        cases += [
            {"case": "reference", "n": n, "path": parquet, "source_tree": reference},
            {"case": "cli_all", "n": 0, "dir": folder, "loop": True, "source_tree": reference},
        ]
    return cases


def _same(a: dict[str, Any], b: dict[str, Any]) -> tuple[int, int]:
    """How many analyses carry equal JSON digests (matched by chain, level, frame), of how many."""
    da = {tuple(x[:3]): x[3] for x in a["digests"]}
    db = {tuple(x[:3]): x[3] for x in b["digests"]}
    return sum(da[k] == db.get(k) for k in da), max(len(da), len(db))


def engine_rows(
    find: Any, frames_identical: Any, s: Any, gb: Any, reference: str | None
) -> tuple[list[str], list[str]]:
    """Table rows and target checks of the engine cases (``find(**spec)`` looks a case up)."""
    rows: list[str] = []
    checks: list[str] = []
    files = find(case="engine_files")
    for source, label in (("parquet", "GeoParquet"), ("gpkg", "GeoPackage")):
        ours, peer = find(case="engine", source=source), find(case="pipeline", source=source)
        if ours is None or peer is None:
            rows.append(
                f"| full analysis from one {label} file | "
                f"{'failed' if ours is None else s(ours['seconds'])} | "
                f"{'failed' if peer is None else s(peer['seconds'])} | — | — | — |"
            )
            continue
        n = ours["firms"]
        same = frames_identical(ours["result"], peer["result"])
        ratio = peer["seconds"] / ours["seconds"]
        size = "" if files is None else f" ({files[f'{source}_bytes'] / 1e6:.0f} MB)"
        rows.append(
            f"| full analysis, {n / 1e6:g} M firms from one {label} file{size}: "
            f"read + every chain at every level (`analyze_all`, {ours['analyses']} analyses) vs "
            "a plain geopandas pipeline that reads the same file, `sjoin`s it to the counties "
            f"and sums by county, chain and node | {s(ours['seconds'])} (read "
            f"{s(ours['read_s'])}, analysis {s(ours['analysis_s'])}; JSON of all "
            f"{s(ours['json_s'])}) | {s(peer['seconds'])} (read {s(peer['read_s'])}, join + "
            f"sums {s(peer['join_sum_s'])}) | **{ratio:.2f}×** (ours = "
            f"{1 / ratio:.1f}× the pipeline) | "
            f"{'yes' if same else 'NO'}: county × node sums equal the pipeline's | "
            f"{gb(ours['peak_rss_bytes'])} / {gb(peer['peak_rss_bytes'])} |"
        )
        checks.append(
            f"full analysis of {n / 1e6:g} M firms ({label}) ≤ 3× the geopandas pipeline: "
            f"{'PASS' if 1 / ratio <= 3 else 'FAIL'} ({1 / ratio:.1f}×); sums identical: "
            f"{'PASS' if same else 'FAIL'}"
        )
    ours = find(case="engine", source="parquet")
    old = find(case="reference")
    if ours is not None and old is not None:
        k, total = _same(ours, old)
        per = ", ".join(f"{lv} {s(v)}" for lv, v in old["per_level_s"].items())
        rows.append(
            f"| the same {old['analyses']} analyses with the previous release ({reference}): "
            f"one `analyze_chain` per chain and level ({per}) vs this release's analysis | "
            f"{s(ours['analysis_s'])} | {s(old['seconds'])} | "
            f"**{old['seconds'] / ours['analysis_s']:.1f}×** | "
            f"{'yes' if k == total else 'NO'}: {k} of {total} analyses byte-identical JSON | "
            f"{gb(ours['peak_rss_bytes'])} / {gb(old['peak_rss_bytes'])} |"
        )
        checks.append(
            f"identical to the previous release at {ours['firms'] / 1e6:g} M firms: "
            f"{'PASS' if k == total else 'FAIL'} ({k}/{total})"
        )
    elif reference:
        rows.append("| the same analyses with the previous release | failed | — | — | — | — |")
    cli = find(case="cli_all", loop=None)
    loop = find(case="cli_all", loop=True)
    if cli is not None:
        peer_s = "—" if loop is None else s(loop["seconds"])
        ratio = "—" if loop is None else f"**{loop['seconds'] / cli['seconds']:.1f}×**"
        if loop is not None:
            k, total = _same(cli, loop)
            same = f"{'yes' if k == total else 'NO'}: {k} of {total} analyses byte-identical JSON"
            checks.append(
                f"`analyze --all` on the demo data identical to the previous release: "
                f"{'PASS' if k == total else 'FAIL'} ({k}/{total})"
            )
        else:
            same = "—"
        rows.append(
            f"| `cluster-atlas analyze --all -o OUT.json` on the demonstration data "
            f"({cli['analyses']} analyses, {cli['bytes'] / 1e6:.0f} MB of JSON), process start "
            "to file written, vs the previous release's loop of `analyze_chain` + JSON in one "
            f"process | {s(cli['seconds'])} | {peer_s} | {ratio} | {same} | "
            f"{gb(cli['peak_rss_children_bytes'])} (process) |"
        )
    return rows, checks
