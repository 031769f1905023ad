"""Basemaps: none (offline), OpenStreetMap, Amap, and any XYZ or WMTS tile service with its datum.

A tile service declares the datum its tiles are drawn in. WGS-84 and CGCS2000 (EPSG:4490, equal
to WGS-84 at map precision) need no shift; with GCJ-02 tiles (Amap, Tencent, most Chinese web
maps) every overlay is shifted from WGS-84 to GCJ-02 with :func:`geo.datum.transform_geometries`
so it lines up. The map's datum is always stated in its attribution.

URL templates
    XYZ placeholders ``{z}``, ``{x}``, ``{y}`` (``{-y}`` for TMS rows) and ``{s}`` for
    subdomains. WMTS services work through their KVP or RESTful ``GetTile`` URL written as a
    template, for tile matrix sets on the Web-Mercator grid (``GoogleMapsCompatible``; 天地图's
    ``_w`` layers, ``TILEMATRIXSET=w``): ``{TileMatrix}``, ``{TileRow}`` and ``{TileCol}`` are
    accepted for ``{z}``, ``{y}`` and ``{x}``. An optional ``overlay_url`` is drawn above the
    base tiles (e.g. 天地图's annotation layer ``cva_w`` over ``vec_w``). Every other ``{…}`` is
    refused, so a URL can never carry template syntax into the page.

Configuration file
    :func:`load_basemaps` reads services from a TOML file, one ``[[basemap]]`` table each (keys
    as the fields of :class:`TileService`); the app reads the file named by the environment
    variable ``ATLAS_BASEMAPS`` or ``basemaps.toml`` in its working folder
    (:func:`default_basemaps_path`). Every problem of the file is reported at once.

When tiles do not load
    :class:`TileErrorNotice` listens to Leaflet's ``tileerror`` and shows a sentence on the map
    (no network, a wrong address or key); it disappears once the tiles of a view load.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import folium
from branca.element import MacroElement
from jinja2 import Template

from geo.maps.errors import MapError
from geo.maps.text import esc
from geo.maps.words import word
from geo.problems import MESSAGES, Problem, problem, register_messages

__all__ = [
    "BASEMAPS",
    "BUILTIN_SERVICES",
    "DATUMS",
    "TileErrorNotice",
    "TileService",
    "add_basemap",
    "basemap_datum",
    "default_basemaps_path",
    "load_basemaps",
    "resolve_basemap",
]

BASEMAPS: tuple[str, ...] = ("none", "osm", "amap")
"""Built-in basemap names; ``"none"`` draws no tiles and works offline."""
DATUMS: tuple[str, ...] = ("wgs84", "cgcs2000", "gcj02")
"""Datums a tile service may declare."""

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_ALIASES = {"tilematrix": "z", "tilerow": "y", "tilecol": "x"}
_ALLOWED = frozenset({"s", "z", "x", "y", "-y", "r"})
_NAME = re.compile(r"[A-Za-z0-9_-]{1,40}")

register_messages(
    {
        "basemap_bad_name": (
            "底图名称 {value!r} 无效：只能用英文字母、数字、“_”和“-”（1–40 个字符）",
            "basemap name {value!r}: use letters, digits, '_' and '-' (1-40 characters)",
        ),
        "basemap_bad_url": (
            "{argument} {value!r} 不是瓦片地址：应以 http:// 或 https:// 开头",
            "{argument} {value!r} is not a tile URL: it must start with http:// or https://",
        ),
        "basemap_missing_placeholder": (
            "{argument} 缺少占位符 {missing}：XYZ 地址需要 {{z}}、{{x}}、{{y}}（WMTS 为 {{TileMatrix}}、{{TileCol}}、{{TileRow}}）",
            "{argument} lacks {missing}: an XYZ URL needs {{z}}, {{x}} and {{y}} (WMTS: "
            "{{TileMatrix}}, {{TileCol}}, {{TileRow}})",
        ),
        "basemap_bad_placeholder": (
            "{argument} 含有不支持的占位符 {value}：只能用 {{s}}、{{z}}、{{x}}、{{y}}、{{-y}}",
            "{argument} holds an unsupported placeholder {value}: use only {{s}}, {{z}}, "
            "{{x}}, {{y}} and {{-y}}",
        ),
        "basemap_bad_datum": (
            "底图坐标基准 {value!r} 无效：可选 {valid}",
            "basemap datum {value!r}: use one of {valid}",
        ),
        "basemap_bad_zoom": (
            "缩放级别无效（min_zoom={low!r}，max_zoom={high!r}）：应为 0–22 的整数且 min ≤ max",
            "zoom levels min_zoom={low!r}, max_zoom={high!r}: use whole numbers 0-22 with min ≤ max",
        ),
        "basemap_no_subdomains": (
            '地址使用了 {{s}}，但没有给出 subdomains（例如 "abc" 或 "01234567"）',
            'the URL uses {{s}} but no subdomains are given (e.g. "abc" or "01234567")',
        ),
        "basemap_unknown": (
            "未知的底图 {value!r}：可选 {valid}",
            "unknown basemap {value!r}: use one of {valid}",
        ),
        "basemap_config_unreadable": (
            "底图配置文件 {path} 无法读取：{reason}",
            "the basemap file {path} cannot be read: {reason}",
        ),
        "basemap_config_entry": (
            "底图配置文件 {path} 第 {n} 项：{text}",
            "the basemap file {path}, entry {n}: {text}",
        ),
        "basemap_config_keys": (
            "未知的键 {value}：可用 {valid}",
            "unknown key(s) {value}: use {valid}",
        ),
        "basemap_config_shape": (
            "应为 [[basemap]] 表的列表",
            "expected a list of [[basemap]] tables",
        ),
    }
)


def _normalise(url: str) -> str:
    """``url`` with WMTS placeholders ({TileMatrix}, {TileRow}, {TileCol}) as {z}, {y}, {x}."""

    def repl(m: re.Match[str]) -> str:
        key = m.group(1)
        return "{" + _ALIASES.get(key.lower(), key) + "}"

    return _PLACEHOLDER.sub(repl, url)


def _url_problems(url: Any, argument: str, subdomains: str) -> list[Problem]:
    if not isinstance(url, str) or not url.strip():
        return [problem("basemap_bad_url", argument=argument, value=url)]
    out: list[Problem] = []
    if not re.match(r"https?://[^\s]+$", url):
        out.append(problem("basemap_bad_url", argument=argument, value=url))
    if "{{" in url or "}}" in url or "{%" in url or "{#" in url:
        return [*out, problem("basemap_bad_placeholder", argument=argument, value="{{")]
    found = {m.group(1) for m in _PLACEHOLDER.finditer(_normalise(url))}
    out += [
        problem("basemap_bad_placeholder", argument=argument, value="{" + p + "}")
        for p in sorted(found - _ALLOWED)
    ]
    missing = [f"{{{k}}}" for k in ("z", "x") if k not in found]
    if "y" not in found and "-y" not in found:
        missing.append("{y}")
    if missing:
        out.append(
            problem("basemap_missing_placeholder", argument=argument, missing=", ".join(missing))
        )
    if "s" in found and not subdomains:
        out.append(problem("basemap_no_subdomains", argument=argument))
    return out


@dataclass(frozen=True)
class TileService:
    """A tile service: URL template, the datum of its tiles, titles and attribution.

    Attributes
    ----------
    name
        Short id (letters, digits, ``_``, ``-``).
    url
        XYZ or WMTS ``GetTile`` template (see the module notes).
    datum
        ``"wgs84"``, ``"cgcs2000"`` (drawn as WGS-84) or ``"gcj02"`` (overlays shifted).
    title_zh, title_en
        Names shown in the basemap picker (default: ``name``).
    attribution
        Credit line shown on the map (plain text; escaped when drawn).
    subdomains
        Values of ``{s}``, e.g. ``"abc"`` or ``"01234567"``.
    min_zoom, max_zoom
        Zoom levels the service has.
    overlay_url
        Optional second template drawn above the base tiles (e.g. an annotation layer).
    """

    name: str
    url: str
    datum: str = "wgs84"
    title_zh: str = ""
    title_en: str = ""
    attribution: str = ""
    subdomains: str = ""
    min_zoom: int = 0
    max_zoom: int = 18
    overlay_url: str | None = None

    def problems(self) -> list[Problem]:
        """Every problem of the service (empty when it can be drawn)."""
        out: list[Problem] = []
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            out.append(problem("basemap_bad_name", argument="name", value=self.name))
        sub = self.subdomains if isinstance(self.subdomains, str) else ""
        out += _url_problems(self.url, "url", sub)
        if self.overlay_url not in (None, ""):
            out += _url_problems(self.overlay_url, "overlay_url", sub)
        if self.datum not in DATUMS:
            out.append(
                problem(
                    "basemap_bad_datum", argument="datum", value=self.datum, valid=", ".join(DATUMS)
                )
            )
        zooms = (self.min_zoom, self.max_zoom)
        if (
            not all(isinstance(z, int) and not isinstance(z, bool) and 0 <= z <= 22 for z in zooms)
            or self.min_zoom > self.max_zoom
        ):
            out.append(problem("basemap_bad_zoom", low=self.min_zoom, high=self.max_zoom))
        return out

    def check(self) -> TileService:
        """``self`` when valid; else raise :class:`~geo.maps.MapError` with every problem."""
        found = self.problems()
        if found:
            raise MapError(found)
        return self

    def title(self, lang: str) -> str:
        """Name of the service in ``lang`` (plain text)."""
        text = self.title_zh if lang == "zh" else self.title_en
        return text or self.title_en or self.title_zh or self.name

    @property
    def display_datum(self) -> str:
        """The datum overlays are drawn in over these tiles: ``"gcj02"`` or ``"wgs84"``."""
        return "gcj02" if self.datum == "gcj02" else "wgs84"


BUILTIN_SERVICES: dict[str, TileService] = {
    "osm": TileService(
        "osm",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "wgs84",
        title_zh="OpenStreetMap",
        title_en="OpenStreetMap",
        attribution="© OpenStreetMap contributors",
        max_zoom=19,
    ),
    "amap": TileService(
        "amap",
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang={lang}&size=1&scale=1&style=8"
        "&x={x}&y={y}&z={z}",
        "gcj02",
        title_zh="高德地图",
        title_en="Amap",
        attribution="© 高德地图 AutoNavi",
        subdomains="1234",
    ),
}
"""The online built-ins (``"none"`` needs no service). Amap's ``{lang}`` is filled per map."""


def resolve_basemap(basemap: str | TileService | None) -> TileService | None:
    """The service of ``basemap`` (a built-in name or a :class:`TileService`); None for none.

    Raises
    ------
    MapError
        For an unknown name or an invalid service.
    """
    if basemap is None or basemap == "none":
        return None
    if isinstance(basemap, TileService):
        return basemap if basemap.name in BUILTIN_SERVICES else basemap.check()
    if isinstance(basemap, str) and basemap in BUILTIN_SERVICES:
        return BUILTIN_SERVICES[basemap]
    raise MapError(
        [problem("basemap_unknown", argument="basemap", value=basemap, valid=", ".join(BASEMAPS))]
    )


def basemap_datum(basemap: str | TileService | None) -> str:
    """The datum overlays are drawn in over ``basemap``: ``"gcj02"`` or ``"wgs84"``."""
    service = resolve_basemap(basemap)
    return "wgs84" if service is None else service.display_datum


class TileErrorNotice(MacroElement):
    """Says on the map, in words, when the tiles of ``layers`` fail to load (``tileerror``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, layers, text) {
            var box = null, failed = 0;
            function show() {
                if (!box) {
                    box = L.DomUtil.create('div', 'atlas-tile-error leaflet-control', map.getContainer());
                    box.setAttribute('role', 'status');
                    box.style.position = 'absolute';
                    box.style.top = '10px';
                    box.style.left = '50%';
                    box.style.transform = 'translateX(-50%)';
                    box.style.zIndex = 1000;
                    box.innerHTML = text;
                    L.DomEvent.disableClickPropagation(box);
                }
                box.style.display = '';
            }
            layers.forEach(function (layer) {
                layer.on('loading', function () { failed = 0; });
                layer.on('tileerror', function () { failed += 1; show(); });
                layer.on('load', function () { if (box && failed === 0) { box.style.display = 'none'; } });
            });
        })({{ this._parent.get_name() }}, [{% for l in this.layers %}{{ l.get_name() }}{% if not loop.last %}, {% endif %}{% endfor %}], {{ this.text|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, layers: Iterable[folium.TileLayer], text: str) -> None:
        super().__init__()
        self._name = "AtlasTileErrorNotice"
        self.layers = list(layers)
        self.text = text  # pre-escaped


def add_basemap(
    m: folium.Map, basemap: str | TileService | None, lang: str, *, note: str = ""
) -> str:
    """Add the tiles of ``basemap`` to ``m`` (with the tile-error notice); return the datum.

    With ``"none"`` an empty base layer is added, so the layer control's radio list stays
    meaningful and nothing is fetched; ``note`` (pre-escaped) is then its attribution, else it
    follows the tiles' own credit.
    """
    service = resolve_basemap(basemap)
    if service is None:
        folium.TileLayer(
            tiles="",
            name=esc(word("basemap_none", lang)),
            attr=note or " ",
            overlay=False,
            control=False,
        ).add_to(m)
        return "wgs84"
    fill = {"{lang}": "zh_cn" if lang == "zh" else "en"}
    tiles = []
    for i, url in enumerate(u for u in (service.url, service.overlay_url) if u):
        for k, v in fill.items():
            url = url.replace(k, v)
        kwargs: dict[str, Any] = {}
        if service.subdomains:
            kwargs["subdomains"] = service.subdomains
        credit = esc(service.attribution)
        if i == 0 and note:
            credit = f"{credit} | {note}" if credit else note
        layer = folium.TileLayer(
            tiles=_normalise(url),
            attr=credit or " ",
            name=esc(service.title(lang)) + ("" if i == 0 else " +"),
            min_zoom=service.min_zoom,
            max_zoom=service.max_zoom,
            max_native_zoom=service.max_zoom,
            overlay=i > 0,
            control=False,
            **kwargs,
        )
        layer.add_to(m)
        tiles.append(layer)
    text = esc(word("tile_error", lang, name=service.title(lang)))
    TileErrorNotice(tiles, text).add_to(m)
    return service.display_datum


_FIELDS = tuple(f.name for f in fields(TileService))


def load_basemaps(path: str | os.PathLike[str]) -> list[TileService]:
    """The tile services of the TOML file ``path`` (``[[basemap]]`` tables; see the module notes).

    Raises
    ------
    MapError
        Listing every problem of the file (unreadable TOML, unknown keys, invalid services).
    """
    p = Path(path)
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MapError([problem("basemap_config_unreadable", path=str(p), reason=exc)]) from exc
    entries = doc.get("basemap", [])
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise MapError([_entry(p, 1, problem("basemap_config_shape"))])
    out: list[TileService] = []
    problems: list[Problem] = []
    names = [str(e.get("name")) for e in entries if "name" in e]
    for n, entry in enumerate(entries, start=1):
        unknown = sorted(set(entry) - set(_FIELDS))
        found: list[Problem] = []
        if unknown:
            found.append(
                problem("basemap_config_keys", value=", ".join(unknown), valid=", ".join(_FIELDS))
            )
        name = str(entry.get("name"))
        if "name" in entry and (name in BASEMAPS or names.count(name) > 1):
            found.append(problem("basemap_bad_name", argument="name", value=name))
        service = None
        if "name" in entry and "url" in entry:
            service = TileService(**{k: v for k, v in entry.items() if k in _FIELDS})
            found += [f for f in service.problems() if f not in found]
        else:
            found.append(problem("basemap_bad_url", argument="url", value=entry.get("url")))
        problems += [_entry(p, n, f) for f in found]
        if service is not None and not found:
            out.append(service)
    if problems:
        raise MapError(problems)
    return out


def _entry(path: Path, n: int, found: Problem) -> Problem:
    """``found`` prefixed with the file and entry, in both languages."""
    zh, en = MESSAGES["basemap_config_entry"]
    values = {"path": str(path), "n": n}
    return Problem(
        en.format(text=found.en, **values),
        code="basemap_config_entry",
        zh=zh.format(text=found.zh, **values),
        params={**values, "problem": found.code},
        argument=found.argument,
    )


def default_basemaps_path() -> Path:
    """Where the app looks for tile services: ``$ATLAS_BASEMAPS`` or ``./basemaps.toml``."""
    return Path(os.environ.get("ATLAS_BASEMAPS") or "basemaps.toml")
