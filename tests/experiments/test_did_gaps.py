"""DiD and staggered DiD on panels with gaps, integer years and calendar months.

Each test fails on the code before the fix it guards: a region missing one period was refused or
silently dropped, event times were counted in seconds (months and clock changes broke them), and
year periods crashed the staggered labels.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

import cxlab as cx
from cxlab._present import use_language
from cxlab.experiments._did import _as_period, _steps


def _weekly(n_units: int = 8, weeks: int = 16, effect: float = 1.0) -> pl.DataFrame:
    rng = np.random.default_rng(3)
    start = dt.datetime(2026, 1, 5)
    rows = []
    for u in range(n_units):
        for w in range(weeks):
            t = start + dt.timedelta(weeks=w)
            y = 2.0 + 0.1 * u + 0.05 * w + effect * (u == 0) * (w >= 8) + rng.normal(0, 0.1)
            rows.append((f"R{u}", t, y))
    return pl.DataFrame(rows, schema=["unit", "period", "y"], orient="row")


START = dt.datetime(2026, 3, 2)  # week 8


def test_did_keeps_a_pilot_region_missing_one_period_and_names_the_gap():
    panel = _weekly()
    full = cx.experiments.did(
        panel,
        treated={"R0": START},
        controls=[f"R{u}" for u in range(1, 8)],
        bin_periods=1,
        max_bins=8,
    )
    holed = panel.filter(
        ~((pl.col("unit") == "R0") & (pl.col("period") == dt.datetime(2026, 2, 2)))
    )
    res = cx.experiments.did(
        holed,
        treated={"R0": START},
        controls=[f"R{u}" for u in range(1, 8)],
        bin_periods=1,
        max_bins=8,
    )
    assert res.estimate["estimate"] == pytest.approx(full.estimate["estimate"], abs=0.05)
    assert res.estimate["estimate"] == pytest.approx(1.0, abs=0.15)
    # every bin the full panel has, but the one the pilot lacks, is still estimated
    assert set(full.event_study["event_time"]) - set(res.event_study["event_time"]) == {-4}
    assert res.gaps == (("R0", (dt.datetime(2026, 2, 2),)),)
    with use_language("en"):
        text = " ".join(res.findings())
    assert "R0: Feb 2, 2026" in text


def test_did_a_comparison_region_missing_a_period_stays_in_the_other_bins():
    panel = _weekly().filter(
        ~((pl.col("unit") == "R3") & (pl.col("period") == dt.datetime(2026, 4, 6)))
    )
    res = cx.experiments.did(
        panel,
        treated={"R0": START},
        controls=[f"R{u}" for u in range(1, 8)],
        bin_periods=1,
        max_bins=8,
    )
    assert res.control_units == tuple(f"R{u}" for u in range(1, 8))
    assert res.event_study.height == 16
    assert res.gaps == (("R3", (dt.datetime(2026, 4, 6),)),)


def test_event_times_count_calendar_months():
    months = pl.datetime_range(dt.datetime(2020, 1, 1), dt.datetime(2022, 12, 1), "1mo", eager=True)
    steps = _steps(pl.DataFrame({"period": months}), dt.datetime(2021, 1, 1))
    assert steps.tolist() == list(range(-12, 24))


def test_event_times_count_local_days_across_a_clock_change():
    days = pl.datetime_range(
        dt.datetime(2026, 1, 1),
        dt.datetime(2026, 12, 31),
        "1d",
        time_zone="Europe/London",
        eager=True,
    )
    panel = pl.DataFrame({"period": days})
    steps = _steps(panel, _as_period(dt.datetime(2026, 3, 1), panel["period"].dtype))
    assert (steps[0], steps[59], steps[-1]) == (-59, 0, 305)
    assert np.all(np.diff(steps) == 1)


def test_monthly_did_has_one_bin_per_month():
    months = pl.datetime_range(dt.datetime(2020, 1, 1), dt.datetime(2021, 12, 1), "1mo", eager=True)
    panel = pl.DataFrame(
        [
            (f"R{u}", t, 1.0 + 0.1 * u + (u == 0) * (t.year == 2021))
            for u in range(6)
            for t in months
        ],
        schema=["unit", "period", "y"],
        orient="row",
    )
    res = cx.experiments.did(
        panel,
        treated={"R0": dt.datetime(2021, 1, 1)},
        controls=[f"R{u}" for u in range(1, 6)],
        bin_periods=1,
        max_bins=12,
    )
    assert res.event_study["event_time"].to_list() == list(range(-12, 12))
    assert res.grain == "months"


def test_staggered_did_on_integer_years_labels_cohorts_by_year():
    """Proposition 99 (cx.data.prop99, years as integers): the staggered estimator runs and speaks
    in years; it crashed formatting the year 1989 as a date."""
    df = cx.data.prop99()
    units = df["unit"].unique().sort().to_list()
    res = cx.experiments.staggered_did(
        df, adoption={"California": 1989}, controls=[u for u in units if u != "California"]
    )
    assert res.cohorts == {"1989": 1}
    assert res.period == "years"
    assert res.overall["estimate"] < -10  # packs per head fell in California after 1989
    with use_language("en"):
        assert res.plot().layout.xaxis.title.text == "Years since adoption (0 is the first year)"
        assert "1 from 1989" in " ".join(res.findings())


def test_staggered_did_names_a_region_it_leaves_out_for_a_missing_period():
    panel = _weekly(n_units=12)
    adoption = {"R0": START, "R1": START + dt.timedelta(weeks=2)}
    controls = [f"R{u}" for u in range(2, 12)]
    holed = panel.filter(
        ~((pl.col("unit") == "R1") & (pl.col("period") == dt.datetime(2026, 2, 2)))
    )
    res = cx.experiments.staggered_did(holed, adoption=adoption, controls=controls)
    assert res.dropped == (("R1", (dt.datetime(2026, 2, 2),)),)
    with use_language("en"):
        text = " ".join(res.findings())
    assert "R1 was left out: it has no data for Feb 2, 2026" in text
    full = cx.experiments.staggered_did(panel, adoption=adoption, controls=controls)
    assert full.dropped == ()
