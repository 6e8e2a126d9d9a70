"""The chance mode of a shift schedule, calibrated by simulation so that its promise holds on the
service level reached.

The promise: in every interval (and queue) with contacts forecast, the chance that the interval
meets its service-level target reaches ``probability``. An interval meets the target when its
contacts answered within the threshold over its contacts offered reach the target, and an
interval without contacts meets it (:func:`cxlab.staffing._shift_eval.meets_target`, the one
definition). The chance is over the forecast's distribution, the chance arrivals, handle times and
patience, and the backlog one interval leaves the next: what
:func:`cxlab.staffing.evaluate_shifts` simulates.

The stationary Erlang A need at the forecast's ``probability`` quantile
(:func:`cxlab.staffing._shift_forecast.chance_need`) puts the promise on the volume, not on the
service level reached: a quiet interval misses by a caller or two, and a backlog carries over.
So the schedule of that need is only the start:

1. solve the cheapest cover of the need; simulate it over ``scenarios`` scenarios (the same
   draws every round, so rounds differ by their agents alone);
2. an interval is *short* when the one-sided upper Wilson score bound (95%) of its simulated
   chance is below ``probability``: noise alone does not add agents. Each short interval needs one
   agent more than the schedule has working there, and the model is solved again with the
   previous schedule as its hint;
3. once no interval is short, an interval whose lower bound is above ``probability`` is offered
   one agent fewer; the lower need is kept only where the simulated chance then still has its
   lower bound at ``probability`` or above (and no later interval of the same day falls short),
   else it is put back and never lowered again;
4. stop when nothing changes, after ``ROUNDS`` rounds, or when the time limit is spent. The
   schedule returned is the cheapest one with no short interval, when there is one. A need is
   never lowered below what its simulation supports: an interval that stays short is reported,
   with its simulated chance and why (the rules or the budget leave no room for more agents;
   agents added there did not raise its chance; or the rounds or the time ran out).

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
*Journal of the American Statistical Association* 22(158), 209-212.
Gans, N., Shen, H., Zhou, Y.-P., Korolev, N., McCord, A. & Ristock, H. (2015). Parametric
forecasting and stochastic programming models for call-center workforce scheduling.
*Manufacturing & Service Operations Management* 17(4), 571-588.
Koole, G. (2013). *Call Center Optimization*. MG Books, chapter 6.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import polars as pl

from cxlab._errors import OptionError

ROUNDS = 8
"""Most rounds of solve-and-simulate."""
SHARE = 6
"""Each solve may take up to ``time_limit / SHARE`` seconds (the simulations take the rest)."""
GROWTH = 4
"""Most times ``scenarios`` the simulation grows to, doubling, where a chance below the level is
still within the allowance."""
Z = 1.6448536269514722
"""The one-sided 95% normal quantile of the Wilson score bounds."""
SEED_STREAM = 0xC4A
"""Mixed into ``seed`` for the calibration's scenarios, so that ``evaluate_shifts(seed=seed)``
draws fresh ones."""

REASONS = ("rules", "no_gain", "stopped")
"""Why an interval falls short: the rules or the budget leave no room for more agents; agents
added there did not raise its chance; the rounds or the time ran out first."""


def wilson_bounds(k, n: int, z: float = Z) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score bounds of a proportion ``k / n`` (arrays), each one-sided at the normal
    quantile ``z``."""
    k = np.asarray(k, float)
    p = k / n
    centre = p + z * z / (2 * n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    scale = 1 + z * z / n
    return np.clip((centre - half) / scale, 0.0, 1.0), np.clip((centre + half) / scale, 0.0, 1.0)


def calibration_seed(seed: int) -> int:
    """The seed of the calibration's scenarios, apart from ``evaluate_shifts(seed=seed)``'s."""
    return int(np.random.SeedSequence([int(seed), SEED_STREAM]).generate_state(1)[0])


def _present(schedule, nrow: int, n: int, within: str) -> np.ndarray:
    """Agents the schedule has working per row and interval, as the cover counts them."""
    cov = schedule.coverage_table
    out = np.zeros((nrow, n))
    for i, q in enumerate(schedule.queues):
        d = cov.filter(pl.col("queue") == q).sort("interval_start")
        out[i] = d["working_min"].to_numpy() if within == "always" else d["working"].to_numpy()
    return np.floor(out + 1e-9)


def calibrate(
    problem,
    rules,
    plan,
    tl,
    rows: list[int],
    probability: float,
    budget: float | None,
    within: str,
    time_limit: float,
    num_workers: int,
    seed: int,
    deterministic_time: float | None,
    scenarios: int,
):
    """The chance-mode schedule, calibrated by simulation (see the module); ``rows`` are the
    plan queues of the problem's rows (empty when pooled)."""
    from cxlab.staffing._shift_eval import met_counts
    from cxlab.staffing._shift_forecast import chance_need
    from cxlab.staffing._shift_model import hint_of, solve

    started = time.perf_counter()
    deadline = started + float(time_limit)
    p = float(probability)
    formula = chance_need(tl, p)  # plan queues x intervals
    pooled = not rows
    base = formula.sum(axis=0, keepdims=True) if pooled else formula[rows]
    nrow, n = base.shape
    groups = [list(range(len(tl.queues)))] if pooled else [[r] for r in rows]
    forecast_q = tl.quantiles.max(axis=2) > 0
    open_ = np.vstack([forecast_q[g].any(axis=0) for g in groups])
    day = problem.day_of()
    sim_seed = calibration_seed(seed)
    drawn = int(scenarios)  # the scenarios simulated now, doubled where the chance is unsure
    det = None if deterministic_time is None else float(deterministic_time) / 2

    # needs are agents present; the schedule puts need / keep on shift (its absence allowance),
    # so one agent more or fewer on shift is ``keep`` of need
    keep = 1.0 - float(rules.absence or 0.0)
    need = base.astype(float).copy()
    tight = np.zeros((nrow, n), bool)  # lowered once and put back: never lowered again
    reason = np.full((nrow, n), "", dtype=object)
    misses = np.zeros((nrow, n), np.int64)  # raises that did not raise the chance
    last_lowered = np.zeros((nrow, n), bool)
    previous: np.ndarray | None = None  # the need before the last lowering
    best = None
    hint = None
    last_met = last_raised = None
    rounds = 0
    stop = ""
    schedule = met = chance = None
    solved = None  # the last schedule simulated: schedule, met, chance, need, scenarios
    while True:
        left = deadline - time.perf_counter()
        if rounds and (rounds >= ROUNDS or left < time_limit / SHARE / 2):
            stop = "stopped"  # no round starts without half a solve's share of the time
            break
        problem.required = need.copy()
        found: dict = {}
        try:
            schedule = solve(
                problem, rules, "cover", budget, within,
                max(0.05, min(left, time_limit / SHARE)), num_workers, seed,
                None if det is None else (det if not rounds else det / ROUNDS),
                None, hint, found,
            )  # fmt: skip
        except OptionError as exc:
            if not rounds:
                raise
            # the rules or the budget leave no room for the agents asked for, or the solver found
            # no schedule in the time left: keep what was had
            schedule, met, chance, solved_need, drawn = solved
            stop = "stopped" if "within time_limit" in str(exc) else "rules"
            reason[(need > solved_need) & open_] = stop
            break
        rounds += 1
        hint = hint_of(found)
        while True:
            counts, _tl, _fq = met_counts(schedule, plan, scenarios=drawn, seed=sim_seed)
            met = np.vstack([counts[g].min(axis=0) for g in groups])
            low, high = wilson_bounds(met, drawn)
            chance = met / drawn
            short = open_ & (high < p)
            unsure = open_ & (chance < p) & ~short
            # a chance below the level but within the allowance: more scenarios to tell
            if short.any() or not unsure.any() or drawn * 2 > scenarios * GROWTH:
                break
            drawn *= 2
            last_met = None  # the rounds' draws differ now: no comparison with the last
        present = _present(schedule, nrow, n, within)
        shaky = open_ & last_lowered & (low < p)
        if last_raised is not None and last_met is not None:
            flat = last_raised & short & (met <= last_met)
            misses[flat] += 1
        solved = (schedule, met, chance, need.copy(), drawn)
        if not short.any() and not shaky.any():
            if best is None or schedule.cost < best[0].cost - 1e-9:
                best = (schedule, met, need.copy(), drawn)
            elif last_lowered.any() and previous is not None:
                # the lower need saved nothing (shifts come in blocks): keep the need it had
                need = previous.copy()
                tight |= last_lowered
            # offer one agent fewer than it has where the chance has room to spare
            cand = open_ & ~tight & (low >= p) & (present > 0)
            if not cand.any():
                break
            previous = need.copy()
            need = need.copy()
            need[cand] = np.minimum(need[cand], (present[cand] - 1) * keep)
            last_lowered, last_raised, last_met = cand, None, met
            continue
        if last_lowered.any() and previous is not None:
            # the last lowering went too far: put back what it broke
            back = shaky.copy()
            for i, t in zip(*np.nonzero(short & ~last_lowered), strict=True):
                back[i] |= last_lowered[i] & (day == day[t]) & (np.arange(n) <= t)
            if not back.any():  # nothing the lowering touched: raise as below
                back = last_lowered & short
            need = need.copy()
            need[back] = previous[back]
            tight |= back
            last_lowered = last_lowered & ~back  # the rest of the lowering is checked again
            last_raised, last_met = None, met
            if back.any():
                continue
        # one agent more than the schedule has working where the chance falls short
        raise_ = short & (misses < 2)
        reason[short & (misses >= 2)] = "no_gain"
        if rules.max_on_duty is not None:
            seats = np.maximum(np.ceil(need / keep - 1e-9), present).sum(axis=0)
            for t in np.flatnonzero(raise_.any(axis=0)):
                room = rules.max_on_duty - seats[t]
                want = np.flatnonzero(raise_[:, t])
                if room < want.size:
                    reason[want[int(max(room, 0)) :], t] = "rules"
                    raise_[want[int(max(room, 0)) :], t] = False
        if not raise_.any():
            break
        need = need.copy()
        need[raise_] = (np.maximum(np.ceil(need[raise_] / keep - 1e-9), present[raise_]) + 1) * keep
        last_lowered = np.zeros((nrow, n), bool)
        last_raised, last_met = raise_, met
    need = solved[3]  # the need of the schedule simulated last, not one asked for after it
    if best is not None and best[0] is not schedule:
        # the cheapest schedule with no short interval
        schedule, met, need, drawn = best
        chance = met / drawn
    low, high = wilson_bounds(met, drawn)
    short = open_ & (high < p)
    why = np.where(short, reason, "")
    why[short & (why == "")] = stop or "stopped"
    present = _present(schedule, nrow, n, within)
    table = _table(problem, schedule, open_, base, need, present, chance, low, high, p, why)
    return dataclasses.replace(
        schedule,
        mode="chance",
        probability=p,
        time_limit=float(time_limit),
        wall_seconds=time.perf_counter() - started,
        chance_table=table,
        chance_scenarios=int(drawn),
        chance_seed=int(seed),
        chance_rounds=int(rounds),
    )


def _table(problem, schedule, open_, formula, need, present, chance, low, high, p, why):
    """Per row and interval with contacts forecast: the formula's need, the calibrated need,
    the agents working, the simulated chance and its bounds, whether it reaches ``p`` and why
    not."""
    from cxlab.staffing._shifts import interval_starts

    ts = interval_starts(problem)
    frames = []
    for i, q in enumerate(problem.queues):
        keep = np.flatnonzero(open_[i])
        frames.append(
            pl.DataFrame(
                {
                    "interval_start": ts.gather(keep),
                    "queue": [q] * keep.size,
                    "required_formula": formula[i, keep].astype(float),
                    "required": need[i, keep].astype(float),
                    "agents": present[i, keep].astype(float),
                    "chance": chance[i, keep].astype(float),
                    "chance_low": low[i, keep],
                    "chance_high": high[i, keep],
                    "reached": high[i, keep] >= p,
                    "reason": [str(r) or None for r in why[i, keep]],
                },
                schema_overrides={"reason": pl.Utf8},
            )
        )
    return pl.concat(frames)
