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


def test_the_rank_test_is_the_effects_evidence_not_a_design_check(single_region_pilot):
    """The single-region pilot's placebo in space tests the effect itself, not an assumption of
    the design: it is never among the design checks (tile, section 1, appendix table), its
    result is said in the answer and on the effect card ("not distinguishable from chance" when
    p = 0.4), and a failed rank with an effect range that includes no change is no caution. A
    gap that ranks first among 15 regions (p = 1/16, above 0.05) beside a 'ship' says the design
    cannot prove the effect."""
    rep = single_region_pilot
    main = rep.main
    n = main.placebos.height
    cases = {1 / (n + 1): "borderline", 0.01: "passed", 0.4: "failed"}
    unclear = {**rep.effect, "ci_low": -abs(rep.effect["estimate"]) - 1, "ci_high": 1e3}
    for p, status in cases.items():
        changed = dataclasses.replace(
            rep, main=dataclasses.replace(main, rank_p_value=p), effect=unclear
        )
        assert changed.chance().status == status
        assert all(c.key != "rank" for c in changed.checks())
        tables = changed.checks_table().to_series(0).to_list()
        tables += changed.diagnostics_table().to_series(0).to_list()
        assert "Is the gap unusual among regions without the pilot?" not in tables
        assert not changed.design_in_doubt and not changed.cautions()
        assert not changed.caution  # nothing to hedge: the range already includes no change
        checks = next(c for c in changed.headline() if c.key == "checks")
        assert checks.value_text() == "Passed"
        card = next(c for c in changed.headline() if c.key == "effect")
        said = " ".join(changed.findings())
        if status == "failed":
            assert card.detail.endswith("; not distinguishable from chance")
            assert "not distinguishable from chance" in said and "luck" in said
        elif status == "passed":
            assert "beyond chance among the regions" in card.detail
        else:
            assert "Borderline" in said
        assert "luck" not in " ".join(changed.check_findings())
        with use_language("zh"):
            assert "；" in next(c for c in changed.headline() if c.key == "effect").detail
    borderline = dataclasses.replace(rep, main=dataclasses.replace(main, rank_p_value=1 / (n + 1)))
    if borderline.verdict == "ship":
        assert borderline.caution
        assert any("cannot prove the effect beyond chance" in s for s in borderline.findings())


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
        assert c.value in (
            "Roll out",
            "Likely effect: extend the pilot before rolling out",
            "Do not roll out",
            "Not enough evidence yet",
            "Not enough data yet",
        )
        json.dumps(c.to_dict())
    with use_language("zh"):
        assert all(not re.search("[A-Za-z]{4,}", c.value_text()) for c in cards)
    assert portfolio.view().height == reg.height <= 15


def test_charts_use_the_house_colours_and_keep_legends_off_the_title(reports):
    treatment = color_for("treatment")
    for rep in reports.values():
        fig = rep.plot()
        colours = {getattr(getattr(t, "line", None), "color", None) for t in fig.data}
        colours |= {getattr(t.marker, "color", None) for t in fig.data}
        assert treatment in colours, rep.design
        legend = fig.layout.legend
        assert legend.orientation == "h" and legend.y > 1 and fig.layout.margin.t >= 90


def _pilot(rep, rank_p=None, data_end=None):
    """The single-region pilot ``rep`` with a planted rank p-value and data end."""
    if rank_p is not None:
        rep = dataclasses.replace(rep, main=dataclasses.replace(rep.main, rank_p_value=rank_p))
    if data_end is not None:
        rep = dataclasses.replace(rep, experiment={**rep.experiment, "data_end": data_end})
    return rep


def test_a_borderline_check_takes_beyond_chance_out_of_the_verdict(single_region_pilot):
    """A 'roll out' the design cannot prove never says 'beyond chance' nor plain 'roll out': the
    verdict tile reads 'Likely effect: extend the pilot before rolling out' (the decision rule is
    unchanged), the answer says in one plain sentence that a single-region pilot with 15 regions
    to compare with cannot prove the effect, and the reasoning (1 in 16 is above 1 in 20) is said
    once, in section 3."""
    from cxlab.experiments._registry import _pilot_verdict

    pilot = single_region_pilot
    rep = _pilot(pilot, rank_p=1 / (pilot.main.placebos.height + 1))
    # planted: an effect clearly better than no change (the tiny pilot's own may not be)
    _n, _u, hib = cx.experiments._text.metric_info(rep.metric)
    sign = 1 if hib else -1
    effect = {**rep.effect, "estimate": sign * 3.0, "ci_low": 2.0 * sign, "ci_high": 4.0 * sign}
    if not hib:
        effect.update(ci_low=-4.0, ci_high=-2.0)
    verdict, reasons = _pilot_verdict(rep.metric, effect, rep.diagnostics, rep.guardrails[:0])
    assert verdict == "ship"
    rep = dataclasses.replace(rep, verdict=verdict, effect=effect, reasons=reasons)
    assert rep.caution and rep.cannot_prove
    assert "beyond chance" not in rep.verdict_sentence()
    assert rep.verdict == "ship" and rep.likely  # the decision rule is kept
    assert rep.verdict_sentence().startswith("Likely effect: ")
    assert rep.verdict_sentence().endswith("Extend the pilot before rolling out.")
    assert "Roll out" not in rep.verdict_sentence()
    assert not any("improved beyond chance" in s for s in rep.findings())
    assert any("none of the protected measures got worse" in s for s in rep.findings())
    verdict = next(c for c in rep.headline() if c.key == "verdict")
    assert verdict.value_text() == "Likely effect: extend the pilot before rolling out"
    said = " ".join(rep.findings())
    assert "cannot prove the effect beyond chance" in said
    # the 1-in-16-against-1-in-20 argument: once, in section 3; neither the answer nor section 1
    assert "1 in" not in said and "1 in" not in " ".join(rep.check_findings())
    design = " ".join(rep.design_findings())
    assert design.count("1 in 20") == 1 and "at best p = 1/16" in design
    with use_language("zh"):
        assert "显著" not in rep.verdict_sentence()
        assert rep.verdict_sentence().startswith("效果很可能存在：")
        assert "建议扩大试点后再推广" in rep.verdict_sentence()
        assert next(c for c in rep.headline() if c.key == "verdict").value_text() == (
            "效果很可能存在：建议扩大试点后再推广"
        )
        assert "1/20" not in "".join(rep.findings()) + "".join(rep.check_findings())
        assert "".join(rep.design_findings()).count("1/20") == 1
    clear = _pilot(pilot, rank_p=0.01)
    if clear.verdict == "ship" and not clear.caution:
        assert "beyond chance" in clear.verdict_sentence()
        assert not clear.cannot_prove


def test_a_running_change_is_interim_and_ends_with_the_data(reports):
    """A change still running when the data ends: its period reads 'since <start> (data to
    <end>)', its card never ends after the data, and tile and answer say it is interim."""
    import datetime as dt

    rep = reports["EXP-PILOT-VIDEO"]
    start = rep.experiment["local_start"]
    data_end = start + (rep.experiment["local_end"] - start) / 2
    running = _pilot(rep, data_end=data_end)
    assert running.running
    last_day = data_end.date()
    assert dt.date.fromisoformat(running.period[1]) == last_day + dt.timedelta(days=1)
    for card in running.headline():
        if card.period:
            assert dt.date.fromisoformat(card.period[1]) <= last_day + dt.timedelta(days=1)
    verdict = next(c for c in running.headline() if c.key == "verdict")
    assert verdict.detail == "Interim result: still running"
    assert any("interim result" in s for s in running.findings())
    about = running.about()
    assert "since" in about and "data to" in about
    region = cx.label(rep.main.unit)
    assert about.count(region) == 1 and "single region" not in about
    with use_language("zh"):
        about = running.about()
        assert (
            "起在" in about
            and "数据截至" in about
            and "阶段性结论" in verdict.value_text() + (gettext(verdict.detail))
        )
    finished = _pilot(rep, data_end=rep.experiment["local_end"] + dt.timedelta(days=3))
    assert not finished.running and "since" not in finished.about()


def test_overview_counts_only_what_there_is(portfolio):
    """'All 5 registered interventions are to be rolled out', never '0 not to roll out'; running
    ones are interim on their cards, which never end after the data."""
    import datetime as dt

    import polars as pl

    t = portfolio.table
    for verdicts, running in ((["ship"] * t.height, True), (["do not ship"] + ["ship"] * 4, False)):
        planted = dataclasses.replace(
            portfolio,
            table=t.head(len(verdicts)).with_columns(
                pl.Series("verdict", verdicts[: t.height]),
                pl.lit("running" if running else "finished").alias("status"),
                pl.lit(True).alias("caution"),
            ),
        )
        said = " ".join(planted.findings())
        assert not re.search(r"\b0 ", said), said
        if running:  # every one a 'roll out' the design cannot prove: one group of its own
            n = planted.table.height
            assert said.startswith(f"All {n} registered interventions have a likely")
            assert "to be rolled out" not in said and "caution" not in said
            assert "still running (interim results)" in said
            with use_language("zh"):
                zh = "".join(planted.findings())
                assert f"共登记{n}项改进措施，效果均很可能存在" in zh
                assert "阶段性结论" in zh and "扩大试点" in zh
        else:  # 'do not roll out' with a caution stays a caution; the rest are their own group
            assert "with a likely effect, to pilot further before rolling out" in said
            assert "1 not to roll out" in said and "1 comes with a caution" in said
            assert "to roll out and" not in said.split(":")[1]
        for card in planted.headline():
            if running:
                assert card.detail == "Interim result: still running"
                assert card.value == "Likely effect: extend the pilot before rolling out"
                end = planted.table.row(0, named=True)["data_end"]
                assert (
                    card.period[1]
                    <= (dt.date.fromisoformat(end) + dt.timedelta(days=1)).isoformat()
                )


def test_english_lower_cases_a_metric_inside_a_sentence(reports, tiny_workspace):
    """'Effect on average handle time', 'Planning a test of first-contact resolution'; names
    written in capitals (CSAT) stay as written."""
    from cxlab.experiments._text import inline

    for rep in reports.values():
        label = next(c for c in rep.headline() if c.key == "effect").label
        name = label.removeprefix("Effect on ")
        assert name == inline(name), label
    assert inline("CSAT") == "CSAT" and inline("Average handle time") == "average handle time"
    plan = cx.experiments.power(
        cx.load("contacts", workspace=tiny_workspace), metric="fcr_reported", max_weeks=2
    )
    assert plan.title == "Planning a test of first-contact resolution (system flag)" or (
        plan.title[len("Planning a test of ") :][0].islower()
    )
    assert "Customers in the test" in plan.view().columns
    with use_language("zh"):
        assert "参与试验的客户数" in plan.view().columns


def test_chinese_catalogue_puts_no_space_between_chinese_and_a_number():
    """'为期8周的试验', '-74秒至-47秒之间': no space between a Chinese character and a number
    or placeholder in this room's catalogue."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    import cxlab

    po = Path(cxlab.__file__).parent / "_present" / "locale" / "zh" / "experiments.po"
    cjk = "[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
    bad = re.compile(f"{cjk} +[{{0-9+-]|[}}0-9%] +{cjk}")
    with po.open("rb") as fh:
        catalogue = read_po(fh)
    for message in catalogue:
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        for form in forms:
            assert not bad.search(form or ""), form


def test_a_reason_names_a_metric_in_lower_case_inside_the_sentence():
    from cxlab.experiments._text import Phrase

    inside = Phrase(
        "The likely range of the effect on {metrics} still includes no change.",
        (("metrics", ("aht",)),),
    )
    assert "on average handle time" in str(inside)
    first = Phrase("{metrics} got worse beyond chance.", (("metrics", ("aht",)),))
    assert str(first).startswith("Average handle time")


def test_overview_counts_likely_effects_apart_from_roll_outs(portfolio):
    """Two plain 'roll out' and three that the design cannot prove: two groups, never one."""
    import polars as pl

    t = portfolio.table.head(5)
    planted = dataclasses.replace(
        portfolio,
        table=t.with_columns(
            pl.Series("verdict", ["ship"] * t.height),
            pl.Series("caution", [False, False, True, True, True][: t.height]),
            pl.lit("finished").alias("status"),
        ),
    )
    said = " ".join(planted.findings())
    assert said.startswith(f"{t.height} interventions are registered: 2 to roll out and "), said
    assert f"{t.height - 2} with a likely effect, to pilot further before rolling out" in said
    values = [c.value for c in planted.headline()]
    assert values.count("Roll out") == 2
    assert values.count("Likely effect: extend the pilot before rolling out") == t.height - 2
    with use_language("zh"):
        zh = "".join(planted.findings())
        assert "2项建议推广" in zh and "项效果很可能存在、建议扩大试点后再推广" in zh
        assert "效果很可能存在：建议扩大试点后再推广" in planted.view()["结论"].to_list()


def test_appendix_roles_are_in_words(reports):
    rep = reports["EXP-AB-ROUTING"]
    roles = rep.estimates_table()["Role"].to_list()
    assert roles[0] == "Main measure" and set(roles[1:]) <= {"Must not get worse"}
    with use_language("zh"):
        roles = rep.estimates_table()["类别"].to_list()
        assert roles[0] == "主要指标" and set(roles[1:]) <= {"不应变差的指标"}


def test_a_duration_level_is_drawn_in_the_unit_the_tiles_read(reports):
    """Average handle time of 8.1 min on a tile is drawn on a minutes axis (not 400-540 s), and
    the legend entries start with a capital."""
    rep = reports["EXP-PILOT-VIDEO"]
    fig = rep.main.plot()
    _n, unit, _hib = cx.experiments._text.metric_info(rep.metric)
    assert unit == "seconds"
    title = fig.layout.yaxis.title.text
    level = rep.baseline
    if 120 <= level < 3600:
        assert title.endswith("(minutes)"), title
        ys = [v for t in fig.data for v in t.y if v is not None]
        assert 0.5 * level / 60 < sorted(ys)[len(ys) // 2] < 2 * level / 60
    assert all(t.name[0].isupper() for t in fig.data if t.name), [t.name for t in fig.data]
    with use_language("zh"):
        zh = rep.main.plot().layout.yaxis.title.text
        assert ("分钟" in zh) == (120 <= level < 3600), zh


def test_chinese_words_of_the_room_use_plain_terms_and_quotes():
    """Chinese quotes (“ ”), never ASCII ones; headings and tiles say 不应变差的指标 (护栏指标 is
    left to the appendix)."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    import cxlab

    po = Path(cxlab.__file__).parent / "_present" / "locale" / "zh" / "experiments.po"
    with po.open("rb") as fh:
        catalogue = {m.id: m.string for m in read_po(fh) if m.id}
    for text in catalogue.values():
        for form in text if isinstance(text, tuple) else (text,):
            assert '"' not in (form or ""), form
    assert "护栏" not in catalogue["## 2. Measures that must not get worse"]
    assert catalogue["Measures that must not get worse"] == "不应变差的指标"
