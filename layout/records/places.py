"""County-level units from what firm lists write: adcodes, county names, addresses.

Current units come from ``geo.boundaries`` (136 counties, 16 cities); former ones from the
crosswalk (``data/crosswalk.csv``: 莱城区 → 莱芜区, 即墨市 → 即墨区, 章丘市 → 章丘区, …). A county
name may be written with or without its city (``济南市历下区``, ``历下区``, ``历下``) and with or
without ``山东省``; a name that several cities share (``市中区``) needs its city, from the same
cell, the city column or the address. Addresses are searched for full county names (with their
``区``/``县``/``市`` suffix) and city names, in one vectorised pass.

The former prefecture-level city 莱芜市 (abolished 2019, its two districts went to 济南) is placed
at its former seat 莱城区, now 莱芜区, with a note saying it covered more than one county — unless
the row names 钢城区 (or another county) too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from layout.records.strings import TextArray

__all__ = ["Place", "Places", "places"]

_FORMER_CITY_SEATS = {"371200": "370116"}  # 莱芜市 -> its seat 莱城区, now 莱芜区
_PROVINCE = re.compile(r"^(?:中国)?山东(?:省)?")


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class Place:
    """A resolved place: the current county, or why there is none."""

    adcode: str | None
    old: bool = False
    former_city: bool = False
    problem_zh: str = ""
    problem_en: str = ""


@dataclass
class Places:
    """Lookups over the current and former county-level units of Shandong."""

    counties: dict[str, tuple[str, str]]  # adcode -> (name_zh, city_adcode)
    city_names: dict[str, str]  # city adcode -> name_zh
    city_keys: dict[str, str]  # 济南市 / 济南 -> city adcode (former 莱芜市 -> 371200)
    names: dict[str, set[tuple[str, str, bool]]]  # name -> {(adcode, city adcode, old)}
    old_codes: dict[str, str]  # former adcode -> current adcode
    county_pattern: str
    city_pattern: str

    def label(self, code: str) -> str:
        name, city = self.counties[code]
        return f"{self.city_names.get(city, '')}{name} {code}"

    def by_adcode(self, code: str) -> Place:
        if code in self.counties:
            return Place(code)
        if code in _FORMER_CITY_SEATS:
            return Place(_FORMER_CITY_SEATS[code], old=True, former_city=True)
        if code in self.old_codes:
            return Place(self.old_codes[code], old=True)
        if code in self.city_names:
            return Place(
                None,
                problem_zh=f"{code} 是地级市代码，不是区县",
                problem_en=f"{code} is a city code, not a county",
            )
        return Place(
            None,
            problem_zh=f"{code} 不是山东省的区县代码",
            problem_en=f"{code} is not a Shandong county code",
        )

    def by_name(self, text: str, city_hint: str = "") -> Place:
        """A county from a name such as ``历下区``, ``济南市历下区``, ``即墨市`` or ``市中区``."""
        whole = _PROVINCE.sub("", _fold(text))
        city = self.city_of(city_hint) if city_hint else None
        found = self.names.get(whole)
        if not found:
            for ckey in sorted(self.city_keys, key=len, reverse=True):
                rest = whole[len(ckey) :]
                if whole.startswith(ckey) and rest and self.names.get(rest):
                    city = city or self.city_keys[ckey]
                    found = self.names[rest]
                    break
        if not found:
            if whole in self.city_keys and self.city_keys[whole] in _FORMER_CITY_SEATS:
                return Place(_FORMER_CITY_SEATS[self.city_keys[whole]], old=True, former_city=True)
            if whole in self.city_keys:
                return Place(
                    None,
                    problem_zh=f"“{text}”是地级市，不是区县",
                    problem_en=f"{text!r} is a city, not a county",
                )
            return Place(
                None,
                problem_zh=f"“{text}”不是山东省的区县名称",
                problem_en=f"{text!r} is not the name of a Shandong county",
            )
        hits = found
        if city is not None and len(hits) > 1:
            hits = {h for h in hits if h[1] == city} or hits
        if len({h[0] for h in hits}) > 1:
            where = sorted(self.label(h[0]) for h in hits)
            return Place(
                None,
                problem_zh=f"“{text}”有多个区县同名（{'、'.join(where)}）：请注明城市",
                problem_en=f"{text!r} names several counties ({', '.join(where)}): give the city",
            )
        code, _, old = next(iter(hits))
        return Place(code, old=old)

    def city_of(self, text: str) -> str | None:
        key = _PROVINCE.sub("", _fold(text))
        return self.city_keys.get(key)

    def in_addresses(self, addresses: TextArray) -> tuple[TextArray, TextArray]:
        """The first county name and the first city name in each address ('' for none)."""
        text = pc.replace_substring_regex(pc.utf8_normalize(addresses, form="NFKC"), r"\s+", "")
        county = pc.struct_field(pc.extract_regex(text, f"(?P<c>{self.county_pattern})"), "c")
        city = pc.struct_field(pc.extract_regex(text, f"(?P<c>{self.city_pattern})"), "c")
        return pc.fill_null(county, ""), pc.fill_null(city, "")


@cache
def places() -> Places:
    """The lookups (built once per process)."""
    from geo.boundaries import load_cities, load_counties, load_crosswalk

    counties = load_counties()
    cities = load_cities()
    county_info = {
        str(a): (str(n), str(c))
        for a, n, c in zip(
            counties["adcode"], counties["name_zh"], counties["city_adcode"], strict=True
        )
    }
    city_names = {str(a): str(n) for a, n in zip(cities["adcode"], cities["name_zh"], strict=True)}
    city_keys: dict[str, str] = {}
    for code, name in city_names.items():
        city_keys[name] = code
        city_keys[name.removesuffix("市")] = code
    names: dict[str, set[tuple[str, str, bool]]] = {}

    def add(name: str, code: str, city: str, old: bool) -> None:
        names.setdefault(name, set()).add((code, city, old))
        bare = name[:-1] if name[-1:] in "区县市" else name
        if len(bare) >= 2 and bare != name:
            names.setdefault(bare, set()).add((code, city, old))

    for code, (name, city) in county_info.items():
        add(name, code, city, False)
    old_codes: dict[str, str] = {}
    cw = load_crosswalk()
    for rec in cw.itertuples():
        old_code, new_code = str(rec.old_adcode), str(rec.new_adcode)
        if new_code in county_info:
            old_codes.setdefault(old_code, new_code)
            city = county_info[new_code][1]
            add(str(rec.old_name), new_code, city, True)
        elif old_code in _FORMER_CITY_SEATS:  # a former prefecture-level city
            city_keys[str(rec.old_name)] = old_code
            city_keys[str(rec.old_name).removesuffix("市")] = old_code
    full = sorted({n for n in names if n[-1:] in "区县市"}, key=len, reverse=True)
    county_pattern = "|".join(re.escape(n) for n in full)
    city_pattern = "|".join(
        re.escape(n) for n in sorted(city_keys, key=len, reverse=True) if n.endswith("市")
    )
    return Places(
        county_info, city_names, city_keys, names, old_codes, county_pattern, city_pattern
    )


def resolve_addresses(
    addresses: TextArray, cities: TextArray | None = None
) -> tuple[list[Place | None], np.ndarray]:
    """The county of each distinct (county, city) found in the addresses, and per row the
    position of its pair: None where the address names no county."""
    pl = places()
    county, city = pl.in_addresses(addresses)
    if cities is not None:
        city = pc.if_else(pc.equal(city, ""), cities, city)
    combo = pc.binary_join_element_wise(
        county, city, pa.scalar("\x1f", pa.large_string())
    ).dictionary_encode()
    decided: list[Place | None] = []
    for text in combo.dictionary.to_pylist():
        c, ct = text.split("\x1f")
        former = pl.city_of(ct) if ct else None
        if c:
            decided.append(pl.by_name(c, ct))
        elif former in _FORMER_CITY_SEATS:
            decided.append(Place(_FORMER_CITY_SEATS[former], old=True, former_city=True))
        else:
            decided.append(None)
    return decided, combo.indices.to_numpy(zero_copy_only=False)


__all__ += ["resolve_addresses"]
_ = pa  # pyarrow arrays flow through the functions above
