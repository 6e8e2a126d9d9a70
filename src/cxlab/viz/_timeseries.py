"""Time series drawn honestly: lines and ranges that break where a queue is closed, closed hours
folded out of the axis, dates written in the report's language.

Plotly joins consecutive points with a straight line, so a closed night (21:30 to 08:00) or a
closed day would show as a diagonal of contacts that never came; these helpers put a gap there.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from cxlab._present import language


def step_of(ts: Sequence[dt.datetime]) -> dt.timedelta | None:
    """The usual spacing of interval starts (the smallest positive difference)."""
    diffs = [b - a for a, b in itertools.pairwise(ts) if b > a]
    return min(diffs) if diffs else None


def with_gaps(ts: list, *columns: list, step: dt.timedelta | None = None) -> tuple[list, ...]:
    """``ts`` and its columns with a ``None`` point wherever the series was closed (a jump of more
    than one ``step``): the line breaks there instead of bridging the closed hours."""
    step = step or step_of(ts)
    if step is None or len(ts) < 2:
        return (list(ts), *[list(c) for c in columns])
    out_x: list = [ts[0]]
    out_cols: list[list] = [[c[0]] for c in columns]
    for i in range(1, len(ts)):
        if ts[i] - ts[i - 1] > step:
            out_x.append(ts[i - 1] + step)
            for col in out_cols:
                col.append(None)
        out_x.append(ts[i])
        for col, src in zip(out_cols, columns, strict=True):
            col.append(src[i])
    return (out_x, *out_cols)


def band_polygon(ts: list, low: list, high: list, *, step: dt.timedelta | None = None):
    """``x, y`` of a filled range that stops where the series is closed: each open stretch is its
    own outline (up the high edge, back along the low edge), separated by ``None``, for a
    ``fill="toself"`` trace."""
    step = step or step_of(ts)
    xs: list = []
    ys: list = []
    start = 0
    for i in range(1, len(ts) + 1):
        if i == len(ts) or (step is not None and ts[i] - ts[i - 1] > step):
            seg = range(start, i)
            if xs:
                xs.append(None)
                ys.append(None)
            xs += [ts[j] for j in seg] + [ts[j] for j in reversed(seg)]
            ys += [high[j] for j in seg] + [low[j] for j in reversed(seg)]
            start = i
    return xs, ys


def step_band(ts: list, low: list, high: list) -> tuple[list, list]:
    """``x, y`` of a filled step range (each interval flat over its length) that stops where the
    series is closed: one outline per open stretch, separated by ``None``."""
    step = step_of(ts) or dt.timedelta(minutes=30)
    xs: list = []
    ys: list = []
    start = 0
    for i in range(1, len(ts) + 1):
        if i == len(ts) or ts[i] - ts[i - 1] > step:
            upper_x, upper_y, lower_x, lower_y = [], [], [], []
            for j in range(start, i):
                # the flat step ends just before the next interval: a closing time such as
                # 22:00 lies inside the axis break of the closed hours
                end = ts[j] + step - dt.timedelta(seconds=1)
                upper_x += [ts[j], end]
                upper_y += [high[j], high[j]]
                lower_x += [ts[j], end]
                lower_y += [low[j], low[j]]
            if xs:
                xs.append(None)
                ys.append(None)
            xs += upper_x + lower_x[::-1]
            ys += upper_y + lower_y[::-1]
            start = i
    return xs, ys


def closed_hours(ts: Sequence[dt.datetime]) -> list[dict] | None:
    """Plotly range breaks that fold the hours every day is closed out of a time axis."""
    if not ts:
        return None
    step = step_of(ts) or dt.timedelta(minutes=30)
    minutes = {t.hour * 60 + t.minute for t in ts}
    first = min(minutes) / 60
    last = (max(minutes) + step.total_seconds() / 60) / 60
    if first <= 0 and last >= 24:
        return None
    return [dict(pattern="hour", bounds=[last, first])]


def date_ticks() -> str | None:
    """Plotly's tick format for days in the report's language (plotly itself writes English)."""
    return "%-m月%-d日" if language() == "zh" else None


def localise_dates(fig, **where) -> None:
    """Dates on a figure's x axes in the report's language: days for short ranges, months for
    long ones (plotly writes English month names)."""
    if language() == "zh":
        fig.update_xaxes(
            tickformatstops=[
                dict(dtickrange=[None, 86_400_000 * 20], value="%-m月%-d日"),
                dict(dtickrange=[86_400_000 * 20, None], value="%Y年%-m月"),
            ],
            hoverformat="%Y年%-m月%-d日",
            **where,
        )
