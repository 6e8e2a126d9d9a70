"""Effects in the metric's own units and in words (percentage points, seconds, CSAT points)."""

from __future__ import annotations

import math

from cxlab.features import metrics


def metric_info(name: str) -> tuple[str, str, bool | None]:
    """``(label, unit, higher_is_better)`` of a KPI from the metric dictionary."""
    m = metrics()[name]
    return m.label, m.unit, m.higher_is_better


def fmt_level(value: float, unit: str) -> str:
    """A level of a metric: 78.1% for a share, 412 s for seconds, 4.12 for a score."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "seconds":
        return f"{value:,.0f} s"
    return f"{value:.3g}"


def fmt_effect(value: float, unit: str) -> str:
    """A signed difference: +5.0 pp for a share, -34 s for seconds, +0.15 points for a score."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "share":
        return f"{value * 100:+.1f} pp"
    if unit == "seconds":
        return f"{value:+,.1f} s"
    if unit == "score":
        return f"{value:+.3f} points"
    return f"{value:+.3g}"


def fmt_interval(low: float, high: float, unit: str) -> str:
    return f"{fmt_effect(low, unit)} to {fmt_effect(high, unit)}"


def direction_word(estimate: float, higher_is_better: bool | None) -> str:
    if higher_is_better is None:
        return "changed"
    good = (estimate > 0) == higher_is_better
    return "improved" if good else "worsened"
