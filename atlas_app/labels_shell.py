"""Labels of the app shell (sidebar, basemap settings) and the map-first map page, zh and en;
merged into :data:`atlas_app.i18n.LABELS`.

Keys start with ``shell_``, ``bm_`` (basemap settings) or ``mp_`` (map page) so they never
clash with the other label tables.
"""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    # shell
    "shell_lang_zh": ("中文", "中文"),
    "shell_lang_en": ("English", "English"),
    "shell_demo_data": (
        "演示数据（合成企业与真实龙头企业）",
        "demonstration data (synthetic and real anchor firms)",
    ),
    "choose": ("请选择", "Choose"),
    "upload_button": ("上传文件", "Upload"),
    "skip_to_content": ("跳到主要内容", "Skip to main content"),
    "upload_limit": ("每个文件不超过 50 MB", "50 MB per file"),
    # basemap settings (sidebar)
    "bm_head": ("底图设置", "Basemap settings"),
    "bm_pick": ("底图", "Basemap"),
    "bm_help": (
        "无底图时完全离线。在线底图需要网络；高德等 GCJ-02 底图上，所有叠加层会随之偏移以便对齐。"
        "内网瓦片服务或天地图（需要您自己的密钥）可在下方“自定义瓦片服务”中填写，或写入配置文件。",
        "With no basemap the app is fully offline. Online basemaps need the network; over GCJ-02 "
        "tiles (Amap and most Chinese web maps) every overlay is shifted to line up. An intranet "
        "tile server or Tianditu (with your own key) can be set under “Custom tile service” "
        "below, or in a configuration file.",
    ),
    "bm_custom": ("自定义瓦片服务", "Custom tile service"),
    "bm_url": ("瓦片地址模板", "Tile URL template"),
    "bm_url_help": (
        "XYZ 模板，如 https://<瓦片服务器>/{z}/{x}/{y}.png；WMTS 请写成 GetTile 模板，"
        "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}（或 {TileMatrix}/{TileRow}/{TileCol}），仅限球面墨卡托"
        "瓦片矩阵（天地图的 _w 图层）。{s} 为子域名。",
        "An XYZ template such as https://<tile server>/{z}/{x}/{y}.png; for WMTS write the "
        "GetTile template with TILEMATRIX={z}&TILEROW={y}&TILECOL={x} (or {TileMatrix}/{TileRow}/"
        "{TileCol}), Web-Mercator tile matrix sets only (Tianditu's _w layers). {s} takes the "
        "subdomains.",
    ),
    "bm_overlay": ("注记图层模板（可选）", "Label layer template (optional)"),
    "bm_datum": ("瓦片的坐标基准", "Datum of the tiles"),
    "bm_title": ("名称", "Name"),
    "bm_attribution": ("版权说明", "Attribution"),
    "bm_subdomains": ("子域名", "Subdomains"),
    "bm_subdomains_help": (
        "{s} 依次取这些字符，例如 01234567",
        "Characters {s} takes, e.g. 01234567",
    ),
    "bm_use": ("使用此服务", "Use this service"),
    "bm_custom_default_title": ("自定义底图", "Custom basemap"),
    "bm_problems": ("瓦片服务有 {n} 个问题：", "The tile service has {n} problem(s):"),
    "bm_config": (
        "配置文件 {path} 中的 {n} 个瓦片服务已列入底图选项。",
        "{n} tile service(s) from the configuration file {path} are listed as basemaps.",
    ),
    "bm_config_problems": (
        "底图配置文件有 {n} 个问题，其中的服务未列入：",
        "The basemap configuration file has {n} problem(s); its services are not listed:",
    ),
    "bm_in_use": ("当前底图：{name} · 叠加层坐标 {datum}", "Basemap: {name} · overlays in {datum}"),
    # map page
    "layers_none": ("选择图层", "Choose layers"),
    "mp_options": ("设色选项", "Colour options"),
    "mp_firms_nodes": (
        "企业图层显示所选企业数据中的全部企业。",
        "The firm layer shows every firm of the data in use.",
    ),
    "mp_selected": ("已选：{name}", "Selected: {name}"),
}
