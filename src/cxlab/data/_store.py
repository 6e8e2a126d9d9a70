"""The store: validated canonical tables as parquet under ``data/processed/``.

Tables with a timestamp are partitioned by UTC month (``contacts/month=2026-01/part-0.parquet``);
the others are one file (``customers/part-0.parquet``). Every write is staged beside the store and
swapped in only when complete, so a failure never leaves a partial table behind.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import polars as pl

from cxlab._config import Settings, settings
from cxlab._errors import OptionError, SchemaError, WorkspaceError
from cxlab._options import check_option
from cxlab.data._schemas import TABLES
from cxlab.data._validate import spec_for

WriteMode = Literal["replace", "months"]
_META = "_table.json"


def table_dir(table: str, workspace: Settings | None = None) -> Path:
    ws = workspace or settings()
    return ws.processed_dir / table


def has_table(table: str, workspace: Settings | None = None) -> bool:
    return any(table_dir(table, workspace).glob("**/*.parquet"))


def _to_utc(value, tz: str) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
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
) -> pl.LazyFrame:
    """A lazy scan of a canonical table in the store.

    Parameters
    ----------
    table
        A canonical table name (``"contacts"``, ``"customers"``, ...).
    start, end
        Keep rows whose timestamp is in ``[start, end)``. Naive dates and times are read in the
        workspace's local time zone. Only for tables with a timestamp.
    columns
        The columns to keep (all by default).
    workspace
        The workspace folder (the current one by default).

    Examples
    --------
    >>> import cxlab as cx
    >>> cx.load("contacts", start="2026-03-01", end="2026-04-01", columns=["channel"])  # doctest: +SKIP
    """
    spec = spec_for(table)
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    folder = table_dir(table, ws)
    if not has_table(table, ws):
        raise WorkspaceError(
            f"table {table!r} is not in the store at {folder}. "
            "Run `cxlab data generate` (synthetic) or `cxlab data ingest PATH --table "
            f"{table}` first."
        )
    partitioned = spec.time_column is not None
    scan = pl.scan_parquet(
        folder / ("**/*.parquet" if partitioned else "part-0.parquet"),
        hive_partitioning=partitioned,
    )
    if partitioned:
        lo, hi = _to_utc(start, ws.time_zone), _to_utc(end, ws.time_zone)
        if lo is not None:
            scan = scan.filter(pl.col("month") >= lo.strftime("%Y-%m"))
            scan = scan.filter(pl.col(spec.time_column) >= lo)
        if hi is not None:
            scan = scan.filter(pl.col("month") <= hi.strftime("%Y-%m"))
            scan = scan.filter(pl.col(spec.time_column) < hi)
        scan = scan.drop("month")
    elif start is not None or end is not None:
        raise WorkspaceError(f"table {table!r} has no timestamp; start/end do not apply.")
    if columns is not None:
        unknown = [c for c in columns if c not in scan.collect_schema()]
        if unknown:
            raise SchemaError(
                f"table {table!r} has no column(s) {', '.join(map(repr, unknown))}; its columns "
                f"are {', '.join(scan.collect_schema().names())}."
            )
        scan = scan.select(columns)
    return scan


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
) -> Path:
    """Write a validated frame to the store, atomically (staged, then swapped in).

    ``mode="replace"`` replaces the whole table; ``mode="months"`` replaces only the months present
    in ``frame`` and keeps the others (monthly exports).
    """
    check_mode(table, mode)
    spec = TABLES[table]
    ws = workspace or settings()
    target = table_dir(table, ws)
    staging_root = ws.processed_dir / ".staging"
    staging = staging_root / f"{table}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True, exist_ok=True)
    try:
        if spec.time_column is None:
            frame.write_parquet(staging / "part-0.parquet")
            months: list[str] = []
        else:
            kept: list[Path] = []
            if mode == "months" and target.exists():
                frame, kept = _merge_months(frame, spec.time_column, target, ws.time_zone)
            keyed = frame.with_columns(
                pl.col(spec.time_column).dt.strftime("%Y-%m").alias("__month")
            ).sort(spec.time_column)
            months = keyed["__month"].unique().sort().to_list()
            for (month,), part in keyed.group_by(["__month"], maintain_order=True):
                folder = staging / f"month={month}"
                folder.mkdir()
                part.drop("__month").write_parquet(folder / "part-0.parquet")
            for old in kept:
                shutil.copytree(old, staging / old.name)
            months = sorted([*months, *(old.name.removeprefix("month=") for old in kept)])
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
        _swap(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if staging_root.exists() and not any(staging_root.iterdir()):
            staging_root.rmdir()
    return target


def _merge_months(
    frame: pl.DataFrame, time_column: str, target: Path, tz: str
) -> tuple[pl.DataFrame, list[Path]]:
    """For ``mode="months"``: the new rows plus the stored rows outside the file's months.

    A monthly export covers calendar months in the workspace's local zone, which straddle two UTC
    partitions (March in Shanghai starts on 28 February at 16:00 UTC). Stored rows inside those
    local months are replaced; the other rows of a touched partition are kept, and partitions the
    file does not touch are returned to be copied as they are.
    """
    local = pl.col(time_column).dt.convert_time_zone(tz).dt.truncate("1mo")
    starts = frame.select(local.unique().sort()).to_series()
    ranges = [(lo.astimezone(dt.UTC), _next_month(lo).astimezone(dt.UTC)) for lo in starts]
    touched = {m for lo, hi in ranges for m in _utc_months(lo, hi)}
    inside = pl.any_horizontal(
        [pl.col(time_column).is_between(lo, hi, closed="left") for lo, hi in ranges]
    )
    parts, kept = [frame], []
    for old in sorted(target.glob("month=*")):
        if old.name.removeprefix("month=") in touched:
            parts.append(pl.read_parquet(old / "*.parquet").filter(~inside))
        else:
            kept.append(old)
    return pl.concat(parts, how="diagonal_relaxed"), kept


def _next_month(start: dt.datetime) -> dt.datetime:
    """The start of the local calendar month after ``start`` (zone-aware, same zone)."""
    year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
    return start.replace(year=year, month=month)


def _utc_months(lo: dt.datetime, hi: dt.datetime) -> set[str]:
    """The UTC months (``YYYY-MM``) that ``[lo, hi)`` overlaps."""
    out, t = set(), lo
    while t < hi:
        out.add(t.strftime("%Y-%m"))
        year, month = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
        t = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    return out


def _swap(staging: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if target.exists():
        old = target.with_name(f".old-{target.name}-{uuid.uuid4().hex[:8]}")
        os.replace(target, old)
    os.replace(staging, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def table_info(table: str, workspace: Settings | None = None) -> dict:
    """What the store knows of a table (rows, source, when written), or ``{}``."""
    meta = table_dir(table, workspace) / _META
    return json.loads(meta.read_text()) if meta.exists() else {}


def data_freshness(workspace: Settings | None = None) -> dt.datetime | None:
    """The newest contact in the store (UTC), or ``None`` when there are no contacts."""
    if not has_table("contacts", workspace):
        return None
    return (
        load("contacts", columns=["arrived_at"], workspace=workspace)
        .select(pl.col("arrived_at").max())
        .collect()
        .item()
    )
