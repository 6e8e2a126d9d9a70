"""Staffing: Erlang C and Erlang A, agents required with uncertainty, plans and their backtest.

From a volume forecast to agents per queue and interval: Erlang C (no abandonment) or Erlang A
(callers hang up after an exponential patience), a service-level or ASA target, an occupancy cap,
shrinkage and chat concurrency; agents at each quantile of the forecast and the probability of
missing the target at a headcount; a plan export for a scheduling tool; and a backtest that
replays a past period's arrivals against the planned agents in a queue simulation. From agents
per interval to shifts: how many agents start each shift, with their breaks
(:func:`schedule_shifts`, CP-SAT), and which agent works which shift (:func:`roster`).

A plan in a notebook (the forecast from :func:`cxlab.forecast.refresh`)::

    settings = cx.staffing.queue_settings(cx.load("queues"), cx.load("contacts", start=...),
                                          shrinkage=0.3, max_occupancy=0.85)
    staffing = cx.staffing.plan(forecast, every="30m", settings=settings)
    staffing.export("outputs/staffing_plan")       # CSV + parquet for a scheduling tool
    replay = cx.staffing.backtest(staffing_of_a_past_week, cx.load("contacts", start=..., end=...))
    rules = cx.staffing.ShiftRules(lengths=(8, 4), breaks=(cx.staffing.Break(15, window=(90, 150)),))
    # or the workspace's, from [shifts] in cxlab.toml: rules, rr = cx.staffing.shift_rules()
    shifts = cx.staffing.schedule_shifts(staffing, rules, time_limit=60)
    rota = cx.staffing.roster(shifts, cx.load("agents").collect(), contracted_hours=40)

Examples
--------
>>> import cxlab as cx
>>> cx.staffing.agents_required(100, every="30m", aht_seconds=180, sl_target=0.8, sl_seconds=20).agents
14
"""

from cxlab.staffing._backtest import StaffingBacktest, abandonment_targets, backtest
from cxlab.staffing._erlang import asa, erlang_b, erlang_c, occupancy, service_level
from cxlab.staffing._erlang_a import ErlangA, erlang_a
from cxlab.staffing._patience import PatienceEstimate, patience
from cxlab.staffing._plan import StaffingPlan, plan
from cxlab.staffing._required import Requirement, agents_required
from cxlab.staffing._roster import Roster, RosterRules, roster
from cxlab.staffing._settings import QueueSettings, queue_settings
from cxlab.staffing._shift_config import shift_rules
from cxlab.staffing._shift_eval import ShiftEvaluation, evaluate_shifts
from cxlab.staffing._shift_rules import Break, ShiftRules
from cxlab.staffing._shifts import ShiftSchedule, schedule_shifts
from cxlab.staffing._simulate import QueueOutcome, fifo_queue, simulate_erlang_a

__all__ = [
    "Break",
    "ErlangA",
    "PatienceEstimate",
    "QueueOutcome",
    "QueueSettings",
    "Requirement",
    "Roster",
    "RosterRules",
    "ShiftEvaluation",
    "ShiftRules",
    "ShiftSchedule",
    "StaffingBacktest",
    "StaffingPlan",
    "abandonment_targets",
    "agents_required",
    "asa",
    "backtest",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "evaluate_shifts",
    "fifo_queue",
    "occupancy",
    "patience",
    "plan",
    "queue_settings",
    "roster",
    "schedule_shifts",
    "service_level",
    "shift_rules",
    "simulate_erlang_a",
]
