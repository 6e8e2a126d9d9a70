"""Staffing backtest: the replay engine against Erlang A, and a replay of the tiny workspace."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest

import cxlab as cx
import cxlab.staffing as st

START = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
# The generator's planted patience (src/cxlab/data/_synth/_config.py, MEAN_PATIENCE): exponential
# with mean 160 s on the phone and 240 s in chat.
PLANTED_PATIENCE = {"phone": 160.0, "chat": 240.0}


def test_replay_engine_reproduces_erlang_a():
    """A stationary replay (Poisson counts per half hour at 100 calls, 12 agents, exponential
    handle 180 s and patience 120 s, 20 days of 48 half hours) achieves the Erlang A service
    level and abandonment within 4 standard errors (standard error from the spread of the 20
    daily figures). Model: Garnett, Mandelbaum & Reiman (2002)."""
    rng = np.random.default_rng(8)
    ts = pl.datetime_range(
        START, START + dt.timedelta(days=20) - dt.timedelta(minutes=30), "30m", eager=True
    )
    counts = pl.DataFrame(
        {"series_id": "q", "ts": ts, "y": rng.poisson(100, ts.len()).astype(float)}
    )
    staff = pl.DataFrame({"series_id": "q", "ts": ts, "agents": 12})
    settings = st.QueueSettings(aht_seconds=180, sl_seconds=20, sl_target=0.8, patience_seconds=120)
    b = st.backtest(staff, counts, every="30m", settings=settings, service="exponential", seed=4)
    m = st.erlang_a(100 / 1800, 12, 180, 120, 20)
    daily = (
        b.intervals.group_by(pl.col("ts").dt.date())
        .agg((pl.col("answered_within_sl").sum() / pl.col("offered").sum()).alias("sl"),
             (pl.col("abandoned").sum() / pl.col("offered").sum()).alias("ab"))
    )  # fmt: skip
    for col, theory in (("sl", m.service_level), ("ab", m.p_abandon)):
        x = daily[col].to_numpy()
        assert abs(x.mean() - theory) <= 4 * x.std(ddof=1) / np.sqrt(x.size), (
            col,
            x.mean(),
            theory,
        )
    total = b.summary().filter(pl.col("series_id") == "all")
    assert total["offered"].item() == int(counts["y"].sum())


@pytest.fixture(scope="module")
def tiny_contacts(tiny_workspace):
    return cx.load(
        "contacts", workspace=tiny_workspace, start=START.date(), end=END.date()
    ).collect()


@pytest.fixture(scope="module")
def tiny_plan(tiny_workspace, tiny_contacts):
    """A plan from a perfect forecast of September (the actual counts, +-20% bands), with the
    queue settings of the workspace and the patience estimated from the same contacts."""
    realtime = tiny_contacts.filter(pl.col("channel").is_in(["phone", "chat"]))
    counts = realtime.group_by(
        pl.col("queue").alias("series_id"), pl.col("arrived_at").dt.truncate("30m").alias("ts")
    ).agg(pl.len().cast(pl.Float64).alias("y_hat"))
    fc = counts.with_columns(
        (pl.col("y_hat") * f).alias(c)
        for c, f in (("y_lo_80", 0.85), ("y_hi_80", 1.15), ("y_lo_95", 0.75), ("y_hi_95", 1.3))
    )
    settings = st.queue_settings(
        cx.load("queues", workspace=tiny_workspace),
        tiny_contacts,
        shrinkage=0.3,
        max_occupancy=0.85,
    )
    return st.plan(fc, every="30m", settings=settings, time_zone="Asia/Shanghai")


def test_queue_settings_from_the_workspace(tiny_workspace, tiny_contacts):
    """Targets and concurrency come from the queues table as stored (phone 80% in 20 s, chat 80%
    in 60 s with 2 chats per agent, as the generator writes them); AHT is the mean handle time
    of answered contacts; patience the censored-exponential estimate."""
    s = st.queue_settings(cx.load("queues", workspace=tiny_workspace), tiny_contacts)
    assert sorted(s.sl_target) == [
        "chat_orders",
        "chat_support",
        "phone_billing",
        "phone_orders",
        "phone_tech",
    ]
    assert s.sl_seconds["phone_orders"] == 20.0 and s.sl_seconds["chat_orders"] == 60.0
    assert s.concurrency["chat_support"] == 2.0 and s.concurrency["phone_tech"] == 1.0
    handle = tiny_contacts.filter(
        (pl.col("queue") == "phone_tech") & pl.col("answered_at").is_not_null()
    )
    assert s.aht_seconds["phone_tech"] == pytest.approx(handle["handle_seconds"].mean())
    direct = st.patience(tiny_contacts.filter(pl.col("queue").is_in(list(s.sl_target)))).as_dict()
    assert s.patience_seconds == pytest.approx(direct, rel=1e-9)
    assert s.summary().height == 5


def test_patience_recovers_the_planted_value(tiny_contacts):
    """Mean patience by channel, the censored-exponential MLE (Brown et al. 2005): each 95%
    interval covers the generator's planted mean (160 s phone, 240 s chat)."""
    est = st.patience(tiny_contacts, by="channel").summary()
    for row in est.iter_rows(named=True):
        assert row["ci_low"] <= PLANTED_PATIENCE[row["term"]] <= row["ci_high"], row


def test_backtest_on_the_tiny_workspace(tiny_contacts, tiny_plan):
    """Replaying September's contacts: every contact is offered once, the replay is
    reproducible by seed, and staffing for the top of the 80% band never does worse than
    staffing for the forecast (same arrivals, handle times and patience)."""
    b = st.backtest(tiny_plan, tiny_contacts, seed=1)
    per = b.summary().filter(pl.col("series_id") != "all").sort("series_id")
    actual = (
        tiny_contacts.filter(pl.col("channel").is_in(["phone", "chat"]))
        .group_by("queue")
        .len()
        .sort("queue")
    )
    assert per["series_id"].to_list() == actual["queue"].to_list()
    assert per["offered"].to_list() == actual["len"].to_list()
    assert b.summary().equals(st.backtest(tiny_plan, tiny_contacts, seed=1).summary())
    more = st.backtest(tiny_plan, tiny_contacts, seed=1, agents_column="agents_hi_80").summary()
    merged = per.join(more, on="series_id", suffix="_more")
    assert (merged["service_level_more"] >= merged["service_level"] - 1e-12).all()
    assert (merged["abandonment_rate_more"] <= merged["abandonment_rate"] + 1e-12).all()
    # staffed for a perfect forecast at 80% targets, every queue lands near or above target
    assert (per["service_level"] > 0.7).all()
    # what actually happened, read from the contacts: answered within the threshold / arrivals
    seen = (
        tiny_contacts.filter(pl.col("queue") == "phone_orders")
        .select((pl.col("answered_at").is_not_null() & (pl.col("wait_seconds") <= 20)).mean())
        .item()
    )
    assert per.filter(pl.col("series_id") == "phone_orders")[
        "actual_service_level"
    ].item() == pytest.approx(seen)
    iv = b.intervals
    assert b.service_level == pytest.approx(iv["answered_within_sl"].sum() / iv["offered"].sum())
    assert b.abandonment_rate == pytest.approx(iv["abandoned"].sum() / iv["offered"].sum())
    assert isinstance(b.plot(), go.Figure)
    assert any("service level" in f and "Phone, orders" in f for f in b.findings())
    assert any("actually happened" in f for f in b.findings())
    json.dumps(b.to_dict())


def test_arrivals_outside_the_plan_still_count():
    """Contacts arriving in an interval the plan does not staff are offered to nobody: they
    wait for the next staffed interval or hang up, and they stay in the totals."""
    staff = pl.DataFrame(
        {"series_id": ["q", "q"], "ts": [START, START + dt.timedelta(hours=2)], "agents": [3, 3]}
    )
    counts = pl.DataFrame(
        {"series_id": ["q", "q"], "ts": [START, START + dt.timedelta(hours=1)], "y": [10.0, 6.0]}
    )
    settings = st.QueueSettings(aht_seconds=180, sl_seconds=20, sl_target=0.8, patience_seconds=60)
    b = st.backtest(staff, counts, every="30m", settings=settings, seed=0)
    row = b.intervals.filter(pl.col("ts") == START + dt.timedelta(hours=1)).row(0, named=True)
    assert row["offered"] == 6 and row["agents"] == 0 and row["answered_within_sl"] == 0
    assert b.summary().filter(pl.col("series_id") == "all")["offered"].item() == 16


def test_backtest_needs_its_settings():
    staff = pl.DataFrame({"series_id": ["q"], "ts": [START], "agents": [3]})
    counts = pl.DataFrame({"series_id": ["q"], "ts": [START], "y": [10.0]})
    with pytest.raises(cx.OptionError, match="needs settings=QueueSettings"):
        st.backtest(staff, counts, every="30m")
    settings = st.QueueSettings(aht_seconds=180, sl_seconds=20, sl_target=0.8)
    with pytest.raises(cx.OptionError, match="needs every="):
        st.backtest(staff, counts, settings=settings)
    with pytest.raises(cx.SchemaError, match="contacts table"):
        st.backtest(staff, counts.rename({"y": "volume"}), every="30m", settings=settings)
