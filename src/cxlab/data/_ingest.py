"""Reading exports (CSV in UTF-8 or GBK, Parquet, a DuckDB query) into the store."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

from cxlab._config import Settings, settings
from cxlab._errors import SchemaError
from cxlab.data._mapping import apply_mapping, load_mapping
from cxlab.data._store import WriteMode, check_mode, write_table
from cxlab.data._validate import spec_for, validate

ENCODINGS = ("utf-8-sig", "gb18030")
"""Tried in order; GB18030 is a superset of GBK and GB2312, the usual Chinese exports."""


def read_source(
    path: str | os.PathLike, *, query: str | None = None, encoding: str | None = None
) -> tuple[pl.DataFrame, str]:
    """Read a file (or a DuckDB query) as a polars frame, without changing the file.

    CSV columns are read as text, so that validation can say which rows do not parse.
    Returns the frame and the encoding used (``"parquet"``/``"duckdb"`` for those sources).
    """
    path = Path(path)
    if query is not None:
        import duckdb

        if not path.exists():
            raise SchemaError(f"Refused {path}: no such DuckDB database. Nothing was written.")
        con = duckdb.connect(str(path), read_only=True)
        try:
            return con.sql(query).pl(), "duckdb"
        except duckdb.Error as exc:
            raise SchemaError(
                f"Refused {path}: the DuckDB query failed: {exc}. Nothing was written."
            ) from exc
        finally:
            con.close()
    if not path.exists():
        raise SchemaError(f"Refused {path}: no such file. Nothing was written.")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        try:
            return pl.read_parquet(path), "parquet"
        except Exception as exc:
            raise SchemaError(
                f"Refused {path}: not a readable Parquet file ({exc}). Nothing was written."
            ) from exc
    if suffix in (".csv", ".tsv", ".txt"):
        data = path.read_bytes()
        if not data.strip():
            return pl.DataFrame(), "empty"
        text, used = _decode(data, path, encoding)
        try:
            frame = pl.read_csv(
                text.encode("utf-8"),
                separator="\t" if suffix == ".tsv" else ",",
                infer_schema=False,
            )
        except pl.exceptions.PolarsError as exc:
            raise SchemaError(
                f"Refused {path}: not a well-formed CSV file ({exc}). Nothing was written."
            ) from exc
        frame = frame.rename({c: c.strip() for c in frame.columns})
        return frame, used
    raise SchemaError(
        f"Refused {path}: unknown file type {suffix!r}; give a .csv, .tsv, .parquet file or a "
        "DuckDB database with --query. Nothing was written."
    )


def _decode(data: bytes, path: Path, encoding: str | None) -> tuple[str, str]:
    for enc in (encoding,) if encoding else ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    if encoding:
        raise SchemaError(f"Refused {path}: the file is not {encoding} text. Nothing was written.")
    raise SchemaError(
        f"Refused {path}: the file is neither UTF-8 nor GBK/GB18030 text; pass --encoding. "
        "Nothing was written."
    )


def ingest(
    path: str | os.PathLike,
    table: str,
    *,
    query: str | None = None,
    encoding: str | None = None,
    mode: WriteMode = "replace",
    workspace: str | os.PathLike | Settings | None = None,
    mapping: str | os.PathLike | None = None,
) -> dict:
    """Read, validate and store one export; refuse it whole on the first broken rule.

    ``mapping`` is a mapping YAML (see :func:`cxlab.data.load_mapping`) that renames, recodes and
    converts a source's own columns into the canonical ones first; the file itself is not changed.
    Returns a summary (table, rows, months, encoding, where it was written).

    Examples
    --------
    >>> import cxlab as cx
    >>> cx.data.ingest("exports/contacts_2026-03.csv", "contacts", mode="months")  # doctest: +SKIP
    """
    spec_for(table)
    check_mode(table, mode)  # before reading a large file, not after
    rules = None if mapping is None else load_mapping(mapping, table)
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    frame, used = read_source(path, query=query, encoding=encoding)
    name = Path(path).name if query is None else f"query on {Path(path).name}"
    if rules is not None:
        frame = apply_mapping(frame, rules, source=name)
    typed = validate(frame, table, source=name)
    target = write_table(typed, table, workspace=ws, mode=mode, source=str(path))
    return {"table": table, "rows": typed.height, "encoding": used, "written_to": str(target)}
