"""``cxlab refresh --jobs N``: independent jobs side by side, the dependency order kept, one run
per notebook at a time, the shared files of ``outputs/`` written one at a time, and what the
scheduler relies on (the last good report, the run log, a stop by SIGTERM) as with one job.

The scheduling tests run a timed stand-in for ``run_notebook`` (fast); the others run the tiny
test notebooks for real, or hold the locks from another process.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from survive import alive, assert_agree, cli, tree, wait_for
from typer.testing import CliRunner

from cxlab._config import settings
from cxlab._errors import OptionError, WorkspaceError
from cxlab.cli import app
from cxlab.runner import (
    RunResult,
    _journal,
    check_jobs,
    load_schedule,
    read_runs,
    read_status,
    refresh,
    run_notebook,
    workspace_lock,
)
from cxlab.runner import _schedule as sched
from cxlab.runner._publish import publish_run

BUSY = "another cxlab run is using this workspace"


def _schedule(ws: Path, text: str):
    (ws / "schedule.yaml").write_text(text)
    return load_schedule(ws / "schedule.yaml")


class TimedRuns:
    """``run_notebook`` stand-in: each run sleeps ``seconds`` and is logged with its start and
    end (monotonic seconds); the notebooks in ``fail`` fail, those in ``crash`` raise."""

    def __init__(self, seconds: float = 0.25, fail=(), crash=()) -> None:
        self.seconds, self.fail, self.crash = seconds, set(fail), dict(crash)
        self.durations: dict[str, float] = {}  # seconds of some notebooks
        self.log: list[tuple[str, float, float]] = []
        self._lock = threading.Lock()

    def __call__(self, notebook: str, parameters: dict, **kw) -> RunResult:
        start = time.monotonic()
        time.sleep(0.02 if notebook in self.crash else self.durations.get(notebook, self.seconds))
        end = time.monotonic()
        with self._lock:
            self.log.append((notebook, start, end))
        if notebook in self.crash:
            raise self.crash[notebook]
        status = "failed" if notebook in self.fail else "ok"
        error = {"kind": "error", "message": f"{notebook} broke"} if status == "failed" else None
        return RunResult(notebook, "r1", status, None, None, error)

    def span(self, notebook: str) -> tuple[float, float]:
        return next((s, e) for n, s, e in self.log if n == notebook)


@pytest.fixture()
def timed(monkeypatch: pytest.MonkeyPatch) -> TimedRuns:
    runs = TimedRuns()
    monkeypatch.setattr(sched, "run_notebook", runs)
    return runs


# a -> b -> d <- c; e alone; f shares a's notebook (good), so it never overlaps a
DAG = """time_zone: UTC
jobs:
  a: {notebook: good, cron: '0 5 * * *'}
  b: {notebook: charted, cron: '0 5 * * *', depends_on: a}
  c: {notebook: loads_data, cron: '0 5 * * *'}
  d: {notebook: early_exit, cron: '0 5 * * *', depends_on: [b, c]}
  e: {notebook: killed, cron: '0 5 * * *'}
  f: {notebook: good, cron: '0 5 * * *'}
"""
NOTEBOOK = {"a": "good", "b": "charted", "c": "loads_data", "d": "early_exit", "e": "killed"}


def _overlap(one: tuple[float, float], other: tuple[float, float]) -> bool:
    return one[0] < other[1] and other[0] < one[1]


def _most_at_once(spans: list[tuple[float, float]]) -> int:
    return max(sum(s <= t < e for s, e in spans) for t, _ in spans)


# --- the option -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2", None])
def test_jobs_must_be_a_whole_number_of_at_least_one(bad, runner_ws: Path) -> None:
    with pytest.raises(OptionError, match=r"jobs=.* is not a number of jobs .* whole number ≥ 1"):
        check_jobs(bad)
    schedule = _schedule(runner_ws, DAG)
    with pytest.raises(OptionError):
        refresh(settings(runner_ws), schedule, jobs=bad)
    assert not (runner_ws / "outputs").exists()  # refused before anything is written


def test_jobs_option_of_the_command() -> None:
    assert check_jobs(1) == 1 and check_jobs(4) == 4
    result = CliRunner().invoke(app, ["refresh", "--jobs", "0"])
    assert result.exit_code == 2 and "jobs=0 is not a number of jobs" in result.output
    assert "Traceback" not in result.output
    shown = CliRunner().invoke(app, ["refresh", "--help"], env={"COLUMNS": "120"})
    assert "--jobs" in shown.output and "-j" in shown.output


# --- the order: dependencies, one notebook at a time, failures -------------------------------


def test_two_at_once_honour_dependencies_and_never_overlap_one_notebook(
    runner_ws: Path, timed: TimedRuns
) -> None:
    schedule = _schedule(runner_ws, DAG)
    events: list[tuple[str, str, bool]] = []
    main = threading.main_thread()
    results = refresh(
        settings(runner_ws),
        schedule,
        jobs=2,
        on_start=lambda job: events.append(("start", job.name, threading.current_thread() is main)),
        on_done=lambda job, r: events.append(
            ("done", job.name, threading.current_thread() is main)
        ),
    )
    assert list(results) == ["a", "b", "c", "d", "e", "f"]  # the order of schedule.yaml
    assert all(r is not None and r.ok for r in results.values())
    spans = {name: [(s, e) for n, s, e in timed.log if n == nb] for name, nb in NOTEBOOK.items()}
    a, f = spans["a"]  # good ran twice: for a, then for f (never both at once)
    assert a[1] <= f[0]
    b, c, d = (spans[k][0] for k in "bcd")
    assert b[0] >= a[1]  # a dependent starts after its dependency ended
    assert d[0] >= max(b[1], c[1])
    assert _overlap(a, c)  # independent jobs ran side by side
    assert _most_at_once([s for v in spans.values() for s in v]) == 2
    assert all(in_main for *_, in_main in events)  # callbacks come from the calling thread
    assert sorted(n for kind, n, _ in events if kind == "done") == list("abcdef")


def test_one_at_a_time_keeps_the_order_of_the_schedule(runner_ws: Path, timed: TimedRuns) -> None:
    timed.seconds = 0.05
    refresh(settings(runner_ws), _schedule(runner_ws, DAG), jobs=1)
    order = [n for n, *_ in sorted(timed.log, key=lambda r: r[1])]
    assert order == ["good", "charted", "loads_data", "early_exit", "killed", "good"]
    spans = [(s, e) for _, s, e in timed.log]
    assert _most_at_once(spans) == 1


def test_the_job_with_the_most_work_ahead_starts_first(runner_ws: Path, timed: TimedRuns) -> None:
    """Two at a time, the ready job whose chain of work ahead is longest (last run times in
    runs.jsonl) starts first; with no history, the order of schedule.yaml; one at a time, always
    the order of schedule.yaml."""
    text = """time_zone: UTC
jobs:
  a: {notebook: good, cron: '0 5 * * *'}
  b: {notebook: charted, cron: '0 5 * * *'}
  c: {notebook: loads_data, cron: '0 5 * * *'}
  d: {notebook: early_exit, cron: '0 5 * * *', depends_on: b}
"""
    ws, schedule = settings(runner_ws), _schedule(runner_ws, text)

    def started(jobs: int) -> list[str]:
        order: list[str] = []
        refresh(ws, schedule, jobs=jobs, on_start=lambda job: order.append(job.name))
        return order

    timed.seconds, timed.durations = 0.05, {"loads_data": 0.5}
    assert started(2) == ["a", "b", "c", "d"]  # nothing ran before: the schedule's order
    for notebook, seconds in {"good": 5, "charted": 20, "loads_data": 30, "early_exit": 15}.items():
        _journal.append_line(
            runner_ws / "outputs",
            {
                "run_id": f"x-{notebook}",
                "notebook": notebook,
                "status": "ok",
                "duration_s": seconds,
            },
        )
    # b (20 + 15 of d after it) and c (30) first; once b is done, d (15) before a (5)
    assert started(2) == ["b", "c", "d", "a"]
    assert started(1) == ["a", "b", "c", "d"]


def test_a_failed_dependency_skips_its_dependents_and_the_rest_run(
    runner_ws: Path, timed: TimedRuns
) -> None:
    timed.fail = {"good"}
    said: list[str] = []
    results = refresh(settings(runner_ws), _schedule(runner_ws, DAG), jobs=2, say=said.append)
    assert results["a"].status == "failed" and results["f"].status == "failed"
    assert results["b"] is None and results["d"] is None  # skipped, recorded as None
    assert results["c"].ok and results["e"].ok
    assert "b: skipped because a failed" in said and "d: skipped because b failed" in said
    assert sorted(n for n, *_ in timed.log) == ["good", "good", "killed", "loads_data"]


def test_an_error_that_stops_a_run_starts_no_other_job_and_is_raised(
    runner_ws: Path, timed: TimedRuns
) -> None:
    """Like one at a time, where it ends the refresh: an outputs/ that cannot be written is
    raised; the job running beside it finishes, no job starts after it."""
    timed.crash = {"good": WorkspaceError("cannot write outputs/runs.jsonl: No space left")}
    with pytest.raises(WorkspaceError, match="No space left"):
        refresh(settings(runner_ws), _schedule(runner_ws, DAG), jobs=2)
    assert sorted(n for n, *_ in timed.log) == ["good", "loads_data"]  # a and c, nothing after
    with workspace_lock(settings(runner_ws)):  # every lock was released
        pass


# --- locks ------------------------------------------------------------------------------------


@pytest.fixture()
def hold_run() -> object:
    """Hold the run lock of some notebooks from another process, as a running ``cxlab run`` or
    refresh does, optionally with a run of them recorded as started (it is going)."""
    procs: list[subprocess.Popen] = []
    code = (
        "import json, sys, time\n"
        "from pathlib import Path\n"
        "from cxlab.runner._locks import SlotLocks\n"
        "from cxlab.runner._journal import append_line\n"
        "out = Path(sys.argv[1])\n"
        "locks = SlotLocks(out)\n"
        "locks.acquire(sys.argv[2].split(','))\n"
        "for line in json.loads(sys.argv[3]):\n"
        "    append_line(out, line)\n"
        "print('held', flush=True)\n"
        "time.sleep(600)\n"
    )

    def hold(ws: Path, notebooks: list[str], started: list[dict] = ()) -> subprocess.Popen:
        out = settings(ws).outputs_dir
        proc = subprocess.Popen(
            [sys.executable, "-c", code, str(out), ",".join(notebooks), json.dumps(started)],
            stdout=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        assert proc.stdout.readline().strip() == "held"
        return proc

    yield hold
    for proc in procs:
        proc.kill()
        proc.wait()


def test_a_running_notebook_refuses_a_refresh_and_a_run_of_it_but_not_of_another(
    runner_ws: Path, hold_run, timed: TimedRuns
) -> None:
    ws = settings(runner_ws)
    holder = hold_run(runner_ws, ["good"])
    schedule = _schedule(runner_ws, DAG)
    for jobs in (1, 2):
        with pytest.raises(
            WorkspaceError, match=rf"{BUSY} \(pid {holder.pid} since .*, running good\)"
        ):
            refresh(ws, schedule, jobs=jobs)
    assert timed.log == []  # refused before any job ran
    result = CliRunner().invoke(app, ["run", "good", "--workspace", str(runner_ws)])
    assert result.exit_code == 75 and BUSY in result.output and "running good" in result.output
    with (
        pytest.raises(WorkspaceError, match=rf"{BUSY} .*running good"),
        workspace_lock(ws),  # the whole workspace waits for the run
    ):
        pass
    # another notebook goes ahead (a refused parameter is recorded without a kernel: fast)
    other = run_notebook("charted", {"n": "many"}, workspace=runner_ws, from_text=True)
    assert other.status == "failed" and other.error["kind"] == "parameter"
    only = refresh(ws, schedule, only=["c", "e"], jobs=2)
    assert set(only) == {"c", "e"} and all(r.ok for r in only.values())
    holder.kill()
    holder.wait()
    assert refresh(ws, _schedule(runner_ws, DAG.split("  b:")[0]), jobs=2)["a"].ok


def test_a_run_starting_beside_a_running_one_leaves_its_run_log_line_alone(
    runner_ws: Path, hold_run
) -> None:
    """A start recovers only its own notebooks: the ``started`` line of a notebook that is
    running elsewhere is not recorded as killed; once that process is gone, it is."""
    out = runner_ws / "outputs"
    going = {
        "run_id": "20261206T040000Z-beef",
        "notebook": "good",
        "title": "Good",
        "started_at": "2026-12-06T04:00:00+00:00",
        "parameters": {},
        "status": "started",
    }
    holder = hold_run(runner_ws, ["good"], [going])
    run_notebook("charted", {"n": "many"}, workspace=runner_ws, from_text=True)
    statuses = {r["run_id"]: r["status"] for r in read_runs(out)}
    assert statuses["20261206T040000Z-beef"] == "started"
    holder.kill()
    holder.wait()  # killed outright: its lock is released, its run never ended
    run_notebook("good", {"n": "many"}, workspace=runner_ws, from_text=True)
    dead = {r["run_id"]: r for r in read_runs(out)}["20261206T040000Z-beef"]
    assert dead["status"] == "failed" and dead["error"]["kind"] == "killed"
    assert_agree(out, "good")


# --- real notebooks side by side --------------------------------------------------------------

MEET = (  # wait (up to 20 s) until the other kernel has begun too: only side by side is it quick
    "import pathlib, time\n"
    "began = time.time()\n"
    "pathlib.Path(f'began-{label}').write_text(str(began))\n"
    "while len(list(pathlib.Path('.').glob('began-*'))) < 2 and time.time() < began + 20:\n"
    "    time.sleep(0.05)\n"
    "written = pathlib.Path(f'stamp-{label}.txt').write_text(f'{began} {time.time()}')"
)
GOOD = [
    "import cxlab as cx",
    "cx.viz.findings([f'n is {n}'])\n"
    "cx.record(cx.Headline('n', 'Contacts', n, unit='count', period=('2026-10-01', '2026-11-01'),"
    " change=2, compared_to='previous', higher_is_better=True))",
]


def _stamps(ws: Path, label: str) -> tuple[float, float]:
    began, ended = (ws / f"stamp-{label}.txt").read_text().split()
    return float(began), float(ended)


@pytest.mark.notebook
def test_two_independent_jobs_run_at_the_same_time(runner_ws: Path, make_notebook) -> None:
    """Each kernel writes when its cell began and ended, the cell waiting until the other
    kernel has begun: with ``--jobs 2`` the two cells overlap in time (measured inside the
    kernels, not by the scheduler); one after the other, the first would wait 20 s in vain."""
    folder = runner_ws / "notebooks"
    make_notebook(folder, "stamped", [MEET, *GOOD])
    make_notebook(folder, "stamped_too", [MEET, *GOOD])
    (runner_ws / "schedule.yaml").write_text(
        "time_zone: UTC\ndefaults: {retries: 0}\njobs:\n"
        "  one: {notebook: stamped, cron: '0 5 * * *', parameters: {label: one}}\n"
        "  two: {notebook: stamped_too, cron: '0 5 * * *', parameters: {label: two, n: 4}}\n"
    )
    result = CliRunner().invoke(app, ["refresh", "--jobs", "2", "-w", str(runner_ws)])
    assert result.exit_code == 0, result.output
    one, two = _stamps(runner_ws, "one"), _stamps(runner_ws, "two")
    # side by side each cell waits only for the other kernel to start; one after the other the
    # first would wait the whole 20 s
    assert _overlap(one, two) and max(one[1] - one[0], two[1] - two[0]) < 19, (one, two)
    runs = read_runs(runner_ws / "outputs")
    assert sorted((r["notebook"], r["status"]) for r in runs) == [
        ("stamped", "ok"),
        ("stamped_too", "ok"),
    ]
    index = (runner_ws / "outputs" / "index.html").read_text()
    assert index.count("up to date") == 2  # both cards, though the two published at once
    for name in ("stamped", "stamped_too"):
        assert_agree(runner_ws / "outputs", name)


_VARIES = [  # what differs between two runs of the same notebooks: ids and times, not content
    (re.compile(r"\d{8}T\d{6}Z-[0-9a-f]{4}"), "RUN"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "UUID"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(\+00:00|Z)?"), "ISO"),
    (re.compile(r"\b\d{1,2}:\d{2}(:\d{2})?\b"), "HH:MM"),
    (re.compile(r"\b(\d{1,2} [A-Z][a-z]{2,8} \d{4}|[A-Z][a-z]{2,8} \d{1,2}, \d{4})\b"), "DATE"),
    (re.compile(r'"duration_s": [0-9.]+'), '"duration_s": S'),
]


def _published(out: Path) -> dict[str, str]:
    """Every published file (reports, archives, statuses, the index), ids and times masked."""
    files = {}
    for path in sorted([out / "index.html", *(out / "reports").rglob("*")]):
        if not path.is_file() or path.name.startswith("."):
            continue
        text = path.read_text(encoding="utf-8")
        for pattern, mask in _VARIES:
            text = pattern.sub(mask, text)
        files[_VARIES[0][0].sub("RUN", str(path.relative_to(out)))] = text
    return files


@pytest.mark.slow
@pytest.mark.notebook
def test_a_parallel_refresh_publishes_what_a_sequential_one_does(
    runner_ws: Path, make_notebook
) -> None:
    """The same schedule (a dependency, a failure and the job it skips) refreshed one job at a
    time, then two at a time, from an empty ``outputs/``: the same files are published, with the
    same content once run ids, chart ids and times are masked; the run log has the same runs.
    The two stamped cells meet (each waits for the other kernel to start): two at a time they
    overlap, one at a time the first waits 20 s in vain and they do not."""
    folder = runner_ws / "notebooks"
    make_notebook(folder, "stamped", [MEET, *GOOD])
    make_notebook(folder, "stamped_failing", [MEET, "raise ValueError('boom')"])
    (runner_ws / "schedule.yaml").write_text(
        "time_zone: UTC\ndefaults: {retries: 0}\njobs:\n"
        "  first: {notebook: stamped, cron: '0 5 * * *', parameters: {label: first, n: 4}}\n"
        "  second: {notebook: charted, cron: '0 5 * * *', depends_on: first}\n"
        "  broken: {notebook: stamped_failing, cron: '0 5 * * *', parameters: {label: broken}}\n"
        "  after: {notebook: early_exit, cron: '0 5 * * *', depends_on: broken}\n"
    )
    out = runner_ws / "outputs"
    published, logs, overlapped = {}, {}, {}
    for jobs in (1, 2):
        result = CliRunner().invoke(app, ["refresh", "--jobs", str(jobs), "-w", str(runner_ws)])
        assert result.exit_code == 1, result.output  # broken failed, after was skipped
        assert "after              skipped" in result.output
        published[jobs] = _published(out)
        logs[jobs] = sorted((r["notebook"], r["status"]) for r in read_runs(out))
        overlapped[jobs] = _overlap(_stamps(runner_ws, "first"), _stamps(runner_ws, "broken"))
        for name in ("stamped", "charted", "stamped_failing"):
            assert_agree(out, name)
        shutil.rmtree(out)
        for began in runner_ws.glob("began-*"):
            began.unlink()
    assert overlapped == {1: False, 2: True}
    assert (
        logs[1]
        == logs[2]
        == [
            ("charted", "ok"),
            ("stamped", "ok"),
            ("stamped_failing", "failed"),
        ]
    )
    assert sorted(published[1]) == sorted(published[2])
    assert "index.html" in published[1] and "reports/charted/latest.html" in published[1]
    for name, text in published[1].items():
        assert published[2][name] == text, name


# --- a stop: SIGTERM to a refresh running two jobs -------------------------------------------


def _publish_good(out: Path, notebook: str, run_id: str) -> str:
    """An earlier good report of ``notebook`` (published as a run does); returns its page."""
    record = {
        "run_id": run_id,
        "notebook": notebook,
        "title": notebook,
        "started_at": "2026-12-06T03:00:00+00:00",
        "parameters": {},
        "ended_at": "2026-12-06T03:00:05+00:00",
        "status": "ok",
        "error": None,
    }
    page = f"<html><body><footer>Run {run_id}</footer></body></html>"
    _journal.append_line(out, {**record, "status": "started"})
    publish_run(out, record, {}, report_html=page, keep=5)
    return (out / "reports" / notebook / "latest.html").read_text()


def _kernels(proc: subprocess.Popen) -> int:
    count = 0
    for pid in tree(proc.pid):
        try:
            count += b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
    return count


@pytest.mark.notebook
def test_sigterm_stops_every_running_job_records_them_killed_and_keeps_the_last_good_reports(
    runner_ws: Path, make_notebook
) -> None:
    out = runner_ws / "outputs"
    folder = runner_ws / "notebooks"
    make_notebook(folder, "slow_one", ["import time", "time.sleep(600)"])
    make_notebook(folder, "slow_two", ["import time", "time.sleep(600)"])
    before = {
        "slow_one": _publish_good(out, "slow_one", "20261206T030000Z-0001"),
        "slow_two": _publish_good(out, "slow_two", "20261206T030000Z-0002"),
    }
    (runner_ws / "schedule.yaml").write_text(
        "time_zone: UTC\ndefaults: {retries: 2}\njobs:\n"
        "  one: {notebook: slow_one, cron: '0 5 * * *'}\n"
        "  two: {notebook: slow_two, cron: '0 5 * * *'}\n"
        "  later: {notebook: good, cron: '0 5 * * *', depends_on: one}\n"
    )
    proc = cli("refresh", "--jobs", "2", "--workspace", str(runner_ws))
    if not wait_for(lambda: _kernels(proc) >= 2, timeout=90):
        proc.kill()  # its kernel dies with it
        pytest.fail(f"two kernels never ran at once: {proc.communicate()[1].decode()[-2000:]}")
    below = tree(proc.pid)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    stderr = err.decode()
    assert proc.returncode == 143, stderr
    assert "SIGTERM" in stderr and "recorded as killed" in stderr and "Traceback" not in stderr
    assert wait_for(lambda: not any(alive(p) for p in below), timeout=10)  # no orphan kernel
    runs = [r for r in read_runs(out) if not r["run_id"].startswith("20261206T030000Z")]
    assert sorted(r["notebook"] for r in runs) == ["slow_one", "slow_two"]  # no retry, no later
    for run in runs:
        assert run["status"] == "failed" and run["error"]["kind"] == "killed", run
        assert "stopped by SIGTERM" in run["error"]["message"]
        assert read_status(out, run["notebook"])["last_run"]["run_id"] == run["run_id"]
    for name, page in before.items():
        assert (out / "reports" / name / "latest.html").read_text() == page
        assert_agree(out, name)
    with workspace_lock(settings(runner_ws)):  # nothing is left holding the workspace
        pass


def test_a_stop_kills_only_the_runs_of_the_refresh_not_a_process_the_caller_started() -> None:
    """The stop of a parallel refresh kills the papermill processes its runs registered, with
    their process group; a process the caller started in a session of its own (as a notebook
    calling ``refresh`` may) lives on, and so does a run another thread registered."""
    from cxlab.runner import _execute

    def sleeper() -> subprocess.Popen:
        return subprocess.Popen(["sleep", "60"], start_new_session=True)

    mine, run, elsewhere = sleeper(), sleeper(), sleeper()
    other = threading.Thread(target=lambda: None)
    try:
        with _execute._registered(run):
            _execute._RUNNING[elsewhere] = other
            sched._kill_runs({threading.current_thread()})
            assert run.wait(timeout=10) == -signal.SIGKILL
            assert mine.poll() is None and elsewhere.poll() is None
            assert _execute.running({other}) == [elsewhere]
    finally:
        _execute._RUNNING.pop(elsewhere, None)
        for proc in (mine, elsewhere):
            proc.kill()
            proc.wait()
