"""The structural (state-space) form of an interrupted time series.

The outcome is a local level (or a local linear trend) plus a stochastic seasonal plus
covariates plus the change, which enters as a regressor: a step at the start (and a ramp after
it when the slope may change). The variances are estimated by maximum likelihood through the
Kalman filter (statsmodels' ``UnobservedComponents``); the regression coefficients are states
with a diffuse prior, so their estimates and standard errors are the smoothed states and their
variances (the state-space standard error the references report).

Seasonality follows the grain (see :mod:`cxlab.experiments._its_design`): a trigonometric
seasonal of period 12 for months, an annual one with three harmonics for weeks, a day-of-week
seasonal (and an annual one with two harmonics) for days, when two years precede the change.

References
----------
Harvey & Durbin (1986), The effects of seat belt legislation on British road casualties: a case
study in structural time series modelling, J. R. Statist. Soc. A 149(3).
Durbin & Koopman (2012), Time Series Analysis by State Space Methods, 2nd ed., ch. 3 and 8.
Commandeur & Koopman (2007), An Introduction to State Space Time Series Analysis, ch. 7.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from cxlab.experiments._its_design import PER_YEAR


@dataclass(frozen=True)
class StructuralFit:
    """Coefficients of the exogenous columns (covariates, then the change's) with their
    covariance, the smoothed signal (the fitted path) and the variances estimated."""

    coef: np.ndarray
    cov: np.ndarray
    signal: np.ndarray
    variances: dict[str, float]


def seasonal_spec(every: str, parts: tuple[str, ...]) -> dict:
    spec: dict = {}
    if every == "1d":
        spec["seasonal"] = 7
        if "annual" in parts:
            spec["freq_seasonal"] = [{"period": PER_YEAR["1d"], "harmonics": 2}]
    elif "annual" in parts:
        spec["freq_seasonal"] = [{"period": PER_YEAR["1w"], "harmonics": 3}]
    elif "month" in parts:
        spec["freq_seasonal"] = [{"period": 12}]
    return spec


def structural(
    y: np.ndarray,
    exog: np.ndarray,
    *,
    every: str,
    parts: tuple[str, ...],
    slope: bool = False,
) -> StructuralFit:
    """Fit the structural model of ``y`` with ``exog`` (covariates and the change's columns).

    ``y`` is on the full calendar of the grain, NaN on the periods without a value (the Kalman
    filter skips them); ``exog`` is known on every period.

    ``slope``: a local linear trend (a level and a slope that both drift) instead of a local
    level.
    """
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    model = UnobservedComponents(
        y,
        level="lltrend" if slope else "llevel",
        exog=exog,
        mle_regression=False,
        **seasonal_spec(every, parts),
    )
    with warnings.catch_warnings():
        # the optimiser's convergence chatter: the fit is judged by its likelihood, not printed
        warnings.simplefilter("ignore")
        fit = model.fit(disp=False, method="lbfgs", maxiter=500)
    names = list(model.state_names)
    idx = [i for i, n in enumerate(names) if n.startswith("beta.")]
    coef = fit.smoothed_state[idx, -1]
    cov = fit.smoothed_state_cov[np.ix_(idx, idx, [-1])][:, :, 0]
    irregular = fit.smoother_results.smoothed_measurement_disturbance[0]
    variances = {
        str(n): float(v)
        for n, v in zip(model.param_names, fit.params, strict=False)
        if n.startswith("sigma2")
    }
    return StructuralFit(coef, cov, y - irregular, variances)
