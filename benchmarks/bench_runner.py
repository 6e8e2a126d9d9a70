"""How long ``cxlab run`` takes per notebook against the floor, and how long each sub-package
takes to import against ``statsmodels.api``; prints two tables.

- the floor: papermill executing a one-cell notebook (``pass``) and ``jupyter nbconvert --to
  html`` rendering it, two stock commands, measured in the same run on the same machine; a second
  floor row has the kernel import polars and show one plotly chart (what every report's kernel
  pays before it computes anything);
- ``cxlab run NOTEBOOK -w WORKSPACE`` for each notebook in ``notebooks/`` (00 to 04) on a
  default synthetic workspace (seed 7), wall time of the whole command, and its ratio to the floor;
- ``import cxlab.<sub-package>`` in a fresh interpreter (warm file cache), median of ``--imports``,
  beside ``import statsmodels.api`` measured the same way.

Every measurement runs in its own process tree; peak RSS is the largest process of that tree
(``RUSAGE_CHILDREN``), so it is its own. Run timing under the shared lock:

    flock /tmp/cxlab-heavy.lock .venv/bin/python benchmarks/bench_runner.py
    .venv/bin/python benchmarks/bench_runner.py --workspace /tmp/ws --repeat 1 --imports 5
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
from pathlib import Path

import cxlab

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = (
    "00_service_review",
    "01_volume_forecast",
    "02_interventions",
    "03_churn_drivers",
    "04_nps",
)
SUBPACKAGES = cxlab._SUBPACKAGES  # every sub-package, as the package lists them
CHART_CELL = (
    "import polars as pl\nimport plotly.graph_objects as go\n"
    "go.Figure(go.Scatter(x=[1, 2], y=[3, 4])).show()"
)


_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(json.loads(sys.argv[1]), check=True, capture_output=True)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps([seconds, peak]))
"""


def _timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds of ``cmd`` and the peak RSS (MB) of the largest process it ran, measured by
    a child process of its own (so the peak is this command's)."""
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, json.dumps(cmd)],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds, peak = json.loads(out.stdout.strip().splitlines()[-1])
    return seconds, peak


def _notebook(path: Path, source: str) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, str(path))


def _floor(tmp: Path, name: str, source: str, env: dict[str, str]) -> tuple[float, float]:
    """papermill executes a one-cell notebook, nbconvert renders it to HTML (stock commands)."""
    src, out = tmp / f"{name}.ipynb", tmp / f"{name}_out.ipynb"
    _notebook(src, source)
    run, rss1 = _timed(
        [
            sys.executable,
            "-m",
            "papermill",
            str(src),
            str(out),
            "--kernel",
            "python3",
            "--no-progress-bar",
        ],
        tmp,
        env,
    )
    html, rss2 = _timed(
        [sys.executable, "-m", "nbconvert", "--to", "html", "--log-level", "ERROR", str(out)],
        tmp,
        env,
    )
    return run + html, max(rss1, rss2)


def _import_seconds(module: str, repeat: int) -> float:
    """Median wall time of ``import module`` measured inside a fresh interpreter."""
    code = (
        "import time; t = time.perf_counter(); import "
        + module
        + "; print(time.perf_counter() - t)"
    )
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout.strip()
        )
        for _ in range(repeat)
    ]
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", help="a default workspace to copy (else one is generated)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each notebook and floor")
    parser.add_argument("--imports", type=int, default=5, help="imports of each module")
    parser.add_argument("--notebooks", nargs="*", default=list(NOTEBOOKS))
    parser.add_argument("--skip-runs", action="store_true", help="only the import table")
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores")

    if not args.skip_runs:
        _runs(args)

    rows = [
        (f"cxlab.{name}", _import_seconds(f"cxlab.{name}", args.imports)) for name in SUBPACKAGES
    ]
    baseline = _import_seconds("statsmodels.api", args.imports)
    print(f"\nimport time in a fresh interpreter, median of {args.imports} (goal ≤ 0.5 s)")
    print(f"{'module':<24}{'seconds':>10}{'x statsmodels.api':>20}")
    for module, seconds in rows:
        print(f"{module:<24}{seconds:>10.2f}{seconds / baseline:>20.2f}")
    print(f"{'statsmodels.api':<24}{baseline:>10.2f}{1:>20.2f}")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _runs(args: argparse.Namespace) -> None:
    env = {**os.environ, "PLOTLY_RENDERER": "plotly_mimetype+notebook"}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        ws = tmp / "ws"
        if args.workspace:
            shutil.copytree(args.workspace, ws, ignore=shutil.ignore_patterns("outputs"))
        else:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "cxlab.cli",
                    "data",
                    "generate",
                    "--size",
                    "default",
                    "--seed",
                    "7",
                    "-w",
                    str(ws),
                ],
                check=True,
                capture_output=True,
            )
        floors = [_floor(tmp, "empty", "pass", env) for _ in range(args.repeat)]
        charts = [_floor(tmp, "chart", CHART_CELL, env) for _ in range(args.repeat)]
        floor = statistics.median(s for s, _ in floors)
        chart = statistics.median(s for s, _ in charts)
        rows = []
        for nb in args.notebooks:
            runs = [
                _timed([sys.executable, "-m", "cxlab.cli", "run", nb, "-w", str(ws)], ws)
                for _ in range(args.repeat)
            ]
            status = json.loads((ws / "outputs" / "runs.jsonl").read_text().splitlines()[-1])
            if status.get("status") != "ok":
                raise SystemExit(f"{nb} did not run: {status.get('error')}")
            rows.append((nb, statistics.median(s for s, _ in runs), max(m for _, m in runs)))
    print(f"\ncxlab run per notebook, default workspace (seed 7), median of {args.repeat}")
    print(f"{'what':<52}{'seconds':>9}{'x floor':>9}{'peak MB':>9}")
    print(
        f"{'floor: papermill one-cell notebook + nbconvert html':<52}{floor:>9.2f}{1:>9.2f}"
        f"{max(m for _, m in floors):>9.0f}"
    )
    print(
        f"{'floor with polars and one plotly chart in the kernel':<52}{chart:>9.2f}"
        f"{chart / floor:>9.2f}{max(m for _, m in charts):>9.0f}"
    )
    for nb, seconds, peak in rows:
        print(f"{'cxlab run ' + nb:<52}{seconds:>9.2f}{seconds / floor:>9.2f}{peak:>9.0f}")


if __name__ == "__main__":
    main()
