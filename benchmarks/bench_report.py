"""What a published report weighs and what rendering it costs, against plain papermill + nbconvert.

After a full ``cxlab refresh`` of a workspace (the default synthetic one unless ``--workspace``
names one already refreshed), prints one table:

- per report: the page size (``latest.html``; plotly.js is one shared asset beside it), the whole
  run (papermill execution + render + publish, from the run log), and render + publish alone
  (re-rendering the run's executed notebook into a scratch ``outputs/``);
- the floor, measured in the same run: papermill + nbconvert (lab template, inputs excluded) on a
  trivial notebook with one chart, whose page embeds plotly.js as nbconvert does by default;
- the size of ``outputs/`` and of the shared asset.

Goals: a report page ≤ 600 KB beside one shared asset; ``outputs/`` after ``make demo`` ≤ 15 MB.
Usage: python benchmarks/bench_report.py [--size default|tiny] [--workspace PATH] [--language zh|en]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

import cxlab as cx

ROOT = Path(__file__).resolve().parents[1]
KB = 1024


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _trivial(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Trivial\n\nOne chart."),
        nbformat.v4.new_code_cell(
            "import plotly.graph_objects as go, plotly.io as pio\n"
            "pio.renderers.default = 'plotly_mimetype+notebook'\n"
            "go.Figure(go.Bar(x=[1, 2, 3], y=[3, 1, 2])).show()"
        ),
    ]
    path = folder / "trivial.ipynb"
    nbformat.write(nb, str(path))
    return path


def _floor(folder: Path, repeat: int) -> tuple[float, float, int]:
    """Median seconds of papermill + nbconvert, of nbconvert alone, and the page's bytes."""
    from nbconvert import HTMLExporter

    source = _trivial(folder)
    whole, convert, size = [], [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        executed = folder / "trivial.out.ipynb"
        subprocess.run(
            [sys.executable, "-m", "papermill", str(source), str(executed), "--kernel", "python3"],
            check=True,
            capture_output=True,
        )
        mid = time.perf_counter()
        exporter = HTMLExporter(template_name="lab")
        exporter.exclude_input = True
        body, _ = exporter.from_notebook_node(nbformat.read(str(executed), as_version=4))
        (folder / "trivial.html").write_text(body, encoding="utf-8")
        end = time.perf_counter()
        whole.append(end - start)
        convert.append(end - mid)
        size = len(body.encode())
    return sorted(whole)[len(whole) // 2], sorted(convert)[len(convert) // 2], size


def _render_publish(executed: Path, stem: str, scratch: Path, language: str) -> float:
    from cxlab.runner._publish import publish_report
    from cxlab.runner._render import render_html

    start = time.perf_counter()
    page = render_html(executed, run_id="bench", language=language, version=cx.__version__)
    publish_report(scratch, stem, "20000101T000000Z-0000", page, keep=1, language=language)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="default")
    parser.add_argument("--workspace", type=Path, default=None, help="already refreshed")
    parser.add_argument("--language", default=None, help="zh or en (default: the workspace's)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        refresh_s = None
        if args.workspace is None:
            ws = tmp_dir / "ws"
            cx.data.generate(seed=7, size=args.size, workspace=ws)
            shutil.copy(ROOT / "schedule.yaml", ws / "schedule.yaml")
            cmd = [sys.executable, "-m", "cxlab.cli", "refresh", "--workspace", str(ws)]
            if args.language:
                cmd += ["-p", "language", args.language]
            start = time.perf_counter()
            done = subprocess.run(
                cmd, capture_output=True, text=True, env={**os.environ, "CXLAB_WORKSPACE": str(ws)}
            )
            refresh_s = time.perf_counter() - start
            if done.returncode != 0:
                print(done.stdout[-2000:], done.stderr[-2000:], file=sys.stderr)
        else:
            ws = args.workspace
        outputs = ws / "outputs"
        floor_s, convert_s, floor_bytes = _floor(tmp_dir, args.repeat)
        runs = {}
        for line in (outputs / "runs.jsonl").read_text(encoding="utf-8").splitlines():
            run = json.loads(line)
            if run.get("status") == "ok":
                runs[run["notebook"]] = run
        rows = []
        scratch = tmp_dir / "scratch-outputs"
        if runs:  # warm up (imports, templates) before timing
            first = next(iter(runs.values()))
            executed = Path(first["run_dir"]) / f"{first['notebook']}.ipynb"
            if executed.exists():
                _render_publish(executed, first["notebook"], scratch, "en")
        for stem, run in sorted(runs.items()):
            latest = outputs / "reports" / stem / "latest.html"
            executed = Path(run["run_dir"]) / f"{stem}.ipynb"
            language = run["parameters"].get("language", "en")
            rp = _render_publish(executed, stem, scratch, language) if executed.exists() else None
            rows.append((stem, _size(latest), run["duration_s"], rp))
        print(f"| {'report':<20} | {'page KB':>8} | {'run s':>7} | {'render+publish s':>16} |")
        print(f"|{'-' * 22}|{'-' * 10}|{'-' * 9}|{'-' * 18}|")
        for stem, size, run_s, rp in rows:
            rp_text = f"{rp:.2f}" if rp is not None else "–"
            print(f"| {stem:<20} | {size / KB:>8.0f} | {run_s:>7.1f} | {rp_text:>16} |")
        print(
            f"| {'floor: trivial':<20} | {floor_bytes / KB:>8.0f} | {floor_s:>7.1f} | "
            f"{convert_s:>16.2f} |"
        )
        print()
        print("floor: papermill + nbconvert (lab, inputs excluded) of a one-chart notebook;")
        print("       its 'render' column is nbconvert alone; its page embeds plotly.js.")
        biggest = max((r[1] for r in rows), default=0)
        total = _size(outputs)
        asset = outputs / "assets" / "plotly.min.js"
        print(
            f"shared asset plotly.min.js: {_size(asset) / KB / KB:.1f} MB" if asset.exists() else ""
        )
        print(
            f"largest report page: {biggest / KB:.0f} KB (goal ≤ 600 KB) "
            f"{'met' if biggest <= 600 * KB else 'MISSED'}"
        )
        print(
            f"outputs/ after the refresh: {total / KB / KB:.1f} MB (goal ≤ 15 MB) "
            f"{'met' if total <= 15 * KB * KB else 'MISSED'}"
        )
        for part in ("assets", "reports", "runs"):
            print(f"  {part + '/':<9} {_size(outputs / part) / KB / KB:6.1f} MB")
        if refresh_s is not None:
            print(f"full refresh: {refresh_s:.0f} s for {len(rows)} reports")


if __name__ == "__main__":
    main()
