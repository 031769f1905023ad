"""The one place that knows where shipped data files live.

The files in the repository's ``data/`` folder are installed as the package ``atlas_data``
(``pyproject.toml`` maps it to that folder and lists the files as package data), so they travel
inside a wheel and are found from any working directory. Every lookup goes through
:func:`data_path`, which reads them with :mod:`importlib.resources`.

>>> data_path("counties").name
'counties.geojson'
>>> data_path("counties").exists()
True
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["DATASETS", "DATA_PACKAGE", "UnknownDatasetError", "data_dir", "data_path"]

DATA_PACKAGE = "atlas_data"
"""Import name of the installed data folder."""

DATASETS: dict[str, str] = {
    "counties": "boundaries/counties.geojson",
    "cities": "boundaries/cities.geojson",
    "province": "boundaries/province.geojson",
    "boundary_build_report": "boundaries/build_report.json",
    "zones": "frames/zones.csv",
    "membership": "frames/membership.csv",
    "htz": "htz.csv",
    "clusters": "clusters.csv",
    "crosswalk": "crosswalk.csv",
    "targets": "targets.csv",
    "anchors": "anchors.csv",
    "source_hosts": "source_hosts.csv",
    "chain_nodes": "chains/nodes.csv",
    "chain_edges": "chains/edges.csv",
    "chain_industries": "chains/industries.csv",
    "demo_firms": "demo/firms_synthetic.csv",
    "demo_panel": "demo/firms_panel_synthetic.csv",
    "monitoring_rule": "evaluation/monitoring_rule.csv",
    "evaluation_indicators": "evaluation/indicators.csv",
}
"""Dataset name → file inside the data package."""


class UnknownDatasetError(KeyError):
    """Raised for a dataset name that is not shipped; the message lists the valid names."""

    def __str__(self) -> str:
        return str(self.args[0])


def data_dir() -> Path:
    """The installed data folder (a real directory: wheels install it unzipped).

    Raises
    ------
    FileNotFoundError
        When the package ``atlas_data`` is missing or not on the file system (reinstall with
        ``pip install .``).
    """
    try:
        root = resources.files(DATA_PACKAGE)
    except ModuleNotFoundError as exc:
        raise FileNotFoundError(
            f"the shipped data package {DATA_PACKAGE!r} is not installed: run `pip install .` "
            "(or `pip install -e .`) in the repository"
        ) from exc
    path = Path(str(root))
    if not path.is_dir():
        raise FileNotFoundError(
            f"the shipped data package {DATA_PACKAGE!r} is not a folder: {root}"
        )
    return path


def data_path(name: str) -> Path:
    """Path of the shipped dataset ``name`` (see :data:`DATASETS`)."""
    try:
        rel = DATASETS[name]
    except KeyError:
        valid = ", ".join(sorted(DATASETS))
        raise UnknownDatasetError(f"unknown dataset {name!r}: valid names are {valid}") from None
    return data_dir() / rel


def __getattr__(name: str) -> Path:
    # DATA_DIR is kept for callers of the old constant; it now resolves through the package.
    if name == "DATA_DIR":
        return data_dir()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
