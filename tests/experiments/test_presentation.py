"""What a reader of the interventions report sees: plain words in both languages, cautions beside
the verdict, one card per registered intervention, house colours on the charts."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

import cxlab as cx
from cxlab._present import gettext, use_language
from cxlab.viz import color_for

SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
ENGLISH_RUN = re.compile(r"\b[A-Za-z]+(?:[ -][A-Za-z]+){3,}\b")  # four English words in a row


@pytest.fixture(scope="module")
def reports(tiny_workspace):
    ids = cx.experiments.registry(workspace=tiny_workspace)["experiment_id"].to_list()
    return {e: cx.experiments.analyze(e, workspace=tiny_workspace) for e in ids}


@pytest.fixture(scope="module")
def portfolio(tiny_workspace):
    return cx.experiments.overview(workspace=tiny_workspace)


def _body(rep) -> list[str]:
    """Every sentence and table cell the body of the report shows."""
    cells = []
    for frame in (rep.checks_table(), rep.guardrails_table()):
        cells += list(frame.columns) + [str(v) for row in frame.rows() for v in row]
    cards = rep.headline()
    texts = [c.value_text() for c in cards] + [gettext(c.label) for c in cards]
    texts += [c.interval_text() or "" for c in cards] + [gettext(c.detail or "") for c in cards]
    return [
        rep.about(),
        *rep.findings(),
        *rep.check_findings(),
        *rep.guardrail_findings(),
        rep.design_note,
        *cells,
        *texts,
    ]


def _figure_text(fig) -> list[str]:
    out = [fig.layout.title.text or "", fig.layout.xaxis.title.text or ""]
    out += [fig.layout.yaxis.title.text or ""]
    out += [t.name or "" for t in fig.data] + [a.text or "" for a in fig.layout.annotations]
    return out


def test_body_has_no_identifiers_and_no_method_names(reports):
    """No snake_case identifier reaches a reader, and method names and test statistics stay in
    the appendix (details), never in the body."""
    methods = ("CUPED", "Welch", "Callaway", "Sant'Anna", "synthetic control", "p =", "chi-square")
    for rep in reports.values():
        body = _body(rep)
        for text in body:
            assert not SNAKE.search(text), text
            assert not any(m in text for m in methods), text
        assert any("p =" in d for d in rep.details())


def test_chinese_report_has_no_english_sentence(reports, portfolio):
    """In Chinese, every body sentence, tile, table cell, chart title, axis and legend is Chinese;
    the appendix keeps only method names (Welch, Callaway-Sant'Anna) in English."""
    with use_language("zh"):
        for rep in reports.values():
            texts = _body(rep) + rep.details() + _figure_text(rep.plot())
            for text in texts:
                assert not ENGLISH_RUN.search(text), text
                assert not SNAKE.search(text), text
            assert rep.verdict_sentence().startswith(
                {"ship": "建议推广", "do not ship": "不建议推广"}.get(rep.verdict, "证据尚不充分")
            )
        view = portfolio.view()
        for text in [*view.columns, *(str(v) for r in view.rows() for v in r)]:
            assert not ENGLISH_RUN.search(text), text
        assert all(not ENGLISH_RUN.search(s) for s in portfolio.findings())


def test_a_borderline_check_is_said_beside_the_verdict(reports):
    """The single-region pilot: a gap that ranks first among 15 regions has a placebo p of 1/16,
    above 0.05 even though it is the most unusual gap possible. A 'ship' beside it must say the
    check is borderline and what that means; a clear rank passes and a middling one fails."""
    rep = reports["EXP-PILOT-VIDEO"]
    main = rep.main
    n = main.placebos.height
    cases = {1 / (n + 1): "borderline", 0.01: "passed", 0.4: "failed"}
    for p, status in cases.items():
        changed = dataclasses.replace(rep, main=dataclasses.replace(main, rank_p_value=p))
        rank = next(c for c in changed.checks() if c.key == "rank")
        assert rank.status == status
        cautions = [s for s in changed.findings() if s.startswith("Caution")]
        if status == "passed":
            assert not cautions
        else:
            assert changed.verdict != "ship" or cautions, changed.findings()
            assert any(s in " ".join(changed.check_findings()) for s in ("Borderline", "luck"))
    borderline = dataclasses.replace(rep, main=dataclasses.replace(main, rank_p_value=1 / (n + 1)))
    if borderline.verdict == "ship":
        checks = next(c for c in borderline.headline() if c.key == "checks")
        assert checks.value_text() == "Borderline"
        assert any("borderline" in s for s in borderline.findings())


def test_effect_card_shows_a_difference_with_its_range(reports):
    """The effect tile reads '+5.9 pp, likely between +4.7 pp and +7.2 pp', never a level."""
    rep = reports["EXP-AB-ROUTING"]
    card = next(c for c in rep.headline() if c.key == "effect")
    assert card.value_text().startswith(("+", "-")) and card.value_text().endswith("pp")
    assert card.interval_text().startswith("likely between")
    with use_language("zh"):
        assert "个百分点" in card.value_text()


def test_overview_gives_one_card_per_registered_intervention(portfolio, tiny_workspace):
    reg = cx.experiments.registry(workspace=tiny_workspace)
    cards = portfolio.headline()
    assert [c.key for c in cards] == [f"experiment_{e}" for e in reg["experiment_id"]]
    for c in cards:
        assert c.unit == "text" and c.period and c.detail
        assert c.value in ("Ship", "Do not ship", "Not enough evidence yet", "Not enough data yet")
        json.dumps(c.to_dict())
    with use_language("zh"):
        assert all(not re.search("[A-Za-z]{4,}", c.value_text()) for c in cards)
    assert portfolio.view().height == reg.height <= 15


def test_charts_use_the_house_colours_and_keep_legends_off_the_title(reports):
    treatment = color_for("treatment")
    for rep in reports.values():
        fig = rep.plot()
        colours = {getattr(t.line, "color", None) for t in fig.data}
        colours |= {getattr(t.marker, "color", None) for t in fig.data}
        assert treatment in colours, rep.design
        legend = fig.layout.legend
        assert legend.orientation == "h" and legend.y > 1 and fig.layout.margin.t >= 90
