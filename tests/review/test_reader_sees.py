"""What a head of service reads must agree with the data: the weakest day is the day the chart
shows, a point outside the drawn normal range is the one flagged, every missed target is said
first, a level and its change read in one unit, and levels come in business order."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import polars as pl
import pytest
from review_planting import plant_bad_day

import cxlab as cx
from cxlab._present import fmt_value, parse_period, use_language

PERIOD = cx.review.ReviewPeriods(
    parse_period("2026-10"), parse_period("2026-09"), "previous", "Asia/Shanghai"
)


@pytest.fixture(scope="module")
def review(tiny_workspace: Path) -> cx.review.ReviewInputs:
    return cx.review.open_review(workspace=tiny_workspace)


def _visible(markup: str) -> str:
    text = re.sub(r"<style>.*?</style>", " ", markup, flags=re.S)
    text = re.sub(r"<a class='cx-download'[^>]*>", " ", text)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def test_weakest_day_is_the_lowest_point_even_on_few_contacts() -> None:
    """A planted worst day with only 23 contacts is the one named (with its contacts), as the
    chart and the appendix table show it."""
    rows = [
        {"day": dt.date(2026, 10, d), "channel": c, "value": v, "n": n}
        for d in range(1, 6)
        for c, v, n in (("phone", 0.85, 400.0), ("social", 0.75, 70.0))
    ]
    rows[1] = {"day": dt.date(2026, 10, 1), "channel": "social", "value": 0.652, "n": 23.0}
    rows[9] = {"day": dt.date(2026, 10, 5), "channel": "social", "value": 0.686, "n": 70.0}
    daily = cx.review.Daily(table=pl.DataFrame(rows), kpi="service_level", period=PERIOD)
    with use_language("en"):
        (found,) = daily.findings()
        assert "Oct 1, 2026" in found and "65.2%" in found and "23 contacts" in found
        assert "social media" in found and "Service level" not in found  # no capital mid-sentence
    with use_language("zh"):
        (found,) = daily.findings()
        assert "2026年10月1日" in found and "65.2%" in found
    lowest = min(v for t in daily.plot().data if t.y is not None for v in t.y if v is not None)
    assert round(lowest, 1) == 65.2


def test_daily_chart_draws_each_channels_target(review) -> None:
    daily = cx.review.daily(review.contacts, review.period, "service_level", targets=review.targets)
    fig = daily.plot()
    lines = [s for s in fig.layout.shapes if s.line.dash == "dash"]
    # phone and chat at least 80% (targets table); email and social 90% (queues table)
    assert lines and {round(s.y0) for s in lines} == {80, 90}
    assert "no target" not in fig.layout.title.text
    names = [t.name for t in fig.data]
    assert names == [cx.label(c) for c in ("phone", "chat", "email", "social")]
    assert "<h4>" not in daily._repr_html_()  # the chart carries the title, said once


def test_the_normal_range_drawn_is_the_limit_that_flags(scratch_workspace: Path) -> None:
    """A point outside the drawn range, as the figures are written, is flagged and a point inside
    is not (the range is set after the correction for the many days and queues checked), on a
    planted bad day."""
    plant_bad_day(scratch_workspace)
    rv = cx.review.open_review(workspace=scratch_workspace)
    found = cx.review.anomalies(rv.contacts, rv.period, by="queue")
    assert found.limit >= 3.0
    month = found.points.filter(pl.col("in_month") & pl.col("lo").is_not_null())
    outside = (month["value"] < month["lo"] - 1e-12) | (month["value"] > month["hi"] + 1e-12)
    assert month.filter(pl.col("flagged") & ~outside).height == 0
    # a point beyond its limit by less than the precision the figures are written with reads as
    # on the limit, and is not flagged: its value and that limit are written the same
    units = {k: m.unit for k, m in cx.features.metrics().items()}
    for r in month.filter(outside & ~pl.col("flagged")).iter_rows(named=True):
        edge = r["hi"] if r["value"] > r["hi"] else r["lo"]
        assert fmt_value(r["value"], units[r["kpi"]]) == fmt_value(edge, units[r["kpi"]]), r
    assert month["flagged"].any()
    assert found.summary().height >= 1
    # the example shown is chosen from the data, the same in both languages
    with use_language("en"):
        en = found.example()
    with use_language("zh"):
        zh = found.example()
    assert en == zh == (found.summary()[found.by][0], found.summary()["kpi"][0])


def test_no_unusual_day_says_so_in_words(review) -> None:
    found = cx.review.anomalies(review.contacts, review.period, by="queue")
    empty = cx.review.Anomalies(
        points=found.points.with_columns(flagged=pl.lit(False)), by="queue", period=found.period
    )
    with use_language("en"):
        text = _visible(empty.appendix()._repr_html_())
        assert "No unusual day this month." in text and "<table" not in empty.appendix().markup
        assert empty.findings() == ["No queue had an unusual day this month."]
        assert "false alarm" not in " ".join(empty.findings())  # method words: the appendix
        assert "false alarm" in text
    with use_language("zh"):
        assert "本月无异常日" in _visible(empty.appendix()._repr_html_())


def _card(rows: list[dict]) -> cx.review.Scorecard:
    base = {"previous": None, "change": None, "p_value": None, "n": 1000.0}
    full = [{**base, **r} for r in rows]
    return cx.review.Scorecard(table=pl.DataFrame(full), period=PERIOD)


def _row(kpi, scope, value, target, direction, unit="share", higher=True) -> dict:
    met = None if target is None else (value >= target if direction == ">=" else value <= target)
    return {
        "kpi": kpi,
        "scope": scope,
        "unit": unit,
        "value": value,
        "target": target,
        "direction": direction,
        "met": met,
        "higher_is_better": higher,
    }


def test_every_missed_target_is_in_the_answer_and_on_the_tiles() -> None:
    card = _card(
        [
            _row("fcr", "all", 0.782, 0.80, ">="),
            _row("csat", "all", 4.26, 4.2, ">=", unit="score"),
            _row("service_level", "channel=phone", 0.867, 0.80, ">="),
            _row("answer_rate", "channel=phone", 0.935, 0.90, ">="),
            _row("resolution_within", "all", 0.773, 0.90, ">="),
            _row("sla_answered", "priority=P1", 0.817, 0.95, ">="),
            _row("complaint_rate", "all", 0.1002, 0.10, "<=", higher=False),
            _row("sla_resolved", "priority=P1", 0.585, None, None),
        ]
    )
    tiles = card.headline()
    assert len(tiles) == 5  # one row
    assert tiles[0].key == "targets_missed" and tiles[0].value_text() == "4 of 7"
    assert [t.key for t in tiles[1:]] == [
        "resolution_within:all",
        "sla_answered:priority=P1",
        "fcr:all",
        "complaint_rate:all",
    ]  # the largest miss first
    with use_language("en"):
        words = card.findings()
        assert "77.3%" in words[0] and "12.7 pp short" in words[0]
        assert any("81.7%" in w and "≥ 95.0%" in w and "13.3 pp short" in w for w in words)
        assert any("10.02%" in w and "0.02 pp over" in w for w in words)
        # the worst figure without a target is a concern in the answer, before what is on target
        concern = next(i for i, w in enumerate(words) if "58.5%" in w)
        assert words[concern].startswith("A concern") and "No target is set" in words[concern]
        assert concern < next(i for i, w in enumerate(words) if w.startswith("On target"))
        # resolved within promise is defined where it is first shown, against the priority SLA
        assert any(w.startswith("Resolved within promise is") and "24 hours" in w for w in words)
        assert not any("Changed no more" in w for w in words)
        on_target = next(w for w in words if w.startswith("On target"))
        assert "Answer rate" not in on_target and "answer rate (Phone)" in on_target
    with use_language("zh"):
        assert card.headline()[0].value_text() == "7项中4项"


def test_a_tile_for_every_miss_the_count_names() -> None:
    """Five misses: the count says "5 of 8" and five tiles follow it (the row of five grows
    rather than hide the smallest miss, here the complaint rate 10.02% against ≤ 10%)."""
    card = _card(
        [
            _row("fcr", "all", 0.782, 0.80, ">="),
            _row("csat", "all", 4.26, 4.2, ">=", unit="score"),
            _row("service_level", "channel=phone", 0.867, 0.80, ">="),
            _row("service_level", "channel=social", 0.763, 0.90, ">="),
            _row("answer_rate", "channel=phone", 0.935, 0.90, ">="),
            _row("resolution_within", "all", 0.773, 0.90, ">="),
            _row("sla_answered", "priority=P1", 0.817, 0.95, ">="),
            _row("complaint_rate", "all", 0.1002, 0.10, "<=", higher=False),
        ]
    )
    tiles = card.headline()
    with use_language("en"):
        assert tiles[0].value_text() == "5 of 8"
    missed = [t.key for t in tiles if t.status == "missed"]
    assert missed == [c.key for c in card.missed()] and len(missed) == 5
    assert "complaint_rate:all" in missed
    assert len(tiles) == 6  # no tile of a met target pushes a miss out, none is added past the row


def test_a_level_and_its_change_read_in_one_unit() -> None:
    card = _card(
        [
            {
                **_row("aht", "channel=phone", 418.0, None, None, unit="seconds", higher=False),
                "previous": 417.1,
                "change": 0.9,
                "p_value": 0.8,
            }
        ]
    )
    with use_language("en"):
        row = card.report_table(targeted=None).row(0, named=True)
    assert row["actual_text"] == "7.0 min"
    cells = list(row.values())
    assert "7.0 min" in cells and "no change" in cells and "+1 s" not in cells


def test_response_times_are_headed_for_what_they_are(review) -> None:
    asa = cx.review.breakdown(review.contacts, review.period, ["asa", "service_level"], ["channel"])
    with use_language("en"):
        table = asa.readable()
        assert "response_time" in table.columns
        assert cx.label("response_time") == "Speed of answer / first response"
        assert table["channel"].to_list() == ["phone", "chat", "email", "social"]
        for cell in table["response_time"]:
            assert " min" not in cell or float(cell.split(" ")[0]) < 60
    with use_language("zh"):
        assert cx.label("response_time") == "平均应答/首次响应时长"


def test_scores_are_dots_on_their_scale_and_qa_starts_at_zero(review) -> None:
    types = cx.review.breakdown(
        review.contacts, review.period, ["csat", "fcr"], ["category", "category_l2"]
    )
    with use_language("en"):
        fig = types.plot()
        assert fig.data[0].type == "scatter" and list(fig.layout.xaxis.range) == [1, 5]
        assert fig.layout.xaxis.title.text == "CSAT (1–5)"
        assert types.title.startswith("CSAT and first-contact resolution by")
        assert "›" in " ".join(fig.data[0].y) and " / " not in " ".join(fig.data[0].y)
    qa = cx.review.qa(review.qa_scores, review.contacts, review.period)
    assert qa.plot().layout.xaxis.range[0] == 0
    assert qa.readable()["channel"].to_list() == ["phone", "chat", "email", "social"]


def test_priority_chart_has_both_rates_and_its_targets(review) -> None:
    prio = cx.review.breakdown(
        review.contacts,
        review.period,
        ["sla_answered", "sla_resolved"],
        ["priority"],
        targets=review.targets,
    )
    with use_language("en"):
        assert prio.title == "Answered and resolved within SLA by priority, October 2026"
        fig = prio.plot()
        assert len([t for t in fig.data if t.type == "bar"]) == 2
        (tick,) = [s for s in fig.layout.shapes if s.name == "target"]
        assert tick.x0 == tick.x1 == 95.0  # P1 answered within SLA: at least 95%
        p1 = len(fig.data[0].y) - 1  # P1 on top: the last category
        assert p1 < (tick.y0 + tick.y1) / 2 < p1 + 0.4  # across the answered bar, the upper one
    with use_language("zh"):
        assert prio.title == "2026年10月各优先级应答与解决达标率"


def test_complaint_times_read_in_whole_hours(review) -> None:
    found = cx.review.complaints(review.contacts, review.period)
    for lang in ("en", "zh"):
        with use_language(lang):
            text = " ".join(found.findings()) + _visible(found._repr_html_())
            assert " d" not in text.replace(" days", "") and "天" not in text.replace("30天", "")
            assert not re.search(r"\d\.0 ?(h|小时)", text)
            shares = re.findall(r"\d+(?:\.\d+)?%", text)
            assert all("." in s for s in shares if s not in ("100%",))  # one precision


def test_ranking_names_who_differs_and_uses_95_percent() -> None:
    table = pl.DataFrame(
        {
            "team": ["phone-team-1", "chat-team-1", "social-team-1"],
            "contacts": [3000, 2000, 1400],
            "raw": [0.79, 0.785, 0.75],
            "shrunk": [0.789, 0.784, 0.755],
            "ci_low": [0.775, 0.768, 0.735],
            "ci_high": [0.803, 0.800, 0.775],
        }
    ).with_row_index("rank", offset=1)
    ranking = cx.review.Ranking(
        table=table, kpi="fcr", unit_name="team", prior=(780.0, 220.0), period=PERIOD
    )
    with use_language("en"):
        words = ranking.findings()
        assert words[0].startswith("Clearly below the average: social media team")
        assert not any(" of 3 " in w or "0 of" in w for w in words)
        assert not any("more contacts at the average" in w for w in words)  # the appendix
        assert "95%" in words[0] and "95%" in ranking.method()
    nobody = cx.review.Ranking(
        table=table.rename({"team": "agent_id"}).with_columns(
            ci_low=pl.lit(0.70), ci_high=pl.lit(0.85)
        ),
        kpi="fcr",
        unit_name="agent_id",
        prior=(780.0, 220.0),
        period=PERIOD,
    )
    with use_language("en"):
        assert nobody.findings()[0] == "No agent differs clearly from the average."


def test_reasons_are_sorted_bars_with_counts(review) -> None:
    volume = cx.review.volume(review.contacts, review.period)
    fig = volume.plot()
    bar = fig.data[0]
    assert bar.type == "bar" and bar.orientation == "h"
    assert list(bar.x) == sorted(bar.x)  # the largest on top
    assert all("›" in y for y in bar.y) and all(t for t in bar.text)
    assert volume.readable()["channel"].to_list() == ["phone", "chat", "email", "social"]


def test_phone_hours_match_the_bands_and_the_lowest_hour_is_clear_of_the_edge(review) -> None:
    """The time bands name the hours the phones are open (08:00-21:00), and the answer-rate panel
    starts below its lowest hour instead of on it."""
    from cxlab._present import use_language

    phone = cx.review.phone(review.contacts, review.period)
    with use_language("en"):
        bands = [cx.label(b) for b in phone.bands["band"]]
        fig = phone.plot()
    assert not any("working hours" in b.lower() for b in bands), bands
    lowest = min(v for v in fig.data[0].y if v is not None)
    floor = fig.layout.yaxis.range[0]
    assert floor < lowest - 1, (floor, lowest)
