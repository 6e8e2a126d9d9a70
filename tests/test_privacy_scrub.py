"""Free text is scrubbed of personal data before a reader sees it: phone numbers (Chinese
mobiles with or without +86 and separators, landlines, international numbers), e-mail addresses,
Chinese resident ID numbers, bank-card numbers and chat accounts become a typed placeholder in the
reader's language, in every text cell of a table, its CSV download, and the comments the NPS
results quote. Near misses (order numbers, dates, amounts, counts) are left alone."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime

import polars as pl
import pytest

from cxlab._present import (
    PLACEHOLDERS,
    csv_link,
    format_cell,
    personal_spans,
    scrub_frame,
    scrub_text,
    table_html,
    use_language,
)

# (text, the personal data in it, its kind): the data must be gone and the placeholder there
HOSTILE = [
    ("请打电话13812345678谢谢", "13812345678", "phone"),
    ("call me on 138 1234 5678 tonight", "138 1234 5678", "phone"),
    ("my number: 138-1234-5678.", "138-1234-5678", "phone"),
    ("手机 +86 139 1234 5678", "+86 139 1234 5678", "phone"),
    ("电话：+8615912345678，急", "+8615912345678", "phone"),
    ("0086-17712345678 anytime", "0086-17712345678", "phone"),
    ("（+86）186-1234-5678", "（+86）186-1234-5678", "phone"),
    ("手机号１３８１２３４５６７８", "１３８１２３４５６７８", "phone"),  # full-width digits
    ("2026年7月1日13912345678回电", "13912345678", "phone"),
    ("Tel13812345678 (mobile)", "13812345678", "phone"),
    ("no-break 138\u00a01234\u00a05678", "138\u00a01234\u00a05678", "phone"),
    ("zero-width 138\u200b1234\u200b5678", "138\u200b1234\u200b5678", "phone"),
    ("dashes 138–1234–5678", "138–1234–5678", "phone"),
    ("座机010-61234567转123", "010-61234567转123", "phone"),
    ("office (0755) 1234567", "(0755) 1234567", "phone"),
    ("办公室 021 6123 4567", "021 6123 4567", "phone"),
    ("UK office +44 20 7946 0958", "+44 20 7946 0958", "phone"),
    ("call +1 (415) 555-2671", "+1 (415) 555-2671", "phone"),
    ("US (415) 555-2671", "(415) 555-2671", "phone"),
    ("Paris +33 1 23 45 67 89", "+33 1 23 45 67 89", "phone"),
    ("Berlin +49 30 12345678", "+49 30 12345678", "phone"),
    ("mobile 07700 900123 (UK)", "07700 900123", "phone"),
    ("mail li.wei@example.cn please", "li.wei@example.cn", "email"),
    ("邮箱zhang_san+cx@mail.qq.com谢谢", "zhang_san+cx@mail.qq.com", "email"),
    ("13812345678@163.com", "13812345678@163.com", "email"),
    ("write to Ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", "Ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ", "email"),
    ("身份证号110101199003071234", "110101199003071234", "id"),
    ("身份证 11010519491231002X 请核实", "11010519491231002X", "id"),
    ("ID 44030420000229301x", "44030420000229301x", "id"),
    ("证件号 110101 19900307 1234", "110101 19900307 1234", "id"),
    ("SSN 000-12-3456 on file", "000-12-3456", "id"),
    ("social security 123-45-6789.", "123-45-6789", "id"),
    ("卡号6222021234567890128", "6222021234567890128", "card"),
    ("refund to card 4111 1111 1111 1111", "4111 1111 1111 1111", "card"),
    ("card 5500-0000-0000-0004 please", "5500-0000-0000-0004", "card"),
    ("amex 3782 822463 10005", "3782 822463 10005", "card"),
    ("银行卡 6228480402564890018", "6228480402564890018", "card"),
    ("加我QQ 12345678", "12345678", "account"),
    ("微信号: wxid_abc123 联系", "wxid_abc123", "account"),
    ("WeChat: li_wei_88", "li_wei_88", "account"),
    ("非常愤怒，微信号 wxid_zhang88", "wxid_zhang88", "account"),
    ("微信号wxid_abc123联系", "wxid_abc123", "account"),
    ("加我 wxid_ab-c_1 谢谢", "wxid_ab-c_1", "account"),
    ("微信号 zhang88 加我", "zhang88", "account"),
    ("SSN 123 45 6789 on file", "123 45 6789", "id"),
    ("card 6222 0212 3456 7890 123 (mistyped)", "6222 0212 3456 7890 123", "card"),
    ("refund to 4111 1111 1111 1112", "4111 1111 1111 1112", "card"),
    ("call +8613812345678", "+8613812345678", "phone"),
    # after a label, whatever the check digit (label-keyed rules)
    ("非常愤怒 银行卡 6222021234567890123", "6222021234567890123", "card"),
    ("card no 6222021234567890123", "6222021234567890123", "card"),
    ("Card No.: 6222 0212 3456 7890 12", "6222 0212 3456 7890 12", "card"),
    ("卡号6222021234567890", "6222021234567890", "card"),
    ("银行卡号：6222021234567890", "6222021234567890", "card"),
    ("account number: 12345678901", "12345678901", "account"),
    ("账号 6222021234", "6222021234", "account"),
    ("微信 zhang_88a", "zhang_88a", "account"),
    ("加我微信zhang88", "zhang88", "account"),
    ("wx: zhang88", "zhang88", "account"),
    ("WX:lisi_wang", "lisi_wang", "account"),
    ("vx zhang88", "zhang88", "account"),
    ("my wechat is zhang_88a", "zhang_88a", "account"),
    ("passport E12345678", "E12345678", "id"),
    ("护照号：G1234567 请核实", "G1234567", "id"),
    ("email lisi dot wang at gmail dot com", "lisi dot wang at gmail dot com", "email"),
    ("li [at] qq [dot] com", "li [at] qq [dot] com", "email"),
    ("IBAN DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00", "account"),
    ("iban: DE89370400440532013000", "DE89370400440532013000", "account"),
    ("pay to GB29 NWBK 6016 1331 9268 19", "GB29 NWBK 6016 1331 9268 19", "account"),
]

# near misses: left exactly as written
NEAR_MISSES = [
    "订单号 1234567890123456789 还没发货",
    "order no. 4111111111111111 was wrong",
    "ticket 20260701123 still open",
    "运单 SF1381234567890",
    "2026-07-01 10:30 退款 ¥1,234.56",
    "between 2026-07-01 and 2026-07-31",
    "2026年7月1日下单，7月15日才到",
    "金额12345678元",
    "refund of $1,299.00 (inc. 13% VAT)",
    "waited 45 minutes, 3 transfers, 0.5% fee",
    "NPS +3.2 (95% range 1 to 5)",
    "增长 +12.5%",
    "call 95588 or 400-820-1234",
    "contract 12 months, 24.99/month",
    "1,234,567 contacts in Q3 2026",
    "version 3.10.2, build 20260701",
    "微信支付失败，QQ音乐会员",
    "at 09:30-18:00 Mon-Fri",
    "Q3: 2026-07-01 – 2026-09-30, 9:00–18:00",
    "between 1200–1500 calls a day, 12,345–23,456 a month",
    "order 6222 0212 3456 7890 123 shipped",
    "微信 payment failed, wechat id required",
    # label words without what they label
    "银行卡扣费2次，卡号未提供",
    "credit card 2 charges, card no longer works",
    "account locked since 2026-07-01, account no. unknown",
    "my wechat is down, wx pay failed, vx",
    "passport renewal due 2027",
    "IBAN not given; SF1234 5678",
    "waited at home, dot matrix printer",
    "agent at desk 12 dot 5",
]


@pytest.mark.parametrize(("text", "data", "kind"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_text_is_scrubbed_with_a_typed_placeholder(text: str, data: str, kind: str):
    with use_language("en"):
        out = scrub_text(text)
    assert data not in out, out
    assert PLACEHOLDERS[kind] in out, out
    digits = "".join(ch for ch in data if ch.isdigit())
    if len(digits) >= 5:  # not a digit of it is left in place
        assert digits not in "".join(ch for ch in out if ch.isdigit()), out
    assert scrub_text(out) == out  # scrubbing is idempotent


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_are_left_alone(text: str) -> None:
    assert personal_spans(text) == []
    assert scrub_text(text) == text


def test_accounts_cards_and_phones_written_loosely_get_their_own_placeholder() -> None:
    """A WeChat id without its name's colon, an SSN with spaces, a card that fails the Luhn
    check in groups of four, and a mobile after ``+86`` with no space each become one whole
    placeholder of their kind, with no digit of them left beside it."""
    with use_language("en"):
        assert scrub_text("微信号 wxid_abc123") == "微信号 [account]"
        assert scrub_text("微信号wxid_abc123") == "微信号[account]"
        assert scrub_text("SSN 123 45 6789") == "SSN [ID]"
        assert scrub_text("SSN 123-45 6789") == "SSN 123-45 6789"  # one separator throughout
        assert scrub_text("卡 6222 0212 3456 7890 123") == "卡 [card]"
        assert scrub_text("卡 6222 0212 3456 7890") == "卡 [card]"
        assert scrub_text("卡 6222021234567890123") == "卡 6222021234567890123"  # not grouped
        assert scrub_text("+8613812345678") == "[phone]"
        assert scrub_text("+4111111111111111") == "[card]"
        assert scrub_text("order 6222 0212 3456 7890 123") == "order 6222 0212 3456 7890 123"


def test_placeholders_in_the_readers_language() -> None:
    text = "电话13812345678 邮箱a@b.cn 身份证110101199003071234 卡6222021234567890128 QQ 12345678"
    with use_language("zh"):
        assert scrub_text(text) == "电话[电话] 邮箱[邮箱] 身份证[身份证] 卡[银行卡] QQ [账号]"
    with use_language("en"):
        assert scrub_text(text) == "电话[phone] 邮箱[email] 身份证[ID] 卡[card] QQ [account]"


def test_several_in_one_comment_and_other_values_untouched() -> None:
    text = (
        "Order 2026070188812345 arrived broken on 2026-07-03; refund ¥1,299.00 to "
        "6222 0212 3456 7890 128? Call +86 138 1234 5678 or mail me at wang@example.com."
    )
    with use_language("en"):
        out = scrub_text(text)
    assert out == (
        "Order 2026070188812345 arrived broken on 2026-07-03; refund ¥1,299.00 to "
        "[card]? Call [phone] or mail me at [email]."
    )
    for value in (None, "", 42, 3.5):
        assert scrub_text(value) == value  # type: ignore[arg-type]


def test_every_text_cell_of_a_table_and_its_download_is_scrubbed() -> None:
    frame = pl.DataFrame(
        {
            "segment": ["individual"] * 20,
            "comment": [f"call 1381234{n:04d} or mail u{n}@example.com" for n in range(20)],
            "nps": list(range(20)),
            "when": [datetime(2026, 7, 1, tzinfo=UTC)] * 20,
        }
    )
    with use_language("en"):
        markup = table_html(frame, max_rows=5, name="comments")
        assert format_cell("fax 010-61234567", "comment") == "fax [phone]"
        link = csv_link(frame, name="comments")
    assert "1381234" not in markup and "@example.com" not in markup
    assert markup.count("[phone]") == 5 and "[email]" in markup
    for html_text in (markup, link):
        for data in re.findall(r"base64,([A-Za-z0-9+/=]+)", html_text):
            csv = base64.b64decode(data).decode("utf-8")
            assert "1381234" not in csv and "@example.com" not in csv
            assert csv.count("[phone]") == 20
    # a text column of levels (left-aligned, labelled) is scrubbed too
    levels = pl.DataFrame({"queue": ["VIP 13812345678"] * 3, "n": [1, 2, 3]})
    with use_language("en"):
        assert "13812345678" not in table_html(levels)


def test_a_report_download_neutralises_spreadsheet_formulas() -> None:
    """A survey comment or note that starts like a formula is not run by a spreadsheet that
    opens the report's CSV download (OWASP CSV injection)."""
    frame = pl.DataFrame({"comment": ['=HYPERLINK("http://x","ok")', "@SUM(A1)", "fine"]})
    with use_language("en"):
        link = csv_link(frame, name="comments")
    csv = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", link).group(1)).decode("utf-8")
    rows = csv.lstrip("\ufeff").splitlines()[1:]
    assert rows[0].startswith("\"'=HYPERLINK") and rows[1] == "'@SUM(A1)" and rows[2] == "fine"


def test_scrub_frame_touches_only_text_columns_and_reads_each_value_once() -> None:
    frame = pl.DataFrame(
        {
            "comment": ["call 13812345678", None, "fine", "call 13812345678"],
            "phone_like_number": [13812345678, 1, 2, 3],
        }
    )
    with use_language("en"):
        out = scrub_frame(frame)
    assert out["comment"].to_list() == ["call [phone]", None, "fine", "call [phone]"]
    assert out["phone_like_number"].to_list() == frame["phone_like_number"].to_list()
    assert scrub_frame(frame, ["phone_like_number"]).equals(frame)


def test_nps_results_quote_comments_scrubbed_and_the_export_keeps_them(tmp_path) -> None:
    """Theme examples, the call-back list (its summary, table, CSV link, metrics and repr) show
    no personal data; the analyst-side export, for the care team, keeps the comment whole."""
    import cxlab as cx

    n = 40
    surveys = pl.DataFrame(
        {
            "survey_id": [f"S{i:05d}" for i in range(n)],
            "customer_id": [f"C{i:07d}" for i in range(n)],
            "responded_at": [datetime(2026, 10, 1 + i % 28, 12, tzinfo=UTC) for i in range(n)],
            "nps": [i % 11 for i in range(n)],
            "comment": [
                f"Waited 40 minutes on hold, call me 1391234{i:04d} or mail k{i}@example.org"
                for i in range(n)
            ],
            "language": ["en"] * n,
        }
    )
    with use_language("en"):
        themes = cx.nps.themes(surveys, period="2026-10")
        follow = cx.nps.followup(surveys, period="2026-10")
        shown = [
            themes._repr_html_(),
            themes.details()._repr_html_(),
            repr(themes.details()),
            str(themes.to_dict()),
            repr(themes),
            follow._repr_html_(),
            str(follow.to_dict()),
            repr(follow),
            follow.reader_table().write_csv(),
        ]
    for text in shown:
        for data in [text, *map(_decoded, re.findall(r"base64,([A-Za-z0-9+/=]+)", text))]:
            assert "1391234" not in data and "@example.org" not in data
            assert not re.search(r"\bC\d{7}\b", data)
    assert "[phone]" in shown[0] and "[phone]" in shown[5]
    exported = follow.export(tmp_path / "callbacks.csv").read_text()
    assert "13912340000" in exported or "@example.org" in exported


def test_a_scrubbed_comment_keeps_the_language_its_customer_wrote_in() -> None:
    """On a Chinese page the placeholder is Chinese ([电话]); an English comment carrying one is
    still quoted as English (lang='en' and its tag), not taken for Chinese."""
    import cxlab as cx

    surveys = pl.DataFrame(
        {
            "survey_id": ["S1"],
            "customer_id": ["C0000001"],
            "responded_at": [datetime(2026, 10, 3, 12, tzinfo=UTC)],
            "nps": [2],
            "comment": ["Waited 40 minutes on hold, call me back on 13812345678"],
        }
    )
    with use_language("zh"):
        page = cx.nps.followup(surveys, period="2026-10")._repr_html_()
    assert "<span lang='en'>Waited 40 minutes on hold, call me back on [电话]</span>" in page
    assert "13812345678" not in page


def _decoded(data: str) -> str:
    return base64.b64decode(data).decode("utf-8")


# -- properties: any number of each kind, anywhere in any text ------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

AROUND = st.text(
    alphabet=st.sampled_from(list("你好谢请联系我的电话是，。！ abcXYZ:：()（）-/")), max_size=12
)


def _luhn_complete(body: str) -> str:
    for check in "0123456789":
        digits = body + check
        total = sum(
            (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d
            for i, d in enumerate(int(c) for c in reversed(digits))
        )
        if total % 10 == 0:
            return digits
    raise AssertionError  # pragma: no cover


def _id_number(area: int, born: int, seq: int) -> str:
    import datetime as dt

    body = f"{area:06d}{(dt.date(1940, 1, 1) + dt.timedelta(days=born)):%Y%m%d}{seq:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def _mobile(second: str, rest: int, sep: str | None, prefix: str) -> str:
    number = f"1{second}{rest:09d}"
    if sep is not None:
        number = sep.join((number[:3], number[3:7], number[7:]))
    return prefix + number


MOBILES = st.builds(
    _mobile,
    st.sampled_from("3456789"),
    st.integers(0, 999_999_999),
    st.sampled_from([None, " ", "-"]),
    st.sampled_from(["", "+86 ", "+86", "0086-", "(+86) "]),
)
IDS = st.builds(
    _id_number, st.integers(110000, 659999), st.integers(0, 25_000), st.integers(0, 999)
)
CARDS = st.builds(
    lambda head, body: _luhn_complete(head + body),
    st.sampled_from(["62", "4", "51", "35"]),
    st.text(alphabet="0123456789", min_size=13, max_size=15),
)
EMAILS = st.from_regex(r"[a-z][a-z0-9._]{0,10}@[a-z]{2,8}\.(com|cn|org|net)", fullmatch=True)


@settings(max_examples=150, deadline=None)
@given(AROUND, st.one_of(MOBILES, IDS, CARDS, EMAILS), AROUND)
def test_any_personal_number_anywhere_is_scrubbed(before: str, data: str, after: str) -> None:
    out = scrub_text(before + data + after)
    digits = "".join(ch for ch in data if ch.isdigit())
    assert data not in out
    assert digits not in "".join(ch for ch in out if ch.isdigit()) or "@" in data


DATES = st.dates().map(lambda d: f"{d:%Y-%m-%d}" if d.year > 999 else f"{d.year:04d}-01-01")
AMOUNTS = st.integers(0, 10**9).map(lambda n: f"¥{n / 100:,.2f}")
TIMES = st.times().map(lambda t: f"{t:%H:%M}")
SHARES = st.floats(0, 100).map(lambda x: f"{x:.1f}%")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(DATES, AMOUNTS, TIMES, SHARES), min_size=1, max_size=4), AROUND)
def test_dates_amounts_times_and_shares_are_never_scrubbed(values: list[str], glue: str) -> None:
    text = (glue or " ").join(values)
    assert scrub_text(text) == text
