"""Handle-time draws and the stationary M/M/n+M simulation that checks Erlang A.

The queue itself (first come, first served, with abandonment and shifts) is
:func:`cxlab._queue.fifo_queue`, the one the synthetic generator also runs, so a plan is
backtested under the queue model the data was generated with.

References
----------
Garnett, O., Mandelbaum, A. & Reiman, M. (2002). Designing a call center with impatient customers.
*Manufacturing & Service Operations Management* 4(3), 208-227 (the M/M/n+M model simulated here
with constant staffing to check Erlang A).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from cxlab._options import check_option
from cxlab._queue import QueueOutcome, fifo_queue

Service = Literal["exponential", "lognormal"]
LOGNORMAL_SIGMA = 0.5
"""Shape of lognormal handle times (coefficient of variation about 0.53), a common call-centre fit
(Brown et al. 2005, "Statistical analysis of a telephone call center", JASA 100, 36-50)."""


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
