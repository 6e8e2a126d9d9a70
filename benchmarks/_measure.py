"""What every benchmark measures the same way: a task in a child process of its own (so its peak
memory is its own), and that process's peak resident memory."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys


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
