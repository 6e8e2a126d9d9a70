"""schedule.yaml: checked at load, run in dependency order, due times, crontab lines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cxlab._config import settings
from cxlab._errors import WorkspaceError
from cxlab.runner import cron_lines, due, load_schedule

SPEC = """
time_zone: Asia/Shanghai
defaults: {retries: 2, timeout_minutes: 5}
jobs:
  staffing:   {notebook: staffing_plan, cron: "45 5 * * *", depends_on: forecast}
  forecast:   {notebook: 01_volume_forecast, cron: "30 5 * * *"}
  review:     {notebook: 00_service_review, cron: "0 7 2 * *", parameters: {compare_to: last_year}}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "schedule.yaml"
    path.write_text(text)
    return path


def test_dependency_order_and_defaults(tmp_path: Path) -> None:
    schedule = load_schedule(_write(tmp_path, SPEC))
    names = [j.name for j in schedule.jobs]
    assert names.index("forecast") < names.index("staffing")  # the staffing plan after the forecast
    assert schedule.job("staffing").retries == 2 and schedule.job("review").parameters == {
        "compare_to": "last_year"
    }


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("jobs: {a: {notebook: x, cron: 'not a cron'}}", "invalid cron"),
        ("jobs: {a: {notebook: x, cron: '0 1 * * *', depends_on: b}}", "unknown job"),
        (
            "jobs: {a: {notebook: x, cron: '0 1 * * *', depends_on: b}, b: {notebook: y, cron: '0 1 * * *', depends_on: a}}",
            "cycle",
        ),
        ("jobs: {a: {cron: '0 1 * * *'}}", "needs a notebook"),
    ],
)
def test_bad_schedules_refused(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(WorkspaceError, match=words):
        load_schedule(_write(tmp_path, text))


def test_due_jobs_in_local_time(tmp_path: Path) -> None:
    schedule = load_schedule(_write(tmp_path, SPEC))
    tz = dt.timezone(dt.timedelta(hours=8))
    # 05:29 -> 05:31 Shanghai: only the forecast fires
    fired = due(
        schedule,
        dt.datetime(2026, 11, 24, 5, 29, tzinfo=tz),
        dt.datetime(2026, 11, 24, 5, 31, tzinfo=tz),
    )
    assert [j.name for j in fired] == ["forecast"]
    # across 07:00 on the 2nd: the review
    fired = due(
        schedule,
        dt.datetime(2026, 12, 2, 6, 59, tzinfo=tz),
        dt.datetime(2026, 12, 2, 7, 1, tzinfo=tz),
    )
    assert [j.name for j in fired] == ["review"]


def test_crontab_lines(tmp_path: Path) -> None:
    schedule = load_schedule(_write(tmp_path, SPEC))
    lines = cron_lines(settings(tmp_path), schedule)
    assert "CRON_TZ=Asia/Shanghai" in lines
    review = next(line for line in lines if "00_service_review" in line)
    assert (
        review.startswith("0 7 2 * * cd ")
        and "-p compare_to last_year" in review
        and "outputs/cron.log" in review
    )


def test_shipped_schedule_loads() -> None:
    shipped = Path(__file__).resolve().parents[2] / "schedule.yaml"
    schedule = load_schedule(shipped)
    assert {j.notebook for j in schedule.jobs} == {
        "00_service_review",
        "01_volume_forecast",
        "02_interventions",
        "03_churn_drivers",
        "04_nps",
    }
