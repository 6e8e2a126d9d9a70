"""The year against its targets, and the biggest improvements and weakest areas of the year.

Targets are judged by the scorecard (:func:`cxlab.review.scorecard` on the year and the year
before): a monthly target is met or missed in each month (the headline card's status) and by the
year's value; a yearly target by the year's value. Changes by channel, region and complaint type
are ranked only where both years have enough contacts and the change survives a correction for
the number of comparisons made.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from cxlab._config import Settings
from cxlab._present import (
    N_,
    Headline,
    _,
    fmt_list,
    fmt_month,
    fmt_p,
    fmt_value,
    join_sentences,
    label,
    register_labels,
)
from cxlab._result import Result
from cxlab._stats import adjust_p
from cxlab.features import MetricConfig, metrics
from cxlab.review._moments import change_test, moments
from cxlab.review._open import load_targets
from cxlab.review._period import ReviewPeriods
from cxlab.review._scorecard import Scorecard, pair_texts, scorecard
from cxlab.review._show import cap, chart_text, kpi_name, mid, section_html
from cxlab.review._year import ReviewYear, _settings, review_year, year_rows
from cxlab.viz import COLORS

register_labels(
    {
        "months_met": N_("Months met"),
        "change_kind": N_("Change"),
        "where_text": N_("Where"),
        "evidence": N_("Evidence"),
    }
)

MIN_BASE = 400  # contacts (or ratings) in each year below which a cell is not ranked
RANK_ALPHA = 0.05  # false discovery rate of the ranked changes (Benjamini-Hochberg)
TOP = 5
RANKED = {  # KPI -> the dimensions it is ranked by
    "fcr_reported": ("channel", "region"),
    "csat": ("channel", "region"),
    "aht": ("channel", "region"),
    "answer_rate": ("channel", "region"),
    "service_level": ("channel", "region"),
    "abandonment_rate": ("channel", "region"),
    "complaint_rate": ("channel", "region"),
    "resolution_within": ("channel", "region", "priority"),
    "complaint_closed_in_time": ("complaint_type",),
    "complaint_handle_hours": ("complaint_type",),
}


def _months_met(r: dict) -> str | None:
    """A monthly target's months met in words ("11 of 12 months"); ``None`` for a yearly one."""
    if r["period"] != "monthly":
        return None
    return _("{k} of {n} months").format(
        k=fmt_value(r["months_met"], "count"), n=fmt_value(r["months"], "count")
    )


@dataclass(frozen=True)
class YearTargets(Result):
    """Each target of the year: the year's value against it (the scorecard's evaluation), and for
    a monthly target the months it was met in.

    ``table`` has kpi, scope, unit, period (monthly, yearly), target, direction, value (the
    year's), met (the year's value against the target), months_met, months (the months judged)
    and missed_months (the first days of the months missed); ``unmeasured`` lists targets the
    contacts do not measure (kpi, scope)."""

    year: ReviewYear
    table: pl.DataFrame
    card: Scorecard
    unmeasured: tuple[tuple[str, str], ...] = ()

    @property
    def title(self) -> str:
        return _("Targets for {year}").format(year=self.year.text)

    def summary(self) -> pl.DataFrame:
        return self.table

    def cards(self) -> list[Headline]:
        """One card per target: the year's value against it."""
        out = []
        for r in self.table.iter_rows(named=True):
            months = _months_met(r)
            out.append(
                Headline(
                    key=f"{r['kpi']}:{r['scope']}",
                    label=kpi_name(r["kpi"], r["scope"]),
                    value=r["value"],
                    unit=r["unit"],
                    target=r["target"],
                    direction=r["direction"],
                    period=self.year.current.iso,
                    detail=_("met in {months}").format(months=months) if months else None,
                )
            )
        return out

    def met(self) -> tuple[int, int]:
        """Targets met for the year, and targets judged."""
        judged = [c for c in self.cards() if c.status is not None]
        return sum(c.status == "met" for c in judged), len(judged)

    def headline(self) -> list[Headline]:
        k, n = self.met()
        if not n:
            return []
        return [
            Headline(
                key="year_targets_met",
                label=N_("Targets met for the year"),
                value=_("{met} of {total}").format(met=k, total=n),
                unit="text",
                period=self.year.current.iso,
                detail=None
                if self.year.complete
                else _("partial: {n} of 12 months").format(
                    n=fmt_value(len(self.year.covered), "count")
                ),
            )
        ]

    def findings(self) -> list[str]:
        out = []
        coverage = self.year.coverage_text()
        if coverage:
            out.append(coverage)
        if not self.table.height:
            out.append(_("No targets are set, so nothing is marked met or missed for the year."))
            return out
        k, n = self.met()
        out.append(_("{met} of {total} targets were met over the year.").format(met=k, total=n))
        met = []
        for c, r in zip(self.cards(), self.table.iter_rows(named=True), strict=True):
            if c.status == "met":
                months = _months_met(r)
                met.append(
                    _("{metric} {actual} ({months})").format(
                        metric=mid(c.label), actual=c.value_text(compact=False), months=months
                    )
                    if months
                    else _("{metric} {actual}").format(
                        metric=mid(c.label), actual=c.value_text(compact=False)
                    )
                )
                continue
            if c.status is None:
                continue
            sentence = _(
                "{metric} missed its target for the year: {actual} against {target}."
            ).format(
                metric=cap(c.label),
                actual=c.value_text(compact=False),
                target=Scorecard._target(c),
            )
            if r["period"] == "monthly" and r["months"] and not r["months_met"]:
                sentence = join_sentences(
                    sentence,
                    _("Missed in every month ({n}).").format(n=fmt_value(r["months"], "count")),
                )
            elif r["period"] == "monthly" and len(r["missed_months"]) > TOP:
                sentence = join_sentences(
                    sentence,
                    _("Met in {k} of {n} months.").format(
                        k=fmt_value(r["months_met"], "count"), n=fmt_value(r["months"], "count")
                    ),
                )
            elif r["period"] == "monthly" and r["missed_months"]:
                sentence = join_sentences(
                    sentence,
                    _("Met in {k} of {n} months; missed in {months}.").format(
                        k=fmt_value(r["months_met"], "count"),
                        n=fmt_value(r["months"], "count"),
                        months=fmt_list([fmt_month(m) for m in r["missed_months"]]),
                    ),
                )
            out.append(sentence)
        if met:
            out.append(_("Met for the year: {items}.").format(items=_(", ").join(met)))
        if self.unmeasured:
            out.append(
                _("Not measured from contacts, so not judged here: {items}.").format(
                    items=fmt_list([mid(kpi_name(k, s)) for k, s in self.unmeasured])
                )
            )
        return out

    def report_table(self) -> pl.DataFrame:
        """Measure, target, the year's value, attained, and the months met."""
        rows = []
        for c, r in zip(self.cards(), self.table.iter_rows(named=True), strict=True):
            rows.append(
                {
                    "kpi_text": c.label,
                    "target_text": Scorecard._target(c),
                    "actual_text": c.value_text(compact=False),
                    "attained": label(c.status) if c.status else "",
                    "months_met": _("{k} of {n}").format(
                        k=fmt_value(r["months_met"], "count"), n=fmt_value(r["months"], "count")
                    )
                    if r["period"] == "monthly"
                    else "",
                }
            )
        return pl.DataFrame(
            rows,
            schema=dict.fromkeys(
                ["kpi_text", "target_text", "actual_text", "attained", "months_met"], pl.Utf8
            ),
        )

    def _repr_html_(self) -> str:
        return section_html(self.title, self.findings(), self.report_table(), max_rows=None)

    def plot(self) -> go.Figure:
        """Months each monthly target was met, out of the months judged."""
        monthly = self.table.filter(pl.col("period") == "monthly")
        names = [
            chart_text(kpi_name(k, s))
            for k, s in zip(monthly["kpi"], monthly["scope"], strict=True)
        ]
        fig = go.Figure()
        fig.add_bar(
            y=names,
            x=monthly["months_met"].to_list(),
            orientation="h",
            name=_("Months met"),
            marker_color=[COLORS["good"] if m else COLORS["bad"] for m in monthly["met"].to_list()],
            text=[
                _("{k} of {n}").format(k=fmt_value(k, "count"), n=fmt_value(n, "count"))
                for k, n in zip(monthly["months_met"], monthly["months"], strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
        fig.update_layout(
            title=_("Months each target was met, {year}").format(year=self.year.text),
            xaxis=dict(title=_("Months met"), range=[-0.6, 13.4], tickvals=list(range(13))),
            yaxis=dict(autorange="reversed", automargin=True),
            height=170 + 40 * max(monthly.height, 1),
            showlegend=False,
        )
        return fig


def year_targets(
    year: str | ReviewYear = "latest_12_months",
    *,
    targets: pl.DataFrame | None = None,
    workspace: str | os.PathLike | Settings | None = None,
    config: MetricConfig | None = None,
) -> YearTargets:
    """The year against each target of the targets table (``targets``: another table).

    The year's value and its status come from :func:`scorecard` run on the year; a monthly
    target is also judged month by month, as the monthly review judges it.

    Examples
    --------
    >>> import cxlab as cx
    >>> t = cx.review.year_targets("latest_12_months")  # doctest: +SKIP
    >>> t.met()  # doctest: +SKIP
    (5, 10)
    """
    y = review_year(year, workspace=workspace)
    ws = _settings(workspace if workspace is not None else y.workspace)
    targets = load_targets(ws) if targets is None else targets
    rows = year_rows(y, workspace=ws, config=config)
    dictionary = metrics(config)
    known = targets.filter(pl.col("kpi").is_in(list(dictionary)))
    unmeasured = tuple(
        (r["kpi"], r["scope"])
        for r in targets.filter(~pl.col("kpi").is_in(list(dictionary))).iter_rows(named=True)
    )
    periods = ReviewPeriods(y.current, y.previous, "previous", y.time_zone)
    card = scorecard(rows.lazy(), known, periods, config=config)
    from cxlab.review._year_kpis import yearly_moments

    by_month = yearly_moments(
        rows.filter(pl.col("which") == "current"),
        [(r["kpi"], r["scope"]) for r in known.iter_rows(named=True)],
        config=config,
    )
    out = []
    for t in known.iter_rows(named=True):
        got = card.table.filter(pl.col("kpi") == t["kpi"], pl.col("scope") == t["scope"])
        r = got.row(0, named=True)
        months = by_month.filter(
            pl.col("kpi") == t["kpi"], pl.col("scope") == t["scope"], pl.col("value").is_not_null()
        ).sort("month")
        statuses = [
            (m, Headline("", "", v, r["unit"], t["target"], t["direction"]).status)
            for m, v in zip(months["month"], months["value"], strict=True)
        ]
        out.append(
            {
                "kpi": t["kpi"],
                "scope": t["scope"],
                "unit": r["unit"],
                "period": t.get("period") or "monthly",
                "target": t["target"],
                "direction": t["direction"],
                "value": r["value"],
                "met": r["met"],
                "months_met": sum(s == "met" for _m, s in statuses),
                "months": len(statuses),
                "missed_months": [m for m, s in statuses if s == "missed"],
            }
        )
    schema = {
        "kpi": pl.Utf8,
        "scope": pl.Utf8,
        "unit": pl.Utf8,
        "period": pl.Utf8,
        "target": pl.Float64,
        "direction": pl.Utf8,
        "value": pl.Float64,
        "met": pl.Boolean,
        "months_met": pl.Int64,
        "months": pl.Int64,
        "missed_months": pl.List(pl.Date),
    }
    return YearTargets(y, pl.DataFrame(out, schema=schema), card, unmeasured)


# --- biggest improvements and weakest areas ----------------------------------------------------


@dataclass(frozen=True)
class YearChanges(Result):
    """KPI changes against the previous year by channel, region, priority and complaint type,
    ranked by how far they moved relative to their level, among the changes beyond chance.

    ``table`` has kpi, dimension, level, unit, value, previous, change, p_value, p_adjusted
    (Benjamini-Hochberg over every cell tested), n (this year) and n_previous, better (the
    change is an improvement) and gain (the change relative to the previous year's value,
    signed so that positive is better: the ranking). Cells with fewer than ``min_base`` contacts in either year are left
    out and counted in ``too_small``."""

    year: ReviewYear
    table: pl.DataFrame
    too_small: int
    min_base: int = MIN_BASE

    @property
    def title(self) -> str:
        return _("Biggest improvements and weakest areas, {year}").format(year=self.year.text)

    def summary(self) -> pl.DataFrame:
        return self.table

    def _real(self) -> pl.DataFrame:
        return self.table.filter(pl.col("p_adjusted") < RANK_ALPHA)

    def improvements(self, top: int = TOP) -> pl.DataFrame:
        return self._real().filter(pl.col("better")).sort("gain", descending=True).head(top)

    def weakest(self, top: int = TOP) -> pl.DataFrame:
        return self._real().filter(~pl.col("better")).sort("gain").head(top)

    def _where(self, r: dict) -> str:
        return kpi_name(r["kpi"], f"{r['dimension']}={r['level']}")

    def _evidence(self, r: dict) -> str:
        value, before, change = pair_texts(r["value"], r["previous"], r["change"], r["unit"])
        return _("{value} against {before} ({change}; {p} after correction; {n} contacts)").format(
            value=value,
            before=before,
            change=change,
            p=fmt_p(r["p_adjusted"]),
            n=fmt_value(r["n"], "count"),
        )

    def findings(self) -> list[str]:
        out = []
        if not self.year.comparable:
            return [self.year.coverage_text() or _("There is no previous year to compare with.")]
        if not self.year.whole_comparison:
            out.append(self.year.coverage_text())
        for frame, found, none in (
            (
                self.improvements(),
                _("Biggest improvements: {items}."),
                _("No channel, region or complaint type improved beyond chance."),
            ),
            (
                self.weakest(),
                _("Weakest areas: {items}."),
                _("No channel, region or complaint type worsened beyond chance."),
            ),
        ):
            items = [f"{self._where(r)}: {self._evidence(r)}" for r in frame.iter_rows(named=True)]
            out.append(found.format(items=fmt_list(items, style="semicolon")) if items else none)
        out.append(
            _(
                "{n} comparisons were tested; a change counts when it survives a correction for "
                "that many comparisons (false discovery rate {fdr}). {small} cells with fewer "
                "than {base} contacts in either year were not ranked."
            ).format(
                n=fmt_value(self.table.height, "count"),
                fdr=fmt_value(RANK_ALPHA, "share", decimals=0),
                small=fmt_value(self.too_small, "count"),
                base=fmt_value(self.min_base, "count"),
            )
        )
        return out

    def report_table(self) -> pl.DataFrame:
        rows = []
        for kind, frame in (
            (_("Improvement"), self.improvements()),
            (_("Weakness"), self.weakest()),
        ):
            for r in frame.iter_rows(named=True):
                rows.append(
                    {
                        "change_kind": kind,
                        "where_text": self._where(r),
                        "evidence": self._evidence(r),
                    }
                )
        columns = ["change_kind", "where_text", "evidence"]
        return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.Utf8))

    def _repr_html_(self) -> str:
        return section_html(self.title, self.findings(), self.report_table(), max_rows=None)

    def plot(self) -> go.Figure:
        """The ranked changes as bars, relative to the previous year's value (right: better)."""
        frame = pl.concat([self.improvements(), self.weakest()]).sort("gain")
        fig = go.Figure()
        fig.add_bar(
            y=[chart_text(self._where(r)) for r in frame.iter_rows(named=True)],
            x=(frame["gain"] * 100).to_list(),
            orientation="h",
            marker_color=[COLORS["good"] if b else COLORS["bad"] for b in frame["better"]],
            text=[self._evidence(r) for r in frame.iter_rows(named=True)],
            hovertemplate="%{y}: %{text}<extra></extra>",
            textposition="none",
        )
        if not frame.height:
            fig.add_annotation(
                text=_("No change beyond chance to rank."),
                showarrow=False,
                xref="paper",
                yref="paper",
                x=0.5,
                y=0.5,
                font=dict(size=14),
            )
            fig.update_xaxes(visible=False)
            fig.update_yaxes(visible=False)
        fig.update_layout(
            title=_("Largest changes against the previous year"),
            xaxis=dict(title=_("Change relative to the previous year, % (right: better)")),
            yaxis=dict(automargin=True),
            height=170 + 32 * max(frame.height, 1),
            showlegend=False,
        )
        return fig


def year_changes(
    year: str | ReviewYear = "latest_12_months",
    *,
    workspace: str | os.PathLike | Settings | None = None,
    config: MetricConfig | None = None,
    min_base: int = MIN_BASE,
) -> YearChanges:
    """Rank KPI changes against the previous year by channel, region, priority and complaint
    type, on the months both years cover.

    Each cell is tested with the monthly review's change test; cells with fewer than
    ``min_base`` contacts (or ratings) in either year are not ranked, and the p-values are
    corrected for the number of cells (Benjamini-Hochberg, as the unusual days are).

    References
    ----------
    Benjamini & Hochberg (1995), Controlling the false discovery rate, JRSS B 57.
    """
    y = review_year(year, workspace=workspace)
    ws = _settings(workspace if workspace is not None else y.workspace)
    rows = year_rows(y, workspace=ws, config=config)
    dictionary = metrics(config)
    shared = list(y.shared)
    ago = [m.replace(year=m.year - 1) for m in shared]
    keep = rows.filter(
        ((pl.col("which") == "current") & pl.col("month").is_in(shared))
        | ((pl.col("which") == "previous") & pl.col("month").is_in(ago))
    ).lazy()
    out, small = [], 0
    dims = sorted({d for ds in RANKED.values() for d in ds})
    for dim in dims:
        names = [k for k, ds in RANKED.items() if dim in ds]
        found = moments(keep, names, by=["which", dim], config=config)
        for (kpi, level), part in found.filter(pl.col(dim).is_not_null()).group_by(
            ["kpi", dim], maintain_order=True
        ):
            cur = part.filter(pl.col("which") == "current")
            prev = part.filter(pl.col("which") == "previous")
            if not cur.height or not prev.height:
                continue
            a, b = cur.row(0, named=True), prev.row(0, named=True)
            if min(a["den"] or 0, b["den"] or 0) < min_base:
                small += 1
                continue
            m = dictionary[kpi]
            change, p = change_test(
                (a["num"], a["den"], a["num_sq"]), (b["num"], b["den"], b["num_sq"])
            )
            if change is None or p is None:
                continue
            better = (change > 0) == bool(m.higher_is_better)
            gain = abs(change / b["value"]) * (1 if better else -1) if b["value"] else None
            if gain is None:
                continue
            out.append(
                {
                    "kpi": kpi,
                    "dimension": dim,
                    "level": str(level),
                    "unit": m.unit,
                    "value": a["value"],
                    "previous": b["value"],
                    "change": change,
                    "p_value": p,
                    "n": a["den"],
                    "n_previous": b["den"],
                    "better": better,
                    "gain": gain,
                }
            )
    schema = {
        "kpi": pl.Utf8,
        "dimension": pl.Utf8,
        "level": pl.Utf8,
        "unit": pl.Utf8,
        "value": pl.Float64,
        "previous": pl.Float64,
        "change": pl.Float64,
        "p_value": pl.Float64,
        "n": pl.Float64,
        "n_previous": pl.Float64,
        "better": pl.Boolean,
        "gain": pl.Float64,
    }
    table = pl.DataFrame(out, schema=schema)
    table = table.with_columns(
        p_adjusted=pl.Series(adjust_p(table["p_value"].to_numpy(), "bh"), dtype=pl.Float64)
    ).select(*list(schema)[:8], "p_adjusted", *list(schema)[8:])
    return YearChanges(y, table, small, min_base)
