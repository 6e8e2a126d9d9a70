"""PostgreSQL as a source: every table read back equal, month chunks, incremental loads,
refusals worded as for files, and no password anywhere.

The tiny synthetic workspace's tables are loaded into a real server (``pg_server`` in
``conftest.py``) under the schema ``crm``; the customers table under other column names and
codes, read back through an inline mapping.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import cxlab as cx
from cxlab._config import settings
from cxlab._errors import WorkspaceError
from cxlab.data import _postgres

pytestmark = pytest.mark.postgres

CUSTOMER_COLUMNS = {
    "customer_id": "Cust No",  # a space and capitals: quoted as an identifier
    "segment": "seg",
    "value_tier": "tier",
    "region": "area",
    "contract": "contract_kind",
    "monthly_value": "mrr",
    "signup_date": "signed_up",
    "churn_date": "churned_on",
    "downgrade_date": "downgraded_on",
}
WHOLE = ("experiments", "assignments", "events", "agents", "qa_scores", "queues", "targets")
SURVEY_COLUMNS = {"survey_id": "survey_no", "responded_at": "Responded At"}


def _arrow(frame: pl.DataFrame):
    import pyarrow as pa

    table = frame.to_arrow()
    fields = [
        pa.field(f.name, pa.string())
        if pa.types.is_large_string(f.type) or pa.types.is_string_view(f.type)
        else f
        for f in table.schema
    ]
    return table.cast(pa.schema(fields))


def _put(con, name: str, frame: pl.DataFrame) -> None:
    cur = con.cursor()
    cur.execute(f"DROP TABLE IF EXISTS crm.{name}")
    cur.adbc_ingest(name, _arrow(frame), mode="create", db_schema_name="crm")
    cur.close()


@pytest.fixture(scope="module")
def pg(pg_server, tiny_workspace):
    """The server with the tiny workspace's tables in ``crm`` and PGPASSWORD set."""
    import adbc_driver_postgresql.dbapi as driver

    with pytest.MonkeyPatch.context() as mp:  # the password only while connecting
        mp.setenv("PGPASSWORD", pg_server.password)
        con = driver.connect(pg_server.url(), autocommit=True)
        cur = con.cursor()
        cur.execute("DROP DATABASE IF EXISTS service")
        cur.execute("CREATE DATABASE service")
        con.close()
        con = driver.connect(pg_server.url("service"), autocommit=True)
    con.cursor().execute("CREATE SCHEMA crm")
    con.cursor().execute("CREATE SEQUENCE crm.seq")
    ws = settings(tiny_workspace)
    for table in cx.data.TABLES:
        if not cx.data.has_table(table, ws):
            continue
        frame = cx.data.load(table, workspace=ws).collect()
        if table == "customers":
            frame = frame.with_columns(pl.col("segment").str.slice(0, 1).str.to_uppercase())
            frame = frame.rename(CUSTOMER_COLUMNS)
        if table == "surveys":
            frame = frame.rename(SURVEY_COLUMNS)
        _put(con, table, frame)
    yield con, pg_server
    con.close()


def _toml(folder: Path, tiny: Path, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    customers_map = ", ".join(
        'segment = { column = "seg", values = { E = "enterprise", I = "individual" } }'
        if k == "segment"
        else f'{k} = "{v}"'
        for k, v in CUSTOMER_COLUMNS.items()
    )
    surveys = ", ".join(
        f'{c} = "{SURVEY_COLUMNS.get(c, c)}"' for c in cx.data.TABLES["surveys"].columns
    )
    text = (tiny / "cxlab.toml").read_text() + (
        "\n[sources]\n"
        'url_env = "CXLAB_TEST_PG"\n'
        "[sources.contacts]\n"
        'query = "SELECT * FROM crm.contacts WHERE channel = ANY(:channels::text[]) OR :everything"\n'
        'params = { channels = "{phone}", everything = true }\n'
        "[sources.customers]\n"
        'query = "crm.customers"\n'
        "[sources.customers.map]\n"
        'time_zone = "UTC"\n'
        f"columns = {{ {customers_map} }}\n"
        "[sources.surveys]\n"
        'query = "crm.surveys"\n'
        f'map = {{ time_zone = "UTC", columns = {{ {surveys} }} }}\n'
        + "".join(f'[sources.{t}]\nquery = "crm.{t}"\n' for t in WHOLE)
        + extra
    )
    (folder / "cxlab.toml").write_text(text)
    return folder


@pytest.fixture(scope="module")
def loaded(pg, tiny_workspace, tmp_path_factory):
    """Every table of ``[sources]`` read into a new workspace, with each query recorded."""
    server = pg[1]
    folder = _toml(tmp_path_factory.mktemp("pgws") / "ws", tiny_workspace)
    seen: list[tuple[str, list]] = []
    fetch = _postgres.Reader.fetch

    def spy(self, sql, params, where):
        frame = fetch(self, sql, params, where)
        seen.append((sql, list(params), frame.height))
        return frame

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PGPASSWORD", server.password)
        mp.setenv("CXLAB_TEST_PG", server.url("service"))
        mp.setattr(_postgres.Reader, "fetch", spy)
        results = cx.data.ingest_sources("all", workspace=folder)
    return folder, results, seen


def test_every_table_read_from_sql_equals_the_store(loaded, tiny_workspace) -> None:
    folder, results, _ = loaded
    tables = [r["table"] for r in results]
    assert tables.index("customers") < tables.index("contacts")  # ids refer to customers
    assert tables.index("customers") < tables.index("surveys")
    assert sorted(tables) == sorted(t for t in cx.data.TABLES if t != "intervals")
    for table in tables:
        keys = list(cx.data.TABLES[table].key)
        expected = cx.data.load(table, workspace=tiny_workspace).collect().sort(keys)
        got = cx.data.load(table, workspace=folder).collect().sort(keys)
        assert got.height > 0
        assert_frame_equal(got, expected)
    stored = sorted(p.name for p in (folder / "data/processed/contacts").glob("month=*"))
    original = sorted(p.name for p in (tiny_workspace / "data/processed/contacts").glob("month=*"))
    assert stored == original
    assert cx.data.table_info("contacts", settings(folder))["source"].startswith(
        "postgresql://cxlab@127.0.0.1:"
    )


def test_time_stamped_tables_are_read_one_month_at_a_time(loaded) -> None:
    _, results, seen = loaded
    contacts = next(r for r in results if r["table"] == "contacts")
    months = [c["month"] for c in contacts["chunks"]]
    assert len(months) >= 3 and months == sorted(months)
    assert sum(c["rows"] for c in contacts["chunks"]) == contacts["rows"] == 13_726
    assert max(c["rows"] for c in contacts["chunks"]) < contacts["rows"] / 2
    chunks = [(sql, params, n) for sql, params, n in seen if '"arrived_at" >= $3' in sql]
    assert [n for *_, n in chunks] == [c["rows"] for c in contacts["chunks"]]
    zone = dt.timezone(dt.timedelta(hours=8))
    for (sql, params, _), month in zip(chunks, months, strict=True):
        assert params[:2] == ["{phone}", True]  # the user's parameters, bound
        lo, hi = params[2:]  # the month's bounds, bound: never in the SQL text
        assert lo.astimezone(zone).strftime("%Y-%m-%d %H:%M") == f"{month}-01 00:00"
        assert hi.astimezone(zone).day == 1 and hi > lo
        assert month not in sql and "2026" not in sql
        assert sql.startswith(
            "SELECT * FROM (\nSELECT * FROM crm.contacts WHERE channel = ANY($1::text[])"
        )


def test_since_reads_and_replaces_only_the_later_months(pg, loaded, tmp_path) -> None:
    con, server = pg
    folder = tmp_path / "ws"
    shutil.copytree(loaded[0], folder)
    stored = cx.data.load("contacts", workspace=folder).collect()
    zone = "Asia/Shanghai"
    local = stored.with_columns(
        m=pl.col("arrived_at").dt.convert_time_zone(zone).dt.strftime("%Y-%m")
    )
    months = sorted(set(local["m"]))
    old_id = local.filter(pl.col("m") == months[0])["contact_id"][0]
    new_id = local.filter(pl.col("m") == months[-1])["contact_id"][0]
    cur = con.cursor()
    cur.execute("DROP TABLE IF EXISTS crm.contacts_inc")
    cur.execute("CREATE TABLE crm.contacts_inc AS SELECT * FROM crm.contacts")
    cur.execute(
        "UPDATE crm.contacts_inc SET queue = 'changed' WHERE contact_id = ANY($1::text[])",
        parameters=(f"{{{old_id},{new_id}}}",),
    )
    cur.close()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PGPASSWORD", server.password)
        result = cx.data.ingest_postgres(
            server.url("service"),
            "contacts",
            query="crm.contacts_inc",
            since=months[-1],
            workspace=folder,
        )
    assert result["mode"] == "months"
    assert [c["month"] for c in result["chunks"]] == [months[-1]]
    assert list(result["months"]["replaced"]) == [months[-1]]
    after = cx.data.load("contacts", workspace=folder).collect()
    queue = dict(zip(after["contact_id"], after["queue"], strict=True))
    assert queue[new_id] == "changed"
    assert queue[old_id] != "changed"
    assert after.height == stored.height
    a, b = after.sort("contact_id"), stored.sort("contact_id")
    differs = pl.any_horizontal([a[c].ne_missing(b[c]) for c in a.columns])
    assert a.filter(differs)["contact_id"].to_list() == [new_id]

    # without since, on a stored table, the months the source holds are replaced, no others
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PGPASSWORD", server.password)
        result = cx.data.ingest_postgres(
            server.url("service"),
            "contacts",
            query="SELECT * FROM crm.contacts_inc WHERE arrived_at < $1",
            params=[dt.datetime.fromisoformat(f"{months[1]}-01T00:00:00+08:00")],
            workspace=folder,
        )
    assert list(result["months"]["replaced"]) == [months[0]]
    queue = dict(
        cx.data.load("contacts", workspace=folder)
        .select("contact_id", "queue")
        .collect()
        .iter_rows()
    )
    assert queue[old_id] == queue[new_id] == "changed"


def _contact_rows(tiny: Path) -> pl.DataFrame:
    """Twenty contacts of one month, in the order the chunk query reads them."""
    frame = cx.data.load("contacts", workspace=tiny).collect()
    month = frame.filter(
        pl.col("arrived_at").dt.convert_time_zone("Asia/Shanghai").dt.month()
        == frame["arrived_at"].dt.convert_time_zone("Asia/Shanghai").dt.month().max()
    )
    return month.sort("arrived_at", "contact_id").head(20)


def _as_csv(frame: pl.DataFrame, path: Path) -> Path:
    texts = [
        pl.col(c).map_elements(lambda v: v.isoformat(sep=" "), return_dtype=pl.Utf8)
        for c, t in frame.schema.items()
        if isinstance(t, pl.Datetime)
    ]
    frame.with_columns(texts).write_csv(path)
    return path


BAD = {
    "null id": lambda f: f.with_columns(
        pl.when(pl.int_range(pl.len()) == 3)
        .then(None)
        .otherwise(pl.col("contact_id"))
        .alias("contact_id")
    ),
    "unknown channel": lambda f: f.with_columns(
        pl.when(pl.int_range(pl.len()).is_in([2, 7]))
        .then(pl.lit("fax"))
        .otherwise(pl.col("channel"))
        .alias("channel")
    ),
    "future": lambda f: f.head(3).with_columns(
        pl.col("arrived_at", "answered_at", "resolved_at") + pl.duration(days=36_500)
    ),
}


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_rows_are_refused_with_the_file_message(pg, tiny_workspace, tmp_path, kind) -> None:
    con, server = pg
    rows = BAD[kind](_contact_rows(tiny_workspace))
    _put(con, "bad", rows)
    csv = _as_csv(rows, tmp_path / "bad.csv")
    with pytest.raises(cx.SchemaError) as from_file:
        cx.data.ingest(csv, "contacts", workspace=tmp_path / "a")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PGPASSWORD", server.password)
        with pytest.raises(cx.SchemaError) as from_sql:
            cx.data.ingest_postgres(
                server.url("service"), "contacts", query="crm.bad", workspace=tmp_path / "b"
            )
    sql = str(from_sql.value)
    name = sql.split(" (table contacts)")[0].removeprefix("Refused ")
    assert name.startswith(f"{server.url('service')} (contacts), month 2")
    assert sql.replace(name, "bad.csv") == str(from_file.value)
    assert "Nothing was written." in sql
    assert not (tmp_path / "b" / "data" / "processed" / "contacts").exists()


def test_a_duplicate_id_across_months_is_refused(pg, tiny_workspace, tmp_path) -> None:
    con, server = pg
    frame = cx.data.load("contacts", workspace=tiny_workspace).collect().sort("arrived_at")
    first, last = frame.head(1), frame.tail(1)
    twice = pl.concat([frame.head(5), last.with_columns(contact_id=first["contact_id"])])
    _put(con, "twice", twice)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PGPASSWORD", server.password)
        with pytest.raises(cx.SchemaError) as refused:
            cx.data.ingest_postgres(
                server.url("service"), "contacts", query="crm.twice", workspace=tmp_path
            )
    text = str(refused.value)
    assert (
        "column 'contact_id' breaks the rule 'contact_id is unique (duplicate values found" in text
    )
    assert f"contact_id={first['contact_id'][0]!r}" in text
    assert not (tmp_path / "data" / "processed" / "contacts").exists()


@pytest.mark.parametrize(
    ("query", "params", "says"),
    [
        ("SELECT * FROM crm.contacts WHERE arrived_at >= :since", {"since": "soon"}, "timestamp"),
        ("SELECT * FROM crm.contacts WHERE no_such_column = 1", None, "no_such_column"),
        ("SELECT * FROM crm.contacts WHERE queue = :queue", {}, ":queue"),
        ("DELETE FROM crm.contacts", None, "neither a table name nor a SELECT"),
        ("SELECT *, nextval('crm.seq') AS n FROM crm.contacts", None, "read-only transaction"),
    ],
)
def test_a_bad_query_is_refused_and_nothing_written(
    pg, scratch_workspace, query, params, says
) -> None:
    con, server = pg
    before = cx.data.load("contacts", workspace=scratch_workspace).collect()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PGPASSWORD", server.password)
        with pytest.raises(cx.SchemaError) as refused:
            cx.data.ingest_postgres(
                server.url("service"),
                "contacts",
                query=query,
                params=params,
                mode="replace",
                workspace=scratch_workspace,
            )
    text = str(refused.value)
    assert f"{server.url('service')} (contacts)" in text and says in text
    assert "Nothing" in text and "written" in text
    assert_frame_equal(cx.data.load("contacts", workspace=scratch_workspace).collect(), before)
    assert not list((scratch_workspace / "data" / "processed").glob(".staging*"))
    cur = con.cursor()
    cur.execute("SELECT count(*) FROM crm.contacts")
    assert cur.fetchone()[0] == 13_726  # the DELETE never ran
    cur.close()


def test_a_password_in_a_url_is_refused_without_showing_it(pg, tmp_path, tiny_workspace) -> None:
    _, server = pg
    secret = "Pa55:w/rd@x"
    base = f"127.0.0.1:{server.port}/service"
    urls = [
        f"postgresql://cxlab:{secret}@{base}",
        f"postgresql://cxlab@{base}?sslmode=disable&password={secret}",
        f"postgres://cxlab:{secret.replace('/', '%2F').replace('@', '%40')}@{base}",
    ]
    for url in urls:
        with pytest.raises(cx.CxlabError) as refused:
            cx.data.ingest_postgres(url, "events", workspace=tmp_path)
        text = str(refused.value)
        assert "PGPASSWORD" in text and ".pgpass" in text
        assert secret not in text and "Pa55" not in text and "%40" not in text
    with pytest.raises(cx.CxlabError) as refused:  # libpq's key=value form, taken for a path
        cx.data.ingest(f"host=127.0.0.1 password={secret}", "events", workspace=tmp_path)
    assert "PGPASSWORD" in str(refused.value) and "Pa55" not in str(refused.value)
    folder = _toml(tmp_path / "ws", tiny_workspace)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CXLAB_TEST_PG", urls[0])
        with pytest.raises(cx.CxlabError) as refused:
            cx.data.ingest_sources("events", workspace=folder)
    assert "$CXLAB_TEST_PG" in str(refused.value) and "Pa55" not in str(refused.value)
    assert not (folder / "data").exists()


def test_a_failed_connection_names_host_database_and_user_only(pg, tmp_path) -> None:
    _, server = pg
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PGPASSWORD", "wrong-" + server.password)
        with pytest.raises(WorkspaceError) as refused:
            cx.data.ingest_postgres(server.url("service"), "events", workspace=tmp_path)
    text = str(refused.value)
    assert f"host 127.0.0.1, port {server.port}, database service, user cxlab" in text
    assert "password was not accepted" in text
    assert server.password not in text and "[libpq]" not in text and "FATAL" not in text


def test_the_cli_reads_sources_and_leaves_no_password_behind(pg, loaded, tmp_path) -> None:
    from typer.testing import CliRunner

    from cxlab.cli import app

    _, server = pg
    folder = tmp_path / "ws"
    shutil.copytree(loaded[0], folder)
    env = {"PGPASSWORD": server.password, "CXLAB_TEST_PG": server.url("service")}
    runner = CliRunner()
    done = runner.invoke(
        app, ["data", "ingest", "--source", "all", "--since", "2026-01", "-w", str(folder)], env=env
    )
    assert done.exit_code == 0, done.output
    assert "customers" in done.output and "months replaced" in done.output
    url = server.url("service")
    done = runner.invoke(
        app,
        ["data", "ingest", url, "--table", "events", "--query", "crm.events", "-w", str(folder)],
        env=env,
    )
    assert done.exit_code == 0, done.output
    assert "stored 9 rows of events" in done.output
    leaked = url.replace("cxlab@", f"cxlab:{server.password}@")
    done = runner.invoke(
        app, ["data", "ingest", leaked, "--table", "events", "-w", str(folder)], env=env
    )
    assert done.exit_code == 2 and "PGPASSWORD" in done.output
    assert server.password not in done.output
    secret = server.password.encode()
    for workspace in (folder, loaded[0]):
        for path in workspace.rglob("*"):
            if path.is_file():
                assert secret not in path.read_bytes(), path
    assert "PGPASSWORD" not in os.environ  # set for the runs only


def test_a_gap_of_months_is_skipped_in_one_query(pg, tiny_workspace, tmp_path) -> None:
    con, server = pg
    frame = cx.data.load("contacts", workspace=tiny_workspace).collect().sort("arrived_at")
    _put(con, "gap", pl.concat([frame.head(5), frame.tail(4)]))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PGPASSWORD", server.password)
        result = cx.data.ingest_postgres(
            server.url("service"),
            "contacts",
            query="SELECT * FROM crm.gap -- five rows, a gap, four rows",
            workspace=tmp_path,
        )
    local = frame["arrived_at"].dt.convert_time_zone("Asia/Shanghai").dt.strftime("%Y-%m")
    first, second, last = local[0], sorted(set(local))[1], local[-1]
    assert result["chunks"] == [
        {"month": first, "rows": 5},
        {"month": second, "rows": 0},  # empty: the next query jumps to the last month
        {"month": last, "rows": 4},
    ]
    assert cx.data.load("contacts", workspace=tmp_path).collect().height == 9


@pytest.mark.parametrize(
    ("section", "says"),
    [
        ('[sources.contacts]\nurl_env = "CXLAB_NOT_SET"\n', "CXLAB_NOT_SET, which is not set"),
        ('[sources.contacts]\nurl = "postgresql://a@b/c"\nqeury = "x"\n', "unknown key(s) qeury"),
        ('[sources.contact]\nurl = "postgresql://a@b/c"\n', "'contact' is not a canonical table"),
        ('[sources.contacts]\nquery = "crm.contacts"\n', "give the database as url or url_env"),
        ('[sources.contacts]\nurl = "mysql://a@b/c"\n', "not a postgresql:// URL"),
        ('[sources.contacts]\nurl = "postgresql://a@b/c"\nparams = 3\n', "params is not valid"),
    ],
)
def test_the_sources_section_is_checked(tmp_path, section, says) -> None:
    (tmp_path / "cxlab.toml").write_text('[workspace]\ntime_zone = "Asia/Shanghai"\n' + section)
    assert settings(tmp_path).time_zone == "Asia/Shanghai"  # other commands read it as before
    with pytest.raises(cx.CxlabError) as refused:
        cx.data.ingest_sources("all", workspace=tmp_path)
    assert says in str(refused.value)
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://cxlab%3AsekretPW!x@127.0.0.1:55432/service",
        "postgresql://cxlab@127.0.0.1:55432/service?dbname=postgresql%3A%2F%2Fcxlab%3AsekretPW"
        "%2521x%40127.0.0.1%3A55432%2Fservice",
        "postgresql://cxlab@127.0.0.1:55432/?dbname=postgresql%3A%2F%2Fcxlab%3AsekretPW%2521x"
        "%40127.0.0.1%3A55432%2Fservice",
        "postgresql://cxlab@127.0.0.1:55432/?dbname=host%3D127.0.0.1%20pass%77ord%3DsekretPW!x"
        "%20dbname%3Dservice",
        "postgresql://cxlab@127.0.0.1:55432/host%3D127.0.0.1%20pass%77ord%3DsekretPW!x",
    ],
)
def test_a_password_hidden_by_percent_encoding_is_refused_without_showing_it(url, tmp_path):
    with pytest.raises(WorkspaceError) as refused:
        cx.data.ingest_postgres(url, "events", workspace=tmp_path)
    text = str(refused.value)
    assert text.startswith("Refused the connection URL postgresql://cxlab@127.0.0.1:55432/")
    assert "PGPASSWORD" in text and ".pgpass" in text
    assert "sekret" not in text and "password=" not in text and "://cxlab:" not in text
    assert not (tmp_path / "data").exists()


def test_a_query_ending_in_a_comment_is_read(pg, tmp_path) -> None:
    _, server = pg
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PGPASSWORD", server.password)
        contacts = cx.data.ingest_postgres(
            server.url("service"),
            "contacts",
            query="SELECT * FROM crm.contacts -- every contact",
            workspace=tmp_path,
        )
        events = cx.data.ingest_postgres(
            server.url("service"),
            "events",
            query="SELECT * FROM crm.events -- every event; none left out",
            workspace=tmp_path,
        )
    assert contacts["rows"] == 13_726 and len(contacts["chunks"]) >= 3
    assert events["rows"] == 9


def test_dollar_quotes_and_escape_strings_are_read_as_postgresql_reads_them() -> None:
    statement, where = _postgres._statement, "a source"
    assert statement("SELECT $$a;b$$ AS x", "t", where) == "SELECT $$a;b$$ AS x"
    assert statement("SELECT $q$a;b$q$ AS x;", "t", where) == "SELECT $q$a;b$q$ AS x"
    assert statement(r"SELECT E'a\';b' AS x", "t", where) == r"SELECT E'a\';b' AS x"
    assert _postgres._bind_names("SELECT $$ :a $$ AS x, :b AS y", {"b": 1}, where) == (
        "SELECT $$ :a $$ AS x, $1 AS y",
        [1],
    )
    for query in (
        r"SELECT E'\'' AS x; DROP TABLE t",
        r"SELECT E'\'' AS x; DROP TABLE t; SELECT ''",  # as a standard string: one statement
        r"SELECT 1 AS y, e'\'' AS x; DROP TABLE t; SELECT ''",
        "SELECT 1 /* a /* nested */ comment */; DROP TABLE t",
    ):
        with pytest.raises(cx.SchemaError, match=r"more than one statement|nested"):
            statement(query, "t", where)


def test_since_a_month_without_rows_replaces_nothing(pg, loaded, tmp_path) -> None:
    from typer.testing import CliRunner

    from cxlab.cli import app

    con, server = pg
    folder = tmp_path / "ws"
    shutil.copytree(loaded[0], folder)
    before = cx.data.load("contacts", workspace=folder).collect()
    local = before["arrived_at"].dt.convert_time_zone("Asia/Shanghai").dt.strftime("%Y-%m")
    months = sorted(set(local))
    year, month = map(int, months[-1].split("-"))
    later = f"{year + month // 12}-{month % 12 + 1:02d}"
    env = {"PGPASSWORD": server.password, "CXLAB_TEST_PG": server.url("service")}
    done = CliRunner().invoke(
        app,
        ["data", "ingest", "--source", "contacts", "--since", later, "-w", str(folder)],
        env=env,
    )
    assert done.exit_code == 0, done.output
    assert f"contacts: no rows since {later}: nothing replaced" in done.output
    assert_frame_equal(cx.data.load("contacts", workspace=folder).collect(), before)

    # a stored month from the since-month on that the source no longer holds is kept as stored
    cur = con.cursor()
    cur.execute("DROP TABLE IF EXISTS crm.contacts_gone")
    cur.execute(
        "CREATE TABLE crm.contacts_gone AS SELECT * FROM crm.contacts WHERE arrived_at < $1 "
        "OR arrived_at >= $2",
        parameters=tuple(  # the driver binds an aware datetime's wall time: give UTC
            dt.datetime.fromisoformat(f"{m}-01T00:00:00+08:00").astimezone(dt.UTC)
            for m in months[-2:]
        ),
    )
    cur.close()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PGPASSWORD", server.password)
        result = cx.data.ingest_postgres(
            server.url("service"),
            "contacts",
            query="crm.contacts_gone",
            since=months[-2],
            workspace=folder,
        )
    assert list(result["months"]["replaced"]) == [months[-1]]
    assert_frame_equal(
        cx.data.load("contacts", workspace=folder).collect().sort("contact_id"),
        before.sort("contact_id"),
    )


def test_a_mapping_refusal_from_a_month_names_the_rows_by_key(pg, tiny_workspace, tmp_path):
    _, server = pg
    columns = {c: c for c in cx.data.TABLES["contacts"].columns}
    columns["channel"] = {"column": "channel", "values": {"phone": "phone", "chat": "chat"}}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PGPASSWORD", server.password)
        with pytest.raises(cx.SchemaError) as refused:
            cx.data.ingest_postgres(
                server.url("service"),
                "contacts",
                query="crm.contacts",
                mapping={"time_zone": "UTC", "columns": columns},
                workspace=tmp_path,
            )
    text = str(refused.value)
    assert "column 'channel' has value(s) not in the value map (chat, phone)" in text
    rows = _contact_rows_of_month(tiny_workspace, text.split(", month ")[1][:7])
    bad = rows.with_row_index("row", offset=1).filter(~pl.col("channel").is_in(["phone", "chat"]))
    shown = [
        f"row {r}: contact_id={c!r}" for r, c in bad.head(5).select("row", "contact_id").rows()
    ]
    assert shown and all(line in text for line in shown), text
    assert not (tmp_path / "data" / "processed" / "contacts").exists()


def _contact_rows_of_month(tiny: Path, month: str) -> pl.DataFrame:
    """The contacts of one local month, in the order the chunk query reads them."""
    frame = cx.data.load("contacts", workspace=tiny).collect()
    local = pl.col("arrived_at").dt.convert_time_zone("Asia/Shanghai").dt.strftime("%Y-%m")
    return frame.filter(local == month).sort("arrived_at", "contact_id")
