"""The fan-out of many queues: in this process, in two local processes, on a two-worker Dask cluster.

Two hundred synthetic queues of 30-minute counts (a daily profile and a weekly pattern of their
own, times a level of their own, plus Poisson noise; generated here from a seed) are forecast by
``cx.forecast.refresh`` (one task per queue) and staffed by ``cx.staffing.plan`` (one task per
queue) with ``executor="serial"``, ``"processes"`` (a pool of two) and a ``LocalCluster`` of two
single-threaded worker processes. Each measurement runs in a child process of its own; the
memory is the peak of the child and every process it started (sampled every 0.1 s). The Dask
rows say how long the cluster took to start (not counted in the run) and the overhead per
task, from the same executor running 2,000 trivial tasks. The last column is a digest of the
frames returned: equal digests, equal frames.

    .venv/bin/python benchmarks/bench_cluster.py
    .venv/bin/python benchmarks/bench_cluster.py --queues 50 --weeks 8   # a quicker look
    flock /tmp/cxlab-heavy.lock .venv/bin/python benchmarks/bench_cluster.py   # on a shared machine
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import threading
import time

import _measure  # benchmarks/_measure.py: the script's own folder is on sys.path

KINDS = ("serial", "processes", "dask")


def queues(n: int, weeks: int, seed: int):
    """``n`` queues of 30-minute counts over ``weeks`` weeks, open 08:00-20:00 Monday to
    Saturday (Shanghai time, stored in UTC)."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    start = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)  # a Monday; 08:00 in Shanghai is 00:00 UTC
    days = weeks * 7
    slots = np.arange(24)  # 24 half-hours from 08:00 local
    ts, day_of_week, slot = [], [], []
    for d in range(days):
        if d % 7 == 6:  # closed on Sundays
            continue
        for s in slots:
            ts.append(start + dt.timedelta(days=d, minutes=30 * int(s)))
            day_of_week.append(d % 7)
            slot.append(int(s))
    day_of_week, slot = np.array(day_of_week), np.array(slot)
    frames = []
    for q in range(n):
        level = rng.uniform(3, 60)
        peaks = rng.uniform(2, 8, 2)  # two intraday peaks, mid-morning and mid-afternoon
        profile = (
            0.3
            + np.exp(-((slots - peaks[0]) ** 2) / 8)
            + np.exp(-((slots - 10 - peaks[1]) ** 2) / 10)
        )
        weekly = rng.uniform(0.6, 1.3, 7)
        lam = level * profile[slot] * weekly[day_of_week]
        frames.append(
            pl.DataFrame(
                {
                    "series_id": f"q{q:03d}",
                    "ts": pl.Series(ts).dt.convert_time_zone("Asia/Shanghai"),
                    "y": rng.poisson(lam).astype(float),
                }
            )
        )
    return pl.concat(frames)


def forecast_frame(n: int, seed: int):
    """A week's forecast of ``n`` queues with bands, for the staffing plan."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    start = dt.datetime(2026, 9, 7, tzinfo=dt.UTC)
    ts = [start + dt.timedelta(days=d, minutes=30 * s) for d in range(6) for s in range(24)]
    frames = []
    for q in range(n):
        y = rng.uniform(2, 120) * rng.uniform(0.5, 1.5, len(ts))
        sd = np.sqrt(y + 1)
        frames.append(
            pl.DataFrame(
                {
                    "series_id": f"q{q:03d}",
                    "ts": ts,
                    "y_hat": y,
                    "y_lo_80": np.maximum(y - 1.28 * sd, 0),
                    "y_hi_80": y + 1.28 * sd,
                    "y_lo_95": np.maximum(y - 1.96 * sd, 0),
                    "y_hi_95": y + 1.96 * sd,
                }
            )
        )
    return pl.concat(frames)


def _digest(frame) -> str:
    return f"{int(frame.hash_rows(seed=0).sum()) % 10**8:08d}"


def task(what: str, kind: str, n: int, weeks: int, seed: int) -> dict:
    """One measurement, in this (child) process."""
    import operator

    import cxlab as cx
    from cxlab._executor import fan_out

    peak = {"mb": 0.0}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak["mb"] = max(peak["mb"], _measure.tree_mb(os.getpid()))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    executor, startup, cluster = kind, None, None
    if kind == "dask":
        from distributed import Client, LocalCluster

        t0 = time.perf_counter()
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,
        )
        executor = Client(cluster, set_as_default=False)
        fan_out(operator.add, [(1, 1)], executor=executor)  # the workers import cxlab
        startup = time.perf_counter() - t0
    out: dict = {"startup": startup}
    if what == "refresh":
        series = queues(n, weeks, seed)
        t0 = time.perf_counter()
        fc = cx.forecast.refresh(series, executor=executor)
        out["seconds"] = time.perf_counter() - t0
        out["digest"] = _digest(fc.frame)
        out["rows"] = series.height
    elif what == "plan":
        frame = forecast_frame(n, seed)
        settings = cx.staffing.QueueSettings(
            aht_seconds=300,
            sl_target=0.8,
            sl_seconds=20,
            patience_seconds={f"q{q:03d}": 120 for q in range(0, n, 2)},
        )
        t0 = time.perf_counter()
        staffed = cx.staffing.plan(frame, settings=settings, time_zone="UTC", executor=executor)
        out["seconds"] = time.perf_counter() - t0
        out["digest"] = _digest(staffed.table)
        out["rows"] = frame.height
    else:  # trivial tasks: what the executor costs per task
        tasks = [(i, 1) for i in range(2000)]
        t0 = time.perf_counter()
        assert fan_out(operator.add, tasks, executor=executor) == [i + 1 for i in range(2000)]
        out["seconds"] = time.perf_counter() - t0
        out["digest"] = "-"
        out["rows"] = len(tasks)
    if cluster is not None:
        executor.close()
        cluster.close()
    done.set()
    sampler.join()
    out["tree_mb"] = peak["mb"]
    out["self_mb"] = _measure.peak_mb()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queues", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=12, help="weeks of history per queue")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        what, kind, n, weeks, seed = args.child
        print(json.dumps(task(what, kind, int(n), int(weeks), int(seed))))
        return
    loads = [os.getloadavg()]
    rows = []
    for what in ("refresh", "plan", "trivial"):
        serial = None
        for kind in KINDS:
            r = _measure.child(
                __file__, what, kind, str(args.queues), str(args.weeks), str(args.seed)
            )
            serial = r["seconds"] if kind == "serial" else serial
            rows.append((what, kind, r, r["seconds"] / serial))
            print(f"  {what} {kind}: {r['seconds']:.2f} s", file=sys.stderr, flush=True)
    loads.append(os.getloadavg())
    print(
        f"{args.queues} queues, {args.weeks} weeks of 30-minute history each (seed {args.seed}); "
        f"{os.cpu_count()} cores"
    )
    print(
        f"{'what':<8} {'executor':<10} {'rows':>8} {'seconds':>8} {'x serial':>8} "
        f"{'start s':>8} {'ms/task':>8} {'peak MB':>8} {'digest':>9}"
    )
    for what, kind, r, ratio in rows:
        start = f"{r['startup']:.2f}" if r["startup"] is not None else "-"
        per_task = f"{r['seconds'] / r['rows'] * 1000:.2f}" if what == "trivial" else "-"
        print(
            f"{what:<8} {kind:<10} {r['rows']:>8} {r['seconds']:>8.2f} {ratio:>8.2f} "
            f"{start:>8} {per_task:>8} {r['tree_mb']:>8.0f} {r['digest']:>9}"
        )
    print(
        "load average (1, 5, 15 min) before: "
        + ", ".join(f"{x:.2f}" for x in loads[0])
        + "; after: "
        + ", ".join(f"{x:.2f}" for x in loads[1])
    )


if __name__ == "__main__":
    main()
