"""Addable sufficient statistics and the delta-method comparison, checked against independent code."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlab.experiments import Moments, compare


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(1, 5)), min_size=4, max_size=60),
    st.integers(1, 3),
)
def test_moments_add_exactly_across_shards(rows, cut):
    """Moments of a whole equal the sum of the moments of its shards (STYLE.md #7)."""
    y = np.array([r[0] for r in rows], float)
    d = np.array([r[1] for r in rows], float)
    k = max(1, len(rows) * cut // 4)
    whole = Moments.from_arrays(y, d)
    parts = Moments.from_arrays(y[:k], d[:k]) + Moments.from_arrays(y[k:], d[k:])
    assert parts.n == whole.n
    np.testing.assert_allclose(parts.sums, whole.sums)
    np.testing.assert_allclose(parts.cross, whole.cross)


def test_ratio_variance_equals_cluster_robust_regression():
    """The delta-method variance of a ratio metric equals the CR0 cluster-robust variance of the
    contact-level regression ``y ~ treatment`` clustered by unit, times ``n/(n-1)`` per arm.

    Source: Deng, Knoblich & Lu (2018), section 3.2 (the delta method and the cluster-robust
    sandwich agree for ratio metrics). Tolerance: 1% (the finite-sample factors differ by n/(n-1)
    with n = 600 units).
    """
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    n = 600
    k = 1 + rng.poisson(1.5, n)
    arm = np.repeat(rng.random(n) < 0.5, 1)
    unit = np.repeat(np.arange(n), k)
    treat = np.repeat(arm, k)
    y_contact = (rng.random(k.sum()) < 0.7 + 0.05 * treat).astype(float)
    y = np.bincount(unit, weights=y_contact)
    res = compare(
        Moments.from_arrays(y[~arm], k[~arm].astype(float)),
        Moments.from_arrays(y[arm], k[arm].astype(float)),
        cuped=False,
    )
    fit = sm.OLS(y_contact, sm.add_constant(treat.astype(float))).fit(
        cov_type="cluster", cov_kwds={"groups": unit, "use_correction": False}
    )
    assert res["estimate"] == pytest.approx(fit.params[1], rel=1e-10)
    assert res["std_error"] == pytest.approx(fit.bse[1], rel=0.01)


def test_cuped_equals_ancova_for_unit_level_means():
    """With one observation per unit, CUPED with the pooled within-arm theta is ANCOVA: the estimate
    equals the treatment coefficient of OLS ``y ~ treatment + x`` exactly, and the standard error
    agrees to 1% (Deng et al. 2013, section 3.3; ANCOVA via statsmodels HC0 errors, n = 2,000)."""
    import statsmodels.api as sm

    rng = np.random.default_rng(5)
    n = 2000
    arm = rng.random(n) < 0.5
    x = rng.normal(10, 2, n)
    y = 0.8 * x + 0.3 * arm + rng.normal(0, 1, n)
    one = np.ones(n)
    res = compare(
        Moments.from_arrays(y[~arm], one[~arm], x[~arm], one[~arm]),
        Moments.from_arrays(y[arm], one[arm], x[arm], one[arm]),
        cuped=True,
    )
    fit = sm.OLS(y, np.column_stack([one, arm.astype(float), x])).fit(cov_type="HC0")
    assert res["estimate"] == pytest.approx(fit.params[1], rel=1e-9)
    assert res["std_error"] == pytest.approx(fit.bse[1], rel=0.01)
    # the variance CUPED saves is the share of y's variance the covariate explains (about 0.72 here)
    r2 = np.corrcoef(x, y)[0, 1] ** 2
    assert res["variance_saved"] == pytest.approx(r2, abs=0.03)


def test_compare_refuses_an_empty_arm():
    from cxlab import NotEnoughDataError

    with pytest.raises(NotEnoughDataError):
        compare(Moments.from_arrays([1.0], [1.0]), Moments.from_arrays([1.0, 0.0], [1.0, 1.0]))
