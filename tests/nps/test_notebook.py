"""Notebook 04: thin, parameterised, committed without outputs, and runs end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notebook_support import notebook_cells

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "04_nps.ipynb"


def test_notebook_parameters():
    """period, compare_to, segment and the comments' language."""
    source = "".join(notebook_cells("04_nps")[1]["source"])
    assert all(
        n in source for n in ("period: str", "compare_to: str", "segment: str", "language: str")
    )


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_runs_on_tiny_workspace(tiny_workspace, run_notebook):
    """The tiny workspace covers Jul-Oct 2026: compare October with September."""
    nb = run_notebook(
        "04_nps", tiny_workspace, {"period": "latest_month", "segment": "region", "language": "zh"}
    )
    assert "Detractor follow-up" in json.dumps(nb)
