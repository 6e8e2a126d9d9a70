"""The text room on more untidy input: a labelled card number that fails the Luhn check, a note
whose "not resolved" is a status, not a feeling, and a month without notes on the emotion card."""

from __future__ import annotations

import polars as pl
import pytest

from cxlab._present import scrub_text, use_language
from cxlab.text import emotion_trend
from cxlab.text._sentiment import lexicon_emotion_of

from ._notes import contacts as labelled_contacts


def test_a_labelled_card_number_is_scrubbed_even_when_it_fails_luhn() -> None:
    with use_language("en"):
        assert "6222021234567890123" not in scrub_text("非常愤怒 银行卡 6222021234567890123")


def test_a_status_of_not_resolved_is_not_anger() -> None:
    # the same note in Chinese reads neutral; the call-back list selects unresolved contacts
    assert lexicon_emotion_of("网络卡顿，客户情绪平稳，未解决，需跟进") == "neutral"
    assert lexicon_emotion_of("keeps lagging, calm, not resolved, follow up") == "neutral"


def test_the_emotion_card_of_a_period_without_notes_has_no_value() -> None:
    frame, _truth = labelled_contacts(1200, seed=4, months=4)
    last = frame["arrived_at"].dt.truncate("1mo").max()
    frame = frame.with_columns(
        pl.when(pl.col("arrived_at") >= last).then(None).otherwise(pl.col("note")).alias("note")
    )
    # the data end on the 28th, so "latest_month" is the complete month before: name the month
    trend = emotion_trend(frame, period=f"{last:%Y-%m}", sample=None, time_zone="UTC")
    card = trend.headline()[0]
    assert card.value is None and card.change is None
    assert card.period == ("2026-10-01", "2026-11-01")
    with use_language("en"):
        assert trend.findings() == ["No note of October 2026 could be read for its emotion."]
    # the month before still reads its own figure when it is the period
    before = emotion_trend(frame, period="2026-09", sample=None, time_zone="UTC")
    assert before.headline()[0].value == pytest.approx(before._negative()["estimate"][-1])
