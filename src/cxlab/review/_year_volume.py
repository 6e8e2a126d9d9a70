"""The year's contact volume: by channel and month, against the previous year, and its peaks
with the events on record that likely caused them."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from cxlab._config import Settings
from cxlab._present import (
    N_,
    Headline,
    Period,
    _,
    fmt_date,
    fmt_list,
    fmt_month,
    fmt_period,
    fmt_value,
    gettext,
    label,
    order_levels,
    register_labels,
)
from cxlab._result import Result
from cxlab.data import has_table, load
from cxlab.review._show import chart_text, section_html
from cxlab.review._year import ReviewYear, _settings, review_year, year_rows
from cxlab.viz import COLORS

register_labels(
    {
        "peak": N_("When"),
        "peak_kind": N_("Peak"),
        "above_usual": N_("Above the usual"),
        "events_text": N_("Events on record"),
    }
)

PEAK_DAYS = 5
PEAK_WEEKS = 3
_PEAK_SCHEMA = {
    "kind": pl.Utf8,
    "start": pl.Date,
    "end": pl.Date,
    "contacts": pl.Int64,
    "usual": pl.Float64,
    "events": pl.Utf8,
}


def _month_contacts(rows: pl.DataFrame, which: str, months: tuple[dt.date, ...]) -> int:
    return rows.filter(pl.col("which") == which, pl.col("month").is_in(list(months))).height


def _events_in(events: pl.DataFrame, lo: dt.datetime, hi: dt.datetime) -> list[str]:
    """The names of the events on record that overlap ``[lo, hi)``, first to start first."""
    if events.is_empty():
        return []
    hit = events.filter((pl.col("start") < hi) & (pl.col("end") > lo)).sort("start")
    return list(dict.fromkeys(hit["name"].to_list()))


@dataclass(frozen=True)
class YearVolume(Result):
    """Contacts of the year by month and channel, the total against the previous year (on the
    months both years cover), and the peak month, weeks and days with their likely causes.

    ``peaks`` has ``kind`` (month, week, day), ``start`` and ``end`` (local dates, end
    exclusive), ``contacts``, ``usual`` (a typical month, week or same weekday of the year) and
    ``events`` (the names of the events on record overlapping it, ``;``-separated; empty: none)."""

    year: ReviewYear
    monthly: pl.DataFrame  # which, month, channel, contacts
    total: int
    compared: int | None  # the current year's contacts on the months both years cover
    previous: int | None  # the previous year's contacts on those months
    peaks: pl.DataFrame

    @property
    def title(self) -> str:
        return _("Contact volume, {year}").format(year=self.year.text)

    @property
    def change(self) -> float | None:
        """The relative change against the previous year, on the months both cover."""
        if not self.previous or self.compared is None:
            return None
        return self.compared / self.previous - 1

    def summary(self) -> pl.DataFrame:
        return self.monthly.filter(pl.col("which") == "current").drop("which")

    def table(self) -> pl.DataFrame:
        """Contacts by month (rows) and channel (columns), with the month's total."""
        cur = order_levels(self.summary(), "channel")
        wide = (
            cur.with_columns(pl.col("channel").map_elements(label, return_dtype=pl.Utf8))
            .pivot(on="channel", index="month", values="contacts", maintain_order=True)
            .sort("month")
        )
        channels = [c for c in wide.columns if c != "month"]
        wide = wide.with_columns(pl.sum_horizontal(channels).alias(_("Total")))
        return wide.with_columns(
            pl.col("month").map_elements(fmt_month, return_dtype=pl.Utf8)
        ).rename({"month": label("month")})

    def headline(self) -> list[Headline]:
        partial = None
        if not self.year.complete:
            partial = _("partial: {n} of 12 months").format(
                n=fmt_value(len(self.year.covered), "count")
            )
        change = None
        if self.change is not None:
            change = _("{change} vs previous year").format(change=fmt_value(self.change, "percent"))
            if not self.year.whole_comparison:
                change = _("{change} on the months both years cover").format(
                    change=fmt_value(self.change, "percent")
                )
        return [
            Headline(
                key="year_contacts",
                label=N_("Contacts in the year"),
                value=self.total,
                unit="count",
                period=self.year.current.iso,
                detail=_(", ").join(t for t in (partial, change) if t) or None,
            )
        ]

    def findings(self) -> list[str]:
        out = []
        coverage = self.year.coverage_text()
        if coverage:
            out.append(coverage)
        if self.change is None:
            out.append(
                _("{n} contacts in {year}; there is no previous year to compare with.").format(
                    n=fmt_value(self.total, "count"), year=self.year.text
                )
            )
        elif self.year.whole_comparison:
            out.append(
                _("{n} contacts in {year}, {change} on the {before} of {previous}.").format(
                    n=fmt_value(self.total, "count"),
                    year=self.year.text,
                    change=fmt_value(self.change, "percent"),
                    before=fmt_value(self.previous, "count"),
                    previous=self.year.previous_text,
                )
            )
        else:
            out.append(
                _(
                    "{n} contacts in the months of {year} the data cover; on the {months} months "
                    "both years cover, {now} against {before} a year before ({change})."
                ).format(
                    n=fmt_value(self.total, "count"),
                    year=self.year.text,
                    months=fmt_value(len(self.year.shared), "count"),
                    now=fmt_value(self.compared, "count"),
                    before=fmt_value(self.previous, "count"),
                    change=fmt_value(self.change, "percent"),
                )
            )
        cur = self.summary()
        by_channel = cur.group_by("channel").agg(pl.col("contacts").sum())
        prev = (
            self.monthly.filter(
                pl.col("which") == "previous",
                pl.col("month").is_in([_year_ago(m) for m in self.year.shared]),
            )
            .group_by("channel")
            .agg(pl.col("contacts").sum().alias("before"))
        )
        now = (
            cur.filter(pl.col("month").is_in(list(self.year.shared)))
            .group_by("channel")
            .agg(pl.col("contacts").sum().alias("now"))
        )
        joined = by_channel.join(now, on="channel", how="left").join(prev, on="channel", how="left")
        parts = []
        for r in joined.sort("contacts", descending=True).iter_rows(named=True):
            share = fmt_value(r["contacts"] / max(self.total, 1), "share", decimals=0)
            if r["before"]:
                parts.append(
                    _("{channel} {share} ({change})").format(
                        channel=label(r["channel"]),
                        share=share,
                        change=fmt_value((r["now"] or 0) / r["before"] - 1, "percent"),
                    )
                )
            else:
                parts.append(
                    _("{channel} {share}").format(channel=label(r["channel"]), share=share)
                )
        out.append(_("By channel: {items}.").format(items=fmt_list(parts)))
        out += [self._peak_words(r) for r in self.peaks.iter_rows(named=True)]
        return out

    def _peak_words(self, r: dict) -> str:
        when = _when(r)
        above = fmt_value(r["contacts"] / r["usual"] - 1, "percent") if r["usual"] else "–"
        usual = {
            "month": _("the average month"),
            "week": _("the average week"),
            "day": _("the usual of the same weekdays"),
        }[r["kind"]]
        names = [gettext(n) for n in (r["events"] or "").split(";") if n]
        if names:
            return _(
                "Peak: {when}, {n} contacts ({above} on {usual}); likely cause: {events}."
            ).format(
                when=when,
                n=fmt_value(r["contacts"], "count"),
                above=above,
                usual=usual,
                events=fmt_list(names),
            )
        return _(
            "Peak: {when}, {n} contacts ({above} on {usual}); no event on record explains it."
        ).format(when=when, n=fmt_value(r["contacts"], "count"), above=above, usual=usual)

    def peak_table(self) -> pl.DataFrame:
        """The peaks as a reader reads them: when, contacts, above the usual, events on record."""
        kinds = {"month": _("Month"), "week": _("Week"), "day": _("Day")}
        rows = []
        for r in self.peaks.iter_rows(named=True):
            when = _when(r)
            names = [gettext(n) for n in (r["events"] or "").split(";") if n]
            rows.append(
                {
                    "peak_kind": kinds[r["kind"]],
                    "peak": when,
                    "contacts": r["contacts"],
                    "above_usual": r["contacts"] / r["usual"] - 1 if r["usual"] else None,
                    "events_text": fmt_list(names) if names else _("none on record"),
                }
            )
        schema = {
            "peak_kind": pl.Utf8,
            "peak": pl.Utf8,
            "contacts": pl.Int64,
            "above_usual": pl.Float64,
            "events_text": pl.Utf8,
        }
        return pl.DataFrame(rows, schema=schema)

    def _repr_html_(self) -> str:
        return section_html(self.title, self.findings(), self.table(), units={}, max_rows=None)

    def plot(self) -> go.Figure:
        """Contacts by month, stacked by channel; the previous year's monthly totals as a line."""
        cur = self.summary()
        months = sorted(set(cur["month"].to_list()))
        x = [fmt_month(m, short=True) for m in months]
        fig = go.Figure()
        channels = order_levels(cur.select("channel").unique(), "channel")["channel"].to_list()
        for ch in channels:
            part = cur.filter(pl.col("channel") == ch)
            values = dict(zip(part["month"].to_list(), part["contacts"].to_list(), strict=True))
            fig.add_bar(
                x=x,
                y=[values.get(m, 0) for m in months],
                name=chart_text(ch),
                marker_color=COLORS.get("channels", {}).get(ch),
                hovertemplate="%{x}: %{y:,}<extra>" + chart_text(ch) + "</extra>",
            )
        before = (
            self.monthly.filter(pl.col("which") == "previous")
            .group_by("month")
            .agg(pl.col("contacts").sum())
        )
        prev = dict(zip(before["month"].to_list(), before["contacts"].to_list(), strict=True))
        ys = [prev.get(_year_ago(m)) for m in months]
        if any(v is not None for v in ys):
            fig.add_scatter(
                x=x,
                y=ys,
                mode="lines+markers",
                name=chart_text(_("Same month a year before")),
                line=dict(color=COLORS["periods"]["compare"], dash="dot"),
            )
        fig.update_layout(
            barmode="stack",
            title=_("Contacts by month and channel, {year}").format(year=self.year.text),
            yaxis=dict(title=_("Contacts")),
            xaxis=dict(tickangle=0 if len(months) <= 6 else -30),
            legend=dict(orientation="h", y=-0.25),
            margin=dict(b=110),
        )
        return fig


def _when(r: dict) -> str:
    """A peak's dates in words: a month, a week (or run of weeks), a day (or run of days)."""
    if r["kind"] == "month":
        return fmt_month(r["start"])
    if r["kind"] == "week":
        if r["end"] - r["start"] == dt.timedelta(days=7):
            return _("the week of {day}").format(day=fmt_date(r["start"]))
        return _("the weeks of {period}").format(period=fmt_period(r["start"], r["end"]))
    if r["end"] - r["start"] == dt.timedelta(days=1):
        return fmt_date(r["start"])
    return fmt_period(r["start"], r["end"])


def _runs(found: list[dict]) -> list[dict]:
    """Peaks of one kind that follow each other (Nov 10, 11 and 12) merged into one run."""
    out: list[dict] = []
    for r in sorted(found, key=lambda r: r["start"]):
        last = out[-1] if out else None
        if last is not None and last["end"] == r["start"]:
            last["end"] = r["end"]
            last["contacts"] += r["contacts"]
            last["usual"] += r["usual"]
        else:
            out.append(dict(r))
    return sorted(out, key=lambda r: -(r["contacts"] / r["usual"]))


def _year_ago(m: dt.date) -> dt.date:
    return dt.date(m.year - 1, m.month, 1)


def _peaks(rows: pl.DataFrame, year: ReviewYear, events: pl.DataFrame) -> pl.DataFrame:
    tz = year.time_zone
    cur = rows.filter(pl.col("which") == "current").with_columns(
        day=pl.col("arrived_at").dt.convert_time_zone(tz).dt.date()
    )
    found: list[dict] = []

    def peak(kind: str, start: dt.date, end: dt.date, n: int, usual: float) -> dict:
        return {"kind": kind, "start": start, "end": end, "contacts": n, "usual": usual}

    months = cur.group_by("month").agg(pl.len().alias("n")).sort("n", descending=True)
    if months.height >= 2:
        top = months.row(0, named=True)
        end = Period.parse(f"{top['month']:%Y-%m}").end
        found.append(peak("month", top["month"], end, top["n"], months["n"].mean()))
    days = cur.group_by("day").agg(pl.len().alias("n")).sort("day")
    if days.height >= 14:
        weeks = (
            days.with_columns(week=pl.col("day").dt.truncate("1w"))
            .group_by("week")
            .agg(pl.col("n").sum(), pl.len().alias("days"))
            .filter(pl.col("days") == 7)
            .sort("n", descending=True)
        )
        usual = weeks["n"].median() if weeks.height else None
        found += _runs(
            [
                peak("week", r["week"], r["week"] + dt.timedelta(days=7), r["n"], usual)
                for r in weeks.head(PEAK_WEEKS).iter_rows(named=True)
            ]
        )
        days = days.with_columns(
            usual=pl.col("n").median().over(pl.col("day").dt.weekday())
        ).with_columns(ratio=pl.col("n") / pl.col("usual"))
        found += _runs(
            [
                peak("day", r["day"], r["day"] + dt.timedelta(days=1), r["n"], r["usual"])
                for r in days.sort("ratio", descending=True).head(PEAK_DAYS).iter_rows(named=True)
            ]
        )
    for r in found:
        lo, hi = Period("", r["start"], r["end"]).utc_bounds(tz)
        r["events"] = ";".join(_events_in(events, lo, hi))
    return pl.DataFrame(found, schema=_PEAK_SCHEMA)


def year_volume(
    year: str | ReviewYear = "latest_12_months",
    *,
    workspace: str | os.PathLike | Settings | None = None,
) -> YearVolume:
    """The year's contacts by channel and month, against the previous year, with its peaks.

    ``year`` is a :class:`ReviewYear` or any spec :func:`review_year` reads. The total is
    compared with the previous year on the months both years cover (all twelve when both are
    whole); a peak overlapping an event of the events table names it as its likely cause.

    Examples
    --------
    >>> import cxlab as cx
    >>> v = cx.review.year_volume("latest_12_months")  # doctest: +SKIP
    >>> v.total, round(v.change, 3)  # doctest: +SKIP
    (262870, 0.017)
    """
    y = review_year(year, workspace=workspace)
    ws = _settings(workspace if workspace is not None else y.workspace)
    rows = year_rows(y, workspace=ws)
    monthly = (
        rows.group_by("which", "month", "channel")
        .agg(pl.len().cast(pl.Int64).alias("contacts"))
        .sort("which", "month", "channel")
    )
    total = rows.filter(pl.col("which") == "current").height
    compared = previous = None
    if y.comparable:
        compared = _month_contacts(rows, "current", y.shared)
        previous = _month_contacts(rows, "previous", tuple(_year_ago(m) for m in y.shared))
    events = (
        load("events", workspace=ws).collect()
        if has_table("events", ws)
        else pl.DataFrame(schema={"name": pl.Utf8, "start": pl.Datetime, "end": pl.Datetime})
    )
    return YearVolume(y, monthly, total, compared, previous, _peaks(rows, y, events))
