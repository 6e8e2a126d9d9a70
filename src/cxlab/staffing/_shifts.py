"""Shift scheduling: how many agents start each shift, with their breaks, to cover a requirement.

The model is the set-covering shift schedule of Dantzig (1954) with the break-window variables of
Aykin (1996): for every shift (day, start, length) an integer count of agents, and for every
break of that shift and every allowed break start an integer count of its agents taking the break
then, summing to the shift's count. Coverage is counted in agent-minutes per interval, so a
15-minute break inside a 30-minute interval takes half an agent from it. OR-Tools CP-SAT solves
it within a time limit and reports its proven bound.

References
----------
Aykin, T. (1996). Optimal shift scheduling with multiple break windows. *Management Science*
42(4), 591-602.
Dantzig, G. B. (1954). A comment on Edie's "Traffic delays at toll booths". *Journal of the
Operations Research Society of America* 2(3), 339-341.
Perron, L. & Didier, F. (2024). CP-SAT. OR-Tools, Google.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError, SchemaError
from cxlab._options import check_option
from cxlab._present import (
    N_,
    Headline,
    _,
    check_every,
    fmt_date,
    fmt_interval,
    fmt_list,
    fmt_value,
    interval_words,
    ngettext,
    register_labels,
    register_units,
)
from cxlab._result import Result
from cxlab.staffing._shift_rules import ShiftRules
from cxlab.staffing._util import every_of, interval_minutes, when, zone
from cxlab.staffing._words import queue_words

Mode = Literal["cover", "shortfall", "chance", "expected_service"]
Within = Literal["always", "on_average"]
PLAN_COLUMNS = Literal[
    "agents", "scheduled", "agents_lo_80", "agents_hi_80", "agents_lo_95", "agents_hi_95"
]
POOLED = "all"
DAY = 1440

register_labels(
    {
        "start": N_("Start"),
        "end": N_("End"),
        "length_hours": N_("Shift length (hours)"),
        "paid_hours": N_("Paid hours"),
        "part_time": N_("Part-time"),
        "breaks": N_("Breaks"),
        "unpaid_breaks": N_("Unpaid breaks"),
        "cost": N_("Cost"),
        "working": N_("Agents working"),
        "working_min": N_("Fewest agents working at any moment"),
        "on_shift": N_("Agents on shift (breaks included)"),
        "surplus": N_("Agents over (+) or short (-)"),
        "interval_start": N_("Interval"),
        "shifts": N_("Shifts"),
        "contracted_hours": N_("Contracted hours a week"),
        "start_at": N_("Start (with UTC offset)"),
        "end_at": N_("End (with UTC offset)"),
        "break_times": N_("Breaks (with UTC offset)"),
        "unpaid_break_times": N_("Unpaid breaks (with UTC offset)"),
    }
)
register_units(
    {
        "cost": "money",
        "paid_hours": "number",
        "length_hours": "number",
        "contracted_hours": "number",
        "working": "number",
        "working_min": "count",
        "surplus": "number",
    }
)


@dataclass(frozen=True)
class _Candidate:
    """One shift a schedule may use: its day, start and length, breaks and cost."""

    day: int
    start: int  # minutes from the first day's midnight
    length: int  # minutes
    breaks: tuple[tuple[int, tuple[int, ...], bool], ...]  # (minutes, start offsets, paid)
    cost: int  # in hundredths
    part_time: bool


@dataclass
class _Problem:
    """A requirement on the schedule's timeline.

    Time is measured on the absolute axis, in minutes from the first day's local midnight:
    interval ``t`` starts ``t * minutes`` after it, so the day clocks go back has 25 hours of
    intervals and the day they go forward 23. ``day_starts`` holds each local midnight on that
    axis (one more than the days); without a zone (a naive requirement) it is every 1440
    minutes, as on a wall clock.
    """

    queues: list[str]
    first_day: dt.date
    minutes: int
    required: np.ndarray  # queues x intervals, agents
    weight: np.ndarray  # queues x intervals
    aware: bool
    time_zone: str
    day_starts: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.day_starts:
            days = self.required.shape[1] * self.minutes // DAY
            self.day_starts = tuple(d * DAY for d in range(days + 1))

    @property
    def days(self) -> int:
        return len(self.day_starts) - 1

    def day_of(self) -> np.ndarray:
        """The day (from 0) of each interval, by its start on the local clock."""
        t = np.arange(self.required.shape[1]) * self.minutes
        return np.clip(np.searchsorted(self.day_starts, t, side="right") - 1, 0, self.days - 1)

    def _base(self) -> dt.datetime:
        return _midnight(self.first_day, self.time_zone if self.aware else None)

    def offset(self, day: int, clock: int) -> int | None:
        """Minutes on the axis of local time ``clock`` (minutes after midnight) of day ``day``:
        None when the clock skips it, the first occurrence when it is lived twice."""
        if not self.aware:
            return day * DAY + clock
        from zoneinfo import ZoneInfo

        zone_info = ZoneInfo(self.time_zone)
        wall = dt.datetime.combine(self.first_day + dt.timedelta(days=day), dt.time())
        wall += dt.timedelta(minutes=clock)
        moment = wall.replace(tzinfo=zone_info, fold=0).astimezone(dt.UTC)
        if moment.astimezone(zone_info).replace(tzinfo=None) != wall:
            return None
        return round((moment - self._base()).total_seconds() / 60)

    def instant(self, minutes: int) -> dt.datetime:
        """The moment ``minutes`` along the axis: aware in the zone, or naive without one."""
        base = self._base()
        moment = base + dt.timedelta(minutes=minutes)
        if not self.aware:
            return moment
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo(self.time_zone))

    def local(self, minutes: int) -> dt.datetime:
        """The local wall-clock time (naive) ``minutes`` along the axis."""
        return self.instant(minutes).replace(tzinfo=None)


def _midnight(day: dt.date, time_zone: str | None) -> dt.datetime:
    """Local midnight of ``day`` as an instant (UTC) in ``time_zone``, naive without one; where
    the clock skips midnight, the moment the day starts."""
    wall = dt.datetime.combine(day, dt.time())
    if time_zone is None:
        return wall
    from zoneinfo import ZoneInfo

    return wall.replace(tzinfo=ZoneInfo(time_zone), fold=0).astimezone(dt.UTC)


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def _cover_row(start: int, length: int, minutes: int, n: int) -> dict[int, int]:
    """Minutes of each interval a block [start, start+length) spans."""
    out = {}
    for t in range(max(0, start // minutes), min(n, math.ceil((start + length) / minutes))):
        m = _overlap(start, start + length, t * minutes, (t + 1) * minutes)
        if m:
            out[t] = m
    return out


def _requirement(
    requirement: Any, column: str, by: str | None, every: str | None, time_zone: str | None
) -> _Problem:
    """The requirement as a queues x intervals array on a timeline from the first local midnight."""
    if isinstance(requirement, Result):
        if every is None and hasattr(requirement, "interval_minutes"):
            every = every_of(requirement.interval_minutes)
        if time_zone is None:
            time_zone = getattr(requirement, "time_zone", None)
        requirement = requirement.summary()
    if isinstance(requirement, pl.LazyFrame):
        requirement = requirement.collect()
    if not isinstance(requirement, pl.DataFrame):
        try:
            requirement = pl.from_pandas(requirement)
        except Exception as exc:
            raise SchemaError(
                "schedule_shifts() takes a staffing plan or a frame interval_start, queue, "
                "required."
            ) from exc
    frame = requirement
    if {"series_id", "ts"} <= set(frame.columns):
        if column not in frame.columns:
            raise SchemaError(
                f"the staffing plan has no column {column!r}; choose column= one of "
                f"{[c for c in frame.columns if c.startswith('agents') or c == 'scheduled']}."
            )
        frame = frame.select(
            pl.col("ts").alias("interval_start"),
            pl.col("series_id").cast(pl.Utf8).alias("queue"),
            pl.col(column).cast(pl.Float64).alias("required"),
            *([pl.col("weight")] if "weight" in frame.columns else []),
        )
    missing = [c for c in ("interval_start", "required") if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"the requirement lacks the columns {missing}; give a staffing plan or a frame "
            "interval_start, queue, required (agents on duty per interval)."
        )
    if "queue" not in frame.columns:
        frame = frame.with_columns(pl.lit(POOLED).alias("queue"))
    if frame.height == 0:
        raise NotEnoughDataError("the requirement is empty: there is nothing to schedule.")
    if not isinstance(frame.schema["interval_start"], pl.Datetime):
        raise SchemaError("requirement column interval_start must be a datetime.")
    values = frame["required"].cast(pl.Float64)
    bad = frame.filter(values.is_null() | values.is_nan() | (values < 0))
    if bad.height:
        raise SchemaError(
            "requirement column required must be a number of agents, 0 or more; offending rows: "
            f"{bad.head(3).select('interval_start', 'queue', 'required').rows()}."
        )
    own = frame.schema["interval_start"].time_zone
    aware = own is not None
    # the zone the days are laid out in: the one given, else an aware requirement's own (UTC
    # is how times are stored, not where the centre is: the workspace's then), else the
    # workspace's; an aware requirement in another zone is converted to it, instant by instant
    tz = zone(time_zone if time_zone is not None or own in (None, "UTC") else own)
    local = pl.col("interval_start")
    if aware:
        local = local.dt.convert_time_zone(tz).dt.replace_time_zone(None)
    if frame.select("interval_start", "queue").is_duplicated().any():
        raise SchemaError("the requirement has duplicate interval_start x queue rows.")
    frame = frame.with_columns(local.alias("_local"), pl.col("queue").cast(pl.Utf8))
    first = frame["_local"].min().date()
    days = (frame["_local"].max().date() - first).days + 1
    # minutes on the absolute axis from the first local midnight: the hour the clock goes back
    # is two hours of intervals, the hour it skips none
    base = _midnight(first, tz if aware else None)
    moment = (
        pl.col("interval_start").dt.convert_time_zone("UTC") if aware else pl.col("interval_start")
    )
    frame = frame.with_columns(
        (moment - pl.lit(base, dtype=pl.Datetime("us", "UTC" if aware else None)))
        .dt.total_minutes()
        .alias("_m")
    )
    if every is None:
        steps = (
            frame.sort("queue", "_m")
            .select(pl.col("_m").diff().over("queue").alias("s"))
            .filter(pl.col("s") > 0)["s"]
        )
        if steps.len() == 0:
            raise OptionError(
                "schedule_shifts(): the requirement has one interval per queue, so its grain "
                "cannot be read; give every= ('15m', '30m' or '1h')."
            )
        every = every_of(float(steps.min()))
    minutes = interval_minutes(check_every(every))
    if DAY % minutes:
        raise OptionError(f"every={every!r} does not divide a day; use '15m', '30m' or '1h'.")
    off_grid = frame.filter(pl.col("_m") % minutes != 0)
    if off_grid.height:
        raise SchemaError(
            f"requirement interval_start values are not on the {every} grid: "
            f"{off_grid['_local'].head(3).to_list()}."
        )
    if aware:
        day_starts = tuple(
            round((_midnight(first + dt.timedelta(days=d), tz) - base).total_seconds() / 60)
            for d in range(days + 1)
        )
    else:
        day_starts = tuple(d * DAY for d in range(days + 1))
    n = -(-day_starts[-1] // minutes)
    if by is None:
        frame = frame.group_by("_m").agg(
            pl.col("required").sum(),
            (pl.col("weight").mean() if "weight" in frame.columns else pl.lit(1.0)).alias("w"),
        )
        frame = frame.with_columns(pl.lit(POOLED).alias("queue"))
    else:
        frame = frame.with_columns(
            (pl.col("weight") if "weight" in frame.columns else pl.lit(1.0)).alias("w")
        )
    queues = sorted(frame["queue"].unique().to_list())
    required = np.zeros((len(queues), n))
    weight = np.ones((len(queues), n))
    for q, sub in frame.group_by("queue"):
        i = queues.index(q[0])
        idx = (sub["_m"].to_numpy() // minutes).astype(int)
        required[i, idx] = sub["required"].to_numpy()
        weight[i, idx] = sub["w"].cast(pl.Float64).fill_null(1.0).to_numpy()
    if np.any(weight < 0) or not np.all(np.isfinite(weight)):
        raise SchemaError("requirement column weight must be a finite number, 0 or more.")
    return _Problem(queues, first, minutes, required, weight, aware, tz, day_starts)


def _candidates(rules: ShiftRules, problem: _Problem, need: np.ndarray) -> list[_Candidate]:
    """Every shift the rules allow that spans an interval needing agents.

    A shift starts at its local time and lasts its length in real time, breaks placed from its
    start: on the night clocks change, a 22:00 eight-hour shift still works eight hours. A start
    the clock skips that day is not offered; one it lives twice is the first of the two."""
    out = []
    minutes = problem.minutes
    n = need.shape[-1]
    busy = need.sum(axis=0) > 0
    step = rules.break_step
    starts = {
        (day, start): problem.offset(day, start)
        for day in range(problem.days)
        for start in rules.starts
    }
    for day, start, length in itertools.product(range(problem.days), rules.starts, rules.lengths):
        s, ln = starts[day, start], round(length * 60)
        if s is None:
            continue
        if not any(busy[t] for t in _cover_row(s, ln, minutes, n)):
            continue
        breaks = tuple(
            (b.minutes, tuple(range(b.window[0], b.window[1] + 1, step)), b.paid)
            for b in rules.breaks_of(length)
        )
        out.append(
            _Candidate(day, s, ln, breaks, round(rules.cost(length) * 100), rules.part_time(length))
        )
    return out


@dataclass(frozen=True)
class ShiftSchedule(Result):
    """Agents starting each shift, with their breaks, and the coverage they give.

    ``shifts`` has one row per group of agents working the same shift with the same breaks:
    ``day, start, end, queue, length_hours, paid_hours, part_time, breaks, unpaid_breaks,
    agents, cost`` (``start``/``end`` local times, ``breaks`` as ``"10:30-10:45; 12:30-13:00"``,
    ``unpaid_breaks`` those of them that are unpaid), and ``start_at, end_at, break_times,
    unpaid_break_times``, the same moments in ISO 8601 with their UTC offset
    (``2026-11-01T01:30:00-04:00``), which tell apart the hour the clocks go back. Hours are
    real time: the night the clocks go back, a shift from 22:00 of eight hours ends at 05:00. ``coverage_table`` has one row per queue
    and interval: ``interval_start, queue, required, working`` (agents working, not on break,
    averaged over the interval), ``working_min`` (the fewest working at any moment of it),
    ``on_shift`` (breaks included) and ``surplus`` (``working_min`` less required, or
    ``working`` less required when ``within="on_average"``; negative when short).
    ``agents_per_week`` (the weekly model) has ``queue, week,
    agents``: the agents needed, each working ``days_per_week`` days of the week.
    ``status`` is ``"optimal"`` (proven) or ``"feasible"`` (stopped at the time limit, with
    ``optimality_gap`` the relative distance between the schedule's objective and the proven bound).
    """

    shifts: pl.DataFrame
    coverage_table: pl.DataFrame
    mode: str
    status: str
    objective: float
    best_bound: float
    optimality_gap: float
    cost: float
    shortfall_hours: float
    budget: float | None
    time_limit: float
    wall_seconds: float
    interval_minutes: int
    queues: tuple[str, ...]
    pooled: bool
    within: str = "always"
    agents_per_week: pl.DataFrame | None = None
    rules: ShiftRules | None = field(default=None, compare=False)
    time_zone: str | None = field(default=None, compare=False)
    working_slots: np.ndarray | None = field(default=None, compare=False, repr=False)
    """Agents working (not on break) in every slot of ``slot_minutes`` (queues x slots)."""
    slot_minutes: int | None = None
    agent_slots: np.ndarray | None = field(default=None, compare=False, repr=False)
    """One row per agent-shift: 1 in the slots of ``slot_minutes`` the agent works (not on a
    break), 0 elsewhere; ``agent_queues`` holds each row's queue (its place in ``queues``)."""
    agent_queues: np.ndarray | None = field(default=None, compare=False, repr=False)
    probability: float | None = None
    """``mode="chance"``: the chance of meeting the target the schedule was built for."""
    expected_sl: float | None = None
    """``mode="expected_service"``: the service level the model expects, offered-weighted."""
    start_seconds: float | None = None
    """``mode="expected_service"``: seconds spent on the least-shortfall schedule the search
    starts from (None when there was none)."""
    kept_start: bool | None = None
    """``mode="expected_service"``: whether the search stopped before it improved on the
    least-shortfall schedule it started from, which is then the schedule."""
    chance_table: pl.DataFrame | None = field(default=None, compare=False, repr=False)
    """``mode="chance"``: per queue and interval with contacts forecast, the simulated chance of
    meeting the target (see :meth:`chance`)."""
    chance_scenarios: int | None = None
    """``mode="chance"``: the scenarios the calibration's chances are read on (``scenarios``,
    doubled up to four times where a chance below the level was within the margin)."""
    chance_seed: int | None = None
    """``mode="chance"``: the seed the calibration's scenarios were drawn from (mixed apart from
    ``evaluate_shifts(seed=...)``'s, so an evaluation with the same seed draws fresh ones)."""
    chance_rounds: int | None = None
    """``mode="chance"``: rounds of solve-and-simulate the calibration took."""

    @property
    def title(self) -> str:
        return _("Shift schedule")

    @property
    def optimal(self) -> bool:
        """Whether the solver proved the schedule optimal."""
        return self.status == "optimal"

    def summary(self) -> pl.DataFrame:
        """One row per shift group: day, start, end, queue, breaks, count, paid hours, cost."""
        return self.shifts

    def chance(self) -> pl.DataFrame:
        """``mode="chance"``: per queue (``"all"`` when pooled) and interval with contacts
        forecast, ``interval_start, queue``, the agents the queueing formula asks at the
        forecast's ``probability`` quantile (``required_formula``), the need the calibration
        settled on (``required``), the agents working (``agents``), the share of the simulated
        scenarios in which the interval meets the target (``chance``; a pooled interval meets it
        when every queue does) with its one-sided 95% Wilson bounds (``chance_low``,
        ``chance_high``), ``reached`` (the upper bound reaches ``probability``: not shown short
        by the simulation) and, where not, ``reason``: ``"rules"`` (the rules or the budget leave
        no room for more agents), ``"no_gain"`` (agents added there did not raise its chance) or
        ``"stopped"`` (the rounds or the time limit ran out first)."""
        if self.chance_table is None:
            raise OptionError('chance() is for a schedule made with mode="chance".')
        return self.chance_table

    def coverage(self) -> pl.DataFrame:
        """Per queue and interval: agents required, working (not on break), on shift, and the gap."""
        return self.coverage_table

    def on_duty(self) -> np.ndarray:
        """Agents working (not on break) per queue and interval, queues x intervals, in the order
        of ``queues`` (for a queue simulation)."""
        return np.vstack(
            [
                self.coverage_table.filter(pl.col("queue") == q)
                .sort("interval_start")["working"]
                .to_numpy()
                for q in self.queues
            ]
        )

    def working_by_slot(self) -> tuple[np.ndarray, int]:
        """Agents working (not on break) in each slot of the timeline, queues x slots, and the slot
        length in minutes: breaks are placed to the minute, so a 15-minute break shows in its
        own quarter-hour. A schedule made without them gives the fewest working in each interval."""
        if self.working_slots is not None and self.slot_minutes:
            return self.working_slots, int(self.slot_minutes)
        fewest = np.vstack(
            [
                self.coverage_table.filter(pl.col("queue") == q)
                .sort("interval_start")["working_min"]
                .to_numpy()
                for q in self.queues
            ]
        )
        return np.floor(fewest + 1e-9).astype(np.int64), self.interval_minutes

    @property
    def agent_shifts(self) -> int:
        """Number of agent-shifts in the schedule."""
        return int(self.shifts["agents"].sum()) if self.shifts.height else 0

    @property
    def paid_hours(self) -> float:
        """Paid agent-hours of the schedule."""
        if not self.shifts.height:
            return 0.0
        return float((self.shifts["paid_hours"] * self.shifts["agents"]).sum())

    def to_csv(self, path: str | Path) -> Path:
        """Write the shifts for a workforce-management system, one row per shift group.

        Columns:

        - ``day``: the local date the shift starts, ``YYYY-MM-DD``;
        - ``start``, ``end``: local time with its UTC offset, ISO 8601
          (``2026-11-01T01:30:00-04:00``), so the hour the clocks go back is told apart; without
          the offset when the requirement's times carried no zone;
        - ``breaks``: every break of the group, ``start/end`` in the same form, ``; ``-separated;
        - ``count``: agents working this shift with these breaks;
        - ``queue``: the queue they take (``all`` when the queues are pooled);
        - ``unpaid_breaks``: those breaks that are unpaid, in the same form;
        - ``paid_hours``: hours paid per agent (real time, less the unpaid breaks);
        - ``cost``: the group's cost, in the workspace's currency.

        Returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.csv_text(), encoding="utf-8")
        return path

    def csv_text(self) -> str:
        """The text :meth:`to_csv` writes."""
        return self.shifts.select(
            "day", pl.col("start_at").alias("start"), pl.col("end_at").alias("end"),
            pl.col("break_times").alias("breaks"), pl.col("agents").alias("count"), "queue",
            pl.col("unpaid_break_times").alias("unpaid_breaks"), "paid_hours", "cost",
        ).write_csv()  # fmt: skip

    def download(self, name: str = "shift_schedule"):
        """A link in the report that downloads :meth:`to_csv`'s file, for a workforce-management
        system (the last line of a notebook cell shows it)."""
        from cxlab.staffing._download import Download

        return Download(
            self.csv_text(),
            name=name,
            label=N_("Download the shift schedule for a workforce-management system (CSV)"),
            note=_(
                "One row per group of agents with the same shift and breaks; local times with "
                "their UTC offset."
            ),
        )

    def headline(self) -> list[Headline]:
        """One card: what the schedule costs, with its agent-shifts, paid hours and coverage."""
        if not self.shifts.height:
            return []
        first, last = self.shifts["day"].min(), self.shifts["day"].max()
        cov = self.coverage_table.filter(pl.col("required") > 0)
        covered = int((cov["surplus"] >= -1e-9).sum())
        return [
            Headline(
                key="shift_cost",
                label=N_("Cost of the shifts"),
                value=self.cost,
                unit="money",
                period=(first.isoformat(), (last + dt.timedelta(days=1)).isoformat()),
                detail=_(
                    "{shifts} agent-shifts, {hours} paid hours; {covered} of {n} {interval}s "
                    "that need agents fully covered"
                ).format(
                    shifts=fmt_value(self.agent_shifts, "count"),
                    hours=fmt_value(self.paid_hours, "count"),
                    covered=fmt_value(covered, "count"),
                    n=fmt_value(cov.height, "count"),
                    interval=interval_words(self.interval_minutes),
                )
                + self._chance_detail(),
            )
        ]

    def _chance_detail(self) -> str:
        """``mode="chance"``: the least sure interval's simulated chance, for the headline."""
        table = self.chance_table
        if self.mode != "chance" or table is None or table.height == 0:
            return ""
        worst = table.sort("chance", "chance_high").row(0, named=True)
        return _(
            "; the least sure {interval} meets the target in {p} of simulated scenarios "
            "({range}), for a chance of {level} wanted"
        ).format(
            interval=interval_words(self.interval_minutes),
            p=fmt_value(worst["chance"], "share"),
            range=fmt_interval(worst["chance_low"], worst["chance_high"], "share", change=False),
            level=level_text(self.probability),
        )

    def to_dict(self) -> dict:
        from cxlab._result import json_safe

        return json_safe(
            {
                "title": self.title,
                "mode": self.mode,
                "probability": self.probability,
                "expected_sl": self.expected_sl,
                "chance_scenarios": self.chance_scenarios,
                "chance_rounds": self.chance_rounds,
                "chance": None if self.chance_table is None else self.chance_table.to_dicts(),
                "status": self.status,
                "objective": self.objective,
                "best_bound": self.best_bound,
                "optimality_gap": self.optimality_gap,
                "cost": self.cost,
                "shortfall_hours": self.shortfall_hours,
                "agent_shifts": self.agent_shifts,
                "paid_hours": self.paid_hours,
                "findings": self.findings(),
                "summary": self.shifts.to_dicts(),
            }
        )

    def findings(self) -> list[str]:
        """The schedule's size and cost, how well it covers, and whether it is proven best."""
        if not (self.coverage_table["required"] > 0).any():
            return [_("No interval needs agents: there is nothing to schedule.")]
        out = []
        days = self.shifts["day"].n_unique() if self.shifts.height else 0
        out.append(
            ngettext(
                "The schedule has {shifts} agent-shifts over {days} day, {hours} paid "
                "agent-hours, costing {cost}.",
                "The schedule has {shifts} agent-shifts over {days} days, {hours} paid "
                "agent-hours, costing {cost}.",
                days,
            ).format(
                shifts=fmt_value(self.agent_shifts, "count"),
                days=fmt_value(days, "count"),
                hours=fmt_value(self.paid_hours, "count"),
                cost=fmt_value(self.cost, "money"),
            )
        )
        if self.mode == "chance" and self.probability is not None:
            out += self._chance_findings()
        if self.mode == "expected_service" and self.expected_sl is not None:
            out.append(
                _(
                    "Within the budget of {budget}, the schedule is built for the most contacts "
                    "answered in time over the forecast's range: an expected service level of "
                    "{sl} (no schedule within the budget can expect more than {bound}). The "
                    "agents required below are the plan's, for comparison."
                ).format(
                    budget=fmt_value(self.budget, "money"),
                    sl=fmt_value(self.expected_sl, "share"),
                    bound=fmt_value(self.best_bound, "share"),
                )
            )
            if self.start_seconds is not None:
                out.append(
                    _(
                        "The search started from the least-shortfall schedule of the plan's "
                        "agents within the same budget, found in {start} of the {limit} "
                        "allowed; the rest went to raising the expected service."
                    ).format(
                        start=fmt_value(self.start_seconds, "seconds"),
                        limit=fmt_value(self.time_limit, "seconds"),
                    )
                    + (
                        " "
                        + _(
                            "It found nothing better in that time, so this is the "
                            "least-shortfall schedule."
                        )
                        if self.kept_start
                        else ""
                    )
                )
        absence = self.rules.absence if self.rules is not None else None
        if absence and self.mode != "expected_service":
            out.append(
                _(
                    "Besides the breaks it places, the schedule allows {absence} of paid time "
                    "for absence, training and meetings: the agents required below are the "
                    "agents needed at work divided by {kept}, so that on an average day enough "
                    "of those scheduled are there."
                ).format(
                    absence=fmt_value(absence, "share"),
                    kept=fmt_value(1.0 - absence, "number"),
                )
            )
        elif absence:
            out.append(
                _(
                    "Besides the breaks it places, the schedule allows {absence} of paid time "
                    "for absence, training and meetings: the service it expects counts each "
                    "agent scheduled as there with a chance of {kept}."
                ).format(
                    absence=fmt_value(absence, "share"),
                    kept=fmt_value(1.0 - absence, "share"),
                )
            )
        cov = self.coverage_table
        short = cov.filter(pl.col("surplus") < -1e-9)
        if short.height == 0:
            extra = float(cov["working"].sum() - cov["required"].sum())
            over = max(0.0, extra) * self.interval_minutes / 60.0
            out.append(
                _(
                    "Every {interval} has at least the agents it needs; shifts come in whole "
                    "blocks, so {over} agent-hours are worked beyond the need."
                ).format(
                    interval=interval_words(self.interval_minutes),
                    over=fmt_value(over, "count"),
                )
            )
        else:
            worst = short.sort("surplus").row(0, named=True)
            text = ngettext(
                "{short} agent-hours fall short of the need, in {n} {interval}; the worst is "
                "{when}{queue}, {missing} short.",
                "{short} agent-hours fall short of the need, in {n} {interval}s; the worst is "
                "{when}{queue}, {missing} short.",
                short.height,
            )
            out.append(
                text.format(
                    short=fmt_value(self.shortfall_hours, "number"),
                    n=fmt_value(short.height, "count"),
                    interval=interval_words(self.interval_minutes),
                    when=when(worst["interval_start"], self.time_zone),
                    queue="" if self.pooled else " (" + queue_words(worst["queue"]) + ")",
                    missing=fmt_value(-worst["surplus"], "agents", decimals=1),
                )
            )
            bound = self._shortfall_bound()
            if (
                self.mode == "shortfall"
                and self.budget is not None
                and (self.optimal or math.isfinite(bound))
            ):
                out.append(
                    _("The budget of {budget} allows no schedule with less shortfall.").format(
                        budget=fmt_value(self.budget, "money")
                    )
                    if self.optimal
                    else _(
                        "Within the budget of {budget}, no schedule can have less than {bound} "
                        "agent-hours short."
                    ).format(
                        budget=fmt_value(self.budget, "money"),
                        bound=fmt_value(bound, "number"),
                    )
                )
        if self.optimal:
            out.append(_("The schedule is proven the best possible under the rules."))
        else:
            out.append(
                _(
                    "The solver stopped at the end of its search budget (at most {seconds}): this "
                    "is the best schedule it found, and the best possible is at most {gap} better."
                ).format(
                    seconds=fmt_value(self.time_limit, "seconds"),
                    gap=fmt_value(self.optimality_gap, "share"),
                )
            )
        if self.agents_per_week is not None and self.agents_per_week.height:
            weeks = [
                _("{agents} in the week of {monday}").format(
                    agents=fmt_value(row["agents"], "agents"),
                    monday=fmt_date(row["week"]),
                )
                + ("" if self.pooled else " (" + queue_words(row["queue"]) + ")")
                for row in self.agents_per_week.iter_rows(named=True)
            ]
            out.append(
                _("Agents needed, each working {days} days a week: {agents}.").format(
                    days=self.rules.days_per_week if self.rules else "",
                    agents=fmt_list(weeks),
                )
            )
        return out

    def _chance_findings(self) -> list[str]:
        """What the chance mode promises, what its simulation shows, and where it falls short."""
        interval = interval_words(self.interval_minutes)
        level = level_text(self.probability)
        table = self.chance_table
        if table is None or table.height == 0:
            return [
                _(
                    "Every {interval} is staffed to meet the service-level target with a chance "
                    "of at least {level} under the forecast's range (by the queueing formula); "
                    "the agents required below are those."
                ).format(interval=interval, level=level)
            ]
        rounds = int(self.chance_rounds or 0)
        out = [
            ngettext(
                "The schedule is built for a chance of at least {level} that each {interval} "
                "meets the service-level target (a given {interval} meets it when its contacts "
                "answered in time over its contacts offered reach the target, and when it has no "
                "contacts). "
                "The chance is measured by simulating {n} scenarios of the forecast through the "
                "queue, backlog included, and the agents were set by {rounds} round of solving "
                "and simulating; the agents required below are the calibrated ones.",
                "The schedule is built for a chance of at least {level} that each {interval} "
                "meets the service-level target (a given {interval} meets it when its contacts "
                "answered in time over its contacts offered reach the target, and when it has no "
                "contacts). "
                "The chance is measured by simulating {n} scenarios of the forecast through the "
                "queue, backlog included, and the agents were set by {rounds} rounds of solving "
                "and simulating; the agents required below are the calibrated ones.",
                rounds,
            ).format(
                interval=interval,
                level=level,
                n=fmt_value(self.chance_scenarios, "count"),
                rounds=fmt_value(rounds, "count"),
            )
        ]
        worst = table.sort("chance", "chance_high").row(0, named=True)
        short = table.filter(~pl.col("reached"))
        place = "" if self.pooled else " (" + queue_words(worst["queue"]) + ")"
        if short.height == 0:
            out.append(
                _(
                    "In that simulation no {interval} falls short of {level} beyond the "
                    "simulation's margin: the least sure is {when}{queue}, meeting the target in "
                    "{p} of the scenarios (allowing for the simulation's noise, {range})."
                ).format(
                    interval=interval,
                    level=level,
                    when=when(worst["interval_start"], self.time_zone),
                    queue=place,
                    p=fmt_value(worst["chance"], "share"),
                    range=fmt_interval(
                        worst["chance_low"], worst["chance_high"], "share", change=False
                    ),
                )
            )
            return out
        why = {
            "rules": _("the rules or the budget leave no room for more agents"),
            "no_gain": _("agents added there did not raise its chance"),
            "stopped": _("the calibration ran out of rounds or time first"),
        }
        shown = [
            _("{when}{queue}: {p} ({why})").format(
                when=when(r["interval_start"], self.time_zone),
                queue="" if self.pooled else " (" + queue_words(r["queue"]) + ")",
                p=fmt_value(r["chance"], "share"),
                why=why.get(r["reason"] or "stopped", why["stopped"]),
            )
            for r in short.sort("chance").head(5).iter_rows(named=True)
        ]
        out.append(
            ngettext(
                "{k} {interval} falls short of {level} in the simulation, beyond its margin: "
                "{cells}{more}.",
                "{k} {interval}s fall short of {level} in the simulation, beyond its margin: "
                "{cells}{more}.",
                short.height,
            ).format(
                k=fmt_value(short.height, "count"),
                interval=interval,
                level=level,
                cells=fmt_list(shown),
                more=""
                if short.height <= 5
                else _(", and {n} more").format(n=fmt_value(short.height - 5, "count")),
            )
        )
        return out

    def _shortfall_bound(self) -> float:
        """The least shortfall any schedule within the budget can have (agent-hours; NaN when
        the shortfall is weighted, where the bound is on the weighted sum)."""
        return self.best_bound if self.mode == "shortfall" else 0.0

    def plot(self):
        """Agents working against agents required, per interval (one panel per queue)."""
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        from cxlab.viz import closed_hours, color_for, date_ticks, fade

        fig = make_subplots(
            rows=len(self.queues),
            cols=1,
            shared_xaxes=True,
            subplot_titles=[queue_words(q) for q in self.queues] if not self.pooled else None,
        )
        for i, q in enumerate(self.queues, start=1):
            d = self.coverage_table.filter(pl.col("queue") == q).sort("interval_start")
            x = d["interval_start"]
            if self.time_zone and getattr(x.dtype, "time_zone", None):
                x = x.dt.convert_time_zone(self.time_zone).dt.replace_time_zone(None)
            xs = x.to_list()
            fig.add_trace(
                go.Scatter(
                    x=xs, y=d["working"].to_list(), mode="lines",
                    line=dict(shape="hv", width=0, color=color_for("phone")), fill="tozeroy",
                    fillcolor=fade(color_for("phone"), 0.45),
                    name=_("Agents working"), legendgroup="s", showlegend=i == 1,
                    hovertemplate="%{x|%m-%d %H:%M}: %{y:.1f}<extra></extra>",
                ),
                row=i, col=1,
            )  # fmt: skip
            fig.add_trace(
                go.Scatter(
                    x=xs, y=d["required"].to_list(), mode="lines",
                    line=dict(shape="hv", width=2, color="#333333"),
                    name=_("Agents required"), legendgroup="r", showlegend=i == 1,
                    hovertemplate="%{x|%m-%d %H:%M}: %{y:.1f}<extra></extra>",
                ),
                row=i, col=1,
            )  # fmt: skip
            fig.update_yaxes(rangemode="tozero", title_text=_("Agents"), row=i, col=1)
        used = self.coverage_table.filter((pl.col("required") > 0) | (pl.col("on_shift") > 0))
        stamps = used["interval_start"]
        if getattr(stamps.dtype, "time_zone", None):
            stamps = stamps.dt.convert_time_zone(self.time_zone or "UTC")
            stamps = stamps.dt.replace_time_zone(None)
        fig.update_xaxes(
            type="date",
            rangebreaks=closed_hours(stamps.unique().sort().to_list()),
            tickformat=date_ticks(),
        )
        fig.update_layout(
            title=_("Agents working against agents required"),
            height=max(360, 220 * len(self.queues) + 140),
            hovermode="x unified",
        )
        return fig


def schedule_shifts(
    requirement: Any,
    rules: ShiftRules,
    *,
    mode: Mode = "cover",
    budget: float | None = None,
    probability: float = 0.8,
    by: Literal["queue"] | None = None,
    column: PLAN_COLUMNS = "agents",
    within: Within = "always",
    every: str | None = None,
    time_limit: float = 30.0,
    num_workers: int = 1,
    seed: int = 0,
    deterministic_time: float | None = None,
    time_zone: str | None = None,
    scenarios: int = 500,
) -> ShiftSchedule:
    """Choose how many agents start each shift on each day, with their breaks, to meet a need.

    Parameters
    ----------
    requirement : StaffingPlan, or a frame
        A staffing plan (:func:`cxlab.staffing.plan`; its ``column`` is the need) or a frame
        ``interval_start, queue, required`` (agents working per interval; ``queue`` optional;
        an optional ``weight`` column weighs shortfall). An interval that is not listed needs
        nobody.
    rules : ShiftRules
        Start times, lengths, breaks, costs and headcount limits.
    mode : {"cover", "shortfall", "chance", "expected_service"}
        ``"cover"``: the cheapest schedule with at least the agents required working in every
        interval. ``"shortfall"``: within ``budget``, the schedule with the least agent-time
        short of the need (weighted), then the cheapest. The two scenario modes take a staffing
        plan whose forecast has its quantiles (see :mod:`cxlab.staffing._shift_forecast`):
        ``"chance"``: the cheapest schedule whose chance of meeting the service-level target
        reaches ``probability`` in every interval and queue with contacts forecast (an interval
        meets the target when its contacts answered within the threshold over its contacts
        offered reach it; one without contacts meets it). The chance is the simulated one
        (:func:`cxlab.staffing.evaluate_shifts`'s queue, over ``scenarios`` scenarios of the
        forecast): the need starts at the fewest agents meeting the target at the forecast's
        ``probability`` quantile by stationary Erlang A, and the schedule is solved, simulated
        and solved again (the previous schedule as the hint) with one agent more where the
        chance's one-sided 95% Wilson upper bound is below ``probability`` and, once none is,
        one fewer where the lower bound stays above it; see
        :mod:`cxlab.staffing._shift_chance`. :meth:`ShiftSchedule.chance` gives each interval's
        simulated chance, and names those that fall short and why (``column`` is not used).
        ``"expected_service"``: within ``budget``, the schedule with the most contacts answered
        within the threshold in expectation over the forecast (the offered-weighted expected
        service level); the expectation per interval and headcount is Erlang A at 32 points of
        the forecast distribution, and its concave envelope enters the model as the least of
        the lines through its neighbouring points (gains in hundredths of a contact), which the
        solver's linear relaxation takes exactly. A pooled schedule's agents go to the queue
        where they add the most. The schedule's ``expected_sl`` (and ``objective``) is what the
        model claims, ``best_bound`` the most any schedule within the budget can have;
        :func:`cxlab.staffing.evaluate_shifts` checks the claim by simulation. The search
        starts from the least-shortfall schedule of the plan's agents at the same budget
        (``mode="shortfall"``, given a quarter of ``time_limit`` and of ``deterministic_time``;
        ``start_seconds`` says how long it took) and returns it unless it finds one the model
        expects more of, so the schedule is never worse by the model than that one
        (``kept_start`` says when it is that one). Over a week the budget ties the days into
        one model, which may stop at the time limit with a gap: read the gap, and give it a
        minute or more.
    budget : float, optional
        Most the schedule may cost (needed for ``"shortfall"`` and ``"expected_service"``; a
        cap in ``"cover"`` and ``"chance"``).
    probability : float, default 0.8
        ``mode="chance"``: the chance of meeting the target wanted in every interval, strictly
        between 0 and 1 (a probability, not a forecast band's percent).
    by : {None, "queue"}
        ``None`` pools the queues (every agent takes every queue: the requirement is summed);
        ``"queue"`` schedules each queue's own agents.
    column : str
        Which column of a staffing plan is the need: ``"agents"`` (on the phones, the default:
        breaks are modelled here, so the plan's ``scheduled``, which allows for them in its
        shrinkage, would count them twice), or a band such as ``"agents_hi_80"``.
    within : {"always", "on_average"}
        How an interval counts as covered: ``"always"`` (the default), when at every moment of
        it at least the agents required are working (a 15-minute break in a half-hour needs a
        stand-in for those 15 minutes); ``"on_average"``, when the agent-minutes worked in it,
        spread over the interval, reach the need (a dip during a break is made up for by the
        rest of the interval, as an Erlang requirement for the interval allows).
    every : str, optional
        The requirement's grain (default: read from it).
    time_limit : float
        Seconds the solver may search; a schedule found by then is returned with its gap.
        Days that do not interact (no shift crosses midnight into a day that needs agents, and
        no weekly model or budget ties them), and the queues of ``by="queue"`` unless
        ``max_on_duty`` or a budget ties them, are solved one after another, sharing the time
        (and ``deterministic_time``); this proves the same optimum much sooner. Days tied only
        by night shifts are first scheduled one after another, each taking over what the night
        before left on shift, and the model of them all starts from that schedule; a search of
        several days stopped at its limit is bounded by its linear relaxation (HiGHS) as well.
    num_workers, seed, deterministic_time :
        CP-SAT's workers, random seed and deterministic time limit (its own measure of work
        done, the same on every run). With one worker (the default) the search stops at
        ``deterministic_time`` (default a fifth of ``time_limit``: on a 2-core machine a unit
        takes one to two seconds) and gives the same schedule on every run on the same machine
        and version; ``time_limit`` then only stops a search on a machine much slower than
        that. Several workers (no deterministic limit unless given) search faster but share
        what they find by the clock, so their schedules vary from run to run.
    time_zone : str, optional
        Zone the shifts are laid out in. Default: a frame's (or plan's) own zone when its times
        carry one other than UTC, else the workspace's; given, it wins, and an aware
        requirement in another zone is converted to it instant by instant. Days start at local
        midnight; shifts start on the local clock and last their length in real time (the
        intervals are the requirement's own instants, 25 hours of them the day the clocks go
        back and 23 the day they go forward). A start the clock skips that day (02:30 the
        day clocks go forward at 02:00) is not offered that day; a start the clock lives twice
        is its first occurrence. Paid hours and cost follow the real length.
    scenarios : int, default 500
        ``mode="chance"``: scenarios simulated in each calibration round (20 or more; with 500,
        a chance near 95% is read to about a point). They are drawn from ``seed`` apart from
        ``evaluate_shifts(seed=seed)``'s, which therefore judges the schedule on fresh ones.
        The rounds share ``time_limit``: each solve may take a sixth of it, and no round
        starts after it.

    Returns
    -------
    ShiftSchedule

    Raises
    ------
    OptionError
        When no schedule can meet the rules: naming the intervals no shift reaches, the
        headcount limit below the need, or the group of rules the solver finds in conflict;
        a scenario mode given a frame instead of a staffing plan, or a ``probability`` outside (0, 1).
    SchemaError
        ``mode="chance"`` with a plan whose forecast has no quantiles.

    Notes
    -----
    The chance mode's starting need is exact per interval only under the stationary
    approximation, which takes each interval as a queue in equilibrium at its own volume and
    puts the promise on the volume: a real half-hour starts with the previous one's backlog,
    and a quiet interval of five calls meets or misses by a call. Measured on an eight-hour
    day, that need met the target in 0.93-0.95 of the scenarios of some hours at 0.95, and
    over-delivered at 0.8 (0.84-0.93). The calibration by simulation corrects both within the
    Monte Carlo margin; it cannot make the simulation's model (comonotone daily volumes,
    Poisson arrivals, exponential handle times and patience) true. Judge a schedule with
    :func:`cxlab.staffing.evaluate_shifts` on fresh scenarios.

    References
    ----------
    Dantzig (1954) for the covering model; Aykin (1996) for break windows; CP-SAT (OR-Tools);
    Gans et al. (2015) for staffing against the forecast's distribution.

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> need = pl.DataFrame({"interval_start": [dt.datetime(2026, 10, 5, h) for h in range(8, 16)],
    ...                      "required": [2, 3, 3, 4, 4, 3, 2, 2]})
    >>> rules = ShiftRules(lengths=(4,), earliest_start="08:00", latest_start="12:00", start_every="1h")
    >>> s = schedule_shifts(need, rules, num_workers=1, time_limit=5)
    >>> s.status, s.agent_shifts
    ('optimal', 6)
    """
    check_option("mode", mode, Mode)
    if by is not None:
        check_option("by", by, Literal["queue"])
    check_option("column", column, PLAN_COLUMNS)
    check_option("within", within, Within)
    if not isinstance(rules, ShiftRules):
        raise OptionError(
            f"rules= takes a ShiftRules (for example ShiftRules(lengths=(8,))); got "
            f"{type(rules).__name__}."
        )
    if mode == "shortfall" and budget is None:
        raise OptionError('mode="shortfall" needs budget= (the most the schedule may cost).')
    if budget is not None and not (
        isinstance(budget, int | float) and math.isfinite(budget) and budget >= 0
    ):
        raise OptionError(f"budget={budget!r} is not allowed; give a number 0 or more.")
    if not (isinstance(time_limit, int | float) and time_limit > 0):
        raise OptionError(f"time_limit={time_limit!r} is not allowed; give seconds above 0.")
    from cxlab.staffing._shift_model import work_limit

    deterministic_time = work_limit(time_limit, num_workers, deterministic_time)
    if mode == "expected_service" and budget is None:
        raise OptionError('mode="expected_service" needs budget= (the most the schedule may cost).')
    if mode == "chance" and (
        isinstance(scenarios, bool) or not isinstance(scenarios, int | np.integer) or scenarios < 20
    ):
        raise OptionError(
            f"scenarios={scenarios!r} is not allowed; give a whole number of scenarios, 20 or "
            "more (a few hundred for a chance read to a point or two)."
        )
    if mode == "chance" and not (
        isinstance(probability, int | float)
        and not isinstance(probability, bool)
        and math.isfinite(probability)
        and 0 < probability < 1
    ):
        raise OptionError(
            f"probability={probability!r} is not allowed; give the chance of meeting the target wanted in "
            "each interval, strictly between 0 and 1 (0.8 for four intervals in five)."
        )
    scenario = mode in ("chance", "expected_service")
    if scenario:
        from cxlab.staffing._plan import StaffingPlan

        if not isinstance(requirement, StaffingPlan):
            raise OptionError(
                f"mode={mode!r} needs a staffing plan (cx.staffing.plan(forecast, ...)) for the "
                "forecast's quantiles and the queues' settings; got "
                f"{type(requirement).__name__}."
            )
    problem = _requirement(requirement, column if not scenario else "agents", by, every, time_zone)
    if rules.absence is None:
        from cxlab.staffing._plan import StaffingPlan

        derived = 0.0
        if isinstance(requirement, StaffingPlan) and (scenario or column != "scheduled"):
            derived = rules.absence_from(float(requirement.shrinkage))
        rules = rules.replace(absence=derived)
    from cxlab.staffing._shift_model import hint_of, solve

    if not scenario:
        return solve(
            problem, rules, mode, budget, within, time_limit, num_workers, seed, deterministic_time
        )
    from cxlab.staffing._shift_forecast import plan_timeline, service_gains

    n = problem.required.shape[1]
    tl = plan_timeline(
        requirement, problem.first_day, problem.minutes, n, problem.time_zone,
        need_bands=mode == "chance",
    )  # fmt: skip
    rows = [] if problem.queues == [POOLED] else [tl.queues.index(q) for q in problem.queues]
    if mode == "chance":
        from cxlab.staffing._shift_chance import calibrate

        return calibrate(
            problem, rules, requirement, tl, rows, float(probability), budget, within,
            time_limit, num_workers, seed, deterministic_time, int(scenarios),
        )  # fmt: skip
    increments, offered = service_gains(tl)
    gains: dict[tuple[int, int], np.ndarray] = {}
    for t in range(n):
        per_queue = [increments[q][t] for q in range(len(tl.queues))]
        groups = (
            [np.sort(np.concatenate(per_queue))[::-1]] if not rows else [per_queue[r] for r in rows]
        )
        for q, row in enumerate(groups):
            units = np.round(_present_gains(row, 1.0 - rules.absence) * 100).astype(np.int64)
            units = units[units > 0]
            if units.size:
                gains[q, t] = units
    # start from the least-shortfall schedule of the plan's agents at the same budget (a quarter
    # of the time): the search is given it as its first solution and returns it unless it finds
    # better, so a search stopped early is never worse than the deterministic schedule
    started = time.perf_counter()
    found: dict = {}
    try:
        solve(
            problem, rules, "shortfall", budget, within, time_limit / 4, num_workers, seed,
            None if deterministic_time is None else deterministic_time / 4, found=found,
        )  # fmt: skip
        hint = hint_of(found)
    except OptionError:  # no least-shortfall schedule (an interval no shift reaches): no start
        hint = None
    warm = time.perf_counter() - started
    found = {}
    out = solve(
        problem, rules, "expected_service", budget, within, max(0.05, time_limit - warm),
        num_workers, seed,
        None if deterministic_time is None else deterministic_time * (0.75 if hint else 1.0),
        gains, hint, found,
    )  # fmt: skip
    total = float(offered.sum()) * 100.0
    share = out.objective / total if total > 0 else float("nan")
    return dataclasses.replace(
        out,
        objective=share,
        best_bound=min(1.0, out.best_bound / total) if total > 0 else float("nan"),
        expected_sl=share,
        time_limit=float(time_limit),
        wall_seconds=time.perf_counter() - started,
        start_seconds=warm if hint is not None else None,
        kept_start=bool(found.get("kept_hint")) if hint is not None else None,
    )


def level_text(probability: float | None) -> str:
    """A wanted chance in words with the digits it was given: 0.8 reads 80%, 0.975 reads 97.5%
    (never 98%), 0.999 reads 99.9%."""
    if probability is None:
        return fmt_value(None, "share")
    for decimals in range(4):
        if abs(round(probability * 100, decimals) - probability * 100) < 1e-9:
            return fmt_value(probability, "share", decimals=decimals)
    return fmt_value(probability, "share", decimals=4)


def _present_gains(row: np.ndarray, present: float) -> np.ndarray:
    """Gains per agent scheduled when each is present with probability ``present``: the
    ``k``-th scheduled agent adds ``present`` times the expected gain of the agent after those
    of the first ``k - 1`` who came (a binomial number), so the gains stay non-increasing."""
    if present >= 1.0 or row.size == 0:
        return row
    from scipy.stats import binom

    out = []
    k = 0
    while True:
        came = np.arange(k + 1)
        step = present * float(
            binom.pmf(came, k, present) @ np.append(row, 0.0)[np.minimum(came, row.size)]
        )
        if step < 0.005:  # below half a unit of the model's hundredths
            break
        out.append(step)
        k += 1
    return np.asarray(out)


def _clock(moment: dt.datetime) -> str:
    return moment.strftime("%H:%M")


def shift_rows(
    problem: _Problem, cands: list[_Candidate], counts: dict, breaks: dict
) -> pl.DataFrame:
    """One row per queue, shift and break placement, from the solved counts: ``start``, ``end``
    and the breaks on the local clock, ``start_at``, ``end_at`` and ``break_times`` the same
    moments with their zone (ISO 8601 with the UTC offset), the hours real time."""
    rows = []
    for (q, c), n in sorted(counts.items()):
        if n <= 0:
            continue
        cand = cands[c]
        per_break = []
        for k, (length, offsets, paid) in enumerate(cand.breaks):
            starts = []
            for o in offsets:
                starts += [o] * breaks.get((q, c, k, o), 0)
            per_break.append([(o, length, paid) for o in sorted(starts)])
        combos: dict[tuple, int] = {}
        for i in range(n):
            key = tuple(b[i] for b in per_break)
            combos[key] = combos.get(key, 0) + 1
        for combo, k in sorted(combos.items()):
            spans = [
                (problem.instant(cand.start + o), problem.instant(cand.start + o + ln), paid)
                for o, ln, paid in combo
            ]
            text = "; ".join(f"{_clock(a)}-{_clock(b)}" for a, b, _p in spans)
            unpaid = "; ".join(f"{_clock(a)}-{_clock(b)}" for a, b, paid in spans if not paid)
            paid_hours = (cand.length - sum(ln for _o, ln, p in combo if not p)) / 60.0
            start, end = problem.instant(cand.start), problem.instant(cand.start + cand.length)
            rows.append(
                {
                    "day": problem.first_day + dt.timedelta(days=cand.day),
                    "start": start.replace(tzinfo=None),
                    "end": end.replace(tzinfo=None),
                    "queue": problem.queues[q],
                    "length_hours": cand.length / 60.0,
                    "paid_hours": paid_hours,
                    "part_time": cand.part_time,
                    "breaks": text,
                    "unpaid_breaks": unpaid,
                    "agents": k,
                    "cost": k * cand.cost / 100.0,
                    "start_at": start.isoformat(),
                    "end_at": end.isoformat(),
                    "break_times": "; ".join(
                        f"{a.isoformat()}/{b.isoformat()}" for a, b, _p in spans
                    ),
                    "unpaid_break_times": "; ".join(
                        f"{a.isoformat()}/{b.isoformat()}" for a, b, paid in spans if not paid
                    ),
                }
            )
    schema = {
        "day": pl.Date,
        "start": pl.Datetime("us"),
        "end": pl.Datetime("us"),
        "queue": pl.Utf8,
        "length_hours": pl.Float64,
        "paid_hours": pl.Float64,
        "part_time": pl.Boolean,
        "breaks": pl.Utf8,
        "unpaid_breaks": pl.Utf8,
        "agents": pl.Int64,
        "cost": pl.Float64,
        "start_at": pl.Utf8,
        "end_at": pl.Utf8,
        "break_times": pl.Utf8,
        "unpaid_break_times": pl.Utf8,
    }
    return pl.DataFrame(rows, schema=schema).sort("day", "start", "start_at", "queue", "breaks")


def interval_starts(problem: _Problem) -> pl.Series:
    """The timeline's interval starts: instants in the zone when the requirement was aware
    (25 hours of them the day clocks go back, 23 the day they go forward), else naive."""
    n = problem.required.shape[1]
    ts = pl.Series(
        "interval_start",
        [problem.instant(problem.minutes * t).replace(tzinfo=None) for t in range(n)]
        if not problem.aware
        else [problem._base() + dt.timedelta(minutes=problem.minutes * t) for t in range(n)],
        dtype=pl.Datetime("us", "UTC" if problem.aware else None),
    )
    if problem.aware:
        ts = ts.dt.convert_time_zone(problem.time_zone)
    return ts
