"""Region-by-period panels of a KPI, and least squares with errors clustered by unit.

References
----------
Cameron & Miller (2015), A practitioner's guide to cluster-robust inference, J. Human Resources 50
(CR1 small-sample factor ``G/(G-1) * (N-1)/(N-K)`` and ``t(G-1)`` reference distribution).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError
from cxlab.features import kpi


def kpi_panel(
    contacts: pl.LazyFrame | pl.DataFrame,
    *,
    metric: str,
    by: str = "region",
    every: str = "1w",
    time_zone: str = "UTC",
    channels: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """A long panel ``unit, period, y, numerator, denominator`` of one KPI (ratio of sums per cell).

    Periods are cut in the local ``time_zone`` (``"1w"`` starts on Monday, as pilots launch).
    Cells without a denominator are dropped.
    """
    lf = contacts.lazy()
    if channels:
        lf = lf.filter(pl.col("channel").is_in(list(channels)))
    long = kpi(lf, metric, by=[by], every=every, time_zone=time_zone)
    return (
        long.filter(pl.col("denominator") > 0)
        .select(
            pl.col(by).alias("unit"),
            "period",
            pl.col("value").alias("y"),
            "numerator",
            "denominator",
        )
        .sort("unit", "period")
    )


@dataclass(frozen=True)
class ClusteredFit:
    """Coefficients with a CR1 cluster-robust covariance; tests use ``t(G-1)``."""

    names: list[str]
    beta: np.ndarray
    cov: np.ndarray
    n_clusters: int

    def row(self, name: str, alpha: float = 0.05) -> dict:
        from scipy import stats

        i = self.names.index(name)
        est, se = float(self.beta[i]), float(np.sqrt(self.cov[i, i]))
        df = self.n_clusters - 1
        crit = float(stats.t.ppf(1 - alpha / 2, df))
        return dict(
            term=name,
            estimate=est,
            std_error=se,
            ci_low=est - crit * se,
            ci_high=est + crit * se,
            p_value=float(2 * stats.t.sf(abs(est) / se, df)) if se > 0 else float("nan"),
        )

    def wald(self, names: list[str]) -> tuple[float, float, int]:
        """Joint test that ``names`` are all zero: ``(F, p_value, q)`` with ``F(q, G-1)``."""
        from scipy import stats

        idx = [self.names.index(n) for n in names]
        b = self.beta[idx]
        v = self.cov[np.ix_(idx, idx)]
        q = len(idx)
        f = float(b @ np.linalg.pinv(v) @ b) / q
        return f, float(stats.f.sf(f, q, self.n_clusters - 1)), q


def clustered_ols(
    y: np.ndarray,
    x: np.ndarray,
    clusters: np.ndarray,
    *,
    names: list[str],
    weights: np.ndarray | None = None,
) -> ClusteredFit:
    """Weighted least squares with CR1 errors clustered by ``clusters``."""
    w = np.ones(len(y)) if weights is None else np.asarray(weights, float)
    xw = x * w[:, None]
    xtx = x.T @ xw
    inv = np.linalg.pinv(xtx)
    beta = inv @ (xw.T @ y)
    resid = y - x @ beta
    groups, codes = np.unique(clusters, return_inverse=True)
    g = len(groups)
    if g < 2:
        raise NotEnoughDataError("cluster-robust errors need at least two clusters.")
    scores = np.zeros((g, x.shape[1]))
    np.add.at(scores, codes, xw * resid[:, None])
    meat = scores.T @ scores
    n, k = x.shape
    rank = np.linalg.matrix_rank(xtx)
    factor = g / (g - 1) * (n - 1) / max(n - rank, 1)
    del k
    return ClusteredFit(names, beta, factor * inv @ meat @ inv, g)


def fixed_effects_design(
    panel: pl.DataFrame, extra: dict[str, np.ndarray]
) -> tuple[np.ndarray, list[str]]:
    """Columns ``extra`` plus unit and period dummies (first level of each dropped) and a constant."""
    cols = [np.ones(panel.height)]
    names = ["const"]
    for k, v in extra.items():
        cols.append(np.asarray(v, float))
        names.append(k)
    for key in ("unit", "period"):
        levels = panel[key].unique().sort().to_list()
        values = panel[key].to_list()
        index = {lv: i for i, lv in enumerate(levels)}
        codes = np.array([index[v] for v in values])
        for j in range(1, len(levels)):
            cols.append((codes == j).astype(float))
            names.append(f"{key}={levels[j]}")
    return np.column_stack(cols), names
