"""What every benchmark measures the same way: a task in a child process of its own (so its peak
memory is its own), and that process's peak resident memory."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys


def peak_mb() -> float:
    """This process's peak resident memory, in MB (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
