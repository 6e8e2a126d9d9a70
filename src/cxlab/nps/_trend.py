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

import html
from dataclasses import dataclass

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError
from cxlab._options import renamed
from cxlab._present import (
    _,
    fmt_date,
    fmt_intervals,
    fmt_list,
    fmt_value,
    label,
    local_zone,
    locale,
    ngettext,
)
from cxlab._result import Result
from cxlab.features import nps_category
from cxlab.nps._counts import Method, OldNames, check_alpha, level_text, with_interval
from cxlab.nps._details import Details


def _tick(ts, every: str) -> str:
    """A period start as a short axis label: "Oct 2025" / "2025年10月", a quarter, or a day."""
    from babel.dates import format_skeleton

    day = ts.date() if hasattr(ts, "date") else ts
    if every.endswith("mo"):
        return format_skeleton("yMMM", day, locale=locale())
    if every.endswith("q"):
        return format_skeleton("yQQQ", day, locale=locale())
    if every.endswith("y"):
        return format_skeleton("y", day, locale=locale())
    return fmt_date(day)


@dataclass(frozen=True)
class NpsTrend(OldNames, Result):
    """NPS per period with intervals, control limits and an ``outside`` flag."""

    table: pl.DataFrame
    every: str
    by: tuple[str, ...] = ()
    alpha: float = 0.05
    sigma: float = 3.0

    @property
    def title(self) -> str:
        if self.by:
            return _("NPS over time by {dimension}").format(dimension=label(self.by[0]).lower())
        return _("NPS over time")

    def summary(self) -> pl.DataFrame:
        return self.table

    def _when(self, ts) -> str:
        return _tick(ts, self.every)

    def findings(self) -> list[str]:
        t = self.table
        if t.height == 0:
            return [_("No survey answers: no trend (insufficient data).")]
        out = []
        if not self.by:
            hi = t.sort("nps", descending=True).row(0, named=True)
            lo = t.sort("nps").row(0, named=True)
            if self.every.endswith("mo"):
                across = ngettext(
                    "Across {n} month NPS ranged from {low} ({low_when}) to {high} "
                    "({high_when}), around a long-run level of {centre}.",
                    "Across {n} months NPS ranged from {low} ({low_when}) to {high} "
                    "({high_when}), around a long-run level of {centre}.",
                    t.height,
                )
            elif self.every.endswith("q"):
                across = ngettext(
                    "Across {n} quarter NPS ranged from {low} ({low_when}) to {high} "
                    "({high_when}), around a long-run level of {centre}.",
                    "Across {n} quarters NPS ranged from {low} ({low_when}) to {high} "
                    "({high_when}), around a long-run level of {centre}.",
                    t.height,
                )
            else:
                across = _(
                    "Across {n} periods NPS ranged from {low} ({low_when}) to {high} "
                    "({high_when}), around a long-run level of {centre}."
                )
            out.append(
                across.format(
                    n=t.height,
                    low=fmt_value(lo["nps"], "nps"),
                    low_when=self._when(lo["ts"]),
                    high=fmt_value(hi["nps"], "nps"),
                    high_when=self._when(hi["ts"]),
                    centre=fmt_value(t["centre"][0], "nps"),
                )
            )
        flagged = t.filter(pl.col("outside"))
        if flagged.height == 0:
            if self.every.endswith("mo"):
                none = _(
                    "No month is outside normal variation: the ups and downs are what chance "
                    "alone produces."
                )
            elif self.every.endswith("q"):
                none = _(
                    "No quarter is outside normal variation: the ups and downs are what chance "
                    "alone produces."
                )
            elif self.every.endswith("w"):
                none = _(
                    "No week is outside normal variation: the ups and downs are what chance "
                    "alone produces."
                )
            else:
                none = _(
                    "No period is outside normal variation: the ups and downs are what chance "
                    "alone produces."
                )
            out.append(none)
        else:
            parts = []
            for r in flagged.iter_rows(named=True):
                who = " / ".join(label(r[k]) for k in self.by)
                words = (
                    _("{when} above ({nps})")
                    if r["nps"] > r["upper_limit"]
                    else _("{when} below ({nps})")
                ).format(when=self._when(r["ts"]), nps=fmt_value(r["nps"], "nps"))
                parts.append(f"{who} {words}" if who else words)
            words = (
                ngettext(
                    "{n} month fell outside the normal range: {periods}.",
                    "{n} months fell outside the normal range: {periods}.",
                    flagged.height,
                )
                if self.every.endswith("mo")
                else ngettext(
                    "{n} period fell outside the normal range: {periods}.",
                    "{n} periods fell outside the normal range: {periods}.",
                    flagged.height,
                )
            )
            out.append(
                words.format(n=flagged.height, periods=fmt_list(style="semicolon", items=parts))
            )
        return out

    def reader_table(self) -> pl.DataFrame:
        """One row per period: NPS with its likely range (overall), or the NPS of each group."""
        t = self.table
        if self.by:
            wide = t.with_columns(
                pl.col(self.by[0])
                .cast(pl.Utf8)
                .replace_strict(
                    {v: label(v) for v in t[self.by[0]].cast(pl.Utf8).unique().to_list()},
                    default=None,
                )
            ).pivot(on=self.by[0], index="ts", values="nps", sort_columns=False)
            wide = wide.sort("ts")
            return wide.select(
                pl.Series("period", [self._when(x) for x in wide["ts"]], pl.Utf8),
                pl.exclude("ts"),
            )
        rng = fmt_intervals(t["ci_low"], t["ci_high"], "nps", change=False)
        return t.select(
            *self.by,
            pl.Series("period", [self._when(x).replace(" ", "\u00a0") for x in t["ts"]], pl.Utf8),
            "nps",
            pl.Series("likely_range", rng, pl.Utf8),
            "n",
            "outside",
        )

    def _repr_html_(self) -> str:
        from cxlab.nps._score import _result_html

        table = self.reader_table()
        units = {c: "nps" for c in table.columns if c not in ("period", "likely_range", "n")}
        return _result_html(self, table, units | {"n": "count"}, name="nps_trend")

    def plot(self, *, target: float | None = None, limits: bool = True):
        """NPS per period with its interval band; the control limits unless ``limits=False``;
        a dashed line at ``target``."""
        import plotly.graph_objects as go

        from cxlab.viz import COLORS, TARGET_LINE, color_for, fade

        fig = go.Figure()
        groups = (
            self.table.partition_by(list(self.by), maintain_order=True) if self.by else [self.table]
        )
        band_name = _("{level} likely range").format(level=level_text(self.alpha))
        for i, g in enumerate(groups):
            level = g[self.by[0]][0] if self.by else "current"
            colour = color_for(level, index=i)
            name = html.escape(" / ".join(label(g[k][0]) for k in self.by)) if self.by else "NPS"
            x = g["ts"].to_list()
            fig.add_scatter(
                x=x + x[::-1],
                y=g["ci_high"].to_list() + g["ci_low"].to_list()[::-1],
                fill="toself",
                mode="lines",  # a band, no markers at its corners (plotly marks short series)
                fillcolor=fade(colour, 0.16),
                line=dict(width=0),
                name=band_name if not self.by else name,
                legendgroup=name,
                showlegend=not self.by,
                hoverinfo="skip",
            )
            if limits and not self.by:
                for col in ("upper_limit", "lower_limit"):
                    fig.add_scatter(
                        x=x,
                        y=g[col].to_list(),
                        mode="lines",
                        line=dict(dash="dot", color=COLORS["muted"]),
                        name=_("normal variation"),
                        showlegend=col == "upper_limit",
                        hoverinfo="skip",
                    )
            hover = [
                html.escape(
                    _("{when}: NPS {nps}, {interval}, {n} answers").format(
                        when=self._when(r["ts"]),
                        nps=fmt_value(r["nps"], "nps"),
                        interval=_("likely between {low} and {high}").format(
                            low=fmt_value(r["ci_low"], "nps"), high=fmt_value(r["ci_high"], "nps")
                        ),
                        n=fmt_value(r["n"], "count"),
                    )
                )
                for r in g.iter_rows(named=True)
            ]
            fig.add_scatter(
                x=x,
                y=g["nps"].to_list(),
                mode="lines+markers",
                name=name,
                legendgroup=name,
                line=dict(color=colour, width=2),
                text=hover,
                hovertemplate="%{text}<extra></extra>",
            )
            out = g.filter(pl.col("outside"))
            if out.height and limits:
                fig.add_scatter(
                    x=out["ts"].to_list(),
                    y=out["nps"].to_list(),
                    mode="markers",
                    marker=dict(
                        size=13, color=COLORS["bad"], symbol="circle-open", line=dict(width=2)
                    ),
                    name=_("outside normal variation"),
                    showlegend=not self.by or i == 0,
                    hoverinfo="skip",
                )
        if target is not None:
            fig.add_hline(
                y=target,
                line=TARGET_LINE,
                annotation_text=html.escape(
                    _("target {target}").format(target=fmt_value(target, "nps"))
                ),
                annotation_position="top left",
            )
        ticks = self.table["ts"].unique().sort().to_list()
        fig.update_layout(
            title=html.escape(self.title),
            yaxis_title=_("NPS (points)"),
            xaxis=dict(tickvals=ticks, ticktext=[html.escape(self._when(t)) for t in ticks]),
        )
        return fig

    def details(self) -> Details:
        return Details(
            title=self.title,
            notes=(
                _(
                    "Normal variation: control limits of {sigma} standard errors around the "
                    "pooled NPS, the standard error at each period's own number of answers "
                    "(Shewhart chart with variable sample size; Montgomery 2019, ch. 7)."
                ).format(sigma=fmt_value(self.sigma, "ratio", decimals=0)),
            ),
            tables=(
                (
                    self.title,
                    self.table.with_columns(
                        pl.Series(
                            "ts",
                            [self._when(x).replace(" ", "\u00a0") for x in self.table["ts"]],
                            pl.Utf8,
                        )
                    ).rename({"ts": "period", "ci_low": "nps_low", "ci_high": "nps_high"}),
                    {
                        k: "nps"
                        for k in (
                            "nps",
                            "nps_low",
                            "nps_high",
                            "centre",
                            "lower_limit",
                            "upper_limit",
                        )
                    }
                    | {k: "count" for k in ("promoters", "passives", "detractors", "n")}
                    | {"std_error": "ratio"},
                ),
            ),
        )


@renamed(level=("alpha", lambda v: 1 - v))
def trend(
    surveys: pl.LazyFrame | pl.DataFrame,
    *,
    every: str = "1mo",
    by: str | None = None,
    alpha: float = 0.05,
    sigma: float = 3.0,
    method: Method = "adjusted_wald",
    time_zone: str | None = None,
) -> NpsTrend:
    """NPS per period (``every``: ``"1w"``, ``"1mo"``, ``"1q"``) with intervals and control limits.

    ``alpha``: each period's NPS has a ``1 - alpha`` confidence interval (was ``level=0.95``).

    Examples
    --------
    >>> import cxlab as cx
    >>> cx.nps.trend(cx.load("surveys")).summary()  # doctest: +SKIP

    References
    ----------
    Montgomery (2019), ch. 7; Rocks (2016).
    """
    check_alpha(alpha)
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
    table = with_interval(counts, alpha=alpha, method=method)
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
    return NpsTrend(table=table, every=every, by=tuple(keys), alpha=alpha, sigma=sigma)
