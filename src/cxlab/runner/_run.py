"""One notebook run from parameters to a published report, and the workspace lock."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cxlab._config import Settings, settings
from cxlab._errors import CxlabError, WorkspaceError
from cxlab.runner._execute import execute
from cxlab.runner._notebooks import find_notebook, title_of
from cxlab.runner._params import check_parameters
from cxlab.runner._publish import append_run, publish_report, update_status, write_index
from cxlab.runner._render import render_html

DEFAULT_CELL_TIMEOUT = 600.0
DEFAULT_RUN_TIMEOUT = 1800.0


@dataclass(frozen=True)
class RunResult:
    notebook: str
    run_id: str
    status: str  # "ok" or "failed"
    report: Path | None
    run_dir: Path | None
    error: dict[str, Any] | None = None
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@contextlib.contextmanager
def workspace_lock(ws: Settings) -> Iterator[None]:
    """Hold the workspace's run lock, or fail at once with a clear message."""
    from filelock import FileLock, Timeout

    ws.outputs_dir.mkdir(parents=True, exist_ok=True)
    path = ws.outputs_dir / ".cxlab.lock"
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        holder = ws.outputs_dir / ".cxlab.lock.owner"
        who = holder.read_text().strip() if holder.exists() else "another process"
        raise WorkspaceError(
            f"another cxlab run is using this workspace ({who}); wait for it to finish "
            f"or remove {path} if no run is active."
        ) from None
    try:
        (ws.outputs_dir / ".cxlab.lock.owner").write_text(
            f"pid {os.getpid()} since {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"
        )
        yield
    finally:
        with contextlib.suppress(OSError):
            (ws.outputs_dir / ".cxlab.lock.owner").unlink()
        lock.release()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def run_notebook(
    name: str,
    parameters: dict[str, Any] | None = None,
    *,
    workspace: str | os.PathLike | Settings | None = None,
    from_text: bool = False,
    cell_timeout: float = DEFAULT_CELL_TIMEOUT,
    run_timeout: float = DEFAULT_RUN_TIMEOUT,
    lock: bool = True,
) -> RunResult:
    """Run a notebook with papermill and publish its report only if it ran completely.

    Parameters are checked against the notebook's ``parameters`` cell before anything runs.
    A failed run keeps the last good report, is logged in ``outputs/runs.jsonl`` and shown on the
    index beside the last good report. Raises nothing for a failed run: look at ``status``.
    """
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    if lock:
        with workspace_lock(ws):
            return run_notebook(
                name,
                parameters,
                workspace=ws,
                from_text=from_text,
                cell_timeout=cell_timeout,
                run_timeout=run_timeout,
                lock=False,
            )
    started = _now()
    run_id = f"{started:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"
    try:
        source = find_notebook(name, ws)
    except WorkspaceError as exc:
        record = {
            "run_id": run_id,
            "notebook": Path(name).stem,
            "title": name,
            "started_at": started.isoformat(timespec="seconds"),
            "parameters": parameters or {},
        }
        return _finish(
            ws.timezone,
            ws.outputs_dir,
            record,
            None,
            {"kind": "missing", "message": str(exc), "cell": None},
        )
    stem = source.stem
    title = title_of(source)
    outputs = ws.outputs_dir
    record: dict[str, Any] = {
        "run_id": run_id,
        "notebook": stem,
        "title": title,
        "started_at": started.isoformat(timespec="seconds"),
        "parameters": parameters or {},
    }
    try:
        typed = check_parameters(source, parameters or {}, from_text=from_text)
    except CxlabError as exc:
        return _finish(
            ws.timezone,
            outputs,
            record,
            None,
            {"kind": "parameter", "message": str(exc), "cell": None},
        )
    record["parameters"] = typed
    run_dir = outputs / "runs" / stem / run_id
    run_dir.mkdir(parents=True)
    metrics_path = run_dir / "metrics.json"
    env = {
        "CXLAB_WORKSPACE": str(ws.workspace),
        "CXLAB_METRICS_PATH": str(metrics_path),
        "CXLAB_RUN_ID": run_id,
        "CXLAB_NOTEBOOKS": str(source.parent),
    }
    executed = run_dir / f"{stem}.ipynb"
    result = execute(
        source,
        executed,
        typed,
        cwd=ws.workspace,
        env=env,
        cell_timeout=cell_timeout,
        run_timeout=run_timeout,
        log=run_dir / "run.log",
    )
    if not result.ok:
        return _finish(
            ws.timezone,
            outputs,
            record,
            run_dir,
            {"kind": result.kind, "message": result.message, "cell": result.cell},
        )
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    try:
        from cxlab import __version__
        from cxlab.data import data_freshness

        fresh = data_freshness(ws)
        tz = ZoneInfo(ws.timezone)
        report = render_html(
            executed,
            title=title,
            run_time=started.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z"),
            parameters=typed,
            freshness=fresh.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
            if fresh
            else "no contacts",
            version=__version__,
            run_id=run_id,
        )
    except Exception as exc:  # rendering is part of the run: a failure keeps the last good report
        return _finish(
            ws.timezone,
            outputs,
            record,
            run_dir,
            {"kind": "render", "message": f"{type(exc).__name__}: {exc}", "cell": None},
        )
    latest = publish_report(outputs, stem, run_id, report)
    return _finish(ws.timezone, outputs, record, run_dir, None, metrics=metrics, report=latest)


def _finish(
    timezone: str,
    outputs: Path,
    record: dict,
    run_dir: Path | None,
    error: dict | None,
    *,
    metrics: dict | None = None,
    report: Path | None = None,
) -> RunResult:
    ended = _now()
    record = {
        **record,
        "ended_at": ended.isoformat(timespec="seconds"),
        "duration_s": round(
            (ended - dt.datetime.fromisoformat(record["started_at"])).total_seconds(), 1
        ),
        "status": "ok" if error is None else "failed",
        "error": error,
        "run_dir": str(run_dir) if run_dir else None,
        "report": str(report) if report else None,
    }
    append_run(outputs, record)
    update_status(outputs, record["notebook"], record, metrics)
    write_index(outputs, timezone=timezone)
    return RunResult(
        record["notebook"],
        record["run_id"],
        record["status"],
        report,
        run_dir,
        error,
        metrics or {},
    )
