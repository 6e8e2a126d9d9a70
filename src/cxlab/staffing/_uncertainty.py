"""From a forecast's quantiles to the chance of missing a service-level target at a headcount.

The forecast gives, per interval, five quantiles of the volume: the 2.5%, 10%, 50% (``y_hat``),
90% and 97.5% points (the 80% and 95% bands). The predictive distribution is fitted to them
*piecewise-normally*: the quantile function is linear in the normal score between those five
points and is extended beyond the 95% band with the slope of the outer segment. A symmetric
band gives exactly a normal distribution; a skewed band (a log-scale model, a count model) gives
a skewed one. The headcount meets the target exactly up to a break-even volume ``v*`` (service
level falls as volume rises), so the chance of missing is ``P(volume > v*) = 1 - F(v*)``. This
ignores the sampling noise of a single half hour's service level around its Erlang value, and
treats ``y_hat`` as the median.

References
----------
Gans, N., Shen, H., Zhou, Y.-P., Korolev, N., McCord, A. & Ristock, H. (2015). Parametric forecasting
and stochastic programming models for call-center workforce scheduling. *Manufacturing & Service
Operations Management* 17(4), 571-588 (staffing against a forecast distribution, not a point).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from cxlab.staffing._erlang import _sl_from_c, erlang_b_from, erlang_c_from
from cxlab.staffing._erlang_a import erlang_a_from

LEVELS = np.array([0.025, 0.10, 0.50, 0.90, 0.975])
Z = np.array([NormalDist().inv_cdf(p) for p in LEVELS])


def cdf_from_quantiles(value: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """``P(volume <= value)`` per row from its five quantiles (rows x 5, in ``LEVELS`` order)."""
    from scipy.special import ndtr

    q = np.sort(np.asarray(quantiles, float), axis=1)
    v = np.asarray(value, float)
    z = np.full(v.shape, np.nan)
    for j in range(len(Z) - 1):
        lo, hi = q[:, j], q[:, j + 1]
        inside = (v >= lo) & (v <= hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(hi > lo, (v - lo) / (hi - lo), 1.0)
        z = np.where(inside, Z[j] + frac * (Z[j + 1] - Z[j]), z)
    with np.errstate(divide="ignore", invalid="ignore"):
        low_slope = np.where(q[:, 1] > q[:, 0], (Z[1] - Z[0]) / (q[:, 1] - q[:, 0]), np.inf)
        high_slope = np.where(q[:, -1] > q[:, -2], (Z[-1] - Z[-2]) / (q[:, -1] - q[:, -2]), np.inf)
        below = Z[0] - (q[:, 0] - v) * low_slope
        above = Z[-1] + (v - q[:, -1]) * high_slope
    z = np.where(v < q[:, 0], below, z)
    z = np.where(v > q[:, -1], above, z)
    return np.where(v < 0, 0.0, ndtr(z))


def _sl(traffic, servers, aht, sl_seconds, patience):
    b = erlang_b_from(traffic, servers)
    if np.all(~np.isfinite(patience)):
        return _sl_from_c(erlang_c_from(traffic, servers, b), traffic, servers, aht, sl_seconds)
    return erlang_a_from(traffic, servers, aht, patience, sl_seconds, b).service_level


def break_even_volume(
    servers: np.ndarray,
    *,
    interval_seconds: float,
    aht: np.ndarray,
    sl_target: np.ndarray,
    sl_seconds: np.ndarray,
    patience: np.ndarray,
    iterations: int = 40,
) -> np.ndarray:
    """The largest volume per interval at which ``servers`` still meet the service-level target."""
    servers = np.asarray(servers, np.int64)
    per_erlang = interval_seconds / aht  # contacts per interval per Erlang
    lo = np.zeros(servers.shape)
    hi = (servers + 1.0) * per_erlang * 2.0 + 10.0
    for _ in range(60):  # make sure hi misses the target (abandonment can carry a lot)
        bad = _sl(hi / per_erlang, servers, aht, sl_seconds, patience) >= sl_target
        if not bad.any():
            break
        hi = np.where(bad, hi * 2.0, hi)
    for _ in range(iterations):
        mid = (lo + hi) / 2.0
        ok = _sl(mid / per_erlang, servers, aht, sl_seconds, patience) >= sl_target
        lo = np.where(ok, mid, lo)
        hi = np.where(ok, hi, mid)
    return np.where(servers > 0, lo, 0.0)


def p_miss(
    servers: np.ndarray,
    quantiles: np.ndarray,
    *,
    interval_seconds: float,
    aht: np.ndarray,
    sl_target: np.ndarray,
    sl_seconds: np.ndarray,
    patience: np.ndarray,
) -> np.ndarray:
    """Probability that the interval's volume exceeds what ``servers`` can serve at the target."""
    v_star = break_even_volume(
        servers,
        interval_seconds=interval_seconds,
        aht=aht,
        sl_target=sl_target,
        sl_seconds=sl_seconds,
        patience=patience,
    )
    return np.clip(1.0 - cdf_from_quantiles(v_star, quantiles), 0.0, 1.0)
