"""A placebo: the same method where nothing happened (a fake start date, or untreated units).

Shared by the designs without a randomised comparison (interrupted time series, synthetic
control): an "effect" found where none happened says the method reads ordinary movement as one.

References
----------
Abadie, Diamond & Hainmueller (2010), Synthetic control methods for comparative case studies,
J. Am. Statist. Assoc. 105 (placebos in space); Bernal, Cummins & Gasparrini (2017), Interrupted
time series regression for the evaluation of public health interventions, Int. J. Epidemiology
46(1) (a fake start date in the period before the change).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from cxlab._present import N_, _, fmt_change, fmt_interval, fmt_p, fmt_value
from cxlab._result import Result
from cxlab.experiments._text import check_status, day_text, find, level_text, metric_info
from cxlab.features import Metric

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
    unit: str = ""  # the unit of the estimate when it is not the metric's ("percent": a log model)

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
        unit = self.unit or unit
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
