"""Notebook 01: thin, parameterised, committed without outputs, and runs end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "01_volume_forecast.ipynb"
PARAMETERS = (
    "queues: list | None",
    "interval: int",
    "horizon_days: int",
    "sl_target: float | None",
    "sl_seconds: float | None",
    "shrinkage: float",
    "max_occupancy: float",
)


def test_notebook_is_thin_and_clean():
    nb = json.loads(NOTEBOOK.read_text())
    assert nb["nbformat"] == 4
    cells = nb["cells"]
    assert cells[0]["cell_type"] == "markdown"
    params = cells[1]
    assert params["metadata"].get("tags") == ["parameters"]
    source = "".join(params["source"])
    for name in PARAMETERS:
        assert name in source
    code = [c for c in cells if c["cell_type"] == "code"]
    assert "".join(code[1]["source"]).strip() == "import cxlab as cx"
    for c in code:
        text = "".join(c["source"])
        assert c.get("outputs", []) == [] and c.get("execution_count") is None
        assert not any(k in text for k in ("def ", "class ", "for ", "while ", "import pandas"))
        assert "IPython" not in text
    everything = "".join("".join(c["source"]) for c in code)
    assert everything.count("cx.runner.record") >= 2
    assert "cx.viz.headline" in everything


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_runs_on_tiny_workspace(tiny_workspace, tmp_path):
    """Fifteen-minute intervals, three queues, five days, one service level for all."""
    out = tmp_path / "out.ipynb"
    env = {**os.environ, "CXLAB_WORKSPACE": str(tiny_workspace)}
    args = ["-p", "interval", "15", "-p", "horizon_days", "5", "-p", "sl_target", "0.85"]
    args += ["-y", "queues: [phone_orders, chat_orders, email_support]"]
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
    assert "Busiest interval" in text and "Staffing backtest" in text
