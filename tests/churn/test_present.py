"""What the churn report shows a reader: typed headline cards, one share quoted the same way in
the tile and the text, plain words in both languages (no identifiers, no English left in the
Chinese), money with its currency, retention charts with bands and an at-risk row in the house
colours, and a time split beyond the follow-up that is reported instead of failing."""

from __future__ import annotations

import dataclasses
import re

import plotly.graph_objects as go
import polars as pl
import pytest

import cxlab as cx
from cxlab._present import Headline, cards_html, gettext, use_language
from cxlab.viz import COLORS

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
ENGLISH_RUN = re.compile(r"[A-Za-z]{3,}(?:[ ,'-]+[A-Za-z]{2,}){2,}")
# names kept in Chinese text on purpose: method names, the statistic and the curve notation
PROPER = ("Kaplan–Meier", "Cox", "Schoenfeld", "Holm", "Breslow", "Greenwood", "AUC", "ROC",
          "Brier", "Hanley–McNeil", "Aalen–Johansen", "log(−log)")  # fmt: skip


@pytest.fixture(scope="module")
def results(tiny_workspace):
    contacts = cx.load("contacts", workspace=tiny_workspace)
    customers = cx.load("customers", workspace=tiny_workspace)
    surveys = cx.load("surveys", workspace=tiny_workspace)
    risk = cx.churn.at_risk(
        contacts, customers, surveys, as_of="latest", horizon=30, currency="CNY"
    )
    drivers = cx.churn.driver_impact(risk, draws=50)
    frame = cx.churn.survival_frame(customers, contacts)
    retention = cx.churn.kaplan_meier(frame, target=0.85, at_days=(30, 91))
    by_segment = cx.churn.kaplan_meier(frame, by="segment", target=0.85, at_days=(30, 91))
    panel = cx.churn.customer_months(contacts, customers)
    monthly = cx.churn.cox(
        panel,
        entry="start",
        duration="stop",
        event="churned",
        covariates=cx.churn.MONTHLY_COVARIATES,
        reference=cx.churn.MONTHLY_REFERENCE,
    )
    share = cx.churn.attributable_share(
        monthly, terms=list(cx.churn.MONTHLY_COVARIATES[:4]), draws=50
    )
    snapshot = cx.churn.landmark_frame(contacts, customers, surveys, as_of="2026-08-01")
    landmark = cx.churn.cox(
        snapshot,
        duration="duration",
        event="churned",
        covariates=cx.churn.MONTHLY_COVARIATES,
        reference=cx.churn.MONTHLY_REFERENCE,
    )
    return {
        "risk": risk,
        "drivers": drivers,
        "retention": retention,
        "by_segment": by_segment,
        "experience": cx.churn.kaplan_meier(snapshot, by="unresolved_complaint_90d"),
        "share": share,
        "monthly": monthly,
        "landmark": landmark,
        "ph": cx.churn.ph_check(landmark),
        "competing": cx.churn.cumulative_incidence(frame, at_days=(30, 91)),
        "kept": cx.churn.cumulative_incidence(frame, at_days=(30, 91), target=0.85),
        "snapshot": snapshot,
    }


def _texts(results) -> list[str]:
    """Every sentence, title and table cell a reader of the report sees."""
    out = []
    for r in results.values():
        if not isinstance(r, cx.churn.CoxResult.__mro__[1]):  # a Result
            continue
        out += [r.title, *r.findings()]
        out += getattr(r, "details", list)()
        if hasattr(r, "reader_table"):
            frame, _units = r.reader_table()
            out += [cx.label(c) for c in frame.columns]
            # a text cell is shown by its label, as table_html writes a column of words
            out += [
                cx.label(str(v))
                for c in frame.columns
                if frame[c].dtype == pl.Utf8
                for v in frame[c]
                if v is not None
            ]
    keys = ("kept", "drivers", "risk")
    out += [n for r in (results["risk"],) for n in [r.export_note("at-risk-2026-10-31-30d.csv")]]
    out += cx.churn.key_findings(*(results[k] for k in keys), share=results["share"])
    cards = cx.churn.headline_cards(*(results[k] for k in keys), share=results["share"])
    out += [t for c in cards for t in (gettext(c.label), c.value_text(), gettext(c.detail or ""))]
    return out


def test_headline_cards_are_typed_and_recordable(results):
    cards = cx.churn.headline_cards(
        results["retention"], results["drivers"], results["risk"], share=results["share"]
    )
    assert all(isinstance(c, Headline) for c in cards)
    keys = [c.key for c in cards]
    assert keys[1:] == ["service_share_of_churn", "value_at_risk", "list_ranking"]
    assert keys[0].startswith("retention_")
    money = cards[2]
    assert money.unit == "money" and money.period == results["risk"].period()
    assert Headline.from_dict(money.to_dict()) == money


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_one_share_one_rounding_everywhere(results, lang):
    """The share of churn the service experience explains comes from one source (the monthly
    Cox model), and the tile, the answer's findings and the section's sentence show the same
    text; the at-risk model's own what-if share is quoted nowhere."""
    r, share = results, results["share"]
    with use_language(lang):
        cards = cx.churn.headline_cards(r["retention"], r["drivers"], r["risk"], share=share)
        tile = next(c for c in cards if c.key == "service_share_of_churn")
        assert tile.value == share.share
        shown = tile.value_text()
        answer = cx.churn.key_findings(r["retention"], r["drivers"], r["risk"], share=share)
        assert shown in answer[1] and shown in share.findings()[0]
        other = cx.churn.headline_cards(r["retention"], r["drivers"], r["risk"])[1].value_text()
        every = " ".join([*answer, *r["drivers"].findings(), *share.findings()])
        if other != shown:
            assert other not in every


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_identifier_reaches_a_reader(results, lang):
    with use_language(lang):
        leaks = {m for t in _texts(results) for m in SNAKE.findall(t)}
    assert not leaks, f"identifiers in reader text: {sorted(leaks)}"


def test_chinese_has_no_english_sentence(results):
    with use_language("zh"):
        texts = _texts(results)
    bad = []
    for t in texts:
        stripped = t
        for name in PROPER:
            stripped = stripped.replace(name, "")
        if ENGLISH_RUN.search(stripped):
            bad.append(t)
    assert not bad, f"English left in the Chinese report: {bad[:5]}"


@pytest.mark.parametrize(("lang", "symbol"), [("en", "CN¥"), ("zh", "¥")])
def test_money_carries_its_currency_and_no_minus_zero(results, lang, symbol):
    with use_language(lang):
        text = " ".join([*results["drivers"].findings(), *results["risk"].findings()])
        frame, _units = results["drivers"].reader_table()
        ranges = " ".join(frame["revenue_range"].to_list() + frame["churners_range"].to_list())
    assert symbol in text
    assert not re.search(r"(?<![\d.])-0(?![\d.,])", ranges + text)
    assert "AUC" not in " ".join(results["risk"].findings())  # said in words in the body


def test_retention_chart_has_bands_at_risk_row_and_house_colours(results):
    km = results["by_segment"]
    fig = km.plot()
    assert isinstance(fig, go.Figure)
    bands = [t for t in fig.data if t.fill == "tonexty"]
    assert len(bands) == len(km.curves) == 2
    curves = [t for t in fig.data if t.mode == "lines" and t.showlegend is not False]
    assert {t.line.color for t in curves} == {COLORS["segments"][g] for g in km.curves}
    rows = [t for t in fig.data if t.mode == "text"]
    assert len(rows) == 2 and all(t.yaxis == "y2" for t in rows)
    # the counts under the axis are the customers still followed at those months
    enterprise = next(t for t in rows if t.textfont.color == COLORS["segments"]["enterprise"])
    at0 = int(enterprise.text[0].replace(",", ""))
    assert at0 == len(km.curves["enterprise"]["durations"])
    # the legend and the title do not share a line: the legend sits above the plot area
    assert fig.layout.title.text == km.title


def test_experience_groups_are_named_in_words(results):
    km = results["experience"]
    with use_language("en"):
        names = {km.group_name(g) for g in km.curves}
    assert names == {"No unresolved complaint", "Had an unresolved complaint"}
    colours = {t.line.color for t in km.plot().data if t.mode == "lines" and t.name}
    assert COLORS["bad"] in colours and COLORS["periods"]["current"] in colours
    assert COLORS["primary"] not in colours  # phone blue means the phone channel only


def test_split_beyond_follow_up_is_not_fitted(results):
    """A split after the last day of follow-up has no time after it: the model is not fitted
    (it would only repeat the unsplit one) and says why, in both languages. A split inside the
    follow-up still estimates the "after" terms; one without churn after it is named readably."""
    snapshot = results["snapshot"]
    common = dict(
        duration="duration",
        event="churned",
        covariates=cx.churn.MONTHLY_COVARIATES,
        reference=cx.churn.MONTHLY_REFERENCE,
        time_varying=["unresolved_complaint_90d", "low_csat_90d"],
    )
    last = snapshot["duration"].max()
    with pytest.raises(cx.NotEnoughDataError, match="split_at"):
        cx.churn.cox(snapshot, split_at=[last + 10], **common)
    late = cx.churn.cox(snapshot, split_at=[last + 10], if_too_little="say", **common)
    assert isinstance(late, cx.churn.NotEstimated)
    with use_language("en"):
        assert f"before day {last + 10:g} where the effects would be split" in late.findings()[0]
    with use_language("zh"):
        assert f"在拟切分的第{last + 10:g}天之前就已结束" in late.findings()[0]
    inside = cx.churn.cox(snapshot, split_at=[30], **common)
    assert "unresolved_complaint_90d after 30" in inside.summary()["term"].to_list()
    planted = dataclasses.replace(
        inside, dropped=("unresolved_complaint_90d after 30", "low_csat_90d after 30")
    )
    with use_language("zh"):
        said = planted.findings()[-1]
    assert said == (
        "以下因素自观察第30天起的影响变化此处无法估计（该日之后无变化或无流失）："
        "未解决投诉（近90天）和满意度1–2分（近90天）。"
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_headline_retention_is_one_minus_the_cumulative_incidence(results, lang):
    """A customer who downgrades is still a customer: the retention tile is one minus the
    cumulative incidence of churn (downgrade competing), not Kaplan-Meier with downgrades
    censored, and the tile, the answer's sentence and the recorded card agree."""
    r = results
    with use_language(lang):
        cards = cx.churn.headline_cards(r["kept"], r["drivers"], r["risk"], share=r["share"])
        tile = cards[0]
        row = r["kept"].table.filter(pl.col("days") == 91.0).row(0, named=True)
        assert tile.key == "retention_3m" and tile.target == 0.85
        assert tile.value == pytest.approx(1 - row["cumulative_incidence"])
        assert tile.low == pytest.approx(1 - row["ci_high"])
        assert tile.high == pytest.approx(1 - row["ci_low"])
        km = r["retention"].headline()[0]
        assert tile.value >= km.value  # censoring downgrades can only overstate churn
        answer = cx.churn.key_findings(r["kept"], r["drivers"], r["risk"], share=r["share"])
        assert tile.value_text() in answer[0]
        assert Headline.from_dict(tile.to_dict()) == tile
        # the appendix view does not repeat the tile
        assert cards_html([tile]) not in r["kept"]._repr_html_()


def _planted_competing(cif: float, naive: float) -> cx.churn.CompetingRisksResult:
    table = pl.DataFrame(
        {
            "group": ["all"],
            "days": [365.0],
            "cumulative_incidence": [cif],
            "ci_low": [cif - 0.01],
            "ci_high": [cif + 0.01],
            "competing_incidence": [0.05],
            "naive_1_minus_km": [naive],
        }
    )
    return cx.churn.CompetingRisksResult(
        table=table, curves={}, cause="churn", competing="downgrade"
    )


def test_overstatement_is_the_difference_of_the_figures_shown():
    """21.3% against 20.2% on the page is 1.1 points, even when the unrounded gap is 1.2."""
    with use_language("en"):
        text = _planted_competing(cif=0.20155, naive=0.21345).findings()[0]
    assert "20.2%" in text and "21.3%" in text and "by 1.1 pp" in text


def test_at_risk_row_under_the_chart_matches_the_table(tiny_workspace):
    """One count behind both: customers still observed on the day a month mark stands for."""
    contacts = cx.load("contacts", workspace=tiny_workspace)
    customers = cx.load("customers", workspace=tiny_workspace)
    km = cx.churn.kaplan_meier(
        cx.churn.survival_frame(customers, contacts), by="segment", at_days=(30, 61, 91)
    )
    fig = km.plot()
    ticks = list(fig.layout.xaxis.tickvals)
    for row in km.retention.iter_rows(named=True):
        colour = COLORS["segments"][row["group"]]
        trace = next(t for t in fig.data if t.mode == "text" and t.textfont.color == colour)
        shown = dict(zip(trace.x, trace.text, strict=True))
        assert float(row["months"]) in ticks
        assert int(shown[float(row["months"])].replace(",", "")) == row["at_risk"]


def _planted_drivers() -> cx.churn.DriverImpactResult:
    table = pl.DataFrame(
        {
            "driver": ["Transfers", "Repeat contacts", "Abandoned contacts"],
            "term": ["transfers_90d", "repeat_contacts_90d", "abandoned_contacts_90d"],
            "change": ["", "", ""],
            "affected": [4454, 4942, 2303],
            "churners_avoided": [31.0, -13.0, 11.0],
            "churners_avoided_low": [14.0, -33.0, 0.0],
            "churners_avoided_high": [50.0, 8.0, 22.0],
            "monthly_revenue_kept": [16729.0, -7994.0, 5767.0],
            "monthly_revenue_kept_low": [7425.0, -21748.0, -152.0],
            "monthly_revenue_kept_high": [27828.0, 4750.0, 11580.0],
        }
    ).sort("monthly_revenue_kept", descending=True)
    return cx.churn.DriverImpactResult(
        table=table,
        attributable_share=0.2,
        attributable_low=0.18,
        attributable_high=0.22,
        expected_churners=700.0,
        horizon=90,
        improvement=0.5,
        currency="CNY",
        draws=50,
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_drivers_the_data_cannot_tell_are_never_drawn_as_losses(lang):
    """A driver whose likely range includes zero is listed as "cannot tell" beside the chart
    and in the table, never drawn as a bar (a negative one least of all)."""
    d = _planted_drivers()
    with use_language(lang):
        fig = d.plot()
        bars = [t for t in fig.data if isinstance(t, go.Bar)]
        assert list(bars[0].y) == [gettext("Transfers")]
        assert min(bars[0].x) > 0 and fig.layout.xaxis.range[0] == 0
        notes = " ".join(a.text for a in fig.layout.annotations)
        low_notes = notes.lower()
        assert gettext("Repeat contacts").lower() in low_notes
        assert gettext("Abandoned contacts").lower() in low_notes
        assert not re.search(r"[-−]\s?\D?¥|¥\s?[-−]", notes)
        frame, _units = d.reader_table()
        unknown = gettext("Cannot tell")
        assert frame["churners_avoided"].to_list() == ["31", unknown, unknown]
        assert frame["monthly_revenue_kept"].to_list()[1:] == [unknown, unknown]
        text = " ".join(d.findings())
        assert "-13" not in text and "7,994" not in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_answer_names_the_costly_drivers_without_stacked_colons(results, lang):
    r = results
    with use_language(lang):
        answer = cx.churn.key_findings(r["kept"], _planted_drivers(), r["risk"], share=r["share"])
        unclear = cx.churn.key_findings(r["kept"], r["drivers"], r["risk"], share=r["share"])
        transfers, repeat = gettext("Transfers").lower(), gettext("Repeat contacts").lower()
    sentence = next(a for a in answer if "the most" in a or "损失最大" in a)
    assert ":" not in sentence and "：" not in sentence
    assert transfers in sentence.lower() and repeat not in sentence.lower()
    # the tiny workspace's drivers all include zero: the answer says so instead of ranking them
    if r["drivers"].clear().height == 0:
        assert any("cannot yet tell" in a or "无法判断" in a for a in unclear)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_export_note_says_who_has_the_list_and_only_the_appendix_names_the_file(results, lang):
    with use_language(lang):
        path = "x/at-risk-2026-10-31-30d.csv"
        note = results["risk"].export_note(path)
        appendix = results["risk"].export_file_note(path)
    assert "at-risk" not in note and "_" not in note
    assert ("retention team" in note) if lang == "en" else ("客户挽留团队" in note)
    assert ("exports folder" in note) if lang == "en" else ("导出文件夹" in note)
    assert "at-risk-2026-10-31-30d.csv" in appendix


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_driver_amounts_sit_at_the_bar_end_on_a_money_axis_from_zero(lang):
    """The amount is written at the end of its bar (not at the end of the upper range, where it
    reads as the upper bound), the bars are slate, and the axis has money ticks from zero."""
    d = _planted_drivers()
    with use_language(lang):
        fig = d.plot()
        money = cx.churn._words.money_text(16729.0)
    bar = next(t for t in fig.data if isinstance(t, go.Bar))
    assert bar.marker.color == COLORS["periods"]["current"]
    label = next(a for a in fig.layout.annotations if a.text == money)
    assert label.x == 16729.0 and label.xanchor == "left" and label.yanchor == "bottom"
    axis = fig.layout.xaxis
    assert axis.showticklabels is not False and axis.tickvals[0] == 0
    assert axis.tickvals[-1] >= 27828.0 and len(axis.ticktext) == len(axis.tickvals)
    notes = " ".join(a.text for a in fig.layout.annotations)
    assert ("starts at zero or below" in notes) if lang == "en" else ("下限为零或低于零" in notes)


def test_chinese_text_writes_large_sums_as_the_tiles_do():
    with use_language("zh"):
        assert cx.churn._words.money_text(242361.0) == cx._present.fmt_value(
            242361.0, "money", compact=True
        )
        assert "万" in cx.churn._words.money_text(242361.0)
        assert "万" not in cx.churn._words.money_text(16729.0)
    with use_language("en"):
        assert cx.churn._words.money_text(242361.0) == cx._present.fmt_value(242361.0, "money")


def test_no_space_between_chinese_and_numbers_in_the_catalogue():
    from pathlib import Path

    po = Path(cx.__file__).parent / "_present" / "locale" / "zh" / "churn.po"
    cjk = r"[\u3400-\u9fff\uff00-\uffef]"
    number = r"(?:\{(?!file\})[a-z_]+\}|[0-9])"  # a file name is Latin text: it takes a space
    for line in po.read_text(encoding="utf-8").splitlines():
        if line.startswith("msgstr"):
            assert not re.search(cjk + " " + number, line), line
            assert not re.search(r"(?:\}|[0-9%]) " + cjk, line), line


def test_a_changing_effect_reads_as_a_sentence(results):
    ph = results["ph"]
    bad = ph.table.with_columns(pl.lit(False).alias("passed"))
    planted = dataclasses.replace(
        ph, table=bad.filter(pl.col("term").is_in(["unresolved_complaint_90d", "low_csat_90d"]))
    )
    with use_language("en"):
        first = planted.findings()[0]
    named, _, rest = first.removeprefix("The effects of ").partition(" change over follow-up")
    # the two effects in the order of the table (the larger test statistic first)
    assert sorted(named.split(" and of ")) == [
        "a satisfaction score of 1–2",
        "an unresolved complaint",
    ]
    assert first.startswith("The effects of ") and rest
    assert "each single hazard ratio" in first


def test_retention_not_yet_estimable_is_said_in_the_answer(results):
    """The tiny workspace has four months of data: the 12-month tile cannot be filled, and the
    answer says why instead of leaving the tile's dash unexplained."""
    r = results
    frame = r["kept"]
    late = dataclasses.replace(
        frame,
        table=frame.table.with_columns(pl.lit(365.0).alias("days"))
        .head(1)
        .with_columns(pl.lit(None, pl.Float64).alias("cumulative_incidence")),
    )
    with use_language("en"):
        card = late.headline()[0]
        answer = cx.churn.key_findings(late, r["drivers"], r["risk"], share=r["share"])
    assert card.value is None and "not estimable" in card.detail
    assert answer[0].startswith("Customers kept over 12 months cannot be given yet")
    assert answer[0].count(":") == 1  # one clause, no stacked colons


def test_no_empty_axes_when_no_driver_is_clear():
    d = _planted_drivers()
    none = dataclasses.replace(d, table=d.table.filter(pl.col("term") != "transfers_90d"))
    fig = none.plot()
    assert not [t for t in fig.data if len(t.x or [])]
    assert fig.layout.xaxis.visible is False and fig.layout.annotations
