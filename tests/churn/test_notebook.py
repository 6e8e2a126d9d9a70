"""Notebook 03: thin, parameterised, committed without outputs, and runs end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notebook_support import notebook_cells

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "03_churn_drivers.ipynb"


def test_notebook_parameters_and_order():
    """as_of, horizon and segment; the answer (headline) comes before any curve or model."""
    cells = notebook_cells("03_churn_drivers")
    source = "".join(cells[1]["source"])
    assert all(n in source for n in ("as_of: str", "horizon_days: int", "segment: str"))
    every = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert every.count("cx.runner.record(") >= 2
    assert every.index("cx.viz.headline") < every.index("cx.churn.kaplan_meier(\n        cx.churn")


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_runs_on_tiny_workspace(tiny_workspace, tmp_path, run_notebook):
    """The tiny workspace covers Jul-Oct 2026: a 30-day horizon, a landmark on 1 August and a
    30-day split fit inside it. The analyst export goes to a scratch folder, never the report."""
    export = tmp_path / "export"
    params = {
        "horizon_days": 30,
        "landmark": "2026-08-01",
        "split_days": 30,
        "export_dir": str(export),
    }
    text = json.dumps(run_notebook("03_churn_drivers", tiny_workspace, params))
    assert "Churn explained by service experience" in text
    listed = next(export.glob("at_risk_*.csv")).read_text().splitlines()
    ids = [line.split(",")[0] for line in listed[1:6]]
    assert all(i not in text for i in ids)  # full ids only in the analyst file
