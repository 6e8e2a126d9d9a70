"""Randomisation inference for pilots with one or a few treated regions.

With one to four pilot regions, errors clustered by region (or any standard error that estimates
the pilot regions' own noise from the pilot regions) are far too narrow or undefined. The placebo
in space answers with the comparison regions instead: each possible choice of pilot regions among
all regions (each comparison region in turn, for a single pilot) gets the same estimate, and the
real pilot's estimate is ranked among these placebo estimates. Its p-value is that rank; the
interval is every effect ``a`` that the same test does not reject once ``a`` is taken out of the
pilot regions' outcomes (test inversion). Every estimate here is linear in the outcomes, so the
placebo estimate of assignment ``S`` at a hypothesised effect ``a`` is ``u_S - a v_S`` and the
inversion is exact (no grid): ``S`` is at least as extreme as the real assignment on a closed
interval of ``a`` around the estimate, and the interval is the ``K``-th of those ends.

The test is exact when regions are exchangeable without the pilot (their noise alike: the pilot
regions' own noise is read from the comparison regions). Regions of different sizes are not
alike (a small region's change is noisier), so each estimate can be read in units of its own
standard error, built from each region's own noise before the start (a studentised permutation,
exact still when regions are alike, and close to its level when they are not). The level is
discrete: with ``M``
assignments it rejects ``floor(alpha M) / M`` of the time (1 in 21 with one pilot and 20
comparison regions), and it cannot reject at all with fewer than ``1 / alpha`` assignments.

References
----------
Fisher (1935), The Design of Experiments (randomisation test).
Conley & Taber (2011), Inference with "difference in differences" with a small number of policy
changes, REStat 93(1), 113-125 (the pilot's noise read from the comparison regions).
MacKinnon & Webb (2020), Randomization inference for difference-in-differences with few treated
clusters, J. Econometrics 218(2), 435-450.
Ferman & Pinto (2019), Inference in differences-in-differences with few treated groups and
heteroskedasticity, REStat 101(3), 452-467 (regions of different sizes).
Abadie, Diamond & Hainmueller (2010), Synthetic control methods for comparative case studies,
JASA 105 (placebo in space).
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np

FEW_TREATED = 4  # up to this many pilot regions, the inference is by placebo in space
FEW_CONTROLS = 10  # fewer comparison regions than this: the ranges themselves are rough
MAX_ASSIGNMENTS = 20_000  # beyond this many possible assignments, a random sample of them


@dataclass(frozen=True)
class Inverted:
    """The permutation test of one estimate: its p-value (no effect), interval and spread."""

    estimate: float
    p_value: float
    ci_low: float
    ci_high: float
    spread: float  # standard deviation of the placebo estimates, the estimated effect removed
    bounded: bool  # False: too few assignments to reject anything at this alpha


@functools.lru_cache(maxsize=32)
def _combinations(n_units: int, n_treated: int) -> np.ndarray:
    return np.array(list(itertools.combinations(range(n_units), n_treated)), dtype=np.int32)


def choices(n_units: int, n_treated: int, treated: np.ndarray, *, seed: int = 0) -> np.ndarray:
    """Every choice of ``n_treated`` of ``n_units`` units (an ``(M, n_treated)`` array of unit
    positions), the real one first; a random sample of ``MAX_ASSIGNMENTS`` (the real one first)
    when there are more."""
    real = np.sort(np.asarray(treated, dtype=np.int32))[None, :]
    if math.comb(n_units, n_treated) <= MAX_ASSIGNMENTS:
        every = _combinations(n_units, n_treated)
        same = (every == real).all(axis=1)
        return np.vstack([real, every[~same]])
    rng = np.random.default_rng(seed)
    keys = rng.random((MAX_ASSIGNMENTS - 1, n_units))
    idx = np.sort(np.argpartition(keys, n_treated - 1, axis=1)[:, :n_treated], axis=1)
    return np.vstack([real, idx.astype(np.int32)])


def differences(values: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """For each choice of pilot units (rows of ``picks``), their mean of ``values`` minus the
    mean of the other units."""
    n_t, n = picks.shape[1], len(values)
    total = values.sum()
    inside = values[picks].sum(axis=1)
    return inside / n_t - (total - inside) / (n - n_t)


def scales(noise: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """For each choice of pilot units, the standard error of its difference of means when unit
    ``i``'s value has standard deviation ``noise[i]``: each placebo estimate is read in units of
    its own noise, so that a small, noisy region's change is not mistaken for an effect
    (studentised permutation; Ferman & Pinto 2019, Janssen 1997)."""
    n_t, n = picks.shape[1], len(noise)
    var = np.asarray(noise, dtype=float) ** 2
    inside = var[picks].sum(axis=1)
    return np.sqrt(inside / n_t**2 + (var.sum() - inside) / (n - n_t) ** 2)


def invert(u: np.ndarray, v: np.ndarray, alpha: float, scale: np.ndarray | None = None) -> Inverted:
    """Rank test and interval of the estimate ``u[0]`` (``v[0]`` is 1) among placebo estimates.

    ``u[s]`` is assignment ``s``'s estimate on the observed outcomes and ``v[s]`` its estimate on
    the real pilot's treatment indicator, so that at a hypothesised effect ``a`` its estimate is
    ``u[s] - a v[s]`` and the real one's ``u[0] - a``. The p-value at ``a`` is the share of
    assignments (the real one included) whose estimate is at least as far from zero; ``a`` is in
    the interval while that share exceeds ``alpha``. With ``scale`` (each assignment's standard
    error, see :func:`scales`), estimates are compared in units of their own standard error.
    """
    u = np.asarray(u, dtype=float)[:, None]
    v = np.asarray(v, dtype=float)[:, None]
    (out,) = invert_many(u, v, alpha, None if scale is None else np.asarray(scale)[:, None])
    return out


def invert_many(
    u: np.ndarray, v: np.ndarray, alpha: float, scale: np.ndarray | None = None
) -> list[Inverted]:
    """:func:`invert` for each column of ``u`` and ``v`` (assignments by estimates) at once."""
    u = np.asarray(u, dtype=float)
    v = np.asarray(v, dtype=float)
    m, j = u.shape
    est = u[0]
    # r: how much larger the real estimate's standard error is than each placebo's (squared)
    r = np.ones((m - 1, j)) if scale is None else (scale[0] / scale[1:]) ** 2 * np.ones((1, j))
    tol = 1e-10 * np.maximum(1.0, np.abs(est))
    p0 = (1 + (r * u[1:] ** 2 >= est**2 - tol * np.abs(est)).sum(axis=0)) / m
    spread = np.std(u[1:] - est * v[1:], axis=0, ddof=1) if m > 2 else np.full(j, np.nan)
    k = int(np.floor(alpha * m + 1e-9))
    if k == 0:
        return [
            Inverted(float(e), float(p), -math.inf, math.inf, float(s), False)
            for e, p, s in zip(est, p0, spread, strict=True)
        ]
    uo, vo = u[1:], v[1:]
    # r (u - a v)^2 - (est - a)^2 >= 0  <=>  qa a^2 + qb a + qc >= 0
    qa = r * vo**2 - 1.0
    qb = 2.0 * (est - r * uo * vo)
    qc = r * uo**2 - est**2
    lo = np.full(uo.shape, -math.inf)
    hi = np.full(uo.shape, math.inf)
    quad = qa < -1e-12
    disc = np.sqrt(np.clip(qb[quad] ** 2 - 4 * qa[quad] * qc[quad], 0.0, None))
    r1 = (-qb[quad] + disc) / (2 * qa[quad])
    r2 = (-qb[quad] - disc) / (2 * qa[quad])
    lo[quad], hi[quad] = np.minimum(r1, r2), np.maximum(r1, r2)
    line = (np.abs(qa) <= 1e-12) & (np.abs(qb) > 1e-12)
    root = -qc[line] / qb[line]
    lo[line] = np.where(qb[line] > 0, root, -math.inf)
    hi[line] = np.where(qb[line] > 0, math.inf, root)
    # r v^2 > 1 (a placebo far more precise than the real estimate and overlapping it): counted
    # as extreme everywhere, which only widens
    low = np.minimum(np.partition(lo, k - 1, axis=0)[k - 1], est)
    high = np.maximum(-np.partition(-hi, k - 1, axis=0)[k - 1], est)
    return [
        Inverted(float(e), float(p), float(a), float(b), float(s), True)
        for e, p, a, b, s in zip(est, p0, low, high, spread, strict=True)
    ]
