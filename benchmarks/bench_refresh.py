"""The scheduled refresh of the default workspace, one job at a time against ``--jobs 2``.

Both refreshes run in the same run, on the same generated workspace (seed 7, ``default``),
alternately, through the ``cxlab refresh`` command in a process of its own; ``outputs/`` is kept
from one to the next, as on a machine that refreshes daily (so ``--jobs 2`` can order the jobs by
their last run times; a warm-up refresh with ``--jobs 1`` writes the first ones). For
each: wall time, the CPU time of the whole process tree, and its peak memory: the largest
process (``getrusage(RUSAGE_CHILDREN)``) and the sum over the tree sampled every 0.1 s (the
kernels of parallel jobs are alive at the same time). The critical path comes from the
sequential run's own durations (``runs.jsonl``): with two workers no refresh can be shorter
than the longest job, nor than half the sum of the jobs.

    .venv/bin/python benchmarks/bench_refresh.py                 # jobs 1 against jobs 2
    .venv/bin/python benchmarks/bench_refresh.py --repeat 2      # alternate them, twice each
    flock /tmp/cxlab-heavy.lock .venv/bin/python benchmarks/bench_refresh.py   # on a shared machine
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import _measure  # benchmarks/_measure.py: the script's own folder is on sys.path

ROOT = Path(__file__).resolve().parents[1]


def task_refresh(workspace: str, jobs: str) -> dict:
    """One ``cxlab refresh --jobs N`` (in this child process, so its rusage is its own)."""
    import resource

    peak = {"sum": 0.0}
    cmd = [sys.executable, "-m", "cxlab.cli", "refresh", "--jobs", jobs, "-w", workspace]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak["sum"] = max(peak["sum"], _measure.tree_mb(proc.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"refresh --jobs {jobs} exited {proc.returncode}:\n{err[-3000:]}")
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    runs = [
        json.loads(line)
        for line in (Path(workspace) / "outputs" / "runs.jsonl").read_text().splitlines()
    ]
    ended = [r for r in runs if r.get("status") != "started"]
    return {
        "seconds": wall,
        "cpu_seconds": use.ru_utime + use.ru_stime,
        "largest_mb": use.ru_maxrss / 1024,
        "tree_mb": peak["sum"],
        "runs": {r["notebook"]: [r["duration_s"], r["status"]] for r in ended},
        "output": out,
    }


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="the parallel refresh's --jobs")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--workspace", help="a generated workspace to copy (default: generate)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(task_refresh(*args.child)))
        return

    import cxlab as cx

    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        if args.workspace:
            shutil.copytree(args.workspace, ws, ignore=shutil.ignore_patterns("outputs"))
        else:
            cx.data.generate(seed=7, size="default", workspace=ws)
        if not (ws / "schedule.yaml").exists():
            shutil.copy(ROOT / "schedule.yaml", ws / "schedule.yaml")
        _child(str(ws), "1")  # warm-up: a run log with every job's run time
        loads = [_load()]
        measured: dict[int, list[dict]] = {1: [], args.jobs: []}
        for _ in range(args.repeat):
            for jobs in (1, args.jobs):
                r = _child(str(ws), str(jobs))
                measured[jobs].append(r)
                print(f"  --jobs {jobs}: {r['seconds']:.1f} s", file=sys.stderr, flush=True)
        loads.append(_load())

    def median(jobs: int, key: str) -> float:
        return statistics.median(r[key] for r in measured[jobs])

    rows = []
    for jobs in (1, args.jobs):
        rows.append(
            (
                f"cxlab refresh --jobs {jobs}",
                f"{median(jobs, 'seconds'):.1f}",
                f"{median(jobs, 'cpu_seconds'):.1f}",
                f"{median(jobs, 'largest_mb'):,.0f}",
                f"{median(jobs, 'tree_mb'):,.0f}",
            )
        )
    header = ("refresh", "wall s", "CPU s", "largest process MB", "process tree peak MB")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(5)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*header))
    print(line.format(*("-" * w for w in widths)))
    for row in rows:
        print(line.format(*row))
    print()
    ratio = median(args.jobs, "seconds") / median(1, "seconds")
    print(f"--jobs {args.jobs} / --jobs 1 wall time (medians): {ratio:.2f}")
    for i, (one, many) in enumerate(zip(measured[1], measured[args.jobs], strict=True), 1):
        durations = {nb: d for nb, (d, _s) in one["runs"].items()}
        total, longest = sum(durations.values()), max(durations.values())
        bound = max(longest, total / args.jobs)
        print(
            f"pair {i}: {one['seconds']:.1f} s and {many['seconds']:.1f} s, ratio "
            f"{many['seconds'] / one['seconds']:.2f}; jobs one at a time: "
            + ", ".join(f"{nb} {d:.1f} s" for nb, d in sorted(durations.items()))
            + f"; sum {total:.1f} s, longest {longest:.1f} s: no schedule on {args.jobs} "
            f"workers is shorter than {bound:.1f} s ({bound / one['seconds']:.2f} of the wall)"
        )
        print(
            "        side by side: "
            + ", ".join(f"{nb} {d:.1f} s" for nb, (d, _s) in sorted(many["runs"].items()))
            + f"; CPU {many['cpu_seconds']:.1f} s over {many['seconds']:.1f} s "
            f"({many['cpu_seconds'] / many['seconds']:.2f} cores busy; one at a time "
            f"{one['cpu_seconds'] / one['seconds']:.2f})"
        )
    statuses = {r["runs"][nb][1] for rs in measured.values() for r in rs for nb in r["runs"]}
    print(f"run outcomes: {', '.join(sorted(statuses))}")
    print(f"cores: {os.cpu_count()}; load average before {loads[0]}, after {loads[1]}")


if __name__ == "__main__":
    main()
