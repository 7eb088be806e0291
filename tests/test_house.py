"""The house's rules, read from the code's own imports (``ast``), as docs/design.md draws them.

Reading the packages bottom to top tells the story of a run, and every import points down:
the recurrences and the drawn inputs at the bottom, then the config, the shapes, what comes in,
Keras, the run, the views, and the two front ends on top. Only ``rnnviz.ui`` (and app.py)
import Streamlit; no UI module reaches sideways into the sidebar or into another section for
a helper; and no module but the tables' own names a cell by its key.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rnnviz"
# Each room's floor, bottom first: a module may import its own room and any lower floor.
FLOORS = {
    "recurrence": 0,  # the NumPy side: cells, forward, bptt, bugs, agreement, network
    "budget": 0,  # caches bounded by bytes
    "text": 1,  # the texts, their alphabet, and the units read against the characters
    "tasks": 2,  # X and y drawn from the seed
    "config": 3,  # what one run is
    "shapes": 4,  # the ledger and the layouts
    "inputs": 5,  # what comes in, and the one store
    "keras_side": 6,  # where Keras enters
    "pipeline": 7,  # one run: Keras beside NumPy
    "views": 8,  # what the views need, from a run
    "cli": 9,  # python -m rnnviz
    "ui": 9,  # the page (Streamlit)
    "__main__": 10,
}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def room(module: str) -> str:
    """The room of a dotted module under rnnviz: "rnnviz.recurrence.cells" -> "recurrence"."""
    return module.split(".")[1]


def imports(path: Path) -> list[str]:
    """Every rnnviz module ``path`` imports, lazily inside a function too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("rnnviz"):
            names = [f"{node.module}.{a.name}" for a in node.names]
            found += names if node.module == "rnnviz" else [node.module]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("rnnviz")]
    return [name for name in found if name != "rnnviz"]


def dotted(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def climbing(mine: str, names: list[str]) -> list[str]:
    """The imports of a module in room ``mine`` that go to another room on its floor or above."""
    return [n for n in names if room(n) != mine and FLOORS[room(n)] >= FLOORS[mine]]


ROOMS = [p for p in modules() if p != PACKAGE / "__init__.py"]  # the package's face is no room


def test_every_module_lives_on_a_floor():
    assert {room(dotted(p)) for p in ROOMS} <= set(FLOORS)


@pytest.mark.parametrize("path", ROOMS, ids=dotted)
def test_every_import_points_down(path: Path):
    mine = room(dotted(path))
    up = climbing(mine, imports(path))
    assert not up, f"{dotted(path)} (floor {FLOORS[mine]}) imports up or sideways: {up}"


def test_only_the_ui_imports_streamlit():
    for path in modules():
        if room(dotted(path)) == "ui" or path == PACKAGE / "__init__.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import|from) streamlit\b", text, re.M), dotted(path)


def test_no_ui_module_reaches_sideways_for_a_helper():
    """The sidebar is a top floor of the page's own: only app.py reads it. A section imports
    what every section shares (page, numbers), never another section's own module."""
    shared = {"rnnviz.ui.sections.page", "rnnviz.ui.sections.numbers"}
    for path in (PACKAGE / "ui").rglob("*.py"):
        me = dotted(path)
        for name in imports(path):
            assert name != "rnnviz.ui.sidebar", f"{me} imports the sidebar"
            if name.startswith("rnnviz.ui.sections.") and me.startswith("rnnviz.ui.sections."):
                assert name in shared, f"{me} imports another section: {name}"


def test_the_checks_above_can_fail(tmp_path):
    """A lazy import inside a function is read too, and an import that climbs is caught."""
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from rnnviz.ui import cache\n\nfrom rnnviz import pipeline\n")
    assert set(imports(module)) == {"rnnviz.ui", "rnnviz.pipeline"}
    assert climbing("recurrence", imports(module)) == imports(module)
    assert climbing("cli", ["rnnviz.ui.cache", "rnnviz.config"]) == ["rnnviz.ui.cache"]
    assert climbing("ui", ["rnnviz.ui.cache", "rnnviz.views.figures"]) == []


def test_a_cell_is_named_by_its_key_only_in_the_cell_table():
    """Everything else reads the table (``CELLS``): a new cell is one entry there, and no
    "gru" elsewhere needs finding."""
    from rnnviz.recurrence.cells import CELLS

    table = PACKAGE / "recurrence" / "cells.py"
    for path in modules():
        if path == table:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        named = [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in CELLS
        ]
        assert not named, f"{dotted(path)} names {named}"
