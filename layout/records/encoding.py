"""Text decoding that never guesses silently between GB18030 and Big5.

Order: a byte-order mark (UTF-16, UTF-8), then UTF-8, then GB18030 (a superset of GBK and
GB2312). Big5 bytes are very often also valid GB18030, decoding to unrelated characters, so when
the bytes also decode as Big5 the two readings are compared: the share of the Chinese characters
that are *common* ones (GB2312 level 1 for the GB18030 reading, Big5's frequently used block for
the Big5 reading). A Big5 reading that looks clearly more like real text flags the import
(``summary["encoding_warning"]``); ``encoding=`` (``--encoding``) names the encoding instead.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable

from layout.records.errors import fail

__all__ = ["DECODE_ORDER", "EncodingInfo", "decode_text"]

DECODE_ORDER: tuple[str, ...] = ("utf-16 (BOM)", "utf-8-sig", "utf-8", "gb18030")
"""Encodings tried, in order, when none is named."""

_SAMPLE = 1 << 20  # bytes compared between the GB18030 and the Big5 readings
_MARGIN = 0.25


class EncodingInfo(dict[str, object]):
    """``encoding`` used and, when the text may be mis-decoded, ``encoding_warning``."""


def decode_text(data: bytes, encoding: str | None = None) -> tuple[str, EncodingInfo]:
    """Decode ``data``; return the text and what was used (see the module docstring)."""
    info = EncodingInfo()
    if encoding is not None:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            fail("records_unknown_encoding", argument="encoding", encoding=encoding)
        try:
            text = data.decode(name)
        except UnicodeDecodeError as exc:
            fail("records_wrong_encoding", argument="encoding", encoding=encoding, byte=exc.start)
        if name.startswith("utf-8") and text.startswith("\ufeff"):
            text = text[1:]
        info["encoding"] = name
        return text, info
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            info["encoding"] = "utf-16"
            return data.decode("utf-16"), info
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        info["encoding"] = "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
        return text, info
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        fail("records_undecodable", byte=exc.start)
    info["encoding"] = "gb18030"
    gb, big5 = _scores(data[:_SAMPLE])
    if big5 is not None and big5 - gb > _MARGIN:
        info["encoding_warning"] = "looks_like_big5"
        info["encoding_scores"] = {"gb18030": round(gb, 3), "big5": round(big5, 3)}
    return text, info


def _scores(sample: bytes) -> tuple[float, float | None]:
    """Share of common Chinese characters in the GB18030 and the Big5 reading of ``sample``."""
    gb_text = sample.decode("gb18030", errors="ignore")
    try:
        big5_text = sample.decode("big5")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 1:  # a real error, not a character cut at the sample's end
            return _share(gb_text, _gb_common), None
        big5_text = sample[: exc.start].decode("big5")
    return _share(gb_text, _gb_common), _share(big5_text, _big5_common)


def _share(text: str, common: Callable[[str], bool]) -> float:
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not chars:
        return 1.0
    return sum(1 for c in chars if common(c)) / len(chars)


def _gb_common(ch: str) -> bool:
    """GB2312 level 1: the 3,755 most common simplified characters (lead byte 0xB0-0xD7)."""
    try:
        b = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return 0xB0 <= b[0] <= 0xD7


def _big5_common(ch: str) -> bool:
    """Big5's frequently used block: 5,401 characters (lead byte 0xA4-0xC6)."""
    try:
        b = ch.encode("big5")
    except UnicodeEncodeError:
        return False
    return 0xA4 <= b[0] <= 0xC6
