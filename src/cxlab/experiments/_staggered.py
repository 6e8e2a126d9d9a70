"""Staggered rollouts: Callaway & Sant'Anna group-time effects and their aggregations.

Two-way fixed effects mixes already-treated regions into the comparison group when regions adopt
at different dates, and can get even the sign wrong when effects change over time. Callaway and
Sant'Anna compare each adoption cohort ``g`` at each period ``t`` only with regions not (yet)
treated, from the period before adoption (``ATT(g, t)``), then average these with cohort-size
weights. Without covariates the doubly robust, outcome-regression and inverse-probability
estimators coincide with the difference of mean changes implemented here; standard errors come
from the analytic influence functions, including the estimation of the aggregation weights.

With one to four adopting regions those analytic errors are far too narrow (a cohort of one
region adds no variance of its own), so the inference is a placebo in space instead: the adoption
dates are given to other regions (every assignment, or a random sample of 2,000 when there are
more), every estimate is recomputed, the real one is ranked among them and each interval collects
the constant effects that test does not reject (test inversion, as in :mod:`._randomization`).

References
----------
Callaway & Sant'Anna (2021), Difference-in-differences with multiple time periods,
J. Econometrics 225(2), 200-230 (eq. 2.6 unconditional ATT(g,t); section 4 aggregations).
R package ``did`` 2.1 (``att_gt``, ``aggte``, ``compute.aggte`` and ``wif``), whose analytic
standard errors and pre-test this module reproduces.
MacKinnon & Webb (2020), Randomization inference for difference-in-differences with few treated
clusters, J. Econometrics 218(2) (few treated clusters: analytic errors too narrow).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError, SchemaError
from cxlab._options import check_alpha, check_option
from cxlab._present import N_, _, fmt_change, fmt_list, fmt_p, fmt_value, label
from cxlab._result import Result
from cxlab.experiments._did import (
    CANNOT,
    PretrendResult,
    covered,
    event_plot,
    gap_text,
    gaps,
    grain,
)
from cxlab.experiments._panel import outcome_panel
from cxlab.experiments._randomization import FEW_CONTROLS, FEW_TREATED, invert_many
from cxlab.experiments._text import (
    STUDENTISED,
    day_text,
    effect_sentence,
    find,
    metric_info,
    resolve,
    rough_range_warnings,
    size_text,
)
from cxlab.features import Metric

ControlGroup = Literal["never", "notyet"]


SINCE_ADOPTION = {
    "years": N_("Effect by years since each region adopted, {metric}"),
    "months": N_("Effect by months since each region adopted, {metric}"),
    "weeks": N_("Effect by weeks since each region adopted, {metric}"),
    "days": N_("Effect by days since each region adopted, {metric}"),
    "periods": N_("Effect by periods since each region adopted, {metric}"),
}
AXES = {
    "years": N_("Years since adoption (0 is the first year)"),
    "months": N_("Months since adoption (0 is the first month)"),
    "weeks": N_("Weeks since adoption (0 is the first week)"),
    "days": N_("Days since adoption (0 is the first day)"),
}


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
    inference: str = "analytic"  # analytic, permutation, t_placebo
    assignments: int = 0  # placebo assignments of the adoption dates ranked
    studentised: bool = False  # estimates ranked in units of their own standard error
    dropped: tuple = ()  # (region, periods it lacks): regions left out, as the panel must be full

    @property
    def n_treated(self) -> int:
        return int(sum(self.cohorts.values()))

    def warnings(self) -> list[str]:
        """Plain words where the usual standard errors cannot be trusted: few adopting regions or
        few comparison regions."""
        out = []
        n_t, n_c = self.n_treated, self.n_units - self.n_treated
        if self.inference != "analytic" and n_t == 1:
            out.append(
                _(
                    "With a single region that adopted, the usual error margins would be far too "
                    "narrow: they cannot see how much one region moves by itself. The likely "
                    "range here comes instead from giving the same start date to each other "
                    "region in turn, as if it had adopted, and seeing how large its effect looks."
                )
            )
        elif self.inference != "analytic":
            out.append(
                _(
                    "With only {treated} regions that adopted, the usual error margins would be "
                    "far too narrow: they cannot see how much a single region moves by itself. "
                    "The likely range here comes instead from giving the same start dates to "
                    "other regions, as if they had adopted, and seeing how large their effects "
                    "look."
                ).format(treated=n_t)
            )
        out += rough_range_warnings(
            bell_shape=self.inference == "t_placebo", controls=n_c, few=FEW_CONTROLS
        )
        return out

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
            *[
                _(
                    "{region} was left out: it has no data for {periods}, and this comparison "
                    "needs every region in every period."
                ).format(region=label(u), periods=gap_text(t))
                for u, t in self.dropped
            ],
            *self.warnings(),
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
        values = dict(
            control=control,
            estimate=fmt_change(o["estimate"], unit),
            se=size_text(o["std_error"], unit),
            p=fmt_p(o.get("p_value"), bare=True),
        )
        if self.inference == "analytic":
            text = _(
                "Callaway-Sant'Anna group-time effects ATT(g, t) against {control}, averaged with "
                "cohort-size weights: {estimate}, standard error {se} (analytic influence "
                "functions), p = {p}."
            )
        else:
            values.update(
                p=fmt_p(o.get("p_value")),
                treated=self.n_treated,
                m=fmt_value(self.assignments, "count"),
                n=self.n_units,
                alpha=fmt_value(self.alpha, "ratio"),
            )
            text = (
                _(
                    "Callaway-Sant'Anna group-time effects ATT(g, t) against {control}, averaged "
                    "with cohort-size weights: {estimate}, standard error {se} (the spread of the "
                    "placebo estimates), {p}. With so few adopting regions ({treated}), analytic "
                    "influence-function errors would be far too narrow (a region alone in its "
                    "cohort adds no variance of its own), so the inference is a placebo in space: "
                    "the adoption dates are given to {m} sets of regions among the {n} (a "
                    "randomisation test), and each interval holds every constant effect that test "
                    "does not reject (test inversion; MacKinnon and Webb 2020)."
                )
                if self.inference == "permutation"
                else _(
                    "Callaway-Sant'Anna group-time effects ATT(g, t) against {control}, averaged "
                    "with cohort-size weights: {estimate}, standard error {se} (the spread of the "
                    "placebo estimates), {p}. With so few adopting regions ({treated}), analytic "
                    "influence-function errors would be far too narrow, and the {m} assignments "
                    "of the adoption dates among the {n} regions are too few for a placebo "
                    "ranking to reach {alpha}; so the interval is a t interval on the spread of "
                    "the placebo estimates, which assumes that regions' changes scatter alike and "
                    "roughly in a bell shape."
                )
            )
        out = [text.format(**values)]
        if self.studentised:
            out.append(_(STUDENTISED))
        return [*out, *self.pretrend.details()]

    def plot(self):
        return event_plot(
            self.dynamic,
            self.measure,
            _(SINCE_ADOPTION.get(self.period, SINCE_ADOPTION["periods"])).format(
                metric=metric_info(self.measure)[0]
            ),
            _(AXES[self.period]) if self.period in AXES else None,
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
    seed: int = 0,
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
    seed
        With one to four adopting units, the inference is a placebo in space (the adoption dates
        given to other units); when there are more than 2,000 such assignments a random sample of
        2,000 is ranked, drawn with this seed.

    Notes
    -----
    With one to four adopting units, every estimate's ``std_error`` is the spread of its placebo
    estimates, its ``p_value`` the real estimate's rank among them and its interval the constant
    effects that the rank test does not reject; ``inference`` says so (``"permutation"``, or
    ``"t_placebo"`` when too few assignments exist for the rank to reach ``alpha``: then a t
    interval on that spread). With more adopting units, the analytic influence-function errors.

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
    cells, ifs, bases = [], [], []
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
            bases.append(base)
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
    inference, assignments, studentised = "analytic", 0, False
    if 0 < np.isfinite(g_of).sum() <= FEW_TREATED:
        tables = _placebo_rows(
            ymat, g_of, times, (gs, ts, np.array(bases)), pg, control_group, alpha, seed
        )
        cell_rows, overall_row, dyn_rows, (pre_row, q), inference, assignments, studentised = tables
        gt = gt.with_columns(
            **{k: pl.Series([r[k] for r in cell_rows]) for k in cell_rows[0]},
        )
        overall = {"term": "ATT (simple)", **overall_row}
        dynamic = pl.DataFrame(
            [dict(event_time=int(e), **r) for e, r in zip(events, dyn_rows, strict=True)]
        )
        if q:
            se0 = pre_row["std_error"]
            stat = (pre_row["estimate"] / se0) ** 2 if se0 > 0 else float("nan")
            pretest = PretrendResult(
                stat,
                pre_row["p_value"],
                q,
                alpha,
                label="all_waves",
                method="permutation" if inference == "permutation" else "t_controls",
                assignments=assignments,
            )
        else:
            pretest = PretrendResult(float("nan"), float("nan"), 0, alpha, label="all_waves")
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
        inference,
        assignments,
        studentised,
    )


PLACEBO_ASSIGNMENTS = 2_000  # the staggered placebo ranks at most this many assignments


def _adoptions(g_of: np.ndarray, seed: int) -> np.ndarray:
    """Assignments of the adoption dates to units, the real one first: every distinct one when
    there are at most ``PLACEBO_ASSIGNMENTS``, else a random sample of them."""
    n = len(g_of)
    dates = g_of[np.isfinite(g_of)]
    k = len(dates)
    orders = sorted(set(itertools.permutations(dates.tolist())))
    if math.comb(n, k) * len(orders) <= PLACEBO_ASSIGNMENTS:
        rows = []
        for pos in itertools.combinations(range(n), k):
            for order in orders:
                row = np.full(n, np.inf)
                row[list(pos)] = order
                rows.append(row)
        every = np.array(rows)
        same = (every == g_of).all(axis=1)
        return np.vstack([g_of, every[~same]])
    rng = np.random.default_rng(seed)
    keys = rng.random((PLACEBO_ASSIGNMENTS - 1, n))
    return np.vstack([g_of, g_of[np.argsort(keys, axis=1)]])


def _placebo_rows(ymat, g_of, times, cells, pg, control_group, alpha, seed):
    """Permutation inference for every ATT(g, t), the simple aggregate, each event time and the
    average pre-period effect: each estimate recomputed with the adoption dates given to other
    units, on the outcomes (``u``) and on the real treatment indicator (``v``), then inverted."""
    from scipy import stats

    gs, ts, bases = cells
    tpos = {t: i for i, t in enumerate(times)}
    treated_after = np.array([[float(np.isfinite(g) and t >= g) for t in times] for g in g_of])
    assign = _adoptions(g_of, seed)
    m = len(assign)
    both = np.stack([ymat, treated_after])  # (2, units, periods)
    # each cell's change from its base period, on the outcomes and on the treatment indicator
    at = np.array([tpos[t] for t in ts])
    base_at = np.array([tpos[b] for b in bases])
    diff = both[:, :, at] - both[:, :, base_at]  # (2, units, cells)
    diff = np.concatenate([diff[0], diff[1]], axis=1)  # (units, 2 x cells)
    k = len(gs)
    n = len(g_of)
    # sums over each cohort's units under every assignment, gathered (a handful of units each:
    # no matrix product, which threaded BLAS makes slow on small matrices)
    cohorts = sorted(set(g_of[np.isfinite(g_of)].tolist()))
    size = np.array([(g_of == g).sum() for g in cohorts])
    sums = np.stack(
        [diff[np.nonzero(assign == g)[1].reshape(m, -1)].sum(axis=1) for g in cohorts]
    )  # (cohorts, assignments, 2 x cells)
    cell_g = np.concatenate([gs, gs])
    cell_thr = np.concatenate([np.maximum(ts, bases)] * 2)
    mine = np.array([[g == c for c in cell_g] for g in cohorts], dtype=float)
    if control_group == "never":
        gone = np.ones_like(mine)
    else:
        gone = np.array([[g == c or g <= t for c, t in zip(cell_g, cell_thr, strict=True)]
                         for g in cohorts], dtype=float)  # fmt: skip
    treat_mean = (sums * mine[:, None, :]).sum(0) / (size @ mine)
    ctrl_sum = diff.sum(0) - (sums * gone[:, None, :]).sum(0)
    cell = treat_mean - ctrl_sum / (n - size @ gone)
    u, v = cell[:, :k], cell[:, k:]
    rel = (ts - gs).astype(int)
    post = ts >= gs

    def weights(keep):
        w = np.where(keep, pg, 0.0)
        return w / w.sum()

    events = sorted(set(rel))
    aggregates = [weights(post), *(weights(rel == e) for e in events)]
    pre_events = [e for e in events if e < 0]
    if pre_events:
        aggregates.append(np.mean([weights(rel == e) for e in pre_events], axis=0))

    def combine(x):
        return [x] + [(x[:, w > 0] * w[w > 0]).sum(axis=1, keepdims=True) for w in aggregates]

    ua, va = np.hstack(combine(u)), np.hstack(combine(v))
    scale = _scales(ymat, g_of, times, assign, cohorts, size, gs, aggregates, control_group)
    crit = float(stats.t.ppf(1 - alpha / 2, n - 2))
    # a pre-period estimate does not move with the effect: only the real estimate is shifted
    moves = np.abs(va[0] - 1) < 1e-9
    va = np.where(moves, va, 0.0)
    va[0] = 1.0
    rows, bounded = [], True
    for test in invert_many(ua, va, alpha, scale):
        est, spread = test.estimate, test.spread
        if test.bounded:
            row = dict(ci_low=test.ci_low, ci_high=test.ci_high, p_value=test.p_value)
        else:
            bounded = False
            tstat = abs(est) / spread if spread > 0 else float("nan")
            row = dict(
                ci_low=est - crit * spread,
                ci_high=est + crit * spread,
                p_value=float(2 * stats.t.sf(tstat, n - 2)),
            )
        rows.append(dict(estimate=est, std_error=spread, **row))
    inference = "permutation" if bounded else "t_placebo"
    pre = (rows[-1], len(pre_events)) if pre_events else (None, 0)
    studentised = scale is not None and bounded
    return rows[:k], rows[k], rows[k + 1 : k + 1 + len(events)], pre, inference, m, studentised


def _scales(ymat, g_of, times, assign, cohorts, size, gs, aggregates, control_group):
    """Each assignment's standard error of each estimate (cells, then the aggregates) when each
    unit's changes have its own noise, read from its period-to-period changes before the first
    adoption; ``None`` (units read as alike) with not-yet-treated controls, fewer than four
    periods before the first adoption, or a unit that does not move."""
    first = min(cohorts)
    before = [i for i, t in enumerate(times) if t < first]
    if control_group != "never" or len(before) < 4:
        return None
    noise = np.diff(ymat[:, before], axis=1).std(axis=1, ddof=1)
    if not np.isfinite(noise).all() or noise.min() <= 1e-12 * max(1.0, noise.max()):
        return None
    var = noise**2
    m, n = assign.shape
    # each cohort's weight in each estimate: a cell is all its cohort's, an aggregate splits
    k = len(gs)
    cols = [np.eye(k)[:, c] for c in range(k)] + list(aggregates)
    weight = np.array([[float(w[gs == g].sum()) for w in cols] for g in cohorts])
    inside = np.stack(
        [var[np.nonzero(assign == g)[1].reshape(m, -1)].sum(axis=1) for g in cohorts]
    )  # (cohorts, assignments): the adopting units' noise under each assignment
    n_ctrl = n - size.sum()
    ctrl = var.sum() - inside.sum(axis=0)
    total = weight.sum(axis=0)
    sq = (inside[:, :, None] * (weight / size[:, None])[:, None, :] ** 2).sum(axis=0)
    return np.sqrt(sq + ctrl[:, None] * (total / n_ctrl)[None, :] ** 2)


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
    seed: int = 0,
) -> StaggeredResult:
    """Callaway-Sant'Anna on a panel of regions by period with each unit's adoption date.

    ``panel`` is a KPI panel (``unit, period, y, numerator, denominator``, see
    :func:`kpi_panel`) or a plain outcome (``unit, period, y``, or a column named by ``metric``).
    Periods are numbered 1, 2, ...; a unit's group is the number of the period holding its
    adoption date. Units missing a period are left out (a balanced panel is required) and named,
    with the periods they lack, in the findings (``dropped``). With one to
    four adopting units the inference is a placebo in space (see :func:`callaway_santanna`);
    ``seed`` draws its sample of assignments when there are more than 2,000.

    References
    ----------
    Callaway & Sant'Anna (2021), J. Econometrics 225(2); MacKinnon & Webb (2020), J. Econometrics
    218(2) (randomisation inference with few treated clusters).
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
    # a region lacking a period cannot enter this balanced comparison: said in the findings
    dropped = gaps(p, list(groups), periods.to_list())
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
        period=grain(panel["period"]),
        seed=seed,
    )
    cohorts = {
        f"{labels[k]:%Y-%m-%d}" if isinstance(labels[k], dt.date) else str(labels[k]): v
        for k, v in res.cohorts.items()
    }
    return dataclasses.replace(res, cohorts=cohorts, dropped=dropped)
