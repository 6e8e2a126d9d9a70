"""The review period: a calendar month in the workspace's time zone, and what it is compared to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

import polars as pl

from cxlab._errors import NotEnoughDataError
from cxlab._options import check_option
from cxlab._present import _, fmt_month

CompareTo = Literal["previous_month", "last_year"]
MIN_CONTACTS = 200  # below this a monthly review says nothing reliable


@dataclass(frozen=True)
class Period:
    """A review month and its comparison month, as local dates and UTC bounds."""

    month: str  # YYYY-MM
    compare_month: str
    compare_to: str
    time_zone: str

    def bounds(
        self, which: Literal["current", "compare"] = "current"
    ) -> tuple[dt.datetime, dt.datetime]:
        label = self.month if which == "current" else self.compare_month
        year, month = (int(x) for x in label.split("-"))
        tz = ZoneInfo(self.time_zone)
        start = dt.datetime(year, month, 1, tzinfo=tz)
        end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)

    def dates(self, which: Literal["current", "compare"] = "current") -> tuple[str, str]:
        """The month as local ISO dates, ``(first day, first day of the next month)``."""
        month = self.month if which == "current" else self.compare_month
        year, m = (int(x) for x in month.split("-"))
        return f"{year:04d}-{m:02d}-01", f"{year + (m == 12):04d}-{m % 12 + 1:02d}-01"

    @property
    def label(self) -> str:
        """The review month in the report's language: "October 2026" / "2026年10月"."""
        return fmt_month(self.month)

    @property
    def compare_label(self) -> str:
        return fmt_month(self.compare_month)

    @property
    def compare_words(self) -> str:
        """How the comparison reads: "vs previous month" (环比) or "vs same month last year" (同比)."""
        if self.compare_to == "last_year":
            return _("vs same month last year")
        return _("vs previous month")


def _shift(month: str, months: int) -> str:
    year, m = (int(x) for x in month.split("-"))
    index = year * 12 + (m - 1) + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def review_period(
    contacts: pl.LazyFrame,
    *,
    month: str | None = None,
    compare_to: CompareTo = "previous_month",
    time_zone: str = "UTC",
) -> Period:
    """Choose and check the review month.

    ``month=None`` takes the last complete month in the data. A month with no data, or too
    little to say anything (fewer than 200 contacts), is refused with the range the data covers.

    Raises
    ------
    NotEnoughDataError
        Naming the month asked for and the range the data covers.
    """
    check_option("compare_to", compare_to, CompareTo)
    span = contacts.select(
        pl.col("arrived_at").min().alias("lo"), pl.col("arrived_at").max().alias("hi")
    ).collect()
    lo, hi = span["lo"].item(), span["hi"].item()
    if lo is None:
        raise NotEnoughDataError("the contacts table is empty: there is nothing to review.")
    tz = ZoneInfo(time_zone)
    lo_l, hi_l = lo.astimezone(tz), hi.astimezone(tz)
    covers = f"the data covers {lo_l:%Y-%m-%d} to {hi_l:%Y-%m-%d} ({time_zone})"
    if month is None:
        last_day = (hi_l + dt.timedelta(days=1)).date()
        month = hi_l.strftime("%Y-%m") if last_day.day == 1 else _shift(hi_l.strftime("%Y-%m"), -1)
    try:
        dt.date.fromisoformat(month + "-01")
    except ValueError:
        raise NotEnoughDataError(f"month={month!r} is not a month (YYYY-MM); {covers}.") from None
    compare = _shift(month, -1 if compare_to == "previous_month" else -12)
    period = Period(month, compare, compare_to, time_zone)
    start, end = period.bounds()
    n = (
        contacts.filter(pl.col("arrived_at").is_between(start, end, closed="left"))
        .select(pl.len())
        .collect()
        .item()
    )
    if n < MIN_CONTACTS:
        raise NotEnoughDataError(
            f"{period.label} has {n} contacts, too few for a review (at least {MIN_CONTACTS}); {covers}."
        )
    return period
