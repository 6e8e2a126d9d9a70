"""Good input goes in: CSV (UTF-8 and GBK), Parquet, a DuckDB query, monthly replacement, and
``cx.load`` with partition pruning and local-time bounds."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import make_corpus
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

import cxlab as cx
from cxlab.cli import app

UTC = dt.UTC


def _ingest(path: Path, table: str, workspace: Path, *extra: str):
    workspace.mkdir(parents=True, exist_ok=True)  # --workspace names an existing folder
    return CliRunner().invoke(
        app,
        ["data", "ingest", str(path), "--table", table, "--workspace", str(workspace), *extra],
    )


def _contacts(workspace: Path, **kwargs) -> pl.DataFrame:
    return cx.load("contacts", workspace=workspace, **kwargs).collect().sort("contact_id")


def test_valid_csv_is_typed_and_stored_in_utc(tmp_path: Path) -> None:
    rows = make_corpus.contacts(6)
    path = tmp_path / "contacts.csv"
    path.write_text(make_corpus._csv_text(rows), encoding="utf-8")
    result = _ingest(path, "contacts", tmp_path / "ws")
    assert result.exit_code == 0, result.stderr
    assert "stored 6 rows of contacts" in result.stdout
    stored = _contacts(tmp_path / "ws")
    assert stored.height == 6
    assert stored.schema["arrived_at"] == pl.Datetime("us", "UTC")
    assert stored.schema["transfers"] == pl.Int64 and stored.schema["abandoned"] == pl.Boolean
    # row 1 arrived at 08:07 in Shanghai (UTC+8), which is 00:07 UTC
    assert stored["arrived_at"][0] == dt.datetime(2026, 3, 2, 0, 7, tzinfo=UTC)
    # row 5 is an abandoned phone call: blank cells are nulls, not empty strings
    fifth = stored.row(4, named=True)
    assert fifth["abandoned"] is True and fifth["answered_at"] is None
    assert fifth["agent_id"] is None and fifth["csat"] is None
    assert stored["complaint_type"].to_list()[2] == "refund"
    assert (tmp_path / "ws/data/processed/contacts/month=2026-03/part-0.parquet").exists()
    assert cx.data.table_info("contacts", cx._config.settings(tmp_path / "ws"))["rows"] == 6


def test_gbk_export_keeps_chinese_text(tmp_path: Path) -> None:
    rows = [
        dict(r, category="账单", category_l2="重复扣费", region="上海")
        for r in make_corpus.contacts(4)
    ]
    path = tmp_path / "contacts_gbk.csv"
    path.write_bytes(make_corpus._csv_text(rows).encode("gbk"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # it really is GBK, not UTF-8
    result = _ingest(path, "contacts", tmp_path / "ws")
    assert result.exit_code == 0, result.stderr
    assert "(gb18030)" in result.stdout
    stored = _contacts(tmp_path / "ws")
    assert set(stored["category"]) == {"账单"}
    assert set(stored["category_l2"]) == {"重复扣费"}
    assert set(stored["region"]) == {"上海"}


def test_forced_encoding(tmp_path: Path) -> None:
    path = tmp_path / "contacts_gbk.csv"
    rows = [dict(r, region="上海") for r in make_corpus.contacts(2)]
    path.write_bytes(make_corpus._csv_text(rows).encode("gbk"))
    wrong = _ingest(path, "contacts", tmp_path / "ws", "--encoding", "utf-8")
    assert wrong.exit_code == 2 and "is not utf-8 text" in wrong.stderr
    assert not (tmp_path / "ws" / "data").exists()
    right = _ingest(path, "contacts", tmp_path / "ws", "--encoding", "gbk")
    assert right.exit_code == 0, right.stderr
    assert set(_contacts(tmp_path / "ws")["region"]) == {"上海"}


def test_parquet_round_trip(tiny_workspace: Path, tmp_path: Path) -> None:
    original = _contacts(tiny_workspace)
    path = tmp_path / "contacts.parquet"
    original.write_parquet(path)
    result = _ingest(path, "contacts", tmp_path / "ws")
    assert result.exit_code == 0, result.stderr
    assert_frame_equal(_contacts(tmp_path / "ws"), original)


def test_pandas_parquet_with_nan_for_missing(tiny_workspace: Path, tmp_path: Path) -> None:
    """pandas writes a missing CSAT as NaN in a float column: it is stored as a null integer."""
    original = _contacts(tiny_workspace).head(200)
    path = tmp_path / "from_pandas.parquet"
    original.to_pandas().to_parquet(path)  # csat becomes float64 with NaN
    result = _ingest(path, "contacts", tmp_path / "ws")
    assert result.exit_code == 0, result.stderr
    stored = _contacts(tmp_path / "ws")
    assert stored.schema["csat"] == pl.Int64
    assert stored["csat"].null_count() == original["csat"].null_count() > 0
    assert_frame_equal(stored, original)


def test_duckdb_query(tiny_workspace: Path, tmp_path: Path) -> None:
    import duckdb

    frame = _contacts(tiny_workspace)
    db = tmp_path / "service.duckdb"
    con = duckdb.connect(str(db))
    con.sql("CREATE TABLE crm_contacts AS SELECT * FROM frame")
    con.close()
    query = "SELECT * FROM crm_contacts WHERE channel = 'phone'"
    result = _ingest(db, "contacts", tmp_path / "ws", "--query", query)
    assert result.exit_code == 0, result.stderr
    assert_frame_equal(_contacts(tmp_path / "ws"), frame.filter(pl.col("channel") == "phone"))
    # a failing query is a refusal, not a crash
    bad = _ingest(db, "contacts", tmp_path / "ws", "--query", "SELECT * FROM nowhere")
    assert bad.exit_code == 2 and "the DuckDB query failed" in bad.stderr


def _digest(frame: pl.DataFrame) -> dict[str, str]:
    """A hash of each stored row, by contact id."""
    hashes = frame.drop("contact_id").hash_rows(seed=0)
    return dict(zip(frame["contact_id"], (str(h) for h in hashes), strict=True))


def test_mode_months_replaces_only_the_local_months_in_the_file(scratch_workspace: Path) -> None:
    """An August export (Shanghai time) replaces exactly the stored August contacts. August in
    Shanghai starts on 31 July at 16:00 UTC, inside the UTC partition of July, whose other rows
    must be kept."""
    ws = scratch_workspace
    before = _contacts(ws)
    august = _contacts(ws, start="2026-08-01", end="2026-09-01")
    # the test is meaningful only if August's first local hours lie in July's UTC partition
    assert (august["arrived_at"] < dt.datetime(2026, 8, 1, tzinfo=UTC)).any()
    edited = august.with_columns(pl.lit("Edited").alias("category")).slice(10)  # drops 10
    export = ws / "export_2026-08.csv"
    edited.write_csv(export)
    result = _ingest(export, "contacts", ws, "--mode", "months")
    assert result.exit_code == 0, result.stderr

    after = _contacts(ws)
    assert after.height == before.height - 10
    in_august = set(august["contact_id"])
    old, new = _digest(before), _digest(after)
    outside = {k: v for k, v in old.items() if k not in in_august}
    assert {k: new[k] for k in outside} == outside  # every other row is byte-identical
    stored_august = after.filter(pl.col("contact_id").is_in(list(in_august)))
    assert stored_august.height == august.height - 10
    assert set(stored_august["category"]) == {"Edited"}
    info = json.loads((ws / "data/processed/contacts/_table.json").read_text())
    assert info["rows"] == after.height
    assert info["months"] == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]


def test_mode_replace_replaces_the_whole_table(scratch_workspace: Path) -> None:
    ws = scratch_workspace
    one_month = _contacts(ws, start="2026-09-01", end="2026-10-01")
    export = ws / "export.parquet"
    one_month.write_parquet(export)
    assert _ingest(export, "contacts", ws).exit_code == 0
    assert_frame_equal(_contacts(ws), one_month)


def test_load_prunes_partitions(scratch_workspace: Path) -> None:
    """A query for August never opens October's file: corrupt it and August still loads."""
    ws = scratch_workspace
    august = _contacts(ws, start="2026-08-01", end="2026-09-01")
    (ws / "data/processed/contacts/month=2026-10/part-0.parquet").write_bytes(b"not parquet")
    again = _contacts(ws, start="2026-08-01", end="2026-09-01")
    assert_frame_equal(again, august)
    with pytest.raises(pl.exceptions.PolarsError):
        _contacts(ws)  # reading everything does touch the broken file


def test_load_bounds_are_local_time_and_half_open(tiny_workspace: Path) -> None:
    """Naive bounds are read in the workspace zone (Asia/Shanghai, UTC+8); ``end`` is excluded."""
    ws = tiny_workspace
    assert cx._config.settings(ws).time_zone == "Asia/Shanghai"
    every = _contacts(ws)
    lo, hi = dt.datetime(2026, 7, 31, 16, tzinfo=UTC), dt.datetime(2026, 8, 31, 16, tzinfo=UTC)
    expected = every.filter((pl.col("arrived_at") >= lo) & (pl.col("arrived_at") < hi))
    for start, end in [
        ("2026-08-01", "2026-09-01"),
        (dt.date(2026, 8, 1), dt.date(2026, 9, 1)),
        (dt.datetime(2026, 8, 1), dt.datetime(2026, 9, 1)),
        ("2026-08-01T00:00:00+08:00", "2026-08-31T16:00:00Z"),
    ]:
        got = _contacts(ws, start=start, end=end)
        assert_frame_equal(got, expected)
    # the same dates as UTC bounds select a different set (eight hours shifted)
    utc = _contacts(ws, start="2026-08-01T00:00:00+00:00", end="2026-09-01T00:00:00+00:00")
    assert set(utc["contact_id"]) != set(expected["contact_id"])
    assert utc["arrived_at"].min() >= dt.datetime(2026, 8, 1, tzinfo=UTC)


def test_load_columns(tiny_workspace: Path) -> None:
    got = cx.load("contacts", columns=["contact_id", "channel"], workspace=tiny_workspace)
    assert got.collect_schema().names() == ["contact_id", "channel"]
    customers = cx.load("customers", columns=["customer_id"], workspace=tiny_workspace)
    assert customers.collect().height == 3000  # tiny size: 3,000 customers (SIZES["tiny"])
    with pytest.raises(cx.CxlabError, match="no timestamp"):
        cx.load("customers", start="2026-01-01", workspace=tiny_workspace)


def test_validate_command_checks_without_writing(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(make_corpus._csv_text(make_corpus.customers(6)), encoding="utf-8")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = CliRunner().invoke(app, ["data", "validate", str(path), "--table", "customers"])
    assert result.exit_code == 0, result.stderr
    assert "customers.csv: 6 rows of customers pass every rule" in result.stdout
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_mode_months_is_refused_for_tables_without_time(scratch_workspace: Path) -> None:
    """A customers export cannot replace "its months": refused before anything is read."""
    ws = scratch_workspace
    store = ws / "data" / "processed" / "customers"
    before = {p.name: p.read_bytes() for p in store.iterdir()}
    path = ws / "customers.csv"
    path.write_text(make_corpus._csv_text(make_corpus.customers(3)), encoding="utf-8")
    result = _ingest(path, "customers", ws, "--mode", "months")
    assert result.exit_code == 2
    assert "no timestamp" in result.stderr and "Nothing was written" in result.stderr
    odd = _ingest(path, "customers", ws, "--mode", "append")
    assert odd.exit_code == 2 and "replace" in odd.stderr
    assert {p.name: p.read_bytes() for p in store.iterdir()} == before


def test_load_unknown_column(tiny_workspace: Path) -> None:
    with pytest.raises(cx.SchemaError, match=r"'handle_time'.*handle_seconds"):
        cx.load("contacts", columns=["contact_id", "handle_time"], workspace=tiny_workspace)
