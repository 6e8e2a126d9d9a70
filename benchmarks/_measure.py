"""What every benchmark measures the same way: a task in a child process of its own (so its peak
memory is its own), that process's peak resident memory, and the resident memory of a process
and all it started."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path


def peak_mb() -> float:
    """This process's own peak resident memory, in MB.

    Read from ``VmHWM`` in ``/proc/self/status``: on Linux ``ru_maxrss`` survives ``fork`` and
    ``exec``, so a child started by a parent that once held 500 MB reports at least 500 MB.
    Elsewhere ``ru_maxrss`` (KiB on Linux, bytes on macOS) is the fallback.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 / (1024 if sys.platform == "darwin" else 1)


def child(script: str, task: str, *args: str) -> dict:
    """Run ``script --child TASK ARGS...`` in a fresh interpreter; the last line it prints, as JSON."""
    done = subprocess.run(
        [sys.executable, script, "--child", task, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "POLARS_VERBOSE": "0"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"{task} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def tree(pid: int) -> list[int]:
    """``pid`` and every process it started, and they started (Linux ``/proc``)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [pid], [pid]
    while todo:
        for grandchild in children.get(todo.pop(), []):
            found.append(grandchild)
            todo.append(grandchild)
    return found


def rss_mb(pid: int) -> float:
    """The resident memory of ``pid`` now, in MB (0 once it has ended)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_mb(pid: int) -> float:
    """The resident memory of ``pid`` and every process it started, now, in MB (sampled while
    they run, its largest value is the peak of the processes alive at the same time)."""
    return sum(rss_mb(p) for p in tree(pid))
