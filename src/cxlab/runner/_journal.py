"""The run log and the publish transaction: whatever kills a run, the next start finds the
published report, ``status.json`` and ``runs.jsonl`` in agreement.

A run writes a ``started`` line to ``runs.jsonl`` before anything else, and its outcome as a
second line. Publishing is one transaction per notebook:

1. the new ``latest.html`` is written in full to a hidden ``.latest.<run_id>.tmp`` beside it;
2. a journal, ``reports/<notebook>/.publish.json``, is written atomically: it holds the run's
   record and the new ``status.json``. **This is the commit point**;
3. the archived copy is written, the staged page replaces ``latest.html`` (one rename), the
   outcome line is appended to ``runs.jsonl``, ``status.json`` is replaced, the journal removed.

:func:`recover` runs at every start, under the run lock of the notebooks it recovers: it rolls
each journal forward (a kill after step 2 ends as a published run), records every ``started`` run
without an outcome as killed (a kill before step 2 keeps the old report), and removes the ``.tmp``
litter of killed writes. Every step of 3 is idempotent, so a kill during recovery is recovered by
the next start. While other notebooks of the workspace run (``cxlab refresh --jobs N``, or a
``cxlab run`` of another notebook), a start recovers only its own notebooks: a ``started`` line of
a notebook whose run lock is held elsewhere belongs to a live run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

JOURNAL = ".publish.json"
KILL_AT = "CXLAB_TEST_KILL_AT"  # fault injection: SIGKILL this process at the named step

KILLED_MESSAGE = (
    "the run was stopped before it finished (its process was killed); nothing was published"
)


def _step(name: str) -> None:
    """A point where a kill is injected in tests (``CXLAB_TEST_KILL_AT=<name>``)."""
    if os.environ.get(KILL_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_durable(path: Path, data: str | bytes) -> None:
    """Write ``path`` in full and flush it to disk; remove what was written if that fails."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with path.open("wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise


def atomic_write(path: Path, text: str | bytes) -> None:
    """Write ``text`` to a temporary file beside ``path``, then replace ``path`` in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    write_durable(tmp, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def append_line(outputs: Path, record: dict[str, Any]) -> None:
    """Append one JSON line to ``runs.jsonl`` in a single write, flushed to disk.

    A torn last line (a kill in the middle of an earlier write) is cut off first, so lines never
    run together.
    """
    outputs.mkdir(parents=True, exist_ok=True)
    path = outputs / "runs.jsonl"
    line = (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size:
            with path.open("rb") as fh:
                fh.seek(size - 1)
                if fh.read(1) != b"\n":
                    _cut_torn_tail(path, size)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def _cut_torn_tail(path: Path, size: int) -> None:
    data = path.read_bytes()[:size]
    keep = data.rfind(b"\n") + 1
    os.truncate(path, keep)


def run_lines(outputs: Path) -> list[dict[str, Any]]:
    """Every well-formed line of ``runs.jsonl`` (a torn last line is skipped)."""
    path = outputs / "runs.jsonl"
    if not path.exists():
        return []
    out = []
    for line in path.read_bytes().decode("utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            out.append(value)
    return out


def read_runs(outputs: Path) -> list[dict[str, Any]]:
    """One record per run, in the order the runs started: its outcome, or ``status: started``
    while it runs (a run killed since is recorded ``failed`` with ``error.kind`` ``killed``)."""
    runs: dict[str, dict[str, Any]] = {}
    for i, line in enumerate(run_lines(outputs)):
        key = str(line.get("run_id") or f"#{i}")
        runs[key] = {**runs.get(key, {}), **line}
    return list(runs.values())


def read_status(outputs: Path, notebook: str) -> dict[str, Any]:
    path = outputs / "reports" / notebook / "status.json"
    if not path.exists():
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def new_status(
    outputs: Path,
    notebook: str,
    record: dict[str, Any],
    metrics: dict[str, Any] | None,
    *,
    titles: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``status.json`` of ``notebook`` once ``record`` is its last run."""
    status = read_status(outputs, notebook)
    status["notebook"] = notebook
    status["title"] = record.get("title", notebook)
    if titles:
        status["titles"] = titles
    status["last_run"] = record
    if record["status"] == "ok":
        status["last_good"] = {**record, "metrics": metrics or {}}
    return status


def commit(
    outputs: Path,
    record: dict[str, Any],
    status: dict[str, Any],
    *,
    page: str | None = None,
    archive: str | None = None,
) -> None:
    """Record the outcome of a run and, with ``page``, publish it as ``latest.html`` (and
    ``archive``, when given, as its dated copy), all or nothing (see the module docstring)."""
    folder = outputs / "reports" / record["notebook"]
    folder.mkdir(parents=True, exist_ok=True)
    run_id = record["run_id"]
    staged = archived = None
    if page is not None:
        staged = folder / f".latest.{run_id}.tmp"
        write_durable(staged, page)
        _step("staged")
        if archive is not None:
            archived = folder / f".archive.{run_id}.tmp"
            write_durable(archived, archive)
    journal = {
        "run_id": run_id,
        "record": record,
        "status": status,
        "staged": staged.name if staged else None,
        "archived": archived.name if archived else None,
    }
    atomic_write(folder / JOURNAL, json.dumps(journal, ensure_ascii=False, default=str))
    _step("journal")
    _apply(outputs, folder, journal, logged=False)


def _apply(outputs: Path, folder: Path, journal: dict[str, Any], *, logged: bool | None) -> None:
    """Carry out a committed journal; each step may run again after a kill."""
    run_id = journal["run_id"]
    if journal.get("archived"):
        archived = folder / journal["archived"]
        if archived.exists():
            (folder / "archive").mkdir(exist_ok=True)
            os.replace(archived, folder / "archive" / f"{run_id}.html")
            _step("archive")
    if journal.get("staged"):
        staged = folder / journal["staged"]
        if staged.exists():
            os.replace(staged, folder / "latest.html")
            _fsync_dir(folder)
            _step("latest")
    if logged is None:
        logged = any(
            line.get("run_id") == run_id and line.get("status") != "started"
            for line in run_lines(outputs)
        )
    if not logged:
        append_line(outputs, journal["record"])
        _step("logged")
    atomic_write(
        folder / "status.json", json.dumps(journal["status"], indent=2, ensure_ascii=False)
    )
    _step("status")
    (folder / JOURNAL).unlink()
    _step("done")


def recover(outputs: Path, notebooks: Iterable[str] | None = None) -> list[str]:
    """Bring ``outputs`` back to agreement after a killed run (call under the workspace lock).

    Rolls committed publishes forward, records runs that started but never ended as killed, and
    removes the ``.tmp`` files killed writes left. Returns what it did, one line each.

    ``notebooks``: recover only these notebooks (their journals, their runs, their litter, and
    the litter of the index and the shared assets); call it holding their run locks and the
    short publishing lock, while other notebooks may be running. ``None``: the whole workspace.
    """
    only = None if notebooks is None else set(notebooks)
    done: list[str] = []
    reports = outputs / "reports"
    if reports.is_dir():
        for journal_path in sorted(reports.glob(f"*/{JOURNAL}")):
            if only is not None and journal_path.parent.name not in only:
                continue
            try:
                journal = json.loads(journal_path.read_text(encoding="utf-8"))
                _ = journal["record"]["run_id"]  # a journal without its record is void
            except (OSError, ValueError, KeyError, TypeError):
                journal_path.unlink()
                continue
            _apply(outputs, journal_path.parent, journal, logged=None)
            done.append(f"completed the publishing of run {journal['run_id']}")
    ended = {line.get("run_id") for line in run_lines(outputs) if line.get("status") != "started"}
    for line in run_lines(outputs):
        if line.get("status") != "started" or line.get("run_id") in ended:
            continue
        if only is not None and line.get("notebook") not in only:
            continue  # another notebook's run: it may be running now
        now = dt.datetime.now(dt.UTC)
        record = {
            **{k: v for k, v in line.items() if k != "status"},
            "ended_at": now.isoformat(timespec="seconds"),
            "duration_s": None,
            "status": "failed",
            "error": {"kind": "killed", "message": KILLED_MESSAGE, "cell": None},
            "report": None,
        }
        status = new_status(outputs, record["notebook"], record, None)
        commit(outputs, record, status)
        ended.add(record["run_id"])
        done.append(f"recorded run {record['run_id']} of {record['notebook']} as killed")
    for litter in _litter(outputs, only):
        with contextlib.suppress(OSError):
            litter.unlink()
            done.append(f"removed {litter.relative_to(outputs)}")
    return done


def _litter(outputs: Path, only: set[str] | None = None) -> list[Path]:
    """Hidden ``.tmp`` files of killed writes (never a journal's staged page: journals go first).

    With ``only``, those of these notebooks, of the index and of the shared assets (written
    under the publishing lock), not those of other files (the schedule's state has its own lock).
    """
    top = ".*.tmp" if only is None else ".index.html.*.tmp"
    found = list(outputs.glob(top)) + list((outputs / "assets").glob(".*.tmp"))
    reports = outputs / "reports"
    if only is None and reports.is_dir():
        found += list(reports.glob("*/.*.tmp")) + list(reports.glob("*/archive/.*.tmp"))
    for name in sorted(only or ()):
        found += list((reports / name).glob(".*.tmp"))
        found += list((reports / name / "archive").glob(".*.tmp"))
    return [p for p in found if p.is_file()]
