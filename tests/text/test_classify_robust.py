"""The contact-reason classifier on untidy labels: a name under two parents, a training contact
without a reason, a reason never seen in training, a period without notes; and probabilities
calibrated level by level when the leaf labels are noisy."""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl
import pytest

import cxlab as cx
from cxlab._present import use_language

from ._notes import contacts

RENAMED = {"Exchange": "Other", "Double charge": "Other"}  # level 3, under Returns and Charges
RENAMED_L2 = {"Returns": "Misc", "Refunds": "Misc"}  # level 2, under Orders and Billing


def _renamed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("category_l3").replace(RENAMED), pl.col("category_l2").replace(RENAMED_L2)
    )


def _month(frame: pl.DataFrame) -> pl.Expr:
    return pl.col("arrived_at").dt.month()


@pytest.fixture(scope="module")
def renamed() -> tuple[pl.DataFrame, pl.DataFrame]:
    frame, truth = contacts(1500, seed=4)
    return _renamed(frame), _renamed(truth)


def test_a_name_under_two_parents_is_two_categories(renamed) -> None:
    frame, truth = renamed
    model = cx.text.train_classifier(frame.filter(_month(frame) < 10), calibration=0.2)
    paths = set(model.paths.rows())
    assert {("Orders", "Misc", "Other"), ("Billing", "Charges", "Other")} <= paths
    assert {("Orders", "Misc", "Return request"), ("Billing", "Misc", "Refund delay")} <= paths
    later = frame.filter(_month(frame) == 10)
    pred = model.predict(later)
    assert set(pred.select(f"{c}_predicted" for c in model.labels).rows()) <= paths
    with use_language("en"):
        result = cx.text.evaluate(model, later, truth=truth, reps=5)
    # a level is right when the whole path down to it is right, not when the names match
    both = pred.join(truth, on="contact_id").filter(pl.col("category_predicted").is_not_null())
    same = [both[f"{c}_predicted"].to_numpy() == both[c].to_numpy() for c in model.labels]
    for level in (1, 2, 3):
        by_path = float(np.mean(np.logical_and.reduce(same[:level])))
        got = result.scores.filter(
            (pl.col("level") == level)
            & (pl.col("source") == "model")
            & (pl.col("reference") == "truth")
            & (pl.col("metric") == "accuracy")
        )["estimate"][0]
        assert got == pytest.approx(by_path)
    shown = set(result.confusions["actual"].to_list() + result.confusions["predicted"].to_list())
    assert "Misc" not in shown and "Other" not in shown  # a clashing name shows its parent
    with use_language("en"):
        risen = cx.text.rising(frame, period="2026-10", by="reason", time_zone="UTC")
    assert {"Other (Misc)", "Other (Charges)"} <= set(risen.table["term"].to_list())
    # by name alone, a wrong level 1 would count as right at levels 2 and 3 ("Misc", "Other")
    agent = later.head(4).with_columns(
        category=pl.lit("Orders"), category_l2=pl.lit("Misc"), category_l3=pl.lit("Other")
    )
    told = agent.select(
        "contact_id",
        category=pl.Series(["Billing", "Billing", "Orders", "Orders"]),
        category_l2=pl.Series(["Misc", "Charges", "Misc", "Misc"]),
        category_l3=pl.Series(["Refund delay", "Other", "Other", "Exchange"]),
    )
    manual = cx.text.evaluate(model, agent, truth=told, reps=5).scores.filter(
        (pl.col("source") == "manual") & (pl.col("metric") == "accuracy")
    )
    assert manual.sort("level")["estimate"].to_list() == [0.5, 0.5, 0.25]


def test_the_report_steps_past_untidy_labels_and_says_what_it_left_out(renamed) -> None:
    frame, truth = renamed
    every_50th = (pl.int_range(pl.len()) % 50 == 7) & (_month(frame) < 10)
    frame = frame.with_columns(
        pl.when(every_50th).then(None).otherwise(pl.col("category_l3")).alias("category_l3")
    )
    # "Upgrade" is never seen in training: the model cannot learn it
    frame = frame.filter(~((_month(frame) < 10) & pl.col("category_l3").eq_missing("Upgrade")))
    truth = truth.filter(pl.col("contact_id").is_in(frame["contact_id"].implode()))
    left_out = frame.filter(pl.col("category_l3").is_null()).height
    later = frame.filter(_month(frame) == 10).join(truth, on="contact_id", suffix="_true")
    new = int((later["category_l3_true"] == "Upgrade").sum())
    assert left_out > 5 and new > 5
    with use_language("en"):
        result = cx.text.classification(
            frame, period="2026-10", truth=truth, train_sample=None, eval_sample=None,
            time_zone="UTC",
        )  # fmt: skip
        words = " ".join(result.findings())
    assert result.counts["unlabelled"] == left_out
    assert f"{left_out} contacts of the training months had no reason and were left out." in words
    assert result.counts["unlearnt"] == new and result.unlearnt == ("Upgrade",)
    assert f"{new} contacts carry a reason the model never learnt: Upgrade." in words
    with use_language("zh"):
        zh = " ".join(result.findings())
    assert "升级套餐" in zh and "不曾学过" in zh  # the reason in its Chinese name


def test_a_period_without_notes_is_said_and_the_report_goes_on() -> None:
    frame, _truth = contacts(800, seed=1)
    frame = frame.with_columns(
        pl.when(_month(frame) == 10).then(None).otherwise(pl.col("note")).alias("note")
    )
    with use_language("en"):
        result = cx.text.classification(frame, period="2026-10", time_zone="UTC")
        words = cx.text.rising(frame, period="2026-10", by="term", time_zone="UTC")
        said, risen = result.findings(), words.findings()
        reasons = cx.text.reasons(frame, period="2026-10", time_zone="UTC")
        answer = cx.text.answer(reasons, accuracy=result, words=words)
        answer.findings(), answer.headline(), result.plot(), words.plot()
    n = int(frame.select((_month(frame) == 10).sum()).item())
    assert result.counts["classified"] == 0 and result.headline() == []
    assert said == [f"None of the {n:,} contacts of the period has a note: nothing was classified."]
    assert words.table.height == 0 and words.n_now == 0
    assert risen[0].startswith("No note to read in October 2026 or before it")


def test_level_probabilities_are_calibrated_level_by_level_under_noisy_leaves() -> None:
    """40% of the manual labels are wrong, mostly a sibling leaf (level 1 kept): one leaf
    temperature leaves level 1 far too modest (ECE 0.20 against the labels it learnt from on
    this problem); a temperature per level brings it to 0.04."""
    frame, truth = contacts(1500, seed=1, wrong=0.4)
    model = cx.text.train_classifier(frame.filter(_month(frame) < 10), calibration=0.2)
    later = frame.filter(_month(frame) == 10)
    result = cx.text.evaluate(model, later, truth=truth, reps=5)
    ece = {(r["level"], r["reference"]): r["ece"] for r in result.calibration.iter_rows(named=True)}
    assert ece[(1, "manual")] < 0.08 and ece[(2, "manual")] < 0.10
    assert len(model.temperatures) == 3 and model.temperature == model.temperatures[-1]
    one = cx.text.evaluate(
        dataclasses.replace(model, temperatures=()), later, truth=truth, reps=5
    )  # the single leaf temperature, as before: same answers, worse probabilities
    old = {(r["level"], r["reference"]): r["ece"] for r in one.calibration.iter_rows(named=True)}
    assert old[(1, "manual")] > 0.15 and ece[(3, "manual")] == pytest.approx(old[(3, "manual")])
    acc = result.scores.filter(pl.col("metric") == "accuracy")["estimate"].to_list()
    assert acc == one.scores.filter(pl.col("metric") == "accuracy")["estimate"].to_list()
    pred = model.predict(later)
    p1, p2, p3 = (pred[f"{c}_probability"].drop_nulls().to_numpy() for c in model.labels)
    assert np.all((p1 >= p2) & (p2 >= p3))  # a path prefix is never likelier than its parent
