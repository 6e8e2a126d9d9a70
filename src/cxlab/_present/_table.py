"""Tables for readers: labelled headers, values formatted by unit, at most a screenful of rows.

A body table shows at most ``max_rows`` rows (15 by default); when there are more, a line says how
many and the full table travels with the page as a CSV download (a ``data:`` link, so it works
offline). Every cell and header is escaped; wide tables scroll inside their box. Text cells, in
the table and in its download, pass through :func:`cxlab._present.scrub_text` first: a phone
number, e-mail address, ID-card or bank-card number a customer wrote shows as a placeholder.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # polars loads when a table is drawn, not when cxlab is imported
    import polars as pl

from cxlab._present._i18n import _, ngettext
from cxlab._present._labels import LABELS, label
from cxlab._present._scrub import scrub_frame, scrub_text
from cxlab._present._units import MISSING, Unit, fmt_date, fmt_value

BODY_ROWS = 15
_METRIC_UNITS: dict[str, str] = {
    # settings that several rooms show (a plan's assumptions, a report's parameters)
    "aht_seconds": "seconds",
    "sl_seconds": "seconds",
    "sl_target": "share",
}


def register_units(units: Mapping[str, str]) -> None:
    """Declare the unit of columns that recur across tables (metric keys, money columns)."""
    _METRIC_UNITS.update(units)


def unit_of(column: str) -> str | None:
    """The unit declared for a column (None when none is)."""
    return _METRIC_UNITS.get(column)


_NUMBER_LIKE = re.compile(r"^[\s≥≤<>+\-−–×~]*(?:[A-Z]{0,2}[¥$€£])?[\d.,]+")


def _is_level_column(frame: pl.DataFrame, name: str) -> bool:
    """A text column of words (left-aligned), not of numbers already written out (right)."""
    import polars as pl

    if frame.schema[name] not in (pl.Utf8, pl.Categorical, pl.Enum):
        return False
    values = [str(v) for v in frame.get_column(name).drop_nulls().to_list() if str(v) != "–"]
    if not values:
        return True
    numeric = sum(1 for v in values if _NUMBER_LIKE.match(v))
    return numeric * 2 <= len(values)  # mostly numbers (a "cannot tell" among them) align right


def format_cell(value: Any, column: str = "", unit: Unit | str | None = None) -> str:
    """One cell as a reader reads it."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float) and math.isnan(value):
        return MISSING
    unit = unit or _METRIC_UNITS.get(column)
    if column.startswith(("p_value", "p_adj", "q_value")) and isinstance(value, (int, float)):
        return "<0.001" if value < 0.001 else fmt_value(value, "ratio", decimals=3)
    if unit and isinstance(value, (int, float)):
        return fmt_value(value, unit)
    if isinstance(value, int):
        return fmt_value(value, "count")
    if isinstance(value, float):
        size = abs(value)
        digits = 0 if size >= 100 else (1 if size >= 10 else 2)
        return fmt_value(value, "count", decimals=digits)
    if isinstance(value, dt.datetime):
        return fmt_date(value, with_time=True)
    if isinstance(value, dt.date):
        return fmt_date(value)
    text = str(value)
    return label(text) if text in LABELS else scrub_text(text)


def csv_link(frame: pl.DataFrame, *, name: str = "table") -> str:
    """A link that downloads ``frame`` as CSV (UTF-8 with a BOM, so spreadsheets read Chinese);
    a text cell a spreadsheet would run as a formula is neutralised, as in an analyst's export."""
    from cxlab._exports import neutralise_formulas

    readable = neutralise_formulas(scrub_frame(frame)).rename({c: label(c) for c in frame.columns})
    data = ("\ufeff" + readable.write_csv()).encode("utf-8")
    href = "data:text/csv;charset=utf-8;base64," + base64.b64encode(data).decode("ascii")
    safe = html.escape(name.replace(" ", "_"), quote=True)
    return (
        f"<a class='cx-download' download='{safe}.csv' href='{href}'>"
        f"{html.escape(_('Download the full table (CSV)'))}</a>"
    )


def table_html(
    frame: pl.DataFrame,
    *,
    units: Mapping[str, Unit | str] | None = None,
    max_rows: int | None = BODY_ROWS,
    caption: str | None = None,
    name: str = "table",
    quoted: Mapping[str, Sequence[str | None]] | None = None,
) -> str:
    """An escaped HTML table of ``frame`` with labelled headers and formatted cells.

    ``units`` names the unit of numeric columns; ``max_rows=None`` shows every row (an appendix
    table). The caption is translated when the catalogue has it. ``quoted`` gives, for a column of
    text quoted as it was written (a note, a comment), the language of each row ("zh", "en" or
    None): the cell carries it as ``lang``, for fonts, screen readers and language checks.
    """
    units = dict(units or {})
    quoted = dict(quoted or {})
    shown = frame if max_rows is None else frame.head(max_rows)
    levels = {c for c in shown.columns if _is_level_column(shown, c)}
    head = "".join(
        ("<th class='txt'>" if c in levels else "<th>") + f"{html.escape(label(c))}</th>"
        for c in shown.columns
    )
    body = []
    for i, row in enumerate(shown.iter_rows()):
        cells = []
        for value, column in zip(row, shown.columns, strict=True):
            text = format_cell(value, column, units.get(column))
            if column in levels and value is not None:
                text = scrub_text(label(value))
            cls = " class='txt'" if column in levels else ""
            langs = quoted.get(column)
            lang = langs[i] if langs is not None and i < len(langs) else None
            lang = f" lang='{lang}'" if lang in ("zh", "en") and value is not None else ""
            cells.append(f"<td{cls}{lang}>{html.escape(text)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    if not body:  # an empty table says so instead of showing headers over nothing
        span = max(1, len(shown.columns))
        body.append(
            f"<tr><td colspan='{span}' class='txt cx-empty'>{html.escape(_('Nothing to show.'))}"
            "</td></tr>"
        )
    cap = f"<caption>{html.escape(_(caption))}</caption>" if caption else ""
    more = ""
    if max_rows is not None and frame.height > max_rows:
        hidden = frame.height - max_rows
        words = ngettext("{n} more row not shown.", "{n} more rows not shown.", hidden)
        more = (
            f"<p class='cx-more'>{html.escape(words.format(n=fmt_value(hidden, 'count')))} "
            f"{csv_link(frame, name=name)}</p>"
        )
    return (
        f"<div class='cx-table-wrap'><table class='cx-table'>{cap}<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>{more}</div>"
    )
