"""The background warm-up leaves every chain's default chain view ready in the shared caches.

After :func:`atlas_app.warm.warm`, the chain page's default view of any chain (its weakest
city, employees) needs no analysis and no map build: both are cache hits, and so is the
monitoring page's default view. Spies count the
calls; speed itself is measured in ``bench/app_pages.py``.
"""

from __future__ import annotations

import pytest

from atlas_app import loaders, map_view, warm
from atlas_app.page_chain import gap_map
from geo.maps import DEFAULT_TOLERANCE


def test_warm_up_prepares_every_chains_default_chain_view(monkeypatch: pytest.MonkeyPatch) -> None:
    warm.warm()
    made: list[str] = []
    original = loaders.MapSpec.make

    def counted(self: loaders.MapSpec) -> object:
        made.append(self.key or "")
        return original(self)

    monkeypatch.setattr(loaders.MapSpec, "make", counted)
    analysed: list[str] = []
    import layout.analysis

    real = layout.analysis.analyze_chain
    monkeypatch.setattr(
        layout.analysis,
        "analyze_chain",
        lambda *a, **k: analysed.append(str(a[1:2])) or real(*a, **k),
    )
    firms = loaders.demo_firms()
    chains = list(loaders.chain_graphs())
    assert len(chains) >= 18
    for chain in chains:
        region = loaders.weakest_region("demo", chain, "employees", firms)
        analysis = loaders.chain_analysis("demo", chain, "employees", firms, region=region)
        spec, groups, _ = gap_map(analysis, region, "zh")
        assert spec.key is not None and groups.key is not None
        prep = map_view.prepare_spec(spec)
        assert "atlas-" in prep.script  # a real prepared map
        layers = map_view.prepare_groups(groups, prep)
        assert layers is not None and "AtlasLegendUpdate" not in layers  # rendered JavaScript
        assert "fitBounds" in layers  # the view of the chain's default region
    assert made == []  # every default gap map (base and layers) was prepared by the warm-up
    assert analysed == []  # and every analysis computed by it
    import layout.monitoring
    from layout.analysis import BASES

    monitored: list[str] = []
    monkeypatch.setattr(layout.monitoring, "monitor_chain", lambda *a, **k: monitored.append("x"))
    loaders.monitoring("demo", chains[0], "county", "2013", BASES[0], loaders.demo_panel())
    assert monitored == []  # the monitoring page's default view is ready too
    from atlas_app import page_scenario
    from atlas_app.scenario_builder import EXAMPLE_CHAIN, example_scenario
    from atlas_app.state import FirmData
    from layout.scenarios import Scenario

    demo = FirmData(firms, True, True, "demo", "demo")
    for draft, chain in (
        (Scenario("scenario-1", ()), chains[0]),
        (example_scenario(), EXAMPLE_CHAIN),
    ):
        spec, layers = page_scenario.map_specs(
            None, demo, "zh", draft, (chain, "county", "2013", "employees")
        )
        prep = map_view.prepare_spec(spec)
        for groups in layers.values():
            assert "div.innerHTML" in (map_view.prepare_groups(groups, prep) or "")  # legend
    assert made == [] and analysed == []  # the scenario page's maps before a run are ready too
    # the spy does see a build: a map nobody prepared before is built now
    other = loaders.build_map(
        {"province": loaders.display(DEFAULT_TOLERANCE)["province"]},
        lang="en",
        height=123,
        simplified=False,
    )
    map_view.prepare_spec(other)
    assert made == [other.key]


def test_freeze_shared_takes_the_live_objects_out_of_the_collectors_reach() -> None:
    import gc

    shared = [{"cached": i} for i in range(3)]  # container objects: tracked by the collector
    assert any(o is shared for o in gc.get_objects())
    try:
        frozen = warm.freeze_shared()
        assert frozen == gc.get_freeze_count() >= len(shared)
        assert not any(o is shared for o in gc.get_objects())  # no collection traverses it
        made_after = [object()]
        assert any(o is made_after for o in gc.get_objects())  # objects made later are collected
    finally:
        gc.unfreeze()
    assert any(o is shared for o in gc.get_objects())


@pytest.mark.parametrize("fails", [False, True])
def test_warm_up_freezes_after_warming_even_when_warming_fails(
    monkeypatch: pytest.MonkeyPatch, fails: bool
) -> None:
    calls: list[str] = []

    def fake_warm() -> None:
        calls.append("warm")
        if fails:
            raise RuntimeError("boom")

    monkeypatch.setattr(warm, "warm", fake_warm)
    monkeypatch.setattr(warm, "freeze_shared", lambda: calls.append("freeze") or 0)
    monkeypatch.setenv(warm.WARM_UP_ENV, "1")
    warm.warm_up.clear()
    try:
        thread = warm.warm_up()
        assert thread is not None
        thread.join(timeout=30)
        assert not thread.is_alive()
    finally:
        warm.warm_up.clear()
    assert calls == ["warm", "freeze"]
    monkeypatch.setenv(warm.WARM_UP_ENV, "0")
    assert warm.warm_up() is None  # turned off: no thread, nothing frozen
    warm.warm_up.clear()
