"""A staffing plan's forecast on a shift schedule's timeline: quantile functions, the agents that
meet the target with a given chance, and the expected answered-in-time contacts per headcount.

The forecast gives five quantiles of each interval's volume (the 2.5%, 10%, 50%, 90% and 97.5%
points); the predictive distribution is the one :mod:`cxlab.staffing._uncertainty` fits to them
(linear in the normal score between the points, extended with the outer slopes), here read
through its quantile function ``Q(p)``.

- **Chance**: under the stationary Erlang A approximation, ``n`` agents meet the target exactly up
  to a break-even volume ``v*(n)``, so ``P(SL >= target) = P(V <= v*(n))``; the smallest ``n``
  with ``v*(n) >= Q(level)`` is the smallest whose chance reaches ``level``, which is the
  smallest ``n`` meeting the target at the volume ``Q(level)``.
- **Expected service**: ``E[answered within the threshold](n) = E_V[V SL(V, n)]``, the
  expectation over the forecast taken by quadrature at ``QUADRATURE`` equally spaced
  probabilities; its least concave majorant gives increments that fall with ``n``.

References
----------
Gans, N., Shen, H., Zhou, Y.-P., Korolev, N., McCord, A. & Ristock, H. (2015). Parametric
forecasting and stochastic programming models for call-center workforce scheduling.
*Manufacturing & Service Operations Management* 17(4), 571-588.
Garnett, O., Mandelbaum, A. & Reiman, M. (2002). Designing a call center with impatient customers.
*Manufacturing & Service Operations Management* 4(3), 208-227.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import numpy as np
import polars as pl

from cxlab._errors import OptionError, SchemaError
from cxlab.staffing._erlang_a import erlang_a_from
from cxlab.staffing._required import _EPS, required_servers
from cxlab.staffing._uncertainty import Z

QUADRATURE = 32
"""Probabilities ``(k + 0.5) / QUADRATURE`` at which the forecast distribution is read for the
expected answered-in-time contacts."""
BAND_COLUMNS = ("y_lo_95", "y_lo_80", "y_hat", "y_hi_80", "y_hi_95")


def quantile_from_quantiles(p: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """The volume at probability ``p`` from five quantiles (``quantiles`` rows x 5, in
    ``LEVELS`` order; ``p`` broadcasts against the rows): the inverse of
    :func:`cxlab.staffing._uncertainty.cdf_from_quantiles`, never below 0."""
    from scipy.special import ndtri

    q = np.sort(np.asarray(quantiles, float), axis=-1)
    z = ndtri(np.clip(np.asarray(p, float), 1e-12, 1 - 1e-12))
    z = np.broadcast_arrays(z, q[..., 0])[0]
    j = np.clip(np.searchsorted(Z, z, side="right") - 1, 0, len(Z) - 2)
    lo = np.take_along_axis(np.broadcast_to(q, (*z.shape, 5)), j[..., None], axis=-1)[..., 0]
    hi = np.take_along_axis(np.broadcast_to(q, (*z.shape, 5)), j[..., None] + 1, axis=-1)[..., 0]
    frac = (z - Z[j]) / (Z[j + 1] - Z[j])
    return np.maximum(lo + frac * (hi - lo), 0.0)


@dataclass
class Timeline:
    """A plan's queues on a schedule's timeline (intervals of real time from the first local
    midnight: 25 hours of them the day the clocks go back, 23 the day they go forward)."""

    queues: list[str]
    first_day: dt.date
    minutes: int
    quantiles: np.ndarray  # queues x intervals x 5; zero where the plan has no row
    aht: np.ndarray  # per queue
    patience: np.ndarray
    sl_seconds: np.ndarray
    sl_target: np.ndarray
    concurrency: np.ndarray
    banded: bool
    days: np.ndarray | None = None  # the local day (from 0) of each interval

    @property
    def n(self) -> int:
        return self.quantiles.shape[1]

    @property
    def seconds(self) -> float:
        return self.minutes * 60.0

    def day_of(self) -> np.ndarray:
        """The day (from 0) of each interval, by its start on the local clock."""
        if self.days is not None:
            return self.days
        return np.arange(self.n) * self.minutes // 1440


def plan_timeline(
    plan, first_day: dt.date, minutes: int, n: int, time_zone: str, *, need_bands: bool = False
) -> Timeline:
    """The plan's forecast and queue settings laid on ``n`` intervals of ``minutes`` of real time
    from local midnight of ``first_day`` in ``time_zone`` (as the schedule lays its shifts): each
    of the plan's instants has its own interval, the hour the clocks go back twice over."""
    from cxlab.staffing._plan import StaffingPlan

    if not isinstance(plan, StaffingPlan):
        raise OptionError(
            "this needs a staffing plan (cx.staffing.plan(forecast, ...)): its forecast "
            f"quantiles and queue settings; got {type(plan).__name__}."
        )
    if round(plan.interval_minutes) != minutes:
        raise OptionError(
            f"the plan's intervals are {plan.interval_minutes:g} minutes and the schedule's "
            f"{minutes}; make both on the same grain."
        )
    table = plan.table
    banded = all(table[c].null_count() == 0 for c in BAND_COLUMNS)
    if need_bands and not banded:
        raise SchemaError(
            "the staffing plan has no forecast quantiles (its columns y_lo_95, y_lo_80, "
            "y_hi_80, y_hi_95 are empty): plan from a forecast with its 80% and 95% bands."
        )
    from cxlab.staffing._shifts import _midnight

    ts = table["ts"]
    starts = np.arange(n) * minutes
    if getattr(ts.dtype, "time_zone", None):
        base = _midnight(first_day, time_zone)
        ts = ts.dt.convert_time_zone("UTC")
        grid = pl.Series(
            [base + dt.timedelta(minutes=int(m)) for m in starts],
            dtype=pl.Datetime("us", "UTC"),
        )
        local = grid.dt.convert_time_zone(time_zone).dt.date()
        days = np.array([(d - first_day).days for d in local.to_list()], np.int64)
    else:
        base = dt.datetime.combine(first_day, dt.time())
        days = starts // 1440
    idx = ((ts - base).dt.total_minutes() // minutes).to_numpy()
    outside = (idx < 0) | (idx >= n)
    if outside.any():
        raise SchemaError(
            "the plan has intervals outside the schedule's days: "
            f"{table['ts'].filter(pl.Series(outside)).head(3).to_list()}; schedule those days too, or "
            "filter the plan to the schedule's days."
        )
    queues = sorted(plan.sl_target)
    sid = table["series_id"].cast(pl.Utf8).to_numpy()
    qi = np.array([queues.index(s) for s in sid], np.int64)
    cols = BAND_COLUMNS if banded else ("y_hat",) * 5
    values = np.column_stack([table[c].cast(pl.Float64).fill_null(0.0).to_numpy() for c in cols])
    quantiles = np.zeros((len(queues), n, 5))
    quantiles[qi, idx.astype(np.int64)] = np.maximum(values, 0.0)
    patience = plan.patience_seconds or {}
    return Timeline(
        queues=queues,
        first_day=first_day,
        minutes=minutes,
        quantiles=quantiles,
        aht=np.array([plan.aht_seconds[q] for q in queues], float),
        patience=np.array([patience.get(q, np.inf) or np.inf for q in queues], float),
        sl_seconds=np.array([plan.sl_seconds[q] for q in queues], float),
        sl_target=np.array([plan.sl_target[q] for q in queues], float),
        concurrency=np.array([plan.concurrency[q] for q in queues], float),
        banded=banded,
        days=days,
    )


def chance_need(tl: Timeline, level: float) -> np.ndarray:
    """Agents per queue and interval whose chance of meeting the target is at least ``level``
    under the stationary Erlang A approximation (queues x intervals)."""
    nq, n = tl.quantiles.shape[:2]
    volume = quantile_from_quantiles(np.full((nq, n), level), tl.quantiles)
    shape = (nq, n)

    def per_queue(v: np.ndarray) -> np.ndarray:
        return np.broadcast_to(v[:, None], shape)

    servers = required_servers(
        volume * tl.aht[:, None] / tl.seconds,
        per_queue(tl.aht),
        per_queue(tl.sl_target),
        per_queue(tl.sl_seconds),
        None,
        np.ones(shape),
        per_queue(tl.patience),
    )
    return np.ceil(servers / tl.concurrency[:, None] - _EPS)


def _envelope(values: np.ndarray) -> np.ndarray:
    """Increments of the least concave majorant of ``values`` at 0, 1, 2, ...: they never rise."""
    hull = [0]
    for i in range(1, len(values)):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            if (values[b] - values[a]) * (i - a) <= (values[i] - values[a]) * (b - a):
                hull.pop()
            else:
                break
        hull.append(i)
    out = np.empty(len(values) - 1)
    for a, b in itertools.pairwise(hull):
        out[a:b] = (values[b] - values[a]) / (b - a)
    return out


def service_gains(tl: Timeline) -> tuple[list[list[np.ndarray]], np.ndarray]:
    """Per queue and interval, the concave increments of the expected contacts answered within
    the threshold as agents are added (one array per cell, empty where nobody calls), and the
    expected contacts offered (queues x intervals)."""
    probs = (np.arange(QUADRATURE) + 0.5) / QUADRATURE
    nq, n = tl.quantiles.shape[:2]
    offered = np.zeros((nq, n))
    gains: list[list[np.ndarray]] = [[np.empty(0)] * n for _q in range(nq)]
    for q in range(nq):
        volume = quantile_from_quantiles(probs[None, :], tl.quantiles[q][:, None, :])
        offered[q] = volume.mean(axis=1)
        open_ = np.flatnonzero(volume.max(axis=1) > 0)
        if not open_.size:
            continue
        v = volume[open_]
        traffic = v * tl.aht[q] / tl.seconds
        top = traffic.max(axis=1)
        most = np.ceil((top + 5.0 * np.sqrt(top) + 5.0) / tl.concurrency[q]).astype(np.int64)
        agents = np.arange(int(most.max()) + 1)
        servers = np.floor(agents * tl.concurrency[q] + _EPS)
        sl = erlang_a_from(
            traffic[:, :, None],
            servers[None, None, :],
            tl.aht[q],
            tl.patience[q],
            tl.sl_seconds[q],
        ).service_level
        within = (v[:, :, None] * sl).mean(axis=1)  # intervals x agents
        for row, t in enumerate(open_):
            gains[q][t] = np.maximum(_envelope(within[row, : most[row] + 1]), 0.0)
    return gains, offered
