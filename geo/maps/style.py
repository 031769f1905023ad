"""Layer styles: colours of zones and node statuses, outline and point styles per layer.

Zone colours are qualitative and colour-blind-safe (Okabe & Ito 2008); zones are drawn as
outlines in distinct colours and dash patterns with a faint fill, so where zones overlap both
outlines stay readable.
"""

from __future__ import annotations

from typing import Any

__all__ = ["STATUS_COLOURS", "ZONE_COLOURS", "point_style", "style_for", "zone_style"]

# Qualitative, colour-blind-safe (Okabe & Ito 2008) per zone code; unknown codes cycle.
ZONE_COLOURS: dict[str, str] = {
    "BLUE": "#0072B2",
    "YRD": "#E69F00",
    "CAP": "#009E73",
    "WEST": "#CC79A7",
    "RES": "#555555",
    "SHENGHUI": "#D55E00",
    "JIAODONG": "#56B4E9",
    "LUNAN": "#999933",
}
_CYCLE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#999933", "#555555")
_DASHES = ("", "8 4", "2 4", "12 4 2 4", "4 4", "1 3")
STATUS_COLOURS: dict[str, str] = {
    "strong": "#1a9850",
    "weak": "#fee08b",
    "missing": "#d73027",
    "broken": "#7b3294",
}


def style_for(name: str, idx: int) -> dict[str, Any]:
    """Path style of polygon layer ``name`` (the ``idx``-th layer: unknown names cycle colours)."""
    base = {
        "province": {"color": "#222222", "weight": 2.5, "fillOpacity": 0.0, "opacity": 1},
        "cities": {"color": "#444444", "weight": 1.6, "fillOpacity": 0.0, "opacity": 0.9},
        "counties": {
            "color": "#7a7a7a",
            "weight": 0.6,
            "fillColor": "#ffffff",
            "fillOpacity": 0.05,
        },
        "selection": {"color": "#00e5ff", "weight": 4, "fillOpacity": 0.0, "dashArray": ""},
        "gaps": {
            "color": STATUS_COLOURS["missing"],
            "weight": 1,
            "fillColor": STATUS_COLOURS["missing"],
            "fillOpacity": 0.25,
        },
    }
    return dict(
        base.get(name, {"color": _CYCLE[idx % len(_CYCLE)], "weight": 1.5, "fillOpacity": 0.1})
    )


def zone_style(code: str, i: int, frame_idx: int) -> dict[str, Any]:
    """Outline style of zone ``code`` (the ``i``-th of its frame; ``frame_idx`` = which frame)."""
    colour = ZONE_COLOURS.get(code, _CYCLE[i % len(_CYCLE)])
    # Outlines in distinct colours and dash patterns with a faint fill: where zones overlap the
    # fills add up and both outlines stay visible, so each zone remains readable.
    return {
        "color": colour,
        "weight": 3 if frame_idx == 0 else 2.5,
        "opacity": 0.95,
        "dashArray": _DASHES[(i + frame_idx * 2) % len(_DASHES)] or None,
        "fillColor": colour,
        "fillOpacity": 0.08,
    }


def point_style(name: str) -> dict[str, Any]:
    """Circle-marker style of point layer ``name``."""
    return {
        "htz": {
            "radius": 7,
            "color": "#ffffff",
            "weight": 1.5,
            "fillColor": "#6a3d9a",
            "fillOpacity": 0.95,
        },
        "clusters": {
            "radius": 6,
            "color": "#222222",
            "weight": 1,
            "fillColor": "#ff7f00",
            "fillOpacity": 0.9,
        },
        "firms": {
            "radius": 5,
            "color": "#333333",
            "weight": 1,
            "fillColor": "#1f78b4",
            "fillOpacity": 0.85,
        },
        "gaps": {
            "radius": 8,
            "color": "#ffffff",
            "weight": 2,
            "fillColor": STATUS_COLOURS["missing"],
            "fillOpacity": 0.95,
        },
        "sources": {
            "radius": 7,
            "color": "#ffffff",
            "weight": 2,
            "fillColor": STATUS_COLOURS["strong"],
            "fillOpacity": 0.95,
        },
    }.get(
        name,
        {"radius": 5, "color": "#333333", "weight": 1, "fillColor": "#666666", "fillOpacity": 0.9},
    )
