"""Shift schedules under forecast uncertainty: the simulation agrees with Erlang A where it
should, the chance mode's promise holds in the simulation, expected service beats the
deterministic schedule at the same cost, and bad calls are refused by name."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest

import cxlab as cx
from cxlab import OptionError, SchemaError
from cxlab._present import use_language
from cxlab.staffing import ShiftRules, evaluate_shifts, schedule_shifts
from cxlab.staffing._shift_forecast import quantile_from_quantiles
from cxlab.staffing._uncertainty import cdf_from_quantiles, p_miss

DAY0 = dt.datetime(2026, 10, 5, tzinfo=dt.UTC)  # a Monday


def forecast(values, *, every=60, first_hour=8, spread=0.0, queue="phone_orders", days=1):
    """A forecast with a normal band of relative width ``spread`` (none when 0)."""
    rows = []
    for d in range(days):
        for i, v in enumerate(values):
            ts = DAY0 + dt.timedelta(days=d, minutes=first_hour * 60 + every * i)
            sd = spread * v
            rows.append(
                {"series_id": queue, "ts": ts, "y_hat": float(v),
                 "y_lo_80": v - 1.2816 * sd, "y_hi_80": v + 1.2816 * sd,
                 "y_lo_95": v - 1.96 * sd, "y_hi_95": v + 1.96 * sd}
            )  # fmt: skip
    frame = pl.DataFrame(rows)
    return frame if spread else frame.drop("y_lo_80", "y_hi_80", "y_lo_95", "y_hi_95")


def make_plan(frame, *, every="1h", aht=180.0, patience=120.0, occupancy=0.85):
    settings = cx.staffing.QueueSettings(
        aht_seconds=aht, sl_target=0.8, sl_seconds=20, patience_seconds=patience,
        max_occupancy=occupancy,
    )  # fmt: skip
    return cx.staffing.plan(frame, every=every, settings=settings, time_zone="UTC")


def flat_need(agents, hours=8, first_hour=8):
    return pl.DataFrame(
        {
            "interval_start": [DAY0 + dt.timedelta(hours=first_hour + h) for h in range(hours)],
            "required": [float(agents)] * hours,
        }
    )


DAY_RULES = ShiftRules(lengths=(8,), earliest_start="08:00", latest_start="08:00")


# -- the simulation --------------------------------------------------------------------------------


def test_with_a_known_volume_and_constant_staffing_the_simulation_matches_erlang_a():
    """200 calls an hour for eight hours, 12 agents all day, AHT 3 min, patience 2 min: the
    stationary Erlang A values are the truth up to the Monte-Carlo error (about 0.003 here) and
    the first minutes of an empty queue (which help a little)."""
    plan = make_plan(forecast([200.0] * 8))
    schedule = schedule_shifts(flat_need(12), DAY_RULES, time_zone="UTC", num_workers=1)
    assert schedule.on_duty().max() == 12
    got = evaluate_shifts(schedule, plan, scenarios=100, seed=1)
    truth = cx.staffing.erlang_a(200 / 3600, 12, 180.0, 120.0, 20.0)
    total = got.total("phone_orders")
    assert total["sl_mean"] == pytest.approx(truth.service_level, abs=0.015)
    assert total["abandon_mean"] == pytest.approx(truth.p_abandon, abs=0.01)
    assert not got.banded
    rows = got.summary()
    assert rows.height == 8
    assert (rows["sl_p10"] <= rows["sl_mean"] + 1e-12).all()
    assert (rows["sl_mean"] <= rows["sl_p90"] + 1e-12).all()
    assert (rows["abandon_p10"] <= rows["abandon_p90"]).all()
    assert rows["offered_mean"].mean() == pytest.approx(200, rel=0.03)
    # the same seed gives the same result
    again = evaluate_shifts(schedule, plan, scenarios=100, seed=1)
    assert again.totals.equals(got.totals)


def test_a_schedule_that_covers_nothing_gives_service_level_zero():
    plan = make_plan(forecast([50.0] * 8, spread=0.1))
    nobody = schedule_shifts(flat_need(0), DAY_RULES, time_zone="UTC", num_workers=1)
    assert nobody.agent_shifts == 0
    got = evaluate_shifts(nobody, plan, scenarios=20, seed=0)
    assert got.total()["sl_mean"] == 0.0
    assert got.total()["abandon_mean"] == 1.0
    assert (got.summary()["p_meet_sl"] == 0.0).all()
    assert got.share_met == 0.0


def test_the_quantile_function_inverts_the_fitted_distribution():
    rng = np.random.default_rng(3)
    q = np.sort(rng.gamma(5.0, 20.0, (50, 5)), axis=1) + 10.0
    p = rng.uniform(0.005, 0.995, 50)
    v = quantile_from_quantiles(p, q)
    assert np.allclose(cdf_from_quantiles(v, q), p, atol=1e-9)
    assert np.allclose(quantile_from_quantiles(np.full(50, 0.5), q), q[:, 2])


# -- the chance mode -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wide():
    """400 calls an hour forecast with a 15% spread, AHT 2 min, patience 1 min: hour-long
    intervals in which the queue settles within minutes, so the stationary approximation
    holds and the spread of the forecast outweighs the chance noise of an interval. No
    occupancy cap, so the plan's agents are those of the median forecast alone."""
    return make_plan(forecast([300.0, 400.0, 400.0, 400.0, 350.0, 400.0, 400.0, 300.0],
                              spread=0.15), aht=120.0, patience=60.0, occupancy=1.0)  # fmt: skip


def test_the_chance_mode_starts_from_the_formula_s_need_at_the_level(wide):
    """The calibration starts from the fewest agents whose chance of meeting the target by the
    stationary formula (one minus the plan's p_miss) reaches the level: one agent fewer falls
    short of it."""
    from cxlab.staffing._shift_forecast import chance_need, plan_timeline

    level = 0.8
    tl = plan_timeline(wide, dt.date(2026, 10, 5), 60, 24, "UTC", need_bands=True)
    agents = chance_need(tl, level)[0, 8:16].astype(np.int64)
    t = wide.table.sort("ts")
    quantiles = t.select("y_lo_95", "y_lo_80", "y_hat", "y_hi_80", "y_hi_95").to_numpy()
    kw = dict(interval_seconds=3600.0, aht=np.full(8, 120.0), sl_target=np.full(8, 0.8),
              sl_seconds=np.full(8, 20.0), patience=np.full(8, 60.0))  # fmt: skip
    assert (1 - p_miss(agents, quantiles, **kw) >= level).all()
    assert (1 - p_miss(agents - 1, quantiles, **kw) < level).all()
    assert (agents >= t["agents"].to_numpy()).all()  # more than at the forecast's median
    assert chance_need(tl, level)[0, :8].sum() == 0  # nobody where nobody calls


HALVES = ShiftRules(lengths=(0.5,), earliest_start="08:00", latest_start="09:30",
                    start_every="30m", absence=0.0)  # fmt: skip


@pytest.fixture(scope="module")
def quiet():
    """Four quiet half-hours (15-25 calls, AHT 4 min, patience 90 s, a 20% forecast spread).
    The formula's need is the same at 80% and at 95% (4, 6, 6, 5 agents): the volume's 95%
    quantile still fits them, but an interval of twenty calls misses the target by a caller or
    two, so on 4,000 fresh scenarios they meet it in only 86-89% of them."""
    return make_plan(forecast([15.0, 25.0, 25.0, 20.0], every=30, spread=0.2), every="30m",
                     aht=240.0, patience=90.0, occupancy=1.0)  # fmt: skip


@pytest.fixture(scope="module")
def sure95(quiet):
    return schedule_shifts(quiet, HALVES, mode="chance", probability=0.95, num_workers=1)


def _reaches(evaluation, level, scenarios, calibrated=500):
    """Each interval's chance on these scenarios reaches ``level`` within the Monte Carlo
    allowance: its one-sided Wilson upper bound, Bonferroni-adjusted over the intervals (each at
    0.05 / intervals), is at least ``level`` less the calibration's own allowance (the one-sided
    95% normal margin of a chance at the level read on the ``calibrated`` scenarios it ended
    with: a chance that close below the level is not told from it there). Returns the chances
    and the verdicts."""
    from scipy.stats import norm

    chance = evaluation.summary().sort("interval_start")["p_meet_sl"].to_numpy()
    z = norm.ppf(1 - 0.05 / chance.size)
    centre = chance + z * z / (2 * scenarios)
    half = z * np.sqrt(chance * (1 - chance) / scenarios + z * z / (4 * scenarios**2))
    high = (centre + half) / (1 + z * z / scenarios)  # Wilson (1927)
    allowance = norm.ppf(0.95) * np.sqrt(level * (1 - level) / calibrated)
    return chance, high >= level - allowance


def test_the_chance_mode_keeps_its_promise_at_95_percent_on_fresh_scenarios(quiet, sure95):
    """Calibrated on its own scenarios, the schedule reaches 95% in every half-hour on 2,000
    other scenarios (another seed) within the Monte Carlo allowance (1.2 points for these, and
    up to 1.6 for the calibration's, which ends on 500 to 2,000 scenarios); the
    formula's schedule, which the chance mode used to return, meets the target in 86-89% of
    them."""
    fresh = evaluate_shifts(sure95, quiet, scenarios=2000, seed=21)
    chance, ok = _reaches(fresh, 0.95, 2000, getattr(sure95, "chance_scenarios", None) or 500)
    assert ok.all(), chance
    table = sure95.chance()
    formula = schedule_shifts(table.select("interval_start", required="required_formula"),
                              HALVES, num_workers=1, time_zone="UTC")  # fmt: skip
    old, old_ok = _reaches(evaluate_shifts(formula, quiet, scenarios=2000, seed=21), 0.95, 2000)
    assert not old_ok.any(), old
    assert sure95.cost > formula.cost
    # the schedule's own record: every half-hour reached, bounds around the chance, agents
    # raised where the formula fell short and nowhere below it
    assert table["reached"].all() and table["reason"].null_count() == table.height
    assert (table["chance_low"] <= table["chance"]).all()
    assert (table["chance"] <= table["chance_high"]).all()
    assert (table["agents"] >= table["required"]).all()
    assert (table["required"] > table["required_formula"]).all()
    assert sure95.chance_scenarios in (500, 1000, 2000) and 1 < sure95.chance_rounds <= 8


def test_dropping_any_agent_shift_leaves_a_half_hour_unshown_to_reach_the_level(quiet, sure95):
    """The calibrated schedule costs no more than the simulation can vouch for: drop any one
    agent-shift and, on the calibration's own scenarios, some half-hour's chance can no longer
    be shown to reach 95% (its one-sided Wilson lower bound falls below it)."""
    from cxlab.staffing._shift_chance import calibration_seed, wilson_bounds

    table = sure95.chance()
    drawn = sure95.chance_scenarios
    for i in range(table.height):
        agents = table["agents"].to_numpy().copy()
        agents[i] -= 1
        fewer = schedule_shifts(pl.DataFrame({"interval_start": table["interval_start"],
                                              "required": agents}),
                                HALVES, num_workers=1, time_zone="UTC")  # fmt: skip
        assert fewer.agent_shifts == sure95.agent_shifts - 1
        got = evaluate_shifts(fewer, quiet, scenarios=drawn, seed=calibration_seed(0))
        met = np.round(got.summary().sort("interval_start")["p_meet_sl"].to_numpy() * drawn)
        low, _high = wilson_bounds(met, drawn)
        assert (low < 0.95).any(), (i, met / drawn)


def test_the_chance_mode_keeps_its_promise_at_80_percent_and_says_so(quiet):
    """At 80% the formula's need already reaches the level in the simulation; the calibration
    keeps it (an agent fewer anywhere cannot be shown to keep 80%), says so with its Monte
    Carlo range, and words the level with the digits it was given."""
    got = schedule_shifts(quiet, HALVES, mode="chance", probability=0.8, num_workers=1,
                          scenarios=500)  # fmt: skip
    fresh = evaluate_shifts(got, quiet, scenarios=2000, seed=22)
    chance, ok = _reaches(fresh, 0.8, 2000, got.chance_scenarios)
    assert ok.all(), chance
    table = got.chance()
    assert table["reached"].all()
    assert (table["required"] >= table["required_formula"]).all()
    text = " ".join(got.findings())
    assert "chance of at least 80% that each half-hour" in text and "least sure" in text
    assert f"{got.chance_scenarios} scenarios" in text
    assert "of simulated scenarios" in got.headline()[0].detail
    assert any("80%" in f for f in fresh.findings())
    with use_language("zh"):
        zh = " ".join(got.findings()) + got.headline()[0].detail
    assert "模拟" in zh and "scenario" not in zh
    assert json.dumps(got.to_dict(), allow_nan=False)


def test_a_level_reads_with_the_digits_it_was_given():
    from cxlab.staffing._shifts import level_text

    assert [level_text(p) for p in (0.8, 0.975, 0.95, 0.999)] == ["80%", "97.5%", "95%", "99.9%"]


def test_half_hours_the_rules_leave_short_are_named_with_their_chance_and_why(quiet):
    """With at most 6 agents on duty, 95% is out of reach at 08:30 and 09:00 (it takes 7):
    the need is not lowered, and the schedule says which half-hours fall short, their
    simulated chance and that the rules leave no room."""
    capped = ShiftRules(lengths=(0.5,), earliest_start="08:00", latest_start="09:30",
                        start_every="30m", max_on_duty=6, absence=0.0)  # fmt: skip
    got = schedule_shifts(quiet, capped, mode="chance", probability=0.95, num_workers=1,
                          scenarios=500)  # fmt: skip
    table = got.chance().sort("interval_start")
    short = table.filter(~pl.col("reached"))
    assert short["interval_start"].dt.strftime("%H:%M").to_list() == ["08:30", "09:00"]
    assert set(short["reason"]) == {"rules"}
    assert (short["chance_high"] < 0.95).all() and (short["agents"] == 6).all()
    assert table.filter(pl.col("reached"))["chance_high"].min() >= 0.95
    text = " ".join(got.findings())
    assert "2 half-hours fall short of 95%" in text
    assert "leave no room for more agents" in text


@pytest.mark.slow
@pytest.mark.parametrize("level", [0.8, 0.9, 0.95])
def test_the_chance_mode_keeps_its_promise_over_seeds(quiet, wide, level):
    """Over four calibration seeds on the quiet half-hours and one on the eight busy hours of
    ``wide``, each schedule reaches the level in every interval on 4,000 fresh scenarios within
    the Monte Carlo allowance (Bonferroni over the intervals, about 0.9 points at 95%, and the
    calibration's own, 0.8 points when it ends on 2,000 scenarios). Measured at 95% on the busy
    hours: every hour 0.972-0.980 but 14:00 at 0.939, which its calibration read at 0.944 on
    2,000 scenarios, not told from 95% there."""
    runs = [(quiet, HALVES, seed) for seed in range(4)]
    runs.append((wide, ShiftRules(lengths=(1,), earliest_start="08:00", latest_start="15:00",
                                  start_every="1h", absence=0.0), 0))  # fmt: skip
    for plan, rules, seed in runs:
        got = schedule_shifts(plan, rules, mode="chance", probability=level, num_workers=1,
                              seed=seed)  # fmt: skip
        assert got.chance()["reached"].all()
        fresh = evaluate_shifts(got, plan, scenarios=4000, seed=100 + seed)
        chance, ok = _reaches(fresh, level, 4000, got.chance_scenarios)
        assert ok.all(), (seed, chance)


@pytest.mark.slow
def test_dropping_any_agent_shift_breaks_the_promise_on_fresh_scenarios(quiet, sure95):
    """Drop any one agent-shift of the 95% schedule and, on 4,000 fresh scenarios, some
    half-hour meets the target in fewer than 95% of them."""
    table = sure95.chance()
    for i in range(table.height):
        agents = table["agents"].to_numpy().copy()
        agents[i] -= 1
        fewer = schedule_shifts(pl.DataFrame({"interval_start": table["interval_start"],
                                              "required": agents}),
                                HALVES, num_workers=1, time_zone="UTC")  # fmt: skip
        got = evaluate_shifts(fewer, quiet, scenarios=4000, seed=31)
        chance = got.summary()["p_meet_sl"].to_numpy()
        assert (chance < 0.95).any(), (i, chance)


@pytest.mark.slow
def test_a_pooled_chance_schedule_keeps_its_promise_in_every_queue():
    """A phone and a chat queue pooled on day-long shifts: an interval counts as met when both
    queues meet their targets; the calibrated need never falls below the formula's nor the
    agents working, and on 2,000 fresh scenarios each queue reaches 90% in every hour."""
    frames = [forecast([120.0] * 8, spread=0.1, queue="phone_orders"),
              forecast([80.0] * 8, spread=0.1, queue="chat_orders")]  # fmt: skip
    settings = cx.staffing.QueueSettings(
        aht_seconds={"phone_orders": 180.0, "chat_orders": 300.0}, sl_target=0.8,
        sl_seconds={"phone_orders": 20.0, "chat_orders": 60.0}, patience_seconds=120.0,
        concurrency={"phone_orders": 1.0, "chat_orders": 2.0},
    )  # fmt: skip
    plan = cx.staffing.plan(pl.concat(frames), every="1h", settings=settings, time_zone="UTC")
    got = schedule_shifts(plan, DAY_RULES, mode="chance", probability=0.9, num_workers=1)
    table = got.chance()
    assert table["queue"].unique().to_list() == ["all"] and table["reached"].all()
    assert (table["required"] >= table["required_formula"]).all()
    assert (table["required"] <= table["agents"]).all()
    fresh = evaluate_shifts(got, plan, scenarios=2000, seed=7)
    for q in ("phone_orders", "chat_orders"):
        one = dataclasses.replace(fresh, intervals=fresh.intervals.filter(pl.col("queue") == q))
        chance, ok = _reaches(one, 0.9, 2000, got.chance_scenarios)
        assert ok.all(), (q, chance)


# -- the expected-service mode ---------------------------------------------------------------------


def test_expected_service_beats_the_cover_of_the_mean_at_the_same_cost():
    """A day of half-hours for two queues with a 20% forecast spread and a budget of 80% of what
    covering the median costs: the schedule maximising the expected answered-in-time contacts
    gives a simulated service level at least that of the least-shortfall schedule for the same
    budget (same scenarios for both), and the model's claim agrees with the simulation."""
    values = [20, 35, 50, 60, 60, 55, 45, 40, 45, 55, 60, 60, 50, 40, 30, 20]
    frames = [forecast(values, every=30, spread=0.2, queue="phone_orders"),
              forecast([v * 0.6 for v in values], every=30, spread=0.2, queue="phone_tech")]  # fmt: skip
    plan = make_plan(pl.concat(frames), every="30m", aht=240.0, patience=90.0)
    rules = ShiftRules(lengths=(4, 8), earliest_start="08:00", latest_start="12:00",
                       start_every="1h", absence=0.0)  # fmt: skip
    full = schedule_shifts(plan, rules, by="queue", num_workers=1, time_limit=10)
    budget = round(0.8 * full.cost)
    best = schedule_shifts(plan, rules, by="queue", mode="expected_service", budget=budget,
                           num_workers=1, time_limit=20)  # fmt: skip
    lean = schedule_shifts(plan, rules, by="queue", mode="shortfall", budget=budget,
                           num_workers=1, time_limit=20)  # fmt: skip
    assert best.optimal and best.cost <= budget and lean.cost <= budget
    assert best.expected_sl <= best.best_bound + 1e-9
    a = evaluate_shifts(best, plan, scenarios=300, seed=5)
    b = evaluate_shifts(lean, plan, scenarios=300, seed=5)
    assert a.service_level >= b.service_level
    assert best.expected_sl == pytest.approx(a.service_level, abs=0.03)
    assert any("expected" in f for f in a.findings())


def _model_gain(plan, schedule):
    """The share of the expected contacts answered in time that the expected-service model
    credits a schedule with: per queue and half-hour, the gains of ``service_gains`` (in
    hundredths, as the model takes them) of the fewest agents working at any moment of it."""
    from cxlab.staffing._shift_forecast import plan_timeline, service_gains
    from cxlab.staffing._shifts import _requirement

    problem = _requirement(plan, "agents", "queue", None, None)
    n = problem.required.shape[1]
    tl = plan_timeline(plan, problem.first_day, problem.minutes, n, problem.time_zone,
                       need_bands=False)  # fmt: skip
    increments, offered = service_gains(tl)
    slots, g = schedule.working_by_slot()
    fewest = slots.reshape(len(schedule.queues), n, problem.minutes // g).min(axis=2)
    total = 0
    for q, name in enumerate(schedule.queues):
        for t in range(n):
            units = np.round(increments[tl.queues.index(name)][t] * 100).astype(np.int64)
            units = units[units > 0]
            total += int(units[: int(np.clip(fewest[q, t], 0, units.size))].sum())
    return total / (float(offered.sum()) * 100)


def test_expected_service_stopped_early_is_never_worse_than_the_least_shortfall_schedule():
    """Two queues, a day of half-hours, shifts with a paid break and an unpaid meal, a budget of
    about 90% of covering the plan: with a tiny deterministic time the search started cold
    stopped at a schedule the model credits with 73.5% against 77.9% for the least-shortfall
    schedule of the same budget. It now starts from that schedule (found in a quarter of the
    deterministic time) and keeps it unless it finds better; both are judged by the same
    gains, and the schedule's own claim is its gain."""
    values = [20, 35, 50, 60, 60, 55, 45, 40, 45, 55, 60, 60, 50, 40, 30, 20]
    frames = [forecast(values, every=30, spread=0.2, queue="phone_orders"),
              forecast([v * 0.6 for v in values], every=30, spread=0.2, queue="phone_tech")]  # fmt: skip
    plan = make_plan(pl.concat(frames), every="30m", aht=240.0, patience=90.0)
    rules = ShiftRules(
        lengths=(4, 8), earliest_start="08:00", latest_start="12:00", start_every="30m",
        breaks=(cx.staffing.Break(15, window=(90, 150)),
                cx.staffing.Break(30, window=(210, 270), paid=False, min_shift_hours=6)),
        absence=0.0,
    )  # fmt: skip
    kw = dict(by="queue", budget=116, num_workers=1, time_limit=30)
    best = schedule_shifts(plan, rules, mode="expected_service", deterministic_time=0.05, **kw)
    lean = schedule_shifts(plan, rules, mode="shortfall", deterministic_time=0.05 / 4, **kw)
    assert best.cost <= 116 and lean.cost <= 116
    assert best.expected_sl == pytest.approx(_model_gain(plan, best), abs=1e-12)
    assert _model_gain(plan, best) >= _model_gain(plan, lean) > 0.7
    assert best.start_seconds is not None and 0 < best.start_seconds <= best.wall_seconds
    assert best.kept_start is not None
    assert any("least-shortfall" in f for f in best.findings())


# -- the result and refusals -----------------------------------------------------------------------


def test_the_evaluation_shows_itself(wide):
    schedule = schedule_shifts(wide, ShiftRules(lengths=(8,), earliest_start="08:00",
                               latest_start="08:00"), num_workers=1)  # fmt: skip
    got = evaluate_shifts(schedule, wide, scenarios=30, seed=2)
    fig = got.plot()
    assert isinstance(fig, go.Figure)
    # the legend sits above the first queue's title (each queue's panel has one), not on it
    plot_height = fig.layout.height - fig.layout.margin.t - 50
    assert (fig.layout.legend.y - 1) * plot_height >= 24
    json.dumps(got.to_dict(), allow_nan=False)
    assert set(got.days["queue"]) == {"phone_orders", "all"}
    with use_language("zh"):
        text = " ".join(got.findings())
    assert "情景" in text and "scenario" not in text
    assert got._repr_html_()


def test_bad_calls_are_refused_by_name(wide):
    rules = ShiftRules(lengths=(8,), earliest_start="08:00", latest_start="08:00")
    schedule = schedule_shifts(wide, rules, num_workers=1)
    for bad in (0, -3, 1.5, True):
        with pytest.raises(OptionError, match="scenarios"):
            evaluate_shifts(schedule, wide, scenarios=bad)
    for bad in (0, 1, 1.2, -0.1, float("nan")):
        with pytest.raises(OptionError, match="probability"):
            schedule_shifts(wide, rules, mode="chance", probability=bad)
    for bad in (0, 19, 100.0, True):
        with pytest.raises(OptionError, match="scenarios"):
            schedule_shifts(wide, rules, mode="chance", scenarios=bad)
    with pytest.raises(OptionError, match="chance"):
        schedule.chance()
    no_bands = make_plan(forecast([400.0] * 8))
    with pytest.raises(SchemaError, match="quantiles"):
        schedule_shifts(no_bands, rules, mode="chance")
    with pytest.raises(OptionError, match="staffing plan"):
        schedule_shifts(flat_need(3), rules, mode="chance")
    with pytest.raises(OptionError, match="budget"):
        schedule_shifts(wide, rules, mode="expected_service")
    with pytest.raises(OptionError, match="staffing plan"):
        evaluate_shifts(schedule, wide.table)
    half_hours = make_plan(forecast([200.0] * 16, every=30), every="30m")
    with pytest.raises(OptionError, match="same grain"):
        evaluate_shifts(schedule, half_hours)


def test_a_pooled_schedule_shares_its_agents_among_the_queues():
    """A phone and a chat queue (two chats at once) pooled: every agent working goes to one
    of them, and both are served."""
    frames = [forecast([120.0] * 8, spread=0.1, queue="phone_orders"),
              forecast([80.0] * 8, spread=0.1, queue="chat_orders")]  # fmt: skip
    settings = cx.staffing.QueueSettings(
        aht_seconds={"phone_orders": 180.0, "chat_orders": 300.0}, sl_target=0.8,
        sl_seconds={"phone_orders": 20.0, "chat_orders": 60.0}, patience_seconds=120.0,
        concurrency={"phone_orders": 1.0, "chat_orders": 2.0},
    )  # fmt: skip
    plan = cx.staffing.plan(pl.concat(frames), every="1h", settings=settings, time_zone="UTC")
    pooled = schedule_shifts(plan, DAY_RULES, num_workers=1)
    assert pooled.queues == ("all",)
    got = evaluate_shifts(pooled, plan, scenarios=40, seed=4)
    per_hour = got.summary().group_by("interval_start").agg(pl.col("agents").sum())
    # the plan's shrinkage of 0.3 (no breaks placed) is the absence allowance: each agent-shift
    # is missed whole with that chance, so every hour of a scenario has the same agents, and
    # over the scenarios about 70% of the 18 scheduled
    kept = 1 - pooled.rules.absence
    assert kept == pytest.approx(0.7)
    assert np.ptp(per_hour["agents"].to_numpy()) < 1e-9
    assert per_hour["agents"][0] == pytest.approx(pooled.on_duty().max() * kept, rel=0.05)
    assert per_hour["agents"][0] != pooled.on_duty().max()
    by_queue = {r["queue"]: r for r in got.totals.iter_rows(named=True)}
    assert by_queue["phone_orders"]["sl_mean"] > 0.5 and by_queue["chat_orders"]["sl_mean"] > 0.5


def test_the_chance_mode_counts_its_absence_allowance_once(quiet, sure95):
    """With a fifth of agent-shifts missed, the calibrated 95% schedule still keeps its promise
    on fresh scenarios (the simulation misses agents too), putting on shift about a quarter more
    agents than without absence (36 against 25; missed agents add spread too), not that twice
    over: a raise of one agent on shift is four fifths of one present (raising by a whole one
    present, as the calibration did at first, put 42 on shift)."""
    away = dataclasses.replace(HALVES, absence=0.2)
    got = schedule_shifts(quiet, away, mode="chance", probability=0.95, num_workers=1,
                          scenarios=500)  # fmt: skip
    fresh = evaluate_shifts(got, quiet, scenarios=2000, seed=23)
    chance, ok = _reaches(fresh, 0.95, 2000, got.chance_scenarios)
    assert ok.all(), chance
    assert sure95.agent_shifts < got.agent_shifts <= np.ceil(sure95.agent_shifts / 0.8) + 5
