"""Small statistical helpers shared by several rooms (so that no room imports another)."""

from __future__ import annotations

from typing import Literal

import numpy as np

from cxlab._options import check_option

Correction = Literal["holm", "bh", "none"]


def adjust_p(p_values, method: Correction = "holm") -> np.ndarray:
    """Adjusted p-values for many comparisons: Holm's step-down (family-wise error) or
    Benjamini-Hochberg's step-up (false discovery rate). NaN stays NaN.

    Examples
    --------
    >>> adjust_p([0.01, 0.04, 0.03], "holm").round(3).tolist()
    [0.03, 0.06, 0.06]
    >>> adjust_p([0.01, 0.04, 0.03], "bh").round(3).tolist()
    [0.03, 0.04, 0.04]

    References
    ----------
    Holm (1979), A simple sequentially rejective multiple test procedure, Scand. J. Statist. 6.
    Benjamini & Hochberg (1995), Controlling the false discovery rate, JRSS B 57.
    """
    check_option("correction", method, Correction)
    p = np.asarray(p_values, float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = len(q)
    if m == 0 or method == "none":
        out[ok] = q
        return out
    order = np.argsort(q)
    ranked = q[order]
    if method == "holm":
        adj = np.maximum.accumulate((m - np.arange(m)) * ranked)
    else:
        adj = np.minimum.accumulate(m / np.arange(m, 0, -1) * ranked[::-1])[::-1]
    res = np.empty(m)
    res[order] = np.minimum(adj, 1.0)
    out[ok] = res
    return out


def wilson_interval(successes, trials, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of each rate ``successes / trials`` at level ``1 - alpha``
    (NaN where there are no trials).

    Examples
    --------
    >>> low, high = wilson_interval(8, 10)
    >>> round(float(low), 3), round(float(high), 3)
    (0.49, 0.943)

    References
    ----------
    Wilson (1927), Probable inference, the law of succession, and statistical inference,
    JASA 22. Brown, Cai & DasGupta (2001), Interval estimation for a binomial proportion,
    Statistical Science 16.
    """
    from scipy.stats import norm

    x, n = np.asarray(successes, float), np.asarray(trials, float)
    z = norm.isf(alpha / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = x / n
        centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def estimate_row(
    term: str,
    estimate: float,
    std_error: float,
    *,
    alpha: float = 0.05,
    df: float | None = None,
    p_value: float | None = None,
) -> dict:
    """One row of an estimates table (``term, estimate, std_error, ci_low, ci_high, p_value``):
    a ``1 - alpha`` interval from the t distribution with ``df`` degrees of freedom (the normal
    when ``df`` is None) and its two-sided p-value, unless ``p_value`` is given (a rank test's).

    Examples
    --------
    >>> row = estimate_row("effect", 2.0, 1.0)
    >>> round(row["ci_low"], 3), round(row["ci_high"], 3), round(row["p_value"], 4)
    (0.04, 3.96, 0.0455)
    """
    from scipy import stats

    dist = stats.norm if df is None else stats.t(df)
    crit = float(dist.ppf(1 - alpha / 2))
    if p_value is None:
        p_value = float(2 * dist.sf(abs(estimate) / std_error)) if std_error > 0 else float("nan")
    return dict(
        term=term,
        estimate=float(estimate),
        std_error=float(std_error),
        ci_low=float(estimate - crit * std_error),
        ci_high=float(estimate + crit * std_error),
        p_value=float(p_value),
    )
