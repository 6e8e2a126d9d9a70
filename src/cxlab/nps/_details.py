"""The appendix block of an NPS result: method names, test statistics and full tables.

The body of a report says what a statistic means; :class:`Details` names the method and shows
the numbers behind it. A notebook shows it in its ``## Appendix`` as the last line of a cell.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cxlab._present import CSS, _, fmt_value, language, note_html, table_html

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True)
class Details:
    """A titled list of method notes and full tables (each ``(caption, frame, units)``)."""

    title: str
    notes: tuple[str, ...] = ()
    tables: tuple[tuple[str, pl.DataFrame, dict[str, str]], ...] = field(default=())

    def _repr_html_(self) -> str:
        parts = [f"{CSS}<div class='cx-result cx-details'><h4>{html.escape(self.title)}</h4>"]
        parts.extend(note_html(n) for n in self.notes)
        for caption, frame, units in self.tables:
            parts.append(table_html(frame, units=units, max_rows=None, caption=caption))
        parts.append("</div>")
        return "".join(parts)


def p_text(p: float | None) -> str:
    """A p-value as the appendix writes it."""
    if p is None or p != p:
        return "–"
    return "p < 0.001" if p < 0.001 else "p = " + fmt_value(p, "ratio", decimals=3)


def join(items: list[str]) -> str:
    """A list of phrases joined the way the language joins them."""
    return _("; ").join(items)


def sentences(*parts: str) -> str:
    """Sentences run together as the language writes them (a space in English, none in Chinese)."""
    return ("" if language() == "zh" else " ").join(p for p in parts if p)
