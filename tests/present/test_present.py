"""The presentation vocabulary: one formatter by unit and language, labels, the headline card,
tables and the language setting."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from cxlab._errors import OptionError
from cxlab._present import (
    Headline,
    _i18n,
    cards_html,
    fmt_change,
    fmt_interval,
    fmt_moment,
    fmt_period,
    fmt_value,
    label,
    language,
    order_levels,
    set_language,
    table_html,
    use_language,
)


@pytest.mark.parametrize(
    ("value", "unit", "en", "zh"),
    [
        (0.7812, "share", "78.1%", "78.1%"),
        (5.4, "seconds", "5 s", "5秒"),
        (754.0, "seconds", "12.6 min", "12.6分钟"),
        (19_000.0, "seconds", "5.3 h", "5.3小时"),
        (400_000.0, "seconds", "4.6 d", "4.6天"),
        (283_209, "count", "283,209", "283,209"),
        (4.2621, "score", "4.26", "4.26"),
        (32.46, "nps", "+32.5", "+32.5"),
        (0.6345, "ratio", "0.63", "0.63"),
        (14, "agents", "14 agents", "14人"),
        (None, "share", "–", "–"),
        (float("nan"), "seconds", "–", "–"),
    ],
)
def test_values_read_the_same_way_everywhere(value, unit, en, zh):
    with use_language("en"):
        assert fmt_value(value, unit) == en
    with use_language("zh"):
        assert fmt_value(value, unit) == zh


def test_changes_name_their_unit():
    with use_language("en"):
        assert fmt_change(0.012, "share") == "+1.2 pp"
        assert fmt_change(-34.2, "seconds") == "-34 s"
        assert fmt_change(3.1, "nps") == "+3.1 points"
        assert fmt_interval(0.047, 0.072, "share") == "+4.7 pp to +7.2 pp"
    with use_language("zh"):
        assert fmt_change(0.012, "share") == "+1.2个百分点"
        assert fmt_interval(0.047, 0.072, "share") == "+4.7个百分点至+7.2个百分点"


def test_compact_counts_and_money_in_chinese(tmp_path, monkeypatch):
    (tmp_path / "cxlab.toml").write_text('[workspace]\ncurrency = "CNY"\n')
    monkeypatch.setenv("CXLAB_WORKSPACE", str(tmp_path))
    with use_language("zh"):
        assert fmt_value(283_209, "count", compact=True) == "28.3万"
        assert fmt_value(242_000, "money", compact=True) == "¥24.2万"
        assert fmt_value(1_234, "money") == "¥1,234"
    with use_language("en"):
        assert fmt_value(242_000, "money") == "CN¥242,000"


def test_periods_in_both_languages():
    with use_language("en"):
        assert fmt_period("2026-10-01", "2026-11-01") == "October 2026"
        assert (
            fmt_period(dt.date(2026, 10, 1), dt.date(2026, 10, 16)) == "Oct 1\u2009–\u200915, 2026"
        )
    with use_language("zh"):
        assert fmt_period("2026-10-01", "2026-11-01") == "2026年10月"


def test_labels_never_show_an_identifier():
    with use_language("en"):
        assert label("category_l2") == "Sub-category"
        assert label("agent_id") == "Agent"
        assert label("y_hat") == "Forecast"
        assert label("Beijing") == "Beijing"  # a data value stays as written
        assert "_" not in label("some_new_column")
    with use_language("zh"):
        assert label("fcr") == "首次解决率"
        assert label("phone") == "电话"
        assert label("Beijing") == "北京"
        assert label("杭州") == "杭州"  # a real workspace's own names are kept


def test_status_is_decided_on_the_figure_shown():
    card = Headline(
        key="complaint_rate",
        label="Complaint rate",
        value=0.1002,
        unit="share",
        target=0.10,
        direction="<=",
    )
    with use_language("en"):
        assert card.status == "missed"
        assert card.value_text() == "10.02%"
        assert card.target_text() == "Target ≤ 10.00%"
    met = Headline(key="fcr", label="fcr", value=0.812, unit="share", target=0.8, direction=">=")
    with use_language("en"):
        assert met.status == "met" and met.value_text() == "81.2%"


def test_card_round_trips_and_escapes():
    card = Headline(
        key="x",
        label="<script>alert(1)</script>",
        value=0.5,
        unit="share",
        period=("2026-10-01", "2026-11-01"),
        change=-0.01,
        compared_to="last_year",
        higher_is_better=True,
        sparkline=(1.0, 2.0, 1.5),
    )
    again = Headline.from_dict(card.to_dict())
    assert again == card
    with use_language("zh"):
        markup = cards_html([card])
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert "同比" in markup and "2026年10月" in markup and "cx-bad" in markup and "<svg" in markup


def test_tables_label_format_escape_and_stay_short():
    frame = pl.DataFrame(
        {
            "channel": ["phone", "chat"] * 20,
            "category_l2": ["<b>x</b>"] * 40,
            "fcr": [0.78123] * 40,
        }
    )
    with use_language("en"):
        markup = table_html(frame, units={"fcr": "share"})
    assert (
        "<th class='txt'>Sub-category</th>" in markup
        and "category_l2" not in markup.split("href")[0]
    )
    assert "&lt;b&gt;x&lt;/b&gt;" in markup and "78.1%" in markup and "0.78123" not in markup
    assert markup.count("<tr>") == 1 + 15
    assert "25 more rows not shown" in markup and "data:text/csv" in markup


def test_language_is_checked_at_the_door(monkeypatch):
    with pytest.raises(OptionError, match="allowed: 'zh', 'en'"):
        set_language("fr")
    monkeypatch.setenv("CXLAB_LANGUAGE", "klingon")
    with pytest.raises(OptionError, match="CXLAB_LANGUAGE"):
        _i18n.default_language()


def test_language_defaults_from_the_country(tmp_path, monkeypatch):
    monkeypatch.delenv("CXLAB_LANGUAGE", raising=False)
    monkeypatch.setenv("CXLAB_WORKSPACE", str(tmp_path))
    (tmp_path / "cxlab.toml").write_text('[workspace]\ncountry = "US"\n')
    assert language() == "en"
    (tmp_path / "cxlab.toml").write_text('[workspace]\ncountry = "CN"\n')
    assert language() == "zh"
    (tmp_path / "cxlab.toml").write_text('[workspace]\ncountry = "CN"\nlanguage = "en"\n')
    assert language() == "en"


def test_periods_are_named_as_readers_name_them():
    with use_language("en"):
        assert fmt_period("2026-07-01", "2026-10-01") == "Q3 2026"
        assert fmt_period("2026-01-01", "2027-01-01") == "2026"
        assert fmt_period("2026-07-01", "2026-09-01") == "Jul\u2009–\u2009Aug 2026"
        assert fmt_period("2026-12-01", "2027-01-01") == "December 2026"
    with use_language("zh"):
        assert fmt_period("2026-07-01", "2026-10-01") == "2026年第3季度"
        assert fmt_period("2026-01-01", "2027-01-01") == "2026年"


def test_chinese_tiles_name_the_comparison_first():
    card = Headline(
        key="fcr",
        label="First-contact resolution",
        value=0.78,
        unit="share",
        change=-0.005,
        compared_to="previous_month",
    )
    with use_language("zh"):
        assert card.change_text() == "环比 -0.5个百分点"
    with use_language("en"):
        assert card.change_text() == "-0.5 pp vs previous month"


def test_a_card_names_its_comparison_from_its_period():
    """``compared_to`` is the ``compare_to`` vocabulary; the words follow the card's period."""

    def words(compared_to, period):
        card = Headline("x", "NPS", 41.0, "nps", change=2.0, compared_to=compared_to, period=period)
        return card.comparison_text()

    with use_language("en"):
        assert words("previous", ("2026-10-01", "2026-11-01")) == "vs previous month"
        assert words("previous", ("2026-07-01", "2026-10-01")) == "vs previous quarter"
        assert words("year_ago", ("2026-07-01", "2026-10-01")) == "vs same quarter last year"
        assert words("year_ago", ("2026-10-01", "2026-11-01")) == "vs same month last year"
        assert words("previous", ("2026-10-05", "2026-10-19")) == "vs the period before"
        assert words("baseline", None) == "vs baseline"
    with use_language("zh"):
        assert words("previous", ("2026-10-01", "2026-11-01")) == "环比"
        assert words("year_ago", ("2026-10-01", "2026-11-01")) == "同比"


def test_text_columns_align_left_header_and_cells():
    frame = pl.DataFrame({"channel": ["phone"], "fcr": [0.5]})
    markup = table_html(frame, units={"fcr": "share"})
    assert "<th class='txt'>" in markup and "<td class='txt'>" in markup


def test_an_effect_card_reads_as_a_change():
    card = Headline(
        key="effect",
        label="Effect",
        value=0.059,
        unit="share",
        low=0.047,
        high=0.072,
        kind="change",
    )
    with use_language("en"):
        assert card.value_text() == "+5.9 pp"
        assert card.interval_text() == "likely between +4.7 pp and +7.2 pp"
    assert Headline.from_dict(card.to_dict()) == card


def test_moments_name_their_time_zone():
    moment = dt.datetime(2026, 12, 6, 4, 0, tzinfo=dt.UTC)
    with use_language("zh"):
        assert fmt_moment(moment, "Asia/Shanghai") == "2026年12月6日 12:00（中国时间）"
    with use_language("en"):
        assert "12:00" in fmt_moment(moment, "Asia/Shanghai")
        assert "(China Time)" in fmt_moment(moment, "Asia/Shanghai")


def test_levels_in_the_order_a_department_reads_them():
    frame = pl.DataFrame({"channel": ["social", "chat", "email", "phone"], "n": [1, 2, 3, 4]})
    assert order_levels(frame, "channel")["channel"].to_list() == [
        "phone",
        "chat",
        "email",
        "social",
    ]


def test_lists_p_values_and_sentences_in_each_language():
    from cxlab._present import fmt_list, fmt_p, join_sentences

    with use_language("en"):
        assert fmt_list(["phone", "chat", "email"]) == "phone, chat, and email"
        assert fmt_list(["a", "b"], style="or") == "a or b"
        assert fmt_p(0.0423) == "p = 0.042" and fmt_p(0.0001) == "p < 0.001" and fmt_p(None) == "–"
        assert join_sentences("One.", "Two.") == "One. Two."
    with use_language("zh"):
        assert fmt_list(["电话", "在线", "邮件"]) == "电话、在线和邮件"
        assert fmt_list(["甲", "乙"], style="or") == "甲或乙"
        assert join_sentences("一。", "二。") == "一。二。"


def test_numbers_written_out_still_align_right():
    frame = pl.DataFrame({"metric": ["fcr", "csat"], "target": ["≥ 80.0%", "≥ 4.20"]})
    with use_language("en"):
        markup = table_html(frame)
    assert "<th class='txt'>Measure</th>" in markup and "<th>Target</th>" in markup


def test_a_column_of_intervals_marks_a_missing_bound():
    from cxlab._present import fmt_intervals

    with use_language("en"):
        assert fmt_intervals([0.1, None], [0.2, 0.3], "share", change=False) == [
            "10.0% to 20.0%",
            "–",
        ]


def test_a_column_of_numbers_with_a_few_words_still_aligns_right():
    frame = pl.DataFrame({"driver": ["a", "b", "c"], "customers": ["31", "14", "cannot tell"]})
    with use_language("en"):
        markup = table_html(frame)
    assert "<th>customers</th>" in markup and "<td>31</td>" in markup


def test_a_cards_change_reads_with_the_digits_of_its_value():
    card = Headline(
        "complaint_rate", "Complaint rate", 0.1002, "share", target=0.10, direction="<=",
        change=-0.0064, compared_to="previous", period=("2026-10-01", "2026-11-01"),
    )  # fmt: skip
    with use_language("en"):
        assert card.value_text() == "10.02%"
        assert card.change_text() == "-0.64 pp vs previous month"
    plain = Headline("fcr", "FCR", 0.781, "share", change=-0.0064, compared_to="previous")
    with use_language("en"):
        assert plain.change_text().startswith("-0.6 pp")


def test_an_empty_table_says_it_is_empty_in_the_readers_language():
    """A table with headers over nothing (a review without targets showed one) reads as broken."""
    empty = pl.DataFrame(schema={"kpi": pl.Utf8, "value": pl.Float64})
    for lang, words in (("en", "Nothing to show."), ("zh", "暂无内容。")):
        with use_language(lang):
            page = table_html(empty, caption="Measures with a target")
        assert f"<td colspan='2' class='txt cx-empty'>{words}</td>" in page
    assert "cx-empty" not in table_html(pl.DataFrame({"kpi": ["fcr"], "value": [0.8]}))


def test_findings_notes_and_chart_labels_never_show_personal_data():
    """Second line of defence: a finding or a chart label that quotes a comment is scrubbed too,
    and the figures a finding is made of are left alone."""
    from cxlab._present import findings_html, note_html
    from cxlab.viz._display import safe_text

    quoted = "A customer wrote: call 13812345678 or mail li.lei@example.com"
    for html_ in (findings_html([quoted]), note_html(quoted), safe_text(quoted)):
        assert "13812345678" not in html_ and "li.lei@example.com" not in html_
    figures = "1,524 contacts on 2026-10-21 16:30; 80% range 1,649 to 1,903; 227,490 in all."
    assert figures in findings_html([figures])


def test_a_range_of_durations_reads_in_one_unit():
    """A reader had to compare minutes with seconds in "between -2.3 min and +41 s"."""
    from cxlab._present import fmt_interval

    with use_language("en"):
        assert fmt_interval(-138, 41, "seconds") == "-2.3 min to +0.7 min"
        assert fmt_interval(30, 90, "seconds", change=False) == "30 s to 90 s"
        # one unit only while the smaller end still reads as more than zero in it
        assert fmt_interval(100, 7200, "seconds", change=False) == "100 s to 2.0 h"
    with use_language("zh"):
        assert fmt_interval(-138, 41, "seconds") == "-2.3分钟至+0.7分钟"


def test_a_negative_bound_that_rounds_to_zero_keeps_its_sign():
    """A change interval crossing zero never reads as if it did not: -0.0245 pp is "-0.0 pp"."""
    with use_language("en"):
        assert fmt_interval(-0.000245, 0.037, "share") == "-0.0 pp to +3.7 pp"
        assert fmt_interval(-0.02, -0.0001, "share") == "-2.0 pp to -0.0 pp"
        assert fmt_interval(0.0002, 0.037, "share") == "+0.0 pp to +3.7 pp"
        assert fmt_change(-0.000245, "share") == "+0.0 pp"  # a lone change still reads zero
    with use_language("zh"):
        assert fmt_interval(-0.000245, 0.037, "share").startswith("-0.0")
