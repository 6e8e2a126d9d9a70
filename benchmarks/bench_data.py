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
    .venv/bin/python benchmarks/bench_data.py --only kpi --workspace /tmp/cxlarge  # KPI rows alone

The KPI rows also show the floor: polars reading the columns the KPIs need (held in memory, and
streamed through a trivial sum), with nothing computed. ``--workspace`` is only read.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import _measure  # benchmarks/_measure.py: the script's own folder is on sys.path

KPIS = ("answer_rate", "asa", "aht", "service_level")
GENERATE_BEFORE = {  # the generator that simulated every table whole in memory (commit 55d8da5)
    "default": "9.6 s, 857 MB peak",
    "large": "167 s, 13.7 GB peak",
}
TZ = "Asia/Shanghai"


# -- the measured tasks (each runs in a child process) ----------------------------------------


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
        "peak_mb": _measure.peak_mb(),
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
    return {
        "seconds": time.perf_counter() - t0,
        "peak_mb": _measure.peak_mb(),
        "rows": result["rows"],
    }


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
        "peak_mb": _measure.peak_mb(),
        "rows": rows,
    }


KPI_COLUMNS = [
    "queue",
    "channel",
    "arrived_at",
    "answered_at",
    "abandoned",
    "wait_seconds",
    "handle_seconds",
]


def task_read(engine: str, workspace: str) -> dict:
    """The floor of the KPI rows: polars reading the columns they need and nothing else, held in
    memory (``in-memory``) or streamed through a sum per column (``streaming``)."""
    import polars as pl

    import cxlab as cx

    t0 = time.perf_counter()
    lf = cx.load("contacts", workspace=workspace, columns=KPI_COLUMNS)
    if engine == "in-memory":
        rows = lf.collect().height
    else:
        touch = [pl.col(c).to_physical().cast(pl.Float64).sum() for c in KPI_COLUMNS[2:]]
        touch += [pl.col(c).str.len_bytes().sum() for c in KPI_COLUMNS[:2]]
        lf.select(pl.len(), *touch).collect(engine="streaming")
        rows = lf.select(pl.len()).collect().item()
    return {"seconds": time.perf_counter() - t0, "peak_mb": _measure.peak_mb(), "rows": rows}


def task_count(workspace: str) -> dict:
    import polars as pl

    import cxlab as cx

    return {"rows": cx.load("contacts", workspace=workspace).select(pl.len()).collect().item()}


TASKS = {
    "generate": task_generate,
    "write_csv": task_write_csv,
    "ingest": task_ingest,
    "kpi": task_kpi,
    "read": task_read,
    "count": task_count,
}


# -- the parent: run each task in a child process, print the table ----------------------------


def child(task: str, *args: str) -> dict:
    return _measure.child(__file__, task, *args)


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
    parser.add_argument("--only", choices=["generate", "kpi"], help="run only these rows")
    parser.add_argument(
        "--workspace", help="an existing workspace for the KPI rows (only read; --only kpi)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="KPI rows: best of this many runs")
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

    if args.only == "kpi":
        source = Path(args.workspace) if args.workspace else root / sizes[-1]
        _kpi_rows(source, root, args.repeat, add, notes)
        _print(table, notes)
        return

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

    _kpi_rows(Path(args.workspace) if args.workspace else source, root, args.repeat, add, notes)
    _print(table, notes)


def _best(task: str, *args: str, repeat: int) -> dict:
    """The fastest of ``repeat`` runs of a task (each in its own process), with the largest
    peak RSS of them."""
    runs = [child(task, *args) for _ in range(max(repeat, 1))]
    best = min(runs, key=lambda r: r["seconds"])
    return {**best, "peak_mb": max(r["peak_mb"] for r in runs)}


def _kpi_rows(source: Path, root: Path, repeat: int, add, notes: list[str]) -> None:
    """cxlab's KPIs against pandas on the same parquet, in the same run, and the floor (polars
    reading the needed columns). Only ``root`` is written (the two answers, to compare them)."""
    n = child("count", str(source))["rows"]
    p = _best("kpi", "polars", str(source), str(root / "kpi_polars.parquet"), repeat=repeat)
    add(f"KPIs cxlab ({n:,} contacts)", p, "cx.features.kpi, lazy scan, 30-min x queue, 4 KPIs")
    q = _best("kpi", "pandas", str(source), str(root / "kpi_pandas.parquet"), repeat=repeat)
    add(
        f"KPIs pandas ({n:,} contacts)",
        q,
        f"read_parquet + groupby; of which read_parquet {q['read_seconds']:.1f} s",
    )
    for engine in ("streaming", "in-memory"):
        r = _best("read", engine, str(source), repeat=repeat)
        add(f"floor: polars reads {len(KPI_COLUMNS)} columns", r, f"{engine}, nothing computed")
    gap = compare(str(root / "kpi_polars.parquet"), str(root / "kpi_pandas.parquet"))
    notes.append(f"cxlab vs pandas KPI values: largest absolute difference {gap:.2e}")
    notes.append(
        f"KPIs: pandas / cxlab wall time {q['seconds'] / p['seconds']:.1f}x; peak RSS cxlab "
        f"{p['peak_mb']:,.0f} MB, pandas {q['peak_mb']:,.0f} MB (best of {repeat} runs each)"
    )


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
