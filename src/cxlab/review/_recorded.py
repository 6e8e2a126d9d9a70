"""KPIs another report measures and records, read into the monthly review's scorecard.

Some KPIs are not a ratio of sums over contacts: the accuracy of the automatic classification of
contact reasons needs a model trained on the months before and scored on the month. The
contact-reasons report (``05_contact_reasons``) measures it and records it as a headline card;
the review reads the card of that report's last good run when it covers the review month, so
the two reports show the same figure. A target in the targets table (``kpi`` =
``classification_accuracy``) overrides the target the report was run with.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from cxlab._config import Settings
from cxlab._present import N_, register_labels
from cxlab.review._period import ReviewPeriods

RECORDED = {"classification_accuracy": ("05_contact_reasons", "classification_accuracy")}
"""KPI -> (the report that records it, the key of its card)."""

register_labels({"classification_accuracy": N_("Contact reasons classified correctly (level 1)")})

SCHEMA = {
    "kpi": pl.Utf8,
    "scope": pl.Utf8,
    "unit": pl.Utf8,
    "value": pl.Float64,
    "target": pl.Float64,
    "direction": pl.Utf8,
    "higher_is_better": pl.Boolean,
    "report": pl.Utf8,
}


def _status(path: Path) -> dict:
    """A report's ``status.json`` as the runner writes it (``{}`` when absent or unreadable);
    read here, as a file, since the review never imports the runner."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def recorded_kpis(ws: Settings, period: ReviewPeriods) -> pl.DataFrame:
    """The KPIs of :data:`RECORDED` that their report recorded for the review month (one row
    each: ``kpi, scope, unit, value, target, direction, higher_is_better, report``); none for a
    report that has not run, whose last good run covers another month, or that needs data."""
    rows = []
    for kpi, (notebook, key) in RECORDED.items():
        good = _status(ws.outputs_dir / "reports" / notebook / "status.json").get("last_good")
        good = good if isinstance(good, dict) else {}
        card = (good.get("metrics") or {}).get(key)
        if not isinstance(card, dict) or not isinstance(card.get("value"), int | float):
            continue
        if list(card.get("period") or []) != list(period.dates()):
            continue
        rows.append(
            {
                "kpi": kpi,
                "scope": "all",
                "unit": card.get("unit", "share"),
                "value": float(card["value"]),
                "target": card.get("target"),
                "direction": card.get("direction"),
                "higher_is_better": card.get("higher_is_better"),
                "report": notebook,
            }
        )
    return pl.DataFrame(rows, schema=SCHEMA)
