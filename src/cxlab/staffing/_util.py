"""Small helpers of the staffing room: per-series parameters and how times are shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl

from cxlab._errors import OptionError
from cxlab._present import every_minutes, local_zone


def per_series(
    value: Any, ids: np.ndarray, name: str, *, missing: float | None = None
) -> np.ndarray:
    """One float per row from a single value or a dict series_id -> value.

    A series missing from the dict is an error unless ``missing`` gives its value.
    """
    if isinstance(value, Mapping):
        known = {str(k): v for k, v in value.items()}
        absent = sorted(set(ids.tolist()) - set(known))
        if absent and missing is None:
            raise OptionError(
                f"{name} has no value for series {absent[:5]}; give a value for every series_id "
                "or a single number."
            )
        return np.array(
            [missing if known.get(i) is None else float(known[i]) for i in ids.tolist()], float
        )
    if value is None:
        if missing is None:
            raise OptionError(f"{name} is required.")
        return np.full(len(ids), missing, float)
    return np.full(len(ids), float(value))


def zone(time_zone: str | None) -> str:
    """The time zone to show times in: the one given, else the workspace's, else UTC."""
    try:
        return local_zone(time_zone)
    except Exception:  # pragma: no cover - settings never stop a chart
        return "UTC"


def minutes_as_every(minutes: Any) -> Any:
    """An old ``interval_minutes`` number as a grain (30 -> "30m"); anything else unchanged, for
    :func:`cxlab._present.check_every` to judge."""
    number = isinstance(minutes, int | float) and not isinstance(minutes, bool)
    if number and float(minutes).is_integer() and minutes > 0:
        return f"{int(minutes)}m"
    return minutes


def every_of(minutes: float) -> str:
    """The grain of a whole number of minutes, in its shortest form (60 -> "1h", 30 -> "30m")."""
    m = round(minutes)
    return f"{m // 60}h" if m % 60 == 0 else f"{m}m"


def interval_minutes(every: str | int, *, name: str = "every") -> int:
    """Minutes per interval of a fixed grain ("15m", "30m", "1h"); the error names ``name``."""
    return every_minutes(every, name=name)


def local_ts(ts: pl.Series, time_zone: str | None) -> pl.Series:
    """Interval starts as naive local times (plotly shows naive times as written)."""
    if isinstance(ts.dtype, pl.Datetime) and ts.dtype.time_zone is not None:
        return ts.dt.convert_time_zone(zone(time_zone)).dt.replace_time_zone(None)
    return ts


def when(ts: Any, time_zone: str | None) -> str:
    """An interval start in words, in local time and the report's language: "Mon, Oct 12 10:30"."""
    if isinstance(ts, dt.datetime):
        if ts.tzinfo is not None:
            from zoneinfo import ZoneInfo

            ts = ts.astimezone(ZoneInfo(zone(time_zone)))
        from cxlab._present import fmt_date

        return fmt_date(ts, with_time=True, weekday=True)
    return str(ts)
