"""schedule.yaml: checked at load, run in dependency order, due times, crontab lines."""

from __future__ import annotations

import datetime as dt
import re
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
        ("jobs: {a: {notebook: x, cron: 'not a cron'}}", "invalid cron expression 'not a cron'"),
        ("jobs: {a: {notebook: x, cron: '0 1 * * *', depends_on: b}}", "unknown job"),
        (
            "jobs: {a: {notebook: x, cron: '0 1 * * *', depends_on: b}, b: {notebook: y, cron: '0 1 * * *', depends_on: a}}",
            "cycle",
        ),
        ("jobs: {a: {cron: '0 1 * * *'}}", "needs a notebook"),
        # the cases of the hostile run: bad syntax, a list, retries: two, an unknown time zone
        ("jobs: {a: {notebook: x, cron: '0 1 * * *'}", "not valid YAML at line 1"),
        ("- a\n- b\n", "the top level is a list; give a mapping with the keys"),
        ("jobs: {a: {notebook: x, cron: '0 1 * * *', retries: two}}", "jobs.a.retries = 'two'"),
        ("defaults: {retries: -1}\njobs: {a: {notebook: x, cron: '0 1 * * *'}}", "0 to 10"),
        ("time_zone: Mars/Olympus\njobs: {}", "time_zone = 'Mars/Olympus' is not a time zone"),
        ("timezone: PST\njobs: {}", "timezone = 'PST' is not a time zone; give an IANA name"),
        ("jobs: [a, b]", "jobs is a list; give a mapping of job names"),
        ("jobs: {a: 3}", "jobs.a is a number; give a mapping"),
        ("jobs: {a: {notebook: x, cron: '0 1 * * *', retry: 2}}", "unknown key(s) retry in jobs.a"),
        ("job: {}", "unknown key(s) job at the top level"),
        (
            "jobs: {a: {notebook: x, cron: '0 1 * * *', timeout_minutes: .nan}}",
            "timeout_minutes = nan",
        ),
        (
            "jobs: {a: {notebook: x, cron: '0 1 * * *', cell_timeout_minutes: 0}}",
            "number of minutes > 0",
        ),
        ("jobs: {a: {notebook: x, cron: '0 1 * * *', retries: true}}", "retries = True"),
        ("jobs: {a: {notebook: 7, cron: '0 1 * * *'}}", "jobs.a.notebook = 7"),
        (
            "jobs: {a: {notebook: x, cron: 30}}",
            "jobs.a.cron = 30; give a cron expression in quotes",
        ),
        ("jobs: {a: {notebook: x, cron: '0 1 * * *', parameters: [n, 3]}}", "jobs.a.parameters"),
        ("jobs: {a: {notebook: x, cron: '0 1 * * *', parameters: {n: [1]}}}", "single values"),
        ("jobs: {a: {notebook: x, cron: '0 1 * * *', depends_on: {b: 1}}}", "depends_on"),
        ('jobs: {"a b": {notebook: x, cron: "0 1 * * *"}}', "job name 'a b'; use letters"),
    ],
)
def test_bad_schedules_refused(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(WorkspaceError, match=re.escape(words)):
        load_schedule(_write(tmp_path, text))


def test_binary_schedule_refused(tmp_path: Path) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_bytes(b"jobs:\n  a: {notebook: x, cron: '0 1 * * *'}\n\xff\xfe\x00\x01")
    with pytest.raises(WorkspaceError, match=r"schedule.yaml is not UTF-8 text \(byte 44\)"):
        load_schedule(path)


def test_old_timezone_key_still_read(tmp_path: Path) -> None:
    schedule = load_schedule(_write(tmp_path, "timezone: Europe/Berlin\njobs: {}"))
    assert schedule.time_zone == "Europe/Berlin"


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
    at = lines.index(next(line for line in lines if line.startswith("0 7 2 * * ")))
    review, about = lines[at], lines[at - 1]
    # the line runs the job as schedule.yaml defines it; the comment above it says how
    assert " schedule --run review >> " in review and "outputs/cron.log" in review
    assert about == (
        "# review: 00_service_review -p compare_to last_year; retries 2; timeout 5 min; "
        "cell timeout 10 min"
    )
    staffing = lines[lines.index(next(x for x in lines if "--run staffing" in x)) - 1]
    assert "retries 2" in staffing and staffing.endswith("after forecast")
    assert all(line.startswith(("#", "CRON_TZ=")) or line.count(" * ") for line in lines)


def test_crontab_lines_escape_percent_and_newlines(tmp_path: Path) -> None:
    """cron reads % as a newline and a newline ends the line: neither may break or add a line."""
    root = tmp_path / "50%"
    root.mkdir()
    path = _write(
        root,
        "jobs:\n  a: {notebook: good, cron: '0 1 * * *', "
        'parameters: {label: "x\\n* * * * * rm -rf ~"}}\n',
    )
    lines = cron_lines(settings(root), load_schedule(path))
    job = next(line for line in lines if line.startswith("0 1 * * * "))
    assert "50\\%" in job and "50%" not in job.replace("50\\%", "")
    assert not any(line.startswith("* * * * *") for line in lines)
    assert any("-p label x\\n* * * * * rm -rf ~" in line for line in lines if line.startswith("#"))


def test_shipped_schedule_loads() -> None:
    shipped = Path(__file__).resolve().parents[2] / "schedule.yaml"
    schedule = load_schedule(shipped)
    assert {j.notebook for j in schedule.jobs} == {
        "00_service_review",
        "01_volume_forecast",
        "02_interventions",
        "03_churn_drivers",
        "04_nps",
        "05_contact_reasons",
        "06_year_review",
    }


def test_shipped_schedule_runs_what_the_review_reads_before_the_review() -> None:
    """A refresh runs independent jobs in the file's order: a report whose KPI the monthly review
    reads for its scorecard comes first, on the day and in the list."""
    from cxlab.review._recorded import RECORDED

    shipped = Path(__file__).resolve().parents[2] / "schedule.yaml"
    order = [j.notebook for j in load_schedule(shipped).jobs]
    review = order.index("00_service_review")
    for notebook, _key in RECORDED.values():
        assert order.index(notebook) < review, f"{notebook} runs after the review"
        job = next(j for j in load_schedule(shipped).jobs if j.notebook == notebook)
        review_job = next(
            j for j in load_schedule(shipped).jobs if j.notebook == "00_service_review"
        )
        minute, hour, day = job.cron.split()[:3]
        r_minute, r_hour, r_day = review_job.cron.split()[:3]
        assert day == r_day and (int(hour), int(minute)) < (int(r_hour), int(r_minute))
