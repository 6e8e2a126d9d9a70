"""Properties of the forecasters on arbitrary count series (hypothesis)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxlab.forecast import DailyProfile, SeasonalNaive

DAYS, SLOTS = 21, 6


def _series(values: np.ndarray) -> pl.DataFrame:
    start = dt.datetime(2026, 3, 2, 9)
    ts = [
        start + dt.timedelta(days=d, minutes=30 * s)
        for d in range(values.shape[0])
        for s in range(values.shape[1])
    ]
    return pl.DataFrame({"series_id": "q", "ts": ts, "y": values.reshape(-1).astype(float)})


counts = st.lists(st.integers(0, 60), min_size=DAYS * SLOTS, max_size=DAYS * SLOTS).map(
    lambda v: np.array(v).reshape(DAYS, SLOTS)
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=counts)
@pytest.mark.parametrize("factory", [DailyProfile, SeasonalNaive])
def test_forecasts_are_counts_with_ordered_bands(factory, values):
    f = factory().forecast(_series(values), horizon=7)
    assert f.height == 7 * SLOTS
    assert (f["y_hat"] >= 0).all() and (f["y_lo_95"] >= 0).all()
    assert (f["y_lo_95"] <= f["y_lo_80"]).all() and (f["y_lo_80"] <= f["y_hi_80"]).all()
    assert (f["y_hi_80"] <= f["y_hi_95"]).all()
    assert np.isfinite(f["y_hi_95"].to_numpy()).all()


@settings(max_examples=20, deadline=None)
@given(values=counts, k=st.integers(2, 9))
def test_daily_profile_scales_with_volume(values, k):
    """Twice the contacts, twice the forecast: the level and the profile are linear in the counts."""
    one = (
        DailyProfile(calibration_windows=0).forecast(_series(values), horizon=7)["y_hat"].to_numpy()
    )
    many = (
        DailyProfile(calibration_windows=0)
        .forecast(_series(k * values), horizon=7)["y_hat"]
        .to_numpy()
    )
    np.testing.assert_allclose(many, k * one, rtol=1e-9, atol=1e-9)
