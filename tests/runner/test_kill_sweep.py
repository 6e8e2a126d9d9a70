"""The kill sweep: ``cxlab run`` killed at many points (each named step of a run and of its
publishing, then at times spread over a whole run, by SIGKILL and SIGTERM). After each kill and
the next start, the published report, ``status.json`` and ``runs.jsonl`` agree and show either
the old or the new state, the run log has the run, no ``.tmp`` is left and no papermill or
kernel process outlives the run. Run by ``make test-slow``; it prints what it swept."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from survive import alive, assert_agree, cli, wait_for

from cxlab._config import settings
from cxlab.runner import read_runs, workspace_lock
from cxlab.runner._journal import KILL_AT

pytestmark = [pytest.mark.slow, pytest.mark.notebook]

STEPS = (
    "started",
    "rendered",
    "staged",
    "journal",
    "archive",
    "latest",
    "logged",
    "status",
    "done",
)
COMMITTED = ("journal", "archive", "latest", "logged", "status", "done")


def _next_start(ws: Path) -> dict:
    with workspace_lock(settings(ws)):
        pass
    return assert_agree(ws / "outputs")


def _good_run(ws: Path) -> str:
    proc = cli("run", "good", "--workspace", str(ws))
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    return read_runs(ws / "outputs")[-1]["run_id"]


def test_kill_at_every_step_of_run_and_publish(runner_ws: Path) -> None:
    good = _good_run(runner_ws)
    for step in STEPS:
        before = {r["run_id"] for r in read_runs(runner_ws / "outputs")}
        proc = cli(
            "run", "good", "-p", "n", "7", "--workspace", str(runner_ws), env={KILL_AT: step}
        )
        proc.communicate(timeout=300)
        assert proc.returncode == -signal.SIGKILL, step
        state = _next_start(runner_ws)
        new = [r for r in state["runs"] if r["run_id"] not in before]
        assert len(new) == 1, step  # the run log has the run
        run = new[0]
        if step in COMMITTED:
            assert run["status"] == "ok" and state["good"] == run["run_id"], step
            good = run["run_id"]
        else:
            assert run["status"] == "failed" and run["error"]["kind"] == "killed", step
            assert state["good"] == good, step
    print(f"kill sweep: {len(STEPS)} named steps, each old-or-new after the next start")


def test_kill_at_times_spread_over_a_run(runner_ws: Path) -> None:
    good = _good_run(runner_ws)
    start = time.monotonic()
    _good_run(runner_ws)
    whole = time.monotonic() - start
    good = read_runs(runner_ws / "outputs")[-1]["run_id"]
    points = [whole * k / 12 for k in range(1, 17)]  # up to a third past the end
    outcomes: dict[str, int] = {}
    for i, delay in enumerate(points):
        sig = signal.SIGKILL if i % 2 == 0 else signal.SIGTERM
        before = {r["run_id"] for r in read_runs(runner_ws / "outputs")}
        proc = cli("run", "good", "--workspace", str(runner_ws))
        time.sleep(delay)
        from survive import tree

        below = tree(proc.pid)
        proc.send_signal(sig)
        proc.communicate(timeout=120)
        assert wait_for(lambda below=below: not any(alive(p) for p in below), timeout=15), delay
        state = _next_start(runner_ws)
        new = [r for r in state["runs"] if r["run_id"] not in before]
        assert len(new) <= 1
        if new:
            run = new[0]
            assert state["good"] in (good, run["run_id"]), delay
            if run["status"] == "ok":
                good = run["run_id"]
            else:
                assert run["error"]["kind"] == "killed", run
            outcomes[run["status"]] = outcomes.get(run["status"], 0) + 1
        else:  # killed before the run started: nothing to record
            assert state["good"] == good
            outcomes["not started"] = outcomes.get("not started", 0) + 1
    print(f"kill sweep: {len(points)} kills over a {whole:.1f} s run; outcomes {outcomes}")
    assert outcomes.get("failed", 0) >= 3  # the sweep did kill runs in the middle
