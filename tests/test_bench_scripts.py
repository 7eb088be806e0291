"""Every script in bench/ imports what it names: a rename in rnnviz must not leave one broken
until the day someone runs it. Each is loaded as ``python bench/<name>.py`` would load it
(bench/ first on the path), without running its ``main``."""

from __future__ import annotations

import importlib.util
import json
import re
import runpy
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.mark.parametrize("script", sorted(p.name for p in BENCH.glob("*.py")))
def test_a_bench_script_loads(script, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    monkeypatch.setattr(sys, "argv", [script, "--help"])
    runpy.run_path(str(BENCH / script), run_name="loaded_by_a_test")  # not "__main__"


# --------------------------------------------------------------------------- bench/page.py's rows
# Its rows and targets, checked with the measurements replaced by numbers: no server, no browser.


@pytest.fixture
def page(monkeypatch):
    """bench/page.py as a module, its helper modules found beside it as when it runs."""
    monkeypatch.syspath_prepend(str(BENCH))
    spec = importlib.util.spec_from_file_location("bench_page_under_test", BENCH / "page.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclasses look it up there
    spec.loader.exec_module(module)
    return module


def stats(page, *samples):
    return page.Stats(list(samples))


def test_page_targets(page):
    targets = {action: (name, target) for name, action, target, _, _ in page.APP_ROWS}
    assert targets["back to a cached config"] == ("cached", "≤ 4 × floor t step")
    assert targets["t step, cap-size LSTM"] == ("lstm", "≤ 400 ms")
    assert targets["new config, notebook sizes"] == ("newconfig", "≤ 600 ms")
    assert targets["new config: NumPy views drawn"] == ("newconfig", "≤ 300 ms")
    assert {name for name, *_ in page.APP_ROWS} <= set(page.ACTIONS)


def test_the_page_script_has_every_constant_filled_in(page):
    for kind in ("app", "floor"):
        script = sys.modules["page_session"].bench_script(kind)
        assert not re.search(r"__[A-Z_]+__", script)
        assert f"const kind = {json.dumps(kind)};" in script


def bench(page, floor_step=100.0):
    return page.Bench(browser=None, url="", repeats=3, floor={"tstep": stats(page, floor_step)})


def test_limits_against_the_floor_and_in_ms(page, monkeypatch):
    monkeypatch.setattr(page, "cached_config", lambda *_: stats(page, 390, 400, 410))
    row = page.row_cached(bench(page))
    assert row.passed and "limit 400 ms" in row.detail  # 4 × the floor's 100 ms
    monkeypatch.setattr(page, "cached_config", lambda *_: stats(page, 401, 401, 401))
    assert not page.row_cached(bench(page)).passed
    monkeypatch.setattr(page, "app_tstep", lambda *_: stats(page, 390, 410, 420))
    row = page.row_lstm(bench(page))
    assert not row.passed and "limit 400 ms" in row.detail


def test_both_new_config_rows_come_from_one_pass(page, monkeypatch):
    calls = []

    def new_configs(*_):
        calls.append(1)
        return page.NewConfigs(
            views=stats(page, 250, 280, 350),
            events=stats(page, 240, 270, 340),
            whole=stats(page, 500, 700, 800),
        )

    monkeypatch.setattr(page, "new_configs", new_configs)
    rows = page.app_rows(bench(page), {"newconfig"})
    assert [(r.action, r.target, r.passed) for r in rows] == [
        ("new config: NumPy views drawn", "≤ 300 ms", True),
        ("new config, notebook sizes", "≤ 600 ms", False),
    ]
    assert rows[0].app.samples == [250, 280, 350] and "270 ms (240–340)" in rows[0].detail
    assert rows[1].app.samples == [500, 700, 800]
    assert len(calls) == 1


def test_a_failed_new_config_pass_fails_both_rows(page, monkeypatch):
    def new_configs(*_):
        raise page.BenchError("M reads 5, not 7")

    monkeypatch.setattr(page, "new_configs", new_configs)
    rows = page.app_rows(bench(page), {"newconfig"})
    assert [r.passed for r in rows] == [False, False]
    assert all("M reads 5, not 7" in r.detail for r in rows)


def cold(page, monkeypatch, *loads, tf=(4000.0, 4100.0, 3900.0)):
    monkeypatch.setattr(page, "tf_import", lambda: stats(page, *tf))
    queue = list(loads)
    monkeypatch.setattr(page, "cold_load", lambda _browser: queue.pop(0))
    return {row.action: row for row in page.cold_rows(None, len(loads))}


def test_cold_rows(page, monkeypatch):
    load = page.ColdLoad(page=5800, controls=2500, views=2900, waiting=True)
    rows = cold(page, monkeypatch, load, load)
    assert list(rows) == [
        "python -c 'import tensorflow'",
        "cold load: ledger + controls",
        "cold: weights and player drawn",
        "cold load: whole page",
    ]
    whole = rows["cold load: whole page"]
    assert whole.target == "≤ import tf + 2000 ms"
    assert whole.passed and "limit 6000 ms" in whole.detail  # the import's median + 2000
    assert whole.ratio == pytest.approx(5800 / 4000)
    views = rows["cold: weights and player drawn"]
    assert views.passed and "TensorFlow still loading in 2 of 2 loads" in views.detail


def test_cold_views_need_tensorflow_still_loading_in_every_load(page, monkeypatch):
    early = page.ColdLoad(page=6100, controls=2500, views=2000, waiting=True)
    late = page.ColdLoad(page=6100, controls=2500, views=2000, waiting=False)
    rows = cold(page, monkeypatch, early, late)
    views = rows["cold: weights and player drawn"]
    assert not views.passed and "TensorFlow still loading in 1 of 2 loads" in views.detail
    assert not rows["cold load: whole page"].passed  # 6100 ms against 4000 + 2000
    slow = page.ColdLoad(page=5000, controls=2500, views=3100, waiting=True)
    assert not cold(page, monkeypatch, slow, slow)["cold: weights and player drawn"].passed


def test_cold_views_not_drawn_is_said(page, monkeypatch):
    none = page.ColdLoad(page=5000, controls=2500, views=None, waiting=None)
    views = cold(page, monkeypatch, none)["cold: weights and player drawn"]
    assert views.passed is False and views.detail.startswith("not present")
