"""The locks of a workspace's ``outputs/``: who may run which notebook, and who may write the
files every notebook shares.

``outputs/.cxlab.lock``
    the workspace lock. :func:`cxlab.runner.workspace_lock` holds it exclusively (the schedule
    service, maintenance: no run at all meanwhile); every run holds it shared.
``outputs/.locks/<notebook>.lock``
    the run lock of one notebook's output slot (``runs/<notebook>/``, ``reports/<notebook>/``):
    two runs of one notebook never overlap. ``<notebook>.owner`` beside it says who holds it.
``outputs/.cxlab.publish.lock``
    the short lock around writes to what the notebooks share: the run log ``runs.jsonl``, the
    index page, the shared assets and recovery after a kill. It is held for the few
    milliseconds a run takes to record its start or publish its outcome.

All are ``flock`` locks: the operating system releases them when their process dies, so a killed
run never leaves a workspace locked.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

WORKSPACE_LOCK = ".cxlab.lock"
OWNER = ".cxlab.lock.owner"
LOCKS = ".locks"
PUBLISH_LOCK = ".cxlab.publish.lock"
PUBLISH_WAIT = 300.0
"""Seconds a run waits for the publishing lock before it gives up (it is held for milliseconds)."""
BUSY_WORDS = "another cxlab run is using this workspace"  # how a held lock is said


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` says a run lock was held: nothing ran, and the same run may start later."""
    return str(exc).startswith(BUSY_WORDS)


class Busy(Exception):
    """A run lock is held by another run: ``who`` holds it, ``path`` is the lock file."""

    def __init__(self, who: str, path: Path) -> None:
        self.who = who
        self.path = path
        super().__init__(f"{BUSY_WORDS} ({who})")


def owner_text() -> str:
    """What a lock's owner file says: the process and since when."""
    return f"pid {os.getpid()} since {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"


def holders(outputs: Path, *, exclusive: bool) -> str:
    """Who holds the workspace: its exclusive holder (``exclusive``), else the runs of each
    notebook; the other when that says nothing."""
    found = []
    for owner in sorted((outputs / LOCKS).glob("*.owner")):
        with contextlib.suppress(OSError):
            found.append(f"{owner.read_text().strip()}, running {owner.stem}")
    runs = "; ".join(found)
    try:
        holder = (outputs / OWNER).read_text().strip()
    except OSError:
        holder = ""
    return (holder or runs if exclusive else runs or holder) or "another process"


class _SharedHold:
    """``path`` held shared (``flock`` ``LOCK_SH``) on one descriptor; an exclusive holder
    refuses it. Where ``flock`` is missing, an exclusive :class:`filelock.FileLock` stands in."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._lock: Any = None

    def acquire(self) -> None:
        try:
            import fcntl
        except ImportError:  # no flock: hold it exclusively, one run at a time as before
            from filelock import FileLock, Timeout

            self._lock = FileLock(str(self.path), timeout=0)
            try:
                self._lock.acquire()
            except Timeout:
                self._lock = None
                raise Busy(holders(self.path.parent, exclusive=True), self.path) from None
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise Busy(holders(self.path.parent, exclusive=True), self.path) from None
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None


class SlotLocks:
    """The locks a run or a refresh holds: the workspace lock shared and the run lock of each
    of its notebooks, taken all at once or not at all, released one notebook at a time."""

    def __init__(self, outputs: Path) -> None:
        self.outputs = outputs
        self._workspace = _SharedHold(outputs / WORKSPACE_LOCK)
        self._held: dict[str, Any] = {}

    @property
    def held(self) -> list[str]:
        """The notebooks whose run lock is held, sorted."""
        return sorted(self._held)

    def acquire(self, notebooks: Iterable[str]) -> None:
        """Take the workspace lock (shared) and each notebook's run lock, without waiting.

        Raises :class:`Busy` when one is held (nothing is kept), :class:`OSError` when
        ``outputs/`` cannot be written.
        """
        from filelock import FileLock, Timeout

        try:
            self.outputs.mkdir(parents=True, exist_ok=True)
            self._workspace.acquire()
            folder = self.outputs / LOCKS
            folder.mkdir(exist_ok=True)
            for name in sorted(set(notebooks)):
                path = folder / f"{name}.lock"
                lock = FileLock(str(path), timeout=0)
                try:
                    lock.acquire()
                except Timeout:
                    owner = folder / f"{name}.owner"
                    try:
                        who = f"{owner.read_text().strip()}, running {name}"
                    except OSError:
                        who = f"another process, running {name}"
                    raise Busy(who, path) from None
                self._held[name] = lock
                (folder / f"{name}.owner").write_text(owner_text())
        except BaseException:
            self.close()
            raise

    def release(self, notebook: str) -> None:
        """Let other runs of ``notebook`` start."""
        lock = self._held.pop(notebook, None)
        if lock is None:
            return
        with contextlib.suppress(OSError):
            (self.outputs / LOCKS / f"{notebook}.owner").unlink()
        lock.release()

    def close(self) -> None:
        """Release every lock still held."""
        for name in list(self._held):
            self.release(name)
        self._workspace.release()


@contextlib.contextmanager
def publish_lock(outputs: Path) -> Iterator[None]:
    """Hold the short publishing lock (see the module docstring), waiting for it if need be.

    Raises :class:`OSError` if ``outputs/`` cannot be written, or (``ETIMEDOUT``) if another
    process kept the lock :data:`PUBLISH_WAIT` seconds.
    """
    import errno

    from filelock import FileLock, Timeout

    outputs.mkdir(parents=True, exist_ok=True)
    path = outputs / PUBLISH_LOCK
    lock = FileLock(str(path), timeout=PUBLISH_WAIT)
    try:
        lock.acquire()
    except Timeout:
        raise OSError(
            errno.ETIMEDOUT,
            f"another cxlab process has held its lock for {PUBLISH_WAIT:.0f} s",
            str(path),
        ) from None
    try:
        yield
    finally:
        lock.release()
