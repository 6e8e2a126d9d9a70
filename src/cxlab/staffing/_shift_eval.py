"""A shift schedule judged by simulation: the service level it gives across forecast scenarios.

Each scenario draws, per queue and day, one uniform ``u`` and takes every interval's volume at
the forecast's quantile ``Q_t(u)`` (the forecast's quantile function, see
:mod:`cxlab.staffing._shift_forecast`). Forecast errors within a day move together (a day that
starts busy stays busy), and the comonotone draw is the limit of that correlation: it keeps each
interval's forecast distribution exactly and gives the day's total its widest spread, so it errs on
the side of caution. A Gaussian copula with a within-day correlation estimated from backtest
errors would be tighter; a staffing plan does not carry those errors, so it is not used. Arrivals
are then Poisson given each interval's volume, at uniform times inside the interval; handle times
and patience are exponential with the plan's means (the Erlang A model), and callers meet the
agents the schedule has working minute by minute (breaks included) in the one first-come-first-
served simulator of the ground floor (:func:`cxlab._queue.fifo_queue`), across the whole horizon,
so a backlog carries over from one interval into the next.

References
----------
Koole, G. (2013). *Call Center Optimization*. MG Books, chapter 6 (simulating a staffing plan).
Gans, N., Shen, H., Zhou, Y.-P., Korolev, N., McCord, A. & Ristock, H. (2015). Parametric
forecasting and stochastic programming models for call-center workforce scheduling.
*Manufacturing & Service Operations Management* 17(4), 571-588.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cxlab._errors import OptionError, SchemaError
from cxlab._present import (
    N_,
    Headline,
    _,
    fmt_interval,
    fmt_value,
    interval_words,
    ngettext,
    register_labels,
    register_units,
)
from cxlab._queue import fifo_queue
from cxlab._result import Result
from cxlab.staffing._required import _EPS
from cxlab.staffing._shift_forecast import (
    Timeline,
    plan_timeline,
    quantile_from_quantiles,
    service_gains,
)
from cxlab.staffing._shifts import ShiftSchedule, level_text
from cxlab.staffing._util import local_ts, when, zone
from cxlab.staffing._words import family_color, queue_words

ALL = "all"
STATS = ("sl_mean", "sl_p10", "sl_p90", "p_meet_sl", "abandon_mean", "abandon_p10", "abandon_p90")

register_labels(
    {
        "offered_mean": N_("Contacts offered (mean of scenarios)"),
        "sl_mean": N_("Service level (mean of scenarios)"),
        "sl_p10": N_("Service level, 10th percentile"),
        "sl_p90": N_("Service level, 90th percentile"),
        "p_meet_sl": N_("Chance of meeting the target"),
        "abandon_mean": N_("Abandonment (mean of scenarios)"),
        "abandon_p10": N_("Abandonment, 10th percentile"),
        "abandon_p90": N_("Abandonment, 90th percentile"),
    }
)
register_units(
    {
        "offered_mean": "number",
        **dict.fromkeys(STATS, "share"),
    }
)


@dataclass(frozen=True)
class ShiftEvaluation(Result):
    """The service level and abandonment a shift schedule gives across forecast scenarios.

    ``intervals`` has one row per queue and interval with contacts forecast:
    ``interval_start, queue, agents`` (agents working on average), ``offered_mean, sl_target``,
    then over the scenarios the service level's mean, 10th and 90th percentiles
    (``sl_mean, sl_p10, sl_p90``; a scenario with no contact in the interval is left out), the
    share of scenarios in which the interval meets the target (``p_meet_sl``: its contacts
    answered within the threshold over its contacts offered reach the target, and an interval
    without contacts meets it; see :func:`meets_target`) and the abandonment rate's mean and
    percentiles (``abandon_mean, abandon_p10, abandon_p90``). ``days`` has the same per queue and
    day, ``totals`` per queue over the whole horizon, with a row ``all`` for all queues together
    (its ``p_meet_sl`` empty when the queues' targets differ). A period's service level in a
    scenario is its contacts answered within the threshold over its contacts offered.
    """

    intervals: pl.DataFrame
    days: pl.DataFrame
    totals: pl.DataFrame
    scenarios: int
    seed: int
    interval_minutes: int
    share_met: float
    """Share of interval-scenarios, over the intervals with contacts forecast, meeting their
    queue's target (:func:`meets_target`)."""
    banded: bool
    mode: str | None = None
    probability: float | None = None
    expected_sl: float | None = None
    wall_seconds: float = 0.0
    time_zone: str | None = field(default=None, compare=False)
    absence: float = 0.0
    """The schedule's absence allowance: the chance each agent-shift is missed in a scenario."""

    @property
    def title(self) -> str:
        return _("Service level of the shift schedule across forecast scenarios")

    def summary(self) -> pl.DataFrame:
        """One row per queue and interval (see the class)."""
        return self.intervals

    def total(self, queue: str = ALL) -> dict:
        """The totals row of a queue (``"all"``: every queue together)."""
        rows = self.totals.filter(pl.col("queue") == queue)
        if rows.height == 0:
            raise OptionError(
                f"queue={queue!r} is not evaluated; choose one of {self.totals['queue'].to_list()}."
            )
        return rows.row(0, named=True)

    @property
    def service_level(self) -> float:
        """Mean over the scenarios of the service level of all queues over the horizon."""
        return float(self.total()["sl_mean"])

    def headline(self) -> list[Headline]:
        """One card: the service level of all queues over the horizon, the mean of the scenarios,
        with the range of four scenarios out of five and the target when the queues share one."""
        row = self.total()
        days = self.days["day"]
        period = None
        if days.len():
            period = (days.min().isoformat(), (days.max() + _days(1)).isoformat())
        return [
            Headline(
                key="scenario_service_level",
                label=N_("Service level of the shifts across forecast scenarios"),
                value=row["sl_mean"],
                unit="share",
                target=row["sl_target"],
                direction=">=" if row["sl_target"] is not None else None,
                period=period,
                low=row["sl_p10"],
                high=row["sl_p90"],
                detail=_("{low} to {high} in four scenarios out of five").format(
                    low=fmt_value(row["sl_p10"], "share"), high=fmt_value(row["sl_p90"], "share")
                ),
            )
        ]

    def to_dict(self) -> dict:
        from cxlab._result import json_safe

        return json_safe(
            {
                "title": self.title,
                "scenarios": self.scenarios,
                "seed": self.seed,
                "share_met": self.share_met,
                "mode": self.mode,
                "probability": self.probability,
                "expected_sl": self.expected_sl,
                "totals": self.totals.to_dicts(),
            }
        )

    def findings(self) -> list[str]:
        out = [
            _(
                "{n} scenarios drawn from the forecast, one draw per queue and day (a busy "
                "morning goes with a busy afternoon), with callers simulated through the queue "
                "against the agents working minute by minute."
            ).format(n=fmt_value(self.scenarios, "count"))
        ]
        if self.absence:
            out.append(
                _(
                    "Each scenario also draws who is away: every agent-shift is missed whole "
                    "with a chance of {absence}, the schedule's allowance for absence, training "
                    "and meetings."
                ).format(absence=fmt_value(self.absence, "share"))
            )
        if not self.banded:
            out.append(
                _(
                    "The plan carries no forecast range: the scenarios differ only by chance arrivals."
                )
            )
        rows = self.totals.filter(pl.col("queue") != ALL)
        for r in rows.iter_rows(named=True):
            out.append(
                _(
                    "{queue}: service level {sl} over the period, {range} in four scenarios out "
                    "of five, against a target of {target}; {abandon} of callers hang up."
                ).format(
                    queue=queue_words(r["queue"]),
                    sl=fmt_value(r["sl_mean"], "share"),
                    range=fmt_interval(r["sl_p10"], r["sl_p90"], "share", change=False),
                    target=fmt_value(r["sl_target"], "share"),
                    abandon=fmt_value(r["abandon_mean"], "share"),
                )
            )
        cut = self.probability if self.probability is not None else 0.8
        cells = self.intervals.filter(pl.col("p_meet_sl").is_not_null())
        if cells.height:
            sure = int((cells["p_meet_sl"] >= cut - 1e-9).sum())
            worst = cells.sort("p_meet_sl").row(0, named=True)
            out.append(
                ngettext(
                    "{k} of {m} {interval} meets the target in at least {level} of the "
                    "scenarios; the least sure is {when} ({queue}), meeting it in {p}.",
                    "{k} of {m} {interval}s meet the target in at least {level} of the "
                    "scenarios; the least sure is {when} ({queue}), meeting it in {p}.",
                    cells.height,
                ).format(
                    k=fmt_value(sure, "count"),
                    m=fmt_value(cells.height, "count"),
                    interval=interval_words(self.interval_minutes),
                    level=level_text(cut),
                    when=when(worst["interval_start"], self.time_zone),
                    queue=queue_words(worst["queue"]),
                    p=fmt_value(worst["p_meet_sl"], "share"),
                )
            )
        if self.mode == "chance" and self.probability is not None:
            out.append(
                _(
                    "The schedule was calibrated by a simulation of its own so that every "
                    "{interval} meets the target with a chance of at least {level}; in these "
                    "scenarios, drawn apart from that simulation's, each {interval} meets it in "
                    "{share} of them on average."
                ).format(
                    interval=interval_words(self.interval_minutes),
                    level=level_text(self.probability),
                    share=fmt_value(self.share_met, "share"),
                )
            )
        if self.mode == "expected_service" and self.expected_sl is not None:
            out.append(
                _(
                    "The scheduling model expected a service level of {claimed} within the "
                    "budget; the simulation gives {simulated}."
                ).format(
                    claimed=fmt_value(self.expected_sl, "share"),
                    simulated=fmt_value(self.service_level, "share"),
                )
            )
        return out

    def plot(self):
        """Per queue, the service level by interval: the range of four scenarios out of five,
        the mean, and the target."""
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        from cxlab.viz import closed_hours, date_ticks, fade, step_band, with_gaps

        queues = self.intervals["queue"].unique(maintain_order=True).to_list()
        fig = make_subplots(
            rows=max(len(queues), 1),
            cols=1,
            shared_xaxes=True,
            subplot_titles=[queue_words(q) for q in queues] if len(queues) > 1 else None,
        )
        stamps: list = []
        for i, q in enumerate(queues, start=1):
            d = self.intervals.filter(pl.col("queue") == q).sort("interval_start")
            x = local_ts(d["interval_start"], self.time_zone).to_list()
            stamps += x
            color = family_color(q, i)
            xs, ys = step_band(
                x, d["sl_p10"].fill_null(0.0).to_list(), d["sl_p90"].fill_null(0.0).to_list()
            )
            fig.add_trace(
                go.Scatter(
                    x=xs, y=ys, mode="lines", line=dict(width=0), fill="toself",
                    fillcolor=fade(color, 0.3), name=_("Four scenarios out of five"),
                    legendgroup="band", showlegend=i == 1, hoverinfo="skip",
                ),
                row=i, col=1,
            )  # fmt: skip
            xs, ys = with_gaps(x, d["sl_mean"].to_list())
            fig.add_trace(
                go.Scatter(
                    x=xs, y=ys, mode="lines", line=dict(color=color, width=2, shape="hv"),
                    name=_("Service level (mean of scenarios)"), legendgroup="mean",
                    showlegend=i == 1, hovertemplate="%{x|%m-%d %H:%M}: %{y:.1%}<extra></extra>",
                ),
                row=i, col=1,
            )  # fmt: skip
            xs, ys = with_gaps(x, d["sl_target"].to_list())
            fig.add_trace(
                go.Scatter(
                    x=xs, y=ys, mode="lines", line=dict(color="#333333", width=1.5, dash="dash"),
                    name=_("Target"), legendgroup="target", showlegend=i == 1, hoverinfo="skip",
                ),
                row=i, col=1,
            )  # fmt: skip
            fig.update_yaxes(range=[0, 1.02], tickformat=".0%", row=i, col=1)
        fig.update_xaxes(
            type="date",
            rangebreaks=closed_hours(sorted(set(stamps))),
            tickformat=date_ticks(),
        )
        height = max(360, 220 * len(queues) + 140)
        fig.update_layout(
            title=_("Service level by interval across forecast scenarios"),
            height=height,
            margin=dict(t=130),
            # the legend above the first queue's title, not on it
            legend=dict(y=1 + 34 / (height - 180)),
            hovermode="x unified",
        )
        return fig


@dataclass(frozen=True)
class _Simulated:
    """The raw draws of a simulation: per scenario, queue and interval, contacts offered,
    answered within the threshold and abandoned."""

    tl: Timeline
    agents: np.ndarray
    offered: np.ndarray
    within: np.ndarray
    abandoned: np.ndarray
    first_queue: pl.DataFrame
    first_day: object
    minutes: int
    n: int
    days: int
    day_of: np.ndarray
    per: int


def meets_target(offered, within, target) -> np.ndarray:
    """Whether an interval meets its service-level target, the one definition every chance in
    this room uses: its contacts answered within the threshold over its contacts offered reach
    the target (abandons count as not answered); an interval with no contacts meets it, as
    Erlang A gives a service level of 1 without traffic
    (:func:`cxlab.staffing.erlang_a`). Arrays broadcast."""
    offered = np.asarray(offered)
    with np.errstate(invalid="ignore", divide="ignore"):
        sl = np.where(offered > 0, np.asarray(within) / np.where(offered > 0, offered, 1), 1.0)
    return sl >= np.asarray(target, float) - 1e-12


def met_counts(schedule: ShiftSchedule, plan, *, scenarios: int, seed: int):
    """Per plan queue and interval of the schedule's timeline, in how many of ``scenarios``
    simulated scenarios the interval meets its target (:func:`meets_target`), with the plan's
    timeline and which intervals have contacts forecast (queues x intervals each)."""
    sim = _simulate(schedule, plan, int(scenarios), int(seed))
    met = meets_target(sim.offered, sim.within, sim.tl.sl_target[None, :, None]).sum(axis=0)
    return met, sim.tl, sim.tl.quantiles.max(axis=2) > 0


def _pooled_split(pooled: np.ndarray, tl: Timeline, per: int) -> np.ndarray:
    """Agents of a pooled schedule per queue and slot: in each interval they go, one by one, to
    the queue where they add the most contacts answered in time in expectation (the split that
    pooling the need assumes); agents beyond any gain go to the busiest queue. ``pooled`` is
    slots, or scenarios x slots (the result then scenarios x queues x slots)."""
    gains, offered = service_gains(tl)
    nq, n = offered.shape
    many = pooled.ndim == 2
    pooled = np.atleast_2d(pooled)
    out = np.zeros((pooled.shape[0], nq, pooled.shape[1]), np.int64)
    busiest = np.argmax(offered, axis=0)
    for t in range(n):
        cells = pooled[:, t * per : (t + 1) * per]
        if not cells.any():
            continue
        merged = np.concatenate([gains[q][t] for q in range(nq)])
        owner = np.concatenate([np.full(gains[q][t].size, q) for q in range(nq)])
        order = np.argsort(-merged, kind="stable")
        owner = owner[order][merged[order] > 0]
        counts = np.zeros((owner.size + 1, nq), np.int64)
        if owner.size:
            counts[1:] = np.cumsum(np.eye(nq, dtype=np.int64)[owner], axis=0)
        take = np.minimum(cells, owner.size)
        out[:, :, t * per : (t + 1) * per] = counts[take].transpose(0, 2, 1)
        out[:, busiest[t], t * per : (t + 1) * per] += cells - take
    return out if many else out[0]


def _present(schedule: ShiftSchedule, working: np.ndarray, scenarios: int, seed: int):
    """Agents working per scenario, queue of the schedule and slot, once the schedule's absence
    allowance is drawn: each agent-shift is worked or missed whole, with probability
    ``1 - absence`` and independently (sickness and leave take days, not half-hours); a
    schedule without its agents' rows draws each slot's agents binomially instead. A generator
    of its own keeps the volume and caller draws those of a schedule without absence."""
    absence = float(schedule.rules.absence or 0.0) if schedule.rules is not None else 0.0
    if absence <= 0:
        return np.broadcast_to(working[None], (scenarios, *working.shape))
    rng = np.random.default_rng([int(seed), 1])
    rows, queues = schedule.agent_slots, schedule.agent_queues
    if rows is None or queues is None or rows.shape[1] != working.shape[1]:
        return rng.binomial(working[None].repeat(scenarios, axis=0), 1.0 - absence)
    came = rng.random((scenarios, rows.shape[0])) >= absence
    out = np.zeros((scenarios, *working.shape), np.int64)
    for q in range(working.shape[0]):
        mine = queues == q
        if mine.any():
            out[:, q] = came[:, mine].astype(np.float32) @ rows[mine].astype(np.float32)
    return out


def _simulate(schedule: ShiftSchedule, plan, scenarios: int, seed: int) -> _Simulated:
    """Draw ``scenarios`` forecast scenarios and run each queue's callers through the agents the
    schedule has working (see :func:`evaluate_shifts`)."""
    tz = zone(schedule.time_zone)
    first_queue = schedule.coverage_table.filter(pl.col("queue") == schedule.queues[0])
    stamps = first_queue.sort("interval_start")["interval_start"]
    local = local_ts(stamps, tz)
    first_day = local.min().date()
    minutes = int(schedule.interval_minutes)
    n = stamps.len()
    tl = plan_timeline(plan, first_day, minutes, n, tz)
    working, slot_minutes = schedule.working_by_slot()
    per = minutes // slot_minutes
    nq = len(tl.queues)
    present = _present(schedule, working, int(scenarios), int(seed))
    if schedule.pooled:
        agents = _pooled_split(present[:, 0], tl, per)
    else:
        absent = [
            q
            for i, q in enumerate(tl.queues)
            if q not in schedule.queues and tl.quantiles[i].max() > 0
        ]
        if absent:
            raise SchemaError(
                f"the schedule has no agents for the plan's queues {absent[:5]}; schedule them "
                f"(by='queue' with them in the requirement) or pool the queues. The schedule "
                f"has {list(schedule.queues)}."
            )
        agents = np.zeros((scenarios, nq, working.shape[1]), np.int64)
        for i, q in enumerate(tl.queues):
            if q in schedule.queues:
                agents[:, i] = present[:, schedule.queues.index(q)]
    rng = np.random.default_rng(int(seed))
    day_of = tl.day_of()
    days = int(day_of.max()) + 1 if n else 1
    u = rng.random((scenarios, nq, days))
    volume = quantile_from_quantiles(u[:, :, day_of], tl.quantiles[None])
    offered = rng.poisson(volume)
    within = np.zeros(offered.shape, np.int64)
    abandoned = np.zeros(offered.shape, np.int64)
    seconds = tl.seconds
    slot_seconds = slot_minutes * 60.0
    n_slots = agents.shape[2]
    for q in range(nq):
        every_servers = np.floor(agents[:, q] * tl.concurrency[q] + _EPS).astype(np.int64)
        for s in range(scenarios):
            servers = every_servers[s]
            counts = offered[s, q]
            total = int(counts.sum())
            if total == 0:
                continue
            cell = np.repeat(np.arange(n), counts)
            arrived = np.sort((cell + rng.random(total)) * seconds)
            handle = rng.exponential(tl.aht[q], total)
            patience = (
                rng.exponential(tl.patience[q], total)
                if np.isfinite(tl.patience[q])
                else np.full(total, np.inf)
            )
            slot = np.minimum((arrived // slot_seconds).astype(np.int64), n_slots - 1)
            out = fifo_queue(
                arrived, handle, patience, slot=slot, servers=servers,
                interval_seconds=slot_seconds,
            )  # fmt: skip
            fast = ~out.abandoned & (out.wait <= tl.sl_seconds[q])
            within[s, q] = np.bincount(cell, fast, minlength=n)
            abandoned[s, q] = np.bincount(cell, out.abandoned, minlength=n)
    return _Simulated(tl, agents, offered, within, abandoned, first_queue, first_day, minutes, n,
                      days, day_of, per)  # fmt: skip


def evaluate_shifts(
    schedule: ShiftSchedule, plan, *, scenarios: int = 200, seed: int = 0
) -> ShiftEvaluation:
    """Judge a shift schedule by simulating the queue across scenarios drawn from the forecast.

    Parameters
    ----------
    schedule : ShiftSchedule
        From :func:`cxlab.staffing.schedule_shifts`, on the plan's intervals.
    plan : StaffingPlan
        The staffing plan: its forecast quantiles per interval and queue (without them, every
        scenario has the forecast volume and only arrivals vary), handle times, patience,
        service-level targets and chat concurrency.
    scenarios : int, default 200
        Scenarios to draw (at least 1).
    seed : int, default 0
        Seed of the draws; the same seed gives the same result.

    Returns
    -------
    ShiftEvaluation

    Notes
    -----
    Each scenario draws one uniform per queue and day and reads every interval's volume at that
    probability of its forecast distribution: errors within a day are strongly correlated, and
    the comonotone draw, their limit, keeps each interval's distribution and errs on the side of
    a wider day (the plan carries no backtest errors to estimate a Gaussian copula's
    correlation from). Arrivals are Poisson given the volume; handle times and patience are
    exponential with the plan's means (infinite patience where the plan uses Erlang C); a chat
    agent is ``concurrency`` servers. The agents working come from the schedule minute by
    minute, breaks included; a pooled schedule's agents go, interval by interval, to the queue
    where they add the most contacts answered in time in expectation. The queue runs across the
    whole horizon, so a backlog carries over into the next interval. The schedule's absence
    allowance (``ShiftRules.absence``) is drawn per agent-shift: each is worked or missed whole,
    independently, with probability ``1 - absence``, since sickness and leave take whole days
    (a draw per interval would average the absence out within the day and understate its
    spread). A week of half-hours for
    three queues and 200 scenarios takes a few seconds (the simulator handles about three
    million callers a second).

    References
    ----------
    Koole (2013), chapter 6; Gans et al. (2015); Garnett, Mandelbaum & Reiman (2002).

    Examples
    --------
    >>> import datetime as dt, polars as pl, cxlab as cx
    >>> fc = pl.DataFrame({"series_id": "q",
    ...     "ts": [dt.datetime(2026, 10, 5, 8 + h, tzinfo=dt.UTC) for h in range(8)],
    ...     "y_hat": 100.0, "y_lo_80": 85.0, "y_hi_80": 115.0, "y_lo_95": 78.0, "y_hi_95": 123.0})
    >>> s = cx.staffing.QueueSettings(aht_seconds=180, sl_target=0.8, sl_seconds=20,
    ...                               patience_seconds=120)
    >>> plan = cx.staffing.plan(fc, every="1h", settings=s, time_zone="UTC")
    >>> rules = cx.staffing.ShiftRules(lengths=(8,), earliest_start="08:00", latest_start="08:00")
    >>> sure = cx.staffing.schedule_shifts(plan, rules, mode="chance", probability=0.9, num_workers=1)
    >>> check = cx.staffing.evaluate_shifts(sure, plan, scenarios=100, seed=0)
    >>> sure.agent_shifts, round(sure.rules.absence, 2), round(check.service_level, 2)
    (13, 0.3, 0.93)
    >>> check.share_met >= 0.8
    True
    """
    if not isinstance(schedule, ShiftSchedule):
        raise OptionError(
            f"schedule= takes a ShiftSchedule from schedule_shifts(); got {type(schedule).__name__}."
        )
    if isinstance(scenarios, bool) or not isinstance(scenarios, int | np.integer) or scenarios < 1:
        raise OptionError(
            f"scenarios={scenarios!r} is not allowed; give a whole number, 1 or more."
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise OptionError(f"seed={seed!r} is not allowed; give a whole number.")
    started = time.perf_counter()
    sim = _simulate(schedule, plan, int(scenarios), int(seed))
    tl, agents, offered, within, abandoned = (sim.tl, sim.agents, sim.offered, sim.within,
                                              sim.abandoned)  # fmt: skip
    first_queue, first_day, minutes, n = sim.first_queue, sim.first_day, sim.minutes, sim.n
    days, day_of, per, nq = sim.days, sim.day_of, sim.per, len(sim.tl.queues)
    forecast = tl.quantiles.max(axis=2) > 0  # queues x intervals with contacts forecast
    ts = first_queue.sort("interval_start")["interval_start"]
    mean_agents = agents.reshape(scenarios, nq, n, per).mean(axis=(0, 3))
    frames = []
    for q, name in enumerate(tl.queues):
        keep = np.flatnonzero(forecast[q])
        stats = _stats(offered[:, q, keep], within[:, q, keep], abandoned[:, q, keep],
                       tl.sl_target[q])  # fmt: skip
        frames.append(
            pl.DataFrame(
                {
                    "interval_start": ts.gather(keep),
                    "queue": [name] * keep.size,
                    "agents": mean_agents[q, keep],
                    "offered_mean": offered[:, q, keep].mean(axis=0),
                    "sl_target": np.full(keep.size, tl.sl_target[q]),
                    **stats,
                }
            )
        )
    intervals = pl.concat(frames).fill_nan(None)
    targets = tl.sl_target
    one_target = float(targets[0]) if np.allclose(targets, targets[0]) else None
    day_rows, total_rows = [], []
    for q, name in [*enumerate(tl.queues), (None, ALL)]:
        pick = slice(None) if q is None else slice(q, q + 1)
        target = one_target if q is None else float(targets[q])
        o, w, a = (x[:, pick].sum(axis=1) for x in (offered, within, abandoned))
        for d in range(days):
            cols = day_of == d
            if not forecast[pick][:, cols].any():
                continue
            stats = _stats(o[:, cols].sum(axis=1, keepdims=True), w[:, cols].sum(axis=1, keepdims=True),
                           a[:, cols].sum(axis=1, keepdims=True), target)  # fmt: skip
            day_rows.append(
                {"day": first_day + _days(d), "queue": name, "offered_mean": float(o[:, cols].sum(axis=1).mean()),
                 "sl_target": target, **{k: v[0] for k, v in stats.items()}}
            )  # fmt: skip
        stats = _stats(o.sum(axis=1, keepdims=True), w.sum(axis=1, keepdims=True),
                       a.sum(axis=1, keepdims=True), target)  # fmt: skip
        total_rows.append(
            {"queue": name, "offered_mean": float(o.sum(axis=1).mean()), "sl_target": target,
             **{k: v[0] for k, v in stats.items()}}
        )  # fmt: skip
    schema = {
        "offered_mean": pl.Float64,
        "sl_target": pl.Float64,
        **dict.fromkeys(STATS, pl.Float64),
    }
    met = meets_target(offered, within, tl.sl_target[None, :, None])
    share = float(met[:, forecast].mean()) if forecast.any() else math.nan
    return ShiftEvaluation(
        intervals=intervals,
        days=pl.DataFrame(day_rows, schema={"day": pl.Date, "queue": pl.Utf8, **schema}).fill_nan(
            None
        ),
        totals=pl.DataFrame(total_rows, schema={"queue": pl.Utf8, **schema}).fill_nan(None),
        scenarios=int(scenarios),
        seed=int(seed),
        interval_minutes=minutes,
        share_met=share,
        banded=tl.banded,
        mode=schedule.mode,
        probability=schedule.probability,
        expected_sl=schedule.expected_sl,
        wall_seconds=time.perf_counter() - started,
        time_zone=schedule.time_zone,
        absence=float(schedule.rules.absence or 0.0) if schedule.rules is not None else 0.0,
    )


def _days(d: int):
    import datetime as dt

    return dt.timedelta(days=d)


def _stats(
    offered: np.ndarray, within: np.ndarray, abandoned: np.ndarray, target: float | None
) -> dict[str, np.ndarray]:
    """Over the scenarios (axis 0): the service level's and abandonment's mean and 10th and 90th
    percentiles (scenarios without contacts left out), and the share of all scenarios meeting
    ``target`` (:func:`meets_target`: one without contacts meets it)."""
    has = offered > 0
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sl = np.where(has, within / np.where(has, offered, 1), np.nan)
        ab = np.where(has, abandoned / np.where(has, offered, 1), np.nan)
        meet = (
            np.full(sl.shape[1], np.nan)
            if target is None
            else meets_target(offered, within, target).mean(axis=0)
        )
        return {
            "sl_mean": np.nanmean(sl, axis=0),
            "sl_p10": np.nanpercentile(sl, 10, axis=0),
            "sl_p90": np.nanpercentile(sl, 90, axis=0),
            "p_meet_sl": meet,
            "abandon_mean": np.nanmean(ab, axis=0),
            "abandon_p10": np.nanpercentile(ab, 10, axis=0),
            "abandon_p90": np.nanpercentile(ab, 90, axis=0),
        }
