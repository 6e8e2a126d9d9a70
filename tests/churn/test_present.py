"""What the churn report shows a reader: typed headline cards, one share quoted the same way in
the tile and the text, plain words in both languages (no identifiers, no English left in the
Chinese), money with its currency, retention charts with bands and an at-risk row in the house
colours, and a time split beyond the follow-up that is reported instead of failing."""

from __future__ import annotations

import re

import plotly.graph_objects as go
import polars as pl
import pytest

import cxlab as cx
from cxlab._present import Headline, gettext, use_language
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
        contacts, customers, surveys, as_of="latest", horizon_days=30, currency="CNY"
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
            out += [str(v) for c in frame.columns if frame[c].dtype == pl.Utf8 for v in frame[c]]
    keys = ("retention", "drivers", "risk")
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
    assert names == {"No unresolved complaint", "An unresolved complaint"}
    colours = {t.line.color for t in km.plot().data if t.mode == "lines" and t.name}
    assert COLORS["bad"] in colours and COLORS["primary"] in colours


def test_split_beyond_follow_up_is_reported_not_fitted(results):
    """A split after the last day of follow-up leaves the "after" terms without information:
    they are dropped and named (the tiny workspace's defaults used to raise a lifelines
    ConvergenceError here). A split inside the follow-up still estimates them."""
    snapshot = results["snapshot"]
    common = dict(
        duration="duration",
        event="churned",
        covariates=cx.churn.MONTHLY_COVARIATES,
        reference=cx.churn.MONTHLY_REFERENCE,
        time_varying=["unresolved_complaint_90d", "low_csat_90d"],
    )
    late = cx.churn.cox(snapshot, split_at=[snapshot["duration"].max() + 10], **common)
    assert set(late.dropped) >= {
        f"unresolved_complaint_90d after {snapshot['duration'].max() + 10:g}"
    }
    assert any("Not estimable here" in f for f in late.findings())
    inside = cx.churn.cox(snapshot, split_at=[30], **common)
    assert "unresolved_complaint_90d after 30" in inside.summary()["term"].to_list()
