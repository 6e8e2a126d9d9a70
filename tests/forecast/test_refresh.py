"""The refresh: per-queue selection on the backtest, fan-out over processes, coherent levels."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import polars as pl
import pytest

import cxlab as cx


@pytest.fixture(scope="module")
def inputs(tiny_workspace):
    tz = cx.data.truth(tiny_workspace)["time_zone"]
    queues = cx.load("queues", workspace=tiny_workspace).collect()
    events = cx.load("events", workspace=tiny_workspace).collect()
    series = cx.features.volume_series(
        cx.load("contacts", workspace=tiny_workspace), every="60m", hours=queues, time_zone=tz
    )
    return series, queues, events


@pytest.fixture(scope="module")
def result(inputs):
    series, queues, events = inputs
    return cx.forecast.refresh(
        series, events=events, hierarchy=queues, origins=2, horizon=7, executor="serial"
    )


def test_queues_sum_to_channels_and_total(result, inputs):
    """Coherence: every channel forecast is the sum of its queues', the total the sum of all, in
    every interval and so in every day."""
    _, queues, _ = inputs
    mapping = dict(zip(queues["queue"], queues["channel"], strict=True))
    f = result.frame
    q = f.filter(pl.col("level") == "queue").with_columns(
        pl.col("series_id").replace_strict(mapping).alias("ch")
    )
    by_ch = q.group_by("ch", "ts").agg(pl.col("y_hat").sum().alias("sum"))
    ch = f.filter(pl.col("level") == "channel").join(
        by_ch, left_on=["series_id", "ts"], right_on=["ch", "ts"]
    )
    assert ch.height == f.filter(pl.col("level") == "channel").height
    assert (ch["y_hat"] - ch["sum"]).abs().max() < 1e-9
    tot = f.filter(pl.col("level") == "total")
    assert tot["y_hat"].sum() == pytest.approx(q["y_hat"].sum())
    daily = result.daily()
    assert daily.filter(pl.col("level") == "total")["y_hat"].sum() == pytest.approx(
        tot["y_hat"].sum()
    )
    # bands of the sums are their own (calibrated on summed backtest errors), still ordered
    assert (tot["y_lo_95"] <= tot["y_lo_80"]).all() and (tot["y_hi_80"] <= tot["y_hi_95"]).all()


def test_selection_is_the_backtest_best(result):
    best = result.backtest.best()
    assert result.choice == best
    chosen = (
        result.frame.filter(pl.col("level") == "queue")
        .group_by("series_id")
        .agg(pl.col("model").first())
    )
    assert dict(zip(chosen["series_id"], chosen["model"], strict=True)) == best


def test_an_executor_gives_the_same_answer(result, inputs):
    """Anything with submit()/result() can run the series (a process pool by default, a Dask client
    on a cluster); a thread pool stands in here to keep the test fast."""
    series, queues, events = inputs
    with ThreadPoolExecutor(max_workers=2) as pool:
        other = cx.forecast.refresh(
            series, events=events, hierarchy=queues, origins=2, horizon=7, executor=pool
        )
    assert other.frame.equals(result.frame)


def test_staffing_frames(result):
    """What a staffing plan takes: queue rows with the forecast columns; and a past week's forecast
    from the last backtest origin, for the staffing replay."""
    frame = result.level_frame("queue")
    assert frame.columns == [
        "series_id",
        "ts",
        "model",
        "y_hat",
        "y_lo_80",
        "y_hi_80",
        "y_lo_95",
        "y_hi_95",
    ]
    past = result.past_forecast()
    assert past.columns == frame.columns
    assert past["ts"].max() < frame["ts"].min()
    m = result.metrics()
    assert m["contacts"] == pytest.approx(
        result.frame.filter(pl.col("level") == "total")["y_hat"].sum()
    )
    assert 0 < m["wape"] < 1.5 and 0 <= m["coverage_80"] <= 1
    cards = result.headline()
    assert [c.key for c in cards] == [
        "contacts_forecast",
        "peak_interval_contacts",
        "forecast_error",
    ]
    # the error has no target: it is never shown as "met" against the naive model's error
    assert all(c.status is None for c in cards)
