"""The one queue simulator (``cxlab._queue.fifo_queue``): it agrees with Erlang A, handles shifts
(staff falling to nobody and coming back, the agents free soonest staying), and is the queue both the
synthetic generator and the staffing room run."""

from __future__ import annotations

import numpy as np
import pytest

import cxlab.staffing as st
from cxlab._errors import OptionError
from cxlab._queue import QueueOutcome, fifo_queue
from cxlab.data._synth import _world as W
from cxlab.data._synth._config import HANDLE_MEDIAN, MEAN_PATIENCE, QUEUES
from cxlab.staffing import _backtest

REPS = 6
SIGMAS = 4.0  # allowed distance, in standard errors of the replication mean
HALF_HOUR = 1800.0


def _run(arrived, service, patience, servers) -> QueueOutcome:
    arrived = np.asarray(arrived, float)
    return fifo_queue(
        arrived,
        np.asarray(service, float),
        np.asarray(patience, float),
        slot=(arrived // HALF_HOUR).astype(int),
        servers=np.asarray(servers),
        interval_seconds=HALF_HOUR,
    )


# -- Erlang A and C ----------------------------------------------------------------------------


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


def test_fewer_servers_never_help():
    """Same arrivals, handle times and patience: more servers give no more abandons and no
    longer total wait (FIFO with customer-attached service times is monotone in servers)."""
    rng = np.random.default_rng(3)
    arrived = np.cumsum(rng.exponential(10.0, 5000))
    service = rng.exponential(200.0, 5000)
    patience = rng.exponential(150.0, 5000)
    outs = [fifo_queue(arrived, service, patience, servers=k) for k in (18, 20, 22)]
    aband = [o.abandoned.sum() for o in outs]
    waits = [o.wait.sum() for o in outs]
    assert aband == sorted(aband, reverse=True)
    assert waits == sorted(waits, reverse=True)


# -- shifts -------------------------------------------------------------------------------------


def test_shifts_and_closed_intervals():
    """Staffing follows the intervals: callers in an unstaffed interval wait for the next
    staffed one (or hang up), new servers start free at the boundary, and nobody is served
    after the last staffed interval."""
    out = _run(
        [10.0, 20.0, 1900.0, 3700.0],
        [100.0, 100.0, 50.0, 10.0],
        [5000.0, 10.0, 100.0, 1e9],
        [0, 1, 0],
    )
    # caller 0 waits for the staffed interval starting at 1800 s; caller 1 hangs up after 10 s
    assert out.wait[0] == pytest.approx(1790.0) and not out.abandoned[0]
    assert out.abandoned[1] and out.wait[1] == pytest.approx(10.0)
    # caller 2 arrives at 1900 s, the only server is busy until 1900 s: answered at once
    assert out.wait[2] == pytest.approx(0.0)
    # caller 3 arrives when nobody will come on shift again: not answered, waits to the end
    assert out.abandoned[3] and out.wait[3] == pytest.approx(5400.0 - 3700.0)


def test_staff_falls_to_nobody_and_comes_back():
    """Two agents, then nobody for an hour, then one again: the two finish the calls they took
    before leaving; a patient caller of the closed hour is answered when the agent comes back,
    first come first served, and an impatient one hangs up after their patience."""
    out = _run(
        arrived=[100.0, 1700.0, 1900.0, 2000.0, 4000.0, 5500.0],
        service=[60.0, 600.0, 120.0, 60.0, 30.0, 10.0],
        patience=[50.0, 50.0, 1e9, 1e9, 300.0, 50.0],
        servers=[2, 0, 0, 1],
    )
    # the call taken at 1700 s runs past the closing (to 2300 s): it is finished, not dropped
    assert out.wait[:2].tolist() == [0.0, 0.0]
    # closed 1800-5400 s: 1900 s is answered at 5400 s, 2000 s after it (5520 s), 4000 s hangs up
    assert out.wait[2] == pytest.approx(3500.0) and not out.abandoned[2]
    assert out.wait[3] == pytest.approx(3520.0) and not out.abandoned[3]
    assert out.wait[4] == pytest.approx(300.0) and out.abandoned[4]
    # 5500 s: the one agent is busy with the two night callers until 5580 s; 80 s > patience 50
    assert out.wait[5] == pytest.approx(50.0) and out.abandoned[5]


def test_when_staff_falls_the_agents_free_soonest_stay():
    """Staff falls from three to one at 1800 s. With one agent busy (until 2700 s) and two idle,
    an idle one stays: a caller at 1810 s is answered at once. With all three busy (until 1900,
    2000 and 2500 s), the one free soonest stays and the other two leave after their calls: the
    caller waits 90 s. The opposite rule (the idlest leave) would make them wait 890 s and 690 s."""
    one_busy = _run([1700.0, 1810.0], [1000.0, 10.0], [1e9, 1e9], [3, 1])
    assert one_busy.wait.tolist() == [0.0, 0.0]
    all_busy = _run(
        [1700.0, 1700.0, 1700.0, 1810.0], [200.0, 300.0, 800.0, 10.0], [1e9] * 4, [3, 1]
    )
    assert all_busy.wait[3] == pytest.approx(90.0)


def test_past_the_last_interval_staffing_stays_as_it_ends():
    """Intervals past the staffing given keep its last number: nobody after a closed end (the
    caller waits to the end of their own interval and is not answered), one agent after an
    open end."""
    closed = _run([100.0, 6000.0], [10.0, 10.0], [1e9, 1e9], [1, 0])
    assert closed.abandoned.tolist() == [False, True]
    assert closed.wait[1] == pytest.approx(4 * HALF_HOUR - 6000.0)
    open_ = _run([100.0, 6000.0], [10.0, 10.0], [1e9, 1e9], [1])
    assert open_.wait.tolist() == [0.0, 0.0] and not open_.abandoned.any()


def test_bad_inputs_are_refused():
    """Arrivals out of order, slots that go back, unequal lengths and negative staff."""
    one = np.ones(3)
    with pytest.raises(OptionError, match="arrived must be sorted"):
        fifo_queue(np.array([1.0, 3.0, 2.0]), one, one)
    with pytest.raises(OptionError, match="slot must not decrease"):
        fifo_queue(np.arange(3.0), one, one, slot=np.array([0, 1, 0]), servers=np.ones(2, int))
    with pytest.raises(OptionError, match="one value per caller"):
        fifo_queue(np.arange(3.0), np.ones(2), one)
    with pytest.raises(OptionError, match="0 or more"):
        fifo_queue(np.arange(3.0), one, one, servers=-1)


# -- one queue for the generator and the staffing room --------------------------------------------


def test_the_staffing_room_runs_the_shared_simulator():
    """The public name, the Erlang A check and the staffing backtest all call the one function."""
    assert st.fifo_queue is fifo_queue
    assert _backtest.fifo_queue is fifo_queue
    assert st.QueueOutcome is QueueOutcome


@pytest.mark.parametrize("qi", [0, 3])  # a phone queue (one call each) and a chat queue (two)
def test_the_generator_waits_are_the_shared_simulators(qi):
    """The generator's waits and abandonment of a phone or chat queue equal a direct call of the
    shared simulator on the same draws, with the plan's agents times the queue's concurrency per
    half hour, through a closed half hour, a fall in staff and a reopening (rounded to 0.1 s,
    as the generator stores them)."""
    q = QUEUES[qi]
    agents = np.array([3, 3, 1, 0, 0, 2, 2, 1])
    start = np.datetime64("2026-03-02T00:00:00", "us")
    staffing = W.Staffing(start + np.arange(8) * np.timedelta64(30, "m"), {q.queue: agents})
    rng = np.random.default_rng(5)
    seconds = np.sort(rng.uniform(0, 8 * HALF_HOUR, 400))
    arrived = start + (seconds * 1e6).astype("timedelta64[us]")
    wait, gone = W.queue_waits(np.random.default_rng(9), arrived, None, qi, staffing)

    twin = np.random.default_rng(9)  # the generator's draws, in its order
    service = HANDLE_MEDIAN[q.channel] * twin.lognormal(0.05, 0.5, len(arrived))
    patience = twin.exponential(MEAN_PATIENCE[q.channel], len(arrived))
    exact = (arrived - start) / np.timedelta64(1, "s")
    direct = fifo_queue(
        exact,
        service,
        patience,
        slot=(exact // HALF_HOUR).astype(int),
        servers=agents * q.concurrency,
        interval_seconds=HALF_HOUR,
    )
    np.testing.assert_array_equal(wait, np.round(direct.wait, 1))
    np.testing.assert_array_equal(gone, direct.abandoned)
    # nobody on shift from 1:30 to 2:30: most callers of that hour hang up, the others are
    # answered from 2:30 on
    closed = (exact >= 3 * HALF_HOUR) & (exact < 5 * HALF_HOUR)
    assert closed.sum() > 50 and gone[closed].mean() > 0.8
    answered = closed & ~gone
    assert np.all(exact[answered] + direct.wait[answered] >= 5 * HALF_HOUR)
