"""Rolling-origin backtests as planners use them: day-ahead and week-ahead, against seasonal naive."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from typing import Literal

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError
from cxlab.forecast._base import Forecaster
from cxlab.forecast._checks import check_horizon, check_levels, check_series
from cxlab.forecast._metrics import accuracy, naive_scale
from cxlab.forecast._models import SeasonalNaive
from cxlab.forecast._panel import to_panels
from cxlab.forecast._results import BacktestResult

Horizon = Literal["day", "week"]


def backtest(
    series: pl.DataFrame,
    models: Sequence[Forecaster] | None = None,
    *,
    horizon: Horizon | int = "week",
    origins: int = 4,
    level: Sequence[int] = (80, 95),
) -> BacktestResult:
    """Refit every model at rolling origins and score its forecasts of the following days.

    Parameters
    ----------
    series
        Long ``series_id, ts, y`` (one or many series).
    models
        Forecasters to compare; the weekly seasonal naive is always added as the baseline.
    horizon
        Days ahead each origin forecasts: ``"day"`` (1, day-ahead: tomorrow from everything up to
        today), ``"week"`` (7, the next seven days) or a number of days.
    origins
        How many origins, one horizon apart, ending at the last day of the series.
    level
        Band levels in percent, like statsforecast.

    Returns
    -------
    BacktestResult
        ``frame`` (``series_id, ts, cutoff, model, y, y_hat`` and bands) and ``accuracy`` (MASE, WAPE,
        RMSE and interval coverage per series and model).

    Examples
    --------
    >>> import cxlab as cx
    >>> series = cx.data.bank_calls()
    >>> result = cx.forecast.backtest(series, [cx.forecast.DailyProfile()], horizon="day", origins=5)
    >>> sorted(result.accuracy["model"].unique())
    ['daily_profile', 'seasonal_naive_week']

    References
    ----------
    Tashman (2000), Out-of-sample tests of forecasting accuracy, IJF 16(4).
    """
    h = check_horizon(horizon, words=True)
    level = check_levels(level)
    series = check_series(series, "backtest")
    if isinstance(origins, bool) or not isinstance(origins, int) or origins < 1:
        raise OptionError(f"origins={origins!r} is not a number of origins; give 1 or more (4).")
    candidates = list(models or [])
    if not any(isinstance(m, SeasonalNaive) and m.season == "week" for m in candidates):
        candidates.append(SeasonalNaive(season="week"))
    day = pl.col("ts").dt.date()
    days = np.sort(series.select(day.unique()).to_series().to_numpy().astype("datetime64[D]"))
    if len(days) < h * origins + 14:
        cover = f", {days[0]} to {days[-1]}" if len(days) else ""
        raise NotEnoughDataError(
            f"backtest: {len(days)} days of history{cover}; {h * origins + 14} needed for "
            f"{origins} origins of {h} day(s) after two weeks of training (fewer origins= or a "
            "shorter horizon= need less)."
        )
    cutoffs = [days[len(days) - k * h] for k in range(origins, 0, -1)]
    frames = []
    for cutoff in cutoffs:
        c = cutoff.astype(dt.date)
        train = series.filter(day < c)
        actual = series.filter((day >= c) & (day < c + dt.timedelta(days=h)))
        for model in candidates:
            m = copy.deepcopy(model)
            m.horizon = h
            fc = m.fit(train).predict(horizon=h, level=level)
            joined = fc.join(
                actual.select("series_id", "ts", "y"), on=["series_id", "ts"], how="inner"
            )
            frames.append(joined.with_columns(pl.lit(c).alias("cutoff")))
    frame = pl.concat(frames, how="diagonal_relaxed")
    first = cutoffs[0].astype(dt.date)
    scales = {
        p.series_id: naive_scale(p.values, p.weekdays)
        for p in to_panels(series.filter(day < first))
    }
    cols = ["series_id", "ts", "cutoff", "model", "y", "y_hat"]
    frame = frame.select(*cols, *[c for c in frame.columns if c.startswith(("y_lo", "y_hi"))])
    return BacktestResult(
        frame=frame.sort(["series_id", "model", "ts"]),
        accuracy=accuracy(frame, scales, level=level),
        horizon=h,
        origins=origins,
        levels=tuple(level),
    )
