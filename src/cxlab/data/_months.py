"""``mode="months"``: which months an export replaces, what it keeps, and what it may not do.

A monthly export covers calendar months in the workspace's local zone, which straddle two UTC
partitions (March in Shanghai starts on 28 February at 16:00 UTC). Stored rows inside the file's
local months are replaced; every other stored row is kept. Before anything is written the plan is
checked against the store:

- a key (a ``contact_id``) already stored in a month the file does not replace is refused, with
  its rows: the same contact re-exported in a later month's file would be stored twice;
- a month the file holds with fewer than :data:`PARTIAL_SHARE` of its stored rows is refused (one
  stray July row in an August export would delete the stored July) unless
  ``allow_partial_months`` says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cxlab._errors import SchemaError
from cxlab.data._validate import refusal, show_rows, spec_for

PARTIAL_SHARE = 0.5
"""A stored month is replaced only by a file holding at least this share of its stored rows."""


@dataclass(frozen=True)
class MonthChange:
    """One local month of the file: its rows in the file and in the store (before the write)."""

    month: str
    file_rows: int
    stored_rows: int


@dataclass(frozen=True)
class MonthsPlan:
    """What a ``mode="months"`` write does: the months it replaces and the rows it keeps."""

    changes: tuple[MonthChange, ...]
    kept_rows: int
    time_zone: str

    def describe(self) -> str:
        """One line for the person who runs the ingest."""
        parts = [
            f"{c.month} ({c.stored_rows:,} stored row(s) replaced by {c.file_rows:,})"
            if c.stored_rows
            else f"{c.month} (new, {c.file_rows:,} row(s))"
            for c in self.changes
        ]
        return (
            f"months replaced ({self.time_zone}): {', '.join(parts)}; "
            f"{self.kept_rows:,} stored row(s) of other months kept"
        )

    def to_dict(self) -> dict:
        return {
            "replaced": {
                c.month: {"file": c.file_rows, "stored": c.stored_rows} for c in self.changes
            },
            "kept_rows": self.kept_rows,
        }


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


def _local_month(column: str, tz: str) -> pl.Expr:
    return pl.col(column).dt.convert_time_zone(tz).dt.strftime("%Y-%m")


def _ranges(frame: pl.DataFrame, column: str, tz: str) -> list[tuple[dt.datetime, dt.datetime]]:
    local = pl.col(column).dt.convert_time_zone(tz).dt.truncate("1mo")
    starts = frame.select(local.unique().sort()).to_series()
    return [(lo.astimezone(dt.UTC), _next_month(lo).astimezone(dt.UTC)) for lo in starts]


def _inside(column: str, ranges) -> pl.Expr:
    return pl.any_horizontal(
        [pl.col(column).is_between(lo, hi, closed="left") for lo, hi in ranges]
    )


def plan_months(
    frame: pl.DataFrame,
    table: str,
    target: Path,
    tz: str,
    *,
    source: str = "<frame>",
    allow_partial_months: bool = False,
) -> MonthsPlan:
    """Check a ``mode="months"`` write of the validated ``frame`` against the stored ``target``.

    Raises
    ------
    SchemaError
        A key of the file is stored in a month the file does not replace, or the file holds a
        month with fewer than :data:`PARTIAL_SHARE` of its stored rows (unless
        ``allow_partial_months``). The message names the rows of the file.
    """
    spec = spec_for(table)
    column, keys = spec.time_column, list(spec.key)
    ranges = _ranges(frame, column, tz)
    inside = _inside(column, ranges)
    in_file = frame.group_by(_local_month(column, tz).alias("month")).len()
    file_rows = dict(zip(in_file["month"], in_file["len"], strict=True))
    files = sorted(target.glob("month=*/*.parquet")) if target.is_dir() else []
    if not files:
        changes = tuple(MonthChange(m, file_rows[m], 0) for m in sorted(file_rows))
        return MonthsPlan(changes, 0, tz)
    stored = pl.scan_parquet(files, hive_partitioning=False).select(
        list(dict.fromkeys([*keys, column]))
    )
    counts = stored.filter(inside).group_by(_local_month(column, tz).alias("month")).len().collect()
    stored_rows = dict(zip(counts["month"], counts["len"], strict=True))
    total = stored.select(pl.len()).collect().item()
    changes = tuple(MonthChange(m, file_rows[m], stored_rows.get(m, 0)) for m in sorted(file_rows))
    plan = MonthsPlan(changes, total - sum(stored_rows.values()), tz)

    twice = (
        stored.filter(~inside)
        .join(frame.lazy().select(keys).unique(), on=keys, how="semi")
        .with_columns(_local_month(column, tz).alias("month"))
        .collect()
    )
    if twice.height:
        at = frame.select(keys).with_row_index("i").join(twice.select(keys), on=keys, how="semi")
        bad = pl.Series(range(frame.height)).is_in(at["i"].implode())
        months = ", ".join(sorted(set(twice["month"])))
        together = keys[0] if len(keys) == 1 else f"({', '.join(keys)})"
        raise refusal(
            frame,
            table,
            source=source,
            column=keys[0] if len(keys) == 1 else None,
            rule=(
                f"{together} is unique across the store: already stored in {months} "
                f"({tz}), which this file does not replace (mode months)"
            ),
            bad=bad,
        )

    partial = [c for c in changes if c.stored_rows and c.file_rows < PARTIAL_SHARE * c.stored_rows]
    if partial and not allow_partial_months:
        first = partial[0]
        rows = (
            frame.with_row_index("i", offset=1)
            .filter(_local_month(column, tz) == first.month)["i"]
            .to_list()
        )
        words = "; ".join(
            f"{c.month}: {c.file_rows:,} row(s) in the file, {c.stored_rows:,} stored, "
            f"{c.stored_rows - c.file_rows:,} would be deleted"
            for c in partial
        )
        lines = [
            f"Refused {source} (table {table}, mode months): the file holds only a small part of "
            f"month(s) already in the store ({words}; local months, {tz}). Mode months "
            f"replaces every stored row of each month in the file, so a month is replaced only "
            f"when the file holds at least {PARTIAL_SHARE:.0%} of its stored rows. The file's "
            f"rows of {first.month} (first {min(5, len(rows))} shown, row 1 is the first data row):",
            *show_rows(frame, table, rows, column),
            "Remove those rows from the file, or pass --allow-partial-months "
            "(allow_partial_months=True) to replace the month(s) anyway. Nothing was written.",
        ]
        raise SchemaError("\n".join(lines))
    return plan


def merge_months(
    frame: pl.DataFrame, time_column: str, target: Path, tz: str
) -> tuple[pl.DataFrame, list[Path]]:
    """The new rows plus the stored rows outside the file's local months.

    Stored rows inside those months are replaced; the other rows of a touched UTC partition are
    kept, and partitions the file does not touch are returned to be copied as they are.
    """
    ranges = _ranges(frame, time_column, tz)
    touched = {m for lo, hi in ranges for m in _utc_months(lo, hi)}
    inside = _inside(time_column, ranges)
    parts, kept = [frame], []
    for old in sorted(target.glob("month=*")):
        if old.name.removeprefix("month=") in touched:
            rows = pl.read_parquet(old / "*.parquet", hive_partitioning=False).filter(~inside)
            parts.append(rows.select([c for c in frame.columns if c in rows.columns]))
        else:
            kept.append(old)
    return pl.concat(parts, how="diagonal_relaxed"), kept
