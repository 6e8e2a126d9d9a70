"""What the NPS report says agrees with what it shows: the lowest theme is the one of the table,
ties are said as ties, a change that cannot be computed is said in words and has no spread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

import cxlab as cx
from cxlab._present import use_language

TZ = "Asia/Shanghai"


def _surveys(rows: list[tuple[int, str | None]], *, start=datetime(2026, 7, 2, tzinfo=UTC)):
    """Survey answers (score, comment) spread over July to September 2026, two segments."""
    n = len(rows)
    return pl.DataFrame(
        {
            "survey_id": [f"S{i:05d}" for i in range(n)],
            "customer_id": [f"C{i:05d}" for i in range(n)],
            "responded_at": [start + timedelta(hours=2 * i) for i in range(n)],
            "nps": [r[0] for r in rows],
            "comment": pl.Series([r[1] for r in rows], dtype=pl.Utf8),
            "language": ["en"] * n,
            "segment": ["enterprise" if i % 2 else "individual" for i in range(n)],
        }
    )


WAIT = "Waited 40 minutes on hold."
REFUND = "Still waiting for my refund."
PRODUCT = "The product broke after 3 days."
AGENT = "Great agent, very helpful."


@pytest.fixture(scope="module")
def surveys() -> pl.DataFrame:
    # waiting: 40 comments, NPS -20; refunds: 12 comments, NPS -100 (the lowest, on few comments);
    # the agent: 40 comments, NPS +100
    rows = [(3, WAIT)] * 16 + [(7, WAIT)] * 16 + [(10, WAIT)] * 8
    rows += [(2, REFUND)] * 12 + [(10, AGENT)] * 40 + [(8, None)] * 20
    return _surveys(rows)


def test_lowest_theme_is_the_lowest_of_the_table_and_says_when_it_rests_on_few(surveys):
    res = cx.nps.themes(surveys)
    table = res.reader_table()
    lowest = table.sort("nps").row(0, named=True)
    assert lowest["theme_label"] == "Refunds"
    words = res.lowest_words()
    assert words.startswith("Customers who write about refunds score lowest: NPS -100")
    # the minimum-comments rule is said, and the lowest theme on enough comments named
    assert "fewer than 30 comments" in words
    assert "waiting" in words.lower().split("fewer than 30")[1]
    assert words in res.findings()
    # the answer's sentence names the same theme as the table below it
    change = cx.nps.compare(surveys, period="2026-Q3", time_zone=TZ)
    said = cx.nps.answer(change, themes=res).findings()
    brief = [s for s in said if "score lowest" in s]
    assert len(brief) == 1 and brief[0].startswith(
        "Customers who write about refunds score lowest (NPS -100, 12 comments)."
    )
    with use_language("zh"):
        zh = res.lowest_words()
    assert zh.startswith("提到“退款”的客户评分最低") and "不足30条" in zh


def test_lowest_theme_on_enough_comments_has_no_caution(surveys):
    # refunds now on 30 comments: still the lowest, and no word of caution
    more = pl.concat(
        [surveys, _surveys([(2, REFUND)] * 18, start=datetime(2026, 9, 1, tzinfo=UTC))]
    )
    more = more.with_columns(pl.Series("survey_id", [f"S{i:05d}" for i in range(more.height)]))
    words = cx.nps.themes(more).lowest_words()
    assert words.startswith("Customers who write about refunds score lowest: NPS -100")
    assert "30 comments)." in words and "fewer than" not in words


def test_themes_tied_for_lowest_are_named_together():
    rows = [(2, REFUND)] * 10 + [(2, PRODUCT)] * 10 + [(10, AGENT)] * 10
    words = cx.nps.themes(_surveys(rows)).lowest_words()
    assert "tied at NPS -100" in words
    assert "refunds" in words and "product" in words.lower()


def test_followup_says_a_tie_for_the_most_frequent_theme():
    # October detractors: two on refunds, two on the product, one on waiting
    rows = [(3, REFUND)] * 2 + [(4, PRODUCT)] * 2 + [(5, WAIT)] + [(9, AGENT)] * 3
    s = _surveys(rows, start=datetime(2026, 10, 3, tzinfo=UTC))
    said = cx.nps.followup(s, period="2026-10", time_zone=TZ).findings()
    tie = [x for x in said if x.startswith("Most frequent theme")]
    assert tie == [
        "Most frequent themes among them, tied: Product quality and faults; Refunds "
        "(2 each of 5 with a themed comment)."
    ]
    with use_language("zh"):
        zh = cx.nps.followup(s, period="2026-10", time_zone=TZ).findings()
    assert "其中最常见的主题并列：产品质量与故障；退款（有主题留言的5人中各占2人）。" in zh
    # a single most frequent theme is named alone
    single = _surveys([*rows, (2, REFUND)], start=datetime(2026, 10, 3, tzinfo=UTC))
    said = cx.nps.followup(single, period="2026-10", time_zone=TZ).findings()
    assert any(x.startswith("Most frequent theme among them: Refunds (3 of 6") for x in said)


def test_change_without_answers_before_is_said_in_words_and_has_no_spread(surveys):
    res = cx.nps.compare(surveys, period="2026-Q3", time_zone=TZ)
    r = res.table.row(0, named=True)
    assert r["n_before"] == 0
    assert r["estimate"] is None and r["std_error"] is None and r["p_value"] is None
    notes = " ".join(res.details().notes)
    assert "z = –" not in notes
    assert "Overall change: not computed, as there are no answers in Q2 2026." in notes
    with use_language("zh"):
        zh = " ".join(cx.nps.compare(surveys, period="2026-Q3", time_zone=TZ).details().notes)
    assert "整体变化：2026年第2季度没有答卷，无法计算。" in zh
    by = cx.nps.compare(surveys, period="2026-Q3", by="segment", time_zone=TZ)
    assert by.table["std_error"].null_count() == by.table.height
    assert by.findings() == [
        "There are no answers in Q2 2026, so the change of each segment cannot be given."
    ]
    # the chart has no legend entry for a period without a bar
    fig = by.plot()
    assert [t.name for t in fig.data] == ["Q3 2026"]
    assert "Q2" not in fig.layout.title.text


def test_change_with_answers_in_both_periods_keeps_its_statistics(surveys):
    spring = _surveys([(9, None)] * 30 + [(3, None)] * 20, start=datetime(2026, 4, 2, tzinfo=UTC))
    both = pl.concat([spring, surveys]).with_columns(
        pl.Series("survey_id", [f"S{i:05d}" for i in range(spring.height + surveys.height)])
    )
    res = cx.nps.compare(both, period="2026-Q3", time_zone=TZ)
    r = res.table.row(0, named=True)
    assert r["std_error"] > 0 and r["p_value"] is not None
    assert any(n.startswith("Overall change: z = ") for n in res.details().notes)
    assert len(res.plot().data) == 2


@pytest.mark.parametrize(
    ("every", "word"), [("1mo", "No month is"), ("1q", "No quarter is"), ("1w", "No week is")]
)
def test_trend_names_its_unit_when_nothing_is_outside(every, word):
    rows = [(9, None), (7, None), (3, None), (10, None)] * 60
    res = cx.nps.trend(_surveys(rows), every=every, time_zone=TZ)
    assert not res.table["outside"].any()
    assert any(x.startswith(word + " outside normal variation") for x in res.findings())
    with use_language("zh"):
        zh = cx.nps.trend(_surveys(rows), every=every, time_zone=TZ).findings()
    unit = {"1mo": "没有月份", "1q": "没有季度", "1w": "没有哪一周"}[every]
    assert any(x.startswith(unit) for x in zh)
