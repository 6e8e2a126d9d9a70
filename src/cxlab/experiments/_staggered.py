"""Staggered rollouts: Callaway & Sant'Anna group-time effects and their aggregations.

Two-way fixed effects mixes already-treated regions into the comparison group when regions adopt
at different dates, and can get even the sign wrong when effects change over time. Callaway and
Sant'Anna compare each adoption cohort ``g`` at each period ``t`` only with regions not (yet)
treated, from the period before adoption (``ATT(g, t)``), then average these with cohort-size
weights. Without covariates the doubly robust, outcome-regression and inverse-probability
estimators coincide with the difference of mean changes implemented here; standard errors come
from the analytic influence functions, including the estimation of the aggregation weights.

References
----------
Callaway & Sant'Anna (2021), Difference-in-differences with multiple time periods,
J. Econometrics 225(2), 200-230 (eq. 2.6 unconditional ATT(g,t); section 4 aggregations).
R package ``did`` 2.1 (``att_gt``, ``aggte``, ``compute.aggte`` and ``wif``), whose analytic
standard errors and pre-test this module reproduces.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError, SchemaError
from cxlab._options import check_alpha, check_option
from cxlab._present import _, fmt_change, fmt_list, fmt_p, fmt_value
from cxlab._result import Result
from cxlab.experiments._did import CANNOT, PretrendResult, covered, event_plot
from cxlab.experiments._panel import outcome_panel
from cxlab.experiments._text import (
    day_text,
    effect_sentence,
    find,
    metric_info,
    resolve,
    size_text,
)
from cxlab.features import Metric

ControlGroup = Literal["never", "notyet"]


@dataclass(frozen=True)
class StaggeredResult(Result):
    """Group-time effects, the simple aggregate, the event-time aggregation and the pre-test."""

    experiment: str
    metric: str
    group_time: pl.DataFrame  # group, time, estimate, std_error, ci_low, ci_high, p_value, post
    overall: dict
    dynamic: pl.DataFrame  # event_time, estimate, std_error, ci_low, ci_high
    pretrend: PretrendResult
    n_units: int
    cohorts: dict
    control_group: str
    period: str = "periods"
    alpha: float = 0.05
    measures: tuple[Metric, ...] = field(default=(), compare=False, repr=False)

    @property
    def measure(self) -> Metric:
        return find(self.metric, self.measures)

    @property
    def title(self) -> str:
        return _("Regions that adopted in waves, {metric}").format(
            metric=metric_info(self.measure)[0]
        )

    def summary(self) -> pl.DataFrame:
        return pl.DataFrame([self.overall])

    def _waves(self) -> str:
        out = []
        for key, n in self.cohorts.items():
            try:
                when = day_text(dt.date.fromisoformat(str(key)))
            except ValueError:
                when = str(key)
            out.append(_("{n} from {day}").format(n=fmt_value(n, "count"), day=when))
        return fmt_list(out)

    def findings(self) -> list[str]:
        o = self.overall
        return [
            _(
                "Averaged over every region that adopted and every period after its start: "
                "{sentence}."
            ).format(
                sentence=effect_sentence(self.measure, o["estimate"], o["ci_low"], o["ci_high"])
            ),
            _(
                "Regions adopted in waves ({waves}); each wave is compared only with regions that "
                "had not adopted, from the period before it adopted, so earlier adopters never "
                "serve as the comparison."
            ).format(waves=self._waves()),
            *self.pretrend.findings(),
            _(CANNOT),
        ]

    def details(self) -> list[str]:
        _name, unit, _hib = metric_info(self.measure)
        o = self.overall
        control = (
            _("never-treated regions")
            if self.control_group == "never"
            else _("not-yet-treated regions")
        )
        return [
            _(
                "Callaway-Sant'Anna group-time effects ATT(g, t) against {control}, averaged with "
                "cohort-size weights: {estimate}, standard error {se} (analytic influence "
                "functions), p = {p}."
            ).format(
                control=control,
                estimate=fmt_change(o["estimate"], unit),
                se=size_text(o["std_error"], unit),
                p=fmt_p(o.get("p_value"), bare=True),
            ),
            *self.pretrend.details(),
        ]

    def plot(self):
        return event_plot(
            self.dynamic,
            self.measure,
            _("Effect by weeks since each region adopted, {metric}").format(
                metric=metric_info(self.measure)[0]
            ),
            _("Weeks since adoption (0 is the first week)") if self.period == "weeks" else None,
            alpha=self.alpha,
        )


def callaway_santanna(
    data: pl.DataFrame,
    *,
    y: str,
    unit: str,
    time: str,
    group: str,
    control_group: ControlGroup = "never",
    alpha: float = 0.05,
    small_sample: bool = False,
    experiment: str = "",
    metric: str | Metric | None = "",
    period: str = "periods",
) -> StaggeredResult:
    """Callaway-Sant'Anna ATT(g, t) on a balanced panel, without covariates.

    Parameters
    ----------
    data
        One row per unit and period: ``unit``, ``time`` (integer period index), ``y`` and ``group``
        (the first treated period; 0 for never treated, as in R ``did``).
    control_group
        ``"never"`` (never-treated units) or ``"notyet"`` (units not yet treated at ``t``).
    small_sample
        Scale each cohort's and each control group's influence by ``sqrt(n_g / (n_g - 1))``, so the
        variance of each mean uses ``n_g - 1`` (unbiased). R ``did`` does not (``False`` reproduces
        it); with cohorts of two or three regions the uncorrected errors are far too small.
    alpha
        The intervals are ``1 - alpha`` confidence intervals; the pre-test fails below it.
    metric
        What ``y`` measures: a KPI of the dictionary, a declared metric or a plain name (it names
        and formats the outcome); the unnamed outcome when empty.

    Examples
    --------
    >>> import cxlab as cx  # doctest: +SKIP
    >>> res = cx.experiments.callaway_santanna(cx.data.mpdta(), y="lemp", unit="countyreal",
    ...                                        time="year", group="first.treat")  # doctest: +SKIP
    """
    from scipy import stats

    check_option("control_group", control_group, ControlGroup)
    alpha = check_alpha(alpha)
    missing = [c for c in (y, unit, time, group) if c not in data.columns]
    if missing:
        raise SchemaError(
            f"callaway_santanna(): the data have no column(s) {', '.join(missing)} (given as y=, "
            f"unit=, time=, group=); its columns are {', '.join(data.columns)}."
        )
    measure = resolve(metric)
    wide = data.pivot(on=time, index=[unit, group], values=y, aggregate_function="first").sort(unit)
    times = sorted(int(c) for c in wide.columns if c not in (unit, group))
    ymat = wide.select([str(t) for t in times]).to_numpy().astype(float)
    if np.isnan(ymat).any():
        raise NotEnoughDataError(
            "callaway_santanna needs a balanced panel (a unit misses a period)."
        )
    g_of = wide[group].to_numpy().astype(float)
    g_of = np.where(g_of == 0, np.inf, g_of)
    n = len(g_of)
    cohorts = sorted(set(g_of[np.isfinite(g_of)]))
    tpos = {t: i for i, t in enumerate(times)}
    cells, ifs = [], []
    for g in cohorts:
        for t in times[1:]:
            base = g - 1 if t >= g else times[tpos[t] - 1]
            if base not in tpos:
                continue
            dy = ymat[:, tpos[t]] - ymat[:, tpos[base]]
            treat = g_of == g
            if control_group == "never":
                ctrl = ~np.isfinite(g_of)
            else:
                ctrl = (g_of > max(t, base)) & (g_of != g)
            if treat.sum() == 0 or ctrl.sum() == 0:
                continue
            mt, mc = dy[treat].mean(), dy[ctrl].mean()
            inf = np.zeros(n)
            nt, nc = int(treat.sum()), int(ctrl.sum())
            ft = np.sqrt(nt / (nt - 1)) if small_sample and nt > 1 else 1.0
            fc = np.sqrt(nc / (nc - 1)) if small_sample and nc > 1 else 1.0
            inf[treat] = ft * n / nt * (dy[treat] - mt)
            inf[ctrl] = -fc * n / nc * (dy[ctrl] - mc)
            cells.append((g, t, mt - mc))
            ifs.append(inf)
    if not cells:
        raise NotEnoughDataError("no cohort has a comparison group: nothing to estimate.")
    psi = np.column_stack(ifs)
    att = np.array([c[2] for c in cells])
    gs = np.array([c[0] for c in cells])
    ts = np.array([c[1] for c in cells])
    se = np.sqrt((psi**2).sum(0)) / n
    df = n - 1
    crit = float(stats.t.ppf(1 - alpha / 2, df))

    def _row(est, s):
        return dict(
            estimate=float(est),
            std_error=float(s),
            ci_low=float(est - crit * s),
            ci_high=float(est + crit * s),
            p_value=float(2 * stats.t.sf(abs(est) / s, df)) if s > 0 else float("nan"),
        )

    gt = pl.DataFrame(
        [
            dict(group=int(g), time=int(t), post=bool(t >= g), **_row(a, s))
            for g, t, a, s in zip(gs, ts, att, se, strict=True)
        ]
    )
    pg = np.array([(g_of == g).mean() for g in gs])

    def _influence(keep: np.ndarray) -> tuple[float, np.ndarray]:
        w = pg[keep] / pg[keep].sum()
        total = pg[keep].sum()
        ind = np.column_stack([(g_of == g).astype(float) for g in gs[keep]])
        if1 = (ind - pg[keep]) / total
        if2 = np.outer((ind - pg[keep]).sum(1), pg[keep] / total**2)
        return float(att[keep] @ w), psi[:, keep] @ w + (if1 - if2) @ att[keep]

    def _aggregate(keep: np.ndarray) -> dict:
        est, influence = _influence(keep)
        return _row(est, np.sqrt((influence**2).sum()) / n)

    post = ts >= gs
    overall = {"term": "ATT (simple)", **_aggregate(post)}
    events = sorted(set((ts - gs).astype(int)))
    dyn = [dict(event_time=int(e), **_aggregate((ts - gs) == e)) for e in events]
    dynamic = pl.DataFrame(dyn)
    pretest = _pretest(att, psi, post, ts - gs, n, _influence, alpha)
    pretest = dataclasses.replace(
        pretest,
        metric=measure.name,
        pre_effects=dynamic.filter(pl.col("event_time") < 0),
        measures=(measure,),
    )
    sizes = {str(int(g)): int((g_of == g).sum()) for g in cohorts}
    return StaggeredResult(
        experiment,
        measure.name,
        gt,
        overall,
        dynamic,
        pretest,
        n,
        sizes,
        control_group,
        period,
        alpha,
        (measure,),
    )


def _pretest(att, psi, post, rel, n, influence, alpha: float = 0.05) -> PretrendResult:
    """Test of the pre-period effects.

    With far fewer pre-period cells than units, the Wald test of every pre-period ATT(g, t), as in
    R ``did``. With many pre-period cells and few units (weekly periods, a handful of regions) that
    covariance cannot be estimated, so the test is on one number: the average of the event-time
    pre-period effects (a systematic pre-trend), against ``F(1, n - 1)``.
    """
    from scipy import stats

    pre = ~post
    q = int(pre.sum())
    if q == 0:
        return PretrendResult(float("nan"), float("nan"), 0, alpha, label="all_waves")
    if q <= n / 10:
        b, ifs = att[pre], psi[:, pre]
        v = ifs.T @ ifs / n**2
        stat = float(b @ np.linalg.pinv(v) @ b)
        p = float(stats.chi2.sf(stat, len(b)))
        return PretrendResult(stat, p, len(b), alpha, label="all_waves")
    times = sorted(set(rel[pre].astype(int)))
    pairs = [influence(pre & (rel == e)) for e in times]
    b = float(np.mean([p[0] for p in pairs]))
    inf = np.mean(np.column_stack([p[1] for p in pairs]), axis=1)
    stat = b**2 / (float((inf**2).sum()) / n**2)
    p = float(stats.f.sf(stat, 1, n - 1))
    return PretrendResult(stat, p, len(times), alpha, label="all_waves")


def staggered_did(
    panel: pl.DataFrame,
    *,
    adoption: dict[str, object],
    controls: list[str],
    control_group: ControlGroup = "never",
    alpha: float = 0.05,
    small_sample: bool = True,
    experiment: str = "",
    metric: str | Metric | None = "",
) -> StaggeredResult:
    """Callaway-Sant'Anna on a panel of regions by period with each unit's adoption date.

    ``panel`` is a KPI panel (``unit, period, y, numerator, denominator``, see
    :func:`kpi_panel`) or a plain outcome (``unit, period, y``, or a column named by ``metric``).
    Periods are numbered 1, 2, ...; a unit's group is the number of the period holding its
    adoption date. Units missing a period are dropped (a balanced panel is required).
    """
    if not adoption:
        raise OptionError("staggered_did(adoption={}): name at least one adopting unit and date.")
    panel, measure = outcome_panel(panel, metric, where="staggered_did()")
    periods = panel["period"].unique().sort()
    index = {p: i + 1 for i, p in enumerate(periods.to_list())}
    tz = getattr(panel["period"].dtype, "time_zone", None)
    groups = {}
    for u, when in adoption.items():
        moment = when.astimezone(__import__("zoneinfo").ZoneInfo(tz)) if tz else when
        later = [p for p in periods.to_list() if p <= moment]
        groups[u] = index[later[-1]] if later else 1
    groups |= {u: 0 for u in controls}
    p = panel.filter(pl.col("unit").is_in(list(groups)))
    counts = p.group_by("unit").len()
    full = counts.filter(pl.col("len") == len(periods))["unit"].to_list()
    if not set(full) & set(adoption) or not set(full) & set(controls):
        raise NotEnoughDataError(
            f"{experiment or 'staggered_did()'}: no adopting or no comparison unit has every "
            f"period of the panel; {covered(panel)}."
        )
    p = p.filter(pl.col("unit").is_in(full)).with_columns(
        pl.col("period").replace_strict(index, return_dtype=pl.Int64).alias("t"),
        pl.col("unit").replace_strict(groups, return_dtype=pl.Int64).alias("g"),
    )
    labels = {str(i): p0 for p0, i in index.items()}
    res = callaway_santanna(
        p,
        y="y",
        unit="unit",
        time="t",
        group="g",
        control_group=control_group,
        alpha=alpha,
        small_sample=small_sample,
        experiment=experiment,
        metric=measure,
        period="weeks",
    )
    cohorts = {f"{labels[k]:%Y-%m-%d}": v for k, v in res.cohorts.items()}
    return dataclasses.replace(res, cohorts=cohorts)
