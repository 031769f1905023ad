"""Inline SVG for the report: the chain map (stage lanes, supplier → buyer) and the region map.

Every label from data or the user goes through :func:`html.escape`; nothing is fetched.
"""

from __future__ import annotations

import html
import math
import unicodedata
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import shapely

from geo.maps import STATUS_COLOURS  # the same colours as the app's map
from layout.chains import STAGES
from layout.regions import parse_region
from layout.reports.model import STAGE_NAMES, STATUS_NAMES

__all__ = ["chain_columns", "chain_svg", "region_svg", "wrap_label"]

_STATUS_TEXT = {"strong": "#ffffff", "weak": "#222222", "missing": "#ffffff", "broken": "#ffffff"}


# ----------------------------------------------------------------------------- chain map
def chain_columns(g: nx.DiGraph) -> dict[str, int]:
    """Column of each node: longest path from a source, sources pulled next to their first buyer."""
    rank: dict[str, int] = {}
    for n in nx.topological_sort(g):
        rank[n] = max((rank[p] + 1 for p in g.predecessors(n)), default=0)
    for n in g:
        if g.in_degree(n) == 0 and g.out_degree(n) > 0:
            rank[n] = max(min(rank[s] for s in g.successors(n)) - 1, 0)
    return rank


def _esc(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    return html.escape(str(v), quote=True)


def _short(text: Any, n: int) -> str:
    s = "" if text is None else str(text)
    return s if len(s) <= n else s[: n - 1] + "…"


def _text_px(text: str, size: float) -> float:
    """Approximate rendered width: wide (CJK) glyphs 1 em, others 0.56 em (Noto Sans)."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.56 * size for ch in text)


def wrap_label(text: Any, width: float, size: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` px at font ``size`` (never truncated).

    Lines break after a space, ``/`` or ``、`` when one is on the line, else between characters.

    >>> wrap_label("Substrate (sapphire/SiC/GaAs)", 120, 10.5)
    ['Substrate (sapphire/', 'SiC/GaAs)']
    """
    s = "" if text is None else str(text).strip()
    lines: list[str] = []
    while s:
        if _text_px(s, size) <= width:
            lines.append(s)
            break
        cut = 1
        while cut < len(s) and _text_px(s[: cut + 1], size) <= width:
            cut += 1
        soft = max(s.rfind(c, 0, cut + 1) for c in " /、")
        if soft > 0 and (soft + 1 < len(s)):
            cut = soft + 1
        lines.append(s[:cut].rstrip())
        s = s[cut:].lstrip()
    return lines or [""]


def chain_svg(g: nx.DiGraph, nodes: pd.DataFrame) -> str:
    """Inline SVG of the chain: stage lanes (rows), supplier → buyer flow (left to right).

    Boxes are coloured by status (:data:`STATUS_COLOURS`); an edge touching a missing or
    broken node is drawn dashed red (a supply link the region lacks). Hovering a box shows the
    reason. Names are wrapped onto as many lines as they need (never cut short); every label is
    escaped.
    """
    info = nodes.set_index("node")
    rank = chain_columns(g)
    stages = [s for s in STAGES if any(g.nodes[n].get("stage") == s for n in g)]
    stages += sorted({str(g.nodes[n].get("stage")) for n in g} - set(stages))
    bw, gx, gy, left, top = 168, 56, 14, 96, 16
    labels = {
        n: (
            wrap_label(g.nodes[n].get("name_zh", n), bw - 16, 13),
            wrap_label(g.nodes[n].get("name_en", n), bw - 16, 10.5),
        )
        for n in g
    }
    n_zh = max((len(zh) for zh, _ in labels.values()), default=1)
    n_en = max((len(en) for _, en in labels.values()), default=1)
    bh = 12 + 16 * n_zh + 13 * n_en + 14
    slots: dict[tuple[str, int], list[str]] = {}
    for n in sorted(g, key=lambda x: (rank[x], x)):
        slots.setdefault((str(g.nodes[n].get("stage")), rank[n]), []).append(n)
    pos: dict[str, tuple[float, float]] = {}
    y = top
    lanes = []
    for st in stages:
        depth = max((len(v) for (s, _), v in slots.items() if s == st), default=1)
        height = depth * (bh + gy) + gy
        lanes.append((st, y, height))
        for (s, rk), members in slots.items():
            if s == st:
                for j, n in enumerate(members):
                    pos[n] = (left + rk * (bw + gx), y + gy + j * (bh + gy))
        y += height
    width = left + (max(rank.values(), default=0) + 1) * (bw + gx)
    height = y + 34
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chain-map" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="chain map">',
        '<defs><marker id="arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#666"/></marker>'
        '<marker id="arr-gap" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#d73027"/></marker></defs>',
    ]
    for i, (st, ly, lh) in enumerate(lanes):
        zh, en = STAGE_NAMES.get(st, (st, st))
        out.append(
            f'<rect x="0" y="{ly}" width="{width}" height="{lh}" fill="{"#f4f6f8" if i % 2 == 0 else "#ffffff"}"/>'
        )
        out.append(
            f'<text x="8" y="{ly + lh / 2 - 4:.0f}" class="lane">{_esc(zh)}</text>'
            f'<text x="8" y="{ly + lh / 2 + 12:.0f}" class="lane-en">{_esc(en)}</text>'
        )
    for u, v in g.edges:
        (x1, y1), (x2, y2) = pos[u], pos[v]
        sx, sy, tx, ty = x1 + bw, y1 + bh / 2, x2, y2 + bh / 2
        gap = any(info.loc[n, "status"] in ("missing", "broken") for n in (u, v) if n in info.index)
        dx = (tx - sx) / 2
        style = 'stroke="#d73027" stroke-dasharray="5 4"' if gap else 'stroke="#888"'
        out.append(
            f'<path d="M{sx:.0f},{sy:.0f} C{sx + dx:.0f},{sy:.0f} {tx - dx:.0f},{ty:.0f} {tx - 2:.0f},{ty:.0f}" '
            f'fill="none" stroke-width="1.6" {style} marker-end="url(#{"arr-gap" if gap else "arr"})"/>'
        )
    for n, (x, yy) in pos.items():
        rec = info.loc[n] if n in info.index else None
        status = str(rec["status"]) if rec is not None else "missing"
        fill, ink = STATUS_COLOURS.get(status, "#cccccc"), _STATUS_TEXT.get(status, "#222")
        zh = g.nodes[n].get("name_zh", n)
        en = g.nodes[n].get("name_en", n)
        nf = int(rec["n_firms"]) if rec is not None else 0
        tip = f"{zh} / {en}: {rec['reason_zh'] if rec is not None else ''} / {rec['reason_en'] if rec is not None else ''}"
        dash = ' stroke-dasharray="4 3"' if status == "broken" else ""
        zh_lines, en_lines = labels[n]
        texts = [
            f'<text x="{x + 8}" y="{yy + 19 + 16 * i}" fill="{ink}" class="nz">{_esc(t)}</text>'
            for i, t in enumerate(zh_lines)
        ]
        y_en = yy + 19 + 16 * len(zh_lines) - 1
        texts += [
            f'<text x="{x + 8}" y="{y_en + 13 * i}" fill="{ink}" class="ne">{_esc(t)}</text>'
            for i, t in enumerate(en_lines)
        ]
        out.append(
            f'<g class="node node-{_esc(status)}"><title>{_esc(tip)}</title>'
            f'<rect x="{x}" y="{yy}" width="{bw}" height="{bh}" rx="7" fill="{fill}" stroke="#333"{dash}/>'
            + "".join(texts)
            + f'<text x="{x + 8}" y="{yy + bh - 7}" fill="{ink}" class="ns">'
            f"{_esc(STATUS_NAMES.get(status, (status, status))[0])} · {_esc(status)} · n={nf}</text></g>"
        )
    lx = left
    for st, colour in STATUS_COLOURS.items():
        zh, en = STATUS_NAMES[st]
        out.append(
            f'<rect x="{lx}" y="{height - 24}" width="14" height="14" fill="{colour}" stroke="#333"/>'
            f'<text x="{lx + 20}" y="{height - 12}" class="ne">{_esc(zh)} {_esc(en)}</text>'
        )
        lx += 130
    out.append(
        f'<path d="M{lx},{height - 17} l34,0" stroke="#d73027" stroke-dasharray="5 4" stroke-width="1.6"/>'
        f'<text x="{lx + 40}" y="{height - 12}" class="ne">缺失的供应关系 missing supply link</text>'
    )
    out.append("</svg>")
    return "".join(out)


# ----------------------------------------------------------------------------- region map
def _rings(geom: Any) -> list[np.ndarray]:
    polys = getattr(geom, "geoms", [geom])
    rings = []
    for p in polys:
        if p.is_empty or p.geom_type != "Polygon":
            continue
        rings.append(np.asarray(p.exterior.coords))
        rings.extend(np.asarray(i.coords) for i in p.interiors)
    return rings


def region_svg(
    region: str,
    firms: pd.DataFrame,
    *,
    siting: pd.DataFrame | None = None,
    sourcing: pd.DataFrame | None = None,
    frame: str = "2013",
    width: int = 760,
) -> str:
    """Inline SVG map of ``region``: county outlines, the chain's firms, gaps' best sites and sources.

    Display only: equirectangular at the map's mid-latitude, counties simplified as a coverage
    (``shapely.coverage_simplify``, shared borders stay shared); distances elsewhere are geodesic.
    The region's counties are blue (for a county region its neighbours, also siting candidates,
    pale blue); the chain's firms are dots (real firms black and larger, synthetic ones blue,
    jittered by up to 3 px so firms at one county point stay visible); the best candidate county
    for each missing node is outlined red and labelled ★; the nearest firms that could supply a
    missing node are hollow red circles.
    """
    from geo.boundaries import load_counties
    from layout.siting import candidate_counties

    counties = load_counties()
    r = parse_region(region)
    members = set(candidate_counties(r.code)) if r.level != "county" else {r.code}
    nearby = set(candidate_counties(r.code)) - members  # a county's neighbours: siting candidates
    src = pd.DataFrame(columns=["lon", "lat", "target_name_zh"])
    if sourcing is not None and len(sourcing):
        src = sourcing[
            (sourcing["kind"] == "firm") & sourcing["status"].isin(["missing", "broken"])
        ]
    pts_lon, pts_lat = src["lon"].astype(float).tolist(), src["lat"].astype(float).tolist()
    best_codes = set()
    if siting is not None and len(siting):
        best_codes = set(siting.loc[siting["rank"] == 1, "adcode"].astype(str))
    # What must be seen: the region (a county with its neighbours), the best sites and the
    # counties of the source firms; around it, every county touching that box. The frame is fitted
    # to all of them, so no drawn county is cut at an edge or runs under the legend.
    key = counties["adcode"].isin(members | nearby | best_codes)
    if pts_lon:
        key |= counties.intersects(shapely.MultiPoint(list(zip(pts_lon, pts_lat, strict=True))))
    shown = counties[counties.intersects(shapely.box(*counties[key].total_bounds))]
    x0, y0, x1, y1 = shown.total_bounds
    pad = 0.02 * max(x1 - x0, y1 - y0)
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    kx = math.cos(math.radians((y0 + y1) / 2))
    scale = width / ((x1 - x0) * kx)
    height = int((y1 - y0) * scale) + 1

    def xy(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
        return (np.asarray(lon, float) - x0) * kx * scale, (y1 - np.asarray(lat, float)) * scale

    tol = (x1 - x0) / width  # about one pixel
    simple = shapely.coverage_simplify(shown.geometry.to_numpy(), tol)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="region-map" viewBox="0 0 {width} {height + 40}" '
        f'width="100%" role="img" aria-label="region map">',
        f'<rect width="{width}" height="{height}" fill="#eef3f7"/>',
    ]
    best = {}
    if siting is not None and len(siting):
        best = (
            siting[siting["rank"] == 1]
            .groupby("adcode")["node_name_zh"]
            .apply(lambda s: "、".join(s))
            .to_dict()
        )
    for code, name, geom in zip(shown["adcode"], shown["name_zh"], simple, strict=True):
        d = []
        for ring in _rings(geom):
            px, py = xy(ring[:, 0], ring[:, 1])
            d.append(
                "M" + " L".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True)) + " Z"
            )
        fill = "#cfe3f3" if code in members else "#e8f0f6" if code in nearby else "#fafafa"
        stroke = (
            ' stroke="#d73027" stroke-width="2.5"'
            if code in best
            else ' stroke="#8a9aa8" stroke-width="0.6"'
        )
        out.append(
            f'<path d="{" ".join(d)}" fill="{fill}" fill-rule="evenodd"{stroke}>'
            f"<title>{_esc(name)} {_esc(code)}</title></path>"
        )
    for code, label in best.items():
        c = shown.loc[shown["adcode"] == code]
        if c.empty:
            continue
        p = c.geometry.iloc[0].representative_point()
        px, py = xy(p.x, p.y)
        out.append(
            f'<text x="{float(px):.1f}" y="{float(py) - 8:.1f}" class="site" text-anchor="middle">'
            f"★ {_esc(_short(label, 18))}</text>"
        )
    loc = firms[firms.geometry.notna() & ~firms.geometry.is_empty] if len(firms) else firms
    if len(loc):
        px, py = xy(loc.geometry.x.to_numpy(), loc.geometry.y.to_numpy())
        rng = np.random.default_rng(0)  # firms placed at one county point would hide each other
        jx, jy = rng.uniform(-3, 3, len(px)), rng.uniform(-3, 3, len(py))
        for (a, b), name, node, syn in zip(
            zip(px + jx, py + jy, strict=True),
            loc["name"],
            loc["node"],
            loc["synthetic"],
            strict=True,
        ):
            out.append(
                f'<circle cx="{a:.1f}" cy="{b:.1f}" r="{2.6 if syn else 4.2}" fill="{"#2b6cb0" if syn else "#111"}" '
                f'fill-opacity="0.75" stroke="#fff" stroke-width="0.6"><title>{_esc(name)} ({_esc(node)})</title></circle>'
            )
    if pts_lon:
        px, py = xy(pts_lon, pts_lat)
        names = src["target_name_zh"].tolist()
        for a, b, name in zip(px, py, names, strict=True):
            out.append(
                f'<circle cx="{a:.1f}" cy="{b:.1f}" r="5" fill="none" stroke="#d73027" stroke-width="1.8">'
                f"<title>{_esc(name)}</title></circle>"
            )
    items = [
        ('<circle cx="8" cy="0" r="4.2" fill="#111"/>', "真实企业 real firm"),
        ('<circle cx="8" cy="0" r="2.6" fill="#2b6cb0"/>', "合成企业 synthetic firm"),
        (
            '<circle cx="8" cy="0" r="5" fill="none" stroke="#d73027" stroke-width="1.8"/>',
            "补链来源企业 source firm",
        ),
        (
            '<rect x="2" y="-6" width="12" height="12" fill="#cfe3f3" stroke="#d73027" stroke-width="2.5"/>',
            "最佳候选县 best site",
        ),
    ]
    for i, (sym, label) in enumerate(items):
        out.append(
            f'<g transform="translate({10 + i * 185},{height + 22})">{sym}'
            f'<text x="20" y="4" class="ne">{_esc(label)}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)
