"""``cxlab schedule --airflow PATH``: the jobs of ``schedule.yaml`` as an Airflow 3 DAG file.

One DAG per group of jobs linked by ``depends_on`` (a job on its own is a group), one
``BashOperator`` task per job running ``cxlab run NOTEBOOK`` with the job's parameters and
timeouts. See ``docs/scheduler.md`` for the mapping and why.
"""

from __future__ import annotations

import ast
import math
import os
import pprint
from pathlib import Path
from typing import Any

from cxlab._config import Settings
from cxlab._errors import WorkspaceError
from cxlab.runner._orchestrate import (
    MARGIN_MINUTES,
    cron_fields,
    cxlab_executable,
    groups,
    one_line,
)
from cxlab.runner._schedule import EXIT_BUSY, Job, Schedule, _check_notebooks

RETRY_DELAY_MINUTES = 1.0
"""Minutes Airflow waits before it tries a failed task again (cxlab's own retries wait none)."""
BUSY_WAIT_SECONDS = 30
"""Seconds a task waits before it calls ``cxlab run`` again while the workspace is busy."""

_IMPORTS = """
import datetime
import shlex
import zoneinfo

from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.python import ShortCircuitOperator
from airflow.sdk import DAG, literal

try:
    from airflow.sdk import CronTriggerTimetable, MultipleCronTriggerTimetable
except ImportError:  # an Airflow 3 whose SDK does not export the timetables yet
    from airflow.timetables.trigger import CronTriggerTimetable, MultipleCronTriggerTimetable
"""

_CODE = '''
def _script(argv):
    """The task's bash: cxlab run; while the workspace is busy, wait and call it again."""
    command = " ".join(shlex.quote(word) for word in argv)
    return (
        "while :; do\\n"
        f"  {command}\\n"
        "  code=$?\\n"
        f'  [ "$code" -eq {BUSY_EXIT} ] || exit "$code"\\n'
        f'  echo "the cxlab workspace is busy; trying again in {BUSY_WAIT_SECONDS} s" >&2\\n'
        f"  sleep {BUSY_WAIT_SECONDS}\\n"
        "done\\n"
    )


def _fires(fields, **context):
    """Whether this job's own cron timetable fires at the time of the run: a job that is not due
    is skipped, and the jobs that depend on it still run. A run started by hand runs every job.
    Where the clocks change, Airflow runs the first of a cron's times inside a skipped hour that
    long after it (02:30 at 03:30) and, in a repeated hour, a cron with set hours at the second
    pass only, one that runs every hour at both; the gate reads the run's time the same way."""
    run = context["dag_run"]
    if getattr(run.run_type, "value", run.run_type) != "scheduled":
        return True
    zone = zoneinfo.ZoneInfo(TIME_ZONE)
    at = (run.logical_date or run.run_after).astimezone(datetime.timezone.utc)
    minutes, hours, days, months, weekdays = fields

    def allows(values, value):
        return values is None or value in values

    def matches(wall):
        day = allows(days, wall.day)
        weekday = allows(weekdays, wall.isoweekday() % 7)
        either = days is not None and weekdays is not None  # cron: either day, when both are set
        return (
            allows(minutes, wall.minute)
            and allows(hours, wall.hour)
            and allows(months, wall.month)
            and ((day or weekday) if either else (day and weekday))
        )

    def skipped(wall):
        utc = wall.replace(tzinfo=zone).astimezone(datetime.timezone.utc)
        return utc.astimezone(zone).replace(tzinfo=None) != wall

    local = at.astimezone(zone)
    # in a repeated hour, a cron with set hours fires at the second pass only
    once = local.fold == 1 or local.replace(fold=1).utcoffset() == local.utcoffset()
    if matches(local) and (hours is None or once):
        return True
    # the first of its times in an hour the clocks skip fires that long after it (02:30 at
    # 03:30); the later ones in that hour do not fire
    day_before = (at - datetime.timedelta(days=1)).astimezone(zone).utcoffset()
    for back in range(1, 97) if day_before != local.utcoffset() else ():
        offset = (at - datetime.timedelta(minutes=15 * back)).astimezone(zone).utcoffset()
        wall = at.replace(tzinfo=None) + offset
        if offset != local.utcoffset() and skipped(wall) and matches(wall):
            if wall.replace(tzinfo=zone).astimezone(datetime.timezone.utc) != at:
                continue
            earlier = wall - datetime.timedelta(minutes=1)
            while skipped(earlier):
                if matches(earlier):
                    return False
                earlier -= datetime.timedelta(minutes=1)
            return True
    return False


for _group in GROUPS:
    _crons = _group["crons"]
    _timetable = (
        CronTriggerTimetable(_crons[0], timezone=TIME_ZONE)
        if len(_crons) == 1
        else MultipleCronTriggerTimetable(*_crons, timezone=TIME_ZONE)
    )
    with DAG(
        dag_id=_group["dag_id"],
        description=_group["description"],
        schedule=_timetable,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        tags=["cxlab"],
    ):
        _tasks = {}
        for _job in _group["jobs"]:
            _tasks[_job["name"]] = BashOperator(
                task_id=_job["name"],
                bash_command=literal(_script(_job["argv"])),
                cwd=literal(WORKSPACE),
                retries=_job["retries"],
                retry_delay=RETRY_DELAY,
                execution_timeout=datetime.timedelta(minutes=_job["execution_timeout_minutes"]),
                skip_on_exit_code=None,
                trigger_rule="none_failed",
            )
            if _job["gate"] is not None:
                ShortCircuitOperator(
                    task_id=_job["gate"],
                    python_callable=_fires,
                    op_kwargs={"fields": _job["fields"]},
                    ignore_downstream_trigger_rules=False,
                ) >> _tasks[_job["name"]]
        for _job in _group["jobs"]:
            for _dependency in _job["depends_on"]:
                _tasks[_dependency] >> _tasks[_job["name"]]
'''


def parameter_text(value: Any) -> str:
    """A schedule parameter as the text ``cxlab run -p NAME VALUE`` reads back to it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def run_argv(job: Job, ws: Settings, cxlab: Path) -> list[str]:
    """The ``cxlab run`` command of one job: its notebook, parameters, timeouts and workspace."""
    argv = [str(cxlab), "run", job.notebook]
    for name, value in job.parameters.items():
        argv += ["-p", name, parameter_text(value)]
    argv += [
        "--cell-timeout",
        repr(job.cell_timeout_minutes * 60),
        "--timeout",
        repr(job.timeout_minutes * 60),
        "--workspace",
        str(ws.workspace.resolve()),
    ]
    for word in argv:
        if "\0" in word:
            raise WorkspaceError(
                f"job {job.name!r}: a NUL character in {word!r} cannot be passed to a command."
            )
    return argv


def airflow_dag(
    ws: Settings,
    schedule: Schedule,
    *,
    cxlab: str | os.PathLike | None = None,
    dag_prefix: str = "cxlab",
    source: str = "schedule.yaml",
) -> str:
    """The text of an Airflow 3 DAG file that runs the jobs of ``schedule``.

    One DAG per group of jobs linked by ``depends_on`` (a job with no dependency link is a DAG
    of its own), named ``<dag_prefix>_<first job>``; one task per job, named after it, running
    ``cxlab run NOTEBOOK -p NAME VALUE ... --cell-timeout S --timeout S --workspace WS`` through
    the standard provider's ``BashOperator``; ``depends_on`` as task dependencies. A DAG whose
    jobs share one cron expression runs on ``CronTriggerTimetable(cron, timezone=...)``; a group
    whose jobs have different ones runs on ``MultipleCronTriggerTimetable`` of them all, and a
    gate before each job skips it when its own cron did not fire at the run's time (clock changes
    read as Airflow's cron timetables read them: the job runs when a DAG of its cron alone would).
    A job whose dependency failed is not run (Airflow's ``upstream_failed``); a dependency that
    was not due does not hold it back (trigger rule ``none_failed``). That is how ``cxlab schedule`` treats
    ``depends_on``: it matters when both jobs are due at the same check.

    Each task has the job's ``retries`` (with :data:`RETRY_DELAY_MINUTES` between tries) and
    ``execution_timeout`` = ``timeout_minutes`` + :data:`~cxlab.runner._orchestrate.MARGIN_MINUTES`
    for each try: ``cxlab run --timeout`` stops the notebook at ``timeout_minutes`` and the report
    is rendered and published after that, as the systemd export allows; every DAG has
    ``catchup=False`` and ``max_active_runs=1``. While the workspace lock is held (``cxlab run``
    exits :data:`~cxlab.runner.EXIT_BUSY`) the task waits :data:`BUSY_WAIT_SECONDS` and calls it
    again.

    Every value from ``schedule.yaml`` is written as a Python literal (``ast.literal_eval`` reads
    it back), and the commands are built with ``shlex.quote`` and given to Airflow as
    ``literal(...)``, so neither Python, bash nor Jinja reads a job name or a parameter as code.
    The file imports Airflow only, never cxlab, and calls ``cxlab`` by its absolute path
    (:func:`~cxlab.runner.cxlab_executable`).

    Raises
    ------
    WorkspaceError
        A job whose cron has a seconds field (Airflow takes five), or, in a group with several
        cron expressions, a cron the gate cannot read exactly (``L``, ``W``, ``#``).

    References
    ----------
    Apache Airflow 3 documentation: "Timetables" (``CronTriggerTimetable``,
    ``MultipleCronTriggerTimetable``), "Trigger rules" (``none_failed``) and the standard
    provider's ``BashOperator`` and ``ShortCircuitOperator``.
    """
    exe = cxlab_executable(cxlab)
    data = []
    for group in groups(schedule):
        crons = list(dict.fromkeys(job.cron for job in group))
        names = {job.name for job in group}
        jobs = []
        for job in group:
            fields = cron_fields(job, use="Airflow")  # refuses a seconds field in any case
            gate = f"{job.name}.due" if len(crons) > 1 else None
            if gate in names:
                raise WorkspaceError(
                    f"job {job.name!r}: the task {gate!r} that skips it when it is not due has "
                    "the name of another job; rename one of them."
                )
            jobs.append(
                {
                    "name": job.name,
                    "argv": run_argv(job, ws, exe),
                    "retries": job.retries,
                    "timeout_minutes": job.timeout_minutes,
                    "execution_timeout_minutes": job.timeout_minutes + MARGIN_MINUTES,
                    "depends_on": list(job.depends_on),
                    "gate": gate,
                    "fields": [list(f) if f is not None else None for f in fields]
                    if gate
                    else None,
                }
            )
        listed = ", ".join(f"{job.name} ({job.notebook})" for job in group)
        data.append(
            {
                "dag_id": f"{dag_prefix}_{group[0].name}",
                "description": one_line(f"cxlab jobs {listed}"),
                "crons": crons,
                "jobs": jobs,
            }
        )
    constants = {
        "CXLAB": str(exe),
        "WORKSPACE": str(ws.workspace.resolve()),
        "TIME_ZONE": schedule.time_zone,
        "BUSY_EXIT": EXIT_BUSY,
        "BUSY_WAIT_SECONDS": BUSY_WAIT_SECONDS,
        "GROUPS": data,
    }
    lines = [
        f'"""cxlab jobs for Airflow 3, written by `cxlab schedule --airflow` from {one_line(source)!r}.',
        "",
        "Regenerate this file after changing schedule.yaml; edits here are lost then. Each task",
        "runs `cxlab run`, which publishes the notebook's report only when every cell ran and",
        "otherwise exits non-zero and keeps the last good report.",
        '"""',
        "",
        _IMPORTS.strip("\n"),
        "",
    ]
    lines += [f"{name} = {_literal(value)}" for name, value in constants.items()]
    lines += [
        f"RETRY_DELAY = datetime.timedelta(minutes={RETRY_DELAY_MINUTES!r})",
        "START_DATE = datetime.datetime(2024, 1, 1, tzinfo=zoneinfo.ZoneInfo(TIME_ZONE))",
        "",
        "",
        _CODE.strip("\n"),
    ]
    text = "\n".join(lines)
    ast.parse(text)  # the file is Python, whatever the schedule holds
    return text + "\n"


def _literal(value: Any) -> str:
    """``value`` as Python source that ``ast.literal_eval`` reads back equal."""
    _check_literal(value)
    text = pprint.pformat(value, width=100, sort_dicts=False)
    if ast.literal_eval(text) != value:  # pragma: no cover - pprint writes reprs
        raise AssertionError(f"{value!r} does not read back as written")
    return text


def _check_literal(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _check_literal(key)
            _check_literal(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _check_literal(item)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise WorkspaceError(f"{value!r} is not a finite number; it cannot be exported.")
    elif not (value is None or isinstance(value, str | int | bool)):
        raise TypeError(f"{type(value).__name__} is not a literal")


def write_airflow(
    ws: Settings,
    schedule: Schedule,
    path: str | os.PathLike,
    *,
    cxlab: str | os.PathLike | None = None,
    source: str = "schedule.yaml",
) -> Path:
    """Write :func:`airflow_dag` to ``path`` (a ``.py`` file; replaced in one step if it exists)
    and return it; a job whose notebook does not exist refuses it (:class:`WorkspaceError`). Put it in Airflow's ``dags/`` folder, or point ``[core] dags_folder`` at it."""
    from cxlab.runner._journal import atomic_write

    target = Path(path).expanduser().absolute()
    if target.suffix != ".py":
        raise WorkspaceError(
            f"--airflow {str(path)!r}: Airflow reads DAG files ending in .py; "
            "give a path such as dags/cxlab_jobs.py."
        )
    if target.is_dir():
        raise WorkspaceError(f"--airflow {str(path)!r} is a folder; give the .py file to write.")
    if not target.parent.is_dir():
        raise WorkspaceError(f"--airflow {str(path)!r}: the folder {target.parent} does not exist.")
    _check_notebooks(ws, schedule.jobs)  # a job whose notebook does not exist would fail each run
    atomic_write(target, airflow_dag(ws, schedule, cxlab=cxlab, source=source))
    return target
