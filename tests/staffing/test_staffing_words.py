"""How the staffing room speaks: the slot needing most agents, misses in the replay, plain words."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

import cxlab.staffing as st
from cxlab._present import use_language
from cxlab.staffing._backtest import StaffingBacktest
from cxlab.staffing._plan import chance_words
from cxlab.staffing._words import duration_words


def _two_queues() -> pl.DataFrame:
    """A quick queue with the most contacts at 10:00 and a slow queue peaking at 11:00: all
    queues together have the most contacts at 10:00 but need the most agents at 11:00."""
    start = dt.datetime(2026, 11, 2, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai
    rows = []
    for i, (quick, slow) in enumerate([(60.0, 5.0), (20.0, 30.0), (10.0, 5.0)]):
        ts = start + dt.timedelta(hours=i)
        for sid, y in (("phone_quick", quick), ("phone_slow", slow)):
            rows.append((sid, ts, y, y * 0.85, y * 1.15, y * 0.75, y * 1.25))
    return pl.DataFrame(
        rows,
        schema=["series_id", "ts", "y_hat", "y_lo_80", "y_hi_80", "y_lo_95", "y_hi_95"],
        orient="row",
    )


KW = dict(
    every="1h",
    settings=st.QueueSettings(
        aht_seconds={"phone_quick": 60.0, "phone_slow": 900.0}, sl_target=0.8, sl_seconds=20.0
    ),
    time_zone="Asia/Shanghai",
)


def test_the_slot_needing_most_agents_is_named_as_such():
    p = st.plan(_two_queues(), **KW)
    peak, busy = p.peak_total(), p.busiest_total()
    assert busy["ts"].hour == 2 and peak["ts"].hour == 3  # 10:00 and 11:00 local
    assert busy["agents"] < peak["agents"]
    found = p.findings()
    assert "needing the most agents" in found[0] and "11:00" in found[0]
    assert any("busiest hour for contacts" in f and "10:00" in f for f in found)
    (card,) = p.headline()
    assert card.label == "Hour needing the most agents" and card.value == peak["agents"]
    table = p.by_queue()
    last = table.row(-1, named=True)
    assert last["queue"] == "All queues" and last["peak_agents"] == card.value
    assert "11:00" in last["peak_ts"] and "11:00" in card.detail
    with use_language("zh"):
        assert "所需坐席最多" in p.findings()[0] and "在岗坐席" in p.findings()[0]


def test_chance_in_plain_words():
    assert chance_words(0.21) == "about a one in five chance"
    with use_language("zh"):
        assert chance_words(0.21) == "约有两成可能"
    p = st.plan(_two_queues(), **KW)
    risk = next(f for f in p.findings() if "chance" in f)
    assert "interval" not in risk and "%" not in risk


def test_durations_drop_a_needless_decimal():
    assert duration_words(3600) == "1 h"  # the shared unit chooser reads an hour in hours
    assert duration_words(600) == "10 min"
    assert duration_words(86400) == "24 h"
    assert duration_words(7920) == "2.2 h"
    assert duration_words(20) == "20 s"


def _replay() -> StaffingBacktest:
    """Email meets its target with no abandonment possible; social misses its service level;
    a phone queue meets its service level but abandons 9.5% against a limit of 8%."""
    ts = dt.datetime(2026, 10, 26, 2, tzinfo=dt.UTC)
    totals = pl.DataFrame(
        {
            "series_id": ["email_support", "phone_technical", "social_care", "all"],
            "offered": [280, 870, 486, 1636],
            "answered": [280, 787, 486, 1553],
            "abandoned": [0, 83, 0, 83],
            "service_level": [0.989, 0.863, 0.837, 0.88],
            "sl_target": [0.9, 0.8, 0.9, None],
            "sl_seconds": [86400.0, 20.0, 3600.0, None],
            "met": [True, True, False, None],
            "asa": [7920.0, 4.0, 3342.0, 900.0],
            "abandonment_rate": [0.0, 0.095, 0.0, 0.05],
            "intervals": [70, 200, 100, 370],
            "share_intervals_met": [0.98, 0.8, 0.74, None],
            "agent_hours": [80.0, 270.0, 110.0, 460.0],
            "actual_service_level": [1.0, 0.87, 0.76, 0.9],
            "actual_abandonment_rate": [0.0, 0.08, 0.0, 0.04],
            "can_abandon": [False, True, False, True],
        }
    )
    intervals = pl.DataFrame(
        {
            "series_id": ["phone_technical"], "ts": [ts], "agents": [2], "offered": [8],
            "answered": [7], "answered_within_sl": [1], "abandoned": [1],
            "service_level": [0.125], "asa": [30.0], "abandonment_rate": [0.125],
            "sl_target": [0.8], "met": [False],
        }
    )  # fmt: skip
    return StaffingBacktest(
        intervals=intervals, totals=totals, interval_minutes=30, seed=0,
        time_zone="Asia/Shanghai", abandonment_target={"phone_technical": 0.08},
    )  # fmt: skip


def test_replay_misses_reach_the_answer():
    b = _replay()
    misses = b.misses()
    assert misses.select("series_id", "kpi").rows() == [
        ("social_care", "service_level"),
        ("phone_technical", "abandonment_rate"),
    ]
    (answer,) = b.answer()
    assert "83.7%" in answer and "9.5%" in answer and "8%" in answer
    cards = b.headline()
    assert [c.status for c in cards] == ["missed", "missed"]
    assert cards[1].direction == "<=" and cards[1].target == pytest.approx(0.08)


def test_replay_words():
    b = _replay()
    found = b.findings()
    email = next(f for f in found if f.startswith("Email"))
    assert "abandon" not in email and "24 h" in email and "24.0" not in email
    assert "service level 98.9%" in email
    phone = next(f for f in found if f.startswith("Phone"))
    assert "9.5% abandoned, above the 8% limit" in phone
    social = next(f for f in found if f.startswith("Social"))
    assert "1 h" in social and "60 min" not in social and "below the 90% target" in social
    assert not any("seed" in f for f in found) and "seed 0" in b.methods()[0]
    table = b.table()
    assert table.filter(pl.col("queue") == "All queues")["replay_asa"].item() is None
    assert table.filter(pl.col("queue") == "Email support")["abandonment_rate"].item() is None
    with use_language("zh"):
        text = " ".join(b.findings() + b.answer())
    assert "服务水平" in text and "接通率" not in text and "进线" not in text
    fig = b.plot()
    bars = next(t for t in fig.data if t.type == "bar" and t.showlegend is False)
    legend = [t for t in fig.data if t.showlegend is not False and t.type == "bar"]
    # one legend entry per channel colour the bars use, in that colour
    assert {t.marker.color for t in legend} == set(bars.marker.color)
    assert len(legend) == len(set(bars.marker.color))
    assert all(t.name.endswith("staffed as planned (replay)") for t in legend)
    assert [t.name.split(":")[0] for t in legend] == ["Phone", "Email", "Social media"]


def test_hardest_half_hour_in_counts():
    b = _replay()
    hardest = next(f for f in b.findings() if f.startswith("The hardest"))
    assert "on Mon, Oct 26 at 10:00" in hardest
    assert "8 contacts, 2 agents, 1 of 8 answered within target" in hardest
    assert "%" not in hardest and " met " not in hardest
    with use_language("zh"):
        zh = next(f for f in b.findings() if f.startswith("压力最大"))
    assert "8次联络仅2名坐席，8次中仅1次在目标时间内应答" in zh


def test_replay_table_shows_actual_abandonment():
    """The findings quote the actual abandonment of all queues: the table has that column."""
    b = _replay()
    table = b.table()
    assert "actual_abandonment_rate" in table.columns
    everyone = table.filter(pl.col("queue") == "All queues")
    assert everyone["actual_abandonment_rate"].item() == pytest.approx(0.04)
    assert (
        table.filter(pl.col("queue") == "Email support")["actual_abandonment_rate"].item() is None
    )
    quoted = next(f for f in b.findings() if f.startswith("All queues"))
    assert "4.0%" in quoted


def test_abandonment_targets_from_the_targets_table():
    targets = pl.DataFrame(
        {
            "kpi": ["abandonment_rate", "abandonment_rate", "service_level"],
            "scope": ["channel=phone", "queue=phone_vip", "channel=phone"],
            "period": ["monthly"] * 3,
            "target": [0.08, 0.03, 0.8],
            "direction": ["<=", "<=", ">="],
        }
    )
    queues = pl.DataFrame(
        {
            "queue": ["phone_orders", "phone_vip", "chat_orders"],
            "channel": ["phone", "phone", "chat"],
        }
    )
    assert st.abandonment_targets(targets, queues) == {"phone_orders": 0.08, "phone_vip": 0.03}


def test_chat_patience_is_not_phone_wording():
    from cxlab.staffing._patience import PatienceEstimate

    est = PatienceEstimate(
        table=pl.DataFrame(
            {"term": ["phone_orders", "chat_general"], "estimate": [200.0, 240.0],
             "ci_low": [180.0, 200.0], "ci_high": [220.0, 280.0], "abandoned": [50, 40]}
        ),
        alpha=0.05,
    )  # fmt: skip
    phone, chat = est.findings()
    assert "hanging up" in phone and "callers" in phone
    assert "leaving the chat" in chat and "hanging up" not in chat and "callers" not in chat
    with use_language("zh"):
        assert "离开会话" in est.findings()[1]
    from cxlab._present import label

    assert "hang up" not in label("erlang_a_chat")
