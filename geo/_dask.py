"""Shared Dask plumbing for the optional ``engine="dask"`` paths (the ``dask`` extra)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

__all__ = ["active_client", "default_partitions", "import_dask", "is_dask_collection"]


def is_dask_collection(obj: object) -> bool:
    """True for dask / dask-geopandas collections (checked without importing Dask)."""
    return type(obj).__module__.startswith(("dask_geopandas", "dask."))


def import_dask(error: Callable[[list[str]], Exception]) -> Any:
    """Import ``dask`` (and ``dask.dataframe``); raise ``error([message])`` naming the extra."""
    try:
        import dask
        import dask.dataframe
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise error(
            [
                f"engine='dask' needs Dask ({exc}); install the extra: "
                "pip install 'cluster-atlas[dask]'"
            ]
        ) from None
    return dask


def active_client() -> Any:
    """The current ``dask.distributed`` client, or None."""
    try:
        from distributed import get_client
    except ImportError:  # pragma: no cover - distributed is part of the dask extra
        return None
    try:
        return get_client()
    except ValueError:  # no client
        return None


def default_partitions(npartitions: int | None, client: Any = None) -> int:
    """``npartitions``, else two per thread of ``client`` (or of this machine)."""
    if npartitions is not None:
        return max(int(npartitions), 1)
    threads = sum(client.nthreads().values()) if client is not None else (os.cpu_count() or 1)
    return max(2 * threads, 1)
