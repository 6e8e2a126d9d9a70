"""The workspace's shift rules: the defaults of a Chinese service centre without a [shifts]
section, each key given replacing its default, and every bad key or value refused by name."""

from __future__ import annotations

import pytest

import cxlab as cx
from cxlab._errors import WorkspaceError


def _workspace(tmp_path, shifts: str = ""):
    (tmp_path / "cxlab.toml").write_text(
        '[workspace]\ntime_zone = "Asia/Shanghai"\ncountry = "CN"\n' + shifts, encoding="utf-8"
    )
    return tmp_path


def test_defaults_without_a_section(tmp_path):
    rules, rota = cx.staffing.shift_rules(_workspace(tmp_path))
    assert rules.lengths == (4.0, 8.0)
    assert rules.starts[0] == 7 * 60 and rules.starts[-1] == 16 * 60 and len(rules.starts) == 19
    full = rules.breaks_of(8.0)
    assert [(b.minutes, b.paid) for b in full] == [(15, True), (60, False), (15, True)]
    assert [(b.minutes, b.paid) for b in rules.breaks_of(4.0)] == [(15, True)]
    assert rules.paid_hours(8.0) == 7.0 and rules.paid_hours(4.0) == 4.0
    assert rules.cost(8.0) == 350.0 and rules.cost(4.0) == 140.0  # 7 x 50 and 4 x 35
    assert rules.part_time(4.0) and not rules.part_time(8.0)
    assert rules.max_part_time_share == 0.3
    assert (rota.max_consecutive_days, rota.min_rest_hours) == (6, 11.0)
    # no cxlab.toml at all: the same defaults
    assert cx.staffing.shift_rules(tmp_path / "nowhere") == (rules, rota)


def test_keys_replace_their_defaults(tmp_path):
    ws = _workspace(
        tmp_path,
        """
[shifts]
lengths = [9]
earliest_start = "08:00"
latest_start = "12:00"
start_every = "1h"
cost_per_hour = 42.5
max_consecutive_days = 5
min_rest_hours = 12

[[shifts.breaks]]
minutes = 60
window = [180, 300]
paid = false
""",
    )
    rules, rota = cx.staffing.shift_rules(ws)
    assert rules.lengths == (9.0,)
    assert rules.starts == (480, 540, 600, 660, 720)
    assert [(b.minutes, b.window, b.paid) for b in rules.breaks] == [(60, (180, 300), False)]
    assert rules.paid_hours(9.0) == 8.0 and rules.cost(9.0) == 8 * 42.5
    assert rules.max_part_time_share == 0.3  # not given: the default stays
    assert (rota.max_consecutive_days, rota.min_rest_hours) == (5, 12.0)


@pytest.mark.parametrize(
    ("section", "words"),
    [
        ("[shifts]\nlength = [8]\n", r"unknown key\(s\) length; known: lengths"),
        ('[shifts]\nlengths = "8"\n', r"lengths = '8' is not valid"),
        ("[shifts]\ncost_per_hour = -3\n", r"cost_per_hour = -3 is not valid"),
        ("[shifts]\nmax_part_time_share = 1.5\n", r"max_part_time_share = 1.5 is not valid"),
        ("[shifts]\nmax_consecutive_days = 8\n", r"max_consecutive_days = 8 is not valid"),
        ("[shifts]\nmin_rest_hours = true\n", r"min_rest_hours = True is not valid"),
        ('[shifts]\nearliest_start = "7h"\n', r"earliest_start='7h' is not a clock time"),
        ('[shifts]\nearliest_start = "17:00"\n', r"latest_start='16:00' is before"),
        ("[shifts]\nbreaks = 15\n", r"breaks = 15 is not valid"),
        ("[shifts]\nearliest_start = 07:30:15\n", r"earliest_start = 07:30:15 is not valid"),
        ("[shifts]\nlatest_start = 1979-05-27\n", r"latest_start = datetime.date\(1979"),
        ("[shifts]\nmax_overtime_hours = -1\n", r"max_overtime_hours = -1 is not valid"),
        (
            '[shifts]\nstart_every = "50m"\n',
            r"start_every = '50m' does not divide the 24 hours of a day",
        ),
        (
            '[shifts]\nstart_every = "2h"\n',
            r"latest_start = '16:00' is not on the grid of start times, earliest_start '07:00' "
            r"plus whole steps of start_every '2h' \(the last would be 15:00\)",
        ),
        (
            "[[shifts.breaks]]\nminutes = 15\nwindow = [90]\n",
            r"breaks\[0\]: window = \[90\] is not valid",
        ),
        ("[[shifts.breaks]]\nminutes = 15\n", r"breaks\[0\]: window is missing"),
        (
            "[[shifts.breaks]]\nminutes = 15\nwindow = [90, 150]\nlong = 1\n",
            r"breaks\[0\]: unknown key\(s\) long",
        ),
        (
            "[[shifts.breaks]]\nminutes = 60\nwindow = [200, 220]\n",
            r"does not fit in a 4-hour shift",
        ),
        ("shifts = 3\n", r"shifts must be a table"),
        ("[shift]\nlengths = [8]\n", r"unknown key\(s\) shift at the top"),
    ],
)
def test_bad_keys_and_values_are_refused_by_name(tmp_path, section, words):
    ws = _workspace(tmp_path, section if section.startswith("[") else "")
    if not section.startswith("["):  # a top-level key must come before [workspace]
        (ws / "cxlab.toml").write_text(section + (ws / "cxlab.toml").read_text(), "utf-8")
    with pytest.raises(WorkspaceError, match=words) as err:
        cx.staffing.shift_rules(ws)
    assert "cxlab.toml" in str(err.value)


def test_the_workspace_settings_read_a_shifts_section(tmp_path):
    ws = _workspace(tmp_path, "[shifts]\nlengths = [8]\n")
    from cxlab._config import settings

    assert settings(ws).time_zone == "Asia/Shanghai"


def test_the_generated_example_uncommented_gives_the_defaults(tmp_path):
    from cxlab.data._synth import SHIFTS_EXAMPLE

    lines = [x[2:] for x in SHIFTS_EXAMPLE.splitlines() if x.startswith("# ")]
    body = "\n".join(x for x in lines if x.startswith(("[", " ")) or "=" in x.split("#")[0])
    assert body.count("[[shifts.breaks]]") == 3
    assert cx.staffing.shift_rules(_workspace(tmp_path, body + "\n")) == (
        cx.staffing.shift_rules(tmp_path / "nowhere")
    )


def test_clock_times_may_be_toml_local_times(tmp_path):
    ws = _workspace(
        tmp_path,
        '[shifts]\nearliest_start = 07:30:00\nlatest_start = 15:30:00\nstart_every = "1h"\n',
    )
    rules, _rota = cx.staffing.shift_rules(ws)
    assert (rules.earliest_start, rules.latest_start) == ("07:30", "15:30")
    assert rules.starts == tuple(range(450, 931, 60))


def test_the_start_grid_must_fit_the_plan_intervals(tmp_path):
    ws = _workspace(tmp_path, '[shifts]\nstart_every = "45m"\nlatest_start = "16:00"\n')
    assert cx.staffing.shift_rules(ws)[0].start_every == "45m"  # divides the day: 32 starts
    with pytest.raises(
        WorkspaceError,
        match=r"start_every = '45m' neither divides the plan's intervals of 30 minutes "
        r"\(every='30m'\) nor is a whole number of them",
    ):
        cx.staffing.shift_rules(ws, every="30m")
    for grid, every in (("15m", "30m"), ("1h", "30m"), ("30m", "1h")):
        ws = _workspace(tmp_path, f'[shifts]\nstart_every = "{grid}"\n')
        assert cx.staffing.shift_rules(ws, every=every)[0].start_every == grid


def test_the_roster_hours_keys(tmp_path):
    ws = _workspace(tmp_path, "[shifts]\nhours_tolerance = 2\nmax_overtime_hours = 3\n")
    _rules, rota = cx.staffing.shift_rules(ws)
    assert (rota.hours_tolerance, rota.max_overtime_hours) == (2.0, 3.0)
    # the defaults: contracted hours are a ceiling, four hours below allowed, no overtime
    default = cx.staffing.shift_rules(tmp_path / "nowhere")[1]
    assert (default.hours_tolerance, default.max_overtime_hours) == (4.0, 0.0)


def test_shift_rules_refuse_a_start_grid_that_does_not_divide_the_day():
    with pytest.raises(
        cx.OptionError, match=r"ShiftRules.start_every='50m' does not divide the 24 hours"
    ):
        cx.staffing.ShiftRules(start_every="50m")
    assert cx.staffing.ShiftRules(start_every="45m", latest_start="15:00").starts[:2] == (420, 465)
