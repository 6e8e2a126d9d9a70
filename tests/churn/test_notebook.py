"""Notebook 03: thin, parameterised, committed without outputs, and runs end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "03_churn_drivers.ipynb"


def test_notebook_is_thin_and_clean():
    nb = json.loads(NOTEBOOK.read_text())
    cells = nb["cells"]
    assert nb["nbformat"] == 4 and cells[0]["cell_type"] == "markdown"
    params = cells[1]
    assert params["metadata"].get("tags") == ["parameters"]
    source = "".join(params["source"])
    for name in ("as_of: str", "horizon_days: int", "segment: str"):
        assert name in source
    code = [c for c in cells if c["cell_type"] == "code"]
    assert "".join(code[1]["source"]).strip() == "import cxlab as cx"
    for c in code:
        text = "".join(c["source"])
        assert c.get("outputs", []) == [] and c.get("execution_count") is None
        assert not any(k in text for k in ("def ", "class ", "while ", "import pandas", "IPython"))
    every = "".join("".join(c["source"]) for c in code)
    assert every.count("cx.runner.record(") >= 2
    # the answer comes first: headline and findings before any curve or model
    assert every.index("cx.viz.headline") < every.index("cx.churn.kaplan_meier(\n        cx.churn")


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_runs_on_tiny_workspace(tiny_workspace, tmp_path):
    """The tiny workspace covers Jul-Oct 2026: a 30-day horizon, a landmark on 1 August and a
    30-day split fit inside it. The analyst export goes to a scratch folder, never the report."""
    out = tmp_path / "out.ipynb"
    export = tmp_path / "export"
    env = {**os.environ, "CXLAB_WORKSPACE": str(tiny_workspace)}
    params = {
        "horizon_days": "30",
        "landmark": "2026-08-01",
        "split_days": "30",
        "export_dir": str(export),
    }
    args = [a for k, v in params.items() for a in ("-p", k, v)]
    subprocess.run(
        [sys.executable, "-m", "papermill", str(NOTEBOOK), str(out), *args],
        cwd=tiny_workspace,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    nb = json.loads(out.read_text())
    errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors
    text = json.dumps(nb)
    assert "Churn explained by service experience" in text
    listed = next(export.glob("at_risk_*.csv")).read_text().splitlines()
    ids = [line.split(",")[0] for line in listed[1:6]]
    assert all(i not in text for i in ids)  # full ids only in the analyst file
