"""Chart axes of the interventions report in the metric's own units and the report's language.

A share's effect is drawn in percentage points, a duration's effect in seconds and its level in
the unit the tiles read it in, a score in points; levels of a share are drawn as percentages. Dates on a Chinese chart read 2026年5月 rather than May 2026.
"""

from __future__ import annotations

from cxlab._present import _, language
from cxlab.experiments._text import metric_info
from cxlab.features import Metric


def effect_axis(metric: str | Metric | None) -> tuple[float, str]:
    """``(factor, axis title)`` for a difference in ``metric`` (the chart's title names it)."""
    _name, unit, _hib = metric_info(metric)
    if unit == "share":
        return 100.0, _("Difference (percentage points)")
    if unit == "seconds":
        return 1.0, _("Difference (seconds)")
    return 1.0, _("Difference")


def sized_title(metric: str | Metric | None, title: str) -> str:
    """An axis title with the unit a size of ``metric`` is drawn in."""
    _name, unit, _hib = metric_info(metric)
    if unit == "share":
        return _("{title} (percentage points)").format(title=title)
    if unit == "seconds":
        return _("{title} (seconds)").format(title=title)
    return title


def duration_scale(values) -> tuple[float, str]:
    """``(seconds per unit, axis title msgid)`` for durations of this typical size, in the unit the
    shared formatter reads them in (8.1 min on a tile, so minutes on the axis)."""
    sizes = sorted(abs(v) for v in values if v is not None and v == v)
    size = sizes[len(sizes) // 2] if sizes else 0.0
    if size < 120:
        return 1.0, _("{metric} (seconds)")
    if size < 3600:
        return 60.0, _("{metric} (minutes)")
    return 3600.0, _("{metric} (hours)")


def level_axis(fig, metric: str | Metric | None) -> None:
    """Label the y axis with the metric and draw shares as percentages; durations are drawn in
    the unit the report's tiles read them in (every trace rescaled)."""
    name, unit, _hib = metric_info(metric)
    if unit == "share":
        fig.update_yaxes(tickformat=".0%")
    elif unit == "seconds":
        factor, words = duration_scale([v for t in fig.data for v in (t.y or ())])
        if factor != 1.0:
            for t in fig.data:
                if t.y is not None:
                    t.y = [None if v is None else v / factor for v in t.y]
            fig.update_yaxes(hoverformat=".1f")
        name = words.format(metric=name)
    fig.update_yaxes(title_text=name)


def date_axis(fig) -> None:
    """Dates on the x axis in the report's language (plotly writes English month names)."""
    if language() == "zh":
        fig.update_xaxes(
            tickformatstops=[
                dict(dtickrange=[None, 86_400_000 * 20], value="%-m月%-d日"),
                dict(dtickrange=[86_400_000 * 20, None], value="%Y年%-m月"),
            ],
            hoverformat="%Y年%-m月%-d日",
        )


def layout(fig, title: str) -> None:
    """Title on top, legend on its own row beneath it (never on the title)."""
    fig.update_layout(
        title=dict(text=title),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
        margin=dict(t=100),
    )


def pilot_chart(fig, path, name: str, metric: str | Metric | None, title: str) -> None:
    """Draw the pilot's path (``period, treated, synthetic, post``) against its comparison group
    on ``fig``, with the start marked, the level axis of ``metric`` and ``title``."""
    import datetime as dt

    import plotly.graph_objects as go
    import polars as pl

    from cxlab.viz import color_for

    x = path["period"].to_list()
    fig.add_trace(
        go.Scatter(
            x=x, y=path["treated"].to_list(), name=name, line=dict(color=color_for("treatment"))
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=path["synthetic"].to_list(),
            name=_("Comparison group without the pilot"),
            line=dict(dash="dash", color=color_for("control")),
        )
    )
    start = path.filter(pl.col("post"))["period"][0]
    fig.add_vline(x=start, line_dash="dot", line_color="#8a94a6")
    fig.add_annotation(x=start, y=1, yref="paper", text=_("start"), showarrow=False, xanchor="left")
    level_axis(fig, metric)
    if isinstance(x[0], dt.date):
        date_axis(fig)
    layout(fig, title)
