"""The map package's one error: bad map arguments or a front-end asset with no offline copy.

Every problem has a message code registered here (Chinese and English), so an interface can
show it in the user's language (``exc.problems[i].text("zh")``).
"""

from __future__ import annotations

from geo.problems import ProblemError, register_messages

__all__ = ["MapError"]

register_messages(
    {
        "map_bad_option": (
            "{argument}={value!r} 无效：可选 {valid}",
            "{argument}={value!r}: use one of {valid}",
        ),
        "map_not_a_frame": (
            "图层 {layer!r} 是 {kind}：请传入 GeoDataFrame",
            "layers[{layer!r}] is a {kind}: pass a GeoDataFrame",
        ),
        "map_no_crs": (
            "图层 {layer!r} 没有坐标参考系：请先设为 EPSG:4326 (WGS-84)",
            "layers[{layer!r}] has no CRS: set EPSG:4326 (WGS-84) first",
        ),
        "map_choropleth_layer": (
            "分级设色图层 {value!r} 不在图层中（{valid}）",
            "choropleth.layer={value!r} is not among the layers ({valid})",
        ),
        "map_bad_classes": (
            "分级数 k={value!r} 无效：应为 {low} 到 {high} 的整数",
            "k={value!r}: use a whole number from {low} to {high}",
        ),
        "map_no_offline_copy": (
            "前端资源 {url!r} 没有离线副本：不要使用需要它的 folium 元素，或把它加入离线包",
            "front-end asset {url!r} has no offline copy in folium-offline: do not use the "
            "folium element that needs it, or add the asset to the package",
        ),
        "map_offline_missing": (
            "未安装 folium-offline：pip install 'folium-offline>=0.20.0.2'（它提供离线的 Leaflet 等前端资源）",
            "folium-offline is not installed: pip install 'folium-offline>=0.20.0.2' "
            "(it ships Leaflet and folium's other front-end assets for offline use)",
        ),
        "map_offline_layout": (
            "找不到 folium-offline 的资源表 (offlinefolium.elements._res)：请固定 folium-offline==0.20.0.2 或更新 geo.maps",
            "folium-offline's asset table (offlinefolium.elements._res) was not found: "
            "pin folium-offline==0.20.0.2 or update geo.maps for the new layout",
        ),
        "map_topology_template": (
            "图层 {layer} 的 folium 模板未按预期嵌入数据：请固定 folium==0.20.* 或更新 geo.maps.topology",
            "folium's GeoJson template did not embed layer {layer}'s data where expected: pin "
            "folium 0.20 or update geo.maps.topology for the new template",
        ),
        "map_topology_geometry": (
            "topojson 未返回 {count} 个几何：请检查图层几何是否有效",
            "topojson returned no topology for {count} geometries: check the layer's geometry "
            "is valid (shapely.make_valid)",
        ),
        "map_template_syntax": (
            "{where} 含有模板语法（{start!r}）：用户文本必须先经过 geo.maps.esc 再交给 folium",
            "{where} holds template syntax ({start!r}): user text must pass through "
            "geo.maps.esc before it reaches folium",
        ),
    }
)


class MapError(ProblemError):
    """Bad map arguments (every problem listed), an unsafe string, or an asset not shipped offline."""

    subject = ("地图", "map")
