"""The text room on untidy and hostile input: a customer who calls twice, contacts without a
reason, a note cut where a personal number sits, a WeChat id without a colon, a month without
notes."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cxlab._present import scrub_text, use_language
from cxlab.text import early_warning, evaluate, rising, train_classifier

from ._notes import contacts as labelled_contacts

UTC = dt.UTC
DAY = dt.datetime(2026, 3, 10, 2, tzinfo=UTC)  # 10:00 in Shanghai


def test_the_call_back_card_counts_customers_not_contacts() -> None:
    """One angry gold customer who called twice is one customer to call back."""
    frame = pl.DataFrame(
        {
            "contact_id": ["K-1", "K-2", "K-3"],
            "customer_id": ["C-1", "C-1", "C-2"],
            "arrived_at": [DAY, DAY + dt.timedelta(hours=1), DAY + dt.timedelta(hours=2)],
            "note": ["气死了，要投诉", "还是没修好，气死了", "太离谱了，要投诉"],
            "resolved_at": pl.Series([None, None, None], dtype=pl.Datetime("us", "UTC")),
            "first_contact_resolution": pl.Series([None, None, None], dtype=pl.Boolean),
        }
    )
    customers = pl.DataFrame(
        {
            "customer_id": ["C-1", "C-2"],
            "value_tier": ["gold", "gold"],
            "monthly_value": [500.0, 300.0],
        }
    )
    result = early_warning(frame, customers, time_zone="Asia/Shanghai")
    card = result.headline()[0]
    assert card.value == 2  # two customers (three contacts)


def test_a_refusal_of_unlabelled_training_contacts_masks_their_ids() -> None:
    """The error text reaches the published index page and status.json when a report fails."""
    frame, _truth = labelled_contacts(200, seed=3)
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 7)
        .then(None)
        .otherwise(pl.col("category_l3"))
        .alias("category_l3")
    )
    with pytest.raises(Exception) as caught:
        train_classifier(frame, calibration=0.2)
    assert frame["contact_id"][7] not in str(caught.value)


def test_examples_are_scrubbed_before_they_are_cut() -> None:
    frame, _truth = labelled_contacts(400, seed=5)
    model = train_classifier(frame, calibration=0.2)
    note = "y" * 185 + " 身份证 11010519491231002X"
    later = pl.DataFrame(
        {
            "contact_id": ["X1"],
            "note": [note],
            "category": ["Nowhere"],  # wrong on purpose: the note becomes an example
            "category_l2": ["Nowhere"],
            "category_l3": ["Nowhere"],
        }
    )
    result = evaluate(model, later, reps=5)
    text = " ".join(result.examples["text"].to_list())
    assert "1101051949" not in text


def test_a_wechat_id_without_a_colon_is_scrubbed() -> None:
    with use_language("en"):
        assert "wxid_zhang88" not in scrub_text("非常愤怒，微信号 wxid_zhang88")


def test_a_period_without_notes_gives_a_result_that_says_so() -> None:
    frame, _truth = labelled_contacts(800, seed=1, months=4)
    last = frame["arrived_at"].max().month
    frame = frame.with_columns(
        pl.when(pl.col("arrived_at").dt.month() == last)
        .then(None)
        .otherwise(pl.col("note"))
        .alias("note")
    )
    period = frame["arrived_at"].max().strftime("%Y-%m")
    result = rising(frame, period=period, by="term", time_zone="UTC")
    assert result.table.height == 0
