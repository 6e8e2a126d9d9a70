"""Where the committed notebooks are, and their cells (shared by the notebook tests)."""

from __future__ import annotations

import json
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
TUTORIAL = "tutorial"
REPORTS = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb") if p.stem != TUTORIAL)
"""The notebooks published as reports (the tutorial is for analysts in JupyterLab, never published)."""


def notebook_cells(name: str) -> list[dict]:
    """The cells of a committed notebook (``name`` like ``01_volume_forecast``)."""
    return json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())["cells"]
