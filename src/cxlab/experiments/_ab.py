"""Randomised A/B tests on ratio metrics at the unit of randomisation, with CUPED and guardrails.

The analysis order is the one a careful reader needs: the sample-ratio check first, then the
primary metric(s) with the multiple-comparison correction said out loud, then guardrails that can
veto a win, then the verdict.

References
----------
Deng, Knoblich & Lu (2018), Applying the delta method in metric analytics, KDD.
Deng, Xu, Kohavi & Walker (2013), CUPED, WSDM.
Kohavi, Tang & Xu (2020), Trustworthy Online Controlled Experiments, Cambridge UP, ch. 3, 21, 22.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError, SchemaError
from cxlab._options import check_alpha, check_option
from cxlab._present import N_, _, fmt_change, fmt_interval, fmt_p, fmt_value, label
from cxlab._result import Result
from cxlab.experiments._moments import Moments
from cxlab.experiments._multiple import DESCRIPTION, Correction, adjust
from cxlab.experiments._srm import SRMResult, srm_check
from cxlab.experiments._text import (
    Phrase,
    effect_sentence,
    level_text,
    metric_info,
    percent_text,
    plain_column,
    relative_text,
    resolve,
    size_text,
    units_word,
    unknown_metric,
    verdict_word,
)
from cxlab.features import Metric

Verdict = Literal["ship", "do not ship", "not enough evidence yet", "no direction"]


def compare(
    control: Moments, treatment: Moments, *, cuped: bool = True, alpha: float = 0.05
) -> dict:
    """Treatment minus control of a ratio metric, delta-method variance, optional CUPED.

    The CUPED coefficient ``theta`` is pooled over both arms from the linearised metric and the
    linearised pre-period covariate; the estimate is ``(R_t - R_c) - theta (X_t - X_c)``.

    Returns
    -------
    dict
        ``control_value, treatment_value, estimate, std_error, ci_low, ci_high, p_value, df,
        relative, rel_ci_low, rel_ci_high, theta, variance_saved, n_control, n_treatment``.
    """
    from scipy import stats

    arms = (control, treatment)
    if min(a.n for a in arms) < 2 or min(a.sums[1] for a in arms) <= 0:
        raise NotEnoughDataError(
            f"an arm has too few units or no measured contacts (units {control.n} vs {treatment.n})."
        )
    parts = []
    for a in arms:
        g, h = a.gradients()
        c = a.cov
        parts.append((float(g @ c @ g), float(g @ c @ h), float(h @ c @ h)))
    theta = 0.0
    x_ok = all(not np.isnan(a.covariate_ratio) for a in arms)
    if cuped and x_ok:
        num = sum((a.n - 1) * p[1] for a, p in zip(arms, parts, strict=True))
        den = sum((a.n - 1) * p[2] for a, p in zip(arms, parts, strict=True))
        theta = num / den if den > 0 else 0.0
    shift = theta * (treatment.covariate_ratio - control.covariate_ratio) if theta else 0.0
    rc, rt = control.ratio, treatment.ratio
    est = (rt - rc) - shift
    df = control.n + treatment.n - 2
    # the estimated theta costs one degree of freedom (as the slope in ANCOVA)
    scale = df / (df - 1) if theta and df > 1 else 1.0
    var = [
        scale * (p[0] - 2 * theta * p[1] + theta**2 * p[2]) / a.n
        for a, p in zip(arms, parts, strict=True)
    ]
    var0 = [p[0] / a.n for a, p in zip(arms, parts, strict=True)]
    se = float(np.sqrt(sum(var)))
    se0 = float(np.sqrt(sum(var0)))
    df = df - 1 if theta else df
    crit = float(stats.t.ppf(1 - alpha / 2, df))
    p = float(2 * stats.t.sf(abs(est) / se, df)) if se > 0 else float("nan")
    rel = est / rc if rc else float("nan")
    rel_se = (
        float(np.sqrt(var[1] + ((rc + est) / rc) ** 2 * var[0]) / abs(rc)) if rc else float("nan")
    )
    return dict(
        control_value=rc,
        treatment_value=rc + est,
        estimate=est,
        std_error=se,
        ci_low=est - crit * se,
        ci_high=est + crit * se,
        p_value=p,
        df=df,
        relative=rel,
        rel_ci_low=rel - crit * rel_se,
        rel_ci_high=rel + crit * rel_se,
        theta=theta,
        variance_saved=1 - (se / se0) ** 2 if se0 > 0 else 0.0,
        n_control=control.n,
        n_treatment=treatment.n,
    )


def unit_measure(names: list[str], metric: str | Metric, *, parameter: str = "metric") -> Metric:
    """The metric a per-unit table holds for ``metric``: sums ``<metric>__y``, ``<metric>__d``
    (a KPI, a declared metric or a named ratio, as :func:`unit_metrics` builds them), or a plain
    column ``<metric>`` (one value per unit; a declared metric keeps its declaration)."""
    name = metric.name if isinstance(metric, Metric) else metric
    if not isinstance(name, str) or not name:
        raise OptionError(
            f"{parameter}={metric!r} is not a metric; give a KPI of the dictionary, a declared "
            "metric or a column of the table."
        )
    if f"{name}__y" in names and f"{name}__d" in names:
        return metric if isinstance(metric, Metric) else resolve(name)
    if name in names:
        return plain_column(metric)
    raise unknown_metric(name, parameter=parameter, columns=names)


def arm_moments(
    units: pl.DataFrame | pl.LazyFrame, metric: str | Metric, *, arm: str = "arm"
) -> dict[str, Moments]:
    """Per-arm :class:`Moments` of a metric from a per-unit table (see :func:`unit_metrics`).

    With sums ``<metric>__y``, ``<metric>__d`` the metric is their ratio (delta method, CUPED on
    ``__x``, ``__dx``). A plain column ``<metric>`` is a per-unit mean: its value over one unit
    (``d = 1``, a missing value ``d = 0``), so the delta method reduces to Welch's unequal-variance
    comparison of means; ``<metric>__x`` (a pre-period value per unit) is its CUPED covariate.
    """
    lf = units.lazy()
    names = lf.collect_schema().names()
    if arm not in names:
        raise SchemaError(
            f"arm={arm!r} is not a column of the per-unit table; its columns are "
            f"{', '.join(names)}."
        )
    name = unit_measure(names, metric).name
    x = f"{name}__x" if f"{name}__x" in names else None
    if f"{name}__y" in names and f"{name}__d" in names:
        dx = f"{name}__dx" if f"{name}__dx" in names else None
        exprs = Moments.exprs(f"{name}__y", f"{name}__d", x, dx)
    else:
        value = pl.col(name).cast(pl.Float64)
        covariate = None if x is None else pl.col(x).cast(pl.Float64)
        exprs = Moments.exprs(
            value,
            value.is_not_null(),
            covariate,
            None if covariate is None else covariate.is_not_null(),
        )
    rows = lf.group_by(arm).agg(exprs).collect()
    return {r[arm]: Moments.from_row(r) for r in rows.to_dicts()}


@dataclass(frozen=True)
class ABTestResult(Result):
    """An A/B test read in order: sample-ratio check, primary metrics, guardrails, verdict."""

    experiment: str
    unit: str
    srm: SRMResult
    estimates: pl.DataFrame
    correction: str
    alpha: float
    cuped: bool
    verdict: Verdict
    reasons: tuple = field(default=())  # Phrase: worded when read
    skipped: tuple[str, ...] = field(default=())  # guardrails with too little data to read
    measures: tuple[Metric, ...] = field(default=(), compare=False, repr=False)

    @property
    def title(self) -> str:
        return _("Randomised test {experiment}").format(experiment=self.experiment)

    @property
    def primary(self) -> dict:
        """The first primary comparison (first treatment arm on the first primary metric)."""
        return self.estimates.filter(pl.col("role") == "primary").row(0, named=True)

    def summary(self) -> pl.DataFrame:
        return self.estimates.select(
            "term",
            "metric",
            "arm",
            "role",
            "control_value",
            "treatment_value",
            "estimate",
            "std_error",
            "ci_low",
            "ci_high",
            "p_value",
            "p_adj",
            "relative",
            "variance_saved",
            "n_control",
            "n_treatment",
            "harmful",
        )

    def effect_sentence(self, row: dict) -> str:
        """Plain words: the level in control and the effect, with its likely range."""
        _name, unit, _hib = metric_info(row["metric"], self.measures)
        arm = "" if row["arm"] == "treatment" else f" ({label(row['arm'])})"
        return _("{sentence}{arm} (from {level} in the control group, {relative}).").format(
            sentence=effect_sentence(
                row["metric"],
                row["estimate"],
                row["ci_low"],
                row["ci_high"],
                measures=self.measures,
            ),
            arm=arm,
            level=fmt_value(row["control_value"], unit),
            relative=relative_text(row["relative"]),
        )

    def findings(self) -> list[str]:
        """The verdict, the split check, then each effect in plain words (no test statistics)."""
        reasons = " ".join(str(r) for r in self.reasons)
        if self.verdict == "no direction":  # the reason says there is no verdict, and why
            out = [reasons]
        else:
            out = [
                _("{verdict}: {reasons}").format(
                    verdict=verdict_word(self.verdict), reasons=reasons
                )
            ]
        out += self.srm.findings()
        for row in self.estimates.iter_rows(named=True):
            if row["role"] == "primary":
                out.append(self.effect_sentence(row))
        for row in self.estimates.iter_rows(named=True):
            if row["role"] == "guardrail":
                state = (
                    _("Guardrail harmed: {sentence}")
                    if row["harmful"]
                    else _("Guardrail, no harm found: {sentence}")
                )
                out.append(state.format(sentence=self.effect_sentence(row)))
        for name in self.skipped:
            out.append(
                _("{metric}: too little data in a group to check this guardrail.").format(
                    metric=metric_info(name, self.measures)[0]
                )
            )
        return out

    def details(self) -> list[str]:
        """Method names and test statistics (appendix)."""
        k = int((self.estimates["role"] == "primary").sum())
        out = list(self.srm.details())
        for row in self.estimates.iter_rows(named=True):
            _name, unit, _hib = metric_info(row["metric"], self.measures)
            out.append(
                _(
                    "{metric}, {role}: difference {estimate} (standard error {se}, {level} "
                    "confidence interval {interval}), t-test with {df} degrees of freedom across "
                    "{unit} (delta method for ratio metrics), p = {p}, adjusted p = {p_adj}."
                ).format(
                    metric=metric_arm_label(row, self.measures),
                    level=level_text(self.alpha),
                    role=_("primary") if row["role"] == "primary" else _("guardrail"),
                    estimate=fmt_change(row["estimate"], unit),
                    se=size_text(row["std_error"], unit),
                    interval=fmt_interval(row["ci_low"], row["ci_high"], unit),
                    df=fmt_value(row["df"], "count"),
                    unit=units_word(self.unit),
                    p=fmt_p(row["p_value"], bare=True),
                    p_adj=fmt_p(row["p_adj"], bare=True),
                )
            )
        out.append(
            _("Multiple comparisons: {description}.").format(
                description=_(DESCRIPTION[self.correction]).format(k=k, a=percent_text(self.alpha))
            )
        )
        if self.verdict == "no direction":
            out.append(
                _(
                    "No verdict: a primary measure has no declared better direction; declare it "
                    "with {call} to draw one."
                ).format(call="cxlab.features.declare_metric(..., higher_is_better=True | False)")
            )
        if self.cuped:
            saved = self.estimates.filter(pl.col("role") == "primary")["variance_saved"].max()
            out.append(
                _(
                    "Pre-period covariates (CUPED) removed {saved} of the variance of the primary "
                    "estimate."
                ).format(saved=fmt_value(saved, "share", decimals=0))
            )
        return out

    def view(self) -> pl.DataFrame:
        """The table a reader reads: each comparison named by the analyst's metric, its level in
        the control group, the effect with its likely range, all formatted by the metric's unit."""
        likely = _("Likely range ({level})").format(level=level_text(self.alpha))
        rows = []
        for r in self.estimates.iter_rows(named=True):
            name, unit, _hib = metric_info(r["metric"], self.measures)
            rows.append(
                {
                    _("Measure"): name,
                    _("Group"): label(r["arm"]),
                    _("Role"): _("Main measure")
                    if r["role"] == "primary"
                    else _("Must not get worse"),
                    _("Control group level"): fmt_value(r["control_value"], unit),
                    _("Effect"): fmt_change(r["estimate"], unit),
                    likely: fmt_interval(r["ci_low"], r["ci_high"], unit),
                    _("Relative change"): relative_text(r["relative"]),
                }
            )
        return pl.DataFrame(rows)

    def _repr_html_(self) -> str:
        import html

        from cxlab._present import CSS, findings_html, table_html

        return (
            f"{CSS}<div class='cx-result'><h4>{html.escape(self.title)}</h4>"
            f"{findings_html(self.findings())}{table_html(self.view())}</div>"
        )

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.viz import color_for

        s = self.estimates
        labels = [metric_arm_label(r, self.measures) for r in s.iter_rows(named=True)]
        fig = go.Figure(
            go.Scatter(
                x=s["relative"].to_list(),
                y=labels,
                mode="markers",
                marker=dict(color=color_for("treatment")),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=(s["rel_ci_high"] - s["relative"]).to_list(),
                    arrayminus=(s["relative"] - s["rel_ci_low"]).to_list(),
                ),
                name=_("Relative effect, likely range ({level})").format(
                    level=level_text(self.alpha)
                ),
            )
        )
        fig.add_vline(x=0, line_dash="dot")
        fig.update_layout(title=_("Relative effects"), xaxis_tickformat="+.0%")
        return fig


def metric_arm_label(row: dict, measures: Sequence[Metric] = ()) -> str:
    arm = row.get("arm")
    name = metric_info(row["metric"], measures)[0]
    return name if arm in (None, "treatment") else f"{name} ({label(arm)})"


def ab_test(
    units: pl.DataFrame | pl.LazyFrame,
    *,
    primary: str | Metric | Sequence[str | Metric],
    guardrails: Sequence[str | Metric] = (),
    arm: str = "arm",
    control: str = "control",
    cuped: bool = True,
    correction: Correction = "holm",
    alpha: float = 0.05,
    expected_split: dict[str, float] | None = None,
    experiment: str = "",
    unit: str = "customer",
) -> ABTestResult:
    """Analyse a randomised test from a per-unit table of sums.

    Parameters
    ----------
    units
        One row per randomised unit with ``arm`` and, per metric, either the sums
        ``<metric>__y``, ``<metric>__d`` (and the pre-period ``__x``, ``__dx`` for CUPED) as built
        by :func:`unit_metrics`, or a plain column ``<metric>`` holding one value per unit (a
        per-unit mean, compared as Welch's t-test; ``<metric>__x`` as its covariate).
    primary
        The metric(s) the decision rests on: a KPI of the dictionary, a metric declared with
        :func:`cxlab.features.declare_metric`, or a plain column of ``units``. With several arms or
        metrics, p-values are corrected. A metric whose better direction is not declared
        (``higher_is_better=None``, any undeclared column) is said to have "changed", and no
        roll-out verdict is drawn from its direction.
    guardrails
        Metrics that must not get worse: a guardrail whose interval (at ``alpha``) lies entirely
        on the harmful side (its declared direction) vetoes a win. Not corrected (stricter on
        harm).
    cuped
        Use the pre-period sums as covariate when present.
    correction
        ``"holm"`` (family-wise error), ``"bh"`` (false discovery rate) or ``"none"``.
    expected_split
        Planned share per arm for the sample-ratio check; equal when ``None``.

    Examples
    --------
    The synthetic customer test, from per-customer sums over its weeks:

    >>> import cxlab as cx
    >>> test = cx.experiments.registry().filter(experiment_id="EXP-AB-ROUTING").row(0, named=True)
    >>> units = cx.experiments.unit_metrics(
    ...     cx.load("contacts"), cx.load("assignments"), metrics=["fcr", "aht"],
    ...     start=test["start"], end=test["end"], experiment_id="EXP-AB-ROUTING")
    >>> res = cx.experiments.ab_test(units, primary="fcr", guardrails=["aht"])
    >>> res.summary().select("metric", "role").rows()
    [('fcr', 'primary'), ('aht', 'guardrail')]
    >>> res.findings()[0]  # three weeks of a tiny workspace: +2.0 pp, likely -1.9 to +5.9 pp
    'Not enough evidence yet: The likely range of the effect still includes no change: keep the test running, or accept that any effect is smaller than that range.'

    ``cx.experiments.analyze("EXP-AB-ROUTING")`` does the same from the registry alone.
    """
    check_option("correction", correction, Correction)
    alpha = check_alpha(alpha)
    primary = [primary] if isinstance(primary, (str, Metric)) else list(primary)
    df = units.lazy().collect() if isinstance(units, pl.LazyFrame) else units
    if arm not in df.columns:
        raise SchemaError(
            f"arm={arm!r} is not a column of the per-unit table; its columns are "
            f"{', '.join(df.columns)}."
        )
    counts = dict(df.group_by(arm).len().iter_rows())
    if control not in counts:
        raise OptionError(f"control arm {control!r} not found; arms are {sorted(counts)}.")
    treatments = sorted(a for a in counts if a != control)
    if not treatments:
        raise NotEnoughDataError("only one arm in the data: nothing to compare.")
    measures = {}
    for parameter, names in (("primary", primary), ("guardrails", list(guardrails))):
        for m in names:
            found = unit_measure(df.columns, m, parameter=parameter)
            measures.setdefault(found.name, found)
    primary = [m.name if isinstance(m, Metric) else m for m in primary]
    guards = [g.name if isinstance(g, Metric) else g for g in guardrails]
    srm = srm_check(counts, expected=expected_split)
    rows, skipped = [], []
    for role, names in (
        ("primary", primary),
        ("guardrail", [g for g in guards if g not in primary]),
    ):
        for name in names:
            mom = arm_moments(df, measures[name], arm=arm)
            for t in treatments:
                try:
                    r = compare(mom[control], mom[t], cuped=cuped, alpha=alpha)
                except NotEnoughDataError:
                    if role == "primary":
                        raise
                    skipped.append(name)
                    continue
                hib = measures[name].higher_is_better
                harmful = bool(
                    role == "guardrail"
                    and hib is not None
                    and ((r["ci_high"] < 0) if hib else (r["ci_low"] > 0))
                )
                rows.append(
                    dict(term=f"{name}:{t}", metric=name, arm=t, role=role, harmful=harmful, **r)
                )
    est = pl.DataFrame(rows)
    is_primary = (est["role"] == "primary").to_numpy()
    p_adj = np.full(est.height, np.nan)
    p_adj[is_primary] = adjust(est["p_value"].to_numpy()[is_primary], correction=correction)
    p_adj[~is_primary] = est["p_value"].to_numpy()[~is_primary]
    est = est.with_columns(p_adj=pl.Series(p_adj))
    kept = tuple(measures.values())
    verdict, reasons = _decide(est, srm, alpha, kept)
    return ABTestResult(
        experiment,
        unit,
        srm,
        est,
        correction,
        alpha,
        cuped,
        verdict,
        reasons,
        tuple(skipped),
        kept,
    )


def _decide(
    est: pl.DataFrame, srm: SRMResult, alpha: float, measures: tuple[Metric, ...]
) -> tuple[Verdict, tuple[Phrase, ...]]:
    if not srm.passed:
        return "not enough evidence yet", (
            Phrase(
                N_(
                    "The groups are not the sizes the random split promised, so no effect can be "
                    "trusted yet."
                )
            ),
        )
    harmed = est.filter(pl.col("harmful"))
    if harmed.height:
        names = tuple(sorted(set(harmed["metric"])))
        return "do not ship", (
            Phrase(
                N_("A measure that must not get worse got worse beyond chance: {metrics}."),
                (("metrics", names),),
                measures,
            ),
        )
    direction = {m.name: m.higher_is_better for m in measures}
    wins, losses, changed = [], [], []
    for row in est.filter(pl.col("role") == "primary").iter_rows(named=True):
        hib = direction.get(row["metric"])
        if row["p_adj"] < alpha:
            item = f"{row['metric']}|{row['arm']}"
            if hib is None:
                changed.append(item)
            else:
                good = (row["estimate"] > 0) == hib
                (wins if good else losses).append(item)
    if losses:
        return "do not ship", (
            Phrase(
                N_("The primary measure got worse beyond chance: {metrics}."),
                (("metrics", tuple(losses)),),
                measures,
            ),
        )
    if wins:
        return "ship", (
            Phrase(
                N_(
                    "{metrics} improved beyond chance, and none of the protected measures got "
                    "worse."
                ),
                (("metrics", tuple(wins)),),
                measures,
            ),
        )
    if changed:
        return "no direction", (undeclared(tuple(changed), measures),)
    return "not enough evidence yet", (
        Phrase(
            N_(
                "The likely range of the effect still includes no change: keep the test running, "
                "or accept that any effect is smaller than that range."
            )
        ),
    )


def undeclared(items: tuple[str, ...], measures: tuple[Metric, ...] = ()) -> Phrase:
    """Why a change beyond chance draws no verdict: nobody declared which direction is better."""
    return Phrase(
        N_(
            "{metrics} changed beyond chance, but which direction is better was not declared, so "
            "no verdict is drawn from it."
        ),
        (("metrics", items),),
        measures,
    )
