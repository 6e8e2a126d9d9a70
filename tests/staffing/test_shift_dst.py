"""Shift schedules across clock changes and time zones: the timeline is the requirement's own
instants (25 hours the day New York's clocks go back, 23 the day they go forward), shifts start on
the local clock and last their length in real time, and the CSV writes each time with its UTC
offset."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl
import pytest

import cxlab as cx
from cxlab.staffing import Break, ShiftRules, schedule_shifts
from cxlab.staffing._shift_forecast import plan_timeline
from cxlab.staffing._shifts import _candidates, _requirement

NY = "America/New_York"
FALL = dt.date(2026, 11, 1)  # 02:00 EDT becomes 01:00 EST
SPRING = dt.date(2026, 3, 8)  # 02:00 EST becomes 03:00 EDT


def _hours(first: dt.date, days: int, zone: str = NY) -> list[dt.datetime]:
    """Every real hour from local midnight of ``first`` for ``days`` local days, aware in ``zone``."""
    z = ZoneInfo(zone)
    start = dt.datetime.combine(first, dt.time(), tzinfo=z).astimezone(dt.UTC)
    end = dt.datetime.combine(first + dt.timedelta(days=days), dt.time(), tzinfo=z)
    out, t = [], start
    while t < end.astimezone(dt.UTC):
        out.append(t.astimezone(z))
        t += dt.timedelta(hours=1)
    return out


def _week_plan(monday: dt.date):
    ts = _hours(monday, 7)
    volume = [40.0 + (t.astimezone(dt.UTC).hour % 7) * 10 for t in ts]
    fc = pl.DataFrame(
        {
            "series_id": "q",
            "ts": pl.Series(ts, dtype=pl.Datetime("us", NY)),
            "y_hat": volume,
            "y_lo_80": [v * 0.85 for v in volume],
            "y_hi_80": [v * 1.15 for v in volume],
            "y_lo_95": [v * 0.78 for v in volume],
            "y_hi_95": [v * 1.23 for v in volume],
        }
    )
    settings = cx.staffing.QueueSettings(
        aht_seconds=180, sl_target=0.8, sl_seconds=20, patience_seconds=120
    )
    return cx.staffing.plan(fc, every="1h", settings=settings, time_zone=NY)


@pytest.mark.parametrize(
    ("monday", "hours"), [(dt.date(2026, 10, 26), 169), (dt.date(2026, 3, 2), 167)]
)
def test_no_forecast_hour_is_lost_on_a_week_with_a_clock_change(monday, hours):
    """The hour lived twice keeps both forecasts, the skipped hour is no interval at all."""
    plan = _week_plan(monday)
    assert plan.table.height == hours
    problem = _requirement(plan, "agents", None, None, None)
    assert problem.required.shape[1] == hours and problem.time_zone == NY
    tl = plan_timeline(plan, monday, 60, hours, NY)
    assert tl.quantiles[0, :, 2].sum() == pytest.approx(plan.table["y_hat"].sum(), rel=1e-12)
    assert (tl.quantiles[0, :, 2] > 0).all()
    assert problem.required[0].sum() == pytest.approx(plan.table["agents"].sum())
    # the day of each interval follows the local clock: 25 or 23 intervals on the Sunday
    assert int((tl.day_of() == 6).sum()) == hours - 6 * 24


def _night(day: dt.date, need: int = 1) -> pl.DataFrame:
    """One agent needed every real hour from 22:00 the evening before ``day`` to 08:00."""
    z = ZoneInfo(NY)
    start = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(22), tzinfo=z)
    stop = dt.datetime.combine(day, dt.time(8), tzinfo=z)
    ts, t = [], start.astimezone(dt.UTC)
    while t < stop.astimezone(dt.UTC):
        ts.append(t)
        t += dt.timedelta(hours=1)
    return pl.DataFrame(
        {"interval_start": pl.Series(ts, dtype=pl.Datetime("us", "UTC")), "required": float(need)}
    )


EIGHT = ShiftRules(
    lengths=(8,),
    earliest_start="22:00",
    latest_start="22:00",
    start_every="1h",
    breaks=(Break(30, window=(240, 240), paid=False),),
    cost_per_hour=10.0,
)


@pytest.mark.parametrize(
    ("day", "end", "brk"),
    [
        (FALL, "2026-11-01T05:00:00-05:00", "2026-11-01T01:00:00-05:00/2026-11-01T01:30:00-05:00"),
        (
            SPRING,
            "2026-03-08T07:00:00-04:00",
            "2026-03-08T03:00:00-04:00/2026-03-08T03:30:00-04:00",
        ),
    ],
)
def test_a_night_shift_across_the_change_is_paid_its_real_duration(day, end, brk):
    """22:00 plus eight real hours ends at 05:00 the night the clocks go back and at 07:00 the
    night they go forward; its break four hours in is at a time the clock shows."""
    need = _night(day).with_columns(  # the one shift allowed starts then
        pl.Series("required", [1.0] + [0.0] * (_night(day).height - 1))
    )
    got = schedule_shifts(need, EIGHT, time_zone=NY, num_workers=1, time_limit=5)
    row = got.shifts.row(0, named=True)
    assert got.shifts.height == 1 and row["agents"] == 1
    assert row["start_at"] == f"{day - dt.timedelta(days=1)}T22:00:00" + (
        "-04:00" if day == FALL else "-05:00"
    )
    assert row["end_at"] == end
    start, stop = dt.datetime.fromisoformat(row["start_at"]), dt.datetime.fromisoformat(end)
    assert (stop - start) == dt.timedelta(hours=8)
    assert row["length_hours"] == 8.0 and row["paid_hours"] == 7.5
    assert row["cost"] == pytest.approx(EIGHT.cost(8.0)) and EIGHT.cost(8.0) == 75.0
    assert row["break_times"] == brk and row["unpaid_break_times"] == brk
    assert not row["breaks"].startswith("02:")
    for moment in brk.split("/"):
        instant = dt.datetime.fromisoformat(moment)
        assert instant.astimezone(ZoneInfo(NY)).isoformat() == moment  # a time the clock shows


@pytest.mark.parametrize("day", [FALL, SPRING])
def test_cover_mode_covers_every_real_hour_of_the_changing_night(day):
    need = _night(day).with_columns(
        pl.Series("required", [1.0, 2, 2, 3, 3, 3, 2, 2, 1, 1, 1][: _night(day).height])
    )
    rules = ShiftRules(lengths=(4,), earliest_start="00:00", latest_start="23:00", start_every="1h")
    got = schedule_shifts(need, rules, time_zone=NY, num_workers=1, time_limit=5)
    cov = got.coverage().filter(pl.col("required") > 0)
    assert cov.height == need.height
    assert (
        cov["interval_start"].dt.convert_time_zone("UTC").to_list()
        == need["interval_start"].to_list()
    )
    assert (cov["surplus"] >= 0).all() and (cov["working_min"] >= cov["required"]).all()
    assert got.paid_hours == pytest.approx(4.0 * got.agent_shifts)
    # no shift starts at a time the spring night skips
    assert not got.shifts["start_at"].str.starts_with(f"{SPRING}T02:").any()


def test_a_start_the_clock_skips_is_not_offered():
    need = _night(SPRING)
    problem = _requirement(need, "required", None, "1h", NY)
    assert problem.days == 2 and problem.required.shape[1] == 47
    rules = ShiftRules(lengths=(1,), earliest_start="00:00", latest_start="23:00", start_every="1h")
    cands = _candidates(rules, problem, problem.required * 0 + 1)  # every hour busy
    starts = {problem.local(c.start) for c in cands}
    assert dt.datetime(2026, 3, 8, 1) in starts and dt.datetime(2026, 3, 8, 3) in starts
    assert dt.datetime(2026, 3, 8, 2) not in starts
    assert len([c for c in cands if c.day == 1]) == 23


def test_the_csv_tells_the_repeated_hour_apart():
    """Shifts of four hours from 21:00 and 22:00 end at 01:00 EDT and 01:00 EST: the same local
    time, two instants."""
    ts = [dt.datetime(2026, 11, 1, h, tzinfo=dt.UTC) for h in range(1, 6)]  # 21:00-01:00 EDT
    need = pl.DataFrame({"interval_start": ts, "required": [1.0, 0, 0, 0, 1]})
    rules = ShiftRules(lengths=(4,), earliest_start="21:00", latest_start="22:00", start_every="1h")
    got = schedule_shifts(need, rules, time_zone=NY, num_workers=1, time_limit=5)
    csv = pl.read_csv(got.csv_text().encode())
    assert csv.columns == [
        "day", "start", "end", "breaks", "count", "queue", "unpaid_breaks", "paid_hours", "cost",
    ]  # fmt: skip
    ends = set(csv["end"].to_list())
    assert {"2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00"} <= ends
    instants = [dt.datetime.fromisoformat(v) for v in csv["end"].to_list()]
    assert len(set(instants)) == len(instants)
    # the local clock alone shows the two ends as one time
    assert got.shifts["end"].n_unique() < got.shifts.height
    cov = got.coverage()
    assert cov["interval_start"].n_unique() == cov.height
    assert (cov.filter(pl.col("required") > 0)["surplus"] >= 0).all()


def test_a_frame_in_berlin_is_laid_out_in_berlin(tmp_path, monkeypatch):
    (tmp_path / "cxlab.toml").write_text(
        '[workspace]\ntime_zone = "Asia/Shanghai"\ncountry = "CN"\n', encoding="utf-8"
    )
    monkeypatch.setenv("CXLAB_WORKSPACE", str(tmp_path))
    berlin = ZoneInfo("Europe/Berlin")
    ts = [dt.datetime(2026, 10, 5, 9 + h, tzinfo=berlin) for h in range(8)]
    need = pl.DataFrame(
        {"interval_start": pl.Series(ts, dtype=pl.Datetime("us", "Europe/Berlin")), "required": 2.0}
    )
    rules = ShiftRules(lengths=(8,), earliest_start="09:00", latest_start="09:00", start_every="1h")
    got = schedule_shifts(need, rules, num_workers=1, time_limit=5)
    assert got.time_zone == "Europe/Berlin" and got.agent_shifts == 2
    assert got.shifts["start_at"].to_list() == ["2026-10-05T09:00:00+02:00"]
    # a zone given explicitly wins, the instants converted: 09:00 Berlin is 15:00 in Shanghai
    with pytest.raises(cx.CxlabError if hasattr(cx, "CxlabError") else Exception):
        schedule_shifts(need, rules, time_zone="Asia/Shanghai", num_workers=1, time_limit=5)
    wide = ShiftRules(lengths=(8,), earliest_start="15:00", latest_start="15:00", start_every="1h")
    there = schedule_shifts(need, wide, time_zone="Asia/Shanghai", num_workers=1, time_limit=5)
    assert there.shifts["start_at"].to_list() == ["2026-10-05T15:00:00+08:00"]


def _two_days(saturday: dt.date, first: tuple[int, int], second: tuple[int, int]) -> pl.DataFrame:
    """One agent needed over the local hours ``first`` of ``saturday`` and ``second`` of the
    Sunday after (hourly, stored in UTC)."""
    z = ZoneInfo(NY)
    ts = []
    for day, (a, b) in ((saturday, first), (saturday + dt.timedelta(days=1), second)):
        for h in range(a, b):
            ts.append(dt.datetime.combine(day, dt.time(h), tzinfo=z).astimezone(dt.UTC))
    return pl.DataFrame(
        {"interval_start": pl.Series(ts, dtype=pl.Datetime("us", "UTC")), "required": 1.0}
    )


@pytest.mark.parametrize(
    ("saturday", "second", "rests"),
    [
        (dt.date(2026, 10, 31), (8, 16), True),  # 22:00 EDT to 08:00 EST: 11 real hours
        (dt.date(2026, 3, 7), (9, 17), False),  # 22:00 EST to 09:00 EDT: 10 real hours
    ],
)
def test_the_roster_counts_rest_in_real_hours_across_the_change(saturday, second, rests):
    """The local clock says 10 hours of rest the night clocks go back (11 really pass) and 11
    the night they go forward (10 really pass): an 11-hour rest rule follows the real hours."""
    rules = ShiftRules(
        lengths=(8,), earliest_start="08:00", latest_start="14:00", start_every="1h", breaks=()
    )
    need = _two_days(saturday, (14, 22), second)
    schedule = schedule_shifts(need, rules, time_zone=NY, num_workers=1, time_limit=5)
    assert schedule.shifts.height == 2
    agents = pl.DataFrame({"agent_id": ["solo"]})
    solo = cx.staffing.RosterRules(min_rest_hours=11)
    if rests:
        got = cx.staffing.roster(schedule, agents, solo, num_workers=1)
        assert got.table.height == 2 and set(got.table["agent_id"]) == {"solo"}
    else:
        with pytest.raises(cx.CxlabError, match="min_rest_hours=11"):
            cx.staffing.roster(schedule, agents, solo, num_workers=1)
