"""Planted truth of the default synthetic workspace (seed 7): calendar effects, weekday factors and
intraday peaks are recovered inside the model's own intervals, and the backtest's prediction
intervals cover at their nominal rate (within 3 points)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

import cxlab as cx
from cxlab.forecast import DailyProfile

# phone and chat queues: no arrivals when closed, so the day totals are exactly the planted rates
CLEAN = ["phone_orders", "phone_billing", "phone_tech", "chat_orders", "chat_support"]


@pytest.fixture(scope="module")
def world(default_workspace):
    truth = cx.data.truth(default_workspace)
    tz = truth["time_zone"]
    contacts = cx.load("contacts", workspace=default_workspace)
    queues = cx.load("queues", workspace=default_workspace).collect()
    events = cx.load("events", workspace=default_workspace).collect()
    series = cx.features.volume_series(contacts, every="30m", hours=queues, time_zone=tz)
    return truth, series, events


@pytest.fixture(scope="module")
def fitted(world):
    _, series, events = world
    clean = series.filter(pl.col("series_id").is_in(CLEAN))
    return DailyProfile(events=events, month_end=True, calibration_windows=0).fit(clean)


def test_calendar_and_event_effects_are_recovered(world, fitted):
    """Each planted multiplier (truth.json ``arrivals``: holiday 0.45, day after 1.25, month-end
    1.12, each event's ``lift``, weekday factors relative to Monday) should fall inside
    the 95% quasi-Poisson CI of its queue's estimate. With about 50 independent checks at 95%, a
    couple of misses are expected (binomial mean 2.5); we require at least 90% to cover. The 6-hour
    outage (lift 3.0 on part of a day) checks the exact partial-day form 1 + (L - 1) c."""
    truth = world[0]["arrivals"]
    table = fitted.effects_table()
    expected: list[tuple[str, str, float]] = []
    weekday = truth["weekday_factors_monday_first"]
    for q in CLEAN:
        expected += [
            (q, "holiday", truth["holiday_factor"]),
            (q, "post_holiday", truth["post_holiday_lift"]),
        ]
        expected.append((q, "month_end", truth["month_end_lift"]))
        expected += [(q, f"weekday_{k}", weekday[k] / weekday[0]) for k in range(1, 7)]
    for e in truth["events"]:
        expected += [(q, e["kind"], e["lift"]) for q in e["queues"] if q in CLEAN]
    hits = []
    for q, term, value in expected:
        row = table.filter((pl.col("series_id") == q) & (pl.col("term") == term))
        assert row.height == 1, (q, term)
        hits.append(row["ci_low"][0] <= value <= row["ci_high"][0])
        # and never far off: within 20% of the planted multiplier (the outage, six hours on
        # two queues, is the least precise: 95% CIs about +-20%)
        assert row["estimate"][0] == pytest.approx(value, rel=0.2), (q, term)
    assert len(expected) >= 45
    assert np.mean(hits) >= 0.90, [e for e, h in zip(expected, hits, strict=True) if not h]


def test_intraday_peaks_are_where_they_were_planted(world, fitted):
    """truth.json ``intraday_peaks_local_hours``: [10, 11] and [14, 16]. The fitted profile's
    busiest half-hour lies in one window and the afternoon maximum in the other."""
    peaks = world[0]["arrivals"]["intraday_peaks_local_hours"]
    panel = fitted._panels["phone_orders"]
    profile = fitted._states["phone_orders"].profile[2]  # a Wednesday
    hours = panel.slots / 60
    top = hours[np.argmax(profile)]
    assert any(lo <= top <= hi for lo, hi in peaks)
    afternoon = hours >= 13
    pm = hours[afternoon][np.argmax(profile[afternoon])]
    assert peaks[1][0] <= pm <= peaks[1][1]
    morning = hours < 13
    am = hours[morning][np.argmax(profile[morning])]
    assert peaks[0][0] - 0.5 <= am <= peaks[0][1]


def test_backtest_interval_coverage_is_nominal(world):
    """Week-ahead rolling origins (6 weeks, 7 queues, about 7,500 open intervals): the conformal
    80% and 95% bands should cover within 3 points of nominal (the requirement; measured
    78.8% and 94.1% over 8 origins)."""
    _, series, events = world
    bt = cx.forecast.backtest(
        series, [DailyProfile(events=events, month_end=True)], horizon="week", origins=6
    )
    ours = bt.overall().filter(pl.col("model") == "daily_profile").row(0, named=True)
    assert ours["n"] > 7000
    assert abs(ours["coverage_80"] - 0.80) <= 0.03
    assert abs(ours["coverage_95"] - 0.95) <= 0.03
    naive = bt.overall().filter(pl.col("model") == "seasonal_naive_week")["wape"][0]
    assert ours["wape"] < 0.8 * naive


def test_a_known_future_event_lifts_the_forecast(world):
    """A promotion entered in the events table for next week multiplies the forecast of the queues
    it touches by the promotion effect learnt from the past (planted lift 1.9), and leaves the others."""
    _, series, events = world
    last = series["ts"].max()
    start = dt.datetime.combine(last.date() + dt.timedelta(days=3), dt.time(), last.tzinfo)
    promo = pl.DataFrame(
        {
            "event_id": ["P-next"],
            "name": ["Next sale"],
            "kind": ["promotion"],
            "start": [start.astimezone(dt.UTC)],
            "end": [(start + dt.timedelta(days=1)).astimezone(dt.UTC)],
            "queues": ["phone_orders"],
        }
    ).with_columns(pl.col("start", "end").dt.cast_time_unit("us"))
    part = series.filter(pl.col("series_id").is_in(["phone_orders", "phone_billing"]))
    base = DailyProfile(events=events, month_end=True, calibration_windows=0).forecast(
        part, horizon=7
    )
    lifted = DailyProfile(
        events=pl.concat([events, promo], how="diagonal_relaxed"),
        month_end=True,
        calibration_windows=0,
    ).forecast(part, horizon=7)
    day = pl.col("ts").dt.date() == start.date()
    ratio = lifted.filter(day)["y_hat"] / base.filter(day)["y_hat"]
    sids = base.filter(day)["series_id"]
    assert ratio.filter(sids == "phone_orders").mean() == pytest.approx(1.9, rel=0.1)
    assert ratio.filter(sids == "phone_billing").mean() == pytest.approx(1.0)
