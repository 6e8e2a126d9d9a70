"""The one vocabulary in the staffing room: ``every``, ``settings=``, ``by``, ``alpha``; the old
names keep working for one minor version with a warning naming the new; ordinary mistakes raise
cxlab errors that say what was given and what is accepted."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import cxlab as cx
import cxlab.staffing as st

START = dt.datetime(2026, 9, 7, 0, tzinfo=dt.UTC)
SETTINGS = st.QueueSettings(
    aht_seconds={"phone_orders": 360.0, "chat_orders": 600.0},
    sl_target=0.8,
    sl_seconds={"phone_orders": 20.0, "chat_orders": 60.0},
    concurrency={"phone_orders": 1, "chat_orders": 2},
    shrinkage=0.25,
    max_occupancy=0.9,
)


def _forecast() -> pl.DataFrame:
    ts = pl.datetime_range(START, START + dt.timedelta(hours=11, minutes=30), "30m", eager=True)
    y = 40 + 30 * np.sin(np.arange(ts.len()) / 4)
    return pl.concat(
        pl.DataFrame(
            {
                "series_id": sid,
                "ts": ts,
                "y_hat": y * k,
                "y_lo_80": y * k * 0.85,
                "y_hi_80": y * k * 1.15,
                "y_lo_95": y * k * 0.75,
                "y_hi_95": y * k * 1.3,
            }
        )
        for sid, k in (("phone_orders", 1.0), ("chat_orders", 0.6))
    )


def _same(a: st.StaffingPlan, b: st.StaffingPlan) -> None:
    assert_frame_equal(a.summary(), b.summary(), rel_tol=1e-9)
    assert (a.interval_minutes, a.shrinkage, a.max_occupancy) == (
        b.interval_minutes,
        b.shrinkage,
        b.max_occupancy,
    )


def test_settings_is_the_way_to_pass_the_queue_inputs():
    """plan(settings=...) uses every setting, shrinkage and occupancy cap included; the plan
    gives its settings back, and a replay of the plan uses them."""
    p = st.plan(_forecast(), every="30m", settings=SETTINGS, time_zone="UTC")
    assert p.every == "30m"
    assert p.settings.aht_seconds == SETTINGS.aht_seconds
    assert p.settings.sl_target == {"phone_orders": 0.8, "chat_orders": 0.8}
    assert (p.settings.shrinkage, p.settings.max_occupancy) == (0.25, 0.9)
    s = p.summary()
    assert np.allclose(s["scheduled"].to_numpy(), s["agents"].to_numpy() / 0.75)
    phone = s.filter(pl.col("series_id") == "phone_orders")
    r = st.agents_required(
        phone["y_hat"].to_numpy(), every="30m", aht_seconds=360, sl_target=0.8, sl_seconds=20,
        max_occupancy=0.9,
    )  # fmt: skip
    assert phone["agents"].to_list() == r.agents.tolist()
    assert p.summary()["agents"].sum() > 0


def test_every_is_read_from_the_forecast_when_not_given():
    fc = _forecast()
    _same(st.plan(fc, settings=SETTINGS), st.plan(fc, every="30m", settings=SETTINGS))
    hourly = fc.filter(pl.col("ts").dt.minute() == 0)
    assert st.plan(hourly, settings=SETTINGS).every == "1h"
    with pytest.raises(cx.OptionError, match=r"one interval per series.*every="):
        st.plan(fc.group_by("series_id").first(), settings=SETTINGS)


@pytest.mark.parametrize(
    ("given", "words"),
    [("1 week", "every='1 week' is not a grain"), ("1mo", "no fixed length in minutes")],
)
def test_a_bad_grain_names_every_and_the_accepted_forms(given, words):
    with pytest.raises(cx.OptionError, match=words) as err:
        st.plan(_forecast(), every=given, settings=SETTINGS)
    assert "'30m'" in str(err.value)
    with pytest.raises(cx.OptionError, match="every="):
        st.agents_required(100, every=given, aht_seconds=180, sl_target=0.8, sl_seconds=20)


def test_old_interval_minutes_warns_and_gives_the_same_result():
    fc = _forecast()
    with pytest.warns(DeprecationWarning, match=r"interval_minutes=.*use every="):
        old = st.plan(fc, interval_minutes=30, settings=SETTINGS)
    _same(old, st.plan(fc, every="30m", settings=SETTINGS))
    with pytest.warns(DeprecationWarning, match=r"interval_minutes=.*use every="):
        r = st.agents_required(
            100, interval_minutes=30, aht_seconds=180, sl_target=0.8, sl_seconds=20
        )
    assert r == st.agents_required(100, every="30m", aht_seconds=180, sl_target=0.8, sl_seconds=20)


def test_old_loose_keywords_warn_naming_settings_and_give_the_same_plan():
    fc = _forecast()
    loose = SETTINGS.kwargs()
    with pytest.warns(
        DeprecationWarning, match=r"plan\(aht_seconds=\.\.\.\) is deprecated; use settings="
    ):
        old = st.plan(fc, every="30m", **loose)
    _same(old, st.plan(fc, every="30m", settings=SETTINGS))
    # a loose keyword beside settings= overrides that one setting
    with pytest.warns(DeprecationWarning, match="shrinkage"):
        mixed = st.plan(fc, every="30m", settings=SETTINGS, shrinkage=0.5)
    _same(mixed, st.plan(fc, every="30m", settings=SETTINGS.replace(shrinkage=0.5)))


def test_old_level_of_the_hierarchy_is_by():
    fc = _forecast().with_columns(pl.lit("queue").alias("level"))
    total = (
        fc.group_by("ts")
        .agg(pl.col("^y_.*$").sum())
        .with_columns(pl.lit("total").alias("series_id"), pl.lit("total").alias("level"))
    )
    full = pl.concat([fc, total.select(fc.columns)])
    one = st.QueueSettings(aht_seconds=300, sl_target=0.8, sl_seconds=20)
    new = st.plan(full, every="30m", settings=one, by="total")
    assert new.summary()["series_id"].unique().to_list() == ["total"]
    with pytest.warns(DeprecationWarning, match=r"level=.*use by="):
        old = st.plan(full, every="30m", settings=one, level="total")
    _same(old, new)
    with pytest.raises(cx.OptionError, match=r"by='channel'.*\['queue', 'total'\]"):
        st.plan(full, every="30m", settings=one, by="channel")


def test_a_plan_with_erlang_c_queues_replays_on_its_own_settings():
    """A queue without patience (Erlang C) keeps an endless patience in the plan's settings,
    which a replay of the plan accepts."""
    fc = _forecast()
    p = st.plan(fc, settings=SETTINGS.replace(patience_seconds={"phone_orders": 150.0}))
    assert p.settings.patience_seconds == {"phone_orders": 150.0, "chat_orders": float("inf")}
    counts = fc.select("series_id", "ts", pl.col("y_hat").round().alias("y"))
    assert st.backtest(p, counts, seed=1).summary().height == 3


def test_backtest_takes_every_and_settings_and_the_old_names_warn():
    ts = pl.datetime_range(START, START + dt.timedelta(hours=3, minutes=30), "30m", eager=True)
    staff = pl.DataFrame({"series_id": "q", "ts": ts, "agents": 6})
    counts = pl.DataFrame({"series_id": "q", "ts": ts, "y": 40.0})
    settings = st.QueueSettings(aht_seconds=180, sl_target=0.8, sl_seconds=20, patience_seconds=90)
    new = st.backtest(staff, counts, every="30m", settings=settings, seed=3)
    with pytest.warns(DeprecationWarning) as seen:
        old = st.backtest(
            staff, counts, interval_minutes=30, aht_seconds=180, sl_target=0.8, sl_seconds=20,
            patience_seconds=90, seed=3,
        )  # fmt: skip
    words = " ".join(str(w.message) for w in seen)
    assert "use every=" in words and "use settings=" in words
    assert_frame_equal(old.summary(), new.summary(), rel_tol=1e-9)


def test_patience_takes_alpha_and_old_level_converts(default_contacts):
    new = st.patience(default_contacts, alpha=0.1)
    with pytest.warns(DeprecationWarning, match=r"level=.*use alpha="):
        old = st.patience(default_contacts, level=0.9)
    # polars sums in parallel: the same estimate may differ in its last bits
    assert_frame_equal(old.summary(), new.summary(), rel_tol=1e-9)
    assert old.alpha == pytest.approx(0.1)
    wide = st.patience(default_contacts, alpha=0.01).summary()
    assert (wide["ci_low"] < new.summary()["ci_low"]).all()
    assert "90% range" in new.findings()[0]
    with pytest.raises(cx.OptionError, match=r"level=95 looks like a percent.*alpha=0.05"):
        st.patience(default_contacts, level=95)
    with pytest.raises(cx.OptionError, match=r"alpha=1.5 is not a significance level"):
        st.patience(default_contacts, alpha=1.5)


@pytest.fixture(scope="module")
def default_contacts(tiny_workspace):
    return cx.load("contacts", workspace=tiny_workspace).collect()


def test_queue_settings_builds_what_the_plan_takes(tiny_workspace, default_contacts):
    """From the workspace, with one service level for all and the plan's shrinkage and cap; the
    real-time queues by default, every queue with channels=None."""
    queues = cx.load("queues", workspace=tiny_workspace)
    s = st.queue_settings(
        queues, default_contacts, sl_target=0.9, sl_seconds=30, shrinkage=0.2, max_occupancy=0.8
    )
    assert set(s.sl_target.values()) == {0.9} and set(s.sl_seconds.values()) == {30.0}
    assert (s.shrinkage, s.max_occupancy) == (0.2, 0.8)
    assert not any(q.startswith(("email", "social")) for q in s.queues())
    every = st.queue_settings(queues, default_contacts, channels=None)
    assert "email_support" in every.sl_target and "email_support" not in every.patience_seconds
    assert s.summary().columns[:2] == ["queue", "aht_seconds"]
    with pytest.raises(cx.OptionError, match=r"channels=\('fax',\).*'phone'"):
        st.queue_settings(queues, channels=("fax",))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"sl_target": 80}, r"sl_target=80\): a share strictly between 0 and 1"),
        ({"shrinkage": 30}, r"shrinkage=30\): a share in \[0, 1\)"),
        ({"max_occupancy": 0}, r"max_occupancy=0\): a share in \(0, 1\]"),
        ({"aht_seconds": {"q": -5}}, r"aht_seconds=\{'q': -5\}\): handle times"),
        ({"concurrency": 0.5}, r"concurrency=0.5\): contacts at once"),
        ({"patience_seconds": float("nan")}, r"patience_seconds=nan\)"),
    ],
)
def test_impossible_settings_are_refused_at_the_door(change, words):
    base = dict(aht_seconds=180, sl_target=0.8, sl_seconds=20)
    with pytest.raises(cx.OptionError, match=words):
        st.QueueSettings(**{**base, **change})


def test_ordinary_mistakes_raise_named_errors():
    fc = _forecast()
    with pytest.raises(cx.OptionError, match=r"settings name none of the forecast's series.*"
                       r"\['phone_billing'\].*phone_orders"):  # fmt: skip
        st.plan(fc, settings=SETTINGS.replace(sl_target={"phone_billing": 0.8}))
    with pytest.raises(
        cx.OptionError, match=r"aht_seconds has no value for series \['chat_orders'\]"
    ):
        st.plan(fc, settings=SETTINGS.replace(aht_seconds={"phone_orders": 300.0}))
    with pytest.raises(cx.OptionError, match=r"needs settings=QueueSettings.*aht_seconds"):
        st.plan(fc, every="30m")
    with pytest.raises(cx.OptionError, match=r"takes a QueueSettings.*got dict"):
        st.plan(fc, settings={"aht_seconds": 180})
    with pytest.raises(cx.OptionError, match=r"no setting \['sla'\]"):
        SETTINGS.replace(sla=0.8)
    with pytest.raises(cx.OptionError, match=r"aht_seconds must be positive seconds; got 0"):
        st.agents_required(10, every="30m", aht_seconds=0, sl_target=0.8, sl_seconds=20)
    with pytest.raises(cx.NotEnoughDataError, match="the forecast frame is empty"):
        st.plan(fc.clear(), settings=SETTINGS)


def test_an_empty_selection_names_the_range_the_data_cover(default_contacts):
    first = default_contacts["arrived_at"].min()
    ts = pl.datetime_range(START.replace(year=2031), START.replace(year=2031, hour=2), "30m",
                           eager=True)  # fmt: skip
    staff = pl.DataFrame({"series_id": "phone_orders", "ts": ts, "agents": 5})
    settings = st.QueueSettings(aht_seconds=180, sl_target=0.8, sl_seconds=20)
    with pytest.raises(cx.NotEnoughDataError, match=rf"2031-09-07.*cover {first:%Y-%m-%d}"):
        st.backtest(staff, default_contacts, every="30m", settings=settings)
    none_gave_up = default_contacts.filter(~pl.col("abandoned"))
    with pytest.raises(cx.NotEnoughDataError, match=rf"no abandoned.*cover {first:%Y-%m-%d} to"):
        st.patience(none_gave_up)
