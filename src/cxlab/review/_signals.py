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

Rankings: empirical-Bayes shrinkage (beta-binomial). Each agent's rate is pulled towards the team
average in proportion to how few contacts it rests on, with a 95% credible interval (the
same certainty as every other range in the review).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import polars as pl
from scipy import stats

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
from cxlab._stats import adjust_p
from cxlab.features import MetricConfig, metrics, prepare
from cxlab.review._moments import moments
from cxlab.review._period import ReviewPeriods
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

BASELINE_DAYS = 56
LIMIT = 3.0
FDR = 0.05
INK = SEQUENCE[0]
CERTAINTY = 0.95  # the ranking's credible intervals, as every other range of the review
ANOMALY_KPIS = ("answer_rate", "service_level", "fcr_reported", "csat", "aht")


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
            "2002). A day is flagged when it lies more than {limit} standard errors from the "
            "centre and its p-value survives the Benjamini–Hochberg correction at a 5% false "
            "discovery rate over the {points} day, {by} and measure points of the month. Checking "
            "that many points at once raises the distance a day must reach to {used} standard "
            "errors either side this month; the normal range drawn and written is that distance."
        ).format(
            by=dim_word(self.by),
            weeks=BASELINE_DAYS // 7,
            limit=f"{LIMIT:g}",
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


def anomalies(
    contacts: pl.LazyFrame,
    period: ReviewPeriods,
    *,
    by: str = "queue",
    kpis: tuple[str, ...] = ANOMALY_KPIS,
    config: MetricConfig | None = None,
) -> Anomalies:
    """Laney control limits per ``by`` group and KPI; see the module docstring."""
    lo, hi = period.bounds()
    start = lo - dt.timedelta(days=BASELINE_DAYS)
    prepared = (
        prepare(contacts, config)
        .filter(pl.col("arrived_at").is_between(start, hi, closed="left"))
        .with_columns(day=pl.col("arrived_at").dt.convert_time_zone(period.time_zone).dt.date())
    )
    daily = moments(prepared, list(kpis), by=[by, "day"], config=config).filter(pl.col("den") > 0)
    month_start = period.current.start
    frames = []
    for _key, s in daily.group_by([by, "kpi"], maintain_order=True):
        s = s.sort("day").with_columns(in_month=pl.col("day") >= month_start)
        base = s.filter(~pl.col("in_month"))
        if base.height < 14 or s.filter(pl.col("in_month")).height == 0:
            continue
        mean = base["num"].sum() / base["den"].sum()
        var = max(
            base["num_sq"].sum() / base["den"].sum() - mean * mean, 1e-12
        )  # within-day (row) variance
        n = s["den"].to_numpy().astype(float)
        se = np.sqrt(var / n)
        z = (s["value"].to_numpy() - mean) / se
        zb = z[: base.height]
        sigma_z = max(np.mean(np.abs(np.diff(zb))) / 1.128, 1.0) if len(zb) > 2 else 1.0
        width = LIMIT * se * sigma_z
        frames.append(
            s.select(by, "kpi", "day", "value", "in_month", pl.col("den").alias("n")).with_columns(
                centre=pl.lit(mean),
                lo=pl.Series(mean - width),
                hi=pl.Series(mean + width),
                spread=pl.Series(width / LIMIT),
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
                "lo": pl.Float64,
                "hi": pl.Float64,
                "spread": pl.Float64,
                "z": pl.Float64,
            }
        )
    )
    limit = LIMIT
    if points.height:
        p = 2 * stats.norm.sf(np.abs(points["z"].to_numpy()))
        in_month = points["in_month"].to_numpy()
        keep = np.zeros(points.height, bool)
        idx = np.flatnonzero(in_month)
        keep[idx] = adjust_p(p[idx], "bh") <= FDR
        # the limit the rule really uses: Benjamini-Hochberg rejects every p-value at or below
        # FDR * k / m (k rejections of m, at least one), so that distance, or 3 if larger,
        # separates the days flagged from the rest; the normal range is drawn there
        tested = int(np.isfinite(p[idx]).sum())
        if tested:
            cutoff = FDR * max(int(keep.sum()), 1) / tested
            limit = max(LIMIT, float(stats.norm.isf(cutoff / 2)))
        shares = [k for k in kpis if metrics(config)[k].unit == "share"]
        scores = [k for k in kpis if metrics(config)[k].unit == "score"]
        is_share = pl.col("kpi").is_in(shares)
        is_score = pl.col("kpi").is_in(scores)  # a 1-5 score: its range ends at the scale's ends
        points = points.with_columns(
            flagged=pl.Series(keep) & (pl.col("z").abs() > LIMIT),
            lo=pl.col("centre") - limit * pl.col("spread"),
            hi=pl.col("centre") + limit * pl.col("spread"),
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
    else:
        points = points.with_columns(flagged=pl.lit(False))
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
        a, b = self.prior
        return a / (a + b)

    def _items(self, frame: pl.DataFrame) -> str:
        return _(", ").join(
            _("{name} {rate} ({n} contacts)").format(
                name=label(r[self.unit_name]),
                rate=fmt_value(r["shrunk"], "share"),
                n=fmt_value(r["contacts"], "count"),
            )
            for r in frame.iter_rows(named=True)
        )

    def _names(self, frame: pl.DataFrame) -> str:
        return fmt_list([mid(label(v)) for v in frame[self.unit_name]])

    def verdict(self) -> str:
        """Who differs clearly from the average, named (95% certain)."""
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
        few = 3 if self.table.height > 6 else 1
        return [
            self.verdict(),
            _("Highest: {items}.").format(items=self._items(self.table.head(few))),
            _("Lowest: {items}.").format(items=self._items(self.table.tail(few).reverse())),
            _("Average: {average}; a rate on few contacts is pulled towards it.").format(
                average=fmt_value(self.average, "share")
            ),
        ]

    def method(self) -> str:
        """The method's names and parameters (the appendix)."""
        if self.lacking is not None:
            return self._lacking()
        a, b = self.prior
        return _(
            "Method: empirical-Bayes shrinkage with a beta-binomial prior fitted by the method "
            "of moments (prior mean {mean}, worth {strength} contacts: each rate is pulled "
            "towards the average as if it had {strength} more contacts at the average); the "
            "ranges are 95% credible intervals of each posterior beta distribution."
        ).format(mean=fmt_value(self.average, "share"), strength=fmt_value(a + b, "count"))

    def readable(self, top: int | None = SHOWN) -> pl.DataFrame:
        """The ranking as read: the ``top`` highest and lowest (``None``: everyone)."""
        t = self.table.select(
            "rank",
            self.unit_name,
            *(["team"] if "team" in self.table.columns and self.unit_name != "team" else []),
            "contacts",
            "raw",
            "shrunk",
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
        t = self.table.sort("shrunk")
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
        fig.add_scatter(
            x=t["raw"] * 100,
            y=names,
            mode="markers",
            name=label("raw"),
            marker=dict(color=COLORS["muted"], size=8, symbol="circle-open"),
            hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
        )
        fig.add_scatter(
            x=t["shrunk"] * 100,
            y=names,
            mode="markers",
            name=label("shrunk"),
            marker=dict(color=INK, size=9),
            error_x=dict(
                type="data",
                symmetric=False,
                array=((t["ci_high"] - t["shrunk"]) * 100).to_list(),
                arrayminus=((t["shrunk"] - t["ci_low"]) * 100).to_list(),
                color=COLORS["muted"],
            ),
            hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
        )
        fig.add_vline(x=self.average * 100, line_dash="dot", line_color=COLORS["muted"])
        note = _("Lines: where the true rate likely lies (95%). Dotted line: the average.")
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
    dictionary = metrics(config)
    if kpi not in dictionary:
        raise OptionError(
            f"kpi={kpi!r} is not a KPI of the metric dictionary; choose one of "
            f"{', '.join(k for k, v in dictionary.items() if v.unit == 'share')}."
        )
    m = dictionary[kpi]
    if m.unit != "share":
        raise OptionError(f"ranking needs a share KPI (kpi=); {kpi!r} is in {m.unit}.")
    lf = contacts.lazy()
    columns = lf.collect_schema().names()
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
        lf = lf.join(agents.lazy().select("agent_id", "team"), on="agent_id", how="left")
    elif by not in columns:
        raise OptionError(
            f"by={by!r} is not a column of the contacts; rank by agent_id, team (with the "
            f"agents table) or one of {', '.join(c for c in columns if c != 'contact_id')}."
        )
    prepared = prepare(lf, config)
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
    x, n = mo["num"].to_numpy(), mo["den"].to_numpy()
    p = x.sum() / n.sum()
    # method of moments for the between-unit variance of true rates
    raw = x / n
    s2 = np.average((raw - p) ** 2, weights=n)
    within = p * (1 - p) * np.mean(1 / n)
    tau2 = max(s2 - within, 1e-6)
    strength = max(p * (1 - p) / tau2 - 1, 1.0)
    a, b = p * strength, (1 - p) * strength
    post_a, post_b = a + x, b + n - x
    table = (
        pl.DataFrame(
            {
                by: mo[by],
                "contacts": n.astype(int),
                "raw": raw,
                "shrunk": post_a / (post_a + post_b),
                "ci_low": stats.beta.ppf((1 - CERTAINTY) / 2, post_a, post_b),
                "ci_high": stats.beta.ppf((1 + CERTAINTY) / 2, post_a, post_b),
            }
        )
        .sort("shrunk", descending=True)
        .with_row_index("rank", offset=1)
    )
    if by == "agent_id" and agents is not None and "team" in agents.columns:
        # each agent's team beside the code
        table = table.join(
            agents.select("agent_id", "team").unique("agent_id"), on="agent_id", how="left"
        ).sort("rank")
    return Ranking(table=table, kpi=kpi, unit_name=by, prior=(float(a), float(b)), period=period)
