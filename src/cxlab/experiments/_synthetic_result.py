"""What a synthetic control shows: the pilot region beside its blend, the placebo rank, the words.

References
----------
Abadie, Diamond & Hainmueller (2010), Synthetic control methods for comparative case studies,
JASA 105(490) (placebo-in-space, post/pre RMSPE ratio, section 2.4).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from cxlab._present import N_, _, fmt_change, fmt_list, fmt_p, fmt_value, label
from cxlab._result import Result
from cxlab.experiments._its import PlaceboResult
from cxlab.experiments._text import (
    day_text,
    effect_sentence,
    find,
    metric_info,
    rank_sentence,
    rank_status,
    relative_text,
    share_text,
    size_text,
)
from cxlab.features import Metric

SC_CANNOT = N_(
    "One pilot region is compared with a blend of other regions that tracked it before the start. "
    "The placebo test shows whether a gap this large is unusual among regions that got nothing; it "
    "cannot rule out something else that changed only in the pilot region at the same time."
)


@dataclass(frozen=True)
class SyntheticControlResult(Result):
    """Gap between the pilot region and its synthetic twin, with placebo-in-space inference."""

    experiment: str
    metric: str
    unit: str
    start: dt.datetime
    path: pl.DataFrame  # period, treated, synthetic, gap, post
    weights: pl.DataFrame  # donor, weight
    placebos: pl.DataFrame  # unit, effect, pre_rmspe, post_rmspe, ratio
    effect: dict
    baseline: float
    rank_p_value: float
    placebo: PlaceboResult
    alpha: float = 0.05
    measures: tuple[Metric, ...] = field(default=(), compare=False, repr=False)
    form: str = "classic"
    # predictor, importance (the diagonal of V), treated, synthetic, donor_mean
    balance: pl.DataFrame = field(default_factory=pl.DataFrame, compare=False, repr=False)
    predictors: tuple[str, ...] = ()  # names of the fitted predictors; () for the outcome path
    # "above" or "below": the pilot region's pre-period mean lies beyond every donor's, so no
    # blend of them reaches its level; "" otherwise
    outside: str = ""
    incomplete: tuple[str, ...] = ()  # regions left out of the comparison for missing periods

    @property
    def measure(self) -> Metric:
        return find(self.metric, self.measures)

    @property
    def title(self) -> str:
        return _("{metric} in {region} against its comparison group").format(
            metric=metric_info(self.measure)[0], region=label(self.unit)
        )

    @property
    def smallest_p_value(self) -> float:
        """The smallest rank p-value the regions allow: 1 in (regions without the pilot + 1)."""
        return 1 / (self.placebos.height + 1)

    @property
    def rank_status(self) -> str:
        """How unusual the pilot region's gap is among regions without the pilot
        (:func:`~cxlab.experiments._text.rank_status`)."""
        return rank_status(self.rank_p_value, self.placebos.height, self.alpha)

    def summary(self) -> pl.DataFrame:
        return pl.DataFrame([{**self.effect, "rank_p_value": self.rank_p_value}])

    def _blend(self) -> str:
        top = self.weights.sort("weight", descending=True).head(3)
        return fmt_list(
            [
                _("{region} {share}").format(region=label(d), share=share_text(w))
                for d, w in top.iter_rows()
            ]
        )

    def _outside_sentence(self) -> list[str]:
        if self.form != "classic" or not self.outside:
            return []
        text = (
            _(
                "Before the start, {region}'s level was above that of every region without the "
                "pilot, so no blend of them can match it and the gap is partly that difference; "
                "a comparison that allows a steady gap (synthetic difference in differences) "
                "suits it better."
            )
            if self.outside == "above"
            else _(
                "Before the start, {region}'s level was below that of every region without the "
                "pilot, so no blend of them can match it and the gap is partly that difference; "
                "a comparison that allows a steady gap (synthetic difference in differences) "
                "suits it better."
            )
        )
        return [text.format(region=label(self.unit))]

    def _top_predictors(self) -> str:
        top = self.balance.sort("importance", descending=True).head(3)
        return fmt_list(
            [
                _("{predictor} {share}").format(predictor=p, share=share_text(v))
                for p, v in top.select("predictor", "importance").iter_rows()
            ]
        )

    def rank_sentence(self) -> str:
        """Plain words: is the pilot region's gap unusual among regions that got nothing?"""
        return rank_sentence(self.unit, self.rank_p_value, self.placebos.height, self.alpha)

    def findings(self) -> list[str]:
        _name, unit, _hib = metric_info(self.measure)
        e = self.effect
        return [
            _(
                "In {region}, after the start on {start}: {sentence} against its comparison "
                "group ({relative} of the comparison group's {level}; the range is approximate)."
            ).format(
                region=label(self.unit),
                start=start_text(self.start),
                # "beyond chance" only when the rank test says so: the approximate range and
                # the rank are two readings, and the rank is the effect's evidence
                sentence=effect_sentence(
                    self.measure,
                    e["estimate"],
                    e["ci_low"],
                    e["ci_high"],
                    sure=self.rank_status == "passed",
                ),
                relative=relative_text(
                    e["estimate"] / self.baseline if self.baseline else float("nan")
                ),
                level=fmt_value(self.baseline, unit),
            ),
            _(
                "The comparison group is a blend of regions without the pilot that moved like "
                "{region} before the start: mostly {blend}."
            ).format(region=label(self.unit), blend=self._blend()),
            self.rank_sentence(),
            *self._outside_sentence(),
            _(SC_CANNOT),
        ]

    def details(self) -> list[str]:
        _name, unit, _hib = metric_info(self.measure)
        e = self.effect
        n = self.placebos.height
        if self.form == "demeaned":
            how = _(
                "Synthetic control (de-meaned: each region around its own pre-period mean, weights "
                "non-negative and summing to one)"
            )
        elif self.predictors:
            how = _(
                "Synthetic control (classic: weights non-negative and summing to one, fitted to "
                "{k} predictors whose importances best reproduce the pre-period outcome; most "
                "important: {top})"
            ).format(k=self.balance.height, top=self._top_predictors())
        else:
            how = _(
                "Synthetic control (classic: weights non-negative and summing to one, fitted to "
                "the outcome of every period before the start)"
            )
        return [
            _(
                "{how}: average gap after the start {estimate}; the approximate interval is the "
                "estimate plus or minus a t quantile times the spread of the {n} placebo gaps, each "
                "scaled by its region's pre-period fit error (standard error {se})."
            ).format(
                how=how,
                estimate=fmt_change(e["estimate"], unit),
                n=n,
                se=size_text(e["std_error"], unit),
            ),
            _(
                "Placebo in space: the ratio of post- to pre-period fit error (RMSPE) of "
                "{region} ranks against {n} placebo regions with p = {p} (the smallest possible "
                "is {smallest}); the verdict's level is {alpha}."
            ).format(
                region=label(self.unit),
                n=n,
                p=fmt_p(self.rank_p_value, bare=True),
                smallest=fmt_p(1 / (n + 1), bare=True),
                alpha=fmt_value(self.alpha, "ratio"),
            ),
            *self.placebo.details(),
            *(
                [
                    _("Left out of the comparison for missing periods: {regions}.").format(
                        regions=fmt_list([label(u) for u in self.incomplete])
                    )
                ]
                if self.incomplete
                else []
            ),
        ]

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.experiments._charts import pilot_chart

        fig = go.Figure()
        pilot_chart(fig, self.path, label(self.unit), self.measure, self.title)
        return fig


def start_text(start) -> str:
    """The start in words: a day, or a period label such as a year."""
    return day_text(start) if isinstance(start, dt.date) else str(start)
