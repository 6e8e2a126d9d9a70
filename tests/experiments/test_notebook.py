"""Notebook 02: thin, parameterised, committed without outputs, and runs end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cxlab as cx
from notebook_support import notebook_cells

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "02_interventions.ipynb"


def test_notebook_parameters_and_order():
    """experiment_id (default: the most recent); the verdict first, then diagnostics, then detail."""
    cells = notebook_cells("02_interventions")
    assert 'experiment_id: str = ""' in "".join(cells[1]["source"])
    every = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "cx.runner" not in every
    assert "cx.record(*portfolio.headline())" in every  # every registered intervention
    markdown = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    headings = [m.split("\n")[0] for m in markdown if m.startswith("## ")]
    assert headings[0] == "## The answer" and headings[-1] == "## Appendix"
    assert all(h.startswith(f"## {i}. ") for i, h in enumerate(headings[1:-1], start=1))
    appendix = every.index("report.details()")
    assert every.index("cx.viz.headline") < every.index("checks_table") < appendix


def _outputs(nb: dict, source: str) -> list[dict]:
    """The outputs the run gave the code cell whose source is ``source``."""
    (cell,) = [c for c in nb["cells"] if "".join(c["source"]).strip() == source]
    return cell.get("outputs", [])


def _html(outputs: list[dict]) -> str:
    """The text a reader sees in a cell's HTML outputs (tags and escapes removed)."""
    import html
    import re

    parts = [o.get("data", {}).get("text/html", "") for o in outputs]
    shown = "".join("".join(p) if isinstance(p, list) else p for p in parts)
    return html.unescape(re.sub(r"<[^>]+>", " ", shown))


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("experiment_id", ["", "EXP-AB-ROUTING", "EXP-PILOT-SPECIALIST"])
def test_notebook_runs_on_tiny_workspace(tiny_workspace, tmp_path, run_notebook, experiment_id):
    """The default (most recent: the single-region pilot), a randomised test and the staggered
    rollout, each end to end. What the run computed is checked against the same analysis run
    here: the recorded effect and verdict, the verdict sentence and the first check shown in the
    executed cells, the chart's title and points, the planning table and every intervention's
    name in the portfolio table (none of them written in the notebook's source)."""
    from cxlab._config import settings
    from cxlab._present import use_language

    metrics = tmp_path / "metrics.json"
    nb = run_notebook(
        "02_interventions",
        tiny_workspace,
        {"experiment_id": experiment_id},
        env={"CXLAB_METRICS_PATH": str(metrics)},
    )
    with use_language(settings(tiny_workspace).language):
        rep = cx.experiments.analyze(experiment_id, workspace=tiny_workspace)
        sentence, checks = rep.verdict_sentence(), rep.check_findings()
        figure = rep.plot()
        contacts = cx.load("contacts", workspace=tiny_workspace)
        plan = cx.experiments.power(contacts, metric=rep.metric, unit=rep.power_unit).view()
        names = [
            cx.label(n) for n in cx.experiments.overview(workspace=tiny_workspace).table["name"]
        ]
    # the run's metrics file: the report's four cards (not the index) and one card per
    # registered intervention (the index), with the numbers this analysis gives
    recorded = json.loads(metrics.read_text())
    ids = cx.experiments.registry(workspace=tiny_workspace)["experiment_id"].to_list()
    report = {"verdict", "effect", "checks", "guardrails"}
    assert set(recorded) == report | {f"experiment_{e}" for e in ids}
    assert not any(recorded[k]["headline"] for k in report)
    assert all(recorded[f"experiment_{e}"]["headline"] for e in ids)
    assert recorded["verdict"]["value"] == rep.headline()[0].value
    effect = recorded["effect"]
    assert effect["value"] == pytest.approx(rep.effect["estimate"], rel=1e-9)
    assert effect["low"] == pytest.approx(rep.effect["ci_low"], rel=1e-9)
    assert effect["high"] == pytest.approx(rep.effect["ci_high"], rel=1e-9)
    # the executed cells show what the run computed
    assert sentence in _html(_outputs(nb, "cx.viz.findings(report.findings())"))
    assert checks[-1] in _html(_outputs(nb, "cx.viz.findings(report.check_findings())"))
    shown = _html(_outputs(nb, "cx.viz.show(plan)"))
    smallest = [v for v in plan.row(-1) if isinstance(v, str)]  # the effects it can detect
    assert smallest and all(v in shown for v in smallest), (smallest, shown)
    portfolio = _html(_outputs(nb, "cx.viz.show(portfolio, plot=False)"))
    assert all(n in portfolio for n in names)
    (chart,) = [
        o["data"]["application/vnd.plotly.v1+json"]
        for o in _outputs(nb, "report.plot().show()")
        if "application/vnd.plotly.v1+json" in o.get("data", {})
    ]
    assert chart["layout"]["title"]["text"] == figure.layout.title.text
    assert len(chart["data"]) == len(figure.data)
    drawn = [v for v in chart["data"][-1]["y"] if v is not None]
    expected = [v for v in figure.data[-1].y if v is not None]
    assert drawn == pytest.approx(expected, rel=1e-9)
