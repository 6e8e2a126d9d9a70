"""The first-come-first-served queue with abandonment and shifts, simulated caller by caller.

One simulator serves the synthetic generator (the waits and abandonment of every phone and chat
contact) and the staffing room (Erlang A checks, backtests of a staffing plan), so data generated
under a staffing plan and a plan backtested on that data meet the same queue.

The model is M/M/n+M with shifts, for any draws of handle time and patience: callers are taken in
arrival order; each waits for the earliest free server and hangs up when the wait would exceed
their patience, and a caller who hangs up never takes a server, so handling callers in arrival
order is exact for FIFO with abandonment (no event calendar is needed; Garnett, Mandelbaum &
Reiman 2002 for the model, Koole 2013 for simulating a plan this way).

Staffing changes at interval boundaries:

- new servers start free at the boundary;
- when staff falls, the servers that free up soonest stay (idle ones first) and the others leave
  once they have finished the call they were already given: the busiest leave;
- callers who arrive while nobody is on shift wait for the next staffed interval, and hang up when
  their patience runs out first; nobody is answered after the last staffed interval.

A caller is placed with the servers on shift in the interval they arrive in: a caller still
waiting at a boundary is answered by those servers (a leaving server takes them before it goes;
a server starting at the boundary does not take them). With patience of minutes and intervals of
half an hour this touches a few callers at each change of staff.

References
----------
Garnett, O., Mandelbaum, A. & Reiman, M. (2002). Designing a call center with impatient customers.
*Manufacturing & Service Operations Management* 4(3), 208-227.
Koole, G. (2013). *Call Center Optimization*. MG Books, chapter 6 (simulating a staffing plan).
"""

from __future__ import annotations

import heapq
from typing import NamedTuple

import numpy as np

from cxlab._errors import OptionError


class QueueOutcome(NamedTuple):
    """What happened to each caller."""

    wait: np.ndarray
    """Seconds waited (until answered, or until hanging up)."""
    abandoned: np.ndarray
    """Whether the caller hung up before being answered."""


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
        The staffing interval of each arrival (``floor(arrived / interval_seconds)``), not
        decreasing; all 0 when omitted.
    servers : numpy.ndarray of int or int
        Servers on shift per interval (a single number for constant staffing); intervals past the
        end keep the last number. A chat agent taking two chats at once counts as two servers.
    interval_seconds : float
        Length of a staffing interval.

    Returns
    -------
    QueueOutcome
        ``(wait, abandoned)`` per caller, in the order given.

    References
    ----------
    Garnett, Mandelbaum & Reiman (2002); Koole (2013), chapter 6.
    """
    n = len(arrived)
    if len(service) != n or len(patience) != n or (slot is not None and len(slot) != n):
        raise OptionError(
            f"arrived, service, patience and slot must have one value per caller; got lengths "
            f"{n}, {len(service)}, {len(patience)} and {n if slot is None else len(slot)}."
        )
    arrived = np.asarray(arrived, float)
    if n > 1 and (bad := np.flatnonzero(np.diff(arrived) < 0)).size:
        raise OptionError(f"arrived must be sorted; it falls after positions {bad[:5].tolist()}.")
    servers = np.atleast_1d(np.asarray(servers, np.int64))
    if (servers < 0).any():
        raise OptionError(f"servers must be 0 or more; got {servers[servers < 0][:5].tolist()}.")
    slot = np.zeros(n, np.int64) if slot is None else np.asarray(slot, np.int64)
    if n > 1 and (bad := np.flatnonzero(np.diff(slot) < 0)).size:
        raise OptionError(
            f"slot must not decrease with arrival time; it falls after positions "
            f"{bad[:5].tolist()}."
        )
    wait = [0.0] * n
    gone = [False] * n
    free: list[float] = []  # when each server on shift is next free, as a heap
    pending: list[int] = []  # callers who arrived while nobody was on shift
    current = -1
    arrived_l = arrived.tolist()
    service_l = np.asarray(service, float).tolist()
    patience_l = np.asarray(patience, float).tolist()
    servers_l = servers.tolist()
    last = len(servers_l) - 1
    step = float(interval_seconds) if np.isfinite(interval_seconds) else 0.0
    replace = heapq.heapreplace
    # the loop below is the generator's hot path (millions of callers): locals only
    for i, k in enumerate(slot.tolist()):
        if k != current:
            while current < k:
                current += 1
                free = _restaff(free, current * step, servers_l[min(current, last)])
                if free and pending:
                    _serve_waiting(pending, free, arrived_l, service_l, patience_l, wait, gone)
                    pending = []
        if not free:
            pending.append(i)
            continue
        t = arrived_l[i]
        s = free[0] if free[0] > t else t
        if s - t > patience_l[i]:
            wait[i] = patience_l[i]
            gone[i] = True
        else:
            wait[i] = s - t
            replace(free, s + service_l[i])
    while pending and current < last:
        current += 1
        free = _restaff(free, current * step, servers_l[current])
        if free:
            _serve_waiting(pending, free, arrived_l, service_l, patience_l, wait, gone)
            pending = []
    if pending:  # nobody comes on shift again before the horizon (the last interval) ends
        end = (max(last, current) + 1) * step if step else np.inf
        for j in pending:
            wait[j] = min(patience_l[j], end - arrived_l[j])
            gone[j] = True
    return QueueOutcome(np.array(wait, float), np.array(gone, bool))


def _restaff(free: list[float], start: float, want: int) -> list[float]:
    """The servers' heap after staffing changes to ``want`` at ``start``: newcomers start free
    there; when staff falls the ``want`` servers that free up soonest stay.

    Which agents end their shift at a boundary does not depend on whether they are on a call; of
    the two deterministic rules (the busiest leave, or the idlest leave) this one is the
    optimistic bound and the other the pessimistic one. It is the rule the synthetic data has
    always been made with, so plans are backtested on the queue the data came from.
    """
    have = len(free)
    if want > have:
        for _ in range(want - have):
            heapq.heappush(free, start)
    elif want < have:
        free = heapq.nsmallest(want, free)
        heapq.heapify(free)
    return free


def _serve_waiting(
    pending: list[int],
    free: list[float],
    arrived: list[float],
    service: list[float],
    patience: list[float],
    wait: list[float],
    gone: list[bool],
) -> None:
    """Answer, in arrival order, the callers who waited while nobody was on shift.

    The step for each caller is the main loop's; that loop writes it out rather than calling a
    helper, since it runs once for every phone and chat contact the generator makes."""
    for j in pending:
        t = arrived[j]
        s = free[0] if free[0] > t else t
        if s - t > patience[j]:
            wait[j] = patience[j]
            gone[j] = True
        else:
            wait[j] = s - t
            heapq.heapreplace(free, s + service[j])
