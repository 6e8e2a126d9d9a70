"""Difference-in-differences for a pilot in some regions from a date: the 2x2, an event study, pre-trends.

The 2x2 estimate compares each region's change (its KPI after minus before, each a ratio of sums
over the region's contacts) between pilot and comparison regions. Its uncertainty comes from the
spread of those region-level changes (Welch's unequal-variance t with Satterthwaite degrees of
freedom): with three pilot regions, regression errors clustered by region with a ``t(G-1)``
reference covered the truth only 91% of the time in simulation, the region-level test 95%.
The event study is a two-way fixed-effects regression with errors clustered by region; it has one coefficient per bin of periods relative to
adoption (bin -1 is the reference); the pre-period coefficients are tested jointly (parallel
pre-trends).

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
from dataclasses import dataclass

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError
from cxlab._result import Result
from cxlab.experiments._format import fmt_effect, fmt_interval, fmt_level, metric_info
from cxlab.experiments._panel import clustered_ols, fixed_effects_design

CANNOT = (
    "A pilot is not randomised: this design attributes the change to the pilot only if the pilot "
    "regions would otherwise have moved in parallel with the comparison regions. Parallel trends "
    "before the start support that, but cannot prove it, and nothing else may have changed only "
    "in the pilot regions at the same time."
)


@dataclass(frozen=True)
class PretrendResult(Result):
    """Joint test that every pre-period event-study coefficient is zero. ``passed`` if p >= 0.05."""

    statistic: float
    p_value: float
    n_coefficients: int
    threshold: float = 0.05
    label: str = "event study"

    @property
    def title(self) -> str:
        return f"Parallel pre-trends ({self.label})"

    @property
    def passed(self) -> bool:
        """``True`` when no pre-trend is detected (or none can be tested: the findings say so)."""
        return self.n_coefficients == 0 or self.p_value >= self.threshold

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
        if self.n_coefficients == 0:
            return [
                "Parallel pre-trends could not be tested: there is too little history before the start."
            ]
        if self.passed:
            return [
                f"Before the start, pilot and comparison regions moved in parallel (test of "
                f"{self.n_coefficients} pre-period coefficients, p = {self.p_value:.2f}). This supports, "
                "but cannot prove, the parallel-trends assumption."
            ]
        return [
            f"Before the start, pilot and comparison regions already diverged (test of "
            f"{self.n_coefficients} pre-period coefficients, p = {self.p_value:.3f}): the "
            "difference-in-differences estimate may be biased."
        ]

    def plot(self):
        return None


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

    @property
    def title(self) -> str:
        return f"Difference-in-differences, {self.metric} ({self.experiment})"

    def summary(self) -> pl.DataFrame:
        return pl.DataFrame([self.estimate])

    def findings(self) -> list[str]:
        label, unit, _ = metric_info(self.metric)
        e = self.estimate
        until = f" until {self.end:%Y-%m-%d}" if self.end else ""
        return [
            f"Pilot regions ({len(self.treated_units)}) against comparison regions "
            f"({len(self.control_units)}), from {self.start:%Y-%m-%d}{until}: {label} "
            f"{fmt_effect(e['estimate'], unit)} (95% interval {fmt_interval(e['ci_low'], e['ci_high'], unit)}; "
            f"pilot regions were at {fmt_level(self.baseline, unit)} before).",
            f"The uncertainty comes from how much the {len(self.treated_units) + len(self.control_units)} "
            "regions' own changes vary (Welch t), because with few regions the usual errors are too narrow.",
            *self.pretrend.findings(),
            CANNOT,
        ]

    def plot(self):
        return event_plot(
            self.event_study, f"Event study, {self.metric} ({self.experiment})", self.period
        )


def event_plot(table: pl.DataFrame, title: str, period: str):
    import plotly.graph_objects as go

    x = table["event_time"].to_list()
    fig = go.Figure(
        go.Scatter(
            x=x,
            y=table["estimate"].to_list(),
            mode="markers+lines",
            error_y=dict(
                type="data",
                symmetric=False,
                array=(table["ci_high"] - table["estimate"]).to_list(),
                arrayminus=(table["estimate"] - table["ci_low"]).to_list(),
            ),
            name="effect (95% interval)",
        )
    )
    fig.add_hline(y=0, line_dash="dot")
    fig.add_vline(x=-0.5, line_dash="dash", annotation_text="start")
    fig.update_layout(
        title=title, xaxis_title=f"{period} relative to the start", yaxis_title="effect"
    )
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
    metric: str = "",
) -> DiDResult:
    """The 2x2 difference-in-differences and its event study on a ``kpi_panel``.

    Parameters
    ----------
    panel
        ``unit, period, y, denominator`` (see :func:`kpi_panel`).
    treated
        Pilot units and their (common) start; with several start dates use :func:`staggered_did`.
    controls
        Never-treated comparison units.
    end
        Ignore periods from this date on (e.g. before further regions adopt).
    bin_periods, max_bins
        The event study groups ``bin_periods`` periods per coefficient and pools the ends beyond
        ``max_bins`` bins on each side.
    """
    starts = set(treated.values())
    if len(starts) != 1:
        raise NotEnoughDataError("did() needs one start date; use staggered_did() for a rollout.")
    start = starts.pop()
    keep = list(treated) + list(controls)
    p = panel.filter(pl.col("unit").is_in(keep))
    if end is not None:
        p = p.filter(pl.col("period") < _as_period(end, p["period"].dtype))
    # weeks are labelled by their local Monday; compare in naive local time
    start_cmp = _as_period(start, p["period"].dtype)
    is_t = p["unit"].is_in(list(treated)).to_numpy()
    after = (p["period"] >= start_cmp).to_numpy()
    if is_t.sum() == 0 or (~is_t).sum() == 0 or after.sum() == 0 or (~after).sum() == 0:
        raise NotEnoughDataError(
            f"{experiment}: the 2x2 needs pilot and comparison regions before and after."
        )
    y = p["y"].to_numpy()
    w = p["denominator"].to_numpy()
    clusters = p["unit"].to_numpy()
    row = _two_by_two(p, after, set(treated), alpha)
    # event study
    step = _period_length(p)
    rel = ((p["period"] - start_cmp).dt.total_seconds().to_numpy() / step).round().astype(int)
    b = np.clip(np.floor_divide(rel, bin_periods), -max_bins, max_bins - 1)
    extra = {f"e={k}": (is_t & (b == k)) for k in range(-max_bins, max_bins) if k != -1}
    extra = {k: v for k, v in extra.items() if v.any()}
    x2, names2 = fixed_effects_design(p, extra)
    fit2 = clustered_ols(y, x2, clusters, names=names2, weights=w)
    rows = [
        dict(
            event_time=-1,
            **{
                **fit2.row(next(iter(extra)), alpha),
                "term": "e=-1",
                "estimate": 0.0,
                "std_error": 0.0,
                "ci_low": 0.0,
                "ci_high": 0.0,
                "p_value": float("nan"),
            },
        )
    ]
    for k in extra:
        rows.append(dict(event_time=int(k[2:]), **fit2.row(k, alpha)))
    table = pl.DataFrame(rows).sort("event_time")
    pre = [k for k in extra if int(k[2:]) < -1]
    if pre:
        f, pval, q = fit2.wald(pre)
    else:
        f, pval, q = float("nan"), float("nan"), 0
    base = p.filter(pl.col("unit").is_in(list(treated)) & (pl.col("period") < start_cmp))
    baseline = (
        float(base["numerator"].sum() / base["denominator"].sum()) if base.height else float("nan")
    )
    return DiDResult(
        experiment,
        metric,
        row,
        table,
        PretrendResult(f, pval, q, label="2x2 event study, first wave"),
        tuple(sorted(treated)),
        tuple(sorted(controls)),
        start,
        end,
        baseline,
        f"bins of {bin_periods} periods",
    )


def _two_by_two(p: pl.DataFrame, after: np.ndarray, treated: set, alpha: float) -> dict:
    """Difference of mean region-level changes, Welch-Satterthwaite t interval (Donald & Lang 2007)."""
    from scipy import stats

    changes = (
        p.with_columns(after=pl.Series(after))
        .group_by("unit", "after")
        .agg((pl.col("numerator").sum() / pl.col("denominator").sum()).alias("level"))
        .pivot(on="after", index="unit", values="level")
        .drop_nulls()
    )
    delta = (changes["true"] - changes["false"]).to_numpy()
    is_t = changes["unit"].is_in(list(treated)).to_numpy()
    a, b = delta[is_t], delta[~is_t]
    if len(a) < 2 or len(b) < 2:
        raise NotEnoughDataError("the 2x2 needs at least two pilot and two comparison regions.")
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    est, se = float(a.mean() - b.mean()), float(np.sqrt(va + vb))
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if va + vb > 0 else 1.0
    crit = float(stats.t.ppf(1 - alpha / 2, df))
    return dict(
        term="pilot x after",
        estimate=est,
        std_error=se,
        ci_low=est - crit * se,
        ci_high=est + crit * se,
        p_value=float(2 * stats.t.sf(abs(est) / se, df)) if se > 0 else float("nan"),
    )


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
