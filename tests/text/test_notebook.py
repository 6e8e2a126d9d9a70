"""Notebook 05 and the composition behind it: reason shares against the period before, the
classifier's accuracy against its target, the answer's cards, and a workspace without notes
ending as "needs data"."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import cxlab as cx
from cxlab._config import settings
from cxlab._present import use_language
from notebook_support import executed_text, notebook_cells

from ._notes import contacts as labelled_contacts

NAME = "05_contact_reasons"
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / f"{NAME}.ipynb"


def test_notebook_parameters():
    """period, compare_to, the accuracy target (0.90) and the export folder; not ``language``:
    that is the report's language, which every run may set."""
    source = "".join(notebook_cells(NAME)[1]["source"])
    assert all(
        n in source
        for n in ("period: str", "compare_to: str", "accuracy_target: float = 0.90", "export_dir")
    )
    assert "\nlanguage:" not in "\n" + source


def test_notebook_opens_with_the_answer_and_ends_with_the_appendix():
    cells = notebook_cells(NAME)
    headings = ["".join(c["source"]).split("\n")[0] for c in cells if c["cell_type"] == "markdown"][
        1:
    ]
    assert headings[0] == "## The answer" and headings[-1] == "## Appendix"
    assert [h[:5] for h in headings[1:-1]] == ["## 1.", "## 2.", "## 3.", "## 4.", "## 5."]
    code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "cx.runner" not in code and "cx.record(" in code
    assert code.count(".plot(") == 1  # one chart in the answer
    assert json.loads(NOTEBOOK.read_text())["metadata"]["cxlab"]["needs"] == [
        "contacts",
        "contacts.note",
        "customers",
    ]


@pytest.fixture(scope="module")
def planted() -> tuple[pl.DataFrame, pl.DataFrame]:
    """4,000 labelled notes over four months (a quarter of the manual labels wrong), with
    "Password reset" planted to triple in the last month."""
    frame, truth = labelled_contacts(4000, seed=3, months=4)
    last = frame["arrived_at"] >= dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    rng = np.random.default_rng(0)
    boost = (last & pl.Series(rng.random(frame.height) < 0.15)).to_numpy()
    paths = {
        "category": "Account",
        "category_l2": "Profile",
        "category_l3": "Password reset",
    }
    frame = frame.with_columns(
        [
            pl.when(pl.Series(boost)).then(pl.lit(v)).otherwise(pl.col(k)).alias(k)
            for k, v in paths.items()
        ]
    )
    truth = truth.with_columns(
        [
            pl.when(pl.Series(boost)).then(pl.lit(v)).otherwise(pl.col(k)).alias(k)
            for k, v in paths.items()
        ]
    )
    frame = frame.with_columns(
        pl.when(pl.Series(boost))
        .then(pl.lit("忘记密码，重置密码"))
        .otherwise(pl.col("note"))
        .alias("note")
    )
    return frame, truth


def test_reason_shares_find_the_planted_rise(planted):
    frame, _truth = planted
    shares = cx.text.reasons(frame, period="2026-10", time_zone="UTC")
    t = shares.table
    for level in (1, 2):  # every contact has a reason: the shares of a level add up to one
        assert t.filter(pl.col("level") == level)["share_now"].sum() == pytest.approx(1.0)
    profile = t.filter((pl.col("level") == 2) & (pl.col("term") == "Profile")).row(0, named=True)
    assert profile["change"] > 0.05 and profile["p_value"] < 0.01
    assert profile["change_low"] > 0
    assert shares.moved()["term"][0] in ("Profile", "Account")
    assert shares.compare_obj.label == "2026-09"
    rising = cx.text.rising(frame, period="2026-10", by="reason", time_zone="UTC")
    assert "Password reset" in rising.risers()["term"].to_list()


def test_classification_is_scored_against_the_truth_and_meets_its_target(planted):
    """Trained on July-September's manual labels, scored on October: the model beats the
    agents' labels against the truth (three in four right at level 3)."""
    frame, truth = planted
    acc = cx.text.classification(
        frame,
        period="2026-10",
        truth=truth,
        target=0.9,
        train_sample=None,
        eval_sample=None,
        time_zone="UTC",
    )
    assert acc.reference == "truth" and acc.reps == 1000  # percentile bootstrap of macro-F1
    model = acc._score_of(1, "model", "accuracy")
    manual = acc._score_of(3, "manual", "accuracy")
    assert model["estimate"] >= 0.9 and model["n"] > 500
    assert 0.68 < manual["estimate"] < 0.82  # a quarter of the manual labels are wrong
    assert acc._score_of(3, "model", "accuracy")["estimate"] > manual["estimate"]
    answer = cx.text.answer(cx.text.reasons(frame, period="2026-10"), accuracy=acc, target=0.9)
    card = answer.accuracy_card()
    assert card.key == "classification_accuracy" and card.target == 0.9
    assert card.value == pytest.approx(model["estimate"]) and card.status == "met"
    with use_language("en"):
        said = " ".join(answer.findings())
    assert "meets the 90.0% target" in said and "against the true reasons" in said
    with use_language("zh"):
        assert all(not s.isascii() for s in answer.findings())


def test_a_workspace_without_notes_needs_data(scratch_workspace: Path):
    """A real workspace has no ``note`` column: the run ends as "needs data" (exit 0, nothing
    ran) and the page says which column to load."""
    ws = scratch_workspace
    contacts = cx.load("contacts", workspace=ws).collect()
    if "note" in contacts.columns:
        cx.data.write_table(contacts.drop("note"), "contacts", workspace=settings(ws))
    proc = subprocess.run(
        [sys.executable, "-m", "cxlab.cli", "run", NAME, "-w", str(ws), "-p", "language", "en"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    status = json.loads((ws / "outputs" / "reports" / NAME / "status.json").read_text())
    assert status["last_run"]["status"] == "needs_data"
    assert status["last_run"]["missing"] == ["contacts.note"]
    page = (ws / "outputs" / "reports" / NAME / "latest.html").read_text()
    assert "<code>note</code> column" in page and "--table contacts" in page


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_runs_on_tiny_workspace(tiny_workspace, tmp_path, run_notebook):
    """The recorded cards hold what the run computed: the level-1 accuracy against the 0.90
    target, the share of the largest reason, and the call-back list."""
    if "note" not in cx.load("contacts", workspace=tiny_workspace).collect_schema().names():
        pytest.skip("the tiny workspace has no notes")
    metrics = tmp_path / "metrics.json"
    nb = run_notebook(
        NAME,
        tiny_workspace,
        {"period": "latest_month", "export_dir": str(tmp_path / "exports")},
        env={"CXLAB_METRICS_PATH": str(metrics), "CXLAB_LANGUAGE": "en"},
    )
    shown, cards = executed_text(nb), json.loads(metrics.read_text())
    acc = cards["classification_accuracy"]
    assert acc["target"] == 0.9 and acc["low"] <= acc["value"] <= acc["high"]
    assert 0.5 < acc["value"] <= 1
    assert cards["top_reason_share"]["value"] > 0.2
    assert "classification gets the level-1 reason right" in shown
    exported = list((tmp_path / "exports").glob("early_warning_*.csv"))
    assert len(exported) == 1
