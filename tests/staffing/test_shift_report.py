"""What a report shows of a shift schedule: its headline card and the CSV a workforce-management
system imports, offered as a download holding the same bytes as ``to_csv``."""

from __future__ import annotations

import base64
import datetime as dt
import re

import polars as pl
import pytest

from cxlab._errors import OptionError, SchemaError
from cxlab._present import use_language
from cxlab.staffing import ShiftRules, roster, schedule_shifts


def _schedule():
    need = pl.DataFrame(
        {
            "interval_start": [dt.datetime(2026, 10, 5, h) for h in range(8, 16)],
            "required": [2, 3, 3, 4, 4, 3, 2, 2],
        }
    )
    rules = ShiftRules(
        lengths=(4,), earliest_start="08:00", latest_start="12:00", start_every="1h",
        cost_per_hour=50.0,
    )  # fmt: skip
    return schedule_shifts(need, rules, num_workers=1, time_limit=5)


def test_headline_gives_cost_shifts_hours_and_coverage():
    s = _schedule()
    with use_language("en"):
        (card,) = s.headline()
        assert card.key == "shift_cost" and card.unit == "money"
        assert card.value == s.cost == 6 * 4 * 50.0
        assert card.period == ("2026-10-05", "2026-10-06")
        assert card.detail == (
            "6 agent-shifts, 24 paid hours; 8 of 8 hours that need agents fully covered"
        )
    with use_language("zh"):
        (card,) = s.headline()
        assert card.detail == "共6人次、计薪24小时；需要坐席的8个小时中，8个人手充足"


def test_download_holds_the_bytes_of_to_csv(tmp_path):
    s = _schedule()
    written = s.to_csv(tmp_path / "shifts.csv").read_text(encoding="utf-8")
    link = s.download(name="week <1>")
    assert link.text == written
    assert written.splitlines()[0] == (
        "day,start,end,breaks,count,queue,unpaid_breaks,paid_hours,cost"
    )
    assert sum(int(r.split(",")[4]) for r in written.splitlines()[1:]) == 6
    with use_language("zh"):
        page = link._repr_html_()
    assert "download='week_&lt;1&gt;.csv'" in page and "<1>" not in page
    assert "下载班次表" in page
    data = re.search(r"base64,([A-Za-z0-9+/=]+)'", page).group(1)
    assert base64.b64decode(data).decode("utf-8") == written


def test_a_roster_that_cannot_be_made_says_why_when_asked():
    s = _schedule()
    few = pl.DataFrame({"agent_id": ["a1", "a2"]})  # four shifts start at 8:00 alone
    with pytest.raises(OptionError, match="only 2 agents are free"):
        roster(s, few, num_workers=1)
    empty = roster(s, few, num_workers=1, missing="empty")
    assert empty.status == "empty" and empty.table.height == 0
    assert "only 2 agents are free" in empty.reason
    with use_language("zh"):
        assert empty.findings() == [
            "无法排出人员排班表：现有2名坐席在排班规则下排不满全部班次"
            "（人手不够，或技能、休息时间、连续上班天数的限制不允许）。"
        ]
    nobody = roster(s, few.clear(), num_workers=1, missing="empty")
    assert nobody.agents == () and nobody.findings() == [
        "No roster: the workspace has no agents to assign to the shifts."
    ]
    with pytest.raises(SchemaError):  # a malformed table is not a lack of data
        roster(s, pl.DataFrame({"name": ["a"]}), missing="empty")
    with pytest.raises(OptionError, match="missing"):
        roster(s, few, missing="skip")
