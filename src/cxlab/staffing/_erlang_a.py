"""Erlang A (M/M/n+M, Palm's queue with exponential patience), vectorised and stable at any size.

With arrival rate lambda, service rate mu = 1/AHT, abandonment rate theta = 1/patience and n agents,
write ``x = n mu / theta`` and ``y = lambda / theta`` and use the scaled lower incomplete gamma
``g(s, z) = e^z z^-s gamma(s, z) = sum_k z^k / (s (s+1) ... (s+k))``. Then, with ``E`` the Erlang B
probability of n servers at load ``a = lambda / mu`` and ``S = x g(x, y)``:

- P(wait > 0) = S E / (1 + (S - 1) E)
- P(abandon | wait > 0) = 1 - (S - 1) / (rho S), rho = a / n
- P(answered within t | wait > 0) = [g(x+1, y) - g(x+1, y u) e^{y (1-u)} u^{x+1}] / g(x, y), u = e^{-theta t}
- E[V e^{-theta V} | V > 0] = -(1/theta) g(x+1, y) / g(x, y) d/ds log g(s, y) at s = x + 1,

where V is the offered wait (the wait of a caller with infinite patience), whose density on
``v > 0`` is proportional to ``exp(-n mu v + y (1 - e^{-theta v}))``. Everything is computed on
the log scale, so 10,000 Erlangs neither overflow nor underflow.

References
----------
Palm, C. (1943). Intensitätsschwankungen im Fernsprechverkehr. *Ericsson Technics* 44.
Garnett, O., Mandelbaum, A. & Reiman, M. (2002). Designing a call center with impatient customers.
*Manufacturing & Service Operations Management* 4(3), 208-227.
Mandelbaum, A. & Zeltyn, S. (2007). Service engineering in action: the Palm/Erlang-A queue, with
applications to call centers. In *Advances in Services Innovations*, Springer, 17-45.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from cxlab._errors import OptionError
from cxlab.staffing._erlang import (
    _as_agents,
    _as_float,
    _asa_from_c,
    _scalar_or_array,
    _sl_from_c,
    erlang_b_from,
    erlang_c_from,
)

_TINY = 1e-280


def log_scaled_gamma(s: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``log g(s, z)``, ``g(s, z) = e^z z^-s gamma(s, z)`` for s > 0, z >= 0, on the log scale.

    scipy's regularised ``gammainc`` where it does not underflow; where it does (z far below s),
    the series ``sum_k z^k / (s (s+1) ... (s+k))``, whose terms then fall geometrically.
    """
    from scipy import special

    s, z = np.broadcast_arrays(np.asarray(s, float), np.asarray(z, float))
    out = np.empty(s.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = special.gammainc(s, z)
        direct = (p > _TINY) & (z > 0)
        out[direct] = (
            special.gammaln(s[direct])
            + np.log(p[direct])
            + z[direct]
            - s[direct] * np.log(z[direct])
        )
    rest = ~direct
    if rest.any():
        ss, zz = s[rest], z[rest]
        term = 1.0 / ss
        total = term.copy()
        k = 0
        while True:
            k += 1
            term = term * zz / (ss + k)
            total += term
            if np.all(term <= 1e-17 * total) or k > 100_000:
                break
        out[rest] = np.log(total)
    return out


class ErlangA(NamedTuple):
    """Steady-state measures of an M/M/n+M queue (arrays broadcast from the inputs)."""

    p_wait: np.ndarray
    """P(wait > 0): share of arrivals that find every agent busy."""
    p_abandon: np.ndarray
    """Share of arrivals that hang up before being answered."""
    service_level: np.ndarray
    """Share of arrivals answered within ``sl_seconds`` (abandons count as not answered)."""
    asa: np.ndarray
    """Average speed of answer: mean wait of answered contacts, seconds."""
    occupancy: np.ndarray
    """Share of agents' time spent handling contacts (carried load / agents)."""


def erlang_a_from(
    traffic: np.ndarray,
    agents: np.ndarray,
    aht_seconds: np.ndarray,
    patience_seconds: np.ndarray,
    sl_seconds: np.ndarray,
    b: np.ndarray | None = None,
) -> ErlangA:
    """Erlang A on checked arrays (``b`` the Erlang B values when known). Infinite patience gives Erlang C."""
    a, n, aht, pat, t = np.broadcast_arrays(
        traffic, agents, aht_seconds, patience_seconds, sl_seconds
    )
    if b is None:
        b = erlang_b_from(a, n)
    b = np.broadcast_to(b, a.shape)
    finite = np.isfinite(pat) & (pat > 0)
    live = finite & (a > 0) & (n > 0)
    p_wait = np.where(a > 0, 1.0, 0.0)
    p_ab = np.where(a > 0, 1.0, 0.0)
    sl = np.where(a > 0, 0.0, 1.0)
    asa = np.where(a > 0, np.nan, 0.0)
    if live.any():
        al, nl, ahl, pl_, tl, bl = (v[live] for v in (a, n, aht, pat, t, b))
        r = ahl / pl_  # theta / mu
        x = nl / r
        y = al / r
        theta = 1.0 / pl_
        lg_x = log_scaled_gamma(x, y)
        lg_x1 = log_scaled_gamma(x + 1.0, y)
        log_s = np.log(x) + lg_x
        with np.errstate(divide="ignore", over="ignore"):
            q = (1.0 - bl) * np.exp(-(log_s + np.log(bl)))
        pw = 1.0 / (1.0 + q)
        r_inf = np.exp(lg_x1 - lg_x)  # P(answered | wait > 0)
        ab_given_wait = np.clip(1.0 - r_inf, 0.0, 1.0)
        log_u = -theta * tl
        u = np.exp(log_u)
        late = np.exp(
            log_scaled_gamma(x + 1.0, y * u) + y * (-np.expm1(log_u)) + (x + 1.0) * log_u - lg_x
        )
        within = np.clip(r_inf - late, 0.0, 1.0)
        h = 1e-5 * np.maximum(x + 1.0, 1.0)
        dlog = (log_scaled_gamma(x + 1.0 + h, y) - log_scaled_gamma(x + 1.0 - h, y)) / (2 * h)
        wait_answered = -(1.0 / theta) * r_inf * dlog  # E[V e^{-theta V} | V > 0]
        pa = pw * ab_given_wait
        p_wait[live] = pw
        p_ab[live] = pa
        sl[live] = (1.0 - pw) + pw * within
        asa[live] = np.where(pa < 1.0, pw * wait_answered / np.maximum(1.0 - pa, 1e-300), np.nan)
    stuck = ~finite & (n == 0) & (a > 0)  # nobody to answer and nobody hangs up
    p_ab[stuck] = 0.0
    asa[stuck] = np.inf
    infinite = ~finite & (n > 0) & (a > 0)
    if infinite.any():
        ai, ni, ahi, ti = a[infinite], n[infinite], aht[infinite], t[infinite]
        c = erlang_c_from(ai, ni, b[infinite])
        p_wait[infinite] = c
        p_ab[infinite] = 0.0
        sl[infinite] = _sl_from_c(c, ai, ni, ahi, ti)
        asa[infinite] = _asa_from_c(c, ai, ni, ahi)
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.where(n > 0, np.minimum(a * (1.0 - p_ab) / np.where(n > 0, n, 1), 1.0), 0.0)
    return ErlangA(p_wait, p_ab, sl, asa, occ)


def erlang_a(
    arrival_rate: ArrayLike,
    agents: ArrayLike,
    aht_seconds: ArrayLike,
    patience_seconds: ArrayLike,
    sl_seconds: ArrayLike = 20.0,
) -> ErlangA:
    """Erlang A (M/M/n+M): waiting, abandonment, service level and ASA with impatient callers.

    Parameters
    ----------
    arrival_rate : array_like
        Arrivals per second (for example ``volume / (interval_minutes * 60)``).
    agents : array_like of int
        Agents on the phones.
    aht_seconds : array_like
        Mean handle time, seconds (service is exponential in the model).
    patience_seconds : array_like
        Mean patience, seconds (exponential); ``inf`` gives Erlang C.
    sl_seconds : array_like, default 20
        Service-level threshold, seconds.

    Returns
    -------
    ErlangA
        A named tuple ``(p_wait, p_abandon, service_level, asa, occupancy)``; floats when every
        input is a scalar. The service level counts abandons as not answered; ASA is the mean
        wait of answered contacts. With no traffic: no wait, service level 1. With no agents and
        traffic: everyone waits and (with finite patience) abandons, service level 0, ASA
        undefined (NaN; infinite when nobody hangs up).

    References
    ----------
    Palm (1943); Garnett, Mandelbaum & Reiman (2002); Mandelbaum & Zeltyn (2007).

    Examples
    --------
    >>> m = erlang_a(100 / 1800, 14, 180.0, 120.0, 20.0)
    >>> round(m.p_abandon, 3), round(m.service_level, 3)
    (0.023, 0.933)
    """
    lam = _as_float(arrival_rate, "arrival_rate")
    n = _as_agents(agents)
    aht = _as_float(aht_seconds, "aht_seconds")
    pat = _as_float(patience_seconds, "patience_seconds")
    t = _as_float(sl_seconds, "sl_seconds")
    if np.any(aht <= 0):
        raise OptionError("aht_seconds must be positive.")
    lam, n, aht, pat, t = np.broadcast_arrays(lam, n, aht, pat, t)
    res = erlang_a_from(lam * aht, n, aht, pat, t)
    return ErlangA(*(_scalar_or_array(np.asarray(v)) for v in res))
