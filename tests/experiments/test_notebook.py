"""Notebook 02: thin, parameterised, committed without outputs, and runs end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "02_interventions.ipynb"


def test_notebook_is_thin_and_clean():
    nb = json.loads(NOTEBOOK.read_text())
    cells = nb["cells"]
    assert nb["nbformat"] == 4 and cells[0]["cell_type"] == "markdown"
    params = cells[1]
    assert params["metadata"].get("tags") == ["parameters"]
    assert 'experiment_id: str = ""' in "".join(params["source"])
    code = [c for c in cells if c["cell_type"] == "code"]
    assert "".join(code[1]["source"]).strip() == "import cxlab as cx"
    for c in code:
        text = "".join(c["source"])
        assert c.get("outputs", []) == [] and c.get("execution_count") is None
        assert not any(
            k in text for k in ("def ", "class ", "for ", "while ", "IPython", "import pandas")
        )
    every = "".join("".join(c["source"]) for c in code)
    assert 2 <= every.count("cx.runner.record(") <= 4
    # the verdict comes first, then diagnostics, then the detail
    assert (
        every.index("cx.viz.headline")
        < every.index("diagnostics_table")
        < every.index("report.main")
    )


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("experiment_id", ["", "EXP-AB-ROUTING", "EXP-PILOT-SPECIALIST"])
def test_notebook_runs_on_tiny_workspace(tiny_workspace, tmp_path, experiment_id):
    """The default (most recent: the single-region pilot), a randomised test and the staggered
    rollout, each end to end; the four headline numbers reach the run's metrics file."""
    out = tmp_path / "out.ipynb"
    metrics = tmp_path / "metrics.json"
    env = {**os.environ, "CXLAB_WORKSPACE": str(tiny_workspace), "CXLAB_METRICS_PATH": str(metrics)}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(NOTEBOOK),
            str(out),
            "-p",
            "experiment_id",
            experiment_id,
        ],
        cwd=tiny_workspace,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    nb = json.loads(out.read_text())
    errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors
    recorded = json.loads(metrics.read_text())
    assert set(recorded) == {"verdict", "effect", "ci_low", "ci_high"}
    assert recorded["verdict"]["value"] in ("ship", "do not ship", "not enough evidence yet")
    assert (
        recorded["ci_low"]["value"] <= recorded["effect"]["value"] <= recorded["ci_high"]["value"]
    )
    text = json.dumps(nb)
    assert "application/vnd.plotly.v1+json" in text  # the effect-over-time chart survives
