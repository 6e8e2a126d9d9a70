"""The review's months, read once and flagged once, shared by every section of one review.

Every section of the review reads a few months of contacts: the month and its comparison month,
and for the unusual days the eight weeks before the month. The first-contact-resolution KPIs need
each contact's repeat flag (:func:`cxlab.features.with_repeats`): was it followed, within the
window, by another contact of the same customer on the same topic? Computed over the whole table,
that flag costs a sort of every contact ever made, and each section used to pay it again.

A contact's repeat flag depends only on the contacts of its customer and topic that arrive after
it, no later than the window. So the flags of the contacts arriving in ``[start, end)`` are the
same whether computed over the whole table or over the contacts arriving in
``[start, end + window]``: if the next contact lies within the window it is in that range (and no
contact between the two can be missing), and if it does not, the next contact found in the range
is no nearer. Nothing before ``start`` is needed: the flag looks forward only. The other flag,
whether the window is complete (``_fcr_known``), compares each contact with the newest contact of
the whole table, which is read once (one column) and passed as ``data_end``.

:func:`open_review` registers the contacts it returns; a section given exactly those contacts
(the same object) and months inside the review's reads the shared rows, flagged once. Anything
else (a table the analyst filtered or built, another period) is prepared over the whole table, as
before.

The shared rows are read when a section first needs them and kept while the review's contacts are
alive, until :meth:`ReviewInputs.close <cxlab.review.ReviewInputs.close>` releases them. They are
never served stale: before each use the contacts' files in the store are listed (path, size,
modification time: no row is read), and when the store changed since the rows were read (a
``generate``, an ``ingest``), the months are read again from a fresh scan of the store.
"""

from __future__ import annotations

import datetime as dt
import os
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from cxlab.features import MetricConfig, prepare, with_repeats
from cxlab.review._period import BASELINE_DAYS, ReviewPeriods

Span = tuple[dt.datetime, dt.datetime]


def review_spans(period: ReviewPeriods) -> tuple[Span, ...]:
    """The ``[start, end)`` ranges (UTC) the review's sections read: the comparison month, and the
    month with the eight weeks before it (the unusual days' baseline); overlaps merged."""
    lo, hi = period.bounds()
    spans = sorted([period.bounds("compare"), (lo - dt.timedelta(days=BASELINE_DAYS), hi)])
    merged = [spans[0]]
    for a, b in spans[1:]:
        if a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return tuple(merged)


def flagged_rows(
    contacts: pl.LazyFrame,
    spans: Sequence[Span],
    *,
    window_days: int,
    data_end: dt.datetime | None,
) -> pl.DataFrame:
    """The contacts arriving in ``spans`` with the repeat flags of :func:`with_repeats`, read with
    the window's reach after each span only (see the module docstring for why that suffices).

    ``data_end`` is the newest arrival of the whole of ``contacts`` (the end the window must fit
    before for the contact's outcome to be known), as :func:`with_repeats` takes it over the
    whole table.
    """
    reach = dt.timedelta(days=window_days)
    t = pl.col("arrived_at")
    read = pl.any_horizontal([t.is_between(a, b + reach, closed="both") for a, b in spans])
    keep = pl.any_horizontal([t.is_between(a, b, closed="left") for a, b in spans])
    flagged = with_repeats(contacts.filter(read), window_days=window_days, data_end=data_end)
    return flagged.filter(keep).collect()


Stamp = tuple[tuple[str, int, int, int], ...]


def store_stamp(folder: Path) -> Stamp:
    """The state of a table's files in the store: each parquet file's path, size, modification
    time and inode, from the folder listing alone (no file is opened). A write swaps in new files
    (:mod:`cxlab.data._swap`), so any change to the table changes the stamp."""
    found = []
    for path in folder.glob("**/*.parquet"):
        try:
            st = path.stat()
        except FileNotFoundError:  # swapped out while listing: the next look sees the new files
            continue
        found.append((str(path.relative_to(folder)), st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(sorted(found))


class _Review:
    """One opened review: the months its sections read, flagged once per FCR window, and the
    state of the store they were read from."""

    def __init__(
        self,
        period: ReviewPeriods,
        folder: Path | None = None,
        reload: Callable[[], pl.LazyFrame] | None = None,
    ) -> None:
        self.period = period
        self.spans = review_spans(period)
        self.frames: dict[int, pl.DataFrame] = {}
        self.data_end: dt.datetime | None = None
        self.ends_read = False
        self.folder = folder
        self.reload = reload
        self.stamp = store_stamp(folder) if folder is not None else None
        self.source: pl.LazyFrame | None = None

    def covers(self, need: Sequence[Span]) -> bool:
        return all(any(a <= lo and hi <= b for a, b in self.spans) for lo, hi in need)

    def _check_store(self) -> None:
        """Drop the rows read when the store's contacts changed since; later reads use a fresh
        scan (a scan made before the change keeps the old files' list and footers)."""
        if self.folder is None:
            return
        now = store_stamp(self.folder)
        if now == self.stamp:
            return
        self.stamp = now
        self.frames.clear()
        self.data_end, self.ends_read = None, False
        self.source = self.reload() if self.reload is not None else None

    def rows(self, contacts: pl.LazyFrame, window_days: int | None) -> pl.DataFrame:
        """The rows flagged with a ``window_days`` window (``None``: any window already read,
        for a section that reads no flag)."""
        self._check_store()
        if window_days is None:
            if self.frames:
                return next(iter(self.frames.values()))
            window_days = MetricConfig().fcr_window_days
        if window_days not in self.frames:
            source = self.source if self.source is not None else contacts
            if not self.ends_read:
                self.data_end = source.select(pl.col("arrived_at").max()).collect().item()
                self.ends_read = True
            self.frames[window_days] = flagged_rows(
                source, self.spans, window_days=window_days, data_end=self.data_end
            )
        return self.frames[window_days]


_OPEN: dict[int, tuple[weakref.ref, _Review]] = {}


def share(
    contacts: pl.LazyFrame,
    period: ReviewPeriods,
    *,
    folder: str | os.PathLike | None = None,
    reload: Callable[[], pl.LazyFrame] | None = None,
) -> None:
    """Register ``contacts`` as an opened review's: its sections share one reading of its months.

    ``folder`` is the store folder ``contacts`` scan, and ``reload`` makes the same scan
    afresh: the rows are read again from ``reload()`` when the folder's files change.
    Without them (contacts built in memory) the rows are kept as read."""
    key = id(contacts)

    def forget(ref: weakref.ref, key: int = key) -> None:
        entry = _OPEN.get(key)
        if entry is not None and entry[0] is ref:
            del _OPEN[key]

    where = Path(folder) if folder is not None else None
    _OPEN[key] = (weakref.ref(contacts, forget), _Review(period, where, reload))


def release(contacts: pl.LazyFrame | pl.DataFrame) -> None:
    """Drop the shared rows of ``contacts`` (an opened review's); its sections then read
    ``contacts`` as any other table. Nothing happens for other tables."""
    entry = _OPEN.get(id(contacts))
    if entry is not None and entry[0]() is contacts:
        del _OPEN[id(contacts)]


def _review_of(contacts: pl.LazyFrame | pl.DataFrame) -> _Review | None:
    entry = _OPEN.get(id(contacts))
    if entry is None or entry[0]() is not contacts:
        return None
    return entry[1]


def is_shared(contacts: pl.LazyFrame | pl.DataFrame) -> bool:
    """Whether ``contacts`` are an opened review's (their sections share one reading)."""
    return _review_of(contacts) is not None


def _need(period: ReviewPeriods, which: Sequence[str], start: dt.datetime | None) -> list[Span]:
    need = [period.bounds(w) for w in which]  # type: ignore[arg-type]
    if start is not None:
        need.append((start, period.bounds()[1]))
    return need


def contacts_for(
    contacts: pl.LazyFrame | pl.DataFrame,
    period: ReviewPeriods,
    *,
    which: Sequence[str] = ("current", "compare"),
    start: dt.datetime | None = None,
    config: MetricConfig | None = None,
    flags: bool = True,
) -> pl.LazyFrame:
    """The contacts a section reads: the review's shared rows (every column, plus the repeat
    flags of ``config``'s window) when ``contacts`` are an opened review's and the months
    ``which`` (and ``start`` to the month's end) lie in its reads; else ``contacts`` as given.
    The caller still filters its months: the shared rows hold the review's other months too.
    ``flags=False``: the section reads no repeat flag, so rows flagged for any window will do."""
    review = _review_of(contacts)
    if review is None or not review.covers(_need(period, which, start)):
        return contacts.lazy()
    window = (config or MetricConfig()).fcr_window_days if flags else None
    return review.rows(contacts.lazy(), window).lazy()


def prepared_for(
    contacts: pl.LazyFrame | pl.DataFrame,
    period: ReviewPeriods,
    *,
    which: Sequence[str] = ("current", "compare"),
    start: dt.datetime | None = None,
    config: MetricConfig | None = None,
) -> pl.LazyFrame:
    """:func:`cxlab.features.prepare` of the contacts a section reads (see :func:`contacts_for`):
    the same flags, with the repeat window computed once per review instead of once per call."""
    return prepare(contacts_for(contacts, period, which=which, start=start, config=config), config)
