"""A discrete-event simulation of a first-come-first-served queue with abandonment and shifts.

Callers are taken in arrival order. Each waits for the earliest free server and hangs up when the
wait exceeds their patience; a caller who hangs up never takes a server, so handling callers in
arrival order is exact for FIFO with abandonment (no event calendar is needed). Staffing changes at
interval boundaries: new servers start free at the boundary; when staff falls, idle servers leave
first, then the ones that free up soonest (a server that leaves still finishes the calls it was
already given). Callers who arrive while nobody is on shift wait for the next staffed interval.

References
----------
Garnett, O., Mandelbaum, A. & Reiman, M. (2002). Designing a call center with impatient customers.
*Manufacturing & Service Operations Management* 4(3), 208-227 (the M/M/n+M model simulated here
with constant staffing to check Erlang A).
"""

from __future__ import annotations

import heapq
from typing import Literal, NamedTuple

import numpy as np

from cxlab._options import check_option

Service = Literal["exponential", "lognormal"]
LOGNORMAL_SIGMA = 0.5
"""Shape of lognormal handle times (coefficient of variation about 0.53), a common call-centre fit
(Brown et al. 2005, "Statistical analysis of a telephone call center", JASA 100, 36-50)."""


class QueueOutcome(NamedTuple):
    """What happened to each caller."""

    wait: np.ndarray
    """Seconds waited (until answered, or until hanging up)."""
    abandoned: np.ndarray
    """Whether the caller hung up before being answered."""


def draw_service(
    rng: np.random.Generator, mean_seconds: np.ndarray | float, size: int, service: Service
) -> np.ndarray:
    """Handle times with the given mean: exponential, or lognormal with shape ``LOGNORMAL_SIGMA``."""
    check_option("service", service, Service)
    mean = np.broadcast_to(np.asarray(mean_seconds, float), (size,))
    if service == "exponential":
        return rng.exponential(1.0, size) * mean
    s = LOGNORMAL_SIGMA
    return mean * rng.lognormal(-s * s / 2.0, s, size)


def fifo_queue(
    arrived: np.ndarray,
    service: np.ndarray,
    patience: np.ndarray,
    *,
    slot: np.ndarray | None = None,
    servers: np.ndarray | int = 1,
    interval_seconds: float = np.inf,
) -> QueueOutcome:
    """Simulate a FIFO multi-server queue with abandonment and staffing that changes per interval.

    Parameters
    ----------
    arrived : numpy.ndarray
        Arrival times in seconds from the start of the horizon, sorted.
    service : numpy.ndarray
        Handle time of each caller, seconds.
    patience : numpy.ndarray
        Patience of each caller, seconds (``inf`` for callers who never hang up).
    slot : numpy.ndarray of int, optional
        The staffing interval of each arrival (``floor(arrived / interval_seconds)``); all 0 when
        omitted.
    servers : numpy.ndarray of int or int
        Servers on shift per interval (a single number for constant staffing).
    interval_seconds : float
        Length of a staffing interval.

    Returns
    -------
    QueueOutcome
        ``(wait, abandoned)`` per caller, in the order given.

    References
    ----------
    Garnett, Mandelbaum & Reiman (2002).
    """
    n = len(arrived)
    servers = np.atleast_1d(np.asarray(servers, np.int64))
    if slot is None:
        slot = np.zeros(n, np.int64)
    wait = np.zeros(n)
    gone = np.zeros(n, bool)
    free: list[float] = []
    pending: list[int] = []
    current = -1
    arrived_l = arrived.tolist()
    service_l = service.tolist()
    patience_l = patience.tolist()
    slot_l = np.asarray(slot, np.int64).tolist()
    servers_l = servers.tolist()
    last = len(servers_l) - 1

    def restaff(k: int) -> None:
        nonlocal free, pending
        start = k * interval_seconds if np.isfinite(interval_seconds) else 0.0
        want = servers_l[min(k, last)]
        have = len(free)
        if want > have:
            for _ in range(want - have):
                heapq.heappush(free, start)
        elif want < have:
            free = heapq.nlargest(want, [f if f > start else start for f in free])
            heapq.heapify(free)
        if free and pending:
            for j in pending:
                s = free[0] if free[0] > arrived_l[j] else arrived_l[j]
                w = s - arrived_l[j]
                if w > patience_l[j]:
                    wait[j] = patience_l[j]
                    gone[j] = True
                else:
                    wait[j] = w
                    heapq.heapreplace(free, s + service_l[j])
            pending = []

    for i in range(n):
        k = slot_l[i]
        while current < k:
            current += 1
            restaff(current)
        if not free:
            pending.append(i)
            continue
        t = arrived_l[i]
        s = free[0] if free[0] > t else t
        w = s - t
        if w > patience_l[i]:
            wait[i] = patience_l[i]
            gone[i] = True
        else:
            wait[i] = w
            heapq.heapreplace(free, s + service_l[i])
    while pending and current < last:
        current += 1
        restaff(current)
    if pending:  # nobody comes on shift again before the horizon ends
        end = (last + 1) * interval_seconds if np.isfinite(interval_seconds) else np.inf
        for j in pending:
            wait[j] = min(patience_l[j], end - arrived_l[j])
            gone[j] = True
    return QueueOutcome(wait, gone)


def simulate_erlang_a(
    arrival_rate: float,
    agents: int,
    aht_seconds: float,
    patience_seconds: float,
    *,
    n_callers: int = 200_000,
    warmup: int = 5_000,
    service: Service = "exponential",
    seed: int = 0,
) -> QueueOutcome:
    """Simulate a stationary M/M/n+M queue (Poisson arrivals, constant staffing).

    The first ``warmup`` callers (started from an empty system) are dropped.

    References
    ----------
    Garnett, Mandelbaum & Reiman (2002).
    """
    rng = np.random.default_rng(seed)
    total = n_callers + warmup
    arrived = np.cumsum(rng.exponential(1.0 / arrival_rate, total))
    svc = draw_service(rng, aht_seconds, total, service)
    pat = (
        rng.exponential(patience_seconds, total)
        if np.isfinite(patience_seconds)
        else np.full(total, np.inf)
    )
    out = fifo_queue(arrived, svc, pat, servers=agents)
    return QueueOutcome(out.wait[warmup:], out.abandoned[warmup:])
