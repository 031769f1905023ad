"""The errors of exports: one for bad layers and formats, one for output paths that could hurt."""

from __future__ import annotations

from geo.problems import ProblemError

__all__ = ["ExportError", "OutputError"]


class ExportError(ProblemError):
    """An unknown format, a missing CRS, columns a GeoPackage cannot hold, or an unsafe output.

    ``.problems`` lists every problem at once (see :class:`geo.problems.ProblemError`).
    """

    subject = ("导出", "export")


class OutputError(ExportError):
    """An output path that could hurt: an input, another output, a device, a folder, a long name.

    Raised before anything is written (see :mod:`geo.export.paths`).
    """

    subject = ("输出文件", "output")
