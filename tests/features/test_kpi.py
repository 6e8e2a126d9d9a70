"""Each KPI of the metric dictionary on hand-built contacts tables whose answer is worked out by
hand in the comments, at several grains; reconciliation, the short-abandon rule, the FCR window's
edges, and additivity (a KPI over a union is the ratio of the summed numerators and denominators).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cxlab as cx
from cxlab.data._schemas import TABLES
from cxlab.features import MetricConfig, kpi, metrics, prepare, with_repeats

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
SCHEMA = TABLES["contacts"].columns
_ids = iter(range(1, 10**9))


def contact(
    *,
    at: dt.datetime = T0,
    channel: str = "phone",
    wait: float = 10.0,
    abandoned: bool = False,
    handle: float | None = 300.0,
    resolved_after: dt.timedelta | None = dt.timedelta(hours=1),
    **overrides,
) -> dict:
    """One contact row with sensible defaults; an abandoned contact has no answer or handling."""
    row = {
        "contact_id": f"K{next(_ids):06d}",
        "customer_id": "C1",
        "channel": channel,
        "queue": f"{channel}_q",
        "category": "Billing",
        "category_l2": "Charges",
        "category_l3": "Double charge",
        "complaint_type": None,
        "priority": "P2",
        "region": "Shanghai",
        "arrived_at": at,
        "answered_at": None if abandoned else at + dt.timedelta(seconds=wait),
        "resolved_at": None if abandoned or resolved_after is None else at + resolved_after,
        "abandoned": abandoned,
        "wait_seconds": wait,
        "handle_seconds": None if abandoned else handle,
        "agent_id": None if abandoned else "A1",
        "first_contact_resolution": None if abandoned else True,
        "transfers": 0,
        "csat": None,
    }
    row.update(overrides)
    return row


def table(rows: list[dict]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema=SCHEMA)
    return cx.data.validate(frame, "contacts")  # every hand-built table is a valid one


def values(frame: pl.DataFrame, by: list[str] | None = None) -> dict:
    """KPI values keyed by (group..., kpi) or by kpi when there is no grouping."""
    by = by or []
    return {
        ((*(r[k] for k in by), r["kpi"]) if by else r["kpi"]): r["value"]
        for r in frame.iter_rows(named=True)
    }


# -- answer rate, abandonment, offered: reconciliation and the short-abandon rule ----------------


@pytest.fixture(scope="module")
def queue_day() -> pl.DataFrame:
    rows = []
    # phone: 6 answered (waits 5, 10, 15, 20, 30, 60 s), 3 abandoned after 2 s (short), 40 s, 90 s
    for w in (5, 10, 15, 20, 30, 60):
        rows.append(contact(channel="phone", wait=w))
    for w in (2, 40, 90):
        rows.append(contact(channel="phone", wait=w, abandoned=True))
    # chat: 2 answered (45 s, 70 s), 1 abandoned (30 s)
    rows += [contact(channel="chat", wait=45), contact(channel="chat", wait=70)]
    rows.append(contact(channel="chat", wait=30, abandoned=True))
    # email: 2 answered (first response after 1 h and after 25 h); never "offered" in real time
    rows += [contact(channel="email", wait=3600), contact(channel="email", wait=90000)]
    return table(rows)


def test_answer_and_abandonment_rates_exclude_short_abandons(queue_day: pl.DataFrame) -> None:
    got = values(kpi(queue_day, ["offered", "answered", "answer_rate", "abandonment_rate"]))
    # offered (phone + chat, the 2-second abandon left out): 6 + 2 + 2 + 1 = 11
    assert got["offered"] == 11
    # answered counts every channel: 6 phone + 2 chat + 2 email
    assert got["answered"] == 10
    assert got["answer_rate"] == pytest.approx(8 / 11)  # 8 real-time answered of 11 offered
    assert got["abandonment_rate"] == pytest.approx(3 / 11)  # 40 s, 90 s (phone), 30 s (chat)


def test_short_abandons_count_when_configured(queue_day: pl.DataFrame) -> None:
    config = MetricConfig(count_short_abandons=True)
    got = values(kpi(queue_day, ["offered", "answer_rate", "abandonment_rate"], config=config))
    assert got["offered"] == 12  # the 2-second abandon is now offered
    assert got["answer_rate"] == pytest.approx(8 / 12)
    assert got["abandonment_rate"] == pytest.approx(4 / 12)


@pytest.mark.parametrize("count_short", [False, True])
def test_offered_is_answered_plus_abandoned(queue_day: pl.DataFrame, count_short: bool) -> None:
    """Reconciliation per channel: offered = answered + abandoned for real-time channels."""
    config = MetricConfig(count_short_abandons=count_short)
    out = kpi(queue_day, ["answer_rate", "abandonment_rate"], by=["channel"], config=config)
    wide = out.pivot(on="kpi", index="channel", values=["numerator", "denominator"])
    for row in wide.filter(pl.col("channel").is_in(["phone", "chat"])).iter_rows(named=True):
        offered = row["denominator_answer_rate"]
        assert offered == row["denominator_abandonment_rate"]
        assert offered == row["numerator_answer_rate"] + row["numerator_abandonment_rate"]
    # email is not a real-time channel: nothing offered, so no rate (not a fake zero)
    email = values(out, ["channel"])
    assert email[("email", "answer_rate")] is None
    # phone: 6 answered of 8 offered, or of 9 when the 2-second abandon counts
    phone = values(out, ["channel"])[("phone", "answer_rate")]
    assert phone == pytest.approx(6 / 9 if count_short else 6 / 8)


def test_service_level_per_channel(queue_day: pl.DataFrame) -> None:
    got = values(kpi(queue_day, ["service_level"], by=["channel"]), ["channel"])
    # phone (20 s): answered within 20 s are 5, 10, 15, 20 (the threshold counts) = 4 of 8 offered
    assert got[("phone", "service_level")] == pytest.approx(4 / 8)
    # chat (60 s): 45 s only, of 3 offered
    assert got[("chat", "service_level")] == pytest.approx(1 / 3)
    # email (24 h): the 1-hour reply, not the 25-hour one
    assert got[("email", "service_level")] == pytest.approx(1 / 2)
    total = values(kpi(queue_day, ["service_level"]))["service_level"]
    assert total == pytest.approx((4 + 1 + 1) / (8 + 3 + 2))


def test_service_level_threshold_per_priority_and_channel() -> None:
    rows = [
        contact(channel="phone", wait=4, priority="P1"),
        contact(channel="phone", wait=8, priority="P1"),
        contact(channel="phone", wait=15, priority="P2"),
        contact(channel="chat", wait=8, priority="P1"),
        contact(channel="chat", wait=12, priority="P1"),
    ]
    frame = table(rows)
    sl = lambda config: values(kpi(frame, ["service_level"], config=config))["service_level"]  # noqa: E731
    # defaults (phone 20 s, chat 60 s): all five within
    assert sl(MetricConfig()) == pytest.approx(5 / 5)
    # P1 within 10 s on every channel: 4, 8 (phone P1), 15 (P2 keeps 20 s), 8 (chat P1) = 4 of 5
    assert sl(MetricConfig(sl_seconds_by_priority={"P1": 10})) == pytest.approx(4 / 5)
    # phone P1 within 5 s, other P1 within 10 s: 4 (phone), 15 (P2), 8 (chat) = 3 of 5
    both = MetricConfig(sl_seconds_by_priority={"phone/P1": 5, "P1": 10})
    assert sl(both) == pytest.approx(3 / 5)


# -- ASA, AHT, CSAT, complaints, resolution -----------------------------------------------------


def test_asa_and_aht(queue_day: pl.DataFrame) -> None:
    got = values(kpi(queue_day, ["asa", "aht"], by=["channel"]), ["channel"])
    # ASA is the mean wait of answered contacts; abandoned waits are left out
    assert got[("phone", "asa")] == pytest.approx((5 + 10 + 15 + 20 + 30 + 60) / 6)
    assert got[("chat", "asa")] == pytest.approx((45 + 70) / 2)
    assert got[("phone", "aht")] == pytest.approx(300.0)
    rows = [
        contact(handle=100.0),
        contact(handle=200.0),
        contact(handle=None),  # answered, handle time not recorded: left out, not a zero
        contact(abandoned=True),
    ]
    got = values(kpi(table(rows), ["aht", "asa"]))
    assert got["aht"] == pytest.approx(150.0)
    assert got["asa"] == pytest.approx(10.0)


def test_csat_complaints_and_resolution() -> None:
    rows = [
        contact(csat=5, resolved_after=dt.timedelta(hours=2)),
        contact(csat=4, resolved_after=dt.timedelta(hours=24)),  # exactly 24 h is within
        contact(csat=2, resolved_after=dt.timedelta(hours=24, seconds=1)),
        contact(csat=None, resolved_after=None, complaint_type="refund"),  # never resolved
        contact(csat=1, complaint_type="logistics", resolved_after=dt.timedelta(hours=30)),
        contact(abandoned=True, complaint_type="refund"),
    ]
    got = values(
        kpi(
            table(rows),
            ["csat", "csat_top2", "complaint_rate", "resolution_within", "contacts"],
        )
    )
    assert got["contacts"] == 6
    assert got["csat"] == pytest.approx((5 + 4 + 2 + 1) / 4)  # unrated contacts left out
    assert got["csat_top2"] == pytest.approx(2 / 4)  # the 5 and the 4
    assert got["complaint_rate"] == pytest.approx(3 / 6)  # complaints over all contacts
    # answered = 5; resolved within 24 h of arrival: the 2 h and the exactly-24 h ones
    assert got["resolution_within"] == pytest.approx(2 / 5)
    # logistics promise is 48 h: the 30 h one is in time; the unresolved refund is not
    closed = values(kpi(table(rows), ["complaint_closed_in_time"]))
    assert closed["complaint_closed_in_time"] == pytest.approx(1 / 3)


def test_priority_sla() -> None:
    rows = [
        contact(priority="P1", wait=200, resolved_after=dt.timedelta(hours=7)),  # both in time
        contact(priority="P1", wait=400, resolved_after=dt.timedelta(hours=9)),  # both late
        contact(priority="P2", wait=3000, resolved_after=dt.timedelta(hours=47)),  # in time
    ]
    got = values(kpi(table(rows), ["sla_answered", "sla_resolved"]))
    assert got["sla_answered"] == pytest.approx(2 / 3)  # P1 300 s, P2 3600 s
    assert got["sla_resolved"] == pytest.approx(2 / 3)  # P1 8 h, P2 48 h


# -- FCR: the repeat window ---------------------------------------------------------------------


def test_fcr_window_edges() -> None:
    day = dt.timedelta(days=1)
    week = 7 * day
    second = dt.timedelta(seconds=1)
    end = T0 + 30 * day  # the newest contact: windows ending after it cannot be judged yet
    rows = [
        # C1: a repeat on the same topic one second inside the window -> not resolved
        contact(customer_id="C1", at=T0),
        contact(customer_id="C1", at=T0 + week - second),
        # C2: the next contact one second after the window closes -> resolved
        contact(customer_id="C2", at=T0),
        contact(customer_id="C2", at=T0 + week + second),
        # C3: a repeat exactly at 7 days counts as inside (the window is closed)
        contact(customer_id="C3", at=T0),
        contact(customer_id="C3", at=T0 + week),
        # C4: the next day, but a different topic -> resolved
        contact(customer_id="C4", at=T0),
        contact(customer_id="C4", at=T0 + day, category="Delivery"),
        # C5: arrived 3 days before the end of the data: too recent to judge
        contact(customer_id="C5", at=end - 3 * day),
        # C6: the newest contact (too recent as well)
        contact(customer_id="C6", at=end),
    ]
    frame = table(rows)
    flags = with_repeats(frame).collect()
    judged = flags.filter(pl.col("_fcr_known"))
    # judged: the 8 contacts of C1-C4 (all arrive at least 7 days before the end); C5, C6 not
    assert judged.height == 8
    repeats = judged.filter(pl.col("_repeat"))["customer_id"].sort().to_list()
    assert repeats == ["C1", "C3"]  # the first contacts of C1 and C3
    got = values(kpi(frame, ["fcr", "repeat_rate"]))
    assert got["fcr"] == pytest.approx(6 / 8)
    assert got["repeat_rate"] == pytest.approx(2 / 8)
    # a 3-day window: only C4's next-day contact would be close enough, but it is another topic;
    # C5 (3 days before the end) is now judged: 9 judged, no repeats
    short = values(kpi(frame, ["fcr"], config=MetricConfig(fcr_window_days=3)))
    assert short["fcr"] == pytest.approx(9 / 9)


def test_fcr_data_end_and_abandoned_contacts() -> None:
    rows = [
        contact(customer_id="C1", at=T0),
        contact(customer_id="C1", at=T0 + dt.timedelta(days=2), abandoned=True),
        contact(customer_id="C2", at=T0 + dt.timedelta(days=3)),
    ]
    frame = table(rows)
    # with the data ending at the last arrival nothing is old enough to judge
    assert values(kpi(frame, ["fcr"]))["fcr"] is None
    # an explicit end 30 days later judges all; C1's first contact was repeated (the repeat was
    # abandoned, but the customer came back); abandoned contacts are not judged themselves
    prepared = with_repeats(frame, data_end=T0 + dt.timedelta(days=30))
    got = kpi(prepared, ["fcr"])
    assert values(got)["fcr"] == pytest.approx(1 / 2)
    assert got["denominator"].item() == 2


# -- grains: intervals, days and months in local time; channel, queue, agent ---------------------


def test_grains_in_local_time() -> None:
    rows = [
        # 2026-03-01 17:00 UTC is 2 March 01:00 in Shanghai
        contact(at=dt.datetime(2026, 3, 1, 17, 0, tzinfo=UTC), wait=10),
        # 09:29:59 and 09:30:00 local fall in different half hours
        contact(at=dt.datetime(2026, 3, 2, 1, 29, 59, tzinfo=UTC), wait=30),
        contact(at=dt.datetime(2026, 3, 2, 1, 30, 0, tzinfo=UTC), wait=50, abandoned=True),
        # 31 March 16:30 UTC is 1 April 00:30 local: April, not March
        contact(at=dt.datetime(2026, 3, 31, 16, 30, tzinfo=UTC), wait=70),
    ]
    frame = table(rows)
    tz = "Asia/Shanghai"
    local = lambda *a: dt.datetime(*a, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # noqa: E731

    def by_period(every: str, name: str) -> dict:
        out = kpi(frame, [name], every=every, time_zone=tz)
        return {r["period"]: r["value"] for r in out.iter_rows(named=True)}

    days = by_period("1d", "contacts")
    assert days == {local(2026, 3, 2): 3, local(2026, 4, 1): 1}
    months = by_period("1mo", "answer_rate")
    assert months == {local(2026, 3, 1): pytest.approx(2 / 3), local(2026, 4, 1): 1.0}
    halves = by_period("30m", "asa")
    assert halves == {
        local(2026, 3, 2, 1, 0): 10.0,
        local(2026, 3, 2, 9, 0): 30.0,
        local(2026, 3, 2, 9, 30): None,  # only an abandoned call: no answer to time
        local(2026, 4, 1, 0, 30): 70.0,
    }
    # the same contacts cut in UTC (asked for): 1 March holds the first one
    utc = kpi(frame, ["contacts"], every="1d", time_zone="UTC")
    assert utc.filter(pl.col("period") == dt.datetime(2026, 3, 1, tzinfo=UTC))["value"].item() == 1
    # without time_zone, days are the workspace's (Asia/Shanghai by default), as in cx.load
    assert cx._config.settings().time_zone == tz
    default = kpi(frame, ["contacts"], every="1d")
    assert {r["period"]: r["value"] for r in default.iter_rows(named=True)} == days
    assert str(default.schema["period"]) == "Datetime(time_unit='us', time_zone='Asia/Shanghai')"


def test_grains_by_channel_queue_and_agent() -> None:
    rows = [
        contact(channel="phone", queue="phone_orders", agent_id="A1", wait=10),
        contact(channel="phone", queue="phone_orders", agent_id="A2", wait=30),
        contact(channel="phone", queue="phone_billing", agent_id="A1", wait=50),
        contact(channel="chat", queue="chat_orders", agent_id="A3", wait=20),
        contact(channel="phone", queue="phone_billing", abandoned=True, wait=40),
    ]
    frame = table(rows)
    q = values(kpi(frame, ["asa", "answer_rate"], by=["queue"]), ["queue"])
    assert q[("phone_orders", "asa")] == pytest.approx(20.0)
    assert q[("phone_billing", "asa")] == pytest.approx(50.0)
    assert q[("phone_billing", "answer_rate")] == pytest.approx(1 / 2)
    a = values(kpi(frame, ["asa", "contacts"], by=["agent_id"]), ["agent_id"])
    assert a[("A1", "asa")] == pytest.approx(30.0)  # 10 and 50
    assert a[("A1", "contacts")] == 2
    assert a[(None, "contacts")] == 1  # the abandoned call has no agent
    c = values(kpi(frame, ["answer_rate"], by=["channel", "queue"]), ["channel", "queue"])
    assert c[("chat", "chat_orders", "answer_rate")] == 1.0
    # the long output is ordered by the grouping columns, then the KPI name
    out = kpi(frame, ["contacts", "asa"], by=["queue"])
    assert out.select("queue", "kpi").rows() == sorted(out.select("queue", "kpi").rows())


def test_unknown_kpi_or_grain_is_refused() -> None:
    frame = table([contact()])
    with pytest.raises(cx.OptionError, match="service_level"):
        kpi(frame, ["speed"])
    with pytest.raises(cx.OptionError, match=r"'site'.*grains: channel, queue"):
        kpi(frame, ["asa"], by=["channel", "site"])
    # one grouping column may be given as a plain string
    assert kpi(frame, "asa", by="channel")["channel"].to_list() == ["phone"]


def test_dictionary_has_every_kpi_of_the_review() -> None:
    names = set(metrics())
    for name in (
        "service_level",
        "answer_rate",
        "abandonment_rate",
        "asa",
        "aht",
        "fcr",
        "csat",
        "complaint_rate",
        "resolution_within",
    ):
        assert name in names
    assert MetricConfig().version == cx.features.DICTIONARY_VERSION
    for m in (m for m in metrics().values() if not m.declared):  # the dictionary's own
        assert (
            m.label
            and m.description
            and m.unit in ("count", "share", "seconds", "score", "per_contact")
        )


# -- additivity ---------------------------------------------------------------------------------

CHANNEL = st.sampled_from(["phone", "chat", "email", "social"])
ROW = st.tuples(
    CHANNEL,
    st.integers(0, 3),  # customer
    st.integers(0, 60 * 24 * 20),  # minutes after T0
    st.floats(0, 200, allow_nan=False),  # wait
    st.booleans(),  # abandoned (only phone and chat)
    st.one_of(st.none(), st.integers(1, 5)),  # csat
    st.sampled_from([None, "refund"]),
    st.integers(0, 2),  # part
)


def _frame(rows: list[tuple]) -> pl.DataFrame:
    out = []
    for channel, cust, minutes, wait, abandoned, csat, complaint, part in rows:
        gone = abandoned and channel in ("phone", "chat")
        r = contact(
            channel=channel,
            customer_id=f"C{cust}",
            at=T0 + dt.timedelta(minutes=minutes),
            wait=wait,
            abandoned=gone,
            csat=None if gone else csat,
            complaint_type=complaint,
        )
        r["part"] = part
        out.append(r)
    return pl.DataFrame(out, schema={**SCHEMA, "part": pl.Int64})


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROW, min_size=1, max_size=40))
def test_kpis_add_up_across_parts_and_groups(rows: list[tuple]) -> None:
    """Every KPI over the union equals the summed numerators over the summed denominators of any
    split of the rows (shards, days) and of any grouping: the ratio-of-sums contract."""
    frame = _frame(rows)
    names = list(metrics())
    prepared = prepare(frame)  # FCR repeats are judged on the whole history, then split
    whole = kpi(prepared, names)
    shards = [prepared.filter(pl.col("part") == p).collect() for p in (0, 1, 2)]
    # an empty shard adds nothing (and kpi refuses to measure no contacts)
    parts = pl.concat([kpi(shard, names) for shard in shards if shard.height])
    groups = kpi(prepared, names, by=["channel", "customer_id"], every="1d", time_zone="UTC")
    for split in (parts, groups):
        summed = split.group_by("kpi").agg(pl.col("numerator").sum(), pl.col("denominator").sum())
        joined = whole.join(summed, on="kpi", suffix="_sum")
        assert joined.height == len(names)
        for r in joined.iter_rows(named=True):
            assert r["numerator"] == pytest.approx(r["numerator_sum"], rel=1e-9, abs=1e-9)
            assert r["denominator"] == pytest.approx(r["denominator_sum"], rel=1e-9, abs=1e-9)
            if r["denominator"] > 0 and metrics()[r["kpi"]].unit != "count":
                assert r["value"] == pytest.approx(r["numerator_sum"] / r["denominator_sum"])
    # the counts are counts of rows, whatever the grouping
    assert values(whole)["contacts"] == frame.height
