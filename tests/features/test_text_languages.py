"""``text_languages``, the polars reading of ``text_language``, gives the same answer on every
text: Chinese, English and both, kana, hangul, Cyrillic and other scripts, emoji, digits, letters
that are numbers, combining marks, and any text hypothesis makes."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from cxlab._present._scrub import _every_character, char_class
from cxlab.features import text_language, text_languages
from cxlab.features._lexicon import _OTHER_LETTER

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


def test_other_scripts_are_classed_as_python_classes_them() -> None:
    """Every code point: polars' class of letters of another script holds exactly the
    characters Python's pattern matches (the only class not written as plain ranges)."""
    every = _every_character()
    kept = pl.Series([every]).str.replace_all(char_class(_OTHER_LETTER.pattern), "").item()
    assert kept == _OTHER_LETTER.sub("", every)
    assert len(every) - len(kept) > 100_000


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
