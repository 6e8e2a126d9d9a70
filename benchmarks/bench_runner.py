"""How long the scheduled refresh of the monthly review takes, against the floor.

The floor is papermill running an empty notebook (kernel start and shutdown), measured in the
same run on the same machine. Prints one table. Usage: python benchmarks/bench_runner.py [--size tiny|default]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

import cxlab as cx

ROOT = Path(__file__).resolve().parents[1]


def _timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="default")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        cx.data.generate(seed=7, size=args.size, workspace=ws)
        shutil.copy(ROOT / "schedule.yaml", ws / "schedule.yaml")
        empty = nbformat.v4.new_notebook()
        empty.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        empty.cells = [nbformat.v4.new_code_cell("pass")]
        nbformat.write(empty, str(Path(tmp) / "empty.ipynb"))
        floor = [
            _timed(
                [
                    sys.executable,
                    "-m",
                    "papermill",
                    str(Path(tmp) / "empty.ipynb"),
                    str(Path(tmp) / "out.ipynb"),
                    "--kernel",
                    "python3",
                    "--no-progress-bar",
                ],
                ws,
            )
            for _ in range(args.repeat)
        ]
        review = [
            _timed(
                [
                    sys.executable,
                    "-m",
                    "cxlab.cli",
                    "refresh",
                    "--only",
                    "service_review",
                    "--workspace",
                    str(ws),
                ],
                ws,
            )
            for _ in range(args.repeat)
        ]
    best_floor, best_review = min(floor), min(review)
    print(f"refresh of the monthly review, {args.size} workspace, best of {args.repeat}")
    print(f"{'what':<48}{'seconds':>10}{'x floor':>10}")
    print(f"{'papermill, empty notebook (the floor)':<48}{best_floor:>10.1f}{1:>10.1f}")
    print(
        f"{'cxlab refresh --only service_review':<48}{best_review:>10.1f}{best_review / best_floor:>10.1f}"
    )


if __name__ == "__main__":
    main()
