"""The review's periods: a month of the one :class:`~cxlab._present.Period`, and the month it is
compared with, both cut at local midnight in the workspace's time zone.

The monthly review reviews one calendar month: its sections speak of "the month", its targets are
monthly and its unusual days are measured against the eight weeks before the month. A period spec
that names a month (``"2026-10"``, ``"latest_month"``, ``"2026-10-01..2026-10-31"``) is accepted;
a quarter, a year or a range of days is refused with a message saying so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._options import warn_renamed
from cxlab._present import Period, check_compare_to, local_zone, parse_period

MIN_CONTACTS = 200  # below this a monthly review says nothing reliable
BASELINE_DAYS = 56  # the unusual days of the month are measured against the eight weeks before
REVIEW_COMPARE_TO = ("previous", "year_ago")
_UNIT_WORDS = {"quarter": "a quarter", "year": "a year", "range": "a range of days"}


@dataclass(frozen=True)
class ReviewPeriods:
    """The review month and its comparison month (two ground-floor :class:`Period` objects).

    ``compare_to`` is ``"previous"`` (the month before, 环比) or ``"year_ago"`` (the same month a
    year before, 同比); ``time_zone`` is the zone both months are cut in.

    Examples
    --------
    >>> from cxlab._present import parse_period
    >>> p = ReviewPeriods(parse_period("2026-10"), parse_period("2025-10"), "year_ago", "UTC")
    >>> p.month, p.compare_month, p.dates("compare")
    ('2026-10', '2025-10', ('2025-10-01', '2025-11-01'))
    """

    current: Period
    compare: Period
    compare_to: Literal["previous", "year_ago"] = "previous"
    time_zone: str = "UTC"

    def _pick(self, which: str) -> Period:
        if which not in ("current", "compare"):
            raise OptionError(f"which={which!r} is not allowed; choose 'current' or 'compare'.")
        return self.current if which == "current" else self.compare

    def bounds(
        self, which: Literal["current", "compare"] = "current"
    ) -> tuple[dt.datetime, dt.datetime]:
        """The month's ``[start, end)`` in UTC (local midnights of ``time_zone``)."""
        return self._pick(which).utc_bounds(self.time_zone)

    def dates(self, which: Literal["current", "compare"] = "current") -> tuple[str, str]:
        """The month as local ISO dates, ``(first day, first day of the next month)``."""
        return self._pick(which).iso

    @property
    def month(self) -> str:
        """The review month as ``YYYY-MM``."""
        return self.current.label

    @property
    def compare_month(self) -> str:
        return self.compare.label

    @property
    def label(self) -> str:
        """The review month in the report's language: "October 2026" / "2026年10月"."""
        return self.current.text

    @property
    def compare_label(self) -> str:
        return self.compare.text

    @property
    def compare_words(self) -> str:
        """How the comparison reads: "vs previous month" (环比) or "vs same month last year" (同比)."""
        return self.current.compare_words(self.compare_to)


def check_review_compare_to(compare_to: str) -> Literal["previous", "year_ago"]:
    """``compare_to`` of a review: ``"previous"`` or ``"year_ago"`` (the old ``"previous_month"``
    and ``"last_year"`` are read with a DeprecationWarning)."""
    how = check_compare_to(compare_to)
    if how not in REVIEW_COMPARE_TO:
        raise OptionError(
            f"compare_to={compare_to!r} is not allowed for the monthly review; choose 'previous' "
            "(the month before) or 'year_ago' (the same month a year before)."
        )
    return how  # type: ignore[return-value]


def review_period(
    contacts: pl.LazyFrame,
    *,
    period: str | Period | None = None,
    compare_to: str = "previous",
    time_zone: str | None = None,
    month: str | None = None,
) -> ReviewPeriods:
    """Choose and check the review month and the month it is compared with.

    Parameters
    ----------
    contacts
        The contacts in scope (lazy).
    period
        The month to review: ``"2026-10"``, ``"latest_month"`` (the default: the last complete
        month in the data), ``"current_month"`` (only once it is complete) or a range of days
        that is one calendar month. A :class:`~cxlab._present.Period` of one month is accepted.
    compare_to
        ``"previous"`` (the month before, 环比) or ``"year_ago"`` (the same month a year before,
        同比).
    time_zone
        The zone the months are cut in (default: the workspace's).
    month
        Deprecated name of ``period``.

    Raises
    ------
    OptionError
        A period that is not a month, or a ``compare_to`` outside the vocabulary.
    NotEnoughDataError
        A month with no data or too little (fewer than 200 contacts), naming the range the data
        cover.

    Examples
    --------
    >>> import cxlab as cx
    >>> p = review_period(cx.load("contacts"), period="2026-10")  # doctest: +SKIP
    >>> p.label, p.compare_words  # doctest: +SKIP
    ('October 2026', 'vs previous month')
    """
    if month is not None:
        if period is not None:
            raise OptionError(
                "review_period() was given both month= and period=; month is the old name of "
                "period: give period= only."
            )
        warn_renamed("month=", "period=")
        period = month
    how = check_review_compare_to(compare_to)
    tz = local_zone(time_zone)
    span = contacts.select(
        pl.col("arrived_at").min().alias("lo"), pl.col("arrived_at").max().alias("hi")
    ).collect()
    lo, hi = span["lo"].item(), span["hi"].item()
    if lo is None:
        raise NotEnoughDataError("the contacts table is empty: there is nothing to review.")
    first, last = lo.astimezone(ZoneInfo(tz)).date(), hi.astimezone(ZoneInfo(tz)).date()
    covers = f"the data cover {first} to {last} ({tz})"
    spec = "latest_month" if period is None else period
    try:
        current = parse_period(spec, first=first, last=last)
    except NotEnoughDataError as e:
        raise NotEnoughDataError(f"{e} There is no complete month to review.") from None
    except OptionError:
        raise OptionError(
            f"period={spec!r} is not a month; give a month as 'YYYY-MM' (e.g. '2026-10') or "
            f"'latest_month'; {covers}."
        ) from None
    if current.unit != "month":
        raise OptionError(
            f"period={spec!r} is {_UNIT_WORDS[current.unit]} ({current.label}), not one calendar "
            f"month; the monthly review reviews one month: give 'YYYY-MM' or 'latest_month'; "
            f"{covers}."
        )
    result = ReviewPeriods(current, current.compare(how), how, tz)
    start, end = result.bounds()
    n = (
        contacts.filter(pl.col("arrived_at").is_between(start, end, closed="left"))
        .select(pl.len())
        .collect()
        .item()
    )
    if n < MIN_CONTACTS:
        raise NotEnoughDataError(
            f"period={current.label!r} has {n} contacts, too few for a review (at least "
            f"{MIN_CONTACTS}); {covers}."
        )
    return result
