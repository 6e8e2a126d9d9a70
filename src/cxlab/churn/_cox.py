"""Cox proportional hazards: one entry point for plain, left-truncated (counting-process) and
stratified fits, a time-split remedy for non-proportional effects, and the Schoenfeld check."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError, SchemaError
from cxlab._options import check_alpha, check_option
from cxlab._present import (
    N_,
    _,
    fmt_intervals,
    fmt_list,
    fmt_p,
    fmt_value,
    gettext,
    label,
    ngettext,
)
from cxlab._result import Result
from cxlab.churn._coxfit import concordance, cox_fitter
from cxlab.churn._design import (
    binary_outcome,
    design,
    meaningful_change,
    ratio_columns,
    require_columns,
)
from cxlab.churn._missing import (
    COX,
    PH_CHECK,
    IfTooLittle,
    NotEstimated,
    TooLittleData,
    check_if_too_little,
    not_estimated,
    passed_on,
)
from cxlab.churn._plots import figure
from cxlab.churn._words import (
    ReaderTable,
    experience_noun,
    term_label,
)

Ties = Literal["efron"]
Transform = Literal["rank", "km", "identity", "log"]


LOG_TICKS = (0.1, 0.2, 0.25, 0.33, 0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0, 10.0)

FORMS = {
    "counting process": N_("monthly, counting process"),
    "one row per customer": N_("one row per customer"),
}


def _form_words(form: str) -> str:
    head, _sep, strata = form.partition(", stratified by ")
    if head.startswith("time split at "):
        words = _("time split at day {days}").format(days=head.removeprefix("time split at "))
    else:
        words = gettext(FORMS.get(head, head))
    if strata:
        words = _("{form}, stratified by {columns}").format(
            form=words, columns=fmt_list([label(c) for c in strata.split(", ")])
        )
    return words


def ratio_findings(
    table: pl.DataFrame, *, prefix: str, alpha: float, outcome: str, limit: int = 4
) -> list[str]:
    """One sentence per clear term (p below ``alpha``), largest effects first."""
    pct = round(100 * (1 - alpha))
    out = []
    for r in table.head(limit).iter_rows(named=True):
        values = {
            "term": term_label(r["term"]),
            "ratio": fmt_value(r[f"{prefix}_per_change"], "ratio"),
            "low": fmt_value(r[f"{prefix}_per_change_low"], "ratio"),
            "high": fmt_value(r[f"{prefix}_per_change_high"], "ratio"),
            "pct": pct,
            "change": fmt_value(r["change"], "ratio", decimals=0 if r["change"] % 1 == 0 else 2),
            "outcome": outcome,
        }
        if r["change"] == 1:
            text = _("{term}, {outcome} ×{ratio} ({pct}% interval {low} to {high}).")
        else:
            text = _("{term}, per {change}: {outcome} ×{ratio} ({pct}% interval {low} to {high}).")
        out.append(text.format(**values))
    return out


def ratio_table(table: pl.DataFrame, prefix: str) -> tuple[pl.DataFrame, dict[str, str]]:
    """A model's estimates as a reader's table: the term in words, the ratio per change with
    its interval, and the p-value."""
    frame = pl.DataFrame(
        {
            "term": [term_label(t) for t in table["term"]],
            "per": table["change"],
            prefix: table[f"{prefix}_per_change"],
            "likely_range": fmt_intervals(
                table[f"{prefix}_per_change_low"],
                table[f"{prefix}_per_change_high"],
                "ratio",
                change=False,
            ),
            "p_value": table["p_value"],
        }
    )
    if (table["change"] == 1).all():
        frame = frame.drop("per")  # every ratio is per one unit: the column says nothing
    return frame, {"per": "ratio", prefix: "ratio"}


def forest(table: pl.DataFrame, *, prefix: str, title: str, x_title: str):
    """Ratios per meaningful change with their intervals on a log axis, terms in words."""
    import plotly.graph_objects as go

    from cxlab.viz import COLORS

    t = table.sort(f"{prefix}_per_change")
    fig = figure(
        go.Scatter(
            x=t[f"{prefix}_per_change"].to_list(),
            y=[term_label(x) for x in t["term"]],
            mode="markers",
            marker={"color": COLORS["primary"], "size": 9},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (t[f"{prefix}_per_change_high"] - t[f"{prefix}_per_change"]).to_list(),
                "arrayminus": (t[f"{prefix}_per_change"] - t[f"{prefix}_per_change_low"]).to_list(),
                "color": COLORS["primary"],
            },
        )
    )
    fig.add_vline(x=1.0, line_dash="dot", line_color=COLORS["muted"])
    lo = float(t[f"{prefix}_per_change_low"].min())
    hi = float(t[f"{prefix}_per_change_high"].max())
    ticks = [v for v in LOG_TICKS if lo / 1.15 <= v <= hi * 1.15] or [1.0]
    fig.update_layout(
        title=title,
        xaxis={
            "type": "log",
            "title": x_title,
            "tickvals": ticks,
            "ticktext": [fmt_value(v, "ratio", decimals=2 if v < 1 else 1) for v in ticks],
        },
        yaxis={"title": "", "automargin": True},
        showlegend=False,
        height=max(320, 60 + 34 * t.height),
    )
    return fig


@dataclass(frozen=True)
class CoxResult(ReaderTable, Result):
    """A fitted Cox model: hazard ratios with intervals and the likelihood-ratio test."""

    table: pl.DataFrame
    n: int
    events: int
    log_likelihood: float
    lr_statistic: float
    lr_df: int
    lr_p_value: float
    concordance: float
    form: str
    ties: str
    strata: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    alpha: float = 0.05
    covariance: Any = field(default=None, repr=False, compare=False)
    _model: Any = field(default=None, repr=False, compare=False)
    _data: Any = field(default=None, repr=False, compare=False)

    @property
    def title(self) -> str:
        return _("Cox proportional-hazards model ({form})").format(form=_form_words(self.form))

    def summary(self) -> pl.DataFrame:
        """term, estimate (log hazard ratio), std_error, ci_low, ci_high, p_value, hazard_ratio,
        hazard_ratio_ci_low/high, change, and the hazard ratio per that change with its interval."""
        return self.table

    def wald_test(self, values: Mapping[str, float]) -> tuple[float, int, float]:
        """Joint Wald test that the named terms equal ``values``: (chi-square, df, p-value)."""
        from scipy.stats import chi2

        terms = self.table["term"].to_list()
        idx = [terms.index(t) for t in values]
        diff = self.table["estimate"].to_numpy()[idx] - np.array(list(values.values()), float)
        v = np.asarray(self.covariance)[np.ix_(idx, idx)]
        stat = float(diff @ np.linalg.solve(v, diff))
        return stat, len(idx), float(chi2.sf(stat, len(idx)))

    def findings(self) -> list[str]:
        out = [
            _(
                "{events} churn events among {n} rows; the model as a whole: likelihood-ratio "
                "chi-square {statistic} on {df} df ({p}); concordance {concordance}."
            ).format(
                events=fmt_value(self.events, "count"),
                n=fmt_value(self.n, "count"),
                statistic=fmt_value(self.lr_statistic, "ratio", decimals=1),
                df=self.lr_df,
                p=fmt_p(self.lr_p_value),
                concordance=fmt_value(self.concordance, "ratio"),
            )
        ]
        sig = self.table.filter(
            (pl.col("p_value") < self.alpha) & ~pl.col("term").str.contains(" after ")
        ).sort(pl.col("estimate").abs(), descending=True)
        out += ratio_findings(
            sig, prefix="hazard_ratio", alpha=self.alpha, outcome=_("churn hazard")
        )
        pct = round(100 * (1 - self.alpha))
        for r in self.net_after().iter_rows(named=True):
            out.append(
                _(
                    "{term}, from day {day} of follow-up: churn hazard ×{ratio} in all "
                    "({pct}% interval {low} to {high}), that is ×{before} before that day "
                    "times ×{factor} from it."
                ).format(
                    term=term_label(r["base"]),
                    day=r["day"],
                    ratio=fmt_value(r["hazard_ratio"], "ratio"),
                    pct=pct,
                    low=fmt_value(r["hazard_ratio_low"], "ratio"),
                    high=fmt_value(r["hazard_ratio_high"], "ratio"),
                    before=fmt_value(r["before"], "ratio"),
                    factor=fmt_value(r["factor"], "ratio"),
                )
            )
        plain = [t for t in self.dropped if " after " not in t]
        if plain:
            out.append(
                _("Not estimable here (no variation or no churn): {terms}.").format(
                    terms=fmt_list([term_label(t) for t in plain])
                )
            )
        late: dict[str, list[str]] = {}
        for t in self.dropped:
            base, sep, day = t.rpartition(" after ")
            if sep:
                late.setdefault(day, []).append(base)
        for day, bases in late.items():
            out.append(
                _(
                    "How the effect changes from day {day} of follow-up cannot be estimated "
                    "here (no variation or no churn after that day) for {terms}."
                ).format(day=day, terms=fmt_list([term_label(b) for b in bases]))
            )
        return out

    def net_after(self) -> pl.DataFrame:
        """For each ``<term> after <day>`` of a time-split model, the hazard ratio in all from
        that day on: the ratio before it times the extra factor, with the interval from the
        covariance of the two estimates (base, day, before, factor, hazard_ratio with its
        low/high)."""
        from scipy.stats import norm

        terms = self.table["term"].to_list()
        est = self.table["estimate"].to_numpy()
        rows = []
        for k, name in enumerate(terms):
            base, sep, day = name.rpartition(" after ")
            if not sep or base not in terms or self.covariance is None:
                continue
            j = terms.index(base)
            v = np.asarray(self.covariance)
            b = est[j] + est[k]
            se = math.sqrt(max(v[j, j] + v[k, k] + 2 * v[j, k], 0.0))
            z = norm.ppf(1 - self.alpha / 2)
            rows.append(
                {
                    "base": base,
                    "day": day,
                    "before": math.exp(est[j]),
                    "factor": math.exp(est[k]),
                    "hazard_ratio": math.exp(b),
                    "hazard_ratio_low": math.exp(b - z * se),
                    "hazard_ratio_high": math.exp(b + z * se),
                }
            )
        schema = {"base": pl.Utf8, "day": pl.Utf8}
        schema |= dict.fromkeys(
            ["before", "factor", "hazard_ratio", "hazard_ratio_low", "hazard_ratio_high"],
            pl.Float64,
        )
        return pl.DataFrame(rows, schema=schema)

    def reader_table(self) -> tuple[pl.DataFrame, dict[str, str]]:
        return ratio_table(self.table, "hazard_ratio")

    def plot(self):
        """Hazard ratios per meaningful change with their intervals on a log axis."""
        return forest(
            self.table,
            prefix="hazard_ratio",
            title=self.title,
            x_title=_("Hazard ratio (per change shown in the table)"),
        )


def _split(
    data, duration: str, event: str, entry: str, cuts: Sequence[float], terms: Sequence[str]
):
    """Split each row's interval at ``cuts`` and add ``term after <cut>`` interaction columns."""
    import pandas as pd

    edges = [-math.inf, *sorted(cuts), math.inf]
    parts = []
    for k, (a, b) in enumerate(itertools.pairwise(edges)):
        inside = data[(data[entry] < b) & (data[duration] > a)].copy()
        inside[event] = np.where(inside[duration] <= b, inside[event], 0)
        inside[entry] = np.maximum(inside[entry], a)
        inside[duration] = np.minimum(inside[duration], b)
        inside["_period"] = k
        parts.append(inside)
    out = pd.concat(parts, ignore_index=True)
    names = []
    for k, cut in enumerate(sorted(cuts), start=1):
        for term in terms:
            name = f"{term} after {cut:g}"
            out[name] = out[term] * (out["_period"] >= k)
            names.append(name)
    return out.drop(columns="_period"), names


def cox(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    duration: str,
    event: str,
    covariates: Sequence[str],
    event_value: object = None,
    entry: str | None = None,
    strata: Sequence[str] = (),
    reference: Mapping[str, str] | None = None,
    per: Mapping[str, float] | None = None,
    split_at: Sequence[float] = (),
    time_varying: Sequence[str] = (),
    ties: Ties = "efron",
    alpha: float = 0.05,
    if_too_little: IfTooLittle = "raise",
) -> CoxResult | NotEstimated:
    """Fit a Cox proportional-hazards model by partial likelihood (Efron's method for ties).

    Parameters
    ----------
    frame
        One row per subject, or per (entry, duration] interval of a subject for covariates that
        change over time (counting-process form; see :func:`cxlab.churn.customer_months`).
    duration, event
        The end of follow-up of each row and the event column: booleans, 0/1 or yes/no text
        (read as :func:`cxlab.churn.logistic` reads its outcome).
    covariates
        Columns of the model; text columns become one term per level (``column=level``) against
        a reference level (``reference``, else the most frequent).
    event_value
        The value of ``event`` that is the event, for two values that do not read as yes/no.
    entry
        Start of each row's interval (left truncation / counting-process form); ``None`` means 0.
    strata
        Columns to stratify on: each stratum gets its own baseline hazard. The remedy when a
        categorical covariate breaks proportional hazards.
    per
        Meaningful changes to also report hazard ratios per (default: 1 for 0/1 terms, the
        interquartile range or standard deviation for counts).
    split_at, time_varying
        The remedy for a covariate whose effect changes over follow-up: split time at
        ``split_at`` and estimate an extra term ``<term> after <cut>`` for each term in
        ``time_varying`` (a step-function time-varying effect).
    ties
        ``"efron"`` (the only method offered; R's ``coxph`` default).
    alpha
        1 - confidence level of the intervals.
    if_too_little
        ``"raise"`` (a :class:`~cxlab.NotEnoughDataError` when too few customers left for the
        terms, or the fit does not converge) or ``"say"``: return a
        :class:`~cxlab.churn.NotEstimated` whose findings say so in words (a report keeps
        running).

    Returns
    -------
    CoxResult
        Or :class:`~cxlab.churn.NotEstimated` with ``if_too_little="say"``.

    Examples
    --------
    >>> import cxlab as cx
    >>> r = cx.churn.cox(cx.data.rossi(), duration="week", event="arrest",
    ...                  covariates=["fin", "age", "race", "wexp", "mar", "paro", "prio"])
    >>> round(r.summary().filter(term="fin")["estimate"].item(), 4)
    -0.3794

    References
    ----------
    Cox (1972), Regression models and life-tables, JRSS B 34(2); Efron (1977), The efficiency of
    Cox's likelihood function for censored data, JASA 72; Andersen & Gill (1982); Therneau &
    Grambsch (2000), Modeling Survival Data, ch. 6 (strata, time-dependent coefficients).
    """
    given = {k: v for k, v in locals().items() if k not in ("frame", "if_too_little")}
    check_alpha(alpha)
    if check_if_too_little(if_too_little) == "say":
        try:
            return cox(frame, **given)
        except NotEnoughDataError as err:
            return not_estimated(COX, err)
    from lifelines import CoxPHFitter
    from lifelines.exceptions import ConvergenceError

    check_option("ties", ties, Ties)
    df = frame.lazy().collect() if isinstance(frame, pl.LazyFrame) else frame
    strata = (strata,) if isinstance(strata, str) else tuple(strata)
    require_columns(df, duration=duration, entry=entry, strata=strata)
    ev = binary_outcome(df, event, param="event", event_value=event_value)
    for param, column in (("duration", duration), ("entry", entry)):
        if column is not None and not df[column].dtype.is_numeric():
            raise SchemaError(
                f"{param}={column!r} holds {df[column].dtype} values; it must be a number of "
                "days (or another time unit) since the origin."
            )
    terms, names, dropped = design(df, covariates, reference=reference)
    keep = [duration, *([entry] if entry else []), *strata]
    data = pl.concat(
        [df.select(keep), pl.DataFrame({event: ev.astype(int)}), terms], how="horizontal"
    ).to_pandas()
    events = int(data[event].sum())
    if events < max(10, len(names)):
        raise TooLittleData(
            f"event={event!r}: {events} events for {len(names)} terms: too few to fit a Cox "
            "model honestly.",
            events=events,
            n=df.height,
            terms=len(names),
        )
    extra: list[str] = []
    if split_at:
        unknown = [t for t in time_varying if t not in names]
        if unknown or not time_varying:
            raise OptionError(
                f"time_varying={list(time_varying)!r}: with split_at, name the model terms whose "
                f"effect may change; the terms are {names}."
            )
        follow_up = float(data[duration].max())
        if min(split_at) >= follow_up:
            raise TooLittleData(
                f"split_at={list(split_at)!r}: follow-up ends after {follow_up:g} days, before "
                "the first split day, so no effect after it can be estimated; split inside the "
                "follow-up or wait for a longer history.",
                events=events,
                n=df.height,
                terms=len(names),
                follow_up=follow_up,
                split_day=float(min(split_at)),
            )
        if entry is None:
            data["_entry"] = 0.0
            entry = "_entry"
        data, extra = _split(data, duration, event, entry, split_at, time_varying)
        # a cut beyond the follow-up (or with no churn after it among those with the term)
        # leaves its "after" term without information: it is dropped and listed, not fitted
        empty = [
            name
            for name in extra
            if data[name].nunique() < 2 or data.loc[data[name] != 0, event].sum() == 0
        ]
        data = data.drop(columns=empty)
        extra = [name for name in extra if name not in empty]
        dropped = [*dropped, *empty]
    # counting-process rows repeat: lifelines' Newton steps on the distinct rows, same fit
    fitter = cox_fitter(alpha) if entry and not strata else CoxPHFitter(alpha=alpha)
    try:
        fitter.fit(
            data,
            duration_col=duration,
            event_col=event,
            entry_col=entry,
            strata=list(strata) or None,
        )
    except (ConvergenceError, np.linalg.LinAlgError) as err:
        raise TooLittleData(
            f"the Cox model did not converge ({events} events, {len(names)} terms): "
            f"{str(err).splitlines()[0]}",
            events=events,
            n=df.height,
            terms=len(names),
            converged=False,
        ) from None
    s = fitter.summary
    z = s["coef"] / s["se(coef)"]
    from scipy.stats import norm

    table = pl.DataFrame(
        {
            "term": [str(i) for i in s.index],
            "estimate": s["coef"].to_numpy(float),
            "std_error": s["se(coef)"].to_numpy(float),
            "ci_low": s[f"coef lower {100 * (1 - alpha):g}%"].to_numpy(float),
            "ci_high": s[f"coef upper {100 * (1 - alpha):g}%"].to_numpy(float),
            "p_value": 2 * norm.sf(np.abs(z.to_numpy(float))),
        }
    )
    change = meaningful_change(terms, per)
    change.update({name: 1.0 for name in extra})
    table = ratio_columns(table, change, "hazard_ratio")
    lr = fitter.log_likelihood_ratio_test()
    form = "counting process" if entry and not split_at else "one row per customer"
    if split_at:
        form = f"time split at {', '.join(f'{c:g}' for c in split_at)}"
    return CoxResult(
        table=table,
        n=len(data),
        events=events,
        log_likelihood=float(fitter.log_likelihood_),
        lr_statistic=float(lr.test_statistic),
        lr_df=int(lr.degrees_freedom),
        lr_p_value=float(lr.p_value),
        concordance=concordance(fitter),
        form=form + (f", stratified by {', '.join(strata)}" if strata else ""),
        ties=ties,
        strata=strata,
        dropped=tuple(dropped),
        alpha=alpha,
        covariance=fitter.variance_matrix_.to_numpy(float),
        _model=fitter,
        _data=data,
    )


@dataclass(frozen=True)
class PHCheck(ReaderTable, Result):
    """The proportional-hazards check: a Schoenfeld-residual test per term, with what to do."""

    table: pl.DataFrame
    passed: bool
    transform: str
    alpha: float

    @property
    def title(self) -> str:
        return _("Proportional-hazards check (scaled Schoenfeld residuals)")

    def summary(self) -> pl.DataFrame:
        """term, statistic (chi-square, 1 df), p_value, p_holm (Holm-adjusted), passed."""
        return self.table

    def findings(self) -> list[str]:
        bad = self.table.filter(~pl.col("passed"))["term"].to_list()
        alpha = fmt_value(self.alpha, "ratio")
        if not bad:
            return [
                _(
                    "No term shows a hazard ratio that changes over follow-up (Holm-adjusted "
                    "p ≥ {alpha} for every term): the proportional-hazards assumption holds as "
                    "far as this test can tell."
                ).format(alpha=alpha)
            ]
        nouns = [experience_noun(t) for t in bad]
        terms = (
            _("{items} and of {last}").format(items=_(", ").join(nouns[:-1]), last=nouns[-1])
            if len(nouns) > 1
            else nouns[0]
        )
        return [
            ngettext(
                "The effect of {terms} changes over follow-up (Holm-adjusted p < {alpha}); its "
                "single hazard ratio is only an average over time.",
                "The effects of {terms} change over follow-up (Holm-adjusted p < {alpha}); each "
                "single hazard ratio is only an average over time.",
                len(bad),
            ).format(terms=terms, alpha=alpha),
            _(
                "Remedy: fit separate strata on a categorical term (each group gets its own "
                "baseline), or let the effect change over time (one effect before a chosen day "
                "of follow-up and one after); for experience that goes stale, use the monthly "
                "model, whose experience is refreshed every month."
            ),
        ]

    def meaning(self) -> str:
        """What the check means for a reader, without its statistics."""
        if self.passed:
            return _("The effects hold steady over the follow-up, as the model assumes.")
        return _(
            "Some effects fade as the follow-up runs on: experience measured once goes stale. "
            "The monthly model, which refreshes the experience every month, is the one the "
            "report quotes."
        )

    def reader_table(self) -> tuple[pl.DataFrame, dict[str, str]]:
        t = self.table
        frame = t.with_columns(
            pl.col("term").replace_strict(
                {x: term_label(x) for x in t["term"].to_list()}, return_dtype=pl.Utf8
            )
        ).rename({"p_holm": "p_adj"})
        return frame, {"statistic": "ratio"}

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.viz import COLORS

        t = self.table.sort("p_value", descending=True)
        fig = figure(
            go.Bar(
                y=[term_label(x) for x in t["term"]],
                x=(-np.log10(t["p_holm"].to_numpy())).tolist(),
                orientation="h",
                marker_color=[COLORS["primary"] if ok else COLORS["bad"] for ok in t["passed"]],
            )
        )
        fig.add_vline(x=-math.log10(self.alpha), line_dash="dot", line_color=COLORS["muted"])
        fig.update_layout(
            title=self.title,
            xaxis={"title": _("−log10 of the Holm-adjusted p-value (right of the line: fails)")},
            yaxis={"title": "", "automargin": True},
            showlegend=False,
            height=max(320, 80 + 34 * t.height),
        )
        return fig


def ph_check(
    result: CoxResult | NotEstimated, *, transform: Transform = "rank", alpha: float = 0.05
) -> PHCheck | NotEstimated:
    """Test proportional hazards for each term of a fitted Cox model (one row per subject).

    The scaled Schoenfeld residuals of each term are regressed on a transform of time; a slope
    means the hazard ratio changes over follow-up. Each term's test has 1 df; ``passed`` uses
    Holm-adjusted p-values, so the chance of a false alarm over all terms stays at ``alpha``.

    References
    ----------
    Grambsch & Therneau (1994), Proportional hazards tests and diagnostics based on weighted
    residuals, Biometrika 81(3); R ``survival::cox.zph``; Holm (1979), Scand. J. Statistics 6.
    """
    check_alpha(alpha)
    from lifelines.statistics import proportional_hazard_test

    if isinstance(result, NotEstimated):  # a model the data could not support: said once more
        return passed_on(PH_CHECK, result)

    check_option("transform", transform, Transform)
    if result._model is None or result.form != "one row per customer":
        raise OptionError(
            "result: the proportional-hazards check needs a plain fit (one row per subject, no entry "
            "times, no time split); check the landmark model instead."
        )
    test = proportional_hazard_test(result._model, result._data, time_transform=transform)
    s = test.summary
    p = s["p"].to_numpy(float)
    order = np.argsort(p)
    m = len(p)
    adj = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adj[i] = running
    table = (
        pl.DataFrame(
            {
                "term": [str(i) for i in s.index],
                "statistic": s["test_statistic"].to_numpy(float),
                "p_value": p,
                "p_holm": adj,
            }
        )
        .with_columns((pl.col("p_holm") >= alpha).alias("passed"))
        .sort("p_value")
    )
    return PHCheck(
        table=table, passed=bool(table["passed"].all()), transform=transform, alpha=alpha
    )
