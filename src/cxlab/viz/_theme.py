"""The plotly template and renderer of cxlab reports."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from cxlab._present import FONT_STACK

COLORS = {
    "primary": "#1f5a96",
    "accent": "#e07b39",
    "good": "#2e8540",
    "bad": "#c0392b",
    "muted": "#8a94a6",
    "band": "rgba(31, 90, 150, 0.18)",
    "band_outer": "rgba(31, 90, 150, 0.09)",
    # the four channel colours mean a channel and nothing else, in every report
    "channels": {"phone": "#1f5a96", "chat": "#e07b39", "email": "#6c5b7b", "social": "#2e8540"},
    "arms": {"control": "#8a94a6", "treatment": "#334155"},
    "periods": {"current": "#334155", "compare": "#b8c2d1", "forecast": "#0f766e"},
    "segments": {"enterprise": "#0f766e", "individual": "#7c2d12"},
    "target": "#1d2433",
}
# categories that are not channels (reasons, groups, weekdays) take colours no channel uses
SEQUENCE = ["#334155", "#0f766e", "#be185d", "#7c2d12", "#64748b", "#0891b2", "#a21caf", "#854d0e"]
# one look for a target in every chart: a dark dashed line (or a dark tick on a bar)
TARGET_LINE = {"color": "#1d2433", "dash": "dash", "width": 1.5}


def fade(color: str, alpha: float) -> str:
    """A hex colour as ``rgba`` with transparency (for uncertainty bands)."""
    c = color.lstrip("#")
    r, g, b = (int(c[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


def color_for(value: object, *, index: int = 0) -> str:
    """The one colour of a channel, arm, period or segment in every report.

    Values the theme does not name take the house sequence by ``index``.
    """
    key = str(value)
    for group in ("channels", "arms", "periods", "segments"):
        if key in COLORS[group]:
            return COLORS[group][key]
    return SEQUENCE[index % len(SEQUENCE)]


def template() -> go.layout.Template:
    """The ``cxlab`` plotly template: quiet grid, readable fonts, one colour sequence."""
    return go.layout.Template(
        layout=go.Layout(
            font=dict(family=FONT_STACK, size=13, color="#1d2433"),
            colorway=SEQUENCE,
            paper_bgcolor="white",
            plot_bgcolor="white",
            margin=dict(l=60, r=20, t=90, b=50),
            xaxis=dict(gridcolor="#eef0f4", zeroline=False, linecolor="#c8ced8"),
            yaxis=dict(gridcolor="#eef0f4", zeroline=False, linecolor="#c8ced8"),
            # the legend sits under the title, above the plot, never on the title
            legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
            hoverlabel=dict(font_size=12),
            title=dict(x=0, xanchor="left", y=0.98, yanchor="top", font=dict(size=16)),
        )
    )


def apply_renderer() -> None:
    """Make the house template and a renderer that papermill and nbconvert keep plotly's
    process-wide defaults.

    cxlab never calls it on import: results style their own figures and the runner starts its
    kernels with the renderer. Call it in a notebook that draws plotly figures of its own.
    """
    pio.templates["cxlab"] = template()
    pio.templates.default = "plotly_white+cxlab"
    pio.renderers.default = "plotly_mimetype+notebook"
