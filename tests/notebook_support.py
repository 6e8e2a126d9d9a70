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


def executed_text(nb: dict) -> str:
    """What the executed cells showed (HTML, text and streams), without their source: a check on
    this text fails when the notebook computed nothing."""
    parts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append("".join(out.get("text", "")))
            for kind in ("text/html", "text/plain"):
                value = out.get("data", {}).get(kind)
                if value:
                    parts.append("".join(value) if isinstance(value, list) else value)
    return "\n".join(parts)
