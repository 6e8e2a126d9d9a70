"""The store: validated canonical tables as parquet under ``data/processed/``.

Tables with a timestamp are partitioned by UTC month (``contacts/month=2026-01/part-0.parquet``);
the others are one file (``customers/part-0.parquet``). Every write is staged beside the store and
swapped in only when complete, under a lock and with a journal (:mod:`cxlab.data._swap`), so a
failure or a kill never leaves a partial or a missing table behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import polars as pl

from cxlab._config import Settings, settings
from cxlab._errors import NotEnoughDataError, OptionError, SchemaError, WorkspaceError
from cxlab._options import Missing, check_option
from cxlab.data import _swap
from cxlab.data._months import MonthsPlan, merge_months, plan_months
from cxlab.data._schemas import TABLES
from cxlab.data._swap import litter, new_staging, recover, store_lock, swap_in
from cxlab.data._validate import spec_for

WriteMode = Literal["replace", "months"]
_META = "_table.json"


def table_dir(table: str, workspace: Settings | None = None) -> Path:
    ws = workspace or settings()
    return ws.processed_dir / table


def has_table(table: str, workspace: Settings | None = None) -> bool:
    recover_store(workspace)
    return any(table_dir(table, workspace).glob("**/*.parquet"))


BOUND_FORMS = (
    "a date 'YYYY-MM-DD', a time 'YYYY-MM-DDTHH:MM[:SS]' (with an offset such as '+08:00' or "
    "'Z' if it is not local), a datetime.date or a datetime.datetime"
)


def _to_utc(value, tz: str, name: str = "start") -> dt.datetime | None:
    """A bound of :func:`load` in UTC; naive dates and times are local to ``tz``."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise OptionError(
                f"{name}={value!r} is not a date or a time; give {BOUND_FORMS}."
            ) from None
    elif not isinstance(value, dt.date):
        raise OptionError(f"{name}={value!r} is not a date or a time; give {BOUND_FORMS}.")
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(tz))
    return value.astimezone(dt.UTC)


def load(
    table: str,
    *,
    start: str | dt.date | dt.datetime | None = None,
    end: str | dt.date | dt.datetime | None = None,
    columns: list[str] | None = None,
    workspace: str | os.PathLike | Settings | None = None,
    missing: Missing = "raise",
) -> pl.LazyFrame:
    """A lazy scan of a canonical table in the store.

    Parameters
    ----------
    table
        A canonical table name (``"contacts"``, ``"customers"``, ...).
    start, end
        Keep rows whose timestamp is in ``[start, end)``. Naive dates and times are read in the
        workspace's local time zone (the zone :func:`cxlab.features.kpi` cuts days in), so
        ``start="2026-10-01"`` begins at local midnight. Only for tables with a timestamp.
    columns
        The columns to keep (all by default).
    workspace
        The workspace folder (the current one by default).
    missing
        What a table that is not in the store gives: ``"raise"`` (a :class:`WorkspaceError`
        saying how to load it) or ``"empty"`` (no rows, the canonical columns), for a table a
        report can do without, such as the events calendar.

    Raises
    ------
    OptionError
        An unknown table, a bound that is not a date or a time, ``start`` not before ``end``, or
        ``start``/``end`` on a table without a timestamp.
    NotEnoughDataError
        ``start``/``end`` select nothing: the range lies outside the data (the message names the
        range the data cover). This is decided from the parquet footers of the months in range
        (their minimum and maximum timestamps), without reading a row; a range that falls in a
        gap inside the data is found empty later, where the rows are collected (``kpi`` says so).

    Examples
    --------
    >>> import cxlab as cx
    >>> lf = cx.data.load("contacts", start="2026-10-01", end="2026-11-01", columns=["channel"])
    >>> lf.collect().columns
    ['channel']
    """
    if table not in TABLES:
        import difflib

        near = difflib.get_close_matches(str(table), TABLES, n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise OptionError(
            f"table={table!r} is not a canonical table{hint}; choose one of {', '.join(TABLES)}."
        )
    spec = spec_for(table)
    check_option("missing", missing, Missing)
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    folder = table_dir(table, ws)
    if not has_table(table, ws) and missing == "empty":
        empty = pl.LazyFrame(schema=spec.columns)
        return empty if columns is None else empty.select(columns)
    if not has_table(table, ws):
        raise WorkspaceError(
            f"table {table!r} is not in the store at {folder}. "
            "Run `cxlab data generate` (synthetic) or `cxlab data ingest PATH --table "
            f"{table}` first."
        )
    partitioned = spec.time_column is not None
    if not partitioned and (start is not None or end is not None):
        raise OptionError(
            f"table {table!r} has no timestamp, so start= and end= do not apply; load it whole."
        )
    lo, hi = _to_utc(start, ws.time_zone, "start"), _to_utc(end, ws.time_zone, "end")
    if lo is not None and hi is not None and lo >= hi:
        raise OptionError(
            f"start={start!r} is not before end={end!r}; the range is [start, end), end excluded: "
            "give a start before the end."
        )
    if partitioned and (lo is not None or hi is not None):
        _check_in_range(folder, spec.time_column, lo, hi, start, end, ws.time_zone)
    scan = pl.scan_parquet(
        folder / ("**/*.parquet" if partitioned else "part-0.parquet"),
        hive_partitioning=partitioned,
    )
    if partitioned:
        if lo is not None:
            scan = scan.filter(pl.col("month") >= lo.strftime("%Y-%m"))
            scan = scan.filter(pl.col(spec.time_column) >= lo)
        if hi is not None:
            scan = scan.filter(pl.col("month") <= hi.strftime("%Y-%m"))
            scan = scan.filter(pl.col(spec.time_column) < hi)
        scan = scan.drop("month")
    if columns is not None:
        unknown = [c for c in columns if c not in scan.collect_schema()]
        if unknown:
            raise SchemaError(
                f"table {table!r} has no column(s) {', '.join(map(repr, unknown))}; its columns "
                f"are {', '.join(scan.collect_schema().names())}."
            )
        scan = scan.select(columns)
    return scan


def demand(
    *,
    start: str | dt.date | dt.datetime | None = None,
    end: str | dt.date | dt.datetime | None = None,
    workspace: str | os.PathLike | Settings | None = None,
) -> pl.LazyFrame:
    """What arrived: the contacts table, or the interval report where there are no contacts.

    The forecast, the staffing plan and the KPIs that interval sums determine take either
    (:func:`cxlab.features.volume_series`, :func:`cxlab.staffing.queue_settings`,
    :func:`cxlab.features.kpi`). ``start`` and ``end`` are :func:`load`'s.

    Raises
    ------
    WorkspaceError
        Neither table is in the store (the message says how to load either).

    Examples
    --------
    >>> import cxlab as cx
    >>> cx.data.demand().collect_schema().names()[:2]
    ['contact_id', 'customer_id']
    """
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    for table in ("contacts", "intervals"):
        if has_table(table, ws):
            return load(table, start=start, end=end, workspace=ws)
    raise WorkspaceError(
        f"neither contacts nor intervals is in the store at {ws.processed_dir}. Load one: "
        "`cxlab data ingest FILE --table contacts` (one row per contact) or `cxlab data ingest "
        "FILE --table intervals` (an interval report: sums per queue and interval); add "
        "`--map MAPPING.yaml` for an export with its own headers."
    )


def _span(files: list[Path], column: str) -> tuple[dt.datetime, dt.datetime] | None:
    """The smallest and largest ``column`` in ``files`` from their parquet footers (no row is
    read), or ``None`` when a footer has no statistics for it."""
    import pyarrow.parquet as pq

    lows, highs = [], []
    for path in files:
        meta = pq.ParquetFile(path).metadata
        names = meta.schema.names
        if column not in names:
            return None
        j = names.index(column)
        for r in range(meta.num_row_groups):
            stats = meta.row_group(r).column(j).statistics
            if stats is None or not stats.has_min_max:
                return None
            lows.append(stats.min)
            highs.append(stats.max)
    if not lows:
        return None
    utc = [v if v.tzinfo else v.replace(tzinfo=dt.UTC) for v in (min(lows), max(highs))]
    return utc[0], utc[1]


def _check_in_range(
    folder: Path,
    column: str,
    lo: dt.datetime | None,
    hi: dt.datetime | None,
    start,
    end,
    tz: str,
) -> None:
    """Raise :class:`NotEnoughDataError` when ``[lo, hi)`` holds no row of the table, naming the
    range the data cover. Only the months in range are opened (their footers), as the scan would."""
    months = sorted(folder.glob("month=*"))
    inside = [
        m
        for m in months
        if (lo is None or m.name.removeprefix("month=") >= lo.strftime("%Y-%m"))
        and (hi is None or m.name.removeprefix("month=") <= hi.strftime("%Y-%m"))
    ]
    files = [f for m in inside for f in sorted(m.glob("*.parquet"))]
    if files:
        span = _span(files, column)
        if span is None:
            return  # no statistics: cannot tell without reading the rows
        first, last = span
        if (lo is None or last >= lo) and (hi is None or first < hi):
            return
    ends = [f for m in (months[:1] + months[-1:]) for f in sorted(m.glob("*.parquet"))]
    try:
        span = _span(ends, column) if ends else None
    except (OSError, ValueError):  # an unreadable footer: name the months instead
        span = None
    zone = ZoneInfo(tz)
    covers = (
        f"the data cover {span[0].astimezone(zone):%Y-%m-%d %H:%M} to "
        f"{span[1].astimezone(zone):%Y-%m-%d %H:%M} ({tz})"
        if span
        else f"the data cover the months {months[0].name[6:]} to {months[-1].name[6:]} (UTC)"
    )
    asked = ", ".join(f"{k}={v!r}" for k, v in (("start", start), ("end", end)) if v is not None)
    raise NotEnoughDataError(
        f"{folder.name}: no rows for {asked}; {covers}. Choose a range inside the data."
    )


def check_mode(table: str, mode: str) -> None:
    """Refuse a write mode that does not apply to ``table`` (before anything is read)."""
    check_option("mode", mode, WriteMode)
    if mode == "months" and spec_for(table).time_column is None:
        raise OptionError(
            f"mode 'months' replaces the months of a table partitioned by time; {table!r} has no "
            "timestamp, so an export replaces it whole: use mode 'replace'. Nothing was written."
        )


def write_table(
    frame: pl.DataFrame,
    table: str,
    *,
    workspace: Settings | None = None,
    mode: WriteMode = "replace",
    source: str = "",
    allow_partial_months: bool = False,
) -> Path:
    """Write a validated frame to the store, atomically (staged, then swapped in).

    ``mode="replace"`` replaces the whole table; ``mode="months"`` replaces only the local
    months present in ``frame`` and keeps the others (monthly exports), after checking the plan
    against the store (see :func:`~cxlab.data._months.plan_months`: a key stored in another
    month, or a month the file holds only a small part of, is refused unless
    ``allow_partial_months``). A crash at any point leaves the old table or the new one.
    """
    return store_frame(
        frame,
        table,
        workspace=workspace,
        mode=mode,
        source=source,
        allow_partial_months=allow_partial_months,
    )[0]


def store_frame(
    frame: pl.DataFrame,
    table: str,
    *,
    workspace: Settings | None = None,
    mode: WriteMode = "replace",
    source: str = "",
    name: str | None = None,
    allow_partial_months: bool = False,
) -> tuple[Path, MonthsPlan | None]:
    """:func:`write_table`, also returning the months plan of ``mode="months"``.

    ``name`` is how messages name the source (``source`` by default).
    """
    check_mode(table, mode)
    spec = TABLES[table]
    ws = workspace or settings()
    target = table_dir(table, ws)
    with store_lock(ws.processed_dir):
        recover(ws.processed_dir)
        plan = None
        if mode == "months":
            plan = plan_months(
                frame,
                table,
                target,
                ws.time_zone,
                source=name or source or "<frame>",
                allow_partial_months=allow_partial_months,
            )
        staging = new_staging(ws.processed_dir, table)
        try:
            _stage(frame, spec, staging, target, mode, ws.time_zone, table, source)
            swap_in(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            staging_root = staging.parent
            if staging_root.exists() and not any(staging_root.iterdir()):
                staging_root.rmdir()
    return target, plan


class TableBatch:
    """Tables staged by :func:`store_tables`, swapped in together when all are written."""

    def __init__(self, ws: Settings) -> None:
        self.ws = ws
        self.staged: list[tuple[Path, Path]] = []

    def write(self, table: str, parts: Iterable[pl.DataFrame], *, source: str = "") -> int:
        """Stage ``table`` (replacing it) from validated frames: for a table partitioned by time,
        each frame holds whole months (one frame per month: a month in two frames is refused);
        otherwise the frames are the table's rows in order. Returns the rows staged."""
        spec = TABLES[table]
        staging = new_staging(self.ws.processed_dir, table)
        self.staged.append((staging, table_dir(table, self.ws)))
        if spec.time_column is None:
            _write_whole(pl.concat(list(parts)), staging)
            months: list[str] = []
        else:
            months = sorted(m for part in parts for m in _write_months(part, spec, staging))
        return _write_meta(staging, table, source, months)


@contextlib.contextmanager
def store_tables(workspace: Settings | None = None) -> Iterator[TableBatch]:
    """Replace several tables, each written piece by piece (a month at a time), so that none
    is in memory whole; they are swapped in together at the end, and none is if any write
    fails (a refused month, a crash). Holds the store lock throughout.

    >>> with store_tables(ws) as store:  # doctest: +SKIP
    ...     store.write("contacts", months_of_contacts, source="contacts.parquet")
    """
    ws = workspace or settings()
    with store_lock(ws.processed_dir):
        recover(ws.processed_dir)
        batch = TableBatch(ws)
        try:
            yield batch
            for staging, target in batch.staged:
                swap_in(staging, target)
        finally:
            for staging, _ in batch.staged:
                shutil.rmtree(staging, ignore_errors=True)
            staging_root = ws.processed_dir / _swap.STAGING
            if staging_root.exists() and not any(staging_root.iterdir()):
                staging_root.rmdir()


def _write_whole(frame: pl.DataFrame, staging: Path) -> None:
    frame.write_parquet(staging / "part-0.parquet")


def _write_months(frame: pl.DataFrame, spec, staging: Path) -> list[str]:
    """Write ``frame``'s UTC months as partitions of ``staging`` (each sorted by time)."""
    keyed = frame.with_columns(pl.col(spec.time_column).dt.strftime("%Y-%m").alias("__month")).sort(
        spec.time_column
    )
    months = keyed["__month"].unique().sort().to_list()
    for (month,), part in keyed.group_by(["__month"], maintain_order=True):
        folder = staging / f"month={month}"
        folder.mkdir()
        part.drop("__month").write_parquet(folder / "part-0.parquet")
        _swap._step("partition")
    return months


def _write_meta(staging: Path, table: str, source: str, months: list[str]) -> int:
    """Write the staged table's metadata (last); returns its rows."""
    rows = (
        pl.scan_parquet(staging / "**/*.parquet", hive_partitioning=False)
        .select(pl.len())
        .collect()
        .item()
    )
    meta = {
        "table": table,
        "rows": rows,
        "source": source,
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "months": months,
    }
    (staging / _META).write_text(json.dumps(meta, indent=2))
    return rows


def _stage(frame, spec, staging: Path, target: Path, mode, tz: str, table: str, source: str):
    """Write the complete new table into ``staging`` (its metadata last)."""
    if spec.time_column is None:
        _write_whole(frame, staging)
        months: list[str] = []
    else:
        kept: list[Path] = []
        if mode == "months" and target.exists():
            frame, kept = merge_months(frame, spec.time_column, target, tz)
        months = _write_months(frame, spec, staging)
        for old in kept:
            shutil.copytree(old, staging / old.name)
        months = sorted([*months, *(old.name.removeprefix("month=") for old in kept)])
    _write_meta(staging, table, source, months)


def recover_store(workspace: Settings | None = None, *, wait: float = 30.0) -> list[str]:
    """Finish or undo what a killed write left in the store (see :mod:`cxlab.data._swap`).

    Cheap when there is nothing to do (one listing of ``data/processed``). Run by every write and
    by :func:`has_table` (so by :func:`load`); returns what it did.
    """
    ws = workspace or settings()
    if not litter(ws.processed_dir):
        return []
    try:
        with store_lock(ws.processed_dir, wait=wait):
            return recover(ws.processed_dir)
    except (WorkspaceError, OSError):  # a write still running, or a read-only store: leave it
        return []


def table_info(table: str, workspace: Settings | None = None) -> dict:
    """What the store knows of a table (rows, source, when written), or ``{}``."""
    meta = table_dir(table, workspace) / _META
    return json.loads(meta.read_text()) if meta.exists() else {}


def data_freshness(workspace: Settings | None = None) -> dt.datetime | None:
    """How recent the data are (UTC): the newest contact, or, in a workspace with an interval
    report and no contacts, the end of its last interval; ``None`` when there is neither."""
    if has_table("contacts", workspace):
        newest = pl.col("arrived_at").max()
        table, columns = "contacts", ["arrived_at"]
    elif has_table("intervals", workspace):
        end = pl.col("interval_start") + pl.duration(minutes=pl.col("interval_minutes"))
        newest = end.max()
        table, columns = "intervals", ["interval_start", "interval_minutes"]
    else:
        return None
    return load(table, columns=columns, workspace=workspace).select(newest).collect().item()
