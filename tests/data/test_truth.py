"""The generated data shows what truth.json says, within sampling error, measured through the
library's own KPIs where a KPI exists (channel mix, intraday peaks, event lifts and churn are
checked in tests/test_data_generate.py)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import polars as pl
import pytest

import cxlab as cx


@pytest.fixture(scope="module")
def world(tiny_workspace: Path) -> tuple[dict, pl.DataFrame]:
    return cx.data.truth(tiny_workspace), cx.load("contacts", workspace=tiny_workspace).collect()


def test_queue_mix(world: tuple[dict, pl.DataFrame]) -> None:
    """Each queue's share of contacts is the planted one within four binomial standard errors."""
    truth, contacts = world
    n = contacts.height
    counts = dict(contacts.group_by("queue").len().iter_rows())
    assert set(counts) == set(truth["arrivals"]["queue_mix"])
    for queue, p in truth["arrivals"]["queue_mix"].items():
        se = math.sqrt(p * (1 - p) / n)
        assert abs(counts[queue] / n - p) < 4 * se, queue


def test_weekend_dip(world: tuple[dict, pl.DataFrame]) -> None:
    """Mean contacts per weekend day over mean per weekday equals the ratio of the planted weekday
    factors within three standard errors (standard errors of the two means from the day-to-day
    spread in the data; holidays and events stay in, they add to that spread)."""
    truth, contacts = world
    f = truth["arrivals"]["weekday_factors_monday_first"]
    expected = (sum(f[5:]) / 2) / (sum(f[:5]) / 5)  # (0.68+0.58)/2 / mean(Mon-Fri) = 0.613
    daily = (
        contacts.group_by(pl.col("arrived_at").dt.convert_time_zone(truth["time_zone"]).dt.date())
        .len()
        .with_columns(weekend=pl.col("arrived_at").dt.weekday() >= 6)
    )
    stats = daily.group_by("weekend").agg(
        mean=pl.col("len").mean(), se=pl.col("len").std() / pl.len().sqrt()
    )
    s = {r["weekend"]: r for r in stats.iter_rows(named=True)}
    ratio = s[True]["mean"] / s[False]["mean"]
    rel_se = math.hypot(s[True]["se"] / s[True]["mean"], s[False]["se"] / s[False]["mean"])
    assert abs(ratio / expected - 1) < 3 * rel_se, (ratio, expected, rel_se)


def test_reported_fcr_follows_the_planted_category_order(world: tuple[dict, pl.DataFrame]) -> None:
    """The planted base FCR by category (Technical 0.70 < Billing 0.76 < Orders 0.81 < Account
    0.84, before complaint and transfer penalties) shows in the ``fcr_reported`` KPI: the same
    order, each gap larger than two standard errors of the difference."""
    truth, contacts = world
    base = truth["fcr"]["base_by_category"]
    out = cx.features.kpi(contacts, ["fcr_reported"], by=["category"])
    seen = {r["category"]: (r["value"], r["denominator"]) for r in out.iter_rows(named=True)}
    order = sorted(base, key=base.get)
    assert sorted(seen, key=lambda c: seen[c][0]) == order
    for lo, hi in itertools.pairwise(order):
        (p1, n1), (p2, n2) = seen[lo], seen[hi]
        se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        assert p2 - p1 > 2 * se, (lo, hi)
    # and the penalties only lower it: every category sits at or below its planted base
    for category, (p, n) in seen.items():
        assert p < base[category] + 3 * math.sqrt(p * (1 - p) / n), category
