"""Shift schedules under forecast uncertainty: the simulation agrees with Erlang A where it
should, the chance mode's promise holds in the simulation, expected service beats the
deterministic schedule at the same cost, and bad calls are refused by name."""

from __future__ import annotations

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


def test_the_chance_mode_staffs_each_interval_exactly_to_the_level(wide):
    """The need is the fewest agents whose chance of meeting the target (one minus the plan's
    p_miss) reaches the level: one agent fewer falls short of it."""
    level = 0.8
    got = schedule_shifts(wide, ShiftRules(lengths=(1,), earliest_start="08:00",
                          latest_start="15:00", start_every="1h", absence=0.0), mode="chance",
                          probability=level,
                          num_workers=1)  # fmt: skip
    assert got.mode == "chance" and got.probability == level
    need = got.coverage().filter(pl.col("required") > 0).sort("interval_start")
    agents = need["required"].to_numpy().astype(np.int64)
    t = wide.table.sort("ts")
    quantiles = t.select("y_lo_95", "y_lo_80", "y_hat", "y_hi_80", "y_hi_95").to_numpy()
    kw = dict(interval_seconds=3600.0, aht=np.full(8, 120.0), sl_target=np.full(8, 0.8),
              sl_seconds=np.full(8, 20.0), patience=np.full(8, 60.0))  # fmt: skip
    assert (1 - p_miss(agents, quantiles, **kw) >= level).all()
    assert (1 - p_miss(agents - 1, quantiles, **kw) < level).all()
    assert (agents >= t["agents"].to_numpy()).all()  # more than at the forecast's median


def test_the_chance_mode_s_promise_holds_in_the_simulation(wide):
    """Each interval is staffed for a chance of at least 80% of meeting the target; over 200
    fresh scenarios (one draw a day, so 200 independent draws) the share of intervals meeting
    it must reach 80% less three Monte-Carlo standard errors (3 x sqrt(0.16 / 200) = 0.085).
    The deterministic schedule of the median forecast, whose chance is about one in two by the
    formula, meets it in about 60% of the simulated intervals."""
    rules = ShiftRules(lengths=(1,), earliest_start="08:00", latest_start="15:00",
                       start_every="1h", absence=0.0)  # fmt: skip
    chance = schedule_shifts(wide, rules, mode="chance", probability=0.8, num_workers=1)
    median = schedule_shifts(wide, rules, num_workers=1)
    sure = evaluate_shifts(chance, wide, scenarios=200, seed=11)
    plain = evaluate_shifts(median, wide, scenarios=200, seed=11)
    assert sure.share_met >= 0.8 - 0.085
    assert plain.share_met < 0.7
    assert chance.cost > median.cost
    assert any("80%" in f for f in sure.findings())


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
