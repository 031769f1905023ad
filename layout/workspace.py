"""Workspace: one GeoPackage file holding imported firms, scenarios and results.

A workspace is a plain GeoPackage (OGC 12-128r18) that QGIS opens as named layers:

========================  ==========================================================================
layer                     content
========================  ==========================================================================
``firms`` (any name)      firm points (EPSG:4326), kind ``firms``; :meth:`Workspace.save_firms`
``scenarios``             attribute table, one row per scenario: name, created, description,
                          base_firms, schema_version, n_edits, edits_json (canonical JSON)
``scenario_edits``        points of every located edit (added/moved firms, added sites) of every
                          scenario, so a planner sees them on the map
result layers (any name)  tables or layers written by :meth:`Workspace.save_result` (kind ``result``)
========================  ==========================================================================

Every layer carries GDAL layer metadata: ``atlas_kind``, ``datum`` (``WGS-84``), ``crs``,
``synthetic`` (``true``/``false``/``unknown``: does the layer hold synthetic demonstration
rows), ``rows``, ``saved`` (UTC) and ``atlas_schema`` — the column dtypes, so a layer reloads
with the dtypes it was saved with (object columns of ints, strings, floats, booleans or
anything JSON can hold; a non-default index is stored as columns and restored).

Durability: every save copies the current file to a temporary file beside it, writes into
the copy, flushes it to disk (``fsync``) and renames it onto the workspace (``os.replace``,
atomic on POSIX and Windows). A crash or ``SIGKILL`` mid-save leaves the previous workspace
intact; the stale temporary file is removed by the next save. Saves from several processes
are serialised with an advisory lock on a hidden ``.<name>.lock`` file beside the workspace
(POSIX ``flock``; on systems without it the last writer wins). Temporary and lock names are
never longer than the workspace's own name (or 32 bytes), see :mod:`geo.export.paths`.

Hostile or damaged files: a workspace path that is a folder, a FIFO or a device, a text file
(or any file) that is not a GeoPackage, a layer whose column schema was edited, a
``scenarios`` table with a missing column or an ``edits_json`` that is not a bounded JSON list
of edit objects (:mod:`geo.safe_json`) each raise one :class:`WorkspaceError` saying what is
wrong and how to fix it — never a traceback — and a save never replaces a file that is not a
workspace. A symbolic link to a workspace is followed (the file it names is replaced, the link
stays a link).

Layer names (and scenario names) must be 1–63 characters from ``A-Z a-z 0-9 _ -`` and must
not start with ``gpkg_``, ``rtree_`` or ``sqlite_`` (reserved by GeoPackage/SQLite).
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import re
import shutil
import stat
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.export import MAX_COLUMNS, atomic_path, final_path, is_temp_name, lock_name
from geo.problems import Problem, ProblemError, problem, register_messages
from geo.safe_json import JsonLimitError, loads


class SupportsScenarioDict(Protocol):
    """Anything that serialises itself as a scenario document (e.g. layout.scenarios.Scenario)."""

    @property
    def name(self) -> str: ...  # pragma: no cover - a protocol

    def to_dict(self) -> dict[str, Any]: ...  # pragma: no cover - a protocol


__all__ = [
    "DEMO_BASE",
    "LAYER_NAME_RULE",
    "RESERVED_LAYERS",
    "Workspace",
    "WorkspaceError",
    "check_layer_name",
]

LAYER_NAME_RULE = (
    "1-63 characters, each a letter A-Z or a-z, a digit 0-9, '_' or '-', "
    "not starting with 'gpkg_', 'rtree_' or 'sqlite_'"
)
RESERVED_LAYERS = ("scenarios", "scenario_edits")
DEMO_BASE = "demo"  # base_firms value meaning "the demonstration table", not a workspace layer

_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,63}$")
_RESERVED_PREFIX = ("gpkg_", "rtree_", "sqlite_")
_SCHEMA_KEY = "atlas_schema"
_KIND_KEY = "atlas_kind"
_SCENARIO_COLUMNS = [
    "name",
    "created",
    "description",
    "base_firms",
    "schema_version",
    "n_edits",
    "edits_json",
]


_GPKG_IDS = (b"GPKG", b"GP10", b"GP11")  # SQLite application_id of a GeoPackage (offset 68)
_SQLITE_MAGIC = b"SQLite format 3\x00"

register_messages(
    {
        "ws_bad_path": (
            "工作区路径 {path!r} 无效：{reason}",
            "workspace path {path!r} is invalid: {reason}",
        ),
        "ws_is_dir": (
            "工作区 {path!r} 是一个文件夹：请给出其中的 .gpkg 文件，例如 {example!r}",
            "workspace {path!r} is a folder: give a .gpkg file inside it, e.g. {example!r}",
        ),
        "ws_not_regular": (
            "工作区 {path!r} 不是普通文件（FIFO、设备或套接字）：请给出 .gpkg 文件",
            "workspace {path!r} is not a regular file (a FIFO, device or socket): give a .gpkg file",
        ),
        "ws_not_gpkg": (
            "工作区 {path!r} 不是 GeoPackage（{reason}）：请换一个文件名；该文件不会被覆盖",
            "workspace {path!r} is not a GeoPackage ({reason}): give another file name; this "
            "file is left as it is",
        ),
        "ws_unreadable": (
            "无法读取工作区 {path!r}：{reason}",
            "cannot read workspace {path!r}: {reason}",
        ),
        "ws_folder": (
            "无法在工作区的文件夹 {folder!r} 中写入：{reason}",
            "cannot write in the workspace folder {folder!r}: {reason}",
        ),
        "ws_bad_schema": (
            "图层 {layer!r} 的列结构（atlas_schema 元数据）已被修改或损坏：{reason_zh}；请用 QGIS 另存该图层，或删除它后重新保存",
            "layer {layer!r}: its column schema (atlas_schema metadata) was edited or damaged: "
            "{reason}; re-save the layer, or delete it and save it again",
        ),
        "ws_bad_value": (
            "图层 {layer!r} 的列 {column!r} 中有无法按保存时的类型（{codec}）读取的值 {value}：该图层在别处被修改过",
            "layer {layer!r}, column {column!r}: value {value} cannot be read as the type it was "
            "saved with ({codec}); the layer was edited elsewhere",
        ),
        "ws_missing_columns": (
            "工作区 {path!r} 的 scenarios 表缺少列 {columns}：该表在别处被修改过；请删除它或用本程序重新保存情景",
            "the scenarios table of workspace {path!r} lacks the column(s) {columns}: it was "
            "edited elsewhere; delete it or save the scenarios again with the atlas",
        ),
        "ws_bad_scenario": (
            "工作区中的情景 {name!r} 已损坏：{reason_zh}；请删除它（Workspace.delete_scenario）后重新保存",
            "scenario {name!r} in the workspace is damaged: {reason}; delete it "
            "(Workspace.delete_scenario) and save it again",
        ),
        "ws_column_nul": (
            "列名 {column!r} 含有 NUL 字符：请重命名",
            "column {column!r} holds a NUL character: rename it",
        ),
        "ws_too_many_columns": (
            "表有 {n} 列：GeoPackage 图层最多 {limit} 列",
            "the table has {n} columns: a GeoPackage layer holds at most {limit}",
        ),
    }
)


class WorkspaceError(ProblemError):
    """A bad workspace path, layer name, layer kind or frame, or a damaged workspace file.

    ``.problems`` lists every problem (:class:`geo.problems.ProblemError`); each message says
    what is allowed or how to repair the file.
    """

    subject = ("工作区", "workspace")


def check_layer_name(name: object, *, argument: str = "name") -> str:
    """Return ``name`` if it is a valid layer (or scenario) name, else raise :class:`WorkspaceError`.

    >>> check_layer_name("firms_2024")
    'firms_2024'
    >>> check_layer_name("寿光 firms")
    Traceback (most recent call last):
    ...
    layout.workspace.WorkspaceError: name '寿光 firms' is not a valid name: use 1-63 characters, ...
    """
    if (
        not isinstance(name, str)
        or not _NAME_RE.match(name)
        or name.lower().startswith(_RESERVED_PREFIX)
    ):
        raise WorkspaceError(
            f"{argument} {name!r} is not a valid name: use {LAYER_NAME_RULE} "
            "(e.g. 'firms_2024' or 'shouguang-epi'); put Chinese text in the description instead"
        )
    return name


# ----------------------------------------------------------------------------- column codecs
def _na_token(values: pd.Series) -> str:
    for v in values:
        if v is None:
            return "None"
        if v is pd.NA:
            return "NA"
        if v is pd.NaT:
            return "NaT"
        if isinstance(v, float) and math.isnan(v):
            return "nan"
    return "None"


_NA_VALUES: dict[str, Any] = {"None": None, "NA": pd.NA, "NaT": pd.NaT, "nan": float("nan")}


def _object_codec(values: pd.Series) -> str:
    present = [v for v in values if not _is_na(v)]
    if all(isinstance(v, bool | np.bool_) for v in present) and present:
        return "bool"
    if (
        all(isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_) for v in present)
        and present
    ):
        return "int"
    if all(isinstance(v, float | np.floating) for v in present) and present:
        return "float"
    if all(isinstance(v, str) for v in present):
        return "str"
    return "json"


def _is_na(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float | np.floating) and math.isnan(float(v))


def _encode_object(values: pd.Series, codec: str) -> pd.Series:
    mask = values.map(_is_na).to_numpy(dtype=bool)
    if codec == "bool":
        return pd.Series(
            pd.array(
                [None if m else bool(v) for v, m in zip(values, mask, strict=True)], dtype="boolean"
            ),
            index=values.index,
        )
    if codec == "int":
        return pd.Series(
            pd.array(
                [None if m else int(v) for v, m in zip(values, mask, strict=True)], dtype="Int64"
            ),
            index=values.index,
        )
    if codec == "float":
        return pd.Series(
            [np.nan if m else float(v) for v, m in zip(values, mask, strict=True)],
            index=values.index,
            dtype="float64",
        )
    if codec == "str":
        return pd.Series(
            [None if m else v for v, m in zip(values, mask, strict=True)],
            index=values.index,
            dtype=object,
        )
    return pd.Series(
        [
            None if m else json.dumps(_jsonable(v), ensure_ascii=False, sort_keys=True)
            for v, m in zip(values, mask, strict=True)
        ],
        index=values.index,
        dtype=object,
    )


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, tuple | list | np.ndarray):
        return [_jsonable(x) for x in v]
    if isinstance(v, Mapping):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, int | float | str | bool) or v is None:
        return v
    return str(v)


def _json_cell(text: Any) -> Any:
    return loads(text, what="a JSON cell")


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "bool": bool,
    "int": int,
    "float": float,
    "str": str,
    "json": _json_cell,
}


def _decode_object(values: pd.Series, codec: str, na: str) -> pd.Series:
    convert = _CONVERTERS[codec]
    token = _NA_VALUES.get(na)
    out = [token if _is_na(v) else convert(v) for v in values]
    return pd.Series(out, index=values.index, dtype=object, name=values.name)


def _encode(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Frame ready for OGR plus the schema that restores it exactly (see module docstring)."""
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    index_cols: list[str] | None = None
    index_names: list[str | None] | None = None
    if not (
        isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.step == 1
    ):
        index_names = [None if n is None else str(n) for n in frame.index.names]
        index_cols = [
            n if n is not None else ("index" if frame.index.nlevels == 1 else f"index_{i}")
            for i, n in enumerate(index_names)
        ]
        frame = frame.copy()
        frame.index = frame.index.set_names(index_cols)
        frame = frame.reset_index()
    else:
        frame = frame.reset_index(drop=True)
    problems: list[str] = []
    if len(frame.columns) > MAX_COLUMNS:
        problems.append(
            str(problem("ws_too_many_columns", n=len(frame.columns), limit=MAX_COLUMNS))
        )
    seen: dict[str, str] = {}
    for col in frame.columns if not problems else []:
        if not isinstance(col, str) or not col:
            problems.append(f"column {col!r} is not a non-empty text name: rename it")
            continue
        if "\x00" in col:
            problems.append(str(problem("ws_column_nul", column=col)))
            continue
        key = col.lower()
        if key in seen:
            problems.append(
                f"columns {seen[key]!r} and {col!r} differ only in case (GeoPackage columns "
                "are case-insensitive): rename one"
            )
        seen[key] = col
        if col != geometry and key in ("fid", "geom", "geometry"):
            problems.append(
                f"column {col!r} is reserved in a GeoPackage (feature id / geometry): rename it"
            )
    if problems:
        raise WorkspaceError("cannot store this table in a workspace: " + "; ".join(problems))
    cols: list[dict[str, str]] = []
    data: dict[str, Any] = {}
    for col in frame.columns:
        if col == geometry:
            continue
        s = frame[col]
        spec = {"name": col, "dtype": str(s.dtype), "codec": "plain"}
        if s.dtype == object:
            spec["codec"] = _object_codec(s)
            spec["na"] = _na_token(s)
            s = _encode_object(s, spec["codec"])
        elif isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        cols.append(spec)
        data[col] = s
    schema: dict[str, Any] = {
        "version": 1,
        "columns": cols,
        "geometry": geometry,
        "order": [str(c) for c in frame.columns],
        "index": index_cols,
        "index_names": index_names,
    }
    if geometry is None:
        return pd.DataFrame(data, index=frame.index), schema
    geoms = frame.geometry
    if geoms.crs is None:
        raise WorkspaceError(
            "layer has no CRS: set it (e.g. gdf.set_crs('EPSG:4326')) before saving"
        )
    if not geoms.crs.equals("EPSG:4326"):
        if geoms.crs.to_epsg() == 4490:  # CGCS2000: equal to WGS-84 at this precision
            geoms = geoms.set_crs("EPSG:4326", allow_override=True)
        else:
            geoms = geoms.to_crs("EPSG:4326")
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms.values, index=frame.index)), schema


def _schema_problems(schema: Any) -> list[str]:
    """What is wrong with a stored column schema (empty when it has the shape :func:`_encode` gives)."""
    if not isinstance(schema, Mapping):
        return [f"it is a JSON {type(schema).__name__}, not an object"]
    out = []
    columns = schema.get("columns", [])
    if not isinstance(columns, list):
        out.append("'columns' is not a list")
        columns = []
    for i, spec in enumerate(columns, start=1):
        if not isinstance(spec, Mapping) or not isinstance(spec.get("name"), str):
            out.append(f"column entry {i} has no text 'name'")
            continue
        if spec.get("codec") not in (*_CONVERTERS, "plain"):
            out.append(
                f"column {spec['name']!r} has codec {spec.get('codec')!r}; known codecs are "
                f"plain, {', '.join(_CONVERTERS)}"
            )
        if not isinstance(spec.get("dtype", ""), str) or spec.get("na", "None") not in _NA_VALUES:
            out.append(f"column {spec['name']!r} has a bad dtype or missing-value token")
    for key in ("order", "index", "index_names"):
        value = schema.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, str | None) for v in value)
        ):
            out.append(f"{key!r} is not a list of names")
    if schema.get("geometry") is not None and not isinstance(schema.get("geometry"), str):
        out.append("'geometry' is not a name")
    return out


def _decode(frame: pd.DataFrame, schema: Mapping[str, Any] | None, layer: str = "") -> pd.DataFrame:
    """Undo :func:`_encode`: dtypes, object values, column order, geometry name and index.

    Raises
    ------
    WorkspaceError
        When the schema does not have the shape :func:`_encode` writes, or a stored value
        cannot be read as the type it was saved with (the layer was edited elsewhere).
    """
    if not schema:
        return frame
    bad = _schema_problems(schema)
    if bad:
        raise WorkspaceError([problem("ws_bad_schema", layer=layer, **_reason("; ".join(bad)))])
    out = frame
    geometry = schema.get("geometry")
    if isinstance(out, gpd.GeoDataFrame) and geometry and out.geometry.name != geometry:
        out = out.rename_geometry(geometry)
    for spec in schema.get("columns", []):
        col = spec["name"]
        if col not in out:
            continue
        if spec["codec"] != "plain":
            try:
                out[col] = _decode_object(out[col], spec["codec"], spec.get("na", "None"))
            except (ValueError, TypeError) as exc:
                value = next(
                    (repr(v)[:60] for v in out[col] if not _is_na(v) and not _decodes(v, spec)),
                    "?",
                )
                raise WorkspaceError(
                    [
                        problem(
                            "ws_bad_value",
                            layer=layer,
                            column=col,
                            codec=spec["codec"],
                            value=value,
                        )
                    ]
                ) from exc
        elif str(out[col].dtype) != spec["dtype"]:
            with contextlib.suppress(TypeError, ValueError):
                out[col] = out[col].astype(spec["dtype"])
    out = out[[c for c in schema.get("order") or list(out.columns) if c in out]]
    if schema.get("index"):
        missing = [c for c in schema["index"] if c not in out]
        if missing:
            raise WorkspaceError(
                [
                    problem(
                        "ws_bad_schema",
                        layer=layer,
                        **_reason(
                            f"its index column(s) {', '.join(map(repr, missing))} are missing"
                        ),
                    )
                ]
            )
        out = out.set_index(schema["index"])
        names = schema.get("index_names") or schema["index"]
        if len(names) == out.index.nlevels:
            out.index = out.index.set_names(names)
    return out


def _decodes(value: Any, spec: Mapping[str, Any]) -> bool:
    try:
        _CONVERTERS[spec["codec"]](value)
    except (ValueError, TypeError):
        return False
    return True


# ----------------------------------------------------------------------------- workspace
class Workspace:
    """A GeoPackage workspace at ``path`` (created on the first save).

    Parameters
    ----------
    path
        File path ending in ``.gpkg``.

    Examples
    --------
    >>> ws = Workspace("atlas.gpkg")                         # doctest: +SKIP
    >>> ws.save_firms(demo_firms())                          # doctest: +SKIP
    'firms'
    >>> ws.save_scenario(Scenario("shouguang-epi", (AddFirm(...),)))  # doctest: +SKIP
    >>> ws.scenario_document("shouguang-epi")["name"]        # doctest: +SKIP
    'shouguang-epi'

    The workspace stores plain records: a scenario is saved from its document (``to_dict()``)
    and read back as one; :func:`layout.scenarios.load_scenario` turns it into a ``Scenario``.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        text = os.fspath(path)
        if isinstance(text, str) and "\x00" in text:
            raise WorkspaceError(
                [problem("ws_bad_path", path=text, reason="it holds a NUL character")]
            )
        self.path = Path(path)
        if self.path.suffix.lower() != ".gpkg" or not self.path.name.strip():
            raise WorkspaceError(
                f"workspace path {str(self.path)!r} must end in .gpkg (a GeoPackage file)"
            )

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    # ------------------------------------------------------------------ reading
    def exists(self) -> bool:
        """Whether the workspace file exists yet (an empty file counts as not yet written).

        Raises
        ------
        WorkspaceError
            When the path is a folder, a FIFO or device, or a file that is not a GeoPackage.
        """
        return self._check_file()

    def _check_file(self) -> bool:
        """True for a GeoPackage, False for nothing (or an empty file); raise for anything else.

        Only the file's type and first 72 bytes are looked at, so a FIFO is never opened.
        """
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise WorkspaceError(
                [problem("ws_unreadable", path=str(self.path), reason=exc.strerror)]
            ) from None
        if stat.S_ISDIR(st.st_mode):
            example = str(self.path / "workspace.gpkg")
            raise WorkspaceError([problem("ws_is_dir", path=str(self.path), example=example)])
        if not stat.S_ISREG(st.st_mode):
            raise WorkspaceError([problem("ws_not_regular", path=str(self.path))])
        if st.st_size == 0:
            return False
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(72)
        except OSError as exc:
            raise WorkspaceError(
                [problem("ws_unreadable", path=str(self.path), reason=exc.strerror)]
            ) from None
        if not head.startswith(_SQLITE_MAGIC):
            reason = "it is not an SQLite file"
        elif head[68:72] not in _GPKG_IDS:
            reason = "an SQLite database without the GeoPackage application id"
        else:
            return True
        raise WorkspaceError([problem("ws_not_gpkg", path=str(self.path), reason=reason)])

    def _gdal(self, call: Callable[[], Any]) -> Any:
        """Run a pyogrio call on the workspace; its errors become one WorkspaceError."""
        import pyogrio

        try:
            return call()
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            reason = " ".join(str(exc).split())[:200]
            raise WorkspaceError(
                [problem("ws_unreadable", path=str(self.path), reason=reason)]
            ) from exc

    def _layer_names(self) -> list[str]:
        import pyogrio

        if not self._check_file():
            return []
        return [str(n) for n in self._gdal(lambda: pyogrio.list_layers(self.path))[:, 0]]

    def _info(self, name: str) -> dict[str, Any]:
        import pyogrio

        return dict(self._gdal(lambda: pyogrio.read_info(self.path, layer=name)))

    def layer_metadata(self, name: str) -> dict[str, str]:
        """GDAL layer metadata of ``name`` (kind, datum, synthetic flag, schema, …)."""
        self._require_layer(name)
        return dict(self._info(name)["layer_metadata"] or {})

    def layers(self) -> pd.DataFrame:
        """One row per layer: name, kind, geometry_type, features, datum, synthetic, saved."""
        import pyogrio

        rows = []
        if self._check_file():
            for name, gtype in self._gdal(lambda: pyogrio.list_layers(self.path)):
                info = self._info(name)
                meta = info["layer_metadata"] or {}
                rows.append(
                    {
                        "name": str(name),
                        "kind": meta.get(_KIND_KEY, "foreign"),
                        "geometry_type": gtype,
                        "features": int(info["features"]),
                        "datum": meta.get("datum", ""),
                        "synthetic": meta.get("synthetic", "unknown"),
                        "saved": meta.get("saved", ""),
                    }
                )
        return pd.DataFrame(
            rows,
            columns=["name", "kind", "geometry_type", "features", "datum", "synthetic", "saved"],
        )

    def _require_layer(self, name: str, kind: str | None = None) -> None:
        """Raise unless layer ``name`` exists and holds ``kind``.

        A firm layer written by another tool (kind ``foreign``, e.g. ``cluster-atlas
        import-firms -o firms.gpkg``) is accepted as firms when it has point geometry.
        """
        names = self._layer_names()
        if name not in names:
            have = ", ".join(names) or "none (the workspace is empty or does not exist yet)"
            raise WorkspaceError(
                f"no layer {name!r} in workspace {str(self.path)!r}: layers are {have}"
            )
        if kind is not None:
            got = self.layer_metadata(name).get(_KIND_KEY, "foreign")
            if got == "foreign" and kind == "firms":
                gtype = self._info(name)["geometry_type"]
                got = "firms" if gtype in ("Point", "MultiPoint") else f"foreign {gtype or 'table'}"
            if got != kind:
                raise WorkspaceError(
                    f"layer {name!r} holds {got}, not {kind}: pick a {kind} layer "
                    f"(see Workspace.layers())"
                )

    def _read(self, name: str) -> pd.DataFrame:
        import pyogrio

        meta = self.layer_metadata(name)
        frame = self._gdal(lambda: pyogrio.read_dataframe(self.path, layer=name))
        schema = None
        if _SCHEMA_KEY in meta:
            try:
                schema = loads(meta[_SCHEMA_KEY], what=f"the atlas_schema of layer {name!r}")
            except JsonLimitError as exc:
                raise WorkspaceError(
                    [problem("ws_bad_schema", layer=name, **_reason(exc.problems))]
                ) from exc
        return _decode(frame, schema, name)

    def load_firms(self, name: str = "firms") -> gpd.GeoDataFrame:
        """Firm layer ``name`` as a GeoDataFrame (EPSG:4326) with the dtypes it was saved with.

        A point layer written by another tool (no workspace schema) is read as GDAL gives it.

        Raises
        ------
        WorkspaceError
            No such layer (the message lists the layers), or it holds something else.
        """
        self._require_layer(check_layer_name(name), "firms")
        out = self._read(name)
        if not isinstance(out, gpd.GeoDataFrame):  # pragma: no cover - firms are always points
            raise WorkspaceError(f"layer {name!r} has no geometry")
        return out

    def load_result(self, name: str) -> pd.DataFrame:
        """Result layer ``name`` (DataFrame, or GeoDataFrame if it was saved with geometry)."""
        self._require_layer(check_layer_name(name), "result")
        return self._read(name)

    def _scenario_table(self) -> pd.DataFrame:
        if "scenarios" not in self._layer_names():
            return pd.DataFrame({c: pd.Series(dtype=object) for c in _SCENARIO_COLUMNS})
        table = pd.DataFrame(self._read("scenarios")).reset_index(drop=True)
        missing = [c for c in _SCENARIO_COLUMNS if c not in table]
        if missing:
            raise WorkspaceError(
                [problem("ws_missing_columns", path=str(self.path), columns=", ".join(missing))]
            )
        return table

    def list_scenarios(self) -> pd.DataFrame:
        """Saved scenarios: name, created, description, base_firms, schema_version, n_edits."""
        return self._scenario_table().drop(columns="edits_json")

    def scenario_document(self, name: str) -> dict[str, Any]:
        """The document saved as scenario ``name``: ``schema_version``, ``name``,
        ``description`` and ``edits`` (plain JSON data, as the scenario's ``to_dict`` gave it).

        :func:`layout.scenarios.load_scenario` builds the ``Scenario`` from it.
        """
        row = self._scenario_row(name)
        try:
            version = int(row["schema_version"])
        except (TypeError, ValueError):
            reason = f"schema_version {row['schema_version']!r} is not a whole number"
            raise WorkspaceError(
                [problem("ws_bad_scenario", name=name, **_reason(reason))]
            ) from None
        return {
            "schema_version": version,
            "name": row["name"],
            "description": "" if _is_na(row["description"]) else str(row["description"]),
            "edits": _stored_edits(name, row["edits_json"]),
        }

    def scenario_base(self, name: str) -> str:
        """Name of the firm layer scenario ``name`` edits (``"demo"``: the demonstration table)."""
        return str(self._scenario_row(name)["base_firms"])

    def _scenario_row(self, name: str) -> pd.Series:
        table = self._scenario_table()
        hit = table[table["name"] == name]
        if hit.empty:
            have = ", ".join(table["name"]) or "none"
            raise WorkspaceError(
                f"no scenario {name!r} in workspace {str(self.path)!r}: saved scenarios are {have}"
            )
        return hit.iloc[0]

    # ------------------------------------------------------------------ writing
    def save_firms(self, firms: gpd.GeoDataFrame, name: str = "firms", *, source: str = "") -> str:
        """Save ``firms`` as point layer ``name`` (replacing a firm layer of that name), atomically.

        Parameters
        ----------
        firms
            Firm points with a CRS (EPSG:4326; CGCS2000 is relabelled, other CRSs reprojected).
            The index is not kept unless it is not a default RangeIndex.
        name
            Layer name (:data:`LAYER_NAME_RULE`); not ``scenarios``/``scenario_edits``.
        source
            Free text stored in the layer metadata (e.g. the imported file).

        Returns
        -------
        str
            The layer name. Metadata records datum ``WGS-84``, the CRS, whether any row is
            synthetic (``synthetic`` column) and the column dtypes.

        Raises
        ------
        WorkspaceError
            Bad name, reserved name, a layer of another kind under that name, no CRS, or
            column names a GeoPackage cannot hold (``fid``, case-only duplicates).
        """
        check_layer_name(name)
        if name in RESERVED_LAYERS:
            raise WorkspaceError(
                f"layer name {name!r} is reserved for the workspace: use another name"
            )
        if not isinstance(firms, gpd.GeoDataFrame):
            raise WorkspaceError(
                f"firms must be a GeoDataFrame, not {type(firms).__name__}: "
                "read them with layout.records.read_firms"
            )
        if "synthetic" in firms:
            synthetic = (
                "true" if bool(firms["synthetic"].fillna(False).astype(bool).any()) else "false"
            )
        else:
            synthetic = "unknown"
        with self._lock():
            self._check_kind(name, "firms")
            self._write(
                {name: (firms, {_KIND_KEY: "firms", "synthetic": synthetic, "source": source})}
            )
        return name

    def save_result(
        self,
        name: str,
        frame: pd.DataFrame,
        *,
        description: str = "",
        synthetic: bool | None = None,
    ) -> str:
        """Save a result table or layer as ``name`` (replacing a result of that name), atomically."""
        return self.save_results({name: frame}, description=description, synthetic=synthetic)[0]

    def save_results(
        self,
        frames: Mapping[str, pd.DataFrame],
        *,
        description: str = "",
        synthetic: bool | None = None,
    ) -> list[str]:
        """Save several result tables or layers in one atomic write.

        Parameters
        ----------
        frames
            ``{layer name: DataFrame or GeoDataFrame}``; a non-default index is stored as
            columns and restored by :meth:`load_result`.
        description
            Free text stored in each layer's metadata.
        synthetic
            Whether the results derive from synthetic demonstration data (layer metadata
            ``synthetic``: ``true``/``false``; ``None`` = ``unknown``).

        Returns
        -------
        list of str
            The layer names. Either every layer is written or (on any error) none is.
        """
        problems = []
        for name in frames:
            try:
                check_layer_name(name)
            except WorkspaceError as exc:
                problems.append(str(exc))
                continue
            if name in RESERVED_LAYERS:
                problems.append(
                    f"layer name {name!r} is reserved for the workspace: use another name"
                )
        if problems:
            raise WorkspaceError("; ".join(problems))
        with self._lock():
            for name in frames:
                self._check_kind(name, "result")
            meta = {_KIND_KEY: "result", "description": description, "synthetic": _flag(synthetic)}
            self._write({n: (f, meta) for n, f in frames.items()})
        return list(frames)

    def save_scenario(
        self,
        scenario: SupportsScenarioDict | Mapping[str, Any],
        *,
        base_firms: str | None = None,
        overwrite: bool = False,
        results: Mapping[str, pd.DataFrame] | None = None,
        results_synthetic: bool | None = None,
    ) -> None:
        """Save ``scenario`` (and optionally result tables) in one atomic write.

        Parameters
        ----------
        scenario
            The scenario (anything with ``to_dict()``, e.g. ``layout.scenarios.Scenario``) or
            its document (``name``, ``description``, ``schema_version``, ``edits``); the name
            must follow :data:`LAYER_NAME_RULE`.
        base_firms
            Firm layer the edits apply to, or ``"demo"`` for the demonstration table. Default:
            ``"firms"`` if the workspace has that layer, else ``"demo"``.
        overwrite
            Replace a saved scenario of the same name (its ``created`` time is kept).
        results, results_synthetic
            Result tables to write in the same atomic save, and whether they derive from
            synthetic data (see :meth:`save_results`).
        """
        doc = dict(scenario) if isinstance(scenario, Mapping) else scenario.to_dict()
        check_layer_name(doc.get("name"), argument="scenario name")
        with self._lock():
            names = self._layer_names()
            if base_firms is None:
                base_firms = "firms" if "firms" in names else DEMO_BASE
            if base_firms != DEMO_BASE:
                self._require_layer(check_layer_name(base_firms, argument="base_firms"), "firms")
            table = self._scenario_table()
            scenario_name = str(doc["name"])
            created = datetime.now(UTC).isoformat(timespec="seconds")
            if (table["name"] == scenario_name).any():
                if not overwrite:
                    raise WorkspaceError(
                        f"a scenario named {scenario_name!r} is already saved: pass "
                        "overwrite=True (CLI: --overwrite) or choose another name"
                    )
                created = str(table.loc[table["name"] == scenario_name, "created"].iloc[0])
                table = table[table["name"] != scenario_name]
            row = {
                "name": scenario_name,
                "created": created,
                "description": doc["description"],
                "base_firms": base_firms,
                "schema_version": int(doc["schema_version"]),
                "n_edits": len(doc["edits"]),
                "edits_json": _canonical_json(doc["edits"]),
            }
            table = pd.concat([table, pd.DataFrame([row])], ignore_index=True)
            table = table.sort_values("name", kind="stable").reset_index(drop=True)
            table = table.astype({"schema_version": "int64", "n_edits": "int64"})
            writes: dict[str, tuple[pd.DataFrame, dict[str, str]]] = {
                "scenarios": (table, {_KIND_KEY: "scenarios", "synthetic": "false"}),
                "scenario_edits": (
                    _edit_points(table),
                    {_KIND_KEY: "scenario_edits", "synthetic": "false"},
                ),
            }
            for name, frame in (results or {}).items():
                check_layer_name(name)
                self._check_kind(name, "result")
                writes[name] = (
                    frame,
                    {
                        _KIND_KEY: "result",
                        "description": f"scenario {scenario_name}",
                        "synthetic": _flag(results_synthetic),
                    },
                )
            self._write(writes)

    def delete_scenario(self, name: str) -> None:
        """Remove scenario ``name`` from the workspace (result layers stay), atomically."""
        with self._lock():
            self._scenario_row(name)
            table = self._scenario_table()
            table = table[table["name"] != name].reset_index(drop=True)
            table = table.astype({"schema_version": "int64", "n_edits": "int64"})
            self._write(
                {
                    "scenarios": (table, {_KIND_KEY: "scenarios", "synthetic": "false"}),
                    "scenario_edits": (
                        _edit_points(table),
                        {_KIND_KEY: "scenario_edits", "synthetic": "false"},
                    ),
                }
            )

    def _check_kind(self, name: str, kind: str) -> None:
        if name in self._layer_names():
            got = self.layer_metadata(name).get(_KIND_KEY, "foreign")
            if got != kind:
                raise WorkspaceError(
                    f"layer {name!r} already holds {got}: saving {kind} there would "
                    "replace it; choose another name"
                )

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Advisory exclusive lock serialising read-modify-write saves across processes."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            yield
            return
        final = final_path(self.path)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            handle = open(final.with_name(lock_name(final.name)), "a+b")  # noqa: SIM115
        except OSError as exc:
            raise WorkspaceError(
                [problem("ws_folder", folder=str(final.parent), reason=exc.strerror)]
            ) from None
        with handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _remove_stale_temps(self) -> None:
        """Delete temporary files a killed save left behind (only called under the lock)."""
        final = final_path(self.path)
        if not final.parent.is_dir():
            return
        for stale in final.parent.iterdir():
            if is_temp_name(stale.name, final.name) and stale.is_file():
                with contextlib.suppress(OSError):
                    stale.unlink()

    def _write(self, writes: Mapping[str, tuple[pd.DataFrame, Mapping[str, str]]]) -> None:
        """Copy the workspace to a temp file, (re)write ``writes`` into it, fsync, rename into place."""
        import pyogrio

        existing = self._check_file()  # never replace a file that is not a workspace
        self._remove_stale_temps()
        saved = datetime.now(UTC).isoformat(timespec="seconds")
        with atomic_path(self.path) as tmp:
            if existing:
                shutil.copyfile(self.path, tmp)
            for name, (frame, extra) in writes.items():
                encoded, schema = _encode(frame)
                meta = {
                    "application": "Shandong Cluster Atlas",
                    **{k: str(v) for k, v in extra.items()},
                    "saved": saved,
                    "rows": str(len(encoded)),
                    _SCHEMA_KEY: json.dumps(schema, ensure_ascii=False, sort_keys=True),
                }
                kwargs: dict[str, Any] = {}
                if isinstance(encoded, gpd.GeoDataFrame):
                    meta.update({"datum": "WGS-84", "crs": "EPSG:4326"})
                    types = set(encoded.geometry.dropna().geom_type)
                    kwargs["geometry_type"] = types.pop() if len(types) == 1 else None
                    if kwargs["geometry_type"] is None and not types:
                        kwargs["geometry_type"] = (
                            "Point"  # an empty point layer still opens in QGIS
                        )
                    if kwargs["geometry_type"] is None:
                        del kwargs["geometry_type"]
                # no dataset-level metadata: GDAL then writes a stray .aux.xml beside the file on read
                self._gdal(
                    functools.partial(
                        pyogrio.write_dataframe,
                        encoded,
                        tmp,
                        layer=name,
                        driver="GPKG",
                        layer_metadata=meta,
                        **kwargs,
                    )
                )
            _fsync(tmp)
        _fsync_dir(self.path.parent)


def _flag(value: bool | None) -> str:
    return "unknown" if value is None else ("true" if value else "false")


def _canonical_json(obj: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, Chinese as characters, no NaN."""
    return json.dumps(
        obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )


def _reason(why: str | list[Problem]) -> dict[str, str]:
    """``reason`` and ``reason_zh`` for a message: problems in both languages, text as it is."""
    if isinstance(why, str):
        return {"reason": why, "reason_zh": why}
    return {"reason": "; ".join(p.en for p in why), "reason_zh": "；".join(p.zh for p in why)}


def _stored_edits(name: str, text: Any) -> list[Any]:
    """The edits list stored for scenario ``name`` (bounded JSON); raise when it is damaged."""
    try:
        edits = loads(str(text) if not _is_na(text) else "", what="its edits_json")
    except JsonLimitError as exc:
        raise WorkspaceError(
            [problem("ws_bad_scenario", name=name, **_reason(exc.problems))]
        ) from exc
    if not isinstance(edits, list):
        reason = f"edits must be a JSON list of edit objects, not {type(edits).__name__}"
        raise WorkspaceError([problem("ws_bad_scenario", name=name, **_reason(reason))])
    return edits


def _edit_points(table: pd.DataFrame) -> gpd.GeoDataFrame:
    """Point layer of every located edit of every scenario in ``table``.

    Raises
    ------
    WorkspaceError
        When a stored scenario's edits are damaged (naming it, so it can be deleted).
    """
    rows = []
    problems: list[Problem] = []
    for rec in table.itertuples(index=False):
        try:
            edits = _stored_edits(str(rec.name), rec.edits_json)
        except WorkspaceError as exc:
            problems += exc.problems
            continue
        for seq, edit in enumerate(edits, start=1):
            if not isinstance(edit, Mapping):
                reason = f"edit {seq} is a JSON {type(edit).__name__}, not an object"
                problems.append(problem("ws_bad_scenario", name=str(rec.name), **_reason(reason)))
                continue
            if "lon" not in edit or "lat" not in edit:
                continue
            try:
                lon, lat = float(edit["lon"]), float(edit["lat"])
            except (TypeError, ValueError):
                reason = f"edit {seq} has lon/lat {edit['lon']!r}, {edit['lat']!r}"
                problems.append(problem("ws_bad_scenario", name=str(rec.name), **_reason(reason)))
                continue
            raw = edit.get("nodes") or ([edit["node"]] if edit.get("node") else [])
            nodes = raw if isinstance(raw, list) else [raw]
            rows.append(
                {
                    "scenario": rec.name,
                    "seq": seq,
                    "type": str(edit.get("type")),
                    "item_id": str(edit.get("firm_id") or edit.get("site_id") or ""),
                    "name": str(edit.get("name") or ""),
                    "kind": str(edit.get("kind") or ""),
                    "chain": str(edit.get("chain") or ""),
                    "nodes": ";".join(str(n) for n in nodes),
                    "lon": lon,
                    "lat": lat,
                }
            )
    if problems:
        raise WorkspaceError(problems)
    cols = ["scenario", "seq", "type", "item_id", "name", "kind", "chain", "nodes"]
    df = pd.DataFrame(rows, columns=[*cols, "lon", "lat"])
    return gpd.GeoDataFrame(
        df[cols].astype({"seq": "int64"}),
        geometry=gpd.points_from_xy(df["lon"].astype(float), df["lat"].astype(float)),
        crs="EPSG:4326",
    )


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
