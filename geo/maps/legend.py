"""The legend: a compact, collapsible Leaflet control that never covers the layer control.

At the province view Shandong's right-hand corners are sea (the Bohai to the north-east, the
Yellow Sea to the south-east) and its left-hand ones land (德州, 菏泽), so the legend sits in
the bottom-right corner and the layer control in the top right. The legend's height is capped
at :data:`LEGEND_MAX_SHARE` of the map's height (it scrolls beyond) and the layer control's list
at the same share (:class:`geo.maps.controls.ControlCaps`), so the two boxes can never meet; on
a map lower than :data:`LEGEND_FOLD_BELOW_PX` or narrower than :data:`LEGEND_FOLD_NARROWER_PX`
the legend starts folded. It is a ``<details>``
element: a click on its summary folds or unfolds it.

No branca colormap is used: branca's colormaps pull d3 from a CDN.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from geo.maps.classify import NO_DATA_COLOUR, Choropleth, class_colours, classify_values
from geo.maps.style import zone_style
from geo.maps.text import esc
from geo.maps.words import layer_title, word

__all__ = [
    "LEGEND_CSS",
    "LEGEND_FOLD_BELOW_PX",
    "LEGEND_FOLD_NARROWER_PX",
    "LEGEND_MAX_SHARE",
    "Legend",
    "choropleth_legend",
    "legend_html",
    "point_legend",
    "zone_legend",
]

LEGEND_MAX_SHARE = 0.42
"""Largest share of the map's height the legend may take (it scrolls beyond)."""
LEGEND_FOLD_BELOW_PX = 480
"""Maps lower than this (in pixels) start with the legend folded."""
LEGEND_FOLD_NARROWER_PX = 640
"""Maps narrower than this (in pixels, e.g. two side by side) start with the legend folded."""


class Legend(MacroElement):
    """A Leaflet control holding pre-escaped legend HTML (see the module notes).

    Parameters
    ----------
    html_text
        Legend HTML; every data string in it must already be escaped (:func:`~geo.maps.esc`).
    position
        Leaflet corner (default ``"bottomright"``, under the layer control at the top right).
    max_share
        Largest share of the map's height the legend takes.
    fold_below, fold_narrower
        Fold the legend at first when the map is lower or narrower than this many pixels.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function (map) {
            var div = L.DomUtil.create('div', 'atlas-legend');
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableScrollPropagation(div);
            L.DomEvent.disableClickPropagation(div);
            function fit() {
                div.style.maxHeight = Math.max(80, Math.floor(map.getSize().y * {{ this.max_share|tojson }})) + 'px';
            }
            fit();
            map.on('resize', fit);
            var d = div.querySelector('details'), size = map.getSize();
            if (d && (size.y < {{ this.fold_below|tojson }} || size.x < {{ this.fold_narrower|tojson }})) {
                d.removeAttribute('open');
            }
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        html_text: str,
        position: str = "bottomright",
        *,
        max_share: float = LEGEND_MAX_SHARE,
        fold_below: int = LEGEND_FOLD_BELOW_PX,
        fold_narrower: int = LEGEND_FOLD_NARROWER_PX,
    ) -> None:
        super().__init__()
        self._name = "AtlasLegend"
        self.html = html_text
        self.position = position
        self.max_share = float(max_share)
        self.fold_below = int(fold_below)
        self.fold_narrower = int(fold_narrower)


LEGEND_CSS = """
<style>
.atlas-legend{background:rgba(255,255,255,.93);padding:4px 7px;border-radius:4px;
 font:11px/1.3 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;max-width:230px;
 overflow-y:auto;box-shadow:0 1px 4px rgba(0,0,0,.3)}
.atlas-legend summary{cursor:pointer;font-weight:600}
.atlas-legend h4{margin:3px 0 2px;font-size:11px}
.atlas-legend i{display:inline-block;width:14px;height:11px;margin-right:5px;vertical-align:middle;
 border:1px solid #888}
.atlas-legend .ln{display:inline-block;width:18px;height:0;margin-right:5px;vertical-align:middle;
 border-top-width:3px}
.atlas-legend .note{color:#555;font-size:10.5px}
.leaflet-container{background:#f4f6f8}
.leaflet-control-attribution{font-size:10px;line-height:1.25;max-width:60%}
.leaflet-control-layers-expanded{max-width:260px;font-size:12px;line-height:1.35}
.leaflet-tooltip table td,.leaflet-popup-content table td{white-space:normal;max-width:320px}
.leaflet-tooltip.atlas-label{background:transparent;border:0;box-shadow:none;padding:0;
 color:#1f2933;font:600 12px/1.1 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;
 text-shadow:0 0 2px #fff,0 0 3px #fff,0 0 4px #fff;white-space:nowrap}
.leaflet-tooltip.atlas-label-county{font-weight:400;font-size:11px;color:#374151}
.leaflet-tooltip.atlas-label:before{display:none}
.atlas-tile-error{background:#fff4e5;border:1px solid #e69f00;border-radius:4px;color:#5c3b00;
 padding:5px 8px;max-width:340px;font:12px/1.35 system-ui,"Noto Sans CJK SC",sans-serif;
 box-shadow:0 1px 4px rgba(0,0,0,.25)}
/* Zones overlap the counties: only their outlines take the pointer, so a click inside a zone
   still reaches (and selects) the county under it, and hovering an outline names the zone. */
.leaflet-pane>svg path.leaflet-interactive.atlas-zones,
.leaflet-pane>svg path.leaflet-interactive.atlas-zones-2020{pointer-events:visibleStroke!important}
</style>
"""


def legend_html(parts: Iterable[str], lang: str, *, open_: bool = True) -> str:
    """The legend's ``<details>`` block around pre-escaped ``parts``."""
    body = "".join(p for p in parts if p)
    attr = " open" if open_ else ""
    return f"<details{attr}><summary>{esc(word('legend', lang))}</summary>{body}</details>"


def point_legend(colour: str, title: str) -> str:
    """One legend row for a point layer: a dot of ``colour`` and the (plain) ``title``."""
    return f'<div><i style="background:{colour};border-radius:50%"></i>{esc(title)}</div>'


def zone_legend(
    name: str, gdf: gpd.GeoDataFrame, names: Sequence[str], frame_idx: int, lang: str
) -> str:
    """The legend block of a zone layer: its title, then each zone's line style and name.

    ``names`` are the zones' names (plain text) in the order of ``gdf``.
    """
    codes = _zone_codes(gdf)
    rows = [f"<h4>{esc(layer_title(name, lang))}</h4>"]
    for i, (code, nm) in enumerate(zip(codes, names, strict=True)):
        st = zone_style(code, i, frame_idx)
        dash = "dashed" if st.get("dashArray") else "solid"
        rows.append(
            f'<div><span class="ln" style="border-top:3px {dash} {st["color"]}"></span>'
            f"{esc(nm)}</div>"
        )
    return "".join(rows)


def _zone_codes(gdf: gpd.GeoDataFrame) -> list[str]:
    if "zone_code" in gdf:
        return gdf["zone_code"].astype(str).tolist()
    return [str(i) for i in range(len(gdf))]


def choropleth_legend(ch: Choropleth, lang: str) -> str:
    """Legend block of a choropleth: title, scheme and classes, each class's range and count.

    The scheme reads as words (``分位数，5 类`` / ``Quantiles, 5 classes``).
    """
    vals = ch.values.copy()
    classes, bins = classify_values(vals, scheme=ch.scheme, k=ch.k, bins=ch.bins)
    colours = class_colours(len(bins))
    finite = pd.to_numeric(vals, errors="coerce")
    finite = finite[np.isfinite(finite)]
    title = ch.title_zh if lang == "zh" else ch.title_en
    scheme = word("scheme_classes", lang, scheme=word(f"scheme_{ch.scheme}", lang), k=len(bins))
    rows = [f"<h4>{esc(title)}</h4><div class='note'>{esc(scheme)}</div>"]
    lower = float(finite.min()) if len(finite) else math.nan
    for i, (upper, col) in enumerate(zip(bins, colours, strict=True)):
        n = int((classes == i).sum())
        if i == 0 and ch.bins is not None:  # fixed bounds: the first class has no lower one
            span = f"≤ {ch.fmt.format(upper)}"
        else:
            lo = ch.fmt.format(lower) if i == 0 else ch.fmt.format(bins[i - 1])
            span = f"{lo} – {ch.fmt.format(upper)}"
        rows.append(
            f'<div><i style="background:{col}"></i>{esc(span)} '
            f'<span class="note">({n})</span></div>'
        )
    n_missing = int((classes < 0).sum())
    rows.append(
        f'<div><i style="background:{NO_DATA_COLOUR}"></i>{esc(word("no_data", lang))}'
        f' <span class="note">({n_missing})</span></div>'
    )
    return "".join(rows)
