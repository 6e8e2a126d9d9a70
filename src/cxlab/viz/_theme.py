"""The plotly template and renderer of cxlab reports."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

COLORS = {
    "primary": "#1f5a96",
    "accent": "#e07b39",
    "good": "#2e8540",
    "bad": "#c0392b",
    "muted": "#8a94a6",
    "band": "rgba(31, 90, 150, 0.18)",
    "band_outer": "rgba(31, 90, 150, 0.09)",
    "channels": {"phone": "#1f5a96", "chat": "#e07b39", "email": "#6c5b7b", "social": "#2e8540"},
}
SEQUENCE = ["#1f5a96", "#e07b39", "#2e8540", "#6c5b7b", "#c0392b", "#17becf", "#8c564b", "#bcbd22"]


def template() -> go.layout.Template:
    """The ``cxlab`` plotly template: quiet grid, readable fonts, one colour sequence."""
    return go.layout.Template(
        layout=go.Layout(
            font=dict(
                family="Inter, Segoe UI, Helvetica, Arial, sans-serif", size=13, color="#1d2433"
            ),
            colorway=SEQUENCE,
            paper_bgcolor="white",
            plot_bgcolor="white",
            margin=dict(l=60, r=20, t=60, b=50),
            xaxis=dict(gridcolor="#eef0f4", zeroline=False, linecolor="#c8ced8"),
            yaxis=dict(gridcolor="#eef0f4", zeroline=False, linecolor="#c8ced8"),
            legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
            hoverlabel=dict(font_size=12),
            title=dict(x=0, xanchor="left", font=dict(size=16)),
        )
    )


def apply_renderer() -> None:
    """Register the template and choose a renderer that papermill and nbconvert keep."""
    pio.templates["cxlab"] = template()
    pio.templates.default = "plotly_white+cxlab"
    pio.renderers.default = "plotly_mimetype+notebook"
