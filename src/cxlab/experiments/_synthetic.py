"""Synthetic control for a pilot in one region, with placebo-in-space inference.

Before the start, the pilot region is matched by a weighted blend of the other regions (weights
non-negative, summing to one); after the start, the blend says what the pilot region would have
done without the pilot. The classic form (the published one, Abadie, Diamond & Hainmueller)
matches the region's own level: its outcome before the start, or predictors of it (covariates
averaged over windows, outcomes at chosen periods) weighed by the importances that best reproduce
the outcome before the start. The de-meaned form matches each region around its own pre-period
mean (Ferman & Pinto; "DIFP" in Arkhangelsky et al. 2021), so a region whose level lies outside
the others' is still matched. Inference asks whether the pilot's gap is unusual among regions
that got nothing: each donor is treated as a fake pilot in turn (placebo in space) and the ratio
of post- to pre-period fit error is ranked. The reported interval is approximate: the estimate
plus or minus a ``t`` quantile times the spread of the placebo effects, each measured in its
region's own pre-period fit error and rescaled to the pilot region's (small regions are noisier).

References
----------
Abadie & Gardeazabal (2003), The economic costs of conflict: a case study of the Basque
Country, American Economic Review 93(1).
Abadie, Diamond & Hainmueller (2010), Synthetic control methods for comparative case studies,
JASA 105(490) (the classic form; placebo-in-space, post/pre RMSPE ratio, section 2.4).
Ferman & Pinto (2021), Synthetic controls with imperfect pretreatment fit, Quantitative
Economics 12(4) (the de-meaned form).
Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021), Synthetic difference-in-differences,
American Economic Review 111(12), Table 1 (SC and DIFP on Proposition 99).
Abadie (2021), Using synthetic controls: feasibility, data requirements, and methodological
aspects, J. Economic Literature 59(2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._options import check_alpha, check_option
from cxlab._stats import estimate_row
from cxlab.experiments._did import covered
from cxlab.experiments._its import PlaceboResult
from cxlab.experiments._panel import complete_wide, outcome_panel
from cxlab.experiments._sc_predictors import (
    nested_weights,
    predictor_matrix,
    simplex_weights,
    standardise,
)
from cxlab.experiments._synthetic_result import SyntheticControlResult
from cxlab.features import Metric


def pre_mask(periods: pl.Series, start) -> np.ndarray:
    """Which periods come before ``start`` (a datetime, read in the periods' time zone, a date, or
    a period label such as a year)."""
    dtype = periods.dtype
    if type(start) is dt.date and dtype == pl.Datetime:
        start = dt.datetime.combine(start, dt.time())  # local midnight
    if isinstance(start, dt.datetime) and dtype == pl.Datetime:
        from zoneinfo import ZoneInfo

        tz = getattr(dtype, "time_zone", None)
        if tz:
            start = (
                start.astimezone(ZoneInfo(tz))
                if start.tzinfo
                else start.replace(tzinfo=ZoneInfo(tz))
            )
        else:
            start = start.replace(tzinfo=None)
    elif isinstance(start, dt.datetime) and dtype == pl.Date:
        start = start.date()
    return (periods < start).to_numpy()


def _fit_one(
    mat: np.ndarray,
    i: int,
    donors: list[int],
    pre: np.ndarray,
    form: str,
    x: np.ndarray | None,
):
    """Weights, synthetic path, gap, pre and post RMSPE and predictor importances of unit ``i``."""
    v = None
    if form == "demeaned":
        # match the pre-period path around each unit's own mean, so a region whose level lies
        # outside the donors' range is still matched (Ferman & Pinto 2021)
        centre = mat[:, pre].mean(axis=1, keepdims=True)
        dm = mat - centre
        w = simplex_weights(dm[i, pre], dm[donors][:, pre].T)
        synth = w @ dm[donors] + centre[i]
    elif x is None:
        w = simplex_weights(mat[i, pre], mat[donors][:, pre].T)
        synth = w @ mat[donors]
    else:
        xs = standardise(x[:, [i, *donors]])
        w, v = nested_weights(xs[:, 0], xs[:, 1:], mat[i, pre], mat[donors][:, pre].T)
        synth = w @ mat[donors]
    gap = mat[i] - synth
    pre_r = float(np.sqrt((gap[pre] ** 2).mean()))
    post_r = float(np.sqrt((gap[~pre] ** 2).mean()))
    return w, synth, gap, pre_r, post_r, v


Form = Literal["classic", "demeaned"]


def synthetic_control(
    panel: pl.DataFrame,
    *,
    treated: str,
    start: dt.datetime | dt.date | int,
    donors: list[str] | None = None,
    form: Form = "classic",
    predictors: Mapping[str, tuple[str, Any, Any]] | None = None,
    covariates: pl.DataFrame | None = None,
    alpha: float = 0.05,
    experiment: str = "",
    metric: str | Metric | None = "",
) -> SyntheticControlResult:
    """Synthetic control of ``treated`` on a panel of regions by period from ``start``.

    Parameters
    ----------
    panel
        A KPI panel (``unit, period, y``, see :func:`kpi_panel`) or a plain outcome (``unit,
        period`` and ``y`` or a column named by ``metric``). Periods may be times, dates or
        labels such as years.
    treated, start
        The pilot region and the first period of the pilot (a datetime is read in the panel's
        time zone; a year when the periods are years).
    donors
        Regions the blend may use (all others by default).
    form
        ``"classic"`` (the default, the published synthetic control: the blend matches the
        region's level) or ``"demeaned"`` (each region around its pre-period mean).
    predictors
        Classic form only: what the blend must match, as ``{name: (column, first, last)}``, the
        mean of ``column`` over the periods ``first`` to ``last`` (both included); column ``"y"``
        is the outcome, so ``("y", 1975, 1975)`` is the outcome in 1975. Their importances are
        fitted (ADH's nested optimisation). ``None``: the outcome of every pre-period, alike.
    covariates
        ``unit, period`` and the covariate columns the predictors name.
    alpha
        The interval is at ``1 - alpha``, and the rank check passes at ``alpha``.
    experiment, metric
        Names for the text: ``metric`` says what the outcome is (a KPI, a declared metric or a
        plain name).

    Returns
    -------
    SyntheticControlResult
        The average gap after the start with an approximate interval, the weights, the placebo
        regions and their rank, and (``balance``) each predictor's importance and its value in
        the pilot region, its blend and the donors on average.

    References
    ----------
    Abadie, Diamond & Hainmueller (2010), JASA 105(490); Abadie & Gardeazabal (2003), AER 93(1);
    Ferman & Pinto (2021), Quantitative Economics 12(4).

    Examples
    --------
    >>> import cxlab as cx  # doctest: +SKIP
    >>> res = cx.experiments.synthetic_control(
    ...     cx.data.prop99(), treated="California", start=1989
    ... )  # doctest: +SKIP
    >>> round(res.effect["estimate"], 1)  # doctest: +SKIP
    -19.5
    """
    from scipy import stats

    alpha = check_alpha(alpha)
    form = check_option("form", form, Form)
    if predictors is not None and form != "classic":
        raise OptionError(
            f"predictors= needs form='classic' (form={form!r} matches each region around its "
            "own pre-period mean, not predictors)."
        )
    if predictors is not None and not predictors:
        raise OptionError("predictors= is empty; give at least one, or None for the outcome path.")
    panel, measure = outcome_panel(panel, metric, where="synthetic_control()")
    covers = covered(panel)
    units = [
        u
        for u in panel["unit"].unique().sort().to_list()
        if donors is None or u in donors or u == treated
    ]
    wide, incomplete = complete_wide(panel, units, [treated], where="synthetic_control()")
    units = wide.columns[1:]
    if treated not in units or len(units) < 4:
        raise NotEnoughDataError(
            f"{experiment or 'synthetic_control()'}: synthetic control needs {treated!r} and at "
            f"least three donors with every period; {covers}."
        )
    pre = pre_mask(wide["period"], start)
    if pre.sum() < 8 or (~pre).sum() < 2:
        raise NotEnoughDataError(
            f"{experiment or 'synthetic_control()'}: synthetic control needs 8 periods before "
            f"and 2 after the start {start}; {covers}."
        )
    mat = wide.select(units).to_numpy().T.astype(float)
    x = None
    names = [str(p) for p in wide["period"].filter(pl.Series(pre))]
    if predictors is not None:
        x = predictor_matrix(wide.filter(pl.Series(pre)), units, predictors, covariates)
        names = list(predictors)
    i = units.index(treated)
    pool = [j for j in range(len(units)) if j != i]
    w, synth, gap, pre_r, post_r, v = _fit_one(mat, i, pool, pre, form, x)
    est = float(gap[~pre].mean())
    rows = []
    for j in pool:
        others = [k for k in pool if k != j]
        _, _, g2, a, b, _ = _fit_one(mat, j, others, pre, form, x)
        rows.append(
            dict(
                unit=units[j], effect=float(g2[~pre].mean()), pre_rmspe=a, post_rmspe=b, ratio=b / a
            )
        )
    placebos = pl.DataFrame(rows)
    level = mat[:, pre].mean(axis=1)
    outside = (
        "above" if level[i] > level[pool].max() else "below" if level[i] < level[pool].min() else ""
    )
    ratio = post_r / pre_r
    rank_p = (1 + int((placebos["ratio"] >= ratio).sum())) / (placebos.height + 1)
    # placebo effects in units of each region's own pre-period fit error, rescaled to the pilot's:
    # a small region's gap is noisier than a large one's
    se = float((placebos["effect"] / placebos["pre_rmspe"]).std()) * pre_r
    sd = float(placebos["effect"].std())
    crit = float(stats.t.ppf(1 - alpha / 2, placebos.height - 1))
    effect = estimate_row(
        "average gap after start", est, se, alpha=alpha, df=placebos.height - 1, p_value=rank_p
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
    # the balance of what the weights matched: the predictors, or the pre-period outcome (around
    # each region's own mean in the de-meaned form)
    xs = mat[:, pre] if x is None else x.T
    if form == "demeaned":
        xs = xs - xs.mean(axis=1, keepdims=True)
    balance = pl.DataFrame(
        {
            "predictor": names,
            "importance": v if v is not None else np.full(len(names), 1 / len(names)),
            "treated": xs[i],
            "synthetic": w @ xs[pool],
            "donor_mean": xs[pool].mean(axis=0),
        }
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
        form,
        balance,
        tuple(predictors or ()),
        outside,
        incomplete,
    )
