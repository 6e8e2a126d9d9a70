"""Forecast accuracy and speed, in one run.

Part 1, the bank call-centre arrivals on their real dates (fpp3 ``bank_calls``) on the split of De
Livera, Hyndman & Snyder (2011): train on the first 7,605 five-minute counts (45 open days),
forecast the next 2,535 (15 open days) in one go, and the day-ahead rolling version over the same
days. Every model (cxlab's, Prophet, statsforecast's MSTL, ARIMA with Fourier terms) against the
weekly seasonal naive, in the same run: RMSE, MAE, coverage of the 80% and 95% bands, seconds.

Part 2, the default synthetic workspace: the refresh of every queue at 30-minute grain with its
week-ahead backtest, against Prophet fitted per queue (same backtest origins). Prints timings,
accuracy and the ratios.

Run: ``python benchmarks/bench_forecast.py [--workspace PATH] [--skip-bank] [--skip-refresh]
[--skip-slow]``.
"""

from __future__ import annotations

import argparse
import copy
import logging
import multiprocessing
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import polars as pl

import cxlab as cx
from cxlab.forecast import MSTL, DailyProfile, FourierARIMA, Prophet, SeasonalNaive

TRAIN, TEST = 7605, 2535


def _table(rows: list[dict], title: str) -> None:
    frame = pl.DataFrame(rows)
    print(f"\n{title}")
    with pl.Config(tbl_rows=50, tbl_cols=20, float_precision=3, tbl_hide_dataframe_shape=True):
        print(frame)


def _bank_models() -> list[tuple[str, object]]:
    return [
        ("seasonal naive (week)", SeasonalNaive(season="week")),
        ("cxlab daily_profile", DailyProfile()),
        ("prophet, defaults", Prophet()),
        ("prophet, daily 20 / weekly 10", Prophet(daily_order=20, weekly_order=10)),
        ("statsforecast MSTL+AutoETS", MSTL()),
        ("ARIMA(2,0,1) + Fourier terms", FourierARIMA()),
    ]


def _scores(label: str, split: str, y: np.ndarray, f: pl.DataFrame, secs: float) -> dict:
    e = f["y_hat"].to_numpy() - y
    row = {
        "method": label,
        "split": split,
        "rmse": float(np.sqrt(np.mean(e**2))),
        "mae": float(np.mean(np.abs(e))),
    }
    for lv in (80, 95):
        inside = (y >= f[f"y_lo_{lv}"].to_numpy()) & (y <= f[f"y_hi_{lv}"].to_numpy())
        row[f"coverage_{lv}"] = float(np.mean(inside))
    return {**row, "seconds": secs}


def bank(skip_slow: bool = False) -> None:
    calls = cx.data.bank_calls()  # real dates: Monday 26 May 2003 is closed, in the test days
    train, test = calls.head(TRAIN), calls.slice(TRAIN, TEST)
    y = test["y"].to_numpy()
    closed = ["2003-05-26"]  # known ahead (Memorial Day), as a planner knows it
    models = _bank_models()
    if skip_slow:
        models = models[:2]
    rows = []
    for label, model in models:
        start = time.perf_counter()
        f = model.forecast(train, horizon=TEST // 169, closed=closed)  # 15 open days x 169
        assert f["ts"].equals(test["ts"])
        rows.append(_scores(label, "one origin", y, f, time.perf_counter() - start))
    split = calls.head(TRAIN + TEST)
    for label, model in models:
        if isinstance(model, (Prophet, MSTL, FourierARIMA)):
            # fifteen refits with eight calibration windows each would take an hour: one window
            # here, so these bands under-cover (the one-origin rows have the default eight)
            model = copy.deepcopy(model)
            model.calibration_windows = 1
            label = f"{label} (bands: 1 window)"
        model.name = label
        start = time.perf_counter()
        bt = cx.forecast.backtest(split, [model], horizon="day", origins=15)
        secs = time.perf_counter() - start
        assert bt.scored_days == bt.expected_days == 15
        frame = bt.frame.filter(pl.col("model") == label).sort("ts")
        rows.append(_scores(label, "day-ahead x 15", frame["y"].to_numpy(), frame, secs))
    rows.append(
        {
            "method": "Poisson floor (sqrt of mean count)",
            "split": "one origin",
            "rmse": float(np.sqrt(y.mean())),
        }
    )
    _table(
        rows,
        "Bank calls on their real dates (fpp3 bank_calls), De Livera split: 45 open days of "
        "training, 15 test days (one origin; and day-ahead, refit each evening); seconds are fit "
        "+ calibration + forecast (day-ahead: the 15 refits of the model and of the naive)",
    )

    start = time.perf_counter()
    long = cx.forecast.backtest(calls, [DailyProfile()], horizon="day", origins=119)
    _table(
        long.overall()
        .with_columns(pl.lit(time.perf_counter() - start).alias("seconds"))
        .to_dicts(),
        "Bank calls, day-ahead over the last 119 open days (out-of-sample check of the defaults)",
    )
    start = time.perf_counter()
    week = cx.forecast.backtest(calls, [DailyProfile()], horizon="week", origins=16)
    _table(
        week.overall()
        .with_columns(pl.lit(time.perf_counter() - start).alias("seconds"))
        .to_dicts(),
        "Bank calls, week-ahead over the last 16 weeks of open days",
    )


def refresh(workspace: Path) -> None:
    tz = cx.data.truth(workspace)["timezone"]
    contacts = cx.load("contacts", workspace=workspace)
    queues = cx.load("queues", workspace=workspace).collect()
    events = cx.load("events", workspace=workspace).collect()
    series = cx.features.volume_series(contacts, every="30m", hours=queues, time_zone=tz)

    start = time.perf_counter()
    with ProcessPoolExecutor(
        max_workers=2, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        ours = cx.forecast.refresh(
            series, events=events, hierarchy=queues, horizon=7, origins=4, executor=pool
        )
    t_ours = time.perf_counter() - start

    start = time.perf_counter()
    ours_serial = cx.forecast.refresh(
        series, events=events, hierarchy=queues, horizon=7, origins=4, executor="serial"
    )
    t_serial = time.perf_counter() - start
    keys = [c for c in ours.frame.columns if ours.frame.schema[c] != pl.Float64]
    both = ours.frame.join(ours_serial.frame, on=keys, suffix="_serial")
    floats = [c for c in ours.frame.columns if ours.frame.schema[c] == pl.Float64]
    gap = max(
        both.select((pl.col(c) - pl.col(f"{c}_serial")).abs().max()).item() or 0.0 for c in floats
    )
    print(
        f"processes vs in-process: {both.height:,} of {ours.frame.height:,} rows matched, largest difference {gap:.2e}"
    )
    assert (
        both.height == ours.frame.height and gap < 1e-6
    )  # the same forecasts, up to float summation order

    start = time.perf_counter()
    for _, part in series.group_by("series_id"):
        Prophet(events=events, calibration_windows=0).forecast(part, horizon=7)
    t_prophet = time.perf_counter() - start

    start = time.perf_counter()
    bt = cx.forecast.backtest(
        series,
        [
            DailyProfile(events=events, month_end=True),
            Prophet(events=events, calibration_windows=0),
        ],
        horizon="week",
        origins=4,
    )
    t_bt = time.perf_counter() - start

    rows = [
        {
            "run": "cxlab refresh: 7 queues, backtest (4 weekly origins) + selection + forecast, 2 processes",
            "seconds": t_ours,
        },
        {"run": "cxlab refresh, serial", "seconds": t_serial},
        {"run": "Prophet fitted per queue (forecast only, no backtest)", "seconds": t_prophet},
        {"run": "week-ahead backtest of daily_profile + prophet + naive", "seconds": t_bt},
    ]
    _table(rows, f"Default workspace ({series.height:,} half-hour rows): timings")
    print(f"ratio Prophet-per-queue / cxlab refresh (processes): {t_prophet / t_ours:.2f}x")
    print(f"ratio Prophet-per-queue / cxlab refresh (serial):    {t_prophet / t_serial:.2f}x")
    overall = bt.overall()
    _table(
        overall.to_dicts(),
        "Week-ahead backtest, pooled over queues (coverage of Prophet: uncalibrated Poisson bands)",
    )
    wape = dict(zip(overall["model"], overall["wape"], strict=True))
    print(f"WAPE ratio daily_profile / prophet: {wape['daily_profile'] / wape['prophet']:.2f}")
    print(
        f"WAPE ratio daily_profile / seasonal naive: {wape['daily_profile'] / wape['seasonal_naive_week']:.2f}"
    )
    _table(bt.accuracy.to_dicts(), "Week-ahead backtest per queue")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--skip-bank", action="store_true")
    parser.add_argument("--skip-refresh", action="store_true")
    parser.add_argument("--skip-slow", action="store_true", help="bank: cxlab and the naive only")
    args = parser.parse_args()
    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    if not args.skip_bank:
        bank(args.skip_slow)
    if not args.skip_refresh:
        workspace = args.workspace
        if workspace is None:
            workspace = Path(tempfile.mkdtemp(prefix="cx-bench-"))
            cx.data.generate(seed=7, size="default", workspace=workspace)
        refresh(workspace)


if __name__ == "__main__":
    main()
