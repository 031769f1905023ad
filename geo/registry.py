"""The one place that knows where shipped data files live.

>>> data_path("counties").name
'counties.geojson'
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DATASETS", "DATA_DIR", "UnknownDatasetError", "data_path"]

DATA_DIR = Path(__file__).resolve().parents[1] / "data"

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
    "chain_nodes": "chains/nodes.csv",
    "chain_edges": "chains/edges.csv",
    "chain_industries": "chains/industries.csv",
    "demo_firms": "demo/firms_synthetic.csv",
    "evaluation_indicators": "evaluation/indicators.csv",
}


class UnknownDatasetError(KeyError):
    """Raised for a dataset name that is not shipped; the message lists the valid names."""

    def __str__(self) -> str:
        return str(self.args[0])


def data_path(name: str) -> Path:
    """Path of the shipped dataset ``name`` (see :data:`DATASETS`)."""
    try:
        return DATA_DIR / DATASETS[name]
    except KeyError:
        valid = ", ".join(sorted(DATASETS))
        raise UnknownDatasetError(f"unknown dataset {name!r}: valid names are {valid}") from None
