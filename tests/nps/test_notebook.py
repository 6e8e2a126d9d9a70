"""Notebook 04: thin, parameterised, committed without outputs, and runs end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "04_nps.ipynb"


def test_notebook_is_thin_and_clean():
    nb = json.loads(NOTEBOOK.read_text())
    cells = nb["cells"]
    assert cells[0]["cell_type"] == "markdown"
    params = cells[1]
    assert params["metadata"].get("tags") == ["parameters"]
    source = "".join(params["source"])
    for name in ("period: str", "compare_to: str", "segment: str", "language: str"):
        assert name in source
    code = [c for c in cells if c["cell_type"] == "code"]
    assert "".join(code[1]["source"]).strip() == "import cxlab as cx"
    for c in code:
        text = "".join(c["source"])
        assert c.get("outputs", []) == [] and c.get("execution_count") is None
        assert not any(k in text for k in ("def ", "class ", "for ", "while ", "import pandas"))
        assert "IPython" not in text
    assert "cx.runner.record" in "".join("".join(c["source"]) for c in code)


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_runs_on_tiny_workspace(tiny_workspace, tmp_path):
    """The tiny workspace covers Jul-Oct 2026: compare October with September."""
    out = tmp_path / "out.ipynb"
    env = {**os.environ, "CXLAB_WORKSPACE": str(tiny_workspace)}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(NOTEBOOK),
            str(out),
            "-p",
            "period",
            "latest_month",
            "-p",
            "segment",
            "region",
            "-p",
            "language",
            "zh",
        ],
        cwd=tiny_workspace,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    nb = json.loads(out.read_text())
    errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors
    html = json.dumps(nb)
    assert "Detractor follow-up" in html
