"""Speed and memory of the service review's computation (the notebook ``00_service_review``).

Prints one table, every row measured in its own child process (so its peak RSS is its own), in
the same run:

- the review's computation as the notebook runs it (``open_review``, the scorecard, volume, the
  four breakdowns, service level day by day, phone, complaints, QA, unusual days, the team and
  agent rankings), on the workspace given (``--workspace``, e.g. the 10.5M-contact one; read only)
  and on a default-size workspace;
- the same sections given a fresh scan of the store instead of the review's contacts: every
  section prepares the whole table (the repeat-contact window over all history), as the review
  did before its months were shared; its scorecard is compared with the shared path's;
- the floor: polars reading the columns the review needs for the months it reads (with the
  repeat window's reach), from the same parquet.

Goal: the review at 10.5M contacts in ≤ 5 s and ≤ 1.5 GB peak.

    .venv/bin/python benchmarks/bench_review.py --workspace /tmp/cxlarge
    .venv/bin/python benchmarks/bench_review.py --workspace /tmp/cxlarge --default-workspace /tmp/ws
    .venv/bin/python benchmarks/bench_review.py --workspace /tmp/cxlarge --skip-whole
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import _measure  # benchmarks/_measure.py: the script's own folder is on sys.path

COLUMNS = (  # what the review's sections read of the contacts
    "contact_id",
    "customer_id",
    "channel",
    "queue",
    "category",
    "category_l2",
    "category_l3",
    "complaint_type",
    "priority",
    "arrived_at",
    "answered_at",
    "resolved_at",
    "abandoned",
    "wait_seconds",
    "handle_seconds",
    "agent_id",
    "first_contact_resolution",
    "transfers",
    "csat",
)


# -- the measured tasks (each runs in a child process) ----------------------------------------


def task_review(workspace: str, path: str) -> dict:
    """The notebook's computation; ``path`` "shared" gives the sections the review's contacts,
    "whole" a fresh scan of the store (each section then prepares the whole table)."""
    t_import = time.perf_counter()
    import plotly.graph_objects  # noqa: F401
    import polars as pl
    import scipy.stats  # noqa: F401

    import cxlab as cx
    import cxlab.review

    imports = time.perf_counter() - t_import  # imports are not the computation: loaded first
    t0 = time.perf_counter()
    review = cx.review.open_review(workspace=workspace)
    opened = time.perf_counter() - t0
    c = review.contacts if path == "shared" else cx.load("contacts", workspace=workspace)
    p, t = review.period, review.targets
    card = cx.review.scorecard(c, t, p)
    cx.review.volume(c, p)
    cx.review.breakdown(c, p, ["fcr", "csat"], ["channel"])
    cx.review.breakdown(c, p, ["csat", "fcr"], ["category", "category_l2"])
    cx.review.breakdown(c, p, ["asa", "service_level"], ["channel"])
    cx.review.daily(c, p, "service_level", targets=t)
    cx.review.phone(c, p)
    cx.review.complaints(c, p)
    cx.review.breakdown(c, p, ["sla_answered", "sla_resolved"], ["priority"], targets=t)
    cx.review.qa(review.qa_scores, c, p)
    cx.review.anomalies(c, p, by="queue")
    cx.review.ranking(c, p, kpi="fcr", by="team", agents=review.agents)
    cx.review.ranking(c, p, kpi="fcr", by="agent_id", agents=review.agents)
    seconds = time.perf_counter() - t0
    rows = cx.load("contacts", workspace=workspace).select(pl.len()).collect().item()
    return {
        "seconds": seconds,
        "open_seconds": opened,
        "import_seconds": imports,
        "peak_mb": _measure.peak_mb(),
        "rows": rows,
        "month": p.month,
        "scorecard": card.table.select("kpi", "scope", "value", "n").rows(),
    }


def task_floor(workspace: str) -> dict:
    """Polars reading the review's columns for the months it reads, with the window's reach."""
    import datetime as dt

    import polars as pl

    import cxlab as cx
    from cxlab.features import MetricConfig
    from cxlab.review._shared import review_spans

    scan = cx.load("contacts", workspace=workspace)
    period = cx.review.review_period(scan, time_zone=cx._config.settings(workspace).time_zone)
    reach = dt.timedelta(days=MetricConfig().fcr_window_days)
    t0 = time.perf_counter()
    t = pl.col("arrived_at")
    spans = review_spans(period)
    read = pl.any_horizontal([t.is_between(a, b + reach, closed="both") for a, b in spans])
    frame = cx.load("contacts", workspace=workspace).filter(read).select(COLUMNS).collect()
    return {
        "seconds": time.perf_counter() - t0,
        "peak_mb": _measure.peak_mb(),
        "rows": frame.height,
    }


TASKS = {"review": task_review, "floor": task_floor}


# -- the parent: run each task in a child process, print the table ----------------------------


def child(task: str, *args: str) -> dict:
    return _measure.child(__file__, task, *args)


def largest_gap(a: list, b: list) -> float:
    """The largest relative difference between two scorecards' values (inf if they differ in
    their rows or in which values are blank)."""
    if [(k, s) for k, s, _v, _n in a] != [(k, s) for k, s, _v, _n in b]:
        return float("inf")
    gap = 0.0
    for (_k, _s, va, na), (_k2, _s2, vb, nb) in zip(a, b, strict=True):
        if (va is None) != (vb is None) or na != nb:
            return float("inf")
        if va is not None and va != vb:
            gap = max(gap, abs(va - vb) / max(abs(vb), 1e-300))
    return gap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, required=False, help="read only")
    parser.add_argument("--default-workspace", type=Path, default=None, help="read only")
    parser.add_argument("--skip-whole", action="store_true", help="no whole-table rows")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        task, *rest = args.child
        print(json.dumps(TASKS[task](*rest), default=str))
        return

    table: list[tuple[str, str, str, str, str]] = []
    notes: list[str] = []

    def add(step: str, r: dict, extra: str = "") -> None:
        row = (step, f"{r['seconds']:.2f}", f"{r['peak_mb']:,.0f}", f"{r['rows']:,}", extra)
        table.append(row)
        print(f"  {step}: {r['seconds']:.2f} s, {r['peak_mb']:,.0f} MB", file=sys.stderr)

    with tempfile.TemporaryDirectory() as tmp:
        small = args.default_workspace
        if small is None:
            small = Path(tmp) / "default"
            import cxlab as cx

            cx.data.generate(seed=7, size="default", workspace=small)
        workspaces = [("default", small)]
        if args.workspace is not None:
            workspaces.append(("given", args.workspace))
        for _name, ws in workspaces:
            s = child("review", str(ws), "shared")
            n = s["rows"]
            add(
                f"service review computation at {n:,} contacts",
                s,
                f"month {s['month']}; open_review {s['open_seconds']:.2f} s; "
                f"imports before, {s['import_seconds']:.1f} s",
            )
            if not args.skip_whole:
                w = child("review", str(ws), "whole")
                add(f"  same, every section over the whole table ({n:,})", w, "the path before")
                gap = largest_gap(s["scorecard"], w["scorecard"])
                notes.append(
                    f"{n:,} contacts: scorecard, shared vs whole table, largest relative "
                    f"difference {gap:.1e}; whole / shared time {w['seconds'] / s['seconds']:.1f}x"
                )
            f = child("floor", str(ws))
            add(f"  floor: polars reads the review's months ({n:,})", f, "columns it needs")
            notes.append(
                f"{n:,} contacts: shared review / floor time {s['seconds'] / f['seconds']:.1f}x"
            )

    header = ("step", "seconds", "peak RSS MB", "rows", "note")
    widths = [max(len(str(row[i])) for row in [header, *table]) for i in range(5)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cpus)")
    print(line.format(*header))
    print(line.format(*("-" * w for w in widths)))
    for row in table:
        print(line.format(*row))
    print()
    for note in notes:
        print(note)
    print("goal: the review at 10.5M contacts in ≤ 5 s and ≤ 1.5 GB peak")


if __name__ == "__main__":
    main()
