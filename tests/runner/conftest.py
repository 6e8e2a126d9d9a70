"""Fixtures of the runner tests: a workspace with small notebooks, one per failure mode."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

PARAMS = "n: int = 3\nlabel: str = 'x'\nmonth: str | None = None"

CELLS = {
    "good": [
        "import cxlab as cx",
        "cx.viz.findings([f'n is {n}'])\n"
        "cx.record(cx.Headline('n', 'Contacts', n, unit='count', period=('2026-10-01', '2026-11-01'),"
        " change=2, compared_to='previous_month', higher_is_better=True))",
    ],
    "charted": [  # a figure of its own: the kernel's renderer comes from the runner
        "import cxlab as cx\nimport plotly.graph_objects as go\nimport plotly.io as pio",
        "go.Figure(go.Bar(x=['a', 'b'], y=[n, 2 * n])).show()\n"
        "print('renderer', pio.renderers.default, 'template', pio.templates.default)",
        "print('speaks', cx.language())",
    ],
    "loads_data": [
        "import cxlab as cx",
        "cx.load('contacts').select('wait_seconds').sum().collect()",
    ],
    "failing_cell": [
        "import cxlab as cx",
        "raise ValueError('boom in the third cell')",
        "print('never')",
    ],
    "killed": ["import os, signal", "os.kill(os.getpid(), signal.SIGKILL)", "print('never')"],
    "slow_cell": ["import time", "time.sleep(600)", "print('never')"],
    "early_exit": ["import sys", "sys.exit(0)", "print('never')"],
}


MARKDOWN = {  # (before code cell i, text)
    "charted": [
        (0, "## The answer\n\nThe answer comes first."),
        (1, "## 1. Volume\n\nA chart of volume."),
        (2, "## Appendix\n\nModel details."),
    ]
}


def write_notebook(folder: Path, name: str, cells: list[str], title: str | None = None) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {title or name.replace('_', ' ').title()}"),
        nbformat.v4.new_code_cell(PARAMS, metadata={"tags": ["parameters"]}),
        *[nbformat.v4.new_code_cell(c) for c in cells],
    ]
    for position, text in sorted(MARKDOWN.get(name, []), reverse=True):
        nb.cells.insert(2 + position, nbformat.v4.new_markdown_cell(text))
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, str(path))
    return path


@pytest.fixture()
def runner_ws(scratch_workspace: Path) -> Path:
    """A private tiny workspace with a ``notebooks/`` folder of test notebooks."""
    folder = scratch_workspace / "notebooks"
    folder.mkdir(exist_ok=True)
    for name, cells in CELLS.items():
        write_notebook(folder, name, cells)
    shutil.rmtree(scratch_workspace / "outputs", ignore_errors=True)
    return scratch_workspace


@pytest.fixture()
def make_notebook():
    """:func:`write_notebook`, for tests that write notebooks of their own."""
    return write_notebook
