"""The review as a reader sees it: statuses decided on the figure shown, headline cards, plain
words in both languages (no identifiers, no four-decimal fractions, method names only in the
appendix), short body tables, and charts that do not mislead."""

from __future__ import annotations

import html
import re
from pathlib import Path

import polars as pl
import pytest

import cxlab as cx
from cxlab._present import Headline, parse_period, use_language
from cxlab.viz import COLORS, color_for

IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
FOUR_DECIMALS = re.compile(r"\b\d\.\d{4,}\b")
METHOD_NAMES = (
    "Benjamini",
    "Laney",
    "standard error",
    "empirical Bayes",
    "empirical-Bayes",
    "p-value",
)


@pytest.fixture(scope="module")
def review(tiny_workspace: Path) -> cx.review.ReviewInputs:
    return cx.review.open_review(workspace=tiny_workspace)


@pytest.fixture(scope="module")
def sections(review) -> dict:
    r = review
    return {
        "scorecard": cx.review.scorecard(r.contacts, r.targets, r.period),
        "volume": cx.review.volume(r.contacts, r.period),
        "fcr": cx.review.breakdown(r.contacts, r.period, ["fcr", "csat"], ["channel"]),
        "asa": cx.review.breakdown(r.contacts, r.period, ["asa", "service_level"], ["channel"]),
        "types": cx.review.breakdown(
            r.contacts, r.period, ["csat", "fcr"], ["category", "category_l2"]
        ),
        "daily": cx.review.daily(r.contacts, r.period, "service_level"),
        "phone": cx.review.phone(r.contacts, r.period),
        "complaints": cx.review.complaints(r.contacts, r.period),
        "qa": cx.review.qa(r.qa_scores, r.contacts, r.period),
        "anomalies": cx.review.anomalies(r.contacts, r.period, by="queue"),
        "teams": cx.review.ranking(r.contacts, r.period, by="team", agents=r.agents),
        "agents": cx.review.ranking(r.contacts, r.period, by="agent_id"),
    }


def _visible(markup: str) -> str:
    text = re.sub(r"<style>.*?</style>", " ", markup, flags=re.S)
    text = re.sub(r"<a class='cx-download'[^>]*>", " ", text)  # the CSV link's data: address
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def _planted_card(value: float) -> cx.review.Scorecard:
    """A scorecard whose complaint rate is ``value`` against a target of at most 10%."""
    period = cx.review.ReviewPeriods(
        parse_period("2026-10"), parse_period("2026-09"), "previous", "Asia/Shanghai"
    )
    row = {
        "kpi": "complaint_rate",
        "scope": "all",
        "unit": "share",
        "value": value,
        "previous": 0.107,
        "change": value - 0.107,
        "p_value": 0.2,
        "target": 0.10,
        "direction": "<=",
        "met": value <= 0.10,
        "higher_is_better": False,
        "n": 20000.0,
    }
    return cx.review.Scorecard(table=pl.DataFrame([row]), period=period)


def test_status_is_shown_with_the_digits_that_decide_it() -> None:
    """10.02% against at most 10% missed: the text must never read "10.0% against ≤ 10.0%"."""
    card = _planted_card(0.1002)
    for lang in ("en", "zh"):
        with use_language(lang):
            text = " ".join(card.findings()) + _visible(card._repr_html_())
            assert "10.02%" in text and "≤ 10.00%" in text
            assert "10.0% " not in text and "≤ 10.0%" not in text
            tile = card.headline()[1]  # after the tile counting the misses
            assert tile.status == "missed" and tile.value_text() == "10.02%"
            bar = card.plot().data[0]
            assert list(bar.text) == ["10.02%"]  # the chart shows the deciding digits too
    with use_language("en"):
        assert (
            "Complaint rate missed its target: 10.02% against a target of ≤ 10.00%, "
            "0.02 pp over." in card.findings()
        )
    met = _planted_card(0.0951)
    with use_language("en"):
        assert met.headline()[1].status == "met"
        assert any("complaint rate 9.5%" in f for f in met.findings())  # mid-sentence


def test_scorecard_returns_typed_headline_cards(sections) -> None:
    card = sections["scorecard"]
    tiles = card.headline()
    assert tiles and all(isinstance(t, Headline) for t in tiles)
    assert tiles[0].key == "targets_missed"
    for t in tiles[1:]:
        assert t.period == ("2026-10-01", "2026-11-01")
        assert t.compared_to == "previous" and t.change is not None
        assert t.target is not None and t.status in ("met", "missed")
    with use_language("zh"):
        words = " ".join(t.change_text() or "" for t in tiles)
        assert "环比" in words
        assert "目标值" in (tiles[1].target_text() or "")


def test_last_year_comparison_reads_year_on_year() -> None:
    """Compared with the same month a year before, the words say so (同比 in Chinese)."""
    period = cx.review.ReviewPeriods(
        parse_period("2026-10"), parse_period("2025-10"), "year_ago", "Asia/Shanghai"
    )
    with use_language("zh"):
        assert period.compare_words == "同比" and period.label == "2026年10月"
    with use_language("en"):
        assert period.compare_words == "vs same month last year"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_body_text_is_plain_words(sections, lang) -> None:
    """No identifier, no four-decimal fraction, no method name in the body of any section."""
    with use_language(lang):
        for name, result in sections.items():
            text = " ".join([result.title, *result.findings(), _visible(result._repr_html_())])
            assert not IDENTIFIER.findall(text), (name, IDENTIFIER.findall(text)[:5])
            assert not FOUR_DECIMALS.findall(text), (name, FOUR_DECIMALS.findall(text)[:5])
            for word in METHOD_NAMES:
                assert word not in text, (name, word)
            layout = result.plot().layout
            title = layout.title.text or ""
            assert not IDENTIFIER.findall(title), (name, title)
            axis = " ".join(str(a.title.text or "") for a in (layout.xaxis, layout.yaxis))
            assert not IDENTIFIER.findall(axis), (name, axis)


def test_chinese_review_has_no_english_sentence(sections) -> None:
    """In Chinese, titles and findings carry no run of English words (ids and codes aside)."""
    english = re.compile(r"[A-Za-z]{3,}(?:[ ,;:]+[A-Za-z]{3,}){2,}")
    with use_language("zh"):
        for name, result in sections.items():
            for text in [result.title, *result.findings()]:
                assert not english.search(text), (name, text)
        assert re.search("[\u4e00-\u9fff]", sections["scorecard"].title)


def test_methods_live_in_the_appendix(sections) -> None:
    anomalies, agents = sections["anomalies"], sections["agents"]
    assert "Benjamini–Hochberg" in anomalies.method() and "Laney" in anomalies.method()
    # the test of any difference always; then shrinkage, or each agent's own Wilson range
    assert "chi-square test of homogeneity" in agents.method()
    assert ("empirical-Bayes" in agents.method()) == agents.differ
    assert ("Wilson" in agents.method()) != agents.differ
    detail = sections["scorecard"].report_table(targeted=None, detail=True)
    assert any("p-value" in c for c in [cx.label(c) for c in detail.columns])
    with use_language("zh"):
        assert "Benjamini–Hochberg" in anomalies.method() and "方法" in anomalies.method()


def test_body_tables_are_short_and_the_appendix_is_full(sections) -> None:
    agents = sections["agents"]
    assert agents.summary().height > 15
    body = agents.readable()
    assert body.height == 10  # the five highest and the five lowest
    assert body["rank"].to_list()[:5] == [1, 2, 3, 4, 5]
    assert body["rank"].to_list()[-1] == agents.summary().height
    assert agents.readable(top=None).height == agents.summary().height
    card = sections["scorecard"]
    assert card.report_table().height <= 15 and card.report_table(targeted=False).height <= 15
    assert sections["volume"].topics().height <= 10
    for name, result in sections.items():
        assert result._repr_html_().count("<tr>") <= 16, name  # 15 rows and the header


def test_durations_of_different_magnitude_are_readable(sections) -> None:
    """Email waits (hours) beside phone and chat (seconds): a log axis, ticks in words."""
    fig = sections["asa"].plot()
    assert fig.layout.xaxis.type == "log"
    assert fig.data[0].type == "scatter"  # dots: a bar's length means nothing on a log axis
    ticks = list(fig.layout.xaxis.ticktext)
    assert set(ticks) <= {"1 s", "10 s", "1 min", "10 min", "1 h", "10 h", "100 h"}
    assert "1 h" in ticks and "10 s" in ticks
    assert fig.layout.xaxis.title.text == "Time"


def test_charts_use_the_house_colours_and_no_dual_axis(sections) -> None:
    fcr = sections["fcr"].plot().data[0]
    channels = ["social", "email", "chat", "phone"]  # business order, phone on top
    assert list(fcr.marker.color) == [color_for(c) for c in channels]
    bars = sections["volume"].channel_plot().data
    assert [b.marker.color for b in bars] == [
        COLORS["periods"]["compare"],
        COLORS["periods"]["current"],
    ]
    phone = sections["phone"].plot()
    assert phone.layout.yaxis2.overlaying is None  # two panels, not one chart with two scales
    hours = phone.data[0].x
    assert hours[0] == "08:00"


def test_partial_weeks_are_marked(sections) -> None:
    phone = sections["phone"]
    weekly = phone.weekly.sort("week")
    assert weekly["days"].sum() == 31  # October's days, each in one week
    partial = weekly.filter(pl.col("days") < 7)
    assert partial.height >= 1
    bar = phone.weekly_plot().data[0]
    colours = list(bar.marker.color)
    for i, d in enumerate(weekly["days"]):
        full = d == 7
        assert (colours[i] == COLORS["periods"]["current"]) == full
        assert (bar.text[i] == "") == full


def test_closed_days_are_gaps(sections) -> None:
    fig = sections["daily"].plot()
    assert all(trace.connectgaps is False for trace in fig.data)
    assert all(len(trace.x) == 31 for trace in fig.data)


def test_record_headlines_goes_through_the_shared_record(sections, monkeypatch, tmp_path) -> None:
    import json

    path = tmp_path / "metrics.json"
    monkeypatch.setenv("CXLAB_METRICS_PATH", str(path))
    cx.review.record_headlines(sections["scorecard"])
    saved = json.loads(path.read_text(encoding="utf-8"))
    shown = [k for k, v in saved.items() if v["headline"]]
    tiles = sections["scorecard"].headline()
    assert shown == [t.key for t in tiles] and shown[0] == "targets_missed"
    missed = [c.key for c in sections["scorecard"].missed()]
    assert set(missed[:4]) <= set(shown)  # the index says the bad news
    assert all(not v["headline"] for k, v in saved.items() if k not in shown)
    assert saved["fcr:all"]["period"] == ["2026-10-01", "2026-11-01"]


def test_a_row_reads_its_figures_and_change_at_one_precision():
    """Each scorecard row decides its decimals once: the unit's usual one (86.74% vs 85.26%,
    +1.48 pp reads 86.7%, 85.3%, +1.5 pp, like every other rate), more only where the status
    needs them (10.02% against ≤ 10%: 10.02%, 10.65%, -0.63 pp), and a change that rounds to
    zero at that precision reads "no change" (never "+0.0 pp")."""
    from cxlab._present import use_language
    from cxlab.review._scorecard import change_text, pair_texts

    with use_language("en"):
        assert pair_texts(0.1002, 0.10652, 0.1002 - 0.10652, "share", 2) == (
            "10.02%",
            "10.65%",
            "-0.63 pp",
        )
        assert pair_texts(0.8674, 0.8526, 0.0148, "share", None) == ("86.7%", "85.3%", "+1.5 pp")
        assert pair_texts(0.5847, 0.5684, 0.0163, "share", None) == ("58.5%", "56.8%", "+1.6 pp")
        assert pair_texts(0.78, 0.79, -0.01, "share", None) == ("78.0%", "79.0%", "-1.0 pp")
        assert pair_texts(0.7912, 0.7908, 0.0004, "share", None)[2] == "no change"
        assert pair_texts(420.0, 421.0, -1.0, "seconds")[2] == "no change"
        assert change_text(0.0004, "share") == "no change"
        assert change_text(-0.017, "share") == "-1.7 pp"
        assert change_text(0.004, "score") == "no change"
    with use_language("zh"):
        assert pair_texts(420.0, 421.0, -1.0, "seconds")[2] == "持平"
        assert change_text(0.0004, "share") == "持平"


def test_a_section_cell_says_no_change_where_its_change_rounds_to_zero():
    """FCR by channel: 79.1% up 0.04 pp reads "79.1% (no change)", not "79.1% (+0.0 pp)"."""
    from cxlab._present import use_language
    from cxlab.review._sections import Breakdown

    with use_language("en"):
        assert Breakdown._cell(0.791, 0.0004, "share") == "79.1% (no change)"
        assert Breakdown._cell(0.782, -0.017, "share") == "78.2% (-1.7 pp)"
        assert Breakdown._cell(420.0, 1.0, "seconds") == "7.0 min (no change)"
    with use_language("zh"):
        assert Breakdown._cell(0.791, 0.0004, "share") == "79.1%（持平）"
