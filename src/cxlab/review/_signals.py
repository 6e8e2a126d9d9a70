"""Anomalies beyond normal variation, and agent rankings that do not reward luck.

Anomalies: a Laney p′/u′ control chart per group and KPI. The baseline is the eight weeks before
the review month; for each day the expected spread is the binomial (or within-day) standard error
at that day's volume, widened by the extra day-to-day variation the baseline showed (the moving
range of standardised baseline days, Laney 2002). A day beyond 3 of those standard errors is
flagged; by chance that happens about 3 times in 1,000 days per series.

Rankings: empirical-Bayes shrinkage (beta-binomial). Each agent's rate is pulled towards the team
average in proportion to how few contacts it rests on, with a 90% credible interval.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import polars as pl
from scipy import stats

from cxlab._result import Result
from cxlab._stats import adjust_p
from cxlab.features import MetricConfig, metrics, prepare
from cxlab.review._moments import moments
from cxlab.review._period import Period
from cxlab.review._sections import _html, fmt, formatted

BASELINE_DAYS = 56
LIMIT = 3.0
ANOMALY_KPIS = ("answer_rate", "service_level", "fcr_reported", "csat", "aht")


@dataclass(frozen=True)
class Anomalies(Result):
    """Days of the month where a KPI left its normal range, per group."""

    points: pl.DataFrame  # group, kpi, day, value, centre, lo, hi, n, z, flagged, in_month
    by: str
    period: Period

    @property
    def title(self) -> str:
        return f"Unusual days by {self.by}, {self.period.label}"

    def summary(self) -> pl.DataFrame:
        flagged = self.points.filter(pl.col("flagged") & pl.col("in_month"))
        return flagged.select(self.by, "kpi", "day", "value", "centre", "lo", "hi", "n", "z").sort(
            pl.col("z").abs(), descending=True
        )

    def findings(self) -> list[str]:
        flagged = self.summary()
        method = (
            f"A day counts as unusual when a KPI leaves its normal range: the average of the previous "
            f"{BASELINE_DAYS // 7} weeks plus or minus {LIMIT:g} standard errors for that day's volume, "
            "widened by the day-to-day variation those weeks showed, and allowing for the number of days and "
            "series looked at (Benjamini-Hochberg, at most 5% false alarms among the days flagged)."
        )
        if flagged.height == 0:
            return [f"No {self.by} had an unusual day this month. " + method]
        dictionary = metrics()
        out = []
        for r in flagged.head(6).iter_rows(named=True):
            m = dictionary[r["kpi"]]
            direction = "above" if r["z"] > 0 else "below"
            out.append(
                f"{r[self.by]}: {m.label.lower()} {fmt(r['value'], m.unit)} on {r['day']:%a %d %b}, "
                f"{direction} its normal range {fmt(r['lo'], m.unit)}-{fmt(r['hi'], m.unit)}."
            )
        if flagged.height > 6:
            out.append(f"…and {flagged.height - 6} more unusual days (see the table).")
        return [*out, method]

    def _repr_html_(self) -> str:
        flagged = self.summary()
        if flagged.height == 0:
            return _html(self, None)
        dictionary = metrics()
        rows = [
            {
                self.by: r[self.by],
                "KPI": dictionary[r["kpi"]].label,
                "day": r["day"].isoformat(),
                "value": fmt(r["value"], dictionary[r["kpi"]].unit),
                "normal range": f"{fmt(r['lo'], dictionary[r['kpi']].unit)} to {fmt(r['hi'], dictionary[r['kpi']].unit)}",
                "contacts": f"{r['n']:,.0f}",
            }
            for r in flagged.iter_rows(named=True)
        ]
        return _html(self, pl.DataFrame(rows))

    def plot(self, group: str | None = None, kpi: str | None = None) -> go.Figure:
        flagged = self.summary()
        if group is None or kpi is None:
            if flagged.height:
                group, kpi = flagged.row(0, named=True)[self.by], flagged.row(0, named=True)["kpi"]
            else:
                group, kpi = self.points[self.by][0], self.points["kpi"][0]
        m = metrics()[kpi]
        scale = 100 if m.unit == "share" else 1
        s = self.points.filter((pl.col(self.by) == group) & (pl.col("kpi") == kpi)).sort("day")
        fig = go.Figure()
        fig.add_scatter(
            x=s["day"], y=s["hi"] * scale, line=dict(width=0), showlegend=False, hoverinfo="skip"
        )
        fig.add_scatter(
            x=s["day"],
            y=s["lo"] * scale,
            fill="tonexty",
            fillcolor="rgba(31,90,150,0.12)",
            line=dict(width=0),
            name="normal range",
        )
        fig.add_scatter(
            x=s["day"],
            y=s["value"] * scale,
            mode="lines+markers",
            name=m.label,
            line_color="#1f5a96",
        )
        bad = s.filter(pl.col("flagged"))
        fig.add_scatter(
            x=bad["day"],
            y=bad["value"] * scale,
            mode="markers",
            name="unusual",
            marker=dict(color="#c0392b", size=11, symbol="circle-open", line_width=2),
        )
        lo, _ = self.period.bounds()
        fig.add_vline(x=lo.astimezone(dt.UTC).date(), line_dash="dot", line_color="#8a94a6")
        fig.update_layout(
            title=f"{m.label}, {group}: baseline weeks then {self.period.label}",
            yaxis_title="%" if m.unit == "share" else m.unit,
        )
        return fig


def anomalies(
    contacts: pl.LazyFrame,
    period: Period,
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
    month_start = (
        lo.astimezone(dt.UTC).astimezone(__import__("zoneinfo").ZoneInfo(period.time_zone)).date()
    )
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
                z=pl.Series(z / sigma_z),
            )
        )
    points = (
        pl.concat(frames)
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
                "z": pl.Float64,
            }
        )
    )
    if points.height:
        p = 2 * stats.norm.sf(np.abs(points["z"].to_numpy()))
        in_month = points["in_month"].to_numpy()
        keep = np.zeros(points.height, bool)
        idx = np.flatnonzero(in_month)
        keep[idx] = adjust_p(p[idx], "bh") <= 0.05
        shares = [k for k in kpis if metrics(config)[k].unit == "share"]
        is_share = pl.col("kpi").is_in(shares)
        points = points.with_columns(
            flagged=pl.Series(keep) & (pl.col("z").abs() > LIMIT),
            lo=pl.when(is_share).then(pl.col("lo").clip(0, 1)).otherwise(pl.col("lo")),
            hi=pl.when(is_share).then(pl.col("hi").clip(0, 1)).otherwise(pl.col("hi")),
        )
    else:
        points = points.with_columns(flagged=pl.lit(False))
    return Anomalies(points=points, by=by, period=period)


# -- rankings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranking(Result):
    """Agents (or teams) ranked on a shrunken rate with a 90% credible interval."""

    table: pl.DataFrame
    kpi: str
    unit_name: str
    prior: tuple[float, float]
    period: Period

    @property
    def title(self) -> str:
        return f"{self.unit_name.capitalize()} ranking on {metrics()[self.kpi].label.lower()}, {self.period.label}"

    def summary(self) -> pl.DataFrame:
        return self.table

    def findings(self) -> list[str]:
        a, b = self.prior
        m = metrics()[self.kpi]
        top = self.table.head(3)
        clear = self.table.filter(pl.col("ci_low") > a / (a + b))
        out = [
            f"Ranked on {m.label.lower()} shrunk towards the average ({100 * a / (a + b):.1f}%): a {self.unit_name} "
            f"{self.unit_name.removesuffix('_id')} with few contacts is pulled towards it, as if it had "
            f"{a + b:,.0f} extra average contacts.",
            "Top three: "
            + "; ".join(
                f"{r[self.unit_name]} {100 * r['shrunk']:.1f}% ({r['contacts']:,} contacts)"
                for r in top.iter_rows(named=True)
            )
            + ".",
            f"{clear.height} of {self.table.height} are above average with 90% confidence.",
        ]
        return out

    def _repr_html_(self) -> str:
        t = self.table.head(15)
        return _html(
            self,
            formatted(
                t, {"raw": "share", "shrunk": "share", "ci_low": "share", "ci_high": "share"}
            ),
        )

    def plot(self) -> go.Figure:
        t = self.table.sort("shrunk").tail(40)
        fig = go.Figure()
        fig.add_scatter(
            x=t["raw"] * 100,
            y=t[self.unit_name],
            mode="markers",
            name="raw rate",
            marker=dict(color="#c8d3e3", size=8),
        )
        fig.add_scatter(
            x=t["shrunk"] * 100,
            y=t[self.unit_name],
            mode="markers",
            name="shrunk rate",
            marker=dict(color="#1f5a96", size=9),
            error_x=dict(
                type="data",
                symmetric=False,
                array=((t["ci_high"] - t["shrunk"]) * 100).to_list(),
                arrayminus=((t["shrunk"] - t["ci_low"]) * 100).to_list(),
            ),
        )
        fig.update_layout(
            title=self.title + " (90% credible interval)",
            xaxis_title="%",
            height=200 + 22 * t.height,
        )
        return fig


def ranking(
    contacts: pl.LazyFrame,
    period: Period,
    *,
    kpi: str = "fcr",
    by: str = "agent_id",
    agents: pl.DataFrame | None = None,
    min_contacts: int = 1,
    config: MetricConfig | None = None,
) -> Ranking:
    """Empirical-Bayes ranking of agents (``by="agent_id"``) or teams (``by="team"``) on a share KPI."""
    m = metrics(config)[kpi]
    if m.unit != "share":
        raise ValueError(f"ranking needs a share KPI; {kpi} is in {m.unit}.")
    lf = contacts.lazy()
    if by == "team" and agents is not None:
        lf = lf.join(agents.lazy().select("agent_id", "team"), on="agent_id", how="left")
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
                "ci_low": stats.beta.ppf(0.05, post_a, post_b),
                "ci_high": stats.beta.ppf(0.95, post_a, post_b),
            }
        )
        .sort("shrunk", descending=True)
        .with_row_index("rank", offset=1)
    )
    return Ranking(table=table, kpi=kpi, unit_name=by, prior=(float(a), float(b)), period=period)
