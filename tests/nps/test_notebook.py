"""Notebook 04: thin, parameterised, committed without outputs, and runs end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from notebook_support import executed_text, notebook_cells

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "04_nps.ipynb"


def test_notebook_parameters():
    """period, compare_to, segment and the comments' language (not ``language``: that is the
    report's language, which every run may set)."""
    source = "".join(notebook_cells("04_nps")[1]["source"])
    assert all(
        n in source
        for n in ("period: str", "compare_to: str", "segment: str", "comment_language: str")
    )
    assert "\nlanguage:" not in "\n" + source


def test_notebook_opens_with_the_answer_and_ends_with_the_appendix():
    cells = notebook_cells("04_nps")
    headings = ["".join(c["source"]).split("\n")[0] for c in cells if c["cell_type"] == "markdown"][
        1:
    ]
    assert headings[0] == "## The answer" and headings[-1] == "## Appendix"
    assert [h[:5] for h in headings[1:-1]] == ["## 1.", "## 2.", "## 3.", "## 4.", "## 5."]
    code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "cx.runner" not in code and "cx.record(" in code
    assert code.count(".plot(") == 1  # at most one chart in the answer


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_runs_on_tiny_workspace(tiny_workspace, tiny_surveys, tmp_path, run_notebook):
    """The tiny workspace covers Jul-Oct 2026: compare October with September. The recorded
    cards hold what the run computed (the NPS of October, its interval, the change against
    September, the detractors to call back), and the report shows those numbers."""
    import cxlab as cx
    from cxlab._present import fmt_value, use_language

    metrics = tmp_path / "metrics.json"
    nb = run_notebook(
        "04_nps",
        tiny_workspace,
        {"period": "latest_month", "segment": "region", "comment_language": "zh"},
        env={"CXLAB_METRICS_PATH": str(metrics), "CXLAB_LANGUAGE": "en"},
    )
    shown, cards = executed_text(nb), json.loads(metrics.read_text())
    nps = cards["nps"]
    assert nps["period"] == ["2026-10-01", "2026-11-01"] and nps["compared_to"] == "previous"
    assert math.isfinite(nps["value"]) and nps["low"] <= nps["value"] <= nps["high"]
    expected = cx.nps.compare(tiny_surveys, period="2026-10")
    assert nps["value"] == pytest.approx(expected.nps_now)
    assert nps["change"] is not None
    with use_language("en"):
        assert f"NPS in October 2026 was {fmt_value(nps['value'], 'nps')}" in shown
    follow = cards["detractors_to_call"]
    calls = cx.nps.followup(tiny_surveys, period="current_month")
    assert follow["value"] == calls.table.height > 0
    assert f"{follow['value']} detractors answered in" in shown
    assert {"nps_promoters", "nps_detractors"} <= set(cards)
