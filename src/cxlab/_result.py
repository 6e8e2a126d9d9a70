"""The one base class every analysis result derives from: it owns the rendering.

A result is a frozen dataclass that stores what was computed (arrays, tables, numbers). It shows
itself four ways: ``summary()`` (a tidy polars DataFrame), ``plot()`` (a plotly Figure in the house
template), ``findings()`` (plain sentences for leadership, uncertainty in words) and ``to_dict()``
(for a run's metrics file); ``_repr_html_`` lets the last line of a notebook cell display it.
Computing never draws or prints: ``plot()`` draws from stored arrays.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from dataclasses import dataclass
from typing import Any

import polars as pl


def _json_safe(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _json_safe(value.item())
    return value


def format_value(value: Any, column: str = "") -> str:
    """A cell as a person reads it: thousands separators, four significant digits, no NaN."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if column.startswith(("p_value", "p_adj", "q_value")):
            return "<0.001" if value < 0.001 else f"{value:.3f}"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.4g}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def html_table(frame: pl.DataFrame, *, max_rows: int = 50, caption: str | None = None) -> str:
    """An escaped HTML table of ``frame`` (every cell goes through :func:`html.escape`)."""
    shown = frame.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    body = []
    for row in shown.iter_rows():
        cells = "".join(
            f"<td>{html.escape(format_value(v, c))}</td>"
            for v, c in zip(row, shown.columns, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    more = (
        f"<caption style='caption-side:bottom'>{frame.height - max_rows:,} more rows not shown</caption>"
        if frame.height > max_rows
        else ""
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table class='cx-table'>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody>{more}</table>"


def html_findings(sentences: list[str]) -> str:
    """Findings as an escaped bullet list."""
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
    return f"<ul class='cx-findings'>{items}</ul>"


@dataclass(frozen=True)
class Result:
    """Base class of analysis results. Subclasses implement ``summary``, ``plot`` and ``findings``."""

    @property
    def title(self) -> str:
        return type(self).__name__

    def summary(self) -> pl.DataFrame:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def plot(self):  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def findings(self) -> list[str]:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def to_dict(self) -> dict:
        """The summary rows and findings, JSON-safe, for a run's metrics file."""
        return _json_safe(
            {"title": self.title, "findings": self.findings(), "summary": self.summary().to_dicts()}
        )

    def _repr_html_(self) -> str:
        return (
            f"<div class='cx-result'><h4>{html.escape(self.title)}</h4>"
            f"{html_findings(self.findings())}{html_table(self.summary())}</div>"
        )
