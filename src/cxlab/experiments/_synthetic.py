"""Synthetic control for a pilot in one region, with placebo-in-space inference.

The pilot region's KPI before the start, around its own pre-period mean, is matched by a weighted
blend of the other regions around theirs (weights non-negative, summing to one); after the start, the blend says what the pilot region
would have done without the pilot. Inference asks whether the pilot's gap is unusual among
regions that got nothing: each donor is treated as a fake pilot in turn (placebo in space) and
the ratio of post- to pre-period fit error is ranked. The reported interval is approximate: the
estimate plus or minus a ``t`` quantile times the spread of the placebo effects, each measured in
its region's own pre-period fit error and rescaled to the pilot region's (small regions are noisier).

References
----------
Abadie, Diamond & Hainmueller (2010), Synthetic control methods for comparative case studies,
JASA 105(490) (placebo-in-space, post/pre RMSPE ratio, section 2.4).
Ferman & Pinto (2021), Synthetic controls with imperfect pretreatment fit, Quantitative
Economics 12(4) (the de-meaned estimator used here).
Abadie (2021), Using synthetic controls: feasibility, data requirements, and methodological
aspects, J. Economic Literature 59(2).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError
from cxlab._options import check_alpha
from cxlab._present import N_, _, fmt_change, fmt_list, fmt_p, fmt_value, label
from cxlab._result import Result
from cxlab.experiments._did import covered
from cxlab.experiments._its import PlaceboResult
from cxlab.experiments._panel import outcome_panel
from cxlab.experiments._text import (
    day_text,
    effect_sentence,
    find,
    metric_info,
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


def simplex_weights(y1: np.ndarray, y0: np.ndarray) -> np.ndarray:
    """Non-negative weights summing to one that minimise ``||y1 - y0 @ w||`` (NNLS with a penalty row)."""
    from scipy.optimize import nnls

    scale = max(float(np.abs(y0).max()), 1.0) * 100
    a = np.vstack([y0, np.full(y0.shape[1], scale)])
    b = np.concatenate([y1, [scale]])
    w, _ = nnls(a, b, maxiter=50 * a.shape[1])
    return w / w.sum() if w.sum() > 0 else np.full(y0.shape[1], 1 / y0.shape[1])


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
        """How unusual the pilot region's gap is among regions without the pilot.

        "passed" when the ranking alone reaches the verdict's confidence; "borderline" when the
        gap ranks first but the number of regions cannot reach it (p is the smallest possible) or
        p is below twice the level; "failed" otherwise.
        """
        alpha = self.alpha
        smallest = 1 / (self.placebos.height + 1)
        if self.rank_p_value <= alpha:
            return "passed"
        if self.rank_p_value <= max(2 * alpha, smallest + 1e-12):
            return "borderline"
        return "failed"

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

    def rank_sentence(self) -> str:
        """Plain words: is the pilot region's gap unusual among regions that got nothing?"""
        n = self.placebos.height
        larger = round(self.rank_p_value * (n + 1)) - 1
        chance = _("1 in {k}").format(k=fmt_value(1 / self.rank_p_value, "count"))
        status = self.rank_status
        if status == "passed" and larger == 0:
            text = _(
                "{region}'s gap is larger than that of every one of the {n} regions without the "
                "pilot: a gap this unusual happens by luck only {chance} times."
            )
        elif status == "passed":
            text = _(
                "{region}'s gap is larger than that of all but {larger} of the {n} regions "
                "without the pilot: a gap this unusual happens by luck only {chance} times."
            )
        elif larger == 0:
            text = _(
                "Borderline: {region}'s gap is larger than that of every one of the {n} regions "
                "without the pilot, but with this few regions to compare with, ranking first "
                "cannot rule out luck (section 3 says why). The effect is likely, but this "
                "comparison alone cannot prove it."
            )
        else:
            text = _(
                "{larger} of the {n} regions without the pilot show a gap as large as "
                "{region}'s: a gap like this happens by luck about {chance} times, so the "
                "effect is not distinguishable from chance."
            )
        return text.format(region=label(self.unit), n=n, larger=larger, chance=chance)

    def findings(self) -> list[str]:
        _name, unit, _hib = metric_info(self.measure)
        e = self.effect
        return [
            _(
                "In {region}, after the start on {start}: {sentence} against its comparison "
                "group ({relative} of the comparison group's {level}; the range is approximate)."
            ).format(
                region=label(self.unit),
                start=day_text(self.start),
                sentence=effect_sentence(self.measure, e["estimate"], e["ci_low"], e["ci_high"]),
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
            _(SC_CANNOT),
        ]

    def details(self) -> list[str]:
        _name, unit, _hib = metric_info(self.measure)
        e = self.effect
        n = self.placebos.height
        return [
            _(
                "Synthetic control (de-meaned, weights non-negative and summing to one): average "
                "gap after the start {estimate}; the approximate interval is the estimate plus or "
                "minus a t quantile times the spread of the {n} placebo gaps, each scaled by its "
                "region's pre-period fit error (standard error {se})."
            ).format(
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
        ]

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.experiments._charts import date_axis, layout, level_axis
        from cxlab.viz import color_for

        p = self.path
        x = p["period"].to_list()
        fig = go.Figure()
        fig.add_trace(
            go.Scatter(
                x=x,
                y=p["treated"].to_list(),
                name=label(self.unit),
                line=dict(color=color_for("treatment")),
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=p["synthetic"].to_list(),
                name=_("Comparison group without the pilot"),
                line=dict(dash="dash", color=color_for("control")),
            )
        )
        start = p.filter(pl.col("post"))["period"][0]
        fig.add_vline(x=start, line_dash="dot", line_color="#8a94a6")
        fig.add_annotation(
            x=start, y=1, yref="paper", text=_("start"), showarrow=False, xanchor="left"
        )
        level_axis(fig, self.measure)
        date_axis(fig)
        layout(fig, self.title)
        return fig


def _fit_one(mat: np.ndarray, i: int, donors: list[int], pre: np.ndarray):
    # de-meaned synthetic control: match the pre-period path around each unit's own mean, so a
    # region whose level lies outside the donors' range is still matched (Ferman & Pinto 2021)
    centre = mat[:, pre].mean(axis=1, keepdims=True)
    dm = mat - centre
    w = simplex_weights(dm[i, pre], dm[donors][:, pre].T)
    synth = w @ dm[donors] + centre[i]
    gap = mat[i] - synth
    pre_r = float(np.sqrt((gap[pre] ** 2).mean()))
    post_r = float(np.sqrt((gap[~pre] ** 2).mean()))
    return w, synth, gap, pre_r, post_r


def synthetic_control(
    panel: pl.DataFrame,
    *,
    treated: str,
    start: dt.datetime,
    donors: list[str] | None = None,
    alpha: float = 0.05,
    experiment: str = "",
    metric: str | Metric | None = "",
) -> SyntheticControlResult:
    """Synthetic control of ``treated`` on a panel of regions by period from ``start``.

    ``panel`` is a KPI panel (``unit, period, y``, see :func:`kpi_panel`) or a plain outcome
    (``unit, period`` and ``y`` or a column named by ``metric``); ``metric`` says what the outcome
    is (a KPI, a declared metric or a plain name) and names it in the text and charts. The
    interval is at ``1 - alpha``, and the rank check passes at ``alpha``.
    """
    from scipy import stats

    alpha = check_alpha(alpha)
    panel, measure = outcome_panel(panel, metric, where="synthetic_control()")
    covers = covered(panel)
    wide = panel.pivot(on="unit", index="period", values="y", aggregate_function="first").sort(
        "period"
    )
    units = [
        c for c in wide.columns if c != "period" and (donors is None or c in donors or c == treated)
    ]
    wide = wide.select("period", *units).drop_nulls()
    if treated not in units or len(units) < 4:
        raise NotEnoughDataError(
            f"{experiment or 'synthetic_control()'}: synthetic control needs {treated!r} and at "
            f"least three donors with every period; {covers}."
        )
    tz = getattr(wide["period"].dtype, "time_zone", None)
    from zoneinfo import ZoneInfo

    start_cmp = start.astimezone(ZoneInfo(tz)) if tz else start.replace(tzinfo=None)
    pre = (wide["period"] < start_cmp).to_numpy()
    if pre.sum() < 8 or (~pre).sum() < 2:
        raise NotEnoughDataError(
            f"{experiment or 'synthetic_control()'}: synthetic control needs 8 periods before "
            f"and 2 after the start {start}; {covers}."
        )
    mat = wide.select(units).to_numpy().T.astype(float)
    i = units.index(treated)
    pool = [j for j in range(len(units)) if j != i]
    w, synth, gap, pre_r, post_r = _fit_one(mat, i, pool, pre)
    est = float(gap[~pre].mean())
    rows = []
    for j in pool:
        others = [k for k in pool if k != j]
        _, _, g2, a, b = _fit_one(mat, j, others, pre)
        rows.append(
            dict(
                unit=units[j], effect=float(g2[~pre].mean()), pre_rmspe=a, post_rmspe=b, ratio=b / a
            )
        )
    placebos = pl.DataFrame(rows)
    ratio = post_r / pre_r
    rank_p = (1 + int((placebos["ratio"] >= ratio).sum())) / (placebos.height + 1)
    # placebo effects in units of each region's own pre-period fit error, rescaled to the pilot's:
    # a small region's gap is noisier than a large one's
    se = float((placebos["effect"] / placebos["pre_rmspe"]).std()) * pre_r
    sd = float(placebos["effect"].std())
    crit = float(stats.t.ppf(1 - alpha / 2, placebos.height - 1))
    effect = dict(
        term="average gap after start",
        estimate=est,
        std_error=se,
        ci_low=est - crit * se,
        ci_high=est + crit * se,
        p_value=rank_p,
    )
    path = pl.DataFrame(
        {"period": wide["period"], "treated": mat[i], "synthetic": synth, "gap": gap, "post": ~pre}
    )
    weights = pl.DataFrame({"donor": [units[j] for j in pool], "weight": w}).filter(
        pl.col("weight") > 1e-4
    )
    # the donors' placebo effects: is the typical untreated region's gap near zero?
    mean_placebo = float(placebos["effect"].mean())
    se_mp = sd / np.sqrt(placebos.height)
    pz = (
        float(2 * stats.t.sf(abs(mean_placebo) / se_mp, placebos.height - 1))
        if se_mp > 0
        else float("nan")
    )
    placebo = PlaceboResult(
        f"mean gap of the {placebos.height} untreated regions",
        mean_placebo,
        mean_placebo - crit * se_mp,
        mean_placebo + crit * se_mp,
        pz,
        measure.name,
        kind="untreated_regions",
        count=placebos.height,
        threshold=alpha,
        measures=(measure,),
    )
    return SyntheticControlResult(
        experiment,
        measure.name,
        treated,
        start,
        path,
        weights,
        placebos,
        effect,
        float(synth[~pre].mean()),
        rank_p,
        placebo,
        alpha,
        (measure,),
    )
