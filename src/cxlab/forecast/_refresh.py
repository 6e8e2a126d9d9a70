"""The daily refresh: per series, backtest the candidates, keep the best, forecast; then reconcile.

Series fan out over an executor (see :mod:`cxlab._executor`): local processes by default, the
Dask cluster of ``CXLAB_DASK_ADDRESS`` when it is set, or any executor given; the results are
gathered in series order, so every executor gives the same frames.
Queue forecasts are summed into channel and total forecasts (bottom-up), so every level agrees;
the bands of the sums are calibrated on the summed backtest errors of the chosen models.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import polars as pl

from cxlab._executor import check_executor, fan_out, sums_in_order
from cxlab._options import renamed, warn_renamed
from cxlab.forecast._backtest import backtest
from cxlab.forecast._base import Forecaster, _closed_dates, scale
from cxlab.forecast._checks import check_horizon, check_levels, check_series
from cxlab.forecast._components import model_components
from cxlab.forecast._events import check_events
from cxlab.forecast._models import DailyProfile, SeasonalNaive
from cxlab.forecast._panel import to_panels
from cxlab.forecast._results import BacktestResult, ForecastResult

Horizon = Literal["day", "week"]
PROCESS_MIN_SERIES = 16


@renamed(horizon_days="horizon")
def refresh(
    series: pl.DataFrame,
    models: Sequence[Forecaster] | None = None,
    *,
    horizon: int = 7,
    origins: int = 4,
    level: Sequence[int] = (80, 95),
    events: pl.DataFrame | pl.LazyFrame | None = None,
    hierarchy: pl.DataFrame | pl.LazyFrame | None = None,
    history_days: int = 14,
    executor: Any = None,
    progress: bool = False,
    backtest_horizon: Horizon | int | None = None,
    closed: Sequence[Any] | None = None,
) -> ForecastResult:
    """Forecast every series with the model its own backtest chose, reconciled to channel and total.

    Parameters
    ----------
    series
        Long ``series_id, ts, y`` queue series (see :func:`cxlab.features.volume_series`).
    models
        Candidate forecasters (default: :class:`DailyProfile` with the events and month-end). The
        weekly seasonal naive is always a candidate and the baseline.
    horizon
        Days ahead to forecast (was ``horizon_days``). The backtest that scores and chooses the
        models forecasts the same number of days from each origin, and the bands are calibrated
        on errors at that lead: what is tested is what is forecast.
    origins
        How many past origins, one horizon apart, the backtest scores.
    level
        Band levels in percent, like statsforecast: ``(80, 95)``.
    events
        The events table; used by the default model and to mark charts.
    hierarchy
        ``queue, channel`` (the queues table): adds channel and total series summed from the queues.
        Without it only a total is added.
    executor
        Where the series are forecast, one task per series: ``None`` (the Dask cluster of
        ``CXLAB_DASK_ADDRESS`` if set, else local processes from 16 series on a machine with
        more than two cores, else this process), ``"serial"``, ``"processes"``, ``"dask"`` (a
        local Dask cluster), a ``distributed.Client`` or an executor with ``submit`` (see
        :mod:`cxlab._executor`). Every executor gives the same frames.
    progress
        Show a progress bar over the series.
    closed
        Local dates the centre will not open in the coming days (holidays known ahead, as dates or
        ISO strings): the horizon counts open days, skips them, and forecasts the first open day
        after each like a Monday. Closures in the history are inferred from the series.
    backtest_horizon
        Deprecated: the backtest now scores ``horizon``. Still honoured for one minor version
        (``"day"``, ``"week"`` or days), with a ``DeprecationWarning``.

    Returns
    -------
    ForecastResult
        ``frame`` has ``series_id, level, ts, model, y_hat, y_lo_80, y_hi_80, y_lo_95, y_hi_95``.

    Examples
    --------
    >>> import cxlab as cx
    >>> series = cx.features.volume_series(cx.load("contacts"), every="1h", hours=cx.load("queues"))
    >>> fc = cx.forecast.refresh(series, events=cx.load("events"), hierarchy=cx.load("queues"), horizon=7)
    >>> fc.summary().columns
    ['series_id', 'level', 'ts', 'model', 'y_hat', 'y_lo_80', 'y_hi_80', 'y_lo_95', 'y_hi_95']
    >>> sorted(fc.summary().filter(level="channel")["series_id"].unique())
    ['chat', 'email', 'phone', 'social']
    """
    horizon = check_horizon(horizon)
    scored = horizon
    if backtest_horizon is not None:
        warn_renamed(
            "refresh(backtest_horizon=...)",
            "horizon= (the backtest scores the forecast's horizon)",
            stacklevel=4,
        )
        scored = check_horizon(backtest_horizon, name="backtest_horizon", words=True)
    level = check_levels(level)
    executor = check_executor(executor)
    series = check_series(series, "refresh")
    if series.is_empty() or not {"series_id", "ts", "y"} <= set(series.columns):
        to_panels(series)  # raises the named error (missing columns, or an empty frame)
    events_frame = check_events(events)
    if models is None:
        models = [DailyProfile(events=events_frame, month_end=True)]
    candidates = list(models)
    if not any(isinstance(m, SeasonalNaive) and m.season == "week" for m in candidates):
        candidates.append(SeasonalNaive(season="week"))
    parts = series.partition_by("series_id", maintain_order=True)
    closed = sorted({str(d)[:10] for d in _closed_dates(closed)})
    args = [(p, candidates, horizon, scored, origins, tuple(level), closed) for p in parts]
    outputs = fan_out(
        _one,
        args,
        executor=executor,
        names=[f"series {p['series_id'][0]!r}" for p in parts],
        processes_from=PROCESS_MIN_SERIES,  # a process starts in seconds (it imports cxlab)
        progress="Forecasting series" if progress else None,
    )
    frame = pl.concat([o["forecast"] for o in outputs]).with_columns(pl.lit("queue").alias("level"))
    bt_frame = pl.concat([o["backtest"].frame for o in outputs])
    accuracy = pl.concat([o["backtest"].accuracy for o in outputs])
    choice = {o["series_id"]: o["model"] for o in outputs}
    chosen_bt = bt_frame.join(
        pl.DataFrame({"series_id": list(choice), "model": list(choice.values())}),
        on=["series_id", "model"],
    )
    groups = _groups(list(choice), hierarchy)
    upper = [
        _aggregate(frame, chosen_bt, members, name, lvl, level) for lvl, name, members in groups
    ]
    cols = [
        "series_id",
        "level",
        "ts",
        "model",
        "y_hat",
        *[f"y_{b}_{lv}" for lv in level for b in ("lo", "hi")],
    ]  # then open_minutes, for an interval report with partly open intervals
    full = pl.concat([frame.select(cols), *[u.select(cols) for u in upper]])
    if "open_minutes" in series.columns:  # slots a queue is open only part of, for staffing
        full, bt_frame = _open_minutes(full, series), _open_minutes(bt_frame, series)
    history = _history(series, groups, history_days)
    bt = BacktestResult(
        frame=bt_frame,
        accuracy=accuracy,
        horizon=outputs[0]["backtest"].horizon,
        origins=origins,
        levels=tuple(level),
        expected_days=sum(o["backtest"].expected_days or 0 for o in outputs),
        unscored=pl.concat([o["backtest"].unscored for o in outputs]),
    )
    return ForecastResult(
        frame=full.sort(["level", "series_id", "ts"]),
        history=history,
        choice=choice,
        backtest=bt,
        events=events_frame,
        levels=tuple(level),
        profiles=pl.concat([o["profiles"] for o in outputs]),
        effects=pl.concat([o["effects"] for o in outputs]),
        hierarchy={name: tuple(members) for _, name, members in groups},
    )


def _one(
    part: pl.DataFrame,
    candidates: list[Forecaster],
    horizon: int,
    scored: int,
    origins: int,
    level: tuple[int, ...],
    closed: list[str] | None = None,
) -> dict:
    """Backtest the candidates on one series, refit the best and forecast (runs in a worker)."""
    sid = part["series_id"][0]
    bt = backtest(part, candidates, horizon=scored, origins=origins, level=level, executor="serial")
    best = bt.best()[sid]
    model = copy.deepcopy(next(m for m in candidates if m.name == best))
    model.horizon = horizon
    forecast = model.fit(part).predict(horizon=horizon, level=level, closed=closed)
    return {
        "series_id": sid,
        "model": best,
        "backtest": bt,
        "forecast": forecast,
        **model_components(model, sid),
    }


def _groups(
    ids: list[str], hierarchy: pl.DataFrame | pl.LazyFrame | None
) -> list[tuple[str, str, list[str]]]:
    out = []
    if hierarchy is not None:
        h = hierarchy.lazy().select("queue", "channel").collect()
        mapping = dict(zip(h["queue"], h["channel"], strict=True))
        channels: dict[str, list[str]] = {}
        for sid in ids:
            if sid in mapping:
                channels.setdefault(mapping[sid], []).append(sid)
        out += [("channel", ch, members) for ch, members in sorted(channels.items())]
    if len(ids) > 1 or hierarchy is not None:
        out.append(("total", "total", ids))
    return out


def _aggregate(
    frame: pl.DataFrame,
    bt: pl.DataFrame,
    members: list[str],
    name: str,
    lvl: str,
    level: Sequence[int],
) -> pl.DataFrame:
    """Bottom-up sum of member forecasts; bands from the summed backtest errors (split-conformal)."""
    point = sums_in_order(
        frame.filter(pl.col("series_id").is_in(members)), ["ts"], ["y_hat"], then=["series_id"]
    )
    past = sums_in_order(
        bt.filter(pl.col("series_id").is_in(members)),
        ["cutoff", "ts"],
        ["y", "y_hat"],
        then=["series_id"],
    )
    r = ((past["y"] - past["y_hat"]) / scale(past["y_hat"].to_numpy())).to_numpy()
    y_hat = point["y_hat"].to_numpy()
    s = scale(y_hat)
    cols = {}
    for lv in level:
        alpha = 1 - lv / 100
        n = max(len(r), 1)
        lo_q = np.quantile(r, max(0.0, alpha / 2 * (1 - 1 / n)), method="lower") if len(r) else -3.0
        hi_q = (
            np.quantile(r, min(1.0, (1 - alpha / 2) * (1 + 1 / n)), method="higher")
            if len(r)
            else 3.0
        )
        lo = np.maximum(y_hat + lo_q * s, 0.0)
        cols[f"y_lo_{lv}"] = lo
        cols[f"y_hi_{lv}"] = np.maximum(y_hat + hi_q * s, lo)
    return point.with_columns(
        pl.lit(name).alias("series_id"),
        pl.lit(lvl).alias("level"),
        pl.lit("bottom_up").alias("model"),
        *[pl.Series(k, v) for k, v in cols.items()],
    )


def _open_minutes(frame: pl.DataFrame, series: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with the open minutes of each queue's interval, as on the latest day of the same
    weekday (else of any day) at that time; null where the whole interval is open."""
    keys = {
        "_wd": pl.col("ts").dt.weekday(),
        "_hm": pl.col("ts").dt.hour() * 60 + pl.col("ts").dt.minute(),
    }
    seen = series.sort("ts").with_columns(**keys)
    by_day = seen.group_by("series_id", "_wd", "_hm").agg(pl.col("open_minutes").last())
    any_day = seen.group_by("series_id", "_hm").agg(pl.col("open_minutes").last().alias("_any"))
    return (
        frame.with_columns(**keys)
        .join(by_day, on=["series_id", "_wd", "_hm"], how="left")
        .join(any_day, on=["series_id", "_hm"], how="left")
        .with_columns(pl.coalesce("open_minutes", "_any").alias("open_minutes"))
        .drop("_wd", "_hm", "_any")
    )


def _history(series: pl.DataFrame, groups: list, days: int) -> pl.DataFrame:
    last = series["ts"].max()
    recent = series.filter(pl.col("ts") > last - pl.duration(days=days)).select(
        "series_id", "ts", "y"
    )
    frames = [recent]
    for _, name, members in groups:
        frames.append(
            sums_in_order(
                recent.filter(pl.col("series_id").is_in(members)), ["ts"], ["y"], then=["series_id"]
            ).select(pl.lit(name).alias("series_id"), "ts", "y")
        )
    return pl.concat(frames).sort(["series_id", "ts"])
