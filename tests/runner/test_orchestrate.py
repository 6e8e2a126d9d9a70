"""schedule.yaml exported to Airflow (a DAG file) and to systemd (a service and a timer per job).

The DAG file is read as Python (``ast``) and its task command run by bash against a stand-in
``cxlab``; the units are checked by ``systemd-analyze verify`` and their calendars against
croniter with ``systemd-analyze calendar``. A slow test loads the DAG file in a real Airflow 3
and runs one DAG with ``airflow dags test`` against a tiny workspace.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from cxlab._config import settings
from cxlab._errors import WorkspaceError
from cxlab.cli import app
from cxlab.runner import (
    EXIT_BUSY,
    Job,
    Schedule,
    _airflow,
    _systemd,
    airflow_dag,
    load_schedule,
    on_calendar,
    read_runs,
    systemd_units,
    write_systemd,
)
from cxlab.runner._orchestrate import MARGIN_MINUTES, cron_fields, fires, groups

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
needs_systemd = pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is absent")

HOSTILE = [
    'it\'s "quoted"',
    "line one\nline two",
    "'; import os; os.system('touch pwned') #",
    '"""; import os #',
    "{{ 7 * 7 }} {% raw %} {{",
    "$(touch pwned) `id` $HOME ${HOME} %n %% \\",
    "中文 参数\ttab",
]

SPEC = """
time_zone: Asia/Shanghai
defaults: {retries: 1, timeout_minutes: 30}
jobs:
  forecast: {notebook: 01_volume_forecast, cron: "30 5 * * *"}
  staffing: {notebook: 02_interventions, cron: "30 5 * * *", depends_on: forecast, retries: 3}
  review:   {notebook: 00_service_review, cron: "0 7 2 * *", depends_on: forecast,
             parameters: {language: en, ratio: 0.25, flag: true, month: null}}
  nps:      {notebook: 04_nps, cron: "0 7 3 * *", retries: 2, timeout_minutes: 12.5,
             cell_timeout_minutes: 4}
"""


@pytest.fixture()
def fake_cxlab(tmp_path: Path) -> types.SimpleNamespace:
    """A stand-in ``cxlab``: logs its arguments (one JSON list a line) and exits with the next
    code of ``codes`` (0 when none is left)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    exe = folder / "cxlab"
    log, codes = tmp_path / "calls.jsonl", tmp_path / "codes.txt"
    exe.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"with open({str(log)!r}, 'a', encoding='utf-8') as fh:\n"
        "    fh.write(json.dumps(sys.argv[1:]) + '\\n')\n"
        f"lines = open({str(codes)!r}).read().split() if __import__('os').path.exists({str(codes)!r}) else []\n"
        f"open({str(codes)!r}, 'w').write(' '.join(lines[1:]))\n"
        "sys.exit(int(lines[0]) if lines else 0)\n",
        encoding="utf-8",
    )
    exe.chmod(0o755)

    def calls() -> list[list[str]]:
        return (
            [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
            if log.exists()
            else []
        )

    def exits(*values: int) -> None:
        codes.write_text(" ".join(map(str, values)))

    return types.SimpleNamespace(path=exe, calls=calls, exits=exits)


@pytest.fixture()
def ws(tmp_path: Path):
    """A workspace whose path holds a space, a quote, ``$`` and ``%``."""
    root = tmp_path / "it's a $HOME %n ws"
    root.mkdir()
    return settings(root)


def _schedule(tmp_path: Path, text: str = SPEC) -> Schedule:
    path = tmp_path / "schedule.yaml"
    path.write_text(text, encoding="utf-8")
    return load_schedule(path)


def _hostile_schedule() -> Schedule:
    """Jobs whose names, notebooks and parameters hold quotes, newlines, Jinja and shell; built
    directly, as load_schedule would refuse such job names."""
    jobs = [
        Job(
            name=HOSTILE[0],
            notebook=HOSTILE[1],
            cron="0 6 * * *",
            parameters={h: h for h in HOSTILE},
        ),
        Job(
            name=HOSTILE[2],
            notebook=HOSTILE[3],
            cron="15 6 * * 1",
            depends_on=(HOSTILE[0],),
            parameters={"label": HOSTILE[4], "n": 3},
        ),
    ]
    return Schedule("Asia/Shanghai", tuple(jobs))


def _module_value(tree: ast.Module, name: str):
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == [
            name
        ]:
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not assigned in the DAG file")


def _dag_functions(text: str, **constants) -> dict:
    """The DAG file's own functions (``_script``, ``_fires``), run without Airflow."""
    tree = ast.parse(text)
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    namespace: dict = {name: __import__(name) for name in ("datetime", "shlex", "zoneinfo")}
    namespace.update(constants)
    exec(compile(ast.Module(body=defs, type_ignores=[]), "<dag>", "exec"), namespace)
    return namespace


def _dag_tasks(text: str) -> dict[str, dict]:
    """The DAG file run as a whole against stand-in Airflow classes: each operator's task id ->
    the keyword arguments the file gave it."""
    tasks: dict[str, dict] = {}

    class Operator:
        def __init__(self, **kwargs) -> None:
            tasks[kwargs["task_id"]] = kwargs

        def __rshift__(self, other):
            return other

    class Nothing:
        def __init__(self, *args, **kwargs) -> None:
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            pass

    stubs = {
        "airflow": {},
        "airflow.providers": {},
        "airflow.providers.standard": {},
        "airflow.providers.standard.operators": {},
        "airflow.providers.standard.operators.bash": {"BashOperator": Operator},
        "airflow.providers.standard.operators.python": {"ShortCircuitOperator": Operator},
        "airflow.sdk": {
            "DAG": Nothing,
            "literal": lambda x: x,
            "CronTriggerTimetable": Nothing,
            "MultipleCronTriggerTimetable": Nothing,
        },
    }
    saved = {name: sys.modules.get(name) for name in stubs}
    try:
        for name, values in stubs.items():
            sys.modules[name] = types.ModuleType(name)
            vars(sys.modules[name]).update(values)
        exec(compile(text, "<dag>", "exec"), {"__name__": "dag"})
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    return tasks


# --- Airflow ---------------------------------------------------------------------------------


def test_dag_file_holds_hostile_values_as_literals(ws, fake_cxlab, tmp_path: Path) -> None:
    schedule = _hostile_schedule()
    text = airflow_dag(ws, schedule, cxlab=fake_cxlab.path)
    tree = ast.parse(text)
    # no injected code: the only imports are the template's, and no name or call from a value
    imported = {
        a.name
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in n.names
    }
    assert imported == {
        "datetime",
        "shlex",
        "zoneinfo",
        "BashOperator",
        "ShortCircuitOperator",
        "DAG",
        "literal",
        "CronTriggerTimetable",
        "MultipleCronTriggerTimetable",
    }
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    attrs = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert "os" not in names and "system" not in attrs and "cxlab" not in imported
    # every value reads back equal to the original
    assert _module_value(tree, "WORKSPACE") == str(ws.workspace.resolve())
    assert _module_value(tree, "CXLAB") == str(fake_cxlab.path)
    (group,) = _module_value(tree, "GROUPS")
    first, second = group["jobs"]
    assert group["dag_id"] == f"cxlab_{HOSTILE[0]}"
    assert first["name"] == HOSTILE[0] and second["depends_on"] == [HOSTILE[0]]
    expected = [str(fake_cxlab.path), "run", HOSTILE[1]]
    for h in HOSTILE:
        expected += ["-p", h, h]
    expected += ["--cell-timeout", "600.0", "--timeout", "1800.0"]
    expected += ["--workspace", str(ws.workspace.resolve())]
    assert first["argv"] == expected
    assert second["argv"][3:9] == ["-p", "label", HOSTILE[4], "-p", "n", "3"]
    constants = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    assert set(HOSTILE) <= constants


def test_task_command_runs_cxlab_with_the_exact_words(ws, fake_cxlab) -> None:
    """The DAG's own bash, run by bash: every word reaches cxlab unchanged (no shell expansion),
    a busy workspace (exit 75) is waited for, any other exit code is the task's."""
    text = airflow_dag(ws, _hostile_schedule(), cxlab=fake_cxlab.path)
    tree = ast.parse(text)
    argv = _module_value(tree, "GROUPS")[0]["jobs"][0]["argv"]
    script = _dag_functions(text, BUSY_EXIT=EXIT_BUSY, BUSY_WAIT_SECONDS=0)["_script"](argv)
    fake_cxlab.exits(EXIT_BUSY, EXIT_BUSY, 0)
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr.count("busy") == 2
    assert fake_cxlab.calls() == [argv[1:]] * 3
    fake_cxlab.exits(1)
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and len(fake_cxlab.calls()) == 4


def test_dag_groups_dependent_jobs_and_gates_mixed_crons(tmp_path: Path, ws, fake_cxlab) -> None:
    schedule = _schedule(tmp_path)
    assert [[j.name for j in g] for g in groups(schedule)] == [
        ["forecast", "staffing", "review"],
        ["nps"],
    ]
    tree = ast.parse(airflow_dag(ws, schedule, cxlab=fake_cxlab.path))
    linked, alone = _module_value(tree, "GROUPS")
    assert linked["dag_id"] == "cxlab_forecast" and alone["dag_id"] == "cxlab_nps"
    assert linked["crons"] == ["30 5 * * *", "0 7 2 * *"] and alone["crons"] == ["0 7 3 * *"]
    jobs = {j["name"]: j for j in linked["jobs"]}
    assert jobs["review"]["gate"] == "review.due" and jobs["review"]["fields"] == [
        [0],
        [7],
        [2],
        None,
        None,
    ]
    assert jobs["staffing"]["retries"] == 3 and jobs["review"]["depends_on"] == ["forecast"]
    assert jobs["review"]["argv"][3:15] == [
        "-p",
        "language",
        "en",
        "-p",
        "ratio",
        "0.25",
        "-p",
        "flag",
        "true",
        "-p",
        "month",
        "none",
    ]
    (nps,) = alone["jobs"]
    assert nps["gate"] is None and nps["retries"] == 2 and nps["timeout_minutes"] == 12.5
    assert nps["argv"][3:7] == ["--cell-timeout", "240.0", "--timeout", "750.0"]


def test_airflow_and_systemd_give_a_run_the_same_margin(tmp_path: Path, ws, fake_cxlab) -> None:
    """``cxlab run --timeout`` stops the notebook at timeout_minutes; Airflow's execution_timeout
    lets each try run one minute more for rendering and publishing, as systemd's
    TimeoutStartSec does for every try."""
    assert MARGIN_MINUTES == 1.0
    schedule = _schedule(tmp_path)
    tasks = _dag_tasks(airflow_dag(ws, schedule, cxlab=fake_cxlab.path))
    assert sorted(tasks) == sorted(
        ["forecast", "forecast.due", "nps", "review", "review.due", "staffing", "staffing.due"]
    )
    assert tasks["nps"]["execution_timeout"] == dt.timedelta(minutes=13.5)
    assert tasks["forecast"]["execution_timeout"] == dt.timedelta(minutes=31)
    assert tasks["nps"]["retries"] == 2 and tasks["review.due"]["op_kwargs"]["fields"][1] == [7]
    files = systemd_units(ws, schedule, cxlab=fake_cxlab.path)
    for job in schedule.jobs:
        tries = job.retries + 1
        seconds = int(_setting(files[f"cxlab-{job.name}.service"], "TimeoutStartSec")[0])
        assert seconds == tries * tasks[job.name]["execution_timeout"].total_seconds()


def test_gate_fires_when_croniter_does(tmp_path: Path) -> None:
    """The DAG's gate (no cxlab, no croniter) and cxlab's reading agree with croniter minute by
    minute, the two day fields' either-rule included; a run started by hand runs every job."""
    import random

    from croniter import croniter

    text = airflow_dag(settings(tmp_path), Schedule("Asia/Shanghai", ()), cxlab=sys.executable)
    gate = _dag_functions(text, TIME_ZONE="Asia/Shanghai")["_fires"]
    tz = ZoneInfo("Asia/Shanghai")
    start = dt.datetime(2026, 12, 28, 0, 0, tzinfo=tz)
    rng = random.Random(5)
    crons = ["0 7 2 * *", "*/20 5-6 1,15 * mon", "30 5 * * 1-5", "0 0 */2 * *", "0 12 * jan,jul 0"]
    for cron in crons:
        fields = cron_fields(Job("j", "nb", cron), use="test")
        listed = [list(f) if f is not None else None for f in fields]
        it = croniter(cron, start - dt.timedelta(minutes=1))
        expected = {it.get_next(dt.datetime) for _ in range(60)}
        span = int((max(expected) - start).total_seconds() // 60)
        sample = {start + dt.timedelta(minutes=rng.randrange(span)) for _ in range(5000)}
        for at in sorted(sample | expected):
            run = types.SimpleNamespace(run_type="scheduled", logical_date=at.astimezone(dt.UTC))
            assert gate(listed, dag_run=run) == fires(fields, at) == (at in expected), (cron, at)
    manual = types.SimpleNamespace(run_type="manual", logical_date=None, run_after=start)
    assert gate([[1], [1], [1], [1], None], dag_run=manual)


def _gate(zone: str):
    """The DAG file's gate for ``zone``, as a function of a cron and a UTC time."""
    text = airflow_dag(settings(Path(".")), Schedule(zone, ()), cxlab=sys.executable)
    gate = _dag_functions(text, TIME_ZONE=zone)["_fires"]

    def due(cron: str, at: dt.datetime) -> bool:
        fields = [
            list(f) if f is not None else None for f in cron_fields(Job("j", "nb", cron), use="t")
        ]
        return gate(fields, dag_run=types.SimpleNamespace(run_type="scheduled", logical_date=at))

    return due


def test_gate_reads_clock_changes_as_airflow_does() -> None:
    """At clock changes the gate lets a job through exactly at the runs its own cron timetable
    starts. The times are Airflow 3.3.2's ``CronTriggerTimetable`` in America/New_York and
    Australia/Sydney (``next_dagrun_info``, recorded): 02:30 on the day the clocks skip 02:00-03:00
    runs at 03:30 (07:30 UTC), and of ``*/10 2`` only 02:00 runs (at 03:00); in the repeated hour
    ``30 1`` runs at the second pass only, ``*/15 *`` at both."""
    utc = dt.UTC
    due = _gate("America/New_York")
    spring = dt.datetime(2027, 3, 14, 7, 30, tzinfo=utc)  # 03:30 EDT
    assert due("30 2 * * *", spring) and not due("0 9 * * *", spring)
    assert due("0 9 * * *", dt.datetime(2027, 3, 14, 13, 0, tzinfo=utc))
    assert due("*/10 2 14 3 *", dt.datetime(2027, 3, 14, 7, 0, tzinfo=utc))
    assert not due("*/10 2 14 3 *", dt.datetime(2027, 3, 14, 7, 20, tzinfo=utc))
    assert due("*/15 * * * *", dt.datetime(2027, 3, 14, 7, 0, tzinfo=utc))  # 03:00 EDT
    first, second = (dt.datetime(2027, 11, 7, h, 30, tzinfo=utc) for h in (5, 6))  # 01:30 twice
    assert not due("30 1 * * *", first) and due("30 1 * * *", second)
    assert due("*/15 * * * *", first) and due("*/15 * * * *", second)
    due = _gate("Australia/Sydney")
    assert due("30 2 * * *", dt.datetime(2027, 10, 2, 16, 30, tzinfo=utc))  # 03:30 AEDT
    assert not due("0 2 * * 0", dt.datetime(2027, 4, 3, 15, 0, tzinfo=utc))  # 02:00 AEDT
    assert due("0 2 * * 0", dt.datetime(2027, 4, 3, 16, 0, tzinfo=utc))  # 02:00 AEST


def test_airflow_refuses_seconds_and_gate_clashes(tmp_path: Path, ws, fake_cxlab) -> None:
    seconds = Schedule("UTC", (Job("tick", "nb", "0 0 * * * 30"),))
    with pytest.raises(WorkspaceError, match="job 'tick': cron '0 0 \\* \\* \\* 30' has 6 fields"):
        airflow_dag(ws, seconds, cxlab=fake_cxlab.path)
    clash = Schedule(
        "UTC",
        (Job("a", "nb", "0 1 * * *"), Job("a.due", "nb", "0 2 * * *", depends_on=("a",))),
    )
    with pytest.raises(WorkspaceError, match=r"the task 'a\.due' that skips it"):
        airflow_dag(ws, clash, cxlab=fake_cxlab.path)


# --- systemd ---------------------------------------------------------------------------------


def _exec_words(line: str) -> list[str]:
    """An ``ExecStart=`` value split as systemd does (quotes, C escapes, ``%%``, ``$$``)."""
    words, i = [], 0
    while i < len(line):
        if line[i] == " ":
            i += 1
            continue
        if line[i] != '"':
            j = line.find(" ", i)
            j = len(line) if j < 0 else j
            words.append(line[i:j].replace("%%", "%").replace("$$", "$"))
            i = j
            continue
        i, raw = i + 1, bytearray()
        while line[i] != '"':
            if line[i] == "\\":
                nxt = line[i + 1]
                if nxt == "x":
                    raw.append(int(line[i + 2 : i + 4], 16))
                    i += 4
                    continue
                raw += {"n": b"\n", "t": b"\t"}.get(nxt, nxt.encode())
                i += 2
                continue
            if line.startswith(("%%", "$$"), i):
                raw += line[i].encode()
                i += 2
                continue
            raw += line[i].encode()
            i += 1
        words.append(raw.decode("utf-8"))
        i += 1
    return words


def _setting(text: str, key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in text.splitlines() if line.startswith(key + "=")]


def test_units_map_each_job(tmp_path: Path, ws, fake_cxlab) -> None:
    files = systemd_units(ws, _schedule(tmp_path), cxlab=fake_cxlab.path)
    assert sorted(files) == sorted(
        f"cxlab-{n}.{kind}"
        for n in ("forecast", "staffing", "review", "nps")
        for kind in ("service", "timer")
    )
    review = files["cxlab-review.service"]
    assert _setting(review, "Type") == ["oneshot"]
    assert _setting(review, "After") == ["cxlab-forecast.service"] and "Wants=" not in review
    assert _setting(review, "WorkingDirectory") == [str(ws.workspace.resolve()).replace("%", "%%")]
    assert _setting(review, "TimeoutStartSec") == [str(2 * 31 * 60)]  # (1 + 1 retry) x (30 + 1) min
    assert _setting(files["cxlab-nps.service"], "TimeoutStartSec") == [str(3 * 810)]
    timer = files["cxlab-review.timer"]
    assert _setting(timer, "OnCalendar") == ["*-*-02 07:00:00 Asia/Shanghai"]
    assert _setting(timer, "Persistent") == ["true"]
    assert _setting(timer, "Unit") == ["cxlab-review.service"]


def test_service_command_reaches_cxlab_unchanged(ws, fake_cxlab) -> None:
    """ExecStart read as systemd reads it, then run: cxlab gets the job's words exactly, a busy
    workspace is waited for, and any other exit is the service's."""
    schedule = _hostile_schedule()
    files = systemd_units(ws, schedule, cxlab=fake_cxlab.path)
    name = _systemd.unit_name(schedule.jobs[0])
    assert name.startswith("cxlab-it\\x27s\\x20\\x22quoted\\x22")
    (line,) = _setting(files[f"{name}.service"], "ExecStart")
    words = _exec_words(line)
    assert words[:2] == ["/bin/sh", "-c"] and len(words) == 3
    script = words[2].replace(f"sleep {_systemd.BUSY_WAIT_SECONDS}", "sleep 0")
    fake_cxlab.exits(EXIT_BUSY, 0)
    done = subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True, timeout=60)
    expected = ["schedule", "--run", HOSTILE[0], "--workspace", str(ws.workspace.resolve())]
    assert done.returncode == 0 and fake_cxlab.calls() == [expected, expected]
    fake_cxlab.exits(2)
    done = subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2


@needs_systemd
def test_systemd_analyze_verifies_the_units(tmp_path: Path, ws) -> None:
    schedule = _schedule(
        tmp_path, SPEC + '  日报-1.x: {notebook: 04_nps, cron: "*/15 8-18 * * mon-fri"}\n'
    )
    folder = tmp_path / "units"
    written = write_systemd(ws, schedule, folder)  # the cxlab beside this Python
    assert (
        len(written) == 10 and (folder / "cxlab-\\xe6\\x97\\xa5\\xe6\\x8a\\xa5-1.x.timer").exists()
    )
    done = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", *map(str, written)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


CRONS = [
    "30 5 * * *",
    "0 7 2 * *",
    "0 7 * * 1",
    "*/15 * * * *",
    "5-20/5 8-18 * * mon-fri",
    "0 0 1,15 * sun",
    "0 12 */2 * 1-5",
    "17 3 1-7 * 1",
    "0 0 1-31 * 1",
    "0 9 * jan-mar/2 *",
    "0 0 31 * *",
    "@daily",
    "@hourly",
    "0 6 * * 7",
    "0 6 * * 0,6",
    "0 22 * * 5-7",
    "0 0 ? * 2",
    "7,8,9 1 * * *",
    "59 23 28-31 2 *",
    "30 2 * * 1",
    "45 4 * * *",
]
_STAMP = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC")


def _systemd_times(calendars: list[str], base: dt.datetime, n: int) -> list[list[dt.datetime]]:
    """Each calendar's next ``n`` times after ``base`` by ``systemd-analyze calendar``."""
    done = subprocess.run(
        [
            SYSTEMD_ANALYZE,
            "calendar",
            f"--iterations={n}",
            f"--base-time={base:%Y-%m-%d %H:%M:%S} UTC",
            *calendars,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": "UTC"},
        check=True,
        timeout=60,
    )
    blocks = done.stdout.split("Normalized form:")[1:]
    assert len(blocks) == len(calendars)
    return [
        [dt.datetime.fromisoformat(s).replace(tzinfo=dt.UTC) for s in _STAMP.findall(b)]
        for b in blocks
    ]


@needs_systemd
@pytest.mark.parametrize("zone", ["UTC", "Asia/Shanghai", "America/New_York", "Europe/London"])
def test_on_calendar_fires_when_croniter_does(zone: str) -> None:
    """For each cron systemd can take in ``zone``, the next 50 times of its OnCalendar lines
    (their union) equal croniter's, from now and from two days before each of the zone's next two
    clock changes; the others are refused for a time inside a skipped or repeated hour."""
    from croniter import croniter

    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    changes = _systemd.clock_changes(zone)[:2]
    bases = [now] + [
        (first - dt.timedelta(days=2)).replace(tzinfo=dt.UTC) for first, _, _ in changes
    ]
    accepted, refused = {}, []
    for cron in CRONS:
        try:
            accepted[cron] = on_calendar(Job("j", "nb", cron), zone)
        except WorkspaceError as exc:
            assert "hour and minute fields" in str(exc) and "job 'j'" in str(exc)
            refused.append(cron)
    if zone in ("UTC", "Asia/Shanghai"):
        assert refused == []
    else:  # every hour is taken (checked around the changes below); 05:30 and Mondays meet none
        assert {"*/15 * * * *", "@hourly", "30 5 * * *", "30 2 * * 1", "0 7 2 * *"} <= set(accepted)
    n = 50
    for base in bases:
        if base != now:  # around a clock change: the crons with set hours
            accepted = {
                c: v for c, v in accepted.items() if cron_fields(Job("j", "nb", c), use="t")[1]
            }
        flat = [c for cals in accepted.values() for c in cals]
        times = iter(_systemd_times(flat, base, n))
        for cron, calendars in accepted.items():
            union = sorted({t for _ in calendars for t in next(times)})
            it = croniter(cron, base.astimezone(ZoneInfo(zone)))
            expected = [it.get_next(dt.datetime).astimezone(dt.UTC) for _ in range(n)]
            assert union[:n] == expected, (cron, calendars, base)


CLOCK_CRONS = ["@hourly", "*/15 * * * *", "30 * * * *", "0 */2 * * *", "30 2 * * *", "45 1 * * *"]


@needs_systemd
@pytest.mark.parametrize(
    "zone", ["America/New_York", "Europe/London", "Europe/Berlin", "Australia/Sydney"]
)
def test_clock_changes_refuse_only_a_cron_systemd_runs_differently(zone: str, monkeypatch) -> None:
    """From six hours before each of the zone's next two clock changes, the next 40 times of
    systemd's calendar and of croniter: a cron that runs every hour is taken, and differs only by
    croniter's second pass of the repeated hour; a cron with set hours is taken when it matches
    croniter exactly, and refused when its calendar (written anyway) would differ."""
    from croniter import croniter

    tz = ZoneInfo(zone)
    refused = set()
    for cron in CLOCK_CRONS:
        try:
            on_calendar(Job("j", "nb", cron), zone)
        except WorkspaceError as exc:
            assert "hour and minute fields" in str(exc)
            refused.add(cron)
    assert not refused & {"@hourly", "*/15 * * * *", "30 * * * *"}
    expected_refused = {
        "America/New_York": {"0 */2 * * *", "30 2 * * *", "45 1 * * *"},
        "Europe/London": {"45 1 * * *"},
        "Europe/Berlin": {"0 */2 * * *", "30 2 * * *"},
        "Australia/Sydney": {"0 */2 * * *", "30 2 * * *"},
    }[zone]
    assert refused == expected_refused
    monkeypatch.setattr(_systemd, "_check_clock_changes", lambda *args: None)
    calendars = {cron: on_calendar(Job("j", "nb", cron), zone) for cron in CLOCK_CRONS}
    n, differs = 40, {}
    for first, end, kind in _systemd.clock_changes(zone)[:2]:
        base = (first - dt.timedelta(hours=6)).replace(tzinfo=tz).astimezone(dt.UTC)
        times = iter(_systemd_times([c for v in calendars.values() for c in v], base, n))
        for cron, cals in calendars.items():
            ours = sorted({t for _ in cals for t in next(times)})[:n]
            it = croniter(cron, base.astimezone(tz))
            theirs = [it.get_next(dt.datetime).astimezone(dt.UTC) for _ in range(n)]
            horizon = min(ours[-1], theirs[-1])
            ours = [t for t in ours if t <= horizon]
            theirs = [t for t in theirs if t <= horizon]
            if cron_fields(Job("j", "nb", cron), use="t")[1] is not None:
                differs[cron] = differs.get(cron, False) or ours != theirs
            else:
                extra = [t.astimezone(tz) for t in sorted(set(theirs) - set(ours))]
                assert set(ours) <= set(theirs), (cron, kind)
                assert all(
                    t.fold == 1 and first <= t.replace(tzinfo=None, fold=0) < end for t in extra
                ), (cron, kind, extra)
                assert bool(extra) == (kind == "repeated"), (cron, kind)
    assert refused == {cron for cron, yes in differs.items() if yes}


@needs_systemd
def test_refused_clock_change_time_really_differs() -> None:
    """What the refusal guards: at New York's spring change croniter runs 02:30 at 03:00, while
    systemd skips the day."""
    from croniter import croniter

    first, _end, kind = _systemd.clock_changes("America/New_York")[0]
    assert kind == "skipped" and first.hour == 2
    base = (first - dt.timedelta(days=1)).replace(tzinfo=dt.UTC)
    (systemd_times,) = _systemd_times(["*-*-* 02:30:00 America/New_York"], base, 3)
    it = croniter("30 2 * * *", base.astimezone(ZoneInfo("America/New_York")))
    cron_times = [it.get_next(dt.datetime).astimezone(dt.UTC) for _ in range(3)]
    assert systemd_times != cron_times
    with pytest.raises(WorkspaceError, match=f"fires at 02:30 on {first:%Y-%m-%d}"):
        on_calendar(Job("j", "nb", "30 2 * * *"), "America/New_York")


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("0 0 L * *", "the day-of-month field 'L'"),
        ("0 0 15W * *", "the day-of-month field '15W'"),
        ("0 0 * * 5#2", "the day-of-week field '5#2'"),
        ("0 0 * * * 30", "has 6 fields"),
    ],
)
def test_cron_systemd_cannot_express_is_refused(cron: str, words: str) -> None:
    with pytest.raises(WorkspaceError, match="job 'monthly'") as caught:
        on_calendar(Job("monthly", "nb", cron), "UTC")
    assert words in str(caught.value)


# --- the command -----------------------------------------------------------------------------


def test_cli_writes_both_exports_and_refuses_bad_usage(tmp_path: Path, fake_cxlab) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "schedule.yaml").write_text(SPEC, encoding="utf-8")
    cli = CliRunner()

    def run(*args: str):
        result = cli.invoke(app, ["schedule", *args, "-w", str(root)])
        return result.exit_code, " ".join(result.output.split())

    dag = tmp_path / "dags" / "cxlab_jobs.py"
    dag.parent.mkdir()
    code, out = run("--airflow", str(dag), "--cxlab-command", str(fake_cxlab.path))
    assert code == 0 and f"wrote {dag}: 4 job(s) as Airflow tasks" in out
    assert _module_value(ast.parse(dag.read_text(encoding="utf-8")), "CXLAB") == str(
        fake_cxlab.path
    )
    code, out = run("--systemd", str(tmp_path / "units"), "--cxlab-command", str(fake_cxlab.path))
    assert code == 0 and "wrote 8 unit(s)" in out and "enable --now cxlab-forecast.timer" in out
    assert fake_cxlab.calls() == []  # writing runs nothing
    for args, words in [
        (("--airflow", str(dag), "--systemd", str(tmp_path)), "got --airflow --systemd"),
        (("--cron", "--airflow", str(dag)), "got --cron --airflow"),
        (
            ("--airflow", str(dag), "--cxlab-command", str(tmp_path / "nope")),
            "no executable file at",
        ),
        (
            ("--cxlab-command", str(fake_cxlab.path)),
            "--cxlab-command goes with --airflow or --systemd",
        ),
        (("--airflow", str(tmp_path / "jobs.txt")), "Airflow reads DAG files ending in .py"),
        (("--airflow", str(tmp_path / "no" / "jobs.py")), "does not exist"),
        (("--systemd", str(dag)), "is a file; give a folder"),
    ]:
        code, out = run(*args)
        assert code == 2 and words in out, (args, out)
    (root / "schedule.yaml").write_text(
        'jobs: {monthly: {notebook: 04_nps, cron: "0 0 L * *"}}\n', encoding="utf-8"
    )
    code, out = run("--systemd", str(tmp_path / "units2"))
    assert code == 2 and "job 'monthly': the day-of-month field 'L'" in out
    assert not (tmp_path / "units2").exists()
    (root / "schedule.yaml").write_text(
        'jobs: {a: {notebook: nowhere, cron: "0 1 * * *"}}\n', encoding="utf-8"
    )
    for args in (("--systemd", str(tmp_path / "units3")), ("--airflow", str(tmp_path / "a.py"))):
        code, out = run(*args)
        assert code == 2 and "job 'a': no notebook 'nowhere'" in out, out
    assert not (tmp_path / "units3").exists() and not (tmp_path / "a.py").exists()


# --- a real Airflow --------------------------------------------------------------------------

AIRFLOW_VERSION = "3.3.2"

PROBE = r"""
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
out = {"errors": {k: str(v) for k, v in bag.import_errors.items()}, "dags": {}}
for dag_id, dag in bag.dags.items():
    tt = dag.timetable
    parts = getattr(tt, "timetables", None) or [tt]
    out["dags"][dag_id] = {
        "timetable": type(tt).__name__,
        "crons": [p.expression for p in parts],
        "zones": sorted({str(p.timezone) for p in parts}),
        "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs,
        "tasks": {
            t.task_id: {
                "type": type(t).__name__,
                "retries": t.retries,
                "retry_delay": t.retry_delay.total_seconds(),
                "timeout": t.execution_timeout.total_seconds() if t.execution_timeout else None,
                "upstream": sorted(t.upstream_task_ids),
                "trigger_rule": getattr(t.trigger_rule, "value", str(t.trigger_rule)),
            }
            for t in dag.tasks
        },
    }
print(json.dumps(out))
"""


def _airflow_python() -> Path:
    """Python of a virtual environment with Apache Airflow, kept in ~/.cache/cxlab-tests/ so a
    second run does not install it again (the first takes a minute or more)."""
    cache = Path(os.environ.get("CXLAB_TEST_CACHE", Path.home() / ".cache" / "cxlab-tests"))
    venv = cache / f"airflow-{AIRFLOW_VERSION}"
    python = venv / "bin" / "python"
    if not (venv / ".complete").exists():
        shutil.rmtree(venv, ignore_errors=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"apache-airflow=={AIRFLOW_VERSION}"],
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if done.returncode != 0:
            pytest.skip(
                f"apache-airflow {AIRFLOW_VERSION} could not be installed: {done.stderr[-500:]}"
            )
        (venv / ".complete").write_text(AIRFLOW_VERSION)
    return python


TIMETABLE_PROBE = r"""
import json, sys
import pendulum
from airflow.timetables.base import TimeRestriction
from airflow.timetables.trigger import CronTriggerTimetable, MultipleCronTriggerTimetable
zone, windows, crons = json.loads(sys.argv[1])

def fires(timetable, start, end):
    out, last = [], None
    window = TimeRestriction(pendulum.parse(start), pendulum.parse(end), True)
    while (info := timetable.next_dagrun_info(last_automated_data_interval=last, restriction=window)):
        out.append((info.logical_date or info.run_after).isoformat())
        last = info.data_interval
    return out

print(json.dumps([
    {"group": fires(MultipleCronTriggerTimetable(*crons, timezone=zone), a, b),
     "own": {c: fires(CronTriggerTimetable(c, timezone=zone), a, b) for c in crons}}
    for a, b in windows
]))
"""

GROUP_CRONS = [
    "30 2 * * *",
    "0 9 * * *",
    "*/15 * * * *",
    "30 1 * * *",
    "0 */2 * * *",
    "15 * * * *",
    "*/20 1-3 * * *",
    "0 2 * * 0",
    "*/10 2 14 3 *",
]


@pytest.mark.slow
@pytest.mark.parametrize("zone", ["America/New_York", "Europe/London", "Australia/Sydney"])
def test_real_airflow_group_runs_pass_the_gates_of_the_crons_that_started_them(zone: str) -> None:
    """Over two days around each of the zone's next two clock changes, every run Airflow's
    ``MultipleCronTriggerTimetable`` of a group starts lets through exactly the jobs whose own
    ``CronTriggerTimetable`` fires then (the gate of the DAG file, against the real Airflow)."""
    python = _airflow_python()
    windows = [
        (
            (first - dt.timedelta(days=1)).isoformat() + "Z",
            (first + dt.timedelta(days=1)).isoformat() + "Z",
        )
        for first, _end, _kind in _systemd.clock_changes(zone)[:2]
    ]
    done = subprocess.run(
        [str(python), "-c", TIMETABLE_PROBE, json.dumps([zone, windows, GROUP_CRONS])],
        capture_output=True,
        text=True,
        env={**os.environ, "AIRFLOW_HOME": str(Path(python).parents[1] / "home")},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    due = _gate(zone)
    checked = 0
    for window in json.loads(done.stdout.strip().splitlines()[-1]):
        runs = [dt.datetime.fromisoformat(t) for t in window["group"]]
        own = {c: {dt.datetime.fromisoformat(t) for t in ts} for c, ts in window["own"].items()}
        assert set(runs) == set().union(*own.values())
        for at in runs:
            for cron in GROUP_CRONS:
                assert due(cron, at) == (at in own[cron]), (zone, cron, at)
                checked += 1
    assert checked > 1000


@pytest.mark.slow
def test_real_airflow_loads_the_dags_and_runs_a_task(tmp_path: Path, runner_ws: Path) -> None:
    """Airflow 3 reads the DAG file without import errors; its DAGs, timetables, retries,
    timeouts and dependencies are schedule.yaml's; ``airflow dags test`` of one DAG runs
    ``cxlab run`` for real, publishes the report, and hands a hostile parameter over unchanged
    (no Jinja, no shell)."""
    python = _airflow_python()
    label = "{{ 7 * 7 }} '; import os #\n$(touch pwned) %s"
    (runner_ws / "schedule.yaml").write_text(
        "time_zone: Asia/Shanghai\n"
        "jobs:\n"
        '  first: {notebook: good, cron: "30 5 * * *", retries: 2, timeout_minutes: 3}\n'
        '  second: {notebook: charted, cron: "30 5 * * *", depends_on: first}\n'
        '  monthly: {notebook: failing_cell, cron: "0 7 2 * *", depends_on: first, retries: 0}\n'
        '  after: {notebook: early_exit, cron: "0 7 2 * *", depends_on: monthly}\n'
        '  solo: {notebook: good, cron: "*/15 * * * 1-5", timeout_minutes: 2.5,\n'
        f"         parameters: {{n: 5, label: {json.dumps(label)}}}}}\n",
        encoding="utf-8",
    )
    schedule = load_schedule(runner_ws / "schedule.yaml")
    dags = tmp_path / "dags"
    dags.mkdir()
    _airflow.write_airflow(settings(runner_ws), schedule, dags / "cxlab_jobs.py")
    home = tmp_path / "airflow"
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    env.pop("CXLAB_WORKSPACE", None)
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    done = subprocess.run(
        [str(python), str(probe), str(dags)], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["errors"] == {}
    assert sorted(found["dags"]) == ["cxlab_first", "cxlab_solo"]
    first, solo = found["dags"]["cxlab_first"], found["dags"]["cxlab_solo"]
    assert first["timetable"] == "MultipleCronTriggerTimetable"
    assert first["crons"] == ["30 5 * * *", "0 7 2 * *"] and first["zones"] == ["Asia/Shanghai"]
    assert solo["timetable"] == "CronTriggerTimetable" and solo["crons"] == ["*/15 * * * 1-5"]
    for dag in (first, solo):
        assert dag["catchup"] is False and dag["max_active_runs"] == 1
    for job in schedule.jobs:
        task = (solo if job.name == "solo" else first)["tasks"][job.name]
        assert task["type"] == "BashOperator" and task["retries"] == job.retries
        assert task["timeout"] == (job.timeout_minutes + MARGIN_MINUTES) * 60
        assert task["retry_delay"] == 60
        gate = [f"{job.name}.due"] if job.name != "solo" else []
        assert task["upstream"] == sorted([*job.depends_on, *gate])
        assert task["trigger_rule"] == "none_failed"
    assert first["tasks"]["monthly.due"]["type"] == "ShortCircuitOperator"

    airflow = str(python.with_name("airflow"))
    for args in (["db", "migrate"], ["dags", "reserialize"], ["dags", "test", "cxlab_solo"]):
        done = subprocess.run(
            [airflow, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600
        )
        assert done.returncode == 0, (args, (done.stdout + done.stderr)[-3000:])
    (run,) = [r for r in read_runs(runner_ws / "outputs") if r["notebook"] == "good"]
    assert run["status"] == "ok" and run["parameters"]["label"] == label
    assert run["parameters"]["n"] == 5
    assert (runner_ws / "outputs" / "reports" / "good" / "latest.html").exists()
    assert not (tmp_path / "pwned").exists() and not (runner_ws / "pwned").exists()

    # the group, started by hand: every gate lets its job through; the jobs run after the one
    # they depend on, and the job whose dependency failed is not run
    subprocess.run(
        [airflow, "dags", "test", "cxlab_first"],
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    runs = {r["notebook"]: r for r in read_runs(runner_ws / "outputs")[1:]}
    assert sorted(runs) == ["charted", "failing_cell", "good"]
    assert runs["good"]["status"] == "ok" and runs["charted"]["status"] == "ok"
    assert runs["failing_cell"]["status"] == "failed"
    assert runs["charted"]["started_at"] >= runs["good"]["ended_at"]
    assert runs["failing_cell"]["started_at"] >= runs["good"]["ended_at"]
