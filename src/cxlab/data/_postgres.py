"""Reading canonical tables from a PostgreSQL database, a month at a time.

A source is a connection URL, a query (a table name or one ``SELECT``) with bound parameters, and
optionally a mapping (:mod:`cxlab.data._mapping`) from the query's columns to the table's. The
driver is ADBC's PostgreSQL driver (libpq underneath), read into Arrow and then polars.

A table with a timestamp (contacts by ``arrived_at``, surveys by ``responded_at``, ...) is read one
local month of the workspace's zone at a time::

    SELECT * FROM (
    <query>
    ) AS src WHERE "arrived_at" >= $1 AND "arrived_at" < $2 ORDER BY ...

with the month's bounds bound as parameters, after one query finds the months present
(``min``/``max`` of the timestamp). Every chunk goes through the validation files go through,
written as month partitions into a staging folder beside the store; the tables are swapped in
only when every chunk of every table read validated (:mod:`cxlab.data._swap`), so a refused or
failed load leaves the store as it was. Every query of one database runs in one read-only
``REPEATABLE READ`` transaction: the chunks (and the customers read beside the contacts) are one
snapshot of the database, and nothing is written there.

No password is ever taken in a URL: libpq reads it from ``PGPASSWORD``, the file named by
``PGPASSFILE`` or ``~/.pgpass``. Messages name the host, port, database and user only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import parse_qsl, unquote
from zoneinfo import ZoneInfo

import polars as pl

from cxlab._config import Settings, read_sources, settings
from cxlab._errors import OptionError, SchemaError, WorkspaceError
from cxlab._masking import mask_id, masking_in
from cxlab.data._mapping import Mapping, apply_mapping, load_mapping
from cxlab.data._months import PARTIAL_SHARE, MonthChange, MonthsPlan, _next_month
from cxlab.data._schemas import FUTURE_TOLERANCE, TABLES, UTC
from cxlab.data._store import WriteMode, _write_meta, check_mode, table_dir
from cxlab.data._swap import STAGING, new_staging, recover, store_lock, swap_in
from cxlab.data._validate import MAX_ROWS_SHOWN, extra_columns, refusal, spec_for, validate

SCHEMES = ("postgresql://", "postgres://")
SECRET_OPTIONS = ("password", "sslpassword")
"""Connection options that carry a secret: refused in a URL."""
PASSWORD_HELP = (
    "give the password to libpq instead: the PGPASSWORD environment variable, a password file "
    "named by PGPASSFILE, or ~/.pgpass"
)


def is_postgres_url(text: object) -> bool:
    """Whether ``text`` is a ``postgresql://`` (or ``postgres://``) connection URL."""
    return isinstance(text, str) and text.strip().lower().startswith(SCHEMES)


# -- the URL ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PgUrl:
    """A connection URL without a password, and what messages may say of it."""

    text: str
    host: str
    port: str
    database: str
    user: str

    @property
    def shown(self) -> str:
        """``postgresql://user@host:port/database``: no option, no secret."""
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        return f"postgresql://{user}{self.host}{port}/{self.database}"

    def describe(self) -> str:
        return (
            f"host {self.host or 'localhost'}, port {self.port or '5432'}, database "
            f"{self.database or '(the user name)'}, user {self.user or '(PGUSER or the login name)'}"
        )


def check_url(url: str, *, where: str = "the command line") -> PgUrl:
    """Parse a ``postgresql://`` URL; refuse one that holds a password (the message does not
    show it) and say where the password goes instead."""
    text = url.strip()
    if not is_postgres_url(text):
        raise OptionError(
            f"{where}: the source is not a postgresql:// URL; give "
            "postgresql://user@host:5432/database."
        )
    rest = text.split("://", 1)[1]
    query = rest.split("?", 1)[1] if "?" in rest else ""
    head = rest.split("?", 1)[0]
    options = dict(parse_qsl(query, keep_blank_values=True))
    # libpq reads "user:password@" before the host; an unencoded "/" or "@" in a password moves
    # the split, so any ":" before the last "@" counts as a password, encoded ("%3A") or not
    userinfo = unquote(head.rpartition("@")[0])
    leaked = ":" in userinfo or any(
        k.lower() in SECRET_OPTIONS or "password" in v.lower() for k, v in options.items()
    )
    user = userinfo.split(":", 1)[0] or options.get("user", "")
    after = head.rpartition("@")[2]
    hosts, _, database = after.partition("/")
    if hosts.startswith("["):  # an IPv6 address: [::1]:5432
        host, _, port = hosts[1:].partition("]")
        port = port.removeprefix(":")
    else:
        host, _, port = hosts.rpartition(":") if hosts.count(":") == 1 else (hosts, "", "")
    host = unquote(host) or options.get("host", "")
    database = unquote(database) or options.get("dbname", "")
    port = port or options.get("port", "")
    # a message shows these parts decoded, so one that could hold a secret is refused and never
    # shown; libpq reads a database name holding "=" or "://" as a whole connection string
    parts = {"host": host, "port": port, "database": database, "user": user}
    hidden = [
        name
        for name, value in [*parts.items(), ("database", options.get("dbname", ""))]
        if _may_hold_secret(value) or (name == "user" and ":" in value)
    ]
    parts.update(dict.fromkeys(hidden, "..."))
    parsed = PgUrl(text=text, **parts)
    if leaked or hidden:
        what = (
            "it holds a password"
            if leaked
            else f"its {hidden[0]} could hold a password (it holds '=', '://' or 'password')"
        )
        raise WorkspaceError(
            f"Refused the connection URL {parsed.shown} ({where}): {what}, which would then sit "
            "in cxlab.toml, shell history or process lists; the message does not show it. Give "
            f"the host, port, database and user as the URL's own parts, without a password, and "
            f"{PASSWORD_HELP}. Nothing was read or written."
        )
    return parsed


def _may_hold_secret(value: str) -> bool:
    """Whether a decoded part of a URL could hold a password: the word itself, or a connection
    string of its own (``key=value ...`` or ``postgresql://...``)."""
    return any(mark in value.lower() for mark in ("password", "=", "://"))


def _scrub(text: str) -> str:
    """Driver text with any known secret removed (the password libpq was given)."""
    for name in ("PGPASSWORD",):
        secret = os.environ.get(name)
        if secret:
            text = text.replace(secret, "***")
    return text


_REASONS = (
    ("password authentication failed", "the password was not accepted"),
    ("no password supplied", "the server asks for a password and libpq found none"),
    ("does not exist", None),  # a database or a role: worded below
    ("no pg_hba.conf entry", "the server does not accept this user from this machine"),
    ("connection refused", "nothing accepts connections there (is the server running?)"),
    ("could not translate host name", "the host name is not known"),
    ("timeout expired", "the connection timed out"),
    ("timed out", "the connection timed out"),
    ("ssl", "the connection's SSL settings do not match the server's"),
    ("invalid", "a connection option in the URL is not valid"),
)


def _connect_error(url: PgUrl, exc: Exception, what: str) -> WorkspaceError:
    """The driver's failure, re-worded: host, port, database, user and a reason, no more."""
    raw = str(exc).lower()
    reason = "the server refused the connection"
    for needle, words in _REASONS:
        if needle in raw:
            if words is None:
                words = (
                    "the database does not exist"
                    if "database" in raw
                    else "the user does not exist"
                    if "role" in raw
                    else "something it names does not exist"
                )
            reason = words
            break
    help_ = (
        f"; {PASSWORD_HELP}" if "password" in reason else ""
    )  # the one cause the user fixes outside the URL
    return WorkspaceError(
        f"could not connect to PostgreSQL for {what} ({url.describe()}): {reason}{help_}. "
        "Nothing was read or written."
    )


def _query_error(exc: Exception) -> str:
    """PostgreSQL's own words for a failed query (its ERROR line, HINT and SQLSTATE)."""
    text = _scrub(str(exc))
    found = re.search(r"ERROR:\s+(.*)", text)
    words = found.group(1).strip() if found else text.splitlines()[0].strip()
    hint = re.search(r"HINT:\s+(.*)", text)
    if hint:
        words += f" (hint: {hint.group(1).strip()})"
    state = getattr(exc, "sqlstate", None)
    return f"{words} [SQLSTATE {state}]" if state else words


# -- the query --------------------------------------------------------------------------------

_IDENT = r'(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"\x00]|"")+")'
_TABLE_NAME = re.compile(rf"{_IDENT}(?:\.{_IDENT}){{0,2}}")
_TOKENS = re.compile(
    r"""
    (?<![A-Za-z0-9_$])[Ee]'(?:[^'\\]|\\.|'')*'    # an escape string: E'it\'s'
    | '(?:[^']|'')*'                            # a string
    | "(?:[^"]|"")*"                            # a quoted identifier
    | (?<![A-Za-z0-9_$])\$(?P<tag>(?:[A-Za-z_][A-Za-z0-9_]*)?)\$.*?\$(?P=tag)\$
                                                # a dollar-quoted string: $$...$$, $q$...$q$
    | --[^\n]*                                  # a comment
    | /\*.*?\*/                                 # a block comment
    | ::                                        # a cast
    | :(?P<name>[A-Za-z_][A-Za-z0-9_]*)         # a named parameter
    | ;                                         # the end of a statement
    """,
    re.VERBOSE | re.DOTALL,
)
_STARTS = ("select", "with", "values", "table", "(")


def quote_ident(name: str) -> str:
    """``name`` as a PostgreSQL identifier: in double quotes, inner quotes doubled."""
    if "\x00" in name or not name:
        raise SchemaError(f"{name!r} is not a column name PostgreSQL can hold.")
    return '"' + name.replace('"', '""') + '"'


def _statement(query: str | None, table: str, where: str) -> str:
    """The user's query as one statement to wrap: a table name becomes ``SELECT * FROM`` it."""
    text = (query or table).strip()
    if _TABLE_NAME.fullmatch(text):
        return f"SELECT * FROM {text}"
    body = text.rstrip().rstrip(";").rstrip()
    if any(m.group(0).startswith("/*") and "/*" in m.group(0)[2:] for m in _TOKENS.finditer(body)):
        raise SchemaError(  # PostgreSQL nests block comments; the tokens above do not
            f"Refused {where}: the query holds a nested block comment (/* ... /* ... */ ... */), "
            "which cxlab cannot tell apart from the SQL around it; remove it. Nothing was run, "
            "nothing was written."
        )
    stripped = _TOKENS.sub(lambda m: " " if m.group(0) != ";" else ";", body)
    if ";" in stripped:
        raise SchemaError(
            f"Refused {where}: the query holds more than one statement; give one SELECT (WITH "
            "... SELECT included) or a table name. Nothing was run, nothing was written."
        )
    first = re.sub(r"--[^\n]*|/\*.*?\*/", " ", body, flags=re.DOTALL).strip().lower()
    if not first.startswith(_STARTS):
        raise SchemaError(
            f"Refused {where}: the query is neither a table name nor a SELECT; cxlab reads, it "
            "never changes the database. Nothing was run, nothing was written."
        )
    return body


def _wrap(query: str) -> str:
    """The user's query as a subquery named ``src``, on lines of its own: a ``--`` comment at its
    end ends there, not at the closing parenthesis."""
    return f"(\n{query}\n) AS src"


def _bind_names(query: str, params, where: str) -> tuple[str, list]:
    """The query with ``:name`` parameters numbered ``$1, $2 ...`` and their values in order.

    A list (or tuple) of values binds ``$1, $2 ...`` as written; a dict binds ``:name``.
    Strings, quoted names, comments and ``::`` casts are left alone.
    """
    if params is None:
        return query, []
    if isinstance(params, (list, tuple)):
        return query, list(params)
    if not isinstance(params, dict):
        raise OptionError(
            f"{where}: params is a list (bound to $1, $2, ...) or a dict (bound to :name)."
        )
    order: list[str] = []

    def number(match: re.Match) -> str:
        name = match.group("name")
        if name is None:
            return match.group(0)
        if name not in params:
            raise SchemaError(
                f"Refused {where}: the query uses the parameter :{name}, which params does not "
                f"give (params: {', '.join(params) or 'none'}). Nothing was run, nothing was "
                "written."
            )
        if name not in order:
            order.append(name)
        return f"${order.index(name) + 1}"

    text = _TOKENS.sub(number, query)
    unused = [k for k in params if k not in order]
    if unused:
        raise SchemaError(
            f"Refused {where}: params gives {', '.join(unused)}, which the query does not use "
            f"(as :{unused[0]}). Nothing was run, nothing was written."
        )
    return text, [params[k] for k in order]


# -- the connection ---------------------------------------------------------------------------


class Reader:
    """One database connection in one read-only snapshot; counts what it fetched."""

    def __init__(self, url: PgUrl, what: str) -> None:
        import adbc_driver_postgresql.dbapi as pg

        self.url = url
        try:
            self.con = pg.connect(url.text, autocommit=True)
        except Exception as exc:  # the driver's errors carry its own words: re-worded
            raise _connect_error(url, exc, what) from None
        self.cursor = self.con.cursor()
        self.fetched: list[tuple[str, int]] = []
        """Each query's first words and the rows it returned, in order."""
        try:
            self.cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            self.cursor.execute("SET LOCAL TIME ZONE 'UTC'")
        except Exception as exc:
            self.close()
            raise WorkspaceError(
                f"PostgreSQL ({url.describe()}) did not open a read-only transaction: "
                f"{_query_error(exc)}. Nothing was read or written."
            ) from None

    def fetch(self, sql: str, params: list, where: str) -> pl.DataFrame:
        """Run one query with its parameters bound; its rows as polars (via Arrow)."""
        # the driver binds an aware datetime's wall time, dropping a zone other than UTC's:
        # every aware datetime goes as UTC
        params = [
            v.astimezone(dt.UTC) if isinstance(v, dt.datetime) and v.tzinfo is not None else v
            for v in params
        ]
        try:
            self.cursor.execute(sql, parameters=params or None)
            table = self.cursor.fetch_arrow_table()
        except Exception as exc:
            raise SchemaError(
                f"Refused {where}: the query failed in PostgreSQL: {_query_error(exc)}. Check "
                "the query, its columns and its parameters (types included). Nothing was written."
            ) from None
        self.fetched.append((sql.split(" WHERE ")[-1][:60], table.num_rows))
        return _to_polars(table, where)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a broken connection has nothing to roll back
            self.cursor.execute("ROLLBACK")
        for thing in (self.cursor, self.con):
            with contextlib.suppress(Exception):
                thing.close()


def _to_polars(table, where: str) -> pl.DataFrame:
    """An Arrow table as polars; PostgreSQL types Arrow has no type for (``numeric``, ``uuid``
    ...) arrive as their text, which validation reads as it reads a CSV's."""
    import pyarrow as pa

    columns = []
    for column in table.columns:
        if isinstance(column.type, pa.ExtensionType):
            column = pa.chunked_array([c.storage for c in column.chunks], column.type.storage_type)
        columns.append(column)
    table = pa.Table.from_arrays(columns, names=table.column_names)
    try:
        return pl.from_arrow(table, rechunk=False)
    except Exception as exc:
        raise SchemaError(
            f"Refused {where}: a column of the query has a type cxlab cannot read ({exc}); "
            "cast it to text or a number in the query. Nothing was written."
        ) from None


# -- sources ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SqlSource:
    """One canonical table to read from a database."""

    table: str
    url: PgUrl
    query: str | None = None
    params: tuple | list | dict | None = None
    mapping: Mapping | None = None

    @property
    def name(self) -> str:
        """How messages name the source: ``postgresql://user@host:5432/db (contacts)``."""
        return f"{self.url.shown} ({self.table})"


def source(
    url: str,
    table: str,
    *,
    query: str | None = None,
    params: tuple | list | dict | None = None,
    mapping: str | os.PathLike | dict | Mapping | None = None,
    where: str = "the command line",
    root: Path | None = None,
) -> SqlSource:
    """A checked :class:`SqlSource` (the URL without a password, the mapping read)."""
    spec_for(table)
    checked = check_url(url, where=where)
    if isinstance(mapping, dict):
        mapping = _inline_mapping(mapping, table, where)
    elif mapping is not None and not isinstance(mapping, Mapping):
        path = Path(mapping)
        if root is not None and not path.is_absolute():
            path = root / path
        mapping = load_mapping(path, table)
    return SqlSource(table, checked, query, params, mapping)


def _inline_mapping(keys: dict, table: str, where: str) -> Mapping:
    """A mapping given inline (the YAML file's keys in cxlab.toml), read by the same reader."""
    import yaml

    keys = {"table": table, **keys}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{where} map"
        path.write_text(yaml.safe_dump(keys, allow_unicode=True), encoding="utf-8")
        return load_mapping(path, table)


def sources_from_config(
    tables: str | list[str] = "all", workspace: Settings | None = None
) -> list[SqlSource]:
    """The sources ``cxlab.toml`` names under ``[sources]``: ``"all"``, or the tables asked."""
    ws = workspace or settings()
    entries = read_sources(ws)
    toml = ws.workspace / "cxlab.toml"
    for name in entries:
        if name not in TABLES:
            raise WorkspaceError(
                f"{toml} [sources.{name}]: {name!r} is not a canonical table; use "
                f"{', '.join(TABLES)}."
            )
    asked = list(entries) if tables == "all" else [tables] if isinstance(tables, str) else tables
    missing = [t for t in asked if t not in entries]
    if missing:
        raise OptionError(
            f"source={', '.join(missing)!s} is not under [sources] in {toml}; it names "
            f"{', '.join(entries)} (or give all)."
        )
    out = []
    for name in asked:
        entry = entries[name]
        out.append(
            source(
                entry.url,
                name,
                query=entry.query,
                params=entry.params,
                mapping=entry.map,
                where=entry.url_from if entry.url_from.startswith("$") else f"{toml} [sources]",
                root=ws.workspace,
            )
        )
    return out


def dependency_order(tables: list[str]) -> list[str]:
    """``tables`` with each one after the tables its ids refer to (customers before contacts)."""
    done: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in done or name in path:
            return
        for _, other in TABLES[name].references:
            if other in tables:
                visit(other, (*path, name))
        done.append(name)

    for name in tables:
        visit(name, ())
    return done


# -- the load ---------------------------------------------------------------------------------


def parse_since(value: str | dt.date | None, tz: str) -> dt.datetime | None:
    """The local month start from which to read: ``"2026-03"``, ``"2026-03-15"`` (its month)
    or a date. Months are read and replaced whole."""
    if value is None:
        return None
    day = value
    if isinstance(value, str):
        text = value.strip()
        try:
            day = (
                dt.date.fromisoformat(f"{text}-01")
                if re.fullmatch(r"\d{4}-\d{2}", text)
                else dt.date.fromisoformat(text)
            )
        except ValueError:
            raise OptionError(
                f"since={value!r} is not a month or a date; give 'YYYY-MM' or 'YYYY-MM-DD'."
            ) from None
    if isinstance(day, dt.datetime):
        day = day.date()
    if not isinstance(day, dt.date):
        raise OptionError(
            f"since={value!r} is not a month or a date; give 'YYYY-MM' or 'YYYY-MM-DD'."
        )
    return dt.datetime(day.year, day.month, 1, tzinfo=ZoneInfo(tz))


@dataclass
class _Staged:
    """What a table's load put in its staging folder."""

    source: SqlSource
    staging: Path
    target: Path
    rows: int = 0
    """Rows read from the source."""
    table_rows: int = 0
    """Rows of the table staged (those read and the stored ones kept)."""
    dropped: list[str] = field(default_factory=list)
    chunks: list[dict] = field(default_factory=list)
    plan: MonthsPlan | None = None
    keys: pl.DataFrame | None = None
    mode: str = "replace"
    nothing: str | None = None
    """Why nothing was read and the stored table stays as it is (a ``since`` without rows)."""

    def summary(self) -> dict:
        return {
            "table": self.source.table,
            "source": self.source.name,
            "rows": self.rows,
            "table_rows": self.table_rows,
            "encoding": "postgresql",
            "written_to": str(self.target),
            "dropped": self.dropped,
            "mode": self.mode,
            "chunks": self.chunks,
            **(
                {"months": self.plan.to_dict(), "plan": self.nothing or self.plan.describe()}
                if self.plan is not None
                else {}
            ),
        }


def ingest_sql(
    sources: list[SqlSource],
    *,
    workspace: str | os.PathLike | Settings | None = None,
    since: str | dt.date | None = None,
    mode: WriteMode | None = None,
    allow_partial_months: bool = False,
    allow_unknown_customers: bool = False,
    dry_run: bool = False,
) -> list[dict]:
    """Read, validate and store tables from PostgreSQL; all of them or none.

    The tables are read in the order their ids refer to each other (customers before
    contacts), each validated as a file is, and staged; they replace the stored tables only when
    every one validated (``dry_run``: never). ``mode`` is ``"replace"`` (the whole table) or
    ``"months"`` (only the local months the source holds; the default for a table with a
    timestamp that is already stored); ``since`` reads only the months from then on (and implies
    ``"months"``): each local month from then on that the source holds rows of is replaced, and
    a stored month the source holds no row of is kept; when the source holds no row from then on,
    the table is left as it is and its summary's plan says so. A table without a timestamp is
    always read whole. Returns one summary per table, in the order read.
    """
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    timed = [s.table for s in sources if spec_for(s.table).time_column is not None]
    if since is not None and not timed:
        raise OptionError(
            f"since={since!r} reads the months of a table with a timestamp; "
            f"{', '.join(s.table for s in sources)} has none, so it is read whole: leave since "
            "out. Nothing was written."
        )
    for src in sources:
        if since is not None and mode == "replace":
            raise OptionError(
                f"since={since!r} replaces the months from then on and keeps the others; with "
                "mode 'replace' the older months would be deleted. Leave mode out (or give "
                "'months'). Nothing was written."
            )
        if mode is not None and (len(sources) == 1 or src.table in timed):
            check_mode(src.table, mode)  # tables without a timestamp are read whole
    start = parse_since(since, ws.time_zone)
    ordered = sorted(
        sources, key=lambda s: dependency_order([x.table for x in sources]).index(s.table)
    )
    readers: dict[str, Reader] = {}
    staged: list[_Staged] = []
    with masking_in(ws), store_lock(ws.processed_dir):
        recover(ws.processed_dir)
        try:
            for src in ordered:
                reader = readers.get(src.url.text)
                if reader is None:
                    reader = readers[src.url.text] = Reader(src.url, src.name)
                target = table_dir(src.table, ws)
                stored = any(target.glob("**/*.parquet"))
                spec = spec_for(src.table)
                chosen = (
                    "replace"  # a table without a timestamp is read whole, since or not
                    if spec.time_column is None
                    else mode or ("months" if stored or start is not None else "replace")
                )
                job = _Staged(src, new_staging(ws.processed_dir, src.table), target, mode=chosen)
                staged.append(job)
                known = _known_keys(staged, ws)
                if spec.time_column is None:
                    _load_whole(job, reader, known, allow_unknown_customers)
                else:
                    _load_months(
                        job,
                        reader,
                        ws,
                        known,
                        start if spec.time_column else None,
                        allow_partial_months=allow_partial_months,
                        allow_unknown_customers=allow_unknown_customers,
                        stored=stored,
                    )
            if not dry_run:
                for job in staged:
                    if job.nothing is None:
                        swap_in(job.staging, job.target)
        finally:
            for reader in readers.values():
                reader.close()
            for job in staged:
                shutil.rmtree(job.staging, ignore_errors=True)
            root = ws.processed_dir / STAGING
            if root.exists() and not any(root.iterdir()):
                root.rmdir()
    return [job.summary() for job in staged]


def _known_keys(staged: list[_Staged], ws: Settings) -> dict[str, pl.Series | None]:
    """For each table referred to, its keys: read in this load, else stored, else ``None``."""
    out: dict[str, pl.Series | None] = {}
    for job in staged[:-1]:
        if job.keys is not None and len(TABLES[job.source.table].key) == 1:
            out[job.source.table] = job.keys.to_series(0)
    for _, other in TABLES[staged[-1].source.table].references:
        if other in out:
            continue
        files = sorted(table_dir(other, ws).glob("**/*.parquet"))
        key = TABLES[other].key[0]
        out[other] = (
            pl.scan_parquet(files, hive_partitioning=False).select(key).collect().to_series()
            if files
            else None
        )
    return out


def _check(
    frame: pl.DataFrame,
    job: _Staged,
    where: str,
    known: dict[str, pl.Series | None],
    allow_unknown_customers: bool,
) -> pl.DataFrame:
    """A chunk through the file ingest's door: the mapping, the table's rules, the clock, the
    ids of the tables it refers to."""
    src = job.source
    if src.mapping is not None:
        frame, mapping = _as_text(frame, src.mapping)
        try:
            frame = apply_mapping(frame, mapping, source=where)
        except SchemaError as exc:  # it names rows by number: name them by key as well
            raise SchemaError(_rows_by_key(str(exc), frame, src)) from None
    for name in extra_columns(frame, src.table):
        if name not in job.dropped:
            job.dropped.append(name)
    now = dt.datetime.now(dt.UTC)
    typed = validate(frame, src.table, source=where, not_after=now + FUTURE_TOLERANCE)
    for column, other in spec_for(src.table).references:
        ids = known.get(other)
        if allow_unknown_customers or ids is None:
            continue
        bad = typed[column].is_not_null() & ~typed[column].is_in(ids.implode())
        if bad.any():
            raise refusal(
                typed,
                src.table,
                source=where,
                column=column,
                rule=(
                    f"is a {column} of the {other} table in the store ({ids.len():,} of them); "
                    f"ingest the newer {other} export first, or pass --allow-unknown-customers "
                    "(allow_unknown_customers=True) to store these rows anyway"
                ),
                bad=bad,
            )
    return typed


def _rows_by_key(message: str, frame: pl.DataFrame, src: SqlSource) -> str:
    """A mapping's refusal with the key of each row it names ("(row 17)"): the number counts
    the rows of a month (or a query) as read, which no one can look up in the database."""
    spec = spec_for(src.table)
    keys = [(k, _source_column(src, k)) for k in spec.key]
    keys = [(k, c) for k, c in keys if c is not None and c in frame.columns]
    named = list(dict.fromkeys(int(n) for n in re.findall(r"\(row (\d+)\)", message)))
    named = [n for n in named if 1 <= n <= frame.height]
    if not keys or not named:
        return message
    lines = []
    for number in named[:MAX_ROWS_SHOWN]:
        row = frame.row(number - 1, named=True)
        values = []
        for key, column in keys:
            value = None if row[column] is None else str(row[column])
            if key in spec.masked or key == "customer_id":
                value = mask_id(value)
            values.append(f"{key}={value!r}")
        lines.append(f"  row {number}: {', '.join(values)}")
    head = message.removesuffix("Nothing was written.").rstrip()
    return "\n".join(
        [
            head,
            "The rows named, by key:",
            *lines,
            "Nothing was written.",
        ]
    )


def _as_text(frame: pl.DataFrame, mapping: Mapping) -> tuple[pl.DataFrame, Mapping]:
    """Typed timestamps of a query as text the mapping reads exactly (with their offset when
    they have one), so that a mapping written for CSV exports reads a database as well."""
    rules = dict(mapping.columns)
    texts = []
    for rule in mapping.columns.values():
        dtype = frame.schema.get(rule.column)
        if not isinstance(dtype, pl.Datetime) or TABLES[mapping.table].columns[rule.target] != UTC:
            continue
        fmt = "%Y-%m-%dT%H:%M:%S%.f" + ("%z" if dtype.time_zone is not None else "")
        texts.append(pl.col(rule.column).dt.strftime(fmt))
        rules[rule.target] = replace(rule, format=fmt)
    if not texts:
        return frame, mapping
    return frame.with_columns(texts), replace(mapping, columns=rules)


def _source_column(src: SqlSource, canonical: str) -> str | None:
    """The query's column that becomes ``canonical`` (itself without a mapping)."""
    if src.mapping is None:
        return canonical
    rule = src.mapping.columns.get(canonical)
    return rule.column if rule is not None else None


def _refuse_missing(frame: pl.DataFrame, src: SqlSource, where: str) -> None:
    """Refuse a query without a column the table (or its mapping) needs, as a file is refused,
    before any row is read."""
    if src.mapping is not None:
        apply_mapping(frame.clear(), src.mapping, source=where)  # raises on a missing header
    elif any(c not in frame.columns for c in spec_for(src.table).required):
        validate(frame.clear(), src.table, source=where)  # raises the missing columns' message


def _refuse_empty(frame: pl.DataFrame, job: _Staged, where: str, since: dt.datetime | None):
    """A query without rows, or without a column the table needs, refused as a file would be
    (its missing columns first); nothing is written."""
    src = job.source
    _refuse_missing(frame, src, where)
    after = f" from {since:%Y-%m} on ({since.tzinfo})" if since is not None else ""
    raise SchemaError(
        f"Refused {where} (table {src.table}): the query returned no rows{after}. "
        "Nothing was written."
    )


def _nothing_since(job: _Staged, start: dt.datetime, stored: bool, tz: str) -> None:
    """A ``since`` load whose source holds no row from that month on: nothing is read, and the
    stored table stays as it is."""
    files = sorted(job.target.glob("month=*/*.parquet")) if stored else []
    job.table_rows = (
        int(pl.scan_parquet(files, hive_partitioning=False).select(pl.len()).collect().item())
        if files
        else 0
    )
    job.plan = MonthsPlan((), job.table_rows, tz)
    job.nothing = f"no rows since {start:%Y-%m}: nothing replaced"


def _load_whole(
    job: _Staged,
    reader: Reader,
    known: dict[str, pl.Series | None],
    allow_unknown_customers: bool,
) -> None:
    """A table without a timestamp: one query, validated whole (its keys are unique across it)."""
    src = job.source
    statement = _statement(src.query, src.table, src.name)
    query, values = _bind_names(statement, src.params, src.name)
    frame = reader.fetch(f"SELECT * FROM {_wrap(query)}", values, src.name)
    job.chunks.append({"month": None, "rows": frame.height})
    if frame.height == 0:
        _refuse_empty(frame, job, src.name, None)
    typed = _check(frame, job, src.name, known, allow_unknown_customers)
    job.keys = typed.select(spec_for(src.table).key)
    typed.write_parquet(job.staging / "part-0.parquet")
    job.rows = job.table_rows = _write_meta(job.staging, src.table, src.name, [])


def _month_end(month: str) -> dt.datetime:
    year, number = map(int, month.split("-"))
    return _next_month(dt.datetime(year, number, 1, tzinfo=dt.UTC))


def _inside(column: str, ranges: list[tuple[dt.datetime, dt.datetime]]) -> pl.Expr:
    return pl.any_horizontal(
        [pl.col(column).is_between(lo, hi, closed="left") for lo, hi in ranges]
    )


def _local_month(column: str, tz: str) -> pl.Expr:
    return pl.col(column).dt.convert_time_zone(tz).dt.strftime("%Y-%m")


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


class _MonthWriter:
    """Writes validated rows as the store's UTC month partitions into a staging folder, each
    partition once it is complete, merged with the stored rows ``mode="months"`` keeps."""

    def __init__(self, staging: Path, table: str, stored: Path | None) -> None:
        self.staging, self.spec, self.stored = staging, spec_for(table), stored
        self.pending: dict[str, list[pl.DataFrame]] = {}
        self.replaced: list[tuple[dt.datetime, dt.datetime]] = []
        self.written: list[str] = []

    def add(self, typed: pl.DataFrame) -> None:
        keyed = typed.with_columns(pl.col(self.spec.time_column).dt.strftime("%Y-%m").alias("_m"))
        for (month,), part in keyed.group_by(["_m"]):
            self.pending.setdefault(str(month), []).append(part.drop("_m"))

    def flush(self, before: dt.datetime | None) -> None:
        """Write the pending partitions that end by ``before`` (all of them for ``None``)."""
        for month in sorted(self.pending):
            if before is None or _month_end(month) <= before:
                self._write(month, self.pending.pop(month))

    def finish(self) -> list[str]:
        """Write what is pending, then the stored partitions kept (copied when untouched)."""
        self.flush(None)
        if self.stored is not None and self.stored.is_dir():
            for old in sorted(self.stored.glob("month=*")):
                month = old.name.removeprefix("month=")
                if month in self.written:
                    continue
                start = dt.datetime.fromisoformat(f"{month}-01T00:00:00+00:00")
                end = _month_end(month)
                if any(lo < end and hi > start for lo, hi in self.replaced):
                    self._write(month, [])
                else:  # stored parquet files are never changed in place: a link is a copy
                    shutil.copytree(old, self.staging / old.name, copy_function=_link_or_copy)
                    self.written.append(month)
        return sorted(self.written)

    def _write(self, month: str, parts: list[pl.DataFrame]) -> None:
        column = self.spec.time_column
        old = self.stored / f"month={month}" if self.stored is not None else None
        if old is not None and old.is_dir():
            kept = pl.read_parquet(old / "*.parquet", hive_partitioning=False)
            if self.replaced:
                kept = kept.filter(~_inside(column, self.replaced))
            parts = [*parts, kept.select([c for c in self.spec.columns if c in kept.columns])]
        parts = [p for p in parts if p.height]
        if not parts:
            return
        frame = pl.concat(parts, how="diagonal_relaxed").sort(column, maintain_order=True)
        folder = self.staging / f"month={month}"
        folder.mkdir()
        frame.write_parquet(folder / "part-0.parquet")
        self.written.append(month)


def _load_months(
    job: _Staged,
    reader: Reader,
    ws: Settings,
    known: dict[str, pl.Series | None],
    start: dt.datetime | None,
    *,
    allow_partial_months: bool,
    allow_unknown_customers: bool,
    stored: bool,
) -> None:
    """A table with a timestamp, read and staged one local month at a time."""
    src, spec, tz = job.source, spec_for(job.source.table), ws.time_zone
    ts = _source_column(src, spec.time_column) or spec.time_column
    statement = _statement(src.query, src.table, src.name)
    query, values = _bind_names(statement, src.params, src.name)
    k = len(values)
    probe = reader.fetch(f"SELECT * FROM {_wrap(query)} LIMIT 0", values, src.name)
    _refuse_missing(probe, src, src.name)
    dtype = probe.schema[ts]
    if not isinstance(dtype, pl.Datetime):
        raise SchemaError(
            f"Refused {src.name} (table {src.table}): column {ts!r} is {dtype} in the query; a "
            "table is read one month at a time by its timestamp, so it must be a timestamp "
            "(timestamptz, or timestamp with the mapping's time_zone). Convert it in the query "
            f"(... AS {quote_ident(ts)}). Nothing was written."
        )
    # a naive column holds local times of the mapping's zone (UTC without a mapping: validation
    # then refuses it, as it refuses a file's naive timestamps)
    zone = None if dtype.time_zone else (src.mapping and src.mapping.time_zone) or "UTC"

    def bind(moment: dt.datetime) -> dt.datetime:
        return (
            moment.astimezone(dt.UTC)
            if zone is None
            else moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        )

    def aware(moment: dt.datetime) -> dt.datetime:
        return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone or "UTC"))

    qts = quote_ident(ts)
    since_sql = f" WHERE {qts} >= ${k + 1} OR {qts} IS NULL" if start is not None else ""
    span = reader.fetch(
        f"SELECT min({qts}) AS lo, max({qts}) AS hi, count({qts}) AS n, "
        f"count(*) - count({qts}) AS blank FROM {_wrap(query)}{since_sql}",
        values + ([bind(start)] if start is not None else []),
        src.name,
    )
    lo, hi, n, blank = span.row(0)
    if blank:
        rows = reader.fetch(f"SELECT * FROM {_wrap(query)} WHERE {qts} IS NULL", values, src.name)
        _check(rows, job, f"{src.name}, rows without {ts}", known, allow_unknown_customers)
    if not n and start is not None:  # a nightly --since this month, run on the 1st
        _nothing_since(job, start, stored, tz)
        return
    if not n:
        _refuse_empty(probe, job, src.name, start)

    zone_info = ZoneInfo(tz)
    first = aware(lo).astimezone(zone_info)
    if start is not None and start > first:
        first = start
    month = first.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last = aware(hi)
    target = job.target
    merge = job.mode == "months" and stored
    writer = _MonthWriter(job.staging, src.table, target if merge else None)
    stored_rows: dict[str, int] = {}
    stored_total = 0
    if merge:
        files = sorted(target.glob("month=*/*.parquet"))
        scan = pl.scan_parquet(files, hive_partitioning=False)
        counts = scan.group_by(_local_month(spec.time_column, tz).alias("m")).len().collect()
        stored_rows = dict(zip(counts["m"], counts["len"], strict=True))
        stored_total = int(counts["len"].sum())
    keys = list(spec.key)
    order = ", ".join(
        quote_ident(c) for c in dict.fromkeys([ts, *(_source_column(src, k) for k in keys)]) if c
    )
    chunk_sql = (
        f"SELECT * FROM {_wrap(query)} WHERE {qts} >= ${k + 1} AND {qts} < ${k + 2} "
        f"ORDER BY {order}"
    )
    seen: pl.DataFrame | None = None
    changes: list[MonthChange] = []
    while month <= last:
        label, after = month.strftime("%Y-%m"), _next_month(month)
        where = f"{src.name}, month {label}"
        frame = reader.fetch(chunk_sql, [*values, bind(month), bind(after)], where)
        job.chunks.append({"month": label, "rows": frame.height})
        if not frame.height:  # a gap: go straight to the next month that has rows
            following = reader.fetch(
                f"SELECT min({qts}) AS next FROM {_wrap(query)} WHERE {qts} >= ${k + 1}",
                [*values, bind(after)],
                where,
            ).item()
            if following is None:
                break
            month = aware(following).astimezone(zone_info)
            month = month.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            continue
        if frame.height:
            typed = _check(frame, job, where, known, allow_unknown_customers)
            _refuse_repeats(typed, seen, src.table, where)
            before = stored_rows.get(label, 0)
            if before and typed.height < PARTIAL_SHARE * before and not allow_partial_months:
                raise SchemaError(
                    f"Refused {src.name} (table {src.table}, mode months): the source holds only "
                    f"a small part of a month already in the store ({label}: {typed.height:,} "
                    f"row(s) in the source, {before:,} stored, {before - typed.height:,} would be "
                    f"deleted; local months, {tz}). Mode months replaces every stored row of each "
                    f"month the source holds, so a month is replaced only when the source holds "
                    f"at least {PARTIAL_SHARE:.0%} of its stored rows. Check the query (a filter, "
                    "old rows purged from the database), or pass --allow-partial-months "
                    "(allow_partial_months=True) to replace the month anyway. Nothing was written."
                )
            changes.append(MonthChange(label, typed.height, before))
            writer.replaced.append((month.astimezone(dt.UTC), after.astimezone(dt.UTC)))
            writer.add(typed)
            part = typed.select(keys).with_columns(pl.lit(label).alias("_month"))
            seen = part if seen is None else pl.concat([seen, part], rechunk=False)
        writer.flush(after.astimezone(dt.UTC))
        month = after
    if merge and seen is not None:
        _refuse_stored_elsewhere(seen, target, writer.replaced, src, tz)
    months = writer.finish()
    job.keys = None if seen is None else seen.select(keys)
    job.table_rows = _write_meta(job.staging, src.table, src.name, months)
    job.rows = sum(c.file_rows for c in changes)
    if job.mode == "months":
        replaced = sum(c.stored_rows for c in changes)
        job.plan = MonthsPlan(tuple(changes), stored_total - replaced, tz)


def _refuse_repeats(typed: pl.DataFrame, seen: pl.DataFrame | None, table: str, where: str) -> None:
    """Refuse a chunk's keys already read in an earlier month of the same source."""
    if seen is None:
        return
    keys = list(spec_for(table).key)
    hits = typed.select(keys).with_row_index("_i").join(seen, on=keys, how="inner")
    if not hits.height:
        return
    months = ", ".join(sorted(set(hits["_month"])))
    together = keys[0] if len(keys) == 1 else f"({', '.join(keys)})"
    rule = f"is unique (duplicate values found: the same value(s) read in {months} of this source)"
    raise refusal(
        typed,
        table,
        source=where,
        column=keys[0] if len(keys) == 1 else None,
        rule=rule if len(keys) == 1 else f"{together} {rule}",
        bad=pl.Series(range(typed.height)).is_in(hits["_i"].implode()),
    )


def _refuse_stored_elsewhere(
    seen: pl.DataFrame,
    target: Path,
    replaced: list[tuple[dt.datetime, dt.datetime]],
    src: SqlSource,
    tz: str,
) -> None:
    """Refuse keys read from the source that the store holds in a month this load keeps."""
    spec = spec_for(src.table)
    keys, column = list(spec.key), spec.time_column
    files = sorted(target.glob("month=*/*.parquet"))
    clash = (
        pl.scan_parquet(files, hive_partitioning=False)
        .select([*keys, column])
        .filter(~_inside(column, replaced))
        .join(seen.lazy(), on=keys, how="inner")
        .with_columns(_local_month(column, tz).alias("_stored"))
        .collect()
    )
    if not clash.height:
        return
    together = keys[0] if len(keys) == 1 else f"({', '.join(keys)})"
    shown = []
    for row in clash.head(5).iter_rows(named=True):
        values = ", ".join(
            f"{k}={mask_id(str(row[k])) if k in spec.masked else row[k]!r}" for k in keys
        )
        shown.append(f"  {values}: read in {row['_month']}, stored in {row['_stored']}")
    lines = [
        f"Refused {src.name} (table {src.table}, mode months): {together} is unique across the "
        f"store, and {clash.height:,} value(s) read are already stored in "
        f"{', '.join(sorted(set(clash['_stored'])))} ({tz}), which this load does not replace; "
        f"first {len(shown)} shown:",
        *shown,
        "Read from an earlier month (--since), or replace the whole table (--mode replace). "
        "Nothing was written.",
    ]
    raise SchemaError("\n".join(lines))
