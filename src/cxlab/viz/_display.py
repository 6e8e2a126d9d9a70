"""Display helpers for notebooks and reports. Every piece of text is escaped before it is shown.

They draw with the shared presentation vocabulary (:mod:`cxlab._present`): headline tiles from
:class:`~cxlab._present.Headline` cards, tables with labelled headers and formatted cells (at most
15 rows in the body, the rest as a CSV download), findings and notes in the report's language.

Figures are styled where they are made, not by a process-wide default: :func:`house_style` gives a
figure the house template and, in a Jupyter kernel, moves plotly's renderer to one that papermill
and nbconvert keep. Every figure a result draws passes through it (``cxlab.viz`` registers it with
the results on the ground floor), so importing cxlab changes none of plotly's defaults.
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
    scrub_text,
    table_html,
)
from cxlab._result import Result, on_figure
from cxlab.viz._theme import template

HOUSE_TEMPLATE = "plotly_white+cxlab"
# the mimetype keeps charts in JupyterLab and in executed notebooks; the notebook part embeds
# plotly.js once per notebook, so nbconvert's HTML draws them offline
RENDERER = "plotly_mimetype+notebook"
_house: list = []  # the merged house template, built on first use


def house_template():
    """The house template (``plotly_white`` with the ``cxlab`` layer), registered with plotly
    under the name ``cxlab`` on first use; plotly's default template is left alone."""
    if not _house:
        import plotly.io as pio

        if "cxlab" not in pio.templates:
            pio.templates["cxlab"] = template()
        _house.append(pio.templates[HOUSE_TEMPLATE])
    return _house[0]


def use_notebook_renderer() -> None:
    """In a Jupyter kernel whose plotly renderer is plotly's own choice there (``plotly_mimetype``),
    switch to :data:`RENDERER` so that charts survive papermill and nbconvert. A renderer someone
    chose (``PLOTLY_RENDERER``, ``pio.renderers.default = ...``) and other processes are left alone."""
    import sys

    if "ipykernel" not in sys.modules:
        return
    import plotly.io as pio

    if pio.renderers.default == "plotly_mimetype":
        pio.renderers.default = RENDERER


def house_style(fig):
    """``fig`` in the house template (unless it carries a template its author chose), ready to
    be shown (:func:`use_notebook_renderer`). Anything that is not a plotly figure passes through."""
    layout = getattr(fig, "layout", None)
    if layout is None or not hasattr(fig, "to_plotly_json"):
        return fig
    import plotly.io as pio

    house = house_template()
    current = layout.template
    if current != house:
        default = pio.templates.default
        if not current.to_plotly_json() or (default and current == pio.templates[default]):
            layout.template = house
    use_notebook_renderer()
    return fig


on_figure(house_style)


def _display(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(CSS + markup))


def safe_text(text: object) -> str:
    """Text made safe for chart labels and hover text: plotly renders <a>, <b>, <i> tags in
    labels, so free text (categories, comments, names) is escaped and shows literally, and
    personal data in it (phones, e-mail addresses, ID and card numbers) becomes a placeholder."""
    import html

    return html.escape(scrub_text(str(text)), quote=False)


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
    """Show a result in a report: its headline cards, findings, summary table and chart (in the
    house style, with a renderer that papermill and nbconvert keep)."""
    _display(result._repr_html_())
    if plot:
        fig = result.plot()
        if fig is not None:
            house_style(fig).show()
