"""``schedule.yaml``: jobs with cron expressions, timeouts, retries and dependencies.

``refresh`` runs every job once in dependency order; ``serve`` runs due jobs in the foreground as
a service would; ``cron_lines`` prints the same jobs as crontab entries.
"""

from __future__ import annotations

import datetime as dt
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from cxlab._config import Settings
from cxlab._errors import WorkspaceError
from cxlab.runner._run import RunResult, run_notebook, workspace_lock


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


def load_schedule(path: Path, *, time_zone: str = "UTC") -> Schedule:
    """Read and check a schedule: cron expressions parse, dependencies exist, no cycles."""
    from croniter import croniter

    spec = yaml.safe_load(path.read_text()) or {}
    defaults = spec.get("defaults", {})
    jobs = {}
    for name, body in (spec.get("jobs") or {}).items():
        body = {**defaults, **(body or {})}
        if "notebook" not in body or "cron" not in body:
            raise WorkspaceError(
                f"{path.name}: job {name!r} needs a notebook and a cron expression."
            )
        if not croniter.is_valid(body["cron"]):
            raise WorkspaceError(
                f"{path.name}: job {name!r} has an invalid cron expression {body['cron']!r}."
            )
        deps = body.get("depends_on") or []
        jobs[name] = Job(
            name=name,
            notebook=body["notebook"],
            cron=body["cron"],
            depends_on=tuple([deps] if isinstance(deps, str) else deps),
            timeout_minutes=float(body.get("timeout_minutes", 30)),
            cell_timeout_minutes=float(body.get("cell_timeout_minutes", 10)),
            retries=int(body.get("retries", 0)),
            parameters=dict(body.get("parameters") or {}),
            archive_keep=_keep(body.get("archive_keep"), name, path),
        )
    for job in jobs.values():
        missing = [d for d in job.depends_on if d not in jobs]
        if missing:
            raise WorkspaceError(
                f"{path.name}: job {job.name!r} depends on unknown job(s) {missing}."
            )
    zone = spec.get("time_zone", spec.get("timezone", time_zone))  # "timezone": the old name
    return Schedule(zone, tuple(_topological(jobs, path)))


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


def refresh(
    ws: Settings,
    schedule: Schedule,
    *,
    only: list[str] | None = None,
    on_start: Callable[[Job], None] | None = None,
    on_done: Callable[[Job, RunResult | None], None] | None = None,
    say: Callable[[str], None] = lambda _m: None,
    parameters: dict[str, Any] | None = None,
) -> dict[str, RunResult | None]:
    """Run every job once, in dependency order, past failures; a job whose dependency failed is skipped.

    ``parameters`` go to every job (``{"language": "zh"}``). A job whose notebook does not exist
    refuses the whole refresh before anything runs or is written.
    """
    from cxlab.runner._notebooks import find_notebook

    results: dict[str, RunResult | None] = {}
    for job in schedule.jobs:
        if not only or job.name in only:
            try:
                find_notebook(job.notebook, ws)
            except WorkspaceError as exc:
                raise WorkspaceError(f"job {job.name!r}: {exc}") from None
    with workspace_lock(ws):
        for job in schedule.jobs:
            if only and job.name not in only:
                continue
            if on_start:
                on_start(job)
            failed = [
                d
                for d in job.depends_on
                if d in results and (results[d] is None or not results[d].ok)
            ]
            if failed:
                say(f"{job.name}: skipped because {', '.join(failed)} failed")
                results[job.name] = None
            else:
                results[job.name] = _run_job(job, ws, say, parameters)
            if on_done:
                on_done(job, results[job.name])
    return results


def due(schedule: Schedule, since: dt.datetime, until: dt.datetime) -> list[Job]:
    """Jobs whose cron expression fired in (since, until], in dependency order."""
    from croniter import croniter

    tz = ZoneInfo(schedule.time_zone)
    out = []
    for job in schedule.jobs:
        nxt = croniter(job.cron, since.astimezone(tz)).get_next(dt.datetime)
        if nxt <= until.astimezone(tz):
            out.append(job)
    return out


def serve(
    ws: Settings,
    schedule: Schedule,
    *,
    poll_seconds: float = 30.0,
    once: bool = False,
    say: Callable[[str], None] = print,
    now: Callable[[], dt.datetime] | None = None,
) -> None:
    """Run due jobs in the foreground until interrupted (``once``: one check, then return)."""
    clock = now or (lambda: dt.datetime.now(dt.UTC))
    last = clock()
    say(
        f"cxlab schedule: {len(schedule.jobs)} job(s), checking every {poll_seconds:g} s ({schedule.time_zone})"
    )
    while True:
        if not once:
            time.sleep(poll_seconds)
        current = clock()
        jobs = due(schedule, last, current)
        last = current
        if jobs:
            names = [j.name for j in jobs]
            say(f"{current:%Y-%m-%d %H:%M} due: {', '.join(names)}")
            results = refresh(ws, schedule, only=names, say=say)
            for name, res in results.items():
                say(f"  {name}: {'ok' if res and res.ok else 'FAILED'}")
        if once:
            return


def cron_lines(ws: Settings, schedule: Schedule) -> list[str]:
    """crontab lines for the same jobs (one ``cxlab run`` per job, logging beside the outputs)."""
    exe = (
        Path(sys.argv[0]).resolve()
        if Path(sys.argv[0]).name == "cxlab"
        else Path(sys.executable).with_name("cxlab")
    )
    root = shlex.quote(str(ws.workspace))
    lines = [
        f"# cxlab jobs ({schedule.time_zone}); install with: crontab -e",
        f"CRON_TZ={schedule.time_zone}",
    ]
    for job in schedule.jobs:
        params = " ".join(
            f"-p {shlex.quote(k)} {shlex.quote(str(v))}" for k, v in job.parameters.items()
        )
        deps = f"  # after {', '.join(job.depends_on)}" if job.depends_on else ""
        lines.append(
            f"{job.cron} cd {root} && {shlex.quote(str(exe))} run {shlex.quote(job.notebook)} {params}".rstrip()
            + f" >> {root}/outputs/cron.log 2>&1{deps}"
        )
    return lines
