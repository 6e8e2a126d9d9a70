"""Reading exports (CSV in UTF-8 or GBK, Parquet, a DuckDB query, PostgreSQL) into the store."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from pathlib import Path

import polars as pl

from cxlab._config import Settings, settings
from cxlab._errors import SchemaError, WorkspaceError
from cxlab._masking import masking_in
from cxlab.data._mapping import apply_mapping, load_mapping
from cxlab.data._months import MonthsPlan, plan_months
from cxlab.data._postgres import ingest_sql, is_postgres_url, source, sources_from_config
from cxlab.data._schemas import FUTURE_TOLERANCE
from cxlab.data._store import WriteMode, check_mode, has_table, load, store_frame
from cxlab.data._validate import extra_columns, refusal, spec_for, validate

ENCODINGS = ("utf-8-sig", "gb18030")
"""Tried in order; GB18030 is a superset of GBK and GB2312, the usual Chinese exports."""


def read_source(
    path: str | os.PathLike, *, query: str | None = None, encoding: str | None = None
) -> tuple[pl.DataFrame, str]:
    """Read a file (or a DuckDB query) as a polars frame, without changing the file.

    CSV columns are read as text, so that validation can say which rows do not parse.
    Returns the frame and the encoding used (``"parquet"``/``"duckdb"`` for those sources).
    """
    _refuse_secret(path)
    path = Path(path)
    if query is not None:
        return _query(path, query), "duckdb"
    if not path.exists():
        raise SchemaError(f"Refused {path}: no such file. Nothing was written.")
    if not path.is_file():
        raise SchemaError(
            f"Refused {path}: it is a folder, not a file; give the export file inside it. "
            "Nothing was written."
        )
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
        separator = "\t" if suffix == ".tsv" else ","
        _check_header(text, separator, path)
        try:
            frame = pl.read_csv(text.encode("utf-8"), separator=separator, infer_schema=False)
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


def _refuse_secret(path: str | os.PathLike) -> None:
    """Refuse a libpq ``key=value`` string or a URL (made a path) holding a password, without
    echoing it (a file of that name would be named in a message)."""
    text = os.fspath(path)
    if re.search(r"password\s*=|^postgres(?:ql)?:/+[^/@]*:[^@]*@", text, flags=re.IGNORECASE):
        raise WorkspaceError(
            "Refused the source given: it holds a password. Give a postgresql:// URL without "
            "one and let libpq read the password from PGPASSWORD, PGPASSFILE or ~/.pgpass. "
            "Nothing was read or written."
        )


def _check_header(text: str, separator: str, path: Path) -> None:
    """Refuse a header that names a column twice (once spaces around the names are trimmed)."""
    header = next(csv.reader(io.StringIO(text), delimiter=separator), [])
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        name = name.strip().removeprefix("\ufeff")
        if name in seen:
            raise SchemaError(
                f"Refused {path}: the header names the column {name!r} twice (columns "
                f"{seen[name]} and {position}, spaces around names trimmed); rule: each column "
                "name appears once. Rename or remove one of them. Nothing was written."
            )
        seen[name] = position


def _query(path: Path, query: str) -> pl.DataFrame:
    """Run one read-only SELECT on a DuckDB database file.

    The database is opened read-only with external access off (no file outside it is read or
    written: ``COPY ... TO``, ``read_csv`` and ``ATTACH`` fail), and only a single ``SELECT``
    (``WITH ... SELECT`` included) is accepted, decided from DuckDB's own parse of the text.
    """
    import duckdb

    if not path.exists():
        raise SchemaError(f"Refused {path}: no such DuckDB database. Nothing was written.")
    if not path.is_file():
        raise SchemaError(
            f"Refused {path}: --query reads a DuckDB database file; this is a folder. "
            "Nothing was written."
        )
    with open(path, "rb") as head:
        magic = head.read(12)[8:12]
    if magic != b"DUCK":  # a DuckDB file's header carries the word at byte 8
        raise SchemaError(
            f"Refused {path}: --query reads a DuckDB database file, and this is not one; give a "
            "CSV or Parquet export without --query. Nothing was written."
        )
    try:
        con = duckdb.connect(str(path), read_only=True, config={"enable_external_access": False})
    except duckdb.Error as exc:
        raise SchemaError(
            f"Refused {path}: the DuckDB database does not open read-only "
            f"({str(exc).splitlines()[0]}). Nothing was written."
        ) from exc
    try:
        try:
            statements = con.extract_statements(query)
        except duckdb.Error as exc:
            raise SchemaError(
                f"Refused {path}: the DuckDB query does not parse: {exc}. Nothing was written."
            ) from exc
        kinds = [str(s.type).rsplit(".", 1)[-1] for s in statements]
        if kinds != ["SELECT"]:
            got = ", ".join(kinds) or "no statement"
            raise SchemaError(
                f"Refused {path}: --query runs one SELECT statement (WITH ... SELECT included) "
                f"and nothing else; got {got}. Nothing was run, nothing was written."
            )
        try:
            return con.sql(query).pl()
        except duckdb.Error as exc:
            raise SchemaError(
                f"Refused {path}: the DuckDB query failed: {exc}. Nothing was written."
            ) from exc
    finally:
        con.close()


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
    allow_partial_months: bool = False,
    allow_unknown_customers: bool = False,
) -> dict:
    """Read, validate and store one export; refuse it whole on the first broken rule.

    ``mapping`` is a mapping YAML (see :func:`cxlab.data.load_mapping`) that renames, recodes and
    converts a source's own columns into the canonical ones first; the file itself is not changed.

    Besides the table's own rules, the export is checked against the store and the clock: an
    observed timestamp (a contact's arrival, a survey's response) is not after the ingest time
    plus one day; a customer id of contacts or surveys names a stored customer, when the customers
    table is in the store (unless ``allow_unknown_customers``: callers who are not customers yet,
    a customers export that lags); with ``mode="months"``, no key is already stored in a month the file
    does not replace, and a month the file holds less than half of is not replaced unless
    ``allow_partial_months``. Columns the table does not have are not stored.

    Returns a summary: table, rows, encoding, where it was written, the columns not stored
    (``dropped``) and, for ``mode="months"``, the months replaced (``months``).

    A ``postgresql://`` URL instead of a path reads a database (see :func:`ingest_postgres`, to
    which ``query``, ``mapping`` and ``mode`` are passed).

    Examples
    --------
    >>> import cxlab as cx
    >>> cx.data.ingest("exports/contacts_2026-03.csv", "contacts", mode="months")  # doctest: +SKIP
    """
    _refuse_secret(path)
    if is_postgres_url(path):
        return ingest_postgres(
            str(path),
            table,
            query=query,
            mapping=mapping,
            mode=mode,
            workspace=workspace,
            allow_partial_months=allow_partial_months,
            allow_unknown_customers=allow_unknown_customers,
        )
    spec_for(table)
    check_mode(table, mode)  # before reading a large file, not after
    rules = None if mapping is None else load_mapping(mapping, table)
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    with masking_in(ws):  # a refusal masks ids with the key of the workspace written to
        frame, used = read_source(path, query=query, encoding=encoding)
        name = Path(path).name if query is None else f"query on {Path(path).name}"
        if rules is not None:
            frame = apply_mapping(frame, rules, source=name)
        dropped = extra_columns(frame, table)
        typed = check_export(
            frame, table, source=name, workspace=ws, allow_unknown_customers=allow_unknown_customers
        )
        target, plan = store_frame(
            typed,
            table,
            workspace=ws,
            mode=mode,
            source=str(path),
            name=name,
            allow_partial_months=allow_partial_months,
        )
    return {
        "table": table,
        "rows": typed.height,
        "encoding": used,
        "written_to": str(target),
        "dropped": dropped,
        **({"months": plan.to_dict(), "plan": plan.describe()} if plan is not None else {}),
    }


def ingest_postgres(
    url: str,
    table: str,
    *,
    query: str | None = None,
    params: list | tuple | dict | None = None,
    mapping: str | os.PathLike | dict | None = None,
    since: str | dt.date | None = None,
    mode: WriteMode | None = None,
    workspace: str | os.PathLike | Settings | None = None,
    allow_partial_months: bool = False,
    allow_unknown_customers: bool = False,
    dry_run: bool = False,
) -> dict:
    """Read one canonical table from PostgreSQL, a month at a time, validated as a file is.

    Parameters
    ----------
    url
        ``postgresql://user@host:5432/database`` (libpq's URL; options such as ``sslmode``
        after ``?``). A URL holding a password is refused: libpq reads it from ``PGPASSWORD``,
        the file ``PGPASSFILE`` names, or ``~/.pgpass``.
    table
        The canonical table, such as ``"contacts"``.
    query
        A table name (``crm.contacts``) or one ``SELECT`` (the table's own name by default).
    params
        Values bound to the query's ``$1, $2 ...`` (a list) or ``:name`` (a dict); never
        formatted into the SQL.
    mapping
        A mapping YAML (see :func:`cxlab.data.load_mapping`), or its keys as a dict, from the
        query's columns to the table's.
    since
        Read only the local months from this one on (``"2026-03"``, or a date: its month), and
        replace each of them the source holds rows of, whole. Stored months before it are kept,
        and so is a stored month from it on that the source holds no row of. When the source
        holds no row from that month on, nothing is replaced and the summary's ``plan`` says
        ``no rows since 2026-03: nothing replaced``.
    mode
        ``"replace"`` (the whole table) or ``"months"`` (only the months the source holds). By
        default a table with a timestamp that is already stored is loaded by months, any other
        replaced.
    workspace, allow_partial_months, allow_unknown_customers
        As for :func:`ingest`.
    dry_run
        Read and validate everything, write nothing.

    Returns
    -------
    dict
        ``table, source, rows`` (read from the source), ``table_rows`` (the table stored),
        ``written_to, dropped, mode, chunks`` (each month read and its rows) and, by months,
        ``months`` and ``plan``, as :func:`ingest` returns.

    Raises
    ------
    WorkspaceError
        A password in the URL; a failed connection (named by host, port, database and user).
    SchemaError
        A query PostgreSQL refuses (bad SQL, unknown column, a parameter of the wrong type) or
        rows that break the table's rules, with the file ingest's message; nothing is written.

    References
    ----------
    .. [1] Apache Arrow ADBC, "PostgreSQL driver",
       https://arrow.apache.org/adbc/current/driver/postgresql.html
    .. [2] PostgreSQL 15 documentation, "34.1.1 Connection Strings" and "34.16 The Password
       File", https://www.postgresql.org/docs/15/libpq.html
    .. [3] PostgreSQL 15 documentation, "13.2.2 Repeatable Read Isolation Level",
       https://www.postgresql.org/docs/15/transaction-iso.html

    Examples
    --------
    >>> import cxlab as cx
    >>> cx.data.ingest_postgres(  # doctest: +SKIP
    ...     "postgresql://analyst@db.internal:5432/service", "contacts",
    ...     query="SELECT * FROM crm.contacts WHERE tenant = :tenant",
    ...     params={"tenant": "east"}, since="2026-03",
    ... )
    """
    checked = source(url, table, query=query, params=params, mapping=mapping)
    return ingest_sql(
        [checked],
        workspace=workspace,
        since=since,
        mode=mode,
        allow_partial_months=allow_partial_months,
        allow_unknown_customers=allow_unknown_customers,
        dry_run=dry_run,
    )[0]


def ingest_sources(
    tables: str | list[str] = "all",
    *,
    since: str | dt.date | None = None,
    mode: WriteMode | None = None,
    workspace: str | os.PathLike | Settings | None = None,
    allow_partial_months: bool = False,
    allow_unknown_customers: bool = False,
    dry_run: bool = False,
) -> list[dict]:
    """Read the tables ``cxlab.toml`` lists under ``[sources]``: all, or those named.

    Each entry gives ``url`` (or ``url_env``, the environment variable holding it; either may
    also sit under ``[sources]`` for every table), ``query``, ``params`` and ``map``. The tables
    are read in the order their ids refer to each other (customers before contacts), and stored
    together only when every one validated. Other arguments are :func:`ingest_postgres`'s.

    References
    ----------
    .. [1] Apache Arrow ADBC, "PostgreSQL driver",
       https://arrow.apache.org/adbc/current/driver/postgresql.html

    Examples
    --------
    >>> import cxlab as cx
    >>> cx.data.ingest_sources("all", since="2026-03")  # doctest: +SKIP
    """
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    return ingest_sql(
        sources_from_config(tables, ws),
        workspace=ws,
        since=since,
        mode=mode,
        allow_partial_months=allow_partial_months,
        allow_unknown_customers=allow_unknown_customers,
        dry_run=dry_run,
    )


def check_export(
    frame: pl.DataFrame,
    table: str,
    *,
    source: str,
    workspace: Settings | None = None,
    now: dt.datetime | None = None,
    allow_unknown_customers: bool = False,
) -> pl.DataFrame:
    """Validate an export as ingest does: the table's rules, no observed timestamp after ``now``
    (the current time by default) plus one day, and customer ids known to the store's customers
    table when there is one (unless ``allow_unknown_customers``). Returns the typed frame; raises
    :class:`SchemaError`."""
    ws = workspace or settings()
    with masking_in(ws):  # a refusal masks ids with the key of the workspace checked against
        return _check_export(frame, table, source, ws, now, allow_unknown_customers)


def _check_export(frame, table, source, ws, now, allow_unknown_customers) -> pl.DataFrame:
    now = now or dt.datetime.now(dt.UTC)
    typed = validate(frame, table, source=source, not_after=now + FUTURE_TOLERANCE)
    for column, other in spec_for(table).references:
        if allow_unknown_customers or not has_table(other, ws):
            continue
        known = load(other, columns=[spec_for(other).key[0]], workspace=ws).collect().to_series()
        bad = typed[column].is_not_null() & ~typed[column].is_in(known.implode())
        if bad.any():
            raise refusal(
                typed,
                table,
                source=source,
                column=column,
                rule=(
                    f"is a {column} of the {other} table in the store ({known.len():,} of them); "
                    f"ingest the newer {other} export first, or pass --allow-unknown-customers "
                    "(allow_unknown_customers=True) to store these rows anyway"
                ),
                bad=bad,
            )
    return typed


def months_plan(
    typed: pl.DataFrame,
    table: str,
    *,
    source: str,
    workspace: Settings | None = None,
    allow_partial_months: bool = False,
) -> MonthsPlan:
    """What ``mode="months"`` would replace (and refuse) for a checked export; writes nothing."""
    ws = workspace or settings()
    return plan_months(
        typed,
        table,
        ws.processed_dir / table,
        ws.time_zone,
        source=source,
        allow_partial_months=allow_partial_months,
    )
