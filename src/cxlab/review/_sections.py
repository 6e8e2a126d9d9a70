"""The sections of the monthly service review, each a result that shows itself.

Results keep numbers; words and formatted figures are made when they are shown, in the report's
language, through :mod:`cxlab._present` (one formatter, one label catalogue).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from cxlab._present import N_, _, fmt_date, fmt_list, fmt_value, label, order_levels
from cxlab._result import Result
from cxlab.features import MetricConfig, metrics
from cxlab.review._moments import moments
from cxlab.review._period import ReviewPeriods
from cxlab.review._scorecard import (
    HEADLINE,
    SCORECARD,
    Scorecard,
    _in,
    change_text,
    scorecard,
)
from cxlab.review._shared import contacts_for, prepared_for
from cxlab.review._show import (
    axis_title,
    cap,
    chart_text,
    date_axis,
    dim_word,
    duration_unit,
    fmt_duration,
    mid,
    scale,
    seconds_axis,
    section_html,
    titled,
)
from cxlab.viz import COLORS, SEQUENCE, TARGET_LINE, color_for

__all__ = [
    "HEADLINE",
    "SCORECARD",
    "Breakdown",
    "Complaints",
    "Daily",
    "Phone",
    "QualityAssurance",
    "Scorecard",
    "Volume",
    "breakdown",
    "complaints",
    "daily",
    "phone",
    "qa",
    "scorecard",
    "volume",
]

LEVELS = ("category", "category_l2", "category_l3")
PATH = " › "  # one separator for a contact reason's levels, everywhere
INK = SEQUENCE[0]  # a bar or dot that is not a channel, an arm or a period
ORDERED = ("channel", "priority")  # dimensions read in business order, never alphabetically


def _ordered(frame: pl.DataFrame, by: tuple[str, ...] | list[str]) -> pl.DataFrame:
    for column in reversed(list(by)):
        frame = order_levels(frame, column)
    return frame


def _targets_for(targets: pl.DataFrame | None, kpi: str, column: str) -> dict[str, float]:
    """Targets of ``kpi`` scoped by ``column`` (``channel=phone``): level -> target."""
    if targets is None or targets.height == 0:
        return {}
    out = {}
    for r in targets.filter(pl.col("kpi") == kpi).iter_rows(named=True):
        col, _sep, value = str(r["scope"]).partition("=")
        if col.strip() == column and value:
            out[value.strip()] = float(r["target"])
    return out


def _and(items: list[str]) -> str:
    return fmt_list(items)


# -- 1. volume ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Volume(Result):
    by_channel: pl.DataFrame
    by_category: pl.DataFrame
    period: ReviewPeriods

    @property
    def title(self) -> str:
        return _("Contact volume, {month}").format(month=self.period.label)

    def summary(self) -> pl.DataFrame:
        return self.by_channel

    def readable(self) -> pl.DataFrame:
        """Contacts by channel: this month, the comparison month, share and change."""
        t = order_levels(self.by_channel, "channel")
        return pl.DataFrame(
            {
                "channel": t["channel"],
                self.period.label: t["contacts"],
                self.period.compare_label: t["previous"],
                "share": t["share"],
                self.period.compare_words: t["change"],
            }
        )

    def units(self) -> dict[str, str]:
        return {
            self.period.label: "count",
            self.period.compare_label: "count",
            "share": "share",
            self.period.compare_words: "percent",
        }

    def topics(self, top: int | None = 10) -> pl.DataFrame:
        """Contact reasons (three levels), the largest first; ``top=None`` gives every reason."""
        t = self.by_category.sort("contacts", descending=True).select(
            *LEVELS, "contacts", "share", pl.col("change").alias(self.period.compare_words)
        )
        return t if top is None else t.head(top)

    def topic_units(self) -> dict[str, str]:
        return {"contacts": "count", "share": "share", self.period.compare_words: "percent"}

    def _repr_html_(self) -> str:
        return section_html(self.title, self.findings(), self.readable(), units=self.units())

    def findings(self) -> list[str]:
        total = int(self.by_channel["contacts"].sum())
        before = int(self.by_channel["previous"].sum())
        if before:
            out = [
                _("{n} contacts in {month}, {change} {compared}.").format(
                    n=fmt_value(total, "count"),
                    month=self.period.label,
                    change=fmt_value(total / before - 1, "percent"),
                    compared=self.period.compare_words,
                )
            ]
        else:
            out = [
                _("{n} contacts in {month}.").format(
                    n=fmt_value(total, "count"), month=self.period.label
                )
            ]
        for r in order_levels(self.by_channel, "channel").iter_rows(named=True):
            out.append(
                _("{channel}: {n} contacts, {share} of all ({change} {compared}).").format(
                    channel=label(r["channel"]),
                    n=fmt_value(r["contacts"], "count"),
                    share=fmt_value(r["share"], "share", decimals=0),
                    change=fmt_value(r["change"], "percent"),
                    compared=self.period.compare_words,
                )
            )
        top = self.by_category.sort("contacts", descending=True).row(0, named=True)
        out.append(
            _("The most common contact reason was {topic} ({n} contacts).").format(
                topic=PATH.join(label(top[c]) for c in LEVELS),
                n=fmt_value(top["contacts"], "count"),
            )
        )
        return out

    def plot(self, top: int = 20) -> go.Figure:
        """The most common contact reasons as horizontal bars, the largest on top, each with its
        count (reasons are free text: labelled, then escaped so they show literally)."""
        t = self.by_category.sort("contacts", descending=True).head(top).reverse()
        names = [
            chart_text(PATH.join(label(r[c]) for c in LEVELS)) for r in t.iter_rows(named=True)
        ]
        fig = go.Figure(
            go.Bar(
                x=t["contacts"],
                y=names,
                orientation="h",
                marker_color=COLORS["periods"]["current"],
                text=[fmt_value(v, "count") for v in t["contacts"]],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y}: %{text}<extra></extra>",
            )
        )
        fig.update_layout(
            title=(
                _("Contacts by reason, {month}").format(month=self.period.label)
                if t.height == self.by_category.height
                else _("The {n} most common contact reasons, {month}").format(
                    n=t.height, month=self.period.label
                )
            ),
            xaxis=dict(title=label("contacts"), tickformat=",d"),
            yaxis=dict(automargin=True, type="category"),
            margin=dict(r=60),
            height=160 + 30 * t.height,
            showlegend=False,
        )
        return fig

    def channel_plot(self) -> go.Figure:
        df = order_levels(self.by_channel, "channel")
        names = [chart_text(c) for c in df["channel"]]
        fig = go.Figure()
        fig.add_bar(
            x=names,
            y=df["previous"],
            name=self.period.compare_label,
            marker_color=COLORS["periods"]["compare"],
        )
        fig.add_bar(
            x=names,
            y=df["contacts"],
            name=self.period.label,
            marker_color=COLORS["periods"]["current"],
        )
        fig.update_layout(
            barmode="group",
            title=_("Contacts by channel, {month} and {compare}").format(
                month=self.period.label, compare=self.period.compare_label
            ),
            yaxis=dict(title=label("contacts"), tickformat=",d"),
        )
        return fig


def volume(contacts: pl.LazyFrame, period: ReviewPeriods) -> Volume:
    rows = contacts_for(contacts, period, flags=False)
    cur = _in(rows, period)
    prev = _in(rows, period, "compare")
    a = cur.group_by("channel").agg(contacts=pl.len()).collect()
    b = prev.group_by("channel").agg(previous=pl.len()).collect()
    by_channel = (
        a.join(b, on="channel", how="full", coalesce=True)
        .fill_null(0)
        .with_columns(
            share=pl.col("contacts") / pl.col("contacts").sum(),
            change=pl.when(pl.col("previous") > 0).then(
                pl.col("contacts") / pl.col("previous") - 1
            ),
        )
        .sort("contacts", descending=True)
    )
    levels = list(LEVELS)
    cats = cur.group_by(levels).agg(contacts=pl.len()).collect()
    catp = prev.group_by(levels).agg(previous=pl.len()).collect()
    by_category = (
        cats.join(catp, on=levels, how="left")
        .fill_null(0)
        .with_columns(
            share=pl.col("contacts") / pl.col("contacts").sum(),
            change=pl.when(pl.col("previous") > 0).then(
                pl.col("contacts") / pl.col("previous") - 1
            ),
        )
        .sort("category", "category_l2", "contacts", descending=[False, False, True])
    )
    return Volume(by_channel=by_channel, by_category=by_category, period=period)


# -- generic KPI breakdowns ---------------------------------------------------------------------


TITLES = {  # titles that read better than the measure names joined
    (("sla_answered", "sla_resolved"), ("priority",)): N_(
        "Answered and resolved within SLA by priority, {month}"
    ),
}
COLUMNS = {  # a measure's column name when the levels differ in kind (speed of answer for
    # phone and chat, first response for email and social media)
    ("asa", "channel"): "response_time",
}


@dataclass(frozen=True)
class Breakdown(Result):
    """KPIs by one or two dimensions for the month (with the comparison month)."""

    table: pl.DataFrame
    heading: str | None
    kpis: tuple[str, ...]
    by: tuple[str, ...]
    period: ReviewPeriods
    targets: pl.DataFrame | None = None

    @property
    def title(self) -> str:
        heading = self.heading or TITLES.get((self.kpis, self.by))
        if heading:
            return _(heading).format(month=self.period.label)
        names = [label(self._column(k)) for k in self.kpis]
        return _("{metrics} by {by}, {month}").format(
            metrics=fmt_list([cap(names[0]), *(mid(n) for n in names[1:])]),
            by=fmt_list([dim_word(b) for b in self.by]),
            month=self.period.label,
        )

    def summary(self) -> pl.DataFrame:
        return self.table

    def _column(self, kpi: str) -> str:
        return next((COLUMNS[(kpi, b)] for b in self.by if (kpi, b) in COLUMNS), kpi)

    @staticmethod
    def _cell(value: float | None, change: float | None, unit: str) -> str:
        """A level and, in brackets, its change, both in the level's unit."""
        if unit == "seconds":
            u = duration_unit(value)
            text = fmt_duration(value, u)
            return (
                text
                if change is None
                else _("{value} ({change})").format(
                    value=text, change=change_text(change, unit, dunit=u)
                )
            )
        if change is None:
            return fmt_value(value, unit)
        return _("{value} ({change})").format(
            value=fmt_value(value, unit), change=change_text(change, unit)
        )

    def readable(self) -> pl.DataFrame:
        """One row per group, for each KPI its level this month and, in brackets, its change;
        channels and priorities in business order."""
        dictionary = metrics()
        out = None
        for kpi in self.kpis:
            m = dictionary[kpi]
            t = self.table.filter(pl.col("kpi") == kpi)
            cells = [
                self._cell(v, c, m.unit)
                for v, c in zip(t["value"].to_list(), t["change"].to_list(), strict=True)
            ]
            part = t.select(*self.by).with_columns(
                pl.Series(self._column(kpi), cells, dtype=pl.Utf8)
            )
            out = (
                part if out is None else out.join(part, on=list(self.by), how="full", coalesce=True)
            )
        return _ordered(out.sort(list(self.by)), self.by)

    def units(self) -> dict[str, str]:
        dictionary = metrics()
        return {self._column(k): dictionary[k].unit for k in self.kpis}

    def caption(self) -> str:
        return _("In brackets: the change {compared}.").format(compared=self.period.compare_words)

    def _repr_html_(self) -> str:
        return section_html(self.title, self.findings(), self.readable(), caption=self.caption())

    def _group(self, r: dict) -> str:
        return PATH.join(label(r[c]) for c in self.by)

    def findings(self) -> list[str]:
        dictionary = metrics()
        out = []
        for kpi in self.kpis:
            m = dictionary[kpi]
            t = self.table.filter(
                pl.col("kpi") == kpi, pl.col("value").is_not_null(), pl.col("n") >= 30
            )
            if t.height < 2 or m.higher_is_better is None:
                continue
            if kpi == "asa" and "channel" in self.by:
                continue  # each channel answers against its own promise: seconds are not hours
            best = t.sort("value", descending=bool(m.higher_is_better)).row(0, named=True)
            worst = t.sort("value", descending=not m.higher_is_better).row(0, named=True)
            out.append(
                _(
                    "{metric}. Best: {best} ({best_value}); weakest: {worst} ({worst_value})."
                ).format(
                    metric=cap(label(self._column(kpi))),
                    best=self._group(best),
                    best_value=self._cell(best["value"], None, m.unit),
                    worst=self._group(worst),
                    worst_value=self._cell(worst["value"], None, m.unit),
                )
            )
        return out

    def _rows(self, kpi: str) -> pl.DataFrame:
        t = self.table.filter(pl.col("kpi") == kpi, pl.col("value").is_not_null())
        if any(b in ORDERED for b in self.by):  # business order, the first level on top
            return _ordered(t, self.by).reverse()
        return t.sort("value")

    def plot(self) -> go.Figure:
        """Shares as bars from zero (every share measure when they share a unit and a single
        dimension, with the targets as dark ticks); durations and scores as dots with the range
        the true value likely lies in (durations on a log axis, scores on their 1–5 scale)."""
        dictionary = metrics()
        units = {dictionary[k].unit for k in self.kpis}
        kpis = list(self.kpis) if units == {"share"} and len(self.by) == 1 else [self.kpis[0]]
        m = dictionary[kpis[0]]
        k = scale(m.unit)
        fig = go.Figure()
        base = self._rows(kpis[0])
        names = [chart_text(self._group(r)) for r in base.iter_rows(named=True)]
        # horizontal groups stack their traces upwards: the first measure is added last, on top
        for i, kpi in reversed(list(enumerate(kpis))):
            t = base.select(*self.by).join(
                self.table.filter(pl.col("kpi") == kpi), on=list(self.by), how="left"
            )
            if len(kpis) > 1:
                colours = SEQUENCE[i]
            elif self.by == ("channel",):
                colours = [color_for(v, index=0) for v in t["channel"]]
            else:
                colours = INK
            errors = dict(
                type="data",
                array=(t["std_error"].fill_null(0) * 1.96 * k).to_list(),
                color=COLORS["muted"],
            )
            text = [self._cell(v, None, m.unit) for v in t["value"]]
            if m.unit == "share":
                fig.add_bar(
                    x=t["value"] * k,
                    y=names,
                    orientation="h",
                    offsetgroup=str(i),
                    name=label(kpi),
                    marker_color=colours,
                    text=text,
                    textposition="inside",
                    insidetextanchor="start",
                    hovertemplate="%{y}: %{text}<extra></extra>",
                    error_x=errors,
                )
            else:
                fig.add_scatter(
                    x=t["value"] * k,
                    y=names,
                    mode="markers+text",
                    name=label(kpi),
                    marker=dict(color=colours, size=11),
                    text=text,
                    textposition="top center",
                    hovertemplate="%{y}: %{text}<extra></extra>",
                    error_x=errors,
                )
            goals = _targets_for(self.targets, kpi, self.by[0]) if len(self.by) == 1 else {}
            hit = [(row, goals[v]) for row, v in enumerate(t[self.by[0]].to_list()) if v in goals]
            # a dark tick across the measure's own bar (bars of a group: the first added lowest)
            slot = 0.8 / len(kpis)
            centre = -0.4 + slot * (len(kpis) - 1 - i + 0.5)
            for row, goal in hit:
                fig.add_shape(
                    type="line",
                    x0=goal * k,
                    x1=goal * k,
                    y0=row + centre - slot * 0.55,
                    y1=row + centre + slot * 0.55,
                    xref="x",
                    yref="y",
                    line=dict(color=TARGET_LINE["color"], width=3),
                    name="target",
                )
                fig.add_annotation(
                    x=goal * k,
                    y=row + centre,
                    text=_("Target {target}").format(target=fmt_value(goal, m.unit, decimals=0)),
                    xanchor="left",
                    xshift=4,
                    showarrow=False,
                    font=dict(size=11, color=TARGET_LINE["color"]),
                )
        if m.unit == "seconds":
            xaxis = seconds_axis(self._rows(kpis[0])["value"].to_list())
        elif m.unit == "score":
            xaxis = {"title": _("{metric} (1–5)").format(metric=label(kpis[0])), "range": [1, 5]}
        else:
            xaxis = {"title": axis_title(m.unit)}
            if m.unit == "share":
                xaxis["range"] = [0, 100]
        if len(kpis) > 1:
            title = self.title
        else:
            title = _("{metric} by {by}, {month}").format(
                metric=cap(label(self._column(kpis[0]))),
                by=fmt_list([dim_word(b) for b in self.by]),
                month=self.period.label,
            )
        note = _("Thin lines: where the true value likely lies (95%).")
        if fig.layout.shapes:  # a target drawn: say what its tick is
            note = _("Thin lines: where the true value likely lies (95%). Dark ticks: targets.")
        fig.update_layout(
            title=titled(title, note),
            xaxis=xaxis,
            yaxis=dict(automargin=True, type="category"),
            height=(200 if m.unit == "share" else 220)
            + (30 if m.unit == "share" else 40) * len(names) * len(kpis)
            + (50 if len(kpis) > 1 else 0),
            barmode="group",
            scattermode="group",
            showlegend=len(kpis) > 1,
            legend=dict(orientation="h", y=-0.3, yanchor="top", traceorder="reversed")
            if len(kpis) > 1
            else None,
            margin=dict(b=110) if len(kpis) > 1 else None,
        )
        if m.unit != "share":  # room above the top dot and below the last for their labels
            fig.update_yaxes(range=[-0.7, len(names) - 0.3])
        return fig


def breakdown(
    contacts: pl.LazyFrame,
    period: ReviewPeriods,
    kpis: list[str],
    by: list[str],
    *,
    heading: str | None = None,
    targets: pl.DataFrame | None = None,
    config: MetricConfig | None = None,
) -> Breakdown:
    """KPIs by ``by`` for the month, with the comparison month and a standard error.

    ``heading`` (an English title, translated when shown; ``{month}`` is filled in) replaces the
    title made from the KPI and dimension names. ``targets`` (the targets table) draws the
    targets scoped by the dimension (``priority=P1``) on the chart.
    """
    prepared = prepared_for(contacts, period, config=config)
    cur = moments(_in(prepared, period), kpis, by=by, config=config)
    prev = moments(_in(prepared, period, "compare"), kpis, by=by, config=config).select(
        *by, "kpi", pl.col("value").alias("previous")
    )
    table = (
        cur.join(prev, on=[*by, "kpi"], how="left")
        .with_columns(
            n=pl.col("den"),
            std_error=pl.when(pl.col("den") > 1).then(
                (
                    (pl.col("num_sq") / pl.col("den") - pl.col("value") ** 2).clip(0)
                    / pl.col("den")
                ).sqrt()
            ),
            change=pl.col("value") - pl.col("previous"),
        )
        .select(*by, "kpi", "value", "std_error", "previous", "change", "n")
        .sort(["kpi", *by])
    )
    return Breakdown(
        table=table,
        heading=heading,
        kpis=tuple(kpis),
        by=tuple(by),
        period=period,
        targets=targets,
    )


# -- a KPI day by day ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Daily(Result):
    table: pl.DataFrame
    kpi: str
    period: ReviewPeriods
    targets: pl.DataFrame | None = None

    @property
    def title(self) -> str:
        return _("{metric} day by day, {month}").format(
            metric=label(self.kpi), month=self.period.label
        )

    def summary(self) -> pl.DataFrame:
        return self.table

    def findings(self) -> list[str]:
        """The weakest day of the month, as the chart and the appendix table show it (every
        day counts, however few its contacts; the contacts are said)."""
        m = metrics()[self.kpi]
        worst = (
            self.table.filter(pl.col("value").is_not_null())
            .sort(["value", "day"], descending=[not m.higher_is_better, False])
            .head(1)
        )
        if worst.height == 0 or m.higher_is_better is None:
            return []
        r = worst.row(0, named=True)
        return [
            _(
                "The weakest day for {metric} was {day} ({channel}): {value} of {n} contacts."
            ).format(
                metric=mid(label(self.kpi)),
                day=fmt_date(r["day"]),
                channel=mid(label(r["channel"])),
                value=fmt_value(r["value"], m.unit),
                n=fmt_value(r["n"], "count"),
            )
        ]

    def readable(self) -> pl.DataFrame:
        """One row per day, one column per channel (for the appendix: a month is long)."""
        wide = self.table.pivot(on="channel", index="day", values="value").sort("day")
        known = [c for c in ("phone", "chat", "email", "social") if c in wide.columns]
        return wide.select("day", *known, *[c for c in wide.columns if c not in ("day", *known)])

    def units(self) -> dict[str, str]:
        unit = metrics()[self.kpi].unit
        return {c: unit for c in self.table["channel"].unique().to_list()}

    def _repr_html_(self) -> str:
        # the chart carries the title and the month; the day-by-day table is in the appendix
        return section_html("", self.findings())

    def plot(self) -> go.Figure:
        m = metrics()[self.kpi]
        k = scale(m.unit)
        start, end = (dt.date.fromisoformat(d) for d in self.period.dates())
        days = pl.DataFrame({"day": pl.date_range(start, end, "1d", closed="left", eager=True)})
        fig = go.Figure()
        present = pl.DataFrame({"channel": self.table["channel"].unique().sort()})
        channels = order_levels(present, "channel")["channel"].to_list()
        for i, channel in enumerate(channels):
            s = days.join(
                self.table.filter(pl.col("channel") == channel), on="day", how="left"
            ).sort("day")
            fig.add_scatter(
                x=s["day"],
                y=s["value"] * k,
                name=chart_text(channel),
                mode="lines+markers",
                line=dict(color=color_for(channel, index=i)),
                marker=dict(size=5),
                connectgaps=False,  # a day without contacts is a gap, not a straight line
                text=[fmt_value(v, m.unit) for v in s["value"]],
                hovertemplate="%{x|%Y-%m-%d}: %{text}<extra>" + chart_text(channel) + "</extra>",
            )
        # each channel's target: one dark dashed line per target value, naming its channels
        goals = _targets_for(self.targets, self.kpi, "channel")
        note = None
        for goal in sorted(set(goals.values())):
            who = [c for c in channels if goals.get(c) == goal]
            if not who:
                continue
            fig.add_hline(
                y=goal * k,
                line=TARGET_LINE,
                annotation_text=_("Target {channels}: {target}").format(
                    channels=fmt_list([mid(label(c)) for c in who]),
                    target=fmt_value(goal, m.unit, decimals=0),
                ),
                annotation_position="bottom right",
                annotation_font_size=11,
            )
            note = _("Dashed line: the target.")
        missing = [c for c in channels if c not in goals]
        if goals and missing:
            note = _("Dashed line: the target; {channels} have no target.").format(
                channels=fmt_list([mid(label(c)) for c in missing])
            )
        fig.update_layout(
            title=titled(self.title, note),
            yaxis_title=axis_title(m.unit),
            xaxis=date_axis(start, end - dt.timedelta(days=1)),
            height=440,
        )
        return fig


def daily(
    contacts: pl.LazyFrame,
    period: ReviewPeriods,
    kpi: str,
    *,
    channels: list[str] | None = None,
    targets: pl.DataFrame | None = None,
    config: MetricConfig | None = None,
) -> Daily:
    """A KPI day by day and channel in the month; ``targets`` draws each channel's target."""
    rows = prepared_for(contacts, period, which=("current",), config=config)
    prepared = _in(rows, period).with_columns(
        day=pl.col("arrived_at").dt.convert_time_zone(period.time_zone).dt.date()
    )
    if channels:
        prepared = prepared.filter(pl.col("channel").is_in(channels))
    table = (
        moments(prepared, [kpi], by=["day", "channel"], config=config)
        .select("day", "channel", "value", pl.col("den").alias("n"))
        .sort("day", "channel")
    )
    return Daily(table=table, kpi=kpi, period=period, targets=targets)


# -- phone ------------------------------------------------------------------------------------

TIME_BANDS = {
    "peak_hours": [10, 14, 15],
    "working_hours": [9, 11, 12, 13, 16, 17],
    "off_hours": None,
}


@dataclass(frozen=True)
class Phone(Result):
    weekly: pl.DataFrame  # week (Monday), calls, days (of the week inside the month)
    hours: pl.DataFrame
    bands: pl.DataFrame
    handle: pl.DataFrame
    period: ReviewPeriods

    @property
    def title(self) -> str:
        return _("Phone, {month}").format(month=self.period.label)

    def summary(self) -> pl.DataFrame:
        return self.bands

    def findings(self) -> list[str]:
        busiest = self.hours.sort("calls", descending=True).head(2)
        hours = [
            _("{start}–{end} ({calls} calls, {rate} answered)").format(
                start=f"{h:02d}:00",
                end=f"{h + 1:02d}:00",
                calls=fmt_value(c, "count"),
                rate=fmt_value(a, "share"),
            )
            for h, c, a in busiest.select("hour", "calls", "answer_rate").iter_rows()
        ]
        out = [_("The busiest hours were {hours}.").format(hours=_and(hours))]
        for r in self.bands.iter_rows(named=True):
            out.append(
                _("{band}: {rate} of {n} calls offered were answered.").format(
                    band=label(r["band"]),
                    rate=fmt_value(r["answer_rate"], "share"),
                    n=fmt_value(r["offered"], "count"),
                )
            )
        slow = self.handle.sort("aht", descending=True).row(0, named=True)
        out.append(
            _("{category} calls were the longest ({aht} on average).").format(
                category=cap(label(slow["category"])), aht=fmt_value(slow["aht"], "seconds")
            )
        )
        return out

    def plot(self) -> go.Figure:
        """Answer rate (top) and calls (bottom) by hour of the day, on two panels."""
        from plotly.subplots import make_subplots

        lo, hi = int(self.hours["hour"].min()), int(self.hours["hour"].max())
        grid = pl.DataFrame(
            {"hour": pl.int_range(lo, hi + 1, eager=True).cast(self.hours["hour"].dtype)}
        )
        h = grid.join(self.hours, on="hour", how="left").sort("hour")
        ticks = [f"{x:02d}:00" for x in h["hour"]]
        fig = make_subplots(
            rows=2,
            cols=1,
            shared_xaxes=True,
            vertical_spacing=0.08,
            row_heights=[0.45, 0.55],
            subplot_titles=(label("answer_rate"), _("Calls offered")),
        )
        fig.add_scatter(
            x=ticks,
            y=h["answer_rate"] * 100,
            name=label("answer_rate"),
            mode="lines+markers",
            line_color=color_for("phone"),
            connectgaps=False,
            text=[fmt_value(v, "share") for v in h["answer_rate"]],
            hovertemplate="%{x}: %{text}<extra></extra>",
            row=1,
            col=1,
        )
        fig.add_bar(
            x=ticks,
            y=h["calls"],
            name=_("Calls offered"),
            marker_color=color_for("phone"),
            opacity=0.55,
            hovertemplate="%{x}: %{y:,}<extra></extra>",
            row=2,
            col=1,
        )
        rates = [v * 100 for v in h["answer_rate"].to_list() if v is not None]
        floor = max(0.0, min(rates) - 3) if rates else 0.0  # the lowest hour clear of the edge
        fig.update_yaxes(title_text="%", range=[floor, 100.5], row=1, col=1)
        fig.update_yaxes(title_text=_("Calls offered"), tickformat=",d", row=2, col=1)
        fig.update_xaxes(title_text=_("Hour of the day (local time)"), row=2, col=1)
        fig.update_layout(
            title=_("Calls offered and answer rate by hour, {month}").format(
                month=self.period.label
            ),
            showlegend=False,
            height=520,
        )
        return fig

    def band_table(self) -> pl.DataFrame:
        return self.bands.select("band", "offered", "answer_rate")

    def handle_table(self) -> pl.DataFrame:
        """Average handle time of calls by contact reason (longest first)."""
        return self.handle.select("category", "aht", "calls")

    def _repr_html_(self) -> str:
        return section_html(
            self.title,
            self.findings(),
            self.band_table(),
            units={"offered": "count", "answer_rate": "share"},
        )

    def weekly_plot(self) -> go.Figure:
        """Calls by week; a week only partly inside the month is drawn pale and marked."""
        w = self.weekly.sort("week")
        full = w["days"] == 7
        names = [fmt_date(d) for d in w["week"]]
        fig = go.Figure()
        fig.add_bar(
            x=names,
            y=w["calls"],
            marker_color=[
                COLORS["periods"]["current"] if f else COLORS["periods"]["compare"] for f in full
            ],
            text=[
                "" if f else _("{n} days in the month").format(n=d)
                for f, d in zip(full, w["days"], strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}: %{y:,}<extra></extra>",
            showlegend=False,
        )
        fig.update_layout(
            title=titled(
                _("Calls offered by week, {month}").format(month=self.period.label),
                _("Pale bars: weeks only partly inside the month."),
            ),
            xaxis_title=label("week_start"),
            yaxis=dict(title=_("Calls offered"), tickformat=",d"),
            height=400,
        )
        return fig


def phone(
    contacts: pl.LazyFrame, period: ReviewPeriods, *, config: MetricConfig | None = None
) -> Phone:
    local = pl.col("arrived_at").dt.convert_time_zone(period.time_zone)
    prepared = (
        _in(prepared_for(contacts, period, which=("current",), config=config), period)
        .filter(pl.col("channel") == "phone")
        .with_columns(
            hour=local.dt.hour(), week=local.dt.truncate("1w").dt.date(), day=local.dt.date()
        )
    )
    m = moments(prepared, ["offered", "answer_rate"], by=["hour"], config=config)
    hours = (
        m.filter(pl.col("kpi") == "offered")
        .select("hour", pl.col("num").alias("calls"))
        .join(
            m.filter(pl.col("kpi") == "answer_rate").select(
                "hour", pl.col("value").alias("answer_rate")
            ),
            on="hour",
        )
        .sort("hour")
    )
    band_expr = pl.lit("off_hours")
    for name, hrs in TIME_BANDS.items():
        if hrs:
            band_expr = pl.when(pl.col("hour").is_in(hrs)).then(pl.lit(name)).otherwise(band_expr)
    bm = moments(
        prepared.with_columns(band=band_expr),
        ["offered", "answer_rate"],
        by=["band"],
        config=config,
    )
    order = {name: i for i, name in enumerate(TIME_BANDS)}
    bands = (
        bm.filter(pl.col("kpi") == "offered")
        .select("band", pl.col("num").alias("offered"))
        .join(
            bm.filter(pl.col("kpi") == "answer_rate").select(
                "band", pl.col("value").alias("answer_rate")
            ),
            on="band",
        )
        .sort(pl.col("band").replace_strict(order, default=99))
    )
    start, end = (dt.date.fromisoformat(d) for d in period.dates())
    weekly = (
        prepared.group_by("week")
        .agg(calls=pl.len())
        .sort("week")
        .collect()
        .with_columns(
            days=pl.min_horizontal(pl.col("week") + pl.duration(days=7), pl.lit(end))
            .sub(pl.max_horizontal(pl.col("week"), pl.lit(start)))
            .dt.total_days()
        )
    )
    handle = (
        moments(prepared, ["aht"], by=["category"], config=config)
        .select("category", pl.col("value").alias("aht"), pl.col("den").alias("calls"))
        .sort("aht", descending=True)
    )
    return Phone(weekly=weekly, hours=hours, bands=bands, handle=handle, period=period)


# -- complaints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Complaints(Result):
    table: pl.DataFrame
    repeat_customers: int
    repeat_share: float
    period: ReviewPeriods

    @property
    def title(self) -> str:
        return _("Complaints, {month}").format(month=self.period.label)

    def summary(self) -> pl.DataFrame:
        return self.table

    def findings(self) -> list[str]:
        total = int(self.table["complaints"].sum())
        out = [
            _(
                "{n} complaints; {repeat} customers complained more than once within 30 days "
                "({share} of those who complained)."
            ).format(
                n=fmt_value(total, "count"),
                repeat=fmt_value(self.repeat_customers, "count"),
                share=fmt_value(self.repeat_share, "share"),
            )
        ]
        for r in self.table.sort("closed_in_time").iter_rows(named=True):
            out.append(
                _(
                    "{type}: {n} complaints, half resolved within {median}; {closed} closed "
                    "within the {promise} promise."
                ).format(
                    type=cap(label(r["complaint_type"])),
                    n=fmt_value(r["complaints"], "count"),
                    median=_hours(r["median_hours"]),
                    closed=fmt_value(r["closed_in_time"], "share"),
                    promise=_hours(r["promise_hours"]),
                )
            )
        return out

    def readable(self) -> pl.DataFrame:
        """Complaints by type; times in whole hours (one unit, as the promises are written)."""
        return self.table.select(
            "complaint_type",
            "complaints",
            pl.col("median_hours")
            .map_elements(_hours, return_dtype=pl.Utf8, skip_nulls=False)
            .alias("median_resolve"),
            pl.col("promise_hours")
            .map_elements(_hours, return_dtype=pl.Utf8, skip_nulls=False)
            .alias("promise"),
            "closed_in_time",
            "unresolved",
        )

    def units(self) -> dict[str, str]:
        return {
            "complaints": "count",
            "closed_in_time": "share",
            "unresolved": "count",
        }

    def _repr_html_(self) -> str:
        return section_html(self.title, self.findings(), self.readable(), units=self.units())

    def plot(self) -> go.Figure:
        t = self.table.sort("complaints")
        fig = go.Figure(
            go.Bar(
                y=[chart_text(v) for v in t["complaint_type"]],
                x=t["complaints"],
                orientation="h",
                marker_color=INK,
                text=[
                    _("{share} closed in time").format(share=fmt_value(v, "share"))
                    for v in t["closed_in_time"]
                ],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y}: %{x:,}<extra></extra>",
            )
        )
        fig.update_layout(
            title=_("Complaints by type, and the share closed within the promise, {month}").format(
                month=self.period.label
            ),
            xaxis_title=label("complaints"),
            yaxis=dict(automargin=True),
            margin=dict(r=140),
            height=360,
        )
        return fig


def _hours(hours: float | None) -> str:
    """A complaint's time in whole hours: "59 h", "120 h" (never days beside hours)."""
    return fmt_duration(None if hours is None else hours * 3600, "h", decimals=0)


def complaints(
    contacts: pl.LazyFrame, period: ReviewPeriods, *, config: MetricConfig | None = None
) -> Complaints:
    config = config or MetricConfig()
    rows = contacts_for(contacts, period, which=("current",), flags=False)
    lf = _in(rows, period).filter(pl.col("complaint_type").is_not_null())
    hours = (pl.col("resolved_at") - pl.col("arrived_at")).dt.total_seconds() / 3600
    promise = pl.col("complaint_type").replace_strict(
        config.complaint_promise_hours, default=None, return_dtype=pl.Float64
    )
    table = (
        lf.group_by("complaint_type")
        .agg(
            complaints=pl.len(),
            median_hours=hours.median(),
            closed_in_time=(hours.fill_null(float("inf")) <= promise).mean(),
            unresolved=pl.col("resolved_at").is_null().sum(),
            promise_hours=promise.first(),
        )
        .sort("complaints", descending=True)
        .collect()
    )
    per_customer = (
        lf.sort("arrived_at")
        .with_columns(gap=pl.col("arrived_at").diff().over("customer_id"))
        .group_by("customer_id")
        .agg(repeat=(pl.col("gap") <= dt.timedelta(days=30)).any())
        .collect()
    )
    repeat = int(per_customer["repeat"].sum())
    return Complaints(
        table=table,
        repeat_customers=repeat,
        repeat_share=repeat / max(per_customer.height, 1),
        period=period,
    )


# -- quality assurance --------------------------------------------------------------------------


QA_INGEST = "cxlab data ingest FILE --table qa_scores"


@dataclass(frozen=True)
class QualityAssurance(Result):
    """How many of the month's answered contacts QA reviewed, and the score per dimension.

    ``lacking`` says why there is nothing to show: ``"table"`` (the workspace has no QA scores,
    e.g. a department that loaded its contacts only) or ``"month"`` (none for the month).
    """

    sampling: pl.DataFrame
    dimensions: pl.DataFrame
    period: ReviewPeriods
    lacking: str | None = None

    @property
    def title(self) -> str:
        return _("Quality assurance, {month}").format(month=self.period.label)

    def summary(self) -> pl.DataFrame:
        return self.sampling

    def findings(self) -> list[str]:
        if self.lacking == "table":
            return [
                _(
                    "No QA reviews to show: this workspace has no QA scores. Load the QA team's "
                    "export with {command} and this section fills in at the next run."
                ).format(command=QA_INGEST)
            ]
        if self.lacking == "month":
            return [
                _("QA reviewed none of the contacts answered in {month}.").format(
                    month=self.period.label
                )
            ]
        items = _and(
            [
                _("{share} of answered {channel} contacts").format(
                    channel=mid(label(r["channel"])), share=fmt_value(r["sampling_rate"], "share")
                )
                for r in self.sampling.iter_rows(named=True)
            ]
        )
        out = [_("QA reviewed {items} (every complaint is reviewed).").format(items=items)]
        low = self.dimensions.sort("mean_score").row(0, named=True)
        high = self.dimensions.sort("mean_score", descending=True).row(0, named=True)
        out.append(
            _(
                "Lowest QA dimension: {low} ({low_score} of 100); highest: {high} ({high_score})."
            ).format(
                low=label(low["dimension"]),
                low_score=fmt_value(low["mean_score"], "score", decimals=1),
                high=label(high["dimension"]),
                high_score=fmt_value(high["mean_score"], "score", decimals=1),
            )
        )
        return out

    def readable(self) -> pl.DataFrame:
        return self.sampling.select(
            "channel", pl.col("answered").alias("answered_contacts"), "sampled", "sampling_rate"
        )

    def _repr_html_(self) -> str:
        if self.lacking == "table":
            return section_html(self.title, self.findings())
        units = {"answered_contacts": "count", "sampled": "count", "sampling_rate": "share"}
        return section_html(self.title, self.findings(), self.readable(), units=units)

    def plot(self) -> go.Figure | None:
        """The score per QA dimension; ``None`` when there is nothing to draw."""
        if self.lacking is not None:
            return None
        d = self.dimensions.sort("mean_score")
        fig = go.Figure(
            go.Bar(
                y=[chart_text(v) for v in d["dimension"]],
                x=d["mean_score"],
                orientation="h",
                marker_color=INK,
                text=[fmt_value(v, "score", decimals=1) for v in d["mean_score"]],
                textposition="inside",
                insidetextanchor="start",
                error_x=dict(type="data", array=(1.96 * d["se"]).to_list(), color=COLORS["muted"]),
                hovertemplate="%{y}: %{text}<extra></extra>",
            )
        )
        note = _("Thin lines: where the true value likely lies (95%).")
        fig.update_layout(
            title=titled(_("QA score by dimension, {month}").format(month=self.period.label), note),
            xaxis=dict(range=[0, 100], title=_("QA score (of 100)")),
            yaxis=dict(automargin=True),
            height=360,
        )
        return fig


def qa(
    qa_scores: pl.LazyFrame | pl.DataFrame | None, contacts: pl.LazyFrame, period: ReviewPeriods
) -> QualityAssurance:
    """QA sampling of the month's answered contacts per channel and the score per dimension.

    ``qa_scores`` is ``None`` when the workspace has no QA scores (``ReviewInputs.qa_scores`` of a
    workspace that loaded its contacts only): the section then says so and how to load them,
    instead of failing the report.
    """
    cur = (
        _in(contacts_for(contacts, period, which=("current",), flags=False), period)
        .filter(pl.col("answered_at").is_not_null())
        .select("contact_id", "channel")
    )
    if qa_scores is None:
        qa_scores = pl.LazyFrame(
            schema={"contact_id": pl.Utf8, "dimension": pl.Utf8, "score": pl.Float64}
        )
        lacking: str | None = "table"
    else:
        lacking = None
    scored = qa_scores.lazy().join(cur, on="contact_id", how="inner")
    sampled = scored.group_by("channel").agg(sampled=pl.col("contact_id").n_unique())
    answered = cur.group_by("channel").agg(answered=pl.len())
    sampling = (
        answered.join(sampled, on="channel", how="left")
        .fill_null(0)
        .with_columns(sampling_rate=pl.col("sampled") / pl.col("answered"))
        .sort("channel")
        .collect()
    )
    sampling = order_levels(sampling, "channel")
    dims = (
        scored.group_by("dimension")
        .agg(
            mean_score=pl.col("score").mean(),
            se=pl.col("score").std() / pl.len().sqrt(),
            n=pl.len(),
        )
        .sort("dimension")
        .collect()
    )
    if lacking is None and dims.height == 0:
        lacking = "month"
    return QualityAssurance(sampling=sampling, dimensions=dims, period=period, lacking=lacking)
