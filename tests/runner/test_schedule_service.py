"""The scheduler as it runs: which jobs are due, a held lock, failures, crashes and exit codes.

Most tests run a fake ``run_notebook`` against a fake clock (fast); a few run the tiny test
notebooks of the runner fixtures for real, and the lock is held by another process.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxlab._config import settings
from cxlab.cli import app
from cxlab.runner import RunResult, load_schedule, read_runs, serve
from cxlab.runner import _schedule as sched

UTC = dt.UTC


def at(day: int, hour: int, minute: int, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


class FakeRuns:
    """``run_notebook`` stand-in: each notebook's outcomes in turn ("ok", "failed", "crash")."""

    def __init__(self, outcomes: dict[str, list[str]] | None = None) -> None:
        self.outcomes = outcomes or {}
        self.calls: list[tuple[str, dict]] = []

    def __call__(self, notebook: str, parameters: dict, **kw) -> RunResult:
        self.calls.append((notebook, {**parameters, **kw}))
        todo = self.outcomes.get(notebook) or ["ok"]
        outcome = todo.pop(0) if len(todo) > 1 else todo[0]
        if outcome == "crash":
            raise RuntimeError(f"a bug while running {notebook}")
        error = None if outcome == "ok" else {"kind": "error", "message": f"{notebook} broke"}
        return RunResult(notebook, "r1", outcome, None, None, error)

    @property
    def notebooks(self) -> list[str]:
        return [name for name, _ in self.calls]


@pytest.fixture()
def fake_runs(monkeypatch: pytest.MonkeyPatch) -> FakeRuns:
    runs = FakeRuns()
    monkeypatch.setattr(sched, "run_notebook", runs)
    return runs


def _schedule(ws: Path, text: str):
    (ws / "schedule.yaml").write_text(text)
    return load_schedule(ws / "schedule.yaml")


DAILY = """time_zone: UTC
jobs:
  forecast: {notebook: good, cron: '30 5 * * *'}
  staffing: {notebook: charted, cron: '45 5 * * *', depends_on: forecast}
"""


@pytest.fixture()
def hold_lock() -> Iterator:
    """Hold a workspace's run lock from another process until released (or the test ends)."""
    procs: list[subprocess.Popen] = []
    code = (
        "import os, sys, time\n"
        "from filelock import FileLock\n"
        "lock = FileLock(sys.argv[1], timeout=0)\n"
        "lock.acquire()\n"
        "open(sys.argv[2], 'w').write(f'pid {os.getpid()} (a test)')\n"
        "print('held', flush=True)\n"
        "time.sleep(600)\n"
    )

    def hold(ws: Path) -> subprocess.Popen:
        out = settings(ws).outputs_dir
        out.mkdir(parents=True, exist_ok=True)
        proc = subprocess.Popen(
            [sys.executable, "-c", code, str(out / ".cxlab.lock"), str(out / ".cxlab.lock.owner")],
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


def _release(proc: subprocess.Popen) -> None:
    proc.kill()
    proc.wait()


# --- which jobs are due -------------------------------------------------------------------


def test_once_runs_an_every_minute_job_on_a_fresh_workspace(runner_ws: Path) -> None:
    """The hostile run's case: ``schedule --once`` ran nothing and exited 0. Now the first check
    looks back one minute, so an every-minute job is due; the real notebook runs and publishes."""
    (runner_ws / "schedule.yaml").write_text(
        "time_zone: UTC\njobs:\n  tick: {notebook: good, cron: '* * * * *', parameters: {n: 5}}\n"
    )
    result = CliRunner().invoke(app, ["schedule", "--once", "-w", str(runner_ws)])
    assert result.exit_code == 0, result.output
    assert "due: tick" in result.output and "tick: ok" in result.output
    runs = read_runs(runner_ws / "outputs")
    assert [(r["notebook"], r["status"], r["parameters"]["n"]) for r in runs] == [("good", "ok", 5)]
    state = json.loads((runner_ws / "outputs" / "schedule_state.json").read_text())
    assert state["jobs"]["tick"]["outcome"] == "ok"


def test_due_since_the_last_occurrence_handled(runner_ws: Path, fake_runs: FakeRuns) -> None:
    ws, said = settings(runner_ws), []
    schedule = _schedule(runner_ws, DAILY)
    # first check at 05:29 on the 24th: nothing fired in the minute before; both jobs get a mark
    assert sched.check(ws, schedule, now=at(24, 5, 29), say=said.append).due == []
    assert sched.check(ws, schedule, now=at(24, 5, 40), say=said.append).due == ["forecast"]
    assert fake_runs.notebooks == ["good"]
    # the same occurrence never runs twice
    assert sched.check(ws, schedule, now=at(24, 5, 44), say=said.append).due == []
    assert sched.check(ws, schedule, now=at(24, 5, 46), say=said.append).due == ["staffing"]
    # the scheduler is down for two days: each job runs once for the missed days, not twice
    done = sched.check(ws, schedule, now=at(26, 9, 0), say=said.append)
    assert done.due == ["forecast", "staffing"] and done.exit_code == sched.EXIT_OK
    assert fake_runs.notebooks == ["good", "charted", "good", "charted"]
    state = json.loads(sched.state_path(ws).read_text())
    assert state["jobs"]["forecast"]["mark"] == "2026-11-26T05:30:00+00:00"
    assert sched.check(ws, schedule, now=at(26, 9, 30), say=said.append).due == []


def test_due_in_the_schedules_time_zone(runner_ws: Path, fake_runs: FakeRuns) -> None:
    schedule = _schedule(runner_ws, DAILY.replace("time_zone: UTC", "time_zone: Asia/Shanghai"))
    ws = settings(runner_ws)
    sched.check(ws, schedule, now=at(23, 21, 0), say=lambda _m: None)  # 05:00 in Shanghai
    assert sched.check(ws, schedule, now=at(23, 21, 31), say=print).due == ["forecast"]


def test_a_failed_job_skips_its_dependents_and_is_not_rerun(
    runner_ws: Path, fake_runs: FakeRuns
) -> None:
    fake_runs.outcomes = {"good": ["failed"]}
    schedule = _schedule(runner_ws, DAILY.replace("'30 5", "'45 5"))
    ws, said = settings(runner_ws), []
    done = sched.check(ws, schedule, now=at(24, 5, 45, 30), say=said.append)
    assert done.results["forecast"].status == "failed" and done.results["staffing"] is None
    assert done.exit_code == sched.EXIT_FAILED
    assert "  staffing: skipped because forecast failed" in said
    assert fake_runs.notebooks == ["good"]  # retries 0; the dependent never ran
    # the occurrence was handled (failed): the next check does not run it again
    assert sched.check(ws, schedule, now=at(24, 5, 46), say=said.append).due == []


# --- the workspace lock held by another process --------------------------------------------


def test_held_lock_postpones_due_jobs_to_the_next_check(
    runner_ws: Path, fake_runs: FakeRuns, hold_lock
) -> None:
    ws, said = settings(runner_ws), []
    schedule = _schedule(runner_ws, DAILY)
    sched.check(ws, schedule, now=at(24, 5, 0), say=said.append)
    holder = hold_lock(runner_ws)
    busy = sched.check(ws, schedule, now=at(24, 5, 31), say=said.append)
    assert busy.busy and busy.due == ["forecast"] and busy.exit_code == sched.EXIT_BUSY
    assert fake_runs.calls == []
    assert any(
        line.startswith("2026-11-24 05:31 due: forecast: the workspace is busy, they stay due")
        and "another cxlab run is using this workspace (pid" in line
        and "(a test)" in line
        for line in said
    )
    _release(holder)
    done = sched.check(ws, schedule, now=at(24, 5, 32), say=said.append)
    assert done.due == ["forecast"] and done.exit_code == sched.EXIT_OK
    assert fake_runs.notebooks == ["good"]


def test_service_goes_on_past_a_held_lock(runner_ws: Path, fake_runs: FakeRuns, hold_lock) -> None:
    """The hostile run's case: the service exited 2 at the first held lock and every later job
    stopped. Now a held lock is said, the due job waits for the next check, later jobs run."""
    schedule = _schedule(
        runner_ws,
        "time_zone: UTC\njobs:\n"
        "  early: {notebook: good, cron: '0 5 * * *'}\n"
        "  late: {notebook: charted, cron: '0 6 * * *'}\n",
    )
    holder = hold_lock(runner_ws)
    clock = iter(
        [
            at(24, 4, 59),
            at(24, 4, 59),
            at(24, 5, 0, 10),
            at(24, 5, 0, 40),
            at(24, 5, 1),
            at(24, 6, 0, 5),
        ]
    )
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 3:
            _release(holder)  # the other run ends after the third check
        if len(slept) == 5:
            raise KeyboardInterrupt  # stop the service after the fifth check

    said: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        serve(
            settings(runner_ws),
            schedule,
            poll_seconds=30,
            say=said.append,
            now=lambda: next(clock),
            sleep=sleep,
        )
    assert slept == [30] * 5
    assert fake_runs.notebooks == ["good", "charted"]
    busy = [line for line in said if "the workspace is busy" in line]
    assert len(busy) == 2 and all("due: early" in line for line in busy)
    assert any("2026-11-24 06:00 due: late" in line for line in said)


def test_once_exits_75_when_the_lock_is_held(
    runner_ws: Path, fake_runs: FakeRuns, hold_lock
) -> None:
    (runner_ws / "schedule.yaml").write_text("jobs:\n  tick: {notebook: good, cron: '* * * * *'}\n")
    hold_lock(runner_ws)
    result = CliRunner().invoke(app, ["schedule", "--once", "-w", str(runner_ws)])
    assert result.exit_code == sched.EXIT_BUSY == 75
    assert "the workspace is busy" in result.output and fake_runs.calls == []
    run = CliRunner().invoke(app, ["schedule", "--run", "tick", "-w", str(runner_ws)])
    assert run.exit_code == 75 and "tick: the workspace is busy" in run.output


def test_outputs_that_cannot_be_written_keep_jobs_due(
    runner_ws: Path, fake_runs: FakeRuns, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock refused for another reason than a holder (a read-only or full ``outputs/``):
    nothing runs, the check says why and counts as failed, and the service goes on."""
    import contextlib

    from cxlab._errors import WorkspaceError

    ws, said = settings(runner_ws), []
    schedule = _schedule(runner_ws, DAILY)
    sched.check(ws, schedule, now=at(24, 5, 0), say=said.append)

    @contextlib.contextmanager
    def refused(_ws):
        raise WorkspaceError("cannot write outputs: No space left on device; nothing was published")
        yield

    monkeypatch.setattr(sched, "workspace_lock", refused)
    failed = sched.check(ws, schedule, now=at(24, 5, 31), say=said.append)
    assert failed.error and not failed.busy and failed.exit_code == sched.EXIT_FAILED
    assert said[-1].startswith("2026-11-24 05:31 due: forecast: not run, they stay due")
    assert "No space left on device" in said[-1] and fake_runs.calls == []
    monkeypatch.undo()
    monkeypatch.setattr(sched, "run_notebook", fake_runs)
    assert sched.check(ws, schedule, now=at(24, 5, 32), say=said.append).due == ["forecast"]
    assert fake_runs.notebooks == ["good"]


# --- exit codes ---------------------------------------------------------------------------


EVERY_MINUTE = (
    "jobs:\n  a: {notebook: good, cron: '* * * * *'}\n  b: {notebook: charted, cron: '* * * * *'}\n"
)


@pytest.mark.parametrize(
    ("outcomes", "code"),
    [
        ({}, 0),
        ({"good": ["failed"]}, 1),
        ({"good": ["crash"]}, 70),
        ({"good": ["crash"], "charted": ["failed"]}, 70),
    ],
)
def test_once_exit_codes(runner_ws: Path, fake_runs: FakeRuns, outcomes: dict, code: int) -> None:
    fake_runs.outcomes = outcomes
    (runner_ws / "schedule.yaml").write_text(EVERY_MINUTE)
    result = CliRunner().invoke(app, ["schedule", "--once", "-w", str(runner_ws)])
    assert result.exit_code == code, result.output
    assert fake_runs.notebooks == ["good", "charted"]  # a crash or a failure stops no other job
    if code == 70:
        assert "a: CRASHED (RuntimeError: a bug while running good)" in result.output
        assert "Traceback (most recent call last)" in result.output


def test_a_crash_of_the_scheduler_itself_exits_70(
    runner_ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (runner_ws / "schedule.yaml").write_text(EVERY_MINUTE)

    def broken(*_a, **_k):
        raise ZeroDivisionError("a bug in the scheduler")

    monkeypatch.setattr(sched, "check", broken)
    result = CliRunner().invoke(app, ["schedule", "--once", "-w", str(runner_ws)])
    assert result.exit_code == 70
    assert "ZeroDivisionError: a bug in the scheduler" in result.output
    assert "cxlab schedule crashed" in result.output


def test_a_stopped_run_keeps_its_job_due(runner_ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM during a run (the runner kills the kernel, records the run and raises a stop
    carrying the shell's code): the command exits with that code and the job stays due."""

    class Stopped(BaseException):
        exit_code = 143

    def stopped(*_a, **_k):
        raise Stopped("stopped by SIGTERM")

    (runner_ws / "schedule.yaml").write_text(EVERY_MINUTE)
    monkeypatch.setattr(sched, "run_notebook", stopped)
    result = CliRunner().invoke(app, ["schedule", "--once", "-w", str(runner_ws)])
    assert result.exit_code == 143
    assert "stopped by SIGTERM; the job stays due for the next start" in result.output
    state = json.loads((runner_ws / "outputs" / "schedule_state.json").read_text())
    assert state["jobs"]["a"]["outcome"] == "new"  # no occurrence handled: still due


@pytest.mark.parametrize(
    ("args", "schedule", "words"),
    [
        (
            ["--once"],
            "jobs: {a: {notebook: good, cron: '0 1 * * *', retries: two}}",
            "retries = 'two'",
        ),
        (["--once"], "- a\n- b\n", "the top level is a list"),
        (
            ["--once"],
            "jobs: {a: {notebook: nowhere, cron: '0 1 * * *'}}",
            "job 'a': no notebook 'nowhere'",
        ),
        (
            ["--once", "--cron"],
            EVERY_MINUTE,
            "give one of --cron, --once, --run; got --cron --once",
        ),
        (["--poll", "0"], EVERY_MINUTE, "--poll 0.0: give the seconds between checks"),
        (["--poll", "nan"], EVERY_MINUTE, "--poll nan"),
        (
            ["--run", "nosuch"],
            EVERY_MINUTE,
            "--run 'nosuch': no such job in schedule.yaml; known: a, b",
        ),
        (["--bogus"], EVERY_MINUTE, "No such option"),
    ],
)
def test_bad_usage_or_input_exits_2(
    runner_ws: Path, fake_runs: FakeRuns, args: list[str], schedule: str, words: str
) -> None:
    (runner_ws / "schedule.yaml").write_text(schedule)
    result = CliRunner().invoke(app, ["schedule", *args, "-w", str(runner_ws)])
    assert result.exit_code == 2 and words in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output and fake_runs.calls == []


# --- cron lines keep retries and timeouts -------------------------------------------------


def test_cron_line_job_keeps_retries_and_timeouts(runner_ws: Path, fake_runs: FakeRuns) -> None:
    (runner_ws / "schedule.yaml").write_text(
        "defaults: {retries: 2, timeout_minutes: 5, cell_timeout_minutes: 1.5}\n"
        "jobs:\n  flaky: {notebook: good, cron: '0 1 * * *', parameters: {n: 4}, archive_keep: 3}\n"
    )
    line = next(
        x
        for x in sched.cron_lines(settings(runner_ws), load_schedule(runner_ws / "schedule.yaml"))
        if x.startswith("0 1")
    )
    args = line.split(" schedule ", 1)[1].split(" >> ")[0].split()
    assert args == ["--run", "flaky"]
    fake_runs.outcomes = {"good": ["failed", "failed", "ok"]}
    result = CliRunner().invoke(app, ["schedule", *args, "-w", str(runner_ws)])
    assert result.exit_code == 0, result.output
    assert len(fake_runs.calls) == 3  # two retries
    assert all(
        kw["run_timeout"] == 300
        and kw["cell_timeout"] == 90
        and kw["archive_keep"] == 3
        and kw["n"] == 4
        for _, kw in fake_runs.calls
    )
    assert "flaky: attempt 2 failed (good broke); retrying" in result.output
    fake_runs.outcomes = {"good": ["failed"]}
    fake_runs.calls.clear()
    assert CliRunner().invoke(app, ["schedule", *args, "-w", str(runner_ws)]).exit_code == 1
    assert len(fake_runs.calls) == 3


def test_cron_line_runs_as_a_shell_would(runner_ws: Path, make_notebook) -> None:
    """The printed line, run by sh with the real cxlab: a notebook that fails its first run
    publishes on the retry schedule.yaml gives it."""
    marker = runner_ws / "first_run_done"
    cells = [
        "import pathlib",
        f"p = pathlib.Path({str(marker)!r})\nfirst = not p.exists()\np.touch()\n"
        "assert not first, 'the first run fails'",
    ]
    make_notebook(runner_ws / "notebooks", "flaky", cells)
    (runner_ws / "schedule.yaml").write_text(
        "jobs:\n  flaky: {notebook: flaky, cron: '0 1 * * *', retries: 1}\n"
    )
    lines = sched.cron_lines(settings(runner_ws), load_schedule(runner_ws / "schedule.yaml"))
    command = next(x for x in lines if x.startswith("0 1 * * * "))[len("0 1 * * * ") :]
    done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (runner_ws / "outputs" / "cron.log").read_text()
    log = (runner_ws / "outputs" / "cron.log").read_text()
    assert "flaky: attempt 1 failed" in log and "flaky: ok" in log
    assert [r["status"] for r in read_runs(runner_ws / "outputs")] == ["failed", "ok"]
