"""Concentration, inequality and spatial-autocorrelation metrics over tidy tables (no geometry).

Input convention
----------------
``e`` is a *region x industry matrix*: a DataFrame whose index holds region codes (adcode
strings such as ``"370102"``, or zone codes) and whose columns hold industries or chain nodes;
cells are non-negative finite numbers (employment, output or firm counts, one base for the whole
table). Build it from a long table with :func:`matrix_from_long`. Per-region values for the
inequality and spatial functions are a Series indexed by region code (or an array in the order of
``w.id_order``); spatial weights are a :class:`libpysal.weights.W` whose ids are the region codes,
built by the caller (the geo adapter lives elsewhere). Notation as in DESIGN §3: e_ir value of
industry i in region r, e_r = Σ_i e_ir, E_i = Σ_r e_ir, E = Σ_r e_r.

Every function validates its input and raises one :class:`MetricInputError` listing all
problems. Degenerate inputs (empty regions, zero totals, one firm, constant values) give the
documented outputs below, never a crash or an unannounced NaN. Random permutation tests are
seeded (``seed``) and leave NumPy's global random state as they found it.
"""

from __future__ import annotations

from layout.metrics._validate import MetricInputError
from layout.metrics.concentration import ellison_glaeser, hhi
from layout.metrics.inequality import SpatialGini, gini, spatial_gini, theil
from layout.metrics.spatial import GlobalMoran, getis_ord_gi_star, global_moran, local_moran
from layout.metrics.specialisation import location_quotient, matrix_from_long, strength_classes

__all__ = [
    "GlobalMoran",
    "MetricInputError",
    "SpatialGini",
    "ellison_glaeser",
    "getis_ord_gi_star",
    "gini",
    "global_moran",
    "hhi",
    "local_moran",
    "location_quotient",
    "matrix_from_long",
    "spatial_gini",
    "strength_classes",
    "theil",
]
