"""What a reader of the NPS report sees: plain words in Chinese and English, labelled and formatted
tables of at most 15 rows, one colour per period and segment, and free text escaped everywhere
(table cells, chart labels and hover text), in both languages."""

from __future__ import annotations

import html
import json
import re

import plotly.graph_objects as go
import polars as pl
import pytest

import cxlab as cx
from cxlab._present import BODY_ROWS, missing_labels, use_language

TZ = "Asia/Shanghai"
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# English words allowed in a Chinese report: names, abbreviations and units of the trade
ALLOWED_EN = {"NPS", "App"}


@pytest.fixture(scope="module")
def results(default_surveys):
    surveys = cx.nps.tag_themes(default_surveys)
    change = cx.nps.compare(surveys, period="2026-Q3", time_zone=TZ)
    trend = cx.nps.trend(surveys, time_zone=TZ)
    drivers = cx.nps.drivers(surveys, period="2026-Q3", n_boot=50, time_zone=TZ)
    themes = cx.nps.themes(surveys, period="2026-Q3", time_zone=TZ)
    follow_up = cx.nps.followup(surveys, period="2026-Q3", time_zone=TZ)
    return {
        "answer": cx.nps.answer(
            change, target=20.0, trend=trend, drivers=drivers, themes=themes, follow_up=follow_up
        ),
        "change": change,
        "by_region": cx.nps.compare(surveys, period="2026-Q3", by="region", time_zone=TZ),
        "gaps": cx.nps.gaps(surveys, by="segment", period="2026-Q3", time_zone=TZ),
        "score": cx.nps.score(surveys, by="value_tier", time_zone=TZ),
        "trend": trend,
        "trend_by": cx.nps.trend(surveys, by="segment", time_zone=TZ),
        "drivers": drivers,
        "themes": themes,
        "follow_up": follow_up,
    }


def _visible(markup: str) -> str:
    """The text of an HTML fragment as a reader sees it (tags, styles and attributes dropped)."""
    text = re.sub(r"<style.*?</style>", " ", markup, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def _chart_text(fig: go.Figure) -> list[str]:
    """Every string a chart shows: titles, axis titles, trace names, labels and hover text."""
    out = [fig.layout.title.text or "", fig.layout.xaxis.title.text or ""]
    out.append(fig.layout.yaxis.title.text or "")
    out.extend(str(t) for t in (fig.layout.xaxis.ticktext or ()))
    for trace in fig.data:
        out.append(trace.name or "")
        for attr in ("text", "y", "customdata"):
            values = getattr(trace, attr, None)
            if values is not None and not isinstance(values, (int, float)):
                out.extend(str(v) for v in values if isinstance(v, str))
    out.extend(a.text or "" for a in fig.layout.annotations)
    return out


def _reader_text(result) -> str:
    details = result.details()._repr_html_() if hasattr(result, "details") else ""
    cards = " ".join(
        " ".join(
            filter(
                None,
                (
                    c.value_text(),
                    c.target_text(),
                    c.change_text(),
                    c.interval_text(),
                    c.detail,
                    c.period_text(),
                ),
            )
        )
        for c in result.headline()
    )
    return " ".join(
        [_visible(result._repr_html_()), cards, *_chart_text(result.plot()), _visible(details)]
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_identifier_reaches_a_reader(results, lang):
    """No snake_case identifier in any table, finding, card, chart or appendix block."""
    before = missing_labels()
    with use_language(lang):
        for name, result in results.items():
            text = _reader_text(result)
            leaks = set(SNAKE.findall(text))
            assert not leaks, (lang, name, sorted(leaks)[:10])
    assert missing_labels() == before


def test_chinese_body_has_no_english_sentence(results):
    """In Chinese, titles, findings, cards, tables and charts of the body are Chinese (the
    appendix names methods and authors, and survey comments stay as customers wrote them)."""
    with use_language("zh"):
        for name, result in results.items():
            body = result._repr_html_()
            # comments are quoted as customers wrote them, marked with their language
            body = re.sub(r"<span lang='en'>[^<]*</span>", "", body)
            words = set(re.findall(r"[A-Za-z]{4,}", _visible(body))) - ALLOWED_EN
            chart = set(re.findall(r"[A-Za-z]{4,}", " ".join(_chart_text(result.plot()))))
            assert not words, (name, sorted(words)[:10])
            assert not chart - ALLOWED_EN, (name, sorted(chart - ALLOWED_EN)[:10])


def test_chinese_reads_like_a_service_review(results):
    with use_language("zh"):
        cards = results["answer"].headline()
        nps = cards[0]
        assert nps.target_text().startswith("目标值") and nps.status_text() == "达成"
        assert "环比" in nps.change_text() and "分" in nps.change_text()
        assert nps.interval_text().startswith("大概率在")
        assert [c.key for c in cards] == [
            "nps",
            "nps_promoters",
            "nps_detractors",
            "nps_latest_month",
            "detractors_to_call",
        ]
        assert "2026年第3季度" in results["change"].findings()[0]
        assert "个百分点" in cards[1].change_text()
        assert "2025年10月" in _chart_text(results["trend"].plot())


def test_headline_cards_are_recorded_for_the_index(results, monkeypatch, tmp_path):
    path = tmp_path / "metrics.json"
    monkeypatch.setenv("CXLAB_METRICS_PATH", str(path))
    cx.record(*results["answer"].headline())
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["nps"]["unit"] == "nps" and saved["nps"]["target"] == 20.0
    assert saved["nps"]["low"] < saved["nps"]["value"] < saved["nps"]["high"]
    assert saved["nps"]["period"] == ["2026-07-01", "2026-10-01"]
    assert saved["nps"]["status"] in ("met", "missed") and len(saved["nps"]["sparkline"]) == 13
    assert saved["detractors_to_call"]["value"] == results["follow_up"].table.height


def test_body_tables_have_at_most_fifteen_rows(results):
    """Sixteen regions and hundreds of detractors: 15 rows in the body, the rest as a CSV."""
    for name in ("by_region", "follow_up"):
        markup = results[name]._repr_html_()
        assert markup.count("<tr>") - markup.count("<thead>") <= BODY_ROWS + 1
        assert "data:text/csv" in markup
    shown = results["follow_up"].reader_table()
    assert shown["customer_id"].str.contains(r"\*\*\*").all()


def test_one_colour_per_period_and_segment(results):
    from cxlab.viz import color_for

    bars = results["change"].plot().data
    assert [b.marker.color for b in bars] == [color_for("compare"), color_for("current")]
    lines = [t for t in results["trend_by"].plot().data if t.mode == "lines+markers"]
    assert [t.line.color for t in lines] == [color_for("enterprise"), color_for("individual")]
    bands = [t for t in results["trend"].plot().data if t.fill == "toself"]
    assert bands, "the trend shows its interval band"


def test_free_text_escaped_in_charts_and_tables_in_both_languages():
    """Data can carry markup (a region named with tags, a comment with a script): plotly renders
    <b> and <a> in labels and hover text, so every chart string and every cell is escaped."""
    at = [
        pl.datetime(2026, 8, d, 10, time_zone="UTC")
        for d in (3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15)
    ]
    frame = pl.select(pl.concat_list(at).explode().alias("responded_at")).with_columns(
        pl.Series("nps", [1, 2, 3, 9, 10, 10, 8, 2, 9, 10, 3, 7]),
        pl.Series("region", ["<b>North</b>", "<a href='x'>South</a>"] * 6),
        pl.Series("customer_id", [f"C00{i:05d}" for i in range(12)]),
        pl.Series("comment", ["<script>alert(1)</script> refund never came"] * 12),
        pl.Series("language", ["en"] * 12),
    )
    for lang in ("en", "zh"):
        with use_language(lang):
            gaps = cx.nps.gaps(frame, by="region", time_zone="UTC")
            trend = cx.nps.trend(frame, by="region", time_zone="UTC")
            follow = cx.nps.followup(frame, period="2026-08", time_zone="UTC")
            themes = cx.nps.themes(frame, time_zone="UTC")
            for result in (gaps, trend, follow, themes):
                markup = result._repr_html_()
                assert "<script>" not in markup and "<b>North" not in markup
                assert "C0000001" not in markup
                for text in _chart_text(result.plot()):
                    assert "<b>" not in text and "<a " not in text and "<script" not in text


def test_appendix_headers_and_cells_are_words_in_chinese(results):
    """The appendix names methods, but its table headers and its period and group cells are
    Chinese: no raw column name ("theme"), no raw level ("all"), no timestamp."""
    with use_language("zh"):
        for name, result in results.items():
            if not hasattr(result, "details"):
                continue
            markup = result.details()._repr_html_()
            headers = " ".join(re.findall(r"<th>([^<]*)</th>", markup))
            assert not re.findall(r"[A-Za-z]{4,}", headers), (name, headers)
            cells = re.findall(r"<td class='txt'>([^<]*)</td>", markup)
            assert not {"all", "en", "zh"} & set(cells), name
            assert not any(":00" in c for c in cells), name


def test_quoted_comments_carry_their_language(results):
    """Comments are quoted as written, never machine-translated: a Chinese page marks an English
    comment lang='en' and tags it 英文留言; an English page tags a Chinese one."""
    with use_language("zh"):
        for name in ("themes", "follow_up"):
            markup = results[name]._repr_html_()
            assert "<span lang='en'>" in markup and "英文留言" in markup, name
            assert "中文留言" not in markup, name
        details = results["themes"].details()._repr_html_()
        assert "<span lang='en'>" in details and "英文留言" in details
    with use_language("en"):
        markup = results["themes"]._repr_html_()
        assert "<span lang='zh'>" in markup and "Comment in Chinese" in markup
        assert "Comment in English" not in markup
