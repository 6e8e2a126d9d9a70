"""Closed weekdays inferred from the series: backtests count open days and score every target day,
and the first open day after a closure is forecast like a Monday (pent-up demand)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

import cxlab as cx
from cxlab.forecast import DailyProfile, SeasonalNaive

SLOTS = 8
MONDAY_TOTAL, OTHER_TOTAL = 400.0, 200.0


def _weekdays(first: dt.date, n_weeks: int, closed: set[dt.date]) -> pl.DataFrame:
    """A Monday-Friday centre whose Mondays get twice the calls, missing the ``closed`` days; each
    day after a closure gets a Monday's calls."""
    rows, prev_closed = [], False
    for i in range(7 * n_weeks):
        day = first + dt.timedelta(days=i)
        if day.weekday() >= 5:
            continue
        if day in closed:
            prev_closed = True
            continue
        total = MONDAY_TOTAL if day.weekday() == 0 or prev_closed else OTHER_TOTAL
        prev_closed = False
        for s in range(SLOTS):
            ts = dt.datetime.combine(day, dt.time(9)) + dt.timedelta(hours=s)
            rows.append(("q", ts, total / SLOTS))
    return pl.DataFrame(rows, schema=["series_id", "ts", "y"], orient="row")


CLOSED_MONDAY = dt.date(2026, 4, 6)  # the sixth Monday from 2 March


def test_the_day_after_a_closed_monday_is_scored_and_forecast_like_a_monday():
    """Six weeks from Monday 2 March, Monday 6 April closed: the day-ahead backtest over the last five
    open days (Friday 3, then Tuesday 7 to Friday 10 April) scores all five; before, the origin after
    Friday 3 April forecast the closed Monday, found no actuals and never scored the Tuesday."""
    series = _weekdays(dt.date(2026, 3, 2), 6, {CLOSED_MONDAY})
    bt = cx.forecast.backtest(series, [DailyProfile()], horizon="day", origins=5)
    assert bt.expected_days == 5 and bt.scored_days == 5 and bt.unscored.is_empty()
    ours = bt.frame.filter(pl.col("model") == "daily_profile")
    days = sorted(ours["ts"].dt.date().unique().to_list())
    assert days[:2] == [dt.date(2026, 4, 3), dt.date(2026, 4, 7)] and len(days) == 5
    tuesday = ours.filter(pl.col("ts").dt.date() == dt.date(2026, 4, 7))
    assert tuesday["y_hat"].sum() == pytest.approx(MONDAY_TOTAL, rel=0.02)
    assert tuesday["y"].sum() == pytest.approx(MONDAY_TOTAL)


def test_a_closure_known_ahead_is_skipped_and_the_next_day_lifted():
    """``closed=`` takes a future closure off the horizon (which counts open days) and the first open
    day after it gets a Monday's total; without a closure a Tuesday gets a Tuesday's total."""
    series = _weekdays(dt.date(2026, 3, 2), 6, set())  # ends Friday 10 April
    model = DailyProfile(calibration_windows=0).fit(series)
    plain = model.predict(horizon=2)
    assert sorted(plain["ts"].dt.date().unique().to_list()) == [
        dt.date(2026, 4, 13),
        dt.date(2026, 4, 14),
    ]
    shut = model.predict(horizon=2, closed=["2026-04-13"])
    per_day = shut.group_by(pl.col("ts").dt.date()).agg(pl.col("y_hat").sum()).sort("ts")
    assert per_day["ts"].to_list() == [dt.date(2026, 4, 14), dt.date(2026, 4, 15)]
    assert per_day["y_hat"].to_list() == pytest.approx([MONDAY_TOTAL, OTHER_TOTAL], rel=1e-6)
    tuesday = plain.filter(pl.col("ts").dt.date() == dt.date(2026, 4, 14))["y_hat"].sum()
    assert tuesday == pytest.approx(OTHER_TOTAL, rel=1e-6)
    with pytest.raises(cx.OptionError, match="closed="):
        model.predict(horizon=2, closed="2026-04-13")


def test_a_day_no_model_forecasts_is_reported_not_dropped():
    """A one-off Saturday with calls is a target day the models' calendars never open: the backtest
    warns and lists it in ``unscored`` instead of dropping it silently."""
    series = _weekdays(dt.date(2026, 3, 2), 6, set())
    saturday = dt.datetime(2026, 4, 11, 9)
    extra = pl.DataFrame({"series_id": ["q"], "ts": [saturday], "y": [5.0]}).with_columns(
        pl.col("ts").cast(series.schema["ts"])
    )
    series = pl.concat([series, extra])
    with pytest.warns(UserWarning, match="not forecast and are not scored"):
        bt = cx.forecast.backtest(series, [SeasonalNaive(season="day")], horizon="day", origins=2)
    assert bt.expected_days == 2 and bt.scored_days == 1
    assert set(bt.unscored["day"].to_list()) == {saturday.date()}
    assert any("not forecast" in line and ": 1." in line for line in bt.findings())
    assert np.isfinite(bt.overall()["rmse"].to_numpy()).all()
