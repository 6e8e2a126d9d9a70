"""The table swap survives a kill at any point: the next start sees the old table or the new one,
whole, and the litter of the killed write (``.staging/``, ``.old-*``, the journal) is gone.

A real ``cxlab data ingest`` runs in a subprocess that stops dead (``os._exit``, no clean-up, as
SIGKILL leaves it) at a named step of the write (:func:`cxlab.data._swap._step`). The slow sweep
kills real ingests with SIGKILL at many moments instead (``make test-slow``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import cxlab as cx

STEPS = ("partition", "staged", "journal", "moved_old", "moved_new", "journal_removed")
COMMITTED = {"journal", "moved_old", "moved_new", "journal_removed"}  # the journal is written
KILLED = 137

DRIVER = """
import os, sys, time
import cxlab.data._swap as swap

stop, log = sys.argv[1], sys.argv[2]

def step(name):
    if log != "-":
        with open(log, "a") as fh:
            fh.write(f"{name} {time.time():.6f}\\n")
    if name == stop:
        os._exit(137)

swap._step = step
if sys.argv[3] == "api":  # the library call alone: no command-line imports, a faster start
    from cxlab.data import ingest

    export, mode, ws = sys.argv[4:7]
    ingest(export, "contacts", mode=mode, workspace=ws)
else:
    from cxlab.cli import app

    app(sys.argv[3:], prog_name="cxlab")
"""


def _ingest_command(
    driver: Path, ws: Path, export: Path, mode: str, stop: str, log: str, *, api: bool = False
):
    if api:
        return [sys.executable, str(driver), stop, log, "api", str(export), mode, str(ws)]
    return [
        sys.executable,
        str(driver),
        stop,
        log,
        "data",
        "ingest",
        str(export),
        "--table",
        "contacts",
        "--mode",
        mode,
        "--workspace",
        str(ws),
    ]


def _contacts(ws: Path) -> pl.DataFrame:
    return cx.load("contacts", workspace=ws).collect().sort("contact_id")


def _litter(ws: Path) -> list[str]:
    processed = ws / "data" / "processed"
    return sorted(
        p.name for p in processed.iterdir() if p.name.startswith((".staging", ".old-", ".swap-"))
    )


@pytest.fixture()
def case(scratch_workspace: Path, tmp_path: Path) -> dict:
    """A workspace, its contacts (old) and an export that changes every row (new, replace) or
    every August row (new, months)."""
    ws = scratch_workspace
    old = _contacts(ws)
    august = cx.load("contacts", start="2026-08-01", end="2026-09-01", workspace=ws).collect()
    edited = old.with_columns(pl.lit("Edited").alias("category"))
    edited.write_parquet(tmp_path / "replace.parquet")
    edited_august = august.with_columns(pl.lit("Edited").alias("category"))
    edited_august.write_parquet(tmp_path / "months.parquet")
    in_august = pl.col("contact_id").is_in(august["contact_id"].implode())
    new_months = old.with_columns(
        pl.when(in_august).then(pl.lit("Edited")).otherwise(pl.col("category")).alias("category")
    )
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    return {
        "ws": ws,
        "old": old,
        "new": {"replace": edited, "months": new_months},
        "export": {"replace": tmp_path / "replace.parquet", "months": tmp_path / "months.parquet"},
        "driver": driver,
    }


def _which(frame: pl.DataFrame, old: pl.DataFrame, new: pl.DataFrame) -> str:
    for name, expected in (("old", old), ("new", new)):
        try:
            assert_frame_equal(frame, expected)
            return name
        except AssertionError:
            continue
    return "mixed"


@pytest.mark.parametrize(
    ("step", "mode"),
    [*((step, "replace") for step in STEPS), ("partition", "months"), ("moved_old", "months")],
)
def test_a_kill_at_each_step_leaves_the_old_or_the_new_table(case: dict, step: str, mode: str):
    ws = case["ws"]
    done = subprocess.run(
        _ingest_command(case["driver"], ws, case["export"][mode], mode, step, "-", api=True),
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == KILLED, done.stderr.decode()
    assert _litter(ws)  # the kill left something behind (it is not a clean exit)
    got = _which(_contacts(ws), case["old"], case["new"][mode])
    # before the journal the write never committed; from the journal on, it is finished
    assert got == ("new" if step in COMMITTED else "old")
    assert _litter(ws) == []
    info = json.loads((ws / "data/processed/contacts/_table.json").read_text())
    assert info["rows"] == case["old"].height


def test_a_table_left_only_in_old_by_an_earlier_version_is_restored(case: dict) -> None:
    """The state an earlier version could leave: killed between the two renames of a swap without a journal,
    the table exists only as ``.old-contacts-*``, beside a staged folder. The next start renames
    it back and removes the staging."""
    ws = case["ws"]
    processed = ws / "data" / "processed"
    os.replace(processed / "contacts", processed / ".old-contacts-1a2b3c4d")
    staged = processed / ".staging" / "contacts-5e6f7a8b" / "month=2026-08"
    staged.mkdir(parents=True)
    (staged / "part-0.parquet").write_bytes(b"half a file")
    assert_frame_equal(_contacts(ws), case["old"])
    assert _litter(ws) == []


def test_staging_litter_is_cleaned_when_the_table_is_whole(case: dict) -> None:
    ws = case["ws"]
    processed = ws / "data" / "processed"
    shutil.copytree(processed / "contacts", processed / ".old-contacts-00000000")
    (processed / ".staging" / "customers-11111111").mkdir(parents=True)
    (processed / ".swap-events.json.tmp").write_text('{"table": "ev')
    done = cx.data.recover_store(cx._config.settings(ws))
    assert len(done) == 2 and _litter(ws) == []
    assert_frame_equal(_contacts(ws), case["old"])


@pytest.mark.slow
def test_sigkill_sweep_never_loses_or_mixes_the_table(case: dict, tmp_path: Path) -> None:
    """SIGKILL a real ``cxlab data ingest`` at many moments: a uniform grid over its whole life,
    and a dense grid over the write (found from a first run's step times). After each kill the
    next load sees the old or the new table, whole, and no litter remains."""
    pristine = tmp_path / "pristine"
    shutil.copytree(case["ws"], pristine)
    mode = "months"
    log = tmp_path / "steps.log"
    start = time.time()
    first = subprocess.run(
        _ingest_command(case["driver"], case["ws"], case["export"][mode], mode, "-", str(log)),
        capture_output=True,
        timeout=120,
    )
    total = time.time() - start
    assert first.returncode == 0, first.stderr.decode()
    times = [float(line.split()[1]) - start for line in log.read_text().splitlines()]
    write_from, write_to = min(times) - 0.05, max(times) + 0.05
    uniform = [total * k / 20 for k in range(1, 20)]
    dense = [write_from + (write_to - write_from) * k / 40 for k in range(41)]
    outcomes: dict[str, int] = {}
    interrupted = 0  # kills that left a write half-done (litter before the next start)
    for delay in sorted(uniform + dense):
        ws = tmp_path / f"ws-{delay:.4f}"
        shutil.copytree(pristine, ws)
        proc = subprocess.Popen(
            _ingest_command(case["driver"], ws, case["export"][mode], mode, "-", "-"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(max(delay, 0.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        interrupted += bool(_litter(ws))
        got = _which(_contacts(ws), case["old"], case["new"][mode])
        assert got in ("old", "new"), f"killed after {delay:.3f} s: the table is {got}"
        assert _litter(ws) == [], f"killed after {delay:.3f} s: litter {_litter(ws)}"
        outcomes[got] = outcomes.get(got, 0) + 1
        shutil.rmtree(ws)
    print(
        f"\nSIGKILL sweep: {sum(outcomes.values())} kills, {interrupted} inside a write, "
        f"outcomes {outcomes}"
    )
    assert outcomes.get("old", 0) > 0 and outcomes.get("new", 0) > 0
    assert interrupted > 0  # some kills did land inside a write, not only before or after it
