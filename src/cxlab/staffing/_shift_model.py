"""The CP-SAT model of a shift schedule, its solve, and the diagnosis of an impossible one.

Variables follow Aykin (1996): ``x[q, c]`` agents of queue ``q`` start shift ``c``;
``b[q, c, k, o]`` of them take break ``k`` at offset ``o`` of its window, with
``sum_o b[q, c, k, o] == x[q, c]``. Working agent-minutes in an interval are the shift minutes
in it less the break minutes in it. Infeasibility is first looked for by direct checks (an
interval no shift reaches; a headcount limit below the need) and then by solving again with one
assumption literal per group of rules and asking CP-SAT for a sufficient set of them.

References
----------
Aykin, T. (1996). Optimal shift scheduling with multiple break windows. *Management Science*
42(4), 591-602.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import time
from functools import reduce

import numpy as np
import polars as pl

from cxlab._errors import OptionError
from cxlab.staffing._shift_rules import ShiftRules
from cxlab.staffing._shifts import (
    POOLED,
    ShiftSchedule,
    _Candidate,
    _candidates,
    _cover_row,
    _Problem,
    interval_starts,
    shift_rows,
)

GROUPS = {
    "cover": "coverage of the requirement",
    "max_per_shift": "max_per_shift",
    "min_per_shift": "min_per_shift",
    "max_on_duty": "max_on_duty",
    "max_part_time_share": "max_part_time_share",
    "days_per_week": "days_per_week",
    "budget": "budget",
}


def _moments(problem: _Problem, ts: list[int], limit: int = 4) -> str:
    shown = [problem.local(problem.minutes * t).strftime("%a %Y-%m-%d %H:%M") for t in ts[:limit]]
    more = f" and {len(ts) - limit} more" if len(ts) > limit else ""
    return ", ".join(shown) + more


def _prechecks(
    problem: _Problem,
    rules: ShiftRules,
    cands: list[_Candidate],
    need: np.ndarray,
    rows: list[dict[int, int]],
) -> None:
    """Refuse, naming the intervals, a need that no schedule can meet whatever the solver does."""
    total = need.sum(axis=0)
    reach = np.zeros(need.shape[1])
    for row in rows:
        for t, m in row.items():
            reach[t] = max(reach[t], m)
    unreached = [int(t) for t in np.flatnonzero((total > 0) & (reach == 0))]
    if unreached:
        raise OptionError(
            "no shift allowed by the rules covers the intervals "
            f"{_moments(problem, unreached)} (local time), which need agents; shifts start "
            f"between {rules.earliest_start} and {rules.latest_start} and last "
            f"{', '.join(f'{v:g}' for v in rules.lengths)} hours. Widen the start window or "
            "the lengths, or drop these intervals from the requirement; for a queue open "
            'around the clock, let shifts start at any hour (earliest_start="00:00", '
            'latest_start="23:30", under [shifts] in cxlab.toml), so that night shifts '
            "cross midnight."
        )
    if rules.max_on_duty is not None:
        over = [int(t) for t in np.flatnonzero(total > rules.max_on_duty + 1e-9)]
        if over:
            raise OptionError(
                f"the rule max_on_duty={rules.max_on_duty} is below the need at "
                f"{_moments(problem, over)} (local time: up to {math.ceil(total.max())} "
                "agents needed). Raise max_on_duty or lower the requirement there."
            )
    if rules.max_per_shift is not None:
        for q in range(need.shape[0]):
            most = np.zeros(need.shape[1])
            for row in rows:
                for t, m in row.items():
                    most[t] += rules.max_per_shift * m
            # breaks take some of those minutes, so this is a bound, never a false refusal
            short = [
                int(t)
                for t in np.flatnonzero(need[q] * problem.minutes > most + 1e-9)
                if need[q, t] > 0
            ]
            if short:
                raise OptionError(
                    f"the rule max_per_shift={rules.max_per_shift} is below the need at "
                    f"{_moments(problem, short)} (local time): even with every shift that "
                    f"reaches them full, too few agents are on duty{_queue(problem, q)}. Raise "
                    "max_per_shift or allow more start times."
                )


def _queue(problem: _Problem, q: int) -> str:
    name = problem.queues[q]
    return "" if name == POOLED else f" for queue {name!r}"


def _blocks(
    problem: _Problem,
    rules: ShiftRules,
    budget: float | None,
    cands: list[_Candidate],
    rows: list[dict[int, int]],
    need: np.ndarray,
) -> list[set[int]]:
    """Groups of days that can be scheduled apart: days a shift spans, days of one week under
    ``days_per_week``, and all days when a budget binds them together (the part-time share
    holds within each day and queue, so it binds none)."""
    days = problem.days
    day_of = problem.day_of()
    parent = list(range(days))

    def find(d: int) -> int:
        while parent[d] != d:
            parent[d] = parent[parent[d]]
            d = parent[d]
        return d

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    busy = need.sum(axis=0) > 0
    for ci, c in enumerate(cands):
        for t in rows[ci]:
            if busy[t]:
                union(c.day, int(day_of[t]))
    if rules.days_per_week is not None:
        for d in range(1, days):
            if (problem.first_day + dt.timedelta(days=d)).weekday() != 0:
                union(d - 1, d)
    if budget is not None:
        for d in range(1, days):
            union(0, d)
    groups: dict[int, set[int]] = {}
    for d in range(days):
        groups.setdefault(find(d), set()).add(d)
    needed = {int(day_of[t]) for t in np.flatnonzero(busy)}
    return [g for _root, g in sorted(groups.items()) if g & needed]


def solve(
    problem: _Problem,
    rules: ShiftRules,
    mode: str,
    budget: float | None,
    within: str,
    time_limit: float,
    num_workers: int,
    seed: int,
    deterministic_time: float | None,
    gains: dict[tuple[int, int], np.ndarray] | None = None,
    hint: list[tuple] | None = None,
    found: dict | None = None,
) -> ShiftSchedule:
    """Build and solve the model, one group of days at a time when the groups do not interact
    (each day apart, unless shifts cross midnight or a weekly, share or budget rule binds
    days together): the same optimum, proven much sooner.

    ``mode="expected_service"`` takes ``gains``: per queue and interval, the integer gains of
    its first, second, ... agent working, never rising; the model maximises their sum within
    the budget, and only ``min_on_duty`` is a covering constraint. ``hint`` (from
    :func:`hint_of` of another schedule of the same rules and budget, such as the least-shortfall
    one) is given to CP-SAT as its first solution, and the schedule returned is the better of
    the two by the model's gain, so a solve stopped early is never worse than the hint.
    ``found``, when given, receives the candidates, counts and breaks of the schedule."""
    minutes = problem.minutes
    n = problem.required.shape[1]
    # the agents of the requirement are those present: schedule enough that, after the
    # absence allowance, they are
    need = problem.required / (1.0 - (rules.absence or 0.0))
    if rules.min_on_duty:
        need = np.where(need > 0, np.maximum(need, rules.min_on_duty), need)
    floor = None
    if mode == "expected_service":
        # agents are wanted where they add service: as many as the interval has gains for
        floor = np.where(problem.required > 0, float(rules.min_on_duty or 0), 0.0)
        reach = np.zeros_like(need)
        for (q, t), row in (gains or {}).items():
            reach[q, t] = row.size
        need = np.maximum(reach, floor)
    cands = _candidates(rules, problem, need)
    rows = [_cover_row(c.start, c.length, minutes, n) for c in cands]
    start_counts, start_breaks = _mapped(hint, cands, rows, need)
    if mode != "expected_service":  # an interval no shift reaches just loses its service
        _prechecks(problem, rules, cands, need, rows)
    # every coefficient is a number of minutes: divide them by their common divisor
    sizes = [minutes, *(m for row in rows for m in row.values())]
    for c in cands:
        for length, offsets, _paid in c.breaks:
            for o in offsets:
                sizes += list(_cover_row(c.start + o, length, minutes, n).values())
    g = reduce(math.gcd, sizes)
    blocks = _blocks(problem, rules, budget, cands, rows, need)
    counts: dict = {}
    breaks: dict = {}
    per_week: dict = {}
    objective = bound = gained = gain_bound = 0.0
    optimal = True
    big = 1
    started = time.perf_counter()
    day_of = problem.day_of()
    nq = need.shape[0]
    # the queues of a schedule by queue are apart too, unless seats or a budget they share
    # bind them (or the expected service weighs them against each other)
    apart = nq > 1 and budget is None and rules.max_on_duty is None and mode != "expected_service"
    groups = [[q] for q in range(nq)] if apart else [list(range(nq))]
    jobs = [(block, group) for block in blocks for group in groups]
    for i, (block, group) in enumerate(jobs):
        left = max(0.05, time_limit - (time.perf_counter() - started)) / (len(jobs) - i)
        det = None if deterministic_time is None else deterministic_time / len(jobs)
        mask = np.isin(day_of, sorted(block))[None, :] & np.isin(np.arange(nq), group)[:, None]
        start = (start_counts, start_breaks)
        if len(block) > 1 and budget is None and rules.days_per_week is None and not hint:
            # only the part-time share (or shifts crossing midnight) ties these days: schedule
            # them day by day first, each day keeping the share, and hand the week model that
            # schedule whole, so it starts from a good week and spends its time on the bound
            t0 = time.perf_counter()
            start = _day_by_day(
                problem, rules, mode, cands, rows, np.where(mask, need, 0.0), block, g, within,
                left / 2, num_workers, seed, None if det is None else det / 2,
            )  # fmt: skip
            left = max(0.05, left - (time.perf_counter() - t0))
            det = None if det is None else det / 2
        solved = _solve_block(
            problem, rules, mode, budget, cands, rows, np.where(mask, need, 0.0), block, g,
            within, left, num_workers, seed, det, gains,
            None if floor is None else np.where(mask, floor, 0.0), start,
        )  # fmt: skip
        counts.update(solved["counts"])
        breaks.update(solved["breaks"])
        per_week.update(solved["per_week"])
        objective += solved["objective"]
        bound += solved["bound"]
        gained += solved["gain"]
        gain_bound += solved["gain_bound"]
        optimal = optimal and solved["optimal"]
        big = solved["big"]
    wall = time.perf_counter() - started
    units = minutes // g
    gap = 0.0 if optimal else max(0.0, (objective - bound) / max(abs(objective), 1e-9))
    shown = problem.required if mode == "expected_service" else need
    coverage, shortfall, slots = _coverage(problem, shown, cands, counts, breaks, g, within)
    kept_hint = False
    if mode == "expected_service":
        # the schedule's gain from its agents (a solution stopped at the time limit need not
        # have claimed all of it)
        gained = _gain(problem, slots, gains, g, within)
        if hint is not None and not optimal:
            # keep the hint when the search stopped before it did better
            other = _coverage(problem, shown, cands, start_counts, start_breaks, g, within)
            other_gain = _gain(problem, other[2], gains, g, within)
            if other_gain > gained and _keeps_floor(problem, other[2], floor, g, within):
                counts, breaks, gained = start_counts, start_breaks, other_gain
                coverage, shortfall, slots = other
                kept_hint = True
        gap = 0.0 if optimal else max(0.0, (gain_bound - gained) / max(abs(gained), 1e-9))
    shifts = shift_rows(problem, cands, counts, breaks)
    if found is not None:
        found.update(cands=cands, counts=counts, breaks=breaks, kept_hint=kept_hint)
    total_cost = sum(cands[ci].cost * k for (q, ci), k in counts.items()) / 100.0
    if mode == "shortfall":
        # the objective is big x weighted shortfall + cost: report the shortfall in agent-hours
        objective_out = shortfall
        if optimal:
            bound_out = shortfall
        elif (problem.weight == 1).all():
            bound_out = max(0.0, math.ceil(bound / big - 1e-9) / 100 / units * minutes / 60.0)
        else:
            bound_out = float("nan")
    elif mode == "expected_service":
        # the gains, in the caller's units: the schedule's and the most any schedule can have
        objective_out, bound_out = gained, gain_bound
    else:
        objective_out, bound_out = total_cost, bound / 100.0
    agents_per_week = None
    if per_week:
        agents_per_week = pl.DataFrame(
            [
                {"queue": problem.queues[q], "week": monday, "agents": value}
                for (q, monday), value in sorted(per_week.items())
            ],
            schema={"queue": pl.Utf8, "week": pl.Date, "agents": pl.Int64},
        )
    agent_rows, agent_queues = _agents(problem, cands, counts, breaks, g)
    return ShiftSchedule(
        shifts=shifts,
        coverage_table=coverage,
        mode=mode,
        status="optimal" if optimal else "feasible",
        objective=objective_out,
        best_bound=bound_out,
        optimality_gap=gap,
        cost=total_cost,
        shortfall_hours=shortfall,
        budget=budget,
        time_limit=float(time_limit),
        wall_seconds=wall,
        interval_minutes=minutes,
        queues=tuple(problem.queues),
        pooled=problem.queues == [POOLED],
        within=within,
        agents_per_week=agents_per_week,
        rules=rules,
        time_zone=problem.time_zone,
        working_slots=slots,
        slot_minutes=g,
        agent_slots=agent_rows,
        agent_queues=agent_queues,
    )


def _agents(
    problem: _Problem, cands: list[_Candidate], counts: dict, breaks: dict, g: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each agent-shift's working slots (agents x slots of ``g`` minutes; breaks paired with
    agents in order, as the shift rows group them) and its queue."""
    n_slots = problem.required.shape[1] * problem.minutes // g
    rows, queues = [], []
    for (q, ci), k in sorted(counts.items()):
        if k <= 0:
            continue
        c = cands[ci]
        block = np.zeros((k, n_slots), np.int8)
        block[:, c.start // g : min(n_slots, (c.start + c.length) // g)] = 1
        for kk, (length, offsets, _paid) in enumerate(c.breaks):
            starts = sorted(o for o in offsets for _ in range(breaks.get((q, ci, kk, o), 0)))
            for i, o in enumerate(starts[:k]):
                block[i, (c.start + o) // g : min(n_slots, (c.start + o + length) // g)] = 0
        rows.append(block)
        queues += [q] * k
    if not rows:
        return np.zeros((0, n_slots), np.int8), np.zeros(0, np.int64)
    return np.vstack(rows), np.asarray(queues, np.int64)


def hint_of(found: dict) -> list[tuple]:
    """A schedule's shifts as a hint for another model of the same rules: per queue and shift
    (day, start, length), the agents and the agents of each break placement."""
    cands, breaks = found["cands"], found["breaks"]
    out = []
    for (q, ci), k in found["counts"].items():
        if k <= 0:
            continue
        c = cands[ci]
        placed = {
            (kk, o): v for (qq, cc, kk, o), v in breaks.items() if qq == q and cc == ci and v > 0
        }
        out.append((q, c.day, c.start, c.length, int(k), placed))
    return out


def _mapped(
    hint: list[tuple] | None, cands: list[_Candidate], rows: list[dict[int, int]], need: np.ndarray
) -> tuple[dict, dict]:
    """The hint's counts and breaks on this model's candidates; a shift this model does not
    offer a queue reaches no interval where that queue has a gain or a floor, so it is left out."""
    counts: dict = {}
    breaks: dict = {}
    if not hint:
        return counts, breaks
    index = {(c.day, c.start, c.length): ci for ci, c in enumerate(cands)}
    for q, day, start, length, k, placed in hint:
        ci = index.get((day, start, length))
        if ci is None or not any(need[q, t] > 0 for t in rows[ci]):
            continue
        counts[q, ci] = k
        for (kk, o), v in placed.items():
            breaks[q, ci, kk, o] = v
    return counts, breaks


def _gain(problem: _Problem, slots: np.ndarray, gains: dict, g: int, within: str) -> float:
    """The model's gain of a schedule: per queue and interval, the gains of the agents working
    (at the thinnest moment, or on average with ``within="on_average"``)."""
    n = problem.required.shape[1]
    cells = slots.reshape(len(problem.queues), n, problem.minutes // g)
    able = cells.min(axis=2) if within == "always" else np.floor(cells.mean(axis=2) + 1e-9)
    return float(
        sum(row[: int(np.clip(able[q, t], 0, row.size))].sum() for (q, t), row in gains.items())
    )


def _keeps_floor(
    problem: _Problem, slots: np.ndarray, floor: np.ndarray | None, g: int, within: str
) -> bool:
    """Whether a schedule has the ``min_on_duty`` agents wherever the expected-service model
    asks for them."""
    if floor is None or not (floor > 0).any():
        return True
    n = problem.required.shape[1]
    cells = slots.reshape(len(problem.queues), n, problem.minutes // g)
    if within == "always":
        return bool((cells >= np.ceil(floor - 1e-9)[:, :, None]).all())
    return bool((cells.mean(axis=2) >= floor - 1e-9).all())


def _day_by_day(
    problem: _Problem,
    rules: ShiftRules,
    mode: str,
    cands: list[_Candidate],
    rows: list[dict[int, int]],
    need: np.ndarray,
    block: set[int],
    g: int,
    within: str,
    time_limit: float,
    num_workers: int,
    seed: int,
    deterministic_time: float | None,
) -> tuple[dict, dict]:
    """A schedule of the days of ``block`` made one day after another: each day's shifts cover
    that day's need less what the shifts of the days before already work in it (a night shift
    reaching past midnight), and keep the part-time share within the day, so the days together
    keep it over the week. Counts and breaks, as a hint for the model of the whole block."""
    day_of = problem.day_of()
    days = sorted(block)
    counts: dict = {}
    breaks: dict = {}
    started = time.perf_counter()
    for d in days:
        # the deterministic limit is the one meant to bind; the clock only guards a slow machine
        left = max(0.05, time_limit - (time.perf_counter() - started))
        det = None if deterministic_time is None else deterministic_time / len(days)
        try:
            solved = _solve_block(
                problem, rules, mode, None, cands, rows, np.where(day_of == d, need, 0.0), {d},
                g, within, left, num_workers, seed, det, fixed=(counts, breaks),
            )  # fmt: skip
        except OptionError:  # no day schedule in time (or none at all): the week model decides
            break
        counts.update(solved["counts"])
        breaks.update(solved["breaks"])
    return counts, breaks


def _solve_block(
    problem: _Problem,
    rules: ShiftRules,
    mode: str,
    budget: float | None,
    cands: list[_Candidate],
    rows: list[dict[int, int]],
    need: np.ndarray,
    block: set[int],
    g: int,
    within: str,
    time_limit: float,
    num_workers: int,
    seed: int,
    deterministic_time: float | None,
    gains: dict[tuple[int, int], np.ndarray] | None = None,
    floor: np.ndarray | None = None,
    start: tuple[dict, dict] = ({}, {}),
    fixed: tuple[dict, dict] = ({}, {}),
) -> dict:
    """The model of the days in ``block`` (``need`` is zero elsewhere), solved; ``start`` (counts
    and breaks of a schedule, possibly empty) is given to CP-SAT as a hint; the agents of
    ``fixed`` (counts and breaks of shifts outside the block) already work where they reach."""
    from ortools.sat.python import cp_model

    minutes = problem.minutes
    nq, n = need.shape
    # a cell is an interval (agent-minutes on average) or a slot of g minutes (agents at every
    # moment); a shift or break spans cells with a coefficient in units of g agent-minutes
    always = within == "always"
    n_cells = n * minutes // g if always else n
    cell_of = np.arange(n_cells) * g // minutes if always else np.arange(n)
    cover = need if floor is None else floor
    if always:
        need_units = np.ceil(cover[:, cell_of] - 1e-9).astype(np.int64)
    else:
        need_units = np.ceil(cover * (minutes // g) - 1e-9).astype(np.int64)
    weights = np.round(problem.weight[:, cell_of] * 100).astype(np.int64)

    def spans(start: int, length: int) -> dict[int, int]:
        if always:
            return dict.fromkeys(range(max(0, start // g), min(n_cells, (start + length) // g)), 1)
        return {t: m // g for t, m in _cover_row(start, length, minutes, n).items()}

    fixed_counts, fixed_breaks = fixed
    if fixed_counts:
        given = np.zeros((nq, n_cells), np.int64)
        for (q, ci), k in fixed_counts.items():
            c = cands[ci]
            for cell, coef in spans(c.start, c.length).items():
                given[q, cell] += coef * k
        for (q, ci, kk, o), k in fixed_breaks.items():
            c = cands[ci]
            for cell, coef in spans(c.start + o, c.breaks[kk][0]).items():
                given[q, cell] -= coef * k
        need_units = np.where(need_units > 0, np.maximum(need_units - given, 0), need_units)

    start_counts, start_breaks = start
    if not start_counts and mode == "cover":
        # a first schedule to start from: one worker alone can search long before it finds any
        start_counts, start_breaks = _greedy(cands, rows, need, need_units, block, spans)
    model = cp_model.CpModel()
    lits = {k: model.new_bool_var(k) for k in GROUPS}
    top = math.ceil(need.max()) if need.size else 0
    # a bound on the agents of one shift, there only to keep the domains finite: a shift never
    # needs more agents than (breaks + 2) x (the peak need + 1); the limits of the rules are
    # constraints of their own, so that a conflict between them can be named
    ub = max(rules.min_per_shift, (len(rules.breaks) + 2) * (top + 1))
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    b: dict[tuple[int, int, int, int], cp_model.IntVar] = {}
    work: list[list[list]] = [[[] for _t in range(n_cells)] for _q in range(nq)]
    seats: list[list] = [[] for _t in range(n)]
    hinted = bool(start_counts)
    hint_work = np.zeros((nq, n_cells), np.int64)  # the hint's working cover, as in ``work``
    for q in range(nq):
        reach = need[q] > 0
        for ci, c in enumerate(cands):
            if c.day not in block or not any(reach[t] for t in rows[ci]):
                continue
            v = model.new_int_var(0, ub, f"x{q}_{ci}")
            x[q, ci] = v
            for t in rows[ci]:
                seats[t].append(v)
            for cell, coef in spans(c.start, c.length).items():
                work[q][cell].append((coef, v))
                hint_work[q, cell] += coef * start_counts.get((q, ci), 0)
            for k, (length, offsets, _paid) in enumerate(c.breaks):
                parts = []
                for o in offsets:
                    w = model.new_int_var(0, ub, f"b{q}_{ci}_{k}_{o}")
                    b[q, ci, k, o] = w
                    parts.append(w)
                    for cell, coef in spans(c.start + o, length).items():
                        work[q][cell].append((-coef, w))
                        hint_work[q, cell] -= coef * start_breaks.get((q, ci, k, o), 0)
                model.add(sum(parts) == v)
            if rules.max_per_shift is not None:
                model.add(v <= rules.max_per_shift).only_enforce_if(lits["max_per_shift"])
            if rules.min_per_shift:
                used = model.new_bool_var(f"u{q}_{ci}")
                if hinted:
                    model.add_hint(used, start_counts.get((q, ci), 0) > 0)
                model.add(v >= rules.min_per_shift).only_enforce_if([used, lits["min_per_shift"]])
                model.add(v == 0).only_enforce_if(used.Not())
    cost = sum(cands[ci].cost * v for (q, ci), v in x.items())
    short_terms = []
    gain_terms = []
    per = minutes // g
    if hinted:
        for key, v in x.items():
            model.add_hint(v, int(start_counts.get(key, 0)))
        for key, v in b.items():
            model.add_hint(v, int(start_breaks.get(key, 0)))

    for (q, t), row in (gains or {}).items():
        if need[q, t] <= 0:  # another block's day
            continue
        # the concave gain of the agents working lies below every line through two neighbouring
        # points of it, which the LP relaxation takes exactly
        top = np.concatenate([[0], np.cumsum(row)])
        agents = model.new_int_var(0, int(row.size), f"n{q}_{t}")
        got = model.new_int_var(0, int(top[-1]), f"y{q}_{t}")
        for k, slope in enumerate(row.tolist()):
            model.add(got <= int(top[k]) + int(slope) * (agents - k))
        cells = range(t * per, (t + 1) * per) if always else (t,)
        for cell in cells:
            covered = sum(coef * v for coef, v in work[q][cell]) if work[q][cell] else 0
            model.add((1 if always else per) * agents <= covered)
        if hinted:
            able = min(int(hint_work[q, cell]) // (1 if always else per) for cell in cells)
            able = int(np.clip(able, 0, row.size))
            model.add_hint(agents, able)
            model.add_hint(got, int(top[able]))
        gain_terms.append(got)
    for q in range(nq):
        for t in range(n_cells):
            covered = sum(coef * v for coef, v in work[q][t]) if work[q][t] else 0
            if need_units[q, t] <= 0:
                continue
            if mode in ("cover", "expected_service"):
                model.add(covered >= int(need_units[q, t])).only_enforce_if(lits["cover"])
            else:
                u = model.new_int_var(0, int(need_units[q, t]), f"s{q}_{t}")
                model.add(u + covered >= int(need_units[q, t]))
                short_terms.append((int(weights[q, t]), u))
    if rules.max_on_duty is not None:
        for t in range(n):
            if seats[t]:
                model.add(sum(seats[t]) <= rules.max_on_duty).only_enforce_if(lits["max_on_duty"])
    if rules.max_part_time_share is not None:
        # within each day (by the day shifts start) and each queue's agents
        share = round(rules.max_part_time_share * 1000)
        for d, queue in itertools.product(sorted(block), range(nq)):
            mine = [(ci, v) for (q, ci), v in x.items() if cands[ci].day == d and q == queue]
            part = [v for ci, v in mine if cands[ci].part_time]
            if part:
                model.add(1000 * sum(part) <= share * sum(v for _ci, v in mine)).only_enforce_if(
                    lits["max_part_time_share"]
                )
    per_week: dict[tuple[int, dt.date], list] = {}
    if rules.days_per_week is not None:
        by_day: dict[tuple[int, int], list] = {}
        for (q, ci), v in x.items():
            by_day.setdefault((q, cands[ci].day), []).append(v)
        weeks: dict[dt.date, list[int]] = {}
        for d in sorted(block):
            day = problem.first_day + dt.timedelta(days=d)
            weeks.setdefault(day - dt.timedelta(days=day.weekday()), []).append(d)
        for q in range(nq):
            for monday, ds in weeks.items():
                k = min(rules.days_per_week, len(ds))
                pats = list(_patterns(ds, k))
                ys = [model.new_int_var(0, ub * len(cands), f"y{q}_{monday}_{i}") for i in pats]
                per_week[q, monday] = ys
                for d in ds:
                    on = [y for y, p in zip(ys, pats, strict=True) if d in p]
                    model.add(sum(by_day.get((q, d), [])) == sum(on)).only_enforce_if(
                        lits["days_per_week"]
                    )
    budget_units = None if budget is None else math.floor(budget * 100 + 1e-6)
    if budget_units is not None:
        model.add(cost <= budget_units).only_enforce_if(lits["budget"])
    big = 1 if mode == "cover" else (budget_units or 0) + 1
    gain = sum(gain_terms) if gain_terms else 0
    if mode == "cover":
        model.minimize(cost)
    elif mode == "expected_service":
        model.maximize(gain)
    else:
        model.minimize(big * sum(w * u for w, u in short_terms) + cost)
    for lit in lits.values():
        model.add(lit == 1)
        if hinted:
            model.add_hint(lit, True)

    solver = cp_solver(time_limit, num_workers, seed, deterministic_time)
    if mode == "expected_service":
        solver.parameters.linearization_level = 2  # the gain's lines are an exact LP
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE or status == cp_model.MODEL_INVALID:
        _diagnose(model, lits, time_limit)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise OptionError(
            f"no schedule was found within time_limit={time_limit:g} seconds (the solver "
            "neither found one nor proved there is none); give more time."
        )
    bound = float(solver.best_objective_bound)
    if status != cp_model.OPTIMAL and mode != "expected_service" and len(block) > 1:
        # a search of several days stopped by its limit may not have solved the linear
        # relaxation yet: HiGHS solves it in a moment, and its optimum is a bound as well
        bound = max(bound, _lp_bound(model, {lit.index for lit in lits.values()}))
    return {
        "counts": {k: int(solver.value(v)) for k, v in x.items()},
        "breaks": {k: int(solver.value(v)) for k, v in b.items()},
        "per_week": {k: sum(int(solver.value(y)) for y in ys) for k, ys in per_week.items()},
        "objective": float(solver.objective_value),
        "bound": bound,
        "optimal": status == cp_model.OPTIMAL,
        "big": big,
        "gain": float(solver.value(gain)) if gain_terms else 0.0,
        "gain_bound": float(solver.best_objective_bound) if gain_terms else 0.0,
    }


def _lp_bound(model, fixed: set[int]) -> float:
    """The optimum of the linear relaxation of a minimising model (HiGHS, through SciPy), a lower
    bound on its objective; linear constraints enforced by other literals are left out, which
    only relaxes it further. ``-inf`` when the relaxation is not solved."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_matrix

    proto = model.proto
    domains = [list(v.domain) for v in proto.variables]
    lo = np.array([d[0] for d in domains], float)
    hi = np.array([d[-1] for d in domains], float)
    rows, cols, vals, low, high = [], [], [], [], []
    for ct in proto.constraints:
        if not ct.has_linear() or not set(ct.enforcement_literal) <= fixed:
            continue
        lin = ct.linear
        r = len(low)
        rows += [r] * len(lin.vars)
        cols += list(lin.vars)
        vals += list(lin.coeffs)
        dom = list(lin.domain)
        low.append(dom[0] if dom[0] > -(2**62) else -np.inf)
        high.append(dom[-1] if dom[-1] < 2**62 else np.inf)
    c = np.zeros(len(lo))
    for v, k in zip(proto.objective.vars, proto.objective.coeffs, strict=True):
        c[v] += k
    a = csr_matrix((vals, (rows, cols)), shape=(len(low), len(lo)))
    res = milp(
        c, constraints=LinearConstraint(a, low, high), bounds=Bounds(lo, hi),
        integrality=np.zeros(len(lo)), options={"time_limit": 30.0},
    )  # fmt: skip
    if res.status != 0 or res.fun is None:
        return -np.inf
    return float(res.fun) + float(proto.objective.offset) - 1e-6


def _greedy(
    cands: list[_Candidate],
    rows: list[dict[int, int]],
    need: np.ndarray,
    need_units: np.ndarray,
    block: set[int],
    spans,
) -> tuple[dict, dict]:
    """A covering schedule built cell by cell: where the agents working fall short, as many
    agents as needed start the latest full-length shift that works through that cell, their
    breaks spread over the starts that leave the cell alone. Adding agents never takes cover
    away, so it covers every cell some shift can reach, with no part-time shift at all."""
    nq, n_cells = need_units.shape
    longest = max((c.length for c in cands if c.day in block), default=0)
    counts: dict = {}
    breaks: dict = {}
    for q in range(nq):
        reach = need[q] > 0
        options = [
            ci
            for ci, c in enumerate(cands)
            if c.day in block and c.length == longest and any(reach[t] for t in rows[ci])
        ]
        options.sort(key=lambda ci: -cands[ci].start)
        covered = np.zeros(n_cells, np.int64)
        for t in range(n_cells):
            short = int(need_units[q, t] - covered[t])
            if short <= 0:
                continue
            for ci in options:
                c = cands[ci]
                span = spans(c.start, c.length)
                if t not in span:
                    continue
                free = [
                    [o for o in offsets if t not in spans(c.start + o, length)]
                    for length, offsets, _paid in c.breaks
                ]
                if not all(free):
                    continue
                k = -(-short // span[t])
                counts[q, ci] = counts.get((q, ci), 0) + k
                for cell, coef in span.items():
                    covered[cell] += k * coef
                for kk, ((length, _offsets, _paid), os_) in enumerate(
                    zip(c.breaks, free, strict=True)
                ):
                    for i in range(k):  # the agents' breaks spread over the free starts
                        o = os_[(i + counts[q, ci]) % len(os_)]
                        breaks[q, ci, kk, o] = breaks.get((q, ci, kk, o), 0) + 1
                        for cell, coef in spans(c.start + o, length).items():
                            covered[cell] -= coef
                break
    return counts, breaks


def work_limit(time_limit: float, num_workers: int, deterministic_time: float | None):
    """The deterministic work limit of a search: the one given, else with one worker a fifth of
    ``time_limit`` (on a 2-core machine a unit takes one to two seconds), so that a schedule or a
    roster is the same on every run; several workers share what they find by the clock and get
    none unless given."""
    if deterministic_time is None and num_workers == 1:
        return time_limit / 5.0
    return deterministic_time


def cp_solver(time_limit: float, num_workers: int, seed: int, deterministic_time: float | None):
    """A CP-SAT solver with the search limits every shift and roster model takes."""
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = int(num_workers)
    solver.parameters.random_seed = int(seed)
    if deterministic_time is not None:
        solver.parameters.max_deterministic_time = float(deterministic_time)
    return solver


def _patterns(ds: list[int], k: int):
    import itertools

    return (set(p) for p in itertools.combinations(ds, k))


def _coverage(
    problem: _Problem,
    need: np.ndarray,
    cands: list[_Candidate],
    counts: dict,
    breaks: dict,
    g: int,
    within: str,
) -> tuple[pl.DataFrame, float, np.ndarray]:
    """Per queue and interval: agents working on average and at the thinnest moment, on shift,
    and the surplus the rule ``within`` judges by; the agent-hours short; and the agents working
    in every slot of ``g`` minutes (queues x slots)."""
    minutes = problem.minutes
    nq, n = need.shape
    per = minutes // g
    slots = np.zeros((nq, n * per))
    on_shift = np.zeros((nq, n))
    for (q, ci), k in counts.items():
        c = cands[ci]
        slots[q, c.start // g : (c.start + c.length) // g] += k
        for t in _cover_row(c.start, c.length, minutes, n):
            on_shift[q, t] += k
    for (q, ci, kk, o), k in breaks.items():
        c = cands[ci]
        slots[q, (c.start + o) // g : (c.start + o + c.breaks[kk][0]) // g] -= k
    slots = slots[:, : n * per].reshape(nq, n, per)
    working, fewest = slots.mean(axis=2), slots.min(axis=2)
    ts = interval_starts(problem)
    frames = []
    for q, name in enumerate(problem.queues):
        judged = fewest[q] if within == "always" else working[q]
        frames.append(
            pl.DataFrame(
                {
                    "interval_start": ts,
                    "queue": [name] * n,
                    "required": need[q],
                    "working": working[q],
                    "working_min": fewest[q],
                    "on_shift": on_shift[q].astype(np.int64),
                    "surplus": judged - need[q],
                }
            )
        )
    if within == "always":
        short = np.clip(np.ceil(need - 1e-9)[:, :, None] - slots, 0, None).sum() * g / 60.0
    else:
        short = np.clip(need - working, 0, None).sum() * minutes / 60.0
    working_slots = np.rint(slots.reshape(nq, n * per)).astype(np.int64)
    return pl.concat(frames), float(short), working_slots


def conflict(model, lits: list, time_limit: float) -> list[int] | None:
    """Positions in ``lits`` of a set of rule groups that cannot all hold: the model is solved
    again with the groups' literals as assumptions, and CP-SAT names a sufficient set of them.
    In ``model`` each literal is fixed to 1 by a one-variable constraint; the copy frees them."""
    from ortools.sat.python import cp_model

    probe = model.clone()
    probe.clear_objective()
    ids = {lit.index for lit in lits}
    for ct in probe.proto.constraints:
        lin = ct.linear
        fixing = ct.has_linear() and len(lin.vars) == 1 and lin.vars[0] in ids
        if fixing and list(lin.domain) == [1, 1] and not ct.enforcement_literal:
            lin.domain[0] = 0  # lit == 1 becomes 0 <= lit <= 1
    probe.add_assumptions(lits)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = 1
    if solver.solve(probe) != cp_model.INFEASIBLE:
        return None
    chosen = set(solver.sufficient_assumptions_for_infeasibility())
    return [i for i, lit in enumerate(lits) if lit.index in chosen]


def _diagnose(model, lits: dict, time_limit: float) -> None:
    """Name the groups of rules in conflict, then refuse."""
    names = list(lits)
    found = conflict(model, list(lits.values()), time_limit)
    core = [names[i] for i in found or []]
    if core:
        words = " together with ".join(GROUPS[k] for k in core)
        raise OptionError(
            f"no schedule keeps the rules: {words} cannot all hold. Relax one of them "
            "(for example raise the limit, lower the requirement, or allow more shifts)."
        )
    raise OptionError("no schedule keeps the rules and covers the requirement.")
