"""Customers, agents and contacts, simulated month by month so that churn follows experience.

Arrivals are a non-homogeneous Poisson process per queue (the planted intensity). Agents on shift
per half hour follow a plan made from a flattened forecast, so peaks and the first and last open
hour are understaffed; the waits and abandonment of phone and chat contacts (exponential patience)
come from simulating the first-come-first-served queue under those shifts with
:func:`cxlab._queue.fifo_queue`, the simulator the staffing backtests use. Customers are drawn for each arrival from
those still active, contacts get their outcomes (handle time, transfers, first-contact resolution,
complaints, CSAT), unresolved contacts bring repeat contacts, and each month's churn and downgrade
hazards depend on the 90 days of experience before the month (piecewise-constant Cox hazards).

Only the arrivals and the queue simulation span the whole period (a few numbers per contact); the
contacts' other columns are drawn one month at a time and handed to the caller, which writes and
frees them, so memory holds one month of contacts plus what crosses months: the customers, the
90-day history that drives churn, and the arrivals not yet reached.
"""

from __future__ import annotations

import ctypes
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cxlab._queue import fifo_queue
from cxlab.data._synth import _experiments as X
from cxlab.data._synth._calendar import BIN_MINUTES, Event, Grid
from cxlab.data._synth._config import (
    COMPLAINT_HANDLE,
    COMPLAINT_HOURS,
    COMPLAINT_MIX,
    COMPLAINT_RATE,
    FIRST_RESPONSE_MEAN,
    HANDLE_CATEGORY,
    HANDLE_MEDIAN,
    KPI_DRIFT,
    KPI_ORIGIN,
    MEAN_PATIENCE,
    QUEUES,
    REGIONS,
    TAXONOMY,
    SynthConfig,
)

L1 = tuple(TAXONOMY)
CSAT_CUTS = np.array([-1.3, -0.2, 0.8, 2.0])
CSAT_COEF = {"fcr": 1.1, "log1p_wait_minutes": -0.30, "transfers": -0.35, "intercept": 1.7}
CSAT_RESPONSE_RATE = 0.3
FCR_BASE = {"Orders": 0.81, "Billing": 0.76, "Technical": 0.70, "Account": 0.84}
FCR_TRANSFER = -0.08
FCR_COMPLAINT = -0.10
FCR_CAP = (0.30, 0.87)
REPEAT_PROB = 0.6
TRANSFER_RATE = {"phone": 0.22, "chat": 0.12, "email": 0.05, "social": 0.08}


@dataclass
class Customers:
    ids: np.ndarray
    segment: np.ndarray  # "enterprise" / "individual"
    tier: np.ndarray
    region: np.ndarray  # index into regions
    contract: np.ndarray
    monthly_value: np.ndarray
    signup: np.ndarray  # datetime64[us] (UTC midnight of the signup date)
    weight: np.ndarray
    churn: np.ndarray  # datetime64[us], NaT when none
    downgrade: np.ndarray


@dataclass
class Agents:
    ids: np.ndarray
    channel: np.ndarray
    team: np.ndarray
    site: np.ndarray
    hired_on: np.ndarray
    fcr: np.ndarray
    handle: np.ndarray
    csat: np.ndarray
    qa: np.ndarray


def make_customers(
    config: SynthConfig, rng: np.random.Generator, start: np.datetime64, end: np.datetime64
) -> Customers:
    n = config.spec.customers
    regions = REGIONS[config.country]
    enterprise = rng.random(n) < 0.15
    segment = np.where(enterprise, "enterprise", "individual")
    tier = np.where(
        enterprise,
        rng.choice(["gold", "silver", "bronze"], n, p=[0.45, 0.40, 0.15]),
        rng.choice(["gold", "silver", "bronze"], n, p=[0.10, 0.35, 0.55]),
    )
    region_p = rng.dirichlet(np.full(len(regions), 4.0))
    region = rng.choice(len(regions), n, p=region_p)
    contract = np.where(
        enterprise,
        rng.choice(["monthly", "annual", "two_year"], n, p=[0.2, 0.5, 0.3]),
        rng.choice(["monthly", "annual", "two_year"], n, p=[0.55, 0.35, 0.10]),
    )
    tier_value = {"gold": 420.0, "silver": 180.0, "bronze": 70.0}
    base = np.vectorize(tier_value.get)(tier) * np.where(enterprise, 6.0, 1.0)
    monthly_value = np.round(base * rng.lognormal(0, 0.35, n), 2)
    span_days = int((end - start) / np.timedelta64(1, "D"))
    before = rng.random(n) < 0.85
    offset = np.where(
        before, -rng.integers(1, 4 * 365, n), rng.integers(0, max(span_days - 30, 1), n)
    )
    signup = start.astype("datetime64[D]") + offset.astype("timedelta64[D]")
    weight = np.where(enterprise, 2.5, 1.0) * rng.gamma(2.0, 0.5, n)
    nat = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    return Customers(
        ids=np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), 7)),
        segment=segment,
        tier=tier,
        region=region,
        contract=contract,
        monthly_value=monthly_value,
        signup=signup.astype("datetime64[us]"),
        weight=weight,
        churn=nat.copy(),
        downgrade=nat.copy(),
    )


# -- staffing and queueing --------------------------------------------------------------------


@dataclass
class Staffing:
    interval_start: np.ndarray  # datetime64[us] per half hour
    agents: dict[str, np.ndarray]  # queue -> agents on shift per half hour


def plan_staffing(
    grid: Grid, rates: dict[str, np.ndarray], plain_rates: dict[str, np.ndarray]
) -> Staffing:
    """Agents per half hour from a flattened plan (peaks and shoulders are understaffed)."""
    per = int(30 / BIN_MINUTES)
    n = len(grid.start_utc) // per
    start = grid.start_utc[: n * per : per]
    hours = grid.local_hour[: n * per : per]
    agents = {}
    for q in QUEUES:
        plain = plain_rates[q.queue][: n * per].reshape(n, per).sum(1) / 1800.0  # per second
        day = plain.reshape(-1, 48)
        open_ = (hours.reshape(-1, 48) >= q.open_hour) & (hours.reshape(-1, 48) < q.close_hour)
        mean_open = np.where(open_, day, np.nan)
        mean_open = np.nanmean(
            np.where(open_.any(1, keepdims=True), mean_open, 0.0), axis=1, keepdims=True
        )
        planned = 0.6 * day + 0.4 * np.nan_to_num(mean_open)
        shoulder = (hours.reshape(-1, 48) < q.open_hour + 1) | (
            hours.reshape(-1, 48) >= q.close_hour - 1
        )
        planned = np.where(shoulder, 0.7 * planned, planned)
        aht = HANDLE_MEDIAN[q.channel] * np.exp(0.5**2 / 2)
        traffic = planned * aht / q.concurrency
        staff = np.ceil(traffic / 0.78 + 0.8 * np.sqrt(traffic))
        staff = np.where(open_, np.maximum(staff, 1), 0).reshape(-1)
        agents[q.queue] = staff.astype(int)
    return Staffing(start, agents)


def draw_arrivals(
    rng: np.random.Generator, grid: Grid, rates: dict[str, np.ndarray]
) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """Arrival times per queue (Poisson counts per bin, uniform times inside the bin), each queue
    sorted by time (stably), with the local hour of each arrival for the queues whose first
    response waits for opening hours (``None`` for the others)."""
    arrived, hours = [], []
    for q in QUEUES:
        counts = rng.poisson(rates[q.queue])
        reps = np.repeat(np.arange(len(counts)), counts)
        offs = rng.random(len(reps)) * BIN_MINUTES * 60
        times = grid.start_utc[reps] + (offs * 1e6).astype("timedelta64[us]")
        order = np.argsort(times, kind="stable")
        arrived.append(times[order])
        hours.append(
            (grid.local_hour[reps] + offs / 3600)[order]
            if q.channel in FIRST_RESPONSE_MEAN
            else None
        )
    return arrived, hours


def queue_waits(
    rng: np.random.Generator,
    arrived: np.ndarray,
    hours: np.ndarray | None,
    qi: int,
    staffing: Staffing,
) -> tuple[np.ndarray, np.ndarray]:
    """Wait seconds and abandonment of the sorted arrivals of queue ``qi``: a first response
    within opening hours (email, social), or a queue simulation (phone, chat)."""
    q = QUEUES[qi]
    if not len(arrived):
        return np.zeros(0), np.zeros(0, bool)
    if q.channel in FIRST_RESPONSE_MEAN:
        h = hours
        closed_for = np.where(
            h < q.open_hour,
            q.open_hour - h,
            np.where(h >= q.close_hour, 24 - h + q.open_hour, 0.0),
        )
        wait = closed_for * 3600 + rng.exponential(FIRST_RESPONSE_MEAN[q.channel], len(arrived))
        return np.round(wait, 1), np.zeros(len(arrived), bool)
    seconds = (arrived - staffing.interval_start[0]) / np.timedelta64(1, "s")
    slot = np.clip((seconds // 1800).astype(int), 0, len(staffing.interval_start) - 1)
    service = HANDLE_MEDIAN[q.channel] * rng.lognormal(0.05, 0.5, len(arrived))
    patience = rng.exponential(MEAN_PATIENCE[q.channel], len(arrived))
    servers = staffing.agents[q.queue] * q.concurrency
    out = fifo_queue(
        seconds, service, patience, slot=slot, servers=servers, interval_seconds=1800.0
    )
    return np.round(out.wait, 1), out.abandoned


def arrivals_by_month(
    rng: np.random.Generator,
    grid: Grid,
    rates: dict[str, np.ndarray],
    staffing: Staffing,
    months: np.ndarray,
    end: np.datetime64,
) -> list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """Every arrival with its wait and abandonment, cut by UTC month: ``[month][queue]`` holds
    that queue's (arrival times, wait seconds, abandoned) in the month, in time order.

    The queue simulation runs over the whole period (a queue's state crosses midnight and
    months); only these three numbers per contact are kept for the months ahead.
    """
    arrived, hours = draw_arrivals(rng, grid, rates)
    bounds = np.append(months, end)
    out: list[list] = [[] for _ in months]
    for qi in range(len(QUEUES)):
        a, h = arrived[qi], hours[qi]
        arrived[qi] = hours[qi] = None  # type: ignore[call-overload]
        wait, gone = queue_waits(rng, a, h, qi, staffing)
        cut = np.searchsorted(a, bounds)
        for mi in range(len(months)):
            lo, hi = cut[mi], cut[mi + 1]
            out[mi].append((a[lo:hi].copy(), wait[lo:hi].copy(), gone[lo:hi].copy()))
    release_memory()
    return out


def month_arrivals(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, ...]:
    """One month's arrivals of every queue in time order (queue order among equal times):
    (arrival times, queue index, wait seconds, abandoned)."""
    arrived = np.concatenate([p[0] for p in parts])
    order = np.argsort(arrived, kind="stable")
    qidx = np.concatenate([np.full(len(p[0]), qi, np.int8) for qi, p in enumerate(parts)])
    wait = np.concatenate([p[1] for p in parts])
    gone = np.concatenate([p[2] for p in parts])
    return arrived[order], qidx[order], wait[order], gone[order]


def release_memory() -> None:
    """Give freed memory back to the system where the C library can (glibc's ``malloc_trim``).

    A month's arrays, tens of MB each, are freed and allocated again every month; glibc keeps
    such freed blocks in its heap, so without this the process grows by what fragmentation
    leaves behind. Elsewhere (or without glibc) this does nothing.
    """
    global _TRIM
    if _TRIM is None:
        try:
            _TRIM = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _TRIM = False
    if _TRIM:
        _TRIM(0)


_TRIM = None


# -- month by month ---------------------------------------------------------------------------


def churn_covariates(
    config: SynthConfig, cust: Customers, hist: dict[str, np.ndarray], at: np.datetime64
) -> dict[str, np.ndarray]:
    """The planted covariates of every customer at ``at``, from the 90 days of contacts before it."""
    n = len(cust.ids)
    window = np.timedelta64(config.churn.window_days, "D")
    if hist["customer"].size:
        inside = (hist["arrived"] >= at - window) & (hist["arrived"] < at)
        c = hist["customer"][inside]
        unresolved = np.bincount(c, weights=hist["unresolved_complaint"][inside], minlength=n) > 0
        abandoned = np.minimum(np.bincount(c, weights=hist["abandoned"][inside], minlength=n), 5)
        low = np.bincount(c, weights=hist["low_csat"][inside], minlength=n) > 0
        transfers = np.minimum(np.bincount(c, weights=hist["transfers"][inside], minlength=n), 5)
    else:
        unresolved = low = np.zeros(n, bool)
        abandoned = transfers = np.zeros(n)
    return {
        "unresolved_complaint": unresolved.astype(float),
        "abandoned_contacts": abandoned.astype(float),
        "low_csat": low.astype(float),
        "transfers": transfers.astype(float),
        "segment_enterprise": (cust.segment == "enterprise").astype(float),
        "contract_annual": (cust.contract == "annual").astype(float),
        "contract_two_year": (cust.contract == "two_year").astype(float),
        "value_tier_gold": (cust.tier == "gold").astype(float),
    }


def draw_exits(
    config: SynthConfig,
    rng: np.random.Generator,
    cust: Customers,
    x: dict[str, np.ndarray],
    lo: np.datetime64,
    hi: np.datetime64,
) -> None:
    """Churn and downgrade within [lo, hi) for customers still at risk (competing events)."""
    at_risk = np.isnat(cust.churn) & np.isnat(cust.downgrade) & (cust.signup < hi)
    idx = np.flatnonzero(at_risk)
    if not len(idx):
        return
    spec = config.churn
    lp_c = sum(b * x[k][idx] for k, b in spec.log_hr.items())
    lp_d = sum(b * x[k][idx] for k, b in spec.downgrade_log_hr.items())
    begin = np.maximum(cust.signup[idx], lo)
    days = (hi - begin) / np.timedelta64(1, "D")
    t_c = rng.exponential(1 / (spec.base_daily * np.exp(lp_c)))
    t_d = rng.exponential(1 / (spec.downgrade_base_daily * np.exp(lp_d)))
    first = np.minimum(t_c, t_d)
    happens = first < days
    when = begin + (first * 86400e6).astype("timedelta64[us]")
    churned = happens & (t_c <= t_d)
    downgraded = happens & (t_d < t_c)
    cust.churn[idx[churned]] = when[churned]
    cust.downgrade[idx[downgraded]] = when[downgraded]


def assign_customers(rng: np.random.Generator, cust: Customers, arrived: np.ndarray) -> np.ndarray:
    """A customer for each arrival, by contact propensity, among those active at that moment."""
    p = cust.weight / cust.weight.sum()
    out = rng.choice(len(cust.ids), len(arrived), p=p)
    for _ in range(30):
        c = cust.churn[out]
        bad = (cust.signup[out] > arrived) | (~np.isnat(c) & (c <= arrived))
        if not bad.any():
            break
        out[bad] = rng.choice(len(cust.ids), bad.sum(), p=p)
    return out


def population(
    config: SynthConfig,
    rng: np.random.Generator,
    grid: Grid,
    rates: dict[str, np.ndarray],
    plain_rates: dict[str, np.ndarray],
) -> tuple[Customers, Staffing, Agents]:
    """The customers, the staffing plan and the agents (before any contact)."""
    start = grid.start_utc[0]
    end = grid.start_utc[-1] + np.timedelta64(BIN_MINUTES, "m")
    cust = make_customers(config, rng, start, end)
    staffing = plan_staffing(grid, rates, plain_rates)
    agents = make_agents(config, rng, staffing)
    return cust, staffing, agents


def simulate(
    config: SynthConfig,
    rng: np.random.Generator,
    grid: Grid,
    rates: dict[str, np.ndarray],
    cust: Customers,
    staffing: Staffing,
    agents: Agents,
    events: list[Event],
    plan: X.Plan,
    emit: Callable[[dict[str, np.ndarray]], None],
) -> tuple[dict, dict]:
    """Simulate the contacts month by month (after :func:`population`).

    ``emit`` receives each month's contacts (column arrays in the order of the contacts table:
    by arrival time, then queue) and may write and drop them. The customers' churn and
    downgrade dates are filled in. Returns the sample effects of the experiments and their arms.
    """
    start = grid.start_utc[0]
    end = grid.start_utc[-1] + np.timedelta64(BIN_MINUTES, "m")
    regions = REGIONS[config.country]

    # covariates refresh on the first of every month, the last (partial) month included
    last_month = (end - np.timedelta64(1, "us")).astype("datetime64[M]")
    months = np.arange(start.astype("datetime64[M]"), last_month + 1).astype("datetime64[us]")
    # arrivals: Poisson counts per bin, uniform times inside the bin; waits from the queues
    arrivals = arrivals_by_month(rng, grid, rates, staffing, months, end)

    region_of_pilot = np.full(len(regions), np.datetime64("NaT"), dtype="datetime64[us]")
    for r, when in plan.pilot_cohorts.items():
        region_of_pilot[regions.index(r)] = when
    sc_region = regions.index(plan.sc_region)
    ab_treated = rng.random(len(cust.ids)) < 0.5
    agent_treated = rng.random(len(agents.ids)) < 0.5
    region_fcr = rng.normal(0, 0.03, len(regions))
    events_recall = [e for e in events if e.complaint_lift]

    window = np.timedelta64(config.churn.window_days, "D")
    hist = {
        k: np.zeros(0)
        for k in ("arrived", "unresolved_complaint", "abandoned", "low_csat", "transfers")
    }
    hist["customer"] = np.zeros(0, int)
    hist["arrived"] = np.zeros(0, "datetime64[us]")
    effects = {
        k: []
        for k in (
            "ab_fcr",
            "ab_aht",
            "ab_csat",
            "agent_csat",
            "agent_aht",
            "sc_aht",
            "its_transfers",
        )
    }
    for mi, m0 in enumerate(months):
        m1 = months[mi + 1] if mi + 1 < len(months) else end
        x = churn_covariates(config, cust, hist, m0)
        draw_exits(config, rng, cust, x, m0, m1)
        arrived, qidx, wait, abandoned = month_arrivals(arrivals[mi])
        arrivals[mi] = []  # this month's arrivals are now the contacts below
        qidx = qidx.astype(int)
        m = len(arrived)
        customer = assign_customers(rng, cust, arrived)
        channel = np.array([q.channel for q in QUEUES])[qidx]
        # categories from the queue's mix
        l1 = np.empty(m, object)
        for qi, q in enumerate(QUEUES):
            mine = qidx == qi
            l1[mine] = rng.choice(list(q.categories), mine.sum(), p=list(q.categories.values()))
        l2 = np.empty(m, object)
        l3 = np.empty(m, object)
        for c1, subs in TAXONOMY.items():
            mine = np.flatnonzero(l1 == c1)
            pick2 = rng.choice(list(subs), len(mine))
            l2[mine] = pick2
            for c2, leaves in subs.items():
                mm = mine[pick2 == c2]
                l3[mm] = rng.choice(list(leaves), len(mm))
        # repeat contacts: an unresolved contact claims a later arrival of the same queue
        # for the same customer and topic (resolved in two rounds below)
        outcome = _outcomes(
            rng,
            config,
            arrived,
            qidx,
            channel,
            l1,
            customer,
            cust,
            agents,
            wait,
            abandoned,
            plan,
            region_of_pilot,
            sc_region,
            ab_treated,
            agent_treated,
            region_fcr,
            events_recall,
            effects,
        )
        repeat = np.zeros(m, bool)  # a repeat of an unresolved contact (for the notes)
        for _ in range(2):
            claim_from, claim_to = _claims(rng, arrived, qidx, outcome)
            if not len(claim_to):
                break
            customer[claim_to] = customer[claim_from]
            repeat[claim_to] = True
            l1[claim_to], l2[claim_to], l3[claim_to] = (
                l1[claim_from],
                l2[claim_from],
                l3[claim_from],
            )
            again = _outcomes(
                rng,
                config,
                arrived[claim_to],
                qidx[claim_to],
                channel[claim_to],
                l1[claim_to],
                customer[claim_to],
                cust,
                agents,
                wait[claim_to],
                abandoned[claim_to],
                plan,
                region_of_pilot,
                sc_region,
                ab_treated,
                agent_treated,
                region_fcr,
                events_recall,
                None,
            )
            for k in outcome:
                outcome[k][claim_to] = again[k]
        unresolved = (outcome["complaint"] != "") & (outcome["fcr"] == 0)
        hist["customer"] = np.concatenate([hist["customer"], customer])
        hist["arrived"] = np.concatenate([hist["arrived"], arrived])
        hist["unresolved_complaint"] = np.concatenate([hist["unresolved_complaint"], unresolved])
        hist["abandoned"] = np.concatenate([hist["abandoned"], abandoned])
        hist["low_csat"] = np.concatenate(
            [hist["low_csat"], (outcome["csat"] > 0) & (outcome["csat"] <= 2)]
        )
        hist["transfers"] = np.concatenate([hist["transfers"], outcome["transfers"]])
        # the next month's covariates read only the window before it
        recent = hist["arrived"] >= m1 - window
        hist = {k: v[recent] for k, v in hist.items()}
        order = np.lexsort((qidx, arrived))
        columns = {
            "arrived": arrived,
            "queue": qidx,
            "channel": channel,
            "category": l1,
            "category_l2": l2,
            "category_l3": l3,
            "customer": customer,
            "wait": wait,
            "abandoned": abandoned,
            "repeat": repeat,
            **outcome,
        }
        emit({k: v[order] for k, v in columns.items()})
        del columns, outcome, arrived, qidx, wait, abandoned, customer, channel, l1, l2, l3, repeat
        release_memory()
    sample_effects = {}
    for k, parts in effects.items():
        values = np.concatenate(parts) if parts else np.zeros(0)
        sample_effects[k] = float(np.mean(values)) if len(values) else None
    arms = {"ab_treated": ab_treated, "agent_treated": agent_treated}
    return sample_effects, arms


def _claims(
    rng: np.random.Generator, arrived: np.ndarray, qidx: np.ndarray, outcome: dict
) -> tuple[np.ndarray, np.ndarray]:
    fails = np.flatnonzero((outcome["fcr"] == 0) & (rng.random(len(arrived)) < REPEAT_PROB))
    if not len(fails):
        return fails, fails
    target = arrived[fails] + (rng.exponential(1.5, len(fails)) * 86400e6).astype("timedelta64[us]")
    src, dst = [], []
    for qi in np.unique(qidx[fails]):
        pool = np.flatnonzero(qidx == qi)
        mine = fails[qidx[fails] == qi]
        pos = np.searchsorted(arrived[pool], target[qidx[fails] == qi])
        ok = pos < len(pool)
        src.append(mine[ok])
        dst.append(pool[pos[ok]])
    src = np.concatenate(src)
    dst = np.concatenate(dst)
    _, first = np.unique(dst, return_index=True)
    keep = first[~np.isin(dst[first], src)]  # a claimed arrival is not itself a claimer
    return src[keep], dst[keep]


def kpi_drift(at: np.ndarray) -> dict[str, np.ndarray]:
    """The planted trend and annual cycle of each drifting KPI at UTC times ``at``
    (see ``KPI_DRIFT``)."""
    day = np.timedelta64(86_400_000_000, "us")
    origin = np.datetime64(KPI_ORIGIN, "us")
    years = (at.astype("datetime64[us]") - origin) / day / 365.2425
    mid_january = (np.datetime64(KPI_ORIGIN.replace(day=15), "us") - origin) / day / 365.2425
    cycle = np.cos(2 * np.pi * (years - mid_january))
    return {k: v["per_year"] * years + v["season"] * cycle for k, v in KPI_DRIFT.items()}


def _outcomes(
    rng,
    config,
    arrived,
    qidx,
    channel,
    l1,
    customer,
    cust,
    agents,
    wait,
    abandoned,
    plan,
    region_of_pilot,
    sc_region,
    ab_treated,
    agent_treated,
    region_fcr,
    recalls,
    effects,
) -> dict:
    m = len(arrived)
    answered = ~abandoned
    region = cust.region[customer]
    # complaints (a recall makes product-quality complaints more frequent on the queues it touches)
    rate = np.vectorize(COMPLAINT_RATE.get, otypes=[float])(l1)
    in_recall = np.zeros(m, bool)
    for e in recalls:
        lo = np.datetime64(e.start.astimezone(dt.UTC).replace(tzinfo=None), "us")
        hi = np.datetime64(e.end.astimezone(dt.UTC).replace(tzinfo=None), "us")
        touched = np.isin(qidx, [i for i, q in enumerate(QUEUES) if e.touches(q.queue)])
        in_recall |= (arrived >= lo) & (arrived < hi) & touched
    rate = np.where(in_recall, rate * 1.5, rate)
    is_complaint = rng.random(m) < rate
    complaint = np.full(m, "", object)
    for c1, mix in COMPLAINT_MIX.items():
        mine = np.flatnonzero(is_complaint & (l1 == c1))
        kinds = list(mix)
        p = np.array(list(mix.values()))
        complaint[mine] = rng.choice(kinds, len(mine), p=p / p.sum())
        if c1 == "Technical":
            boost = mine[in_recall[mine]]
            complaint[boost] = rng.choice(
                ["product_quality", "service_attitude"], len(boost), p=[0.95, 0.05]
            )
    enterprise = cust.segment[customer] == "enterprise"
    u = rng.random(m)
    p1 = np.where(complaint != "", 0.15, 0.04) * np.where(enterprise, 2.0, 1.0)
    priority = np.where(u < p1, "P1", np.where(u < p1 + 0.25, "P2", "P3"))
    # agents
    agent = np.full(m, -1)
    for ch in np.unique(channel):
        pool = np.flatnonzero(agents.channel == ch)
        mine = np.flatnonzero((channel == ch) & answered)
        agent[mine] = rng.choice(pool, len(mine))
    ag = np.where(agent >= 0, agent, 0)
    in_ab = (arrived >= plan.ab_start) & (arrived < plan.ab_end)
    ab = in_ab & ab_treated[customer]
    in_agent = (arrived >= plan.agent_start) & (arrived < plan.agent_end) & answered
    coached = in_agent & agent_treated[ag]
    adoption = region_of_pilot[region]
    pilot = ~np.isnat(adoption) & (arrived >= adoption)
    sc = (region == sc_region) & (arrived >= plan.sc_start)
    # transfers (the IVR redesign cuts phone transfers everywhere)
    phone = channel == "phone"
    its = phone & (arrived >= plan.its_start)
    lam0 = np.vectorize(TRANSFER_RATE.get, otypes=[float])(channel) * np.where(
        l1 == "Technical", 1.5, 1.0
    )
    lam = np.where(its, lam0 * X.ITS_TRANSFERS, lam0)
    transfers = np.where(answered, rng.poisson(lam), 0)
    # handle time (potential outcomes share one draw)
    median = np.vectorize(HANDLE_MEDIAN.get, otypes=[float])(channel) * np.vectorize(
        HANDLE_CATEGORY.get, otypes=[float]
    )(l1)
    drift = kpi_drift(arrived)
    h0 = (
        median
        * np.exp(drift["handle"])
        * np.where(complaint != "", COMPLAINT_HANDLE, 1.0)
        * agents.handle[ag]
        * rng.lognormal(0, 0.5, m)
        * (1 + 0.25 * transfers)
    )
    mult = (
        np.where(ab, X.AB_HANDLE, 1.0)
        * np.where(coached, X.AGENT_HANDLE, 1.0)
        * np.where(sc, X.SC_HANDLE, 1.0)
    )
    handle = np.where(answered, np.round(h0 * mult, 1), np.nan)
    # first-contact resolution: additive probabilities, capped so planted effects stay exact
    base = np.vectorize(FCR_BASE.get, otypes=[float])(l1) + region_fcr[region] + agents.fcr[ag]
    base = base + FCR_TRANSFER * transfers + np.where(complaint != "", FCR_COMPLAINT, 0.0)
    base = base + drift["fcr"]
    p0 = np.clip(base, *FCR_CAP)
    p = p0 + np.where(ab, X.AB_FCR, 0.0) + np.where(pilot, X.PILOT_FCR, 0.0)
    fcr = np.where(answered, (rng.random(m) < p).astype(np.int8), -1)
    # CSAT: ordered logit on wait, FCR, transfers, the agent, and the planted effects
    noise = rng.logistic(0, 1, m)
    lat0 = (
        CSAT_COEF["intercept"]
        + CSAT_COEF["fcr"] * (fcr == 1)
        + CSAT_COEF["log1p_wait_minutes"] * np.log1p(wait / 60)
        + CSAT_COEF["transfers"] * transfers
        + agents.csat[ag]
        + drift["csat"]
        + noise
    )
    shift = np.where(ab, X.AB_CSAT_LATENT, 0.0) + np.where(coached, X.AGENT_CSAT_LATENT, 0.0)
    csat0 = 1 + (lat0[:, None] > CSAT_CUTS).sum(1)
    csat1 = 1 + ((lat0 + shift)[:, None] > CSAT_CUTS).sum(1)
    asked = answered & (rng.random(m) < CSAT_RESPONSE_RATE)
    csat = np.where(asked, csat1, 0)
    if effects is not None:  # sample effects over everyone exposed to the test window (both arms)
        effects["ab_fcr"].append(np.where(in_ab & answered, X.AB_FCR, np.nan)[in_ab & answered])
        effects["ab_aht"].append((h0 * X.AB_HANDLE - h0)[in_ab & answered])
        xs = in_ab & asked
        effects["ab_csat"].append(
            ((1 + ((lat0 + X.AB_CSAT_LATENT)[:, None] > CSAT_CUTS).sum(1)) - csat0)[xs]
        )
        ya = in_agent & asked
        effects["agent_csat"].append(
            ((1 + ((lat0 + X.AGENT_CSAT_LATENT)[:, None] > CSAT_CUTS).sum(1)) - csat0)[ya]
        )
        effects["agent_aht"].append((h0 * X.AGENT_HANDLE - h0)[in_agent])
        effects["sc_aht"].append((h0 * X.SC_HANDLE - h0)[sc & answered])
        effects["its_transfers"].append((lam0 * X.ITS_TRANSFERS - lam0)[its & answered])
    # resolution time
    answered_at = arrived + np.where(answered, wait * 1e6, 0).astype("timedelta64[us]")
    follow_up = rng.lognormal(np.log(2 * 86400), 0.7, m)
    comp_hours = np.vectorize(lambda c: COMPLAINT_HOURS.get(c, 24.0), otypes=[float])(complaint)
    comp_secs = rng.lognormal(np.log(comp_hours * 3600), 0.6, m)
    resolve_after = np.where(
        fcr == 1, wait + np.nan_to_num(handle), np.where(complaint != "", comp_secs, follow_up)
    )
    # a complaint is investigated: it takes its type's own time to resolve, even when the
    # first contact settled the customer's question
    resolve_after = np.where(
        complaint != "", np.maximum(comp_secs, wait + np.nan_to_num(handle)), resolve_after
    )
    resolved = answered_at + (np.nan_to_num(resolve_after - wait) * 1e6).astype("timedelta64[us]")
    resolved = np.where(answered & (resolved < plan.data_end), resolved, np.datetime64("NaT"))
    return {
        "complaint": complaint,
        "priority": priority,
        "agent": agent,
        "transfers": transfers,
        "handle": handle,
        "fcr": fcr,
        "csat": csat,
        "resolved": resolved.astype("datetime64[us]"),
        "answered_at": np.where(answered, answered_at, np.datetime64("NaT")).astype(
            "datetime64[us]"
        ),
    }


def make_agents(config: SynthConfig, rng: np.random.Generator, staffing: Staffing) -> Agents:
    ids, chans, teams, sites, hired = [], [], [], [], []
    sites_by_country = {"CN": ("Chengdu", "Wuhan"), "US": ("Austin", "Tampa")}[config.country]
    for ch in ("phone", "chat", "email", "social"):
        peak = sum(staffing.agents[q.queue].max() for q in QUEUES if q.channel == ch)
        k = int(max(6, np.ceil(peak * 1.5)))
        for i in range(k):
            ids.append(f"A-{ch[:2].upper()}{i + 1:03d}")
            chans.append(ch)
            teams.append(f"{ch}-team-{i // 10 + 1}")
            sites.append(sites_by_country[i % 2])
        hired.extend(config.start - dt.timedelta(days=int(d)) for d in rng.integers(30, 2000, k))
    n = len(ids)
    return Agents(
        ids=np.array(ids),
        channel=np.array(chans),
        team=np.array(teams),
        site=np.array(sites),
        hired_on=np.array(hired),
        fcr=rng.normal(0, 0.04, n),
        handle=rng.lognormal(0, 0.12, n),
        csat=rng.normal(0, 0.3, n),
        qa=rng.normal(0, 4, n),
    )
