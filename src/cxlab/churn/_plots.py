"""Chart helpers of the churn room (plotly, in the house template registered by ``cxlab.viz``).

Every chart takes its words from the catalogue and its colours from the house theme: a segment,
arm or channel has the same colour in every report; the two groups of an experience (without it,
with it) are the house blue and the house red.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import numpy as np

from cxlab._present import _, fmt_value

DAYS_PER_MONTH = 30.4


def figure(*traces):
    """A plotly Figure in the house template."""
    import plotly.graph_objects as go

    import cxlab.viz  # noqa: F401  (registers the cxlab template as the default)

    return go.Figure(list(traces))


def currency_symbol(code: str | None = None) -> str:
    """The workspace currency's symbol in the report's language (CN¥ / ¥), for chart axes."""
    from babel.numbers import get_currency_symbol

    from cxlab._present import locale

    if code is None:
        from cxlab._config import settings

        code = settings().currency
    return get_currency_symbol(code, locale=locale())


def group_colours(by: str | None, groups: Sequence[str]) -> dict[str, str]:
    """One colour per group, from the house theme (segments keep their colour everywhere)."""
    from cxlab.viz import COLORS, color_for

    out = {}
    for i, g in enumerate(groups):
        if by is None or g == "all":
            out[g] = COLORS["periods"]["current"]
        elif set(groups) <= {"0", "1"}:
            out[g] = COLORS["bad"] if g == "1" else COLORS["periods"]["current"]
        else:
            out[g] = color_for(g, index=i)
    return out


def month_day(months: float) -> float:
    """The day a month mark stands for: 3 months is day 91, 12 months day 365 (the days the
    retention tables report, so a chart's at-risk row and its table count the same day)."""
    return float(round(months * DAYS_PER_MONTH))


def still_observed(durations: np.ndarray, day: float) -> int:
    """Customers still observed on ``day``: follow-up lasting at least that long. The one count
    behind the at-risk row under a chart and the column of its table."""
    return int((np.asarray(durations, float) >= day).sum())


def month_ticks(max_days: float) -> list[float]:
    """Tick positions in months: every 3 months over a year or more, else every month."""
    months = max_days / DAYS_PER_MONTH
    step = 3 if months > 6 else 1
    return [float(m) for m in range(0, int(np.floor(months + 1e-9)) + 1, step)]


def km_figure(
    curves: Mapping[str, dict],
    *,
    names: Mapping[str, str],
    colours: Mapping[str, str],
    title: str,
    y_title: str,
    target: float | None = None,
    value: str = "s",
    start: float = 1.0,
):
    """Step curves with confidence bands over months of follow-up, and under the x axis a row
    with the number of customers still observed at each tick (the "number at risk", counted as
    the tables count it: :func:`still_observed` on the day of :func:`month_day`)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from cxlab.viz import fade  # also registers the cxlab template as the default

    longest = max(float(np.max(c["durations"])) for c in curves.values())
    ticks = month_ticks(longest)
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.78, 0.22], vertical_spacing=0.17
    )
    order = list(curves)
    for row, g in enumerate(order):
        c = curves[g]
        colour = colours[g]
        # rounded for the page: a step is at least half a day, a share is shown to 0.1%
        x = np.round(np.concatenate([[0.0], c["t"]]) / DAYS_PER_MONTH, 3)
        y = np.round(np.concatenate([[start], c[value]]), 5)
        lo = np.round(np.concatenate([[start], c["lo"]]), 4)
        hi = np.round(np.concatenate([[start], c["hi"]]), 4)
        band = {"width": 0, "shape": "hv", "color": colour}
        fig.add_trace(
            go.Scatter(x=x, y=hi, mode="lines", line=band, showlegend=False, hoverinfo="skip"),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=lo,
                mode="lines",
                line=band,
                fill="tonexty",
                fillcolor=fade(colour, 0.18),
                showlegend=False,
                hoverinfo="skip",
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=y,
                mode="lines",
                line={"shape": "hv", "color": colour, "width": 2},
                name=names[g],
                hovertemplate=_("Month %{x:.1f}: %{y:.1%}")
                + f"<extra>{html.escape(names[g])}</extra>",
            ),
            row=1,
            col=1,
        )
        followed = [still_observed(c["durations"], month_day(m)) for m in ticks]
        fig.add_trace(
            go.Scatter(
                x=ticks,
                y=[len(order) - row] * len(ticks),
                mode="text",
                text=[fmt_value(n, "count") for n in followed],
                textfont={"color": colour, "size": 12},
                showlegend=False,
                hoverinfo="skip",
            ),
            row=2,
            col=1,
        )
    if target is not None:
        from cxlab.viz import TARGET_LINE

        fig.add_hline(
            y=target,
            line=TARGET_LINE,
            annotation_text=_("Target {target}").format(target=fmt_value(target, "share")),
            annotation_position="bottom left",
            row=1,
            col=1,
        )
    fig.update_layout(title=title, height=560, hovermode="closest")
    fig.update_yaxes(title_text=y_title, tickformat=".0%", row=1, col=1)
    fig.update_yaxes(visible=False, range=[0.4, len(order) + 0.6], fixedrange=True, row=2, col=1)
    fig.update_xaxes(
        tickvals=ticks,
        showticklabels=True,
        title_text=_("Months since observation began"),
        row=1,
        col=1,
    )
    fig.update_xaxes(tickvals=ticks, showticklabels=False, showgrid=False, row=2, col=1)
    fig.add_annotation(
        text=_("Customers still observed"),
        xref="paper",
        yref="y2 domain",
        x=0,
        y=1.12,
        yanchor="bottom",
        showarrow=False,
        xanchor="left",
        font={"size": 12, "color": "#5b6577"},
    )
    return fig
