"""The early-warning list: who is listed, in what order, and what a report may show."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re

import polars as pl
import pytest

from cxlab import OptionError, SchemaError
from cxlab._present import use_language
from cxlab.text import early_warning
from cxlab.text._warning import EXCERPT_WIDTH, excerpt

UTC = dt.UTC
DAY = dt.datetime(2026, 3, 10, 2, tzinfo=UTC)  # 10:00 in Shanghai


def _contacts() -> pl.DataFrame:
    rows = [
        # contact, customer, hours after DAY, note, resolved, fcr
        ("K-100001", "C-90001", 0, "气死了，宽带三天没修好，打我 13912345678", None, None),
        (
            "K-100002",
            "C-90002",
            1,
            "I am worried, when will my refund arrive? mail li.wei@example.com",
            DAY,
            False,
        ),
        ("K-100003", "C-90003", 2, "态度恶劣，要投诉", None, None),  # silver: not valuable
        ("K-100004", "C-90004", 3, "太离谱了，重复扣费", DAY, True),  # resolved at first contact
        ("K-100005", "C-90005", 4, "问题已解决，谢谢", None, None),  # satisfied
        ("K-100006", "C-90006", 5, "   ", None, None),  # no text
        ("K-100007", "C-90007", -30, "气死了", None, None),  # the day before
        ("K-100008", "C-90008", 6, "很着急，明天就要用", None, None),  # gold, lower value
    ]
    return pl.DataFrame(
        {
            "contact_id": [r[0] for r in rows],
            "customer_id": [r[1] for r in rows],
            "arrived_at": [DAY + dt.timedelta(hours=r[2]) for r in rows],
            "category": [
                "network",
                "billing",
                "service",
                "billing",
                "account",
                "x",
                "x",
                "delivery",
            ],
            "note": [r[3] for r in rows],
            "resolved_at": pl.Series([r[4] for r in rows], dtype=pl.Datetime("us", "UTC")),
            "first_contact_resolution": pl.Series([r[5] for r in rows], dtype=pl.Boolean),
        }
    )


def _customers() -> pl.DataFrame:
    ids = [f"C-9000{i}" for i in range(1, 9)]
    tiers = ["gold", "gold", "silver", "gold", "gold", "gold", "gold", "gold"]
    value = [300.0, 800.0, 5000.0, 900.0, 900.0, 900.0, 900.0, 120.0]
    return pl.DataFrame(
        {
            "customer_id": ids,
            "value_tier": tiers,
            "segment": ["individual"] * 8,
            "monthly_value": value,
        }
    )


def test_upset_unresolved_valuable_contacts_are_listed_by_value_at_stake(tmp_path) -> None:
    result = early_warning(_contacts(), _customers(), time_zone="Asia/Shanghai")
    t = result.table
    assert t["contact_id"].to_list() == ["K-100002", "K-100001", "K-100008"]
    assert t["predicted_emotion"].to_list() == ["anxious", "angry", "anxious"]
    assert t["unresolved"].to_list() == ["not_fcr", "still_open", "still_open"]
    assert t["value_at_stake"].to_list() == [800.0, 300.0, 120.0]
    assert result.funnel == {
        "contacts": 7,
        "with_text": 6,
        "negative": 5,
        "unresolved": 4,
        "valuable": 3,
        "customers": 3,
    }
    assert result.period_obj.start == dt.date(2026, 3, 10)
    with use_language("en"):
        said = result.findings()
        reasons = result.summary()["follow_up_reason"].to_list()
    assert said[0] == (
        "3 valuable customers had a contact that reads angry or anxious and is not resolved "
        "(Mar 10, 2026): call them back."
    )
    assert (
        "Of 6 contacts with a note, 5 read angry or anxious, 4 of those were not resolved"
        in said[1]
    )
    assert (
        reasons[0]
        == "Anxious; not resolved at first contact; gold customer, lower half of customers."
    )
    exported = result.export(tmp_path / "list.csv")
    assert pl.read_csv(exported)["follow_up_reason"][0] == (
        "Anxious; not resolved at first contact; gold customer, CN¥800 a month."
    )


def test_a_lower_value_threshold_and_more_days_widen_the_list() -> None:
    wide = early_warning(
        _contacts(), _customers(), tiers=("gold", "silver"), days=2, time_zone="Asia/Shanghai"
    )
    assert set(wide.table["contact_id"]) == {
        "K-100001",
        "K-100002",
        "K-100003",
        "K-100007",
        "K-100008",
    }
    by_value = early_warning(
        _contacts(), _customers(), tiers=(), min_monthly_value=1000.0, time_zone="Asia/Shanghai"
    )
    assert by_value.table["contact_id"].to_list() == ["K-100003"]


def test_the_report_never_shows_a_full_id_or_personal_data(tmp_path) -> None:
    result = early_warning(_contacts(), _customers(), time_zone="Asia/Shanghai")
    shown = result.summary()
    with use_language("zh"):
        page = result._repr_html_() + " ".join(result.findings())
    text = shown.write_csv() + page + str(result.to_dict())
    for full in [*_contacts()["contact_id"], *_customers()["customer_id"]]:
        assert full not in text
    for personal in ("13912345678", "li.wei@example.com", "example.com", "12345678"):
        assert personal not in text
    assert shown["customer_id"].str.contains(r"\*\*\*#").all()
    # the analyst's export keeps the real ids
    path = result.export(tmp_path / "warning.csv")
    exported = pl.read_csv(path)
    assert exported["contact_id"].to_list() == ["K-100002", "K-100001", "K-100008"]
    assert exported["customer_id"].to_list() == ["C-90002", "C-90001", "C-90008"]
    assert "13912345678" not in path.read_text()  # notes stay scrubbed even there


def test_nobody_to_follow_up_is_said() -> None:
    calm = _contacts().with_columns(pl.lit("问题已解决，谢谢").alias("note"))
    result = early_warning(calm, _customers(), time_zone="Asia/Shanghai")
    assert result.table.height == 0
    with use_language("en"):
        assert "nobody to follow up" in result.findings()[0]
    assert result.plot().data


def test_bad_calls_are_refused() -> None:
    with pytest.raises(OptionError, match="days"):
        early_warning(_contacts(), _customers(), days=0)
    with pytest.raises(OptionError, match="valuable"):
        early_warning(_contacts(), _customers(), tiers=())
    with pytest.raises(SchemaError, match="resolved_at or first_contact_resolution"):
        early_warning(_contacts().drop("resolved_at", "first_contact_resolution"), _customers())
    with pytest.raises(SchemaError, match="value_tier"):
        early_warning(_contacts(), _customers().drop("value_tier"))


def _month() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Three gold customers over March and April 2026: C-1 upset three times in March, C-2 once
    early in March, C-3 once on the last day of March; a calm contact on April 2."""
    at = [
        dt.datetime(2026, 3, 2, 2, tzinfo=UTC),
        dt.datetime(2026, 3, 15, 2, tzinfo=UTC),
        dt.datetime(2026, 3, 31, 3, tzinfo=UTC),
        dt.datetime(2026, 3, 3, 4, tzinfo=UTC),
        dt.datetime(2026, 3, 31, 5, tzinfo=UTC),
        dt.datetime(2026, 4, 2, 5, tzinfo=UTC),
    ]
    contacts = pl.DataFrame(
        {
            "contact_id": [f"K-{i}" for i in range(1, 7)],
            "customer_id": ["C-1", "C-1", "C-1", "C-2", "C-3", "C-4"],
            "arrived_at": at,
            "channel": ["phone"] * 6,
            "note": ["气死了，要退钱", "很着急", "太离谱了", "担心，尽快处理", "气愤", "谢谢"],
            "resolved_at": pl.Series([None] * 6, dtype=pl.Datetime("us", "UTC")),
            "first_contact_resolution": pl.Series([None] * 6, dtype=pl.Boolean),
        }
    )
    values = [900.0, 400.0, 100.0, 50.0] + [500.0] * 5 + [200.0] * 40 + [10.0] * 51
    customers = pl.DataFrame(
        {
            "customer_id": ["C-1", "C-2", "C-3", "C-4"] + [f"D-{i}" for i in range(96)],
            "value_tier": ["gold"] * 4 + ["silver"] * 96,
            "monthly_value": values,
        }
    )
    return contacts, customers


def test_one_row_per_customer_with_its_other_contacts_counted() -> None:
    contacts, customers = _month()
    result = early_warning(contacts, customers, period="2026-03", time_zone="Asia/Shanghai")
    t = result.table
    assert t["customer_id"].to_list() == ["C-1", "C-2", "C-3"]
    assert t["contact_id"].to_list() == ["K-1", "K-4", "K-5"]  # C-1: open, oldest first on a tie
    assert t["other_contacts"].to_list() == [2, 0, 0]
    assert result.funnel["valuable"] == 5 and result.funnel["customers"] == 3
    assert result.headline()[0].value == 3
    with use_language("en"):
        said = result.findings()
        note = result.export_note()
    assert said[0].startswith("3 valuable customers had a contact") and "(March 2026)" in said[0]
    assert said[1].startswith("They made 5 such contacts; each customer is listed once")
    assert "(3 customers)" in note
    one = early_warning(
        contacts.filter(pl.col("customer_id") == "C-2"),
        customers,
        period="2026-03",
        time_zone="Asia/Shanghai",
    )
    with use_language("en"):
        assert one.findings()[0].startswith("1 valuable customer had a contact")
    with use_language("zh"):
        assert all(s.strip() for s in result.findings())


def test_the_period_is_honoured_and_named() -> None:
    contacts, customers = _month()
    tz = "Asia/Shanghai"
    month = early_warning(contacts, customers, period="2026-03", time_zone=tz)
    assert month.period_obj.label == "2026-03" and month.days is None
    assert sorted(month.table["customer_id"]) == ["C-1", "C-2", "C-3"]
    # without a period: the last day of data only (April 2, nobody upset)
    assert early_warning(contacts, customers, time_zone=tz).table.height == 0
    # the last days of the period, and as_of inside it
    last = early_warning(contacts, customers, period="2026-03", days=1, time_zone=tz)
    assert sorted(last.table["contact_id"]) == ["K-3", "K-5"]
    week = early_warning(
        contacts, customers, period="2026-03", days=14, as_of="2026-03-16", time_zone=tz
    )
    assert (week.period_obj.start, week.period_obj.end) == (
        dt.date(2026, 3, 3),
        dt.date(2026, 3, 17),
    )
    assert week.table["contact_id"].to_list() == ["K-2", "K-4"]
    assert week.table["other_contacts"].to_list() == [0, 0]
    with use_language("en"):
        assert week.window.startswith("the last 14 days, Mar 3") and "16, 2026" in week.window
        assert month.window == "March 2026"
        assert "March 2026" in month.title
    with pytest.raises(OptionError, match="as_of"):
        early_warning(contacts, customers, period="2026-04", as_of="2026-03-31", time_zone=tz)


def test_the_report_shows_the_day_and_a_value_band_not_the_minute_or_the_figure() -> None:
    contacts, customers = _month()
    result = early_warning(contacts, customers, period="2026-03", time_zone="Asia/Shanghai")
    with use_language("en"):
        shown = result.summary()
        page = result._repr_html_() + " ".join(result.findings())
    assert not {"arrived_at", "monthly_value", "value_at_stake", "p_negative"} & set(shown.columns)
    assert shown["arrived_on"].to_list() == [
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 3),
        dt.date(2026, 3, 31),
    ]
    # of 100 customers, 1 has 900 or more (top 1%), 7 have 400 or more, 48 have 100 or more
    assert shown["value_band"].to_list() == ["top_1", "top_10", "top_50"]
    text = shown.write_csv() + page
    for exact in ("900", "400", "10:00", "11:00", "13:00"):
        assert exact not in text
    assert "top 10% of customers" in shown["follow_up_reason"][1]
    # the analyst's table keeps both
    assert result.table["monthly_value"].to_list() == [900.0, 400.0, 100.0]
    assert result.table["arrived_at"][0] == dt.datetime(2026, 3, 2, 2, tzinfo=UTC)


def test_the_report_shows_one_line_a_customer() -> None:
    """Short masked customer, reason, emotion, value band and the note's start: scrubbed
    before it is cut, so a phone number cut in half cannot slip through; the note's cell says
    its language."""
    result = early_warning(_contacts(), _customers(), time_zone="Asia/Shanghai")
    with use_language("en"):
        shown = result.reader_table()
        page = result._repr_html_()
    assert shown.columns == [
        "customer_id",
        "arrived_on",
        "contact_reason",
        "predicted_emotion",
        "value_band",
        "other_contacts",
        "note_excerpt",
    ]
    assert all(re.fullmatch(r"C-\*\*\*#[0-9a-z]{6}", m) for m in shown["customer_id"])
    assert shown["predicted_emotion"].to_list() == ["Anxious", "Angry", "Anxious"]
    assert shown["note_excerpt"][0] == "I am worried, when will my refund arrive? mail [email]"
    assert "CN¥" not in page and "lang='en'>I am worried" in page
    assert all(v.startswith(("Top", "Lower")) for v in shown["value_band"])
    assert "lang='zh'>气死了" in page
    assert "Download the full table (CSV)" in page


def test_a_note_excerpt_fits_one_line() -> None:
    long_zh = (
        "客户来电反映宽带三天没修好，要求今天上门维修，否则投诉到工信部，联系 13912345678 谢谢"
    )
    cut = excerpt(long_zh)
    assert cut.endswith("…") and "[" not in cut and "1391" not in cut
    assert sum(2 if "\u4e00" <= ch <= "\u9fff" else 1 for ch in cut) <= EXCERPT_WIDTH
    phone_at_end = "x" * 40 + " call me on 13912345678"
    assert "1391" not in excerpt(phone_at_end)  # scrubbed first, then cut
    english = "The customer is very upset that the refund has still not arrived after three weeks"
    assert excerpt(english) == "The customer is very upset that the refund has still…"
    assert excerpt("short note") == "short note" and excerpt(None) is None


def test_the_answer_counts_the_call_back_list_in_customers_over_its_window() -> None:
    """A monthly report's list covers its month: the answer names the window, never "today"."""
    import cxlab as cx

    contacts, customers = _month()
    result = early_warning(contacts, customers, period="2026-03", time_zone="Asia/Shanghai")
    frame = contacts.with_columns(
        category=pl.lit("Orders"), category_l2=pl.lit("Delivery"), category_l3=pl.lit("Late")
    )
    frame = pl.concat([frame, frame.with_columns(pl.col("arrived_at") - dt.timedelta(days=28))])
    reasons = cx.text.reasons(frame, period="2026-03", time_zone="Asia/Shanghai")
    with use_language("en"):
        said = cx.text.answer(reasons, call_back=result).findings()
    line = [s for s in said if "called back" in s]
    assert line == [
        "3 upset customers of high value with an unresolved contact (March 2026) are listed to be "
        "called back."
    ]
    with use_language("zh"):
        said = cx.text.answer(reasons, call_back=result).findings()
    assert any("需回访 3 位" in s and "今天" not in s for s in said)


def _downloads(page: str) -> list[str]:
    """The CSV files a page embeds, decoded."""
    return [
        base64.b64decode(href).decode("utf-8-sig")
        for href in re.findall(r"href='data:text/csv;charset=utf-8;base64,([^']+)'", page)
    ]


def test_the_reports_download_holds_only_what_the_body_shows() -> None:
    """The embedded call-back download carries the body's columns for every row (short mask,
    day, reason, emotion, value band, other contacts, the scrubbed start of the note): never the
    whole note, the channel, the queue or the segment, nor a label-keyed personal number."""
    long = (
        "气死了，宽带三天没修好，这个说明很长很长很长很长很长很长很长很长，护照 E12345678，"
        "银行卡 6222021234567890123，加我微信zhang_88a，"
        "wx: lisi_99 email lisi dot wang at gmail dot com"
    )
    contacts = _contacts().with_columns(
        pl.when(pl.col("contact_id") == "K-100001")
        .then(pl.lit(long))
        .otherwise(pl.col("note"))
        .alias("note"),
        pl.lit("phone").alias("channel"),
        pl.lit("broadband_vip").alias("queue"),
    )
    result = early_warning(contacts, _customers(), time_zone="Asia/Shanghai")
    with use_language("en"):
        page = result._repr_html_()
    (csv,) = _downloads(page)
    got = pl.read_csv(io.StringIO(csv))
    assert got.columns == [
        "Customer",
        "Arrived on",
        "Contact reason",
        "Emotion read",
        "Monthly value",
        "Other upset contacts",
        "Agent's note (start)",
    ], got.columns
    assert got.height == 3 and got["Other upset contacts"].to_list() == [0, 0, 0]
    assert got["Arrived on"].to_list() == ["2026-03-10"] * 3
    for secret in (
        "E12345678",
        "6222021234567890123",
        "zhang_88a",
        "lisi_99",
        "lisi dot wang",
        "broadband_vip",
        "Phone",
        "Individual",
        "很长很长很长很长很长很长很长很长",
    ):
        assert secret not in csv and secret not in page, secret
    body = result.reader_table()
    assert got["Agent's note (start)"].to_list() == body["note_excerpt"].to_list()
