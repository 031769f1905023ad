"""One home for input problems: a message code with parameters, readable in Chinese and English.

Every validation in ``geo/`` and ``layout/`` gathers *all* the problems it finds and raises one
:class:`ProblemError` (a :class:`ValueError`) whose ``.problems`` lists them. A
:class:`Problem` is a ``str`` — its English text, so ``"unknown chain" in exc.problems[0]`` keeps
working — that also carries a message ``code``, its ``params`` and the Chinese text, so an
interface can show it in the user's language (``problem.text("zh")``) and a script can react to
``problem.code`` instead of parsing words.

Message texts live in one catalogue, :data:`MESSAGES` (code → (Chinese, English) templates
for :meth:`str.format`); each module registers its own codes with :func:`register_messages`
when it is imported, and :func:`problem` builds a problem from a code. A plain string is still
accepted where a problem is expected (code ``"text"``, English only) so older call sites keep
working while they move to codes.

>>> register_messages({"demo_bad_k": ("k={value!r} 无效：应为 {low}–{high} 的整数",
...                                   "k={value!r} is invalid: use a whole number from {low} to {high}")})
>>> p = problem("demo_bad_k", argument="k", value=0, low=2, high=9)
>>> str(p), p.text("zh"), p.code
('k=0 is invalid: use a whole number from 2 to 9', 'k=0 无效：应为 2–9 的整数', 'demo_bad_k')
>>> err = ProblemError([p, "another problem"])
>>> print(err)
2 problems:
  - k=0 is invalid: use a whole number from 2 to 9
  - another problem
>>> [q.code for q in err.problems]
['demo_bad_k', 'text']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

__all__ = [
    "MESSAGES",
    "Problem",
    "ProblemError",
    "as_problem",
    "format_problems",
    "problem",
    "raise_if",
    "register_messages",
]

_CATALOGUE: dict[str, tuple[str, str]] = {}
MESSAGES: Mapping[str, tuple[str, str]] = MappingProxyType(_CATALOGUE)
"""Message code → (Chinese template, English template); read-only view of the catalogue."""

LANGS = ("zh", "en")


class Problem(str):
    """One problem: its English text, with a message code, parameters and the Chinese text.

    Attributes
    ----------
    code
        Message code from :data:`MESSAGES` (``"text"`` for a free-text problem).
    params
        The values the message was formatted with (for scripts and for re-rendering).
    zh
        Chinese text (the English text when the code has no Chinese template).
    argument
        The argument, column or field the problem is about, when there is one.
    """

    code: str
    params: Mapping[str, Any]
    zh: str
    argument: str | None

    def __new__(
        cls,
        en: str,
        *,
        code: str = "text",
        zh: str | None = None,
        params: Mapping[str, Any] | None = None,
        argument: str | None = None,
    ) -> Problem:
        self = super().__new__(cls, en)
        self.code = code
        self.params = MappingProxyType(dict(params or {}))
        self.zh = zh if zh is not None else en
        self.argument = argument
        return self

    @property
    def en(self) -> str:
        """English text."""
        return str.__str__(self)

    def text(self, lang: str = "en") -> str:
        """The problem in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.zh if lang == "zh" else self.en

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``code``, ``argument``, ``params`` (as text), ``en``, ``zh``."""
        return {
            "code": self.code,
            "argument": self.argument,
            "params": {k: _plain(v) for k, v in self.params.items()},
            "en": self.en,
            "zh": self.zh,
        }

    def __reduce__(self) -> tuple[Any, ...]:  # picklable (multiprocessing, Dask)
        return (_rebuild, (self.en, self.code, self.zh, dict(self.params), self.argument))


def _rebuild(en: str, code: str, zh: str, params: dict[str, Any], argument: str | None) -> Problem:
    return Problem(en, code=code, zh=zh, params=params, argument=argument)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def register_messages(catalogue: Mapping[str, tuple[str, str]]) -> None:
    """Add message codes (code → (Chinese, English) template) to :data:`MESSAGES`.

    Registering the same code again with the same texts is a no-op (modules may be reloaded);
    with different texts it is a programming error.

    Raises
    ------
    ValueError
        When a code is already registered with other texts, or a template pair is malformed.
    """
    for code, texts in catalogue.items():
        if not (
            isinstance(texts, tuple) and len(texts) == 2 and all(isinstance(t, str) for t in texts)
        ):
            raise ValueError(f"message {code!r}: give a (Chinese, English) pair of templates")
        old = _CATALOGUE.get(code)
        if old is not None and old != texts:
            raise ValueError(f"message code {code!r} is already registered with other texts")
        _CATALOGUE[code] = texts


def problem(code: str, *, argument: str | None = None, **params: Any) -> Problem:
    """The problem ``code`` formatted with ``params`` in both languages.

    Raises
    ------
    KeyError
        When ``code`` is not registered (a programming error, not an input problem).
    """
    try:
        zh, en = _CATALOGUE[code]
    except KeyError:
        raise KeyError(
            f"unknown message code {code!r}: register it with register_messages"
        ) from None
    values = {"argument": argument, **params}  # templates may name the argument too
    return Problem(
        en.format(**values), code=code, zh=zh.format(**values), params=params, argument=argument
    )


def as_problem(item: Problem | str) -> Problem:
    """``item`` as a :class:`Problem` (a plain string becomes a free-text problem)."""
    return item if isinstance(item, Problem) else Problem(str(item))


def format_problems(
    problems: Iterable[Problem | str], *, lang: str = "en", subject: tuple[str, str] | None = None
) -> str:
    """The one formatter: one problem as its text, several as a counted list.

    Parameters
    ----------
    problems
        The problems.
    lang
        ``"zh"`` or ``"en"``.
    subject
        (Chinese, English) name of what was checked (e.g. ``("情景", "scenario")``) for the
        heading ``"3 problems in scenario:"``; none gives ``"3 problems:"``.
    """
    items = [as_problem(p).text(lang) for p in problems]
    if len(items) == 1:
        return items[0]
    if lang == "zh":
        head = f"{subject[0] if subject else ''}共有 {len(items)} 个问题："
    else:
        head = f"{len(items)} problems" + (f" in {subject[1]}" if subject else "") + ":"
    return head + "".join(f"\n  - {t}" for t in items)


class ProblemError(ValueError):
    """Every problem found in one input, at once; the base of the project's input errors.

    Subclasses name what they check with :attr:`subject` (``(Chinese, English)``). ``str(err)``
    is the English text from :func:`format_problems`; :meth:`text` gives it in either language.

    Attributes
    ----------
    problems
        The :class:`Problem` list (never empty).
    """

    subject: ClassVar[tuple[str, str] | None] = None

    def __init__(self, problems: Iterable[Problem | str] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [problems]
        self.problems: list[Problem] = [as_problem(p) for p in problems]
        if not self.problems:
            self.problems = [Problem("invalid input")]
        super().__init__(format_problems(self.problems, subject=self.subject))

    def text(self, lang: str = "en") -> str:
        """All problems in ``lang``."""
        return format_problems(self.problems, lang=lang, subject=self.subject)

    def messages(self, lang: str = "en") -> list[str]:
        """One line per problem in ``lang``."""
        return [p.text(lang) for p in self.problems]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``error`` (class name) and ``problems`` (see :meth:`Problem.to_dict`)."""
        return {"error": type(self).__name__, "problems": [p.to_dict() for p in self.problems]}


def raise_if(problems: Iterable[Problem | str], error: type[ProblemError] = ProblemError) -> None:
    """Raise ``error(problems)`` when there is at least one problem."""
    items = list(problems)
    if items:
        raise error(items)
