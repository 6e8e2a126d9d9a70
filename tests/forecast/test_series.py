"""The interval series builder: zero-filled open intervals, closed intervals never demand, sums agree."""

from __future__ import annotations

import polars as pl
import pytest

import cxlab as cx
from cxlab import OptionError


@pytest.fixture(scope="module")
def tables(tiny_workspace):
    contacts = cx.load("contacts", workspace=tiny_workspace).collect()
    queues = cx.load("queues", workspace=tiny_workspace).collect()
    tz = cx.data.truth(tiny_workspace)["time_zone"]
    return contacts, queues, tz


def test_carry_keeps_every_contact_and_only_open_intervals(tables):
    """Every contact lands in an open interval (overnight e-mail is carried to the morning), except
    those after the last open interval of the last day; phone queues never show closed hours."""
    contacts, queues, tz = tables
    s = cx.features.volume_series(contacts, every="30m", hours=queues, time_zone=tz)
    assert s.columns == ["series_id", "ts", "y"]
    assert s["ts"].dtype == pl.Datetime("us", tz)
    assert contacts.height - 10 <= s["y"].sum() <= contacts.height
    hours = dict(zip(queues["queue"], queues["open_hour"], strict=True))
    closes = dict(zip(queues["queue"], queues["close_hour"], strict=True))
    for sid, part in s.group_by("series_id"):
        h = part["ts"].dt.hour()
        assert h.min() >= hours[sid[0]] and h.max() < closes[sid[0]]
    # every open interval of every day is present (zero-filled): 26 half-hours 08-21 for phone
    per_day = s.filter(pl.col("series_id") == "phone_orders").group_by(pl.col("ts").dt.date()).len()
    assert per_day["len"].unique().to_list() == [
        2 * (closes["phone_orders"] - hours["phone_orders"])
    ]


def test_flag_marks_closed_and_phone_gets_nothing_when_closed(tables):
    contacts, queues, tz = tables
    s = cx.features.volume_series(contacts, every="60m", hours=queues, time_zone=tz, closed="flag")
    closed = s.filter(~pl.col("open"))
    phone = closed.filter(pl.col("series_id").str.starts_with("phone"))
    assert phone["y"].sum() == 0  # the generator plants no phone arrivals outside opening hours
    assert closed.filter(pl.col("series_id") == "email_support")["y"].sum() > 0
    assert s["y"].sum() == contacts.height


def test_channel_and_total_are_sums_of_queues(tables):
    contacts, queues, tz = tables
    kw = dict(every="15m", hours=queues, time_zone=tz)
    q = cx.features.volume_series(contacts, by="queue", **kw)
    ch = cx.features.volume_series(contacts, by="channel", **kw)
    tot = cx.features.volume_series(contacts, by=None, **kw)
    mapping = dict(zip(queues["queue"], queues["channel"], strict=True))
    summed = (
        q.with_columns(pl.col("series_id").replace_strict(mapping))
        .group_by("series_id", "ts")
        .agg(pl.col("y").sum())
        .sort("series_id", "ts")
    )
    assert summed.equals(ch)
    assert tot["y"].sum() == q["y"].sum()
    daily = cx.features.volume_series(contacts, by=None, every="1d", hours=queues, time_zone=tz)
    assert daily["y"].sum() == tot["y"].sum()


def test_bad_options(tables):
    contacts, _queues, _tz = tables
    with pytest.raises(OptionError):
        cx.features.volume_series(contacts, by="region")
    with pytest.raises(OptionError, match="every='7m'"):
        cx.features.volume_series(contacts, every="7m")


def test_a_daylight_saving_day_has_its_real_intervals(tables):
    """Sydney moves clocks forward on 2026-10-04 (02:00 -> 03:00): that day has 46 half-hours."""
    contacts, queues, _ = tables
    s = cx.features.volume_series(
        contacts, every="30m", hours=queues, time_zone="Australia/Sydney", closed="flag"
    )
    day = s.filter(
        pl.col("ts").dt.date() == pl.date(2026, 10, 4), pl.col("series_id") == "email_support"
    )
    assert day.height == 46
    assert s["ts"].null_count() == 0
