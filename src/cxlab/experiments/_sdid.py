"""Synthetic difference in differences: pilot regions against weighted regions and weighted weeks.

The regions without the pilot are weighted so that, together, they moved in parallel with the
pilot regions before the start (a constant gap is allowed, unlike synthetic control), and the
periods before the start are weighted so that they resemble the periods after it; the effect is the
weighted difference in differences. The unit weights are ridge-regularised with
``zeta = (n_treated * t_post)^(1/4) * sigma``, ``sigma`` the standard deviation of the controls'
period-to-period changes before the start, so that they spread over several regions. The
standard error comes from placebos (one pilot region: each region without the pilot posing as
the pilot, Algorithm 4 of the paper) or from the jackknife over regions with the weights held
fixed (several pilot regions, Algorithm 3). The weights are solved as the R ``synthdid`` package
solves them, so the estimates agree with it.

References
----------
Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021), Synthetic difference-in-differences,
American Economic Review 111(12), 4088-4118 (Algorithms 1, 3 and 4).
Hirshberg, synthdid: R package, github.com/synth-inference/synthdid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._options import check_alpha, check_option
from cxlab._present import N_, _, fmt_change, fmt_list, fmt_value, label
from cxlab._result import Result
from cxlab._stats import estimate_row
from cxlab.experiments import _sdid_fit as core
from cxlab.experiments._did import covered
from cxlab.experiments._its import PlaceboResult
from cxlab.experiments._panel import complete_wide, outcome_panel
from cxlab.experiments._synthetic import pre_mask
from cxlab.experiments._synthetic_result import start_text
from cxlab.experiments._text import (
    effect_sentence,
    find,
    metric_info,
    relative_text,
    share_text,
    size_text,
)
from cxlab.features import Metric

SDID_CANNOT = N_(
    "The pilot regions are compared with a weighted group of other regions that moved in "
    "parallel with them before the start, the periods most like those after the start weighing "
    "most. It cannot rule out something else that changed only in the pilot regions at the same "
    "time."
)
SE_TEXT = {
    "placebo": N_(
        "placebo standard error: each of the {n} regions without the pilot posing as the pilot "
        "region, {b} draws"
    ),
    "jackknife": N_("jackknife standard error: each region left out in turn, weights held fixed"),
}
SeMethod = Literal["auto", "placebo", "jackknife"]


@dataclass(frozen=True)
class SyntheticDiDResult(Result):
    """Synthetic difference in differences of one or more pilot regions that started together."""

    experiment: str
    metric: str
    treated_units: tuple[str, ...]
    start: object
    path: pl.DataFrame  # period, treated, synthetic, gap, post, time_weight
    unit_weights: pl.DataFrame  # donor, weight
    effect: dict
    baseline: float
    se_method: str
    placebos: pl.DataFrame  # unit, effect: each region without the pilot posing as the pilot
    placebo: PlaceboResult
    zeta: float
    replications: int = 200
    alpha: float = 0.05
    measures: tuple[Metric, ...] = field(default=(), compare=False, repr=False)
    incomplete: tuple[str, ...] = ()  # regions left out of the comparison for missing periods

    @property
    def measure(self) -> Metric:
        return find(self.metric, self.measures)

    @property
    def unit(self) -> str:
        """The pilot region when there is one (as synthetic control names it)."""
        return self.treated_units[0] if len(self.treated_units) == 1 else ""

    @property
    def time_weights(self) -> pl.DataFrame:
        """``period, weight`` of the periods before the start."""
        return self.path.filter(~pl.col("post")).select(
            "period", pl.col("time_weight").alias("weight")
        )

    @property
    def title(self) -> str:
        return _("{metric} in {regions} against weighted regions without the pilot").format(
            metric=metric_info(self.measure)[0], regions=self._regions()
        )

    def _regions(self) -> str:
        return fmt_list([label(u) for u in self.treated_units])

    def summary(self) -> pl.DataFrame:
        return pl.DataFrame([self.effect])

    def _blend(self) -> str:
        top = self.unit_weights.sort("weight", descending=True).head(3)
        return fmt_list(
            [
                _("{region} {share}").format(region=label(d), share=share_text(w))
                for d, w in top.iter_rows()
            ]
        )

    def _weeks(self) -> str:
        top = self.time_weights.filter(pl.col("weight") > 1e-3).sort("weight", descending=True)
        return fmt_list(
            [
                _("{period} {share}").format(period=start_text(p), share=share_text(w))
                for p, w in top.head(3).iter_rows()
            ]
        )

    def findings(self) -> list[str]:
        _name, unit, _hib = metric_info(self.measure)
        e = self.effect
        return [
            _(
                "In {regions}, after the start on {start}: {sentence} against the comparison "
                "group ({relative} of the comparison group's {level})."
            ).format(
                regions=self._regions(),
                start=start_text(self.start),
                sentence=effect_sentence(self.measure, e["estimate"], e["ci_low"], e["ci_high"]),
                relative=relative_text(
                    e["estimate"] / self.baseline if self.baseline else float("nan")
                ),
                level=fmt_value(self.baseline, unit),
            ),
            _(
                "The comparison group is a blend of regions without the pilot that moved in "
                "parallel with {regions} before the start: mostly {blend}. The periods before the "
                "start that most resemble those after it weigh most: {weeks}."
            ).format(regions=self._regions(), blend=self._blend(), weeks=self._weeks()),
            _(SDID_CANNOT),
        ]

    def details(self) -> list[str]:
        _name, unit, _hib = metric_info(self.measure)
        e = self.effect
        how = _(SE_TEXT[self.se_method]).format(n=self.placebos.height, b=self.replications)
        return [
            _(
                "Synthetic difference in differences (Arkhangelsky et al. 2021): unit weights on "
                "the regions without the pilot with a ridge penalty zeta of {zeta}, time weights "
                "on the periods before the start, and the weighted two-way difference {estimate} "
                "(standard error {se}; {how}); the interval is the estimate plus or minus a "
                "normal quantile times the standard error."
            ).format(
                zeta=fmt_value(self.zeta, "number"),
                estimate=fmt_change(e["estimate"], unit),
                se=size_text(e["std_error"], unit),
                how=how,
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

        p = self.path
        fig = go.Figure()
        fig.add_trace(
            go.Bar(
                x=p["period"].to_list(),
                y=p["time_weight"].to_list(),
                name=_("Weight of the period before the start"),
                marker_color="#c8cedb",
                yaxis="y2",
                opacity=0.6,
            )
        )
        fig.update_layout(
            yaxis2=dict(overlaying="y", side="right", range=[0, 4], showgrid=False, visible=False)
        )
        pilot_chart(fig, p, self._regions(), self.measure, self.title)
        return fig


def synthetic_did(
    panel: pl.DataFrame,
    *,
    treated: str | list[str],
    start: dt.datetime | dt.date | int,
    donors: list[str] | None = None,
    se: SeMethod = "auto",
    replications: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
    experiment: str = "",
    metric: str | Metric | None = "",
) -> SyntheticDiDResult:
    """Synthetic difference in differences of ``treated`` regions, all starting at ``start``.

    Parameters
    ----------
    panel
        A KPI panel (``unit, period, y``, see :func:`kpi_panel`) or a plain outcome (``unit,
        period`` and ``y`` or a column named by ``metric``); periods may be times, dates or labels
        such as years. Only periods every region has are used.
    treated, start
        The pilot region(s) and the first period of the pilot.
    donors
        Regions without the pilot that may be weighted (all others by default).
    se
        ``"placebo"`` (each region without the pilot posing as the pilot; Algorithm 4),
        ``"jackknife"`` (each region left out, weights fixed; Algorithm 3, needs two pilot
        regions) or ``"auto"``: the jackknife with two or more pilot regions, else placebo.
    replications, seed
        Placebo draws and the seed that draws them.
    alpha
        The interval is at ``1 - alpha`` (normal quantile, as the paper's).
    experiment, metric
        Names for the text.

    Returns
    -------
    SyntheticDiDResult
        The weighted difference in differences with its interval, the unit and time weights, the
        pilot regions' path beside their weighted comparison, and the placebo regions' effects.

    References
    ----------
    Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021), Synthetic difference-in-differences,
    American Economic Review 111(12).

    Examples
    --------
    >>> import cxlab as cx
    >>> res = cx.experiments.synthetic_did(
    ...     cx.data.prop99(), treated="California", start=1989
    ... )
    >>> round(res.effect["estimate"], 1)
    -15.6
    """

    alpha = check_alpha(alpha)
    se = check_option("se", se, SeMethod)
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 2:
        raise OptionError(f"replications={replications!r} must be a whole number of at least 2.")
    where = experiment or "synthetic_did()"
    treated_units = [treated] if isinstance(treated, str) else list(treated)
    panel, measure = outcome_panel(panel, metric, where="synthetic_did()")
    covers = covered(panel)
    wide = panel.pivot(on="unit", index="period", values="y", aggregate_function="first").sort(
        "period"
    )
    present = [c for c in wide.columns if c != "period"]
    missing = [u for u in treated_units if u not in present]
    controls = [c for c in present if c not in treated_units and (donors is None or c in donors)]
    if missing or not treated_units or len(controls) < 3:
        raise NotEnoughDataError(
            f"{where}: synthetic difference in differences needs the pilot region(s) "
            f"{', '.join(map(repr, treated_units)) or 'none given'} and at least three regions "
            f"without the pilot with every period; {covers}."
        )
    wide, incomplete = complete_wide(panel, [*controls, *treated_units], treated_units, where=where)
    controls = [c for c in controls if c not in incomplete]
    if len(controls) < 3:
        raise NotEnoughDataError(
            f"{where}: synthetic difference in differences needs at least three regions without "
            f"the pilot with every period; {len(incomplete)} lack some ({', '.join(incomplete[:5])})."
        )
    pre = pre_mask(wide["period"], start)
    if pre.sum() < 2 or (~pre).sum() < 1 or not pre[: pre.sum()].all():
        raise NotEnoughDataError(
            f"{where}: synthetic difference in differences needs 2 periods before and 1 after "
            f"the start {start}; {covers}."
        )
    y = wide.select(*controls, *treated_units).to_numpy().T.astype(float)
    n0, t0 = len(controls), int(pre.sum())
    n1 = len(treated_units)
    fit = core.estimate(y, n0, t0, "sdid")
    method = ("jackknife" if n1 >= 2 else "placebo") if se == "auto" else se
    if method == "jackknife" and n1 < 2:
        raise OptionError(
            "se='jackknife' needs at least two pilot regions (one is left out at a time); with "
            "one, use se='placebo'."
        )
    effects = core.placebo_effects(fit, y)
    std = (
        core.placebo_se(fit, y, replications=replications, seed=seed, effects=effects)
        if method == "placebo"
        else core.jackknife_se(fit, y)
    )
    if not np.isfinite(std):
        raise NotEnoughDataError(
            f"{where}: no {method} standard error: the weights rest on one region without the "
            "pilot, or there are no more regions without the pilot than with it."
        )
    est = fit.estimate
    effect = estimate_row("average effect after start", est, std, alpha=alpha)
    treated_path = y[n0:].mean(axis=0)
    weighted = fit.omega @ y[:n0]
    # the comparison shifted to the pilot regions' time-weighted level before the start: after the
    # start, the average gap is the estimate
    shift = (treated_path[:t0] - weighted[:t0]) @ fit.lam
    synthetic = weighted + shift
    path = pl.DataFrame(
        {
            "period": wide["period"],
            "treated": treated_path,
            "synthetic": synthetic,
            "gap": treated_path - synthetic,
            "post": ~pre,
            "time_weight": np.concatenate([fit.lam, np.zeros(y.shape[1] - t0)]),
        }
    )
    unit_weights = pl.DataFrame({"donor": controls, "weight": fit.omega}).filter(
        pl.col("weight") > 1e-4
    )
    placebos = pl.DataFrame({"unit": controls, "effect": effects})
    placebo = _untreated(effects, alpha, measure)
    return SyntheticDiDResult(
        experiment,
        measure.name,
        tuple(treated_units),
        start,
        path,
        unit_weights,
        effect,
        float(synthetic[~pre].mean()),
        method,
        placebos,
        placebo,
        fit.zeta_omega,
        replications,
        alpha,
        (measure,),
        incomplete,
    )


def _untreated(effects: np.ndarray, alpha: float, measure: Metric) -> PlaceboResult:
    """Do the regions without the pilot, each posing as the pilot, show an effect on average?"""
    from scipy import stats

    n = len(effects)
    mean = float(effects.mean())
    se = float(effects.std(ddof=1) / np.sqrt(n))
    crit = float(stats.t.ppf(1 - alpha / 2, n - 1))
    p = float(2 * stats.t.sf(abs(mean) / se, n - 1)) if se > 0 else float("nan")
    return PlaceboResult(
        f"mean effect of the {n} untreated regions",
        mean,
        mean - crit * se,
        mean + crit * se,
        p,
        measure.name,
        kind="untreated_regions",
        count=n,
        threshold=alpha,
        measures=(measure,),
    )
