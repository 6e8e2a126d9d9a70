"""The year under review: twelve whole months of the one :class:`~cxlab._present.Period`, the
twelve months before them, and which months of each the contacts cover.

The yearly review reviews twelve months: a calendar year (``"2026"``), any twelve whole months
(``"2025-11..2026-10"``), the last complete calendar year (``"latest_year"``) or the twelve
months up to the last complete month (``"latest_12_months"``, the default). A year the contacts
do not cover whole is *partial*: the report says which months are missing, and no total of it is
extrapolated or compared as if it were whole. A previous year the data cover only in part is
compared on the months both years cover.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl

from cxlab._config import Settings, settings
from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._present import (
    Period,
    _,
    fmt_list,
    fmt_month,
    fmt_value,
    join_sentences,
    parse_period,
)
from cxlab.data import load
from cxlab.features import MetricConfig, prepare, with_repeats
from cxlab.review._shared import store_stamp

MONTHS = 12


def _month_starts(period: Period) -> tuple[dt.date, ...]:
    out, day = [], period.start
    while day < period.end:
        out.append(day)
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return tuple(out)


@dataclass(frozen=True)
class ReviewYear:
    """Twelve months under review and the twelve before them, with the months the data cover.

    ``covered`` and ``previous_covered`` are the first days of the months with contacts;
    ``workspace`` is the folder the year was read from (sections read it again from there).

    Examples
    --------
    >>> from cxlab._present import parse_period
    >>> y = ReviewYear(parse_period("2026"), parse_period("2025"), (), ())
    >>> y.label, y.complete, [str(m) for m in y.missing()][:2]
    ('2026', False, ['2026-01-01', '2026-02-01'])
    """

    current: Period
    previous: Period
    covered: tuple[dt.date, ...]
    previous_covered: tuple[dt.date, ...]
    time_zone: str = "UTC"
    workspace: str | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        """The year's label: ``"2026"`` for a calendar year, else its range of days."""
        return self.current.label

    @property
    def text(self) -> str:
        """The year as a reader names it: "2026", "Nov 2025 – Oct 2026"."""
        return self.current.text

    @property
    def previous_text(self) -> str:
        return self.previous.text

    @property
    def months(self) -> tuple[dt.date, ...]:
        """The first days of the year's twelve months."""
        return _month_starts(self.current)

    @property
    def complete(self) -> bool:
        """Whether the contacts cover every month of the year."""
        return set(self.months) <= set(self.covered)

    @property
    def previous_complete(self) -> bool:
        return set(_month_starts(self.previous)) <= set(self.previous_covered)

    def missing(self, which: str = "current") -> list[dt.date]:
        """The months of the year (``"previous"``: of the previous year) without contacts."""
        if which == "previous":
            return [m for m in _month_starts(self.previous) if m not in self.previous_covered]
        return [m for m in self.months if m not in self.covered]

    @property
    def shared(self) -> tuple[dt.date, ...]:
        """The months of the year whose month a year before is covered too: the months a
        year-on-year comparison rests on."""
        before = set(self.previous_covered)
        return tuple(m for m in self.covered if dt.date(m.year - 1, m.month, 1) in before)

    @property
    def comparable(self) -> bool:
        """Whether the year can be compared with the previous one on at least one month."""
        return bool(self.shared)

    @property
    def whole_comparison(self) -> bool:
        """Both years are whole: totals and rates compare month for month."""
        return self.complete and self.previous_complete

    def bounds(self, which: str = "current") -> tuple[dt.datetime, dt.datetime]:
        """The year's (``"previous"``: the previous year's) ``[start, end)`` in UTC."""
        if which not in ("current", "previous"):
            raise OptionError(f"which={which!r} is not allowed; choose 'current' or 'previous'.")
        period = self.current if which == "current" else self.previous
        return period.utc_bounds(self.time_zone)

    @property
    def span(self) -> Period:
        """The year when whole, else the months from the first covered to the last, as one
        period (a headline card's period for a partial year)."""
        if self.complete:
            return self.current
        first, last = self.covered[0], self.covered[-1]
        return parse_period(f"{first:%Y-%m}..{last:%Y-%m}")

    def coverage_text(self, *, compared: bool = True) -> str | None:
        """The coverage in words, or ``None`` when there is nothing to say.

        ``compared=True`` (the sections set against the previous year month by month): a partial
        year's totals are not comparable with a whole year, and a partial previous year is
        compared on the months both years cover; ``None`` when both years are whole.
        ``compared=False`` (the sections that read the year on its own): only a partial year is
        worded, its figures not extrapolated to a year; ``None`` when the year is whole.
        """
        out = []
        if not self.complete:
            out.append(_partial_words(self, compared=compared))
        if compared and not self.previous_complete:
            if not self.shared:
                out.append(
                    _(
                        "The data hold no month of {previous} that matches a month of {year}: "
                        "there is no year-on-year comparison."
                    ).format(previous=self.previous_text, year=self.text)
                )
            else:
                out.append(
                    _(
                        "{previous} is covered for {n} of its 12 months: the comparison with it "
                        "uses only the {shared} months both years cover ({months})."
                    ).format(
                        previous=self.previous_text,
                        n=fmt_value(len(self.previous_covered), "count"),
                        shared=fmt_value(len(self.shared), "count"),
                        months=_month_span(self.shared),
                    )
                )
        return join_sentences(*out) if out else None

    def compare_words(self) -> str:
        """How the comparison reads: "vs previous year", or on the months both years cover."""
        if self.whole_comparison or not self.comparable:
            return _("vs previous year")
        return _("vs the same months a year before")


def _month_span(months: tuple[dt.date, ...] | list[dt.date]) -> str:
    if not months:
        return "–"
    if len(months) == 1:
        return fmt_month(months[0])
    return _("{first} to {last}").format(first=fmt_month(months[0]), last=fmt_month(months[-1]))


def _partial_words(year: ReviewYear, *, compared: bool) -> str:
    n = fmt_value(len(year.covered), "count")
    missing = fmt_list([fmt_month(m) for m in year.missing()])
    if compared:
        return _(
            "The data cover {n} of the 12 months ({missing} missing): totals are not comparable "
            "with a whole year."
        ).format(n=n, missing=missing)
    return _(
        "The data cover {n} of the 12 months of {year} ({missing} missing): the figures are for "
        "those months and are not extrapolated to a year."
    ).format(n=n, year=year.text, missing=missing)


def _settings(workspace: str | os.PathLike | Settings | None) -> Settings:
    return workspace if isinstance(workspace, Settings) else settings(workspace)


def _local_month(tz: str) -> pl.Expr:
    return pl.col("arrived_at").dt.convert_time_zone(tz).dt.truncate("1mo").dt.date()


def review_year(
    year: str | Period | ReviewYear = "latest_12_months",
    *,
    workspace: str | os.PathLike | Settings | None = None,
) -> ReviewYear:
    """Choose the twelve months to review and say which months the data cover.

    Parameters
    ----------
    year
        ``"latest_12_months"`` (the default: the twelve months up to the last complete month;
        labelled by its year when they are one), ``"latest_year"`` (the last complete calendar
        year), a calendar year ``"2026"`` or twelve whole months ``"2025-11..2026-10"``.
    workspace
        The workspace (the current one by default); its time zone cuts the months.

    Raises
    ------
    OptionError
        A period that is not twelve whole months.
    NotEnoughDataError
        No contacts at all in the year (the message names the months the data cover).

    Examples
    --------
    >>> import cxlab as cx
    >>> y = cx.review.review_year("latest_12_months")  # doctest: +SKIP
    >>> y.text, y.complete  # doctest: +SKIP
    ('Nov 2025 – Oct 2026', True)
    """
    if isinstance(year, ReviewYear):
        return year
    ws = _settings(workspace)
    tz = ws.time_zone
    contacts = load("contacts", workspace=ws)
    span = contacts.select(
        pl.col("arrived_at").min().alias("lo"), pl.col("arrived_at").max().alias("hi")
    ).collect()
    lo, hi = span["lo"].item(), span["hi"].item()
    if lo is None:
        raise NotEnoughDataError("the contacts table is empty: there is no year to review.")
    first, last = lo.astimezone(ZoneInfo(tz)).date(), hi.astimezone(ZoneInfo(tz)).date()
    covers = f"the data cover {first} to {last} ({tz})"
    try:
        current = parse_period(year, first=first, last=last)
    except NotEnoughDataError as e:
        raise NotEnoughDataError(f"{e} There is no year to review.") from None
    starts = _month_starts(current)
    if current.start.day != 1 or current.end.day != 1 or len(starts) != MONTHS:
        raise OptionError(
            f"year={year!r} is {current.label}, not twelve whole months; give a calendar year "
            f"'YYYY', twelve months 'YYYY-MM..YYYY-MM', 'latest_year' or 'latest_12_months'; "
            f"{covers}."
        )
    previous = current.shift(-MONTHS)
    lo_utc = previous.utc_bounds(tz)[0]
    hi_utc = current.utc_bounds(tz)[1]
    found = (
        contacts.filter(pl.col("arrived_at").is_between(lo_utc, hi_utc, closed="left"))
        .group_by(_local_month(tz).alias("month"))
        .agg(pl.len().alias("n"))
        .collect()
    )
    months = set(found.filter(pl.col("n") > 0)["month"].to_list())
    covered = tuple(m for m in starts if m in months)
    before = tuple(m for m in _month_starts(previous) if m in months)
    if not covered:
        raise NotEnoughDataError(
            f"year={current.label!r} has no contacts in any of its months "
            f"({starts[0]:%Y-%m} to {starts[-1]:%Y-%m}); {covers}."
        )
    return ReviewYear(current, previous, covered, before, tz, str(ws.workspace))


# --- the contacts a year's sections read, once -------------------------------------------------

_ROWS: dict[tuple, pl.DataFrame] = {}


def year_rows(
    year: ReviewYear,
    *,
    workspace: str | os.PathLike | Settings | None = None,
    config: MetricConfig | None = None,
) -> pl.DataFrame:
    """The contacts of the year and the previous year, prepared for every KPI of the metric
    dictionary (:func:`cxlab.features.prepare`: the repeat flags read the days after the year
    too), with ``month`` (the local month's first day) and ``which`` (``"current"`` or
    ``"previous"``). Read once per year and store state; read again when the store changes."""
    ws = _settings(workspace if workspace is not None else year.workspace)
    config = config or MetricConfig()
    folder = Path(ws.processed_dir) / "contacts"
    key = (str(folder), year.current, year.time_zone, repr(config), store_stamp(folder))
    if key in _ROWS:
        return _ROWS[key]
    lo, _mid = year.bounds("previous")
    _start, hi = year.bounds("current")
    reach = dt.timedelta(days=config.fcr_window_days)
    contacts = load("contacts", workspace=ws)
    data_end = contacts.select(pl.col("arrived_at").max()).collect().item()
    read = contacts.filter(pl.col("arrived_at").is_between(lo, hi + reach, closed="both"))
    flagged = with_repeats(read, window_days=config.fcr_window_days, data_end=data_end)
    rows = (
        prepare(flagged.filter(pl.col("arrived_at").is_between(lo, hi, closed="left")), config)
        .with_columns(month=_local_month(year.time_zone))
        .with_columns(
            which=pl.when(pl.col("month") >= year.current.start)
            .then(pl.lit("current"))
            .otherwise(pl.lit("previous"))
        )
        .collect()
    )
    _ROWS.clear()  # one year kept: a notebook reviews one
    _ROWS[key] = rows
    return rows
