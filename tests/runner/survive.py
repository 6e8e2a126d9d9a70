"""Helpers of the kill and fault tests: the agreement check of a workspace's published state."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from cxlab.runner import read_runs, read_status

RUN_ID = re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{4}")


def cli(*args: str | bytes, env: dict | None = None, **kw) -> subprocess.Popen:
    """``cxlab`` in a process of its own (killable like the real command)."""
    return subprocess.Popen(
        [sys.executable, "-m", "cxlab.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        **kw,
    )


def assert_agree(outputs: Path, notebook: str = "good") -> dict:
    """The published page, ``status.json`` and ``runs.jsonl`` tell one story, with no litter.

    Returns what they agree on: the last good run id (or None) and every recorded run.
    """
    runs = read_runs(outputs)
    assert all(r.get("status") != "started" for r in runs), runs  # every run has an outcome
    status = read_status(outputs, notebook)
    latest = outputs / "reports" / notebook / "latest.html"
    good_runs = [r for r in runs if r["notebook"] == notebook and r["status"] == "ok"]
    good = (status.get("last_good") or {}).get("run_id")
    if latest.exists():
        ids = set(RUN_ID.findall(latest.read_text(encoding="utf-8")))
        assert ids == {good}, (ids, good)
    else:
        assert good is None
    assert good == (good_runs[-1]["run_id"] if good_runs else None)
    mine = [r for r in runs if r["notebook"] == notebook]
    if mine:
        assert status["last_run"]["run_id"] == mine[-1]["run_id"]
        assert status["last_run"]["status"] == mine[-1]["status"]
    litter = [p for p in outputs.rglob("*.tmp")] + list(outputs.rglob(".publish.json"))
    assert not litter, litter
    return {"good": good, "runs": runs}


def tree(pid: int) -> list[int]:
    """The processes below ``pid``."""
    from cxlab.runner._execute import _descendants

    return _descendants(pid)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def wait_for(check, timeout: float = 60.0, step: float = 0.1) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(step)
    return False


def kernel_started(proc: subprocess.Popen) -> bool:
    """The run's kernel is up (papermill has started ipykernel below ``proc``)."""
    for pid in tree(proc.pid):
        try:
            if b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return True
        except OSError:
            continue
    return False


def kill(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> list[int]:
    """Send ``sig`` to the ``cxlab`` process alone; return the processes it had started."""
    below = tree(proc.pid)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    return below
