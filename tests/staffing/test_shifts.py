"""Shift scheduling: proven optima equal brute-force enumeration on small instances, coverage
holds on random ones, impossible rules are refused by name, and a time-out says so."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import re

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxlab as cx
from cxlab import OptionError
from cxlab._present import use_language
from cxlab.staffing import Break, ShiftRules, ShiftSchedule, schedule_shifts

DAY0 = dt.datetime(2026, 10, 5)  # a Monday


def need_frame(values, *, every=60, first_hour=8, day=DAY0, queue=None) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "interval_start": [
                day + dt.timedelta(minutes=first_hour * 60 + every * i) for i in range(len(values))
            ],
            "required": [float(v) for v in values],
        }
    )
    return frame if queue is None else frame.with_columns(pl.lit(queue).alias("queue"))


# -- brute force ---------------------------------------------------------------------------------


def _overlap(a0, a1, b0, b1):
    return max(0, min(a1, b1) - max(a0, b0))


def brute_force(
    values, rules: ShiftRules, *, every, first_hour, bound, budget=None, within="always"
):
    """Every count vector (and every split of each shift's agents over its break starts) up to
    ``bound`` agents per shift: the cheapest covering one, or the least shortfall within
    ``budget`` and then the cheapest. Written from the rules alone, not from the library: agents
    working are counted in 15-minute slots (every start, end and break of these tests falls on
    one), and an interval is covered when
    they reach the need at every moment (``"always"``) or on average over it."""
    n = len(values)
    t0 = first_hour * 60
    slot = 15
    per = every // slot
    slots = [t0 + i * slot for i in range(n * per)]
    shifts = []
    for start, length in itertools.product(rules.starts, rules.lengths):
        minutes = round(length * 60)
        breaks = [
            [
                (start + o, start + o + b.minutes)
                for o in range(b.window[0], b.window[1] + 1, rules.break_step)
            ]
            for b in rules.breaks_of(length)
        ]
        shifts.append((start, start + minutes, breaks, round(rules.cost(length) * 100)))
    options = []  # per shift: (count, agents working per slot, cost)
    for start, end, breaks, cost in shifts:
        base = [int(start <= s < end) for s in slots]
        mine = []
        for count in range(bound + 1):
            splits = [()]
            for windows in breaks:  # every way to spread `count` agents over the break starts
                ways = [
                    c
                    for c in itertools.product(range(count + 1), repeat=len(windows))
                    if sum(c) == count
                ]
                splits = [(*s, w) for s in splits for w in ways]
            for split in splits:
                work = count * np.array(base)
                for windows, spread in zip(breaks, split, strict=True):
                    for (b0, b1), k in zip(windows, spread, strict=True):
                        work -= k * np.array([int(b0 <= s < b1) for s in slots])
                mine.append((count, work, count * cost))
        options.append(mine)
    best = None
    for combo in itertools.product(*options):
        cost = sum(c[2] for c in combo)
        if budget is not None and cost > round(budget * 100):
            continue
        work = sum(c[1] for c in combo).tolist()
        if within == "always":
            short = sum(max(0, math.ceil(values[i // per]) - w) for i, w in enumerate(work)) * slot
        else:
            short = sum(max(0.0, values[i] * every - sum(work[i * per : (i + 1) * per]) * slot)
                        for i in range(n))  # fmt: skip
        if budget is None and short > 0:
            continue
        key = (short, cost)
        if best is None or key < best:
            best = key
    return None if best is None else (best[0] / 60.0, best[1] / 100.0)


# -- proven optima against brute force -----------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cover_mode_equals_brute_force_without_breaks(seed):
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 4, size=7).tolist()
    rules = ShiftRules(
        lengths=(2, 3),
        earliest_start="08:00",
        latest_start="12:00",
        start_every="2h",
        cost_per_hour=10.0,
        part_time_cost_per_hour=9.0,
    )
    got = schedule_shifts(need_frame(values), rules, num_workers=1, time_limit=10)
    want = brute_force(values, rules, every=60, first_hour=8, bound=4)
    assert got.status == "optimal"
    assert got.cost == pytest.approx(want[1])
    assert (got.coverage()["surplus"] >= -1e-9).all()


@pytest.mark.parametrize(("within", "cost"), [("always", 10.0), ("on_average", 8.0)])
def test_cover_mode_with_a_break_window_equals_brute_force(within, cost):
    """A 15-minute break in 30-minute intervals: where in its window it falls is the schedule's
    choice. On average, it takes half an agent from its half-hour; always, the half-hour needs a
    stand-in for those 15 minutes."""
    values = [2, 2, 3, 3, 2, 1]  # 09:00 to 12:00, per half-hour
    rules = ShiftRules(
        lengths=(2, 3),
        earliest_start="09:00",
        latest_start="10:00",
        start_every="1h",
        breaks=(Break(15, window=(30, 60)),),
        break_every="30m",
    )
    got = schedule_shifts(
        need_frame(values, every=30, first_hour=9), rules, within=within, num_workers=1
    )
    want = brute_force(values, rules, every=30, first_hour=9, bound=4, within=within)
    assert got.status == "optimal"
    assert got.cost == pytest.approx(want[1])
    # on average: two 09:00-11:00 shifts breaking at 10:00 and two 10:00-12:00 shifts breaking
    # at 10:30 give the 10:00 half-hour 2 x 0.5 + 2 = 3 agents working; at 1 an hour, 8
    assert got.cost == pytest.approx(cost)
    cov = got.coverage().filter(pl.col("required") > 0)
    judged = cov["working_min"] if within == "always" else cov["working"]
    assert (judged.to_numpy() >= np.array(values) - 1e-9).all()
    assert (cov["working_min"] <= cov["working"]).all()


@pytest.mark.parametrize("within", ["always", "on_average"])
def test_shortfall_with_breaks_equals_brute_force(within):
    values = [2, 3, 3, 2]  # 09:00 to 11:00, per half-hour
    rules = ShiftRules(
        lengths=(2,), earliest_start="09:00", latest_start="09:00",
        breaks=(Break(15, window=(30, 60)),), break_every="15m",
    )  # fmt: skip
    got = schedule_shifts(need_frame(values, every=30, first_hour=9), rules, mode="shortfall",
                          budget=5, within=within, num_workers=1)  # fmt: skip
    want = brute_force(values, rules, every=30, first_hour=9, bound=3, budget=5, within=within)
    assert got.optimal and got.cost <= 5
    assert (got.shortfall_hours, got.cost) == pytest.approx(want)


@pytest.mark.parametrize("budget", [6.0, 9.0, 14.0])
def test_shortfall_mode_equals_brute_force_and_keeps_the_budget(budget):
    values = [1, 3, 3, 2, 2, 3, 1]
    rules = ShiftRules(
        lengths=(2, 3), earliest_start="08:00", latest_start="12:00", start_every="2h"
    )
    got = schedule_shifts(need_frame(values), rules, mode="shortfall", budget=budget, num_workers=1)
    want = brute_force(values, rules, every=60, first_hour=8, bound=3, budget=budget)
    assert got.status == "optimal"
    assert got.cost <= budget + 1e-9
    assert got.shortfall_hours == pytest.approx(want[0])
    assert got.cost == pytest.approx(want[1])  # ties broken by cost


def test_shortfall_weights_move_the_shortfall_to_cheap_intervals():
    values = [2, 2]
    rules = ShiftRules(lengths=(1,), earliest_start="08:00", latest_start="09:00", start_every="1h")
    need = need_frame(values).with_columns(pl.Series("weight", [1.0, 5.0]))
    got = schedule_shifts(need, rules, mode="shortfall", budget=2, num_workers=1)
    cov = got.coverage().filter(pl.col("required") > 0).sort("interval_start")
    assert cov["working"].to_list() == [0.0, 2.0]


# -- random instances ----------------------------------------------------------------------------


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    values=st.lists(st.integers(0, 6), min_size=4, max_size=12),
    lengths=st.sets(st.sampled_from([2.0, 3.0, 4.0]), min_size=1, max_size=2),
    with_break=st.booleans(),
)
def test_cover_mode_covers_every_interval(values, lengths, with_break):
    breaks = (Break(30, window=(60, 90), min_shift_hours=3),) if with_break else ()
    rules = ShiftRules(
        lengths=tuple(lengths),
        earliest_start="06:00",
        latest_start="20:00",
        start_every="1h",
        breaks=breaks,
    )
    got = schedule_shifts(need_frame(values, every=60, first_hour=8), rules, num_workers=1)
    cov = got.coverage()
    assert (cov["working_min"] >= cov["required"] - 1e-9).all()
    assert cov["on_shift"].to_numpy().min() >= 0
    assert got.shifts["agents"].sum() == got.agent_shifts
    assert got.cost == pytest.approx(float(got.shifts["cost"].sum()))


# -- rules and limits ----------------------------------------------------------------------------


def test_part_time_share_and_headcount_limits_are_kept():
    values = [4, 6, 6, 6, 6, 4, 2, 2]
    rules = ShiftRules(
        lengths=(8, 4),
        earliest_start="08:00",
        latest_start="12:00",
        start_every="1h",
        part_time_cost_per_hour=0.5,
        max_part_time_share=0.25,
        max_per_shift=5,
        max_on_duty=9,
    )
    got = schedule_shifts(need_frame(values), rules, num_workers=1)
    part = got.shifts.filter(pl.col("part_time"))["agents"].sum()
    assert part <= 0.25 * got.agent_shifts + 1e-9
    assert got.shifts.group_by("start").agg(pl.col("agents").sum())["agents"].max() <= 5
    assert got.coverage()["on_shift"].max() <= 9


def test_min_per_shift_and_min_on_duty():
    values = [1, 0, 0, 0, 1]
    rules = ShiftRules(
        lengths=(1,), earliest_start="08:00", latest_start="12:00", start_every="1h",
        min_per_shift=2, min_on_duty=1,
    )  # fmt: skip
    got = schedule_shifts(need_frame(values), rules, num_workers=1)
    assert got.shifts["agents"].to_list() == [2, 2]


def test_unpaid_meal_breaks_lower_the_paid_hours_and_the_cost():
    rules = ShiftRules(
        lengths=(8,), earliest_start="08:00", latest_start="08:00", cost_per_hour=20.0,
        breaks=(Break(15, window=(120, 150)), Break(60, window=(210, 270), paid=False)),
    )  # fmt: skip
    got = schedule_shifts(need_frame([1] * 8), rules, num_workers=1)
    row = got.shifts.row(0, named=True)
    assert row["paid_hours"] == 7.0 and row["cost"] == pytest.approx(140.0 * row["agents"])
    assert re.fullmatch(r"\d\d:\d\d-\d\d:\d\d; \d\d:\d\d-\d\d:\d\d", row["breaks"])
    assert row["unpaid_breaks"].count("-") == 1


def test_the_weekly_model_has_each_agent_work_the_days_per_week():
    days = [need_frame([2, 2, 2, 2], day=DAY0 + dt.timedelta(days=d)) for d in range(7)]
    rules = ShiftRules(lengths=(4,), earliest_start="08:00", latest_start="08:00", days_per_week=5)
    got = schedule_shifts(pl.concat(days), rules, num_workers=1)
    # 14 agent-shifts a week, 5 each: at least 3 agents, and 3 x 5 = 15 >= 14 is met by shifting
    # the spare day onto a day that then has 3 agents, so 15 agent-shifts are scheduled
    assert got.agents_per_week["agents"].to_list() == [3]
    assert got.agent_shifts == 15
    assert any("5 days a week" in f for f in got.findings())


def test_queues_pooled_or_scheduled_apart():
    frame = pl.concat(
        [need_frame([1, 1], queue="phone_orders"), need_frame([1, 1], queue="chat_support")]
    )
    rules = ShiftRules(lengths=(2,), earliest_start="08:00", latest_start="08:00")
    pooled = schedule_shifts(frame, rules, num_workers=1)
    apart = schedule_shifts(frame, rules, by="queue", num_workers=1)
    assert pooled.queues == ("all",) and pooled.agent_shifts == 2
    assert apart.queues == ("chat_support", "phone_orders") and apart.agent_shifts == 2
    assert apart.on_duty().shape == (2, 24)
    assert sorted(apart.shifts["queue"].to_list()) == ["chat_support", "phone_orders"]


def test_a_staffing_plan_is_a_requirement():
    forecast = pl.DataFrame(
        {
            "series_id": ["phone_orders"] * 4,
            "ts": [dt.datetime(2026, 10, 5, 1 + h, tzinfo=dt.UTC) for h in range(4)],
            "y_hat": [60.0, 120.0, 120.0, 60.0],
        }
    )
    settings_ = cx.staffing.QueueSettings(aht_seconds=240, sl_target=0.8, sl_seconds=20)
    plan = cx.staffing.plan(forecast, every="1h", settings=settings_, time_zone="Asia/Shanghai")
    rules = ShiftRules(
        lengths=(2, 4), earliest_start="09:00", latest_start="11:00", start_every="1h"
    )
    got = schedule_shifts(plan, rules, num_workers=1)
    cov = got.coverage().filter(pl.col("required") > 0)
    # no breaks in the rules: the whole shrinkage of 0.3 is the absence allowance
    assert got.rules.absence == pytest.approx(0.3)
    assert cov["required"].to_list() == pytest.approx(
        (plan.table["agents"].cast(pl.Float64) / 0.7).to_list()
    )
    # the plan's UTC hours are 09:00-12:00 in Shanghai, where the shifts are laid out
    assert cov["interval_start"].dt.hour().to_list() == [9, 10, 11, 12]
    assert (cov["working"] >= cov["required"]).all()
    high = schedule_shifts(plan, rules, column="scheduled", num_workers=1)
    assert high.cost >= got.cost


def test_paid_hours_reconcile_with_the_plans_scheduled_agent_hours():
    """The plan's scheduled agents are its agents over 1 - shrinkage; the schedule places the
    paid breaks itself and allows the rest of the shrinkage as absence, so its paid hours come
    to the plan's scheduled agent-hours, give or take whole shifts (before the allowance, they
    came to the agents on the phones plus the breaks, a fifth short)."""
    ts = [
        dt.datetime(2026, 10, 5, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=30 * i) for i in range(32)
    ]
    forecast = pl.DataFrame({"series_id": ["q"] * 32, "ts": ts, "y_hat": [150.0] * 32})
    settings_ = cx.staffing.QueueSettings(
        aht_seconds=240, sl_target=0.8, sl_seconds=20, shrinkage=0.3
    )
    plan = cx.staffing.plan(forecast, every="30m", settings=settings_, time_zone="UTC")
    rules = ShiftRules(
        lengths=(8,), earliest_start="00:00", latest_start="08:00", start_every="1h",
        breaks=(Break(30, window=(60, 180)), Break(30, window=(240, 390), paid=False)),
        break_every="30m",
    )  # fmt: skip
    assert rules.break_share == pytest.approx(30 / 450)
    got = schedule_shifts(plan, rules, within="on_average", num_workers=1, time_limit=20)
    absence = 1 - 0.7 / (1 - 30 / 450)
    assert got.rules.absence == pytest.approx(absence)
    # 571.4 scheduled agent-hours (400 on the phones); two waves of 41 eight-hour shifts pay
    # 615 hours, the breaks crowding into their windows (without the allowance: 465)
    assert got.optimal and got.paid_hours == 615.0
    assert plan.scheduled_hours <= got.paid_hours <= 1.08 * plan.scheduled_hours
    said = [f for f in got.findings() if "absence, training and meetings" in f]
    assert len(said) == 1 and "allows 25.0% of paid time" in said[0]
    with pytest.raises(OptionError, match=r"shrinkage of 5\.0% is smaller than the share"):
        schedule_shifts(
            cx.staffing.plan(forecast, every="30m", settings=settings_.replace(shrinkage=0.05),
                             time_zone="UTC"),
            rules, num_workers=1,
        )  # fmt: skip


# -- refusals ------------------------------------------------------------------------------------


def test_an_interval_no_shift_reaches_is_named():
    rules = ShiftRules(lengths=(4,), earliest_start="08:00", latest_start="12:00")
    values = [1] * 8 + [0, 0, 0, 2]  # 08:00 to 19:00; the last shift ends at 16:00
    with pytest.raises(OptionError, match=r"no shift .* covers the intervals Mon 2026-10-05 19:00"):
        schedule_shifts(need_frame(values), rules, num_workers=1)


def test_a_seat_limit_below_the_need_is_named():
    rules = ShiftRules(lengths=(4,), earliest_start="08:00", latest_start="10:00", max_on_duty=3)
    with pytest.raises(
        OptionError, match=r"max_on_duty=3 is below the need at Mon 2026-10-05 09:00"
    ):
        schedule_shifts(need_frame([2, 4, 2]), rules, num_workers=1)


def test_a_shift_limit_below_the_need_is_named():
    rules = ShiftRules(
        lengths=(1,),
        earliest_start="08:00",
        latest_start="10:00",
        start_every="1h",
        max_per_shift=2,
    )
    with pytest.raises(OptionError, match=r"max_per_shift=2 is below the need at .*09:00"):
        schedule_shifts(need_frame([2, 3, 2]), rules, num_workers=1)


@pytest.mark.parametrize(
    ("rules", "budget", "named"),
    [
        (dict(min_per_shift=5, max_on_duty=3), None, ["min_per_shift", "max_on_duty"]),
        ({}, 5.0, ["budget"]),
    ],
)
def test_conflicting_rules_are_named_by_the_solver(rules, budget, named):
    base = ShiftRules(lengths=(2,), earliest_start="08:00", latest_start="10:00", start_every="1h")
    with pytest.raises(OptionError, match="cannot all hold") as caught:
        schedule_shifts(need_frame([2, 2, 2, 2]), base.replace(**rules), budget=budget,
                        num_workers=1)  # fmt: skip
    for word in named:
        assert word in str(caught.value)


def test_days_per_week_that_cannot_be_worked_is_named():
    days = [need_frame([1, 1], day=DAY0 + dt.timedelta(days=d)) for d in range(3)]
    rules = ShiftRules(lengths=(2,), earliest_start="08:00", latest_start="08:00", days_per_week=5)
    with pytest.raises(OptionError, match="days_per_week"):
        # three days in the week of a schedule that has no shift on the other days
        schedule_shifts(pl.concat([*days, need_frame([0], day=DAY0 + dt.timedelta(days=6))]),
                        rules, num_workers=1)  # fmt: skip


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: ShiftRules(lengths=(0,)), "ShiftRules.lengths=0"),
        (lambda: ShiftRules(earliest_start="25:00"), "earliest_start='25:00'"),
        (lambda: ShiftRules(earliest_start="12:00", latest_start="08:00"), "latest_start='08:00'"),
        (lambda: ShiftRules(max_part_time_share=1.5), "max_part_time_share=1.5"),
        (lambda: ShiftRules(days_per_week=8), "days_per_week=8"),
        (lambda: ShiftRules(start_every="7 min"), "start_every"),
        (lambda: ShiftRules(min_per_shift=4, max_per_shift=2), "max_per_shift=2"),
        (lambda: ShiftRules(lengths=(4,), breaks=(Break(30, window=(220, 240)),)), "does not fit"),
        (
            lambda: ShiftRules(breaks=(Break(30, window=(60, 120)), Break(15, window=(100, 200)))),
            "overlap",
        ),
        (lambda: Break(15, window=(90, 30)), "starts after it ends"),
    ],
)
def test_bad_rules_are_refused_naming_the_setting(make, words):
    with pytest.raises(OptionError, match=re.escape(words)):
        make()


def test_bad_calls_are_refused():
    rules = ShiftRules(lengths=(2,), earliest_start="08:00", latest_start="08:00")
    need = need_frame([1, 1])
    with pytest.raises(OptionError, match="mode='x'"):
        schedule_shifts(need, rules, mode="x")
    with pytest.raises(OptionError, match="needs budget="):
        schedule_shifts(need, rules, mode="shortfall")
    with pytest.raises(OptionError, match="rules= takes a ShiftRules"):
        schedule_shifts(need, {"lengths": (2,)})
    with pytest.raises(cx.SchemaError, match="required must be a number"):
        schedule_shifts(need.with_columns(pl.lit(-1.0).alias("required")), rules)


# -- the time limit ------------------------------------------------------------------------------


def test_a_time_out_returns_the_best_schedule_with_its_gap_and_says_so():
    """Three days of a busy centre, three lengths and two breaks: a deterministic time limit far
    too short to prove the optimum (one worker, a fixed seed: the same run every time)."""
    rng = np.random.default_rng(3)
    values = []
    frames = []
    for d in range(3):
        values = [max(0, round(10 + 8 * np.sin((k / 2 - 1) / 12 * np.pi) + rng.normal()))
                  for k in range(30)]  # fmt: skip
        frames.append(need_frame(values, every=30, first_hour=7, day=DAY0 + dt.timedelta(days=d)))
    rules = ShiftRules(
        lengths=(8, 6, 4), earliest_start="07:00", latest_start="14:00",
        breaks=(Break(15, window=(90, 150)), Break(30, window=(210, 270), paid=False,
                                                      min_shift_hours=6)),
        part_time_cost_per_hour=0.9, max_part_time_share=0.3,
    )  # fmt: skip
    got = schedule_shifts(
        pl.concat(frames), rules, num_workers=1, seed=0, deterministic_time=0.05, time_limit=30
    )
    assert got.status == "feasible" and not got.optimal
    assert got.optimality_gap > 0
    assert got.best_bound < got.objective
    cov = got.coverage()
    assert (cov["working_min"] >= cov["required"] - 1e-9).all()  # feasible means covering
    assert any("search budget" in f for f in got.findings())
    with use_language("zh"):
        assert any("搜索预算" in f for f in got.findings())


# -- the result ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def result() -> ShiftSchedule:
    rules = ShiftRules(
        lengths=(4,), earliest_start="08:00", latest_start="10:00", start_every="1h",
        breaks=(Break(15, window=(90, 120)),),
    )  # fmt: skip
    return schedule_shifts(
        need_frame([2, 3, 3, 2, 2, 1]), rules, mode="shortfall", budget=12, num_workers=1
    )


def test_the_result_shows_itself(result, tmp_path):
    assert set(result.summary().columns) >= {"day", "start", "end", "queue", "breaks", "agents"}
    figure = result.plot()
    assert isinstance(figure, go.Figure) and len(figure.data) == 2
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
    assert any("short" in f for f in result.findings())
    path = result.to_csv(tmp_path / "shifts.csv")
    exported = pl.read_csv(path)
    assert exported.columns[:6] == ["day", "start", "end", "breaks", "count", "queue"]
    assert exported["count"].sum() == result.agent_shifts
    duty = result.on_duty()
    assert duty.shape == (1, 24) and math.isclose(duty.max(), result.coverage()["working"].max())


def test_our_cover_cost_is_at_most_pyworkforce_s():
    """pyworkforce's MinRequiredResources on the same requirement and the same shifts (no
    breaks; it has none): the proven minimum cost can be no higher than its answer."""
    shifts_selection = pytest.importorskip("pyworkforce.scheduling")
    values = [2, 4, 6, 6, 5, 4, 4, 3, 2, 2]  # 08:00 to 18:00
    rules = ShiftRules(
        lengths=(4, 6), earliest_start="08:00", latest_start="14:00", start_every="1h"
    )
    got = schedule_shifts(need_frame(values), rules, num_workers=1)
    coverage = {}
    for start, length in itertools.product(rules.starts, rules.lengths):
        row = [0] * 24
        for h in range(start // 60, min(24, start // 60 + int(length))):
            row[h] = 1
        coverage[f"s{start}_{length:g}"] = row
    need = [0] * 24
    need[8:18] = values
    theirs = shifts_selection.MinRequiredResources(
        num_days=1, periods=24, shifts_coverage=coverage, required_resources=[need],
        max_period_concurrency=50, max_shift_concurrency=20,
        cost_dict={k: int(k.rsplit("_", 1)[1]) for k in coverage},
        max_search_time=10.0, num_search_workers=1,
    ).solve()  # fmt: skip
    assert theirs["status"] == "OPTIMAL"
    assert got.cost <= theirs["cost"] + 1e-9


def test_days_solved_apart_reach_the_joint_optimum_and_night_shifts_join_days():
    frames = [need_frame([2, 3, 3, 2, 1, 1], day=DAY0 + dt.timedelta(days=d)) for d in range(2)]
    rules = ShiftRules(
        lengths=(2, 3), earliest_start="08:00", latest_start="12:00", start_every="1h"
    )
    apart = schedule_shifts(pl.concat(frames), rules, num_workers=1)
    joint = schedule_shifts(  # a share of 100% ties the days together without binding
        pl.concat(frames), rules.replace(max_part_time_share=1.0), num_workers=1
    )
    assert apart.optimal and joint.optimal and apart.cost == joint.cost
    night = pl.concat(
        [
            need_frame([1, 1], first_hour=22),
            need_frame([1, 1], first_hour=0, day=DAY0 + dt.timedelta(days=1)),
        ]
    )
    rules = ShiftRules(lengths=(4,), earliest_start="00:00", latest_start="23:00", start_every="1h")
    got = schedule_shifts(night, rules, num_workers=1)
    assert got.agent_shifts == 1 and got.shifts["start"].dt.hour().to_list() == [22]


def test_a_queue_open_around_the_clock_gets_night_shifts_from_the_default_rules():
    """The defaults start shifts from 07:00 to 16:00, so the small hours are out of reach: given
    the requirement, shift_rules lets shifts start at any hour, and night shifts cross
    midnight; the plain defaults refuse, naming the rule to add."""
    need = pl.concat(
        [need_frame([2] * 7 + [4] * 15 + [2] * 2, first_hour=0, day=DAY0 + dt.timedelta(days=d))
         for d in range(2)]
    )  # fmt: skip
    plain, _roster = cx.staffing.shift_rules("/no/such/workspace")
    with pytest.raises(OptionError, match='earliest_start="00:00"'):
        schedule_shifts(need, plain, time_limit=10)
    rules, _roster = cx.staffing.shift_rules("/no/such/workspace", requirement=need)
    assert (rules.earliest_start, rules.latest_start) == ("00:00", "23:30")
    assert rules.lengths == plain.lengths and rules.breaks == plain.breaks
    got = schedule_shifts(need, rules, deterministic_time=0.5, time_limit=30)
    assert (got.coverage()["surplus"] >= 0).all()
    assert (got.shifts["end"].dt.date() > got.shifts["day"]).any()  # across midnight
    # the linear relaxation bounds the night shifts' week: the gap is proven, if loose
    assert 0 < got.optimality_gap < 0.5
    # a requirement within the default hours keeps the defaults
    day = need_frame([3] * 8, first_hour=9)
    assert cx.staffing.shift_rules("/no/such/workspace", requirement=day)[0] == plain


def test_a_requirement_of_nobody_schedules_nobody_and_says_so():
    got = schedule_shifts(need_frame([0, 0, 0]), ShiftRules(), num_workers=1)
    assert got.agent_shifts == 0 and got.cost == 0.0 and got.optimal
    assert got.findings() == ["No interval needs agents: there is nothing to schedule."]


def test_the_findings_count_the_hours_worked_beyond_the_need():
    rules = ShiftRules(lengths=(4,), earliest_start="08:00", latest_start="12:00", start_every="1h")
    got = schedule_shifts(need_frame([2, 3, 3, 4, 4, 3, 2, 2]), rules, num_workers=1)
    assert got.agent_shifts == 6  # 24 agent-hours for a need of 23
    assert "so 1 agent-hours are worked beyond the need." in got.findings()[1]


def test_the_hour_the_clocks_go_back_is_two_intervals_with_their_own_needs():
    """Europe/Berlin, Sunday 25 October 2026: 02:00-03:00 local happens twice (00:00 and 01:00
    UTC); the timeline is the requirement's instants, so each keeps its own need, and a shift
    starting at 02:00 starts at the first of them and lasts two real hours."""
    utc = [dt.datetime(2026, 10, 24, 22, tzinfo=dt.UTC) + dt.timedelta(hours=h) for h in range(6)]
    need = pl.DataFrame({"interval_start": utc, "required": [1.0, 1.0, 2.0, 3.0, 1.0, 1.0]})
    rules = ShiftRules(
        lengths=(1, 2), earliest_start="00:00", latest_start="23:00", start_every="1h"
    )
    got = schedule_shifts(need, rules, time_zone="Europe/Berlin", num_workers=1)
    cov = got.coverage().filter(pl.col("required") > 0)
    assert cov["required"].to_list() == [1.0, 1.0, 2.0, 3.0, 1.0, 1.0]
    assert cov["interval_start"].dt.convert_time_zone("UTC").to_list() == utc
    assert (cov["surplus"] >= 0).all()
    assert got.coverage().height == 25  # the day has 25 hours
    # three two-hour shifts from the first 02:00 cover both of its hours
    two = got.shifts.filter(pl.col("start_at") == "2026-10-25T02:00:00+02:00")
    assert two["end_at"].to_list() == ["2026-10-25T03:00:00+01:00"]
    assert two["agents"].to_list() == [3]
    assert got.paid_hours == 10.0
