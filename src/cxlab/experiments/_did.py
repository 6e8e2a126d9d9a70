"""Difference-in-differences for a pilot in some regions from a date: the 2x2, an event study, pre-trends.

The 2x2 estimate compares each region's change (its KPI after minus before, each a ratio of sums
over the region's contacts) between pilot and comparison regions. Its uncertainty comes from the
spread of those region-level changes (Welch's unequal-variance t with Satterthwaite degrees of
freedom): with three pilot regions, regression errors clustered by region with a ``t(G-1)``
reference covered the truth only 91% of the time in simulation, the region-level test 95%.
The event study applies the same comparison per bin of periods relative to the start (each
region's change from the bin just before, -1). The pre-trend test asks whether pilot regions
already drifted away before the start: the Welch t-test of each region's average pre-period change
(one number, so that three pilot regions suffice; a joint Wald test of clustered event-study
coefficients falsely failed 25% of parallel-trend simulations, this test 5.5%).

References
----------
Angrist & Pischke (2009), Mostly Harmless Econometrics, ch. 5.2.
Cameron & Miller (2015), A practitioner's guide to cluster-robust inference, J. Human Resources 50.
MacKinnon & Webb (2017), Wild bootstrap inference for wildly different cluster sizes, J. Applied
Econometrics 32 (cluster-robust errors with few treated clusters are too narrow).
Donald & Lang (2007), Inference with difference-in-differences and other panel data, REStat 89.
Roth, Sant'Anna, Bilinski & Poe (2023), What's trending in difference-in-differences?, J. Econometrics 235.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._options import check_alpha
from cxlab._present import N_, _, fmt_change, fmt_p, fmt_value
from cxlab._result import Result
from cxlab.experiments._panel import outcome_panel
from cxlab.experiments._text import (
    check_status,
    day_text,
    effect_sentence,
    find,
    level_text,
    metric_info,
    size_text,
)
from cxlab.features import Metric

CANNOT = N_(
    "A pilot is not randomised: this design attributes the change to the pilot only if the pilot "
    "regions would otherwise have moved in parallel with the comparison regions. Parallel trends "
    "before the start support that, but cannot prove it, and nothing else may have changed only "
    "in the pilot regions at the same time."
)
PRETREND_LABELS = {
    "first_wave": N_("first wave"),
    "all_waves": N_("all waves"),
    "event_study": N_("event study"),
}


@dataclass(frozen=True)
class PretrendResult(Result):
    """Joint test that every pre-period event-study coefficient is zero. ``passed`` if p is at
    least ``threshold`` (the analysis' ``alpha``). ``pre_effects`` are the pre-period effects the
    test reads (``event_time, estimate, ci_low, ci_high``), drawn by :meth:`plot`."""

    statistic: float
    p_value: float
    n_coefficients: int
    threshold: float = 0.05
    label: str = "event_study"  # which comparison: first_wave, all_waves, event_study
    metric: str = ""
    pre_effects: pl.DataFrame | None = field(default=None, compare=False, repr=False)
    measures: tuple[Metric, ...] = field(default=(), compare=False, repr=False)

    @property
    def title(self) -> str:
        return _(
            "Were the pilot regions moving like the others before the start ({which})?"
        ).format(which=self.which)

    @property
    def which(self) -> str:
        return _(PRETREND_LABELS.get(self.label, self.label))

    @property
    def passed(self) -> bool:
        """``True`` when no pre-trend is detected (or none can be tested: the findings say so)."""
        return self.n_coefficients == 0 or self.p_value >= self.threshold

    @property
    def status(self) -> str:
        """ "passed", "borderline" (p below twice the threshold), "failed" or "untested"."""
        if self.n_coefficients == 0:
            return "untested"
        return check_status(self.p_value, self.threshold, 2 * self.threshold)

    def summary(self) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "statistic": [self.statistic],
                "p_value": [self.p_value],
                "coefficients": [self.n_coefficients],
                "passed": [self.passed],
            }
        )

    def findings(self) -> list[str]:
        """Plain words: were pilot and comparison regions moving alike before the start?"""
        text = {
            "untested": _(
                "Whether pilot and comparison regions moved alike before the start could not be "
                "checked: there is too little history before the start."
            ),
            "passed": _(
                "Before the start, the pilot regions were moving like the comparison regions "
                "({which}). This supports reading the difference after the start as the pilot's "
                "effect, though it cannot prove it."
            ),
            "borderline": _(
                "Before the start, the pilot regions were only roughly moving like the comparison "
                "regions ({which}): a small drift apart cannot be ruled out, so part of the "
                "difference after the start may not be the pilot's."
            ),
            "failed": _(
                "Before the start, the pilot regions were already drifting away from the "
                "comparison regions ({which}): the difference after the start may be partly or "
                "wholly that drift, not the pilot."
            ),
        }[self.status]
        return [text.format(which=self.which)]

    def details(self) -> list[str]:
        if self.n_coefficients == 0:
            return []
        if self.label == "all_waves":
            text = _(
                "Pre-trend test ({which}): the pre-period group-time effects of the "
                "Callaway-Sant'Anna estimator tested jointly against zero over {n} pre-period "
                "cells, statistic = {stat}, p = {p}; the check fails below p = {threshold}."
            )
        else:
            text = _(
                "Pre-trend test ({which}): Welch t-test of each region's average change over "
                "{n} pre-period event-study bins, F = {stat}, p = {p}; the check fails below "
                "p = {threshold}."
            )
        return [
            text.format(
                which=self.which,
                n=self.n_coefficients,
                stat=fmt_value(self.statistic, "ratio"),
                p=fmt_p(self.p_value, bare=True),
                threshold=fmt_value(self.threshold, "ratio"),
            )
        ]

    def plot(self):
        """The pre-period effects with their likely ranges: near zero when the regions were
        moving alike before the start."""
        table = self.pre_effects
        if table is None:
            table = pl.DataFrame(
                schema={
                    "event_time": pl.Int64,
                    "estimate": pl.Float64,
                    "ci_low": pl.Float64,
                    "ci_high": pl.Float64,
                }
            )
        return event_plot(
            table,
            find(self.metric, self.measures),
            self.title,
            alpha=self.threshold,
            start=False,
        )


@dataclass(frozen=True)
class DiDResult(Result):
    """The 2x2 estimate, the event study and the pre-trend test of a pilot."""

    experiment: str
    metric: str
    estimate: dict
    event_study: pl.DataFrame
    pretrend: PretrendResult
    treated_units: tuple[str, ...]
    control_units: tuple[str, ...]
    start: dt.datetime
    end: dt.datetime | None
    baseline: float
    period: str
    alpha: float = 0.05
    measures: tuple[Metric, ...] = field(default=(), compare=False, repr=False)

    @property
    def measure(self) -> Metric:
        return find(self.metric, self.measures)

    @property
    def title(self) -> str:
        return _("Pilot regions against comparison regions, {metric}").format(
            metric=metric_info(self.measure)[0]
        )

    def summary(self) -> pl.DataFrame:
        return pl.DataFrame([self.estimate])

    def findings(self) -> list[str]:
        _name, unit, _hib = metric_info(self.measure)
        e = self.estimate
        return [
            _(
                "Pilot regions ({treated}) against comparison regions ({controls}), from {start}: "
                "{sentence} (pilot regions were at {level} before)."
            ).format(
                treated=len(self.treated_units),
                controls=len(self.control_units),
                start=day_text(self.start),
                sentence=effect_sentence(self.measure, e["estimate"], e["ci_low"], e["ci_high"]),
                level=fmt_value(self.baseline, unit),
            ),
            *self.pretrend.findings(),
            _(CANNOT),
        ]

    def details(self) -> list[str]:
        name, unit, _hib = metric_info(self.measure)
        e = self.estimate
        return [
            _(
                "Difference-in-differences (2x2), {metric}: {estimate}, standard error {se}, "
                "p = {p}. Each of the {n} regions' own change counts once (Welch t-test with "
                "Satterthwaite degrees of freedom), because with few regions errors clustered by "
                "region are too narrow."
            ).format(
                metric=name,
                estimate=fmt_change(e["estimate"], unit),
                se=size_text(e["std_error"], unit),
                p=fmt_p(e["p_value"], bare=True),
                n=len(self.treated_units) + len(self.control_units),
            ),
            *self.pretrend.details(),
        ]

    def plot(self):
        return event_plot(
            self.event_study,
            self.measure,
            _("Effect by weeks since the start, {metric}").format(
                metric=metric_info(self.measure)[0]
            ),
            alpha=self.alpha,
        )


def event_plot(
    table: pl.DataFrame,
    metric: str | Metric | None,
    title: str,
    x_title: str | None = None,
    *,
    alpha: float = 0.05,
    start: bool = True,
):
    """Effect per period relative to the start, with its likely range (at ``alpha``); ``start``
    marks the start between periods -1 and 0."""
    import plotly.graph_objects as go

    from cxlab.experiments._charts import effect_axis, layout
    from cxlab.viz import color_for

    factor, axis = effect_axis(metric)
    x = table["event_time"].to_list()
    est = (table["estimate"] * factor).to_list()
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=est,
            mode="markers+lines",
            marker=dict(color=color_for("treatment")),
            line=dict(color=color_for("treatment")),
            error_y=dict(
                type="data",
                symmetric=False,
                array=((table["ci_high"] - table["estimate"]) * factor).to_list(),
                arrayminus=((table["estimate"] - table["ci_low"]) * factor).to_list(),
            ),
            name=_("Effect, likely range ({level})").format(level=level_text(alpha)),
        )
    )
    fig.add_hline(y=0, line_dash="dot", line_color="#8a94a6")
    if start:
        fig.add_vline(x=-0.5, line_dash="dash", line_color="#8a94a6")
        fig.add_annotation(
            x=-0.5,
            y=1,
            yref="paper",
            text=_("start"),
            showarrow=False,
            xanchor="left",
            yanchor="top",
        )
    fig.update_layout(
        xaxis_title=x_title or _("Periods relative to the start"),
        yaxis_title=axis,
        showlegend=True,
    )
    layout(fig, title)
    return fig


def did(
    panel: pl.DataFrame,
    *,
    treated: dict[str, dt.datetime],
    controls: list[str],
    end: dt.datetime | None = None,
    bin_periods: int = 4,
    max_bins: int = 4,
    alpha: float = 0.05,
    experiment: str = "",
    metric: str | Metric | None = "",
) -> DiDResult:
    """The 2x2 difference-in-differences and its event study on a panel of regions by period.

    Parameters
    ----------
    panel
        A KPI panel ``unit, period, numerator, denominator`` (see :func:`kpi_panel`: a region's
        level over several periods is its ratio of sums), or a plain outcome ``unit, period, y``
        (or a column named by ``metric``), averaged over periods.
    treated
        Pilot units and their (common) start; with several start dates use :func:`staggered_did`.
    controls
        Never-treated comparison units.
    end
        Ignore periods from this date on (e.g. before further regions adopt).
    bin_periods, max_bins
        The event study groups ``bin_periods`` periods per coefficient and pools the ends beyond
        ``max_bins`` bins on each side.
    alpha
        The intervals are ``1 - alpha`` confidence intervals; the pre-trend check fails below it.
    metric
        What the outcome is: a KPI of the dictionary, a declared metric or a plain column name
        (it names and formats the outcome in the text and charts).

    Raises
    ------
    SchemaError
        A panel with neither ``numerator``/``denominator`` nor an outcome column.
    NotEnoughDataError
        ``end`` not after the start, or no period before or after the start for pilot and
        comparison regions (the message names the periods the panel covers).
    """
    alpha = check_alpha(alpha)
    if not treated:
        raise OptionError("did(treated={}): name at least one pilot unit and its start.")
    starts = set(treated.values())
    if len(starts) != 1:
        raise NotEnoughDataError("did() needs one start date; use staggered_did() for a rollout.")
    start = starts.pop()
    full, measure = outcome_panel(panel, metric, where="did()")
    keep = list(treated) + list(controls)
    p = full.filter(pl.col("unit").is_in(keep))
    dtype = full["period"].dtype
    # weeks are labelled by their local Monday; compare in naive local time
    start_cmp = _as_period(start, dtype)
    if end is not None:
        end_cmp = _as_period(end, dtype)
        if end_cmp <= start_cmp:
            raise NotEnoughDataError(
                f"{experiment or 'did()'}: end={end} is not after the start {start}; "
                f"{covered(full)}."
            )
        p = p.filter(pl.col("period") < end_cmp)
    is_t = p["unit"].is_in(list(treated)).to_numpy()
    after = (p["period"] >= start_cmp).to_numpy()
    if is_t.sum() == 0 or (~is_t).sum() == 0 or after.sum() == 0 or (~after).sum() == 0:
        raise NotEnoughDataError(
            f"{experiment or 'did()'}: the 2x2 needs pilot and comparison regions before and "
            f"after the start {start}; {covered(full)}."
        )
    row = _two_by_two(p, after, set(treated), alpha)
    # event study: region-level changes from bin -1, compared like the 2x2
    step = _period_length(p)
    rel = ((p["period"] - start_cmp).dt.total_seconds().to_numpy() / step).round().astype(int)
    b = np.clip(np.floor_divide(rel, bin_periods), -max_bins, max_bins - 1)
    table, (f, pval, q) = _event_study(p, b, set(treated), alpha)
    base = p.filter(pl.col("unit").is_in(list(treated)) & (pl.col("period") < start_cmp))
    baseline = (
        float(base["numerator"].sum() / base["denominator"].sum()) if base.height else float("nan")
    )
    measures = (measure,)
    pre = table.filter(pl.col("event_time") < 0)
    return DiDResult(
        experiment,
        measure.name,
        row,
        table,
        PretrendResult(
            f,
            pval,
            q,
            threshold=alpha,
            label="first_wave",
            metric=measure.name,
            pre_effects=pre,
            measures=measures,
        ),
        tuple(sorted(treated)),
        tuple(sorted(controls)),
        start,
        end,
        baseline,
        f"bins of {bin_periods} periods",
        alpha,
        measures,
    )


def covered(panel: pl.DataFrame) -> str:
    """The periods a panel covers and its units, in words for an error message."""
    if panel.height == 0:
        return "the panel has no cell with an outcome"
    lo, hi = panel["period"].min(), panel["period"].max()
    units = panel["unit"].unique().sort().to_list()
    shown = ", ".join(units[:8]) + (", ..." if len(units) > 8 else "")
    return f"the panel covers periods {lo} to {hi} for units {shown}"


def _welch(a: np.ndarray, b: np.ndarray, alpha: float, term: str) -> dict:
    """Difference of means of region-level changes, Welch-Satterthwaite t (Donald & Lang 2007)."""
    from scipy import stats

    if len(a) < 2 or len(b) < 2:
        raise NotEnoughDataError("the 2x2 needs at least two pilot and two comparison regions.")
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    est, se = float(a.mean() - b.mean()), float(np.sqrt(va + vb))
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if va + vb > 0 else 1.0
    crit = float(stats.t.ppf(1 - alpha / 2, df))
    return dict(
        term=term,
        estimate=est,
        std_error=se,
        ci_low=est - crit * se,
        ci_high=est + crit * se,
        p_value=float(2 * stats.t.sf(abs(est) / se, df)) if se > 0 else float("nan"),
    )


def _levels(p: pl.DataFrame, key: np.ndarray) -> pl.DataFrame:
    """Each region's KPI (ratio of sums) per value of ``key``: one column per key value."""
    return (
        p.with_columns(key=pl.Series(key).cast(pl.Utf8))
        .group_by("unit", "key")
        .agg((pl.col("numerator").sum() / pl.col("denominator").sum()).alias("level"))
        .pivot(on="key", index="unit", values="level")
        .drop_nulls()
    )


def _two_by_two(p: pl.DataFrame, after: np.ndarray, treated: set, alpha: float) -> dict:
    lv = _levels(p, np.where(after, "after", "before"))
    delta = (lv["after"] - lv["before"]).to_numpy()
    is_t = lv["unit"].is_in(list(treated)).to_numpy()
    return _welch(delta[is_t], delta[~is_t], alpha, "pilot x after")


def _event_study(p: pl.DataFrame, bins: np.ndarray, treated: set, alpha: float):
    """Per bin, the difference of mean region-level changes from bin -1; the pre-trend test is the
    Welch t-test of each region's average pre-period change (one number, so few regions suffice)."""
    lv = _levels(p, bins)
    if "-1" not in lv.columns:
        raise NotEnoughDataError("the event study needs the bin just before the start.")
    is_t = lv["unit"].is_in(list(treated)).to_numpy()
    ref = lv["-1"].to_numpy()
    rows = [
        dict(
            event_time=-1,
            term="e=-1",
            estimate=0.0,
            std_error=0.0,
            ci_low=0.0,
            ci_high=0.0,
            p_value=float("nan"),
        )
    ]
    pre_changes = []
    for col in sorted((c for c in lv.columns if c not in ("unit", "-1")), key=int):
        d = lv[col].to_numpy() - ref
        rows.append(dict(event_time=int(col), **_welch(d[is_t], d[~is_t], alpha, f"e={col}")))
        if int(col) < -1:
            pre_changes.append(d)
    table = pl.DataFrame(rows).sort("event_time")
    if not pre_changes:
        return table, (float("nan"), float("nan"), 0)
    avg = np.mean(pre_changes, axis=0)
    test = _welch(avg[is_t], avg[~is_t], alpha, "pre-trend")
    stat = (test["estimate"] / test["std_error"]) ** 2 if test["std_error"] > 0 else float("nan")
    return table, (stat, test["p_value"], len(pre_changes))


def _as_period(moment: dt.datetime, dtype) -> dt.datetime:
    tz = getattr(dtype, "time_zone", None)
    if tz:
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo(tz))
    return moment.replace(tzinfo=None)


def _period_length(panel: pl.DataFrame) -> float:
    periods = panel["period"].unique().sort()
    if len(periods) < 2:
        raise NotEnoughDataError("the panel has a single period.")
    return float(periods.diff().drop_nulls().dt.total_seconds().min())
