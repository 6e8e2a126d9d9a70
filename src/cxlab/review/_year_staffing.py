"""Staffing against demand over a year, by month and channel."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

import plotly.graph_objects as go
import polars as pl

from cxlab._present import (
    N_,
    Headline,
    Period,
    _,
    fmt_interval,
    fmt_list,
    fmt_month,
    fmt_value,
    label,
)
from cxlab._result import Result
from cxlab.review._year import ReviewYear
from cxlab.review._year_common import STAFFED, _month_axis, _section, _setup
from cxlab.viz import SEQUENCE


@dataclass(frozen=True)
class YearStaffing(Result):
    """Demand and staffing by month and channel: contacts offered and answered, answer rate,
    service level against its target, and the agents required at the busiest half-hour against
    the agents busy at once then. ``year`` is the year under review, with the months the data
    cover."""

    year: ReviewYear
    table: pl.DataFrame
    notes: tuple[str, ...] = field(default=())

    @property
    def title(self) -> str:
        return _("Staffing against demand, {year}").format(year=self.year.text)

    def summary(self) -> pl.DataFrame:
        return self.table

    def short_months(self, *, peak: bool = False) -> pl.DataFrame:
        """The months and channels where demand outran staffing: the month's service level below
        target while the agents required at the busiest half-hour exceeded the agents busy at
        once then (``peak=True``: the busiest half-hour's own service level below target)."""
        return self.table.filter(
            pl.col("peak_outran_staffing" if peak else "demand_outran_staffing")
        )

    def findings(self) -> list[str]:
        partial = self.year.coverage_text(compared=False)
        out = [partial] if partial else []
        t = self.table
        if t.height == 0:
            return out or [_("No contact in the year.")]
        total = t.select(pl.col("offered").sum(), pl.col("answered").sum()).row(0)
        out.append(
            _("{offered} contacts offered, {answered} answered ({rate}).").format(
                offered=fmt_value(total[0], "count"),
                answered=fmt_value(total[1], "count"),
                rate=fmt_value(total[1] / total[0] if total[0] else None, "share"),
            )
        )
        for ch in [c for c in STAFFED if c in t["channel"].to_list()]:
            rows = t.filter(pl.col("channel") == ch)
            missed = rows.filter(pl.col("service_level") < pl.col("sl_target"))
            short = rows.filter(pl.col("demand_outran_staffing"))
            target = rows["sl_target"].drop_nulls()
            if target.len() == 0:
                continue
            need, busy = rows["agents_required"].drop_nulls(), rows["agents_busy"].drop_nulls()
            if need.len() and busy.len():
                out.append(
                    _(
                        "{channel}: at the busiest half-hour of the day, agents required each "
                        "month: {need}; busy at once: {busy}; agents who handled contacts in a "
                        "month: {active}."
                    ).format(
                        channel=label(ch),
                        need=_span(need.min(), need.max()),
                        busy=_span(busy.min(), busy.max()),
                        active=_span(
                            rows["agents_active"].drop_nulls().min(),
                            rows["agents_active"].drop_nulls().max(),
                        ),
                    )
                )
            if short.height:
                out.append(
                    _(
                        "{channel}: demand outran staffing in {months}: the service level fell "
                        "below its target of {target} while more agents were needed at the "
                        "busiest half-hour than were busy then."
                    ).format(
                        channel=label(ch),
                        months=fmt_list([fmt_month(m) for m in short["month"].to_list()]),
                        target=fmt_value(target[0], "share"),
                    )
                )
            elif missed.height:
                out.append(
                    _(
                        "{channel}: the service level fell below its target of {target} in "
                        "{months}, but the agents busy at the busiest half-hour matched the "
                        "agents required: the shortfall lay in other hours."
                    ).format(
                        channel=label(ch),
                        months=fmt_list([fmt_month(m) for m in missed["month"].to_list()]),
                        target=fmt_value(target[0], "share"),
                    )
                )
            else:
                out.append(
                    _(
                        "{channel}: the service level met its target of {target} every month."
                    ).format(channel=label(ch), target=fmt_value(target[0], "share"))
                )
            peak = rows.filter(pl.col("peak_outran_staffing") & ~pl.col("demand_outran_staffing"))
            if peak.height:
                out.append(
                    _(
                        "{channel}: at the busiest half-hour the service level fell below target "
                        "in {months} while more agents were required than were busy: the peak "
                        "was short of agents even where the month as a whole met its target."
                    ).format(
                        channel=label(ch),
                        months=fmt_list([fmt_month(m) for m in peak["month"].to_list()]),
                    )
                )
        return out

    def headline(self) -> list[Headline]:
        t = self.table
        if t.height == 0:
            return []
        offered, answered = t.select(pl.col("offered").sum(), pl.col("answered").sum()).row(0)
        cards = [
            Headline(
                key="year_offered",
                label=N_("Contacts offered"),
                value=offered,
                unit="count",
                period=self.year.span.iso,
            ),
            Headline(
                key="year_answer_rate",
                label=N_("Answer rate"),
                value=answered / offered if offered else None,
                unit="share",
                period=self.year.span.iso,
            ),
        ]
        cards.append(
            Headline(
                key="year_short_months",
                label=N_("Months demand outran staffing"),
                value=int(t.filter(pl.col("demand_outran_staffing"))["month"].n_unique()),
                unit="count",
                period=self.year.span.iso,
            )
        )
        cards.append(
            Headline(
                key="year_peak_short_months",
                label=N_("Months the busiest half-hour was short of agents"),
                value=int(t.filter(pl.col("peak_outran_staffing"))["month"].n_unique()),
                unit="count",
                period=self.year.span.iso,
            )
        )
        return cards

    def view(self) -> pl.DataFrame:
        t = self.table.sort("month", "channel")
        return t.select(
            pl.col("month").map_elements(fmt_month, return_dtype=pl.Utf8),
            pl.col("channel").map_elements(label, return_dtype=pl.Utf8),
            "offered",
            "answered",
            "answer_rate",
            "service_level",
            "sl_target",
            "busy_slot",
            "busy_service_level",
            "agents_required",
            "agents_busy",
            "agents_active",
            pl.col("demand_outran_staffing")
            .map_elements(lambda b: _("yes") if b else _("no"), return_dtype=pl.Utf8)
            .alias("short_text"),
        )

    def _repr_html_(self) -> str:
        units = {
            "offered": "count",
            "answered": "count",
            "answer_rate": "share",
            "service_level": "share",
            "busy_service_level": "share",
            "sl_target": "share",
            "agents_required": "count",
            "agents_busy": "count",
            "agents_active": "count",
        }
        return _section(
            self.title,
            self.headline(),
            self.findings(),
            [self.view()],
            units,
            [_(n) for n in self.notes],
        )

    def plot(self) -> go.Figure:
        """Agents required at the busiest half-hour against agents busy then, per channel."""
        fig = go.Figure()
        t = self.table.filter(pl.col("agents_required").is_not_null()).sort("month")
        for i, ch in enumerate([c for c in STAFFED if c in t["channel"].to_list()]):
            rows = t.filter(pl.col("channel") == ch)
            colour = SEQUENCE[i % len(SEQUENCE)]
            fig.add_trace(
                go.Scatter(
                    x=rows["month"].to_list(),
                    y=rows["agents_required"].to_list(),
                    name=_("{channel}: agents required").format(channel=label(ch)),
                    line=dict(color=colour, dash="dash"),
                )
            )
            fig.add_trace(
                go.Scatter(
                    x=rows["month"].to_list(),
                    y=rows["agents_busy"].to_list(),
                    name=_("{channel}: agents busy at once").format(channel=label(ch)),
                    line=dict(color=colour),
                )
            )
        if not fig.data:
            fig.add_trace(go.Scatter(x=[], y=[], name=_("Agents required")))
        return _month_axis(fig, self.title, _("Agents at the busiest half-hour"))


def _span(low: float | None, high: float | None) -> str:
    """A range of whole counts: "12" when both ends agree, "12 to 15" otherwise."""
    if low is None or high is None:
        return fmt_value(None, "count")
    if round(low) == round(high):
        return fmt_value(low, "count")
    return fmt_interval(low, high, "count", change=False)


def _busy_peaks(month_rows: pl.DataFrame, tz: str) -> pl.DataFrame:
    """For every local day and half-hour, the most contacts of a channel in service at once
    (answered, not yet handled), from answer times and handle times."""
    answered = month_rows.filter(pl.col("answered_at").is_not_null() & ~pl.col("abandoned"))
    start = pl.col("answered_at").dt.convert_time_zone(tz)
    stop = start + pl.duration(microseconds=(pl.col("handle_seconds") * 1e6).cast(pl.Int64))
    events = pl.concat(
        [
            answered.select("channel", start.alias("t"), pl.lit(1).alias("d")),
            answered.select("channel", stop.alias("t"), pl.lit(-1).alias("d")),
        ]
    ).sort("channel", "t", "d")
    level = events.with_columns(pl.col("d").cum_sum().over("channel").alias("in_service"))
    return (
        level.filter(pl.col("d") == 1)
        .with_columns(
            pl.col("t").dt.date().alias("day"),
            pl.col("t").dt.truncate("30m").dt.time().alias("slot"),
        )
        .group_by("channel", "day", "slot")
        .agg(pl.col("in_service").max())
    )


def _month_staffing(
    rows: pl.DataFrame, month: dt.date, queues: pl.DataFrame, tz: str
) -> list[dict]:
    """Agents required (Erlang A, the queues' targets, the month's handle time and patience) at
    the channel's busiest half-hour of the day, and the agents busy at once then."""
    from cxlab.features import kpi
    from cxlab.staffing import agents_required, queue_settings

    out = []
    local = pl.col("arrived_at").dt.convert_time_zone(tz)
    arrivals = rows.with_columns(
        local.dt.date().alias("day"), local.dt.truncate("30m").dt.time().alias("slot")
    )
    days = arrivals["day"].n_unique()
    peaks = _busy_peaks(rows, tz)
    for ch in STAFFED:
        mine = arrivals.filter(pl.col("channel") == ch)
        qs = queues.filter(pl.col("channel") == ch)
        if mine.height == 0 or qs.height == 0:
            continue
        settings = queue_settings(qs, mine, channels=(ch,))
        per_slot = mine.group_by("queue", "slot").agg((pl.len() / days).alias("volume"))
        busiest = per_slot.group_by("slot").agg(pl.col("volume").sum()).sort("volume").row(-1)[0]
        at = per_slot.filter(pl.col("slot") == busiest)
        required = 0
        for q, volume in at.select("queue", "volume").iter_rows():
            s = settings.kwargs()

            def of(v, q=q):
                return v.get(q) if isinstance(v, dict) else v

            need = agents_required(
                volume,
                every="30m",
                aht_seconds=of(s["aht_seconds"]),
                sl_target=of(s["sl_target"]),
                sl_seconds=of(s["sl_seconds"]),
                max_occupancy=s["max_occupancy"],
                shrinkage=s["shrinkage"],
                concurrency=of(s["concurrency"]),
                patience_seconds=of(s["patience_seconds"]) if s["patience_seconds"] else None,
            )
            required += int(need.agents)
        concurrency = float(qs["concurrency"].max())
        busy = peaks.filter((pl.col("channel") == ch) & (pl.col("slot") == busiest))
        in_slot = mine.filter(pl.col("slot") == busiest).drop("day", "slot")
        sl = kpi(in_slot, ["service_level"], time_zone=tz)["value"]
        out.append(
            {
                "month": month,
                "channel": ch,
                "busy_slot": busiest.strftime("%H:%M"),
                "busy_service_level": sl[0] if sl.len() else None,
                "agents_required": float(required),
                "agents_busy": float(busy["in_service"].mean() / concurrency)
                if busy.height
                else None,
            }
        )
    return out


def year_staffing(
    year: ReviewYear | Period | str = "latest_12_months",
    *,
    workspace: str | os.PathLike | None = None,
) -> YearStaffing:
    """Staffing against demand over ``year``, by month and channel.

    ``year`` is a :class:`ReviewYear` or any year :func:`review_year` reads (a
    :class:`~cxlab._present.Period` of twelve whole months or its spec); only the months with
    contacts are read, and a year with months missing says which.

    Contacts offered (phone and chat: offered to agents; e-mail and social: received) and
    answered, the answer rate and the service level come from the metric dictionary
    (:func:`cxlab.features.kpi_table`); the service-level target is the targets
    table's (``service_level`` by channel). For phone and chat, each month's busiest half-hour of
    the day (the most contacts on an average day) is staffed with
    :func:`cxlab.staffing.agents_required` (Erlang A with the patience, handle time and targets
    :func:`cxlab.staffing.queue_settings` reads from that month's contacts), summed over the
    channel's queues; the agents who handled contacts are counted as the most contacts in
    service at once in that half-hour (from answer and handle times, divided by the chat
    concurrency), averaged over the month's days. Demand outran staffing in a month when the
    service level missed its target while more agents were required than were busy.

    Examples
    --------
    >>> import cxlab as cx
    >>> staffing = cx.review.year_staffing(cx.review.Period.parse("2025-11..2026-10"))
    >>> [m.isoformat() for m in staffing.year.covered]  # the tiny workspace: 4 months
    ['2026-07-01', '2026-08-01', '2026-09-01', '2026-10-01']
    """
    from cxlab.data import load
    from cxlab.features import kpi_table

    year, workspace, contacts = _setup(year, workspace)
    tz = year.time_zone
    queues = load("queues", workspace=workspace).collect()
    targets = load("targets", workspace=workspace).collect()
    months = list(year.covered)
    schema = {
        "month": pl.Date,
        "channel": pl.Utf8,
        "offered": pl.Float64,
        "answered": pl.Float64,
        "answer_rate": pl.Float64,
        "service_level": pl.Float64,
        "sl_target": pl.Float64,
        "busy_slot": pl.Utf8,
        "busy_service_level": pl.Float64,
        "agents_required": pl.Float64,
        "agents_busy": pl.Float64,
        "agents_active": pl.Int64,
        "demand_outran_staffing": pl.Boolean,
        "peak_outran_staffing": pl.Boolean,
    }
    in_year = contacts.filter(year.span.filter("arrived_at", tz))
    kpis = kpi_table(
        in_year,
        ["contacts", "offered", "answered", "answer_rate", "service_level"],
        by=["channel"],
        every="1mo",
        time_zone=tz,
    ).with_columns(pl.col("period").dt.date().alias("month"))
    sl = targets.filter(
        (pl.col("kpi") == "service_level") & pl.col("scope").str.starts_with("channel=")
    ).select(
        pl.col("scope").str.strip_prefix("channel=").alias("channel"),
        pl.col("target").alias("sl_target"),
    )
    local_month = pl.col("arrived_at").dt.convert_time_zone(tz).dt.truncate("1mo").dt.date()
    active = (
        in_year.filter(pl.col("agent_id").is_not_null())
        .group_by(local_month.alias("month"), "channel")
        .agg(pl.col("agent_id").n_unique().alias("agents_active"))
        .collect()
    )
    staffing = []
    for m in months:
        rows = (
            in_year.filter(Period.parse(f"{m:%Y-%m}").filter("arrived_at", tz))
            .filter(pl.col("channel").is_in(list(STAFFED)))
            .select(pl.exclude("note"))
            .collect()
        )
        staffing += _month_staffing(rows, m, queues, tz)
    staff = pl.DataFrame(
        staffing,
        schema={
            k: schema[k]
            for k in (
                "month",
                "channel",
                "busy_slot",
                "busy_service_level",
                "agents_required",
                "agents_busy",
            )
        },
    )
    table = (
        kpis.with_columns(
            # phone and chat: offered to agents (the answer rate's base); e-mail and social: received
            pl.when(pl.col("channel").is_in(list(STAFFED)))
            .then(pl.col("offered"))
            .otherwise(pl.col("contacts"))
            .alias("offered")
        )
        .select("month", "channel", "offered", "answered", "answer_rate", "service_level")
        .join(sl, on="channel", how="left")
        .join(staff, on=["month", "channel"], how="left")
        .join(active, on=["month", "channel"], how="left")
        .with_columns(
            (
                (pl.col("service_level") < pl.col("sl_target"))
                & (pl.col("agents_required") > pl.col("agents_busy"))
            )
            .fill_null(False)
            .alias("demand_outran_staffing"),
            (
                (pl.col("busy_service_level") < pl.col("sl_target"))
                & (pl.col("agents_required") > pl.col("agents_busy"))
            )
            .fill_null(False)
            .alias("peak_outran_staffing"),
        )
        .select(list(schema))
        .cast(schema)
        .sort("month", "channel")
    )
    return YearStaffing(year, table, _STAFFING_NOTES)


_STAFFING_NOTES = (
    N_(
        "Agents required: Erlang A at each month's busiest half-hour of the day (the most contacts "
        "on an average day), with that month's handle time and patience and each queue's "
        "service-level target, summed over the channel's queues; agents on the phones, before "
        "shrinkage."
    ),
    N_(
        "Agents busy at once: the most contacts in service at the same moment in that half-hour "
        "(from answer and handle times; chats divided by the contacts an agent handles at once), "
        "averaged over the month's days. It counts agents handling contacts, not agents on duty: "
        "at the busiest half-hour, when a queue forms, the two are close. The service level at "
        "the busiest half-hour is that of the contacts arriving in it, over the month's days."
    ),
    N_("Email and social media are worked from a backlog: they are counted, not staffed."),
)
