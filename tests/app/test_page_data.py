"""The import page with an office's list (AppTest): the mapping step, the sheet picker, the
unknown-values table, the summary and the re-import, in Chinese and English."""

from __future__ import annotations

import io

import openpyxl
from apptest import app as _app
from apptest import ok as _ok

from atlas_app.i18n import LABELS, t

HEADER = ["企业名称", "所属区县", "所属产业链", "产业链环节", "员工数"]  # 员工数 is no known header
ROWS = [["甲企业", "寿光市", "半导体照明", "外延片", "100"],
        ["乙企业", "寿光市", "半导体照明", "封裝", "50"],  # traditional 裝: not recognised
        ["丙企业", "历下区", "LED", "芯片", "30"]]  # fmt: skip


def office_csv() -> bytes:
    lines = [",".join(HEADER), *(",".join(r) for r in ROWS)]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def test_every_import_label_exists_in_both_languages() -> None:
    keys = [k for k in LABELS if k.startswith("imp_")]
    assert len(keys) > 40
    for key in keys:
        zh, en = LABELS[key]
        assert zh.strip() and en.strip(), key


def test_mapping_step_unknown_values_and_reimport() -> None:
    at = _ok(_app("data").run())
    at.file_uploader(key="upload").upload("名单.csv", office_csv(), "text/csv").run()
    _ok(at)
    # step 1: the guess for every column, in Chinese
    assert [at.selectbox(key=f"map_{i}").value for i in range(5)] == [
        "name", "county", "chain", "node", ""
    ]  # fmt: skip
    shown = at.selectbox(key="map_0").format_func("name")
    assert shown == "企业名称"  # by name in Chinese (the saved mapping holds the field codes)
    at.selectbox(key="map_4").set_value("employees").run()  # the user fixes one column
    at.button(key="do_import").click().run()
    _ok(at)
    assert {m.label: m.value for m in at.metric} == {
        t("read", "zh"): "3", t("accepted", "zh"): "2", t("rejected", "zh"): "1"
    }  # fmt: skip
    html = "".join(h.value for h in at.html)
    assert t("imp_q_county", "zh") in html  # how the firms were located, in words
    # step 3: the unknown node value, mapped by the user, and the import again
    unknown = at.selectbox(key="unk_0")
    assert unknown.options[0] == t("imp_leave", "zh") and "封装器件" in unknown.options
    unknown.set_value("package").run()
    at.button(key="do_reimport").click().run()
    _ok(at)
    assert {m.label: m.value for m in at.metric}[t("accepted", "zh")] == "3"
    result = at.session_state["last_import"]["result"]
    assert result.summary["columns"]["employees"] == "员工数"
    assert result.summary["values"]["node"]["LED"]["封裝"] == "package"
    assert result.accepted["employees"].sum() == 180
    assert result.accepted["adcode"].tolist() == ["370783", "370783", "370102"]
    assert at.download_button(key="dl_mapping").label == t("imp_save_mapping", "zh")
    at.button(key="use_upload").click().run()
    _ok(at)
    assert len(at.session_state["firms_upload"]["gdf"]) == 3


def test_workbook_sheet_picker_reads_the_active_sheet_first() -> None:
    book = openpyxl.Workbook()
    first = book.active
    first.title = "说明"
    first["A1"] = "本工作簿第二页为名单"
    data = book.create_sheet("名单")
    data.append(HEADER[:2])
    data.append(ROWS[0][:2])
    book.active = 1
    buf = io.BytesIO()
    book.save(buf)
    at = _ok(_app("data", lang="en").run())
    at.file_uploader(key="upload").upload(
        "book.xlsx", buf.getvalue(), "application/octet-stream"
    ).run()
    _ok(at)
    picker = at.selectbox(key="upload_sheet")
    assert picker.value == "名单" and picker.options == ["说明", "名单"]
    assert at.selectbox(key="map_0").format_func("name") == "Firm name · name"
    at.button(key="do_import").click().run()
    _ok(at)
    assert {m.label: m.value for m in at.metric}[t("accepted", "en")] == "1"
