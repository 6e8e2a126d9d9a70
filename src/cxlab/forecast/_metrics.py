"""Accuracy of count forecasts: MASE, WAPE, RMSE and the coverage of prediction intervals.

References
----------
Hyndman & Koehler (2006), Another look at measures of forecast accuracy, IJF 22(4) (MASE);
Hyndman & Athanasopoulos (2021), Forecasting: Principles and Practice, 3rd ed., section 5.8.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl


def rmse(y: np.ndarray, y_hat: np.ndarray) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean((np.asarray(y) - np.asarray(y_hat)) ** 2)))


def wape(y: np.ndarray, y_hat: np.ndarray) -> float:
    """Weighted absolute percentage error: ``sum |y - y_hat| / sum y`` (``nan`` when nothing arrived)."""
    total = float(np.sum(y))
    return (
        float(np.sum(np.abs(np.asarray(y) - np.asarray(y_hat))) / total)
        if total > 0
        else float("nan")
    )


def mase(y: np.ndarray, y_hat: np.ndarray, scale: float) -> float:
    """Mean absolute error divided by the in-sample MAE of the weekly seasonal naive (``scale``)."""
    return (
        float(np.mean(np.abs(np.asarray(y) - np.asarray(y_hat))) / scale)
        if scale > 0
        else float("nan")
    )


def accuracy(
    backtest: pl.DataFrame, scales: dict[str, float], *, level: Sequence[int] = (80, 95)
) -> pl.DataFrame:
    """One row per ``series_id x model``: ``n, mase, wape, rmse, coverage_<L>``.

    ``backtest`` has ``series_id, model, y, y_hat`` and the band columns; ``scales`` maps each series
    to its in-sample seasonal-naive MAE.
    """
    rows = []
    for (sid, model), part in backtest.group_by(["series_id", "model"], maintain_order=True):
        y, y_hat = part["y"].to_numpy(), part["y_hat"].to_numpy()
        row = {
            "series_id": sid,
            "model": model,
            "n": len(y),
            "mase": mase(y, y_hat, scales.get(sid, float("nan"))),
            "wape": wape(y, y_hat),
            "rmse": rmse(y, y_hat),
        }
        for lv in level:
            lo, hi = part[f"y_lo_{lv}"].to_numpy(), part[f"y_hi_{lv}"].to_numpy()
            row[f"coverage_{lv}"] = float(np.mean((y >= lo) & (y <= hi)))
        rows.append(row)
    return pl.DataFrame(rows).sort(["series_id", "mase"])


def naive_scale(values: np.ndarray, weekdays: np.ndarray) -> float:
    """In-sample MAE of the weekly seasonal naive on a day x interval matrix (open cells only)."""
    errors = []
    for i in range(len(values)):
        prev = np.flatnonzero(weekdays[:i] == weekdays[i])
        if len(prev):
            d = values[i] - values[prev[-1]]
            errors.append(d[~np.isnan(d)])
    e = np.concatenate(errors) if errors else np.empty(0)
    return float(np.mean(np.abs(e))) if len(e) else float("nan")
