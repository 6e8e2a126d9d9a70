"""Display helpers for notebooks and reports. Every piece of text is escaped before it is shown."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

import polars as pl

from cxlab._masking import mask_column
from cxlab._result import Result, format_value, html_findings, html_table

_CSS = """<style>
.cx-headline{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0 16px}
.cx-card{border:1px solid #dde2ea;border-radius:8px;padding:10px 14px;min-width:150px;background:#fafbfd}
.cx-card .v{font-size:24px;font-weight:600}.cx-card .l{font-size:12px;color:#5b6577}
.cx-card .t{font-size:12px}.cx-ok{color:#2e8540}.cx-miss{color:#c0392b}
.cx-findings li{margin:3px 0}.cx-table{border-collapse:collapse;font-size:13px;margin:6px 0 14px}
.cx-table th,.cx-table td{border-bottom:1px solid #e6e9ef;padding:4px 10px;text-align:right}
.cx-table th:first-child,.cx-table td:first-child{text-align:left}.cx-note{color:#5b6577;font-size:13px}
</style>"""


def _display(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(_CSS + markup))


def safe_text(text: object) -> str:
    """Text made safe for chart labels and hover text: plotly renders <a>, <b>, <i> tags in
    labels, so free text (categories, comments, names) is escaped and shows literally."""
    return html.escape(str(text), quote=False)


def headline(cards: Sequence[dict]) -> None:
    """Headline numbers as cards: ``{"label", "value", "target"?, "met"?, "detail"?}`` (escaped)."""
    parts = []
    for c in cards:
        value = c["value"] if isinstance(c["value"], str) else format_value(c["value"])
        met = c.get("met")
        cls = "" if met is None else (" cx-ok" if met else " cx-miss")
        target = (
            f"<div class='t{cls}'>{html.escape(str(c['target']))}</div>" if c.get("target") else ""
        )
        detail = f"<div class='l'>{html.escape(str(c['detail']))}</div>" if c.get("detail") else ""
        parts.append(
            f"<div class='cx-card'><div class='l'>{html.escape(str(c['label']))}</div>"
            f"<div class='v'>{html.escape(value)}</div>{target}{detail}</div>"
        )
    _display(f"<div class='cx-headline'>{''.join(parts)}</div>")


def findings(sentences: Iterable[str]) -> None:
    """Plain-language findings as an escaped bullet list."""
    _display(html_findings(list(sentences)))


def note(text: str) -> None:
    """A short escaped note (a caveat, what a design can and cannot prove)."""
    _display(f"<p class='cx-note'>{html.escape(text)}</p>")


def table(
    frame: pl.DataFrame,
    *,
    mask: Sequence[str] = ("customer_id",),
    max_rows: int = 50,
    caption: str | None = None,
) -> None:
    """An escaped table, with customer identifiers masked."""
    for column in mask:
        frame = mask_column(frame, column)
    _display(html_table(frame, max_rows=max_rows, caption=caption))


def show(result: Result, *, plot: bool = True) -> None:
    """Show a result in a report: its findings, its summary table and (optionally) its chart."""
    _display(result._repr_html_())
    if plot:
        fig = result.plot()
        if fig is not None:
            fig.show()
