"""NPS counts and their multinomial interval: golden hand computation, properties, coverage."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlab.nps import NpsCounts, interval, std_error

S = importlib.import_module("cxlab.data._synth._surveys")  # the package shadows the name


@pytest.mark.golden
def test_hand_computed_wald_and_adjusted_wald():
    """50 promoters, 30 passives, 20 detractors (n = 100).

    Source: the multinomial variance of NPS, Var(p_P - p_D) = (p_P + p_D - (p_P - p_D)^2) / n, and
    the adjusted Wald of Rocks, B. (2016), "Interval estimation for the Net Promoter Score",
    The American Statistician 70(4), 365-372 (as described by Lewis & Sauro, MeasuringU 2021:
    add 3 to n and 3/4 to promoters and to detractors). Hand computation, z = 1.959964:
    Wald: NPS = 30, Var = (0.5 + 0.2 - 0.09)/100 = 0.0061, SE = 7.8102 points,
    interval 30 -/+ 15.3078 = [14.692, 45.308].
    Adjusted: p_P = 50.75/103 = 0.492718, p_D = 20.75/103 = 0.201456, centre 29.1262,
    Var = (0.694175 - 0.084833)/103 = 0.00591593, SE = 7.6915, interval [14.051, 44.201].
    Tolerance 0.001 points (rounding of the hand computation).
    """
    c = NpsCounts(promoters=50, passives=30, detractors=20)
    assert c.nps == 30.0
    assert c.std_error("wald") == pytest.approx(7.8102, abs=1e-3)
    assert c.interval(method="wald") == pytest.approx((14.692, 45.308), abs=1e-3)
    assert c.std_error() == pytest.approx(7.6915, abs=1e-3)
    assert c.interval() == pytest.approx((14.051, 44.201), abs=1e-3)


def test_counts_add_exactly():
    a, b = NpsCounts(5, 3, 2), NpsCounts(1, 0, 7)
    assert a + b == NpsCounts(6, 3, 9)
    assert (a + b).n == 18


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 500),
    st.integers(0, 500),
    st.integers(0, 500),
    st.sampled_from([0.2, 0.1, 0.05, 0.01]),
)
def test_nps_and_interval_stay_in_range(p, q, d, alpha):
    """NPS and both interval ends stay in [-100, 100]; smaller alpha, wider interval."""
    if p + q + d == 0:
        return
    c = NpsCounts(p, q, d)
    assert -100 <= c.nps <= 100
    lo, hi = c.interval(alpha=alpha)
    assert -100 <= lo <= hi <= 100
    lo2, hi2 = c.interval(alpha=max(alpha - 0.009, 0.001))
    assert lo2 <= lo + 1e-9 and hi2 >= hi - 1e-9


def test_vectorised_matches_scalar():
    p, q, d = np.array([10, 0, 40]), np.array([5, 3, 0]), np.array([1, 9, 2])
    lo, hi = interval(p, q, d)
    for i in range(3):
        assert (lo[i], hi[i]) == pytest.approx(NpsCounts(p[i], q[i], d[i]).interval())
    assert std_error(p, q, d, method="wald")[1] == pytest.approx(
        100 * math.sqrt((0 + 0.75 - 0.75**2) / 12)
    )


def _coverage(reps: int, n: int, enterprise: bool, shifted: bool, seed: int) -> float:
    """Share of adjusted-Wald 95% intervals covering the planted population NPS.

    Respondents are drawn with the generator's own functions (draw_ratings, nps_mean, draw_nps);
    the target is the generator's population_nps (exact over the noise, Monte Carlo error about
    0.05 points over the ratings).
    """
    rng = np.random.default_rng(seed)
    truth = S.population_nps(enterprise, shifted)
    m = reps * n
    ratings = S.draw_ratings(rng, m)
    mu = S.nps_mean(ratings, np.full(m, float(enterprise)), np.full(m, float(shifted)))
    nps = S.draw_nps(rng, mu).reshape(reps, n)
    p, d = (nps >= 9).sum(1), (nps <= 6).sum(1)
    lo, hi = interval(p, n - p - d, d, alpha=0.05)
    return float(np.mean((lo <= truth) & (truth <= hi)))


def test_interval_covers_planted_population_nps_fast():
    """300 samples of 300 respondents: 95% nominal; binomial SE of the rate 1.3 points, so
    the band [0.91, 0.985] is about -3/+2.7 SE."""
    cov = _coverage(300, 300, enterprise=False, shifted=False, seed=1)
    assert 0.91 <= cov <= 0.985


@pytest.mark.slow
@pytest.mark.parametrize(
    ("n", "enterprise", "shifted"), [(50, False, False), (300, True, False), (1500, False, True)]
)
def test_interval_covers_planted_population_nps_many_seeds(n, enterprise, shifted):
    """4,000 samples per case: a 95% interval must cover 93-97% of the time (SE 0.35 points)."""
    cov = _coverage(4000, n, enterprise, shifted, seed=n)
    assert 0.93 <= cov <= 0.97
