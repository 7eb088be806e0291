"""Every script in bench/ imports what it names: a rename in rnnviz must not leave one broken
until the day someone runs it. Each is loaded as ``python bench/<name>.py`` would load it
(bench/ first on the path), without running its ``main``."""

from __future__ import annotations

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
