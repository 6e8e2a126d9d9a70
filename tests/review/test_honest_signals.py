"""Rankings that do not rank noise, and unusual days that are unusual (planted data)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from review_planting import plant_agents, plant_days

import cxlab as cx
from cxlab._present import use_language
from cxlab.review._signals import MIN_CONTACTS, _outside_as_shown

DAY = dt.date(2026, 10, 15)


@pytest.fixture(scope="module")
def review(tiny_workspace: Path) -> cx.review.ReviewInputs:
    return cx.review.open_review(workspace=tiny_workspace)


def test_agents_with_no_real_difference_are_said_not_to_differ(review) -> None:
    """Twenty agents with the same true rate (76%) on 15 to 400 contacts: the test finds no
    difference, the words say so, no rate is adjusted, each range is the agent's own Wilson
    interval and widens with fewer contacts, and no Highest/Lowest pair is printed."""
    sizes = [
        15,
        20,
        25,
        30,
        40,
        50,
        60,
        80,
        100,
        120,
        150,
        180,
        200,
        220,
        250,
        280,
        300,
        340,
        370,
        400,
    ]
    agents = {f"A{i:02d}": (n, 0.76) for i, n in enumerate(sizes)}
    result = cx.review.ranking(
        plant_agents(review.contacts, DAY, agents, seed=3), review.period, kpi="fcr_reported"
    )
    assert not result.differ and result.p_value > 0.05
    t = result.summary()
    assert t["shrunk"].null_count() == t.height  # nothing pulled onto the average
    # each range is the agent's own: it holds its observed rate, and is wider on fewer contacts
    assert ((t["ci_low"] <= t["raw"]) & (t["raw"] <= t["ci_high"])).all()
    width = t["ci_high"] - t["ci_low"]
    few, many = width.filter(t["contacts"] <= 30), width.filter(t["contacts"] >= 300)
    assert few.min() > many.max()
    assert np.corrcoef(t["contacts"].to_numpy(), width.to_numpy())[0, 1] < -0.5
    with use_language("en"):
        words = result.findings()
        assert words[0] == ("Agents do not differ in {metric} beyond what chance explains.").format(
            metric=cx.label("fcr_reported").lower()
        )
        assert not any(w.startswith(("Highest", "Lowest")) for w in words)
        assert "Wilson" in result.method() and "chi-square" in result.method()
        assert "shrunk" not in result.readable().columns
        assert result.plot().data[0].name == cx.label("raw")
    with use_language("zh"):
        assert "偶然波动" in result.findings()[0]


def test_agents_with_real_differences_are_still_ranked(review) -> None:
    """Twelve agents whose true rates run from 50% to 95%: the test finds the difference, rates are
    shrunk (small samples most) and the planted best and worst come first and last."""
    rates = np.linspace(0.50, 0.95, 12)
    sizes = [60, 200, 150, 80, 250, 120, 90, 300, 70, 180, 110, 220]
    agents = {f"B{i:02d}": (n, float(r)) for i, (n, r) in enumerate(zip(sizes, rates, strict=True))}
    result = cx.review.ranking(
        plant_agents(review.contacts, DAY, agents, seed=5), review.period, kpi="fcr_reported"
    )
    assert result.differ and result.p_value < 0.001
    t = result.summary()
    assert t["agent_id"][0] == "B11" and t["agent_id"][-1] == "B00"
    a, b = result.prior
    mean = a / (a + b)
    assert 10 < a + b < 1000  # a prior of a plausible strength, not one worth the whole month
    # each shrunk rate lies between the raw rate and the average, inside its interval
    assert (((t["shrunk"] - t["raw"]) * (t["shrunk"] - mean)) <= 1e-9).all()
    assert ((t["ci_low"] <= t["shrunk"]) & (t["shrunk"] <= t["ci_high"])).all()
    pulled = (t["shrunk"] - t["raw"]).abs() / (t["raw"] - mean).abs().clip(1e-9)
    median = t["contacts"].median()
    assert (
        pulled.filter(t["contacts"] < median).mean() > pulled.filter(t["contacts"] >= median).mean()
    )
    with use_language("en"):
        words = result.findings()
        assert "B11" in words[0] and "B00" in words[0]  # clearly above / below, named
        highest = next(w for w in words if w.startswith("Highest"))
        lowest = next(w for w in words if w.startswith("Lowest"))
        assert highest.split()[1] == "B11" and lowest.split()[1] == "B00"
        assert "DerSimonian" in result.method()


def _baseline(per_day: int) -> dict[dt.date, tuple[int, int]]:
    """Every day from 1 August to 31 October, ``per_day`` contacts, none missing the promise."""
    start = dt.date(2026, 8, 1)
    return {start + dt.timedelta(days=i): (per_day, 0) for i in range(92)}


def test_one_miss_on_a_quiet_day_is_not_unusual(review) -> None:
    """A queue that never missed in eight weeks, then one miss of five contacts (80%) or one of
    twenty (95%): neither is unusual, and the distance is a few standard errors, not 447,214."""
    days = _baseline(6)
    days[dt.date(2026, 10, 21)] = (5, 1)
    days[dt.date(2026, 10, 22)] = (20, 1)
    found = cx.review.anomalies(
        plant_days(review.contacts, days), review.period, kpis=("service_level",)
    )
    assert found.summary().height == 0
    month = found.points.filter(pl.col("in_month"))
    assert month["z"].abs().max() < 3
    quiet = month.filter(pl.col("day") == dt.date(2026, 10, 21))
    assert quiet["n"][0] < MIN_CONTACTS and quiet["lo"].is_null().all()  # too few to judge
    twenty = month.filter(pl.col("day") == dt.date(2026, 10, 22))
    assert twenty["lo"][0] < 0.95 < twenty["hi"][0]  # a binomial range, not 100% to 100%


def test_a_real_bad_day_on_a_quiet_queue_is_still_found(review) -> None:
    days = _baseline(20)
    days[dt.date(2026, 10, 21)] = (20, 12)  # 40% within the promise
    found = cx.review.anomalies(
        plant_days(review.contacts, days), review.period, kpis=("service_level",)
    )
    flagged = found.summary()
    assert flagged["day"].to_list() == [dt.date(2026, 10, 21)]
    assert -30 < flagged["z"][0] < -3
    with use_language("en"):
        assert "below its normal range" in found.findings()[0]


def test_a_day_is_flagged_only_outside_the_range_as_written() -> None:
    """90.5% against a range that reads 90.5% to 100.0% is not outside it; 90.4% is."""
    lo, hi = np.array([0.905352, 0.905352]), np.array([1.0, 1.0])
    assert _outside_as_shown(np.array([0.904762, 0.9043]), lo, hi, "share").tolist() == [
        False,
        True,
    ]
    # durations as written: 6.6 min against a range ending at 6.6 min is inside
    assert not _outside_as_shown(
        np.array([397.0]), np.array([100.0]), np.array([395.0]), "seconds"
    )[0]
    assert _outside_as_shown(np.array([410.0]), np.array([100.0]), np.array([395.0]), "seconds")[0]


def test_every_flag_on_the_tiny_workspace_reads_outside_its_range(review) -> None:
    found = cx.review.anomalies(review.contacts, review.period, by="queue")
    for r in found.summary().iter_rows(named=True):
        unit = cx.features.metrics()[r["kpi"]].unit
        assert _outside_as_shown(
            np.array([r["value"]]), np.array([r["normal_low"]]), np.array([r["normal_high"]]), unit
        )[0]
        assert r["n"] >= MIN_CONTACTS and abs(r["z"]) < 100
