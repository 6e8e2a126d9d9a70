"""Interval volume series from the contacts table, with the queues' opening hours respected."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError, SchemaError
from cxlab._options import check_option
from cxlab._present import check_every, every_minutes, local_zone
from cxlab.features._kpi import check_report_grain, is_interval_report

By = Literal["queue", "channel", "total"]
Closed = Literal["carry", "drop", "flag"]
_INTERVALS = (5, 10, 15, 30, 60)  # minutes of an intraday interval
_SERIES_EVERY = "'5m', '10m', '15m', '30m', '1h' (or the minutes as a number) or '1d'"


def volume_series(
    contacts: pl.LazyFrame | pl.DataFrame,
    *,
    every: str | int = "30m",
    by: By | None = "queue",
    time_zone: str | None = None,
    queues: Sequence[str] | None = None,
    hours: pl.DataFrame | pl.LazyFrame | None = None,
    closed: Closed = "carry",
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
) -> pl.DataFrame:
    """Contact arrivals per interval as a long ``series_id, ts, y`` table, zero-filled.

    Parameters
    ----------
    contacts
        The contacts table (needs ``arrived_at``, ``queue`` and, for ``by="channel"``, ``channel``),
        or the ``intervals`` table (an interval report): then ``y`` is the contacts offered, an
        interval cannot be cut shorter than the report's, and an interval the report does not
        list was closed (an ACD lists every interval a queue was open, zeros included); with
        ``hours``, an interval must also be within them.
    every
        Interval length: ``"5m"``, ``"10m"``, ``"15m"``, ``"30m"`` or ``"1h"`` (``"60m"``, or the
        minutes as a number). ``"1d"`` gives daily totals (the sum of the open intervals of the
        local day).
    by
        ``"queue"``, ``"channel"`` or ``"total"`` (``None`` is the same as ``"total"``).
    time_zone
        The local zone that intervals, days and opening hours are cut in; ``ts`` is returned in it.
        Default: the workspace's time zone.
    queues
        Keep only these queues (default: all).
    hours
        Opening hours per queue (the ``queues`` table: ``queue, open_hour, close_hour`` and
        optionally ``open_weekends``). Without it every interval counts as open.
    closed
        What happens to intervals outside opening hours. ``"carry"`` (default) drops them and adds
        the contacts that arrived while closed (e-mail and social posts overnight) to the queue's
        next open interval, where they become work; ``"drop"`` drops them with their contacts;
        ``"flag"`` keeps every interval and adds an ``open`` column. Closed intervals are never
        zero-filled demand, so they do not distort the intraday shape.
    start, end
        First and last local day of the grid (default: the first and last day with contacts).

    Returns
    -------
    polars.DataFrame
        ``series_id, ts, y`` (plus ``open`` with ``closed="flag"``), sorted. Channel and total series
        are sums of the queue series, so queue forecasts can be reconciled to them.
        From an interval report whose intervals cover only part of some (the last five minutes
        before a 21:05 close, in the half-hour from 21:00), ``open_minutes`` says how many minutes
        of each interval were open; forecasts carry it to staffing plans.

    Examples
    --------
    >>> import cxlab as cx
    >>> contacts = cx.load("contacts")  # doctest: +SKIP
    >>> cx.features.volume_series(contacts, every="30m", by="queue", hours=cx.load("queues"))  # doctest: +SKIP
    """
    by = "total" if by is None else check_option("by", by, By)
    time_zone = local_zone(time_zone)
    check_option("closed", closed, Closed)
    every = check_every(every)
    daily = every == "1d"
    minutes = 30 if daily else _interval_minutes(every)
    first_day, last_day = _as_date(start, "start"), _as_date(end, "end")
    if first_day is not None and last_day is not None and last_day < first_day:
        raise OptionError(f"start={start!r} is after end={end!r}; give start on or before end.")
    lf = contacts.lazy()
    if queues is not None:
        lf = lf.filter(pl.col("queue").is_in(list(queues)))
    report = is_interval_report(lf.collect_schema().names())
    if report:
        # a day sums whole intervals of any length; a shorter grain may not split them
        longest = check_report_grain(lf, "1d" if daily else every) or minutes
        minutes = max(minutes, int(longest)) if daily else minutes
        when = pl.col("interval_start")
    else:
        when = pl.col("arrived_at")
    local = when.dt.convert_time_zone(time_zone).dt.replace_time_zone(None)
    keys = ["queue", *(["channel"] if "channel" in lf.collect_schema().names() else [])]
    counts = (
        lf.select(
            *keys,
            local.dt.truncate(f"{minutes}m").alias("ts"),
            (pl.col("offered") if report else pl.lit(1)).cast(pl.Float64).alias("y"),
            *([pl.col("interval_minutes").cast(pl.Float64).alias("_m")] if report else []),
        )
        .group_by([*keys, "ts"])
        .agg(pl.col("y").sum(), *([pl.col("_m").sum()] if report else []))
        .collect()
    )
    if counts.is_empty():
        what = "intervals" if report else "contacts"
        raise NotEnoughDataError(
            f"volume_series: there are no {what} in the selection (the table given is empty, "
            "or none is in the queues asked for)."
        )
    first = first_day or counts["ts"].min().date()
    last = last_day or counts["ts"].max().date()
    grid = _grid(counts, first, last, minutes, hours)
    if report:  # an ACD lists every interval a queue was open, zeros included: the rest were closed
        listed = counts.select("queue", "ts", pl.lit(True).alias("_listed"))
        grid = (
            grid.join(listed, on=["queue", "ts"], how="inner")
            if hours is None
            else grid.join(listed, on=["queue", "ts"], how="left").with_columns(
                pl.col("open") & pl.col("_listed").fill_null(False)
            )
        ).drop("_listed")
    full = grid.join(
        counts.drop("channel", strict=False), on=["queue", "ts"], how="left"
    ).with_columns(pl.col("y").fill_null(0.0))
    full = full.filter(pl.col("ts").dt.date().is_between(first, last))
    if closed == "carry":
        full = _carry(full)
    elif closed == "drop":
        full = full.filter(pl.col("open"))
    key = {"queue": pl.col("queue"), "channel": pl.col("channel"), "total": pl.lit("total")}[by]
    full = full.with_columns(key.alias("series_id"))
    if daily:
        full = full.filter(pl.col("open")) if closed == "flag" else full
        full = full.with_columns(pl.col("ts").dt.truncate("1d"))
    # an interval the report lists only part of (the last five minutes before closing, in a
    # half-hour) is open for those minutes: staffing plans its contacts over them, not the slot
    partial = report and not daily and (full["_m"].fill_null(minutes) < minutes).any()
    out = full.group_by(["series_id", "ts"]).agg(
        pl.col("y").sum(),
        *([pl.col("open").any()] if closed == "flag" and not daily else []),
        *([pl.col("_m").fill_null(minutes).max().alias("open_minutes")] if partial else []),
    )
    # a local time skipped by a daylight-saving change has no instant: its (empty) interval goes
    out = out.with_columns(
        pl.col("ts").dt.replace_time_zone(time_zone, ambiguous="earliest", non_existent="null")
    ).drop_nulls("ts")
    return out.sort(["series_id", "ts"])


def _interval_minutes(every: str) -> int:
    """The minutes of an intraday interval that divides an hour evenly, or an OptionError."""
    try:
        minutes = every_minutes(every)
    except OptionError:
        minutes = None
    if minutes not in _INTERVALS:
        raise OptionError(
            f"every={every!r} is not an interval of a volume series; use {_SERIES_EVERY}."
        )
    return minutes


def _as_date(value: dt.date | str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise OptionError(
            f"{name}={value!r} is not a date; give a local date as 'YYYY-MM-DD' or a datetime.date."
        ) from None


def _grid(
    counts: pl.DataFrame,
    first: dt.date,
    last: dt.date,
    minutes: int,
    hours: pl.DataFrame | pl.LazyFrame | None,
) -> pl.DataFrame:
    """Every interval of every day for every queue, with its ``channel`` and an ``open`` flag."""
    ts = pl.datetime_range(
        dt.datetime.combine(first, dt.time()),
        dt.datetime.combine(last, dt.time(23, 59)),
        interval=f"{minutes}m",
        eager=True,
    ).alias("ts")
    if "channel" in counts.columns:
        queues = counts.select("queue", "channel").unique()
    else:
        queues = counts.select("queue", pl.lit(None, pl.Utf8).alias("channel")).unique()
    grid = queues.join(ts.to_frame(), how="cross")
    if hours is None:
        return grid.with_columns(pl.lit(True).alias("open"))
    h = hours.lazy().collect()
    missing = {"queue", "open_hour", "close_hour"} - set(h.columns)
    if missing:
        raise SchemaError(f"hours: missing column(s) {sorted(missing)}; pass the queues table.")
    if "open_weekends" not in h.columns:
        h = h.with_columns(pl.lit(True).alias("open_weekends"))
    grid = grid.join(
        h.select("queue", "open_hour", "close_hour", "open_weekends"), on="queue", how="left"
    )
    hour = pl.col("ts").dt.hour() + pl.col("ts").dt.minute() / 60
    within = (
        pl.when(pl.col("open_hour") < pl.col("close_hour"))
        .then((hour >= pl.col("open_hour")) & (hour < pl.col("close_hour")))
        .otherwise((hour >= pl.col("open_hour")) | (hour < pl.col("close_hour")))
    )
    weekday_ok = pl.col("open_weekends") | (pl.col("ts").dt.weekday() <= 5)
    is_open = (within & weekday_ok).fill_null(True)
    return grid.with_columns(is_open.alias("open")).drop("open_hour", "close_hour", "open_weekends")


def _carry(full: pl.DataFrame) -> pl.DataFrame:
    """Move contacts of closed intervals to the queue's next open interval; drop closed ones."""
    full = full.sort(["queue", "ts"]).with_columns(
        # a block id that increases at every open interval: closed intervals belong to the next open one
        pl.col("open").cast(pl.Int32).cum_sum().over("queue").alias("_block")
    )
    full = full.with_columns(
        pl.when(pl.col("open"))
        .then(pl.col("_block"))
        .otherwise(pl.col("_block") + 1)
        .alias("_block")
    )
    carried = full.group_by(["queue", "_block"]).agg(pl.col("y").sum().alias("_y"))
    opened = full.filter(pl.col("open")).join(carried, on=["queue", "_block"], how="left")
    return opened.with_columns(pl.col("_y").alias("y")).drop("_block", "_y")
