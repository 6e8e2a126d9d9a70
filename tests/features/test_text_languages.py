"""``text_languages``, the polars reading of ``text_language``, gives the same answer on every
text: Chinese, English and both, kana, hangul, Cyrillic and other scripts, emoji, digits, letters
that are numbers, combining marks, and any text hypothesis makes."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlab.features import text_language, text_languages

CORPUS = [
    None,
    "",
    "   ",
    "宽带断网三天了",
    "APP闪退了，客户很生气",
    "客户说 refund still not received after two weeks",
    "退款 refund 没到 not yet ok",
    "Parcel never arrived",
    "ok",
    "Привет, посылка не пришла",
    "Привет ok",
    "order Привет",
    "荷物がまだ届きません",
    "配送が遅い 快递太慢了 快递太慢了 快递太慢了",
    "배송이 안 왔어요",
    "배송 快递太慢了快递太慢了快递太慢了",
    "12345 !!! 😡",
    "😡😡 bad",
    "👍",
    "١٢٣ رسالة",
    "مرحبا hello",
    "สวัสดี hi",
    "Γειά σου ok",
    "Ⅻ Ⅳ ok",
    "②③ ab",
    "x² ab",
    "naïve café",
    "e\u0301e\u0301 ab",
    "ｆｕｌｌ ｗｉｄｔｈ",
    "㐀㐁 ab cd ef",
    "豈 more words here",
    "〇〇 ok",
    "_ _ _",
    "ǅ ab",
    "ß ß ß ab",
]


def test_the_same_answer_on_a_corpus_of_scripts() -> None:
    got = text_languages(pl.Series(CORPUS, dtype=pl.Utf8)).to_list()
    assert got == [text_language(t) for t in CORPUS]
    assert got[:9] == [None, "unknown", "unknown", "zh", "zh", "mixed", "mixed", "en", "en"]
    # Cyrillic outnumbers the Latin letters; kana and hangul, unless a few beside five times as
    # many Chinese characters
    assert got[9:16] == ["unknown"] * 4 + ["zh", "unknown", "zh"]
    assert {"zh", "en", "mixed", "unknown"} == set(got) - {None}


def test_every_ascii_character_and_a_sample_of_every_block() -> None:
    """Plain ASCII is read by polars alone (no letter of another script in it): every ASCII
    character alone and beside Latin, Chinese and kana; and one character of every 64 code
    points of Unicode beside Latin letters."""
    ascii_ = [chr(c) for c in range(128)]
    texts = [c + tail for c in ascii_ for tail in ("", "ab", " ok go now 退款", "あ退款退款")]
    texts += [chr(c) + " ab" for c in range(0x80, 0x110000, 64) if not 0xD800 <= c <= 0xDFFF]
    got = text_languages(pl.Series(texts)).to_list()
    assert got == [text_language(t) for t in texts]
    assert {"zh", "en", "mixed", "unknown"} <= set(got)


SCRIPTS = st.one_of(
    st.sampled_from([*"网络断了退款闪退快递", "APP", "refund", "ok", " ", "，", "1", "😡"]),
    st.characters(min_codepoint=0x3040, max_codepoint=0x30FF),  # kana
    st.characters(min_codepoint=0xAC00, max_codepoint=0xD7AF),  # hangul
    st.characters(min_codepoint=0x0400, max_codepoint=0x04FF),  # Cyrillic
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),  # emoji
    st.characters(categories=("Nd", "Nl", "No", "Mn", "Lo", "Lm")),
    st.characters(min_codepoint=0x41, max_codepoint=0x7A),
    st.characters(),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(SCRIPTS, max_size=30).map("".join)), max_size=20))
def test_the_same_answer_on_any_text(texts: list[str | None]) -> None:
    got = text_languages(pl.Series(texts, dtype=pl.Utf8)).to_list()
    assert got == [text_language(t) for t in texts]
