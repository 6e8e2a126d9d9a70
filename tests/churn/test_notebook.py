"""Notebook 03: thin, parameterised, committed without outputs, shaped as the answer, numbered
sections and an appendix, and runs end to end (also on the tiny workspace with its defaults)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from notebook_support import executed_text, notebook_cells

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "03_churn_drivers.ipynb"


def _markdown() -> list[str]:
    return [
        "".join(c["source"])
        for c in notebook_cells("03_churn_drivers")
        if c["cell_type"] == "markdown"
    ]


def test_notebook_parameters_and_order():
    """as_of, horizon and segment; the answer (headline cards, recorded with cx.record, and the
    findings) comes before any curve; the statistical models sit after the appendix heading."""
    cells = notebook_cells("03_churn_drivers")
    source = "".join(cells[1]["source"])
    assert all(n in source for n in ("as_of: str", "horizon: int", "segment: str"))
    # the old name is still read, with a deprecation warning, for runs that set it
    assert "horizon_days: int | None = None" in source
    every = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "cx.runner.record" not in every and "cx.record(*cards)" in every
    assert every.index("cx.viz.headline") < every.index("cx.churn.key_findings")
    assert every.index("cx.churn.key_findings") < every.index('by="segment"')
    text = "\n".join(
        "".join(c["source"]) if c["cell_type"] == "markdown" else "<code>" + "".join(c["source"])
        for c in cells
    )
    appendix = text.index("## Appendix")
    for model in ("risk.model", "cx.churn.ph_check(", "split_at=", "cx.viz.show(monthly_cox)"):
        assert text.index(model) > appendix, f"{model} belongs in the appendix"


def test_report_structure_answer_sections_appendix():
    headings = [m for md in _markdown() for m in re.findall(r"^##? .+$", md, flags=re.M)]
    assert headings[0].startswith("# ") and headings[1] == "## The answer"
    numbered = [h for h in headings if re.match(r"## \d+\. ", h)]
    assert [h.split(".")[0] for h in numbered] == [f"## {i}" for i in range(1, len(numbered) + 1)]
    assert headings[-1] == "## Appendix"
    body = "\n".join(_markdown()).split("## Appendix")[0]
    for method in ("Kaplan", "Cox", "Schoenfeld", "logistic", "AUC", "log-rank"):
        assert method not in body, f"method name {method!r} in the body"


def _run(run_notebook, workspace, tmp_path, params: dict, lang: str = "en") -> tuple[str, dict]:
    """Run notebook 03 with the metrics file a ``cxlab run`` sets; the outputs and the cards."""
    metrics = tmp_path / f"metrics-{lang}.json"
    env = {"CXLAB_METRICS_PATH": str(metrics), "CXLAB_LANGUAGE": lang}
    nb = run_notebook("03_churn_drivers", workspace, params, env=env)
    return executed_text(nb), json.loads(metrics.read_text())


def _in_range(card: dict) -> None:
    assert card["headline"] is True
    assert math.isfinite(card["value"]) and card["low"] <= card["value"] <= card["high"]


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_runs_on_tiny_workspace(tiny_workspace, tmp_path, run_notebook):
    """The tiny workspace covers Jul-Oct 2026: a 30-day horizon, a landmark on 1 August and a
    30-day split fit inside it. The recorded cards carry the values the run computed; the
    analyst export goes to a scratch folder, never the report. The at-risk list's training
    landmark (early September) would need experience from June, before the data: no check on a
    past period is run, its card records no number and the report says why, card and appendix
    alike."""
    export = tmp_path / "export"
    params = {"horizon": 30, "landmark": "2026-08-01", "split_days": 30, "export_dir": str(export)}
    shown, cards = _run(run_notebook, tiny_workspace, tmp_path, params)
    assert {"service_share_of_churn", "value_at_risk", "list_ranking"} <= set(cards)
    share, ranking, money = (
        cards[k] for k in ("service_share_of_churn", "list_ranking", "value_at_risk")
    )
    _in_range(share)
    assert 0 <= share["value"] <= 1
    assert ranking["value"] is None and ranking["low"] is None and ranking["high"] is None
    assert "not checked: the data start on Jul 1, 2026" in shown
    assert "No temporal validation" in shown and "Holdout AUC" not in shown
    assert money["value"] > 0
    # the cards' numbers are the ones the answer shows, and the sections below it ran
    assert "Churn explained by service experience" in shown
    assert f"{100 * share['value']:.1f}%" in shown
    assert "could not be estimated" not in shown
    listed = next(export.glob("at-risk-*-30d.csv")).read_text().splitlines()
    assert len(listed) > 10
    ids = [line.split(",")[0] for line in listed[1:6]]
    assert all(i not in shown for i in ids)  # full ids only in the analyst file


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_runs_on_tiny_workspace_with_its_defaults(tiny_workspace, tmp_path, run_notebook):
    """With the default parameters (a 91-day split after a landmark one month before the data
    end), the split falls beyond the follow-up: the notebook says so instead of failing (it used
    to stop with a lifelines ConvergenceError) or repeating the unsplit model."""
    shown, cards = _run(run_notebook, tiny_workspace, tmp_path, {"export_dir": str(tmp_path / "x")})
    assert "before day 91 where the effects would be split" in shown
    assert "(time split at day 91)" not in shown
    assert "service_share_of_churn" in cards
    _in_range(cards["service_share_of_churn"])


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_says_what_too_little_data_cannot_support(tiny_workspace, tmp_path, run_notebook):
    """One segment of the tiny workspace has too few leavers for the at-risk model: the report
    is still published, says so in a plain sentence (in Chinese too) and records no card for
    it, with the cards it could compute; an old horizon_days parameter is still read."""
    shown, cards = _run(
        run_notebook,
        tiny_workspace,
        tmp_path,
        {"segment": "enterprise", "horizon_days": 30, "export_dir": str(tmp_path / "x")},
    )
    assert "The at-risk list could not be estimated" in shown
    assert "customers left among" in shown and "too few to estimate" in shown
    assert "value_at_risk" not in cards and "list_ranking" not in cards
    assert any(k.startswith("retention_") for k in cards)
    assert "horizon_days" in shown and "horizon=" in shown  # the deprecation names the new name
    zh, _cards = _run(
        run_notebook,
        tiny_workspace,
        tmp_path,
        {"segment": "enterprise", "export_dir": str(tmp_path / "y")},
        lang="zh",
    )
    assert "流失风险名单无法估计" in zh
