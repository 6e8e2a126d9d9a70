"""A column of texts is scrubbed in polars (``scrub_texts``) to the same bytes as ``scrub_text``
gives text by text: on every pattern the scrubbing tests use, the near misses, the personal data
the synthetic generator plants, the notes of a workspace, and any text hypothesis makes of digits
in several scripts, separators, full-width forms and the words QQ and WeChat in any case."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cxlab as cx
from cxlab._present import scrub_frame, scrub_text, use_language
from cxlab._present._scrub import (
    SMALL,
    _every_character,
    _in_polars,
    _one_by_one,
    _prefilter,
    char_class,
    scrub_texts,
)
from test_privacy_scrub import AROUND, CARDS, EMAILS, HOSTILE, IDS, MOBILES, NEAR_MISSES

# the synthetic generator's planted personal data (cxlab.data._synth._notes.PERSONAL_FORMATS),
# each after the label the generator writes before it
PLANTED = [
    "客户留电话138-0000-0042",
    "客户来电，宽带断网，客户留电话138-0000-9999",
    "邮箱user46878@example.com",
    "用户在线反馈，订单号3925323919，很担心，邮箱user38323@example.org",
    "身份证号10000019900823202X",
    "工单内容：设备问题，身份证号10000020050101999X，已解决",
    "Cust called re billing, cb no. (202) 555-0142",
    "Email: refund late, email user95318@example.org",
    "Caller says parcel lost, ID no. 000-42-1234",
]
OTHERS = [  # the other texts the scrubbing tests read
    "电话13812345678 邮箱a@b.cn 身份证110101199003071234 卡6222021234567890128 QQ 12345678",
    "Order 2026070188812345 arrived broken on 2026-07-03; refund ¥1,299.00 to "
    "6222 0212 3456 7890 128? Call +86 138 1234 5678 or mail me at wang@example.com.",
    "fax 010-61234567",
    "VIP 13812345678",
    "Waited 40 minutes on hold, call me back on 13812345678",
    "",
    "   ",
]
AROUND_ = [
    "",
    " ",
    "订单号",
    "\u200b",
    "１",
    "x",
    "Ｑ",
    "+",
    "(",
    "0",
    "微信：",
    "微信号 ",
    "ｗｘｉｄ_",
]


def _scrubbed(texts: list[str | None]) -> list[str | None]:
    """The texts scrubbed in polars, checked against the path that reads them one by one."""
    series = pl.Series(texts, dtype=pl.Utf8)
    got = _in_polars(series).to_list()
    assert got == _one_by_one(series).to_list() == scrub_texts(series).to_list()
    return got


def _corpus() -> list[str]:
    texts = [h[0] for h in HOSTILE] + NEAR_MISSES + PLANTED + OTHERS
    return [a + t + b for t in texts for a in AROUND_ for b in ("", " 9", "号", "@")]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_pattern_the_scrubbing_tests_use_gives_the_same_bytes(language: str) -> None:
    corpus = _corpus()
    with use_language(language):
        got = _scrubbed(corpus)
        want = [scrub_text(t) for t in corpus]
    assert got == want
    assert sum(g != t for g, t in zip(got, corpus, strict=True)) > 1000  # scrubbing was tested


def test_the_notes_of_a_workspace_give_the_same_bytes(tiny_workspace) -> None:
    notes = cx.load("contacts", workspace=tiny_workspace).select("note").collect()["note"]
    with use_language("zh"):
        got = scrub_texts(notes)
        want = [None if t is None else scrub_text(t) for t in notes.to_list()]
    assert got.to_list() == want and notes.len() > SMALL
    assert (got != notes).sum() > 20  # the generator plants personal data in about 2%
    for clean in (pl.Series(["退款还没到", None, "parcel late"]), pl.Series(["ok 12"] * SMALL)):
        assert scrub_texts(clean) is clean  # nothing to scrub: the same series back


def test_polars_leaves_few_texts_for_python(tiny_workspace) -> None:
    """Of the notes polars cannot clear, nearly all do hold personal data."""
    notes = cx.load("contacts", workspace=tiny_workspace).select("note").collect()["note"]
    _keys, _values, _first, checks = _prefilter()
    looked = notes.filter(notes.str.contains(_first).fill_null(False))
    copy = looked.str.replace_many(_keys, _values)
    suspects = looked.filter(copy.str.contains("|".join(f"(?:{w})" for _p, w in checks)))
    changed = int((scrub_texts(notes) != notes).sum())
    assert changed <= suspects.len() <= 1.1 * changed + 5


def test_scrub_frame_reads_through_the_same_path() -> None:
    frame = pl.DataFrame({"note": ["call 13812345678", None, "fine"], "n": [1, 2, 3]})
    with use_language("en"):
        out = scrub_frame(frame)
    assert out["note"].to_list() == ["call [phone]", None, "fine"]
    assert frame["note"].to_list() == ["call 13812345678", None, "fine"]  # the input is kept


def test_the_character_classes_are_pythons() -> None:
    """Each class polars reads holds exactly the characters Python's ``re`` matches."""
    every = _every_character()
    for pattern in (r"\d", r"\s"):
        kept = pl.Series([every]).str.replace_all(char_class(pattern), "").item()
        assert kept == re.sub(pattern, "", every), pattern


PIECES = st.one_of(
    st.text(alphabet="0123456789０１２３４５６７８９٣५๓", min_size=1, max_size=19),
    st.sampled_from(list(" -.+()/:：#（）＋－\u00a0\u3000\u200b\u2013\t\n\x1c")),
    st.sampled_from(
        [
            *"qQｑＱİı@＠x转。_",
            "微信号:",
            "微信号",
            "QQ",
            "wechat",
            "WeiXin",
            "ext",
            "订单号",
            "wxid_",
        ]
    ),
    st.sampled_from(["order ", "card ", "身份证", "你好，", "abc"]),
    st.sampled_from(
        [
            "银行卡",
            "卡号",
            "card no ",
            "ＣＡＲＤ Ｎｏ.",
            "account number",
            "账号",
            "wx",
            "ＶＸ ",
            "wechat is ",
            "zhang_88a",
            "passport ",
            "护照号",
            "E",
            "IBAN ",
            "DE89",
            " ",
            " dot ",
            " at ",
            " [dot] ",
            "gmail",
            "lisi",
            "ſ",
            "K",
            "İ",
        ]
    ),
)
TEXTS = st.lists(st.lists(PIECES, max_size=12).map("".join), min_size=1, max_size=20)


@settings(max_examples=100, deadline=None)
@given(TEXTS)
def test_any_text_of_digits_separators_and_account_words_gives_the_same_bytes(
    texts: list[str],
) -> None:
    with use_language("en"):
        assert _scrubbed(texts) == [scrub_text(t) for t in texts]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(AROUND, st.one_of(MOBILES, IDS, CARDS, EMAILS), AROUND), max_size=8))
def test_any_personal_number_anywhere_gives_the_same_bytes(parts: list) -> None:
    texts = [a + d + b for a, d, b in parts]
    with use_language("zh"):
        assert _scrubbed(texts) == [scrub_text(t) for t in texts]
