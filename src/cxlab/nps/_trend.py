"""NPS over time with intervals, and a control chart flag for periods outside normal variation.

Each period gets its own multinomial interval. The control limits are those of a Shewhart chart
for the NPS: centre = the NPS of all periods pooled, limits = centre +/- ``sigma`` standard errors,
the standard error computed from the pooled promoter and detractor shares at the period's own
number of answers (so a small month gets wider limits). A period outside its limits is flagged:
its NPS is not explained by sampling noise around the long-run level.

References
----------
Montgomery, D. C. (2019). *Introduction to Statistical Quality Control*, 8th ed., ch. 7 (the p
chart with variable sample size). Rocks, B. (2016). *The American Statistician* 70(4), 365-372.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError
from cxlab._result import Result
from cxlab.features._surveys import nps_category
from cxlab.nps._counts import Method, with_interval
from cxlab.nps._period import local_zone


@dataclass(frozen=True)
class NpsTrend(Result):
    """NPS per period with intervals, control limits and an ``outside`` flag."""

    table: pl.DataFrame
    every: str
    by: tuple[str, ...] = ()
    level: float = 0.95
    sigma: float = 3.0

    @property
    def title(self) -> str:
        return "NPS trend" + (f" by {', '.join(self.by)}" if self.by else "")

    def summary(self) -> pl.DataFrame:
        return self.table

    def findings(self) -> list[str]:
        t = self.table
        if t.height == 0:
            return ["No survey answers: no trend (insufficient data)."]
        out = []
        if not self.by:
            hi = t.sort("nps", descending=True).row(0, named=True)
            lo = t.sort("nps").row(0, named=True)
            out.append(
                f"Across {t.height} periods NPS ranged from {lo['nps']:+.1f} ({lo['ts']:%Y-%m-%d}) to "
                f"{hi['nps']:+.1f} ({hi['ts']:%Y-%m-%d}) around a pooled level of {t['centre'][0]:+.1f}."
            )
        flagged = t.filter(pl.col("outside"))
        if flagged.height == 0:
            out.append(
                f"No period is outside normal variation ({self.sigma:g}-sigma limits): the ups and "
                "downs are consistent with sampling noise."
            )
        else:
            parts = []
            for r in flagged.iter_rows(named=True):
                who = " / ".join(str(r[k]) for k in self.by)
                where = "above" if r["nps"] > r["upper_limit"] else "below"
                parts.append(
                    f"{(who + ' ') if who else ''}{r['ts']:%Y-%m-%d} {where} ({r['nps']:+.1f})"
                )
            out.append(
                f"{flagged.height} period(s) outside normal variation ({self.sigma:g}-sigma limits "
                f"around the pooled level): " + "; ".join(parts) + "."
            )
        return out

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.viz import COLORS

        fig = go.Figure()
        groups = (
            self.table.partition_by(list(self.by), maintain_order=True) if self.by else [self.table]
        )
        for g in groups:
            name = " / ".join(str(g[k][0]) for k in self.by) if self.by else "NPS"
            x = g["ts"].to_list()
            if not self.by:
                fig.add_scatter(
                    x=x + x[::-1],
                    y=g["ci_high"].to_list() + g["ci_low"].to_list()[::-1],
                    fill="toself",
                    fillcolor=COLORS["band"],
                    line=dict(width=0),
                    name=f"{round(100 * self.level)}% interval",
                    hoverinfo="skip",
                )
                for col in ("upper_limit", "lower_limit"):
                    fig.add_scatter(
                        x=x,
                        y=g[col].to_list(),
                        mode="lines",
                        line=dict(dash="dot", color=COLORS["muted"]),
                        name=f"{self.sigma:g}-sigma limit",
                        showlegend=col == "upper_limit",
                    )
            fig.add_scatter(x=x, y=g["nps"].to_list(), mode="lines+markers", name=name)
            out = g.filter(pl.col("outside"))
            if out.height:
                fig.add_scatter(
                    x=out["ts"].to_list(),
                    y=out["nps"].to_list(),
                    mode="markers",
                    marker=dict(
                        size=13, color=COLORS["bad"], symbol="circle-open", line=dict(width=2)
                    ),
                    name="outside normal variation",
                    showlegend=not self.by or g is groups[0],
                )
        fig.update_layout(title=self.title, yaxis_title="NPS (points)")
        return fig


def trend(
    surveys: pl.LazyFrame | pl.DataFrame,
    *,
    every: str = "1mo",
    by: str | None = None,
    level: float = 0.95,
    sigma: float = 3.0,
    method: Method = "adjusted_wald",
    time_zone: str | None = None,
) -> NpsTrend:
    """NPS per period (``every``: ``"1w"``, ``"1mo"``, ``"1q"``) with intervals and control limits.

    Examples
    --------
    >>> import cxlab as cx
    >>> cx.nps.trend(cx.load("surveys")).summary()  # doctest: +SKIP

    References
    ----------
    Montgomery (2019), ch. 7; Rocks (2016).
    """
    tz = local_zone(time_zone)
    keys = [by] if by else []
    lf = surveys.lazy().filter(pl.col("nps").is_not_null())
    if "category" not in lf.collect_schema().names():
        lf = lf.with_columns(nps_category())
    counts = (
        lf.with_columns(
            pl.col("responded_at").dt.convert_time_zone(tz).dt.truncate(every).alias("ts")
        )
        .group_by([*keys, "ts"])
        .agg(
            (pl.col("category") == "promoter").sum().cast(pl.Int64).alias("promoters"),
            (pl.col("category") == "passive").sum().cast(pl.Int64).alias("passives"),
            (pl.col("category") == "detractor").sum().cast(pl.Int64).alias("detractors"),
        )
        .sort([*keys, "ts"])
        .collect()
        .with_columns((pl.col("promoters") + pl.col("passives") + pl.col("detractors")).alias("n"))
    )
    if counts.height == 0:
        raise NotEnoughDataError("NPS trend: no answers.")
    table = with_interval(counts, level=level, method=method)
    over = [pl.col(k) for k in keys] if keys else None

    def pooled(col: str) -> pl.Expr:
        s = pl.col(col).sum()
        return (s.over(over) if over else s) / (
            pl.col("n").sum().over(over) if over else pl.col("n").sum()
        )

    table = table.with_columns(pooled("promoters").alias("_pp"), pooled("detractors").alias("_pd"))
    se = (
        100
        * (
            (pl.col("_pp") + pl.col("_pd") - (pl.col("_pp") - pl.col("_pd")) ** 2) / pl.col("n")
        ).sqrt()
    )
    table = (
        table.with_columns((100 * (pl.col("_pp") - pl.col("_pd"))).alias("centre"))
        .with_columns(
            (pl.col("centre") - sigma * se).alias("lower_limit"),
            (pl.col("centre") + sigma * se).alias("upper_limit"),
        )
        .with_columns(
            (
                (pl.col("nps") < pl.col("lower_limit")) | (pl.col("nps") > pl.col("upper_limit"))
            ).alias("outside")
        )
        .drop("_pp", "_pd")
        .with_columns(pl.col("ts").dt.replace_time_zone(None))
    )
    if not np.isfinite(table["nps"].to_numpy()).all():
        table = table.filter(pl.col("n") > 0)
    return NpsTrend(table=table, every=every, by=tuple(keys), level=level, sigma=sigma)
