"""``cxlab schedule --systemd DIR``: each job of ``schedule.yaml`` as a systemd service and timer.

The service runs ``cxlab schedule --run JOB`` (the job as ``schedule.yaml`` defines it, with its
retries); the timer starts it at the job's cron expression, converted to ``OnCalendar=``. See
``docs/scheduler.md`` for the mapping and why.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
import re
import shlex
from pathlib import Path
from zoneinfo import ZoneInfo

from cxlab._config import Settings
from cxlab._errors import WorkspaceError
from cxlab.runner._orchestrate import (
    MARGIN_MINUTES,
    CronFields,
    cron_fields,
    cxlab_executable,
    days_either,
    fires,
    one_line,
)
from cxlab.runner._schedule import EXIT_BUSY, Job, Schedule, _check_notebooks

BUSY_WAIT_SECONDS = 30
"""Seconds a service waits before it calls ``cxlab schedule --run`` again while the workspace is
busy."""

_WEEKDAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
_UNIT_CHARS = re.compile(r"[A-Za-z0-9:_.-]")
_PLAIN_WORD = re.compile(r"[A-Za-z0-9_./:+=,@-]+")


def on_calendar(job: Job, time_zone: str) -> list[str]:
    """``job``'s cron expression as systemd ``OnCalendar=`` values in ``time_zone``.

    Each field's values are written out as croniter expands them (steps become lists, runs of
    three or more become ``a..b`` ranges), so the calendar fires exactly when croniter does. When
    both the day of the month and the day of the week are restricted, cron fires on a day that
    matches either, while one ``OnCalendar=`` needs both: two values are returned then, one per
    day field (a timer fires at the union of its ``OnCalendar=`` lines).

    Raises
    ------
    WorkspaceError
        A cron expression systemd cannot express exactly, naming the job and the field: a
        seconds field, ``L``, ``W``, ``#``, or set hours with a time inside an hour the zone
        skips or repeats when its clocks change in the next :data:`CLOCK_YEARS` years (cron runs
        a skipped time at the end of the gap and a repeated one twice; systemd skips the first
        and runs the second once). A cron that runs every hour is taken: in a repeated hour
        systemd runs it at the first pass only, cron at both.

    References
    ----------
    systemd.time(7), "Calendar events"; crontab(5) on the two day fields.
    """
    fields = cron_fields(job, use="a systemd calendar")
    _check_clock_changes(job, fields, time_zone)
    minutes, hours, days, months, weekdays = fields
    clock = f"{_values(hours)}:{_values(minutes)}:00"

    def date(day: list[int] | None) -> str:
        return f"*-{_values(months)}-{_values(day)}"

    if days_either(fields):
        return [
            f"{date(days)} {clock} {time_zone}",
            f"{_weekdays(weekdays)} {date(None)} {clock} {time_zone}",
        ]
    lead = f"{_weekdays(weekdays)} " if weekdays is not None else ""
    return [f"{lead}{date(days)} {clock} {time_zone}"]


CLOCK_YEARS = 20
"""Years ahead in which a job's firing times are checked against the zone's clock changes."""


def clock_changes(
    time_zone: str, *, years: int = CLOCK_YEARS
) -> list[tuple[dt.datetime, dt.datetime, str]]:
    """The local wall-clock windows in which ``time_zone`` changes its clocks over the next
    ``years``: ``(first, end, kind)`` with ``end`` excluded, ``kind`` ``"skipped"`` (the hour
    that does not exist when clocks go forward) or ``"repeated"`` (the hour lived twice when
    they go back). Times are naive local times."""
    today = dt.datetime.now(dt.UTC).date()
    return list(_clock_changes(time_zone, today, years))


@functools.lru_cache(maxsize=16)
def _clock_changes(
    time_zone: str, today: dt.date, years: int
) -> tuple[tuple[dt.datetime, dt.datetime, str], ...]:
    tz = ZoneInfo(time_zone)
    start = int(dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC).timestamp())

    def offset(seconds: int) -> dt.timedelta | None:
        return dt.datetime.fromtimestamp(seconds, dt.UTC).astimezone(tz).utcoffset()

    out = []
    before = offset(start)
    for n in range(1, 366 * years + 1):
        lo, hi = start + (n - 1) * 86400, start + n * 86400
        after = offset(hi)
        if after == before or after is None or before is None:
            continue
        while hi - lo > 1:  # the first second of the new offset
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if offset(mid) == before else (lo, mid)
        wall = dt.datetime.fromtimestamp(hi, dt.UTC).replace(tzinfo=None)
        first, end = sorted((wall + before, wall + after))
        out.append((first, end, "skipped" if after > before else "repeated"))
        before = after
    return tuple(out)


def _check_clock_changes(job: Job, fields: CronFields, time_zone: str) -> None:
    """Refuse a job with set hours that fires inside an hour the zone skips or repeats: cron
    (croniter) runs such a skipped time at the end of the gap and a repeated time twice, systemd
    skips the one and runs the other once, so no calendar matches cron there.

    A cron that runs every hour (``@hourly``, ``*/15 * * * *``) is taken: in a skipped hour
    neither runs, and in a repeated hour systemd runs its times at the first pass only where
    croniter runs them at both, one run of each fewer once a year.
    """
    if fields[1] is None:
        return
    for first, end, kind in clock_changes(time_zone):
        at = first
        while at < end:
            if fires(fields, at):
                raise WorkspaceError(
                    f"job {job.name!r}: cron {job.cron!r} fires at {at:%H:%M} on {at:%Y-%m-%d}, "
                    f"in the hour {time_zone} {kind} when its clocks change "
                    f"({first:%H:%M}-{end:%H:%M}); cron and systemd run such a time differently, "
                    "so the hour and minute fields cannot be written exactly. Choose a time "
                    "outside that hour, a time zone without clock changes (UTC), or a timer "
                    "that calls cxlab schedule --once."
                )
            at += dt.timedelta(minutes=1)


def _runs(values: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for v in values:
        if runs and v == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], v)
        else:
            runs.append((v, v))
    return runs


def _values(values: list[int] | None) -> str:
    if values is None:
        return "*"
    out = []
    for first, last in _runs(values):
        if last - first >= 2:
            out.append(f"{first:02d}..{last:02d}")
        else:
            out += [f"{v:02d}" for v in range(first, last + 1)]
    return ",".join(out)


def _weekdays(values: list[int] | None) -> str:
    if values is None:
        return "*"
    monday_first = sorted(v or 7 for v in values)  # systemd's ranges run Mon..Sun
    out = []
    for first, last in _runs(monday_first):
        if last - first >= 2:
            out.append(f"{_WEEKDAYS[first % 7]}..{_WEEKDAYS[last % 7]}")
        else:
            out += [_WEEKDAYS[v % 7] for v in range(first, last + 1)]
    return ",".join(out)


def unit_name(job: Job, prefix: str = "cxlab") -> str:
    """``<prefix>-<job>`` with every character a unit name cannot hold written as ``\\xNN``
    (its UTF-8 bytes), as ``systemd-escape`` does; without the ``.service``/``.timer`` suffix."""
    text = f"{prefix}-{job.name}"
    return "".join(
        ch
        if _UNIT_CHARS.fullmatch(ch) and not (i == 0 and ch == ".")
        else "".join(f"\\x{b:02x}" for b in ch.encode("utf-8"))
        for i, ch in enumerate(text)
    )


def _exec_word(word: str) -> str:
    """One word of ``ExecStart=``, quoted and escaped as systemd reads it (``%`` and ``$`` are
    systemd's specifiers and variables; backslash and quote are escaped; control characters as
    ``\\xNN``)."""
    if _PLAIN_WORD.fullmatch(word):
        return word
    out = []
    for ch in word:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "%":
            out.append("%%")
        elif ch == "$":
            out.append("$$")
        elif not ch.isprintable():
            out.append("".join(f"\\x{b:02x}" for b in ch.encode("utf-8")))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _setting(text: str) -> str:
    """A free-text setting (a description) on one line, with ``%`` escaped."""
    return one_line(text).replace("%", "%%")


def systemd_units(
    ws: Settings,
    schedule: Schedule,
    *,
    cxlab: str | os.PathLike | None = None,
    prefix: str = "cxlab",
) -> dict[str, str]:
    """A ``.service`` and a ``.timer`` per job of ``schedule``, as file name -> text.

    The service is ``Type=oneshot`` and runs ``cxlab schedule --run JOB --workspace WS`` in the
    workspace, which runs the job as ``schedule.yaml`` defines it when it starts (parameters,
    timeouts, retries): cxlab retries a failed run itself, and systemd does not restart it, so a
    failure is tried ``retries`` times, as from ``cxlab schedule``. ``TimeoutStartSec`` covers
    every try: ``(retries + 1) × (timeout_minutes + MARGIN_MINUTES)``
    (:data:`~cxlab.runner._orchestrate.MARGIN_MINUTES`). While the workspace is busy (``cxlab
    schedule --run`` exits :data:`~cxlab.runner.EXIT_BUSY`) the service's ``/bin/sh`` loop waits
    :data:`BUSY_WAIT_SECONDS` and calls it again, without spending a retry, the way the job stays
    due for the next check (systemd refuses ``RestartForceExitStatus=`` for a oneshot service);
    ``TimeoutStartSec`` still bounds the whole start. ``depends_on`` becomes ``After=``: when both
    timers fire together, the job starts after the one it depends on has finished (no ``Wants=``:
    a job never starts the other).

    The timer has the cron expression as ``OnCalendar=`` (:func:`on_calendar`), in the
    schedule's time zone, and ``Persistent=true``: an occurrence missed while the machine was off
    runs once when it is back.

    Raises
    ------
    WorkspaceError
        A cron that systemd cannot express exactly, or a workspace path with a control character.

    References
    ----------
    systemd.service(5), systemd.timer(5), systemd.unit(5), systemd.time(7).
    """
    exe = cxlab_executable(cxlab)
    root = str(ws.workspace.resolve())
    if not root.isprintable():
        raise WorkspaceError(
            f"the workspace path {root!r} holds a control character; systemd cannot take it."
        )
    names = {job.name: unit_name(job, prefix) for job in schedule.jobs}
    files: dict[str, str] = {}
    for job in schedule.jobs:
        calendars = on_calendar(job, schedule.time_zone)
        command = " ".join(
            shlex.quote(w) for w in (str(exe), "schedule", "--run", job.name, "--workspace", root)
        )
        script = (
            f'while :; do {command}; code=$?; [ "$code" -eq {EXIT_BUSY} ] || exit "$code"; '
            f'echo "the cxlab workspace is busy; trying again in {BUSY_WAIT_SECONDS} s" >&2; '
            f"sleep {BUSY_WAIT_SECONDS}; done"
        )
        seconds = math.ceil((job.retries + 1) * (job.timeout_minutes + MARGIN_MINUTES) * 60)
        after = [f"After={names[d]}.service" for d in job.depends_on]
        head = (
            f"# written by cxlab schedule --systemd for job {one_line(job.name)}; "
            "regenerate after changing its cron expression"
        )
        files[f"{names[job.name]}.service"] = "\n".join(
            [
                head,
                "[Unit]",
                f"Description={_setting(f'cxlab job {job.name}: notebook {job.notebook}')}",
                *after,
                "",
                "[Service]",
                "Type=oneshot",
                f"WorkingDirectory={root.replace('%', '%%')}",
                f"# exit {EXIT_BUSY}: the workspace was busy; the job waits and runs when it is free",
                f"ExecStart=/bin/sh -c {_exec_word(script)}",
                f"TimeoutStartSec={seconds}",
                "",
            ]
        )
        files[f"{names[job.name]}.timer"] = "\n".join(
            [
                head,
                "[Unit]",
                f"Description={_setting(f'cxlab job {job.name}: cron {job.cron} in {schedule.time_zone}')}",
                "",
                "[Timer]",
                *[f"OnCalendar={c}" for c in calendars],
                "Persistent=true",
                "AccuracySec=1s",
                f"Unit={names[job.name]}.service",
                "",
                "[Install]",
                "WantedBy=timers.target",
                "",
            ]
        )
    return files


def write_systemd(
    ws: Settings,
    schedule: Schedule,
    directory: str | os.PathLike,
    *,
    cxlab: str | os.PathLike | None = None,
) -> list[Path]:
    """Write :func:`systemd_units` into ``directory`` (made if its parent exists; files of the same name
    are replaced) and return their paths, services first; a job whose notebook does not exist
    refuses it (:class:`WorkspaceError`)."""
    from cxlab.runner._journal import atomic_write

    folder = Path(directory).expanduser().absolute()
    if folder.exists() and not folder.is_dir():
        raise WorkspaceError(f"--systemd {str(directory)!r} is a file; give a folder.")
    if not folder.parent.is_dir():
        raise WorkspaceError(
            f"--systemd {str(directory)!r}: the folder {folder.parent} does not exist."
        )
    _check_notebooks(ws, schedule.jobs)  # a job whose notebook does not exist would fail each run
    files = systemd_units(ws, schedule, cxlab=cxlab)
    folder.mkdir(exist_ok=True)
    written = []
    for name in sorted(files, key=lambda n: (not n.endswith(".service"), n)):
        atomic_write(folder / name, files[name])
        written.append(folder / name)
    return written
