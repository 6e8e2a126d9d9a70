"""Publishing: atomic replacement of a report, its archive, the run log and the index page.

Layout under ``outputs/``::

    runs/<notebook>/<run_id>/      executed .ipynb, parameters.yaml, metrics.json, run.log
    reports/<notebook>/latest.html the last good report (replaced atomically)
    reports/<notebook>/archive/    a dated copy of every good report, and an index of them
    reports/<notebook>/status.json last good run and last run (with its error, if it failed)
    runs.jsonl                     one line per run: start, end, parameters, status, error
    index.html                     every report: title, status, last good run, headline numbers
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import uuid
from pathlib import Path
from typing import Any

from cxlab._result import format_value


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then replace ``path`` in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def append_run(outputs: Path, record: dict[str, Any]) -> None:
    outputs.mkdir(parents=True, exist_ok=True)
    with (outputs / "runs.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")


def read_runs(outputs: Path) -> list[dict[str, Any]]:
    path = outputs / "runs.jsonl"
    if not path.exists():
        return []
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def read_status(outputs: Path, notebook: str) -> dict[str, Any]:
    path = outputs / "reports" / notebook / "status.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def publish_report(outputs: Path, notebook: str, run_id: str, report_html: str) -> Path:
    """Replace ``latest.html`` atomically and keep a dated copy in ``archive/``."""
    folder = outputs / "reports" / notebook
    atomic_write(folder / "archive" / f"{run_id}.html", report_html)
    atomic_write(folder / "latest.html", report_html)
    _archive_index(folder / "archive", notebook)
    return folder / "latest.html"


def _archive_index(folder: Path, notebook: str) -> None:
    items = sorted((p for p in folder.glob("*.html") if p.name != "index.html"), reverse=True)
    rows = "".join(
        f"<li><a href='{html.escape(p.name)}'>{html.escape(p.stem)}</a></li>" for p in items
    )
    page = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(notebook)}: archive</title></head><body style='font-family:sans-serif'>"
        f"<h1>{html.escape(notebook)}: archived reports</h1><p><a href='../../../index.html'>All reports</a></p>"
        f"<ul>{rows}</ul></body></html>"
    )
    atomic_write(folder / "index.html", page)


def update_status(
    outputs: Path, notebook: str, record: dict[str, Any], metrics: dict[str, Any] | None
) -> dict[str, Any]:
    status = read_status(outputs, notebook)
    status["notebook"] = notebook
    status["title"] = record.get("title", notebook)
    status["last_run"] = record
    if record["status"] == "ok":
        status["last_good"] = {**record, "metrics": metrics or {}}
    atomic_write(
        outputs / "reports" / notebook / "status.json",
        json.dumps(status, indent=2, ensure_ascii=False, default=str),
    )
    return status


def _value(entry: dict[str, Any]) -> str:
    v, unit = entry.get("value"), entry.get("unit")
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if unit == "share":
            return f"{100 * v:.1f}%"
        if unit == "seconds":
            return f"{v:,.0f} s"
        if unit == "points":
            return f"{v:+.1f}"
        if unit == "money":
            return f"{v:,.0f}"
    return format_value(v)


def _when(stamp: str | None, tz: str) -> str:
    if not stamp:
        return "never"
    from zoneinfo import ZoneInfo

    try:
        return (
            dt.datetime.fromisoformat(stamp).astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")
        )
    except ValueError:
        return stamp


def write_index(outputs: Path, order: list[str] | None = None, *, timezone: str = "UTC") -> Path:
    """Rebuild ``outputs/index.html`` from the status of every report (escaped throughout)."""
    reports = outputs / "reports"
    names = (
        sorted(p.name for p in reports.iterdir() if (p / "status.json").exists())
        if reports.exists()
        else []
    )
    if order:
        names = [n for n in order if n in names] + [n for n in names if n not in order]
    cards = []
    for name in names:
        st = read_status(outputs, name)
        good, last = st.get("last_good"), st.get("last_run", {})
        title = html.escape(st.get("title", name))
        if last.get("status") == "ok":
            badge = "<span class='ok'>up to date</span>"
            failure = ""
        else:
            err = last.get("error") or {}
            where = f" in code cell {err['cell']}" if err.get("cell") else ""
            badge = "<span class='fail'>last run failed</span>"
            failure = (
                f"<p class='failure'>The run of {html.escape(_when(last.get('started_at'), timezone))} failed{html.escape(where)}: "
                f"{html.escape(str(err.get('message') or 'unknown error').rstrip('.'))}. "
                f"{'The last good report is kept below.' if good else 'There is no good report yet.'}</p>"
            )
        link = (
            f"<a class='open' href='reports/{html.escape(name)}/latest.html'>Open report</a> · "
            f"<a href='reports/{html.escape(name)}/archive/index.html'>Archive</a>"
            if good
            else ""
        )
        metrics = (good or {}).get("metrics", {})
        tiles = []
        for entry in metrics.values():
            if not entry.get("headline", True):
                continue
            met = entry.get("met")
            cls = "" if met is None else (" ok" if met else " fail")
            target = ""
            if entry.get("target") is not None:
                target = f"<div class='t{cls}'>target {html.escape(entry.get('direction') or '')} {html.escape(_value({**entry, 'value': entry['target']}))}</div>"
            tiles.append(
                f"<div class='tile'><div class='l'>{html.escape(str(entry.get('label', '')))}</div>"
                f"<div class='v'>{html.escape(_value(entry))}</div>{target}</div>"
            )
        when = html.escape(_when((good or {}).get("ended_at"), timezone))
        cards.append(
            f"<section class='card'><h2>{title} {badge}</h2>"
            f"<p class='meta'>Last good run: {when}</p>{failure}"
            f"<div class='tiles'>{''.join(tiles)}</div><p>{link}</p></section>"
        )
    now = _when(dt.datetime.now(dt.UTC).isoformat(), timezone)
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>cxlab reports</title>
<style>body{{font-family:Inter,Segoe UI,Helvetica,Arial,sans-serif;margin:0;background:#f6f8fb;color:#1d2433}}
header{{background:#1f5a96;color:white;padding:18px 28px}}header h1{{margin:0;font-size:24px}}
main{{padding:20px 28px;display:grid;gap:16px;max-width:1100px}}
.card{{background:white;border:1px solid #dde2ea;border-radius:10px;padding:14px 20px}}
.card h2{{font-size:19px;margin:0 0 4px}}.meta{{color:#5b6577;font-size:13px;margin:2px 0 8px}}
.ok{{color:#2e8540;font-size:13px}}.fail{{color:#c0392b;font-size:13px}}
.failure{{background:#fdf0ef;border-left:4px solid #c0392b;padding:6px 10px;font-size:14px}}
.tiles{{display:flex;flex-wrap:wrap;gap:10px}}.tile{{border:1px solid #e3e7ee;border-radius:8px;padding:8px 12px;min-width:140px}}
.tile .l{{font-size:12px;color:#5b6577}}.tile .v{{font-size:22px;font-weight:600}}.tile .t{{font-size:12px}}
a.open{{font-weight:600}}</style></head><body>
<header><h1>Customer service reports</h1><div>Index updated {now}</div></header>
<main>{"".join(cards) or "<p>No reports yet: run <code>cxlab refresh</code>.</p>"}</main></body></html>"""
    atomic_write(outputs / "index.html", page)
    return outputs / "index.html"
