"""Logistic regression of churn within a horizon: odds ratios per unit and per meaningful change."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from cxlab._options import check_alpha
from cxlab._present import _, fmt_list, fmt_p, fmt_value
from cxlab._result import Result
from cxlab.churn._cox import forest, ratio_findings, ratio_table
from cxlab.churn._design import (
    binary_outcome,
    design,
    meaningful_change,
    ratio_columns,
)
from cxlab.churn._missing import TooLittleData
from cxlab.churn._words import ReaderTable, term_label

INTERCEPT = "intercept"


@dataclass(frozen=True)
class LogitResult(ReaderTable, Result):
    """A fitted logistic regression: odds ratios with intervals, and predictions."""

    table: pl.DataFrame
    n: int
    events: int
    deviance: float
    null_deviance: float
    lr_p_value: float
    terms: tuple[str, ...]
    dropped: tuple[str, ...] = ()
    alpha: float = 0.05
    params: Any = field(default=None, repr=False, compare=False)
    covariance: Any = field(default=None, repr=False, compare=False)

    @property
    def title(self) -> str:
        return _("The at-risk model: odds ratios (logistic regression)")

    def summary(self) -> pl.DataFrame:
        """term, estimate (log odds ratio), std_error, ci_low, ci_high, p_value, odds_ratio with
        its interval, change, and the odds ratio per that change with its interval."""
        return self.table

    def matrix(self, frame: pl.DataFrame) -> np.ndarray:
        """The design matrix of ``frame`` for this model's terms (intercept first)."""
        cols = [np.ones(frame.height)]
        for term in self.terms[1:]:
            if "=" in term and term not in frame.columns:
                name, level = term.split("=", 1)
                cols.append((frame[name].cast(pl.Utf8) == level).cast(pl.Float64).to_numpy())
            else:
                cols.append(frame[term].cast(pl.Float64).to_numpy())
        return np.column_stack(cols)

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        """Predicted probabilities for the rows of ``frame``."""
        return 1 / (1 + np.exp(-(self.matrix(frame) @ np.asarray(self.params))))

    def findings(self) -> list[str]:
        out = [
            _(
                "{events} churners among {n} customers ({rate}); the covariates improve on the "
                "base rate (likelihood-ratio {p})."
            ).format(
                events=fmt_value(self.events, "count"),
                n=fmt_value(self.n, "count"),
                rate=fmt_value(self.events / self.n, "share"),
                p=fmt_p(self.lr_p_value),
            )
        ]
        sig = self.table.filter(
            (pl.col("term") != INTERCEPT) & (pl.col("p_value") < self.alpha)
        ).sort(pl.col("estimate").abs() * pl.col("change"), descending=True)
        out += ratio_findings(
            sig, prefix="odds_ratio", alpha=self.alpha, outcome=_("odds of churning")
        )
        if self.dropped:
            out.append(
                _("Not estimable here (no variation or no churn): {terms}.").format(
                    terms=fmt_list([term_label(t) for t in self.dropped])
                )
            )
        return out

    def reader_table(self) -> tuple[pl.DataFrame, dict[str, str]]:
        return ratio_table(self.table.filter(pl.col("term") != INTERCEPT), "odds_ratio")

    def plot(self):
        return forest(
            self.table.filter(pl.col("term") != INTERCEPT),
            prefix="odds_ratio",
            title=self.title,
            x_title=_("Odds ratio (per change shown in the table)"),
        )


def _fit_logit(model, *, events: int, n: int, terms: int):
    """Fit by maximum likelihood; a fit that does not converge (perfect separation, a singular
    information matrix) raises :class:`TooLittleData` instead of a statsmodels error."""
    import warnings

    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationError

    problem = None
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            fit = model.fit(disp=0, maxiter=200)
        except (
            ConvergenceWarning,
            PerfectSeparationError,
            np.linalg.LinAlgError,
            ValueError,
        ) as err:
            problem = err
        else:
            bad = not np.all(np.isfinite(fit.bse)) or not np.all(np.isfinite(fit.params))
            if bad:
                problem = ValueError("non-finite estimates or standard errors")
    if problem is not None:
        raise TooLittleData(
            f"the logistic model did not converge ({events} events among {n} rows, {terms} "
            f"terms): {problem}",
            events=events,
            n=n,
            terms=terms,
            converged=False,
        )
    return fit


def logistic(
    frame: pl.DataFrame,
    *,
    outcome: str,
    covariates: Sequence[str],
    reference: Mapping[str, str] | None = None,
    per: Mapping[str, float] | None = None,
    event_value: object = None,
    alpha: float = 0.05,
) -> LogitResult:
    """Fit a logistic regression of a yes/no ``outcome`` by maximum likelihood.

    Parameters
    ----------
    frame
        One row per customer (for example :func:`cxlab.churn.landmark_frame` with
        ``churned_within`` as the outcome).
    outcome
        The yes/no column: booleans, 0/1, or two text values read as yes and no (yes/no, y/n,
        true/false, "1"/"0", 是/否, churned/active; any case, spaces stripped).
    event_value
        The value of ``outcome`` that is the event, for two values that do not read as yes/no
        (``event_value="left"`` when the column holds "left" and "stayed"; ``event_value=2`` for a 1/2
        code); the other value is its absence. The odds ratios are those of the 0/1 column.
    covariates
        Columns of the model; text columns become ``column=level`` terms against a reference.
    per
        Meaningful changes to also report odds ratios per (default 1 for 0/1 terms, the
        interquartile range or standard deviation for counts and amounts).

    Examples
    --------
    The transmission of the 32 cars of R's ``mtcars`` against their weight (R:
    ``glm(am ~ wt, family = binomial, data = mtcars)`` gives -4.024 for ``wt``):

    >>> import cxlab as cx, polars as pl
    >>> cars = pl.DataFrame({
    ...     "am": [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ...            0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1],
    ...     "wt": [2.62, 2.875, 2.32, 3.215, 3.44, 3.46, 3.57, 3.19, 3.15, 3.44, 3.44, 4.07,
    ...            3.73, 3.78, 5.25, 5.424, 5.345, 2.2, 1.615, 1.835, 2.465, 3.52, 3.435, 3.84,
    ...            3.845, 1.935, 2.14, 1.513, 3.17, 2.77, 3.57, 2.78]})
    >>> r = cx.churn.logistic(cars, outcome="am", covariates=["wt"])
    >>> r.n, round(r.summary().filter(term="wt")["estimate"].item(), 3)
    (32, -4.024)

    References
    ----------
    Hosmer, Lemeshow & Sturdivant (2013), Applied Logistic Regression, 3rd ed., ch. 3 (odds
    ratios per meaningful change); Wald intervals on the log-odds scale.
    """
    check_alpha(alpha)
    from scipy.stats import chi2
    from statsmodels.discrete.discrete_model import Logit

    if isinstance(frame, pl.LazyFrame):
        frame = frame.collect()
    y = binary_outcome(frame, outcome, param="outcome", event_value=event_value)
    terms, names, dropped = design(frame, covariates, reference=reference)
    events = int(y.sum())
    if min(events, len(y) - events) < max(10, 2 * len(names)):
        raise TooLittleData(
            f"outcome={outcome!r}: {events} events among {len(y)} rows for {len(names)} terms: "
            "too few to fit honestly.",
            events=events,
            n=len(y),
            terms=len(names),
        )
    x = np.column_stack([np.ones(len(y)), terms.to_numpy().astype(float)])
    fit = _fit_logit(Logit(y, x), events=events, n=len(y), terms=len(names))
    ci = fit.conf_int(alpha)
    table = pl.DataFrame(
        {
            "term": [INTERCEPT, *names],
            "estimate": np.asarray(fit.params, float),
            "std_error": np.asarray(fit.bse, float),
            "ci_low": np.asarray(ci[:, 0], float),
            "ci_high": np.asarray(ci[:, 1], float),
            "p_value": np.asarray(fit.pvalues, float),
        }
    )
    change = {INTERCEPT: 1.0, **meaningful_change(terms, per)}
    table = ratio_columns(table, change, "odds_ratio")
    # the intercept-only model's maximum, in closed form (statsmodels' llnull finds it by a
    # Nelder-Mead then BFGS search, 0.2-0.8 s, to relative 1e-10)
    rate = events / len(y)
    llnull = events * math.log(rate) + (len(y) - events) * math.log1p(-rate)
    return LogitResult(
        table=table,
        n=len(y),
        events=events,
        deviance=float(-2 * fit.llf),
        null_deviance=-2 * llnull,
        lr_p_value=float(chi2.sf(2 * (fit.llf - llnull), fit.df_model)),
        terms=(INTERCEPT, *names),
        dropped=tuple(dropped),
        alpha=alpha,
        params=np.asarray(fit.params, float),
        covariance=np.asarray(fit.cov_params(), float),
    )
