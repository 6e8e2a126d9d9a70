"""The queue simulation agrees with Erlang A, and handles shifts and closed intervals."""

from __future__ import annotations

import numpy as np
import pytest

import cxlab.staffing as st

REPS = 6
SIGMAS = 4.0  # allowed distance, in standard errors of the replication mean


@pytest.mark.parametrize(
    ("lam", "n", "aht", "patience"),
    [(100 / 1800, 12, 180, 120), (1 / 10, 30, 300, 200), (1 / 20, 8, 180, 90)],
)
def test_erlang_a_agrees_with_simulation(lam, n, aht, patience):
    """Stationary M/M/n+M simulated (Poisson arrivals, exponential service and patience, FIFO):
    P(wait), P(abandon), the service level at 20 s and ASA of answered callers each lie within
    4 standard errors of the Erlang A values (6 independent replications of 40,000 callers after
    a warm-up of 5,000; the standard error from the spread of the replications). Model:
    Garnett, Mandelbaum & Reiman (2002)."""
    m = st.erlang_a(lam, n, aht, patience, 20)
    runs = []
    for r in range(REPS):
        o = st.simulate_erlang_a(lam, n, aht, patience, n_callers=40_000, seed=100 + r)
        answered = ~o.abandoned
        runs.append(
            [
                (o.wait > 0).mean(),
                o.abandoned.mean(),
                (answered & (o.wait <= 20)).mean(),
                o.wait[answered].mean(),
            ]
        )
    runs = np.array(runs)
    mean, se = runs.mean(0), runs.std(0, ddof=1) / np.sqrt(REPS)
    theory = np.array([m.p_wait, m.p_abandon, m.service_level, m.asa])
    assert np.all(np.abs(mean - theory) <= SIGMAS * se + 1e-12), (mean, theory, se)


def test_infinite_patience_is_erlang_c():
    """With nobody hanging up, the simulated waiting share matches Erlang C within 4 SE."""
    runs = [
        (
            st.simulate_erlang_a(100 / 1800, 13, 180, np.inf, n_callers=40_000, seed=s).wait > 0
        ).mean()
        for s in range(REPS)
    ]
    se = np.std(runs, ddof=1) / np.sqrt(REPS)
    assert abs(np.mean(runs) - st.erlang_c(10.0, 13)) <= SIGMAS * se


def test_shifts_and_closed_intervals():
    """Staffing follows the intervals: callers in an unstaffed interval wait for the next
    staffed one (or hang up), new servers start free at the boundary, and nobody is served
    after the last staffed interval."""
    arrived = np.array([10.0, 20.0, 1900.0, 3700.0])
    service = np.array([100.0, 100.0, 50.0, 10.0])
    patience = np.array([5000.0, 10.0, 100.0, 1e9])
    slot = (arrived // 1800).astype(int)
    out = st.fifo_queue(
        arrived, service, patience, slot=slot, servers=np.array([0, 1, 0]), interval_seconds=1800.0
    )
    # caller 0 waits for the staffed interval starting at 1800 s; caller 1 hangs up after 10 s
    assert out.wait[0] == pytest.approx(1790.0) and not out.abandoned[0]
    assert out.abandoned[1] and out.wait[1] == pytest.approx(10.0)
    # caller 2 arrives at 1900 s, the only server is busy until 1900 s: answered at once
    assert out.wait[2] == pytest.approx(0.0)
    # caller 3 arrives when nobody will come on shift again: not answered
    assert out.abandoned[3]


def test_fewer_servers_never_help():
    """Same arrivals, handle times and patience: more servers give no more abandons and no
    longer total wait (FIFO with customer-attached service times is monotone in servers)."""
    rng = np.random.default_rng(3)
    arrived = np.cumsum(rng.exponential(10.0, 5000))
    service = rng.exponential(200.0, 5000)
    patience = rng.exponential(150.0, 5000)
    outs = [st.fifo_queue(arrived, service, patience, servers=k) for k in (18, 20, 22)]
    aband = [o.abandoned.sum() for o in outs]
    waits = [o.wait.sum() for o in outs]
    assert aband == sorted(aband, reverse=True)
    assert waits == sorted(waits, reverse=True)


@pytest.mark.slow
def test_erlang_a_agrees_with_simulation_on_a_random_grid():
    """Twelve random M/M/n+M queues (2 to 60 agents, load 0.6 to 1.3 per agent, patience 0.2 to
    3 handle times): every measure within 4 standard errors of Erlang A (8 replications of
    60,000 callers each). Model: Garnett, Mandelbaum & Reiman (2002)."""
    rng = np.random.default_rng(2024)
    for case in range(12):
        n = int(rng.integers(2, 61))
        aht = float(rng.uniform(60, 600))
        lam = float(rng.uniform(0.6, 1.3)) * n / aht
        patience = float(rng.uniform(0.2, 3.0)) * aht
        m = st.erlang_a(lam, n, aht, patience, 20)
        runs = []
        for r in range(8):
            o = st.simulate_erlang_a(lam, n, aht, patience, n_callers=60_000, seed=1000 * case + r)
            answered = ~o.abandoned
            runs.append(
                [
                    (o.wait > 0).mean(),
                    o.abandoned.mean(),
                    (answered & (o.wait <= 20)).mean(),
                    o.wait[answered].mean(),
                ]
            )
        runs = np.array(runs)
        mean, se = runs.mean(0), runs.std(0, ddof=1) / np.sqrt(8)
        theory = np.array([m.p_wait, m.p_abandon, m.service_level, m.asa])
        assert np.all(np.abs(mean - theory) <= SIGMAS * se + 1e-12), (
            case,
            n,
            lam,
            aht,
            patience,
            mean,
            theory,
            se,
        )
