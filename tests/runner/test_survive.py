"""Runs and publishing survive real life: kills, faults at each step of publishing, a full disk, a
read-only outputs/, invalid settings and hostile command lines. Each refused with one message or
recovered, nothing lost, nothing half-written."""

from __future__ import annotations

import errno
import json
import signal
import sys
from pathlib import Path

import nbformat
import pytest
from survive import alive, assert_agree, cli, kernel_started, kill, wait_for
from typer.testing import CliRunner

from cxlab._config import settings
from cxlab._errors import OptionError, WorkspaceError
from cxlab.cli import app
from cxlab.runner import (
    _journal,
    read_runs,
    read_status,
    recover,
    run_notebook,
    workspace_lock,
)
from cxlab.runner._publish import publish_run

STEPS = ("staged", "journal", "archive", "latest", "logged", "status", "done")
COMMITTED = ("journal", "archive", "latest", "logged", "status", "done")


class Crash(BaseException):
    """A kill at a chosen point: nothing after it runs (no except clause of cxlab catches it)."""


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def _page(run_id: str) -> str:
    return f"<html><body><footer>Run {run_id}</footer></body></html>"


def _record(run_id: str, status: str = "ok") -> dict:
    return {
        "run_id": run_id,
        "notebook": "good",
        "title": "Good",
        "started_at": "2026-12-06T03:00:00+00:00",
        "parameters": {},
        "ended_at": "2026-12-06T03:00:05+00:00",
        "status": status,
        "error": None,
    }


def _publish(outputs: Path, run_id: str) -> None:
    _journal.append_line(outputs, {**_record(run_id), "status": "started"})
    publish_run(outputs, _record(run_id), {}, report_html=_page(run_id), keep=5)


@pytest.fixture()
def outputs(tmp_path: Path) -> Path:
    out = tmp_path / "outputs"
    _publish(out, "20261206T030000Z-0001")  # the old, good state
    return out


# --- kill during publish: fault injection at each step ------------------------------------------


@pytest.mark.parametrize("step", STEPS)
def test_kill_at_each_step_of_publish_leaves_old_or_new_after_next_start(
    outputs: Path, step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = "20261206T030000Z-0001", "20261206T031000Z-0002"

    def crash(name: str) -> None:
        if name == step:
            raise Crash(name)

    monkeypatch.setattr(_journal, "_step", crash)
    with pytest.raises(Crash):
        _publish(outputs, new)
    monkeypatch.undo()
    recover(outputs)  # what the next start does, under the lock
    state = assert_agree(outputs)
    assert state["good"] == (new if step in COMMITTED else old)
    runs = {r["run_id"]: r for r in state["runs"]}
    assert set(runs) == {old, new}  # the run log always has the run
    if step not in COMMITTED:
        assert runs[new]["status"] == "failed" and runs[new]["error"]["kind"] == "killed"
    else:
        assert (outputs / "reports" / "good" / "archive" / f"{new}.html").exists()


def test_kill_during_recovery_is_recovered_by_the_start_after(
    outputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = "20261206T031000Z-0002"
    monkeypatch.setattr(
        _journal, "_step", lambda n: (_ for _ in ()).throw(Crash(n)) if n == "latest" else None
    )
    with pytest.raises(Crash):
        _publish(outputs, new)
    monkeypatch.setattr(
        _journal, "_step", lambda n: (_ for _ in ()).throw(Crash(n)) if n == "logged" else None
    )
    with pytest.raises(Crash):
        recover(outputs)
    monkeypatch.undo()
    recover(outputs)
    assert assert_agree(outputs)["good"] == new
    assert [r["run_id"] for r in read_runs(outputs)].count(new) == 1


def test_torn_run_log_line_is_cut_and_later_lines_read(outputs: Path) -> None:
    with (outputs / "runs.jsonl").open("a") as fh:
        fh.write('{"run_id": "20261206T0')  # a kill in the middle of a write
    _publish(outputs, "20261206T032000Z-0003")
    lines = (outputs / "runs.jsonl").read_text().splitlines()
    assert all(json.loads(line) for line in lines)
    assert assert_agree(outputs)["good"] == "20261206T032000Z-0003"


def test_tmp_litter_and_a_started_run_are_cleaned_and_recorded_at_the_next_start(
    runner_ws: Path,
) -> None:
    outputs = runner_ws / "outputs"
    _publish(outputs, "20261206T030000Z-0001")
    litter = [
        outputs / "reports" / "good" / ".latest.html.1a2b3c4d.tmp",
        outputs / ".index.html.5e6f7a8b.tmp",
        outputs / "reports" / "good" / "archive" / ".x.html.0000.tmp",
    ]
    for path in litter:
        path.write_bytes(b"x" * 5_000_000)
    _journal.append_line(outputs, {**_record("20261206T040000Z-dead"), "status": "started"})
    with workspace_lock(settings(runner_ws)):
        pass
    assert not any(p.exists() for p in litter)
    state = assert_agree(outputs)
    dead = {r["run_id"]: r for r in state["runs"]}["20261206T040000Z-dead"]
    assert dead["status"] == "failed" and dead["error"]["kind"] == "killed"
    index = (outputs / "index.html").read_text(encoding="utf-8")
    assert "killed" in index  # the index shows the killed run beside the last good report


# --- killing `cxlab run` ---------------------------------------------------------------------------


@pytest.mark.notebook
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killing_cxlab_run_leaves_no_orphans_and_records_the_run(runner_ws: Path, sig) -> None:
    outputs = runner_ws / "outputs"
    proc = cli("run", "slow_cell", "--workspace", str(runner_ws))
    assert wait_for(lambda: kernel_started(proc), timeout=60), proc.stderr.read()
    below = kill(proc, sig)
    assert len(below) >= 2  # papermill and its kernel were running
    assert wait_for(lambda: not any(alive(p) for p in below), timeout=10), [
        p for p in below if alive(p)
    ]
    if sig == signal.SIGTERM:
        assert proc.returncode == 143
        stderr = proc.stderr.read().decode()
        assert "SIGTERM" in stderr and "Traceback" not in stderr
        run = read_runs(outputs)[-1]  # recorded by the run itself
    else:
        assert read_runs(outputs)[-1]["status"] == "started"
        with workspace_lock(settings(runner_ws)):  # the next start records it
            pass
        run = read_runs(outputs)[-1]
    assert run["status"] == "failed" and run["error"]["kind"] == "killed"
    assert read_status(outputs, "slow_cell")["last_run"]["run_id"] == run["run_id"]
    assert_agree(outputs, "slow_cell")


# --- a full disk, a read-only outputs/ ----------------------------------------------------------------


@pytest.mark.notebook
def test_full_disk_while_publishing_fails_cleanly_and_is_recorded(
    runner_ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run_notebook("good", workspace=runner_ws)
    assert first.ok
    before = first.report.read_bytes()
    real = _journal.write_durable

    def full(path: Path, data) -> None:
        if path.name.startswith(".latest."):
            real(path, data[: len(data) // 2])  # half written, then the disk is full
            path.unlink()
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data)

    monkeypatch.setattr(_journal, "write_durable", full)
    result = _invoke("run", "good", "--workspace", str(runner_ws))
    assert result.exit_code == 1
    assert "No space left on device" in result.output and "Traceback" not in result.output
    assert "last good report is kept" in result.output
    assert first.report.read_bytes() == before
    run = read_runs(runner_ws / "outputs")[-1]
    assert run["status"] == "failed" and run["error"]["kind"] == "write"
    assert_agree(runner_ws / "outputs")


def test_read_only_outputs_refused_and_recorded_in_the_fallback_log(
    runner_ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import filelock

    def read_only(self, *a, **k):
        raise OSError(errno.EROFS, "Read-only file system", self.lock_file)

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(filelock.FileLock, "acquire", read_only)
    result = _invoke("run", "good", "--workspace", str(runner_ws))
    assert result.exit_code == 2, result.output
    assert "Read-only file system" in result.output and "Traceback" not in result.output
    fallback = tmp_path / "state" / "cxlab" / "failed-runs.jsonl"
    assert str(fallback) in result.output.replace("\n", "")
    entry = json.loads(fallback.read_text().splitlines()[-1])
    assert entry["workspace"] == str(runner_ws) and entry["error"]["kind"] == "write"


def test_full_disk_for_the_run_log_itself_is_recorded_in_the_fallback_log(
    runner_ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cxlab.runner._run as run_module

    def full(outputs, record):
        raise OSError(errno.ENOSPC, "No space left on device", str(outputs / "runs.jsonl"))

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(run_module, "append_line", full)
    with pytest.raises(WorkspaceError, match=r"No space left on device.*failed-runs\.jsonl"):
        run_notebook("good", workspace=runner_ws)
    assert not (runner_ws / "outputs" / "runs").exists()  # nothing ran


# --- settings ----------------------------------------------------------------------------------


BAD_TOML = {
    "syntax": (b'[workspace\ntime_zone = "Asia/Shanghai"\n', "not valid TOML"),
    "unknown time zone": (b'[workspace]\ntime_zone = "Mars/Olympus"\n', "time_zone"),
    "wrong type": (b'[workspace]\nfcr_window_days = "seven"\n', "fcr_window_days"),
    "archive_keep": (b"[workspace]\narchive_keep = 0\n", "archive_keep"),
    "binary bytes": (b"\x00\xff\xfe[workspace]\x89PNG", "not UTF-8"),
    "a list": (b"workspace = [1, 2]\n", "workspace must be a table"),
    "unknown key": (b'[workspace]\ntimezone_ = "UTC"\n', "timezone_"),
    "country": (b'[workspace]\ncountry = "Atlantis"\n', "country"),
    "language": (b'[workspace]\nlanguage = "fr"\n', "language"),
}


@pytest.mark.parametrize("case", BAD_TOML, ids=list(BAD_TOML))
def test_invalid_cxlab_toml_refused_naming_the_key(runner_ws: Path, case: str) -> None:
    text, key = BAD_TOML[case]
    (runner_ws / "cxlab.toml").write_bytes(text)
    with pytest.raises((WorkspaceError, OptionError), match=key):
        settings(runner_ws)
    result = _invoke("run", "good", "--workspace", str(runner_ws))
    assert result.exit_code == 2 and key in result.output, result.output
    assert "Traceback" not in result.output
    assert not (runner_ws / "outputs").exists()


@pytest.mark.parametrize("name", ["CXLAB_TIMEZONE", "CXLAB_TIME_ZONE"])
def test_unknown_time_zone_in_the_environment_refused(
    runner_ws: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.delenv("CXLAB_TIME_ZONE", raising=False)
    monkeypatch.setenv(name, "PST")
    with pytest.warns(DeprecationWarning) if name == "CXLAB_TIMEZONE" else _nothing():
        result = _invoke("run", "good", "--workspace", str(runner_ws))
    assert result.exit_code == 2 and f"{name}: time_zone = 'PST'" in result.output
    assert "Asia/Shanghai" in result.output  # the accepted form


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


BAD_SCHEDULE = {
    "syntax": (b"jobs: [unclosed\n", "schedule.yaml"),
    "a list": (b"- notebook: good\n  cron: '0 6 * * *'\n", "mapping"),
    "retries: two": (
        b"jobs:\n  g:\n    notebook: good\n    cron: '0 6 * * *'\n    retries: two\n",
        "retries",
    ),
    "binary bytes": (b"\x00\xff\xfe\x89PNG\r\n", "UTF-8"),
    "unknown time zone": (
        b"time_zone: Mars/Olympus\njobs:\n  g:\n    notebook: good\n    cron: '0 6 * * *'\n",
        "time_zone",
    ),
}


@pytest.mark.parametrize("case", BAD_SCHEDULE, ids=list(BAD_SCHEDULE))
def test_invalid_schedule_yaml_refused_by_refresh_naming_the_key(runner_ws: Path, case) -> None:
    text, key = BAD_SCHEDULE[case]
    (runner_ws / "schedule.yaml").write_bytes(text)
    result = _invoke("refresh", "--workspace", str(runner_ws))
    assert result.exit_code == 2 and key in result.output, result.output
    assert "Traceback" not in result.output and not (runner_ws / "outputs").exists()


# --- data generate and truth.json -----------------------------------------------------------------


@pytest.mark.parametrize(
    "corrupt",
    [b'{"seed": 11', b"\xff\xfe\x00garbage", b"[1, 2, 3]", b'{"seed": 11, "size": "tiny"}'],
    ids=["truncated", "binary", "a list", "sections missing"],
)
def test_data_generate_refuses_a_corrupt_raw_truth_json(scratch_workspace: Path, corrupt) -> None:
    raw = next((scratch_workspace / "data" / "raw" / "synthetic").glob("tiny-seed11-*/truth.json"))
    raw.write_bytes(corrupt)
    stored = scratch_workspace / "data" / "processed" / "truth.json"
    before = stored.read_bytes()
    result = _invoke(
        "data", "generate", "--size", "tiny", "--seed", "11", "--workspace", str(scratch_workspace)
    )
    assert result.exit_code == 2 and "truth.json" in result.output and "--force" in result.output
    assert "Traceback" not in result.output
    assert stored.read_bytes() == before and raw.read_bytes() == corrupt


# --- hostile command lines ------------------------------------------------------------------------


def test_invalid_utf8_in_a_parameter_or_notebook_name_refused(runner_ws: Path) -> None:
    for args in (
        [b"run", b"good", b"-p", b"label", b"caf\xe9"],
        [b"run", b"go\xffod"],
    ):
        proc = cli(*args, b"--workspace", str(runner_ws).encode())
        _out, err = proc.communicate(timeout=60)
        text = err.decode("utf-8", "replace")
        assert proc.returncode == 2, text
        assert "not valid UTF-8" in text and "Traceback" not in text
    assert not (runner_ws / "outputs").exists()


def _float_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Shrinkage"),
        nbformat.v4.new_code_cell(
            'shrinkage: float = 0.3\nshares: list[float] = [0.5]\nexport_dir: str = ""',
            metadata={"tags": ["parameters"]},
        ),
        nbformat.v4.new_code_cell("print(shrinkage, shares, export_dir)"),
    ]
    path = folder / "shrinkage.ipynb"
    nbformat.write(nb, str(path))
    return path


@pytest.mark.parametrize(
    "value", ["nan", "NaN", "inf", "-inf", "1e999"], ids=["nan", "NaN", "inf", "-inf", "overflow"]
)
def test_nan_and_infinity_refused_by_the_numeric_checks(runner_ws: Path, value: str) -> None:
    _float_notebook(runner_ws / "notebooks")
    result = _invoke("run", "shrinkage", "-p", "shrinkage", value, "--workspace", str(runner_ws))
    assert result.exit_code == 1 and "not a finite number" in result.output
    assert not (runner_ws / "outputs" / "reports" / "shrinkage" / "latest.html").exists()
    result = _invoke(
        "run", "shrinkage", "-p", "shares", f"[0.2, {value}]", "--workspace", str(runner_ws)
    )
    assert result.exit_code == 1 and "not a finite number" in result.output


@pytest.mark.parametrize("name", ["..", "../..", ".", "/", "../notebooks", "nope", "", "...ipynb"])
def test_path_traversal_and_unknown_names_write_nothing(runner_ws: Path, name: str) -> None:
    if name == "...ipynb":
        (runner_ws / "...ipynb").write_bytes((runner_ws / "notebooks" / "good.ipynb").read_bytes())
        name = str(runner_ws / "...ipynb")
    result = _invoke("run", name, "--workspace", str(runner_ws))
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert not (runner_ws / "outputs").exists()  # no status.json, no folder, no card


@pytest.mark.parametrize(
    "command", [["run", "good"], ["refresh"], ["export", "good"], ["schedule", "--once"]]
)
def test_a_workspace_that_does_not_exist_is_refused_not_created(tmp_path: Path, command) -> None:
    missing = tmp_path / "no" / "such" / "workspace"
    result = _invoke(*command, "--workspace", str(missing))
    assert result.exit_code == 2 and "does not exist" in result.output
    assert not missing.exists() and not (tmp_path / "no").exists()


@pytest.mark.parametrize(
    "where",
    ["outputs/reports/shrinkage", "outputs", "./outputs/../outputs/x", "{ws}/outputs/exports"],
)
def test_an_export_dir_inside_outputs_is_refused(runner_ws: Path, where: str) -> None:
    _float_notebook(runner_ws / "notebooks")
    value = where.format(ws=runner_ws)
    result = _invoke("run", "shrinkage", "-p", "export_dir", value, "--workspace", str(runner_ws))
    assert (
        result.exit_code == 1
        and "export_dir" in result.output
        and "outside outputs/" in result.output
    )
    assert not (runner_ws / "outputs" / "reports" / "shrinkage" / "latest.html").exists()
    assert not (runner_ws / "outputs" / "exports").exists()


def test_surrogate_strings_refused_by_the_library_too(runner_ws: Path) -> None:
    with pytest.raises(OptionError, match="not valid UTF-8"):
        run_notebook("good", {"label": "caf\udce9"}, workspace=runner_ws)
    with pytest.raises(OptionError, match="not valid UTF-8"):
        run_notebook("go\udcffod", workspace=runner_ws)
    assert sys.getfilesystemencoding() == "utf-8"
