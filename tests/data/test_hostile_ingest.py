"""Hostile inputs at the door that are not a single file's broken rule: integers read as
integers, columns the table does not have, folders and DuckDB queries, ``--mode months`` checked
against the store, customers the store does not know, and the far future. (The files refused
for their own rules are in the corpus: ``tests/data/corpus``.)"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import make_corpus
import polars as pl
import pytest
from typer.testing import CliRunner

import cxlab as cx
from cxlab.cli import app

UTC = dt.UTC


def _ingest(path: Path, table: str, workspace: Path, *extra: str):
    workspace.mkdir(parents=True, exist_ok=True)
    return CliRunner().invoke(
        app,
        ["data", "ingest", str(path), "--table", table, "--workspace", str(workspace), *extra],
    )


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): "dir"
        if p.is_dir()
        else hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
    }


def _contacts(workspace: Path, **kwargs) -> pl.DataFrame:
    return cx.load("contacts", workspace=workspace, **kwargs).collect().sort("contact_id")


# -- integers -----------------------------------------------------------------------------------


def test_integers_past_2_53_are_stored_exactly(tmp_path: Path) -> None:
    """2^53 + 1 written in digits (CSV) or held as Int64 (Parquet) is stored as itself, not as
    2^53 (which a trip through float64 gives)."""
    big = 2**53 + 1
    rows = make_corpus.set_value(make_corpus.contacts(), 2, "transfers", str(big))
    path = tmp_path / "contacts.csv"
    path.write_text(make_corpus._csv_text(rows), encoding="utf-8")
    assert _ingest(path, "contacts", tmp_path / "csv").exit_code == 0
    assert _contacts(tmp_path / "csv")["transfers"][1] == big
    typed = make_corpus._typed(rows, "contacts")
    assert typed["transfers"][1] == big
    typed.write_parquet(tmp_path / "contacts.parquet")
    assert _ingest(tmp_path / "contacts.parquet", "contacts", tmp_path / "pq").exit_code == 0
    assert _contacts(tmp_path / "pq")["transfers"][1] == big


def test_whole_numbers_written_as_decimals_still_read(tmp_path: Path) -> None:
    """ "3.0" and "1e3" are whole numbers (as before); a float Parquet column of whole values too."""
    rows = make_corpus.set_value(make_corpus.contacts(), 1, "transfers", "3.0")
    rows = make_corpus.set_value(rows, 2, "transfers", "1e3")
    typed = cx.data.validate(pl.DataFrame(rows), "contacts")
    assert typed["transfers"].to_list()[:2] == [3, 1000]
    floats = typed.with_columns(pl.col("transfers").cast(pl.Float64))
    assert (
        cx.data.validate(floats, "contacts")["transfers"].to_list() == typed["transfers"].to_list()
    )
    unsigned = typed.with_columns(pl.lit(2**64 - 1, dtype=pl.UInt64).alias("transfers"))
    with pytest.raises(cx.SchemaError, match=r"'transfers'.*64-bit integer"):
        cx.data.validate(unsigned, "contacts", source="unsigned.parquet")


# -- columns the table does not have ------------------------------------------------------------


def test_extra_columns_are_not_stored_and_are_named(tmp_path: Path) -> None:
    """A phone column, a column named like the internal row number (__row) and a List column:
    none is stored, the ingest says which, and nothing collides."""
    typed = make_corpus._typed(make_corpus.contacts(), "contacts")
    export = typed.with_columns(
        pl.lit("13800138000").alias("phone"),
        pl.lit(99).alias("__row"),
        pl.concat_list("channel", "queue").alias("tags"),
    )
    path = tmp_path / "contacts.parquet"
    export.write_parquet(path)
    result = _ingest(path, "contacts", tmp_path / "ws")
    assert result.exit_code == 0, result.stderr
    assert "not stored: column(s) 'phone', '__row', 'tags'" in result.stdout
    stored = _contacts(tmp_path / "ws")
    assert stored.columns == list(cx.data.TABLES["contacts"].columns)
    files = list((tmp_path / "ws/data/processed/contacts").rglob("*.parquet"))
    assert all("phone" not in pl.read_parquet_schema(f) for f in files)
    assert "13800138000" not in "".join(f.read_bytes().decode("latin-1") for f in files)
    # the same with a CSV export, through the API
    csv_path = tmp_path / "contacts.csv"
    rows = [dict(r, phone="13800138000", __row="1") for r in make_corpus.contacts()]
    csv_path.write_text(make_corpus._csv_text(rows), encoding="utf-8")
    out = cx.data.ingest(csv_path, "contacts", workspace=tmp_path / "ws2")
    assert out["dropped"] == ["phone", "__row"]


# -- folders and DuckDB queries -----------------------------------------------------------------


def test_a_folder_named_like_a_csv_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "contacts.csv"
    folder.mkdir()
    for command in ("ingest", "validate"):
        args = ["data", command, str(folder), "--table", "contacts"]
        if command == "ingest":
            args += ["--workspace", str(tmp_path)]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.stderr
        assert "a folder, not a file" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()


def test_query_on_a_csv_or_a_folder_is_refused(tmp_path: Path) -> None:
    csv_path = tmp_path / "contacts.csv"
    csv_path.write_text(make_corpus._csv_text(make_corpus.contacts()), encoding="utf-8")
    folder = tmp_path / "db"
    folder.mkdir()
    for path, words in ((csv_path, "is not one"), (folder, "this is a folder")):
        result = CliRunner().invoke(
            app, ["data", "validate", str(path), "--table", "contacts", "--query", "SELECT 1"]
        )
        assert result.exit_code == 2, result.stderr
        assert words in result.stderr and "DuckDB database" in result.stderr


@pytest.fixture()
def duck(tmp_path: Path) -> Path:
    import duckdb

    frame = make_corpus._typed(make_corpus.contacts(), "contacts")
    db = tmp_path / "service.duckdb"
    con = duckdb.connect(str(db))
    con.register("frame", frame)
    con.sql("CREATE TABLE crm AS SELECT * FROM frame")
    con.close()
    return db


@pytest.mark.parametrize(
    "query",
    [
        "COPY (SELECT 42 AS a) TO '{out}'",
        "SELECT * FROM crm; COPY (SELECT 42 AS a) TO '{out}'",
        "COPY crm TO '{out}' (FORMAT parquet)",
        "EXPORT DATABASE '{folder}'",
        "ATTACH '{folder}.db' AS other",
        "SELECT * FROM read_csv('{csv}')",
        "CREATE TABLE x AS SELECT 1",
    ],
)
def test_a_query_that_writes_or_reads_outside_is_refused(
    duck: Path, tmp_path: Path, query: str
) -> None:
    """Only one SELECT runs, on a database opened read-only with external access off: nothing
    is written anywhere (the database included), nothing outside it is read."""
    out, folder = tmp_path / "leak.csv", tmp_path / "dump"
    csv_path = tmp_path / "contacts.csv"
    csv_path.write_text(make_corpus._csv_text(make_corpus.contacts()), encoding="utf-8")
    text = query.format(out=out, folder=folder, csv=csv_path)
    db_before = hashlib.sha256(duck.read_bytes()).hexdigest()
    before = sorted(p.name for p in tmp_path.iterdir())
    for command in ("validate", "ingest"):
        args = ["data", command, str(duck), "--table", "contacts", "--query", text]
        if command == "ingest":
            args += ["--workspace", str(tmp_path)]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, (command, result.stdout, result.stderr)
        assert "Refused" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert hashlib.sha256(duck.read_bytes()).hexdigest() == db_before


def test_a_with_select_query_still_reads(duck: Path, tmp_path: Path) -> None:
    query = "WITH phone AS (SELECT * FROM crm WHERE channel = 'phone') SELECT * FROM phone"
    result = _ingest(duck, "contacts", tmp_path / "ws", "--query", query)
    assert result.exit_code == 0, result.stderr
    assert set(_contacts(tmp_path / "ws")["channel"]) == {"phone"}


# -- mode months against the store --------------------------------------------------------------


def _month(ws: Path, start: str, end: str) -> pl.DataFrame:
    return _contacts(ws, start=start, end=end)


def test_months_refuses_a_contact_already_stored_in_another_month(scratch_workspace: Path) -> None:
    """A September export that re-exports three August contacts (same contact_id) would store
    them twice: refused, naming the rows and the month they are stored in."""
    ws = scratch_workspace
    store = ws / "data" / "processed"
    before = _tree(store)
    september = _month(ws, "2026-09-01", "2026-10-01")
    august = _month(ws, "2026-08-01", "2026-09-01").head(3)
    moved = september.head(3).with_columns(august["contact_id"])  # September times, August ids
    export = ws / "export_2026-09.csv"
    pl.concat([september.slice(3), moved]).write_csv(export)
    result = _ingest(export, "contacts", ws, "--mode", "months")
    assert result.exit_code == 2, result.stdout
    message = result.stderr
    assert "'contact_id'" in message and "unique across the store" in message
    assert "already stored in 2026-08" in message and "in 3 row(s)" in message
    assert f"contact_id='{august['contact_id'][0]}'" in message
    assert f"row {september.height - 2}:" in message
    assert _tree(store) == before


def test_months_refuses_a_stray_month_unless_allowed(scratch_workspace: Path) -> None:
    """One July contact in an August export would replace the stored July with that one row:
    refused, naming the month, the counts, the threshold and the flag; with
    --allow-partial-months it is replaced, and the output says which months were."""
    ws = scratch_workspace
    store = ws / "data" / "processed"
    before, stored = _tree(store), _contacts(ws)
    august = _month(ws, "2026-08-01", "2026-09-01")
    july = _month(ws, "2026-07-01", "2026-08-01")
    export = ws / "export_2026-08.csv"
    pl.concat([july.head(1), august]).write_csv(export)
    result = _ingest(export, "contacts", ws, "--mode", "months")
    assert result.exit_code == 2, result.stdout
    message = result.stderr
    assert f"2026-07: 1 row(s) in the file, {july.height:,} stored" in message
    assert f"{july.height - 1:,} would be deleted" in message
    assert "at least 50%" in message and "--allow-partial-months" in message
    assert f"row 1: contact_id='{july['contact_id'][0]}'" in message
    assert _tree(store) == before

    dry = _ingest(export, "contacts", ws, "--mode", "months", "--dry-run")
    assert dry.exit_code == 1 and "--allow-partial-months" in dry.stdout
    assert _tree(store) == before

    allowed = _ingest(export, "contacts", ws, "--mode", "months", "--allow-partial-months")
    assert allowed.exit_code == 0, allowed.stderr
    assert f"2026-07 ({july.height:,} stored row(s) replaced by 1)" in allowed.stdout
    assert (
        f"2026-08 ({august.height:,} stored row(s) replaced by {august.height:,})" in allowed.stdout
    )
    after = _contacts(ws)
    assert after.height == stored.height - july.height + 1


def test_months_shows_the_months_it_replaces(scratch_workspace: Path) -> None:
    """A dry run and the ingest both say which months are replaced and how many rows are kept."""
    ws = scratch_workspace
    total = _contacts(ws).height
    august = _month(ws, "2026-08-01", "2026-09-01")
    export = ws / "export_2026-08.parquet"
    august.slice(5).write_parquet(export)
    line = (
        f"months replaced (Asia/Shanghai): 2026-08 ({august.height:,} stored row(s) replaced by "
        f"{august.height - 5:,}); {total - august.height:,} stored row(s) of other months kept"
    )
    dry = _ingest(export, "contacts", ws, "--mode", "months", "--dry-run")
    assert dry.exit_code == 0, dry.stdout
    assert line in dry.stdout
    done = _ingest(export, "contacts", ws, "--mode", "months")
    assert done.exit_code == 0, done.stderr
    assert line in done.stdout


# -- customers the store does not know ----------------------------------------------------------


def test_unknown_customers_are_refused_when_customers_are_stored(
    scratch_workspace: Path, tmp_path: Path
) -> None:
    ws = scratch_workspace
    rows = make_corpus.set_value(make_corpus.contacts(), 2, "customer_id", "C9999999")
    path = tmp_path / "contacts.csv"
    path.write_text(make_corpus._csv_text(rows), encoding="utf-8")
    before = _tree(ws / "data" / "processed")
    refused = _ingest(path, "contacts", ws)
    assert refused.exit_code == 2
    assert "customers table in the store (3,000 of them)" in refused.stderr
    assert "C9999999" not in refused.stderr and "row 2:" in refused.stderr
    assert _tree(ws / "data" / "processed") == before
    allowed = _ingest(path, "contacts", ws, "--allow-unknown-customers")
    assert allowed.exit_code == 0, allowed.stderr
    # a workspace without a customers table does not check
    assert _ingest(path, "contacts", tmp_path / "alone").exit_code == 0


# -- the far future -----------------------------------------------------------------------------


def test_observed_times_may_not_lie_past_the_ingest_time_plus_a_day(tmp_path: Path) -> None:
    """The rule is the ingest time plus one day (clock skew, zones), for what was observed; a
    planned event may lie ahead."""
    now = dt.datetime(2026, 3, 2, 12, tzinfo=UTC)
    rows = make_corpus.contacts()  # the last arrives on 2 March 2026 at 08:42 in Shanghai
    frame = pl.DataFrame(rows)
    check = cx.data.check_export
    assert (
        check(
            frame, "contacts", source="c.csv", workspace=cx._config.settings(tmp_path), now=now
        ).height
        == 6
    )
    too_early = dt.datetime(2026, 3, 1, tzinfo=UTC)  # limit: 2 March 00:00 UTC, 08:00 local
    with pytest.raises(cx.SchemaError, match=r"'arrived_at' breaks the rule .*not in the future"):
        check(
            frame,
            "contacts",
            source="c.csv",
            workspace=cx._config.settings(tmp_path),
            now=too_early,
        )
    events = pl.DataFrame(make_corpus.events())
    assert (
        check(
            events, "events", source="e.csv", workspace=cx._config.settings(tmp_path), now=too_early
        ).height
        == 4
    )


def test_refusals_mask_with_the_key_of_the_workspace_written_to(
    scratch_workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from another folder with -w: the masks in the refusal are the target workspace's."""
    from cxlab._masking import mask_id, mask_key

    monkeypatch.delenv("CXLAB_WORKSPACE", raising=False)
    monkeypatch.delenv("CXLAB_MASK_KEY", raising=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    rows = make_corpus.set_value(make_corpus.contacts(), 2, "customer_id", "C9999999")
    path = tmp_path / "contacts.csv"
    path.write_text(make_corpus._csv_text(rows), encoding="utf-8")
    refused = _ingest(path, "contacts", scratch_workspace)
    assert refused.exit_code == 2
    assert mask_id("C9999999", key=mask_key(scratch_workspace)) in refused.stderr
