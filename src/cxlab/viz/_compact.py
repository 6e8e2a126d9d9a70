"""Chart data as small as it can travel: a report carries every point of every chart.

A time written as ``"2026-11-01T10:30:00"`` costs 21 characters in the page; the same instant as
milliseconds since the epoch costs 13, and plotly reads both on a date axis. Values are rounded
to what a reader can see. A ``None`` (a gap) stays a gap.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

_EPOCH = dt.datetime(1970, 1, 1)


def compact_times(values: Iterable[object]) -> list[int | None]:
    """Naive local datetimes as epoch milliseconds for a ``type="date"`` axis (shown as written)."""
    out: list[int | None] = []
    for v in values:
        if v is None:
            out.append(None)
        elif isinstance(v, dt.datetime):
            naive = v.replace(tzinfo=None)
            out.append(round((naive - _EPOCH).total_seconds() * 1000))
        elif isinstance(v, dt.date):
            out.append(round((dt.datetime(v.year, v.month, v.day) - _EPOCH).total_seconds() * 1000))
        else:
            raise TypeError(f"compact_times takes datetimes, not {type(v).__name__}")
    return out


def compact_values(values: Iterable[object], digits: int = 2) -> list[float | None]:
    """Numbers rounded to ``digits`` decimals (``None`` and NaN become gaps)."""
    out: list[float | None] = []
    for v in values:
        if v is None or (isinstance(v, float) and not math.isfinite(v)):
            out.append(None)
        else:
            r = round(float(v), digits)
            out.append(int(r) if r.is_integer() else r)
    return out
