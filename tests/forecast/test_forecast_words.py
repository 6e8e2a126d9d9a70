"""What the forecast says about its own error and ranges follows the figures it reports."""

from __future__ import annotations

import datetime as dt

import polars as pl

import cxlab as cx
from cxlab._present import use_language
from cxlab.forecast._results import ForecastResult


def _result(mean: float) -> ForecastResult:
    frame = pl.DataFrame({"series_id": ["q"] * 4, "level": ["queue"] * 4, "y_hat": [mean] * 4})
    return ForecastResult(frame=frame, history=pl.DataFrame())


def test_chance_is_blamed_only_where_a_slot_holds_few_contacts() -> None:
    """A half-hour of 1,800 calls misses by 1.9% from chance alone; 7% is the model's."""
    assert not _result(1800.0)._chance_dominates(0.07)
    assert _result(12.0)._chance_dominates(0.25)  # chance alone: 23%


def test_each_range_is_judged_on_its_own_coverage() -> None:
    with use_language("en"):
        mixed = ForecastResult._coverage_words(0.75, 0.96)
        assert mixed == [
            "The 80% ranges are too narrow: only 75% of actual counts fell inside them. "
            "The 95% ranges can be trusted: 96% of actual counts fell inside them."
        ]
        assert ForecastResult._coverage_words(0.81, 0.94)[0].startswith("The ranges can be trusted")
        assert ForecastResult._coverage_words(0.70, 0.88)[0].startswith("The ranges are too narrow")
        assert ForecastResult._coverage_words(None, 0.9) == []
    with use_language("zh"):
        assert "80%区间偏窄" in ForecastResult._coverage_words(0.75, 0.96)[0]


def test_the_peak_of_tied_agents_is_the_busier_interval() -> None:
    """Agents are whole numbers: two intervals often need the same count, and the peak shown is
    the one with more contacts, not the first of the week (a quiet Sunday morning)."""
    t0 = dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC)
    fc = pl.DataFrame(
        {
            "series_id": ["q", "q"],
            "ts": [t0, t0 + dt.timedelta(days=1)],
            "y_hat": [100.0, 100.4],
        }
    )
    settings = cx.staffing.QueueSettings(aht_seconds=180, sl_target=0.8, sl_seconds=20)
    plan = cx.staffing.plan(fc, every="30m", settings=settings, time_zone="UTC")
    assert plan.table["agents"].n_unique() == 1  # tied
    assert plan.peaks()["ts"].item() == t0 + dt.timedelta(days=1)
