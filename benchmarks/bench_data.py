"""Speed and memory of the workspace foundation; prints one table.

- generate the ``default`` and ``large`` synthetic workspaces (wall time, peak RSS, rows, disk;
  also the time spent in the FIFO queue simulation, a pure-Python loop), beside the figures of the
  generator that held every table whole in memory (text: that generator is gone);
- ingest a 1M-row contacts CSV (written once from generated data) through validation into the store;
- KPI aggregation (answer rate, ASA, AHT, service level) of ~10M contacts to 30-minute intervals
  per queue: polars (``cx.features.kpi`` over a lazy scan) against a straightforward pandas
  groupby, on the same parquet, in the same run; the two answers are compared.

Every measurement runs in its own process, so peak RSS (``resource.getrusage``) is its own.

    .venv/bin/python benchmarks/bench_data.py                     # everything (large: slow)
    .venv/bin/python benchmarks/bench_data.py --sizes default     # without the large workspace
    .venv/bin/python benchmarks/bench_data.py --dir /tmp/cxbench  # where workspaces live
    .venv/bin/python benchmarks/bench_data.py --only generate     # the generator alone
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KPIS = ("answer_rate", "asa", "aht", "service_level")
GENERATE_BEFORE = {  # the generator that simulated every table whole in memory (commit 55d8da5)
    "default": "9.6 s, 857 MB peak",
    "large": "167 s, 13.7 GB peak",
}
TZ = "Asia/Shanghai"


# -- the measured tasks (each runs in a child process) ----------------------------------------


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def task_generate(size: str, workspace: str) -> dict:
    import cxlab as cx
    from cxlab.data._synth import _world

    spent = {"fifo_queue": 0.0}
    inner = _world.fifo_queue

    def timed(*args, **kwargs):
        t = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            spent["fifo_queue"] += time.perf_counter() - t

    _world.fifo_queue = timed
    phases: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    result = cx.data.generate(
        seed=7,
        size=size,
        workspace=workspace,
        force=True,
        progress=lambda msg: phases.append((msg, time.perf_counter() - t0)),
    )
    wall = time.perf_counter() - t0
    return {
        "seconds": wall,
        "peak_mb": _peak_mb(),
        "rows": result["rows"]["contacts"],
        "fifo_seconds": spent["fifo_queue"],
        "phases": phases,
        "raw_mb": _disk_mb(Path(result["raw"])),
        "store_mb": _disk_mb(Path(workspace) / "data" / "processed"),
    }


def _disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def task_write_csv(workspace: str, out: str, n: int) -> dict:
    import polars as pl

    import cxlab as cx

    contacts = cx.load("contacts", workspace=workspace).head(n).collect()
    if contacts.height < n:  # a smaller workspace: repeat it with fresh contact ids
        reps = -(-n // contacts.height)
        contacts = pl.concat(
            [contacts.with_columns(pl.col("contact_id") + f"-{i}") for i in range(reps)]
        ).head(n)
    contacts.write_csv(out)
    return {"rows": contacts.height, "mb": Path(out).stat().st_size / 2**20}


def task_ingest(csv: str, workspace: str) -> dict:
    import cxlab as cx
    import cxlab.data

    t0 = time.perf_counter()
    result = cx.data.ingest(csv, "contacts", workspace=workspace)
    return {"seconds": time.perf_counter() - t0, "peak_mb": _peak_mb(), "rows": result["rows"]}


def _kpi_polars(workspace: str):
    import cxlab as cx

    lf = cx.load("contacts", workspace=workspace)
    return cx.features.kpi(lf, list(KPIS), by=["queue"], every="30m", time_zone=TZ)


def _kpi_pandas(workspace: str):
    """The same four KPIs with plain pandas, as an analyst would write them."""
    import pandas as pd

    from cxlab.features import MetricConfig

    config = MetricConfig()
    columns = [
        "queue",
        "channel",
        "arrived_at",
        "answered_at",
        "abandoned",
        "wait_seconds",
        "handle_seconds",
    ]
    folder = Path(workspace) / "data" / "processed" / "contacts"
    df = pd.concat(
        [pd.read_parquet(p, columns=columns) for p in sorted(folder.glob("month=*/*.parquet"))],
        ignore_index=True,
    )
    read = time.perf_counter()
    rt = df["channel"].isin(["phone", "chat"])
    answered = df["answered_at"].notna()
    short = df["abandoned"] & (df["wait_seconds"] < config.short_abandon_seconds)
    offered = ~short
    sl = df["channel"].map(config.sl_seconds)
    handled = answered & df["handle_seconds"].notna()
    parts = pd.DataFrame(
        {
            "queue": df["queue"],
            "period": df["arrived_at"].dt.tz_convert(TZ).dt.floor("30min"),
            "answer_rate__num": rt & answered & offered,
            "answer_rate__den": rt & offered,
            "asa__num": df["wait_seconds"].where(answered, 0.0),
            "asa__den": answered,
            "aht__num": df["handle_seconds"].where(handled, 0.0),
            "aht__den": handled,
            "service_level__num": answered & (df["wait_seconds"] <= sl) & offered,
            "service_level__den": offered,
        }
    )
    sums = parts.groupby(["queue", "period"], sort=True).sum()
    for k in KPIS:
        sums[k] = sums[f"{k}__num"] / sums[f"{k}__den"].where(sums[f"{k}__den"] > 0)
    return sums, read


def task_kpi(engine: str, workspace: str, check: str) -> dict:
    import pandas  # noqa: F401  (imports are not what is measured)

    import cxlab.data
    import cxlab.features  # noqa: F401

    t0 = time.perf_counter()
    if engine == "polars":
        out = _kpi_polars(workspace)
        read = None
        rows = out.height
        out.write_parquet(check)
    else:
        sums, read = _kpi_pandas(workspace)
        rows = len(sums) * len(KPIS)
        sums.reset_index().to_parquet(check)
    wall = time.perf_counter() - t0
    return {
        "seconds": wall,
        "read_seconds": None if read is None else read - t0,
        "peak_mb": _peak_mb(),
        "rows": rows,
    }


def task_count(workspace: str) -> dict:
    import polars as pl

    import cxlab as cx

    return {"rows": cx.load("contacts", workspace=workspace).select(pl.len()).collect().item()}


TASKS = {
    "generate": task_generate,
    "write_csv": task_write_csv,
    "ingest": task_ingest,
    "kpi": task_kpi,
    "count": task_count,
}


# -- the parent: run each task in a child process, print the table ----------------------------


def child(task: str, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", task, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "POLARS_VERBOSE": "0"},
    )
    if done.returncode != 0:
        raise RuntimeError(f"{task} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(polars_file: str, pandas_file: str) -> float:
    """The largest absolute difference between the polars and pandas KPI values."""
    import polars as pl

    a = pl.read_parquet(polars_file).select("queue", "period", "kpi", "value")
    b = (
        pl.read_parquet(pandas_file)
        .unpivot(index=["queue", "period"], on=list(KPIS), variable_name="kpi")
        .with_columns(pl.col("period").dt.convert_time_zone(TZ).dt.cast_time_unit("us"))
    )
    a = a.with_columns(pl.col("period").dt.cast_time_unit("us"))
    joined = a.join(b, on=["queue", "period", "kpi"], how="full", suffix="_pd")
    if joined.filter(pl.col("queue").is_null() | pl.col("queue_pd").is_null()).height:
        return float("inf")  # a group present in one answer only
    diff = (pl.col("value") - pl.col("value_pd")).abs()
    both_null = pl.col("value").is_null() & pl.col("value_pd").is_null()
    if joined.filter(~both_null & diff.is_null()).height:
        return float("inf")
    return joined.select(diff.max()).item() or 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="default,large")
    parser.add_argument("--dir", default=os.path.join(tempfile.gettempdir(), "cxbench"))
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["generate"], help="run only these rows")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        task, *rest = args.child
        if task == "write_csv":
            rest[2] = int(rest[2])
        print(json.dumps(TASKS[task](*rest)))
        return

    root = Path(args.dir)
    root.mkdir(parents=True, exist_ok=True)
    sizes = [s for s in args.sizes.split(",") if s]
    table: list[tuple[str, str, str, str, str]] = []
    notes: list[str] = []

    def add(step: str, r: dict, extra: str = "") -> None:
        table.append(
            (step, f"{r['seconds']:.1f}", f"{r.get('peak_mb', 0):,.0f}", f"{r['rows']:,}", extra)
        )
        print(f"  {step}: {r['seconds']:.1f} s", file=sys.stderr, flush=True)

    for size in sizes:
        r = child("generate", size, str(root / size))
        add(
            f"generate {size}",
            r,
            f"FIFO queue loop {r['fifo_seconds']:.1f} s ({r['fifo_seconds'] / r['seconds']:.0%})",
        )
        marks = [*r["phases"], ("end", r["seconds"])]
        steps = [
            f"{msg.split(' in ')[0]} {nxt - at:.0f} s"
            for (msg, at), (_, nxt) in itertools.pairwise(marks)
        ]
        notes.append(f"generate {size} phases: " + "; ".join(steps))
        notes.append(
            f"generate {size} disk: raw export {r['raw_mb']:,.0f} MB + store "
            f"{r['store_mb']:,.0f} MB; before: {GENERATE_BEFORE.get(size, 'not measured')}"
        )

    if args.only == "generate":
        _print(table, notes)
        return

    source = root / ("large" if "large" in sizes else sizes[0])
    csv = root / f"contacts_{args.csv_rows}.csv"
    if not csv.exists():
        w = child("write_csv", str(source), str(csv), str(args.csv_rows))
        notes.append(f"CSV: {w['rows']:,} rows, {w['mb']:.0f} MB, from {source.name}")
    ingest_ws = root / "ingest"
    r = child("ingest", str(csv), str(ingest_ws))
    add("ingest CSV -> store", r, "read, validate (pandera), write month partitions")

    n = child("count", str(source))["rows"]
    p = child("kpi", "polars", str(source), str(root / "kpi_polars.parquet"))
    add(f"KPIs polars ({n:,} contacts)", p, "lazy scan, 30-min x queue, 4 KPIs")
    q = child("kpi", "pandas", str(source), str(root / "kpi_pandas.parquet"))
    add(
        f"KPIs pandas ({n:,} contacts)",
        q,
        f"of which read_parquet {q['read_seconds']:.1f} s",
    )
    gap = compare(str(root / "kpi_polars.parquet"), str(root / "kpi_pandas.parquet"))
    notes.append(f"polars vs pandas KPI values: largest absolute difference {gap:.2e}")
    notes.append(f"pandas / polars wall time: {q['seconds'] / p['seconds']:.1f}x")

    _print(table, notes)


def _print(table: list[tuple[str, str, str, str, str]], notes: list[str]) -> None:
    header = ("step", "seconds", "peak RSS MB", "rows", "note")
    widths = [max(len(str(row[i])) for row in [header, *table]) for i in range(5)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*header))
    print(line.format(*("-" * w for w in widths)))
    for row in table:
        print(line.format(*row))
    print()
    for note in notes:
        print(note)
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
