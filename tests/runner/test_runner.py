"""The runner: only complete runs publish, every failure mode keeps the last good report."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxlab._config import settings
from cxlab.cli import app
from cxlab.runner import read_runs, run_notebook, workspace_lock

pytestmark = pytest.mark.notebook
cli = CliRunner()


def _run(ws: Path, *args: str, cell_timeout: int = 90):
    return cli.invoke(
        app,
        [
            "run",
            *args,
            "--workspace",
            str(ws),
            "--cell-timeout",
            str(cell_timeout),
            "--timeout",
            "300",
        ],
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def published(runner_ws: Path) -> tuple[Path, Path, str]:
    """A workspace where ``good`` has published once (its report is the last good one)."""
    result = _run(runner_ws, "good", "-p", "n", "5")
    assert result.exit_code == 0, result.output
    latest = runner_ws / "outputs" / "reports" / "good" / "latest.html"
    return runner_ws, latest, _sha(latest)


def test_good_run_publishes_report_metrics_and_log(published: tuple[Path, Path, str]) -> None:
    ws, latest, _ = published
    html = latest.read_text()
    assert "n is 5" in html and "Good" in html  # output and title
    assert "cx.viz.findings" not in html  # no code in the report
    run = read_runs(ws / "outputs")[-1]
    assert run["status"] == "ok" and run["parameters"] == {"n": 5, "language": "en"}
    metrics = json.loads((Path(run["run_dir"]) / "metrics.json").read_text())
    assert metrics["n"]["value"] == 5 and metrics["n"]["unit"] == "count"
    assert len(list((ws / "outputs" / "reports" / "good" / "archive").glob("2*.html"))) == 1
    index = (ws / "outputs" / "index.html").read_text()
    assert "reports/good/latest.html" in index and "up to date" in index


@pytest.mark.parametrize(
    ("notebook", "kind", "cell"),
    [
        ("failing_cell", "error", 3),
        ("killed", "killed", 3),
        ("slow_cell", "timeout", 3),
        ("early_exit", "incomplete", 3),
    ],
)
def test_failure_modes_keep_last_good_report(
    published, notebook: str, kind: str, cell: int | None
) -> None:
    ws, latest, digest = published
    # run the failing notebook under the good notebook's name, so the good report is at stake
    nb_dir = ws / "notebooks"
    (nb_dir / "good.ipynb").write_bytes((nb_dir / f"{notebook}.ipynb").read_bytes())
    result = _run(ws, "good", cell_timeout=15 if kind == "timeout" else 90)
    assert result.exit_code != 0
    assert _sha(latest) == digest  # the last good report stays, byte for byte
    run = read_runs(ws / "outputs")[-1]
    assert run["status"] == "failed" and run["error"]["kind"] == kind, run["error"]
    if cell is not None:
        assert run["error"]["cell"] == cell
    index = (ws / "outputs" / "index.html").read_text()
    assert "last run failed" in index and "reports/good/latest.html" in index


def test_unknown_and_mistyped_parameters_refused_before_running(published) -> None:
    ws, latest, digest = published
    for args, words in (
        (("-p", "colour", "red"), "unknown parameter"),
        (("-p", "n", "many"), "not of type int"),
    ):
        result = _run(ws, "good", *args)
        assert result.exit_code != 0 and words in result.output
        run = read_runs(ws / "outputs")[-1]
        assert run["error"]["kind"] == "parameter" and run["run_dir"] is None  # nothing ran
    assert _sha(latest) == digest
    ok = _run(ws, "good", "-p", "month", "2026-10")  # str | None accepts text
    assert ok.exit_code == 0, ok.output


def test_two_runs_at_once_second_exits_with_message(published) -> None:
    ws, latest, digest = published
    with workspace_lock(settings(ws)):
        result = _run(ws, "good")
    # 75 (EX_TEMPFAIL): an orchestrator tries again later instead of counting a failure
    assert result.exit_code == 75 and "another cxlab run" in result.output
    assert _sha(latest) == digest


def test_corrupt_input_file_fails_run_and_keeps_report(runner_ws: Path) -> None:
    first = run_notebook("loads_data", workspace=runner_ws, cell_timeout=30, run_timeout=90)
    assert first.ok, first.error
    digest = _sha(first.report)
    part = next((runner_ws / "data" / "processed" / "contacts").glob("month=*/part-0.parquet"))
    part.write_bytes(b"this is not parquet")
    result = _run(runner_ws, "loads_data")
    assert result.exit_code != 0
    assert _sha(first.report) == digest
    run = read_runs(runner_ws / "outputs")[-1]
    assert run["status"] == "failed" and run["error"]["kind"] == "error"


def test_schedule_runs_a_due_job_in_the_foreground(runner_ws: Path) -> None:
    import datetime as dt

    from cxlab.runner import load_schedule, serve

    (runner_ws / "schedule.yaml").write_text(
        "time_zone: UTC\njobs:\n  good: {notebook: good, cron: '*/5 * * * *', parameters: {n: 7}}\n"
        "  later: {notebook: failing_cell, cron: '0 3 * * *'}\n"
    )
    ticks = iter(
        [
            dt.datetime(2026, 11, 24, 9, 59, tzinfo=dt.UTC),
            dt.datetime(2026, 11, 24, 10, 1, tzinfo=dt.UTC),
        ]
    )
    said: list[str] = []
    schedule = load_schedule(runner_ws / "schedule.yaml")
    serve(settings(runner_ws), schedule, once=True, say=said.append, now=lambda: next(ticks))
    runs = read_runs(runner_ws / "outputs")
    assert [(r["notebook"], r["status"], r["parameters"]) for r in runs] == [
        ("good", "ok", {"n": 7, "language": "en"})
    ]
    assert any("due: good" in line for line in said)
