"""Rostering: every rule holds on random small instances, preferences steer the assignment, and
an impossible roster is refused naming the rule and the agents or days that bind."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import re

import plotly.graph_objects as go
import polars as pl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import cxlab as cx
from cxlab import OptionError
from cxlab._present import use_language
from cxlab.staffing import RosterRules, ShiftSchedule, roster

MONDAY = dt.date(2026, 10, 5)


def schedule_of(
    rows: list[tuple[int, str, float, str, int]], cover: tuple[int, int] = (0, 6)
) -> ShiftSchedule:
    """A schedule from (day, "HH:MM" start, hours, queue, agents) rows, without solving one;
    it covers the days ``cover`` (first and last, counted from MONDAY)."""
    shifts = []
    for day, start, hours, queue, count in rows:
        begin = dt.datetime.combine(MONDAY + dt.timedelta(days=day), dt.time.fromisoformat(start))
        shifts.append(
            {
                "day": begin.date(),
                "start": begin,
                "end": begin + dt.timedelta(hours=hours),
                "queue": queue,
                "length_hours": hours,
                "paid_hours": hours,
                "part_time": False,
                "breaks": "",
                "unpaid_breaks": "",
                "agents": count,
                "cost": hours * count,
            }
        )
    frame = pl.DataFrame(shifts).with_columns(pl.col("start", "end").cast(pl.Datetime("us")))
    week = [
        dt.datetime.combine(MONDAY + dt.timedelta(days=cover[0]), dt.time()),
        dt.datetime.combine(MONDAY + dt.timedelta(days=cover[1]), dt.time(23)),
    ]  # by default the schedule covers the whole week, Monday to Sunday
    coverage = pl.DataFrame(
        {
            "interval_start": week,
            "queue": ["all", "all"],
            "required": [0.0, 0.0],
            "working": [0.0, 0.0],
            "on_shift": [0, 0],
            "surplus": [0.0, 0.0],
        }
    )
    return ShiftSchedule(
        shifts=frame, coverage_table=coverage, mode="cover", status="optimal", objective=0.0,
        best_bound=0.0, optimality_gap=0.0, cost=float(frame["cost"].sum()), shortfall_hours=0.0,
        budget=None, time_limit=1.0, wall_seconds=0.0, interval_minutes=60, queues=("all",),
        pooled=True,
    )  # fmt: skip


def agents_of(ids, channels=None) -> pl.DataFrame:
    frame = pl.DataFrame({"agent_id": list(ids)})
    if channels is not None:
        frame = frame.with_columns(pl.Series("channel", list(channels)))
    return frame


def check_rules(result, schedule, agents, rules, *, days_off=(), contracted=None, skills=None):
    """Assert every rule the roster promises, from its table alone."""
    table = result.table
    # every shift filled, exactly
    want = schedule.shifts.group_by("day", "start", "end", "queue").agg(pl.col("agents").sum())
    got = table.group_by("day", "start", "end", "queue").agg(pl.len().alias("filled"))
    both = want.join(got, on=["day", "start", "end", "queue"], how="left")
    assert (both["filled"].fill_null(0) == both["agents"]).all(), both
    for agent, part in table.group_by("agent_id"):
        agent = agent[0]
        part = part.sort("start")
        days = part["day"].to_list()
        assert len(days) == len(set(days)), f"{agent} works twice a day"
        for (_s0, e0), (s1, _e1) in zip(
            part.select("start", "end").rows(), part.select("start", "end").rows()[1:], strict=False
        ):
            assert s1 - e0 >= dt.timedelta(hours=rules.min_rest_hours), (agent, e0, s1)
        run, last = 0, None
        for day in sorted(days):
            run = run + 1 if last is not None and (day - last).days == 1 else 1
            last = day
            assert run <= rules.max_consecutive_days, (agent, day)
        for day in days:
            assert (agent, day) not in days_off, (agent, day)
        if skills is not None:
            assert set(part["queue"].to_list()) <= skills[agent], agent
        if contracted is not None and agent in contracted:
            hours = part["paid_hours"].sum()  # contracted hours are a ceiling: no overtime asked
            assert hours <= contracted[agent] + rules.max_overtime_hours + 1e-9
    if contracted is not None:  # the test weeks are whole weeks: the floor holds too
        worked = dict(table.group_by("agent_id").agg(pl.col("paid_hours").sum()).iter_rows())
        for agent, hours in contracted.items():
            assert worked.get(agent, 0.0) >= hours - rules.hours_tolerance - 1e-9, agent


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    n_agents=st.integers(4, 9),
    max_days=st.integers(2, 6),
    rest=st.sampled_from([0.0, 11.0, 14.0]),
)
def test_roster_rules_are_never_broken(data, n_agents, max_days, rest):
    queues = ["phone_orders", "chat_support"]
    starts = ["06:00", "09:00", "14:00", "22:00"]
    rows = []
    for day in range(7):
        for start in data.draw(st.lists(st.sampled_from(starts), max_size=2, unique=True)):
            rows.append((day, start, 8.0, data.draw(st.sampled_from(queues)), 1))
    if not rows:
        rows = [(0, "09:00", 8.0, "phone_orders", 1)]
    schedule = schedule_of(rows)
    ids = [f"a{i}" for i in range(n_agents)]
    skills = {
        a: set(data.draw(st.lists(st.sampled_from(queues), min_size=1, max_size=2, unique=True)))
        for a in ids
    }
    off = {
        (data.draw(st.sampled_from(ids)), MONDAY + dt.timedelta(days=data.draw(st.integers(0, 6))))
        for _ in range(data.draw(st.integers(0, 4)))
    }
    days_off = pl.DataFrame(
        {"agent_id": [a for a, _ in off], "day": [d for _, d in off]},
        schema={"agent_id": pl.Utf8, "day": pl.Date},
    )
    total = sum(r[2] * r[4] for r in rows)
    contracted = {a: total / n_agents for a in ids} if data.draw(st.booleans()) else None
    overtime = data.draw(st.sampled_from([0.0, 4.0]))
    rules = RosterRules(
        max_consecutive_days=max_days, min_rest_hours=rest, hours_tolerance=8,
        max_overtime_hours=overtime,
    )  # fmt: skip
    skill_rows = pl.DataFrame(
        [(a, q) for a, qs in skills.items() for q in sorted(qs)],
        schema={"agent_id": pl.Utf8, "queue": pl.Utf8},
        orient="row",
    )
    try:
        result = roster(
            schedule, agents_of(ids), rules, skills=skill_rows, days_off=days_off,
            contracted_hours=contracted, num_workers=1, time_limit=10,
        )  # fmt: skip
    except OptionError as error:  # impossible instances are refused, by name
        assert re.search(
            r"no agent can take|are free|contracts|min_rest_hours|max_consecutive_days|"
            r"days_off|hours_tolerance|max_overtime_hours|filling every shift on",
            str(error),
        ), str(error)
        return
    check_rules(result, schedule, agents_of(ids), rules, days_off=off, contracted=contracted,
                skills=skills)  # fmt: skip


def test_a_feasible_week_is_rostered_within_every_rule():
    """Two shifts a day all week, five agents on 40 hours: every rule holds and it is proven."""
    rows = [(d, s, 8.0, "phone_orders", 1) for d in range(7) for s in ("07:00", "15:00")]
    schedule = schedule_of(rows)
    agents = agents_of([f"a{i}" for i in range(4)], ["phone"] * 4)
    rules = RosterRules(max_consecutive_days=5, min_rest_hours=11, hours_tolerance=8)
    off = {("a0", MONDAY), ("a1", MONDAY + dt.timedelta(days=1))}
    days_off = pl.DataFrame({"agent_id": ["a0", "a1"], "day": [d for _, d in sorted(off)]})
    result = roster(schedule, agents, rules, days_off=days_off, contracted_hours=32,
                    num_workers=1)  # fmt: skip
    assert result.status == "optimal" and result.table.height == 14
    check_rules(
        result, schedule, agents, rules, days_off=off, contracted={f"a{i}": 32 for i in range(4)}
    )
    assert result.by_agent()["paid_hours"].sum() == 112.0
    # no preferences were given: the findings claim nothing about them; all take the one queue
    found = result.findings()
    assert not any("preference" in f or "skills" in f for f in found), found
    assert "Every day off asked for is kept." in found
    assert (
        "Each agent's paid hours in a full week are at most the contracted hours and at most "
        "8 h below them; no overtime." in found
    )


def test_preferences_steer_who_works_when():
    schedule = schedule_of([(0, "07:00", 8.0, "all", 1), (0, "15:00", 8.0, "all", 1)])
    prefs = pl.DataFrame(
        {"agent_id": ["early", "late", "late"], "start": ["07:00", "15:00", "07:00"],
         "weight": [1.0, 2.0, -1.0]}
    )  # fmt: skip
    result = roster(schedule, agents_of(["early", "late"]), preferences=prefs, num_workers=1)
    who = dict(result.table.select(pl.col("start").dt.hour(), "agent_id").iter_rows())
    assert who == {7: "early", 15: "late"}
    # neither days off nor skills nor contracts were given: the findings say only what was kept
    assert result.findings()[0] == (
        "2 of 2 agents fill all 2 shifts, with rests of at least 11 h and at most 5 days in a row."
    )
    assert not any(w in " ".join(result.findings()) for w in ("day off", "skills", "hours"))
    assert result.preferences_met == 2 and result.preferences_total == 2
    assert result.objective == pytest.approx(3.0) and result.optimal


def test_skills_come_from_the_channel_or_a_skills_table():
    schedule = schedule_of(
        [(0, "09:00", 8.0, "chat_support", 1), (0, "09:00", 8.0, "phone_orders", 1)]
    )
    agents = agents_of(["p", "c"], ["phone", "chat"])
    result = roster(schedule, agents, num_workers=1)
    assert dict(result.table.select("queue", "agent_id").iter_rows()) == {
        "chat_support": "c",
        "phone_orders": "p",
    }
    skills = pl.DataFrame({"agent_id": ["p", "c"], "queue": ["chat_support", "phone_orders"]})
    assert "Each agent works only the queues of their skills." in result.findings()
    swapped = roster(schedule, agents, skills=skills, num_workers=1)
    assert dict(swapped.table.select("queue", "agent_id").iter_rows()) == {
        "chat_support": "p",
        "phone_orders": "c",
    }


# -- refusals ------------------------------------------------------------------------------------


def test_a_shift_nobody_can_take_is_named():
    schedule = schedule_of([(1, "09:00", 8.0, "chat_support", 1)])
    with pytest.raises(
        OptionError,
        match=r"no agent can take the Tue 2026-10-06 09:00 shift of queue 'chat_support'",
    ):
        roster(schedule, agents_of(["p"], ["phone"]), num_workers=1)


def test_a_day_with_more_shifts_than_free_agents_is_named():
    schedule = schedule_of([(2, "09:00", 8.0, "all", 2)])
    off = pl.DataFrame({"agent_id": ["b"], "day": [MONDAY + dt.timedelta(days=2)]})
    with pytest.raises(OptionError, match=r"on Wed 2026-10-07, 2 shifts need filling but only 1"):
        roster(schedule, agents_of(["a", "b"]), days_off=off, num_workers=1)


def test_too_little_rest_is_named_with_the_agent():
    schedule = schedule_of([(0, "14:00", 8.0, "all", 1), (1, "06:00", 8.0, "all", 1)])
    with pytest.raises(
        OptionError, match=r"minimum rest between shifts of 'solo' \(min_rest_hours=11\)"
    ):
        roster(schedule, agents_of(["solo"]), num_workers=1)


def test_too_many_days_in_a_row_is_named_with_the_agent():
    schedule = schedule_of([(d, "09:00", 8.0, "all", 1) for d in range(7)])
    with pytest.raises(
        OptionError, match=r"most days in a row of 'solo' \(max_consecutive_days=5\)"
    ):
        roster(schedule, agents_of(["solo"]), num_workers=1)


def test_contracts_the_shifts_cannot_meet_are_named():
    schedule = schedule_of([(d, "09:00", 8.0, "all", 1) for d in range(7)])
    with pytest.raises(OptionError, match="too many agents for these shifts"):
        roster(schedule, agents_of(["a", "b", "c"]), contracted_hours=40, num_workers=1)
    # 56 hours cover two contracts of 30 less 4, but in whole shifts of 8 each needs 4 of 7
    with pytest.raises(OptionError, match="need at least 8 shifts between them"):
        roster(schedule, agents_of(["a", "b"]), contracted_hours=30, num_workers=1)
    with pytest.raises(OptionError, match="too few agents for these shifts"):
        roster(schedule, agents_of(["a"]), RosterRules(max_consecutive_days=7),
               contracted_hours=20, num_workers=1)  # fmt: skip


def test_contracted_hours_that_bind_only_together_are_named_by_the_solver():
    """Counts and hours add up (one shift for a, six for b, seven in the week), but b cannot
    work six days of seven at most two in a row: the solver names b's two rules."""
    schedule = schedule_of([(d, "09:00", 8.0, "all", 1) for d in range(7)])
    rules = RosterRules(max_consecutive_days=2, hours_tolerance=0)
    with pytest.raises(OptionError) as caught:
        roster(schedule, agents_of(["a", "b"]), rules, contracted_hours={"a": 8, "b": 48},
               num_workers=1)  # fmt: skip
    message = str(caught.value)
    assert "contracted hours of 'b'" in message and "most days in a row of 'b'" in message
    assert "'a'" not in message


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: RosterRules(max_consecutive_days=0), "max_consecutive_days=0"),
        (lambda: RosterRules(min_rest_hours=-1), "min_rest_hours=-1"),
        (lambda: RosterRules(hours_tolerance=float("nan")), "hours_tolerance=nan"),
    ],
)
def test_bad_roster_rules_are_refused(make, words):
    with pytest.raises(OptionError, match=re.escape(words)):
        make()


def test_bad_inputs_are_refused():
    schedule = schedule_of([(0, "09:00", 8.0, "all", 1)])
    with pytest.raises(OptionError, match="takes the ShiftSchedule"):
        roster("not a schedule", agents_of(["a"]))
    with pytest.raises(cx.SchemaError, match="agent_id has duplicates"):
        roster(schedule, agents_of(["a", "a"]))
    with pytest.raises(cx.SchemaError, match="days_off= lacks the columns"):
        roster(schedule, agents_of(["a"]), days_off=pl.DataFrame({"agent_id": ["a"]}))


# -- the result ----------------------------------------------------------------------------------


def test_the_roster_shows_itself():
    schedule = schedule_of([(d, "09:00", 8.0, "phone_orders", 1) for d in range(3)])
    prefs = pl.DataFrame({"agent_id": ["a"], "weight": [1.0], "day": [MONDAY]})
    rules = RosterRules(max_overtime_hours=4)  # 3 shifts of 8 hours: two agents on 12 need it
    result = roster(schedule, agents_of(["a", "b"], ["phone", "phone"]), rules, preferences=prefs,
                    contracted_hours=12, num_workers=1)  # fmt: skip
    assert set(result.summary().columns) >= {"agent_id", "day", "start", "end", "queue"}
    figure = result.plot()
    assert isinstance(figure, go.Figure) and len(figure.data) == 1
    assert figure.layout.template == cx.viz.house_template()
    json.dumps(result.to_dict(), allow_nan=False)
    for language in ("en", "zh"):
        with use_language(language):
            found = result.findings()
            markup = result._repr_html_()
        assert all(re.search(r"[.。]$", f) for f in found), found
        assert "<script" not in markup
    with use_language("zh"):
        assert all(re.search(r"[\u4e00-\u9fff]", f) for f in result.findings())
    assert "1 of 1 preferences are honoured." in result.findings()
    by_agent = result.by_agent()
    assert by_agent["shifts"].sum() == 3 and by_agent["contracted_hours"].to_list() == [12.0, 12.0]


# -- across rosters: the history -----------------------------------------------------------------


def broken_rules(table: pl.DataFrame, rules: RosterRules, contracted: dict[str, float]) -> list:
    """Every rule a run of rosters breaks, recomputed from their tables put together: rest
    between shifts, days in a row, and paid hours in each calendar week (all weeks are whole)."""
    out = []
    for (agent,), part in table.sort("start").group_by("agent_id", maintain_order=True):
        rows = part.select("day", "start", "end").rows()
        for (_d0, _s0, e0), (_d1, s1, _e1) in itertools.pairwise(rows):
            if s1 - e0 < dt.timedelta(hours=rules.min_rest_hours):
                out.append(("rest", agent, s1))
        days = sorted({r[0] for r in rows})
        run = 1
        for d0, d1 in itertools.pairwise(days):
            run = run + 1 if (d1 - d0).days == 1 else 1
            if run > rules.max_consecutive_days:
                out.append(("days_in_a_row", agent, d1))
        weeks = part.group_by(pl.col("day").dt.truncate("1w")).agg(pl.col("paid_hours").sum())
        for monday, paid in weeks.rows():
            low = contracted[agent] - rules.hours_tolerance
            if not low - 1e-9 <= paid <= contracted[agent] + rules.max_overtime_hours + 1e-9:
                out.append(("hours", agent, monday))
    return out


def two_weeks(history: bool) -> tuple[pl.DataFrame, RosterRules, dict[str, float]]:
    """Two consecutive weeks of an early and a late shift a day for four agents on 32 hours; in
    the second, each agent who ended the first on a late shift or a run of days asks for the
    Monday early shift, which only the history shows is too soon."""
    rows = [(d, s, 8.0, "all", 1) for d in range(7) for s in ("07:00", "15:00")]
    agents = agents_of([f"a{i}" for i in range(4)])
    rules = RosterRules(max_consecutive_days=4, min_rest_hours=11, hours_tolerance=8)
    contracted = dict.fromkeys(agents["agent_id"], 32.0)
    # the first week: a0 works Thursday to Sunday, late on Sunday
    first_prefs = pl.DataFrame(
        {"agent_id": ["a0"] * 4, "day": [MONDAY + dt.timedelta(days=d) for d in range(3, 7)],
         "start": ["15:00"] * 4, "weight": [5.0] * 4}
    )  # fmt: skip
    first = roster(schedule_of(rows), agents, rules, contracted_hours=contracted,
                   preferences=first_prefs, num_workers=1)  # fmt: skip
    next_week = [(d + 7, s, h, q, n) for d, s, h, q, n in rows]
    second_monday = MONDAY + dt.timedelta(days=7)
    prefs = pl.DataFrame(
        {"agent_id": ["a0", "a0"], "day": [second_monday] * 2, "start": ["07:00", "15:00"],
         "weight": [5.0, 5.0]}
    )  # fmt: skip
    second = roster(schedule_of(next_week, cover=(7, 13)), agents, rules, preferences=prefs,
                    contracted_hours=contracted, history=first if history else None,
                    num_workers=1)  # fmt: skip
    assert first.optimal and second.optimal
    return pl.concat([first.table, second.table]), rules, contracted


def test_two_weeks_rostered_with_history_keep_every_rule_across_the_boundary():
    table, rules, contracted = two_weeks(history=True)
    assert table.height == 28
    assert broken_rules(table, rules, contracted) == []
    # the check can fail: without the history, the second week starts too soon after the first
    table, rules, contracted = two_weeks(history=False)
    broken = {kind for kind, agent, _when in broken_rules(table, rules, contracted)}
    assert broken == {"rest", "days_in_a_row"}


def test_a_week_started_in_the_middle_counts_the_hours_already_worked():
    """a worked Monday to Wednesday (24 hours of a 40-hour contract): from Thursday, two more
    eight-hour shifts at most, though a asks for all four."""
    rows = [(d, "09:00", 8.0, "all", 1) for d in range(3, 7)]
    schedule = schedule_of(rows, cover=(3, 6))
    past = pl.DataFrame(
        {
            "agent_id": ["a"] * 3,
            "day": [MONDAY + dt.timedelta(days=d) for d in range(3)],
            "start": [dt.datetime.combine(MONDAY + dt.timedelta(days=d), dt.time(9)) for d in range(3)],
            "end": [dt.datetime.combine(MONDAY + dt.timedelta(days=d), dt.time(17)) for d in range(3)],
        }
    )  # fmt: skip
    rules = RosterRules(max_consecutive_days=7, hours_tolerance=8)
    prefs = pl.DataFrame({"agent_id": ["a"], "weight": [1.0]})
    contracted = {"a": 40, "b": 16}
    kwargs = {"contracted_hours": contracted, "preferences": prefs, "num_workers": 1}
    blind = roster(schedule, agents_of(["a", "b"]), rules, **kwargs)
    assert blind.by_agent()["shifts"].to_list() == [4, 0]  # 24 + 32 = 56 hours in the week
    seen = roster(schedule, agents_of(["a", "b"]), rules, history=past, **kwargs)
    assert seen.by_agent()["shifts"].to_list() == [2, 2]
    assert (
        "Rest, days in a row and weekly hours count the 3 shifts worked before the roster "
        "starts." in seen.findings()
    )


def test_a_history_that_overlaps_or_names_strangers_is_refused_by_rows():
    schedule = schedule_of([(1, "09:00", 8.0, "all", 1)], cover=(1, 6))
    at = [dt.datetime(2026, 10, 5, 9), dt.datetime(2026, 10, 6, 9), dt.datetime(2026, 10, 7, 9)]
    past = pl.DataFrame(
        {"agent_id": ["zed", "a", "a"], "day": [t.date() for t in at], "start": at,
         "end": [t + dt.timedelta(hours=8) for t in at]}
    )  # fmt: skip
    with pytest.raises(cx.SchemaError) as caught:
        roster(schedule, agents_of(["a"]), history=past, num_workers=1)
    message = str(caught.value)
    assert "1 shift(s) of agents the agents table lacks (zed Mon 2026-10-05 09:00)" in message
    assert (
        "2 shift(s) on or after Tue 2026-10-06, the schedule's first day "
        "(a Tue 2026-10-06 09:00; a Wed 2026-10-07 09:00)" in message
    )
    with pytest.raises(cx.SchemaError, match=r"history= lacks the columns \['end'\]"):
        roster(schedule, agents_of(["a"]), history=past.drop("end"), num_workers=1)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    n_agents=st.integers(3, 6),
    max_days=st.integers(2, 6),
    rest=st.sampled_from([0.0, 11.0, 14.0]),
    overtime=st.sampled_from([0.0, 4.0]),
)
def test_consecutive_rosters_with_history_never_break_a_rule(
    data, n_agents, max_days, rest, overtime
):
    """Random pairs of weeks: whatever the second roster is asked, with the first as its history
    the two tables together keep every rule (recomputed from them alone), weekly hours too."""
    starts = ["06:00", "09:00", "14:00", "22:00"]
    weeks = []
    for week in range(2):
        rows = [
            (7 * week + day, start, 8.0, "all", 1)
            for day in range(7)
            for start in data.draw(st.lists(st.sampled_from(starts), max_size=2, unique=True))
        ]
        weeks.append(rows or [(7 * week, "09:00", 8.0, "all", 1)])
    ids = [f"a{i}" for i in range(n_agents)]
    # contracts in whole shifts: a ceiling above each agent's share of the busier week, a floor
    # below the share of the quieter one
    totals = [sum(r[2] for r in rows) for rows in weeks]
    ceiling = 8.0 * math.ceil(max(totals) / (8 * n_agents))
    floor = 8.0 * math.floor(min(totals) / (8 * n_agents))
    rules = RosterRules(
        max_consecutive_days=max_days, min_rest_hours=rest, hours_tolerance=ceiling - floor,
        max_overtime_hours=overtime,
    )  # fmt: skip
    contracted = dict.fromkeys(ids, ceiling)
    prefs = pl.DataFrame(
        {"agent_id": data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4))}
    ).with_columns(weight=pl.lit(1.0))
    tables = []
    for week, rows in enumerate(weeks):
        try:
            result = roster(
                schedule_of(rows, cover=(7 * week, 7 * week + 6)), agents_of(ids), rules,
                contracted_hours=contracted, preferences=prefs, history=tables[-1] if tables else None,
                num_workers=1, time_limit=10,
            )  # fmt: skip
        except OptionError as error:  # impossible weeks are refused (checked elsewhere)
            event(f"week {week + 1} refused: {str(error)[:60]}")
            return
        tables.append(result.table)
    event("both weeks rostered")
    assert broken_rules(pl.concat(tables), rules, contracted) == []


def test_open_shifts_fill_what_the_contracts_allow_and_say_how_many_agents_more():
    """Two 40-hour agents and fourteen 8-hour shifts in a week: refused by default; with
    ``open_shifts=True`` they take five shifts each (their ceiling) and four stay open, listed,
    with no rule broken and the findings asking for about one agent more."""
    schedule = schedule_of([(d, "09:00", 8.0, "all", 2) for d in range(7)])
    agents = agents_of(["a", "b"])
    with pytest.raises(OptionError):
        roster(schedule, agents, contracted_hours=40, num_workers=1)
    got = roster(schedule, agents, contracted_hours=40, num_workers=1, open_shifts=True)
    assert got.table.height == 10 and int(got.open_shifts["open"].sum()) == 4
    assert sorted(got.by_agent()["paid_hours"].to_list()) == [40.0, 40.0]
    filled = got.table.group_by("day").len()
    both = got.open_shifts.join(filled, on="day", how="left")
    assert ((both["open"] + both["len"].fill_null(0)) == 2).all()
    rules = got.rules
    for _agent, part in got.table.group_by("agent_id"):
        part = part.sort("start")
        starts, ends = part["start"].to_list(), part["end"].to_list()
        assert all(
            (s - e).total_seconds() >= rules.min_rest_hours * 3600
            for s, e in zip(starts[1:], ends[:-1], strict=True)
        )
    text = " ".join(got.findings())
    assert "4 agent-shifts" in text and "About 1 more agent," in text
    assert "fill all" not in text
    assert got.optimal and "No roster under these rules fills more of the shifts." in text
