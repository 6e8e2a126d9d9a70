"""One notebook run from parameters to a published report, and the locks that let runs of
different notebooks go side by side (see :mod:`cxlab.runner._locks`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import signal
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cxlab._config import Settings, settings
from cxlab._errors import CxlabError, OptionError, WorkspaceError
from cxlab._present import scrub_text
from cxlab.runner._execute import execute
from cxlab.runner._journal import JOURNAL, _step, append_line, read_status, recover
from cxlab.runner._locks import BUSY_WORDS, OWNER, WORKSPACE_LOCK, Busy, SlotLocks, publish_lock
from cxlab.runner._notebooks import find_notebook, needs_of, title_of
from cxlab.runner._params import check_parameters
from cxlab.runner._publish import publish_run, write_index
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


class RunStopped(KeyboardInterrupt):
    """A run was stopped by a signal (SIGTERM, SIGHUP or Ctrl-C): papermill and its kernel were
    killed and the run recorded as killed before this propagates. It is a
    :class:`KeyboardInterrupt`, so whatever stops on Ctrl-C stops on SIGTERM alike."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"stopped by {signal.Signals(signum).name}")

    @property
    def exit_code(self) -> int:
        """The shell's code for a process ended by this signal (143 for SIGTERM)."""
        return 128 + self.signum


@contextlib.contextmanager
def workspace_lock(ws: Settings) -> Iterator[None]:
    """Hold the whole workspace, or fail at once with a clear message: no run of any notebook
    starts meanwhile, and it is refused while one runs (what the schedule service holds).

    Holding it, first bring ``outputs/`` back to agreement after a run that was killed
    (:func:`cxlab.runner.recover`). An ``outputs/`` that cannot be written is refused with the
    reason, recorded in the fallback log (:func:`fallback_log`).
    """
    from filelock import FileLock, Timeout

    from cxlab.runner._locks import holders, owner_text

    path = ws.outputs_dir / WORKSPACE_LOCK
    lock = FileLock(str(path), timeout=0)
    try:
        ws.outputs_dir.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout:
        raise _busy(Busy(holders(ws.outputs_dir, exclusive=False), path)) from None
    except OSError as exc:
        raise _unwritable(ws, exc, {"event": "lock"}) from None
    try:
        try:
            (ws.outputs_dir / OWNER).write_text(owner_text())
            with publish_lock(ws.outputs_dir):
                if recover(ws.outputs_dir):
                    write_index(ws.outputs_dir, time_zone=ws.time_zone, language=ws.language)
        except OSError as exc:
            raise _unwritable(ws, exc, {"event": "recover"}) from None
        yield
    finally:
        with contextlib.suppress(OSError):
            (ws.outputs_dir / OWNER).unlink()
        lock.release()


@contextlib.contextmanager
def run_lock(ws: Settings, notebooks: Iterable[str]) -> Iterator[SlotLocks]:
    """Hold the run lock of each notebook (by stem) and the workspace lock shared, or fail at
    once with the message :func:`workspace_lock` gives: a run of one of these notebooks is going,
    or the whole workspace is held. Runs of other notebooks may go on meanwhile.

    Holding them, first bring these notebooks' part of ``outputs/`` back to agreement after a run
    that was killed. Yields the locks: ``release(notebook)`` lets that notebook run elsewhere
    before the others are done (``cxlab refresh`` releases each notebook after its last job).
    """
    slots = SlotLocks(ws.outputs_dir)
    try:
        slots.acquire(notebooks)
    except Busy as exc:
        raise _busy(exc) from None
    except OSError as exc:
        raise _unwritable(ws, exc, {"event": "lock"}) from None
    try:
        try:
            with publish_lock(ws.outputs_dir):
                if recover(ws.outputs_dir, slots.held):
                    write_index(ws.outputs_dir, time_zone=ws.time_zone, language=ws.language)
        except OSError as exc:
            raise _unwritable(ws, exc, {"event": "recover"}) from None
        yield slots
    finally:
        slots.close()


def _busy(exc: Busy) -> WorkspaceError:
    return WorkspaceError(
        f"{BUSY_WORDS} ({exc.who}); wait for it to finish or remove {exc.path} if no run is active."
    )


def fallback_log() -> Path:
    """Where a run that cannot write ``outputs/`` is recorded: ``failed-runs.jsonl`` under
    ``$XDG_STATE_HOME/cxlab`` (default ``~/.local/state/cxlab``), one JSON line per failure."""
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "cxlab" / "failed-runs.jsonl"


def _unwritable(ws: Settings, exc: OSError, record: dict[str, Any]) -> WorkspaceError:
    """The error for an ``outputs/`` that refuses a write, after recording it where there is room."""
    what = exc.strerror or type(exc).__name__
    where = exc.filename or ws.outputs_dir
    message = f"cannot write {where}: {what}"
    entry = {
        **record,
        "workspace": str(ws.workspace),
        "at": _now().isoformat(timespec="seconds"),
        "status": "failed",
        "error": {"kind": "write", "message": message, "cell": None},
    }
    try:
        log = fallback_log()
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
        recorded = f"recorded in {log}"
    except OSError as again:
        recorded = f"and it could not be recorded in {fallback_log()} either ({again.strerror})"
    return WorkspaceError(
        f"{message}; nothing was published (the last good report is kept), {recorded}. "
        f"Free space or make {ws.outputs_dir} writable, then run again."
    )


_LOCAL = threading.local()  # per thread: the shield's depth, a signal it holds back, a stop
_RENDERING = threading.Lock()


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM, SIGHUP and SIGINT into :class:`RunStopped` (main thread only); a signal that
    arrives while a run's outcome is being recorded waits until it is recorded."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: Any) -> None:
        if getattr(_LOCAL, "depth", 0):  # the handler runs in the main thread: its shield
            _LOCAL.pending = signum
            return
        raise RunStopped(signum)

    wanted = [signal.SIGTERM, signal.SIGINT] + (
        [signal.SIGHUP] if hasattr(signal, "SIGHUP") else []
    )
    old = {sig: signal.signal(sig, stop) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _shielded() -> Iterator[None]:
    """Record an outcome whole: a stop signal received meanwhile is raised afterwards."""
    _LOCAL.depth = getattr(_LOCAL, "depth", 0) + 1
    try:
        yield
    finally:
        _LOCAL.depth -= 1
        pending = getattr(_LOCAL, "pending", None)
        if not _LOCAL.depth and pending is not None:
            _LOCAL.pending = None
            raise RunStopped(pending)


class Stop:
    """A stop asked of runs in worker threads (signals reach only the main thread): the thread
    that received the signal sets it; each run checks it between its steps (:func:`_check_stop`)
    and, once set, raises :class:`RunStopped` and is recorded as killed."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.signum = signal.SIGTERM

    def set(self, signum: int) -> None:
        self.signum = signum
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()


@contextlib.contextmanager
def stoppable(stop: Stop) -> Iterator[None]:
    """Runs in this thread obey ``stop``."""
    _LOCAL.stop = stop
    try:
        yield
    finally:
        _LOCAL.stop = None


def _check_stop() -> None:
    """Raise :class:`RunStopped` if this thread's runs were asked to stop."""
    stop = getattr(_LOCAL, "stop", None)
    if stop is not None and stop.is_set():
        raise RunStopped(stop.signum)


def check_text(what: str, value: str) -> str:
    """Refuse text that is not valid UTF-8 (undecodable bytes of a command line)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        shown = value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        raise OptionError(
            f"{what} {shown!r} is not valid UTF-8 (an undecodable byte at position {exc.start}); "
            "give it as UTF-8 text."
        ) from None
    return value


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
    ones) before anything is written: it never becomes a run, a folder or a card on the index;
    so does a name or parameter that is not valid UTF-8.
    Parameters are checked against the notebook's ``parameters`` cell before anything runs;
    ``language`` ("zh" or "en") is accepted for every notebook. A failed run keeps the last good
    report, is logged in ``outputs/runs.jsonl`` and shown on the index beside the last good
    report. Raises nothing for a failed run: look at ``status``.

    Every run is recorded: a ``started`` line goes to ``runs.jsonl`` before anything runs, the
    outcome after. A run stopped by SIGTERM, SIGHUP or Ctrl-C kills papermill and its kernel,
    is recorded as killed and raises :class:`RunStopped`; a run whose process is killed outright
    is recorded as killed by the next start. A full disk or a read-only ``outputs/`` fails the
    run with the reason, recorded in ``runs.jsonl`` where there is room, else in
    :func:`fallback_log` (then :class:`WorkspaceError` is raised).

    ``lock``: hold the notebook's run lock (:func:`run_lock`): a run of the same notebook, or
    the workspace held by :func:`workspace_lock`, refuses it at once with
    :class:`WorkspaceError`; runs of other notebooks may go on side by side. ``lock=False`` is
    for a caller that holds the lock already (``cxlab refresh``, the schedule).
    """
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    check_text("notebook name", str(name))
    for key, value in (parameters or {}).items():
        check_text("parameter name", str(key))
        if isinstance(value, str):
            check_text(f"parameter {key}", value)
    source = find_notebook(name, ws)  # before the lock: an unknown name writes nothing
    if lock:
        with run_lock(ws, [source.stem]):
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
    outputs = ws.outputs_dir
    record: dict[str, Any] = {
        "run_id": run_id,
        "notebook": stem,
        "title": title_of(source),
        "started_at": started.isoformat(timespec="seconds"),
        "parameters": parameters or {},
    }
    finish: dict[str, Any] = {
        "time_zone": ws.time_zone,
        "outputs": outputs,
        "titles": _titles(source),
        "language": ws.language,
        "record": record,
        "state": {},  # "run_dir" once made, "done" once the outcome is recorded
    }
    state = finish["state"]
    try:
        with publish_lock(outputs):
            append_line(outputs, {**record, "status": "started"})
    except OSError as exc:
        raise _unwritable(ws, exc, {**record, "event": "start"}) from None
    _step("started")
    try:
        with _stop_on_signals():
            return _run(
                ws,
                source,
                parameters or {},
                finish,
                started,
                run_id,
                archive_keep,
                from_text=from_text,
                cell_timeout=cell_timeout,
                run_timeout=run_timeout,
            )
    except (RunStopped, KeyboardInterrupt) as exc:
        if not state.get("done"):
            how = exc.args[0] if isinstance(exc, RunStopped) else "stopped by Ctrl-C"
            _finish(
                **finish,
                run_dir=state.get("run_dir"),
                error={
                    "kind": "killed",
                    "message": f"the run was {how} before it finished; nothing was published",
                    "cell": None,
                },
            )
        raise
    except OSError as exc:
        if state.get("done") or (outputs / "reports" / stem / JOURNAL).exists():
            raise WorkspaceError(
                f"run {run_id} of {stem} was recorded, but writing {exc.filename or outputs} "
                f"failed afterwards ({exc.strerror or exc}); the next run completes it."
            ) from None
        what = f"could not write {exc.filename or outputs}: {exc.strerror or exc}"
        error = {"kind": "write", "message": what, "cell": None}
        try:
            return _finish(**finish, run_dir=state.get("run_dir"), error=error)
        except OSError as again:
            raise _unwritable(ws, again, {**record, "event": "record", "error": error}) from None


def _run(
    ws: Settings,
    source: Path,
    parameters: dict[str, Any],
    finish: dict[str, Any],
    started: dt.datetime,
    run_id: str,
    archive_keep: int | None,
    *,
    from_text: bool,
    cell_timeout: float,
    run_timeout: float,
) -> RunResult:
    """The run itself, once it is recorded as started."""
    record = finish["record"]
    stem = source.stem
    outputs = ws.outputs_dir
    keep = archive_keep if archive_keep is not None else _archive_keep(ws)
    try:
        from cxlab.runner._params import parameters_cell

        lang, given = run_language(ws, parameters, set(parameters_cell(source)))
        typed = check_parameters(source, given, from_text=from_text, outputs=outputs)
    except CxlabError as exc:
        return _finish(
            **finish,
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
            run_dir=None,
            error={"kind": "metadata", "message": str(exc), "cell": None},
        )
    if missing:
        return _needs_data(ws, source, finish, missing, started, run_id, lang)
    _check_stop()
    run_dir = outputs / "runs" / stem / run_id
    finish["state"]["run_dir"] = run_dir
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
    scrub_notebook(executed, run_dir / "run.log")
    _check_stop()  # a run killed for a stop is recorded as stopped, not as a dead kernel
    if not result.ok:
        return _finish(
            **finish,
            run_dir=run_dir,
            error={"kind": result.kind, "message": result.message, "cell": result.cell},
            keep=keep,
        )
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    try:
        with _RENDERING:  # runs in threads (refresh --jobs N) render one at a time
            report = render_html(executed, **_page_context(ws, started, record, run_id, lang))
            slim_notebook(executed)
        _step("rendered")
    except OSError:
        raise
    except Exception as exc:  # rendering is part of the run: a failure keeps the last good report
        return _finish(
            **finish,
            run_dir=run_dir,
            error={"kind": "render", "message": f"{type(exc).__name__}: {exc}", "cell": None},
            keep=keep,
        )
    _check_stop()
    return _finish(**finish, run_dir=run_dir, error=None, metrics=metrics, page=report, keep=keep)


def missing_tables(source: Path, ws: Settings) -> list[str]:
    """The tables ``source`` declares it needs (metadata ``cxlab.needs``) that ``ws`` lacks; an
    entry met by either of two tables (``"contacts|intervals"``) is missing when both are, and a
    ``"table.column"`` entry when the table lacks that column (a workspace without notes)."""
    from cxlab.data import has_table, load

    def met(need: str) -> bool:
        table, _dot, column = need.partition(".")
        if not has_table(table, ws):
            return False
        return not column or column in load(table, workspace=ws).collect_schema().names()

    return [entry for entry in needs_of(source) if not any(met(t) for t in entry.split("|"))]


def _needs_data(
    ws: Settings,
    source: Path,
    finish: dict[str, Any],
    missing: list[str],
    started: dt.datetime,
    run_id: str,
    lang: str,
) -> RunResult:
    """Record a run that lacks tables; publish its page unless a good report exists."""

    record = finish["record"]
    record["missing"] = missing
    outputs = ws.outputs_dir
    latest = outputs / "reports" / source.stem / "latest.html"
    has_good = bool(read_status(outputs, source.stem).get("last_good")) and latest.exists()
    page = None
    if not has_good:  # a needs-data page never replaces a good report
        page = render_needs_data(
            finish["titles"].get(lang) or title_of(source),
            missing,
            **_page_context(ws, started, record, run_id, lang),
        )
    return _finish(
        **finish, run_dir=None, error=None, page=page, archive=False, status="needs_data"
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


def scrub_notebook(executed: Path, log: Path) -> None:
    """Replace personal data in what a run printed, before it is rendered or kept: the text
    outputs, plain-text forms and tracebacks of the executed notebook, and the run log. HTML and
    chart data are left as they are: the tables and charts cxlab draws are scrubbed already, and
    digits inside chart data are numbers, not phone numbers."""
    import nbformat

    if log.exists():
        text = log.read_text(encoding="utf-8", errors="replace")
        clean = scrub_text(text)
        if clean != text:
            log.write_text(clean, encoding="utf-8")
    if not executed.exists():
        return
    nb = nbformat.read(str(executed), as_version=4)
    changed = False

    def clean(value):
        nonlocal changed
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, str):
            new = scrub_text(value)
            changed = changed or new != value
            return new
        return value

    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                out["text"] = clean(out.get("text", ""))
            elif out.get("output_type") == "error":
                out["evalue"] = clean(out.get("evalue", ""))
                out["traceback"] = clean(out.get("traceback", []))
            data = out.get("data") or {}
            if "text/plain" in data:
                data["text/plain"] = clean(data["text/plain"])
    if changed:
        nbformat.write(nb, str(executed))


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
    page: str | None = None,
    archive: bool = True,
    keep: int | None = None,
    status: str | None = None,
    state: dict | None = None,
) -> RunResult:
    """Record the outcome of a run (and publish ``page``) in one transaction, then the index.

    A stop signal that arrives meanwhile waits until the outcome is recorded.
    """
    from cxlab.runner._publish import DEFAULT_ARCHIVE_KEEP, prune_archive

    ended = _now()
    record = {
        **record,
        "ended_at": ended.isoformat(timespec="seconds"),
        "duration_s": round(
            (ended - dt.datetime.fromisoformat(record["started_at"])).total_seconds(), 1
        ),
        "status": status or ("ok" if error is None else "failed"),
        # an error may quote a cell's data (a comment, a contact note): no personal data in the log
        "error": None if error is None else {**error, "message": scrub_text(str(error["message"]))},
        "run_dir": str(run_dir) if run_dir else None,
        "report": None,
    }
    notebook = record["notebook"]
    if page is not None:
        record["report"] = str(outputs / "reports" / notebook / "latest.html")
    with publish_lock(outputs):  # runs of other notebooks publish too: one at a time
        with _shielded():
            report = publish_run(
                outputs,
                record,
                metrics,
                titles=titles,
                report_html=page,
                archive=archive,
                keep=keep or DEFAULT_ARCHIVE_KEEP,
                language=language,
                time_zone=time_zone,
            )
            if state is not None:
                state["done"] = True
        if keep is not None and report is None:
            prune_archive(outputs, notebook, keep=keep)
        write_index(outputs, time_zone=time_zone, language=language)
    return RunResult(
        notebook,
        record["run_id"],
        record["status"],
        report,
        run_dir,
        error,
        metrics or {},
    )
