"""The one vocabulary in the forecast room: ``horizon`` (days ahead) everywhere, ``level`` only for
band percents, ``by`` for the hierarchy level. Old names keep working for one minor version with a
warning naming the new and give the same result; ordinary mistakes raise named cxlab errors."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import cxlab as cx
from cxlab.forecast import DailyProfile, SeasonalNaive


@pytest.fixture(scope="module")
def inputs(tiny_workspace):
    tz = cx.data.truth(tiny_workspace)["time_zone"]
    queues = cx.load("queues", workspace=tiny_workspace).collect()
    events = cx.load("events", workspace=tiny_workspace).collect()
    series = cx.features.volume_series(
        cx.load("contacts", workspace=tiny_workspace),
        every="1h",
        hours=queues,
        time_zone=tz,
        queues=["phone_orders", "chat_orders"],
    )
    return series, queues, events


@pytest.fixture(scope="module")
def result(inputs):
    series, queues, events = inputs
    return cx.forecast.refresh(
        series, events=events, hierarchy=queues, origins=2, horizon=5, executor="serial"
    )


def test_predict_forecasts_horizon_days(inputs):
    series, _, _ = inputs
    f = DailyProfile(horizon=3).fit(series).predict()
    days = f.group_by("series_id").agg(pl.col("ts").dt.date().n_unique())
    assert days["ts"].to_list() == [3, 3]
    # the horizon predicted may differ from the one the bands are calibrated for: same points
    other = DailyProfile(horizon=7).fit(series).predict(horizon=3)
    assert_frame_equal(
        other.select("series_id", "ts", "y_hat"), f.select("series_id", "ts", "y_hat"), rel_tol=1e-9
    )


def test_old_horizon_names_warn_and_give_the_same_result(inputs):
    series, _, _ = inputs
    new = DailyProfile(horizon=1).forecast(series, horizon=4)
    with pytest.warns(DeprecationWarning, match=r"horizon_days=.*use horizon="):
        model = DailyProfile(horizon_days=1)
    assert model.horizon == 1
    with pytest.warns(DeprecationWarning, match=r"predict\(days=\.\.\.\).*use horizon="):
        old = model.fit(series).predict(days=4)
    assert_frame_equal(old, new, rel_tol=1e-9)
    with pytest.warns(DeprecationWarning, match=r"forecast\(days=\.\.\.\).*use horizon="):
        assert_frame_equal(DailyProfile(horizon=1).forecast(series, days=4), new, rel_tol=1e-9)
    with pytest.warns(DeprecationWarning, match=r"horizon_days is deprecated; use horizon"):
        assert model.horizon_days == 1


def test_refresh_horizon_scores_what_it_forecasts(result, inputs):
    """One horizon: the forecast covers it, the backtest scores forecasts of that many days."""
    assert result.backtest.horizon == 5
    assert result.frame["ts"].dt.date().n_unique() == 5
    assert result.backtest.title == "5-day-ahead backtest from 2 past dates"
    series, queues, events = inputs
    with pytest.warns(DeprecationWarning, match=r"refresh\(horizon_days=\.\.\.\).*use horizon="):
        old = cx.forecast.refresh(
            series, events=events, hierarchy=queues, origins=2, horizon_days=5, executor="serial"
        )
    assert_frame_equal(old.frame, result.frame, rel_tol=1e-9)
    with pytest.warns(DeprecationWarning, match=r"backtest_horizon=.*use horizon="):
        week = cx.forecast.refresh(
            series, events=events, hierarchy=queues, origins=2, horizon=5,
            backtest_horizon="week", executor="serial",
        )  # fmt: skip
    assert week.backtest.horizon == 7 and week.frame["ts"].dt.date().n_unique() == 5


def test_hierarchy_level_is_by_and_the_old_name_warns(result):
    assert result.level_frame(by="channel")["series_id"].unique().sort().to_list() == [
        "chat",
        "phone",
    ]
    with pytest.warns(DeprecationWarning, match=r"level_frame\(level=\.\.\.\).*use by="):
        assert_frame_equal(
            result.level_frame(level="channel"), result.level_frame("channel"), rel_tol=1e-9
        )
    with pytest.warns(DeprecationWarning, match=r"daily_table\(level=\.\.\.\).*use by="):
        assert_frame_equal(
            result.daily_table(level="queue"), result.daily_table(by="queue"), rel_tol=1e-9
        )
    with pytest.warns(DeprecationWarning, match=r"busiest\(level=\.\.\.\).*use by="):
        assert_frame_equal(
            result.busiest(3, level="channel"), result.busiest(3, by="channel"), rel_tol=1e-9
        )
    assert result.every == "1h"


@pytest.mark.parametrize(
    ("horizon", "words"),
    [
        (-3, "horizon=-3 is not a horizon"),
        (0, "horizon=0"),
        (2.5, "horizon=2.5"),
        ("week", "'week'"),
    ],
)
def test_a_bad_horizon_names_the_parameter_and_the_accepted_forms(inputs, horizon, words):
    series, _, _ = inputs
    with pytest.raises(cx.OptionError, match=words) as err:
        cx.forecast.refresh(series, horizon=horizon, executor="serial")
    assert "whole number of days ahead" in str(err.value)
    with pytest.raises(cx.OptionError, match=words):
        DailyProfile(horizon=horizon)
    with pytest.raises(cx.OptionError, match="'day', 'week' or a whole number"):
        cx.forecast.backtest(series, horizon="month")


@pytest.mark.parametrize(
    ("level", "words"),
    [
        ((0.8, 0.95), r"looks like shares.*level=\(80, 95\)"),
        (0.95, r"looks like shares.*level=\(95\)"),
        ((80, 95.5), "whole percents between 1 and 99"),
        ("95", "not a set of band levels"),
        ((), "not a set of band levels"),
    ],
)
def test_band_levels_are_percents(inputs, level, words):
    series, _, _ = inputs
    model = SeasonalNaive().fit(series)
    with pytest.raises(cx.OptionError, match=words):
        model.predict(horizon=2, level=level)
    with pytest.raises(cx.OptionError, match=words):
        cx.forecast.refresh(series, level=level, executor="serial")
    assert model.predict(horizon=2, level=95.0).columns[-2:] == ["y_lo_95", "y_hi_95"]


def test_ordinary_mistakes_raise_named_errors(inputs, result):
    series, _, _ = inputs
    with pytest.raises(cx.NotEnoughDataError, match="needs a history; call fit"):
        DailyProfile().predict(horizon=3)
    with pytest.raises(cx.NotEnoughDataError, match="the frame is empty"):
        cx.forecast.refresh(series.clear(), executor="serial")
    with pytest.raises(cx.SchemaError, match=r"missing column\(s\) \['y'\]"):
        cx.forecast.refresh(series.rename({"y": "volume"}), executor="serial")
    with pytest.raises(cx.SchemaError, match=r"takes a polars DataFrame.*got DataFrame"):
        cx.forecast.refresh(pd.DataFrame({"a": [1]}), executor="serial")
    short = series.filter(pl.col("ts") < series["ts"].min() + pl.duration(days=20))
    with pytest.raises(
        cx.NotEnoughDataError, match=r"series '\w+': backtest: 20 open days of history, \d{4}-"
    ):
        cx.forecast.refresh(short, executor="serial")
    with pytest.raises(
        cx.OptionError, match=r"components\(series_id='phone_billing'\).*'phone_orders'"
    ):
        result.components("phone_billing")
    with pytest.raises(cx.OptionError, match=r"by='region'.*\['channel', 'queue', 'total'\]"):
        result.level_frame("region")
    with pytest.raises(cx.OptionError, match="origins=0"):
        cx.forecast.backtest(series, horizon="day", origins=0)
    with pytest.raises(cx.OptionError, match=r"both h .* and horizon="):
        SeasonalNaive().fit(series).predict(5, horizon=2)
