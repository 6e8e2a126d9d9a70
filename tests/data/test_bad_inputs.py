"""Bad input is refused at the door: every file of the malformed corpus goes through the real
``cxlab data ingest`` and must be refused with one message naming the file, the column, the rule
and at most five offending rows (customer ids masked), while ``data/processed/`` and the file
itself stay byte-identical.

The corpus is built by ``tests/data/make_corpus.py`` from small valid base tables; ``cases.yaml``
lists what each refusal must say.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import make_corpus
import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from cxlab.cli import app
from cxlab.data import read_source
from cxlab.data._schemas import TABLES

CORPUS = Path(__file__).parent / "corpus"
CASES = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
ROW_LINE = re.compile(r"^\s*row \d+:", re.MULTILINE)


def _sha(path: Path) -> str:
    """The hash of a file's bytes, or of a folder's files (a corpus case may be a folder)."""
    if path.is_dir():
        return hashlib.sha256(repr(_tree(path)).encode()).hexdigest()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _tree(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` with the hash of its bytes ("dir" for folders)."""
    return {
        str(p.relative_to(folder)): "dir" if p.is_dir() else _sha(p)
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture(scope="module")
def workspace(tiny_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the tiny workspace: a store with every table, which must not change."""
    target = tmp_path_factory.mktemp("refusals") / "ws"
    shutil.copytree(tiny_workspace, target)
    return target


def _raw_ids(path: Path, table: str) -> list[str]:
    """The raw identifiers in the file that a message may show only masked."""
    try:
        frame, _ = read_source(path)
    except Exception:  # an unreadable file shows no rows
        return []
    columns = {*TABLES[table].masked, "customer_id"} & set(frame.columns)
    return sorted(
        {str(v) for c in columns for v in frame[c].cast(pl.Utf8).drop_nulls() if str(v).strip()}
    )


def test_corpus_covers_every_table_and_rule() -> None:
    """At least 40 files, every canonical table, and each kind of defect the door must catch."""
    assert len(CASES) >= 40
    assert {case["table"] for case in CASES} == set(TABLES)
    names = " ".join(case["file"] for case in CASES)
    for kind in (
        "missing_column",
        "wrong_type",
        "outside_set",
        "duplicate",
        "negative",
        "before_arrived",
        "without_zone",
        "unparseable",
        "gbk",
        "empty",
        "header_only",
    ):
        assert kind in names, kind
    assert any(case["file"].endswith(".parquet") for case in CASES)
    on_disk = {p.name for p in CORPUS.iterdir()} - {"cases.yaml"}
    assert on_disk == {case["file"] for case in CASES}


def test_corpus_is_reproducible(tmp_path: Path) -> None:
    """Running make_corpus.py again gives the committed files, byte for byte."""
    make_corpus.build(tmp_path / "corpus")
    assert _tree(tmp_path / "corpus") == _tree(CORPUS)


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_refused_with_one_clear_message(case: dict, workspace: Path) -> None:
    path = CORPUS / case["file"]
    processed = workspace / "data" / "processed"
    file_before, store_before = _sha(path), _tree(processed)
    raw = workspace / "data" / "raw"
    raw_before = _tree(raw)

    result = CliRunner().invoke(
        app,
        ["data", "ingest", str(path), "--table", case["table"], "--workspace", str(workspace)],
    )
    message = result.stderr

    # a refusal (exit 2 from the CLI's error path), not a crash with a traceback
    assert result.exit_code == 2, (result.exit_code, result.exception, message)
    assert message.startswith("error: Refused"), message
    assert "Traceback" not in message
    for fragment in case["fragments"]:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    for value in [*case.get("absent", []), *_raw_ids(path, case["table"])]:
        assert value not in message, f"raw id {value!r} shown in:\n{message}"
    assert len(ROW_LINE.findall(message)) <= 5, message
    assert "Nothing was written." in message
    assert result.stdout == ""  # no "stored ..." line

    assert _tree(processed) == store_before  # no partial partitions, no staging left behind
    assert _tree(raw) == raw_before
    assert _sha(path) == file_before  # the input is never touched


def test_refused_through_the_installed_command(workspace: Path) -> None:
    """The same refusal from a separate process (what a scheduler sees): exit code and stderr,
    for the GBK export (its Chinese text must survive the trip through stderr)."""
    case = next(c for c in CASES if c["file"] == "contacts_gbk_channel.csv")
    processed = workspace / "data" / "processed"
    before = _tree(processed)
    path = CORPUS / case["file"]
    command = [sys.executable, "-m", "cxlab.cli", "data", "ingest", str(path)]
    command += ["--table", case["table"], "--workspace", str(workspace)]
    done = subprocess.run(
        command,
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", "COLUMNS": "80"},
        timeout=120,
    )
    stderr = done.stderr.decode("utf-8")
    assert done.returncode == 2, stderr
    for fragment in case["fragments"]:
        assert fragment in stderr, f"{fragment!r} not in:\n{stderr}"
    assert not any(value in stderr for value in _raw_ids(path, case["table"]))
    assert _tree(processed) == before


def test_gbk_text_is_decoded_in_the_message() -> None:
    """The Chinese channel of the GBK export reads as Chinese (not mojibake) in the refusal."""
    result = CliRunner().invoke(
        app, ["data", "validate", str(CORPUS / "contacts_gbk_channel.csv"), "--table", "contacts"]
    )
    assert result.exit_code == 2
    assert "channel='电话'" in result.stderr
    assert "\ufffd" not in result.stderr


def test_brackets_in_the_data_survive_the_message(tmp_path: Path) -> None:
    rows = [dict(r, channel="[vip]") for r in make_corpus.contacts()]
    path = tmp_path / "brackets.csv"
    path.write_text(make_corpus._csv_text(rows), encoding="utf-8")
    result = CliRunner().invoke(app, ["data", "validate", str(path), "--table", "contacts"])
    assert result.exit_code == 2
    assert "channel='[vip]'" in result.stderr
