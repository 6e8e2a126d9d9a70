"""Golden: five-minute call arrivals to a North American bank (fpp2 ``calls``, Weinberg, Brown &
Stroud 2007), on the split of De Livera, Hyndman & Snyder (2011, JASA 106(496), section 5.3): train on
the first 7,605 observations (45 weekdays), forecast the next 2,535 (15 weekdays) in one go."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import cxlab as cx
from cxlab.forecast import MSTL, DailyProfile, SeasonalNaive
from cxlab.forecast._metrics import rmse

pytestmark = pytest.mark.golden

TRAIN, TEST = 7605, 2535


@pytest.fixture(scope="module")
def split():
    calls = cx.data.bank_calls()
    assert calls.height == 27_716  # 164 weekdays x 169 intervals (fpp2 documentation)
    return calls.head(TRAIN), calls.slice(TRAIN, TEST)


def _score(model, train, test):
    f = model.forecast(train, horizon=TEST // 169)  # 15 weekdays of 169 intervals
    assert f["ts"].equals(test["ts"])  # the forecast lands on the test intervals, in order
    y, y_hat = test["y"].to_numpy(), f["y_hat"].to_numpy()
    return rmse(y, y_hat), float(np.mean(np.abs(y - y_hat))), f


def test_weekly_seasonal_naive_reproduces_the_split(split):
    """Weekly seasonal naive (the value 5 x 169 intervals earlier) on this split: RMSE 24.14 and
    MAE 18.53, as measured for the issue with R's ``forecast::snaive(calls_train, 845)``; matching
    to 0.01 validates the split and the alignment of the series."""
    rmse_, mae, _ = _score(SeasonalNaive(season="week"), *split)
    assert rmse_ == pytest.approx(24.14, abs=0.01)
    assert mae == pytest.approx(18.53, abs=0.01)


def test_daily_profile_beats_every_peer(split):
    """cxlab's workforce method must reach RMSE <= 19.0 (the issue's bar), below the peers measured
    on the same split: weekly seasonal naive 24.14, Prophet 22.6 (defaults) and 21.0 (richer
    seasonality), statsforecast MSTL+ETS 25.5, R ``forecast::tbats`` 27.0. A Poisson process with
    the true rates would score about 13.5 (sqrt of the mean count), so nothing can get near 0.
    Measured here: 18.10."""
    rmse_, _, f = _score(DailyProfile(), *split)
    assert rmse_ <= 19.0
    assert rmse_ > 13.5
    # the intervals are calibrated on the training weeks only; on this shifted test period they
    # should still be roughly right (measured: 87% and 99%; the weekly pattern changes in April)
    y = split[1]["y"].to_numpy()
    inside80 = np.mean((y >= f["y_lo_80"].to_numpy()) & (y <= f["y_hi_80"].to_numpy()))
    assert 0.75 <= inside80 <= 0.92


def test_day_ahead_rolling_version(split):
    """Day-ahead rolling origin over the same 15 test days (refit each morning on everything
    before): measured RMSE 18.3 for DailyProfile. The day-ahead weekly seasonal naive is the value
    845 intervals earlier for every test interval (computed here directly from the array: 23.18;
    it differs from the one-shot 24.14, which repeats the last training week)."""
    train, test = split
    series = pl.concat([train, test])
    bt = cx.forecast.backtest(series, [DailyProfile()], horizon="day", origins=15)
    overall = bt.overall()
    ours = overall.filter(pl.col("model") == "daily_profile")["rmse"][0]
    naive = overall.filter(pl.col("model") == "seasonal_naive_week")["rmse"][0]
    y = series["y"].to_numpy()
    assert naive == pytest.approx(
        rmse(y[TRAIN : TRAIN + TEST], y[TRAIN - 845 : TRAIN + TEST - 845])
    )
    assert ours < naive
    assert ours <= 19.0
    assert bt.frame.filter(pl.col("model") == "daily_profile").height == TEST


@pytest.mark.slow
def test_mstl_matches_statsforecast_on_the_split(split):
    """statsforecast MSTL (seasons 169 and 845) with an AutoETS trend scored RMSE 25.5 on this split
    when run directly (the issue's measurement); the wrapper must reproduce it within 0.2."""
    rmse_, _, _ = _score(MSTL(calibration_windows=0), *split)
    assert rmse_ == pytest.approx(25.5, abs=0.2)
