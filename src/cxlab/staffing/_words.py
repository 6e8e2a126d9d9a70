"""How the staffing room speaks to a reader: its labels, the units of its columns, and charts
that break where a queue is closed."""

from __future__ import annotations

from cxlab._present import N_, _, register_labels, register_units

register_labels(
    {
        "agents_lo_80": N_("Agents, 80% low"),
        "agents_hi_80": N_("Agents, 80% high"),
        "agents_lo_95": N_("Agents, 95% low"),
        "agents_hi_95": N_("Agents, 95% high"),
        "agents_range_80": N_("80% range"),
        "scheduled": N_("Agents to schedule"),
        "headcount": N_("Agents assessed"),
        "occupancy": N_("Occupancy"),
        "p_miss_sl": N_("Chance of missing the target"),
        "mean_p_miss_sl": N_("Chance of missing the target"),
        "concurrency": N_("Chats at once per agent"),
        "patience_seconds": N_("Mean patience before giving up"),
        "queue_model": N_("Queue model"),
        "erlang_a": N_("Erlang A (callers hang up)"),
        "erlang_a_chat": N_("Erlang A (customers leave the chat)"),
        "erlang_c": N_("Erlang C (nobody hangs up)"),
        "peak_ts": N_("Half-hour needing the most agents"),
        "peak_agents": N_("Agents then"),
        "agent_hours": N_("Agent-hours on duty"),
        "scheduled_hours": N_("Agent-hours to schedule"),
        "abandoned": N_("Abandoned"),
        "intervals": N_("Half-hours with contacts"),
        "share_intervals_met": N_("Half-hours on target"),
        "actual_service_level": N_("Actual service level"),
        "actual_abandonment_rate": N_("Actual abandonment"),
        "abandons": N_("Abandons"),
        "waited_hours": N_("Hours waited"),
        "replay_service_level": N_("Service level in the replay"),
        "replay_abandonment_rate": N_("Abandonment in the replay"),
        "replay_asa": N_("Average wait"),
        "abandonment_target": N_("Abandonment target"),
        "replay_sl_target": N_("Target"),
    }
)

register_units(
    {
        "occupancy": "share",
        "p_miss_sl": "share",
        "mean_p_miss_sl": "share",
        "patience_seconds": "seconds",
        "agent_hours": "count",
        "scheduled_hours": "count",
        "service_level": "share",
        "abandonment_rate": "share",
        "asa": "seconds",
        "share_intervals_met": "share",
        "actual_service_level": "share",
        "actual_abandonment_rate": "share",
        "scheduled": "count",
        "concurrency": "count",
        "replay_service_level": "share",
        "replay_abandonment_rate": "share",
        "abandonment_target": "share",
        "replay_sl_target": "share",
        "replay_asa": "seconds",
    }
)


def duration_words(seconds: float | None) -> str:
    """A duration with the unit chosen by size and no needless decimal: "60 min", "24 h",
    "2.2 h"."""
    import re

    from cxlab._present import fmt_value

    if seconds is None:
        return "–"
    usual = fmt_value(seconds, "seconds")
    whole = fmt_value(seconds, "seconds", decimals=0)
    return whole if re.sub(r"\.0(?!\d)", "", usual) == whole else usual


def queue_words(series_id: object) -> str:
    """A queue's name for a reader ("all" is every queue together)."""
    from cxlab._present import label

    return _("All queues") if series_id == "all" else label(series_id)


def family_color(series_id: object, index: int = 0) -> str:
    """The colour of a queue's channel when its name starts with it (``phone_orders``)."""
    from cxlab.viz import color_for

    return color_for(str(series_id).split("_")[0], index=index)
