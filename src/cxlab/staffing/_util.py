"""Small helpers of the staffing room: per-series parameters and how times are shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl

from cxlab._errors import OptionError


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
    if time_zone:
        return time_zone
    try:
        from cxlab._config import settings

        return settings().time_zone
    except Exception:  # pragma: no cover - settings never stop a chart
        return "UTC"


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
