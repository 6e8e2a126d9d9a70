"""The year's KPIs month by month: the year against the previous one (a change test on the
contacts of the months both years cover) and the trend through the year."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import polars as pl

from cxlab._config import Settings
from cxlab._present import N_, _, fmt_month, fmt_p, register_labels
from cxlab._result import Result
from cxlab.features import MetricConfig, metrics
from cxlab.review._moments import change_test, moments
from cxlab.review._scorecard import (
    BEYOND_NORMAL,
    SCORECARD_SCHEMA,
    _scope,
    change_text,
    pair_texts,
)
from cxlab.review._show import cap, chart_text, kpi_name, mid, scale, section_html, titled
from cxlab.review._year import ReviewYear, _settings, review_year, year_rows
from cxlab.viz import COLORS

register_labels({"trend_text": N_("Trend through the year"), "year_text": N_("This year")})

CORE = [  # every core KPI of a service department's year, with the scope it is read in
    ("fcr", "all"),
    ("fcr_reported", "all"),
    ("csat", "all"),
    ("aht", "all"),
    ("aht", "channel=phone"),
    ("aht", "channel=chat"),
    ("answer_rate", "channel=phone"),
    ("answer_rate", "channel=chat"),
    ("service_level", "channel=phone"),
    ("service_level", "channel=chat"),
    ("service_level", "channel=email"),
    ("service_level", "channel=social"),
    ("abandonment_rate", "all"),
    ("complaint_rate", "all"),
    ("resolution_within", "all"),
    ("sla_resolved", "priority=P1"),
    ("complaint_handle_hours", "all"),
]
SMALL_MULTIPLES = [
    ("fcr", "all"),
    ("csat", "all"),
    ("aht", "all"),
    ("answer_rate", "channel=phone"),
    ("service_level", "channel=phone"),
    ("complaint_rate", "all"),
]
MIN_TREND_MONTHS = 4


def kpi_list(targets: pl.DataFrame | None, config: MetricConfig | None = None) -> list:
    """The core KPIs, then every KPI of the targets table the metric dictionary computes."""
    dictionary = metrics(config)
    out = list(CORE)
    for t in [] if targets is None else targets.iter_rows(named=True):
        if t["kpi"] in dictionary and (t["kpi"], t["scope"]) not in out:
            out.append((t["kpi"], t["scope"]))
    return out


def trend(values: list[float]) -> tuple[float | None, float | None]:
    """The least-squares slope per month of monthly values and its two-sided p-value (a t test
    on the residual spread, so month-to-month and seasonal swings count as chance)."""
    from scipy import stats

    y = np.asarray(values, float)
    n = len(y)
    if n < MIN_TREND_MONTHS:
        return None, None
    x = np.arange(n, dtype=float)
    x -= x.mean()
    slope = float((x * (y - y.mean())).sum() / (x * x).sum())
    resid = y - y.mean() - slope * x
    s2 = float((resid * resid).sum() / (n - 2))
    se = math.sqrt(s2 / (x * x).sum())
    if se == 0:
        return slope, None
    return slope, float(2 * stats.t.sf(abs(slope / se), n - 2))


def yearly_moments(
    rows: pl.DataFrame, wanted: list, *, config: MetricConfig | None = None
) -> pl.DataFrame:
    """Moments of each (KPI, scope) by ``which`` and ``month``: kpi, scope, which, month, num,
    den, num_sq, value (addable: a year's moments are the sum of its months')."""
    lf = rows.lazy()
    frames = []
    for scope in dict.fromkeys(s for _k, s in wanted):
        names = list(dict.fromkeys(k for k, s in wanted if s == scope))
        part = moments(lf.filter(_scope(scope)), names, by=["which", "month"], config=config)
        frames.append(part.with_columns(scope=pl.lit(scope)))
    if not frames:
        return pl.DataFrame(
            schema={
                "which": pl.Utf8,
                "month": pl.Date,
                "kpi": pl.Utf8,
                "num": pl.Float64,
                "den": pl.Float64,
                "num_sq": pl.Float64,
                "value": pl.Float64,
                "scope": pl.Utf8,
            }
        )
    return pl.concat(frames, how="vertical_relaxed")


def _sum(frame: pl.DataFrame) -> tuple[float, float, float]:
    return (
        float(frame["num"].sum() or 0),
        float(frame["den"].sum() or 0),
        float(frame["num_sq"].sum() or 0),
    )


@dataclass(frozen=True)
class YearKpis(Result):
    """Every core KPI month by month, the year against the previous one and the trend.

    ``table`` has kpi, scope, unit, value (the year's, on the months covered), previous and
    change (on the months both years cover), p_value (the change test), slope (per month,
    least squares on the year's monthly values), slope_p, higher_is_better and n (the
    contacts or ratings the year's value rests on); ``monthly`` has kpi, scope, which, month,
    value and den."""

    year: ReviewYear
    table: pl.DataFrame
    monthly: pl.DataFrame

    @property
    def title(self) -> str:
        return _("KPIs month by month, {year}").format(year=self.year.text)

    def summary(self) -> pl.DataFrame:
        return self.table

    def row(self, kpi: str, scope: str = "all") -> dict | None:
        found = self.table.filter(pl.col("kpi") == kpi, pl.col("scope") == scope)
        return found.row(0, named=True) if found.height else None

    def trend_words(self, r: dict) -> str:
        """The trend through the year in words."""
        if r["slope"] is None:
            return _("too few months for a trend")
        per_month = change_text(r["slope"], r["unit"])
        if r["slope_p"] is None or r["slope_p"] >= BEYOND_NORMAL or per_month == _("no change"):
            return _("no trend beyond chance ({change} per month, {p})").format(
                change=per_month, p=fmt_p(r["slope_p"])
            )
        better = (r["slope"] > 0) == bool(r["higher_is_better"])
        words = (
            _("{change} per month, an improvement beyond chance ({p})")
            if better
            else _("{change} per month, a deterioration beyond chance ({p})")
        )
        return words.format(change=per_month, p=fmt_p(r["slope_p"]))

    def _moved(self, r: dict) -> bool:
        return r["p_value"] is not None and r["p_value"] < BEYOND_NORMAL

    def _trending(self, r: dict) -> bool:
        return r["slope_p"] is not None and r["slope_p"] < BEYOND_NORMAL

    def _sentence(self, r: dict) -> str:
        value, before, change = pair_texts(r["value"], r["previous"], r["change"], r["unit"])
        metric = cap(kpi_name(r["kpi"], r["scope"]))
        if r["change"] is None:
            return _("{metric}: {value}; through the year, {trend}.").format(
                metric=metric, value=value, trend=self.trend_words(r)
            )
        better = (r["change"] > 0) == bool(r["higher_is_better"])
        verdict = (
            (
                _("an improvement beyond normal variation")
                if better
                else _("a deterioration beyond normal variation")
            )
            if self._moved(r)
            else _("within normal variation")
        )
        return _(
            "{metric}: {value} against {before} ({change} {compared}, {verdict}); through the "
            "year, {trend}."
        ).format(
            metric=metric,
            value=value,
            before=before,
            change=change,
            compared=self.year.compare_words(),
            verdict=verdict,
            trend=self.trend_words(r),
        )

    def findings(self) -> list[str]:
        """The coverage, a sentence for each KPI that moved beyond normal variation (year on
        year or through the year), then the KPIs that held steady in one sentence."""
        out = []
        coverage = self.year.coverage_text()
        if coverage:
            out.append(coverage)
        rows = [r for r in self.table.iter_rows(named=True) if r["value"] is not None]
        steady = []
        for r in rows:
            if self._moved(r) or self._trending(r) or r["change"] is None:
                out.append(self._sentence(r))
            else:
                steady.append(mid(kpi_name(r["kpi"], r["scope"])))
        if steady:
            out.append(
                _("Within normal variation, year on year and through the year: {items}.").format(
                    items=_(", ").join(steady)
                )
            )
        return out

    def report_table(self) -> pl.DataFrame:
        """Each KPI as a reader reads it: measure, this year, the previous year, the change,
        whether it is beyond normal variation, and the trend through the year."""
        rows = []
        for r in self.table.iter_rows(named=True):
            value, before, change = pair_texts(r["value"], r["previous"], r["change"], r["unit"])
            moved = ""
            if r["p_value"] is not None:
                moved = _("yes") if r["p_value"] < BEYOND_NORMAL else _("no")
            rows.append(
                {
                    "kpi_text": kpi_name(r["kpi"], r["scope"]),
                    "year_text": value,
                    "previous": before,
                    "change": change,
                    "moved": moved,
                    "trend_text": self.trend_words(r),
                }
            )
        schema = dict.fromkeys(
            ["kpi_text", "year_text", "previous", "change", "moved", "trend_text"], pl.Utf8
        )
        return pl.DataFrame(rows, schema=schema).rename(
            {"previous": self.year.previous_text, "change": self.year.compare_words()}
        )

    def _repr_html_(self) -> str:
        return section_html(self.title, self.findings(), self.report_table(), max_rows=None)

    def plot(self, kpis: list | None = None) -> go.Figure:
        """Small multiples: each KPI month by month this year, the same months a year before
        dotted."""
        from plotly.subplots import make_subplots

        wanted = [(k, s) for k, s in (kpis or SMALL_MULTIPLES) if self.row(k, s) is not None]
        cols = 2 if len(wanted) > 1 else 1
        nrows = max(1, math.ceil(len(wanted) / cols))
        fig = make_subplots(
            rows=nrows,
            cols=cols,
            subplot_titles=[chart_text(kpi_name(k, s)) for k, s in wanted],
            vertical_spacing=0.12,
        )
        months = self.year.months
        x = [fmt_month(m, short=True) for m in months]
        for i, (k, s) in enumerate(wanted):
            unit = self.row(k, s)["unit"]
            part = self.monthly.filter(pl.col("kpi") == k, pl.col("scope") == s)
            for which, color, dash in (
                ("previous", COLORS["periods"]["compare"], "dot"),
                ("current", COLORS["periods"]["current"], None),
            ):
                got = part.filter(pl.col("which") == which)
                by = dict(zip(got["month"].to_list(), got["value"].to_list(), strict=True))
                keys = (
                    months if which == "current" else [m.replace(year=m.year - 1) for m in months]
                )
                ys = [by.get(m) for m in keys]
                ys = [None if v is None else v * scale(unit) for v in ys]
                if unit == "seconds":
                    ys = [None if v is None else v / 60 for v in ys]
                fig.add_scatter(
                    x=x,
                    y=ys,
                    mode="lines+markers",
                    line=dict(color=color, dash=dash),
                    name=self.year.text if which == "current" else self.year.previous_text,
                    showlegend=False,
                    hovertemplate="%{x}: %{y:.2f}<extra>"
                    + chart_text(self.year.text if which == "current" else _("a year before"))
                    + "</extra>",
                    row=i // cols + 1,
                    col=i % cols + 1,
                )
            axis = {"share": dict(ticksuffix="%"), "seconds": dict(title=_("Minutes"))}
            fig.update_yaxes(**axis.get(unit, {}), row=i // cols + 1, col=i % cols + 1)
        fig.update_layout(
            title=titled(
                _("KPIs month by month, {year}").format(year=self.year.text),
                _("Solid line: {year}; dotted: the same months a year before.").format(
                    year=self.year.text
                ),
            ),
            height=250 * nrows + 140,
            margin=dict(t=120),
        )
        fig.update_xaxes(tickangle=0, nticks=4)
        return fig


def year_kpis(
    year: str | ReviewYear = "latest_12_months",
    *,
    targets: pl.DataFrame | None = None,
    workspace: str | os.PathLike | Settings | None = None,
    config: MetricConfig | None = None,
) -> YearKpis:
    """Every core KPI (and every KPI with a target) month by month, the year against the
    previous one with a change test, and the trend through the year.

    The year's value is over the months the data cover; the change compares the months both
    years cover (all twelve when both are whole) with a two-sided normal test on the contacts'
    moments (:func:`change_test`, the monthly review's); the trend is the least-squares slope of
    the monthly values with a t test on their spread around it (seasonal swings count as
    chance).

    Examples
    --------
    >>> import cxlab as cx
    >>> k = cx.review.year_kpis("latest_12_months")  # doctest: +SKIP
    >>> k.row("fcr")["change"] > 0  # doctest: +SKIP
    True
    """
    y = review_year(year, workspace=workspace)
    ws = _settings(workspace if workspace is not None else y.workspace)
    rows = year_rows(y, workspace=ws, config=config)
    wanted = kpi_list(targets, config)
    dictionary = metrics(config)
    found = yearly_moments(rows, wanted, config=config)
    shared = list(y.shared)
    ago = [m.replace(year=m.year - 1) for m in shared]
    out = []
    for kpi, scope in wanted:
        m = dictionary[kpi]
        mine = found.filter(pl.col("kpi") == kpi, pl.col("scope") == scope)
        cur = mine.filter(pl.col("which") == "current")
        count = m.unit == "count"
        num, den, _sq = _sum(cur)
        value = (num if count else num / den) if den else None
        change = p = before = None
        if shared:
            a = _sum(cur.filter(pl.col("month").is_in(shared)))
            b = _sum(mine.filter(pl.col("which") == "previous", pl.col("month").is_in(ago)))
            if b[1] and a[1]:
                change, p = change_test(a, b, count=count)
                before = b[0] if count else b[0] / b[1]
        series = cur.sort("month").filter(pl.col("value").is_not_null())["value"].to_list()
        slope, slope_p = trend(series)
        out.append(
            {
                "kpi": kpi,
                "scope": scope,
                "unit": m.unit,
                "value": value,
                "previous": before,
                "change": change,
                "p_value": p,
                "slope": slope,
                "slope_p": slope_p,
                "higher_is_better": m.higher_is_better,
                "n": den,
            }
        )
    schema = {  # the scorecard's columns, with the trend for the ones about a target
        **{k: v for k, v in SCORECARD_SCHEMA.items() if k not in ("target", "direction", "met")},
        "slope": pl.Float64,
        "slope_p": pl.Float64,
    }
    monthly = found.select("kpi", "scope", "which", "month", "value", "den").sort(
        "kpi", "scope", "which", "month"
    )
    return YearKpis(y, pl.DataFrame(out, schema=schema), monthly)
