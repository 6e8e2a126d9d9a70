"""The house style: a plotly template, a renderer that survives papermill and nbconvert, and
escaped display helpers for reports (headline numbers, findings, tables).

Importing ``cxlab.viz`` changes none of plotly's defaults. A figure a result draws is given the
house template itself (:func:`house_style`, applied to every ``plot()``); in a Jupyter kernel the
renderer moves to ``plotly_mimetype+notebook`` when a cxlab figure is made or shown (the mimetype
keeps charts in JupyterLab and in executed notebooks, the notebook part embeds plotly.js once so
nbconvert's HTML works offline). The runner starts its kernels with that renderer
(``PLOTLY_RENDERER``). :func:`apply_renderer` makes both plotly's defaults, for a notebook that
draws figures of its own.
"""

from cxlab.viz._compact import compact_times, compact_values
from cxlab.viz._display import (
    HOUSE_TEMPLATE,
    RENDERER,
    findings,
    headline,
    house_style,
    house_template,
    note,
    safe_text,
    show,
    table,
    use_notebook_renderer,
)
from cxlab.viz._theme import (
    COLORS,
    SEQUENCE,
    TARGET_LINE,
    apply_renderer,
    color_for,
    fade,
    template,
)
from cxlab.viz._timeseries import (
    band_polygon,
    closed_hours,
    date_ticks,
    localise_dates,
    step_band,
    step_of,
    with_gaps,
)

__all__ = [
    "COLORS",
    "HOUSE_TEMPLATE",
    "RENDERER",
    "SEQUENCE",
    "TARGET_LINE",
    "apply_renderer",
    "band_polygon",
    "closed_hours",
    "color_for",
    "compact_times",
    "compact_values",
    "date_ticks",
    "fade",
    "findings",
    "headline",
    "house_style",
    "house_template",
    "localise_dates",
    "note",
    "safe_text",
    "show",
    "step_band",
    "step_of",
    "table",
    "template",
    "use_notebook_renderer",
    "with_gaps",
]
