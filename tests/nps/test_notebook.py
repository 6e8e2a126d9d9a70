"""Notebook 04: thin, parameterised, committed without outputs, and runs end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notebook_support import notebook_cells

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "04_nps.ipynb"


def test_notebook_parameters():
    """period, compare_to, segment and the comments' language (not ``language``: that is the
    report's language, which every run may set)."""
    source = "".join(notebook_cells("04_nps")[1]["source"])
    assert all(
        n in source
        for n in ("period: str", "compare_to: str", "segment: str", "comment_language: str")
    )
    assert "\nlanguage:" not in "\n" + source


def test_notebook_opens_with_the_answer_and_ends_with_the_appendix():
    cells = notebook_cells("04_nps")
    headings = ["".join(c["source"]).split("\n")[0] for c in cells if c["cell_type"] == "markdown"][
        1:
    ]
    assert headings[0] == "## The answer" and headings[-1] == "## Appendix"
    assert [h[:5] for h in headings[1:-1]] == ["## 1.", "## 2.", "## 3.", "## 4.", "## 5."]
    code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "cx.runner" not in code and "cx.record(" in code
    assert code.count(".plot(") == 1  # at most one chart in the answer


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_runs_on_tiny_workspace(tiny_workspace, run_notebook):
    """The tiny workspace covers Jul-Oct 2026: compare October with September."""
    nb = run_notebook(
        "04_nps",
        tiny_workspace,
        {"period": "latest_month", "segment": "region", "comment_language": "zh"},
    )
    assert "Detractors to call back" in json.dumps(nb)
