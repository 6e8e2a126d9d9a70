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
from dataclasses import dataclass

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError
from cxlab._result import Result
from cxlab.experiments._format import fmt_effect, fmt_interval, fmt_level, metric_info

ITS_CANNOT = (
    "With no comparison group, this design attributes the change to the intervention only if "
    "nothing else changed at the same moment; the pre-period trend and weekly pattern are "
    "extrapolated, and the further from the start, the less certain that path is."
)


@dataclass(frozen=True)
class PlaceboResult(Result):
    """A placebo effect where none happened (a fake date or untreated units). ``passed`` if not significant."""

    label: str
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    metric: str

    @property
    def title(self) -> str:
        return f"Placebo: {self.label}"

    @property
    def passed(self) -> bool:
        return not (self.p_value < 0.05)

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
        _, unit, _ = metric_info(self.metric)
        verdict = (
            "no effect, as it should"
            if self.passed
            else "an effect where none happened: treat the main estimate with caution"
        )
        return [
            f"Placebo ({self.label}): {fmt_effect(self.estimate, unit)} "
            f"(95% interval {fmt_interval(self.ci_low, self.ci_high, unit)}), p = {self.p_value:.2f}: {verdict}."
        ]

    def plot(self):
        return None


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

    @property
    def title(self) -> str:
        return f"Interrupted time series, {self.metric} ({self.experiment})"

    def summary(self) -> pl.DataFrame:
        return pl.DataFrame([self.effect, self.level_change])

    def findings(self) -> list[str]:
        label, unit, _ = metric_info(self.metric)
        e = self.effect
        rel = e["estimate"] / self.counterfactual_mean if self.counterfactual_mean else float("nan")
        return [
            f"After the change, {label} ({self.scope}) was {fmt_effect(e['estimate'], unit)} away from its "
            f"extrapolated path on average (95% interval {fmt_interval(e['ci_low'], e['ci_high'], unit)}; "
            f"{rel:+.0%} of the {fmt_level(self.counterfactual_mean, unit)} expected without it).",
            f"Trend, day-of-week pattern and autocorrelation are modelled (Newey-West errors, {self.lags} lags); "
            "annual seasonality is not, with less than two years of history.",
            *self.placebo.findings(),
            ITS_CANNOT,
        ]

    def plot(self):
        import plotly.graph_objects as go

        s = self.series
        x = s["ts"].to_list()
        fig = go.Figure()
        fig.add_trace(
            go.Scatter(
                x=x, y=s["y"].to_list(), mode="markers", name="observed", marker=dict(size=4)
            )
        )
        fig.add_trace(go.Scatter(x=x, y=s["fitted"].to_list(), name="fitted"))
        post = s.filter(pl.col("post"))
        fig.add_trace(
            go.Scatter(
                x=post["ts"].to_list(),
                y=post["counterfactual"].to_list(),
                name="without the change",
                line=dict(dash="dash"),
            )
        )
        fig.update_layout(title=self.title, yaxis_title=self.metric)
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
    start: dt.datetime,
    lags: int = 14,
    experiment: str = "",
    metric: str = "",
    scope: str = "all contacts",
) -> ITSResult:
    """Segmented regression of a daily series ``ts, y`` around ``start``.

    Parameters
    ----------
    series
        One row per day: ``ts`` (a date or local datetime) and ``y`` (the KPI).
    start
        The day the change went live everywhere.
    lags
        Newey-West lags (14 days: two weekly cycles).
    """
    s = series.sort("ts").drop_nulls("y")
    ts = s["ts"]
    if ts.dtype == pl.Date:
        start_cmp = start.date() if isinstance(start, dt.datetime) else start
    else:
        tz = getattr(ts.dtype, "time_zone", None)
        from zoneinfo import ZoneInfo

        start_cmp = start.astimezone(ZoneInfo(tz)) if tz else start.replace(tzinfo=None)
    post = (ts >= start_cmp).to_numpy()
    if post.sum() < 14 or (~post).sum() < 28:
        raise NotEnoughDataError(
            f"{experiment}: ITS needs 4 weeks before and 2 weeks after the start."
        )
    day0 = ts.min()
    t = (ts - day0).dt.total_days().to_numpy().astype(float)
    dow = ts.dt.weekday().to_numpy() - 1
    y = s["y"].to_numpy().astype(float)
    fit, x, est, se = _fit(t, dow, post, y, lags)
    level = _row("level change at start", float(fit.params[2]), float(fit.bse[2]))
    xc = x.copy()
    xc[:, 2:4] = 0
    counterfactual = xc @ fit.params
    # placebo: a fake start halfway through the pre-period, fitted on the pre-period only
    pre = ~post
    fake = t[pre] >= np.median(t[pre])
    _, _, pe, pse = _fit(t[pre], dow[pre], fake, y[pre], lags)
    pr = _row("placebo", pe, pse)
    placebo = PlaceboResult(
        f"fake start on {ts.filter(pl.Series(pre))[int(np.argmax(fake))]:%Y-%m-%d}, halfway through the pre-period",
        pe,
        pr["ci_low"],
        pr["ci_high"],
        pr["p_value"],
        metric,
    )
    out = s.select("ts", "y").with_columns(
        fitted=pl.Series(fit.fittedvalues),
        counterfactual=pl.Series(counterfactual),
        post=pl.Series(post),
    )
    return ITSResult(
        experiment,
        metric,
        out,
        _row("average effect after start", est, se),
        level,
        float(counterfactual[post].mean()),
        placebo,
        scope,
        lags,
    )
