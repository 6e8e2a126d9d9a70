"""Interrupted time series for a change made everywhere at once.

Segmented regression on the daily KPI: a trend, day-of-week effects (the weekly season), a level
change at the start and a change of slope after it; errors are heteroskedasticity- and
autocorrelation-consistent (Newey-West, two weeks of lags). The effect reported is the average gap
between what was observed and the extrapolated pre-period path over the post period. A placebo
start halfway through the pre-period checks that the model does not find "effects" where there
were none. With less than two years of history, annual seasonality cannot be separated from the
change and is not modelled: the report says so.

References
----------
Bernal, Cummins & Gasparrini (2017), Interrupted time series regression for the evaluation of
public health interventions: a tutorial, Int. J. Epidemiology 46(1).
Newey & West (1987), A simple, positive semi-definite, heteroskedasticity and autocorrelation
consistent covariance matrix, Econometrica 55.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, SchemaError
from cxlab._options import check_alpha
from cxlab._present import N_, _, fmt_change, fmt_interval, fmt_list, fmt_p, fmt_value, label
from cxlab._result import Result
from cxlab.experiments._text import (
    check_status,
    day_text,
    effect_sentence,
    find,
    level_text,
    metric_info,
    plain_column,
    relative_text,
    resolve,
    size_text,
)
from cxlab.features import Metric

ITS_CANNOT = N_(
    "With no comparison group, this design attributes the change to the intervention only if "
    "nothing else changed at the same moment; the pre-period trend and weekly pattern are "
    "extrapolated, and the further from the start, the less certain that path is."
)


PLACEBO_KINDS = {
    "fake_start": N_("a fake start date halfway through the period before the change"),
    "untreated_regions": N_("the regions without the pilot"),
}


@dataclass(frozen=True)
class PlaceboResult(Result):
    """A placebo effect where none happened (a fake date or untreated units). ``passed`` if not
    significant at ``threshold`` (the analysis' ``alpha``); ``kind`` is ``fake_start`` or
    ``untreated_regions``, ``when`` the fake date."""

    label: str
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    metric: str
    kind: str = "fake_start"
    count: int = 0  # untreated regions averaged
    when: object = None  # the fake start date
    threshold: float = 0.05
    measures: tuple[Metric, ...] = field(default=(), compare=False, repr=False)

    @property
    def title(self) -> str:
        if self.kind == "untreated_regions":
            return _("Do regions without the pilot show a gap of their own?")
        return _("Does a fake start date find an effect where nothing happened?")

    @property
    def what(self) -> str:
        return _(PLACEBO_KINDS.get(self.kind, self.kind))

    @property
    def passed(self) -> bool:
        return not (self.p_value < self.threshold)

    @property
    def status(self) -> str:
        """ "passed", "borderline" (p below twice the threshold) or "failed" (an effect where
        none happened)."""
        return check_status(self.p_value, self.threshold, 2 * self.threshold)

    def summary(self) -> pl.DataFrame:
        return pl.DataFrame(
            [
                dict(
                    term=self.label,
                    estimate=self.estimate,
                    ci_low=self.ci_low,
                    ci_high=self.ci_high,
                    p_value=self.p_value,
                    passed=self.passed,
                )
            ]
        )

    def findings(self) -> list[str]:
        """Plain words: does the method find an effect where nothing happened?"""
        if self.kind == "untreated_regions":
            text = {
                "passed": _(
                    "The {n} regions without the pilot show no gap of their own on average, as "
                    "they should: the comparison does not invent effects."
                ),
                "borderline": _(
                    "The {n} regions without the pilot show a small gap of their own on average: "
                    "the comparison may be slightly off, so read the pilot's gap with care."
                ),
                "failed": _(
                    "The {n} regions without the pilot show a gap of their own on average, where "
                    "none should be: the comparison is off, so the pilot's gap cannot be trusted."
                ),
            }[self.status if self.status != "untested" else "passed"]
            return [text.format(n=self.count)]
        text = {
            "passed": _(
                "Pretending the change started on {day}, when nothing happened, finds no effect, "
                "as it should: the method does not invent effects."
            ),
            "borderline": _(
                "Pretending the change started on {day}, when nothing happened, finds a small "
                "effect: the method may read some ordinary movement as an effect, so treat the "
                "main estimate with some caution."
            ),
            "failed": _(
                "Pretending the change started on {day}, when nothing happened, finds an effect: "
                "the method reads ordinary movement as an effect, so the main estimate cannot be "
                "trusted on its own."
            ),
        }[self.status if self.status != "untested" else "passed"]
        return [text.format(day=day_text(self.when))]

    def details(self) -> list[str]:
        _name, unit, _hib = metric_info(self.metric, self.measures)
        return [
            _(
                "Placebo ({what}): {estimate} ({level} confidence interval {interval}), p = {p}; "
                "the check fails below p = {threshold}."
            ).format(
                what=self.what,
                estimate=fmt_change(self.estimate, unit),
                level=level_text(self.threshold),
                interval=fmt_interval(self.ci_low, self.ci_high, unit),
                p=fmt_p(self.p_value, bare=True),
                threshold=fmt_value(self.threshold, "ratio"),
            )
        ]

    def plot(self):
        """The placebo effect with its likely range, against no effect (zero)."""
        import plotly.graph_objects as go

        from cxlab.experiments._charts import effect_axis, layout
        from cxlab.viz import color_for

        factor, axis = effect_axis(find(self.metric, self.measures))
        fig = go.Figure(
            go.Scatter(
                x=[self.estimate * factor],
                y=[self.what],
                mode="markers",
                marker=dict(color=color_for("treatment"), size=10),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=[(self.ci_high - self.estimate) * factor],
                    arrayminus=[(self.estimate - self.ci_low) * factor],
                ),
                name=_("Placebo effect, likely range ({level})").format(
                    level=level_text(self.threshold)
                ),
            )
        )
        fig.add_vline(x=0, line_dash="dot", line_color="#8a94a6")
        fig.update_layout(xaxis_title=axis, yaxis_showticklabels=False, showlegend=True)
        layout(fig, self.title)
        return fig


@dataclass(frozen=True)
class ITSResult(Result):
    """Segmented regression: the observed series, the counterfactual path and the average effect."""

    experiment: str
    metric: str
    series: pl.DataFrame  # ts, y, fitted, counterfactual, post
    effect: dict
    level_change: dict
    counterfactual_mean: float
    placebo: PlaceboResult
    scope: str
    lags: int
    alpha: float = 0.05
    measures: tuple[Metric, ...] = field(default=(), compare=False, repr=False)

    @property
    def measure(self) -> Metric:
        return find(self.metric, self.measures)

    @property
    def title(self) -> str:
        return _("{metric} before and after the change").format(metric=metric_info(self.measure)[0])

    @property
    def scope_words(self) -> str:
        if self.scope == "all contacts":
            return _("all contacts")
        return fmt_list([label(s.strip()) for s in self.scope.split(",")])

    def summary(self) -> pl.DataFrame:
        return pl.DataFrame([self.effect, self.level_change])

    def findings(self) -> list[str]:
        _name, unit, _hib = metric_info(self.measure)
        e = self.effect
        rel = e["estimate"] / self.counterfactual_mean if self.counterfactual_mean else float("nan")
        return [
            _(
                "After the change ({scope}): {sentence}, against the path it was on before "
                "({relative} of the {level} expected without the change)."
            ).format(
                scope=self.scope_words,
                sentence=effect_sentence(self.measure, e["estimate"], e["ci_low"], e["ci_high"]),
                relative=relative_text(rel),
                level=fmt_value(self.counterfactual_mean, unit),
            ),
            _(
                "The path it was on before includes its trend and its weekly pattern; the annual "
                "season is not modelled, with less than two years of history."
            ),
            *self.placebo.findings(),
            _(ITS_CANNOT),
        ]

    def details(self) -> list[str]:
        name, unit, _hib = metric_info(self.measure)
        e, lv = self.effect, self.level_change
        return [
            _(
                "Interrupted time series: segmented regression of the daily {metric} on a trend, "
                "day-of-week effects, a level change and a slope change at the start, with "
                "Newey-West errors ({lags} lags). Average effect after the start {estimate} "
                "(standard error {se}, p = {p}); level change at the start {level} (p = {p_level})."
            ).format(
                metric=name,
                lags=self.lags,
                estimate=fmt_change(e["estimate"], unit),
                se=size_text(e["std_error"], unit),
                p=fmt_p(e["p_value"], bare=True),
                level=fmt_change(lv["estimate"], unit),
                p_level=fmt_p(lv["p_value"], bare=True),
            ),
            *self.placebo.details(),
        ]

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.experiments._charts import date_axis, layout, level_axis
        from cxlab.viz import COLORS, color_for

        s = self.series
        x = s["ts"].to_list()
        fig = go.Figure()
        fig.add_trace(
            go.Scatter(
                x=x,
                y=s["y"].to_list(),
                mode="markers",
                name=_("observed, per day"),
                marker=dict(size=4, color=COLORS["muted"]),
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=s["fitted"].to_list(),
                name=_("fitted path"),
                line=dict(color=color_for("treatment")),
            )
        )
        post = s.filter(pl.col("post"))
        fig.add_trace(
            go.Scatter(
                x=post["ts"].to_list(),
                y=post["counterfactual"].to_list(),
                name=_("without the change"),
                line=dict(dash="dash", color=color_for("control")),
            )
        )
        level_axis(fig, self.measure)
        date_axis(fig)
        layout(fig, self.title)
        return fig


def _fit(t: np.ndarray, dow: np.ndarray, post: np.ndarray, y: np.ndarray, lags: int):
    import statsmodels.api as sm

    t0 = t[post].min()
    cols = [np.ones_like(t), t, post.astype(float), post * (t - t0)]
    cols += [(dow == d).astype(float) for d in range(1, 7)]
    x = np.column_stack(cols)
    fit = sm.OLS(y, x).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    # average effect over the post period: level + slope * mean(t - t0)
    c = np.zeros(x.shape[1])
    c[2], c[3] = 1.0, float((t[post] - t0).mean())
    est = float(c @ fit.params)
    se = float(np.sqrt(c @ fit.cov_params() @ c))
    return fit, x, est, se


def _row(term, est, se, alpha=0.05):
    from scipy import stats

    z = stats.norm.ppf(1 - alpha / 2)
    return dict(
        term=term,
        estimate=est,
        std_error=se,
        ci_low=est - z * se,
        ci_high=est + z * se,
        p_value=float(2 * stats.norm.sf(abs(est) / se)) if se > 0 else float("nan"),
    )


def its(
    series: pl.DataFrame,
    *,
    start: dt.datetime | dt.date,
    alpha: float = 0.05,
    lags: int = 14,
    experiment: str = "",
    metric: str | Metric | None = "",
    scope: str = "all contacts",
) -> ITSResult:
    """Segmented regression of a daily series ``ts, y`` around ``start``.

    Parameters
    ----------
    series
        One row per day: ``ts`` (a date or local datetime) and ``y``, or a column named by
        ``metric`` (a plain column of the series).
    start
        The day the change went live everywhere.
    alpha
        The intervals are ``1 - alpha`` confidence intervals, and the placebo check fails below
        ``alpha``.
    lags
        Newey-West lags (14 days: two weekly cycles).
    metric
        What ``y`` measures: a KPI of the dictionary, a declared metric or a plain name (it names
        and formats the outcome); the unnamed outcome when empty.

    Raises
    ------
    SchemaError
        A series without ``ts`` or without an outcome column.
    NotEnoughDataError
        Fewer than 4 weeks before or 2 weeks after the start (the message names the days the
        series covers).
    """
    alpha = check_alpha(alpha)
    name = metric.name if isinstance(metric, Metric) else metric
    if "ts" not in series.columns:
        raise SchemaError(
            f"its(): the series has no column 'ts' (the day); its columns are "
            f"{', '.join(series.columns)}."
        )
    if "y" in series.columns:
        measure, column = resolve(metric), "y"
    elif name and name in series.columns:
        measure, column = plain_column(metric), name
    else:
        wanted = "'y'" + (f" nor {name!r}" if name else "")
        raise SchemaError(
            f"its(): the series has no outcome column {wanted}; give ts and y (one value per "
            f"day), or ts and a column named by metric=. Its columns are "
            f"{', '.join(series.columns)}."
        )
    s = series.select("ts", pl.col(column).cast(pl.Float64).alias("y")).sort("ts").drop_nulls("y")
    ts = s["ts"]
    if ts.dtype == pl.Date:
        start_cmp = start.date() if isinstance(start, dt.datetime) else start
    elif isinstance(start, dt.datetime):
        tz = getattr(ts.dtype, "time_zone", None)
        from zoneinfo import ZoneInfo

        if tz:
            start_cmp = start.astimezone(ZoneInfo(tz)) if start.tzinfo else start
            start_cmp = start_cmp.replace(tzinfo=ZoneInfo(tz))
        else:
            start_cmp = start.replace(tzinfo=None)
    else:
        start_cmp = dt.datetime(start.year, start.month, start.day)
    post = (ts >= start_cmp).to_numpy()
    if post.sum() < 14 or (~post).sum() < 28:
        covers = f"{ts.min()} to {ts.max()}" if s.height else "no day with a value"
        raise NotEnoughDataError(
            f"{experiment or 'its()'}: ITS needs 4 weeks before and 2 weeks after the start "
            f"{start}; the series has {int((~post).sum())} days before and {int(post.sum())} "
            f"after (it covers {covers})."
        )
    day0 = ts.min()
    t = (ts - day0).dt.total_days().to_numpy().astype(float)
    dow = ts.dt.weekday().to_numpy() - 1
    y = s["y"].to_numpy().astype(float)
    fit, x, est, se = _fit(t, dow, post, y, lags)
    level = _row("level change at start", float(fit.params[2]), float(fit.bse[2]), alpha)
    xc = x.copy()
    xc[:, 2:4] = 0
    counterfactual = xc @ fit.params
    # placebo: a fake start halfway through the pre-period, fitted on the pre-period only
    pre = ~post
    fake = t[pre] >= np.median(t[pre])
    _, _, pe, pse = _fit(t[pre], dow[pre], fake, y[pre], lags)
    pr = _row("placebo", pe, pse, alpha)
    fake_day = ts.filter(pl.Series(pre))[int(np.argmax(fake))]
    measures = (measure,)
    placebo = PlaceboResult(
        f"fake start on {fake_day:%Y-%m-%d}, halfway through the pre-period",
        pe,
        pr["ci_low"],
        pr["ci_high"],
        pr["p_value"],
        measure.name,
        kind="fake_start",
        when=fake_day,
        threshold=alpha,
        measures=measures,
    )
    out = s.select("ts", "y").with_columns(
        fitted=pl.Series(fit.fittedvalues),
        counterfactual=pl.Series(counterfactual),
        post=pl.Series(post),
    )
    return ITSResult(
        experiment,
        measure.name,
        out,
        _row("average effect after start", est, se, alpha),
        level,
        float(counterfactual[post].mean()),
        placebo,
        scope,
        lags,
        alpha,
        measures,
    )
