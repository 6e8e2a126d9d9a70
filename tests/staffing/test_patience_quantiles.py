"""Patience intervals computed without scipy.stats give the numbers scipy.stats.chi2 gave."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy import stats

from cxlab.staffing._patience import _chi2_ppf, patience


def test_chi2_quantile_is_scipy_stats_bit_for_bit():
    """Exact equality with scipy.stats.chi2.ppf over counts 1..5000 and the usual alphas."""
    d = np.arange(1, 5001, dtype=float)
    for alpha in (0.01, 0.05, 0.1, 0.2, 0.5):
        for q, df in ((alpha / 2, 2 * d), (1 - alpha / 2, 2 * d + 2)):
            np.testing.assert_array_equal(_chi2_ppf(q, df), stats.chi2.ppf(q, df))


@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_patience_intervals_are_the_scipy_stats_chi_square_interval(alpha):
    """Exact equality of ci_low and ci_high with the earlier formula, whose chi-square quantiles
    came from scipy.stats.chi2.ppf, applied to the table's own abandons and waiting seconds (the
    waiting seconds are a float sum whose last bits polars' parallel group-by may vary between
    runs, so they are read back rather than summed again)."""
    rng = np.random.default_rng(3)
    n = 4000
    contacts = pl.DataFrame(
        {
            "queue": rng.choice(["a", "b", "c"], n),
            "channel": rng.choice(["phone", "chat"], n),
            "abandoned": rng.random(n) < np.repeat([0.02, 0.1, 0.3, 0.05], n // 4),
            "wait_seconds": rng.exponential(60.0, n),
        }
    )
    got = patience(contacts, by="queue", alpha=alpha).table
    assert got.height == 3
    d = got["abandoned"].to_numpy().astype(float)
    exposure = got["exposure_seconds"].to_numpy()
    rate_lo = stats.chi2.ppf(alpha / 2, 2 * d) / (2 * exposure)
    rate_hi = stats.chi2.ppf(1 - alpha / 2, 2 * d + 2) / (2 * exposure)
    np.testing.assert_array_equal(got["ci_low"].to_numpy(), 1.0 / rate_hi)
    np.testing.assert_array_equal(got["ci_high"].to_numpy(), 1.0 / rate_lo)
    assert (got["ci_low"] < got["estimate"]).all() and (got["estimate"] < got["ci_high"]).all()
