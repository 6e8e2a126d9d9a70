"""The house style: a plotly template, a renderer that survives papermill and nbconvert, and
escaped display helpers for reports (headline numbers, findings, tables).

Importing ``cxlab.viz`` registers the ``cxlab`` template and sets plotly's renderer to
``plotly_mimetype+notebook``: the mimetype keeps charts in JupyterLab and in executed notebooks,
and the notebook part embeds plotly.js once per report so the HTML works offline.
"""

from cxlab.viz._compact import compact_times, compact_values
from cxlab.viz._display import findings, headline, note, safe_text, show, table
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
    "localise_dates",
    "note",
    "safe_text",
    "show",
    "step_band",
    "step_of",
    "table",
    "template",
    "with_gaps",
]

apply_renderer()
