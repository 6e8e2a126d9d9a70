"""Notebook 01: thin, parameterised, committed without outputs, and runs end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from notebook_support import notebook_cells

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


def test_notebook_parameters():
    """The planner's parameters (the shape rules of every notebook are in tests/test_notebooks.py)."""
    source = "".join(notebook_cells("01_volume_forecast")[1]["source"])
    assert all(name in source for name in PARAMETERS)


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_runs_on_tiny_workspace(tiny_workspace, run_notebook):
    """Fifteen-minute intervals, three queues, five days, one service level for all."""
    nb = run_notebook(
        "01_volume_forecast",
        tiny_workspace,
        {
            "interval": 15,
            "horizon_days": 5,
            "sl_target": 0.85,
            "queues": ["phone_orders", "chat_orders", "email_support"],
        },
    )
    text = json.dumps(nb)
    assert "Busiest quarter-hour" in text and "Quarter-hour needing the most agents" in text
    assert "Replayed against last week" in text and "Traceback" not in text
