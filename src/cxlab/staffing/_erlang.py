"""Erlang B and Erlang C (M/M/n): blocking, waiting probability, service level, ASA, occupancy.

Every function broadcasts its arguments like numpy and is exact at any size: Erlang B is computed
by its recursion ``B(k) = A B(k-1) / (k + A B(k-1))``, which never overflows (the textbook
``A**n / n!`` form overflows near 170 agents). Traffic is in Erlangs (arrivals per second times
mean handle seconds); agents are the servers on the phones.

References
----------
Erlang, A. K. (1917). Solution of some problems in the theory of probabilities of significance in
automatic telephone exchanges. *Elektroteknikeren* 13.
Gans, N., Koole, G. & Mandelbaum, A. (2003). Telephone call centers: tutorial, review, and research
prospects. *Manufacturing & Service Operations Management* 5(2), 79-141.
Koole, G. (2013). *Call Center Optimization*. MG Books, chapter 5.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from cxlab._errors import OptionError


def _as_float(x: ArrayLike, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if np.any(np.isnan(a)):
        raise OptionError(f"{name} has missing values (NaN); fill or drop them first.")
    if np.any(a < 0):
        raise OptionError(f"{name} must not be negative; got a minimum of {a.min():g}.")
    return a


def _as_agents(x: ArrayLike) -> np.ndarray:
    a = _as_float(x, "agents")
    if np.any(a != np.floor(a)):
        raise OptionError("agents must be whole numbers (servers on the phones).")
    return a.astype(np.int64)


def _scalar_or_array(a: np.ndarray):
    return a.item() if a.ndim == 0 else a


def erlang_b_from(traffic: np.ndarray, agents: np.ndarray) -> np.ndarray:
    """Erlang B on already-checked, already-broadcast arrays (the recursion, vectorised).

    Cells are ordered by agents (largest first) so step ``k`` of the recursion touches only the
    cells that still need it: the cost is the sum of the agents, not cells times the largest.
    """
    traffic, agents = np.broadcast_arrays(traffic, agents)
    flat_a = traffic.ravel()
    flat_n = agents.ravel()
    order = np.argsort(-flat_n, kind="stable")
    a = flat_a[order]
    n = flat_n[order]
    b = np.ones_like(a)
    top = int(n[0]) if n.size else 0
    # active[k] = number of cells with agents >= k (a prefix, because n is sorted descending)
    active = np.searchsorted(-n, -np.arange(top + 1), side="right")
    for k in range(1, top + 1):
        m = active[k]
        if m <= 4 and top - k > 256:  # a few large cells left: plain floats beat array calls
            for i in range(m):
                ai, bi = float(a[i]), float(b[i])
                for j in range(k, int(n[i]) + 1):
                    bi = ai * bi / (j + ai * bi)
                b[i] = bi
            break
        ab = a[:m] * b[:m]
        b[:m] = ab / (k + ab)
    out = np.empty_like(b)
    out[order] = b
    return out.reshape(traffic.shape)


def erlang_b(traffic: ArrayLike, agents: ArrayLike):
    """Blocking probability of an M/M/n/n loss system (Erlang B), broadcast over arrays.

    Parameters
    ----------
    traffic : array_like
        Offered load in Erlangs (arrival rate times mean holding time).
    agents : array_like of int
        Servers (lines, agents).

    Returns
    -------
    float or numpy.ndarray
        The probability that an arrival finds every server busy and is lost.

    References
    ----------
    Erlang (1917); the recursion as in Koole (2013), section 5.2.

    Examples
    --------
    >>> round(erlang_b(10.0, 15), 4)
    0.0365
    """
    a = _as_float(traffic, "traffic")
    n = _as_agents(agents)
    return _scalar_or_array(erlang_b_from(a, n))


def erlang_c_from(
    traffic: np.ndarray, agents: np.ndarray, b: np.ndarray | None = None
) -> np.ndarray:
    """Erlang C from arrays (``b`` the Erlang B values when already known). 1 where n <= A."""
    traffic, agents = np.broadcast_arrays(traffic, agents)
    if b is None:
        b = erlang_b_from(traffic, agents)
    stable = agents > traffic
    denom = np.where(stable, agents - traffic * (1.0 - b), 1.0)
    c = np.where(stable, agents * b / denom, 1.0)
    c = np.where(traffic == 0, 0.0, c)
    return np.clip(c, 0.0, 1.0)


def erlang_c(traffic: ArrayLike, agents: ArrayLike):
    """Probability that a caller waits in an M/M/n queue (Erlang C), broadcast over arrays.

    It is 1 when the agents cannot carry the load (``agents <= traffic``) and 0 when there is no
    traffic (a closed interval).

    Parameters
    ----------
    traffic : array_like
        Offered load in Erlangs.
    agents : array_like of int
        Agents on the phones.

    Returns
    -------
    float or numpy.ndarray
        P(wait > 0).

    References
    ----------
    Erlang (1917); Gans, Koole & Mandelbaum (2003), section 4.1.

    Examples
    --------
    >>> round(erlang_c(10.0, 14), 4)
    0.1741
    """
    a = _as_float(traffic, "traffic")
    n = _as_agents(agents)
    return _scalar_or_array(erlang_c_from(a, n))


def _sl_from_c(c, traffic, agents, aht_seconds, sl_seconds):
    stable = agents > traffic
    rate = np.where(stable, (agents - traffic) / aht_seconds, 0.0)
    sl = 1.0 - c * np.exp(-rate * sl_seconds)
    return np.where(traffic == 0, 1.0, np.where(stable, sl, 0.0))


def _asa_from_c(c, traffic, agents, aht_seconds):
    stable = agents > traffic
    denom = np.where(stable, agents - traffic, 1.0)
    return np.where(traffic == 0, 0.0, np.where(stable, c * aht_seconds / denom, np.inf))


def service_level(
    traffic: ArrayLike, agents: ArrayLike, aht_seconds: ArrayLike, sl_seconds: ArrayLike
):
    """Share of callers answered within ``sl_seconds`` in an M/M/n queue (Erlang C).

    ``SL = 1 - C(n, A) exp(-(n - A) t / AHT)``; 0 when ``agents <= traffic`` (the queue grows
    without bound), 1 when there is no traffic.

    Parameters
    ----------
    traffic : array_like
        Offered load in Erlangs.
    agents : array_like of int
        Agents on the phones.
    aht_seconds : array_like
        Mean handle time in seconds.
    sl_seconds : array_like
        The service-level threshold in seconds (the Y of "X% within Y seconds").

    Returns
    -------
    float or numpy.ndarray

    References
    ----------
    Gans, Koole & Mandelbaum (2003), equation (4); Koole (2013), section 5.2.

    Examples
    --------
    >>> round(service_level(10.0, 14, 180.0, 20.0), 3)
    0.888
    """
    a = _as_float(traffic, "traffic")
    n = _as_agents(agents)
    aht = _as_float(aht_seconds, "aht_seconds")
    t = _as_float(sl_seconds, "sl_seconds")
    a, n, aht, t = np.broadcast_arrays(a, n, aht, t)
    c = erlang_c_from(a, n)
    return _scalar_or_array(_sl_from_c(c, a, n, aht, t))


def asa(traffic: ArrayLike, agents: ArrayLike, aht_seconds: ArrayLike):
    """Average speed of answer (mean wait of all callers, seconds) in an M/M/n queue.

    ``ASA = C(n, A) AHT / (n - A)``; infinite when ``agents <= traffic``, 0 with no traffic.

    References
    ----------
    Gans, Koole & Mandelbaum (2003), section 4.1.

    Examples
    --------
    >>> round(asa(10.0, 14, 180.0), 2)
    7.84
    """
    a = _as_float(traffic, "traffic")
    n = _as_agents(agents)
    aht = _as_float(aht_seconds, "aht_seconds")
    a, n, aht = np.broadcast_arrays(a, n, aht)
    c = erlang_c_from(a, n)
    return _scalar_or_array(_asa_from_c(c, a, n, aht))


def occupancy(traffic: ArrayLike, agents: ArrayLike):
    """Share of agents' time spent handling contacts, ``A / n`` (0 for closed intervals, capped at 1)."""
    a = _as_float(traffic, "traffic")
    n = _as_agents(agents)
    a, n = np.broadcast_arrays(a, n)
    occ = np.divide(a, n, out=np.where(a > 0, 1.0, 0.0), where=n > 0)
    return _scalar_or_array(np.minimum(occ, 1.0))
