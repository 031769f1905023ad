"""Fixtures shared by several test modules."""

from __future__ import annotations

import sys
import types

import pytest


@pytest.fixture(scope="module")
def dask_client():  # type: ignore[no-untyped-def]
    pytest.importorskip("dask_geopandas")
    distributed = pytest.importorskip("distributed")
    # Worker processes are spawned and re-import the parent's __main__; Streamlit's AppTest
    # (tests/app) leaves a fake __main__ script module behind, so give them a blank one.
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client
