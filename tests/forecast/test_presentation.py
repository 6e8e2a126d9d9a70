"""What a reader sees of a forecast: charts that break where queues are closed, the answer in
plain words in both languages, no identifier in reader text, accuracy never "met" by default."""

from __future__ import annotations

import datetime as dt
import re

import plotly.graph_objects as go
import polars as pl
import pytest

import cxlab as cx
from cxlab._present import use_language
from cxlab.forecast._words import band_polygon, with_gaps

IDENTIFIER = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
LATIN_WORD = re.compile(r"[A-Za-z]{4,}")


@pytest.fixture(scope="module")
def result(tiny_workspace):
    tz = cx.data.truth(tiny_workspace)["timezone"]
    queues = cx.load("queues", workspace=tiny_workspace).collect()
    events = cx.load("events", workspace=tiny_workspace).collect()
    series = cx.features.volume_series(
        cx.load("contacts", workspace=tiny_workspace), every="30m", hours=queues, time_zone=tz
    )
    return cx.forecast.refresh(
        series, events=events, hierarchy=queues, origins=2, horizon_days=7, executor="serial"
    )


def _night_breaks(trace) -> int:
    """How many times a trace's line is broken by a None between two days."""
    return sum(1 for y in trace.y if y is None)


def test_gaps_split_lines_at_closures():
    t0 = dt.datetime(2026, 11, 2, 20, 0)
    ts = [t0, t0 + dt.timedelta(minutes=30), t0 + dt.timedelta(hours=12)]
    x, y = with_gaps(ts, [1.0, 2.0, 3.0])
    assert y == [1.0, 2.0, None, 3.0] and x[2] == t0 + dt.timedelta(hours=1)
    xs, _ys = band_polygon(ts, [0.0, 1.0, 2.0], [2.0, 3.0, 4.0])
    assert xs.count(None) == 1  # two outlines, never one bridging the night


def test_forecast_line_breaks_across_closed_hours(result):
    """No diagonal from 21:30 to 08:00: the forecast and the actuals break once per closed night."""
    fig = result.plot()
    assert isinstance(fig, go.Figure)
    days = result.frame.filter(pl.col("series_id") == "total")["ts"].dt.date().n_unique()
    lines = {t.name: t for t in fig.data if t.mode == "lines" and t.fill is None}
    assert _night_breaks(lines["Forecast"]) == days - 1
    assert _night_breaks(lines["Actual"]) >= 1
    bands = [t for t in fig.data if t.fill == "toself"]
    assert {t.name for t in bands} == {"80% range", "95% range"}
    assert all(list(t.x).count(None) == days - 1 for t in bands)
    assert fig.layout.xaxis.rangebreaks  # the closed hours are folded out of the axis
    # one colour per channel across the report
    channels = result.plot_channels()
    colors = {t.line.color for t in channels.data if t.name == "Forecast"}
    assert cx.viz.color_for("phone") in colors


def test_accuracy_is_not_met_against_the_naive_error(result):
    cards = {c.key: c for c in result.headline()}
    error = cards["forecast_error"]
    assert error.status is None and error.target is None
    assert "repeating last week" in error.detail


def test_components_view(result):
    comp = result.components()
    assert comp.weekly().height == 7
    assert comp.profiles["expected"].sum() == pytest.approx(comp.weekly()["expected"].sum())
    assert isinstance(comp.plot(), go.Figure)
    assert any("busiest day" in f for f in comp.findings())


def test_reader_text_has_no_identifiers(result):
    text = " ".join(
        result.findings()
        + result.methods()
        + result.backtest.findings()
        + result.components().findings()
        + [c.label + " " + (c.detail or "") for c in result.headline()]
        + [result.plot().layout.title.text, result.backtest.plot().layout.title.text]
    )
    assert not IDENTIFIER.findall(text), IDENTIFIER.findall(text)
    html = result.backtest._repr_html_()
    assert "daily_profile" not in html and "seasonal_naive_week" not in html


def test_chinese_findings_are_chinese(result):
    with use_language("zh"):
        sentences = (
            result.findings()
            + result.methods()
            + result.components().findings()
            + [c.value_text() + (c.detail or "") for c in result.headline()]
        )
        title = result.plot().layout.title.text
    for s in [*sentences, title]:
        assert not LATIN_WORD.findall(s.replace("WAPE", "").replace("MASE", "")), s
