"""The raw export of the synthetic workspace, written and read one month at a time.

Each table is one Parquet file (``contacts.parquet``...). The simulator appends a table in pieces
(a month of contacts, a month of QA scores), each piece its own row groups, so the whole table
never has to be in memory; the store reads a partitioned table back one month at a time, picking
the month's row groups by their statistics, so ingesting it needs one month in memory too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from cxlab._errors import SchemaError, WorkspaceError
from cxlab.data._validate import spec_for, validate


class RawExport:
    """A folder of Parquet tables, each written in any number of pieces.

    ``write(name, frame)`` appends ``frame`` to ``<folder>/<name>.parquet`` (the first piece sets
    the table's schema); ``close()`` finishes every file.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._writers: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {}

    def write(self, name: str, frame: pl.DataFrame) -> None:
        table = frame.to_arrow()
        writer = self._writers.get(name)
        if writer is None:
            writer = pq.ParquetWriter(
                self.folder / f"{name}.parquet",
                table.schema,
                compression="zstd",
                compression_level=3,  # as polars writes
            )
            self._writers[name] = writer
        elif table.schema != writer.schema:
            table = table.cast(writer.schema)
        if table.num_rows:
            writer.write_table(table)
        self.rows[name] = self.rows.get(name, 0) + table.num_rows

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()


def _utc_month(value) -> str:
    if isinstance(value, dt.datetime):
        value = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).strftime("%Y-%m")
    return str(value)[:7]


def months_in(path: Path, column: str) -> list[str] | None:
    """The UTC months (``"2026-01"``) that ``column`` of a Parquet file spans, from its row
    groups' statistics (no row is read); ``None`` when a row group has no statistics."""
    meta = pq.ParquetFile(path).metadata
    names = meta.schema.names
    if column not in names:
        return None
    j = names.index(column)
    months: set[str] = set()
    for r in range(meta.num_row_groups):
        if meta.row_group(r).num_rows == 0:
            continue
        stats = meta.row_group(r).column(j).statistics
        if stats is None or not stats.has_min_max or (stats.has_null_count and stats.null_count):
            return None
        lo, hi = _utc_month(stats.min), _utc_month(stats.max)
        year, month = int(lo[:4]), int(lo[5:])
        while f"{year:04d}-{month:02d}" <= hi:
            months.add(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return sorted(months)


def read_months(path: Path, column: str, months: list[str]) -> Iterator[pl.DataFrame]:
    """The rows of a Parquet file one UTC month of ``column`` at a time, in the file's order
    within each month."""
    scan = pl.scan_parquet(path)
    for month in months:
        lo = dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=dt.UTC)
        hi = (lo + dt.timedelta(days=32)).replace(day=1)
        yield scan.filter((pl.col(column) >= lo) & (pl.col(column) < hi)).collect()


def validated_parts(path: Path, table: str, source: str) -> Iterator[pl.DataFrame]:
    """The raw table at ``path`` validated (:func:`~cxlab.data._validate.validate`), one UTC month
    at a time for a table partitioned by time, else whole.

    Every month is checked by the table's rules and its key is checked unique across months. When
    a month breaks a rule (or the file's statistics cannot cut it in months), the whole file is
    validated instead, so the refusal is worded and numbered exactly as for the whole file.
    """
    spec = spec_for(table)
    months = months_in(path, spec.time_column) if spec.time_column else None
    total = pq.ParquetFile(path).metadata.num_rows
    if not months or not total:
        yield validate(pl.read_parquet(path), table, source=source)
        return
    keys, seen = [], 0
    for part in read_months(path, spec.time_column, months):
        if not part.height:
            continue
        seen += part.height
        try:
            typed = validate(part, table, source=source)
        except SchemaError:
            validate(pl.read_parquet(path), table, source=source)
            raise
        keys.append(typed.select(spec.key).hash_rows().to_numpy())
        yield typed
    if seen != total:  # cannot happen: every timestamp lies in a month of the statistics
        raise WorkspaceError(
            f"{source}: {seen:,} of its {total:,} rows were read month by month; nothing was stored."
        )
    hashes = np.sort(np.concatenate(keys))
    if (hashes[1:] == hashes[:-1]).any():  # a key in two months (or two keys with one hash)
        del hashes
        validate(pl.read_parquet(path), table, source=source)
