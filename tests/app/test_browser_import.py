"""The import page in a real browser (headless Chromium, internet blocked): upload a list with
Chinese headers, change one column's mapping, map one unknown node value, import, use the firms
and see them on the chain page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import Blocker, LiveApp, wait_idle

from atlas_app.i18n import t

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.needs("chromium", "playwright"),
]

CSV = (
    "企业名称,所属区县,所属产业链,产业链环节,员工数\r\n"
    "寿光外延片企业,寿光市,半导体照明,外延片,100\r\n"
    "寿光封装企业,寿光市,半导体照明,封裝,50\r\n"  # traditional 裝: not recognised
    "历下芯片企业,历下区,LED,芯片,30\r\n"
)


@pytest.fixture
def page(browser: tuple[object, Blocker]) -> Iterator[object]:
    ctx, _ = browser
    pg = ctx.new_page()
    try:
        yield pg
    finally:
        pg.close()


def _pick(page: object, combobox: str, option: str) -> None:
    """Choose ``option`` in the select box ``combobox`` (re-opened if a rerun closed it)."""
    box = page.get_by_role("combobox", name=combobox).first
    box.wait_for(timeout=60_000)
    wait_idle(page)
    choice = page.get_by_role("option", name=option).first
    for _ in range(3):
        box.click()
        try:
            choice.wait_for(timeout=5_000)
        except Exception:  # the list closed while the app re-ran: open it again
            continue
        choice.click()
        break
    wait_idle(page)


def test_office_list_mapped_imported_and_shown_on_the_chain_page(
    page: object, live_app: LiveApp, browser: tuple[object, Blocker], tmp_path: Path
) -> None:
    path = tmp_path / "名单.csv"
    path.write_bytes(CSV.encode("gbk"))
    page.goto(f"{live_app.url}/?page=data", wait_until="domcontentloaded")
    wait_idle(page)
    page.locator('input[type="file"]').first.set_input_files(str(path))
    wait_idle(page)
    # step 1: 员工数 is not a header the importer knows: the user says it is 从业人员
    _pick(page, "员工数", t("imp_f_employees", "zh"))
    page.get_by_role("button", name="导入", exact=True).click()
    accepted = page.locator("table.atlas-accepted")
    accepted.wait_for(timeout=60_000)
    wait_idle(page)
    assert accepted.locator("tbody tr").count() == 2
    heads = [h.inner_text() for h in accepted.locator("thead th").all()]
    cells = [c.inner_text() for c in accepted.locator("tbody tr").first.locator("td").all()]
    row = dict(zip(heads, cells, strict=True))
    assert row[t("col_employees", "zh")] == "100"  # the mapping was used
    assert "“封裝”不是 LED 的环节" in page.locator("table.atlas-rejected").inner_text()
    # step 3: the unknown node value 封裝 is mapped to package, and the list imported again
    _pick(page, t("imp_map_value", "zh", value="封裝"), "封装器件")
    page.get_by_role("button", name="按这些对应关系重新导入").click()
    wait_idle(page)
    accepted = page.locator("table.atlas-accepted")
    accepted.wait_for(timeout=60_000)
    assert accepted.locator("tbody tr").count() == 3
    text = accepted.inner_text()
    assert "寿光封装企业" in text and "区县代表点" in text  # located at its county, said so
    assert page.locator("table.atlas-rejected").count() == 0
    page.get_by_role("button", name="在所有页面使用这些企业").click()
    wait_idle(page)
    # the chain page now runs on these firms: LED at province level has epi, package and chip
    # (with no region chosen the page opens on the weakest city: the province is picked)
    page.get_by_text("产业链", exact=True).first.click()
    wait_idle(page)
    from atlas_app.loaders import region_options

    _pick(page, t("region", "zh"), region_options("zh")["370000"])
    metrics = page.locator('[data-testid="stMetricValue"]')
    metrics.first.wait_for(timeout=60_000)
    values = [m.inner_text() for m in metrics.all()]
    assert values[0] == "27%", values  # completeness 3 of 11 nodes
    assert sum(int(v) for v in values[1:3]) == 3, values  # strong + weak = present nodes
    _, blocker = browser
    assert blocker.blocked == []
