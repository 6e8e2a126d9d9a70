"""The appendix block of an NPS result: method names, test statistics and full tables.

The body of a report says what a statistic means; :class:`Details` names the method and shows
the numbers behind it. A notebook shows it in its ``## Appendix`` as the last line of a cell.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cxlab._present import CSS, _, language, note_html, table_html

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True)
class Details:
    """A titled list of method notes and full tables (each ``(caption, frame, units)``)."""

    title: str
    notes: tuple[str, ...] = ()
    tables: tuple[tuple[str, pl.DataFrame, dict[str, str]], ...] = field(default=())

    def _repr_html_(self) -> str:
        tables = tuple((c, *answers_column(f, u)) for c, f, u in self.tables)
        parts = [f"{CSS}<div class='cx-result cx-details'><h4>{html.escape(self.title)}</h4>"]
        parts.extend(note_html(n) for n in self.notes)
        for caption, frame, units in tables:
            markup = table_html(frame, units=units, max_rows=None, caption=caption)
            if "comment" in frame.columns and "_lang" in frame.columns:
                markup = mark_languages(
                    table_html(frame.drop("_lang"), units=units, max_rows=None, caption=caption),
                    frame.drop("_lang").columns.index("comment"),
                    frame["_lang"].to_list(),
                )
            parts.append(markup)
        parts.append("</div>")
        return "".join(parts)


def answers_column(
    frame: pl.DataFrame, units: dict[str, str]
) -> tuple[pl.DataFrame, dict[str, str]]:
    """The column ``n`` of a table named for what it counts (answers), not "Count"."""
    if "n" not in frame.columns:
        return frame, units
    return frame.rename({"n": "n_answers"}), units | {"n_answers": units.get("n", "count")}


def mark_languages(markup: str, column: int, languages: list[str | None]) -> str:
    """Quote the cells of ``column`` (0-based) in a :func:`table_html` body in their own
    language: survey comments are shown as customers wrote them, in a ``lang`` span (fonts,
    screen readers, and checks for untranslated prose), and a comment in the other language than
    the page's carries a small tag saying so ("英文留言", "Comment in Chinese"); nothing is
    machine-translated."""
    head, sep, body = markup.partition("<tbody>")
    if not sep:
        return markup
    tags = {"en": _("Comment in English"), "zh": _("Comment in Chinese")}
    rows = body.split("<tr>")
    for i, lang in enumerate(languages, start=1):
        if i >= len(rows) or lang not in ("en", "zh"):
            continue
        cells = rows[i].split("<td")
        if column + 1 >= len(cells):
            continue
        attrs, gt, rest = cells[column + 1].partition(">")
        text, end, tail = rest.partition("</td>")
        if not text or text == "–":
            continue
        tag = (
            ""
            if lang == language()
            else f" <span class='cx-lang-tag' style='{_TAG_STYLE}'>{html.escape(tags[lang])}</span>"
        )
        cells[column + 1] = f"{attrs}{gt}<span lang='{lang}'>{text}</span>{tag}{end}{tail}"
        rows[i] = "<td".join(cells)
    return head + sep + "<tr>".join(rows)


_TAG_STYLE = "color:#5b6577;font-size:12px;white-space:nowrap"
