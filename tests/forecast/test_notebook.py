"""Notebook 01 runs end to end on the tiny workspace and computes what its report claims: checked
on the headline cards the run recorded, not on the notebook's own source."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

import cxlab as cx

QUEUES = ["phone_orders", "chat_orders", "email_support"]


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_computes_forecast_plan_and_replay(tiny_workspace, run_notebook, tmp_path):
    """Fifteen-minute intervals, three queues, five days ahead, one service level for all: the
    recorded cards hold a forecast of about the recent volume over five days, a busiest
    quarter-hour inside its own range, an error of a sane size, and agents for the peak."""
    metrics = tmp_path / "metrics.json"
    nb = run_notebook(
        "01_volume_forecast",
        tiny_workspace,
        {"every": "15m", "horizon": 5, "sl_target": 0.85, "queues": QUEUES},
        env={"CXLAB_METRICS_PATH": str(metrics), "CXLAB_LANGUAGE": "en"},
    )
    assert "Traceback" not in json.dumps(nb)
    cards = json.loads(metrics.read_text())

    contacts = cx.load("contacts", workspace=tiny_workspace).filter(pl.col("queue").is_in(QUEUES))
    last = contacts.select(pl.col("arrived_at").max()).collect().item()
    recent = contacts.filter(pl.col("arrived_at") > last - dt.timedelta(days=14))
    per_day = recent.select(pl.len()).collect().item() / 14

    expected = cards["contacts_forecast"]
    first, end = (dt.date.fromisoformat(d) for d in expected["period"])
    assert (end - first).days == 5  # horizon=5 reached the forecast
    assert 0.6 * 5 * per_day < expected["value"] < 1.6 * 5 * per_day

    peak = cards["peak_interval_contacts"]
    assert peak["label"] == "Busiest quarter-hour"  # every="15m" reached the forecast
    assert 0 < peak["low"] <= peak["value"] <= peak["high"] < expected["value"]

    error = cards["forecast_error"]
    assert error["label"] == "Forecast error per quarter-hour" and 0.05 < error["value"] < 2.0

    agents = cards["peak_agents"]
    assert agents["label"] == "Quarter-hour needing the most agents"  # and reached the plan
    assert agents["unit"] == "agents" and 1 <= agents["value"] <= 3 * peak["high"]
