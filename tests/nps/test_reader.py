"""What the reader of the NPS report was shown wrong once, planted so it cannot come back: periods
cut in local time, the month after the headline quarter, example comments that fit their theme,
the same report from the same data, and words that say what the data say."""

from __future__ import annotations

import base64
import datetime as dt
import re

import polars as pl
import pytest

import cxlab as cx
from cxlab._present import use_language
from cxlab.viz import TARGET_LINE

TZ = "Asia/Shanghai"


def _local(y, m, d, hh, mm):
    """A local Shanghai moment as the UTC timestamp the store keeps."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone(
        dt.UTC
    )


def test_quarter_is_cut_at_local_midnight_and_dated_locally():
    """00:30 on 1 July in Shanghai is 30 June in UTC: it belongs to Q3 and reads 1 July; 23:30
    on 30 June in Shanghai (15:30 UTC) belongs to Q2."""
    frame = pl.DataFrame(
        {
            "survey_id": ["S1", "S2", "S3"],
            "customer_id": ["C0000001", "C0000002", "C0000003"],
            "responded_at": [
                _local(2026, 7, 1, 0, 30),
                _local(2026, 6, 30, 23, 30),
                _local(2026, 9, 30, 12, 0),
            ],
            "nps": [2, 3, 9],
            "comment": ["Waited 40 minutes.", "Waited again.", "Great."],
            "language": ["en", "en", "en"],
        }
    ).with_columns(pl.col("responded_at").dt.replace_time_zone("UTC"))
    follow = cx.nps.followup(frame, period="2026-Q3", time_zone=TZ)
    assert follow.table["survey_id"].to_list() == ["S1"]
    assert follow.reader_table()["responded_at"].to_list() == [dt.date(2026, 7, 1)]
    june = cx.nps.followup(frame, period="2026-06", time_zone=TZ)
    assert june.table["survey_id"].to_list() == ["S2"]
    assert june.reader_table()["responded_at"].to_list() == [dt.date(2026, 6, 30)]


def test_current_month_is_the_month_of_the_latest_answers():
    at = [_local(2026, 9, 20, 10, 0), _local(2026, 10, 3, 10, 0), _local(2026, 10, 20, 0, 30)]
    frame = pl.DataFrame({"responded_at": at, "nps": [1, 2, 3]}).with_columns(
        pl.col("responded_at").dt.replace_time_zone("UTC")
    )
    follow = cx.nps.followup(frame, period="current_month", time_zone=TZ)
    assert follow.period_obj.start == dt.date(2026, 10, 1)
    assert follow.period_obj.end == dt.date(2026, 10, 21)  # running: up to the last answer
    assert follow.table.height == 2
    full = cx.nps.parse_period(
        "current_month", first=dt.date(2026, 1, 1), last=dt.date(2026, 10, 31)
    )
    assert (full.unit, full.start, full.end) == (
        "month",
        dt.date(2026, 10, 1),
        dt.date(2026, 11, 1),
    )


@pytest.fixture(scope="module")
def report(default_surveys):
    surveys = cx.nps.tag_themes(default_surveys)
    change = cx.nps.compare(surveys, period="2026-Q3", time_zone=TZ)
    trend = cx.nps.trend(surveys, time_zone=TZ)
    drivers = cx.nps.drivers(surveys, period="2026-Q3", n_boot=50, time_zone=TZ)
    themes = cx.nps.themes(surveys, period="2026-Q3", time_zone=TZ)
    follow = cx.nps.followup(surveys, period="current_month", time_zone=TZ)
    answer = cx.nps.answer(
        change, target=20.0, trend=trend, drivers=drivers, themes=themes, follow_up=follow
    )
    return {
        "surveys": surveys,
        "answer": answer,
        "trend": trend,
        "drivers": drivers,
        "themes": themes,
        "follow_up": follow,
    }


def test_answer_says_the_month_after_the_quarter(report):
    """The data run to October: the answer says October's reading against September's, as the
    trend shows them, and a tile records it."""
    t = report["trend"].table.sort("ts")
    sep, octo = (round(x, 1) for x in t["nps"].tail(2))
    with use_language("en"):
        text = " ".join(report["answer"].findings())
        assert "October 2026, the first month of Q4 2026" in text
        words = "points below" if octo < sep else "points above"
        assert f"{abs(octo - sep):.1f} {words} September 2026" in text
        assert "one month is a small sample" in text
    with use_language("zh"):
        assert "2026年第4季度首月（2026年10月）" in " ".join(report["answer"].findings())
    card = next(c for c in report["answer"].headline() if c.key == "nps_latest_month")
    assert card.period == ("2026-10-01", "2026-11-01")
    assert card.change == pytest.approx(round(octo - sep, 1))
    follow = next(c for c in report["answer"].headline() if c.key == "detractors_to_call")
    assert follow.period == ("2026-10-01", "2026-11-01")


def test_target_sentence_names_the_side(report):
    with use_language("en"):
        text = " ".join(report["answer"].findings())
    assert "The whole likely range is above the target." in text
    assert "on that side" not in text
    fig = report["answer"].plot()
    line = next(s for s in fig.layout.shapes if s.line.dash == "dash").line
    assert (line.color, line.dash, line.width) == (
        TARGET_LINE["color"],
        TARGET_LINE["dash"],
        TARGET_LINE["width"],
    )


def test_trend_counts_months(report):
    local = pl.col("responded_at").dt.convert_time_zone(TZ)
    months = report["surveys"].select(local.dt.strftime("%Y-%m").n_unique()).item()
    with use_language("en"):
        assert report["trend"].findings()[0].startswith(f"Across {months} months")
    with use_language("zh"):
        assert report["trend"].findings()[0].startswith(f"近{months}个月")


def _drivers_table(rows):
    from cxlab.nps._drivers import KeyDrivers

    cols = ("term", "importance", "importance_low", "importance_high", "performance")
    table = pl.DataFrame([dict(zip(cols, r, strict=True)) for r in rows]).with_columns(
        *(pl.lit(0.0).alias(c) for c in ("raw_weight", "estimate", "std_error", "ci_low")),
        *(pl.lit(0.0).alias(c) for c in ("ci_high", "p_value")),
    )
    return KeyDrivers(
        table=table,
        r2=0.5,
        r2_interval=(0.4, 0.6),
        n=1000,
        method="relative_weights",
        alpha=0.05,
        n_boot=50,
    )


def test_fix_first_does_not_hinge_on_a_half_point_margin():
    """The most important driver rated 0.5 points above the median rating used to escape the
    fix-first list; ranked by importance x shortfall from the best-rated driver, it is named,
    with the close second as a co-priority, and the rule is stated."""
    d = _drivers_table(
        [
            ("rating_resolution", 0.36, 0.32, 0.40, 0.540),
            ("rating_agent", 0.22, 0.18, 0.25, 0.656),
            ("rating_wait_time", 0.13, 0.10, 0.16, 0.349),
            ("rating_product", 0.07, 0.05, 0.09, 0.535),
            ("rating_value", 0.06, 0.04, 0.08, 0.414),
        ]
    )
    assert d.fix_first() == ["rating_resolution", "rating_wait_time"]
    with use_language("en"):
        text = d.fix_first_sentence()
        assert text.startswith("Fix first: problem solved — the most important (36%)")
        assert "waiting time — middling importance (13%) but the lowest rating (35% give 4–5)" in (
            text
        )
        assert "importance × shortfall from the best-rated driver" in text
        assert "::" not in text and "”:" not in text
    # a clear leader is named alone
    d = _drivers_table(
        [
            ("rating_resolution", 0.60, 0.55, 0.65, 0.30),
            ("rating_agent", 0.30, 0.25, 0.35, 0.70),
            ("rating_wait_time", 0.10, 0.08, 0.12, 0.60),
        ]
    )
    assert d.fix_first() == ["rating_resolution"]


def test_fix_first_chart_has_no_median_lines_and_states_its_rule(report):
    """Labels were struck through by the median lines: the chart has none, and says its rule."""
    fig = report["drivers"].plot()
    assert not fig.layout.shapes
    with use_language("en"):
        fig = report["drivers"].plot()
    assert any("importance × shortfall" in (a.text or "") for a in fig.layout.annotations)


def test_displayed_change_is_the_difference_of_displayed_levels(report):
    """+39.1 against +29.6 read "+9.6 points" (the unrounded estimate): the change shown is
    the difference of the levels shown, in the cards, the sentence and the segment table."""
    c = report["answer"].change
    r = c.table.row(0, named=True)
    now, before = round(r["nps_now"], 1), round(r["nps_before"], 1)
    shown = round(now - before, 1)
    assert c.headline()[0].change == pytest.approx(shown)
    with use_language("en"):
        assert f"that is a change of {shown:+.1f} points" in " ".join(c.findings())
    for card in c.headline()[1:]:  # promoters, detractors: shares shown to 0.1 of a percent
        if card.change is not None:
            assert round(card.change * 1000) == round(card.value * 1000) - round(
                (card.value - card.change) * 1000
            )


def test_detractor_praising_the_agent_is_marked_not_themed():
    """A detractor (3) writing "服务很好，客服非常热情。" read as an example of "Agent attitude and
    skill": a comment whose tone contradicts the score is marked as such."""
    from cxlab.nps._followup import FollowUp

    table = pl.DataFrame(
        {
            "customer_id": ["C0000001", "C0000002"],
            "responded_at": [_local(2026, 10, 3, 9, 0), _local(2026, 10, 4, 9, 0)],
            "nps": [3, 2],
            "theme": ["agent", "wait_time"],
            "sentiment": [1.0, -1.0],
            "comment": ["服务很好，客服非常热情。", "等了21分钟才有人接电话。"],
        }
    )
    with use_language("en"):
        shown = FollowUp(table=table, period="2026-10", time_zone=TZ).reader_table()
    assert shown["theme_label"].to_list() == [
        "Comment and score disagree",
        "Waiting and reaching us",
    ]


def test_shown_change_planted():
    from cxlab.nps._score import shown_change

    assert shown_change(39.12, 29.56) == 9.5  # the estimate 9.56 would read 9.6
    assert shown_change(48.37, 37.42) == 11.0
    assert shown_change(1.0, None) is None


def test_same_data_same_driver_ranges(report):
    """The bootstrap is seeded and its resampling does not depend on row order, so the Chinese
    and the English run of one report show the same ranges."""
    surveys = report["surveys"]
    a = cx.nps.drivers(surveys, period="2026-Q3", n_boot=50, time_zone=TZ, seed=0)
    b = cx.nps.drivers(
        surveys.sample(fraction=1.0, shuffle=True, seed=5),
        period="2026-Q3",
        n_boot=50,
        time_zone=TZ,
        seed=0,
    )
    assert a.table.equals(b.table)
    assert a.r2_interval == b.r2_interval


def test_example_comments_fit_their_theme_and_never_repeat(report):
    themes = report["themes"]
    ex = themes.examples
    assert ex["comment"].n_unique() == ex.height
    main = themes._main().filter(pl.col("theme") != "(none)")
    tone = dict(zip(main["theme"], main["sentiment"], strict=True))
    for r in ex.iter_rows(named=True):
        if tone[r["theme"]] < 0:
            assert r["nps"] <= 6, r  # a problem is illustrated by a detractor
        else:
            assert r["nps"] >= 9, r


def test_example_with_a_misfit_score_is_not_chosen():
    """A score-10 answer with an angry comment is not shown as an example of a problem."""
    at = [dt.datetime(2026, 8, d, 10, tzinfo=dt.UTC) for d in range(1, 7)]
    frame = pl.DataFrame(
        {
            "responded_at": at,
            "customer_id": [f"C00000{i}" for i in range(6)],
            "nps": [10, 2, 3, 2, 9, 10],
            "comment": [
                "The device is faulty and broke after 14 days, terrible quality.",
                "The device is faulty and keeps restarting.",
                "The device is faulty and keeps restarting.",
                "Broken product, faulty again.",
                "Great service, very helpful agent.",
                "Great service, very helpful agent.",
            ],
            "language": ["en"] * 6,
        }
    )
    themes = cx.nps.themes(frame, time_zone="UTC")
    ex = themes.examples
    assert 10 not in ex.filter(pl.col("theme") == "product_quality")["nps"].to_list()
    assert ex["comment"].n_unique() == ex.height


def test_call_back_csv_has_words_not_codes(report):
    with use_language("zh"):
        markup = report["follow_up"]._repr_html_()
    data = re.search(r"href='data:text/csv;charset=utf-8;base64,([^']+)'", markup)[1]
    text = base64.b64decode(data).decode("utf-8-sig")
    header = text.splitlines()[0]
    assert "客户类型" in header
    for code in ("individual", "enterprise", "phone", "chat", "Shandong"):
        assert not re.search(rf"(^|,){code}(,|$)", text, flags=re.M), code
    assert "个人客户" in text


def test_two_groups_are_one_sentence(report):
    surveys = report["surveys"]
    gaps = cx.nps.gaps(surveys, by="segment", period="2026-Q3", time_zone=TZ)
    assert not gaps.chart_worthwhile
    with use_language("en"):
        (only,) = gaps.findings()
        assert "2 of 2" not in only and "With two groups" not in only
        hi, lo = (round(x, 1) for x in gaps.table.sort("nps", descending=True)["nps"])
        assert f"is {hi - lo:.1f} points above" in only  # the difference of the levels shown
        assert "<table" not in gaps._repr_html_()
        change = cx.nps.compare(surveys, period="2026-Q3", by="segment", time_zone=TZ)
        assert "2 of 2" not in " ".join(change.findings())
    regions = cx.nps.gaps(surveys, by="region", period="2026-Q3", time_zone=TZ)
    assert regions.chart_worthwhile


def test_appendix_bounds_are_named_and_spreads_unsigned(report):
    """Each pair of bounds says what it bounds; a standard error has no sign."""
    surveys = report["surveys"]
    change = cx.nps.compare(surveys, period="2026-Q3", time_zone=TZ)
    with use_language("zh"):
        for result in (change, report["trend"], report["themes"], report["drivers"]):
            markup = result.details()._repr_html_()
            for table in re.findall(r"<table.*?</table>", markup, flags=re.S):
                heads = re.findall(r"<th[^>]*>([^<]*)</th>", table)
                assert len(heads) == len(set(heads)), heads
                assert "下限" not in heads and "上限" not in heads, heads
                if "标准误" in heads:
                    col = heads.index("标准误")
                    for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]:
                        cell = re.findall(r"<td[^>]*>(.*?)</td>", row)[col]
                        assert not cell.startswith("+"), cell
