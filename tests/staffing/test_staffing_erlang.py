"""Erlang B, Erlang C and Erlang A against textbook values, exact arithmetic and limiting cases."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import optimize, stats

import cxlab.staffing as st
from cxlab.staffing._erlang_a import log_scaled_gamma


def test_erlang_b_table_values():
    """Traffic offered at 1% blocking, from the standard Erlang B table (1% grade-of-service
    column, as printed in teletraffic handbooks and on erlang.com's tables):
    5 lines 1.36 E, 10 lines 4.46 E, 20 lines 12.03 E, 50 lines 37.90 E, 100 lines 84.06 E.
    Tolerance: the table's rounding (0.005 E).
    """
    table = {5: 1.36, 10: 4.46, 20: 12.03, 50: 37.90, 100: 84.06}
    for lines, erlangs in table.items():
        found = optimize.brentq(lambda a, n=lines: st.erlang_b(a, n) - 0.01, 0.01, lines)
        assert abs(found - erlangs) <= 0.0051, (lines, found, erlangs)


def test_erlang_b_matches_exact_rational_arithmetic():
    """The recursion equals the defining formula (A^n/n!) / sum_k A^k/k!, computed exactly with
    Python fractions (no rounding at all), to 1e-12 relative, up to 150 servers."""
    for a in (Fraction(1, 2), Fraction(10), Fraction(47, 3), Fraction(120)):
        for n in (1, 7, 20, 90, 150):
            terms = [a**k / math.factorial(k) for k in range(n + 1)]
            exact = float(terms[-1] / sum(terms))
            got = st.erlang_b(float(a), n)
            assert got == pytest.approx(exact, rel=1e-12), (a, n)


def test_standard_80_20_example():
    """Call Centre Helper's worked Erlang C example ("Erlang C formula made simple"): 100 calls
    per 30 minutes, AHT 180 s, so 10 Erlangs; 80% within 20 s needs 14 agents (13 give 79.6%,
    short of 80%), and 14 / (1 - 30% shrinkage) = 20 agents to schedule; occupancy 10/14.
    The closed forms P(wait) = 0.1741 and ASA = 7.84 s at 14 agents follow from Gans, Koole &
    Mandelbaum (2003), section 4.1 (checked here against the exact rational Erlang B)."""
    assert st.service_level(10.0, 13, 180, 20) < 0.8 < st.service_level(10.0, 14, 180, 20)
    r = st.agents_required(
        100, every="30m", aht_seconds=180, sl_target=0.8, sl_seconds=20, shrinkage=0.3
    )
    assert r.agents == 14
    assert r.scheduled == pytest.approx(20.0)
    assert st.occupancy(10.0, 14) == pytest.approx(10 / 14)
    terms = [Fraction(10) ** k / math.factorial(k) for k in range(15)]
    b = terms[-1] / sum(terms)
    c = 14 * b / (14 - 10 * (1 - b))
    assert st.erlang_c(10.0, 14) == pytest.approx(float(c), rel=1e-12)
    assert round(st.erlang_c(10.0, 14), 4) == 0.1741
    assert st.asa(10.0, 14, 180) == pytest.approx(float(c) * 180 / 4, rel=1e-12)


def test_ten_thousand_erlangs():
    """10,000 Erlangs: the factorial form overflows a double at 171 agents; the recursion does
    not. Square-root staffing (Halfin & Whitt 1981; Gans, Koole & Mandelbaum 2003, section 4.1)
    says n = A + beta sqrt(A) gives P(wait) near the Halfin-Whitt function
    [1 + beta Phi(beta)/phi(beta)]^-1; at beta = 1 that is 0.2174, within 0.01 at this size."""
    with pytest.raises(OverflowError):
        float(10_000.0**10_100) / math.factorial(10_100)  # the textbook form fails
    a = 10_000.0
    n = int(a + 1.0 * math.sqrt(a))
    c = st.erlang_c(a, n)
    hw = 1.0 / (1.0 + 1.0 * stats.norm.cdf(1.0) / stats.norm.pdf(1.0))
    assert abs(c - hw) < 0.01
    assert 0 < st.service_level(a, n, 180, 20) < 1
    r = st.agents_required(
        a * 1800 / 180, every="30m", aht_seconds=180, sl_target=0.8, sl_seconds=20,
        max_occupancy=1.0,
    )  # fmt: skip
    assert a < r.agents < a + 2 * math.sqrt(a)
    m = st.erlang_a(a / 180, 10_050, 180, 160, 20)
    assert all(np.isfinite(v) for v in m)


def test_closed_intervals_and_edges():
    """No traffic: no wait, full service, 0 agents (pyworkforce raises here). No agents with
    traffic: everyone waits. Vectorised over arrays."""
    assert st.erlang_c(0.0, 5) == 0.0
    assert st.service_level(0.0, 0, 180, 20) == 1.0
    assert st.erlang_b(3.0, 0) == 1.0
    assert st.erlang_c(3.0, 3) == 1.0  # unstable: the queue grows without bound
    r = st.agents_required([0.0, 0.0], every="30m", aht_seconds=180, sl_target=0.8, sl_seconds=20)
    assert r.agents.tolist() == [0, 0]
    m = st.erlang_a(0.0, 0, 180, 100, 20)
    assert (m.p_wait, m.p_abandon, m.service_level) == (0.0, 0.0, 1.0)
    grid = st.erlang_c(np.array([[1.0], [5.0]]), np.array([2, 6, 9]))
    assert grid.shape == (2, 3)


def _birth_death(lam, n, aht, patience, k_max=6000):
    """The M/M/n+M stationary distribution by its definition (Garnett, Mandelbaum & Reiman
    2002, section 2): a birth-death chain with birth rate lam and death rate min(j, n) mu +
    max(j - n, 0) theta, truncated far in the tail and normalised on the log scale."""
    mu, theta = 1.0 / aht, 1.0 / patience
    j = np.arange(1, n + k_max)
    death = np.minimum(j, n) * mu + np.maximum(j - n, 0) * theta
    logp = np.concatenate([[0.0], np.cumsum(np.log(lam) - np.log(death))])
    p = np.exp(logp - logp.max())
    p /= p.sum()
    queue = np.maximum(np.arange(p.size) - n, 0)
    return p[n:].sum(), theta * (queue * p).sum() / lam


@pytest.mark.parametrize(
    ("lam", "n", "aht", "patience"),
    [
        (100 / 1800, 14, 180, 120),
        (100 / 1800, 9, 180, 120),
        (5.0, 1000, 200, 100),
        (1 / 60, 3, 300, 600),
    ],
)
def test_erlang_a_matches_its_birth_death_chain(lam, n, aht, patience):
    """P(wait) and P(abandon) of the closed forms equal the chain solved numerically
    (an independent computation of the same model) to 1e-9, from underloaded to overloaded."""
    m = st.erlang_a(lam, n, aht, patience, 20)
    pw, pab = _birth_death(lam, n, aht, patience)
    assert m.p_wait == pytest.approx(pw, abs=1e-9)
    assert m.p_abandon == pytest.approx(pab, abs=1e-9)


def _answered_within(lam, n, aht, patience, t, k_max=200):
    """P(answered within t) of M/M/n+M computed another way: a caller who finds k others
    waiting moves up at rate n mu + j theta (j still ahead), is answered from the head at rate
    n mu and hangs up at rate theta; the transient law of that small Markov chain (a matrix
    exponential) weighted by the arrival-stationary law of the queue (PASTA)."""
    from scipy.linalg import expm

    mu, theta = 1.0 / aht, 1.0 / patience
    j = np.arange(1, n + k_max)
    death = np.minimum(j, n) * mu + np.maximum(j - n, 0) * theta
    logp = np.concatenate([[0.0], np.cumsum(np.log(lam) - np.log(death))])
    p = np.exp(logp - logp.max())
    p /= p.sum()
    q = np.zeros((k_max + 2, k_max + 2))
    for ahead in range(k_max):
        move = n * mu + ahead * theta
        q[ahead, k_max if ahead == 0 else ahead - 1] = move
        q[ahead, k_max + 1] = theta
        q[ahead, ahead] = -(move + theta)
    served = expm(q * t)[:k_max, k_max]
    within = p[:n].sum() + (p[n : n + k_max] * served).sum()
    # mean wait of answered callers: with N = (-Q_transient)^-1 and r the rates into "answered",
    # P(answered | k) = (N r)_k and E[wait; answered | k] = (N N r)_k
    fundamental = np.linalg.inv(-q[:k_max, :k_max])
    r = q[:k_max, k_max]
    answered = p[:n].sum() + (p[n : n + k_max] * (fundamental @ r)).sum()
    asa = (p[n : n + k_max] * (fundamental @ (fundamental @ r))).sum() / answered
    return within, asa


@pytest.mark.parametrize(
    ("lam", "n", "aht", "patience"),
    [(100 / 1800, 12, 180, 120), (1 / 10, 30, 300, 200), (1 / 20, 8, 180, 90), (2.0, 150, 100, 60)],
)
def test_erlang_a_service_level_matches_a_markov_chain(lam, n, aht, patience):
    """The closed-form service level (incomplete gamma functions) equals the tagged-caller Markov
    chain of the same M/M/n+M queue to 1e-9, and the ASA of answered callers (a numerical
    derivative in the closed form) to 1e-6 relative, from light to heavy overload."""
    m = st.erlang_a(lam, n, aht, patience, 20)
    within, asa = _answered_within(lam, n, aht, patience, 20.0)
    assert m.service_level == pytest.approx(within, abs=1e-9)
    assert m.asa == pytest.approx(asa, rel=1e-6)


def test_erlang_a_limits():
    """Two exact limits of M/M/n+M (Garnett, Mandelbaum & Reiman 2002, section 3):
    (1) patience -> infinity gives Erlang C; (2) patience = AHT makes every caller leave at
    rate mu whether served or not, so the number in system is Poisson(A) as in M/M/infinity:
    P(wait) = P(Poisson(A) >= n) and P(abandon) = E[(N - n)+] / A."""
    m = st.erlang_a(100 / 1800, 14, 180, 1e12, 20)
    assert m.p_wait == pytest.approx(st.erlang_c(10.0, 14), rel=1e-6)
    assert m.service_level == pytest.approx(st.service_level(10.0, 14, 180, 20), rel=1e-6)
    assert m.asa == pytest.approx(st.asa(10.0, 14, 180), rel=1e-5)
    a, n = 20.0, 18
    m = st.erlang_a(a / 100, n, 100, 100, 20)
    k = np.arange(400)
    assert m.p_wait == pytest.approx(stats.poisson.sf(n - 1, a), rel=1e-9)
    assert m.p_abandon == pytest.approx(
        (np.maximum(k - n, 0) * stats.poisson.pmf(k, a)).sum() / a, rel=1e-9
    )


def test_scaled_gamma_series_and_direct_agree():
    """log g(s, z) by scipy's gammainc equals its defining series sum_k z^k / (s ... (s+k))
    summed term by term, and stays finite where gammainc underflows."""
    for s_, z_ in ((5.0, 3.5), (50.0, 35.0), (500.0, 350.0), (40.0, 90.0)):
        term = total = 1.0 / s_
        k = 0
        while term > 1e-18 * total:
            k += 1
            term *= z_ / (s_ + k)
            total += term
        got = log_scaled_gamma(np.array([s_]), np.array([z_]))[0]
        assert got == pytest.approx(math.log(total), rel=1e-10)
    assert np.all(np.isfinite(log_scaled_gamma(np.array([1e6]), np.array([1e3]))))


def test_agrees_with_pyworkforce_on_a_grid():
    """pyworkforce 0.5 ErlangC.required_positions (its `asa` argument is the service-level time,
    in minutes; `raw_positions` the agents before shrinkage) on 8 volumes x 3 targets x 3 AHTs
    x 2 occupancy caps: identical agents in every cell."""
    ErlangC = pytest.importorskip("pyworkforce.queuing").ErlangC

    for volume in (3, 12, 40, 90, 150, 260, 480, 900):
        for target in (0.7, 0.8, 0.9):
            for aht in (120, 300, 600):
                for occ in (0.85, 1.0):
                    ours = st.agents_required(
                        volume, every="30m", aht_seconds=aht, sl_target=target,
                        sl_seconds=20, max_occupancy=occ, shrinkage=0.0,
                    )  # fmt: skip
                    theirs = ErlangC(
                        transactions=volume, aht=aht / 60, asa=20 / 60, interval=30, shrinkage=0.0
                    ).required_positions(service_level=target, max_occupancy=occ)
                    assert ours.agents == theirs["raw_positions"], (volume, target, aht, occ)
