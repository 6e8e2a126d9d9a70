"""``schedule.yaml``: jobs with cron expressions, timeouts, retries and dependencies.

``refresh`` runs every job once in dependency order, several at once with ``jobs=N``; ``serve``
runs due jobs in the foreground as a service would; ``cron_lines`` prints the same jobs as crontab
entries.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import numbers
import queue
import re
import shlex
import sys
import threading
import time
import traceback
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from cxlab._config import Settings
from cxlab._errors import CxlabError, OptionError, WorkspaceError
from cxlab.runner._locks import is_busy
from cxlab.runner._run import (
    RunResult,
    RunStopped,
    Stop,
    _check_stop,
    _shielded,
    _stop_on_signals,
    run_lock,
    run_notebook,
    stoppable,
    workspace_lock,
)

MAX_RETRIES = 10


@dataclass(frozen=True)
class Job:
    name: str
    notebook: str
    cron: str
    depends_on: tuple[str, ...] = ()
    timeout_minutes: float = 30.0
    cell_timeout_minutes: float = 10.0
    retries: int = 0
    parameters: dict[str, Any] = field(default_factory=dict)
    archive_keep: int | None = None  # archived reports kept (default: cxlab.toml, else 30)


@dataclass(frozen=True)
class Schedule:
    time_zone: str
    jobs: tuple[Job, ...]  # in dependency order

    def job(self, name: str) -> Job:
        return next(j for j in self.jobs if j.name == name)


def schedule_path(ws: Settings) -> Path:
    for candidate in (
        ws.workspace / "schedule.yaml",
        Path(__file__).resolve().parents[3] / "schedule.yaml",
    ):
        if candidate.exists():
            return candidate
    raise WorkspaceError(f"no schedule.yaml in {ws.workspace} (nor in the repository).")


JOB_KEYS = (
    "notebook",
    "cron",
    "depends_on",
    "timeout_minutes",
    "cell_timeout_minutes",
    "retries",
    "parameters",
    "archive_keep",
)
TOP_KEYS = ("time_zone", "timezone", "defaults", "jobs")
_NAME = re.compile(r"^[\w.-]+$")


def load_schedule(path: Path, *, time_zone: str = "UTC") -> Schedule:
    """Read and check a schedule against its schema; every refusal names the key and the value.

    The file is UTF-8 YAML whose top level is a mapping of ``time_zone``, ``defaults`` and
    ``jobs``; a job takes only :data:`JOB_KEYS`. Cron expressions must parse, dependencies must
    exist, and there is no cycle.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WorkspaceError(
            f"{path.name} is not UTF-8 text (byte {exc.start}); save it as UTF-8 YAML."
        ) from None
    except OSError as exc:
        raise WorkspaceError(f"cannot read {path}: {exc.strerror or exc}.") from None
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise WorkspaceError(f"{path.name} is not valid YAML{where}: {problem}.") from None
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise WorkspaceError(
            f"{path.name}: the top level is a {_kind(spec)}; give a mapping with the keys "
            "time_zone, defaults and jobs."
        )
    unknown = [str(k) for k in spec if k not in TOP_KEYS]
    if unknown:
        raise WorkspaceError(
            f"{path.name}: unknown key(s) {', '.join(unknown)} at the top level; "
            "accepted: time_zone, defaults, jobs."
        )
    defaults = spec.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise WorkspaceError(
            f"{path.name}: defaults is a {_kind(defaults)}; give a mapping of job settings."
        )
    _check_keys(defaults, "defaults", path)
    body_of = spec.get("jobs") or {}
    if not isinstance(body_of, dict):
        raise WorkspaceError(
            f"{path.name}: jobs is a {_kind(body_of)}; give a mapping of job names to jobs "
            "(name: {notebook: ..., cron: ...})."
        )
    jobs = {}
    for name, body in body_of.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise WorkspaceError(
                f"{path.name}: job name {name!r}; use letters, digits, '_', '.' or '-'."
            )
        if body is not None and not isinstance(body, dict):
            raise WorkspaceError(
                f"{path.name}: jobs.{name} is a {_kind(body)}; give a mapping "
                "with a notebook and a cron expression."
            )
        _check_keys(body or {}, f"jobs.{name}", path)
        jobs[name] = _job(name, {**defaults, **(body or {})}, path)
    for job in jobs.values():
        missing = [d for d in job.depends_on if d not in jobs]
        if missing:
            raise WorkspaceError(
                f"{path.name}: job {job.name!r} depends on unknown job(s) {missing}."
            )
    zone = spec.get("time_zone", spec.get("timezone", time_zone))  # "timezone": the old name
    key = "time_zone" if "time_zone" in spec else "timezone" if "timezone" in spec else None
    return Schedule(_zone(zone, key, path), tuple(_topological(jobs, path)))


def _kind(value: Any) -> str:
    return {list: "list", str: "text", int: "number", float: "number", bool: "true/false"}.get(
        type(value), type(value).__name__
    )


def _check_keys(body: dict, where: str, path: Path) -> None:
    unknown = [str(k) for k in body if k not in JOB_KEYS]
    if unknown:
        raise WorkspaceError(
            f"{path.name}: unknown key(s) {', '.join(unknown)} in {where}; "
            f"accepted: {', '.join(JOB_KEYS)}."
        )


def _zone(value: Any, key: str | None, path: Path) -> str:
    from zoneinfo import ZoneInfoNotFoundError

    try:
        if not isinstance(value, str) or not value:
            raise ValueError
        ZoneInfo(value)
    except (ValueError, ZoneInfoNotFoundError, OSError):
        where = f"{path.name}: {key} = {value!r}" if key else f"the workspace time zone {value!r}"
        raise WorkspaceError(
            f"{where} is not a time zone; give an IANA name such as Asia/Shanghai, "
            "America/New_York or UTC."
        ) from None
    return value


def _job(name: str, body: dict[str, Any], path: Path) -> Job:
    from croniter import croniter

    where = f"{path.name}: jobs.{name}"
    for key in ("notebook", "cron"):
        if key not in body:
            raise WorkspaceError(
                f"{path.name}: job {name!r} needs a notebook and a cron expression."
            )
        if not isinstance(body[key], str) or not body[key].strip():
            raise WorkspaceError(
                f"{where}.{key} = {body[key]!r}; give "
                + (
                    "a notebook name such as 00_service_review."
                    if key == "notebook"
                    else 'a cron expression in quotes, such as "30 5 * * *".'
                )
            )
    if not croniter.is_valid(body["cron"]):
        raise WorkspaceError(
            f"{path.name}: job {name!r} has an invalid cron expression {body['cron']!r}; "
            'give five fields: minute hour day-of-month month day-of-week, such as "30 5 * * *".'
        )
    deps = body.get("depends_on") or []
    deps = [deps] if isinstance(deps, str) else deps
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise WorkspaceError(
            f"{where}.depends_on = {body.get('depends_on')!r}; give a job name or a list of job names."
        )
    params = body.get("parameters") or {}
    if not isinstance(params, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str | int | float | bool))
        for k, v in params.items()
    ):
        raise WorkspaceError(
            f"{where}.parameters = {params!r}; give a mapping of parameter names to "
            "single values (text, numbers, true/false)."
        )
    return Job(
        name=name,
        notebook=body["notebook"],
        cron=body["cron"],
        depends_on=tuple(deps),
        timeout_minutes=_minutes(body, "timeout_minutes", 30.0, where),
        cell_timeout_minutes=_minutes(body, "cell_timeout_minutes", 10.0, where),
        retries=_retries(body.get("retries", 0), where),
        parameters=dict(params),
        archive_keep=_keep(body.get("archive_keep"), name, path),
    )


def _minutes(body: dict[str, Any], key: str, default: float, where: str) -> float:
    value = body.get(key, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise WorkspaceError(
            f"{where}.{key} = {value!r}; give a number of minutes > 0, such as {default:g}."
        )
    return float(value)


def _retries(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RETRIES:
        raise WorkspaceError(
            f"{where}.retries = {value!r}; give a whole number from 0 to {MAX_RETRIES} "
            "(the times a failed run is tried again)."
        )
    return value


def _keep(value: Any, name: str, path: Path) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise WorkspaceError(
            f"{path.name}: job {name!r} has archive_keep = {value!r}; give a whole number ≥ 1."
        )
    return value


def _topological(jobs: dict[str, Job], path: Path) -> list[Job]:
    order: list[Job] = []
    state: dict[str, int] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise WorkspaceError(f"{path.name}: dependency cycle {' -> '.join((*trail, name))}.")
        state[name] = 1
        for dep in jobs[name].depends_on:
            visit(dep, (*trail, name))
        state[name] = 2
        order.append(jobs[name])

    for name in jobs:  # file order among independent jobs
        visit(name, ())
    return order


def _run_job(
    job: Job, ws: Settings, say: Callable[[str], None], extra: dict[str, Any] | None = None
) -> RunResult:
    result = None
    for attempt in range(job.retries + 1):
        _check_stop()  # a refresh that was stopped starts no new attempt
        result = run_notebook(
            job.notebook,
            {**job.parameters, **(extra or {})},
            archive_keep=job.archive_keep,
            workspace=ws,
            lock=False,
            cell_timeout=job.cell_timeout_minutes * 60,
            run_timeout=job.timeout_minutes * 60,
        )
        if result.ok or (result.error or {}).get("kind") == "parameter":
            break
        if attempt < job.retries:
            say(
                f"{job.name}: attempt {attempt + 1} failed ({(result.error or {}).get('message')}); retrying"
            )
    return result


def _check_notebooks(ws: Settings, jobs: Iterable[Job]) -> dict[str, str]:
    """Each job's notebook as its output slot (the notebook's stem), or :class:`WorkspaceError`
    naming the job whose notebook does not exist."""
    from cxlab.runner._notebooks import find_notebook

    stems = {}
    for job in jobs:
        try:
            stems[job.name] = find_notebook(job.notebook, ws).stem
        except WorkspaceError as exc:
            raise WorkspaceError(f"job {job.name!r}: {exc}") from None
    return stems


def check_jobs(jobs: Any) -> int:
    """``jobs`` (``--jobs``): how many jobs a refresh runs at once, a whole number ≥ 1, else
    :class:`OptionError`."""
    if isinstance(jobs, bool) or not isinstance(jobs, numbers.Integral) or jobs < 1:
        raise OptionError(
            f"jobs={jobs!r} is not a number of jobs to run at once; give a whole number ≥ 1, "
            "such as 2 on a machine with two cores (1 runs them one after the other)."
        )
    return int(jobs)


def refresh(
    ws: Settings,
    schedule: Schedule,
    *,
    only: list[str] | None = None,
    jobs: int = 1,
    on_start: Callable[[Job], None] | None = None,
    on_done: Callable[[Job, RunResult | None], None] | None = None,
    say: Callable[[str], None] = lambda _m: None,
    parameters: dict[str, Any] | None = None,
) -> dict[str, RunResult | None]:
    """Run every job once, in dependency order, past failures; a job whose dependency failed is skipped.

    ``jobs`` run at once (default 1: one after the other, in the order of ``schedule.yaml``). A
    job starts when every job it depends on has finished and none failed; jobs of one notebook
    never overlap; among the jobs ready to start, the one with the longest chain of work ahead
    goes first (its own and its dependents' last run times in ``runs.jsonl``), so a long job does
    not start last; ties, and notebooks that never ran, go in the order of ``schedule.yaml``. Each
    notebook's run lock is taken for the whole refresh before anything runs (a notebook that
    another run is using refuses the refresh, as a held workspace does) and released after its
    last job, so ``cxlab run`` of a notebook whose jobs are done may go while the refresh goes on.

    ``parameters`` go to every job (``{"language": "zh"}``). A job whose notebook does not exist
    refuses the whole refresh before anything runs or is written. ``on_start``, ``on_done`` and
    ``say`` are called from the calling thread. Returns each job's result (None: skipped), in
    the order of ``schedule.yaml``.

    With ``jobs`` > 1 the jobs run in threads of this process: each run's papermill and kernel
    are processes of their own, and the thread only waits for them, renders and publishes
    (under a short lock around what the runs share: the run log, the index, the assets). A
    SIGTERM, SIGHUP or Ctrl-C (received by the main thread) kills every running papermill and
    kernel, records each running job as killed and raises :class:`RunStopped`. An error that
    stops a run outright (``outputs/`` cannot be written, a bug) starts no further job; the
    running ones finish, then it is raised.
    """
    workers = check_jobs(jobs)
    selected = [j for j in schedule.jobs if not only or j.name in only]
    stems = _check_notebooks(ws, selected)
    with run_lock(ws, set(stems.values())) as locks:
        if min(workers, len(selected)) <= 1:
            plan = _Plan(selected, stems, locks)
            _one_by_one(plan, ws, on_start, on_done, say, parameters)
        else:
            plan = _Plan(selected, stems, locks, _ahead(ws, selected, stems))
            _side_by_side(plan, ws, workers, on_start, on_done, say, parameters)
            _index_as_in_order(ws, plan, selected)
    return {job.name: plan.results[job.name] for job in selected if job.name in plan.results}


class _Plan:
    """The jobs of a refresh: waiting, running, done; each notebook's lock released after its
    last job."""

    def __init__(
        self,
        jobs: list[Job],
        stems: dict[str, str],
        locks: Any,
        ahead: dict[str, float] | None = None,
    ) -> None:
        self.pending = list(jobs)
        self.ahead = ahead or {}
        self.names = {j.name for j in jobs}
        self.stems = stems
        self.locks = locks
        self.running: dict[str, Job] = {}
        self.results: dict[str, RunResult | None] = {}

    def next(self) -> tuple[str, Job] | None:
        """A waiting job whose dependencies are done: ``("skip", job)`` if one of them failed,
        else ``("run", job)`` for the one with the most work ahead (the first in the schedule
        among equals) whose notebook is not running."""
        busy = {self.stems[name] for name in self.running}
        ready = []
        for job in self.pending:
            deps = [d for d in job.depends_on if d in self.names]
            if any(d not in self.results for d in deps):
                continue
            if _failed_deps(job, self.results):
                return "skip", job
            if self.stems[job.name] not in busy:
                ready.append(job)
        if not ready:
            return None
        return "run", max(ready, key=lambda j: (self.ahead.get(j.name, 0.0), -ready.index(j)))

    def start(self, job: Job) -> None:
        self.pending.remove(job)
        self.running[job.name] = job

    def finish(self, job: Job, result: RunResult | None) -> None:
        if job in self.pending:
            self.pending.remove(job)
        self.running.pop(job.name, None)
        self.results[job.name] = result
        stem = self.stems[job.name]
        if not any(self.stems[j.name] == stem for j in [*self.pending, *self.running.values()]):
            self.locks.release(stem)


def _ahead(ws: Settings, jobs: list[Job], stems: dict[str, str]) -> dict[str, float]:
    """Each job's work ahead: its notebook's last good run time (``runs.jsonl``; the mean of
    the others for a notebook that never ran) plus the most work ahead of a job depending on it."""
    from cxlab.runner._journal import read_runs

    last: dict[str, float] = {}
    for run in read_runs(ws.outputs_dir):
        took = run.get("duration_s")
        if run.get("status") == "ok" and isinstance(took, int | float) and math.isfinite(took):
            last[run["notebook"]] = float(took)
    known = [last[stems[j.name]] for j in jobs if stems[j.name] in last]
    guess = sum(known) / len(known) if known else 0.0
    ahead: dict[str, float] = {}
    for job in reversed(jobs):  # dependents come after their dependencies
        after = [ahead[j.name] for j in jobs if job.name in j.depends_on and j.name in ahead]
        ahead[job.name] = last.get(stems[job.name], guess) + max(after, default=0.0)
    return ahead


def _index_as_in_order(ws: Settings, plan: _Plan, jobs: list[Job]) -> None:
    """Write the index in the language one job at a time leaves it in: that of the last job of
    ``schedule.yaml`` that ran (jobs side by side finish in any order, each writing the index in
    its own language)."""
    from cxlab.runner._journal import read_status
    from cxlab.runner._locks import publish_lock
    from cxlab.runner._publish import write_index

    ran = [job for job in jobs if plan.results.get(job.name) is not None]
    if not ran:
        return
    last = read_status(ws.outputs_dir, plan.stems[ran[-1].name]).get("last_run") or {}
    language = (last.get("parameters") or {}).get("language") or ws.language
    with contextlib.suppress(OSError), publish_lock(ws.outputs_dir):
        write_index(ws.outputs_dir, time_zone=ws.time_zone, language=language)


def _one_by_one(plan: _Plan, ws: Settings, on_start, on_done, say, parameters) -> None:
    """Run the jobs one after the other in this thread (the order of ``schedule.yaml``)."""
    while (step := plan.next()) is not None:
        kind, job = step
        if on_start:
            on_start(job)
        if kind == "skip":
            say(f"{job.name}: skipped because {', '.join(_failed_deps(job, plan.results))} failed")
            plan.finish(job, None)
        else:
            plan.start(job)
            plan.finish(job, _run_job(job, ws, say, parameters))
        if on_done:
            on_done(job, plan.results[job.name])


def _side_by_side(
    plan: _Plan, ws: Settings, workers: int, on_start, on_done, say, parameters
) -> None:
    """Run up to ``workers`` jobs at once, each in a thread; callbacks stay in this thread."""
    events: queue.Queue = queue.Queue()
    stop = Stop()
    threads: dict[str, threading.Thread] = {}
    failure: list[BaseException] = []

    def work(job: Job) -> None:
        with stoppable(stop):
            try:
                result = _run_job(job, ws, lambda m: events.put(("say", m)), parameters)
            except BaseException as exc:  # handed to the main thread
                events.put(("done", job, None, exc))
            else:
                events.put(("done", job, result, None))

    def handle(event: tuple) -> None:
        if event[0] == "say":
            say(event[1])
            return
        _, job, result, exc = event
        threads.pop(job.name).join()
        plan.finish(job, result)
        if exc is not None:
            if not isinstance(exc, RunStopped) and not failure:
                failure.append(exc)
            return
        if on_done:
            on_done(job, result)

    def launch() -> None:
        while not failure and not stop.is_set() and (step := plan.next()) is not None:
            kind, job = step
            if kind == "run" and len(plan.running) >= workers:
                return
            if on_start:
                on_start(job)
            if kind == "skip":
                failed = ", ".join(_failed_deps(job, plan.results))
                say(f"{job.name}: skipped because {failed} failed")
                plan.finish(job, None)
                if on_done:
                    on_done(job, None)
                continue
            plan.start(job)
            thread = threading.Thread(target=work, args=(job,), name=f"cxlab-{job.name}")
            threads[job.name] = thread
            thread.start()

    def wind_down() -> None:
        """Kill the running papermills until every running job has recorded its stop."""
        while plan.running:
            _kill_runs(set(threads.values()))
            try:
                event = events.get(timeout=0.2)
            except queue.Empty:
                for name, job in list(plan.running.items()):
                    thread = threads.get(name)
                    if (thread is None or not thread.is_alive()) and events.empty():
                        threads.pop(name, None)  # its event was taken when the signal came
                        plan.finish(job, None)
                continue
            handle(event)

    with _stop_on_signals():
        try:
            with _shielded():  # a signal waits until the plan matches the threads started
                launch()
            while plan.running:
                try:
                    event = events.get(timeout=0.5)
                except queue.Empty:
                    continue
                with _shielded():
                    handle(event)
                    launch()
        except RunStopped as exc:
            stop.set(exc.signum)
            with _shielded():  # a second signal waits until every running job is recorded
                wind_down()
            raise
        finally:
            while plan.running:  # a callback raised: the running jobs finish, then it is raised
                handle(events.get())
    if failure:
        raise failure[0]


def _kill_runs(threads: Collection[threading.Thread]) -> None:
    """Kill the runs that ``threads`` started (each papermill leads a process group of its own)
    and everything below them (their kernels): each run waiting for one in a thread then sees
    its stop and records it killed. Only the processes those runs started are touched, never
    another process of the caller (a Jupyter kernel calling ``refresh``)."""
    from cxlab.runner._execute import kill_tree, running

    for proc in running(threads):
        if proc.poll() is None:
            kill_tree(proc)


def _failed_deps(job: Job, results: dict[str, RunResult | None]) -> list[str]:
    return [d for d in job.depends_on if d in results and (results[d] is None or not results[d].ok)]


def due(schedule: Schedule, since: dt.datetime, until: dt.datetime) -> list[Job]:
    """Jobs whose cron expression fired in (since, until], in dependency order."""
    return [job for job in schedule.jobs if _fired(job, schedule, since, until) is not None]


def _fired(
    job: Job, schedule: Schedule, since: dt.datetime, until: dt.datetime
) -> dt.datetime | None:
    """The latest time ``job``'s cron fired in (since, until], or None."""
    from croniter import croniter

    tz = ZoneInfo(schedule.time_zone)
    first = croniter(job.cron, since.astimezone(tz)).get_next(dt.datetime)
    if first > until.astimezone(tz):
        return None
    # croniter's get_prev is strictly before its start: start a microsecond after ``until``
    return croniter(job.cron, until.astimezone(tz) + _TICK).get_prev(dt.datetime)


# --- the service: state of each job, one check, the loop ------------------------------------

EXIT_OK = 0  # every due job published (or needs data), or none was due
EXIT_FAILED = 1  # a report failed (after its retries), or was skipped because its dependency failed
EXIT_USAGE = 2  # bad usage or input: an unknown option, an invalid schedule.yaml or cxlab.toml
EXIT_CRASH = 70  # an unexpected error inside cxlab (sysexits EX_SOFTWARE); the traceback is printed
EXIT_BUSY = 75  # the workspace lock was held: due jobs stay due for the next check (EX_TEMPFAIL)

LOOK_BACK = dt.timedelta(minutes=1)
"""A job the scheduler has no record of counts as checked up to one minute before the scheduler
started, so the first check runs a job whose cron fired in that minute (an every-minute job)."""
STATE_FILE = "schedule_state.json"
_TICK = dt.timedelta(microseconds=1)


@dataclass
class Check:
    """What one check of the schedule found and did.

    ``due`` are the jobs whose cron fired since their mark, in dependency order; ``results`` what
    each run gave (None: skipped because a job it depends on failed); ``crashed`` the jobs whose
    run raised an unexpected error, with the error; ``busy`` the lock holder's message when the
    workspace lock was held, ``error`` why the lock could not be taken otherwise (``outputs/``
    cannot be written): then nothing ran and the due jobs stay due.
    """

    at: dt.datetime
    due: list[str] = field(default_factory=list)
    results: dict[str, RunResult | None] = field(default_factory=dict)
    crashed: dict[str, str] = field(default_factory=dict)
    busy: str | None = None
    error: str | None = None

    @property
    def exit_code(self) -> int:
        """:data:`EXIT_CRASH` > :data:`EXIT_FAILED` > :data:`EXIT_BUSY` > :data:`EXIT_OK`."""
        if self.crashed:
            return EXIT_CRASH
        if self.error or any(r is None or not r.ok for r in self.results.values()):
            return EXIT_FAILED
        return EXIT_BUSY if self.busy else EXIT_OK


def state_path(ws: Settings) -> Path:
    """``outputs/schedule_state.json``: per job, the last cron occurrence handled and how it went."""
    return ws.outputs_dir / STATE_FILE


@contextlib.contextmanager
def _state(ws: Settings, say: Callable[[str], None]) -> Iterator[dict[str, Any]]:
    """Read the state under its own short lock; write it back (atomically) on leaving."""
    from filelock import FileLock

    from cxlab.runner._publish import atomic_write

    path = state_path(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path.with_name(f".{STATE_FILE}.lock")), timeout=60):
        state: dict[str, Any] = {}
        if path.exists():
            try:
                state = json.loads(path.read_text(encoding="utf-8"))
                if not isinstance(state, dict) or not isinstance(state.get("jobs"), dict):
                    raise ValueError("not a mapping of jobs")
            except (ValueError, OSError) as exc:
                say(f"{path.name} is unreadable ({exc}); starting afresh (look back one minute)")
                state = {}
        state.setdefault("jobs", {})
        before = json.dumps(state, sort_keys=True)
        yield state
        if json.dumps(state, sort_keys=True) != before:
            try:
                atomic_write(path, json.dumps(state, indent=1, ensure_ascii=False) + "\n")
            except OSError as exc:
                say(
                    f"could not record the schedule's state in {path} ({exc.strerror or exc}); "
                    "a job that ran may run again at the next check"
                )


def _marks(
    ws: Settings, schedule: Schedule, started: dt.datetime, say: Callable[[str], None]
) -> dict[str, dt.datetime]:
    """Each job's mark: the last occurrence handled, or for a new job ``started - LOOK_BACK``."""
    marks = {}
    with _state(ws, say) as state:
        for job in schedule.jobs:
            record = state["jobs"].get(job.name)
            try:
                marks[job.name] = dt.datetime.fromisoformat(record["mark"])
            except (TypeError, KeyError, ValueError):
                marks[job.name] = started - LOOK_BACK
                state["jobs"][job.name] = {"mark": marks[job.name].isoformat(), "outcome": "new"}
    return marks


def _record(
    ws: Settings, job: Job, occurrence: dt.datetime, outcome: str, at: dt.datetime, say
) -> None:
    with _state(ws, say) as state:
        state["jobs"][job.name] = {
            "mark": occurrence.isoformat(),
            "outcome": outcome,
            "ran_at": at.isoformat(),
        }


def check(
    ws: Settings,
    schedule: Schedule,
    *,
    now: dt.datetime,
    started: dt.datetime | None = None,
    say: Callable[[str], None] = print,
) -> Check:
    """Run the jobs that are due at ``now``, once each, in dependency order.

    A job is due when its cron fired after its mark (the last occurrence the scheduler handled,
    kept in ``outputs/schedule_state.json``), up to ``now``: missed occurrences are caught up
    with one run. A job with no mark counts as checked up to ``started - LOOK_BACK`` (``started``:
    when the scheduler started, default ``now``). After its run the job's mark moves to its latest
    occurrence, whatever the run gave.

    When another process holds the workspace lock nothing runs: the check says so and returns
    with ``busy`` set; the jobs keep their marks and so stay due for the next check. An
    unexpected error in one job's run is reported in ``crashed`` and the other jobs still run.
    """
    started = started or now
    marks = _marks(ws, schedule, started, say)
    if not [j for j in schedule.jobs if _fired(j, schedule, marks[j.name], now)]:
        return Check(now)
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(workspace_lock(ws))
        except WorkspaceError as exc:
            names = [j.name for j in schedule.jobs if _fired(j, schedule, marks[j.name], now)]
            return _not_run(Check(now, names), exc, f"{_stamp(now, schedule)} due: ", say)
        marks = _marks(ws, schedule, started, say)  # again: another check may have run them
        fired = {j.name: _fired(j, schedule, marks[j.name], now) for j in schedule.jobs}
        jobs = [j for j in schedule.jobs if fired[j.name] is not None]
        result = Check(now, [j.name for j in jobs])
        if jobs:
            say(f"{_stamp(now, schedule)} due: {', '.join(result.due)}")
        for job in jobs:
            outcome = _run_due(job, ws, result, say)
            _record(ws, job, fired[job.name], outcome, now, say)
    return result


def _run_due(job: Job, ws: Settings, check: Check, say: Callable[[str], None]) -> str:
    """Run one due job into ``check``; say and return its outcome (ok, needs_data, failed,
    skipped, crashed)."""
    failed = _failed_deps(job, check.results)
    check.results[job.name] = None
    if failed:
        say(f"  {job.name}: skipped because {', '.join(failed)} failed")
        return "skipped"
    try:
        res = check.results[job.name] = _run_job(job, ws, say)
    except CxlabError as exc:
        say(f"  {job.name}: FAILED ({exc})")
        return "failed"
    except Exception as exc:  # a bug in cxlab: report it, go on with the other jobs
        check.crashed[job.name] = f"{type(exc).__name__}: {exc}"
        say(f"  {job.name}: CRASHED ({check.crashed[job.name]})")
        say(traceback.format_exc().rstrip())
        return "crashed"
    if res.needs_data:
        say(f"  {job.name}: needs data (the index says what to load)")
        return "needs_data"
    if res.ok:
        say(f"  {job.name}: ok {res.report}")
        return "ok"
    say(f"  {job.name}: FAILED ({(res.error or {}).get('message')})")
    return "failed"


def _stamp(now: dt.datetime, schedule: Schedule) -> str:
    return f"{now.astimezone(ZoneInfo(schedule.time_zone)):%Y-%m-%d %H:%M}"


def _not_run(result: Check, exc: WorkspaceError, lead: str, say: Callable[[str], None]) -> Check:
    """The workspace lock was not taken: held by another run (``busy``) or ``outputs/`` cannot
    be written (``error``). Nothing ran and no mark moved, so the jobs stay due."""
    if is_busy(exc):
        result.busy = str(exc)
        say(
            f"{lead}{', '.join(result.due)}: the workspace is busy, they stay due for the next check: {exc}"
        )
    else:
        result.error = str(exc)
        say(f"{lead}{', '.join(result.due)}: not run, they stay due for the next check: {exc}")
    return result


def check_poll(seconds: float) -> float:
    """``--poll``: a finite number of seconds > 0, else :class:`OptionError`."""
    if isinstance(seconds, bool) or not math.isfinite(seconds) or seconds <= 0:
        raise OptionError(
            f"--poll {seconds!r}: give the seconds between checks as a number > 0, such as 30."
        )
    return float(seconds)


def serve(
    ws: Settings,
    schedule: Schedule,
    *,
    poll_seconds: float = 30.0,
    once: bool = False,
    say: Callable[[str], None] = print,
    now: Callable[[], dt.datetime] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Check | None:
    """Check for due jobs and run them, then every ``poll_seconds`` until interrupted.

    ``once``: one check, returned (its :attr:`Check.exit_code` is the command's). A held
    workspace lock, a failed or a crashed job never ends the service: it says so and checks again.
    """
    check_poll(poll_seconds)
    _check_notebooks(ws, schedule.jobs)
    clock = now or (lambda: dt.datetime.now(dt.UTC))
    started = clock()
    say(
        f"cxlab schedule: {len(schedule.jobs)} job(s), "
        + ("checking once" if once else f"checking every {poll_seconds:g} s")
        + f" ({schedule.time_zone}); state in {state_path(ws)}"
    )
    while True:
        result = check(ws, schedule, now=clock(), started=started, say=say)
        if once:
            return result
        (sleep or time.sleep)(poll_seconds)


def run_job(
    ws: Settings, schedule: Schedule, name: str, *, say: Callable[[str], None] = print
) -> Check:
    """Run one job now as ``schedule.yaml`` defines it (parameters, timeouts, retries).

    What the ``--cron`` lines call. The workspace lock held by another run gives a check with
    ``busy`` set (exit :data:`EXIT_BUSY`); nothing runs.
    """
    if name not in {j.name for j in schedule.jobs}:
        raise OptionError(
            f"--run {name!r}: no such job in schedule.yaml; known: "
            f"{', '.join(j.name for j in schedule.jobs)}."
        )
    job = schedule.job(name)
    _check_notebooks(ws, [job])
    now = dt.datetime.now(dt.UTC)
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(workspace_lock(ws))
        except WorkspaceError as exc:
            return _not_run(Check(now, [name]), exc, "", say)
        result = Check(now, [name])
        _run_due(job, ws, result, say)
        return result


def cron_lines(ws: Settings, schedule: Schedule) -> list[str]:
    """crontab lines for the same jobs: one ``cxlab schedule --run JOB`` per job.

    The job runs as ``schedule.yaml`` defines it (its parameters, timeouts and retries, read when
    it runs); a comment line above each shows them. ``%`` is escaped (cron reads it as a newline).
    """
    exe = (
        Path(sys.argv[0]).resolve()
        if Path(sys.argv[0]).name == "cxlab"
        else Path(sys.executable).with_name("cxlab")
    )
    root = shlex.quote(str(ws.workspace))
    lines = [
        f"# cxlab jobs ({schedule.time_zone}); install with: crontab -e",
        "# each line runs one job of schedule.yaml with its parameters, timeouts and retries;",
        f"# exit codes: {EXIT_OK} ok, {EXIT_FAILED} a report failed, {EXIT_USAGE} bad input, "
        f"{EXIT_CRASH} crash, {EXIT_BUSY} workspace busy (not run)",
        f"CRON_TZ={schedule.time_zone}",
    ]
    for job in schedule.jobs:
        params = " ".join(f"-p {k} {v}" for k, v in job.parameters.items())
        about = [
            f"{job.notebook}{' ' + params if params else ''}",
            f"retries {job.retries}",
            f"timeout {job.timeout_minutes:g} min",
            f"cell timeout {job.cell_timeout_minutes:g} min",
        ]
        if job.depends_on:
            about.append(f"after {', '.join(job.depends_on)}")
        lines.append(_one_line(f"# {job.name}: {'; '.join(about)}"))
        command = (
            f"cd {root} && mkdir -p outputs && {shlex.quote(str(exe))} schedule --run "
            f"{shlex.quote(job.name)}"
            f" >> {root}/outputs/cron.log 2>&1"
        )
        lines.append(f"{job.cron} {_one_line(command).replace('%', chr(92) + '%')}")
    return lines


def _one_line(text: str) -> str:
    """Control characters (a newline would start a new crontab line) written as escapes."""
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )
