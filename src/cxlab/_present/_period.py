"""Periods and grains: one :class:`Period`, one parser, one comparison vocabulary, one grain parser.

A period is written the way a service plan names it and cut at local midnight in the workspace's
time zone:

- ``"2026-10"`` a month, ``"2026-Q3"`` a quarter, ``"2026"`` a year;
- ``"2026-07-01..2026-09-30"`` days, both ends included (``"2026-07..2026-09"`` whole months);
- relative to the data: ``"latest_month"``, ``"latest_quarter"``, ``"latest_year"`` (the last
  *complete* one: complete when the data reach its last day), ``"latest_12_months"`` (the twelve
  months up to the last complete month: a calendar year when that month is December),
  ``"current_month"`` (the month of the last row, up to that day while it is still running) and
  ``"all"``.

A comparison (``compare_to``) is ``"previous"`` (the unit just before, 环比, or a range of the same
length), ``"year_ago"`` (the same unit a year before, 同比) or any explicit period.

A grain (``every``) is a polars duration of whole minutes, hours, days or weeks: ``"15m"``,
``"30m"``, ``"1h"``, ``"1d"``, ``"1w"``; ``"1mo"``, ``"1q"`` and ``"1y"`` cut calendar months,
quarters and years.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._present._i18n import _

PeriodUnit = Literal["month", "quarter", "year", "range"]
CompareTo = Literal["previous", "year_ago"]
COMPARE_TO: tuple[str, ...] = ("previous", "year_ago")
_OLD_COMPARE_TO = {"previous_month": "previous", "last_year": "year_ago"}
_CALENDAR = {"month": 1, "quarter": 3, "year": 12}
_LATEST = ("latest_month", "latest_quarter", "latest_year")
PERIOD_FORMS = (
    "'YYYY-MM', 'YYYY-Qn', 'YYYY', 'YYYY-MM-DD..YYYY-MM-DD', 'YYYY-MM..YYYY-MM', 'latest_month', "
    "'latest_quarter', 'latest_year', 'latest_12_months', 'current_month' or 'all'"
)


@dataclass(frozen=True)
class Period:
    """A half-open interval ``[start, end)`` of local dates, with the spec that names it.

    Examples
    --------
    >>> p = Period.parse("2026-Q3")
    >>> p.start, p.end, p.unit
    (datetime.date(2026, 7, 1), datetime.date(2026, 10, 1), 'quarter')
    >>> p.compare("year_ago").label
    '2025-Q3'
    """

    label: str
    start: dt.date
    end: dt.date  # exclusive
    unit: PeriodUnit = "range"

    @classmethod
    def parse(
        cls, spec: str | Period, *, first: dt.date | None = None, last: dt.date | None = None
    ) -> Period:
        """See :func:`parse_period`."""
        return parse_period(spec, first=first, last=last)

    @property
    def text(self) -> str:
        """The period as a reader names it: "2026年10月", "Q3 2026", "Jul 1 – 14, 2026"."""
        from cxlab._present._units import fmt_period

        return fmt_period(self.start, self.end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def iso(self) -> tuple[str, str]:
        """``(start, end)`` as ISO dates, end exclusive (a headline card's period)."""
        return (self.start.isoformat(), self.end.isoformat())

    def bounds(self, time_zone: str | None = None) -> tuple[dt.datetime, dt.datetime]:
        """Local midnight at ``start`` and at ``end``, in ``time_zone`` (the workspace's by default)."""
        tz = ZoneInfo(local_zone(time_zone))
        return (
            dt.datetime.combine(self.start, dt.time(), tz),
            dt.datetime.combine(self.end, dt.time(), tz),
        )

    def utc_bounds(self, time_zone: str | None = None) -> tuple[dt.datetime, dt.datetime]:
        """:meth:`bounds` in UTC, for filtering stored timestamps."""
        lo, hi = self.bounds(time_zone)
        return lo.astimezone(dt.UTC), hi.astimezone(dt.UTC)

    def filter(self, column: str, time_zone: str | None = None):
        """A polars expression: rows of ``column`` (a zoned timestamp) inside the period."""
        import polars as pl

        lo, hi = self.utc_bounds(time_zone)
        col = pl.col(column).dt.convert_time_zone("UTC")
        return (col >= lo) & (col < hi)

    def shift(self, months: int) -> Period:
        """The same period ``months`` calendar months later (earlier when negative)."""
        if self.unit in _CALENDAR:
            return _unit_period(self.unit, _add_months(self.start, months))
        start, end = _add_months_day(self.start, months), _add_months_day(self.end, months)
        return _range(start, end)

    def compare(
        self, compare_to: str, *, first: dt.date | None = None, last: dt.date | None = None
    ) -> Period:
        """The period to compare with: ``"previous"``, ``"year_ago"`` or an explicit period."""
        how = check_compare_to(compare_to)
        if how == "previous":
            if self.unit in _CALENDAR:
                return self.shift(-_CALENDAR[self.unit])
            return _range(self.start - (self.end - self.start), self.start)
        if how == "year_ago":
            return self.shift(-12)
        return parse_period(how, first=first, last=last)

    def compare_words(self, compare_to: str) -> str:
        """How a comparison reads: "vs previous month" (环比), "vs same month last year" (同比)."""
        how = check_compare_to(compare_to)
        unit = self.unit
        if unit == "range" and self.start.day == 1 and self.shift(-12).end == self.start:
            unit = "year"  # twelve whole months compare as a year
        words = {
            ("previous", "month"): _("vs previous month"),
            ("previous", "quarter"): _("vs previous quarter"),
            ("previous", "year"): _("vs previous year"),
            ("previous", "range"): _("vs the period before"),
            ("year_ago", "month"): _("vs same month last year"),
            ("year_ago", "quarter"): _("vs same quarter last year"),
            ("year_ago", "year"): _("vs previous year"),
            ("year_ago", "range"): _("vs the same days last year"),
        }
        if (how, unit) in words:
            return words[(how, unit)]
        return _("vs {period}").format(
            period=parse_period(how, first=self.start, last=self.end).text
        )


def check_compare_to(compare_to: str) -> str:
    """``compare_to`` in the one vocabulary (the old review words are read with a warning)."""
    from cxlab._options import warn_renamed

    if not isinstance(compare_to, str):
        raise OptionError(
            f"compare_to={compare_to!r} is not allowed; use 'previous', 'year_ago' or a period "
            f"({PERIOD_FORMS})."
        )
    if compare_to in _OLD_COMPARE_TO:
        new = _OLD_COMPARE_TO[compare_to]
        warn_renamed(f"compare_to={compare_to!r}", f"compare_to={new!r}", stacklevel=4)
        return new
    if compare_to in COMPARE_TO:
        return compare_to
    try:
        parse_period(compare_to, first=dt.date(2000, 1, 1), last=dt.date(2000, 1, 2))
    except OptionError:
        raise OptionError(
            f"compare_to={compare_to!r} is not understood; use 'previous', 'year_ago' or a "
            f"period ({PERIOD_FORMS})."
        ) from None
    return compare_to


def _add_months(d: dt.date, months: int) -> dt.date:
    m = d.year * 12 + d.month - 1 + months
    return dt.date(m // 12, m % 12 + 1, 1)


def _add_months_day(d: dt.date, months: int) -> dt.date:
    """``d`` moved by ``months`` calendar months, the day clamped to the month's length."""
    first = _add_months(d, months)
    length = (_add_months(first, 1) - dt.timedelta(days=1)).day
    return first.replace(day=min(d.day, length))


def _unit_period(unit: str, start: dt.date) -> Period:
    if unit == "month":
        return Period(f"{start:%Y-%m}", start, _add_months(start, 1), "month")
    if unit == "quarter":
        label = f"{start.year}-Q{(start.month - 1) // 3 + 1}"
        return Period(label, start, _add_months(start, 3), "quarter")
    return Period(f"{start.year}", start, _add_months(start, 12), "year")


def _unit_start(unit: str, d: dt.date) -> dt.date:
    if unit == "month":
        return dt.date(d.year, d.month, 1)
    if unit == "quarter":
        return dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)
    return dt.date(d.year, 1, 1)


def _range(start: dt.date, end: dt.date) -> Period:
    """Days ``[start, end)``; a span of whole calendar units is that unit."""
    for unit, months in _CALENDAR.items():
        if start == _unit_start(unit, start) and end == _add_months(start, months):
            return _unit_period(unit, start)
    return Period(f"{start}..{end - dt.timedelta(days=1)}", start, end, "range")


def _date(text: str, spec: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise OptionError(f"period={spec!r}: {text!r} is not a date; use {PERIOD_FORMS}.") from None


def parse_period(
    spec: str | Period, *, first: dt.date | None = None, last: dt.date | None = None
) -> Period:
    """Parse a period spec (see the module); ``first``/``last`` are the local dates the data cover
    (needed for ``"all"``, ``"current_month"`` and the ``latest_*`` forms).

    Raises
    ------
    OptionError
        The spec is not one of the accepted forms, or a month, quarter or date does not exist.
    NotEnoughDataError
        A relative spec with no data to resolve it.

    Examples
    --------
    >>> parse_period("2026-10").label, parse_period("2026-07..2026-09").unit
    ('2026-10', 'quarter')
    >>> parse_period("latest_month", first=dt.date(2026, 1, 5), last=dt.date(2026, 10, 17)).label
    '2026-09'
    >>> parse_period("latest_12_months", first=dt.date(2024, 1, 5), last=dt.date(2026, 10, 17)).label
    '2025-10-01..2026-09-30'
    """
    if isinstance(spec, Period):
        return spec
    if not isinstance(spec, str):
        raise OptionError(f"period={spec!r} is not a period; use {PERIOD_FORMS}.")
    s = spec.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", s):
        if not 1 <= int(m[2]) <= 12:
            raise OptionError(
                f"period={spec!r}: there is no month {int(m[2])}; use {PERIOD_FORMS}."
            )
        return _unit_period("month", dt.date(int(m[1]), int(m[2]), 1))
    if m := re.fullmatch(r"(\d{4})-[Qq](\d)", s):
        if not 1 <= int(m[2]) <= 4:
            raise OptionError(f"period={spec!r}: there is no quarter {m[2]}; use {PERIOD_FORMS}.")
        return _unit_period("quarter", dt.date(int(m[1]), 3 * int(m[2]) - 2, 1))
    if m := re.fullmatch(r"(\d{4})", s):
        return _unit_period("year", dt.date(int(m[1]), 1, 1))
    if m := re.fullmatch(r"(\d{4}-\d{1,2})\.\.(\d{4}-\d{1,2})", s):
        a, b = parse_period(m[1]), parse_period(m[2])
        if b.start < a.start:
            raise OptionError(f"period={spec!r}: the end is before the start.")
        return _range(a.start, b.end)
    if m := re.fullmatch(r"(\S+)\.\.(\S+)", s):
        a, b = _date(m[1], spec), _date(m[2], spec)
        if b < a:
            raise OptionError(f"period={spec!r}: the end is before the start.")
        return _range(a, b + dt.timedelta(days=1))
    if s in ("all", "current_month", "latest_12_months") or s in _LATEST:
        if first is None or last is None:
            raise NotEnoughDataError(f"period={spec!r} needs data to be resolved; there is none.")
        if s == "all":
            return _range(first, last + dt.timedelta(days=1))
        if s == "current_month":
            month = _unit_period("month", _unit_start("month", last))
            if last < month.end - dt.timedelta(days=1):  # still running: up to the last row
                return Period(f"{month.start}..{last}", month.start, last + dt.timedelta(days=1))
            return month
        if s == "latest_12_months":
            try:
                month = parse_period("latest_month", first=first, last=last)
            except NotEnoughDataError:
                raise NotEnoughDataError(
                    f"period={spec!r}: the data cover {first} to {last}, with no complete month."
                ) from None
            return _range(_add_months(month.start, -11), month.end)
        unit = s.removeprefix("latest_")
        current = _unit_period(unit, _unit_start(unit, last))
        if last < current.end - dt.timedelta(days=1):  # the unit is still running
            current = _unit_period(unit, _unit_start(unit, current.start - dt.timedelta(days=1)))
        if current.end <= first:
            raise NotEnoughDataError(
                f"period={spec!r}: the data cover {first} to {last}, with no complete {unit}."
            )
        return current
    raise OptionError(f"period={spec!r} is not understood; use {PERIOD_FORMS}.")


def local_zone(time_zone: str | None = None) -> str:
    """The given zone, else the workspace's configured zone."""
    if time_zone:
        return time_zone
    from cxlab._config import settings

    return settings().time_zone


# --- grains -----------------------------------------------------------------------------------

_EVERY = re.compile(r"^(\d+)(m|h|d|w|mo|q|y)$")
EVERY_FORMS = "'15m', '30m', '1h', '1d', '1w', '1mo', '1q' or '1y'"
_MINUTES = {"m": 1, "h": 60, "d": 1440, "w": 10080}


def check_every(every: str | int, *, name: str = "every") -> str:
    """A grain as a polars duration string ("30m"); whole minutes may be given as an int.

    Examples
    --------
    >>> check_every("30m"), check_every(15), check_every("1H")
    ('30m', '15m', '1h')
    >>> check_every("1 week")
    Traceback (most recent call last):
    ...
    cxlab._errors.OptionError: every='1 week' is not a grain; use '15m', '30m', '1h', '1d', '1w', '1mo', '1q' or '1y'.
    """
    if isinstance(every, bool):
        raise OptionError(f"{name}={every!r} is not a grain; use {EVERY_FORMS}.")
    if isinstance(every, int):
        if every <= 0 or (1440 % every and every % 1440):
            raise OptionError(f"{name}={every!r} minutes does not divide a day; use {EVERY_FORMS}.")
        return f"{every}m"
    text = str(every).strip().lower()
    m = _EVERY.match(text)
    if not m or int(m[1]) == 0:
        raise OptionError(f"{name}={every!r} is not a grain; use {EVERY_FORMS}.")
    return text


def every_minutes(every: str | int, *, name: str = "every") -> int:
    """The length of a fixed grain in minutes ("30m" → 30, "1h" → 60); calendar grains are refused."""
    text = check_every(every, name=name)
    m = _EVERY.match(text)
    assert m is not None
    if m[2] not in _MINUTES:
        raise OptionError(
            f"{name}={every!r} has no fixed length in minutes; use '15m', '30m' or '1h'."
        )
    return int(m[1]) * _MINUTES[m[2]]
