"""Chart helpers of the churn room (plotly, in the house template registered by ``cxlab.viz``)."""

from __future__ import annotations


def figure(*traces):
    """A plotly Figure in the house template."""
    import plotly.graph_objects as go

    import cxlab.viz  # noqa: F401  (registers the cxlab template as the default)

    return go.Figure(list(traces))
