"""Reporting periods named the way a service plan names them, cut in the local time zone.

A period is ``"2026-07"`` (a month), ``"2026-Q3"`` (a quarter), ``"2026"`` (a year),
``"2026-07-01..2026-09-30"`` (days, both ends included), ``"all"``, or relative to the data:
``"latest_month"``, ``"latest_quarter"``, ``"latest_year"`` (the last complete one: a unit is complete
when the data reach its last day), or ``"current_month"`` (the month of the last answer, up to that
answer's day when the month is still running: the most recent answers, for a call-back list). A comparison is ``"previous"`` (the unit just before, or a range of
the same length), ``"year_ago"`` or any explicit period.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError

_UNITS = {"month", "quarter", "year"}


@dataclass(frozen=True)
class Period:
    """A half-open interval ``[start, end)`` of local dates, with a readable label."""

    label: str
    start: dt.date
    end: dt.date  # exclusive
    unit: str = "range"

    @property
    def text(self) -> str:
        """The period as a reader names it, in the report's language ("Q3 2026", "2026年10月")."""
        from cxlab.nps._words import period_words

        return period_words(self.start, self.end, self.unit)

    @property
    def iso(self) -> tuple[str, str]:
        """``(start, end)`` as ISO dates, end exclusive (a headline card's period)."""
        return (self.start.isoformat(), self.end.isoformat())

    def bounds(self, time_zone: str) -> tuple[dt.datetime, dt.datetime]:
        tz = ZoneInfo(time_zone)
        return (
            dt.datetime.combine(self.start, dt.time(), tz),
            dt.datetime.combine(self.end, dt.time(), tz),
        )

    def filter(self, column: str, time_zone: str) -> pl.Expr:
        """Rows of ``column`` (a UTC or zoned timestamp) inside the period, cut at local midnight."""
        lo, hi = (b.astimezone(dt.UTC) for b in self.bounds(time_zone))
        col = pl.col(column).dt.convert_time_zone("UTC")
        return (col >= lo) & (col < hi)


def _add_months(d: dt.date, months: int) -> dt.date:
    m = d.year * 12 + d.month - 1 + months
    return dt.date(m // 12, m % 12 + 1, 1)


def _unit_period(unit: str, start: dt.date) -> Period:
    if unit == "month":
        return Period(f"{start:%Y-%m}", start, _add_months(start, 1), unit)
    if unit == "quarter":
        return Period(
            f"{start.year}-Q{(start.month - 1) // 3 + 1}", start, _add_months(start, 3), unit
        )
    return Period(f"{start.year}", start, _add_months(start, 12), unit)


def _unit_start(unit: str, d: dt.date) -> dt.date:
    if unit == "month":
        return dt.date(d.year, d.month, 1)
    if unit == "quarter":
        return dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    return dt.date(d.year, 1, 1)


def parse_period(spec: str, *, first: dt.date | None = None, last: dt.date | None = None) -> Period:
    """Parse a period spec; ``first``/``last`` are the local dates of the first and last response
    (needed for ``"all"`` and the ``latest_*`` forms).

    Examples
    --------
    >>> parse_period("2026-Q3")
    Period(label='2026-Q3', start=datetime.date(2026, 7, 1), end=datetime.date(2026, 10, 1), unit='quarter')
    """
    s = spec.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{2})", s):
        return _unit_period("month", dt.date(int(m[1]), int(m[2]), 1))
    if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", s):
        return _unit_period("quarter", dt.date(int(m[1]), 3 * int(m[2]) - 2, 1))
    if m := re.fullmatch(r"(\d{4})", s):
        return _unit_period("year", dt.date(int(m[1]), 1, 1))
    if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", s):
        a, b = dt.date.fromisoformat(m[1]), dt.date.fromisoformat(m[2])
        if b < a:
            raise OptionError(f"period={spec!r}: the end is before the start.")
        return Period(s, a, b + dt.timedelta(days=1))
    if s in ("all", "current_month") or s.startswith("latest_"):
        if first is None or last is None:
            raise NotEnoughDataError(f"period={spec!r} needs data to be resolved; none given.")
        if s == "all":
            return Period(f"{first}..{last}", first, last + dt.timedelta(days=1))
        if s == "current_month":
            month = _unit_period("month", _unit_start("month", last))
            if last < month.end - dt.timedelta(days=1):  # still running: up to the last answer
                return Period(f"{month.start}..{last}", month.start, last + dt.timedelta(days=1))
            return month
        unit = s.removeprefix("latest_")
        if unit in _UNITS:
            current = _unit_period(unit, _unit_start(unit, last))
            if last < current.end - dt.timedelta(days=1):  # the unit is still running
                current = _unit_period(
                    unit, _unit_start(unit, current.start - dt.timedelta(days=1))
                )
            return current
    raise OptionError(
        f"period={spec!r} is not understood; use 'YYYY-MM', 'YYYY-Qn', 'YYYY', "
        "'YYYY-MM-DD..YYYY-MM-DD', 'all', 'latest_month', 'latest_quarter', 'latest_year' or "
        "'current_month'."
    )


def comparison_period(period: Period, compare_to: str, **data_range) -> Period:
    """The period to compare with: ``"previous"``, ``"year_ago"`` or an explicit spec."""
    if compare_to == "previous":
        if period.unit in _UNITS:
            months = {"month": 1, "quarter": 3, "year": 12}[period.unit]
            return _unit_period(period.unit, _add_months(period.start, -months))
        length = period.end - period.start
        start = period.start - length
        return Period(f"{start}..{period.start - dt.timedelta(days=1)}", start, period.start)
    if compare_to == "year_ago":
        if period.unit in _UNITS:
            return _unit_period(period.unit, _add_months(period.start, -12))
        start = period.start.replace(year=period.start.year - 1)
        end = period.end.replace(year=period.end.year - 1)
        return Period(f"{start}..{end - dt.timedelta(days=1)}", start, end)
    return parse_period(compare_to, **data_range)


def data_range(surveys: pl.LazyFrame | pl.DataFrame, time_zone: str) -> dict[str, dt.date]:
    """Local dates of the first and last response."""
    row = (
        surveys.lazy()
        .select(
            pl.col("responded_at").dt.convert_time_zone(time_zone).dt.date().min().alias("first"),
            pl.col("responded_at").dt.convert_time_zone(time_zone).dt.date().max().alias("last"),
        )
        .collect()
        .row(0, named=True)
    )
    if row["first"] is None:
        raise NotEnoughDataError("surveys: no responses.")
    return row


def local_zone(time_zone: str | None) -> str:
    """The given zone, else the workspace's configured zone."""
    if time_zone:
        return time_zone
    from cxlab._config import settings

    return settings().time_zone
