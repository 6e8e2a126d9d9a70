"""Notebook 02: thin, parameterised, committed without outputs, and runs end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cxlab as cx
from notebook_support import notebook_cells

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "02_interventions.ipynb"


def test_notebook_parameters_and_order():
    """experiment_id (default: the most recent); the verdict first, then diagnostics, then detail."""
    cells = notebook_cells("02_interventions")
    assert 'experiment_id: str = ""' in "".join(cells[1]["source"])
    every = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "cx.runner" not in every
    assert "cx.record(*portfolio.headline())" in every  # every registered intervention
    markdown = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    headings = [m.split("\n")[0] for m in markdown if m.startswith("## ")]
    assert headings[0] == "## The answer" and headings[-1] == "## Appendix"
    assert all(h.startswith(f"## {i}. ") for i, h in enumerate(headings[1:-1], start=1))
    appendix = every.index("report.details()")
    assert every.index("cx.viz.headline") < every.index("checks_table") < appendix


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("experiment_id", ["", "EXP-AB-ROUTING", "EXP-PILOT-SPECIALIST"])
def test_notebook_runs_on_tiny_workspace(tiny_workspace, tmp_path, run_notebook, experiment_id):
    """The default (most recent: the single-region pilot), a randomised test and the staggered
    rollout, each end to end; the report's four cards reach the run's metrics file (not the
    index), and one card per registered intervention reaches the index."""
    metrics = tmp_path / "metrics.json"
    nb = run_notebook(
        "02_interventions",
        tiny_workspace,
        {"experiment_id": experiment_id},
        env={"CXLAB_METRICS_PATH": str(metrics)},
    )
    recorded = json.loads(metrics.read_text())
    ids = cx.experiments.registry(workspace=tiny_workspace)["experiment_id"].to_list()
    report = {"verdict", "effect", "checks", "guardrails"}
    assert set(recorded) == report | {f"experiment_{e}" for e in ids}
    assert not any(recorded[k]["headline"] for k in report)
    assert all(recorded[f"experiment_{e}"]["headline"] for e in ids)
    assert recorded["verdict"]["value"] in (
        "Roll out",
        "Likely effect: extend the pilot before rolling out",
        "Do not roll out",
        "Not enough evidence yet",
    )
    effect = recorded["effect"]
    assert effect["low"] <= effect["value"] <= effect["high"]
    assert "application/vnd.plotly.v1+json" in json.dumps(nb)  # the effect-over-time chart survives
