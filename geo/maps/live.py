"""Live updates of a drawn map: layers swapped in without re-sending or re-drawing the map.

An app that shows a map with ``st_folium`` can keep the map itself (its base: tiles, controls,
legend, view) fixed and send what changes as feature groups (``feature_group_to_add``):
streamlit-folium evaluates a new set of groups in the map already drawn, after removing the
previous set, so the browser keeps the map's frame and Leaflet and only draws the new layers.
Two things a whole map would carry need help then, and this module gives it:

Layer control
    Groups added after the map was drawn are not in its layer control. The base map marks its
    control with :class:`LayerControlHandle`; each group carries an :class:`OverlayEntry`,
    which lists the group in that control (the first group of a set first takes the previous
    set's entries out), so every layer can still be ticked on and off.

Legend
    A group can carry a :class:`LegendUpdate` with the legend for its data (counts per class,
    entries of the layers present); it replaces the HTML of the map's legend
    (:class:`~geo.maps.Legend`) and keeps it folded when the user folded it.

View
    A group can carry a :class:`FitView` that fits the view to its layers (a new selection).

Every text reaches JavaScript as JSON (``tojson``) and the legend HTML is pre-escaped
(:func:`~geo.maps.esc`), as everywhere in :mod:`geo.maps`.
"""

from __future__ import annotations

from typing import Any

import folium
from branca.element import MacroElement
from jinja2 import Template

__all__ = ["FitView", "LayerControlHandle", "LegendUpdate", "OverlayEntry"]


class LayerControlHandle(MacroElement):
    """Marks ``control`` (a ``folium.LayerControl`` of the same map) as the map's layer control.

    Add it to the map after the control.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.atlasLayers = {{ this.control.get_name() }};
        {% endmacro %}
        """
    )

    def __init__(self, control: MacroElement) -> None:
        super().__init__()
        self._name = "AtlasLayerControlHandle"
        self.control = control


class OverlayEntry(MacroElement):
    """Lists its parent feature group in the map's layer control, under ``title``.

    Parameters
    ----------
    title
        The entry's text, pre-escaped (as folium layer names are); empty: no entry (a group
        that only carries the legend or the view, with ``reset`` to clear the old entries).
    reset
        First take out the entries of the previous set of groups (for the first group of a set).
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, layer) {
            var ctl = map.atlasLayers;
            if (!ctl) { return; }
            if ({{ this.reset|tojson }}) {
                (map.atlasEntries || []).forEach(function (old) { ctl.removeLayer(old); });
                map.atlasEntries = [];
            }
            if ({{ this.title|tojson }}) {
                ctl.addOverlay(layer, {{ this.title|tojson }});
                (map.atlasEntries = map.atlasEntries || []).push(layer);
            }
        })({{ this._parent._parent.get_name() }}, {{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, title: str, *, reset: bool = False) -> None:
        super().__init__()
        self._name = "AtlasOverlayEntry"
        self.title = str(title)
        self.reset = bool(reset)


class LegendUpdate(MacroElement):
    """Replaces the HTML of the map's legend (:class:`~geo.maps.Legend`) with ``html_text``.

    ``html_text`` must be pre-escaped (every data string through :func:`~geo.maps.esc`). The
    legend stays folded if the user folded it; an empty ``html_text`` hides it.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            var div = map.getContainer().querySelector('.atlas-legend');
            if (!div) { return; }
            var old = div.querySelector('details');
            var folded = old !== null && !old.open;
            div.innerHTML = {{ this.html|tojson }};
            div.style.display = {{ this.html|tojson }} ? '' : 'none';
            var now = div.querySelector('details');
            if (now && folded) { now.removeAttribute('open'); }
        })({{ this._parent._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str) -> None:
        super().__init__()
        self._name = "AtlasLegendUpdate"
        self.html = str(html_text)


class FitView(MacroElement):
    """Fits the view of the map to ``bounds`` (``[[south, west], [north, east]]``) when evaluated.

    Add it to the map itself (its first view) or to a feature group (the view of the layers
    swapped in). Without animation: Leaflet animates a fit on a map already shown in a later
    animation frame, so an animated first view would land after, and undo, the fit of layers
    swapped in right after the map was drawn.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.map_name() }}.fitBounds({{ this.bounds|tojson }}, {animate: false});
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "AtlasFitView"
        self.bounds = [[float(v) for v in corner] for corner in bounds]

    def map_name(self) -> str:
        """The JavaScript name of the map this element is on (its parent or a group's parent)."""
        node: Any = self._parent
        while node is not None and not isinstance(node, folium.Map):
            node = getattr(node, "_parent", None)
        if node is None:
            raise ValueError("FitView: add it to a map or to a group on a map")
        return str(node.get_name())
