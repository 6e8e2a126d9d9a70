"""Every notebook is thin: a title, one typed ``parameters`` cell, ``import cxlab as cx``, then
library calls with prose between them; no definitions or loops (checked on the syntax tree), no
outputs; it records headline numbers for the index and opens with the answer."""

from __future__ import annotations

import ast

import pytest

from notebook_support import REPORTS, TUTORIAL, notebook_cells

NAMES = REPORTS
LOGIC = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.For,
    ast.While,
    ast.Lambda,
    ast.ListComp,
    ast.DictComp,
)


def test_the_seven_reports_exist() -> None:
    assert NAMES == [
        "00_service_review",
        "01_volume_forecast",
        "02_interventions",
        "03_churn_drivers",
        "04_nps",
        "05_contact_reasons",
        "06_year_review",
    ]


def test_the_tutorial_is_thin_and_clean_too() -> None:
    """No parameters and nothing recorded (it is never published), but no logic, no outputs and
    only cxlab, like a report."""
    cells = notebook_cells(TUTORIAL)
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]).startswith("# ")
    code = [c for c in cells if c["cell_type"] == "code"]
    assert "".join(code[0]["source"]).strip().splitlines()[0] == "import cxlab as cx"
    for c in code:
        assert c.get("outputs", []) == [] and c.get("execution_count") is None
        tree = ast.parse("".join(c["source"]))
        logic = [type(n).__name__ for n in ast.walk(tree) if isinstance(n, LOGIC)]
        assert not logic, f"tutorial: logic belongs in the library: {logic}"
        imports = {
            a.name
            for n in ast.walk(tree)
            if isinstance(n, ast.Import | ast.ImportFrom)
            for a in n.names
        }
        assert imports <= {"cxlab"}, imports


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_thin_and_clean(name: str) -> None:
    cells = notebook_cells(name)
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]).startswith("# ")
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code[0]["metadata"].get("tags") == ["parameters"]
    assert "".join(code[1]["source"]).strip() == "import cxlab as cx"
    for c in code:
        assert c.get("outputs", []) == [] and c.get("execution_count") is None
        tree = ast.parse("".join(c["source"]))
        logic = [type(n).__name__ for n in ast.walk(tree) if isinstance(n, LOGIC)]
        assert not logic, f"{name}: logic belongs in the library: {logic}"
        imports = [
            a.name
            for n in ast.walk(tree)
            if isinstance(n, (ast.Import, ast.ImportFrom))
            for a in n.names
        ]
        assert set(imports) <= {"cxlab"}, f"{name} imports {imports}"
    everything = "".join("".join(c["source"]) for c in code)
    assert "record" in everything  # headline numbers for the index
    answer = min(
        everything.find(k) for k in ("cx.viz.headline", "cx.viz.findings") if k in everything
    )
    assert answer >= 0 and (".plot(" not in everything or answer < everything.find(".plot("))
