"""Map controls the atlas adds to Leaflet: a metric scale bar, place-name labels, a note in the
attribution line, and mouse-wheel zoom that waits for a click.

Mouse wheel
    A page that scrolls past a map must not zoom it: the wheel zooms only after the map was
    clicked (or focused) and stops again when the pointer leaves it (:class:`WheelAfterClick`),
    so scrolling down to a county never moves the map under the pointer and the first click
    lands where it was aimed.

Place names
    :class:`PlaceLabels` is a layer (listed in the layer control) of permanent, non-interactive
    Leaflet tooltips: city names at every zoom, county names from :data:`COUNTY_LABEL_ZOOM` on
    (where city names give way to them). Texts are escaped (:func:`~geo.maps.esc`), positions
    are in the map's datum (the caller shifts them with the overlays), and the labels take no
    pointer events, so clicks reach the regions below.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
from branca.element import MacroElement
from jinja2 import Template

__all__ = [
    "COUNTY_LABEL_ZOOM",
    "AttributionNote",
    "ControlCaps",
    "MetricScale",
    "PlaceLabels",
    "WheelAfterClick",
]

COUNTY_LABEL_ZOOM = 9
"""From this zoom on county names are shown (and city names hidden)."""


class MetricScale(MacroElement):
    """Leaflet's scale bar in kilometres only (folium's ``control_scale`` adds miles too)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false, position: {{ this.position|tojson }}})
            .addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, position: str = "bottomleft") -> None:
        super().__init__()
        self._name = "AtlasMetricScale"
        self.position = position


class AttributionNote(MacroElement):
    """A pre-escaped note appended to the map's attribution line (sources, datum)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.html|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str) -> None:
        super().__init__()
        self._name = "AtlasAttributionNote"
        self.html = html_text


class ControlCaps(MacroElement):
    """Caps the layer control's list at ``share`` of the map's height (it scrolls beyond), so it
    and the legend (capped the same way, in the other corner below) never meet."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, share) {
            function cap() {
                var h = Math.max(80, Math.floor(map.getSize().y * share));
                map.getContainer().querySelectorAll('.leaflet-control-layers-list').forEach(
                    function (el) { el.style.maxHeight = h + 'px'; el.style.overflowY = 'auto'; });
            }
            map.whenReady(cap);
            setTimeout(cap, 0);
            map.on('resize', cap);
        })({{ this._parent.get_name() }}, {{ this.share|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, share: float) -> None:
        super().__init__()
        self._name = "AtlasControlCaps"
        self.share = float(share)


class WheelAfterClick(MacroElement):
    """Mouse-wheel zoom only after the map was clicked; off again when the pointer leaves."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
            map.scrollWheelZoom.disable();
            function on() { map.scrollWheelZoom.enable(); }
            map.on('click focus', on);
            map.getContainer().addEventListener('mouseleave', function () {
                map.scrollWheelZoom.disable();
            });
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "AtlasWheelAfterClick"


class PlaceLabels(folium.FeatureGroup):
    """Permanent place-name labels: ``big`` at every zoom, ``small`` from ``small_zoom`` on.

    Parameters
    ----------
    big, small
        ``[lat, lon, escaped text]`` rows in the map's datum (cities, counties).
    name
        Title in the layer control (escaped).
    small_zoom
        Zoom from which ``small`` labels replace ``big`` ones.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        (function (group, map, big, small, minZoom) {
            function tip(row, cls) {
                return L.tooltip({permanent: true, direction: 'center', interactive: false,
                                  opacity: 1, className: 'atlas-label ' + cls})
                    .setLatLng([row[0], row[1]]).setContent(row[2]);
            }
            var cities = L.layerGroup(big.map(function (r) { return tip(r, 'atlas-label-city'); }));
            var counties = L.layerGroup(small.map(function (r) { return tip(r, 'atlas-label-county'); }));
            function update() {
                var near = map.getZoom() >= minZoom && small.length > 0;
                var want = near ? counties : cities, other = near ? cities : counties;
                if (group.hasLayer(other)) { group.removeLayer(other); }
                if (!group.hasLayer(want)) { group.addLayer(want); }
            }
            update();
            map.on('zoomend', update);
        })({{ this.get_name() }}, {{ this._parent.get_name() }}, {{ this.big|tojson }},
           {{ this.small|tojson }}, {{ this.small_zoom|tojson }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        big: Sequence[Sequence[object]],
        small: Sequence[Sequence[object]],
        *,
        name: str,
        small_zoom: int = COUNTY_LABEL_ZOOM,
        show: bool = True,
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "AtlasPlaceLabels"
        self.big = [list(r) for r in big]
        self.small = [list(r) for r in small]
        self.small_zoom = int(small_zoom)
