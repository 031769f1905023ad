"""Text that reaches a map: escaped for HTML, inert for Jinja, in one language.

Safety
    folium's ``GeoJsonTooltip``/``GeoJsonPopup`` build their tables with ``innerHTML`` and do
    not escape property values (checked in folium 0.20). Every user- or data-supplied string is
    therefore escaped with :func:`esc` before it reaches folium; the browser turns the entities
    back into text, so ``<img src=x onerror=…>`` shows as text and runs nothing.

    Template engine: branca renders the output of every element's macro *again* as a Jinja
    template (``MacroElement.render`` wraps it in ``Element(...)``, whose ``__init__`` compiles
    it), and folium's ``tojson`` does not escape braces, so a firm named ``{{ 7*7 }}`` would be
    evaluated on the server. :func:`esc` therefore also turns ``{`` and ``}`` into the HTML
    entities ``&#123;``/``&#125;`` (shown as braces by the browser, inert for Jinja), feature ids
    are made brace-free (:func:`inert_id`), and :func:`assert_inert` — called by
    :func:`geo.maps.localise_assets`, the last step of every map builder — walks every element's
    data and refuses (:class:`~geo.maps.MapError`) a map in which any string still holds a Jinja
    delimiter (``{{``, ``{%``, ``{#``), so a code path that forgets to escape fails closed
    instead of running user text.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from geo.maps.errors import MapError
from geo.problems import problem

__all__ = [
    "assert_inert",
    "esc",
    "inert_id",
    "name_in",
    "plain",
    "short",
    "verification_flag",
    "walk",
]

_BRACES = str.maketrans({"{": "&#123;", "}": "&#125;"})
_JINJA_START = re.compile(r"\{[{%#]")
_NOT_DATA = frozenset({"_template", "_parent", "_children", "_env", "_id"})


def plain(value: Any) -> str:
    """``value`` as text; ``None``, ``pd.NA`` and NaN give ``""``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value)


def esc(value: Any) -> str:
    """Text of ``value`` escaped for HTML and made inert for Jinja (``None``/NaN give ``""``).

    ``{`` and ``}`` become HTML entities: the browser shows them as braces, but branca's second
    template pass over the rendered map (see the module notes) finds no Jinja delimiter.

    >>> esc('<img src=x onerror=alert(1)>')
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> esc("{{7*7}}")
    '&#123;&#123;7*7&#125;&#125;'
    >>> esc(float("nan"))
    ''
    """
    return html.escape(plain(value), quote=True).translate(_BRACES)


def inert_id(text: str) -> str:
    """A feature id with braces percent-encoded (ids are matched, never shown).

    >>> inert_id("firms:{{x}}")
    'firms:%7B%7Bx%7D%7D'
    """
    return text.replace("{", "%7B").replace("}", "%7D")


_ENGLISH_NOTE = re.compile(
    r"\s*[(（]([^()（）\u3400-\u9fff]*\b[a-z]{3,}\b[^()（）\u3400-\u9fff]*)[)）]\s*$"
)


def name_in(zh: Any, en: Any, lang: str) -> str:
    """The name in ``lang`` (plain text), the other language's when that one is missing.

    A Chinese name that ends in an English note in brackets (a few fact-base records do:
    ``山东天岳 (SiC substrates)``, ``… (industry not stated)``) is shown without the note;
    technical terms in brackets (``衬底(蓝宝石/SiC/GaAs)``, ``(HHI)``) stay.

    >>> name_in("历下区", "Lixia District", "en"), name_in("合成示例企业", None, "en")
    ('Lixia District', '合成示例企业')
    >>> name_in("淄博高新区 创新型产业集群试点 (industry not stated)", "Zibo HTZ pilot", "zh")
    '淄博高新区 创新型产业集群试点'
    >>> name_in("企业集中度（HHI）", "Firm concentration (HHI)", "zh")
    '企业集中度（HHI）'
    """
    a, b = plain(zh).strip(), plain(en).strip()
    a = _ENGLISH_NOTE.sub("", a) or a
    first, second = (a, b) if lang == "zh" else (b, a)
    return first or second


def short(text: Any, n: int = 240) -> str:
    """``text`` cut to ``n`` characters with an ellipsis (plain text).

    >>> short("abcdef", 4)
    'abc…'
    """
    s = plain(text)
    return s if len(s) <= n else s[: n - 1] + "…"


def verification_flag(text: Any) -> str:
    """``"✓"`` for text that starts with *verified* and has no *unverified*, else ``"⚠"``.

    >>> verification_flag("verified"), verification_flag("centre verified; county weak")
    ('✓', '⚠')
    """
    t = plain(text).strip().lower()
    return "✓" if t.startswith("verified") and "unverified" not in t else "⚠"


def walk(element: Any) -> Iterable[Any]:
    """``element`` and all its branca children, depth first."""
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from walk(child)


def _strings(value: Any, path: str) -> Iterable[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _strings(k, f"{path}.<key>")
            yield from _strings(v, f"{path}[{k!r}]")
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            yield from _strings(v, f"{path}[{i}]")


def assert_inert(element: Any) -> None:
    """Refuse a map (or element) whose data holds a Jinja delimiter in any string.

    Walks ``element`` and all its children; in each, every attribute other than the template
    and tree links is searched (dicts, lists and tuples recursively) for ``{{``, ``{%`` or
    ``{#``. Text escaped with :func:`esc` never holds one, and folium's own JavaScript never
    does either, so a hit means user text would be evaluated by branca's second template pass.

    Raises
    ------
    MapError
        Naming the element, the attribute and the start of the offending string.
    """
    for el in walk(element):
        for attr, value in vars(el).items():
            if attr in _NOT_DATA:
                continue
            for where, text in _strings(value, attr):
                if _JINJA_START.search(text):
                    raise MapError(
                        [
                            problem(
                                "map_template_syntax",
                                where=f"{type(el).__name__}.{where}",
                                start=text[:60],
                            )
                        ]
                    )
