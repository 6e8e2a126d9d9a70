"""Notebook 02: thin, parameterised, committed without outputs, and runs end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notebook_support import notebook_cells

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "02_interventions.ipynb"


def test_notebook_parameters_and_order():
    """experiment_id (default: the most recent); the verdict first, then diagnostics, then detail."""
    cells = notebook_cells("02_interventions")
    assert 'experiment_id: str = ""' in "".join(cells[1]["source"])
    every = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert 2 <= every.count("cx.runner.record(") <= 4
    assert (
        every.index("cx.viz.headline")
        < every.index("diagnostics_table")
        < every.index("report.main")
    )


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("experiment_id", ["", "EXP-AB-ROUTING", "EXP-PILOT-SPECIALIST"])
def test_notebook_runs_on_tiny_workspace(tiny_workspace, tmp_path, run_notebook, experiment_id):
    """The default (most recent: the single-region pilot), a randomised test and the staggered
    rollout, each end to end; the four headline numbers reach the run's metrics file."""
    metrics = tmp_path / "metrics.json"
    nb = run_notebook(
        "02_interventions",
        tiny_workspace,
        {"experiment_id": experiment_id},
        env={"CXLAB_METRICS_PATH": str(metrics)},
    )
    recorded = json.loads(metrics.read_text())
    assert set(recorded) == {"verdict", "effect", "ci_low", "ci_high"}
    assert recorded["verdict"]["value"] in ("ship", "do not ship", "not enough evidence yet")
    assert (
        recorded["ci_low"]["value"] <= recorded["effect"]["value"] <= recorded["ci_high"]["value"]
    )
    assert "application/vnd.plotly.v1+json" in json.dumps(nb)  # the effect-over-time chart survives
