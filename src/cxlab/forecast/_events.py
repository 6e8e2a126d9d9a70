"""Calendar regressors on a day x interval grid: holidays, the day after, month-end and events."""

from __future__ import annotations

import numpy as np
import polars as pl

from cxlab._errors import SchemaError
from cxlab.forecast._panel import Panel, weekday

EVENT_COLUMNS = ("start", "end", "kind", "queues")


def check_events(events: pl.DataFrame | pl.LazyFrame | None) -> pl.DataFrame | None:
    """Collect and check an events table (``start, end, kind, queues``; queues ``*`` or ``;``-separated)."""
    if events is None:
        return None
    frame = events.lazy().collect()
    missing = set(EVENT_COLUMNS) - set(frame.columns)
    if missing:
        raise SchemaError(f"events: missing column(s) {sorted(missing)}; pass the events table.")
    return frame


def events_for(events: pl.DataFrame | None, series_id: str) -> pl.DataFrame | None:
    """The events that touch one series: ``queues`` is ``*`` or lists the series among ``;``-separated names."""
    if events is None:
        return None
    names = pl.col("queues").str.split(";").list.eval(pl.element().str.strip_chars())
    return events.filter((pl.col("queues") == "*") | names.list.contains(series_id))


def _local(col: pl.Series, time_zone: str | None) -> np.ndarray:
    dtype = col.dtype
    if getattr(dtype, "time_zone", None) is not None:
        col = col.dt.convert_time_zone(time_zone or "UTC").dt.replace_time_zone(None)
    return col.cast(pl.Datetime("us")).to_numpy().astype("datetime64[us]")


def regressors(
    panel: Panel,
    days: np.ndarray,
    events: pl.DataFrame | None,
    *,
    month_end: bool = False,
) -> dict[str, np.ndarray]:
    """0/1 matrices (``days x slots``) per effect: each event kind, ``post_holiday``, ``month_end``.

    An interval is covered by an event when its start lies in ``[start, end)`` in local time.
    ``post_holiday`` is the first day after a run of holiday days; ``month_end`` the last two
    days of a month (billing runs).
    """
    n, m = len(days), len(panel.slots)
    start = (
        days.astype("datetime64[us]")[:, None]
        + (panel.slots * 60_000_000).astype("timedelta64[us]")[None, :]
    )
    out: dict[str, np.ndarray] = {}
    if events is not None and not events.is_empty():
        s = _local(events["start"], panel.time_zone)
        e = _local(events["end"], panel.time_zone)
        kinds = events["kind"].to_numpy()
        for kind in sorted(set(kinds.tolist())):
            cover = np.zeros((n, m), dtype=float)
            for i in np.flatnonzero(kinds == kind):
                cover[(start >= s[i]) & (start < e[i])] = 1.0
            out[kind] = cover
        hol = np.flatnonzero(kinds == "holiday")
        if len(hol):
            # a holiday is a day-level effect: the whole local day runs at the holiday rate
            first = s[hol].astype("datetime64[D]")
            last = (e[hol] - np.timedelta64(1, "us")).astype("datetime64[D]")
            holiday_days = {
                d for a, b in zip(first, last, strict=True) for d in np.arange(a, b + 1).tolist()
            }
            is_hol = np.array([d in holiday_days for d in days.tolist()])
            prev = (days - np.timedelta64(1, "D")).tolist()
            after = np.array([p in holiday_days for p in prev]) & ~is_hol
            out["holiday"] = np.repeat(is_hol[:, None].astype(float), m, axis=1)
            out["post_holiday"] = np.repeat(after[:, None].astype(float), m, axis=1)
    if month_end:
        last2 = (days + 2).astype("datetime64[M]") != days.astype("datetime64[M]")
        out["month_end"] = np.repeat(last2[:, None].astype(float), m, axis=1)
    return out


def open_weekdays(days: np.ndarray) -> set[int]:
    """The weekdays a centre opens (Monday = 0): those seen among the last four weeks of ``days``."""
    days = np.asarray(days, dtype="datetime64[D]")
    if not len(days):
        return set()
    recent = days[days > days[-1] - np.timedelta64(28, "D")]
    return set(weekday(recent).tolist())


def after_closure(
    days: np.ndarray, before: np.datetime64 | None, weekdays_open: set[int]
) -> np.ndarray:
    """Which of ``days`` (open days, ascending) come right after a closed weekday.

    A weekday the centre normally opens (``weekdays_open``) with no data, between the previous
    open day (``before`` for the first of ``days``) and this one, is a closure inferred from the
    series itself: a bank holiday, a day the centre shut. The first open day after it gets the
    calls that could not be made (pent-up demand), like a Monday after the weekend.
    """
    days = np.asarray(days, dtype="datetime64[D]")
    prev = np.concatenate([[before if before is not None else days[0]], days[:-1]]).astype(
        "datetime64[D]"
    )
    out = np.zeros(len(days), dtype=bool)
    for i, (a, b) in enumerate(zip(prev, days, strict=True)):
        gap = np.arange(a + 1, b, dtype="datetime64[D]")
        out[i] = bool(len(gap)) and bool(set(weekday(gap).tolist()) & weekdays_open)
    return out


def first_weekday(weekdays_open: set[int]) -> int | None:
    """The open weekday that follows the weekly closed days (Monday for a Monday-Friday centre)."""
    starts = [w for w in sorted(weekdays_open) if (w - 1) % 7 not in weekdays_open]
    return starts[0] if len(weekdays_open) < 7 and starts else None
