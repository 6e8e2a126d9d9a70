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
from cxlab.runner._notebooks import find_notebook, needs_of, title_of
from cxlab.runner._params import check_parameters
from cxlab.runner._publish import (
    append_run,
    atomic_write,
    ensure_assets,
    publish_report,
    read_status,
    update_status,
    write_index,
)
from cxlab.runner._render import render_html, render_needs_data

DEFAULT_CELL_TIMEOUT = 600.0
DEFAULT_RUN_TIMEOUT = 1800.0


@dataclass(frozen=True)
class RunResult:
    notebook: str
    run_id: str
    status: str  # "ok", "failed" or "needs_data" (tables it needs are missing: nothing ran)
    report: Path | None
    run_dir: Path | None
    error: dict[str, Any] | None = None
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Nothing failed: the run published, or it needs tables the workspace lacks."""
        return self.status in ("ok", "needs_data")

    @property
    def needs_data(self) -> bool:
        return self.status == "needs_data"


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


def run_language(ws: Settings, parameters: dict[str, Any], declared: set[str]) -> tuple[str, dict]:
    """The language of a run and the parameters left for the notebook.

    ``language`` is accepted for every notebook (``-p language zh``) without the notebook
    declaring it; it is checked here and handed to the kernel as ``CXLAB_LANGUAGE``. A notebook
    that declares ``language`` itself also receives it as a parameter.
    """
    from cxlab._present import check_language

    rest = dict(parameters)
    value = rest.get("language") if "language" in declared else rest.pop("language", None)
    if value is None:
        return check_language(ws.language or "en", setting="workspace language"), rest
    return check_language(value, setting="parameter language"), rest


def run_notebook(
    name: str,
    parameters: dict[str, Any] | None = None,
    *,
    workspace: str | os.PathLike | Settings | None = None,
    from_text: bool = False,
    cell_timeout: float = DEFAULT_CELL_TIMEOUT,
    run_timeout: float = DEFAULT_RUN_TIMEOUT,
    lock: bool = True,
    archive_keep: int | None = None,
) -> RunResult:
    """Run a notebook with papermill and publish its report only if it ran completely.

    A notebook name that matches no notebook raises :class:`WorkspaceError` (listing the known
    ones) before anything is written: it never becomes a run, a folder or a card on the index.
    Parameters are checked against the notebook's ``parameters`` cell before anything runs;
    ``language`` ("zh" or "en") is accepted for every notebook. A failed run keeps the last good
    report, is logged in ``outputs/runs.jsonl`` and shown on the index beside the last good
    report. Raises nothing for a failed run: look at ``status``.
    """
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    source = find_notebook(name, ws)  # before the lock: an unknown name writes nothing
    if lock:
        with workspace_lock(ws):
            return run_notebook(
                str(source),
                parameters,
                workspace=ws,
                from_text=from_text,
                cell_timeout=cell_timeout,
                run_timeout=run_timeout,
                lock=False,
                archive_keep=archive_keep,
            )
    started = _now()
    run_id = f"{started:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"
    stem = source.stem
    title = title_of(source)
    titles = _titles(source)
    outputs = ws.outputs_dir
    keep = archive_keep if archive_keep is not None else _archive_keep(ws)
    record: dict[str, Any] = {
        "run_id": run_id,
        "notebook": stem,
        "title": title,
        "started_at": started.isoformat(timespec="seconds"),
        "parameters": parameters or {},
    }
    finish = {
        "time_zone": ws.time_zone,
        "outputs": outputs,
        "titles": titles,
        "language": ws.language,
    }
    try:
        from cxlab.runner._params import parameters_cell

        lang, given = run_language(ws, parameters or {}, set(parameters_cell(source)))
        typed = check_parameters(source, given, from_text=from_text)
    except CxlabError as exc:
        return _finish(
            **finish,
            record=record,
            run_dir=None,
            error={"kind": "parameter", "message": str(exc), "cell": None},
        )
    record["parameters"] = {**typed, "language": lang}
    finish["language"] = lang  # the index speaks the language of the run that writes it
    try:
        missing = missing_tables(source, ws)
    except CxlabError as exc:
        return _finish(
            **finish,
            record=record,
            run_dir=None,
            error={"kind": "metadata", "message": str(exc), "cell": None},
        )
    if missing:
        return _needs_data(ws, source, record, finish, missing, started, run_id, lang)
    run_dir = outputs / "runs" / stem / run_id
    run_dir.mkdir(parents=True)
    metrics_path = run_dir / "metrics.json"
    env = {
        "CXLAB_WORKSPACE": str(ws.workspace),
        "CXLAB_METRICS_PATH": str(metrics_path),
        "CXLAB_RUN_ID": run_id,
        "CXLAB_NOTEBOOKS": str(source.parent),
        "CXLAB_LANGUAGE": lang,
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
            **finish,
            record=record,
            run_dir=run_dir,
            error={"kind": result.kind, "message": result.message, "cell": result.cell},
            keep=keep,
        )
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    try:
        report = render_html(executed, **_page_context(ws, started, record, run_id, lang))
        slim_notebook(executed)
    except Exception as exc:  # rendering is part of the run: a failure keeps the last good report
        return _finish(
            **finish,
            record=record,
            run_dir=run_dir,
            error={"kind": "render", "message": f"{type(exc).__name__}: {exc}", "cell": None},
            keep=keep,
        )
    latest = publish_report(
        outputs, stem, run_id, report, keep=keep, language=lang, time_zone=ws.time_zone
    )
    return _finish(
        **finish, record=record, run_dir=run_dir, error=None, metrics=metrics, report=latest
    )


def missing_tables(source: Path, ws: Settings) -> list[str]:
    """The tables ``source`` declares it needs (metadata ``cxlab.needs``) that ``ws`` lacks; an
    entry met by either of two tables (``"contacts|intervals"``) is missing when both are."""
    from cxlab.data import has_table

    return [
        entry
        for entry in needs_of(source)
        if not any(has_table(table, ws) for table in entry.split("|"))
    ]


def _needs_data(
    ws: Settings,
    source: Path,
    record: dict[str, Any],
    finish: dict[str, Any],
    missing: list[str],
    started: dt.datetime,
    run_id: str,
    lang: str,
) -> RunResult:
    """Record a run that lacks tables; publish its page unless a good report exists."""

    record = {**record, "missing": missing}
    outputs = ws.outputs_dir
    latest = outputs / "reports" / source.stem / "latest.html"
    has_good = bool(read_status(outputs, source.stem).get("last_good")) and latest.exists()
    report = None
    if not has_good:  # a needs-data page never replaces a good report
        page = render_needs_data(
            finish["titles"].get(lang) or title_of(source),
            missing,
            **_page_context(ws, started, record, run_id, lang),
        )
        ensure_assets(outputs)
        atomic_write(latest, page)
        report = latest
    return _finish(
        **finish, record=record, run_dir=None, error=None, report=report, status="needs_data"
    )


def _page_context(
    ws: Settings, started: dt.datetime, record: dict[str, Any], run_id: str, lang: str
) -> dict[str, Any]:
    """What a published page's header and footer show: run time and data freshness in local
    time, the parameters, the version, the run id and the language."""
    from cxlab._version import version
    from cxlab.data import data_freshness

    fresh = data_freshness(ws)
    tz = ZoneInfo(ws.time_zone)
    return {
        "run_time": started.astimezone(tz),
        "parameters": record["parameters"],
        "freshness": fresh.astimezone(tz) if fresh else None,
        "version": version(),
        "run_id": run_id,
        "language": lang,
    }


def _archive_keep(ws: Settings) -> int:
    """``archive_keep`` from ``cxlab.toml`` (``[workspace]``), else the default."""
    from cxlab.runner._publish import DEFAULT_ARCHIVE_KEEP

    value = ws.extra.get("archive_keep", DEFAULT_ARCHIVE_KEEP)
    try:
        keep = int(value)
    except (TypeError, ValueError):
        keep = 0
    if keep < 1:
        raise WorkspaceError(f"cxlab.toml: archive_keep = {value!r} must be a whole number ≥ 1.")
    return keep


def _titles(source: Path) -> dict[str, str]:
    """The notebook's title in every language (the index shows the workspace's)."""
    from cxlab._present import LANGUAGES, translate_text, use_language

    title = title_of(source)
    out = {}
    for lang in LANGUAGES:
        with use_language(lang):
            out[lang] = translate_text("# " + title).lstrip("#").strip()
    return out


def slim_notebook(executed: Path) -> None:
    """Drop the copies of plotly.js from the executed notebook kept under ``runs/``.

    The notebook keeps every chart (as plotly's JSON mimetype, which JupyterLab draws); only the
    4–5 MB library that the notebook renderer embedded once per run is removed.
    """
    import nbformat

    from cxlab.runner._render import strip_plotly

    nb = nbformat.read(str(executed), as_version=4)
    changed = False
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data") or {}
            markup = data.get("text/html")
            if isinstance(markup, list):
                markup = "".join(markup)
            if isinstance(markup, str) and len(markup) > 100_000 and "plotly.js v" in markup:
                data["text/html"] = strip_plotly(markup)
                changed = True
    if changed:
        nbformat.write(nb, str(executed))


def _finish(
    *,
    time_zone: str,
    outputs: Path,
    titles: dict[str, str],
    language: str,
    record: dict,
    run_dir: Path | None,
    error: dict | None,
    metrics: dict | None = None,
    report: Path | None = None,
    keep: int | None = None,
    status: str | None = None,
) -> RunResult:
    from cxlab.runner._publish import prune_archive

    ended = _now()
    record = {
        **record,
        "ended_at": ended.isoformat(timespec="seconds"),
        "duration_s": round(
            (ended - dt.datetime.fromisoformat(record["started_at"])).total_seconds(), 1
        ),
        "status": status or ("ok" if error is None else "failed"),
        "error": error,
        "run_dir": str(run_dir) if run_dir else None,
        "report": str(report) if report else None,
    }
    append_run(outputs, record)
    update_status(outputs, record["notebook"], record, metrics, titles=titles)
    if keep is not None and report is None:
        prune_archive(outputs, record["notebook"], keep=keep)
    write_index(outputs, time_zone=time_zone, language=language)
    return RunResult(
        record["notebook"],
        record["run_id"],
        record["status"],
        report,
        run_dir,
        error,
        metrics or {},
    )
