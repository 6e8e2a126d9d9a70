"""Customers over a year: retention against its target and the previous year, churn by month,
NPS with its interval and its change.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

import plotly.graph_objects as go
import polars as pl

from cxlab._errors import CxlabError
from cxlab._present import (
    N_,
    Headline,
    Period,
    _,
    fmt_change,
    fmt_interval,
    fmt_list,
    fmt_month,
    fmt_value,
    join_sentences,
    label,
)
from cxlab._result import Result
from cxlab._stats import wilson_interval
from cxlab.review._year import ReviewYear
from cxlab.review._year_common import _month_axis, _next, _section, _setup
from cxlab.viz import COLORS


@dataclass(frozen=True)
class YearCustomers(Result):
    """Retention over the year (by segment) against its target and the previous year, churn by
    month, and NPS for the year with its interval, against the previous year, by month.
    ``year`` is the year under review, with the months the data cover; the previous year is
    compared with only when the data cover it whole."""

    year: ReviewYear
    retention: pl.DataFrame  # period, segment, customers_at_start, customers_retained, ...
    churn: pl.DataFrame  # month, customers_at_start, churned_in_month, churn_rate
    nps: pl.DataFrame  # period, n, nps, ci_low, ci_high (the year and the previous year)
    nps_change: dict | None  # estimate, ci_low, ci_high, p_value
    nps_months: pl.DataFrame  # month, n, nps, ci_low, ci_high
    retention_target: float | None
    segment_p_value: float | None = None  # log-rank test of the segments' retention curves
    notes: tuple[str, ...] = field(default=())

    @property
    def title(self) -> str:
        return _("Customers, {year}").format(year=self.year.text)

    def summary(self) -> pl.DataFrame:
        """Every figure in one long table: ``measure`` (retention, churn_rate, nps), ``period``
        (``year``, ``previous_year`` or a month ``YYYY-MM``), ``segment``, ``n`` (customers at
        the start, or answers), ``estimate``, ``ci_low``, ``ci_high``."""
        schema = {
            "measure": pl.Utf8,
            "period": pl.Utf8,
            "segment": pl.Utf8,
            "n": pl.Int64,
            "estimate": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
        }
        month = pl.col("month").dt.strftime("%Y-%m").alias("period")
        parts = [
            self.retention.select(
                pl.lit("retention").alias("measure"),
                "period",
                "segment",
                pl.col("customers_at_start").alias("n"),
                pl.col("retention").alias("estimate"),
                "ci_low",
                "ci_high",
            ),
            self.churn.select(
                pl.lit("churn_rate").alias("measure"),
                month,
                pl.lit("all").alias("segment"),
                pl.col("customers_at_start").alias("n"),
                pl.col("churn_rate").alias("estimate"),
                pl.lit(None, pl.Float64).alias("ci_low"),
                pl.lit(None, pl.Float64).alias("ci_high"),
            ),
            self.nps.select(
                pl.lit("nps").alias("measure"),
                "period",
                pl.lit("all").alias("segment"),
                "n",
                pl.col("nps").alias("estimate"),
                "ci_low",
                "ci_high",
            ),
            self.nps_months.select(
                pl.lit("nps").alias("measure"),
                month,
                pl.lit("all").alias("segment"),
                "n",
                pl.col("nps").alias("estimate"),
                "ci_low",
                "ci_high",
            ),
        ]
        return pl.concat([part.cast(schema) for part in parts])

    def _retention(self, which: str, segment: str = "all") -> dict | None:
        rows = self.retention.filter((pl.col("period") == which) & (pl.col("segment") == segment))
        return rows.row(0, named=True) if rows.height else None

    def findings(self) -> list[str]:
        partial = self.year.coverage_text(compared=False)
        out = [partial] if partial else []
        now = self._retention("year")
        before = self._retention("previous_year")
        if now is None:
            out.append(_("Retention over the year cannot be measured before the year is complete."))
        else:
            sentence = _(
                "{share} of the {n} customers at the start of {year} were still customers at its "
                "end (likely {range})."
            ).format(
                share=fmt_value(now["retention"], "share"),
                n=fmt_value(now["customers_at_start"], "count"),
                year=self.year.text,
                range=fmt_interval(now["ci_low"], now["ci_high"], "share", change=False),
            )
            if self.retention_target is not None:
                met = now["retention"] >= self.retention_target
                verdict = (
                    _("That meets the target of {target}.")
                    if met
                    else _("That misses the target of {target}.")
                ).format(target=fmt_value(self.retention_target, "share"))
                sentence = join_sentences(sentence, verdict)
            out.append(sentence)
            segments = self.retention.filter(
                (pl.col("period") == "year") & (pl.col("segment") != "all")
            )
            if segments.height:
                out.append(
                    _("By segment: {parts}.").format(
                        parts=fmt_list(
                            [
                                _("{segment}: {share}").format(
                                    segment=label(s), share=fmt_value(v, "share")
                                )
                                for s, v in segments.select("segment", "retention").iter_rows()
                            ]
                        )
                    )
                )
                if self.segment_p_value is not None and segments.height > 1:
                    out.append(
                        _("The gap between segments is beyond chance (log-rank test).")
                        if self.segment_p_value < 0.05
                        else _("The gap between segments is within chance (log-rank test).")
                    )
            if before is not None:
                out.append(
                    _("The year before, {share} were kept ({change}).").format(
                        share=fmt_value(before["retention"], "share"),
                        change=fmt_change(now["retention"] - before["retention"], "share"),
                    )
                )
            else:
                out.append(_("The data do not cover the previous year: no comparison is made."))
        if self.churn.height:
            worst = self.churn.sort("churn_rate").row(-1, named=True)
            out.append(
                _("The most customers were lost in {month}: {rate} of those at its start.").format(
                    month=fmt_month(worst["month"]), rate=fmt_value(worst["churn_rate"], "share")
                )
            )
        y = self.nps.filter(pl.col("period") == "year")
        if y.height and y["n"][0]:
            r = y.row(0, named=True)
            out.append(
                _("NPS for {year}: {nps} from {n} answers (likely {range}).").format(
                    year=self.year.span.text,
                    nps=fmt_value(r["nps"], "nps"),
                    n=fmt_value(r["n"], "count"),
                    range=fmt_interval(r["ci_low"], r["ci_high"], "nps", change=False),
                )
            )
            c = self.nps_change
            if c is not None:
                real = c["ci_low"] > 0 or c["ci_high"] < 0
                out.append(
                    (
                        _(
                            "Against the previous year it moved {change} (likely {range}), beyond chance."
                        )
                        if real
                        else _(
                            "Against the previous year it moved {change} (likely {range}), within "
                            "chance."
                        )
                    ).format(
                        change=fmt_change(c["estimate"], "nps"),
                        range=fmt_interval(c["ci_low"], c["ci_high"], "nps"),
                    )
                )
            elif not self.year.previous_complete:
                out.append(_("The surveys do not cover the previous year: NPS is not compared."))
        else:
            out.append(_("No survey answer in the year: NPS cannot be given."))
        return out

    def headline(self) -> list[Headline]:
        cards = []
        now, before = self._retention("year"), self._retention("previous_year")
        if now is not None:
            cards.append(
                Headline(
                    key="year_retention",
                    label=N_("Retention over the year"),
                    value=now["retention"],
                    unit="share",
                    target=self.retention_target,
                    direction=">=" if self.retention_target is not None else None,
                    period=self.year.current.iso,
                    change=now["retention"] - before["retention"] if before else None,
                    compared_to="year_ago" if before else None,
                    higher_is_better=True,
                    low=now["ci_low"],
                    high=now["ci_high"],
                )
            )
        y = self.nps.filter(pl.col("period") == "year")
        if y.height and y["n"][0]:
            r = y.row(0, named=True)
            c = self.nps_change
            cards.append(
                Headline(
                    key="year_nps",
                    label=N_("NPS"),
                    value=r["nps"],
                    unit="nps",
                    period=self.year.span.iso,
                    low=r["ci_low"],
                    high=r["ci_high"],
                    change=c["estimate"] if c else None,
                    compared_to="year_ago" if c else None,
                    higher_is_better=True,
                )
            )
        return cards

    def view(self) -> pl.DataFrame:
        """Month by month: customers at the start, lost, churn rate and NPS."""
        t = self.churn.join(
            self.nps_months.select("month", pl.col("nps"), pl.col("n").alias("responses")),
            on="month",
            how="full",
            coalesce=True,
        ).sort("month")
        return t.select(
            pl.col("month").map_elements(fmt_month, return_dtype=pl.Utf8),
            "customers_at_start",
            "churned_in_month",
            "churn_rate",
            "nps",
        )

    def retention_view(self) -> pl.DataFrame:
        """Retention over the year and the year before, overall and by segment."""
        words = {"year": self.year.text, "previous_year": self.year.previous_text}
        return self.retention.select(
            pl.col("period").replace_strict(words, return_dtype=pl.Utf8),
            pl.col("segment").map_elements(
                lambda v: _("All customers") if v == "all" else label(v), return_dtype=pl.Utf8
            ),
            "customers_at_start",
            "customers_retained",
            "retention",
            pl.struct("ci_low", "ci_high")
            .map_elements(
                lambda r: fmt_interval(r["ci_low"], r["ci_high"], "share", change=False),
                return_dtype=pl.Utf8,
            )
            .alias("interval_text"),
        )

    def _repr_html_(self) -> str:
        units = {
            "customers_at_start": "count",
            "churned_in_month": "count",
            "churn_rate": "share",
            "customers_retained": "count",
            "retention": "share",
            "nps": "nps",
        }
        return _section(
            self.title,
            self.headline(),
            self.findings(),
            [self.retention_view(), self.view()] if self.retention.height else [self.view()],
            units,
            [_(n) for n in self.notes],
        )

    def plot(self) -> go.Figure:
        """Churn by month (bars, left) and NPS by month with its interval (line, right)."""
        from plotly.subplots import make_subplots

        fig = make_subplots(specs=[[{"secondary_y": True}]])
        fig.add_trace(
            go.Bar(
                x=self.churn["month"].to_list(),
                y=(100 * self.churn["churn_rate"]).to_list(),
                name=_("Churn rate"),
                marker_color=COLORS["muted"],
            ),
            secondary_y=False,
        )
        m = self.nps_months
        fig.add_trace(
            go.Scatter(
                x=m["month"].to_list(),
                y=m["nps"].to_list(),
                name=_("NPS"),
                line=dict(color=COLORS["primary"]),
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=(m["ci_high"] - m["nps"]).to_list(),
                    arrayminus=(m["nps"] - m["ci_low"]).to_list(),
                ),
            ),
            secondary_y=True,
        )
        fig.update_yaxes(title_text=_("Churn rate (%)"), secondary_y=False)
        fig.update_yaxes(title_text=_("NPS"), secondary_y=True, showgrid=False, tickformat=".0f")
        return _month_axis(fig, self.title)


def _cohort(customers: pl.DataFrame, period: Period) -> pl.DataFrame:
    """The customers active on ``period``'s first day, followed to its end: ``duration`` in days
    from the first day to leaving (or to the end), ``churned`` when they left before the end."""
    days = (period.end - period.start).days
    left = pl.col("churn_date").is_not_null() & (pl.col("churn_date") < period.end)
    return customers.filter(
        (pl.col("signup_date") < period.start)
        & (pl.col("churn_date").is_null() | (pl.col("churn_date") >= period.start))
    ).select(
        "customer_id",
        "segment",
        pl.when(left)
        .then((pl.col("churn_date") - pl.lit(period.start)).dt.total_days())
        .otherwise(days)
        .cast(pl.Float64)
        .alias("duration"),
        left.cast(pl.Int64).alias("churned"),
    )


def _retained(
    customers: pl.DataFrame, period: Period, which: str
) -> tuple[pl.DataFrame, float | None]:
    """Retention over ``period`` of the customers active on its first day, overall and by
    segment: the churn room's Kaplan–Meier estimate at the period's last day, with its interval
    (nobody is censored before the end, so it is the share kept), and the log-rank p-value of
    the segments' curves (``None`` when nobody left)."""
    from cxlab.churn import kaplan_meier

    cohort = _cohort(customers, period)
    days = float((period.end - period.start).days)
    counts = (
        pl.concat(
            [
                cohort.select(pl.lit("all").alias("segment"), pl.len().alias("n"), "churned"),
                cohort.select("segment", pl.len().over("segment").alias("n"), "churned"),
            ]
        )
        .group_by("segment", maintain_order=True)
        .agg(pl.col("n").first(), (pl.col("n").first() - pl.col("churned").sum()).alias("kept"))
    )
    p_value = None
    if cohort["churned"].sum() == 0:  # nobody left: the curves say nothing, the share is 100%
        lo, hi = wilson_interval(counts["kept"].to_numpy(), counts["n"].to_numpy())
        bounds = counts.select("segment").with_columns(
            pl.Series("ci_low", lo), pl.Series("ci_high", hi)
        )
    else:
        overall = kaplan_meier(cohort, at_days=[days]).retention.with_columns(
            pl.lit("all").alias("group")
        )
        segments = kaplan_meier(cohort, by="segment", at_days=[days])
        by_segment, p_value = segments.retention, segments.logrank_p_value
        bounds = pl.concat(
            [
                t.select(pl.col("group").cast(pl.Utf8), "ci_low", "ci_high")
                for t in (overall, by_segment)
            ]
        ).rename({"group": "segment"})
    t = counts.join(bounds, on="segment", how="left").sort(pl.col("segment") != "all", "segment")
    frame = t.select(
        pl.lit(which).alias("period"),
        "segment",
        pl.col("n").cast(pl.Int64).alias("customers_at_start"),
        pl.col("kept").cast(pl.Int64).alias("customers_retained"),
        (pl.col("kept") / pl.col("n")).alias("retention"),
        "ci_low",
        "ci_high",
    )
    return frame, p_value


def _monthly_churn(customers: pl.DataFrame, months: list[dt.date]) -> pl.DataFrame:
    rows = []
    for m in months:
        end = _next(m)
        active = customers.filter(
            (pl.col("signup_date") < m)
            & (pl.col("churn_date").is_null() | (pl.col("churn_date") >= m))
        )
        lost = active.filter(pl.col("churn_date") < end).height
        n = active.height
        rows.append(
            {
                "month": m,
                "customers_at_start": n,
                "churned_in_month": lost,
                "churn_rate": lost / n if n else None,
            }
        )
    schema = {
        "month": pl.Date,
        "customers_at_start": pl.Int64,
        "churned_in_month": pl.Int64,
        "churn_rate": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


def year_customers(
    year: ReviewYear | Period | str = "latest_12_months",
    *,
    workspace: str | os.PathLike | None = None,
) -> YearCustomers:
    """Retention and NPS for ``year``.

    ``year`` is a :class:`ReviewYear` or any year :func:`review_year` reads (a
    :class:`~cxlab._present.Period` of twelve whole months or its spec). Retention needs every
    month of the year covered, and the change against the previous year every month of both.

    Retention: the share of customers active on the year's first day still customers on the day
    after its last (overall and by segment), against the targets table's
    yearly ``retention`` target and the previous year when the data cover it; churn by month is
    the share of customers active at a month's start lost during it. Every customer of the
    cohort is followed to the year's end, so nobody is censored and the churn room's
    Kaplan–Meier estimate (:func:`cxlab.churn.kaplan_meier`, its interval and the log-rank test
    between segments) is this share. NPS for the year, its interval and
    its change against the previous year come from :func:`cxlab.nps.compare`, the monthly NPS
    from :func:`cxlab.nps.trend`.

    Examples
    --------
    >>> import cxlab as cx
    >>> customers = cx.review.year_customers(cx.review.Period.parse("2025-11..2026-10"))
    >>> customers.retention.height  # four months cannot give a year's retention
    0
    """
    from cxlab.data import load
    from cxlab.nps import compare, trend

    year, workspace, _contacts = _setup(year, workspace)
    tz = year.time_zone
    customers = load("customers", workspace=workspace).collect()
    targets = load("targets", workspace=workspace).collect()
    surveys = load("surveys", workspace=workspace)
    parts, segment_p = [], None
    if year.complete:
        frame, segment_p = _retained(customers, year.current, "year")
        parts.append(frame)
        if year.previous_complete:
            parts.append(_retained(customers, year.previous, "previous_year")[0])
    retention_schema = {
        "period": pl.Utf8,
        "segment": pl.Utf8,
        "customers_at_start": pl.Int64,
        "customers_retained": pl.Int64,
        "retention": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
    }
    retention = (
        pl.concat(parts).cast(retention_schema) if parts else pl.DataFrame(schema=retention_schema)
    )
    found = targets.filter(
        (pl.col("kpi") == "retention") & (pl.col("period") == "yearly") & (pl.col("scope") == "all")
    )
    target = float(found["target"][0]) if found.height else None
    churn = _monthly_churn(customers, list(year.covered))
    nps_schema = {
        "period": pl.Utf8,
        "n": pl.Int64,
        "nps": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
    }
    month_schema = {
        "month": pl.Date,
        "n": pl.Int64,
        "nps": pl.Float64,
        "ci_low": pl.Float64,
        "ci_high": pl.Float64,
    }
    nps = pl.DataFrame(schema=nps_schema)
    change = None
    nps_months = pl.DataFrame(schema=month_schema)
    span = year.span
    try:
        moved = compare(surveys, period=span, compare_to="year_ago", time_zone=tz)
    except CxlabError:
        moved = None
    if moved is not None:
        r = moved.table.row(0, named=True)
        rows = [("year", r["n_now"], r["nps_now"], r["nps_now_low"], r["nps_now_high"])]
        if year.whole_comparison and r["n_before"]:
            rows.append(("previous_year", r["n_before"], r["nps_before"], None, None))
            change = {k: r[k] for k in ("estimate", "ci_low", "ci_high", "p_value")}
        nps = pl.DataFrame(rows, schema=nps_schema, orient="row")
    in_span = surveys.filter(span.filter("responded_at", tz))
    if in_span.select(pl.len()).collect().item():
        by_month = trend(in_span, time_zone=tz).summary()
        nps_months = by_month.select(
            pl.col("ts").dt.date().alias("month"),
            pl.col("n"),
            pl.col("nps"),
            pl.col("ci_low"),
            pl.col("ci_high"),
        ).cast(month_schema)
    notes = (
        N_(
            "Retention: customers active on the year's first day and still customers on the day "
            "after its last, the Kaplan–Meier estimate at the year's end with its 95% interval "
            "(Greenwood); everyone in the cohort is followed to the year's end, so it is the "
            "share kept. Segments are compared with a log-rank test. The change against the "
            "previous year is not tested: the two years' cohorts share most of their customers."
        ),
        N_(
            "NPS with a 95% interval (adjusted Wald); the change against the previous year is "
            "tested on the two years' answers."
        ),
    )
    return YearCustomers(
        year=year,
        retention=retention,
        churn=churn,
        nps=nps,
        nps_change=change,
        nps_months=nps_months,
        retention_target=target,
        segment_p_value=segment_p,
        notes=notes,
    )
