"""Sources as users read them, and the checks that keep blocked addresses out of what we show.

Every fact row carries ``source`` (citations as written in the reference fact base),
``verification`` (a status word — ``verified``, ``partial``, ``unverified``, ``inferred`` — and
what rests on what) and ``evidence``, one of :data:`EVIDENCE_LEVELS`:

========== ============================================================================
official   the main fact is stated on a retrieved official (class-A) page
press      stated on a retrieved media or trade-press (class-B) page
secondary  stated only on a weak (class-C) page, or in a copy whose original is named
none       no retrieved source states it
========== ============================================================================

Hosts are classed in ``data/source_hosts.csv`` (:func:`host_table`): A official, B press, C
weak, D spam or unrelated — **never shown**. This module is the one place that

* parses a source cell into citations (:func:`parse_source`: publisher, title, date, address,
  host and its class, note),
* formats them for display in Chinese or English (:func:`format_source`; an address is shown only
  for classes A–C, a class-D or unknown address is withheld),
* labels evidence and marks facts below ``press`` as unverified (:func:`evidence_label`,
  :func:`unverified_mark`, :func:`evidence_badge`),
* and checks text and tables for class-D or unknown hosts, internal working notes and a
  ``verified`` without official or press evidence (:func:`text_problems`,
  :func:`table_problems`), for the build script and the tests over everything the project ships.

>>> c = parse_source("http://www.sdenews.com/html/2018/8/245160.shtml (经济导报 2018-08-15: "
...                  "2018 national development-zone catalogue)")[0]
>>> c.publisher, c.date, c.title, c.host_class
('经济导报', '2018-08-15', '2018 national development-zone catalogue', 'B')
>>> format_source("舜网-济南时报 2022-03-11 (original not retrieved; seen only in a third-party copy)",
...               lang="zh")
'舜网-济南时报 · 2022-03-11（原件未获取，仅见第三方转载）'
>>> unverified_mark("secondary", "zh"), unverified_mark("press", "en")
('待核实', '')
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from geo.registry import data_path

__all__ = [
    "EVIDENCE_LEVELS",
    "EVIDENCE_NAMES",
    "HOST_CLASSES",
    "INTERNAL_NOTES",
    "LINKED_CLASSES",
    "STRONG_EVIDENCE",
    "TECHNICAL_HOSTS",
    "Citation",
    "HostTable",
    "display_sources",
    "evidence_badge",
    "evidence_label",
    "find_addresses",
    "format_source",
    "host_table",
    "is_unverified",
    "parse_source",
    "status_word",
    "table_problems",
    "text_problems",
    "unverified_mark",
    "verification_problems",
]

EVIDENCE_LEVELS = ("official", "press", "secondary", "none")
STRONG_EVIDENCE = frozenset({"official", "press"})
HOST_CLASSES = ("A", "B", "C", "D")
LINKED_CLASSES = frozenset({"A", "B", "C"})
STATUS_WORDS = ("verified", "partial", "unverified", "inferred")

EVIDENCE_NAMES: Mapping[str, tuple[str, str]] = {
    "official": ("官方来源", "official"),
    "press": ("媒体报道", "press"),
    "secondary": ("二手来源", "secondary"),
    "none": ("无可查来源", "no source"),
}
_MARK = ("待核实", "unverified")

# Addresses that are not fact sources and may appear in rendered output: the SVG/XML namespace of
# the report's inline maps and the package index linked from the data documentation.
TECHNICAL_HOSTS: Mapping[str, str] = {
    "www.w3.org": "XML/SVG namespace of inline SVG (not a link)",
    "pypi.org": "Python package index (software used to build the boundaries)",
    "127.0.0.1": "the app on the user's own machine (any port)",
}

# Working notes that must never reach a user: pointers to the reference's seed files, the
# project brief, reminders to "ignore", the clean-up's own bookkeeping.
INTERNAL_NOTES: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.I)
    for p in (
        r"\bseeds?/\d{3}",
        r"\bseed \d{3}\b",
        r"\b(?:from|per|in) the (?:project )?brief\b",
        r"\bproject brief\b",
        r"\(brief\)",
        r"\bdoc no\. from\b",
        r"\bNB:",
        r"[—-]\s*ignore\b",
        r"\bresourcing #\d",
        r"\bfindings §",
    )
)

URL_RE = re.compile(r"https?://[^\s;|,，；）)\"'<>]+")
# A scheme-less host followed by a path, e.g. github.com/qwd/... (not preceded by / . @ or a word).
BARE_RE = re.compile(
    r"(?<![\w/.@-])((?:[a-z0-9-]+\.)+[a-z]{2,})(?::\d+)?/[^\s;|,，；）)\"'<>]*", re.I
)
_VERIFIED_WORD = re.compile(r"(?<![a-z-])verified", re.I)  # "verified", not "unverified"
_NOTE_TEXT = {
    "original not retrieved; seen only in a third-party copy": "原件未获取，仅见第三方转载"
}
_DATE = r"\d{4}(?:-\d{2}(?:-\d{2})?)?"
_PUB_DATE = re.compile(
    rf"^(?P<pub>.*?)\s*(?<![\d.])(?P<date>{_DATE})(?![\d.])(?:\s*[:：,]\s*(?P<title>.*))?$"
)
_COPY_NOTE = "original not retrieved; seen only in a third-party copy"


# ----------------------------------------------------------------------------- hosts
@dataclass(frozen=True)
class HostTable:
    """Host → class (A/B/C/D) and description, from ``source_hosts.csv``."""

    classes: Mapping[str, str]
    what: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> HostTable:
        """Build from a frame with columns host, class, what; a bad class raises ``ValueError``."""
        bad = sorted(set(df["class"]) - set(HOST_CLASSES))
        if bad:
            raise ValueError(f"source_hosts: unknown class {bad}: use one of A, B, C, D")
        hosts = [str(h).strip().lower() for h in df["host"]]
        what = df["what"] if "what" in df else [""] * len(df)
        return cls(dict(zip(hosts, df["class"], strict=True)), dict(zip(hosts, what, strict=True)))

    def cls(self, host: str) -> str | None:
        """Class of ``host`` (``None`` when the table does not know it)."""
        return self.classes.get(host.lower())

    @property
    def blocked(self) -> list[str]:
        """Class-D hosts, longest first."""
        return sorted((h for h, c in self.classes.items() if c == "D"), key=lambda h: (-len(h), h))

    def blocked_pattern(self) -> re.Pattern[str] | None:
        """Regex naming any class-D host (also without a leading ``www.`` or ``m.``)."""
        names = set()
        for h in self.blocked:
            names.add(h)
            names.add(re.sub(r"^(?:www|m)\.", "", h))
        if not names:
            return None
        alt = "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))
        return re.compile(rf"(?<![\w-])(?:{alt})(?![\w-])", re.I)


@cache
def host_table() -> HostTable:
    """The shipped host table (``data/source_hosts.csv``)."""
    df = pd.read_csv(data_path("source_hosts"), dtype=str, keep_default_na=False)
    return HostTable.from_frame(df)


def find_addresses(text: str) -> list[tuple[str, str]]:
    """Every address in ``text`` as (address, host): ``http(s)://…`` and scheme-less ``host/…``."""
    out = [(u, urlsplit(u).netloc.lower()) for u in URL_RE.findall(text)]
    out += [(m.group(0), m.group(1).lower()) for m in BARE_RE.finditer(URL_RE.sub(" ", text))]
    return out


# ----------------------------------------------------------------------------- citations
@dataclass(frozen=True)
class Citation:
    """One citation of a source cell.

    ``url`` is the address as written ("" when the citation is text only), ``host_class`` its
    class ("" without an address, ``"?"`` for a host the table does not know) and ``site`` the
    host table's description of the site that holds the address.
    """

    publisher: str = ""
    title: str = ""
    date: str = ""
    url: str = ""
    host: str = ""
    host_class: str = ""
    site: str = ""
    note: str = ""

    @property
    def shows_link(self) -> bool:
        """Whether the address may be shown (classes A–C only)."""
        return bool(self.url) and self.host_class in LINKED_CLASSES


def _blank(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or str(v) == ""


def _split_top(text: str) -> list[str]:
    """Split on ``;`` and ``|`` outside brackets."""
    parts: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch in "(（[《":
            depth += 1
        elif ch in ")）]》" and depth:
            depth -= 1
        if ch in ";|；" and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip(" \t:：—-") for p in parts if p.strip(" \t:：—-")]


def _brackets(text: str) -> tuple[str, list[str]]:
    """``text`` without its top-level (…) asides, and the asides."""
    out: list[str] = []
    inner: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch in "(（":
            if depth == 0:
                cur = []
            else:
                cur.append(ch)
            depth += 1
        elif ch in ")）" and depth:
            depth -= 1
            if depth == 0:
                aside = "".join(cur).strip(" :：")
                if len(aside) <= 3:  # a numbering such as 二(一) stays in the text
                    out.append(f"({aside})")
                else:
                    inner.append(aside)
            else:
                cur.append(ch)
        elif depth:
            cur.append(ch)
        else:
            out.append(ch)
    body = re.sub(r"\s+", " ", "".join(out)).replace(" ,", ",")
    return body.strip(" :：,"), inner


def _pub_date_title(text: str) -> tuple[str, str, str]:
    hit = _PUB_DATE.match(text.strip())
    if hit and hit.group("pub").strip():
        return hit.group("pub").strip(" ,"), hit.group("date"), (hit.group("title") or "").strip()
    if ":" in text:
        pub, _, title = text.partition(":")
        return pub.strip(), "", title.strip()
    return "", "", text.strip()


def _copy_note(seg: str) -> tuple[str, str]:
    """``seg`` without the reference's "original not retrieved; …" remark, and the remark."""
    cut = re.sub(rf"\s*\({re.escape(_COPY_NOTE)}\)", "", seg)
    cut = re.sub(rf"\s*;\s*{re.escape(_COPY_NOTE)}", "", cut)
    return cut, (_COPY_NOTE if cut != seg else "")


def _citation(seg: str, hosts: HostTable) -> Citation:
    found = find_addresses(seg)
    url, host = found[0] if found else ("", "")
    text, note = _copy_note(seg.replace(url, " ", 1) if url else seg)
    body, asides = _brackets(text)
    publisher = date = title = ""
    if url and body:  # "document title (date; detail): URL"
        title = body
        if asides:
            hit = re.match(rf"^({_DATE})\s*[;,:：]?\s*(.*)$", asides[0])
            date, detail = (hit.group(1), hit.group(2)) if hit else ("", asides[0])
            title = f"{title} ({detail})" if detail else title
    elif url:  # "URL (publisher date: title)"
        if asides:
            publisher, date, title = _pub_date_title(asides[0])
    else:  # "publisher date (detail; note)"
        publisher, date, title = _pub_date_title(body)
        if asides:
            title = f"{title} ({asides[0]})" if title else asides[0]
        if not publisher:
            publisher, title = title, ""
    cls = (hosts.cls(host) or "?") if url else ""
    site = str(hosts.what.get(host, "")).split(";")[0].strip() if cls in LINKED_CLASSES else ""
    return Citation(publisher.strip(), title.strip(), date, url, host, cls, site, note)


def parse_source(cell: Any, *, hosts: HostTable | None = None) -> list[Citation]:
    """Citations of a source cell (segments separated by ``;`` or ``|`` outside brackets).

    >>> [c.host_class for c in parse_source("https://m.yybnet.net/a.html ; 半月谈 article")]
    ['C', '']
    """
    if _blank(cell):
        return []
    hosts = hosts or host_table()
    return [_citation(seg, hosts) for seg in _split_top(str(cell))]


def _format_citation(c: Citation, lang: str, links: bool) -> str:
    head = " · ".join(x for x in (c.publisher, c.title, c.date) if x)
    if c.note:
        head += f"（{_NOTE_TEXT.get(c.note, c.note)}）" if lang == "zh" else f" ({c.note})"
    if c.url and c.shows_link:
        where = c.site or c.host
        tail = f"{where}: {c.url}" if links else where
        head = f"{head} — {tail}" if head else tail
    elif c.url:
        withheld = "链接已隐去" if lang == "zh" else "address withheld"
        head = f"{head} [{withheld}]" if head else f"[{withheld}]"
    return head


def format_source(
    cell: Any, *, lang: str = "en", hosts: HostTable | None = None, links: bool = True
) -> str:
    """A source cell as users read it: ``publisher · title · date (note) address ; …``.

    Addresses are shown for classes A–C only; a class-D or unknown host is never shown (its
    citation keeps its text and says the address was withheld). ``links=False`` drops
    addresses altogether.
    """
    return " ; ".join(
        _format_citation(c, lang, links) for c in parse_source(cell, hosts=hosts)
    ).strip()


# ----------------------------------------------------------------------------- evidence
def _level(evidence: Any) -> str:
    return "" if _blank(evidence) else str(evidence).strip().lower()


def is_unverified(evidence: Any) -> bool:
    """True for facts below ``press`` (secondary, none, or no evidence level at all)."""
    return _level(evidence) not in STRONG_EVIDENCE


def evidence_label(evidence: Any, lang: str = "en") -> str:
    """``"媒体报道"`` / ``"press"``; an unknown or empty level reads as no source."""
    zh, en = EVIDENCE_NAMES.get(_level(evidence), EVIDENCE_NAMES["none"])
    return zh if lang == "zh" else en


def unverified_mark(evidence: Any, lang: str = "en") -> str:
    """``"待核实"`` / ``"unverified"`` for facts below ``press``, else ``""``."""
    return (_MARK[0] if lang == "zh" else _MARK[1]) if is_unverified(evidence) else ""


def evidence_badge(evidence: Any, lang: str = "en") -> str:
    """``"✓ 媒体报道"`` for official/press, ``"⚠ 待核实 · 二手来源"`` below press.

    >>> evidence_badge("official"), evidence_badge("none", "zh")
    ('✓ official', '⚠ 待核实 · 无可查来源')
    """
    label = evidence_label(evidence, lang)
    if is_unverified(evidence):
        return f"⚠ {unverified_mark(evidence, lang)} · {label}"
    return f"✓ {label}"


def display_sources(df: pd.DataFrame, *, lang: str = "en") -> pd.DataFrame:
    """Copy of ``df`` for a table users read: ``evidence`` as a badge, ``source`` formatted.

    ``evidence`` becomes :func:`evidence_badge` (``"⚠ 待核实 · 二手来源"`` below press) on every
    fact row; synthetic rows (``synthetic`` true or ``verification == "synthetic"``) get ``"—"``.
    ``source`` becomes :func:`format_source` (addresses of class A–C hosts only).
    """
    out = df.copy()
    synthetic = pd.Series(False, index=out.index)
    if "synthetic" in out:
        synthetic |= out["synthetic"].fillna(False).astype(bool)
    if "verification" in out:
        synthetic |= out["verification"].astype(str).str.strip().str.lower() == "synthetic"
    if "evidence" in out:
        out["evidence"] = [
            "—" if syn else evidence_badge(e, lang)
            for e, syn in zip(out["evidence"], synthetic, strict=True)
        ]
    if "source" in out:
        out["source"] = [format_source(v, lang=lang) for v in out["source"]]
    return out


def status_word(verification: Any) -> str:
    """The status word a verification text starts with (``""`` when it starts with none)."""
    hit = re.match(r"[a-z]+", "" if _blank(verification) else str(verification).strip().lower())
    return hit.group(0) if hit and hit.group(0) in STATUS_WORDS else ""


# ----------------------------------------------------------------------------- checks
def text_problems(text: Any, where: str, *, hosts: HostTable | None = None) -> list[str]:
    """Problems in one text: class-D or unknown addresses, named class-D hosts, working notes."""
    if _blank(text):
        return []
    hosts = hosts or host_table()
    s = str(text)
    out = []
    for url, host in find_addresses(s):
        cls = hosts.cls(host)
        if cls == "D":
            out.append(f"{where}: class-D address on {host}")
        elif cls is None and host.split(":")[0] not in TECHNICAL_HOSTS:
            out.append(f"{where}: host not in source_hosts.csv: {host} ({url[:80]})")
    pattern = hosts.blocked_pattern()
    if pattern is not None:
        out += [f"{where}: names class-D host {m.group(0)}" for m in pattern.finditer(s)]
    for note in INTERNAL_NOTES:
        for m in note.finditer(s):
            ctx = s[max(m.start() - 30, 0) : m.end() + 30].replace("\n", " ")
            out.append(f"{where}: internal working note {m.group(0)!r} in …{ctx}…")
    return out


def verification_problems(verification: Any, evidence: Any, where: str) -> list[str]:
    """A ``verified`` its evidence does not carry, or an evidence value off the scale.

    A row with neither an evidence level nor a status word is not a fact claim (a method, a
    note) and passes; a status word without an evidence level is a problem.
    """
    level = _level(evidence)
    if not level and not status_word(verification):
        return []
    if level not in EVIDENCE_LEVELS:
        return [f"{where}: evidence {evidence!r} is not one of {', '.join(EVIDENCE_LEVELS)}"]
    if level in STRONG_EVIDENCE or _blank(verification):
        return []
    text = str(verification)
    if status_word(text) == "verified" or _VERIFIED_WORD.search(text):
        return [f"{where}: says verified with evidence {level}: {text[:80]!r}"]
    return []


def table_problems(df: pd.DataFrame, name: str, *, hosts: HostTable | None = None) -> list[str]:
    """Every problem of a table: each text cell and header, then verification against evidence.

    A table with a ``verification`` column must have an ``evidence`` column, except rows that
    are synthetic (``verification == "synthetic"``), which are not facts.
    """
    hosts = hosts or host_table()
    out = []
    for col in df.columns:
        out += text_problems(col, f"{name} header", hosts=hosts)
        values = df[col]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            continue
        for i, v in zip(range(len(values)), values, strict=True):
            if isinstance(v, str) and v:
                out += text_problems(v, f"{name} row {i + 1} [{col}]", hosts=hosts)
    if "verification" in df.columns:
        synthetic = df["verification"].astype(str).str.strip().str.lower() == "synthetic"
        if not synthetic.all() and "evidence" not in df.columns:
            out.append(f"{name}: has verification but no evidence column")
        elif not synthetic.all():
            rows = zip(df["verification"], df["evidence"], synthetic, strict=True)
            for i, (v, e, syn) in enumerate(rows):
                if not syn:
                    out += verification_problems(v, e, f"{name} row {i + 1}")
    return out
