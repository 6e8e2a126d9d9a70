"""How the staffing room speaks to a reader: its labels, the units of its columns, and charts
that break where a queue is closed."""

from __future__ import annotations

import datetime as dt
import itertools

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
        "aht_seconds": N_("Average handle time"),
        "concurrency": N_("Chats at once per agent"),
        "sl_target": N_("Service-level target"),
        "sl_seconds": N_("Answered within"),
        "patience_seconds": N_("Mean patience before hanging up"),
        "queue_model": N_("Queue model"),
        "erlang_a": N_("Erlang A (callers hang up)"),
        "erlang_c": N_("Erlang C (nobody hangs up)"),
        "peak_ts": N_("Half-hour needing the most agents"),
        "peak_agents": N_("Agents then"),
        "agent_hours": N_("Agent-hours on duty"),
        "scheduled_hours": N_("Agent-hours to schedule"),
        "offered": N_("Contacts"),
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
        "aht_seconds": "seconds",
        "sl_target": "share",
        "sl_seconds": "seconds",
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


def interval_words(minutes: float) -> str:
    """The length of an interval in words: "half-hour", "quarter-hour", "hour", "20-minute"."""
    named = {15: _("quarter-hour"), 30: _("half-hour"), 60: _("hour")}
    return named.get(round(minutes), _("{n}-minute interval").format(n=round(minutes)))


def queue_words(series_id: object) -> str:
    """A queue's name for a reader ("all" is every queue together)."""
    from cxlab._present import label

    return _("All queues") if series_id == "all" else label(series_id)


def family_color(series_id: object, index: int = 0) -> str:
    """The colour of a queue's channel when its name starts with it (``phone_orders``)."""
    from cxlab.viz import color_for

    return color_for(str(series_id).split("_")[0], index=index)


def with_gaps(ts: list, *columns: list) -> tuple[list, ...]:
    """``ts`` and its columns with a ``None`` point after the last interval before a closure,
    so a line never joins a queue's closing time to its next opening."""
    diffs = [b - a for a, b in itertools.pairwise(ts) if b > a]
    if not diffs:
        return (list(ts), *[list(c) for c in columns])
    step: dt.timedelta = min(diffs)
    out_x: list = [ts[0]]
    out_cols: list[list] = [[c[0]] for c in columns]
    for i in range(1, len(ts)):
        if ts[i] - ts[i - 1] > step:
            out_x.append(ts[i - 1] + step)
            for col in out_cols:
                col.append(None)
        out_x.append(ts[i])
        for col, src in zip(out_cols, columns, strict=True):
            col.append(src[i])
    return (out_x, *out_cols)


def closed_hours(ts: list) -> list[dict] | None:
    """Plotly range breaks that fold the hours every day is closed out of a time axis."""
    if not ts:
        return None
    diffs = [b - a for a, b in itertools.pairwise(ts) if b > a]
    step = min(diffs) if diffs else dt.timedelta(minutes=30)
    minutes = {t.hour * 60 + t.minute for t in ts}
    first = min(minutes) / 60
    last = (max(minutes) + step.total_seconds() / 60) / 60
    if first <= 0 and last >= 24:
        return None
    return [dict(pattern="hour", bounds=[last, first])]


def fade(color: str, alpha: float) -> str:
    c = color.lstrip("#")
    r, g, b = (int(c[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


def step_band(ts: list, low: list, high: list) -> tuple[list, list]:
    """``x, y`` of a filled step range (each interval flat over its length) that stops where the
    queue is closed: one outline per open stretch, separated by ``None``, for ``fill="toself"``."""
    diffs = [b - a for a, b in itertools.pairwise(ts) if b > a]
    step = min(diffs) if diffs else dt.timedelta(minutes=30)
    xs: list = []
    ys: list = []
    start = 0
    for i in range(1, len(ts) + 1):
        if i == len(ts) or ts[i] - ts[i - 1] > step:
            upper_x, upper_y, lower_x, lower_y = [], [], [], []
            for j in range(start, i):
                # the flat step ends just before the next interval: a closing time such as
                # 22:00 lies inside the axis break of the closed hours
                end = ts[j] + step - dt.timedelta(seconds=1)
                upper_x += [ts[j], end]
                upper_y += [high[j], high[j]]
                lower_x += [ts[j], end]
                lower_y += [low[j], low[j]]
            if xs:
                xs.append(None)
                ys.append(None)
            xs += upper_x + lower_x[::-1]
            ys += upper_y + lower_y[::-1]
            start = i
    return xs, ys


def date_ticks() -> str | None:
    """Plotly's tick format for dates in the report's language (plotly itself writes English)."""
    from cxlab._present import language

    return "%-m月%-d日" if language() == "zh" else None
