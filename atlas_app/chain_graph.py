"""Draw a chain graph by stage (Altair/Vega-Lite, bundled with Streamlit: nothing from a CDN).

Nodes sit in columns by stage (upstream → midstream → downstream, support last); inside a
column they are ordered by the mean row of their suppliers (one barycentre sweep), which keeps
most edges short. Colour = node status in the region; hovering a node shows its reason.

Labels stay readable in both languages: each name (in the page's language) is wrapped to a few
short lines (:func:`wrap_label`: about 9 Chinese characters or 18 Latin letters a line) and set
under its node, and the chart is tall enough that a wrapped label never reaches the node below.
"""

from __future__ import annotations

import altair as alt
import networkx as nx
import pandas as pd

from atlas_app.i18n import name, t
from atlas_app.tables import reason_text
from geo.maps import STATUS_COLOURS

__all__ = ["STAGE_ORDER", "chain_chart", "stage_layout", "wrap_label"]

_LINE_UNITS = 18  # a Chinese character counts 2 units, a Latin letter 1
_MAX_LINES = 3
_ROW_PX = 96  # vertical room per node row: circle, gap and three label lines

STAGE_ORDER: tuple[str, ...] = ("upstream", "midstream", "downstream", "support")
STATUSES: tuple[str, ...] = ("strong", "weak", "missing", "broken")


def stage_layout(graph: nx.DiGraph) -> pd.DataFrame:
    """Positions of the nodes: columns ``node``, ``stage``, ``x`` (stage index), ``y`` (row).

    Rows within a stage are spread over the height of the tallest stage so columns line up.
    """
    by_stage: dict[str, list[str]] = {s: [] for s in STAGE_ORDER}
    for n, attrs in graph.nodes(data=True):
        by_stage.setdefault(str(attrs.get("stage", "support")), []).append(n)
    rows: dict[str, float] = {}
    for stage in by_stage:
        members = sorted(by_stage[stage])

        def _bary(n: str) -> float:
            preds = [rows[p] for p in graph.predecessors(n) if p in rows]
            return sum(preds) / len(preds) if preds else float("inf")

        members.sort(key=lambda n: (_bary(n), n))
        for i, n in enumerate(members):
            rows[n] = float(i)
    tallest = max((len(v) for v in by_stage.values()), default=1)
    out = []
    for xi, (stage, members) in enumerate(by_stage.items()):
        k = len(members)
        for n in members:
            # centre short columns against the tallest one
            y = rows[n] + (tallest - k) / 2.0
            out.append({"node": n, "stage": stage, "x": float(xi), "y": y})
    return pd.DataFrame(out, columns=["node", "stage", "x", "y"])


def _units(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def wrap_label(text: str, *, width: int = _LINE_UNITS, lines: int = _MAX_LINES) -> str:
    r"""``text`` broken into at most ``lines`` lines of ``width`` units (CJK = 2), ``\n``-joined.

    Latin text breaks at spaces, Chinese anywhere (preferably after ``/``, ``、`` or ``，``);
    what does not fit ends with ``…``.

    >>> wrap_label("Automotive/UV/laser applications")
    'Automotive/UV/\nlaser applications'
    >>> wrap_label("车用/紫外/激光等特种应用")
    '车用/紫外/\n激光等特种应用'
    """
    out: list[str] = []
    rest = text.strip()
    while rest and len(out) < lines:
        if _units(rest) <= width:
            out.append(rest)
            rest = ""
            break
        cut, used = 0, 0
        for i, ch in enumerate(rest):
            used += 2 if ord(ch) > 0x2E7F else 1
            if used > width:
                break
            cut = i + 1
        window = rest[:cut]
        breaks = [i + 1 for i, ch in enumerate(window) if ch in " /、，,;；"]
        at = breaks[-1] if breaks and breaks[-1] > cut // 2 else cut
        out.append(rest[:at].rstrip())
        rest = rest[at:].lstrip()
    if rest:
        out[-1] = out[-1][: max(1, len(out[-1]) - 1)] + "…"
    return "\n".join(out)


def chain_chart(
    graph: nx.DiGraph, nodes: pd.DataFrame, lang: str, *, height: int = 380
) -> alt.LayerChart:
    """Layered chart: edges, status-coloured nodes with the reason as tooltip, and labels.

    Parameters
    ----------
    graph
        The chain graph (supplier → buyer edges).
    nodes
        ``ChainAnalysis.nodes`` rows of one region: node, status, reason_zh, reason_en,
        n_firms, value, lq, name_zh, name_en.
    lang
        ``"zh"`` or ``"en"``.
    """
    pos = stage_layout(graph).set_index("node")
    info = nodes.set_index("node")
    pts = pos.join(
        info[
            [
                c
                for c in ("status", "reason_zh", "reason_en", "n_firms", "lq", "name_zh", "name_en")
                if c in info
            ]
        ],
        how="left",
    )
    pts["status"] = pts["status"].fillna("missing")
    pts["name"] = [
        name(graph.nodes[n].get("name_zh"), graph.nodes[n].get("name_en"), lang) for n in pts.index
    ]
    pts["label"] = [wrap_label(x) for x in pts["name"]]
    pts["status_text"] = [t(f"status_{s}", lang) for s in pts["status"]]
    pts["stage_text"] = [t(f"stage_{s}", lang) for s in pts["stage"]]
    pts["reason"] = [
        reason_text(r, lang) for r in pts["reason_zh" if lang == "zh" else "reason_en"].fillna("")
    ]
    pts["lq"] = pd.to_numeric(pts.get("lq"), errors="coerce").round(2)
    pts = pts.reset_index()
    edges = pd.DataFrame(
        [
            {
                "x": pos.loc[u, "x"],
                "y": pos.loc[u, "y"],
                "x2": pos.loc[v, "x"],
                "y2": pos.loc[v, "y"],
            }
            for u, v in graph.edges
            if u in pos.index and v in pos.index
        ],
        columns=["x", "y", "x2", "y2"],
    )
    xs = alt.X(
        "x:Q",
        axis=alt.Axis(
            values=list(range(len(STAGE_ORDER))),
            labelExpr=_stage_expr(lang),
            title=None,
            grid=False,
        ),
        scale=alt.Scale(domain=[-0.4, len(STAGE_ORDER) - 0.6]),
    )
    top = float(pos["y"].max()) if len(pos) else 0.0
    ys = alt.Y("y:Q", axis=None, scale=alt.Scale(reverse=True, domain=[-0.35, top + 0.75]))
    edge_layer = (
        alt.Chart(edges)
        .mark_rule(color="#9e9e9e", strokeWidth=1.2, opacity=0.8)
        .encode(x=xs, y=ys, x2="x2:Q", y2="y2:Q")
    )
    colour = alt.Color(
        "status:N",
        scale=alt.Scale(domain=list(STATUSES), range=[STATUS_COLOURS[s] for s in STATUSES]),
        legend=alt.Legend(title=t("status", lang), orient="bottom", labelExpr=_status_expr(lang)),
    )
    tooltip = [
        alt.Tooltip("name:N", title=t("node", lang)),
        alt.Tooltip("stage_text:N", title=t("stage", lang)),
        alt.Tooltip("status_text:N", title=t("status", lang)),
        alt.Tooltip("reason:N", title=t("reason", lang)),
        alt.Tooltip("n_firms:Q", title=t("n_firms", lang)),
        alt.Tooltip("lq:Q", title=t("lq", lang)),
    ]
    node_layer = (
        alt.Chart(pts)
        .mark_circle(size=520, stroke="#333333", strokeWidth=1, opacity=1)
        .encode(x=xs, y=ys, color=colour, tooltip=tooltip)
    )
    text_layer = (
        alt.Chart(pts)
        .mark_text(
            dy=15, baseline="top", fontSize=11, lineHeight=13, lineBreak="\n", color="#222222"
        )
        .encode(x=xs, y=ys, text="label:N", tooltip=tooltip)
    )
    rows = int(pos["y"].max()) + 1 if len(pos) else 1
    tall = max(height, _ROW_PX * rows + 60)
    return alt.LayerChart(layer=[edge_layer, node_layer, text_layer], height=tall)


def _stage_expr(lang: str) -> str:
    names = [t(f"stage_{s}", lang) for s in STAGE_ORDER]
    return "[" + ",".join(f"'{n}'" for n in names) + "][datum.value]"


def _status_expr(lang: str) -> str:
    mapping = ", ".join(f"'{s}': '{t(f'status_{s}', lang)}'" for s in STATUSES)
    return "({" + mapping + "})[datum.label]"
