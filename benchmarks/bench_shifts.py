"""Shift scheduling for a week of half-hours and 3 queues: cxlab against pyworkforce; prints tables.

The requirement is a real plan, not a synthetic profile: the generated default workspace (seed 7)
is forecast a week ahead for its three phone queues (``phone_billing``, ``phone_orders``,
``phone_tech``, open 08:00-21:00 every day) at 30 minutes, and ``cx.staffing.plan`` turns the
forecast into agents (its ``agents`` column, whole agents at the forecast mean: Erlang A with
each queue's patience, handle time and target measured from the workspace, an 85% occupancy cap;
shrinkage 30%, which does not enter ``agents``). ``--scale K`` multiplies the
forecast volumes (and their bands) by K before the plan, for a centre K times as busy with the same
daily and weekly profile (Erlang's economies of scale included).

1. **Against pyworkforce** (``pyworkforce.scheduling``, which solves one requirement vector per
   day and has neither queues nor breaks). Both get the same shifts: 8- and 4-hour shifts starting
   every 30 minutes from 08:00 to 16:00 (none crosses midnight, which pyworkforce cannot express),
   without breaks, and the same cost per hour (8 and 4 per shift). Modes: pyworkforce's
   ``MinRequiredResources`` (cheapest cover) against cxlab ``mode="cover"``; pyworkforce's
   ``MinAbsDifference`` (least |working - required|, any cost) against cxlab ``mode="shortfall"``
   with ``budget`` equal to the cost of pyworkforce's ``MinAbsDifference`` schedule (the least
   shortfall for the same money). "per queue" schedules each queue's own agents (pyworkforce: one
   model per queue, each with the full time limit); "pooled" schedules the summed requirement.
   Then cxlab with breaks as extra rows: a paid 15-minute break in minutes 90-150 of every shift and
   an unpaid 30-minute meal in minutes 210-270 of the 8-hour shifts (so an 8-hour shift costs 7.5),
   covered at every moment (``within="always"``).
   Shortfall and over-staffing are counted the same way for every row, from the agents working
   (not on break) averaged over each half-hour: agent-hours below and above the requirement.
   Each solve runs in a child process of its own (its peak memory is its own, imports included;
   the workspace is generated in a child too, since Linux starts a child's peak resident memory
   at its parent's),
   one after the other in the same run, both with 2 CP-SAT workers (pyworkforce sets
   ``solver.num_search_workers``, which is not a solver parameter, so CP-SAT takes its default,
   which on this 2-core machine it logs as 2 workers; cxlab, whose default is one worker
   stopped at a deterministic limit for repeatable schedules, is given ``num_workers=2``) and
   the same time limit (``--time-limit``).
2. **Scenario against deterministic** (the same plan, per queue, with the breaks above): each
   schedule is judged by ``cx.staffing.evaluate_shifts`` on the same scenarios (volumes drawn
   from the forecast's quantiles, then a first-come-first-served queue minute by minute): the
   service level of all queues together over the week (mean and 10th percentile across the
   scenarios), the share of interval-scenarios meeting their target, and the abandonment;
   beside them, for ``expected_service``, the service level its model expects (``expected_sl``).
   Rows: covering the plan's agents (deterministic) and ``mode="expected_service"`` at its cost;
   ``mode="shortfall"`` and ``"expected_service"`` at 90% of that cost; and
   ``"expected_service"`` at the cost of ``mode="chance"`` at 0.8. Only at
   ``--scenario-scale`` (default 1, the workspace as generated), with ``--scenario-time-limit``:
   with a budget, the whole week is one model, and ``expected_service`` adds a variable per
   added agent and interval.
3. **The chance mode, before and after its calibration** (per queue, with the breaks above), at
   levels 0.8, 0.9 and 0.95: "before" covers the need the mode used to take (the fewest agents
   meeting the target at the forecast's level quantile by stationary Erlang A, its
   ``required_formula``), "after" is ``mode="chance"`` as it is now (that need, then
   solve-simulate-solve until the simulated chance reaches the level, see
   ``cxlab.staffing._shift_chance``), with ``--chance-time-limit`` for all its rounds. Both are
   judged on the same fresh scenarios (``--seed``, apart from the calibration's): per
   interval-and-queue with contacts, the chance of meeting the target (an interval meets it
   when its contacts answered in time over its contacts offered reach the target, or it has no
   contacts); the table gives the least of them, the 10th percentile, the mean, the share of
   intervals whose chance reaches the level, and the share not shown below it (one-sided 95%
   Wilson upper bound at the level), with the cost.

With the defaults (scales 1 and 20, 15 s and 25 s a solve, 180 s for each chance level) a run
takes about 20 minutes; ``--parts 3`` runs table 3 alone.

    .venv/bin/python benchmarks/bench_shifts.py                        # generates seed 7 default
    .venv/bin/python benchmarks/bench_shifts.py --workspace /tmp/cxd   # an existing workspace
    flock /tmp/cxlab-heavy.lock .venv/bin/python benchmarks/bench_shifts.py --scale 1 20
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import tempfile
import time
from pathlib import Path

import numpy as np

import _measure  # benchmarks/_measure.py: the script's own folder is on sys.path

QUEUES = ("phone_billing", "phone_orders", "phone_tech")
EVERY, MINUTES, PERIODS = "30m", 30, 48  # a day of half-hours from local midnight
LENGTHS = (8, 4)
FIRST, LAST = "08:00", "16:00"  # the latest start at which an 8-hour shift ends by midnight
RATE = 1.0  # cost of an hour, both tools
ZONE = "Asia/Shanghai"  # the generated workspace's (checked in task_plan)
LEVELS = (0.8, 0.9, 0.95)  # mode="chance"


def _rules(breaks: bool):
    import cxlab as cx

    extra = {}
    if breaks:
        extra["breaks"] = (
            cx.staffing.Break(15, window=(90, 150)),
            cx.staffing.Break(30, window=(210, 270), paid=False, min_shift_hours=6),
        )
    return cx.staffing.ShiftRules(
        lengths=LENGTHS, earliest_start=FIRST, latest_start=LAST, start_every=EVERY,
        cost_per_hour=RATE, **extra,
    )  # fmt: skip


def _shift_table() -> dict[str, list[int]]:
    """pyworkforce's shifts: name -> 0/1 coverage of the 48 half-hours of a day."""
    h0, h1 = (int(t[:2]) * 60 + int(t[3:]) for t in (FIRST, LAST))
    table = {}
    for start in range(h0, h1 + 1, MINUTES):
        for length in LENGTHS:
            a, b = start // MINUTES, (start + length * 60) // MINUTES
            table[f"{start // 60:02d}:{start % 60:02d}+{length}h"] = [
                int(a <= p < b) for p in range(PERIODS)
            ]
    return table


# ---------------------------------------------------------------------------------------------
# child tasks


def task_plan(ws: str, out: str, scale: float) -> dict:
    """Forecast the three phone queues a week ahead and plan agents; write the plan (parquet) and
    the requirement as queues x days x half-hours (npz)."""
    import polars as pl

    import cxlab as cx

    t0 = time.perf_counter()
    demand = cx.data.demand(workspace=ws)
    queues = cx.load("queues", workspace=ws).collect()
    series = cx.features.volume_series(demand, every=EVERY, hours=queues, queues=list(QUEUES))
    if series.schema["ts"].time_zone != ZONE:
        raise SystemExit(
            f"the workspace's time zone is {series.schema['ts'].time_zone}, not {ZONE}"
        )
    fc = cx.forecast.refresh(series, hierarchy=queues, horizon=7)
    frame = fc.summary()
    if scale != 1:
        bands = [c for c in frame.columns if c.startswith(("y_hat", "y_lo", "y_hi"))]
        frame = frame.with_columns([pl.col(c) * scale for c in bands])
    settings = cx.staffing.queue_settings(queues, demand, shrinkage=0.3, max_occupancy=0.85)
    plan = cx.staffing.plan(frame, every=EVERY, settings=settings, time_zone=ZONE)
    seconds = time.perf_counter() - t0
    table = plan.summary()
    table.write_parquet(Path(out) / "plan.parquet")
    with open(Path(out) / "plan.pkl", "wb") as f:
        pickle.dump(plan, f)
    inputs = {
        q: (
            plan.aht_seconds[q],
            plan.sl_target[q],
            plan.sl_seconds[q],
            (plan.patience_seconds or {}).get(q),
        )
        for q in QUEUES
    }
    local = table.with_columns(pl.col("ts").dt.convert_time_zone(ZONE).dt.replace_time_zone(None))
    first = local["ts"].min().date()
    days = (local["ts"].max().date() - first).days + 1
    need = np.zeros((len(QUEUES), days, PERIODS), np.int64)
    for row in local.select("series_id", "ts", "agents").iter_rows():
        q, ts, agents = row
        d = (ts.date() - first).days
        need[QUEUES.index(q), d, (ts.hour * 60 + ts.minute) // MINUTES] = agents
    np.savez(Path(out) / "need.npz", need=need, first=str(first))
    return {
        "seconds": seconds,
        "peak_mb": _measure.peak_mb(),
        "first": str(first),
        "days": days,
        "contacts": float(table["y_hat"].sum()),
        "agent_hours": float(need.sum() * MINUTES / 60),
        "peak": [int(need[i].max()) for i in range(len(QUEUES))],
        "inputs": inputs,
    }


def _need(out: str, scope: str) -> np.ndarray:
    need = np.load(Path(out) / "need.npz")["need"]
    return need.sum(axis=0, keepdims=True) if scope == "pooled" else need


def task_pyworkforce(out: str, mode: str, scope: str, limit: float) -> dict:
    """pyworkforce on each queue's requirement (or the pooled one): working agents per interval."""
    from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources

    need = _need(out, scope)
    shifts = _shift_table()
    hours = {name: sum(cover) * MINUTES / 60 for name, cover in shifts.items()}
    cost = {name: round(h * RATE) for name, h in hours.items()}
    working = np.zeros(need.shape, float)
    statuses, total_cost, seconds = [], 0.0, 0.0
    for q in range(need.shape[0]):
        top = int(need[q].max())
        kw = dict(
            num_days=int(need.shape[1]),
            periods=PERIODS,
            shifts_coverage=shifts,
            required_resources=need[q].tolist(),
            max_period_concurrency=max(1, 10 * top + 10),
            max_shift_concurrency=max(1, 10 * top + 10),
            max_search_time=float(limit),
            num_search_workers=2,
        )
        t0 = time.perf_counter()
        if mode == "cover":
            solver = MinRequiredResources(cost_dict=cost, **kw)
        else:
            solver = MinAbsDifference(**kw)
        solution = solver.solve()
        seconds += time.perf_counter() - t0
        statuses.append(solution["status"])
        for r in solution["resources_shifts"]:
            if r["resources"] > 0:
                working[q, r["day"]] += r["resources"] * np.asarray(shifts[r["shift"]], float)
                total_cost += r["resources"] * hours[r["shift"]] * RATE
    return {
        "seconds": seconds,
        "peak_mb": _measure.peak_mb(),
        "working": working.tolist(),
        "cost": total_cost,
        "optimal": all(s == "OPTIMAL" for s in statuses),
        "status": ",".join(sorted(set(statuses))),
        "gap": None,
    }


def task_cxlab(
    out: str, mode: str, scope: str, limit: float, breaks: bool, budget: float | None
) -> dict:
    """cxlab schedule_shifts on the plan: working agents per interval (averaged over it)."""
    import polars as pl

    import cxlab as cx

    plan = pl.read_parquet(Path(out) / "plan.parquet")
    need = _need(out, scope)
    t0 = time.perf_counter()
    s = cx.staffing.schedule_shifts(
        plan, _rules(breaks), mode=mode, budget=budget, by="queue" if scope == "queue" else None,
        every=EVERY, time_limit=limit, time_zone=ZONE, num_workers=2,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    on_duty = s.on_duty()  # queues x intervals from the first local midnight, in sorted order
    order = [s.queues.index(q) for q in (QUEUES if scope == "queue" else s.queues)]
    working = on_duty[order].reshape(need.shape)
    return {
        "seconds": seconds,
        "peak_mb": _measure.peak_mb(),
        "working": working.tolist(),
        "cost": s.cost,
        "optimal": s.optimal,
        "status": s.status,
        "gap": s.optimality_gap,
        "own_shortfall": s.shortfall_hours,
    }


# ---------------------------------------------------------------------------------------------
# the tables


def _gaps(need: np.ndarray, working: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Agent-hours short of and above the requirement, per queue."""
    diff = working - need
    h = MINUTES / 60
    return (
        np.clip(-diff, 0, None).sum(axis=(1, 2)) * h,
        np.clip(diff, 0, None).sum(axis=(1, 2)) * h,
    )


def _child(task: str, *args) -> dict:
    return _measure.child(__file__, task, *[str(a) for a in args])


def versus(out: str, limit: float) -> None:
    """Table 1: both tools, both modes, per queue and pooled."""
    head = (
        f"{'tool, mode':44s} {'scope':9s} {'short h':>8s} {'over h':>8s} {'cost':>8s} "
        f"{'seconds':>8s} {'proven':>6s} {'peak MB':>8s}"
    )
    print(head)
    print("-" * len(head))
    per_queue = []
    for scope in ("queue", "pooled"):
        need = _need(out, scope)
        runs = []
        cover = _child("pyworkforce", out, "cover", scope, limit)
        runs.append(("pyworkforce MinRequiredResources", cover))
        runs.append(("cxlab cover", _child("cxlab", out, "cover", scope, limit, 0, "none")))
        absdiff = _child("pyworkforce", out, "absdiff", scope, limit)
        runs.append(("pyworkforce MinAbsDifference", absdiff))
        budget = absdiff["cost"]
        runs.append(
            (
                f"cxlab shortfall, budget {budget:g}",
                _child("cxlab", out, "shortfall", scope, limit, 0, budget),
            )
        )
        runs.append(
            ("cxlab cover, with breaks", _child("cxlab", out, "cover", scope, limit, 1, "none"))
        )
        runs.append(
            (
                f"cxlab shortfall with breaks, budget {budget:g}",
                _child("cxlab", out, "shortfall", scope, limit, 1, budget),
            )
        )
        for name, r in runs:
            short, over = _gaps(need, np.asarray(r["working"]))
            proven = "yes" if r["optimal"] else f"no ({r['gap']:.1%})" if r["gap"] else "no"
            label = "per queue" if scope == "queue" else "pooled"
            print(
                f"{name:44s} {label:9s} {short.sum():8.1f} {over.sum():8.1f} {r['cost']:8.1f} "
                f"{r['seconds']:8.2f} {proven:>6s} {r['peak_mb']:8.0f}"
            )
            if scope == "queue":
                per_queue.append((name, short, over))
    print(
        f"\nper queue (agent-hours short / over), the 'per queue' rows above: {', '.join(QUEUES)}"
    )
    for name, short, over in per_queue:
        cells = "  ".join(f"{a:6.1f} / {b:6.1f}" for a, b in zip(short, over, strict=True))
        print(f"{name:44s} {cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", default=None)
    parser.add_argument("--scale", type=float, nargs="+", default=[1.0, 20.0])
    parser.add_argument("--time-limit", type=float, default=15.0, help="seconds per solve")
    parser.add_argument("--parts", type=int, nargs="+", default=[1, 2, 3], help="tables to print")
    parser.add_argument("--scenarios", type=int, default=200, help="scenarios of table 2")
    parser.add_argument(
        "--scenario-scale", type=float, default=1.0, help="the --scale table 2 is run at"
    )
    parser.add_argument(
        "--scenario-time-limit", type=float, default=25.0, help="seconds per solve, table 2"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the scenarios")
    parser.add_argument(
        "--chance-time-limit", type=float, default=180.0, help="seconds for mode='chance', table 3"
    )
    parser.add_argument(
        "--levels", type=float, nargs="+", default=list(LEVELS), help="levels of table 3"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, *rest = args.child
        if name == "generate":
            import cxlab as cx

            cx.data.generate(seed=7, size="default", workspace=rest[0])
            result = {}
        elif name == "plan":
            result = task_plan(rest[0], rest[1], float(rest[2]))
        elif name == "scenario":
            budget = None if rest[3] == "none" else float(rest[3])
            result = task_scenario(
                rest[0], rest[1], float(rest[2]), budget, int(rest[4]), int(rest[5])
            )
        elif name == "chance":
            result = task_chance(rest[0], float(rest[1]), float(rest[2]), int(rest[3]),
                                 int(rest[4]))  # fmt: skip
        elif name == "pyworkforce":
            result = task_pyworkforce(rest[0], rest[1], rest[2], float(rest[3]))
        else:
            budget = None if rest[5] == "none" else float(rest[5])
            result = task_cxlab(rest[0], rest[1], rest[2], float(rest[3]), rest[4] == "1", budget)
        print(json.dumps(result))
        return

    started = time.perf_counter()
    print("load average (1, 5, 15 min) at start: " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    ws = args.workspace
    if ws is None:  # in a child too: a child's peak memory starts at this process's peak
        ws = tempfile.mkdtemp(prefix="cxbench-shifts-")
        _child("generate", ws)
    for scale in args.scale:
        out = tempfile.mkdtemp(prefix="cxbench-shifts-plan-")
        p = _child("plan", ws, out, scale)
        print(
            f"\n== requirement: workspace {ws}, phone queues, volumes x{scale:g}: "
            f"{p['days']} days from {p['first']} ({ZONE}), {p['contacts']:,.0f} contacts, "
            f"{p['agent_hours']:,.1f} agent-hours required; peak agents per queue {p['peak']}; "
            f"forecast + plan {p['seconds']:.1f} s"
        )
        for q, (aht, target, secs, pat) in p["inputs"].items():
            print(
                f"  {q}: handle time {aht:.0f} s, target {target:.0%} within {secs:g} s, "
                + (f"patience {pat:.0f} s (Erlang A)" if pat else "Erlang C")
            )
        print(
            f"shifts: {', '.join(f'{v}h' for v in LENGTHS)} starting {FIRST}-{LAST} every "
            f"{EVERY}, {RATE:g} per hour; time limit {args.time_limit:g} s per solve\n"
        )
        if 1 in args.parts:
            versus(out, args.time_limit)
        chance_cost = None
        if 3 in args.parts and scale == args.scenario_scale:
            chance_cost = chance_part(out, args.chance_time_limit, args.levels, args.scenarios,
                                      args.seed)  # fmt: skip
        if 2 in args.parts and scale == args.scenario_scale:
            scenario_part(out, args.scenario_time_limit, args.scenarios, args.seed, chance_cost)
    print(
        f"\ntotal {time.perf_counter() - started:.0f} s; load average (1, 5, 15 min) at the end: "
        + ", ".join(f"{v:.2f}" for v in os.getloadavg())
    )


def task_scenario(
    out: str, kind: str, limit: float, budget: float | None, scenarios: int, seed: int
) -> dict:
    """One schedule of the plan (per queue, with breaks), judged by ``evaluate_shifts``."""
    import cxlab as cx

    with open(Path(out) / "plan.pkl", "rb") as f:
        plan = pickle.load(f)
    kw: dict = {"by": "queue", "time_limit": limit, "mode": kind, "budget": budget}
    t0 = time.perf_counter()
    s = cx.staffing.schedule_shifts(plan, _rules(True), **kw)
    solved = time.perf_counter() - t0
    ev = cx.staffing.evaluate_shifts(s, plan, scenarios=scenarios, seed=seed)
    judged = time.perf_counter() - t0 - solved
    total = ev.total("all")
    return {
        "solve_seconds": solved,
        "eval_seconds": judged,
        "peak_mb": _measure.peak_mb(),
        "cost": s.cost,
        "optimal": s.optimal,
        "gap": s.optimality_gap,
        "sl_mean": total["sl_mean"],
        "sl_p10": total["sl_p10"],
        "abandon_mean": total["abandon_mean"],
        "share_met": ev.share_met,
        "expected_sl": s.expected_sl,
    }


def scenario_part(
    out: str, limit: float, scenarios: int, seed: int, chance_cost: float | None
) -> None:
    """Table 2: deterministic schedules against the scenario modes, at the same cost."""
    import typing

    import cxlab.staffing as st
    from cxlab.staffing import _shifts

    modes = set(typing.get_args(_shifts.Mode))
    if not hasattr(st, "evaluate_shifts") or not {"chance", "expected_service"} <= modes:
        print("\n(the scenario modes are not in this cxlab: table 2 left out)")
        return
    print(
        f"\nscenario against deterministic: per queue, with breaks; {scenarios} scenarios "
        f"(seed {seed}), the same for every row; service level of all queues together"
    )
    head = (
        f"{'schedule':46s} {'cost':>8s} {'model SL':>8s} {'SL mean':>8s} {'SL p10':>7s} "
        f"{'met':>6s} "
        f"{'abandon':>7s} {'solve s':>8s} {'proven':>11s} {'eval s':>7s} {'peak MB':>8s}"
    )
    print(head)
    print("-" * len(head))

    def row(name: str, kind: str, budget: float | None) -> dict:
        r = _child("scenario", out, kind, limit, "none" if budget is None else budget,
                   scenarios, seed)  # fmt: skip
        proven = "yes" if r["optimal"] else f"no ({r['gap']:.1%})"
        claim = "" if r["expected_sl"] is None else f"{r['expected_sl']:.1%}"
        print(
            f"{name:46s} {r['cost']:8.1f} {claim:>8s} {r['sl_mean']:8.1%} {r['sl_p10']:7.1%} "
            f"{r['share_met']:6.1%} {r['abandon_mean']:7.1%} {r['solve_seconds']:8.2f} "
            f"{proven:>11s} {r['eval_seconds']:7.2f} {r['peak_mb']:8.0f}"
        )
        return r

    cover = row("deterministic: cover the plan's agents", "cover", None)
    full = cover["cost"]
    row(f"expected_service, budget {full:g} (the same)", "expected_service", full)
    lean = round(0.9 * full)
    row(f"deterministic: shortfall, budget {lean:g} (90%)", "shortfall", lean)
    row(f"expected_service, budget {lean:g} (90%)", "expected_service", lean)
    if chance_cost is not None:
        row(f"expected_service, budget {chance_cost:g} (chance 0.8's)", "expected_service",
            chance_cost)  # fmt: skip


def _chances(ev, level: float, scenarios: int) -> dict:
    """Per interval-and-queue with contacts: the least chance, the 10th percentile, the mean, the
    share reaching the level and the share not shown below it."""
    from cxlab.staffing._shift_chance import wilson_bounds

    chance = ev.summary()["p_meet_sl"].drop_nulls().to_numpy()
    _low, high = wilson_bounds(np.round(chance * scenarios), scenarios)
    return {
        "min": float(chance.min()),
        "p10": float(np.percentile(chance, 10)),
        "mean": float(chance.mean()),
        "reach": float((chance >= level - 1e-12).mean()),
        "not_below": float((high >= level).mean()),
        "cells": int(chance.size),
    }


def task_chance(out: str, level: float, limit: float, scenarios: int, seed: int) -> dict:
    """``mode="chance"`` at ``level`` before (the formula's need, covered) and after (calibrated),
    judged on the same fresh scenarios."""
    import polars as pl

    import cxlab as cx

    with open(Path(out) / "plan.pkl", "rb") as f:
        plan = pickle.load(f)
    t0 = time.perf_counter()
    after = cx.staffing.schedule_shifts(plan, _rules(True), by="queue", mode="chance",
                                        probability=level, time_limit=limit)  # fmt: skip
    solved = time.perf_counter() - t0
    table = after.chance()
    t1 = time.perf_counter()
    before = cx.staffing.schedule_shifts(
        table.select("interval_start", "queue", pl.col("required_formula").alias("required")),
        _rules(True), by="queue", every=EVERY, time_limit=limit / 6, time_zone=ZONE,
    )  # fmt: skip
    before_seconds = time.perf_counter() - t1
    ev_after = cx.staffing.evaluate_shifts(after, plan, scenarios=scenarios, seed=seed)
    ev_before = cx.staffing.evaluate_shifts(before, plan, scenarios=scenarios, seed=seed)
    return {
        "level": level,
        "cost_before": before.cost,
        "cost_after": after.cost,
        "before": _chances(ev_before, level, scenarios),
        "after": _chances(ev_after, level, scenarios),
        "share_before": ev_before.share_met,
        "share_after": ev_after.share_met,
        "solve_seconds": solved,
        "before_seconds": before_seconds,
        "rounds": after.chance_rounds,
        "calibration_scenarios": after.chance_scenarios,
        "reached": int(table["reached"].sum()),
        "cells": table.height,
        "reasons": table["reason"].drop_nulls().value_counts().rows(),
        "optimal": after.optimal,
        "peak_mb": _measure.peak_mb(),
    }


def chance_part(out: str, limit: float, levels, scenarios: int, seed: int) -> float | None:
    """Table 3: the chance mode before and after its calibration; returns the cost at 0.8."""
    import typing

    from cxlab.staffing import _shifts

    if "chance" not in set(typing.get_args(_shifts.Mode)):
        print("\n(the chance mode is not in this cxlab: table 3 left out)")
        return None
    print(
        f"\nchance mode, before (the formula's need) and after (calibrated by simulation): per "
        f"queue, with breaks; judged on {scenarios} fresh scenarios (seed {seed}); per "
        "interval-and-queue with contacts, the chance of meeting the target"
    )
    head = (
        f"{'level':>5s} {'':7s} {'cost':>8s} {'least':>7s} {'p10':>7s} {'mean':>7s} "
        f"{'reach':>6s} {'not below':>9s} {'seconds':>8s} {'rounds':>6s} {'calib. S':>8s} "
        f"{'reached':>9s} {'peak MB':>8s}"
    )
    print(head)
    print("-" * len(head))
    cost = None
    for level in levels:
        r = _child("chance", out, level, limit, scenarios, seed)
        for tag in ("before", "after"):
            c = r[tag]
            extra = (
                f"{r['solve_seconds']:8.1f} {r['rounds']:6d} {r['calibration_scenarios']:8d} "
                f"{r['reached']:4d}/{r['cells']:<4d} {r['peak_mb']:8.0f}"
                if tag == "after"
                else f"{r['before_seconds']:8.1f}"
            )
            print(
                f"{level:5.2f} {tag:7s} {r['cost_' + tag]:8.1f} {c['min']:7.1%} {c['p10']:7.1%} "
                f"{c['mean']:7.1%} {c['reach']:6.1%} {c['not_below']:9.1%} {extra}"
            )
        if r["reasons"]:
            print(f"      short after calibration, by reason: {r['reasons']}")
        if abs(level - 0.8) < 1e-9:
            cost = r["cost_after"]
    return cost


if __name__ == "__main__":
    main()
