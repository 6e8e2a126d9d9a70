"""Agents required per interval for a service-level or ASA target, vectorised over intervals and queues.

The search starts at the smallest staffing the occupancy cap allows (and, without abandonment, the
smallest that keeps the queue stable) and adds one agent at a time, only for the cells that still
miss their target; Erlang B is carried from one step to the next by its recursion, so a whole
plan (thousands of intervals) costs a few vectorised steps.

Chat concurrency: an agent who handles ``c`` chats at once is ``c`` servers, each holding a chat
for its full handle time (the handle time of a chat is measured with the interleaving). Servers
are found first, then agents = ceil(servers / c). Shrinkage converts agents on the phones into
agents to schedule: ``scheduled = agents / (1 - shrinkage)``.

References
----------
Koole, G. (2013). *Call Center Optimization*. MG Books, chapter 5 (staffing with Erlang C,
occupancy, shrinkage).
Garnett, O., Mandelbaum, A. & Reiman, M. (2002). Designing a call center with impatient customers.
*Manufacturing & Service Operations Management* 4(3), 208-227.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from cxlab._errors import OptionError
from cxlab._options import renamed
from cxlab.staffing._erlang import (
    _as_float,
    _asa_from_c,
    _scalar_or_array,
    _sl_from_c,
    erlang_b_from,
    erlang_c_from,
)
from cxlab.staffing._erlang_a import erlang_a_from
from cxlab.staffing._util import interval_minutes, minutes_as_every

_EPS = 1e-9


class Requirement(NamedTuple):
    """Agents required (arrays broadcast from the inputs; ints/floats for scalar inputs)."""

    agents: np.ndarray
    """Agents on the phones (whole numbers)."""
    scheduled: np.ndarray
    """Agents to schedule after shrinkage, ``agents / (1 - shrinkage)`` (not rounded)."""


def check_targets(
    sl_target: ArrayLike | None,
    sl_seconds: ArrayLike | None,
    asa_target: ArrayLike | None,
    max_occupancy: ArrayLike,
    shrinkage: ArrayLike,
    concurrency: ArrayLike,
) -> None:
    """Refuse impossible or incomplete targets with one clear message."""
    if sl_target is None and asa_target is None:
        raise OptionError(
            "Give a service-level target (sl_target with sl_seconds) or an asa_target."
        )
    if (sl_target is None) != (sl_seconds is None):
        raise OptionError(
            "sl_target and sl_seconds go together: 80% within 20 s is sl_target=0.8, sl_seconds=20."
        )
    if sl_target is not None:
        t = np.asarray(sl_target, float)
        if np.any((t <= 0) | (t >= 1)):
            raise OptionError(
                f"sl_target is a share strictly between 0 and 1; got {t.min():g}..{t.max():g}."
            )
        if np.any(np.asarray(sl_seconds, float) < 0):
            raise OptionError("sl_seconds must not be negative.")
    if asa_target is not None and np.any(np.asarray(asa_target, float) <= 0):
        raise OptionError("asa_target must be positive (seconds).")
    occ = np.asarray(max_occupancy, float)
    if np.any((occ <= 0) | (occ > 1)):
        raise OptionError(
            "max_occupancy is a share in (0, 1]; 0.85 means agents busy at most 85% of the time."
        )
    s = np.asarray(shrinkage, float)
    if np.any((s < 0) | (s >= 1)):
        raise OptionError(
            "shrinkage is a share in [0, 1); 0.3 means 30% of paid time is off the phones."
        )
    if np.any(np.asarray(concurrency, float) < 1):
        raise OptionError(
            "concurrency is the number of contacts an agent handles at once (at least 1)."
        )


def meets(
    traffic: np.ndarray,
    servers: np.ndarray,
    b: np.ndarray,
    aht: np.ndarray,
    sl_target: np.ndarray | None,
    sl_seconds: np.ndarray | None,
    asa_target: np.ndarray | None,
    patience: np.ndarray,
) -> np.ndarray:
    """Whether ``servers`` meet every target (Erlang A where patience is finite, else Erlang C)."""
    ok = np.ones(traffic.shape, bool)
    t = sl_seconds if sl_seconds is not None else np.zeros_like(traffic)
    if np.all(~np.isfinite(patience)):
        c = erlang_c_from(traffic, servers, b)
        if sl_target is not None:
            ok &= _sl_from_c(c, traffic, servers, aht, t) >= sl_target - _EPS
        if asa_target is not None:
            ok &= _asa_from_c(c, traffic, servers, aht) <= asa_target + _EPS
        return ok
    m = erlang_a_from(traffic, servers, aht, patience, t, b)
    if sl_target is not None:
        ok &= m.service_level >= sl_target - _EPS
    if asa_target is not None:
        ok &= np.nan_to_num(m.asa, nan=np.inf) <= asa_target + _EPS
    return ok


def required_servers(
    traffic: np.ndarray,
    aht: np.ndarray,
    sl_target: np.ndarray | None,
    sl_seconds: np.ndarray | None,
    asa_target: np.ndarray | None,
    max_occupancy: np.ndarray,
    patience: np.ndarray,
) -> np.ndarray:
    """Smallest number of servers meeting the targets, on broadcast, checked float arrays."""
    shape = traffic.shape
    flat = {
        "traffic": traffic.ravel(),
        "aht": aht.ravel(),
        "sl_target": None if sl_target is None else sl_target.ravel(),
        "sl_seconds": None if sl_seconds is None else sl_seconds.ravel(),
        "asa_target": None if asa_target is None else asa_target.ravel(),
        "patience": patience.ravel(),
    }
    a = flat["traffic"]
    occ_floor = np.ceil(a / max_occupancy.ravel() - _EPS)
    stable_floor = np.where(np.isfinite(flat["patience"]), 0.0, np.floor(a) + 1.0)
    n = np.where(a > 0, np.maximum(np.maximum(occ_floor, stable_floor), 1.0), 0.0).astype(np.int64)
    open_ = np.flatnonzero(a > 0)
    if open_.size:
        b = erlang_b_from(a[open_], n[open_])
        todo = np.arange(open_.size)
        for _ in range(1_000_000):
            idx = open_[todo]
            sub = {k: (None if v is None else v[idx]) for k, v in flat.items()}
            ok = meets(
                sub["traffic"],
                n[idx],
                b[todo],
                sub["aht"],
                sub["sl_target"],
                sub["sl_seconds"],
                sub["asa_target"],
                sub["patience"],
            )
            todo = todo[~ok]
            if not todo.size:
                break
            idx = open_[todo]
            n[idx] += 1
            ab = a[idx] * b[todo]
            b[todo] = ab / (n[idx] + ab)
    return n.reshape(shape)


@renamed(interval_minutes=("every", minutes_as_every))
def agents_required(
    volume: ArrayLike,
    *,
    every: str,
    aht_seconds: ArrayLike,
    sl_target: ArrayLike | None = None,
    sl_seconds: ArrayLike | None = None,
    asa_target: ArrayLike | None = None,
    max_occupancy: ArrayLike = 0.85,
    shrinkage: ArrayLike = 0.3,
    concurrency: ArrayLike = 1,
    patience_seconds: ArrayLike | None = None,
) -> Requirement:
    """Agents needed on the phones, and to schedule, for a volume of contacts per interval.

    Parameters
    ----------
    volume : array_like
        Contacts arriving per interval (a forecast); broadcast with every other array argument.
        Zero volume (a closed interval) needs 0 agents.
    every : str
        Length of the interval the volume arrives in: ``"15m"``, ``"30m"`` or ``"1h"`` (was
        ``interval_minutes``).
    aht_seconds : array_like
        Mean handle time, seconds.
    sl_target, sl_seconds : array_like, optional
        Service-level target: ``sl_target`` of contacts answered within ``sl_seconds``.
    asa_target : array_like, optional
        Average speed of answer target, seconds. Give it, the service level, or both.
    max_occupancy : array_like, default 0.85
        Cap on offered load per server (``traffic / servers``).
    shrinkage : array_like, default 0.3
        Share of paid time off the phones (breaks, training, absence).
    concurrency : array_like, default 1
        Contacts an agent handles at once (chats); an agent is ``concurrency`` servers.
    patience_seconds : array_like, optional
        Mean caller patience; when given, Erlang A (abandonment) replaces Erlang C.

    Returns
    -------
    Requirement
        ``(agents, scheduled)``.

    References
    ----------
    Koole (2013), chapter 5; Garnett, Mandelbaum & Reiman (2002) for Erlang A.

    Examples
    --------
    >>> r = agents_required(100, every="30m", aht_seconds=180, sl_target=0.8, sl_seconds=20)
    >>> r.agents, round(r.scheduled, 1)
    (14, 20.0)
    """
    check_targets(sl_target, sl_seconds, asa_target, max_occupancy, shrinkage, concurrency)
    minutes = interval_minutes(every)
    vol = _as_float(volume, "volume")
    aht = _as_float(aht_seconds, "aht_seconds")
    if np.any(aht <= 0):
        raise OptionError(
            f"aht_seconds must be positive seconds; got {aht_seconds!r} (a minimum of "
            f"{float(np.min(aht)):g})."
        )
    patience = (
        np.asarray(np.inf)
        if patience_seconds is None
        else np.where(np.isnan(np.asarray(patience_seconds, float)), np.inf, patience_seconds)
    )
    if np.any(patience <= 0):
        raise OptionError("patience_seconds must be positive (or None for no abandonment).")
    arrays = [
        vol,
        aht,
        np.asarray(np.nan if sl_target is None else sl_target, float),
        np.asarray(np.nan if sl_seconds is None else sl_seconds, float),
        np.asarray(np.nan if asa_target is None else asa_target, float),
        np.asarray(max_occupancy, float),
        np.asarray(shrinkage, float),
        np.asarray(concurrency, float),
        np.asarray(patience, float),
    ]
    vol, aht, slt, sls, asat, occ, shr, conc, pat = np.broadcast_arrays(*arrays)
    traffic = vol * aht / (minutes * 60.0)
    servers = required_servers(
        traffic,
        aht,
        None if sl_target is None else slt,
        None if sl_target is None else sls,
        None if asa_target is None else asat,
        occ,
        pat,
    )
    agents = np.ceil(servers / conc - _EPS).astype(np.int64)
    scheduled = agents / (1.0 - shr)
    return Requirement(_scalar_or_array(agents), _scalar_or_array(scheduled))
