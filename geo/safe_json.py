"""JSON read with bounds: size, nesting depth, items per list or object, string length.

Every JSON document the atlas reads from a user — a scenario edits file, a workspace's
``edits_json`` and column schemas, a scenario uploaded in the app — goes through
:func:`loads` or :func:`read_json_file`, so a hostile file cannot make us allocate without
limit or crash the interpreter: a 10,000-deep ``[[[[…]]]]`` would otherwise end in a
``RecursionError``, a gigabyte file would be read whole, and ``NaN`` would slip into data that
must be finite. Each limit has a default, a keyword to change it per call (:class:`JsonLimits`)
and an environment variable to raise it for the command line and the app:

=====================  =================  ===================================  ==============
limit                  default            environment variable                 applies to
=====================  =================  ===================================  ==============
``max_bytes``          5,000,000          ``CLUSTER_ATLAS_JSON_MAX_BYTES``     the whole text
``max_depth``          32                 ``CLUSTER_ATLAS_JSON_MAX_DEPTH``     nesting
``max_items``          10,000             ``CLUSTER_ATLAS_JSON_MAX_ITEMS``     any list/object
``max_string``         10,000             ``CLUSTER_ATLAS_JSON_MAX_STRING``    any string/key
=====================  =================  ===================================  ==============

The text must be UTF-8 (a BOM is allowed; RFC 8259 §8.1); GBK/GB18030, UTF-16 and binary
files are refused with a message saying what they look like. ``NaN`` and ``Infinity`` are
not JSON and are refused; so are integers of more than 4,300 digits.

>>> loads('{"edits": [1, 2]}', what="edits.json")
{'edits': [1, 2]}
>>> loads("[" * 40 + "]" * 40, what="edits.json")
Traceback (most recent call last):
...
geo.safe_json.JsonLimitError: edits.json is nested deeper than 32 levels (set CLUSTER_ATLAS_JSON_MAX_DEPTH to raise the limit)
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from geo.problems import Problem, ProblemError, problem, register_messages

__all__ = ["ENV", "JsonLimitError", "JsonLimits", "loads", "read_json_file"]

ENV: Mapping[str, str] = {
    "max_bytes": "CLUSTER_ATLAS_JSON_MAX_BYTES",
    "max_depth": "CLUSTER_ATLAS_JSON_MAX_DEPTH",
    "max_items": "CLUSTER_ATLAS_JSON_MAX_ITEMS",
    "max_string": "CLUSTER_ATLAS_JSON_MAX_STRING",
}
"""Limit → environment variable that overrides its default."""

register_messages(
    {
        "json_too_big": (
            "{what} 有 {size:,} 字节，超过上限 {limit:,} 字节（可设置环境变量 {env} 提高上限）",
            "{what} is {size:,} bytes, more than the limit of {limit:,} bytes (set {env} to "
            "raise it)",
        ),
        "json_too_deep": (
            "{what} 的嵌套超过 {limit} 层（可设置环境变量 {env} 提高上限）",
            "{what} is nested deeper than {limit} levels (set {env} to raise the limit)",
        ),
        "json_too_many_items": (
            "{what} 中 {where} 有 {n:,} 项，超过上限 {limit:,} 项（可设置环境变量 {env} 提高上限）",
            "{what}: {where} holds {n:,} items, more than the limit of {limit:,} (set {env} to "
            "raise it)",
        ),
        "json_string_too_long": (
            "{what} 中 {where} 的文本有 {n:,} 个字符，超过上限 {limit:,}（可设置环境变量 {env} 提高上限）",
            "{what}: the text at {where} is {n:,} characters, more than the limit of {limit:,} "
            "(set {env} to raise it)",
        ),
        "json_not_utf8_gb": (
            "{what} 不是 UTF-8 文本，看起来是 GBK/GB18030 编码：请另存为 UTF-8",
            "{what} is not UTF-8 text; it looks like GBK/GB18030: save it as UTF-8",
        ),
        "json_not_utf8_utf16": (
            "{what} 是 UTF-16 文本：请另存为 UTF-8",
            "{what} is UTF-16 text: save it as UTF-8",
        ),
        "json_binary": (
            "{what} 不是文本文件（第 {offset} 字节为 0x{byte:02X}）：请提供 UTF-8 编码的 JSON 文本",
            "{what} is not a text file (byte 0x{byte:02X} at offset {offset}): give JSON text "
            "in UTF-8",
        ),
        "json_not_utf8": (
            "{what} 不是 UTF-8 文本（第 {offset} 字节为 0x{byte:02X}）：请另存为 UTF-8",
            "{what} is not UTF-8 text (byte 0x{byte:02X} at offset {offset}): save it as UTF-8",
        ),
        "json_syntax": (
            "{what} 不是有效的 JSON：第 {line} 行第 {column} 列，{msg}",
            "{what} is not valid JSON: line {line} column {column}: {msg}",
        ),
        "json_constant": (
            "{what} 含有 {token}，这不是 JSON：请用 null 或一个有限的数",
            "{what} holds {token}, which is not JSON: use null or a finite number",
        ),
        "json_number": (
            "{what} 中有一个超过 4300 位的数字：无法读取",
            "{what} holds a number of more than 4,300 digits, which cannot be read",
        ),
        "json_bad_limit": (
            "环境变量 {env}={value!r} 无效：请给出正整数",
            "environment variable {env}={value!r} is invalid: give a positive whole number",
        ),
        "json_file_missing": (
            "找不到 {what}：{path!r}",
            "{what} not found: {path!r}",
        ),
        "json_file_not_regular": (
            "{what} {path!r} 不是普通文件：请给出一个 JSON 文件",
            "{what} {path!r} is not a regular file: give a JSON file",
        ),
        "json_file_unreadable": (
            "无法读取 {what} {path!r}：{reason}",
            "cannot read {what} {path!r}: {reason}",
        ),
    }
)


class JsonLimitError(ProblemError):
    """A JSON document that is too big, too deep, not UTF-8 or not JSON; says which limit."""

    subject = ("JSON", "JSON")


@dataclass(frozen=True)
class JsonLimits:
    """Bounds on one JSON document (see the module docstring for defaults and variables).

    :meth:`from_env` reads the environment variables; pass an instance to :func:`loads` to
    set limits in code.
    """

    max_bytes: int = 5_000_000
    max_depth: int = 32
    max_items: int = 10_000
    max_string: int = 10_000

    @classmethod
    def from_env(cls, **overrides: int) -> JsonLimits:
        """Defaults, replaced by the environment variables of :data:`ENV`, then ``overrides``."""
        values: dict[str, int] = {}
        bad: list[Problem] = []
        for f in fields(cls):
            raw = os.environ.get(ENV[f.name])
            if raw is None or raw.strip() == "":
                continue
            try:
                value = int(raw.strip().replace("_", ""))
            except ValueError:
                value = 0
            if value <= 0:
                bad.append(problem("json_bad_limit", env=ENV[f.name], value=raw))
            else:
                values[f.name] = value
        if bad:
            raise JsonLimitError(bad)
        return cls(**(values | overrides))


def _binary_at(data: bytes) -> int | None:
    """Offset of the first byte no JSON text can hold raw (NUL or a control character)."""
    for i, b in enumerate(data[:4096]):
        if b < 0x20 and b not in (0x09, 0x0A, 0x0D):
            return i
    return None


def _decode(data: bytes, what: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise JsonLimitError([problem("json_not_utf8_utf16", what=what)])
    at = _binary_at(data)
    if at is not None:  # JSON escapes every control character: raw ones mean a binary file
        raise JsonLimitError([problem("json_binary", what=what, offset=at, byte=data[at])])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset, byte = exc.start, data[exc.start]
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        raise JsonLimitError(
            [problem("json_not_utf8", what=what, offset=offset, byte=byte)]
        ) from None
    raise JsonLimitError([problem("json_not_utf8_gb", what=what)]) from None


def _constant(token: str) -> Any:
    raise ValueError(f"constant:{token}")


def _walk(value: Any, limits: JsonLimits, what: str) -> None:
    """Check depth, items and string lengths without recursion (an explicit stack)."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "$")]
    while stack:
        item, depth, where = stack.pop()
        if isinstance(item, str):
            if len(item) > limits.max_string:
                raise JsonLimitError(
                    [
                        problem(
                            "json_string_too_long",
                            what=what,
                            where=where,
                            n=len(item),
                            limit=limits.max_string,
                            env=ENV["max_string"],
                        )
                    ]
                )
            continue
        if not isinstance(item, list | dict):
            continue
        if depth > limits.max_depth:
            raise JsonLimitError(
                [problem("json_too_deep", what=what, limit=limits.max_depth, env=ENV["max_depth"])]
            )
        if len(item) > limits.max_items:
            raise JsonLimitError(
                [
                    problem(
                        "json_too_many_items",
                        what=what,
                        where=where,
                        n=len(item),
                        limit=limits.max_items,
                        env=ENV["max_items"],
                    )
                ]
            )
        if isinstance(item, dict):
            for k, v in item.items():
                stack.append((k, depth + 1, f"{where}.<key>"))
                stack.append((v, depth + 1, f"{where}.{str(k)[:40]}"))
        else:
            stack.extend((v, depth + 1, f"{where}[{i}]") for i, v in enumerate(item))


def loads(text: str | bytes, *, what: str = "JSON", limits: JsonLimits | None = None) -> Any:
    """Parse ``text`` (str, or UTF-8 bytes) within ``limits`` (default :meth:`JsonLimits.from_env`).

    Parameters
    ----------
    text
        The document.
    what
        How to name it in messages (e.g. the file name).
    limits
        The bounds; ``None`` reads the environment.

    Raises
    ------
    JsonLimitError
        Naming the limit that was hit and the environment variable that raises it, or why the
        text is not JSON (with line and column).
    """
    limits = limits if limits is not None else JsonLimits.from_env()
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise JsonLimitError(
            [
                problem(
                    "json_too_big",
                    what=what,
                    size=size,
                    limit=limits.max_bytes,
                    env=ENV["max_bytes"],
                )
            ]
        )
    if isinstance(text, bytes):
        text = _decode(text, what)
    elif text.startswith("\ufeff"):
        text = text[1:]
    try:
        value = json.loads(text, parse_constant=_constant)
    except RecursionError:
        raise JsonLimitError(
            [problem("json_too_deep", what=what, limit=limits.max_depth, env=ENV["max_depth"])]
        ) from None
    except json.JSONDecodeError as exc:
        raise JsonLimitError(
            [problem("json_syntax", what=what, line=exc.lineno, column=exc.colno, msg=exc.msg)]
        ) from None
    except ValueError as exc:
        msg = str(exc)
        if msg.startswith("constant:"):
            raise JsonLimitError(
                [problem("json_constant", what=what, token=msg.split(":", 1)[1])]
            ) from None
        raise JsonLimitError([problem("json_number", what=what)]) from None
    _walk(value, limits, what)
    return value


def read_json_file(
    path: str | os.PathLike[str], *, what: str | None = None, limits: JsonLimits | None = None
) -> Any:
    """Read and parse the JSON file at ``path`` within ``limits`` (see :func:`loads`).

    Only a regular file is opened (a FIFO would block, a device never end), and at most
    ``max_bytes + 1`` bytes are read.

    Raises
    ------
    JsonLimitError
        A missing, special or unreadable file, or any problem :func:`loads` reports.
    """
    limits = limits if limits is not None else JsonLimits.from_env()
    text_path = os.fspath(path)
    label = what or Path(text_path).name or text_path
    try:
        st = os.stat(text_path)
    except FileNotFoundError:
        raise JsonLimitError([problem("json_file_missing", what=label, path=text_path)]) from None
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise JsonLimitError(
            [problem("json_file_unreadable", what=label, path=text_path, reason=reason)]
        ) from None
    if not stat.S_ISREG(st.st_mode):
        raise JsonLimitError([problem("json_file_not_regular", what=label, path=text_path)])
    try:
        with open(text_path, "rb") as fh:
            data = fh.read(limits.max_bytes + 1)
    except OSError as exc:
        raise JsonLimitError(
            [problem("json_file_unreadable", what=label, path=text_path, reason=exc.strerror)]
        ) from None
    if len(data) > limits.max_bytes:
        raise JsonLimitError(
            [
                problem(
                    "json_too_big",
                    what=label,
                    size=max(st.st_size, len(data)),
                    limit=limits.max_bytes,
                    env=ENV["max_bytes"],
                )
            ]
        )
    return loads(data, what=label, limits=limits)
