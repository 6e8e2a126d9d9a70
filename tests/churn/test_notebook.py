"""Notebook 03: thin, parameterised, committed without outputs, shaped as the answer, numbered
sections and an appendix, and runs end to end (also on the tiny workspace with its defaults)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from notebook_support import notebook_cells

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "03_churn_drivers.ipynb"


def _markdown() -> list[str]:
    return [
        "".join(c["source"])
        for c in notebook_cells("03_churn_drivers")
        if c["cell_type"] == "markdown"
    ]


def test_notebook_parameters_and_order():
    """as_of, horizon and segment; the answer (headline cards, recorded with cx.record, and the
    findings) comes before any curve; the statistical models sit after the appendix heading."""
    cells = notebook_cells("03_churn_drivers")
    source = "".join(cells[1]["source"])
    assert all(n in source for n in ("as_of: str", "horizon_days: int", "segment: str"))
    every = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "cx.runner.record" not in every and "cx.record(*cards)" in every
    assert every.index("cx.viz.headline") < every.index("cx.churn.key_findings")
    assert every.index("cx.churn.key_findings") < every.index('by="segment"')
    text = "\n".join(
        "".join(c["source"]) if c["cell_type"] == "markdown" else "<code>" + "".join(c["source"])
        for c in cells
    )
    appendix = text.index("## Appendix")
    for model in ("risk.model", "cx.churn.ph_check(", "split_at=", "cx.viz.show(monthly_cox)"):
        assert text.index(model) > appendix, f"{model} belongs in the appendix"


def test_report_structure_answer_sections_appendix():
    headings = [m for md in _markdown() for m in re.findall(r"^##? .+$", md, flags=re.M)]
    assert headings[0].startswith("# ") and headings[1] == "## The answer"
    numbered = [h for h in headings if re.match(r"## \d+\. ", h)]
    assert [h.split(".")[0] for h in numbered] == [f"## {i}" for i in range(1, len(numbered) + 1)]
    assert headings[-1] == "## Appendix"
    body = "\n".join(_markdown()).split("## Appendix")[0]
    for method in ("Kaplan", "Cox", "Schoenfeld", "logistic", "AUC", "log-rank"):
        assert method not in body, f"method name {method!r} in the body"


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
    listed = next(export.glob("at-risk-*.csv")).read_text().splitlines()
    ids = [line.split(",")[0] for line in listed[1:6]]
    assert all(i not in text for i in ids)  # full ids only in the analyst file


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_runs_on_tiny_workspace_with_its_defaults(tiny_workspace, tmp_path, run_notebook):
    """With the default parameters (a 91-day split after a landmark one month before the data
    end), the split falls beyond the follow-up: the notebook says so instead of failing (it used
    to stop with a lifelines ConvergenceError)."""
    nb = run_notebook("03_churn_drivers", tiny_workspace, {"export_dir": str(tmp_path / "x")})
    text = json.dumps(nb)
    assert "Not estimable here" in text and "from day 91 of follow-up" in text
