"""One language at a time in a real browser: every page, Chinese and English, counted on what is
rendered (Debian's Chromium via Playwright, internet blocked).

On each page the visible text is read the way a user sees it: the page's ``innerText`` (hidden
elements left out; Material icon ligatures such as ``keyboard_arrow_down`` are glyphs, not
words, and are set aside), the text of the charts (SVG), and the visible text of every map
frame (layer control, legend, place names, scale bar, credits). In Chinese the number of Latin
words outside the allowlist of codes and names that stay Latin (:mod:`language`) must be zero;
in English the number of Chinese runs outside names must be zero. Result views are visited too:
the example scenario run, a county's chain view and a firm import (mapping step, summary and
previews). The monitoring page and the import page are among the pages visited.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import Blocker, LiveApp, folium_frames, wait_idle
from language import chinese_outside_names, latin_words

from atlas_app import PAGES
from atlas_app.i18n import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.needs("chromium", "playwright"),
]


# innerText with Material-icon ligatures (glyphs: aria-hidden, translate=no) and visually hidden
# accessibility text (1-pixel clipped: the skip link, "add icon") set aside for the read, plus
# the placeholders of empty fields and the choices select boxes show
_VISIBLE_TEXT = """() => {
  const hidden = e => { const r = e.getBoundingClientRect();
    return (r.width <= 1 && r.height <= 1) || r.bottom < 0 || r.right < 0; };
  const icons = [...document.querySelectorAll('[aria-hidden="true"][translate="no"]')];
  const sronly = [...document.querySelectorAll('body span, body a')].filter(
    e => e.childElementCount === 0 && e.textContent.trim() && hidden(e));
  const off = [...icons, ...sronly];
  const old = off.map(e => e.style.display);
  off.forEach(e => { e.style.display = 'none'; });
  const text = document.body.innerText;
  off.forEach((e, i) => { e.style.display = old[i]; });
  const svg = [...document.querySelectorAll('svg text')].map(e => e.textContent).join('\\n');
  // a placeholder shows only while its field is empty; a select box shows its choice as the
  // value of its input (not in innerText)
  const hints = [...document.querySelectorAll('input[placeholder], textarea[placeholder]')]
    .filter(e => e.offsetParent !== null && e.value === '').map(e => e.placeholder).join('\\n');
  const chosen = [...document.querySelectorAll('[data-testid="stSelectbox"] input')]
    .filter(e => e.offsetParent !== null).map(e => e.value).join('\\n');
  return text + '\\n' + svg + '\\n' + hints + '\\n' + chosen;
}"""


@pytest.fixture
def page(browser: tuple[object, Blocker]) -> Iterator[object]:
    ctx, _ = browser
    pg = ctx.new_page()  # type: ignore[attr-defined]
    try:
        yield pg
    finally:
        pg.close()


def _settle(page: object) -> None:
    page.wait_for_timeout(800)  # type: ignore[attr-defined]
    wait_idle(page, timeout=300, settle=2.5)


def _open(page: object, live_app: LiveApp, query: str) -> None:
    page.goto(f"{live_app.url}/{query}", wait_until="domcontentloaded")  # type: ignore[attr-defined]
    _settle(page)


def _texts(page: object) -> list[tuple[str, str]]:
    out = [("page", page.evaluate(_VISIBLE_TEXT))]  # type: ignore[attr-defined]
    for i, frame in enumerate(folium_frames(page)):  # type: ignore[arg-type]
        try:
            if not frame.frame_element().is_visible():
                continue
            out.append((f"map {i}", frame.evaluate("() => document.body.innerText")))
        except Exception:  # a frame replaced while the map re-renders: read the new one below
            continue
    return out


def _problems(page: object, lang: str, names: tuple[str, ...] = ()) -> list[str]:
    bad = []
    for where, text in _texts(page):
        for line in text.splitlines():
            words = (
                latin_words(line, names=names)
                if lang == "zh"
                else chinese_outside_names(line, names=names)
            )
            if words:
                bad.append(f"{where}: {words} in {line[:100]!r}")
    return bad


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_in_one_language(page: object, live_app: LiveApp, lang: str) -> None:
    found: dict[str, list[str]] = {}
    for name in PAGES:
        _open(page, live_app, f"?page={name}&lang={lang}")
        header = page.locator("h2").first.inner_text()  # type: ignore[attr-defined]
        assert header == t(f"page_{name}", lang)
        if lang == "zh":  # Streamlit's own words, shown in Chinese (CSS) when they appear
            skip = page.locator('[data-testid="stSkipToContent"]')  # type: ignore[attr-defined]
            want = f'"{t("skip_to_content", "zh")}"'
            for _ in range(20):  # the page style lands with the page
                if skip.evaluate("e => getComputedStyle(e, '::after').content") == want:
                    break
                page.wait_for_timeout(250)  # type: ignore[attr-defined]
            assert skip.evaluate("e => getComputedStyle(e, '::after').content") == want
        problems = _problems(page, lang)
        if problems:
            found[name] = problems
    assert found == {}, found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_result_views_in_one_language(
    page: object, live_app: LiveApp, tmp_path: Path, lang: str
) -> None:
    found: dict[str, list[str]] = {}
    # a county's chain view (gaps, sourcing, bottlenecks)
    _open(page, live_app, f"?page=chain&region=370705&chain=LED&lang={lang}")
    for i in range(6):  # every tab of lists
        page.get_by_role("tab").nth(i).click()  # type: ignore[attr-defined]
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        found.setdefault("chain", []).extend(_problems(page, lang))
    # the example scenario, run
    _open(page, live_app, f"?page=scenario&lang={lang}")
    page.get_by_role("button", name=t("scn_example", lang)).click()  # type: ignore[attr-defined]
    _settle(page)
    page.get_by_role("button", name=t("scn_run", lang)).click()  # type: ignore[attr-defined]
    _settle(page)
    page.get_by_role("button", name=t("scn_run", lang)).wait_for(timeout=60_000)  # type: ignore[attr-defined]
    found["scenario"] = _problems(page, lang, names=("shouguang-epi-tengzhou-park",))
    # a firm import
    # a list as an office writes it in the page's language (headers are the file's own text)
    heads = {
        "zh": ["企业编号", "企业名称", "经度", "纬度", "产业链", "环节", "从业人数", "产值"],
        "en": ["firm_id", "name", "lon", "lat", "chain", "node", "employees", "output"],
    }
    rows = [
        heads[lang],
        ["T-1", "测试企业", "117.00", "36.65", "LED", "epi", "120", "5000"],
        ["T-3", "outside", "10.0", "10.0", "LED", "chip", "5", "10"],
    ]
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path = tmp_path / "firms.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    _open(page, live_app, f"?page=data&lang={lang}")
    page.locator('input[type="file"]').set_input_files(str(path))  # type: ignore[attr-defined]
    _settle(page)
    page.get_by_role("button", name=t("import", lang)).click()  # type: ignore[attr-defined]
    page.locator("table.atlas-accepted").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    _settle(page)
    names = ("测试企业", "outside", "firms.csv", "T-1", "T-3")
    names += tuple(heads["zh"]) if lang == "en" else ()
    found["data"] = _problems(page, lang, names=names)
    assert {k: v for k, v in found.items() if v} == {}
