"""Interval volume series from the contacts table, with the queues' opening hours respected."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import polars as pl

from cxlab._errors import NotEnoughDataError, SchemaError
from cxlab._options import check_option

By = Literal["queue", "channel", "total"]
Closed = Literal["carry", "drop", "flag"]
_EVERY_MINUTES = {"5m": 5, "10m": 10, "15m": 15, "30m": 30, "60m": 60, "1h": 60}


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
        The contacts table (needs ``arrived_at``, ``queue`` and, for ``by="channel"``, ``channel``).
    every
        Interval length: ``"5m"``, ``"10m"``, ``"15m"``, ``"30m"`` or ``"60m"`` (or the minutes as
        a number). ``"1d"`` gives daily totals (the sum of the open intervals of the day).
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

    Examples
    --------
    >>> import cxlab as cx
    >>> contacts = cx.load("contacts")  # doctest: +SKIP
    >>> cx.features.volume_series(contacts, every="30m", by="queue", hours=cx.load("queues"))  # doctest: +SKIP
    """
    by = "total" if by is None else check_option("by", by, By)
    if isinstance(every, int):
        every = f"{every}m"
    if time_zone is None:
        from cxlab._config import settings

        time_zone = settings().time_zone
    check_option("closed", closed, Closed)
    daily = every == "1d"
    minutes = 30 if daily else _EVERY_MINUTES.get(every)
    if minutes is None:
        raise SchemaError(
            f"every={every!r} is not a supported interval; use one of {[*_EVERY_MINUTES, '1d']}."
        )
    lf = contacts.lazy()
    if queues is not None:
        lf = lf.filter(pl.col("queue").is_in(list(queues)))
    local = pl.col("arrived_at").dt.convert_time_zone(time_zone).dt.replace_time_zone(None)
    keys = ["queue", *(["channel"] if "channel" in lf.collect_schema().names() else [])]
    counts = (
        lf.select(*keys, local.dt.truncate(f"{minutes}m").alias("ts"))
        .group_by([*keys, "ts"])
        .agg(pl.len().cast(pl.Float64).alias("y"))
        .collect()
    )
    if counts.is_empty():
        raise NotEnoughDataError("volume_series: no contacts in the selection.")
    first = _as_date(start) or counts["ts"].min().date()
    last = _as_date(end) or counts["ts"].max().date()
    grid = _grid(counts, first, last, minutes, hours)
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
    out = full.group_by(["series_id", "ts"]).agg(
        pl.col("y").sum(), *([pl.col("open").any()] if closed == "flag" and not daily else [])
    )
    # a local time skipped by a daylight-saving change has no instant: its (empty) interval goes
    out = out.with_columns(
        pl.col("ts").dt.replace_time_zone(time_zone, ambiguous="earliest", non_existent="null")
    ).drop_nulls("ts")
    return out.sort(["series_id", "ts"])


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


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
