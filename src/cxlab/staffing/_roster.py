"""Rostering: which agent works which scheduled shift.

Agents with the skill are assigned to the shifts of a :class:`ShiftSchedule` so that every shift
is filled, each agent works at most one shift a day, rests long enough between shifts, works no
more days in a row than allowed, keeps the days off asked for and is paid at most the contracted
hours a week (and at least a tolerance below them in a full week; overtime only when allowed);
among such rosters, the one that honours most preferences (weighted) wins. The shifts worked
before the schedule (the previous roster) carry rest, days in a row and weekly hours across.
Shifts of the same day, times and queue are interchangeable, so the model has one yes/no per
agent and distinct shift rather than per agent and shift instance: no symmetric copies.

References
----------
Ernst, A. T., Jiang, H., Krishnamoorthy, M. & Sier, D. (2004). Staff scheduling and rostering:
a review of applications, methods and models. *European Journal of Operational Research*
153(1), 3-27.
Perron, L. & Didier, F. (2024). CP-SAT. OR-Tools, Google.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError, SchemaError
from cxlab._options import check_option
from cxlab._present import _, fmt_value, ngettext
from cxlab._result import Result
from cxlab.staffing._shift_rules import clock_minutes
from cxlab.staffing._shifts import POOLED, ShiftSchedule
from cxlab.staffing._words import duration_words, queue_words

Missing = Literal["raise", "empty"]
OPEN_SCHEMA = {
    "day": pl.Date,
    "start": pl.Datetime("us"),
    "end": pl.Datetime("us"),
    "queue": pl.Utf8,
    "paid_hours": pl.Float64,
    "open": pl.Int64,
}


@dataclass(frozen=True)
class RosterRules:
    """The rules every agent's roster keeps.

    Parameters
    ----------
    max_consecutive_days : int
        Most days worked in a row.
    min_rest_hours : float
        Least rest between the end of one shift and the start of the next.
    hours_tolerance : float
        How far below the contracted hours an agent's paid hours in a full calendar week (Monday
        to Sunday) may fall. The contracted hours are a ceiling: paid hours in a full week lie
        in ``[contracted - hours_tolerance, contracted]``, and in a week the roster covers only
        in part they are at most the contracted hours.
    max_overtime_hours : float
        Paid hours an agent may work above the contracted hours in a calendar week: overtime,
        none unless asked for (default 0). Under the Labour Law of the PRC overtime needs the
        consent of the union and the worker, is at most one hour a day (three for special
        reasons) and 36 hours a month (art. 41), and is paid at least 150% of the wage (art. 44);
        the roster checks only the weekly hours given here.

    References
    ----------
    中华人民共和国劳动法 (Labour Law of the People's Republic of China, 1994), articles 41 and 44.

    Examples
    --------
    >>> RosterRules(max_consecutive_days=6).min_rest_hours
    11.0
    >>> RosterRules().max_overtime_hours
    0.0
    """

    max_consecutive_days: int = 5
    min_rest_hours: float = 11.0
    hours_tolerance: float = 4.0
    max_overtime_hours: float = 0.0

    def __post_init__(self) -> None:
        v = self.max_consecutive_days
        if not (isinstance(v, int) and not isinstance(v, bool) and v >= 1):
            raise OptionError(
                f"RosterRules.max_consecutive_days={v!r} is not allowed; give a whole number of "
                "days, 1 or more."
            )
        for name in ("min_rest_hours", "hours_tolerance", "max_overtime_hours"):
            value = getattr(self, name)
            if not (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and math.isfinite(value)
                and value >= 0
            ):
                raise OptionError(
                    f"RosterRules.{name}={value!r} is not allowed; give hours, 0 or more."
                )
            object.__setattr__(self, name, float(value))

    def replace(self, **changes: Any) -> RosterRules:
        """A copy with some rules changed."""
        return replace(self, **changes)


@dataclass(frozen=True)
class Roster(Result):
    """Who works which shift.

    ``table`` has one row per agent and shift: ``agent_id, day, start, end, queue, paid_hours,
    breaks``. ``status`` is ``"optimal"`` or ``"feasible"`` (stopped at the time limit, with
    ``optimality_gap`` against the proven bound of the preference score).
    """

    table: pl.DataFrame
    agents: tuple[str, ...]
    contracted: dict[str, float]
    status: str
    objective: float
    best_bound: float
    optimality_gap: float
    preferences_met: int
    preferences_total: int
    time_limit: float
    wall_seconds: float
    rules: RosterRules = field(default_factory=RosterRules)
    reason: str | None = None
    """Why there is no roster (``missing="empty"``), as the refusal worded it; else ``None``."""
    enforced: tuple[str, ...] = ()
    """The rules that bound this roster beyond rest and days in a row: ``"days_off"`` (days off
    fell in the horizon), ``"skills"`` (some agent could not take some queue), ``"history"``
    (shifts worked before the horizon were counted)."""
    history_shifts: int = 0
    """How many shifts worked before the horizon (``history=``) the rules counted."""
    open_shifts: pl.DataFrame | None = None
    """With ``open_shifts=True``: the shifts the agents could not fill under the rules, one row
    per shift with ``open`` agents missing (``day, start, end, queue, paid_hours, open``)."""

    @property
    def title(self) -> str:
        return _("Roster")

    @property
    def optimal(self) -> bool:
        """Whether the solver proved the roster optimal."""
        return self.status == "optimal"

    def summary(self) -> pl.DataFrame:
        """The roster: one row per agent and shift."""
        return self.table

    def by_agent(self) -> pl.DataFrame:
        """Per agent: shifts, days worked, paid hours and contracted hours per week."""
        base = pl.DataFrame({"agent_id": list(self.agents)})
        worked = self.table.group_by("agent_id").agg(
            pl.len().alias("shifts"), pl.col("paid_hours").sum()
        )
        return (
            base.join(worked, on="agent_id", how="left")
            .with_columns(
                pl.col("shifts").fill_null(0).cast(pl.Int64),
                pl.col("paid_hours").fill_null(0.0),
                pl.col("agent_id")
                .replace_strict(self.contracted, default=None, return_dtype=pl.Float64)
                .alias("contracted_hours"),
            )
            .sort("agent_id")
        )

    def findings(self) -> list[str]:
        """How many agents fill how many shifts, preferences honoured, and whether it is proven."""
        if self.status == "empty":
            if not self.agents:
                return [_("No roster: the workspace has no agents to assign to the shifts.")]
            return [
                ngettext(
                    "No roster: the {n} agent cannot fill every shift under the roster rules "
                    "(too few agents, or their skills, rest or days in a row do not allow it).",
                    "No roster: the {n} agents cannot fill every shift under the roster rules "
                    "(too few agents, or their skills, rest or days in a row do not allow it).",
                    len(self.agents),
                ).format(n=fmt_value(len(self.agents), "count"))
            ]
        out = []
        used = self.table["agent_id"].n_unique() if self.table.height else 0
        opened = self.open_shifts if self.open_shifts is not None else pl.DataFrame()
        filled = {
            "agents": fmt_value(used, "count"),
            "total": fmt_value(len(self.agents), "count"),
            "shifts": fmt_value(self.table.height, "count"),
            "rest": duration_words(self.rules.min_rest_hours * 3600),
            "days": self.rules.max_consecutive_days,
        }
        if opened.height:
            open_count = int(opened["open"].sum())
            open_hours = float((opened["open"] * opened["paid_hours"]).sum())
            weekly = [float(h) for h in self.contracted.values() if h]
            week = float(np.median(weekly)) if weekly else 40.0
            span = self.table["day"] if self.table.height else opened["day"]
            days = min(7, (span.max() - span.min()).days + 1)
            more = max(1, math.ceil(open_hours / (week * days / 7)))
            out.append(
                ngettext(
                    "{agents} of {total} agents fill {shifts} shifts, with rests of at least "
                    "{rest} and at most {days} day in a row.",
                    "{agents} of {total} agents fill {shifts} shifts, with rests of at least "
                    "{rest} and at most {days} days in a row.",
                    self.rules.max_consecutive_days,
                ).format(**filled)
            )
            out.append(
                ngettext(
                    "{open} agent-shifts ({hours} paid hours) stay open: more than these agents' "
                    "contracted hours and the rules allow. About {more} more agent, or overtime, "
                    "would fill them.",
                    "{open} agent-shifts ({hours} paid hours) stay open: more than these agents' "
                    "contracted hours and the rules allow. About {more} more agents, or overtime, "
                    "would fill them.",
                    more,
                ).format(
                    open=fmt_value(open_count, "count"),
                    hours=fmt_value(open_hours, "count"),
                    more=fmt_value(more, "count"),
                )
            )
        else:
            out.append(
                ngettext(
                    "{agents} of {total} agents fill all {shifts} shifts, with rests of at least "
                    "{rest} and at most {days} day in a row.",
                    "{agents} of {total} agents fill all {shifts} shifts, with rests of at least "
                    "{rest} and at most {days} days in a row.",
                    self.rules.max_consecutive_days,
                ).format(**filled)
            )
        if "history" in self.enforced:
            out.append(
                ngettext(
                    "Rest, days in a row and weekly hours count the {n} shift worked before the "
                    "roster starts.",
                    "Rest, days in a row and weekly hours count the {n} shifts worked before the "
                    "roster starts.",
                    self.history_shifts,
                ).format(n=fmt_value(self.history_shifts, "count"))
            )
        if "days_off" in self.enforced:
            out.append(_("Every day off asked for is kept."))
        if "skills" in self.enforced:
            out.append(_("Each agent works only the queues of their skills."))
        if self.contracted:
            tolerance = duration_words(self.rules.hours_tolerance * 3600)
            if self.rules.max_overtime_hours > 0:
                out.append(
                    _(
                        "Each agent's paid hours in a full week are at most {tolerance} below the "
                        "contracted hours and at most {overtime} of overtime above them."
                    ).format(
                        tolerance=tolerance,
                        overtime=duration_words(self.rules.max_overtime_hours * 3600),
                    )
                )
            elif self.rules.hours_tolerance > 0:
                out.append(
                    _(
                        "Each agent's paid hours in a full week are at most the contracted hours "
                        "and at most {tolerance} below them; no overtime."
                    ).format(tolerance=tolerance)
                )
            else:
                out.append(
                    _("Each agent's paid hours in a full week are the contracted hours exactly.")
                )
        if self.preferences_total:
            out.append(
                _("{met} of {total} preferences are honoured.").format(
                    met=fmt_value(self.preferences_met, "count"),
                    total=fmt_value(self.preferences_total, "count"),
                )
            )
        if opened.height and not self.optimal:
            out.append(
                _(
                    "The solver stopped at its time limit of {seconds} before proving that no "
                    "roster fills more of the open shifts; with more time it may fill a few more."
                ).format(seconds=fmt_value(self.time_limit, "seconds"))
            )
        elif opened.height:
            out.append(_("No roster under these rules fills more of the shifts."))
        elif not self.preferences_total:
            pass  # nothing to weigh: any roster that keeps the rules is as good as another
        elif self.optimal:
            out.append(_("The roster is proven the best possible for the preferences."))
        else:
            out.append(
                _(
                    "The solver stopped at its time limit of {seconds}: this is the best roster "
                    "it found, and a better one may honour up to {gap} more of the preferences' "
                    "weight."
                ).format(
                    seconds=fmt_value(self.time_limit, "seconds"),
                    gap=fmt_value(self.optimality_gap, "share"),
                )
            )
        return out

    def plot(self):
        """A timeline: one row per agent, a bar per shift, coloured by queue (``None`` when no
        agent works a shift: an empty chart says nothing the findings do not)."""
        import plotly.graph_objects as go

        if self.table.height == 0:
            return None

        from cxlab.viz import color_for, date_ticks

        fig = go.Figure()
        for i, (queue, part) in enumerate(self.table.group_by("queue", maintain_order=True)):
            q = queue[0]
            starts = part["start"].to_list()
            length_ms = [
                (e - s).total_seconds() * 1000
                for s, e in zip(starts, part["end"].to_list(), strict=True)
            ]
            fig.add_trace(
                go.Bar(
                    base=starts, x=length_ms, y=part["agent_id"].to_list(), orientation="h",
                    name=queue_words(q), marker_color=color_for(str(q).split("_")[0], index=i),
                    customdata=part["breaks"].to_list(),
                    hovertemplate="%{y}: %{base|%m-%d %H:%M}<br>%{customdata}<extra></extra>",
                )
            )  # fmt: skip
        fig.update_xaxes(type="date", tickformat=date_ticks())
        fig.update_yaxes(
            categoryorder="array", categoryarray=list(reversed(self.agents)), title_text=""
        )
        fig.update_layout(
            title=_("Roster: who works when"),
            barmode="overlay",
            height=max(320, 22 * len(self.agents) + 160),
            showlegend=self.table["queue"].n_unique() > 1,
        )
        return fig


def _agent_frame(agents: Any) -> pl.DataFrame:
    if isinstance(agents, pl.LazyFrame):
        agents = agents.collect()
    if not isinstance(agents, pl.DataFrame):
        try:
            agents = pl.from_pandas(agents)
        except Exception as exc:
            raise SchemaError("roster() takes the agents table as a polars frame.") from exc
    if "agent_id" not in agents.columns:
        raise SchemaError("the agents table lacks the column agent_id.")
    if agents.height == 0:
        raise NotEnoughDataError("the agents table is empty: nobody to roster.")
    if agents["agent_id"].is_duplicated().any():
        dup = agents.filter(pl.col("agent_id").is_duplicated())["agent_id"].head(3).to_list()
        raise SchemaError(f"agents column agent_id has duplicates, e.g. {dup}.")
    return agents.with_columns(pl.col("agent_id").cast(pl.Utf8))


def _skills(agents: pl.DataFrame, skills: Any, queues: list[str]) -> dict[str, set[str]]:
    """The queues each agent may take: from ``skills`` (agent_id, queue), else the agent's
    channel (queue names start with their channel: ``phone_orders``); every agent takes the
    pooled queue."""
    ids = agents["agent_id"].to_list()
    if skills is not None:
        if isinstance(skills, Mapping):
            return {a: set(skills.get(a, ())) | {POOLED} for a in ids}
        frame = skills.collect() if isinstance(skills, pl.LazyFrame) else skills
        if not {"agent_id", "queue"} <= set(frame.columns):
            raise SchemaError("skills= needs the columns agent_id, queue.")
        out: dict[str, set[str]] = {a: {POOLED} for a in ids}
        for a, q in frame.select(pl.col("agent_id").cast(pl.Utf8), "queue").iter_rows():
            if a in out:
                out[a].add(str(q))
        return out
    if "channel" not in agents.columns:
        return {a: {*queues, POOLED} for a in ids}
    out = {}
    for a, channel in agents.select("agent_id", "channel").iter_rows():
        out[a] = {q for q in queues if str(q).split("_")[0] == channel or q == channel}
        out[a].add(POOLED)
    return out


def _contracted(agents: pl.DataFrame, contracted_hours: Any) -> dict[str, float]:
    ids = agents["agent_id"].to_list()
    if contracted_hours is None and "contracted_hours" in agents.columns:
        contracted_hours = dict(agents.select("agent_id", "contracted_hours").iter_rows())
    if contracted_hours is None:
        return {}
    if isinstance(contracted_hours, pl.DataFrame):
        contracted_hours = dict(
            contracted_hours.select(
                pl.col("agent_id").cast(pl.Utf8), "contracted_hours"
            ).iter_rows()
        )
    if isinstance(contracted_hours, Mapping):
        out = {str(k): v for k, v in contracted_hours.items() if str(k) in set(ids)}
    else:
        out = dict.fromkeys(ids, contracted_hours)
    for a, v in out.items():
        if v is not None and not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
            raise OptionError(
                f"contracted_hours for agent {a!r} is {v!r}; give weekly hours, 0 or more."
            )
    return {a: float(v) for a, v in out.items() if v is not None}


def _day_frame(frame: Any, name: str, columns: tuple[str, ...]) -> pl.DataFrame:
    frame = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    if not isinstance(frame, pl.DataFrame):
        raise SchemaError(f"{name}= takes a polars frame with the columns {list(columns)}.")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(f"{name}= lacks the columns {missing}; it needs {list(columns)}.")
    return frame


def roster(
    schedule: ShiftSchedule,
    agents: Any,
    rules: RosterRules | None = None,
    *,
    skills: Any = None,
    contracted_hours: float | Mapping[str, float] | pl.DataFrame | None = None,
    days_off: pl.DataFrame | None = None,
    preferences: pl.DataFrame | None = None,
    history: Roster | pl.DataFrame | None = None,
    time_limit: float = 30.0,
    num_workers: int = 2,
    seed: int = 0,
    deterministic_time: float | None = None,
    missing: Missing = "raise",
    open_shifts: bool = False,
) -> Roster:
    """Assign agents to the shifts of a schedule, keeping the roster rules.

    Parameters
    ----------
    schedule : ShiftSchedule
        The shifts to fill (:func:`cxlab.staffing.schedule_shifts`).
    agents : DataFrame
        The ``agents`` table (``agent_id``, ``channel``, ...). An agent takes the queues whose
        name starts with the agent's channel, unless ``skills`` says otherwise.
    rules : RosterRules, optional
        Rest, consecutive days and hours tolerance (default ``RosterRules()``).
    skills : DataFrame or dict, optional
        ``agent_id, queue`` rows (or agent_id -> queues) naming the queues each agent takes.
    contracted_hours : float, dict or DataFrame, optional
        Paid hours per week, for everyone, per agent, or as ``agent_id, contracted_hours``
        (default: the agents table's ``contracted_hours`` column if any, else no hours rule).
        They are a ceiling: in a calendar week (Monday to Sunday) the schedule covers in full,
        paid hours lie between the contracted hours less ``rules.hours_tolerance`` and the
        contracted hours; in a week it covers in part, they are at most the contracted hours.
        ``rules.max_overtime_hours`` raises the ceiling by that much overtime a week.
    days_off : DataFrame, optional
        ``agent_id, day`` rows: days an agent does not work.
    preferences : DataFrame, optional
        ``agent_id, weight`` and optionally ``day`` (a date) and ``start`` (``"HH:MM"``): a
        shift matching them is worth ``weight`` (negative: to avoid). A soft objective.
    history : Roster or DataFrame, optional
        The shifts already worked before the schedule starts: the previous :class:`Roster`, its
        ``table``, or a frame ``agent_id, day, start, end`` (with ``paid_hours`` if known, else
        a shift's length is taken as paid). The first days of the schedule then keep the rest
        after the last shift worked, the days in a row already worked, and the hours already
        paid in a calendar week the schedule starts in the middle of (that week counts as full
        when the history reaches back to its Monday). Days the history does not show are days
        not worked: give at least the last week. A history on or after the schedule's first day,
        or naming an agent the agents table lacks, is refused.
    time_limit, num_workers, seed, deterministic_time :
        As in :func:`cxlab.staffing.schedule_shifts`.
    missing : {"raise", "empty"}
        When there are no agents, or they cannot fill the shifts under the rules: raise (the
        default), or return a roster with no rows whose findings say why (for a report).
    open_shifts : bool, default False
        When the agents cannot fill every shift under the rules (too few of them, their
        contracted hours, skills or days off), fill as many paid hours as the rules allow and
        leave the rest open instead of refusing: ``Roster.open_shifts`` lists them and the
        findings say how many agents more would fill them. The rules are never broken.

    Returns
    -------
    Roster

    Raises
    ------
    OptionError
        When no roster keeps the rules, naming the rule and the agents or days that bind.
    SchemaError
        When ``history`` overlaps the schedule or names agents the agents table lacks, naming
        the rows.

    References
    ----------
    Ernst et al. (2004) for the rostering model; CP-SAT (OR-Tools).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> from cxlab.staffing import ShiftRules, schedule_shifts
    >>> need = pl.DataFrame({"interval_start": [dt.datetime(2026, 10, 5, h) for h in range(8, 16)],
    ...                      "required": [2] * 8})
    >>> s = schedule_shifts(need, ShiftRules(lengths=(8,), earliest_start="08:00",
    ...                     latest_start="08:00"), num_workers=1)
    >>> r = roster(s, pl.DataFrame({"agent_id": ["a1", "a2", "a3"]}), num_workers=1)
    >>> r.table.height, r.status
    (2, 'optimal')
    """
    from ortools.sat.python import cp_model

    if not isinstance(schedule, ShiftSchedule):
        raise OptionError(
            f"roster() takes the ShiftSchedule of schedule_shifts(); got {type(schedule).__name__}."
        )
    rules = RosterRules() if rules is None else rules
    if not isinstance(rules, RosterRules):
        raise OptionError(f"rules= takes a RosterRules; got {type(rules).__name__}.")
    check_option("missing", missing, Missing)
    if open_shifts and missing == "raise":
        # every shift filled when the agents can (the strict model proves that fast); only
        # then, as many as they can
        try:
            full = roster(
                schedule, agents, rules, skills=skills, contracted_hours=contracted_hours,
                days_off=days_off, preferences=preferences, history=history, time_limit=time_limit,
                num_workers=num_workers, seed=seed, deterministic_time=deterministic_time,
            )  # fmt: skip
            return dataclasses.replace(full, open_shifts=pl.DataFrame(schema=OPEN_SCHEMA))
        except OptionError:
            pass
    if missing == "empty":
        try:
            return roster(
                schedule, agents, rules, skills=skills, contracted_hours=contracted_hours,
                days_off=days_off, preferences=preferences, history=history, time_limit=time_limit,
                num_workers=num_workers, seed=seed, deterministic_time=deterministic_time,
                open_shifts=open_shifts,
            )  # fmt: skip
        except (NotEnoughDataError, OptionError) as exc:
            return _nobody(agents, rules, time_limit, str(exc))
    frame = _agent_frame(agents)
    ids = frame["agent_id"].to_list()
    by = ["day", "start", "end", "queue"]
    by += [c for c in ("start_at", "end_at") if c in schedule.shifts.columns]
    shifts = (
        schedule.shifts.group_by(*by)
        .agg(pl.col("agents").alias("count").sum(), pl.col("paid_hours").first())
        .sort("day", "start", "end", "queue")
    )
    if shifts.height == 0:
        raise NotEnoughDataError("the schedule has no shifts: there is nothing to roster.")
    keys = shifts.rows(named=True)
    queues = set(shifts["queue"].to_list())
    can = _skills(frame, skills, sorted(queues))
    hours = _contracted(frame, contracted_hours)
    off: set[tuple[str, dt.date]] = set()
    if days_off is not None:
        d = _day_frame(days_off, "days_off", ("agent_id", "day"))
        off = {(str(a), day) for a, day in d.select("agent_id", "day").iter_rows()}
    # the days the schedule covers: those of its requirement, not only those with shifts
    span = schedule.coverage_table["interval_start"]
    if getattr(span.dtype, "time_zone", None):
        span = span.dt.replace_time_zone(None)
    first_day = min(min(k["day"] for k in keys), span.min().date())
    last_day = max(max(k["day"] for k in keys), span.max().date())
    ndays = (last_day - first_day).days + 1
    past = _history(history, ids, first_day, schedule.time_zone)
    before = past["day"].min() if past.height else None
    last_end: dict[str, dt.datetime] = {}
    days_worked: dict[str, set[dt.date]] = {}
    prior: dict[tuple[str, dt.date], float] = {}
    for a, day, end, paid in past.select("agent_id", "day", "end", "paid_hours").iter_rows():
        last_end[a] = max(end, last_end.get(a, end))
        days_worked.setdefault(a, set()).add(day)
        monday = day - dt.timedelta(days=day.weekday())
        prior[a, monday] = prior.get((a, monday), 0.0) + paid

    def full(monday: dt.date) -> bool:
        """Whether the calendar week of ``monday`` is known in full: the schedule covers it to
        its Sunday, and it or the history reaches back to its Monday."""
        starts = monday >= first_day or (before is not None and before <= monday)
        return starts and monday + dt.timedelta(days=6) <= last_day

    # direct checks: a shift nobody may take; a day with more shifts than agents free for them
    for k in keys if not open_shifts else ():
        able = [a for a in ids if k["queue"] in can[a] and (a, k["day"]) not in off]
        if not able:
            raise OptionError(
                f"no agent can take the {k['start']:%a %Y-%m-%d %H:%M} shift of queue "
                f"{k['queue']!r}: nobody has the skill{' and is free that day' if off else ''}. "
                "Add skills or move a day off."
            )
    by_day: dict[dt.date, int] = {}
    for k in keys:
        by_day[k["day"]] = by_day.get(k["day"], 0) + k["count"]
    for day, n in sorted(by_day.items()) if not open_shifts else ():
        free = [a for a in ids if (a, day) not in off]
        if n > len(free):
            raise OptionError(
                f"on {day:%a %Y-%m-%d}, {n} shifts need filling but only {len(free)} agents are "
                "free (one shift a day each); add agents or move days off."
            )
        for queue in sorted({k["queue"] for k in keys if k["day"] == day}):
            m = sum(k["count"] for k in keys if k["day"] == day and k["queue"] == queue)
            able = [a for a in free if queue in can[a]]
            if m > len(able):
                raise OptionError(
                    f"on {day:%a %Y-%m-%d}, {m} shifts of queue {queue!r} need filling but only "
                    f"{len(able)} agents with the skill are free (one shift a day each); add "
                    "skills or agents, or move days off."
                )

    if not open_shifts:
        _check_hours(keys, ids, hours, rules, full, prior)

    model = cp_model.CpModel()
    lit_names: list[tuple[str, str]] = []
    lits = []

    def lit(rule: str, agent: str):
        v = model.new_bool_var(f"{rule}:{agent}")
        lit_names.append((rule, agent))
        lits.append(v)
        return v

    w: dict[tuple[str, int], Any] = {}
    for a in ids:
        off_lit = lit("days_off", a) if any(o[0] == a for o in off) else None
        for i, k in enumerate(keys):
            if k["queue"] not in can[a]:
                continue
            v = model.new_bool_var(f"w{a}_{i}")
            w[a, i] = v
            if (a, k["day"]) in off:
                model.add(v == 0).only_enforce_if(off_lit)
    takers: dict[int, list] = {}
    for (_a, i), v in w.items():
        takers.setdefault(i, []).append(v)
    fill = {}
    for i, k in enumerate(keys):
        if k["day"] not in fill:
            fill[k["day"]] = lit("fill", k["day"].strftime("%a %Y-%m-%d"))
        if open_shifts:  # as many as the rules allow; the rest stay open
            model.add(sum(takers.get(i, [])) <= k["count"])
        else:
            model.add(sum(takers.get(i, [])) == k["count"]).only_enforce_if(fill[k["day"]])
    rest = dt.timedelta(hours=rules.min_rest_hours)
    span = rules.max_consecutive_days + 1
    # rest is real time: across a clock change the local clock gains or loses an hour
    begins = [_instant(k, "start") for k in keys]
    ends = [_instant(k, "end") for k in keys]
    aware = bool(begins) and begins[0].tzinfo is not None
    pairs = []
    for i, ki in enumerate(keys):
        for j, kj in enumerate(keys):
            if kj["day"] > ki["day"] and begins[j] < ends[i] + rest:
                pairs.append((i, j))
    for a in ids:
        mine = {i: v for (b, i), v in w.items() if b == a}
        worked = []
        for d in range(ndays):
            day = first_day + dt.timedelta(days=d)
            today = [v for i, v in mine.items() if keys[i]["day"] == day]
            if today:
                on = model.new_bool_var(f"on{a}_{d}")
                model.add(sum(today) == on)
                worked.append(on)
            else:
                worked.append(0)
        # a shift that starts too soon after the last shift worked before the schedule
        if a in last_end:
            after = _on_axis(last_end[a], aware, schedule.time_zone) + rest
            early = [i for i in mine if begins[i] < after]
        else:
            early = []
        if pairs or early:
            rest_lit = lit("min_rest_hours", a)
            for i, j in pairs:
                if i in mine and j in mine:
                    model.add(mine[i] + mine[j] <= 1).only_enforce_if(rest_lit)
            for i in early:
                model.add(mine[i] == 0).only_enforce_if(rest_lit)
        # days in a row: the last days before the schedule are known (1) from the history
        seen = days_worked.get(a, set())
        lead = [
            int(first_day - dt.timedelta(days=d) in seen)
            for d in range(rules.max_consecutive_days, 0, -1)
        ]
        run_lit = None
        days_all = lead + worked
        for d in range(len(days_all) - span + 1):
            window = days_all[d : d + span]
            if any(isinstance(x, int) and x == 0 for x in window):
                continue  # a day not worked breaks the run
            chosen_days = [x for x in window if not isinstance(x, int)]
            if not chosen_days:
                continue
            if run_lit is None:
                run_lit = lit("max_consecutive_days", a)
            ones = span - len(chosen_days)
            model.add(sum(chosen_days) <= rules.max_consecutive_days - ones).only_enforce_if(
                run_lit
            )
        if a in hours:
            hours_lit = lit("contracted_hours", a)
            weeks: dict[dt.date, list[int]] = {}
            for i in mine:
                day = keys[i]["day"]
                weeks.setdefault(day - dt.timedelta(days=day.weekday()), []).append(i)
            days = [first_day + dt.timedelta(days=d) for d in range(ndays)]
            top = round((hours[a] + rules.max_overtime_hours) * 60)
            low = max(0, round((hours[a] - rules.hours_tolerance) * 60))
            for monday in sorted({day - dt.timedelta(days=day.weekday()) for day in days}):
                items = weeks.get(monday, [])
                done = round(prior.get((a, monday), 0.0) * 60)
                paid = sum(round(keys[i]["paid_hours"] * 60) * mine[i] for i in items)
                if not items:  # nothing to choose: the week holds or it does not
                    if done > top or (full(monday) and done < low):
                        model.add_bool_or([]).only_enforce_if(hours_lit)
                    continue
                model.add(paid + done <= top).only_enforce_if(hours_lit)
                if full(monday):
                    model.add(paid + done >= low).only_enforce_if(hours_lit)
    pref_terms, pref_rows = _preferences(preferences, keys, w)
    filled_terms = []
    if open_shifts:
        # every paid minute filled outweighs all the preferences together
        heavy = sum(abs(c) for c, _v in pref_terms) + 1
        filled_terms = [(round(keys[i]["paid_hours"] * 60) * heavy, v) for (_a, i), v in w.items()]
    if pref_terms or filled_terms:
        model.maximize(sum(c * v for c, v in pref_terms + filled_terms))
    for v in lits:
        model.add(v == 1)

    from cxlab.staffing._shift_model import cp_solver, work_limit

    work = work_limit(time_limit, num_workers, deterministic_time)
    solver = cp_solver(time_limit, num_workers, seed, work)
    started = time.perf_counter()
    status = solver.solve(model)
    wall = time.perf_counter() - started
    if status == cp_model.INFEASIBLE:
        _diagnose(model, lits, lit_names, rules, time_limit)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise OptionError(
            f"no roster was found within time_limit={time_limit:g} seconds (the solver neither "
            "found one nor proved there is none); give more time."
        )
    chosen = {(a, i) for (a, i), v in w.items() if solver.value(v)}
    table = _table(schedule, keys, chosen)
    objective = float(solver.objective_value) / 100 if pref_terms or filled_terms else 0.0
    bound = float(solver.best_objective_bound) / 100 if pref_terms or filled_terms else 0.0
    optimal = status == cp_model.OPTIMAL
    gap = 0.0 if optimal else max(0.0, (bound - objective) / max(abs(bound), 1e-9))
    if filled_terms:  # the preference score alone, as without open shifts
        objective = sum(c * solver.value(v) for c, v in pref_terms) / 100
        bound = objective
    opened = None
    if open_shifts:
        taken = {}
        for _a, i in chosen:
            taken[i] = taken.get(i, 0) + 1
        rows = [
            {
                "day": k["day"], "start": k["start"], "end": k["end"], "queue": k["queue"],
                "paid_hours": float(k["paid_hours"]), "open": int(k["count"] - taken.get(i, 0)),
            }
            for i, k in enumerate(keys)
            if k["count"] > taken.get(i, 0)
        ]  # fmt: skip
        opened = pl.DataFrame(rows, schema=OPEN_SCHEMA)
    met = sum(1 for a, i_list in pref_rows if any((a, i) in chosen for i in i_list))
    return Roster(
        table=table,
        agents=tuple(ids),
        contracted=hours,
        status="optimal" if optimal else "feasible",
        objective=objective,
        best_bound=bound,
        optimality_gap=gap,
        preferences_met=met,
        preferences_total=len(pref_rows),
        time_limit=float(time_limit),
        wall_seconds=wall,
        rules=rules,
        enforced=tuple(
            name
            for name, bound in (
                ("days_off", any(a in can and first_day <= d <= last_day for a, d in off)),
                ("skills", any(not queues <= can[a] for a in ids)),
                ("history", past.height > 0),
            )
            if bound
        ),
        history_shifts=past.height,
        open_shifts=opened,
    )


def _nobody(agents: Any, rules: RosterRules, time_limit: float, reason: str) -> Roster:
    """The empty roster of ``missing="empty"``: no rows, and the refusal kept as its reason."""
    frame = agents.collect() if isinstance(agents, pl.LazyFrame) else agents
    ids: tuple[str, ...] = ()
    if isinstance(frame, pl.DataFrame) and "agent_id" in frame.columns:
        ids = tuple(str(a) for a in frame["agent_id"].unique(maintain_order=True))
    return Roster(
        table=_table(None, [], set()),
        agents=ids,
        contracted={},
        status="empty",
        objective=0.0,
        best_bound=0.0,
        optimality_gap=0.0,
        preferences_met=0,
        preferences_total=0,
        time_limit=float(time_limit),
        wall_seconds=0.0,
        rules=rules,
        reason=reason,
    )


def _check_hours(
    keys: list[dict],
    ids: list[str],
    hours: dict[str, float],
    rules: RosterRules,
    full: Any,
    prior: dict[tuple[str, dt.date], float],
) -> None:
    """Refuse a week whose shifts hold fewer paid hours than the contracts need at least, or
    more than they allow at most (when every agent has a contract), net of the hours already
    worked that week before the schedule (``prior``)."""
    if not hours:
        return
    weeks: dict[dt.date, float] = {}
    for k in keys:
        monday = k["day"] - dt.timedelta(days=k["day"].weekday())
        weeks[monday] = weeks.get(monday, 0.0) + k["paid_hours"] * k["count"]
    tol, over = rules.hours_tolerance, rules.max_overtime_hours
    for monday, total in sorted(weeks.items()):
        done = {a: prior.get((a, monday), 0.0) for a in hours}
        need = {a: max(0.0, h - tol - done[a]) for a, h in hours.items()}
        room = {a: max(0.0, h + over - done[a]) for a, h in hours.items()}
        worked = " (less the hours already worked that week)" if any(done.values()) else ""
        least = sum(need.values())
        if full(monday) and total + 1e-6 < least:
            raise OptionError(
                f"the week of {monday.isoformat()} has {total:g} paid hours of shifts, but the "
                f"contracts need at least {least:g} (contracted hours less hours_tolerance="
                f"{tol:g}{worked}): too many agents for these shifts. Roster fewer agents or widen "
                "hours_tolerance."
            )
        if len(hours) == len(ids):
            most = sum(room.values())
            if total - 1e-6 > most:
                raise OptionError(
                    f"the week of {monday.isoformat()} has {total:g} paid hours of shifts, but "
                    f"the contracts allow at most {most:g} (contracted hours plus "
                    f"max_overtime_hours={over:g}{worked}): too few agents for these shifts. "
                    "Roster more agents or allow overtime with max_overtime_hours."
                )
        # shifts come whole: count them, not only their hours
        mine = [k for k in keys if k["day"] - dt.timedelta(days=k["day"].weekday()) == monday]
        n = sum(k["count"] for k in mine)
        longest = max(k["paid_hours"] for k in mine)
        shortest = min(k["paid_hours"] for k in mine)
        if full(monday) and longest > 0:
            fewest = sum(math.ceil(v / longest - 1e-9) for v in need.values())
            if fewest > n:
                raise OptionError(
                    f"the week of {monday.isoformat()} has {n} shifts of at most {longest:g} "
                    f"paid hours, but to reach their contracted hours less hours_tolerance="
                    f"{tol:g}{worked} the agents need at least {fewest} shifts between them: too "
                    "many agents for these shifts. Roster fewer agents or widen hours_tolerance."
                )
        if len(hours) == len(ids) and shortest > 0:
            days = len({k["day"] for k in mine})
            most_shifts = sum(min(days, math.floor(v / shortest + 1e-9)) for v in room.values())
            if most_shifts < n:
                raise OptionError(
                    f"the week of {monday.isoformat()} has {n} shifts of at least {shortest:g} "
                    f"paid hours, but within their contracted hours plus max_overtime_hours="
                    f"{over:g}{worked} the agents can work at most {most_shifts}: too few agents "
                    "for these shifts. Roster more agents or allow overtime with "
                    "max_overtime_hours."
                )


def _instant(shift: dict, which: str) -> dt.datetime:
    """A shift's ``start`` or ``end`` as a real instant (UTC) when the schedule wrote it with
    its offset (``start_at``/``end_at``), else its local clock time."""
    at = shift.get(f"{which}_at")
    moment = dt.datetime.fromisoformat(at) if at else shift[which]
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment


def _on_axis(moment: dt.datetime, aware: bool, zone: str | None) -> dt.datetime:
    """A local clock time of the history on the axis the shifts use (a repeated hour is read
    at its first occurrence)."""
    if not aware:
        return moment
    from zoneinfo import ZoneInfo

    return moment.replace(tzinfo=ZoneInfo(zone or "UTC")).astimezone(dt.UTC)


def _history(history: Any, ids: list[str], first_day: dt.date, zone: str | None) -> pl.DataFrame:
    """The shifts worked before the schedule: ``agent_id, day, start, end, paid_hours`` (local
    clock times), refused when a row falls on or after the first day or names an unknown agent."""
    schema = {
        "agent_id": pl.Utf8,
        "day": pl.Date,
        "start": pl.Datetime("us"),
        "end": pl.Datetime("us"),
        "paid_hours": pl.Float64,
    }
    if history is None:
        return pl.DataFrame(schema=schema)
    if isinstance(history, Roster):
        frame = history.table
    else:
        columns = ("agent_id", "day", "start", "end")
        if isinstance(history, pl.DataFrame | pl.LazyFrame):
            frame = _day_frame(history, "history", columns)
        else:
            raise SchemaError(
                "history= takes the previous Roster or a polars frame with the columns "
                f"{list(columns)}; got {type(history).__name__}."
            )
    for column in ("start", "end"):
        dtype = frame.schema[column]
        if not isinstance(dtype, pl.Datetime):
            raise SchemaError(f"history= column {column} holds {dtype}; give datetimes.")
        if dtype.time_zone:
            frame = frame.with_columns(
                pl.col(column).dt.convert_time_zone(zone or "UTC").dt.replace_time_zone(None)
            )
    if isinstance(frame.schema["day"], pl.Datetime):
        frame = frame.with_columns(pl.col("day").dt.date())
    if frame.schema["day"] != pl.Date:
        raise SchemaError(f"history= column day holds {frame.schema['day']}; give dates.")
    if "paid_hours" not in frame.columns:
        frame = frame.with_columns(
            ((pl.col("end") - pl.col("start")).dt.total_seconds() / 3600).alias("paid_hours")
        )
    frame = frame.select(
        pl.col("agent_id").cast(pl.Utf8),
        "day",
        pl.col("start").cast(pl.Datetime("us")),
        pl.col("end").cast(pl.Datetime("us")),
        pl.col("paid_hours").cast(pl.Float64),
    )
    blank = [c for c in schema if frame[c].null_count()]
    if blank:
        raise SchemaError(f"history= has blank values in the columns {blank}.")

    def rows(part: pl.DataFrame) -> str:
        shown = [
            f"{a} {s:%a %Y-%m-%d %H:%M}" for a, s in part.select("agent_id", "start").head(3).rows()
        ]
        more = f" and {part.height - 3} more" if part.height > 3 else ""
        return "; ".join(shown) + more

    problems = []
    unknown = frame.filter(~pl.col("agent_id").is_in(ids)).sort("start")
    if unknown.height:
        problems.append(
            f"{unknown.height} shift(s) of agents the agents table lacks ({rows(unknown)})"
        )
    late = frame.filter(pl.col("day") >= first_day).sort("start")
    if late.height:
        problems.append(
            f"{late.height} shift(s) on or after {first_day:%a %Y-%m-%d}, the schedule's first "
            f"day ({rows(late)})"
        )
    if problems:
        raise SchemaError(
            "history= holds "
            + " and ".join(problems)
            + ". The history is the shifts the rostered agents worked before the schedule starts."
        )
    return frame.sort("agent_id", "start")


def _preferences(preferences: Any, keys: list[dict], w: dict) -> tuple[list, list]:
    """Objective terms (weight in hundredths x yes/no) and, per preference with a positive
    weight, the shifts that honour it."""
    if preferences is None:
        return [], []
    p = _day_frame(preferences, "preferences", ("agent_id", "weight"))
    terms, rows = [], []
    for row in p.iter_rows(named=True):
        a = str(row["agent_id"])
        start = row.get("start")
        clock = clock_minutes(start, "preferences start") if start is not None else None
        match = [
            i
            for i, k in enumerate(keys)
            if (a, i) in w
            and (row.get("day") is None or k["day"] == row["day"])
            and (clock is None or k["start"].hour * 60 + k["start"].minute == clock)
        ]
        weight = float(row["weight"])
        if not math.isfinite(weight):
            raise OptionError(f"preferences weight for agent {a!r} is {weight!r}; give a number.")
        terms += [(round(weight * 100), w[a, i]) for i in match]
        if weight > 0:
            rows.append((a, match))
    return terms, rows


def _table(schedule: ShiftSchedule | None, keys: list[dict], chosen: set) -> pl.DataFrame:
    """The roster rows, with each agent given one of the shift's break placements."""
    rows = []
    for i, k in enumerate(keys):
        who = sorted(a for a, j in chosen if j == i)
        variants = schedule.shifts.filter(
            (pl.col("day") == k["day"])
            & (pl.col("start") == k["start"])
            & (pl.col("end") == k["end"])
            & (pl.col("queue") == k["queue"])
        )
        slots = [
            (b, u, ph)
            for b, u, ph, n in variants.select(
                "breaks", "unpaid_breaks", "paid_hours", "agents"
            ).iter_rows()
            for _i in range(n)
        ]  # fmt: skip
        for agent, (breaks, unpaid, paid) in zip(who, slots, strict=False):
            rows.append(
                {
                    "agent_id": agent,
                    "day": k["day"],
                    "start": k["start"],
                    "end": k["end"],
                    "queue": k["queue"],
                    "paid_hours": paid,
                    "breaks": breaks,
                    "unpaid_breaks": unpaid,
                }
            )
    schema = {
        "agent_id": pl.Utf8,
        "day": pl.Date,
        "start": pl.Datetime("us"),
        "end": pl.Datetime("us"),
        "queue": pl.Utf8,
        "paid_hours": pl.Float64,
        "breaks": pl.Utf8,
        "unpaid_breaks": pl.Utf8,
    }
    return pl.DataFrame(rows, schema=schema).sort("agent_id", "start")


RULE_WORDS = {
    "fill": "filling every shift on",
    "days_off": "the days off of",
    "min_rest_hours": "the minimum rest between shifts of",
    "max_consecutive_days": "the most days in a row of",
    "contracted_hours": "the contracted hours of",
}


def _diagnose(model, lits: list, names: list, rules: RosterRules, time_limit: float) -> None:
    """Name the rules and agents in conflict, then refuse."""
    from cxlab.staffing._shift_model import conflict

    found = conflict(model, lits, time_limit)
    core = [names[i] for i in found or []]
    if not core:
        raise OptionError(
            "no roster fills every shift and keeps the rules; the solver could not single out "
            f"the rule that binds within time_limit={time_limit:g} seconds."
        )
    grouped: dict[str, list[str]] = {}
    for rule, agent in core:
        grouped.setdefault(rule, []).append(agent)
    values = {
        "min_rest_hours": f"min_rest_hours={rules.min_rest_hours:g}",
        "max_consecutive_days": f"max_consecutive_days={rules.max_consecutive_days}",
        "contracted_hours": f"hours_tolerance={rules.hours_tolerance:g}, "
        f"max_overtime_hours={rules.max_overtime_hours:g}",
        "days_off": "days_off",
        "fill": "one shift a day per agent, with the skill",
    }
    parts = [
        f"{RULE_WORDS[rule]} {', '.join(a if rule == 'fill' else repr(a) for a in agents[:6])}"
        + (f" and {len(agents) - 6} more" if len(agents) > 6 else "")
        + f" ({values[rule]})"
        for rule, agents in grouped.items()
    ]
    raise OptionError(
        "no roster keeps all of these rules: "
        + "; ".join(parts)
        + ". Relax one of them, add agents, or change the schedule."
    )
