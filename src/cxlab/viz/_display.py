"""Display helpers for notebooks and reports. Every piece of text is escaped before it is shown.

They draw with the shared presentation vocabulary (:mod:`cxlab._present`): headline tiles from
:class:`~cxlab._present.Headline` cards, tables with labelled headers and formatted cells (at most
15 rows in the body, the rest as a CSV download), findings and notes in the report's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import polars as pl

from cxlab._masking import mask_column
from cxlab._present import (
    BODY_ROWS,
    CSS,
    Headline,
    Unit,
    cards_html,
    findings_html,
    gettext,
    note_html,
    table_html,
)
from cxlab._result import Result


def _display(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(CSS + markup))


def safe_text(text: object) -> str:
    """Text made safe for chart labels and hover text: plotly renders <a>, <b>, <i> tags in
    labels, so free text (categories, comments, names) is escaped and shows literally."""
    import html

    return html.escape(str(text), quote=False)


def headline(cards: Headline | Sequence[Headline]) -> None:
    """Headline numbers as tiles: value, target and status, change, period (all escaped)."""
    items = [cards] if isinstance(cards, Headline) else list(cards)
    for card in items:
        if not isinstance(card, Headline):
            raise TypeError(f"headline() takes Headline cards, not {type(card).__name__}")
    _display(cards_html(items))


def findings(sentences: Iterable[str]) -> None:
    """Plain-language findings as an escaped bullet list."""
    _display(findings_html(list(sentences)))


def note(text: str) -> None:
    """A short escaped note (a caveat, what a design can and cannot prove), translated."""
    _display(note_html(gettext(text)))


def table(
    frame: pl.DataFrame,
    *,
    units: Mapping[str, Unit | str] | None = None,
    mask: Sequence[str] = ("customer_id",),
    max_rows: int | None = BODY_ROWS,
    caption: str | None = None,
    name: str = "table",
) -> None:
    """A labelled, escaped table with customer identifiers masked.

    At most ``max_rows`` rows are shown (``None`` shows all, for an appendix); the full table is
    offered as a CSV download beside it.
    """
    for column in mask:
        frame = mask_column(frame, column)
    _display(table_html(frame, units=units, max_rows=max_rows, caption=caption, name=name))


def show(result: Result, *, plot: bool = True) -> None:
    """Show a result in a report: its headline cards, findings, summary table and chart."""
    _display(result._repr_html_())
    if plot:
        fig = result.plot()
        if fig is not None:
            fig.show()
