"""Anomalies beyond normal variation, and agent rankings that do not reward luck.

Anomalies: a Laney p′/u′ control chart per group and KPI. The baseline is the eight weeks before
the review month; for each day the expected spread is the binomial (or within-day) standard error
at that day's volume, widened by the extra day-to-day variation the baseline showed (the moving
range of standardised baseline days, Laney 2002). A day of the month is flagged when it lies
beyond 3 of those standard errors and its p-value survives the Benjamini–Hochberg correction at a
5% false discovery rate over every day, group and KPI of the month. The normal range drawn and
written is the limit that rule really uses: the larger of 3 standard errors and the distance the
correction demands (about 4 with a thousand points), so a point outside the range is flagged and a
point inside it is not.

Anomalies on a share (answer rate, service level, FCR) are judged on the arcsine scale, where the
binomial standard error of a day of n contacts is 1/(2 sqrt(n)) whatever the rate, against a
smoothed baseline rate (x+1)/(n+2): a baseline that never missed does not make one miss on five
contacts "unusual". A day of the month on fewer than ten contacts is never flagged, and a day is
flagged only when it is outside its normal range as the figures are written.

Rankings: first a chi-square test of homogeneity asks whether the units differ at all beyond
binomial chance, and the between-unit variance of true rates is estimated by the method of moments
(DerSimonian–Laird). When the units differ (p < 0.05), each rate is pulled towards the average in
proportion to how few contacts it rests on (empirical-Bayes, beta-binomial), with a 95% credible
interval. When they do not, the report says so in words and shows each unit's own rate with its
95% Wilson interval: a prior fitted to a variance not distinguishable from zero would pull every
rate onto the average and rank noise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import polars as pl

from cxlab._errors import OptionError
from cxlab._present import (
    CSS,
    _,
    fmt_date,
    fmt_interval,
    fmt_list,
    fmt_value,
    label,
    note_html,
    table_html,
)
from cxlab._result import Result
from cxlab._stats import adjust_p, wilson_interval
from cxlab.features import MetricConfig, metrics, prepare
from cxlab.review._moments import moments
from cxlab.review._period import BASELINE_DAYS, ReviewPeriods
from cxlab.review._shared import contacts_for, is_shared, prepared_for
from cxlab.review._show import (
    Html,
    axis_title,
    cap,
    chart_text,
    date_axis,
    dim_word,
    mid,
    scale,
    seconds_axis,
    section_html,
    titled,
)
from cxlab.viz import COLORS, SEQUENCE

LIMIT = 3.0
FDR = 0.05
INK = SEQUENCE[0]
CERTAINTY = 0.95  # the ranking's credible intervals, as every other range of the review
ANOMALY_KPIS = ("answer_rate", "service_level", "fcr_reported", "csat", "aht")
MIN_CONTACTS = 10  # a day of the month on fewer contacts is never called unusual


SHOWN = 5  # the highest and the lowest shown in the body's table and chart


@dataclass(frozen=True)
class Anomalies(Result):
    """Days of the month where a KPI left its normal range, per group."""

    points: pl.DataFrame  # group, kpi, day, value, centre, lo, hi, n, z, flagged, in_month
    by: str
    period: ReviewPeriods
    limit: float = LIMIT  # the distance (in widened standard errors) at which a day is flagged

    @property
    def title(self) -> str:
        return _("Unusual days by {by}, {month}").format(
            by=dim_word(self.by), month=self.period.label
        )

    def summary(self) -> pl.DataFrame:
        flagged = self.points.filter(pl.col("flagged") & pl.col("in_month"))
        return flagged.select(
            self.by,
            "kpi",
            "day",
            "value",
            "centre",
            pl.col("lo").alias("normal_low"),
            pl.col("hi").alias("normal_high"),
            "n",
            "z",
        ).sort(pl.col("z").abs(), descending=True)

    def meaning(self) -> str:
        """What "unusual" means, in plain words (the appendix, beside the method)."""
        return _(
            "A day counts as unusual when a measure is further from its usual level than "
            "day-to-day variation explains, after allowing for the many days and {by} values "
            "checked: among the days flagged, at most about one in twenty is expected to be a "
            "false alarm."
        ).format(by=dim_word(self.by))

    def method(self) -> str:
        """How days are flagged, with the method's names (the appendix)."""
        return _(
            "Method: a Laney p′/u′ control chart per {by} and measure. The centre line is the "
            "average of the {weeks} weeks before the month; the spread is the standard error "
            "for the day's volume, widened by the day-to-day variation of those weeks (Laney "
            "2002); for a rate, the binomial standard error on the arcsine scale around the "
            "baseline rate smoothed as (x+1)/(n+2). A day on fewer than {fewest} contacts is not "
            "judged. A day is flagged when it lies more than {limit} standard errors from the "
            "centre and its p-value survives the Benjamini–Hochberg correction at a 5% false "
            "discovery rate over the {points} day, {by} and measure points of the month. Checking "
            "that many points at once raises the distance a day must reach to {used} standard "
            "errors either side this month; the normal range drawn and written is that distance."
        ).format(
            by=dim_word(self.by),
            weeks=BASELINE_DAYS // 7,
            limit=f"{LIMIT:g}",
            fewest=MIN_CONTACTS,
            points=fmt_value(int(self.points["in_month"].sum()), "count"),
            used=fmt_value(self.limit, "score", decimals=1),
        )

    def findings(self) -> list[str]:
        flagged = self.summary()
        if flagged.height == 0:
            return [_("No {by} had an unusual day this month.").format(by=dim_word(self.by))]
        dictionary = metrics()
        out = []
        for r in flagged.head(6).iter_rows(named=True):
            unit = dictionary[r["kpi"]].unit
            words = (
                _("{group}: {metric} {value} on {day}, above its normal range ({low} to {high}).")
                if r["z"] > 0
                else _(
                    "{group}: {metric} {value} on {day}, below its normal range ({low} to {high})."
                )
            )
            out.append(
                words.format(
                    group=cap(label(r[self.by])),
                    metric=mid(label(r["kpi"])),
                    value=fmt_value(r["value"], unit),
                    day=fmt_date(r["day"]),
                    low=fmt_value(r["normal_low"], unit),
                    high=fmt_value(r["normal_high"], unit),
                )
            )
        if flagged.height > 6:
            out.append(
                _("…and {n} more unusual days (see the table).").format(n=flagged.height - 6)
            )
        return out

    def readable(self, *, detail: bool = False) -> pl.DataFrame:
        """The flagged days, most unusual first (``detail`` adds the standardised distance)."""
        dictionary = metrics()
        rows = []
        for r in self.summary().iter_rows(named=True):
            unit = dictionary[r["kpi"]].unit
            row = {
                self.by: r[self.by],
                "kpi_text": label(r["kpi"]),
                "day": r["day"],
                "value": fmt_value(r["value"], unit),
                "normal_range": fmt_interval(r["normal_low"], r["normal_high"], unit, change=False),
                "contacts": r["n"],
            }
            if detail:
                row["z"] = r["z"]
            rows.append(row)
        schema = {
            self.by: pl.Utf8,
            "kpi_text": pl.Utf8,
            "day": pl.Date,
            "value": pl.Utf8,
            "normal_range": pl.Utf8,
            "contacts": pl.Float64,
        }
        if detail:
            schema["z"] = pl.Float64
        frame = pl.DataFrame(rows, schema=schema)
        return frame.rename({"z": _("Standard errors from the centre")}) if detail else frame

    def _repr_html_(self) -> str:
        flagged = self.summary()
        table = self.readable() if flagged.height else None
        return section_html(self.title, self.findings(), table, units={"contacts": "count"})

    def appendix(self) -> Html:
        """The appendix part: what unusual means, the method, and every day flagged (or, in
        words, that there was none)."""
        words = note_html(self.meaning()) + note_html(self.method())
        if self.summary().height == 0:
            body = note_html(_("No unusual day this month."))
        else:
            body = table_html(
                self.readable(detail=True),
                units={"contacts": "count"},
                max_rows=None,
                caption=_("Every unusual day"),
                name="unusual-days",
            )
        return Html(CSS + words + body)

    def example(self) -> tuple[str, str] | None:
        """The series the chart shows: the most unusual flagged day's, or else the one whose
        day came closest to its limit (ties by name), so both languages show the same."""
        month = self.points.filter(pl.col("in_month") & pl.col("z").is_not_null())
        if month.height == 0:
            return None
        top = month.with_columns(size=pl.col("z").abs()).sort(
            ["flagged", "size", self.by, "kpi"], descending=[True, True, False, False]
        )
        r = top.row(0, named=True)
        return r[self.by], r["kpi"]

    def plot(self, group: str | None = None, kpi: str | None = None) -> go.Figure:
        flagged = self.summary()
        if group is None or kpi is None:
            chosen = self.example()
            if chosen is None:
                return go.Figure()
            group, kpi = chosen
        m = metrics()[kpi]
        k = scale(m.unit)
        s = self.points.filter((pl.col(self.by) == group) & (pl.col("kpi") == kpi)).sort("day")
        fig = go.Figure()
        fig.add_scatter(
            x=s["day"], y=s["hi"] * k, line=dict(width=0), showlegend=False, hoverinfo="skip"
        )
        fig.add_scatter(
            x=s["day"],
            y=s["lo"] * k,
            fill="tonexty",
            fillcolor="rgba(51, 65, 85, 0.14)",
            line=dict(width=0),
            name=_("Normal range"),
            hoverinfo="skip",
        )
        fig.add_scatter(
            x=s["day"],
            y=s["value"] * k,
            mode="lines+markers",
            name=chart_text(kpi),
            line_color=INK,
            marker=dict(size=4),
            text=[fmt_value(v, m.unit) for v in s["value"]],
            hovertemplate="%{x|%Y-%m-%d}: %{text}<extra></extra>",
        )
        bad = s.filter(pl.col("flagged"))
        fig.add_scatter(
            x=bad["day"],
            y=bad["value"] * k,
            mode="markers",
            name=_("Unusual day"),
            marker=dict(color=COLORS["bad"], size=12, symbol="circle-open", line_width=2),
            hoverinfo="skip",
        )
        start = dt.date.fromisoformat(self.period.dates()[0])
        fig.add_vline(x=start, line_dash="dot", line_color=COLORS["muted"])
        yaxis = seconds_axis(s["value"].to_list()) if m.unit == "seconds" else {}
        if m.unit == "score":  # a 1-5 score names itself and its scale
            yaxis = {"title": _("{metric} (1–5)").format(metric=label(kpi)), "range": [1, 5]}
        yaxis.setdefault("title", axis_title(m.unit))
        if flagged.height:
            note = _("Outside the shaded normal range: an unusual day (circled).")
        else:
            note = _(
                "No day left its normal range; shown: the {by} and measure that came closest."
            ).format(by=dim_word(self.by))
        fig.update_layout(
            title=titled(
                _("{metric}, {group}: the {weeks} weeks before, then {month}").format(
                    metric=label(kpi),
                    group=chart_text(group),
                    weeks=BASELINE_DAYS // 7,
                    month=self.period.label,
                ),
                note,
            ),
            yaxis=yaxis,
            xaxis=date_axis(s["day"].min(), s["day"].max(), every=14) if s.height else {},
            height=420,
        )
        return fig


def _display_step(values: np.ndarray, unit: str) -> np.ndarray:
    """The step a figure is shown to (0.1 pp for a share, 0.01 for a score, 1 s / 0.1 min / 0.1 h
    for a duration, as :func:`fmt_value` writes them), per value."""
    size = np.abs(values)
    if unit == "share":
        return np.full(values.shape, 0.001)
    if unit == "seconds":
        return np.select([size < 120, size < 3600, size < 72 * 3600], [1.0, 6.0, 360.0], 8640.0)
    if unit == "count":
        return np.ones(values.shape)
    return np.full(values.shape, 0.01)


def _outside_as_shown(value: np.ndarray, lo: np.ndarray, hi: np.ndarray, unit: str) -> np.ndarray:
    """Whether a value lies strictly outside its range as the reader sees it (each figure rounded
    to the precision it is written with), so a day is never called below a range whose lower end
    reads as its own value."""
    step = np.maximum(
        np.maximum(_display_step(value, unit), _display_step(lo, unit)), _display_step(hi, unit)
    )
    shown = np.round(value / step)
    with np.errstate(invalid="ignore"):
        return (shown < np.round(lo / step)) | (shown > np.round(hi / step))


def anomalies(
    contacts: pl.LazyFrame,
    period: ReviewPeriods,
    *,
    by: str = "queue",
    kpis: tuple[str, ...] = ANOMALY_KPIS,
    config: MetricConfig | None = None,
) -> Anomalies:
    """Laney control limits per ``by`` group and KPI; see the module docstring."""
    from scipy import stats

    lo, hi = period.bounds()
    start = lo - dt.timedelta(days=BASELINE_DAYS)
    prepared = (
        prepared_for(contacts, period, which=("current",), start=start, config=config)
        .filter(pl.col("arrived_at").is_between(start, hi, closed="left"))
        .with_columns(day=pl.col("arrived_at").dt.convert_time_zone(period.time_zone).dt.date())
    )
    dictionary = metrics(config)
    daily = moments(prepared, list(kpis), by=[by, "day"], config=config).filter(pl.col("den") > 0)
    month_start = period.current.start
    frames = []
    for (_group, kpi), s in daily.group_by([by, "kpi"], maintain_order=True):
        s = s.sort("day").with_columns(in_month=pl.col("day") >= month_start)
        base = s.filter(~pl.col("in_month"))
        if base.height < 14 or s.filter(pl.col("in_month")).height == 0:
            continue
        n = s["den"].to_numpy().astype(float)
        value = s["value"].to_numpy().astype(float)
        share = dictionary[kpi].unit == "share"
        if share:
            # a share: the binomial on the variance-stabilising arcsine scale, where a day of n
            # contacts has standard error 1/(2 sqrt(n)) whatever the rate; the baseline rate is
            # smoothed, (x+1)/(n+2), so a baseline that never missed still leaves room for a miss
            mean = (base["num"].sum() + 1) / (base["den"].sum() + 2)
            se = 1 / (2 * np.sqrt(n))
            z = (np.arcsin(np.sqrt(np.clip(value, 0, 1))) - np.arcsin(np.sqrt(mean))) / se
        else:
            mean = base["num"].sum() / base["den"].sum()
            var = base["num_sq"].sum() / base["den"].sum() - mean * mean  # within-day (rows)
            if var <= 1e-12:  # a constant baseline: the spread of every row, the month's too
                var = s["num_sq"].sum() / s["den"].sum() - (s["num"].sum() / s["den"].sum()) ** 2
            se = np.sqrt(max(var, 1e-12) / n)
            z = np.where(np.abs(value - mean) <= 1e-12, 0.0, (value - mean) / se)
        zb = z[: base.height]
        sigma_z = max(np.mean(np.abs(np.diff(zb))) / 1.128, 1.0) if len(zb) > 2 else 1.0
        frames.append(
            s.select(by, "kpi", "day", "value", "in_month", pl.col("den").alias("n")).with_columns(
                centre=pl.lit(float(mean)),
                spread=pl.Series(se * sigma_z),
                arcsine=pl.lit(share),
                z=pl.Series(z / sigma_z),
            )
        )
    points = (
        pl.concat(frames).sort(by, "kpi", "day")
        if frames
        else pl.DataFrame(
            schema={
                by: pl.Utf8,
                "kpi": pl.Utf8,
                "day": pl.Date,
                "value": pl.Float64,
                "in_month": pl.Boolean,
                "n": pl.Float64,
                "centre": pl.Float64,
                "spread": pl.Float64,
                "arcsine": pl.Boolean,
                "z": pl.Float64,
            }
        )
    )
    limit = LIMIT
    if points.height == 0:
        points = points.with_columns(
            lo=pl.lit(None, pl.Float64), hi=pl.lit(None, pl.Float64), flagged=pl.lit(False)
        )
        return Anomalies(points=points, by=by, period=period, limit=limit)
    p = 2 * stats.norm.sf(np.abs(points["z"].to_numpy()))
    judged = (points["in_month"] & (points["n"] >= MIN_CONTACTS)).to_numpy()
    keep = np.zeros(points.height, bool)
    idx = np.flatnonzero(judged)
    if idx.size:
        keep[idx] = adjust_p(p[idx], "bh") <= FDR
    # the limit the rule really uses: Benjamini-Hochberg rejects every p-value at or below
    # FDR * k / m (k rejections of m, at least one), so that distance, or 3 if larger,
    # separates the days flagged from the rest; the normal range is drawn there
    tested = int(np.isfinite(p[idx]).sum())
    if tested:
        cutoff = FDR * max(int(keep.sum()), 1) / tested
        limit = max(LIMIT, float(stats.norm.isf(cutoff / 2)))
    shares = [k for k in kpis if dictionary[k].unit == "share"]
    scores = [k for k in kpis if dictionary[k].unit == "score"]
    is_share = pl.col("kpi").is_in(shares)
    is_score = pl.col("kpi").is_in(scores)  # a 1-5 score: its range ends at the scale's ends
    angle = pl.col("centre").clip(0, 1).sqrt().arcsin()
    half = limit * pl.col("spread")
    points = points.with_columns(
        lo=pl.when(pl.col("arcsine"))
        .then((angle - half).clip(0, np.pi / 2).sin().pow(2))
        .otherwise(pl.col("centre") - half),
        hi=pl.when(pl.col("arcsine"))
        .then((angle + half).clip(0, np.pi / 2).sin().pow(2))
        .otherwise(pl.col("centre") + half),
    ).with_columns(
        lo=pl.when(is_share)
        .then(pl.col("lo").clip(0, 1))
        .when(is_score)
        .then(pl.col("lo").clip(1, 5))
        .otherwise(pl.col("lo").clip(0)),  # a duration or a count is never below zero
        hi=pl.when(is_share)
        .then(pl.col("hi").clip(0, 1))
        .when(is_score)
        .then(pl.col("hi").clip(1, 5))
        .otherwise(pl.col("hi")),
    )
    # a day of the month on too few contacts is not judged: it has no normal range
    too_few = pl.col("in_month") & (pl.col("n") < MIN_CONTACTS)
    points = points.with_columns(
        lo=pl.when(too_few).then(None).otherwise(pl.col("lo")),
        hi=pl.when(too_few).then(None).otherwise(pl.col("hi")),
    )
    shown = np.zeros(points.height, bool)
    for kpi in points["kpi"].unique().to_list():
        rows = (points["kpi"] == kpi).to_numpy()
        part = points.filter(pl.col("kpi") == kpi)
        shown[rows] = _outside_as_shown(
            part["value"].to_numpy().astype(float),
            part["lo"].to_numpy().astype(float),
            part["hi"].to_numpy().astype(float),
            dictionary[kpi].unit,
        )
    flagged = keep & (np.abs(points["z"].to_numpy()) > LIMIT) & shown
    points = points.with_columns(flagged=pl.Series(flagged))
    return Anomalies(points=points, by=by, period=period, limit=limit)


# -- rankings ----------------------------------------------------------------------------------


AGENTS_INGEST = "cxlab data ingest FILE --table agents"


@dataclass(frozen=True)
class Ranking(Result):
    """Agents (or teams) ranked on a shrunken rate with a 95% credible interval.

    ``lacking`` says why nobody is ranked: ``"teams"`` (teams ranked, but the workspace has no
    agents table to give each agent's team) or ``"month"`` (no contact of the month names one).
    """

    table: pl.DataFrame
    kpi: str
    unit_name: str
    prior: tuple[float, float]
    period: ReviewPeriods
    lacking: str | None = None
    # the chi-square test of homogeneity (do the units differ at all beyond chance?)
    chi2: float = float("nan")
    df: int = 0
    p_value: float = float("nan")
    differ: bool = True  # False: no shrinkage; ``shrunk`` is null and the ranges are Wilson's
    pooled: float = float("nan")  # the pooled rate (the average when nothing is shrunk)

    @property
    def title(self) -> str:
        words = {
            "agent_id": _("Agents ranked on {metric}, {month}"),
            "team": _("Teams ranked on {metric}, {month}"),
        }.get(self.unit_name, _("Ranking by {unit} on {metric}, {month}"))
        return words.format(
            metric=mid(label(self.kpi)), unit=dim_word(self.unit_name), month=self.period.label
        )

    def summary(self) -> pl.DataFrame:
        return self.table

    @property
    def average(self) -> float:
        if not self.differ or not np.isfinite(self.prior[0]):
            return self.pooled
        a, b = self.prior
        return a / (a + b)

    @property
    def rate_column(self) -> str:
        """The rate ranked and written: the adjusted one, or the unit's own when nothing is
        adjusted."""
        return "shrunk" if self.differ else "raw"

    def _items(self, frame: pl.DataFrame) -> str:
        return _(", ").join(
            _("{name} {rate} ({n} contacts)").format(
                name=label(r[self.unit_name]),
                rate=fmt_value(r[self.rate_column], "share"),
                n=fmt_value(r["contacts"], "count"),
            )
            for r in frame.iter_rows(named=True)
        )

    def _names(self, frame: pl.DataFrame) -> str:
        return fmt_list([mid(label(v)) for v in frame[self.unit_name]])

    def verdict(self) -> str:
        """Who differs clearly from the average, named (95% certain), or that nobody differs
        beyond chance."""
        if not self.differ:
            words = (
                _("Teams do not differ in {metric} beyond what chance explains.")
                if self.unit_name == "team"
                else _("Agents do not differ in {metric} beyond what chance explains.")
            )
            return words.format(metric=mid(label(self.kpi)))
        above = self.table.filter(pl.col("ci_low") > self.average)
        below = self.table.filter(pl.col("ci_high") < self.average)
        team = self.unit_name == "team"
        if above.height == 0 and below.height == 0:
            return (
                _("No team differs clearly from the average.")
                if team
                else _("No agent differs clearly from the average.")
            )
        parts = []
        if above.height:
            parts.append(_("clearly above the average: {names}").format(names=self._names(above)))
        if below.height:
            parts.append(_("clearly below the average: {names}").format(names=self._names(below)))
        return cap(
            _("{parts} (95% certain; the others do not differ clearly).").format(
                parts=_("; ").join(parts)
            )
        )

    def _lacking(self) -> str:
        if self.lacking == "teams":
            return _(
                "No team ranking: this workspace has no agents table, which gives each agent's "
                "team. Load it with {command} and this section fills in at the next run."
            ).format(command=AGENTS_INGEST)
        if self.unit_name == "team":
            return _("No contact of {month} names a team, so there is nothing to rank.").format(
                month=self.period.label
            )
        return _("No contact of {month} names an agent, so there is nothing to rank.").format(
            month=self.period.label
        )

    def findings(self) -> list[str]:
        if self.lacking is not None:
            return [self._lacking()]
        if not self.differ:
            return [
                self.verdict(),
                _(
                    "Average: {average}. Each one's own rate is shown with the range its true "
                    "rate likely lies in (95%); the fewer its contacts, the wider the range."
                ).format(average=fmt_value(self.average, "share")),
            ]
        out = [self.verdict()]
        few = 3 if self.table.height > 6 else 1
        top, bottom = self.table.head(few), self.table.tail(few).reverse()
        column = self.rate_column
        # a highest and a lowest that read the same figure say nothing: left out
        if fmt_value(top[column][0], "share") != fmt_value(bottom[column][0], "share"):
            out.append(_("Highest: {items}.").format(items=self._items(top)))
            out.append(_("Lowest: {items}.").format(items=self._items(bottom)))
        out.append(
            _("Average: {average}; a rate on few contacts is pulled towards it.").format(
                average=fmt_value(self.average, "share")
            )
        )
        return out

    def _test_words(self) -> str:
        return _(
            "a chi-square test of homogeneity over the {n} rates gives chi-square = {chi2} "
            "on {df} degrees of freedom, p = {p}"
        ).format(
            n=fmt_value(self.table.height, "count"),
            chi2=fmt_value(self.chi2, "number", decimals=1),
            df=fmt_value(self.df, "count"),
            p=fmt_value(self.p_value, "number", decimals=3),
        )

    def method(self) -> str:
        """The method's names and parameters (the appendix)."""
        if self.lacking is not None:
            return self._lacking()
        if not self.differ:
            return _(
                "Method: {test}, so the rates do not differ beyond chance and none is adjusted "
                "(a prior fitted to a spread not distinguishable from zero would pull every rate "
                "onto the average). Each rate is the {unit}'s own; the ranges are 95% Wilson "
                "score intervals."
            ).format(test=self._test_words(), unit=dim_word(self.unit_name))
        a, b = self.prior
        return _(
            "Method: {test}, so the rates differ beyond chance. Empirical-Bayes shrinkage with a "
            "beta-binomial prior whose spread is estimated by the method of moments "
            "(DerSimonian–Laird; prior mean {mean}, worth {strength} contacts: each rate is "
            "pulled towards the average as if it had {strength} more contacts at the average); "
            "the ranges are 95% credible intervals of each posterior beta distribution."
        ).format(
            test=self._test_words(),
            mean=fmt_value(self.average, "share"),
            strength=fmt_value(a + b, "count"),
        )

    def readable(self, top: int | None = SHOWN) -> pl.DataFrame:
        """The ranking as read: the ``top`` highest and lowest (``None``: everyone)."""
        t = self.table.select(
            "rank",
            self.unit_name,
            *(["team"] if "team" in self.table.columns and self.unit_name != "team" else []),
            "contacts",
            "raw",
            *(["shrunk"] if self.differ else []),
            pl.col("ci_low").alias("likely_low"),
            pl.col("ci_high").alias("likely_high"),
        )
        if top is None or t.height <= 2 * top:
            return t
        return pl.concat([t.head(top), t.tail(top)])

    def units(self) -> dict[str, str]:
        return {
            "rank": "count",
            "contacts": "count",
            "raw": "share",
            "shrunk": "share",
            "likely_low": "share",
            "likely_high": "share",
        }

    def _repr_html_(self) -> str:
        if self.lacking is not None:
            return section_html(self.title, self.findings())
        caption = None
        if self.table.height > 2 * SHOWN:
            caption = _(
                "The five highest and the five lowest of {n}; every one is in the appendix."
            ).format(n=self.table.height)
        return section_html(
            self.title, self.findings(), self.readable(), units=self.units(), caption=caption
        )

    def plot(self) -> go.Figure | None:
        """Each rate, observed and adjusted, with its range; ``None`` when nobody is ranked."""
        if self.lacking is not None:
            return None
        column = self.rate_column
        t = self.table.sort(column)
        total = t.height
        if total > 2 * SHOWN:  # the lowest and the highest, as in the table; all in the appendix
            t = pl.concat([t.head(SHOWN), t.tail(SHOWN)])
        names = [chart_text(v) for v in t[self.unit_name]]
        if "team" in t.columns and self.unit_name != "team":  # each agent's team beside the code
            names = [
                f"{n} · {chart_text(team)}" if team else n
                for n, team in zip(names, t["team"], strict=True)
            ]
        fig = go.Figure()
        if self.differ:  # the observed rate beside the adjusted one
            fig.add_scatter(
                x=t["raw"] * 100,
                y=names,
                mode="markers",
                name=label("raw"),
                marker=dict(color=COLORS["muted"], size=8, symbol="circle-open"),
                hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
            )
        fig.add_scatter(
            x=t[column] * 100,
            y=names,
            mode="markers",
            name=label(column),
            marker=dict(color=INK, size=9),
            error_x=dict(
                type="data",
                symmetric=False,
                array=((t["ci_high"] - t[column]) * 100).to_list(),
                arrayminus=((t[column] - t["ci_low"]) * 100).to_list(),
                color=COLORS["muted"],
            ),
            hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
        )
        fig.add_vline(x=self.average * 100, line_dash="dot", line_color=COLORS["muted"])
        note = _("Lines: where the true rate likely lies (95%). Dotted line: the average.")
        if not self.differ:
            note = _(
                "No difference beyond chance: each one's own rate. Lines: where the true rate "
                "likely lies (95%). Dotted line: the average."
            )
        if total > 2 * SHOWN:
            note = _(
                "The five highest and the five lowest of {n}; every one is in the appendix. {note}"
            ).format(n=total, note=note)
        fig.update_layout(
            title=titled(self.title, note),
            xaxis_title="%",
            yaxis=dict(automargin=True, type="category"),
            height=230 + 24 * t.height,
        )
        return fig


def ranking(
    contacts: pl.LazyFrame,
    period: ReviewPeriods,
    *,
    kpi: str = "fcr",
    by: str = "agent_id",
    agents: pl.DataFrame | None = None,
    min_contacts: int = 1,
    config: MetricConfig | None = None,
) -> Ranking:
    """Empirical-Bayes ranking of agents (``by="agent_id"``) or teams (``by="team"``) on a share KPI."""
    from scipy import stats

    dictionary = metrics(config)
    if kpi not in dictionary:
        raise OptionError(
            f"kpi={kpi!r} is not a KPI of the metric dictionary; choose one of "
            f"{', '.join(k for k, v in dictionary.items() if v.unit == 'share')}."
        )
    m = dictionary[kpi]
    if m.unit != "share":
        raise OptionError(f"ranking needs a share KPI (kpi=); {kpi!r} is in {m.unit}.")
    columns = contacts.lazy().collect_schema().names()
    lf = contacts_for(contacts, period, which=("current",), config=config)
    empty = pl.DataFrame(
        schema={
            "rank": pl.UInt32,
            by: pl.Utf8,
            "contacts": pl.Int64,
            "raw": pl.Float64,
            "shrunk": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
        }
    )
    nan = (float("nan"), float("nan"))
    if by == "team" and "team" not in columns:
        if agents is None or "team" not in agents.columns:  # contacts only: teams unknown
            return Ranking(empty, kpi, by, nan, period, lacking="teams")
        if is_shared(contacts) and not agents["agent_id"].is_unique().all():
            # an agent listed twice doubles its contacts, and the repeat window is read over the
            # doubled rows: that only the whole table, joined first, gives
            lf = contacts.lazy()
        lf = lf.join(agents.lazy().select("agent_id", "team"), on="agent_id", how="left")
    elif by not in columns:
        raise OptionError(
            f"by={by!r} is not a column of the contacts; rank by agent_id, team (with the "
            f"agents table) or one of {', '.join(c for c in columns if c != 'contact_id')}."
        )
    prepared = prepare(lf, config)  # the repeat window already there when lf is the review's
    lo, hi = period.bounds()
    mo = moments(
        prepared.filter(
            pl.col("arrived_at").is_between(lo, hi, closed="left"), pl.col(by).is_not_null()
        ),
        [kpi],
        by=[by],
        config=config,
    )
    mo = mo.filter(pl.col("den") >= min_contacts)
    if mo.height == 0:
        return Ranking(empty, kpi, by, nan, period, lacking="month")
    x, n = mo["num"].to_numpy().astype(float), mo["den"].to_numpy().astype(float)
    fit = _between_units(x, n)
    raw = x / n
    if fit.differ:
        post_a, post_b = fit.a + x, fit.b + n - x
        shrunk = post_a / (post_a + post_b)
        low = stats.beta.ppf((1 - CERTAINTY) / 2, post_a, post_b)
        high = stats.beta.ppf((1 + CERTAINTY) / 2, post_a, post_b)
        order = "shrunk"
    else:  # nothing to shrink towards beyond the average itself: each unit's own rate
        shrunk = np.full(len(x), np.nan)
        low, high = wilson_interval(x, n, 1 - CERTAINTY)
        order = "raw"
    table = (
        pl.DataFrame(
            {
                by: mo[by],
                "contacts": n.astype(int),
                "raw": raw,
                "shrunk": shrunk,
                "ci_low": low,
                "ci_high": high,
            }
        )
        .with_columns(pl.col("shrunk").fill_nan(None))
        .sort([order, "contacts"], descending=True)
        .with_row_index("rank", offset=1)
    )
    if by == "agent_id" and agents is not None and "team" in agents.columns:
        # each agent's team beside the code
        table = table.join(
            agents.select("agent_id", "team").unique("agent_id"), on="agent_id", how="left"
        ).sort("rank")
    return Ranking(
        table=table,
        kpi=kpi,
        unit_name=by,
        prior=(fit.a, fit.b),
        period=period,
        chi2=fit.chi2,
        df=fit.df,
        p_value=fit.p_value,
        differ=fit.differ,
        pooled=fit.pooled,
    )


@dataclass(frozen=True)
class _Spread:
    """How much units' true rates differ: the homogeneity test and the beta prior it implies."""

    pooled: float
    chi2: float
    df: int
    p_value: float
    tau2: float  # the between-unit variance of true rates (method of moments)
    differ: bool
    a: float
    b: float


def _between_units(x: np.ndarray, n: np.ndarray, alpha: float = 1 - CERTAINTY) -> _Spread:
    """Pearson's chi-square test of homogeneity of k binomial rates and the DerSimonian–Laird
    (method of moments) estimate of the variance of the true rates between units.

    Q = sum (x_i - n_i p)^2 / (n_i p (1 - p)) is chi-square on k - 1 degrees of freedom when
    every unit has the same rate; E[Q] = (k - 1) + tau2 (W - sum W_i^2 / W) with W_i = n_i /
    (p (1 - p)), so tau2 = max(0, (Q - (k - 1)) / (W - sum W_i^2 / W)). The units differ when
    the test rejects at ``alpha`` (and tau2 > 0); only then is a beta prior of mean p and
    variance tau2 fitted (strength p (1 - p) / tau2 - 1 contacts)."""
    from scipy import stats

    k = len(x)
    total = float(n.sum())
    p = float(x.sum()) / total
    nan = float("nan")
    if k < 2 or p <= 0 or p >= 1:  # one unit, or every outcome the same: nothing differs
        return _Spread(p, nan, max(k - 1, 0), nan, 0.0, False, nan, nan)
    q = float(np.sum((x - n * p) ** 2 / (n * p * (1 - p))))
    df = k - 1
    p_value = float(stats.chi2.sf(q, df))
    w = n / (p * (1 - p))
    tau2 = max(0.0, (q - df) / (w.sum() - np.sum(w**2) / w.sum()))
    differ = p_value < alpha and tau2 > 0
    if not differ:
        return _Spread(p, q, df, p_value, tau2, False, nan, nan)
    strength = max(p * (1 - p) / tau2 - 1, 1.0)
    return _Spread(p, q, df, p_value, tau2, True, p * strength, (1 - p) * strength)
