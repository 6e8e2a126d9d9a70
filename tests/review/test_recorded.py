"""The scorecard's classification-accuracy KPI: the figure the contact-reasons report recorded
for the review month, against the targets table's target when it has one."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import cxlab as cx
from cxlab._present import use_language


def _record(ws: Path, period: tuple[str, str], value: float = 0.87) -> None:
    folder = ws / "outputs" / "reports" / "05_contact_reasons"
    folder.mkdir(parents=True, exist_ok=True)
    card = {
        "key": "classification_accuracy",
        "value": value,
        "unit": "share",
        "target": 0.9,
        "direction": ">=",
        "period": list(period),
        "higher_is_better": True,
    }
    status = {"last_good": {"status": "ok", "metrics": {"classification_accuracy": card}}}
    (folder / "status.json").write_text(json.dumps(status), encoding="utf-8")


def test_the_recorded_accuracy_enters_the_scorecard_with_its_target(scratch_workspace: Path):
    ws = scratch_workspace
    review = cx.review.open_review(period="2026-09", workspace=ws)
    assert review.recorded.height == 0  # the report has not run: no row, no error
    _record(ws, ("2026-08-01", "2026-09-01"))  # another month: not this review's
    assert cx.review.open_review(period="2026-09", workspace=ws).recorded.height == 0
    _record(ws, review.period.dates(), 0.87)
    review = cx.review.open_review(period="2026-09", workspace=ws)
    card = cx.review.scorecard(
        review.contacts, review.targets, review.period, recorded=review.recorded
    )
    row = card.table.filter(pl.col("kpi") == "classification_accuracy").row(0, named=True)
    assert row["value"] == pytest.approx(0.87) and row["target"] == 0.9 and row["met"] is False
    assert row["previous"] is None and row["p_value"] is None
    with use_language("en"):
        said = " ".join(card.findings())
    assert "Contact reasons classified correctly (level 1) missed its target: 87.0%" in said
    # a target in the targets table wins over the one the report was run with
    targets = pl.concat(
        [
            review.targets,
            pl.DataFrame(
                {
                    "kpi": ["classification_accuracy"],
                    "scope": ["all"],
                    "target": [0.85],
                    "direction": [">="],
                }
            ),
        ],
        how="diagonal_relaxed",
    )
    card = cx.review.scorecard(review.contacts, targets, review.period, recorded=review.recorded)
    row = card.table.filter(pl.col("kpi") == "classification_accuracy").row(0, named=True)
    assert row["target"] == 0.85 and row["met"] is True
    # a review of one channel reads no KPI measured over all contacts
    one = cx.review.open_review(period="2026-09", channels=["phone"], workspace=ws)
    assert one.recorded is None
