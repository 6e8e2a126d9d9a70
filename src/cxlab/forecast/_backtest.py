"""Rolling-origin backtests as planners use them: day-ahead and week-ahead, against seasonal naive."""

from __future__ import annotations

import copy
import datetime as dt
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._executor import Shared, check_executor, fan_out
from cxlab.forecast._base import Forecaster
from cxlab.forecast._checks import check_horizon, check_levels, check_series
from cxlab.forecast._metrics import accuracy, naive_scale
from cxlab.forecast._models import SeasonalNaive
from cxlab.forecast._panel import to_panels
from cxlab.forecast._results import BacktestResult

Horizon = Literal["day", "week"]
PROCESS_MIN_SERIES = 16


def backtest(
    series: pl.DataFrame,
    models: Sequence[Forecaster] | None = None,
    *,
    horizon: Horizon | int = "week",
    origins: int = 4,
    level: Sequence[int] = (80, 95),
    executor: Any = None,
) -> BacktestResult:
    """Refit every model at rolling origins and score its forecasts of the following days.

    Parameters
    ----------
    series
        Long ``series_id, ts, y`` (one or many series).
    models
        Forecasters to compare; the weekly seasonal naive is always added as the baseline.
    horizon
        Open days ahead each origin forecasts: ``"day"`` (1, day-ahead: the next day the centre
        opens, from everything up to the evening before), ``"week"`` (7, the next seven open days)
        or a number of days. Days count as a planner counts them: the days with data (open days),
        so a closed day (a bank holiday, a weekday with no data) is skipped, never forecast, and
        the first open day after it is forecast knowing the closure, as a planner knows it the
        evening before.
    origins
        How many origins, one horizon of open days apart, ending at the last day of the series.
    level
        Band levels in percent, like statsforecast.
    executor
        Where the fits run, one task per series and origin: ``None`` (the Dask cluster of
        ``CXLAB_DASK_ADDRESS`` if set, else local processes from 16 series on a machine with
        more than two cores, else this process), ``"serial"``, ``"processes"``, ``"dask"``, a
        ``distributed.Client`` or an executor with ``submit`` (see :mod:`cxlab._executor`).
        Every executor gives the same frames.

    Returns
    -------
    BacktestResult
        ``frame`` (``series_id, ts, cutoff, model, y, y_hat`` and bands), ``accuracy`` (MASE, WAPE,
        RMSE and interval coverage per series and model), ``expected_days`` (the series x target
        days with actuals) and ``unscored`` (any of them a model did not forecast: a warning
        says so; empty when every target day is scored).

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
    executor = check_executor(executor)
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
            f"backtest: {len(days)} open days of history{cover}; {h * origins + 14} needed for "
            f"{origins} origins of {h} open day(s) after two weeks of training (fewer origins= or a "
            "shorter horizon= need less)."
        )
    # origins and horizons count open days (the days with data), not calendar days
    starts = [len(days) - k * h for k in range(origins, 0, -1)]
    series_days = {
        sid: set(ds)
        for sid, ds in series.select("series_id", day.alias("d"))
        .unique()
        .group_by("series_id")
        .agg("d")
        .iter_rows()
    }
    # one task per series and origin (each model fits each series on its own, so a series'
    # forecasts are the same fitted alone or with others); each series is shipped once
    own_rows = {
        sid: Shared(part)
        for (sid,), part in series.partition_by(
            "series_id", as_dict=True, maintain_order=True
        ).items()
    }
    plan, tasks, names, expected = [], [], [], []
    for i in starts:
        c = days[i].astype(dt.date)
        targets = days[i : i + h]
        actual = series.filter(day.is_in([d.astype(dt.date) for d in targets]))
        groups: dict[tuple, list[str]] = {}
        for sid, own in series_days.items():
            target = [d for d in targets.tolist() if d in own]
            if not target or not any(d < targets[0].astype(dt.date) for d in own):
                continue
            last_seen = max(d for d in own if d < targets[0].astype(dt.date))
            span = np.arange(np.datetime64(last_seen, "D") + 1, np.datetime64(target[-1], "D"))
            closed = tuple(d for d in span.tolist() if d not in own)
            groups.setdefault((len(target), closed), []).append(sid)
            expected += [(sid, c, d) for d in target]
        plan.append((c, actual, groups))
        for (n_target, closed), sids in groups.items():
            for sid in sorted(sids):  # the order a fit on several series forecasts them in
                tasks.append((own_rows[sid], c, candidates, h, n_target, tuple(level), closed))
                names.append(f"series {sid!r}, origin {c}")
    results = iter(
        fan_out(
            _origin,
            tasks,
            executor=executor,
            names=names,
            processes_from=PROCESS_MIN_SERIES * origins,
        )
    )
    frames = []
    for c, actual, groups in plan:
        for sids in groups.values():
            fitted = [next(results) for _ in sids]
            for k in range(len(candidates)):
                fc = pl.concat([one[k] for one in fitted])
                joined = fc.join(
                    actual.select("series_id", "ts", "y"), on=["series_id", "ts"], how="inner"
                )
                frames.append(joined.with_columns(pl.lit(c).alias("cutoff")))
    frame = pl.concat(frames, how="diagonal_relaxed")
    unscored = _unscored(frame, expected, [m.name for m in candidates])
    if not unscored.is_empty():
        few = ", ".join(
            f"{r['series_id']} {r['day']} ({r['model']})" for r in unscored.head(3).to_dicts()
        )
        warnings.warn(
            f"backtest: {unscored.height} target day(s) with actuals were not forecast and are "
            f"not scored, e.g. {few}; see BacktestResult.unscored.",
            UserWarning,
            stacklevel=2,
        )
    first = days[starts[0]].astype(dt.date)
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
        expected_days=len({(s, d) for s, _, d in expected}),
        unscored=unscored,
    )


def _origin(
    rows: pl.DataFrame,
    cutoff: dt.date,
    candidates: list[Forecaster],
    h: int,
    n_target: int,
    level: tuple[int, ...],
    closed: tuple,
) -> list[pl.DataFrame]:
    """One series at one origin: each model fitted on the days before ``cutoff`` and its
    forecast of the next ``n_target`` open days (runs in a worker)."""
    train = rows.filter(pl.col("ts").dt.date() < cutoff)
    out = []
    for model in candidates:
        m = copy.deepcopy(model)
        m.horizon = h
        out.append(m.fit(train).predict(horizon=n_target, level=level, closed=list(closed)))
    return out


def _unscored(frame: pl.DataFrame, expected: list[tuple], models: list[str]) -> pl.DataFrame:
    """The (series, cutoff, day, model) with actuals that no forecast of the model covered."""
    schema = {"series_id": pl.Utf8, "cutoff": pl.Date, "day": pl.Date}
    want = pl.DataFrame(expected, schema=schema, orient="row").join(
        pl.DataFrame({"model": models}), how="cross"
    )
    got = frame.select("series_id", "cutoff", pl.col("ts").dt.date().alias("day"), "model").unique()
    return want.join(got, on=["series_id", "cutoff", "day", "model"], how="anti").sort(
        ["series_id", "day", "model"]
    )
