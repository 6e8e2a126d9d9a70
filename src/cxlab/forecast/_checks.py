"""The forecast room's options checked at the door: horizons, band levels, series frames."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import polars as pl

from cxlab._errors import OptionError, SchemaError

HORIZON_WORDS = {"day": 1, "week": 7}


def check_horizon(horizon: Any, *, name: str = "horizon", words: bool = False) -> int:
    """Days ahead, a whole number of at least 1 (``"day"`` and ``"week"`` too where ``words``).

    Examples
    --------
    >>> check_horizon(7), check_horizon("week", words=True)
    (7, 7)
    """
    if words and isinstance(horizon, str) and horizon in HORIZON_WORDS:
        return HORIZON_WORDS[horizon]
    whole = isinstance(horizon, int) or (isinstance(horizon, float) and horizon.is_integer())
    if isinstance(horizon, bool) or not whole or horizon < 1:
        forms = "'day', 'week' or " if words else ""
        raise OptionError(
            f"{name}={horizon!r} is not a horizon; give {forms}a whole number of days ahead, "
            "at least 1 (7 for a week)."
        )
    return int(horizon)


def check_levels(level: Any, *, name: str = "level") -> tuple[int, ...]:
    """Band levels in percent, like statsforecast: ``(80, 95)``; a share (0.95) is refused.

    Examples
    --------
    >>> check_levels((95, 80)), check_levels(90)
    ((80, 95), (90,))
    """
    values = (level,) if isinstance(level, int | float) else level
    if isinstance(values, str) or not isinstance(values, Sequence) or not values:
        raise OptionError(
            f"{name}={level!r} is not a set of band levels; give percents like level=(80, 95)."
        )
    out = []
    for v in values:
        number = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        if number and 0 < v < 1:
            raise OptionError(
                f"{name}={level!r} looks like shares; forecast bands take percents like "
                f"statsforecast: level=({', '.join(str(round(x * 100)) for x in values)})."
            )
        if not number or not float(v).is_integer() or not 0 < v < 100:
            raise OptionError(
                f"{name}={level!r} is not a set of band levels; give whole percents between 1 "
                "and 99, like level=(80, 95)."
            )
        out.append(int(v))
    return tuple(sorted(set(out)))


def check_series(series: Any, func: str) -> pl.DataFrame:
    """A long ``series_id, ts, y`` polars frame (a LazyFrame is collected)."""
    if isinstance(series, pl.LazyFrame):
        series = series.collect()
    if not isinstance(series, pl.DataFrame):
        raise SchemaError(
            f"{func}() takes a polars DataFrame series_id, ts, y (see "
            f"cx.features.volume_series); got {type(series).__name__}."
        )
    return series
