"""The review on a workspace that holds its contacts only (a department's own export): the
sections whose tables are missing say so and how to load them, instead of failing the report."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import cxlab as cx
from cxlab._errors import OptionError
from cxlab._present import use_language

NO_TARGETS = pl.DataFrame(schema=cx.data.TABLES["targets"].columns)  # a workspace without targets


@pytest.fixture(scope="module")
def review(tiny_workspace: Path) -> cx.review.ReviewInputs:
    return cx.review.open_review(workspace=tiny_workspace)


def _said(result) -> tuple[list[str], list[str], str]:
    with use_language("en"):
        en = result.findings()
        markup = result._repr_html_()
    with use_language("zh"):
        zh = result.findings()
    return en, zh, markup


def test_qa_without_qa_scores_says_how_to_load_them(review) -> None:
    section = cx.review.qa(None, review.contacts, review.period)
    en, zh, markup = _said(section)
    assert en == [
        "No QA reviews to show: this workspace has no QA scores. Load the QA team's export with "
        "cxlab data ingest FILE --table qa_scores and this section fills in at the next run."
    ]
    assert zh[0].startswith("暂无质检结果") and "cxlab data ingest FILE --table qa_scores" in zh[0]
    assert section.plot() is None and "<table" not in markup and "No QA reviews" in markup
    assert section.summary()["sampled"].sum() == 0  # the answered contacts, none reviewed
    assert section.summary()["answered"].sum() > 0


def test_qa_with_no_review_in_the_month_says_so(review) -> None:
    before = review.qa_scores.filter(pl.col("scored_at") < pl.datetime(2026, 8, 1, time_zone="UTC"))
    section = cx.review.qa(before, review.contacts, review.period)
    en, zh, _markup = _said(section)
    assert en == ["QA reviewed none of the contacts answered in October 2026."]
    assert zh == ["2026年10月接通的联络均未经质检。"]
    assert section.plot() is None
    full = cx.review.qa(review.qa_scores, review.contacts, review.period)
    assert full.lacking is None and full.plot() is not None  # the usual section is unchanged


def test_teams_without_the_agents_table_are_not_ranked_and_agents_still_are(review) -> None:
    teams = cx.review.ranking(review.contacts, review.period, kpi="fcr", by="team")
    en, zh, markup = _said(teams)
    assert en == [
        "No team ranking: this workspace has no agents table, which gives each agent's team. "
        "Load it with cxlab data ingest FILE --table agents and this section fills in at the "
        "next run."
    ]
    assert "cxlab data ingest FILE --table agents" in zh[0] and zh[0].startswith("暂无班组排名")
    assert teams.plot() is None and teams.readable().height == 0 and "<table" not in markup
    assert teams.method() == en[0]
    agents = cx.review.ranking(review.contacts, review.period, kpi="fcr", by="agent_id")
    assert agents.lacking is None and agents.table.height > 5 and "team" not in agents.table.columns
    with_teams = cx.review.ranking(
        review.contacts, review.period, kpi="fcr", by="team", agents=review.agents
    )
    assert with_teams.lacking is None and with_teams.table.height >= 2


def test_a_month_whose_contacts_name_no_agent_has_nothing_to_rank(review) -> None:
    anonymous = review.contacts.with_columns(agent_id=pl.lit(None, dtype=pl.Utf8))
    ranked = cx.review.ranking(anonymous, review.period, kpi="fcr", by="agent_id")
    en, zh, _markup = _said(ranked)
    assert en == ["No contact of October 2026 names an agent, so there is nothing to rank."]
    assert zh == ["2026年10月的联络均未记录坐席，无可排名。"]
    assert ranked.plot() is None
    ranked.to_dict()  # the run's metrics file takes it (no NaN prior leaks)


def test_ranking_by_a_column_the_contacts_lack_names_the_columns(review) -> None:
    with pytest.raises(OptionError, match=r"by='shift' is not a column of the contacts.*queue"):
        cx.review.ranking(review.contacts, review.period, kpi="fcr", by="shift")


def test_a_scorecard_without_targets_says_none_are_set(review) -> None:
    bare = cx.review.scorecard(review.contacts, NO_TARGETS, review.period)
    en, zh, _markup = _said(bare)
    words = (
        "No targets are set, so nothing is marked met or missed: the scorecard gives the month's "
        "results and their changes. Load the targets with cxlab data ingest FILE --table targets."
    )
    assert en[0] == words
    assert zh[0].startswith("尚未设定目标") and "--table targets" in zh[0]
    assert not any(c.status for c in bare.cards())
    targeted = cx.review.scorecard(review.contacts, review.targets, review.period)
    assert words not in targeted.findings()


def test_the_scorecard_chart_without_targets_draws_each_rate_against_the_month_before(
    review,
) -> None:
    bare = cx.review.scorecard(review.contacts, NO_TARGETS, review.period)
    with use_language("en"):
        fig = bare.plot()
    shares = bare.table.filter(pl.col("unit") == "share")
    bars, marks = fig.data
    assert len(bars.x) == shares.height > 5  # not an empty chart
    assert list(bars.x) == pytest.approx((shares["value"] * 100).to_list())
    assert list(marks.x) == pytest.approx((shares["previous"] * 100).to_list())
    assert fig.layout.title.text == "Rates, October 2026"
    assert fig.layout.title.subtitle.text == "No targets are set. Marks: September 2026."
    targeted = cx.review.scorecard(review.contacts, review.targets, review.period).plot()
    assert targeted.layout.title.text.startswith("Rates against their targets")


def test_a_breakdown_without_targets_does_not_speak_of_target_ticks(review) -> None:
    args = (review.contacts, review.period, ["sla_answered", "sla_resolved"], ["priority"])
    with use_language("en"):
        bare = cx.review.breakdown(*args, targets=NO_TARGETS).plot()
    assert "target" not in bare.layout.title.subtitle.text.lower()
    assert not bare.layout.shapes


def test_an_unusual_days_normal_range_of_a_duration_never_goes_below_zero(review) -> None:
    found = cx.review.anomalies(review.contacts, review.period, by="queue")
    aht = found.points.filter(pl.col("kpi") == "aht")
    assert aht.height > 0 and aht["lo"].min() >= 0
