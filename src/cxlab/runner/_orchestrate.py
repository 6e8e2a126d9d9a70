"""What the Airflow and systemd exports of ``schedule.yaml`` share: the ``cxlab`` executable they
call, the groups of jobs linked by ``depends_on``, and a cron expression read field by field.

The exports themselves are :mod:`cxlab.runner._airflow` and :mod:`cxlab.runner._systemd`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from pathlib import Path

from cxlab._errors import OptionError, WorkspaceError
from cxlab.runner._schedule import Job, Schedule

FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
_NAMES = re.compile(
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|sun|mon|tue|wed|thu|fri|sat", re.IGNORECASE
)

MARGIN_MINUTES = 1.0
"""Minutes an exported job's scheduler lets each ``cxlab run`` take beyond ``timeout_minutes``
before it ends the run: ``cxlab run --timeout`` stops the notebook at ``timeout_minutes``, and
the report is rendered and published after that (Airflow's ``execution_timeout``, systemd's
``TimeoutStartSec=``)."""

CronFields = tuple[
    list[int] | None, list[int] | None, list[int] | None, list[int] | None, list[int] | None
]
"""A cron expression's minutes, hours, days of the month, months and days of the week (0 is
Sunday) as sorted whole numbers; ``None`` for a field left open (``*``)."""


def cxlab_executable(given: str | os.PathLike | None = None) -> Path:
    """The absolute path of the ``cxlab`` command that exported jobs call.

    ``given`` (``--cxlab-command``) names it; by default the command running now, else the
    ``cxlab`` beside this Python (the virtual environment's). A path that is not an executable
    file raises :class:`OptionError`: the exported jobs would fail at every run.
    """
    if given is not None:
        path = Path(given).expanduser()
        where = f"--cxlab-command {str(given)!r}"
    elif Path(sys.argv[0]).name == "cxlab":
        path, where = Path(sys.argv[0]), "the running cxlab command"
    else:
        path = Path(sys.executable).with_name("cxlab")
        where = f"{path} (beside this Python)"
    path = path.absolute()
    if not path.is_file() or not os.access(path, os.X_OK):
        raise OptionError(
            f"{where}: no executable file at {path}; give the cxlab command the scheduler "
            "should run with --cxlab-command PATH (for example /opt/cxlab/.venv/bin/cxlab)."
        )
    return path


def groups(schedule: Schedule) -> list[list[Job]]:
    """The jobs linked by ``depends_on`` (in either direction, through any chain), one list per
    group, each in the order of ``schedule.jobs`` (dependency order); groups in the order of
    their first job."""
    parent = {job.name: job.name for job in schedule.jobs}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for job in schedule.jobs:
        for dep in job.depends_on:
            parent[root(dep)] = root(job.name)
    out: dict[str, list[Job]] = {}
    for job in schedule.jobs:
        out.setdefault(root(job.name), []).append(job)
    return list(out.values())


def cron_fields(job: Job, *, use: str) -> CronFields:
    """``job``'s cron expression as the sets of values each field allows, as croniter reads it.

    Only what ``use`` (the export, named in the message) can express exactly is accepted: five
    fields of numbers, names, ``*``, ``?``, lists, ranges and steps. A seconds field, ``L`` (the
    last day), ``W`` (the nearest weekday) and ``#`` (the n-th weekday) raise
    :class:`WorkspaceError` naming the job and the field.
    """
    from croniter import croniter

    cron = job.cron.strip()
    parsed = croniter(cron)
    expanded = parsed.expanded
    if len(expanded) > len(FIELDS):
        raise WorkspaceError(
            f"job {job.name!r}: cron {job.cron!r} has {len(expanded)} fields; {use} takes five "
            "(minute hour day-of-month month day-of-week), without seconds."
        )
    raw = [] if cron.startswith("@") else cron.split()  # @daily and the like are plain
    for name, text in zip(FIELDS, raw, strict=False):
        rest = _NAMES.sub("", text)
        if "#" in rest or re.search(r"[a-z]", rest, re.IGNORECASE):
            raise WorkspaceError(
                f"job {job.name!r}: the {name} field {text!r} of cron {job.cron!r} cannot be "
                f"written for {use} (L, W and # have no exact equivalent); give numbers, names, "
                "ranges, lists or steps."
            )
    if parsed.nth_weekday_of_month:
        raise WorkspaceError(
            f"job {job.name!r}: the day-of-week field of cron {job.cron!r} names the n-th "
            f"weekday of the month, which {use} cannot express; give days of the week."
        )
    fields = []
    for position, values in enumerate(expanded):
        if values == ["*"]:
            fields.append(None)
            continue
        numbers = {int(v) for v in values}
        if position == 4:
            numbers = {v % 7 for v in numbers}  # 7 is Sunday too
        fields.append(sorted(numbers))
    return tuple(fields)  # type: ignore[return-value]


def days_either(fields: CronFields) -> bool:
    """cron's rule: when both the day of the month and the day of the week are restricted, a day
    matching either fires (croniter's ``day_or``); otherwise both must match."""
    return fields[2] is not None and fields[4] is not None


def fires(fields: CronFields, at: dt.datetime) -> bool:
    """Whether a cron expression read by :func:`cron_fields` fires at the wall-clock minute
    ``at`` (cron's rule on the two day fields included)."""
    minutes, hours, days, months, weekdays = fields

    def allows(values: list[int] | None, value: int) -> bool:
        return values is None or value in values

    day, weekday = allows(days, at.day), allows(weekdays, at.isoweekday() % 7)
    return (
        allows(minutes, at.minute)
        and allows(hours, at.hour)
        and allows(months, at.month)
        and ((day or weekday) if days_either(fields) else (day and weekday))
    )


def one_line(text: str) -> str:
    """``text`` with control characters written as escapes, for a comment or a description."""
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )
