"""How the forecast room speaks to a reader: its labels, the units of its columns, and charts
with gaps where a queue is closed."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

from cxlab._present import N_, _, register_labels, register_units

register_labels(
    {
        # forecasting methods (the ``model`` column)
        "daily_profile": N_("Daily total × intraday profile by weekday"),
        "seasonal_naive_week": N_("Same weekday last week"),
        "seasonal_naive_day": N_("Same as the day before"),
        "mstl": N_("Seasonal decomposition (MSTL)"),
        "fourier_arima": N_("Fourier-term ARIMA"),
        "prophet": N_("Prophet"),
        "bottom_up": N_("Sum of the queue forecasts"),
        # hierarchy levels and columns of forecast and backtest frames
        "level": N_("Level"),
        "mase": N_("MASE"),
        "wape": N_("WAPE"),
        "rmse": N_("RMSE"),
        "coverage_80": N_("In 80% range"),
        "coverage_95": N_("In 95% range"),
        "weekday_name": N_("Weekday"),
        "time_of_day": N_("Time of day"),
        "expected": N_("Typical contacts"),
        "effect": N_("Change in volume"),
        "effect_low": N_("Lower bound"),
        "effect_high": N_("Upper bound"),
        # calendar and event effects (the ``term`` column of the effects table)
        "holiday": N_("Public holiday"),
        "post_holiday": N_("Day after a holiday"),
        "month_end": N_("Last two days of the month"),
        "promotion": N_("Promotion"),
        "recall": N_("Product recall"),
        "outage": N_("Service outage"),
        "launch": N_("Product launch"),
        # the synthetic workspace's event names
        "Mid-Autumn Festival": N_("Mid-Autumn Festival"),
        "National Day": N_("National Day"),
        "National Day (observed)": N_("National Day (observed)"),
        "New Year's Day": N_("New Year's Day"),
        "Chinese New Year's Eve": N_("Chinese New Year's Eve"),
        "Chinese New Year (Spring Festival)": N_("Chinese New Year (Spring Festival)"),
        "Tomb-Sweeping Day": N_("Tomb-Sweeping Day"),
        "Tomb-Sweeping Day (observed)": N_("Tomb-Sweeping Day (observed)"),
        "Labor Day": N_("Labor Day"),
        "Labor Day (observed)": N_("Labor Day (observed)"),
        "Dragon Boat Festival": N_("Dragon Boat Festival"),
        "Singles' Day sale": N_("Singles' Day sale"),
        "618 mid-year sale": N_("618 mid-year sale"),
        "Charger recall": N_("Charger recall"),
        "Network outage": N_("Network outage"),
        "New device launch": N_("New device launch"),
    }
)

register_units(
    {
        "wape": "share",
        "coverage_80": "share",
        "coverage_95": "share",
        "mase": "ratio",
        "rmse": "ratio",
        "effect": "percent",
        "effect_low": "percent",
        "effect_high": "percent",
    }
)

WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


def event_name(name: object) -> str:
    """An event's name for a reader (a substituted working day reads "Day off in lieu")."""
    from cxlab._present import label

    text = str(name)
    if text.startswith("Day off (substituted"):
        return _("Day off in lieu")
    return label(text)


def interval_words(minutes: float) -> str:
    """The length of an interval in words: "half-hour", "quarter-hour", "hour", "20-minute"."""
    named = {15: _("quarter-hour"), 30: _("half-hour"), 60: _("hour")}
    return named.get(round(minutes), _("{n}-minute interval").format(n=round(minutes)))


def step_of(ts: Sequence[dt.datetime]) -> dt.timedelta | None:
    """The usual spacing of interval starts (the smallest positive difference)."""
    diffs = [b - a for a, b in itertools.pairwise(ts) if b > a]
    return min(diffs) if diffs else None


def with_gaps(ts: list, *columns: list, step: dt.timedelta | None = None) -> tuple[list, ...]:
    """``ts`` and its columns with a ``None`` point wherever the queue was closed.

    Plotly joins consecutive points with a straight line; a closed night (21:30 to 08:00) or a
    closed day would show as a diagonal of contacts that never came. A ``None`` value after the
    last open interval breaks the line there.
    """
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
    """``x, y`` of a filled range that stops where the queue is closed.

    Each open stretch becomes its own closed outline (up the high edge, back along the low edge),
    separated by ``None``, for a ``fill="toself"`` trace: a range never bridges a closed night.
    """
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


def fade(color: str, alpha: float) -> str:
    """A hex colour as ``rgba`` with transparency (for uncertainty bands)."""
    c = color.lstrip("#")
    r, g, b = (int(c[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r}, {g}, {b}, {alpha})"


def date_ticks() -> str | None:
    """Plotly's tick format for dates in the report's language (plotly itself writes English)."""
    from cxlab._present import language

    return "%-m月%-d日" if language() == "zh" else None
