"""The synthetic workspace: determinism, and the planted truth visible in the data."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import numpy as np
import polars as pl

import cxlab as cx


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*"))}


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = cx.data.generate(seed=3, size="tiny", workspace=tmp_path / "a")
    b = cx.data.generate(seed=3, size="tiny", workspace=tmp_path / "b")
    assert _digest(Path(a["raw"])) == _digest(Path(b["raw"]))
    c = cx.data.generate(seed=4, size="tiny", workspace=tmp_path / "c")
    assert (
        _digest(Path(a["raw"]))["contacts.parquet"] != _digest(Path(c["raw"]))["contacts.parquet"]
    )


def test_channel_mix_matches_truth(tiny_workspace: Path) -> None:
    truth = cx.data.truth(tiny_workspace)
    mix = cx.load("contacts", workspace=tiny_workspace).group_by("channel").len().collect()
    n = mix["len"].sum()
    # repeat contacts are drawn from the same arrivals, so the mix is the planted one;
    # the bound is four binomial standard errors
    for channel, expected in truth["arrivals"]["channel_mix"].items():
        seen = mix.filter(pl.col("channel") == channel)["len"].item() / n
        assert abs(seen - expected) < 4 * np.sqrt(expected * (1 - expected) / n), channel
    # a real monthly report: phone about 60%, chat 30%, social 10%, some email (the queue shares
    # of _synth._config put phone at 58%)
    assert 0.55 <= truth["arrivals"]["channel_mix"]["phone"] <= 0.62


def test_intraday_double_peak(tiny_workspace: Path) -> None:
    tz = cx.data.truth(tiny_workspace)["time_zone"]
    hours = (
        cx.load("contacts", workspace=tiny_workspace)
        .filter(pl.col("channel") == "phone")
        .select(pl.col("arrived_at").dt.convert_time_zone(tz).dt.hour().alias("h"))
        .group_by("h")
        .len()
        .sort("h")
        .collect()
    )
    by = dict(zip(hours["h"], hours["len"], strict=True))
    assert max(by, key=by.get) in (10, 11)  # the morning peak is the busiest hour
    afternoon = max(range(13, 18), key=lambda h: by.get(h, 0))
    assert afternoon in (14, 15, 16)
    assert by[12] < by[10] and by[12] < by[afternoon]  # a lunch dip between the peaks
    assert all(h >= 8 and h < 21 for h in by)  # phone queues are closed outside 08-21


def test_events_lift_volume_on_touched_queues(tiny_workspace: Path) -> None:
    truth = cx.data.truth(tiny_workspace)
    recall = next(e for e in truth["arrivals"]["events"] if e["kind"] == "recall")
    lf = cx.load("contacts", workspace=tiny_workspace).filter(
        pl.col("queue").is_in(recall["queues"])
    )
    inside = lf.filter(
        pl.col("arrived_at").is_between(
            pl.lit(recall["start"]).str.to_datetime(time_zone="UTC"),
            pl.lit(recall["end"]).str.to_datetime(time_zone="UTC"),
            closed="left",
        )
    )
    per_day_in = inside.select(pl.len()).collect().item() / 10
    total_days = (
        pl.Series([truth["end"]]).str.to_date() - pl.Series([truth["start"]]).str.to_date()
    ).dt.total_days().item() + 1
    per_day_all = lf.select(pl.len()).collect().item() / total_days
    assert per_day_in / per_day_all > 1.5  # planted lift 2.0 on the recall queues


def test_churn_rises_with_bad_experience(tiny_workspace: Path) -> None:
    """Monthly churn among customers at risk, with and without an unresolved complaint in the
    90 days before the month (the planted hazard ratio is 2.0; judged on the pooled person-months)."""
    contacts = cx.load("contacts", workspace=tiny_workspace).collect()
    customers = cx.load("customers", workspace=tiny_workspace).collect()
    bad = contacts.filter(
        pl.col("complaint_type").is_not_null() & (pl.col("first_contact_resolution") == False)  # noqa: E712
    ).select("customer_id", "arrived_at")
    months = pl.date_range(
        contacts["arrived_at"].min().date(), contacts["arrived_at"].max().date(), "1mo", eager=True
    )
    rows = []
    for m0, m1 in itertools.pairwise(months[1:]):
        lo = pl.lit(m0).cast(pl.Datetime("us", "UTC"))
        flagged = bad.filter(
            (pl.col("arrived_at") < lo) & (pl.col("arrived_at") >= lo - pl.duration(days=90))
        )
        at_risk = customers.filter(
            (pl.col("signup_date") < m0)
            & (pl.col("churn_date").is_null() | (pl.col("churn_date") >= m0))
            & (pl.col("downgrade_date").is_null() | (pl.col("downgrade_date") >= m0))
        ).with_columns(
            bad=pl.col("customer_id").is_in(flagged["customer_id"].implode()),
            event=pl.col("churn_date").is_between(m0, m1, closed="left").fill_null(False),
        )
        rows.append(at_risk.select("bad", "event"))
    pooled = pl.concat(rows).group_by("bad").agg(rate=pl.col("event").mean(), n=pl.len())
    rates = dict(zip(pooled["bad"], pooled["rate"], strict=True))
    assert rates[True] > 1.3 * rates[False]


def test_tables_pass_validation(tiny_workspace: Path) -> None:
    from cxlab.data._synth import SIMULATED

    assert set(cx.data.TABLES) - set(SIMULATED) == {"intervals"}  # contacts, not their sums
    for table in SIMULATED:
        frame = cx.load(table, workspace=tiny_workspace).collect()
        assert frame.height > 0, table
        cx.data.validate(frame, table)
