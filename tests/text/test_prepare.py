"""Text hygiene: empty and whitespace texts, long texts, languages, personal data."""

from __future__ import annotations

import polars as pl
import pytest

from cxlab import OptionError, SchemaError
from cxlab._present import use_language
from cxlab.features import text_language
from cxlab.text import prepare_text


def test_empty_and_whitespace_texts_become_null_and_are_counted() -> None:
    frame = pl.DataFrame({"note": ["  网络断了 ", " ", "\t\n", "", None, "ok"]})
    out, account = prepare_text(frame)
    assert out["note"].to_list() == ["网络断了", None, None, None, None, "ok"]
    assert account.empty == 4 and account.rows == 6
    assert out["text_language"].to_list() == ["zh", None, None, None, None, "en"]
    with use_language("en"):
        assert account.sentences()[0] == "4 of 6 texts were empty and were left out."


def test_long_texts_are_cut_to_max_chars_and_flagged() -> None:
    frame = pl.DataFrame({"note": ["退款" * 800, "short", "x" * 50]})
    out, account = prepare_text(frame, max_chars=50)
    assert out["note"].str.len_chars().to_list() == [50, 5, 50]
    assert out["text_truncated"].to_list() == [True, False, False]
    assert account.truncated == 1
    with use_language("en"):
        assert "longer than 50 characters" in " ".join(account.sentences())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("宽带断网三天了", "zh"),
        ("APP闪退了，客户很生气", "zh"),  # one product term in a Chinese note
        ("客户说 refund still not received after two weeks", "mixed"),
        ("Parcel never arrived", "en"),
        ("Привет, посылка не пришла", "unknown"),
        ("荷物がまだ届きません", "unknown"),
        ("배송이 안 왔어요", "unknown"),
        ("12345 !!! 😡", "unknown"),
    ],
)
def test_language_is_chinese_english_mixed_or_unknown(text: str, expected: str) -> None:
    assert text_language(text) == expected


def test_personal_data_is_masked_before_anything_reads_the_text() -> None:
    frame = pl.DataFrame(
        {
            "note": [
                "请回电 138 1234 5678",
                "手机＋86-139-8765-4321，邮箱 wang.li@example.com",
                "身份证号 11010519900307123X 核实",
                "order 2026070188812345 is late",
            ]
        }
    )
    with use_language("en"):
        out, account = prepare_text(frame)
    notes = out["note"].to_list()
    assert notes[0] == "请回电 [phone]"
    assert "[phone]" in notes[1] and "[email]" in notes[1] and "example" not in notes[1]
    assert notes[2] == "身份证号 [ID] 核实"
    assert notes[3] == "order 2026070188812345 is late"  # an order number is not personal
    joined = " ".join(notes)
    for digits in ("12345678", "87654321", "11010519900307123X"):
        assert digits not in joined.replace(" ", "").replace("-", "")
    assert account.scrubbed == 3


def test_other_columns_are_kept_and_a_lazy_frame_is_read() -> None:
    frame = pl.LazyFrame({"contact_id": ["a", "b"], "body": ["hi there", None]})
    out, account = prepare_text(frame, text="body")
    assert out.columns == ["contact_id", "body", "text_language", "text_truncated"]
    assert out["contact_id"].to_list() == ["a", "b"] and account.languages["en"] == 1


def test_bad_calls_name_the_argument() -> None:
    frame = pl.DataFrame({"note": ["a"], "n": [1]})
    with pytest.raises(SchemaError, match="text='comment'"):
        prepare_text(frame, text="comment")
    with pytest.raises(SchemaError, match="must hold text"):
        prepare_text(frame, text="n")
    with pytest.raises(OptionError, match="max_chars"):
        prepare_text(frame, max_chars=0)


def test_the_account_reads_in_chinese() -> None:
    frame = pl.DataFrame({"note": [" ", "x" * 20, "call 13812345678", "Привет"]})
    _out, account = prepare_text(frame, max_chars=10)
    with use_language("zh"):
        said = account.sentences()
    assert len(said) == 4
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in s) for s in said), said


def _text_by_text(texts: list[str | None], max_chars: int) -> tuple[list, list]:
    """prepare_text text by text in Python: each text through scrub_text, and its language by
    text_language once the placeholders (in the reader's language) are taken out."""
    from cxlab._present import placeholder_words, scrub_text

    def language(text: str) -> str:
        for word in placeholder_words():
            text = text.replace(word, " ")
        return text_language(text)

    stripped = pl.Series(texts, dtype=pl.Utf8).str.strip_chars()
    masked = [None if t is None or t == "" else scrub_text(t) for t in stripped.to_list()]
    cut = pl.Series(masked, dtype=pl.Utf8).str.slice(0, max_chars).str.strip_chars().to_list()
    return cut, [None if t is None else language(t) for t in cut]


def test_the_same_texts_and_languages_as_text_by_text(tiny_workspace) -> None:
    """Scrubbed before the cut (a number cut in half is still personal), in both languages."""
    import cxlab as cx
    from test_privacy_scrub import HOSTILE, NEAR_MISSES

    notes = cx.load("contacts", workspace=tiny_workspace).select("note").collect()["note"]
    texts = [*notes.to_list(), *(f"  {h[0]} \t" for h in HOSTILE), *NEAR_MISSES, "\u3000", ""]
    texts += [f"客户很着急，请尽快回电，电话 138 1234 {n:04d}" for n in range(5)]
    for language, size in (("en", 24), ("zh", 1000)):
        with use_language(language):
            out, account = prepare_text(pl.DataFrame({"note": texts}), max_chars=size)
            cut, languages = _text_by_text(texts, size)
        assert out["note"].to_list() == cut
        assert out["text_language"].to_list() == languages
        assert account.scrubbed > 50 and (account.truncated > 1000) == (size == 24)
        # cut at 24 characters after scrubbing: no half of the number is left
        assert not any("1234" in t for t in out["note"].to_list()[-5:])


def test_the_classifier_reads_the_prepared_text() -> None:
    """Personal data is scrubbed before the classifier learns a word of it, a frame prepared
    already is read as it is, and the languages are text_language's."""
    import cxlab as cx

    notes = ["refund not received, call 13812345678", "parcel is late", "退款还没到", "快递太慢了"]
    train = pl.DataFrame({"note": notes * 10, "category": ["Billing", "Orders"] * 20})
    with use_language("en"):
        model = cx.text.train_classifier(train, labels=("category",), calibration=0.3)
        later = pl.DataFrame({"note": ["refund 退款 still not received", " ", "Привет"]})
        raw = model.predict(later)
        prepared = model.predict(prepare_text(later)[0])
    vocabulary = set(model.features.vocabulary["token"].to_list())
    assert "piiphone" in vocabulary and not any("138" in t for t in vocabulary)
    assert raw.equals(prepared)
    assert raw["text_language"].to_list() == ["mixed", None, "unknown"]
    assert raw["category_predicted"].to_list()[1] is None
    assert model.trained["empty"] == 0 and model.max_chars == 1000


def test_a_model_reads_scrubbed_data_alike_whatever_the_readers_language() -> None:
    """The scrubber writes its placeholders in the reader's language ([phone], [电话]); a model
    trained in one language's run and used in the other's reads the same token."""
    import cxlab as cx

    notes = ["refund not received, call 13812345678", "parcel is late, mail a@b.cn", "退款还没到"]
    train = pl.DataFrame({"note": notes * 10, "category": ["Billing", "Orders", "Billing"] * 10})
    later = pl.DataFrame({"note": ["please call 13912345678", "mail me at x@y.com", "打电话"]})
    with use_language("zh"):
        model = cx.text.train_classifier(train, labels=("category",), calibration=0.3)
        in_zh = model.predict(later)
    with use_language("en"):
        again = cx.text.train_classifier(train, labels=("category",), calibration=0.3)
        in_en = model.predict(later)
    assert in_zh.equals(in_en)
    assert in_zh["text_language"].to_list() == ["en", "en", "zh"]  # not read from "[电话]"
    assert again.features.vocabulary.equals(model.features.vocabulary)
    assert {"piiphone", "piiemail"} <= set(model.features.vocabulary["token"].to_list())
