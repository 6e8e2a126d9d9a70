"""Swapping a staged table into the store so that a crash at any point leaves the old or the new.

A table is a folder (``processed/contacts/``); a write builds the new one in
``processed/.staging/<table>-<id>/`` and swaps it in. A folder cannot replace a folder in one
rename, so the swap is journalled:

1. the staged files are flushed to disk, then ``processed/.swap-<table>.json`` is written
   (atomically: a temporary file renamed over it). The journal names the staged folder and the
   name the old table will take, and is the point of no return: from here the new table wins;
2. the old table is renamed aside (``processed/.old-<table>-<id>/``);
3. the staged folder is renamed to the table;
4. the journal is removed, then the old table.

:func:`recover` (run under the store lock by the next write and by the first read that sees
litter) finishes a journalled swap (steps 2-4), and cleans what a killed write leaves without a
journal: staged folders (the write never committed: the old table stands) and old tables left
aside (removed when the table is there, renamed back when it is not, as a swap written before the
journal existed left them). A reader therefore always finds the old table or the new one, whole.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from cxlab._errors import WorkspaceError

STAGING = ".staging"
_JOURNAL = ".swap-{table}.json"
_LOCK_WAIT = 120.0  # seconds a write waits for another write to finish


def _step(name: str) -> None:
    """A named point of a write (``partition`` after each staged partition, ``staged``,
    ``journal``, ``moved_old``, ``moved_new``, ``journal_removed``), where the fault-injection
    tests stop the process. Does nothing."""


@contextlib.contextmanager
def store_lock(processed: Path, *, wait: float = _LOCK_WAIT) -> Iterator[None]:
    """Hold the store's write lock (one writer, or recovery, at a time)."""
    from filelock import FileLock, Timeout

    processed.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(processed.parent / ".store.lock"), timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        raise WorkspaceError(
            f"another process has been writing to the store {processed} for {wait:.0f} s; "
            "try again when it has finished. Nothing was written."
        ) from None
    try:
        yield
    finally:
        lock.release()


def new_staging(processed: Path, table: str) -> Path:
    staging = processed / STAGING / f"{table}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    return staging


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system syncs a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def swap_in(staging: Path, target: Path) -> None:
    """Make the complete folder ``staging`` the table ``target`` (call under :func:`store_lock`)."""
    processed = target.parent
    processed.mkdir(parents=True, exist_ok=True)
    _fsync_tree(staging)
    _step("staged")
    old = processed / f".old-{target.name}-{uuid.uuid4().hex[:8]}"
    journal = processed / _JOURNAL.format(table=target.name)
    entry = {
        "table": target.name,
        "new": str(staging.relative_to(processed)),
        "old": old.name if target.exists() else None,
    }
    draft = journal.with_name(journal.name + ".tmp")
    draft.write_text(json.dumps(entry))
    with open(draft, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(draft, journal)
    _fsync_dir(processed)
    _step("journal")
    _finish(processed, entry, journal)


def _finish(processed: Path, entry: dict, journal: Path) -> None:
    """Steps 2-4 of a journalled swap, from wherever they stopped."""
    target = processed / entry["table"]
    new = processed / entry["new"]
    old = processed / entry["old"] if entry.get("old") else None
    if new.is_dir():  # the staged folder is not in place yet
        if target.exists():
            if old is None:  # a table appeared since (cannot happen under the lock)
                old = processed / f".old-{target.name}-{uuid.uuid4().hex[:8]}"
            os.replace(target, old)
            _step("moved_old")
        os.replace(new, target)
        _fsync_dir(processed)
        _step("moved_new")
    journal.unlink(missing_ok=True)
    _fsync_dir(processed)
    _step("journal_removed")
    if old is not None:
        if target.exists():
            shutil.rmtree(old, ignore_errors=True)
        elif old.exists():  # the staged folder vanished: keep the old table
            os.replace(old, target)


def litter(processed: Path) -> bool:
    """Whether a write left something behind (a journal, a staged or an old folder)."""
    try:
        with os.scandir(processed) as entries:
            return any(e.name.startswith((".swap-", ".old-", STAGING)) for e in entries)
    except OSError:
        return False


def recover(processed: Path) -> list[str]:
    """Finish or undo what killed writes left in ``processed`` (call under :func:`store_lock`).

    Returns what was done, one line each (empty when there was nothing to do).
    """
    done: list[str] = []
    if not processed.is_dir():
        return done
    for journal in sorted(processed.glob(".swap-*.json")):
        try:
            entry = json.loads(journal.read_text())
            if not isinstance(entry, dict) or not {"table", "new"} <= entry.keys():
                raise ValueError(journal.name)
        except (OSError, ValueError):
            journal.unlink(missing_ok=True)  # a journal is written whole or not at all
            continue
        _finish(processed, entry, journal)
        done.append(f"finished the interrupted swap of {entry['table']}")
    for draft in processed.glob(".swap-*.json.tmp"):
        draft.unlink(missing_ok=True)
    for old in sorted(processed.glob(".old-*"), key=lambda p: p.stat().st_mtime, reverse=True):
        table = old.name.removeprefix(".old-").rsplit("-", 1)[0]
        target = processed / table
        if not target.exists() and (old / "_table.json").exists():
            os.replace(old, target)
            done.append(f"restored {table} from {old.name}")
        else:
            shutil.rmtree(old, ignore_errors=True)
            done.append(f"removed {old.name}")
    staging = processed / STAGING
    if staging.exists():
        for part in sorted(staging.iterdir()):
            shutil.rmtree(part, ignore_errors=True) if part.is_dir() else part.unlink()
            done.append(f"removed the unfinished write {STAGING}/{part.name}")
        shutil.rmtree(staging, ignore_errors=True)
    return done
