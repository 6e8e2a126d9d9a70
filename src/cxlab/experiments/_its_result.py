"""What an interrupted time series says: the effect, the path without the change, and what was
modelled (grain, seasonality and why, covariates, level or level and slope, log or not).

References
----------
Bernal, Cummins & Gasparrini (2017), Interrupted time series regression for the evaluation of
public health interventions: a tutorial, Int. J. Epidemiology 46(1).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import polars as pl

from cxlab._present import N_, _, fmt_change, fmt_date, fmt_list, fmt_p, fmt_value, label
from cxlab._result import Result
from cxlab.experiments._placebo import PlaceboResult
from cxlab.experiments._text import (
    effect_sentence,
    find,
    inline,
    level_text,
    metric_info,
    relative_text,
)
from cxlab.features import Metric

ITS_CANNOT = N_(
    "With no comparison group, this design attributes the change to the intervention only if "
    "nothing else changed at the same moment; the path it was on before is extrapolated, and the "
    "further from the start, the less certain that path is."
)

GRAIN = {"1d": N_("daily"), "1w": N_("weekly"), "1mo": N_("monthly")}
PER = {"1d": N_("per day"), "1w": N_("per week"), "1mo": N_("per month")}
OBSERVED = {
    "1d": N_("observed, per day"),
    "1w": N_("observed, per week"),
    "1mo": N_("observed, per month"),
}
BEFORE = {
    "1d": N_("{n} days before the change"),
    "1w": N_("{n} weeks before the change"),
    "1mo": N_("{n} months before the change"),
}
AFTER = {
    "1d": N_("the {n} days after the start"),
    "1w": N_("the {n} weeks after the start"),
    "1mo": N_("the {n} months after the start"),
}
# the parts of the path without the change, in plain words (findings) ...
PARTS = {
    "trend": N_("its trend"),
    "level": N_("its slowly drifting level"),
    "weekday": N_("its weekly pattern"),
    "annual": N_("its annual season"),
    "month": N_("its month-of-year pattern"),
}
# ... and by their method names (details)
TERMS = {
    "trend": N_("a linear trend"),
    "level": N_("a local level"),
    "weekday": N_("day-of-week effects"),
    "annual": N_("annual Fourier terms"),
    "month": N_("month-of-year effects"),
}
STRUCTURAL_SEASON = {
    "weekday": N_("a stochastic day-of-week seasonal"),
    "annual": N_("a trigonometric annual seasonal"),
    "month": N_("a trigonometric month-of-year seasonal"),
}
ROWS = {
    "average effect after start": N_("Average effect after the start"),
    "level change at start": N_("Level change at the start"),
    "slope change": N_("Slope change {per}"),
}


def _changes(row: dict, unit: str) -> tuple[str, str, str]:
    """An estimate and its interval's ends, with as many decimals as the interval needs to show
    two different ends (a slope per day is often a few thousandths)."""
    keys = ("estimate", "ci_low", "ci_high")
    texts = tuple(fmt_change(row[k], unit) for k in keys)
    for decimals in range(3, 7):
        if texts[1] != texts[2] or unit in ("seconds", "money"):
            break
        texts = tuple(fmt_change(row[k], unit, decimals=decimals) for k in keys)
    return texts


@dataclass(frozen=True)
class ITSResult(Result):
    """An interrupted time series: the observed series, the path without the change, the
    headline effect (``effect``), the level change at the start (``level_change``), the slope
    change (``slope_change``, level-and-slope model) and what was modelled.

    With ``log=True`` the change's estimates and intervals are relative changes (0.1 = +10%):
    ``exp(b) - 1`` of the coefficient ``b`` and of its interval's ends, and ``std_error`` is that
    of ``b`` (on the log scale).
    """

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
    slope_change: dict | None = None
    estimates: pl.DataFrame | None = field(default=None, compare=False)
    every: str = "1d"
    model: str = "level_and_slope"
    log: bool = False
    covariates: tuple[str, ...] = ()
    method: str = "segmented"
    errors: str = "ar1"
    seasonality: tuple[str, ...] = ("weekday",)
    history: int = 0  # periods before the change
    after: int = 0  # periods from the start to the last one
    missing: tuple = ()  # dates of the periods left out for having no outcome value

    @property
    def measure(self) -> Metric:
        return find(self.metric, self.measures)

    @property
    def unit(self) -> str:
        """The unit of the change's estimates: "percent" in a log model, else the metric's."""
        return "percent" if self.log else metric_info(self.measure)[1]

    @property
    def headline_term(self) -> str:
        return self.effect["term"]

    @property
    def title(self) -> str:
        return _("{metric} before and after the change").format(metric=metric_info(self.measure)[0])

    @property
    def scope_words(self) -> str:
        """The contacts the series counts, in words ("" for a series given directly)."""
        if not self.scope:
            return ""
        if self.scope == "all contacts":
            return _("all contacts")
        return fmt_list([label(s.strip()) for s in self.scope.split(",")])

    def summary(self) -> pl.DataFrame:
        """The change's terms (headline first), then the covariates' coefficients."""
        if self.estimates is not None:
            return self.estimates
        return pl.DataFrame([self.effect, self.level_change])

    # -- words -------------------------------------------------------------------------------
    def _sentence(self, row: dict) -> str:
        m = self.measure
        if self.log:
            m = dataclasses.replace(m, unit="percent")
        return effect_sentence(m, row["estimate"], row["ci_low"], row["ci_high"])

    def _history(self) -> str:
        return _(BEFORE[self.every]).format(n=fmt_value(self.history, "count"))

    def _parts(self, names: dict) -> list[str]:
        base = ["level"] if self.method == "structural" else ["trend"]
        return [_(names[p]) for p in base + list(self.seasonality)]

    def findings(self) -> list[str]:
        """The effect with its likely range, what the path without the change includes (and
        the seasonality left out, with the history's length), the placebo and the caveat."""
        _name, unit, _hib = metric_info(self.measure)
        e = self.effect
        if self.log:
            first = (
                _(
                    "After the change ({scope}): {sentence}, against the path it was on before "
                    "(about {level} expected without the change)."
                )
                if self.scope
                else _(
                    "After the change: {sentence}, against the path it was on before "
                    "(about {level} expected without the change)."
                )
            ).format(
                scope=self.scope_words,
                sentence=self._sentence(e),
                level=fmt_value(self.counterfactual_mean, unit),
            )
        else:
            cf = self.counterfactual_mean
            rel = e["estimate"] / cf if cf else float("nan")
            first = (
                _(
                    "After the change ({scope}): {sentence}, against the path it was on before "
                    "({relative} of the {level} expected without the change)."
                )
                if self.scope
                else _(
                    "After the change: {sentence}, against the path it was on before "
                    "({relative} of the {level} expected without the change)."
                )
            ).format(
                scope=self.scope_words,
                sentence=self._sentence(e),
                relative=relative_text(rel),
                level=fmt_value(cf, unit),
            )
        out = [first]
        lv, sl = self.level_change, self.slope_change
        if sl is not None:
            level, low, high = _changes(lv, self.unit)
            slope, slow, shigh = _changes(sl, self.unit)
            out.append(
                _(
                    "That is the average gap over {span}: {level} at the start (likely between "
                    "{low} and {high}), then {slope} {per} (likely between {slow} and {shigh})."
                ).format(
                    span=_(AFTER[self.every]).format(n=fmt_value(self.after, "count")),
                    level=level,
                    low=low,
                    high=high,
                    slope=slope,
                    per=_(PER[self.every]),
                    slow=slow,
                    shigh=shigh,
                )
            )
        else:
            out.append(
                _(
                    "The change is read as one step in the level at the start, the same in every "
                    "period after it (the trend is not allowed to change)."
                )
            )
        parts = self._parts(PARTS)
        if self.covariates:
            parts.append(_("its link with {names}").format(names=fmt_list(list(self.covariates))))
        out.append(_("The path it was on before includes {parts}.").format(parts=fmt_list(parts)))
        annual = {"1d": "annual", "1w": "annual", "1mo": "month"}[self.every]
        if annual in self.seasonality:
            out.append(
                _("Its seasonal pattern is learned from {history}.").format(history=self._history())
            )
        elif self.every == "1mo":
            out.append(
                _(
                    "The month-of-year pattern is not modelled: {history} are less than the two "
                    "years needed to tell it apart from the change."
                ).format(history=self._history())
            )
        else:
            out.append(
                _(
                    "The annual season is not modelled: {history} are less than the two years "
                    "needed to tell it apart from the change."
                ).format(history=self._history())
            )
        if self.log:
            out.append(
                _(
                    "The change is measured in percent of the level expected without it (a model "
                    "of the logarithm of the measure)."
                )
            )
        return [*out, *self.placebo.findings(), _(ITS_CANNOT)]

    def details(self) -> list[str]:
        """The method by its names, each term of the change with its interval and p-value, why
        the headline is the one it is, and the placebo."""
        name, _unit, _hib = metric_info(self.measure)
        name = inline(name)
        outcome = _("logarithm of {metric}").format(metric=name) if self.log else name
        covs = (
            [_("covariates {names}").format(names=fmt_list(list(self.covariates)))]
            if self.covariates
            else []
        )
        if self.method == "structural":
            terms = self._parts(TERMS)[:1]
            terms += [_(STRUCTURAL_SEASON[p]) for p in self.seasonality]
            terms += [*covs, _("a level intervention")]
            if self.slope_change is not None:
                terms.append(_("a slope intervention"))
            method = _(
                "Interrupted time series: structural time-series model of the {grain} {metric} "
                "with {terms}, estimated by maximum likelihood with the Kalman filter; the change "
                "enters as a regressor and its interval comes from the state-space standard "
                "error of its coefficient."
            ).format(grain=_(GRAIN[self.every]), metric=outcome, terms=fmt_list(terms))
        else:
            terms = [*self._parts(TERMS)[:1], _("a level change at the start")]
            if self.slope_change is not None:
                terms.append(_("a slope change after it"))
            terms += [_(TERMS[p]) for p in self.seasonality] + covs
            if self.errors == "newey_west":
                method = _(
                    "Interrupted time series: segmented regression of the {grain} {metric} on "
                    "{terms}, with Newey-West errors ({lags} lags) and t intervals."
                )
            else:
                method = _(
                    "Interrupted time series: segmented regression of the {grain} {metric} on "
                    "{terms}, with first-order autocorrelated errors (Prais-Winsten GLS, the "
                    "autocorrelation corrected for its small-sample bias) and t intervals."
                )
            method = method.format(
                grain=_(GRAIN[self.every]), metric=outcome, terms=fmt_list(terms), lags=self.lags
            )
        rows = [self.effect, self.level_change]
        if self.slope_change is not None:
            rows.append(self.slope_change)
        numbers = [
            _(
                "{term}: {estimate} ({level} confidence interval {low} to {high}; p-value {p})."
            ).format(
                term=_(ROWS[r["term"]]).format(per=_(PER[self.every])),
                estimate=texts[0],
                level=level_text(self.alpha),
                low=texts[1],
                high=texts[2],
                p=fmt_p(r["p_value"], bare=True),
            )
            for r in (rows if self.slope_change is not None else rows[:1])
            for texts in [_changes(r, self.unit)]
        ]
        if self.slope_change is not None:
            why = _(
                "The headline is the average effect after the start, not the level change: with "
                "a change of slope the gap differs from period to period, and its average over "
                "the time observed is what the change did there."
            )
        else:
            why = _(
                "The headline is the level change at the start: the model holds the trend "
                "unchanged, so the gap is the same in every period after the start."
            )
        if self.missing:
            numbers.append(
                _(
                    "Periods with no value are left out of the model ({n} of them, for example "
                    "{dates})."
                ).format(
                    n=fmt_value(len(self.missing), "count"),
                    dates=fmt_list([fmt_date(d) for d in self.missing[:3]]),
                )
            )
        return [method, *numbers, why, *self.placebo.details()]

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
                name=_(OBSERVED[self.every]),
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
