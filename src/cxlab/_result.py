"""The one base class every analysis result derives from: it owns the rendering.

A result is a frozen dataclass that stores what was computed (arrays, tables, numbers). It shows
itself four ways: ``summary()`` (a tidy polars DataFrame), ``plot()`` (a plotly Figure in the house
template), ``findings()`` (plain sentences for leadership, uncertainty in words) and ``to_dict()``
(for a run's metrics file); ``_repr_html_`` lets the last line of a notebook cell display it.
Computing never draws or prints: ``plot()`` draws from stored arrays.

Every method of a result that draws (``plot``, ``plot_*``, ``*_plot``) hands its figure to the
hooks registered with :func:`on_figure` before returning it: ``cxlab.viz`` registers the house
style there, so a figure carries its template instead of relying on plotly's process-wide default.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

import polars as pl


def json_safe(value: Any) -> Any:
    """``value`` made JSON-safe (``json.dumps(..., allow_nan=False)`` accepts it): NaN and
    infinities become ``None``, dates ISO text, tuples lists, dict keys text, numpy scalars Python."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    if getattr(value, "ndim", 0) and hasattr(value, "tolist"):  # numpy arrays
        return json_safe(value.tolist())
    if hasattr(value, "item"):  # numpy scalars
        return json_safe(value.item())
    return value


_FIGURE_HOOKS: list[Callable[[Any], Any]] = []


def on_figure(hook: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Register ``hook(figure) -> figure``, applied to every figure a result's drawing method
    returns (``cxlab.viz`` registers the house style). Registering twice is harmless."""
    if hook not in _FIGURE_HOOKS:
        _FIGURE_HOOKS.append(hook)
    return hook


def draws(name: str) -> bool:
    """Whether a result's method of this name draws a figure: ``plot``, ``plot_*`` or ``*_plot``."""
    return name == "plot" or name.startswith("plot_") or name.endswith("_plot")


def _finishing_figures(method: Callable) -> Callable:
    @wraps(method)
    def drawing(self, *args: Any, **kwargs: Any) -> Any:
        figure = method(self, *args, **kwargs)
        for hook in _FIGURE_HOOKS:
            figure = hook(figure)
        return figure

    drawing.__cx_draws__ = True  # type: ignore[attr-defined]
    return drawing


def format_value(value: Any, column: str = "") -> str:
    """A cell as a person reads it, in the report's language (see :func:`cxlab._present.format_cell`)."""
    from cxlab._present import format_cell

    return format_cell(value, column)


def html_table(
    frame: pl.DataFrame, *, max_rows: int | None = 15, caption: str | None = None
) -> str:
    """An escaped, labelled HTML table of ``frame`` (see :func:`cxlab._present.table_html`)."""
    from cxlab._present import table_html

    return table_html(frame, max_rows=max_rows, caption=caption)


def html_findings(sentences: list[str]) -> str:
    """Findings as an escaped bullet list."""
    from cxlab._present import findings_html

    return findings_html(sentences)


@dataclass(frozen=True)
class Result:
    """Base class of analysis results. Subclasses implement ``summary``, ``plot`` and ``findings``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if draws(name) and callable(value) and not getattr(value, "__cx_draws__", False):
                setattr(cls, name, _finishing_figures(value))

    @property
    def title(self) -> str:
        return type(self).__name__

    def summary(self) -> pl.DataFrame:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def plot(self):  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def findings(self) -> list[str]:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def headline(self) -> list:
        """The result's headline cards (:class:`cxlab._present.Headline`), most important first."""
        return []

    def to_dict(self) -> dict:
        """The summary rows and findings, JSON-safe, for a run's metrics file."""
        return json_safe(
            {"title": self.title, "findings": self.findings(), "summary": self.summary().to_dicts()}
        )

    def _repr_html_(self) -> str:
        from cxlab._present import CSS, cards_html, gettext

        cards = self.headline()
        return (
            f"{CSS}<div class='cx-result'><h4>{html.escape(gettext(self.title))}</h4>"
            f"{cards_html(cards) if cards else ''}"
            f"{html_findings(self.findings())}{html_table(self.summary())}</div>"
        )
