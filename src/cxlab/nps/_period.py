"""Reporting periods of the NPS room: the ground floor's one :class:`~cxlab._present.Period`,
resolved against the local dates the surveys cover.

A period is ``"2026-07"``, ``"2026-Q3"``, ``"2026"``, ``"2026-07-01..2026-09-30"``,
``"2026-07..2026-09"``, ``"all"`` or relative to the answers: ``"latest_month"``,
``"latest_quarter"``, ``"latest_year"`` (the last complete one) or ``"current_month"`` (the month of
the last answer, up to that day while it is still running: the most recent answers, for a call-back
list). A comparison (``compare_to``) is ``"previous"``, ``"year_ago"`` or any explicit period.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from cxlab._errors import NotEnoughDataError
from cxlab._present import Period, local_zone, parse_period

__all__ = ["Period", "comparison_period", "in_period", "parse_period", "survey_dates"]


def comparison_period(
    period: Period | str,
    compare_to: str,
    *,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> Period:
    """The period to compare ``period`` with: ``"previous"``, ``"year_ago"`` or an explicit
    period (see :meth:`cxlab._present.Period.compare`).

    Examples
    --------
    >>> comparison_period("2026-Q3", "previous").label
    '2026-Q2'
    """
    now = parse_period(period, first=first, last=last)
    return now.compare(compare_to, first=first, last=last)


def survey_dates(surveys: pl.LazyFrame | pl.DataFrame, time_zone: str) -> dict[str, dt.date]:
    """``{"first": ..., "last": ...}``: the local dates of the first and last answer."""
    day = pl.col("responded_at").dt.convert_time_zone(time_zone).dt.date()
    row = (
        surveys.lazy()
        .filter(pl.col("responded_at").is_not_null())
        .select(day.min().alias("first"), day.max().alias("last"))
        .collect()
        .row(0, named=True)
    )
    if row["first"] is None:
        raise NotEnoughDataError("surveys: the table has no answers.")
    return row


def in_period(
    surveys: pl.LazyFrame | pl.DataFrame,
    period: str | Period,
    time_zone: str | None = None,
    *,
    what: str,
) -> tuple[pl.LazyFrame, Period, str]:
    """The answers of ``period``, the period and the zone it was cut in.

    Raises
    ------
    OptionError
        ``period`` is not one of the accepted forms (from :func:`parse_period`).
    NotEnoughDataError
        No answer falls in the period; the message names the dates the surveys cover.
    """
    tz = local_zone(time_zone)
    lf = surveys.lazy()
    dates = survey_dates(lf, tz)
    p = parse_period(period, **dates)
    kept = lf.filter(p.filter("responded_at", tz))
    if kept.select(pl.len()).collect().item() == 0:
        given = period.label if isinstance(period, Period) else period
        raise NotEnoughDataError(
            f"{what}: no survey answers in period={given!r} ({p.start} to "
            f"{p.end - dt.timedelta(days=1)}); the surveys cover {dates['first']} to "
            f"{dates['last']} ({tz}). Choose a period inside that range."
        )
    return kept, p, tz
