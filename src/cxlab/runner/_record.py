"""Headline numbers a notebook hands to the runner (for the index and the run's metrics file).

A notebook calls ``cx.runner.record("fcr", 0.78, label="First-contact resolution", unit="share",
target=0.80, direction=">=")``. Under ``cxlab run`` the numbers are appended to the file named by
``CXLAB_METRICS_PATH``; in an interactive session they are only kept in memory.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

from cxlab._result import _json_safe

_RECORDED: dict[str, dict[str, Any]] = {}

Unit = Literal["share", "count", "seconds", "score", "points", "money", "agents", "ratio", "text"]


def record(
    name: str,
    value: Any,
    *,
    label: str | None = None,
    unit: Unit = "ratio",
    target: float | None = None,
    direction: Literal[">=", "<="] | None = None,
    detail: str | None = None,
    headline: bool = True,
) -> None:
    """Record one headline number of this run (returns nothing, so a notebook cell shows nothing).

    ``headline=True`` numbers are shown on ``outputs/index.html`` beside the report.
    """
    met = None
    if target is not None and direction is not None and isinstance(value, (int, float)):
        met = value >= target if direction == ">=" else value <= target
    entry = _json_safe(
        {
            "name": name,
            "value": value,
            "label": label or name,
            "unit": unit,
            "target": target,
            "direction": direction,
            "met": met,
            "detail": detail,
            "headline": headline,
        }
    )
    _RECORDED[name] = entry
    path = os.environ.get("CXLAB_METRICS_PATH")
    if path:
        target_path = Path(path)
        current = json.loads(target_path.read_text()) if target_path.exists() else {}
        current[name] = entry
        tmp = target_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(current, indent=2, ensure_ascii=False))
        os.replace(tmp, target_path)


def recorded() -> dict[str, dict[str, Any]]:
    """What this process recorded so far."""
    return dict(_RECORDED)
