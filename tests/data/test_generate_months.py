"""The synthetic workspace simulated, exported and stored one month at a time gives exactly the
recorded tables.

The digests below are, for each table, its rows and the SHA-256 (first 16 hex digits) of its rows
written as CSV without a header, in the order the store gives them (month partitions in order);
equal digests mean the same rows, order and values (CSV writes every float so that it reads back
exactly). They were recorded from the generator that built every table whole in memory (``cxlab``
at commit 55d8da5), which the month-by-month generator reproduces bit for bit. Its phone and chat
waits now come from the queue simulator it shares with the staffing room
(:func:`cxlab._queue.fifo_queue`), which keeps the generator's rule when staff falls (the agents
free soonest stay) and so gives the same tables. Generator version 4 adds the contacts' notes and
stores their manual category paths, drawn from a random stream of their own: only the contacts
digest and truth.json changed (every other table kept its digest), and ``truth_labels`` is the
digest of ``truth_labels.parquet``, the true labels beside truth.json. Generator version 5 adds
a planted trend and annual cycle to first-contact resolution, CSAT and handle time, and the
default size covers 24 months instead of 13: every table that follows from the contacts
changed (contacts, customers through churn, assignments, quality scores, surveys, the labels
and truth.json) and, for the default size, every table that follows from its span. The
registry's ``decision`` and ``decided_on`` columns changed the experiments digest alone.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

import cxlab as cx
from cxlab._errors import SchemaError
from cxlab.data._validate import validate

RECORDED = {
    # the session's tiny workspace (tests/conftest.py: seed 11)
    ("tiny", 11): {
        "agents": (24, "3f7451ea6db999fb"),
        "assignments": (2782, "069ab10b022fa152"),
        "contacts": (13726, "d503bfbb8d89df05"),
        "customers": (3000, "3dba17163c5f89f5"),
        "events": (9, "638d3162ee6eb3c0"),
        "experiments": (5, "392af23dca72d536"),
        "qa_scores": (9575, "9a20bb9a61f5afa0"),
        "queues": (7, "cdd1f01e71129cac"),
        "surveys": (606, "cdf8b9be4a83de02"),
        "targets": (11, "5663ccf89e67513e"),
        "truth.json": "9b0e28bf306bb6d9",
        "truth_labels": (13726, "bd0d7e39d74019a1"),
    },
    ("tiny", 7): {
        "agents": (24, "38886adf7edff750"),
        "assignments": (2755, "3c7246ec4c4a19df"),
        "contacts": (13629, "7490663de4a37b7e"),
        "customers": (3000, "03d24bf9bb610ec2"),
        "events": (9, "638d3162ee6eb3c0"),
        "experiments": (5, "392af23dca72d536"),
        "qa_scores": (9340, "78b79165368a598a"),
        "queues": (7, "cdd1f01e71129cac"),
        "surveys": (600, "b73fe4b060add736"),
        "targets": (11, "5663ccf89e67513e"),
        "truth.json": "a58f29b5d99279b7",
        "truth_labels": (13629, "0677cc3ee2cbdff9"),
    },
    ("default", 7): {
        "agents": (49, "a7d0799ca5a09344"),
        "assignments": (14658, "fc7869ef49d6cff0"),
        "contacts": (522228, "4e2832cc17f09b24"),
        "customers": (20000, "c03277019fb008aa"),
        "events": (38, "cd4a22f2b5159a7c"),
        "experiments": (5, "9c9617b2bb5de340"),
        "qa_scores": (362075, "e40e6b565c821920"),
        "queues": (7, "cdd1f01e71129cac"),
        "surveys": (24839, "e8406ac3f9293029"),
        "targets": (11, "5663ccf89e67513e"),
        "truth.json": "379e13cba212bd9e",
        "truth_labels": (522228, "61928e487f06e24b"),
    },
    # large (seed 7): checked by test_large_tables_equal_the_recorded_ones (slow, about 4 min, 2 GB)
    ("large", 7): {
        "agents": (579, "8c9bae7bb4a02c79"),
        "assignments": (322378, "cf714c2a742af045"),
        "contacts": (10537815, "a8875aeaf687a60b"),
        "customers": (440000, "90ee43c246c6005c"),
        "events": (38, "cd4a22f2b5159a7c"),
        "experiments": (5, "9c9617b2bb5de340"),
        "qa_scores": (7556255, "8d26b72675a0ff22"),
        "queues": (7, "cdd1f01e71129cac"),
        "surveys": (517705, "0a99a1fa0cf0e2b5"),
        "targets": (11, "5663ccf89e67513e"),
        "truth.json": "f28496a2ff3972d4",
        "truth_labels": (10537815, "8adeb4b4a439de1a"),
    },
}


def table_digest(files: list[Path]) -> tuple[int, str]:
    """Rows and the SHA-256 (16 hex digits) of the rows of ``files`` as CSV, in order."""
    digest, rows = hashlib.sha256(), 0
    for path in files:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=1 << 20):
            frame = pl.from_arrow(batch)
            digest.update(frame.write_csv(include_header=False).encode())
            rows += frame.height
    return rows, digest.hexdigest()[:16]


def store_digest(workspace: Path) -> dict:
    """The digest of every table of a workspace's store, and of its truth.json."""
    processed = Path(workspace) / "data" / "processed"
    out: dict = {
        table.name: table_digest(sorted(table.glob("**/*.parquet")))
        for table in sorted(processed.iterdir())
        if table.is_dir() and any(table.glob("**/*.parquet"))
    }
    out["truth.json"] = hashlib.sha256((processed / "truth.json").read_bytes()).hexdigest()[:16]
    out["truth_labels"] = table_digest([processed / "truth_labels.parquet"])
    return out


def raw_folder(workspace: Path) -> Path:
    return next((Path(workspace) / "data" / "raw" / "synthetic").iterdir())


def test_tiny_tables_equal_the_recorded_ones(tiny_workspace: Path) -> None:
    """Every table of the session's tiny workspace (seed 11), and its raw export, equals the
    recorded one: rows, order and values."""
    assert store_digest(tiny_workspace) == RECORDED[("tiny", 11)]
    raw = raw_folder(tiny_workspace)
    for path in sorted(raw.glob("*.parquet")):
        assert table_digest([path]) == RECORDED[("tiny", 11)][path.stem], path.name


def test_tiny_seed_7_tables_equal_the_recorded_ones(tmp_path: Path) -> None:
    """``make data SIZE=tiny`` (seed 7) gives the recorded tables."""
    cx.data.generate(seed=7, size="tiny", workspace=tmp_path)
    assert store_digest(tmp_path) == RECORDED[("tiny", 7)]


def test_default_tables_equal_the_recorded_ones(default_workspace: Path) -> None:
    """The default workspace (seed 7, 522,228 contacts over 25 UTC months) equals the recorded
    one, table by table."""
    assert store_digest(default_workspace) == RECORDED[("default", 7)]


@pytest.mark.slow
def test_large_tables_equal_the_recorded_ones(tmp_path: Path) -> None:
    """The large workspace (seed 7, 10,537,815 contacts over 25 UTC months) equals the recorded
    one, table by table (about 4 minutes and 2 GB of memory)."""
    cx.data.generate(seed=7, size="large", workspace=tmp_path)
    assert store_digest(tmp_path) == RECORDED[("large", 7)]


def test_a_raw_export_cut_across_months_is_stored_the_same(scratch_workspace: Path) -> None:
    """A raw export whose row groups straddle months (as the whole-table generator wrote it, one
    file per table) is read back month by month into the same store."""
    raw = raw_folder(scratch_workspace)
    for path in raw.glob("*.parquet"):
        pl.read_parquet(path).write_parquet(path, row_group_size=1000)
    shutil.rmtree(scratch_workspace / "data" / "processed")
    cx.data.generate(seed=11, size="tiny", workspace=scratch_workspace)  # reuses the raw export
    assert store_digest(scratch_workspace) == RECORDED[("tiny", 11)]


def _refusal(path: Path, table: str) -> str:
    """The message validating the whole raw file gives (what the whole-table generator said)."""
    with pytest.raises(SchemaError) as whole:
        validate(pl.read_parquet(path), table, source=f"{path.parent.name}/{path.name}")
    return str(whole.value)


def test_a_refused_month_is_worded_as_the_whole_file_and_stores_nothing(
    scratch_workspace: Path,
) -> None:
    """A rule broken in a late month is reported as validating the whole file reports it (row
    numbers of the whole file); no table is swapped in, not even those staged before."""
    raw = raw_folder(scratch_workspace)
    path = raw / "qa_scores.parquet"
    qa = pl.read_parquet(path)
    row = qa.height - 3  # in the last month
    qa.with_columns(
        pl.when(pl.int_range(pl.len()) == row).then(-5.0).otherwise(pl.col("score")).alias("score")
    ).write_parquet(path)
    expected = _refusal(path, "qa_scores")
    assert f"row {row + 1}:" in expected
    shutil.rmtree(scratch_workspace / "data" / "processed" / "customers")
    with pytest.raises(SchemaError) as refused:
        cx.data.generate(seed=11, size="tiny", workspace=scratch_workspace)
    assert str(refused.value) == expected
    processed = scratch_workspace / "data" / "processed"
    assert not (processed / "customers").exists()  # staged before qa_scores, never swapped in
    assert not any(p.name.startswith((".staging", ".swap-", ".old-")) for p in processed.iterdir())


def test_a_key_repeated_in_another_month_is_refused(scratch_workspace: Path) -> None:
    """Each month passes its rules alone; a contact id given again in a later month is found
    across months and refused with the whole file's message."""
    path = raw_folder(scratch_workspace) / "contacts.parquet"
    contacts = pl.read_parquet(path)
    first, last = contacts["contact_id"][0], contacts.height - 1
    contacts.with_columns(
        pl.when(pl.int_range(pl.len()) == last)
        .then(pl.lit(first))
        .otherwise(pl.col("contact_id"))
        .alias("contact_id")
    ).write_parquet(path)
    expected = _refusal(path, "contacts")
    assert "unique" in expected
    with pytest.raises(SchemaError) as refused:
        cx.data.generate(seed=11, size="tiny", workspace=scratch_workspace)
    assert str(refused.value) == expected
