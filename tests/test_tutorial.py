"""The tutorial (``notebooks/tutorial.ipynb``) runs end to end on the tiny workspace, and what an
analyst reads in it is right: every section shows its result, no cell fails, no output carries a
DeprecationWarning (the tutorial teaches the current names), and the error shown on purpose is a
cxlab error that names the parameter.

The checks read the EXECUTED notebook's outputs (what JupyterLab shows), not its source. Cells are
found by their tag (``kpi-by-channel``, ``staffing-by-queue``...).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from notebook_support import NOTEBOOKS, notebook_cells

pytestmark = pytest.mark.notebook


@pytest.fixture(scope="module")
def executed(tiny_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The tutorial executed by papermill in the tiny workspace (found through CXLAB_WORKSPACE,
    as in JupyterLab), with its run time in seconds under ``"seconds"``."""
    out = tmp_path_factory.mktemp("tutorial") / "tutorial.out.ipynb"
    began = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "papermill", str(NOTEBOOKS / "tutorial.ipynb"), str(out)],
        cwd=tiny_workspace,
        env={**os.environ, "CXLAB_WORKSPACE": str(tiny_workspace), "CXLAB_LANGUAGE": "en"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.monotonic() - began
    assert out.exists(), run.stderr[-3000:]
    nb = json.loads(out.read_text())
    nb["seconds"] = seconds
    nb["returncode"], nb["stderr"] = run.returncode, run.stderr
    return nb


def _cell(nb: dict, tag: str) -> dict:
    found = [c for c in nb["cells"] if tag in c.get("metadata", {}).get("tags", [])]
    assert len(found) == 1, f"one cell tagged {tag!r} expected, found {len(found)}"
    return found[0]


def _texts(output: dict) -> list[str]:
    """Every text an output carries: a stream, a traceback, each mime type of a display."""
    if output["output_type"] == "stream":
        return ["".join(output["text"])]
    if output["output_type"] == "error":
        return [output["ename"], output["evalue"], *output.get("traceback", [])]
    data = output.get("data", {})
    return ["".join(v) if isinstance(v, list) else str(v) for v in data.values()]


def _words(output: dict) -> list[str]:
    """What a reader reads of an output: a stream, a traceback, a display's plain text (a
    warning is written to stderr; the HTML of a chart carries plotly.js, whose own source
    mentions deprecations)."""
    if output["output_type"] != "display_data" and output["output_type"] != "execute_result":
        return _texts(output)
    return ["".join(output.get("data", {}).get("text/plain", ""))]


def _text(nb: dict, tag: str) -> str:
    return "\n".join(t for o in _cell(nb, tag).get("outputs", []) for t in _texts(o))


def _html(nb: dict, tag: str) -> str:
    outputs = _cell(nb, tag).get("outputs", [])
    html = ["".join(o["data"]["text/html"]) for o in outputs if "text/html" in o.get("data", {})]
    assert html, f"cell {tag!r} displayed no HTML (its result did not render itself)"
    return "\n".join(html)


class _Table(HTMLParser):
    """The first HTML table of a polars frame's display: header names and body rows (text)."""

    def __init__(self) -> None:
        super().__init__()
        self.header: list[str] = []
        self.rows: list[list[str]] = []
        self._part = self._row = self._cell = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("thead", "tbody"):
            self._part = tag
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td"):
            self._cell = ""

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._row is not None and self._cell is not None:
            self._row.append(self._cell.strip().strip('"'))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._part == "thead" and not self.header:
                self.header = self._row
            elif self._part == "tbody":
                self.rows.append(self._row)
            self._row = None


def _frame(nb: dict, tag: str) -> list[dict[str, str]]:
    """The polars frame a cell displayed, as rows of {column: text}."""
    table = _Table()
    table.feed(_html(nb, tag))
    assert table.header and table.rows, f"cell {tag!r} displayed no table"
    return [dict(zip(table.header, row, strict=True)) for row in table.rows]


def test_the_tutorial_runs_without_an_error(executed: dict) -> None:
    errors = [
        (c.get("metadata", {}).get("tags"), o["ename"], o["evalue"])
        for c in executed["cells"]
        for o in c.get("outputs", [])
        if o["output_type"] == "error"
    ]
    assert not errors and executed["returncode"] == 0, errors or executed["stderr"][-3000:]
    code = [c for c in executed["cells"] if c["cell_type"] == "code"]
    assert all(c.get("execution_count") for c in code), "a cell was not run"


def test_no_output_carries_a_deprecation_warning(executed: dict) -> None:
    """The tutorial teaches the current names: an old one would show its warning here."""
    warned = [
        (c.get("metadata", {}).get("tags"), t[:300])
        for c in executed["cells"]
        for o in c.get("outputs", [])
        for t in _words(o)
        if "DeprecationWarning" in t or "deprecated" in t
    ]
    assert not warned, warned


def test_every_code_cell_shows_something(executed: dict) -> None:
    """Each step ends with its result displayed (or, for the error, printed)."""
    silent = [
        c["metadata"].get("tags")
        for c in executed["cells"]
        if c["cell_type"] == "code" and not c.get("outputs")
    ]
    assert not silent, f"cells with no output: {silent}"


def test_the_contacts_are_loaded(executed: dict) -> None:
    assert {"contact_id", "channel", "arrived_at"} <= set(_frame(executed, "load")[0])


def test_kpis_by_channel_cover_the_four_channels(executed: dict) -> None:
    rows = _frame(executed, "kpi-by-channel")
    assert sorted(r["channel"] for r in rows) == ["chat", "email", "phone", "social"]
    assert {"service_level", "fcr", "csat", "aht"} <= set(rows[0])
    assert all(0 < float(r["fcr"]) < 1 for r in rows)


def test_daily_kpis_are_cut_in_local_time(executed: dict) -> None:
    """Days start at local midnight in the workspace's zone (Asia/Shanghai), not in UTC."""
    text = _text(executed, "kpi-by-day")
    assert "period" in text and "Asia/Shanghai" in text, text[:600]


def test_the_forecast_and_the_staffing_plan_show_themselves(executed: dict) -> None:
    assert "contacts are expected" in _html(executed, "forecast")
    assert "agents on duty" in _html(executed, "staffing-plan")


def test_the_staffing_plan_has_agents(executed: dict) -> None:
    rows = _frame(executed, "staffing-by-queue")
    assert len(rows) >= 2 and all(int(r["peak_agents"]) > 0 for r in rows), rows
    assert all(int(r["agent_hours"]) > 0 for r in rows)


def test_the_ab_test_summary_has_estimates_with_p_values(executed: dict) -> None:
    rows = _frame(executed, "ab-summary")
    assert {"estimate", "ci_low", "ci_high", "p_value"} <= set(rows[0])
    assert all(0 <= float(r["p_value"]) <= 1 for r in rows)
    assert {r["metric"] for r in rows} == {"fcr_reported", "aht", "callback"}


def test_findings_and_plot_are_shown(executed: dict) -> None:
    findings = _text(executed, "ab-findings")
    assert "First-contact resolution" in findings and "likely between" in findings
    plot = [o for o in _cell(executed, "ab-plot")["outputs"] if o["output_type"] != "stream"]
    assert any("application/vnd.plotly.v1+json" in o.get("data", {}) for o in plot)


def test_the_declared_metric_is_named_by_its_label(executed: dict) -> None:
    assert "Callback rate" in _text(executed, "declare-metric")
    rows = _frame(executed, "metric-kpi")
    assert {r["channel"]: r["callback"] for r in rows}["email"] == "null"  # not a real-time channel
    # the A/B test names the analyst's metric by its label, in words and in its table
    assert "Guardrail, no harm found: Callback rate" in _text(executed, "ab-findings")
    assert "Callback rate" in _html(executed, "ab-test")


def test_the_cox_model_gives_hazard_ratios(executed: dict) -> None:
    html = _html(executed, "cox")
    assert "Hazard ratio" in html and "Unresolved complaint (last 90 days)" in html


def test_nps_for_a_period_and_against_the_previous_one(executed: dict) -> None:
    assert "NPS by segment" in _html(executed, "nps-score")
    compared = _html(executed, "nps-compare")
    assert "against" in compared and "vs previous month" in compared


def test_the_error_names_the_parameter_and_the_forms(executed: dict) -> None:
    printed = _text(executed, "error")
    assert printed.startswith("OptionError: "), printed[:500]
    assert "every" in printed and "'1 week'" in printed and "'1w'" in printed, printed[:500]


def test_the_tutorial_runs_in_a_minute(executed: dict) -> None:
    """On the tiny workspace, kernel start included (about 15 s on 2 cores); a regression that
    makes an analyst wait minutes shows here."""
    assert executed["seconds"] < 120, executed["seconds"]


def test_the_committed_tutorial_is_thin_and_clean() -> None:
    """Committed without outputs, importing only cxlab, with no logic of its own; not a
    scheduled report (so ``cxlab refresh`` never publishes it)."""
    cells = notebook_cells("tutorial")
    assert "".join(cells[0]["source"]).startswith("# ")
    code = [c for c in cells if c["cell_type"] == "code"]
    assert "".join(code[0]["source"]).startswith("import cxlab as cx\n")
    for c in code:
        assert c.get("outputs", []) == [] and c.get("execution_count") is None
        tree = ast.parse("".join(c["source"]))
        logic = (ast.FunctionDef, ast.ClassDef, ast.For, ast.While, ast.Lambda, ast.ListComp)
        assert not [n for n in ast.walk(tree) if isinstance(n, logic)]
        imports = {
            a.name
            for n in ast.walk(tree)
            if isinstance(n, (ast.Import, ast.ImportFrom))
            for a in n.names
        }
        assert imports <= {"cxlab"}, imports
    schedule = (NOTEBOOKS.parent / "schedule.yaml").read_text()
    assert "tutorial" not in schedule
