"""Small display helpers that show data as text, never as markup.

``st.table`` renders Markdown in cells and ``st.dataframe`` draws on a canvas; for short
previews of user data (e.g. firm names from an upload) :func:`text_table` builds an HTML table
whose every header and cell goes through :func:`html.escape`, so ``<img src=x onerror=…>`` shows
as those characters and nothing runs. Text that must go through Streamlit's Markdown
(``st.caption``, ``st.error``, …) — a file name, an error message quoting a cell — goes through
:func:`md_text` first, so ``![x](http://…)`` or ``[link](javascript:…)`` shows as typed instead
of loading an image or drawing a link. :func:`problem_text` shows a problem in the page's
language when it carries both (``geo.problems.Problem``).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
import streamlit as st

from geo.problems import Problem, ProblemError

__all__ = [
    "cell_text",
    "lazy_download",
    "md_text",
    "problem_text",
    "show_problems",
    "text_table",
    "text_table_html",
]

# every character Markdown, Streamlit's directives (:red[…], :material/…:) or LaTeX ($…$) reads
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=])")

_STYLE = (
    "<style>.atlas-tt{border-collapse:collapse;font-size:0.85rem;width:100%}"
    ".atlas-tt th,.atlas-tt td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}"
    ".atlas-tt th{background:#f3f5f7}</style>"
)


def cell_text(value: Any) -> str:
    """Plain text of a cell: blanks for missing values, numbers without noise."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.3f}".rstrip("0").rstrip(".")
    return str(value)


def md_text(value: Any) -> str:
    """``value`` as text that Streamlit's Markdown shows literally (one line, specials escaped).

    >>> print(md_text("![x](http://e/x.png) **b**"))
    \\!\\[x\\]\\(http\\://e/x\\.png\\) \\*\\*b\\*\\*
    """
    return _MD_SPECIAL.sub(r"\\\1", " ".join(cell_text(value).split()))


def problem_text(item: Any, lang: str) -> str:
    """A problem (or a whole ProblemError) in ``lang`` when it carries both languages, else its text."""
    return item.text(lang) if isinstance(item, Problem | ProblemError) else str(item)


def text_table_html(df: pd.DataFrame, *, max_rows: int = 20, css_class: str = "atlas-tt") -> str:
    """HTML of the first ``max_rows`` rows of ``df`` with every header and cell escaped."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = []
    for row in df.head(max_rows).itertuples(index=False):
        cells = "".join(f"<td>{html.escape(cell_text(v))}</td>" for v in row)
        body.append(f"<tr>{cells}</tr>")
    cls = html.escape(css_class)
    return f'{_STYLE}<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def text_table(df: pd.DataFrame, *, max_rows: int = 20, css_class: str = "atlas-tt") -> None:
    """Show ``df`` (first ``max_rows`` rows) as an escaped, text-only HTML table."""
    st.html(text_table_html(df, max_rows=max_rows, css_class=css_class))


def show_problems(problems: Iterable[Any], heading: str, lang: str) -> None:
    """Every validation problem at once, in ``lang``: a short error ``heading``, then each
    problem as escaped text (library problems carry both languages, see ``geo.problems``)."""
    from atlas_app.i18n import t

    items = [problem_text(p, lang) for p in problems]
    st.error(heading, icon=":material/rule:")
    text_table(
        pd.DataFrame({"#": range(1, len(items) + 1), t("pl_problem", lang): items}),
        max_rows=len(items),
        css_class="atlas-tt atlas-problems",
    )


# Streamlit has English words built in (the file uploader's "Upload" and "… per file", the
# keyboard skip link); in the Chinese UI they are hidden and the same words shown in Chinese
# with CSS (nothing else changes).
_UPLOADER_ZH = """
[data-testid="stFileUploaderDropzoneInstructions"] > div > span {display:none}
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {content:"%(limit)s";
 font-size:0.85rem;color:rgba(49,51,63,.6)}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] {display:none}
[data-testid="stFileUploaderDropzone"] button::after {content:"%(upload)s"}
[data-testid="stSkipToContent"] {font-size:0}
[data-testid="stSkipToContent"]::after {content:"%(skip)s";font-size:1rem}
"""


def page_style(lang: str) -> None:
    """Page CSS: a compact top so the map starts high; Chinese words for the file uploader."""
    css = (
        '[data-testid="stMainBlockContainer"]{padding-top:2.4rem;padding-bottom:2rem}'
        '[data-testid="stMainBlockContainer"] h2{padding-top:0;padding-bottom:.4rem}'
    )
    if lang == "zh":
        from atlas_app.i18n import t

        css += _UPLOADER_ZH % {
            "limit": t("upload_limit", lang),
            "upload": t("upload_button", lang),
            "skip": t("skip_to_content", lang),
        }
    st.html(f"<style>{css}</style>")


def lazy_download(
    where: Any,
    label: str,
    make: Callable[[], bytes],
    **kwargs: Any,
) -> None:
    """A download button whose file is made only when it is clicked.

    Building a workbook costs a few hundred milliseconds on every rerun that shows its button
    (a chain switch rebuilt one for every chain); Streamlit calls ``make`` on click instead,
    in its own thread. Without a Streamlit server (``AppTest``, bare mode) deferred files do
    not exist, so the bytes are made at once and the button works as before.
    ``where`` is ``st`` or a container; ``kwargs`` go to ``download_button``.
    """
    from streamlit import runtime

    where.download_button(label, data=make if runtime.exists() else make(), **kwargs)
