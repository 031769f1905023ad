"""Per chain × region deliverable: "one chain map + N lists" as printable HTML and an XLSX workbook.

:func:`build_report` gathers everything for one chain in one region into a :class:`Report`;
:func:`write_html` and :func:`write_xlsx` write it. The sections follow the outline of a cluster
development plan in MOST's innovative-cluster programme (创新型产业集群建设发展规划编写提纲):
一 集群发展现状 (current state), 二 产业链分析 (chain analysis), 三 主要问题 (main problems),
四 目标和重点任务 (targets and key tasks), plus 五 年度评价 (the yearly evaluation) and 附
数据与来源 (metrics and sources).

Modules: :mod:`~layout.reports.model` (sections, lists, :class:`Report`, :class:`ReportError`),
:mod:`~layout.reports.assemble` (:func:`build_report`), :mod:`~layout.reports.annex` (the
sources annex), :mod:`~layout.reports.svg` (chain and region maps), :mod:`~layout.reports.html`
(template ``templates/report.html.j2`` and ``templates/report.css``, package files) and
:mod:`~layout.reports.xlsx` (the workbook).

HTML is self-contained: the chain map and the region map are inline SVG, no script, no external
asset, no CDN; data and user text reach the template only as autoescaped values, and are escaped
with :func:`html.escape` inside the SVG. ``@media print`` rules give A4 pages with a page break
before each section, so the browser's "Print → PDF" makes the PDF. XLSX cells that would run as
formulas are neutralised by :func:`geo.export.to_xlsx`.
"""

from __future__ import annotations

from geo.maps import STATUS_COLOURS
from layout.reports.assemble import build_report
from layout.reports.html import render_html, write_html
from layout.reports.model import LISTS, SECTIONS, Report, ReportError
from layout.reports.svg import chain_svg, region_svg
from layout.reports.xlsx import write_xlsx, xlsx_bytes

__all__ = [
    "LISTS",
    "SECTIONS",
    "STATUS_COLOURS",
    "Report",
    "ReportError",
    "build_report",
    "chain_svg",
    "region_svg",
    "render_html",
    "write_html",
    "write_xlsx",
    "xlsx_bytes",
]
