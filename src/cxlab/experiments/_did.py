"""Difference-in-differences for a pilot in some regions from a date: the 2x2, an event study, pre-trends.

The 2x2 estimate compares each region's change (its KPI after minus before, each a ratio of sums
over the region's contacts) between pilot and comparison regions. With five pilot regions or more
its uncertainty comes from the spread of those region-level changes (Welch's unequal-variance t
with Satterthwaite degrees of freedom): with three pilot regions, regression errors clustered by
region with a ``t(G-1)`` reference covered the truth only 91% of the time in simulation, the
region-level test 95%. With one to four pilot regions the pilot regions' own spread cannot be
estimated from them, so the inference is a placebo in space (:mod:`._randomization`): the estimate
ranked among every choice of as many pilot regions among all regions, each in units of its own
standard error (studentised: a small region's change is noisier), and its interval by inverting
that test; with too few regions for the ranking to reach ``alpha``, a t interval whose spread is
read from the comparison regions (pooled variance, as Donald & Lang 2007).
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
Conley & Taber (2011), Inference with "difference in differences" with a small number of policy
changes, REStat 93 (few treated groups: their noise read from the comparison groups).
MacKinnon & Webb (2020), Randomization inference for difference-in-differences with few treated
clusters, J. Econometrics 218.
Ferman & Pinto (2019), Inference in differences-in-differences with few treated groups and
heteroskedasticity, REStat 101 (regions of different sizes).
Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021), Synthetic difference-in-differences, AER
111 (Table 1: the plain DiD on Proposition 99, -27.3).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._options import check_alpha
from cxlab._present import N_, _, fmt_change, fmt_list, fmt_p, fmt_value, label
from cxlab._result import Result
from cxlab._stats import estimate_row
from cxlab.experiments._panel import outcome_panel
from cxlab.experiments._randomization import (
    FEW_CONTROLS,
    FEW_TREATED,
    choices,
    differences,
    invert,
    scales,
)
from cxlab.experiments._text import (
    STUDENTISED,
    check_status,
    day_text,
    effect_sentence,
    find,
    level_text,
    metric_info,
    rank_sentence,
    rank_status,
    rough_range_warnings,
    size_text,
)
from cxlab.features import Metric

CANNOT = N_(
    "A pilot is not randomised: this design attributes the change to the pilot only if the pilot "
    "regions would otherwise have moved in parallel with the comparison regions. Parallel trends "
    "before the start support that, but cannot prove it, and nothing else may have changed only "
    "in the pilot regions at the same time."
)
SINCE_START = {
    "years": N_("Effect by years since the start, {metric}"),
    "months": N_("Effect by months since the start, {metric}"),
    "weeks": N_("Effect by weeks since the start, {metric}"),
    "days": N_("Effect by days since the start, {metric}"),
    "periods": N_("Effect by periods since the start, {metric}"),
}
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
    method: str = "welch"  # welch, permutation (placebo in space), t_controls, analytic
    assignments: int = 0  # placebo choices of pilot regions ranked (permutation)
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
        if self.method in ("permutation", "t_controls"):
            if self.method == "t_controls":
                text = _(
                    "Pre-trend test ({which}): t-test of the pilot regions' average change over "
                    "{n} pre-period bins, their spread read from the comparison regions (pooled "
                    "variance; too few regions for a permutation test), {p}; the check fails "
                    "below {threshold}."
                )
            elif self.label == "all_waves":
                text = _(
                    "Pre-trend test ({which}): the average effect over {n} periods before "
                    "adoption, ranked among {m} placebo assignments of the adoption dates to "
                    "regions (a permutation test, because there are too few adopting regions for "
                    "analytic errors), {p}; the check fails below {threshold}."
                )
            else:
                text = _(
                    "Pre-trend test ({which}): the pilot regions' average change over {n} "
                    "pre-period bins, ranked among {m} placebo choices of pilot regions (a "
                    "permutation test, because there are too few pilot regions for a t-test), "
                    "{p}; the check fails below {threshold}."
                )
            return [
                text.format(
                    which=self.which,
                    n=self.n_coefficients,
                    m=fmt_value(self.assignments, "count"),
                    p=fmt_p(self.p_value),
                    threshold=fmt_value(self.threshold, "ratio"),
                )
            ]
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
    """The 2x2 estimate, the event study and the pre-trend test of a pilot.

    ``inference`` says how the uncertainty was read: ``"welch"`` (five pilot regions or more:
    each region's change counts once), ``"permutation"`` (one to four pilot regions: the estimate
    ranked among every placebo choice of pilot regions, the interval by test inversion) or
    ``"t_controls"`` (too few regions for the ranking to reach ``alpha``: a t interval whose
    spread is read from the comparison regions). With a single pilot region, ``placebos`` holds
    each comparison region's estimate as if it had been the pilot (``unit, estimate``) and
    ``rank_p_value`` the pilot's rank among them. ``studentised``: the estimates were ranked in
    units of their own standard error, from each region's noise before the start (regions of
    different sizes are not alike), so the rank may differ from that of the plain estimates in
    ``placebos``.
    """

    experiment: str
    metric: str
    estimate: dict
    event_study: pl.DataFrame
    pretrend: PretrendResult
    treated_units: tuple[str, ...]
    control_units: tuple[str, ...]
    start: dt.datetime | int
    end: dt.datetime | int | None
    baseline: float
    period: str
    alpha: float = 0.05
    measures: tuple[Metric, ...] = field(default=(), compare=False, repr=False)
    inference: str = "welch"
    assignments: int = 0
    rank_p_value: float | None = None
    placebos: pl.DataFrame | None = field(default=None, compare=False, repr=False)
    studentised: bool = False  # estimates ranked in units of their own standard error
    gaps: tuple = ()  # (region, periods it lacks) for regions missing some of the panel's periods
    grain: str = "weeks"  # the panel's period: years, months, weeks, days or periods

    @property
    def measure(self) -> Metric:
        return find(self.metric, self.measures)

    def gap_sentence(self) -> list[str]:
        """Plain words naming the regions that lack some periods (empty when none do)."""
        if not self.gaps:
            return []
        each = [
            _("{region}: {periods}").format(region=label(u), periods=gap_text(t))
            for u, t in self.gaps
        ]
        return [
            _(
                "Some regions have no data for some periods ({gaps}); the estimate and each "
                "point of the chart use only the regions with data in them."
            ).format(gaps=fmt_list(each, style="semicolon"))
        ]

    @property
    def title(self) -> str:
        return _("Pilot regions against comparison regions, {metric}").format(
            metric=metric_info(self.measure)[0]
        )

    @property
    def unit(self) -> str | None:
        """The pilot region, when there is a single one."""
        return self.treated_units[0] if len(self.treated_units) == 1 else None

    @property
    def smallest_p_value(self) -> float | None:
        """With a single pilot region, the smallest rank p-value the regions allow: 1 in
        (comparison regions + 1)."""
        if self.placebos is None:
            return None
        return 1 / (self.placebos.height + 1)

    @property
    def rank_status(self) -> str | None:
        """With a single pilot region, how unusual its change is among the comparison regions'
        (:func:`~cxlab.experiments._text.rank_status`); ``None`` with several pilot regions."""
        if self.placebos is None or self.rank_p_value is None:
            return None
        return rank_status(self.rank_p_value, self.placebos.height, self.alpha)

    def rank_sentence(self) -> str:
        """Plain words: is the pilot region's gap unusual among the comparison regions'?"""
        n = self.placebos.height if self.placebos is not None else 0
        return rank_sentence(
            self.unit or "", self.rank_p_value or float("nan"), n, self.alpha, against_noise=True
        )

    def summary(self) -> pl.DataFrame:
        return pl.DataFrame([self.estimate])

    def warnings(self) -> list[str]:
        """Plain words where the usual standard errors cannot be trusted: few pilot regions or
        few comparison regions."""
        n_t, n_c = len(self.treated_units), len(self.control_units)
        out = []
        if n_t == 1:
            out.append(
                _(
                    "With a single pilot region, the usual error margins would be far too narrow: "
                    "they cannot see how much one region moves by itself. The likely range here "
                    "comes instead from the {controls} comparison regions, each in turn treated "
                    "as if it had had the pilot."
                ).format(controls=n_c)
            )
        elif n_t <= FEW_TREATED:
            out.append(
                _(
                    "With only {treated} pilot regions, the usual error margins would be far too "
                    "narrow. The likely range here comes instead from comparing the pilot regions "
                    "with every other choice of {treated} regions among the {total}."
                ).format(treated=n_t, total=n_t + n_c)
            )
        out += rough_range_warnings(
            bell_shape=self.inference == "t_controls", controls=n_c, few=FEW_CONTROLS
        )
        return out

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
                start=day_text(self.start) if isinstance(self.start, dt.date) else str(self.start),
                sentence=effect_sentence(self.measure, e["estimate"], e["ci_low"], e["ci_high"]),
                level=fmt_value(self.baseline, unit),
            ),
            *([self.rank_sentence()] if self.rank_status is not None else []),
            *self.gap_sentence(),
            *self.warnings(),
            *self.pretrend.findings(),
            _(CANNOT),
        ]

    def details(self) -> list[str]:
        name, unit, _hib = metric_info(self.measure)
        e = self.estimate
        n_t, n_c = len(self.treated_units), len(self.control_units)
        values = dict(
            metric=name,
            estimate=fmt_change(e["estimate"], unit),
            se=size_text(e["std_error"], unit),
            p=fmt_p(e["p_value"]),
            n=n_t + n_c,
            treated=n_t,
            m=fmt_value(self.assignments, "count"),
            alpha=fmt_value(self.alpha, "ratio"),
            df=n_t + n_c - 2,
        )
        if self.inference == "permutation":
            text = _(
                "Difference-in-differences (2x2), {metric}: {estimate}, standard error {se} (the "
                "spread of the regions' changes), {p}. With so few pilot regions ({treated}), errors "
                "clustered by region would be far too narrow (they estimate the pilot regions' "
                "noise from the pilot regions), so the inference is a placebo in space: the "
                "estimate is ranked among the {m} ways to choose {treated} of the {n} regions as "
                "pilot regions (a randomisation test), and the interval holds every effect that "
                "test does not reject (test inversion; Conley and Taber 2011, MacKinnon and Webb "
                "2020). It assumes that, without the pilot, the regions' changes would scatter "
                "alike."
            )
        elif self.inference == "t_controls":
            text = _(
                "Difference-in-differences (2x2), {metric}: {estimate}, standard error {se}, {p}. "
                "With so few pilot regions ({treated}), errors clustered by region would be far too "
                "narrow, and the {m} choices of pilot regions among the {n} regions are too few "
                "for a placebo ranking to reach {alpha}; so the interval is a t interval with "
                "{df} degrees of freedom whose spread is read from all regions' changes (pooled "
                "variance, Donald and Lang 2007), which assumes that the regions' changes scatter "
                "alike and roughly in a bell shape."
            )
        else:
            text = _(
                "Difference-in-differences (2x2), {metric}: {estimate}, standard error {se}, "
                "p = {p}. Each of the {n} regions' own change counts once (Welch t-test with "
                "Satterthwaite degrees of freedom), because with few regions errors clustered by "
                "region are too narrow."
            )
            values["p"] = fmt_p(e["p_value"], bare=True)
        out = [text.format(**values)]
        if self.studentised:
            out.append(_(STUDENTISED))
        if self.rank_status is not None:
            out.append(
                _(
                    "Placebo in space: {region}'s estimate ranks among the {n} comparison regions' "
                    "placebo estimates with p-value {p} (the smallest possible is {smallest}); "
                    "the verdict's level is {alpha}."
                ).format(
                    region=label(self.unit or ""),
                    n=n_c,
                    p=fmt_p(self.rank_p_value, bare=True),
                    smallest=fmt_p(self.smallest_p_value, bare=True),
                    alpha=fmt_value(self.alpha, "ratio"),
                )
            )
        return [*out, *self.pretrend.details()]

    def plot(self):
        return event_plot(
            self.event_study,
            self.measure,
            _(SINCE_START.get(self.grain, SINCE_START["periods"])).format(
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
    treated: dict[str, dt.datetime | int],
    controls: list[str],
    end: dt.datetime | int | None = None,
    bin_periods: int = 4,
    max_bins: int = 4,
    alpha: float = 0.05,
    experiment: str = "",
    metric: str | Metric | None = "",
    seed: int = 0,
) -> DiDResult:
    """The 2x2 difference-in-differences and its event study on a panel of regions by period.

    The estimate is the pilot regions' mean change (their level after the start minus before)
    minus the comparison regions' mean change; on a balanced panel of a plain outcome it is the
    two-way difference of means. Its inference depends on the number of pilot regions:

    - five or more: Welch's t on the region-level changes (each region counts once);
    - one to four: a placebo in space, the estimate ranked among every choice of as many pilot
      regions among all regions (each comparison region in turn, for a single pilot region), and
      the interval by inverting that test; each estimate is ranked in units of its own standard
      error, from each region's period-to-period noise before the start (at least four periods),
      so that regions of different sizes compare fairly; a single pilot region's rank is also
      its evidence (``rank_p_value``);
    - one to four, but too few regions for the ranking to reach ``alpha`` (a single pilot region
      and fewer than 19 comparison regions at 5%): a t interval whose spread is read from the
      regions' changes (pooled variance).

    Parameters
    ----------
    panel
        A KPI panel ``unit, period, numerator, denominator`` (see :func:`kpi_panel`: a region's
        level over several periods is its ratio of sums), or a plain outcome ``unit, period, y``
        (or a column named by ``metric``), averaged over periods.
    treated
        Pilot units and their (common) start; with several start dates use :func:`staggered_did`.
        A single pilot unit is allowed. When the panel's periods are numbers (years), the start
        is a number too (``{"California": 1989}``).
    controls
        Never-treated comparison units (at least two).
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
    seed
        Used only when there are more than 20,000 choices of pilot regions to rank (say four
        pilot regions among 45): a random sample of 20,000 of them is ranked instead.

    Raises
    ------
    SchemaError
        A panel without ``unit``, ``period`` or an outcome (the message names what is missing,
        the columns present and an example call).
    NotEnoughDataError
        ``end`` not after the start, a pilot or comparison unit not in the panel, fewer than two
        comparison units, or no period before or after the start for pilot and comparison
        regions (the message names the periods the panel covers).

    References
    ----------
    Angrist & Pischke (2009), Mostly Harmless Econometrics, ch. 5.2; Donald & Lang (2007),
    REStat 89; Conley & Taber (2011), REStat 93; MacKinnon & Webb (2020), J. Econometrics 218;
    Ferman & Pinto (2019), REStat 101.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> import cxlab as cx
    >>> years = [dt.datetime(y, 1, 1) for y in range(2020, 2026)]
    >>> panel = pl.DataFrame(
    ...     [(f"R{u}", t, float(u % 3 + (t.year >= 2023) * (u == 0) + (t.year - 2020) * 0.1))
    ...      for u in range(21) for t in years],
    ...     schema=["unit", "period", "y"], orient="row",
    ... )
    >>> res = cx.experiments.did(panel, treated={"R0": dt.datetime(2023, 1, 1)},
    ...                          controls=[f"R{u}" for u in range(1, 21)], bin_periods=1)
    >>> round(res.estimate["estimate"], 2), res.inference, res.rank_p_value
    (1.0, 'permutation', 0.047619047619047616)
    """
    alpha = check_alpha(alpha)
    if not treated:
        raise OptionError("did(treated={}): name at least one pilot unit and its start.")
    starts = set(treated.values())
    if len(starts) != 1:
        raise NotEnoughDataError("did() needs one start date; use staggered_did() for a rollout.")
    start = starts.pop()
    full, measure = outcome_panel(panel, metric, where="did()")
    where = experiment or "did()"
    present = set(full["unit"].unique().to_list())
    absent = [u for u in treated if u not in present]
    if absent:
        raise NotEnoughDataError(
            f"{where}: pilot unit(s) {', '.join(repr(u) for u in absent[:8])} named in treated= "
            f"have no cell in the panel; {covered(full)}."
        )
    controls = [u for u in dict.fromkeys(controls) if u in present and u not in treated]
    if len(controls) < 2:
        raise NotEnoughDataError(
            f"{where}: the 2x2 needs at least two comparison units of controls= in the panel "
            f"(found {len(controls)}): their spread is what tells the pilot's effect from "
            f"chance; {covered(full)}."
        )
    keep = list(treated) + list(controls)
    p = full.filter(pl.col("unit").is_in(keep))
    dtype = full["period"].dtype
    # weeks are labelled by their local Monday; compare in naive local time
    start_cmp = _as_period(start, dtype)
    if end is not None:
        end_cmp = _as_period(end, dtype)
        if end_cmp <= start_cmp:
            raise NotEnoughDataError(
                f"{where}: end={end} is not after the start {start}; {covered(full)}."
            )
        p = p.filter(pl.col("period") < end_cmp)
    is_t = p["unit"].is_in(list(treated)).to_numpy()
    after = (p["period"] >= start_cmp).to_numpy()
    if is_t.sum() == 0 or (~is_t).sum() == 0 or after.sum() == 0 or (~after).sum() == 0:
        raise NotEnoughDataError(
            f"{where}: the 2x2 needs pilot and comparison regions before and after the start "
            f"{start}; {covered(full)}."
        )
    compare = _Comparisons(set(treated), alpha, seed, _noise(p.filter(pl.Series(~after))))
    row, placebos = _two_by_two(p, after, compare)
    studentised = compare.studentised
    # event study: region-level changes from bin -1, compared like the 2x2
    rel = _steps(p, start_cmp)
    b = np.clip(np.floor_divide(rel, bin_periods), -max_bins, max_bins - 1)
    table, (f, pval, q), pre_method = _event_study(p, b, compare)
    base = p.filter(pl.col("unit").is_in(list(treated)) & (pl.col("period") < start_cmp))
    baseline = (
        float(base["numerator"].sum() / base["denominator"].sum()) if base.height else float("nan")
    )
    measures = (measure,)
    pre = table.filter(pl.col("event_time") < 0)
    method, assignments = row.pop("_method"), row.pop("_assignments")
    rank_p = row.pop("_rank_p")
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
            method=pre_method[0],
            assignments=pre_method[1],
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
        method,
        assignments,
        rank_p if len(treated) == 1 else None,
        placebos if len(treated) == 1 else None,
        studentised and method == "permutation",
        gaps(p, keep),
        grain(p["period"]),
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
    if len(a) < 2 or len(b) < 2:
        raise NotEnoughDataError("the 2x2 needs at least two pilot and two comparison regions.")
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    est, se = float(a.mean() - b.mean()), float(np.sqrt(va + vb))
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if va + vb > 0 else 1.0
    return estimate_row(term, est, se, alpha=alpha, df=df)


def _pooled(a: np.ndarray, b: np.ndarray, alpha: float, term: str) -> dict:
    """Difference of means with a pooled variance, ``t(n - 2)``: a single pilot region's noise is
    read from the comparison regions (Donald & Lang 2007)."""
    df = len(a) + len(b) - 2
    ss = ((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()
    est = float(a.mean() - b.mean())
    se = float(np.sqrt(ss / df * (1 / len(a) + 1 / len(b))))
    return estimate_row(term, est, se, alpha=alpha, df=df)


class _Comparisons:
    """Pilot against comparison regions on one value per region, with the inference the number
    of pilot regions allows (the placebo choices are drawn once per set of regions)."""

    def __init__(self, treated: set, alpha: float, seed: int, noise: dict[str, float] | None):
        self.treated, self.alpha, self.seed, self.noise = treated, alpha, seed, noise
        self._cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self.studentised = False

    def _picks(self, is_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        key = tuple(is_t)
        if key not in self._cache:
            pick = choices(len(is_t), int(is_t.sum()), np.flatnonzero(is_t), seed=self.seed)
            self._cache[key] = (pick, differences(is_t.astype(float), pick))
        return self._cache[key]

    def compare(self, values: np.ndarray, is_t: np.ndarray, term: str, units: list) -> dict:
        """``term, estimate, std_error, ci_low, ci_high, p_value`` and, prefixed ``_``, the method,
        the number of placebo choices and the rank p-value. With each region's own noise known,
        each placebo estimate is read in units of its standard error (studentised)."""
        n_t, n_c = int(is_t.sum()), int((~is_t).sum())
        if n_t > FEW_TREATED or n_c < 2:
            row = _welch(values[is_t], values[~is_t], self.alpha, term)
            return {**row, "_method": "welch", "_assignments": 0, "_rank_p": None}
        pick, v = self._picks(is_t)
        scale = None
        if self.noise is not None and all(u in self.noise for u in units):
            scale = scales(np.array([self.noise[u] for u in units]), pick)
        test = invert(differences(values, pick), v, self.alpha, scale)
        self.studentised = scale is not None
        row = _pooled(values[is_t], values[~is_t], self.alpha, term)
        method = "t_controls"
        if test.bounded:
            method = "permutation"
            row.update(ci_low=test.ci_low, ci_high=test.ci_high, p_value=test.p_value)
        return {**row, "_method": method, "_assignments": len(v), "_rank_p": test.p_value}


def _noise(pre: pl.DataFrame) -> dict[str, float] | None:
    """Each region's own noise before the start: the standard deviation of its period-to-period
    changes (a trend shared by all regions drops out). ``None`` (regions read as alike) when a
    region has fewer than four periods before the start or does not move at all."""
    steps = (
        pre.sort("unit", "period")
        .with_columns(level=pl.col("numerator") / pl.col("denominator"))
        .with_columns(step=pl.col("level").diff().over("unit"))
        .group_by("unit")
        .agg(pl.col("step").std().alias("noise"), pl.col("step").count().alias("n"))
    )
    if steps.height == 0 or steps["n"].min() < 3:
        return None
    noise = steps["noise"].to_numpy()
    if not np.isfinite(noise).all() or noise.min() <= 1e-12 * max(1.0, noise.max()):
        return None
    return dict(zip(steps["unit"].to_list(), noise.tolist(), strict=True))


def _levels(p: pl.DataFrame, key: np.ndarray) -> pl.DataFrame:
    """Each region's KPI (ratio of sums) per value of ``key``: one column per key value (null
    where a region has no period with that value)."""
    return (
        p.with_columns(key=pl.Series(key).cast(pl.Utf8))
        .group_by("unit", "key")
        .agg((pl.col("numerator").sum() / pl.col("denominator").sum()).alias("level"))
        .pivot(on="key", index="unit", values="level")
        .sort("unit")
    )


def _two_by_two(
    p: pl.DataFrame, after: np.ndarray, compare: _Comparisons
) -> tuple[dict, pl.DataFrame]:
    """The 2x2 row, and each comparison region's placebo estimate (it as the only pilot region,
    against all the others)."""
    lv = _levels(p, np.where(after, "after", "before"))
    if "after" not in lv.columns or "before" not in lv.columns:
        raise NotEnoughDataError("the 2x2 needs pilot and comparison regions before and after.")
    lv = lv.drop_nulls(["before", "after"])
    delta = (lv["after"] - lv["before"]).to_numpy()
    is_t = lv["unit"].is_in(list(compare.treated)).to_numpy()
    if is_t.sum() == 0 or (~is_t).sum() == 0:
        raise NotEnoughDataError("the 2x2 needs pilot and comparison regions before and after.")
    row = compare.compare(delta, is_t, "pilot x after", lv["unit"].to_list())
    n = len(delta)
    others = (delta.sum() - delta) / (n - 1)
    placebos = pl.DataFrame({"unit": lv["unit"], "estimate": delta - others}).filter(
        pl.Series(~is_t)
    )
    return row, placebos


def _usable(is_t: np.ndarray) -> bool:
    """Enough regions for a comparison: a pilot region and two comparison regions."""
    return bool(is_t.sum() >= 1 and (~is_t).sum() >= 2)


def gaps(
    p: pl.DataFrame, units: list[str], grid: list | None = None
) -> tuple[tuple[str, tuple], ...]:
    """The regions of ``units`` that lack some of the panel's periods (or of ``grid``), with
    those periods."""
    grid = p["period"].unique().sort().to_list() if grid is None else grid
    have = p.group_by("unit").agg(pl.col("period").unique())
    held = dict(zip(have["unit"].to_list(), have["period"].to_list(), strict=True))
    out = []
    for u in units:
        mine = set(held.get(u) or [])
        lack = tuple(t for t in grid if t not in mine)
        if lack:
            out.append((u, lack))
    return tuple(out)


def gap_text(missing: tuple) -> str:
    """The missing periods of a region in words (the first six, then how many more)."""
    shown = [day_text(t) if isinstance(t, dt.date) else str(t) for t in missing[:6]]
    if len(missing) > 6:
        shown.append(_("{n} more periods").format(n=fmt_value(len(missing) - 6, "count")))
    return fmt_list(shown)


def _event_study(p: pl.DataFrame, bins: np.ndarray, compare: _Comparisons):
    """Per bin, the difference of mean region-level changes from bin -1; the pre-trend test
    compares each region's average pre-period change (one number, so few regions suffice)."""
    lv = _levels(p, bins)
    if "-1" not in lv.columns:
        raise NotEnoughDataError("the event study needs the bin just before the start.")
    is_t = lv["unit"].is_in(list(compare.treated)).to_numpy()
    if is_t.sum() == 0 or (~is_t).sum() == 0:
        raise NotEnoughDataError("the event study needs pilot and comparison regions.")
    ref = lv["-1"].to_numpy().astype(float)
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
    units = np.array(lv["unit"].to_list(), dtype=object)
    for col in sorted((c for c in lv.columns if c not in ("unit", "-1")), key=int):
        # each bin on the regions that have it and bin -1
        d = lv[col].to_numpy().astype(float) - ref
        ok = np.isfinite(d)
        if int(col) < -1:
            pre_changes.append(d)
        if not _usable(is_t[ok]):
            continue
        row = compare.compare(d[ok], is_t[ok], f"e={col}", units[ok].tolist())
        rows.append(dict(event_time=int(col), **{k: v for k, v in row.items() if k[0] != "_"}))
    table = pl.DataFrame(rows).sort("event_time")
    if not pre_changes:
        return table, (float("nan"), float("nan"), 0), ("welch", 0)
    pre = np.array(pre_changes)
    seen = np.isfinite(pre).any(axis=0)
    if not _usable(is_t[seen]):
        return table, (float("nan"), float("nan"), 0), ("welch", 0)
    avg = np.nanmean(pre[:, seen], axis=0)
    test = compare.compare(avg, is_t[seen], "pre-trend", units[seen].tolist())
    stat = (test["estimate"] / test["std_error"]) ** 2 if test["std_error"] > 0 else float("nan")
    return (
        table,
        (stat, test["p_value"], len(pre_changes)),
        (test["_method"], test["_assignments"]),
    )


def _as_period(moment, dtype):
    """A start or end in the panel's terms: a year (or any integer period) as it is, a moment in
    the periods' time zone (naive local time when they have none)."""
    if dtype.is_integer():
        if isinstance(moment, dt.datetime | dt.date) or not float(moment).is_integer():
            raise OptionError(
                f"did(): the panel's periods are numbers (years, say), so the start and end are "
                f"numbers too, e.g. treated={{'California': 1989}}; got {moment!r}."
            )
        return int(moment)
    if not isinstance(moment, dt.datetime | dt.date):
        raise OptionError(
            f"did(): the panel's periods are dates, so the start and end are dates too; got "
            f"{moment!r}."
        )
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(moment, dt.time())
    tz = getattr(dtype, "time_zone", None)
    if tz:
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo(tz))
    return moment.replace(tzinfo=None)


def _local(periods: pl.Series) -> pl.Series:
    """Datetime periods as naive local wall-clock times (a zone's clock changes drop out)."""
    if getattr(periods.dtype, "time_zone", None):
        return periods.dt.replace_time_zone(None)
    return periods.cast(pl.Datetime("us")) if periods.dtype == pl.Date else periods


def grain(periods: pl.Series) -> str:
    """The panel's period in words for a reader: "years" (integer periods), "months", "weeks",
    "days" or "periods" (anything else), from the shortest step between local calendar dates."""
    values = periods.unique().sort()
    if periods.dtype.is_integer():
        return "years"
    if len(values) < 2 or not periods.dtype.is_temporal():
        return "periods"
    days = _local(values).dt.date().unique().sort().diff().drop_nulls().dt.total_days()
    shortest = int(days.min()) if len(days) else 0
    return {1: "days", 7: "weeks"}.get(shortest, "months" if 28 <= shortest <= 31 else "periods")


def _steps(panel: pl.DataFrame, start) -> np.ndarray:
    """Each row's number of periods since the start (0 for the first period after it), counted on
    local calendar dates: years by the integer, months by a month index, days and weeks by the
    difference of local dates (a clock change does not shorten a day)."""
    periods = panel["period"].unique().sort()
    if len(periods) < 2:
        raise NotEnoughDataError("the panel has a single period.")
    if panel["period"].dtype.is_integer():
        step = float(periods.diff().drop_nulls().min())
        return ((panel["period"] - start).to_numpy() / step).round().astype(int)
    local = _local(panel["period"])
    s = start.replace(tzinfo=None) if isinstance(start, dt.datetime) else start
    kind = grain(periods)
    if kind == "months":
        month = (local.dt.year() * 12 + local.dt.month() - 1).to_numpy().astype(float)
        frac = ((local.dt.day() - 1).to_numpy() + local.dt.hour().to_numpy() / 24) / 31
        s_frac = (s.day - 1 + s.hour / 24) / 31
        since = month + frac - (s.year * 12 + s.month - 1 + s_frac)
        uniq = np.unique((_local(periods).dt.year() * 12 + _local(periods).dt.month()).to_numpy())
        return (since / float(np.diff(uniq).min())).round().astype(int)
    epoch = local.cast(pl.Datetime("us")).dt.epoch("s").to_numpy().astype(float)
    since = (epoch - (s - dt.datetime(1970, 1, 1)).total_seconds()) / 86400
    if kind in ("days", "weeks"):
        return (since / (1 if kind == "days" else 7)).round().astype(int)
    step = float(_local(periods).diff().drop_nulls().dt.total_seconds().min()) / 86400
    return (since / step).round().astype(int)
