"""The monthly review: period choice, numbers from the metric dictionary, honest signals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from review_planting import BAD_DAY, BAD_QUEUE, plant_bad_day

import cxlab as cx
from cxlab._errors import NotEnoughDataError
from cxlab.review._moments import change_test


@pytest.fixture(scope="module")
def review(tiny_workspace: Path) -> cx.review.ReviewInputs:
    return cx.review.open_review(workspace=tiny_workspace)


def test_default_month_is_last_complete_month(review) -> None:
    # the tiny workspace ends on 2026-10-31 (local time), so October is complete
    assert review.period.month == "2026-10"
    assert review.period.compare_month == "2026-09"
    assert isinstance(review.period.current, cx.review.Period)
    assert cx.review.Period is cx._present.Period  # one Period class, re-exported


def test_month_without_data_is_refused_naming_the_range(tiny_workspace: Path) -> None:
    with pytest.raises(
        NotEnoughDataError,
        match=r"period='2025-01' has 0 contacts.*the data cover 2026-07-01 to 2026-10-31 "
        r"\(Asia/Shanghai\)",
    ):
        cx.review.open_review(period="2025-01", workspace=tiny_workspace)


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("October", r"period='October' is not a month; give a month as 'YYYY-MM'"),
        ("2026-13", r"period='2026-13' is not a month; give a month as 'YYYY-MM'"),
        ("2026-Q3", r"period='2026-Q3' is a quarter \(2026-Q3\), not one calendar month"),
        ("2026-10-01..2026-10-15", r"is a range of days \(2026-10-01\.\.2026-10-15\), not one"),
    ],
)
def test_a_period_that_is_not_a_month_is_refused(tiny_workspace: Path, spec, words) -> None:
    with pytest.raises(cx.OptionError, match=words + r".*the data cover 2026-07-01 to 2026-10-31"):
        cx.review.open_review(period=spec, workspace=tiny_workspace)


def test_period_specs_of_one_month_are_accepted(tiny_workspace: Path) -> None:
    contacts = cx.load("contacts", workspace=tiny_workspace)
    for spec in ("2026-09", "2026-09-01..2026-09-30", cx.review.Period.parse("2026-09")):
        chosen = cx.review.review_period(contacts, period=spec, time_zone="Asia/Shanghai")
        assert (chosen.month, chosen.compare_month) == ("2026-09", "2026-08")
        assert chosen.dates() == ("2026-09-01", "2026-10-01")
    latest = cx.review.review_period(contacts, period="latest_month", time_zone="Asia/Shanghai")
    assert latest.month == "2026-10"


def test_compare_to_speaks_the_one_vocabulary(tiny_workspace: Path) -> None:
    ago = cx.review.open_review(period="2026-10", compare_to="year_ago", workspace=tiny_workspace)
    assert ago.period.compare_month == "2025-10" and ago.period.compare_to == "year_ago"
    assert ago.period.compare_words == "vs same month last year"
    card = cx.review.scorecard(ago.contacts, ago.targets, ago.period)
    assert {c.compared_to for c in card.cards()} == {"year_ago"}
    with pytest.raises(cx.OptionError, match=r"compare_to='2026-07'.*'previous'.*'year_ago'"):
        cx.review.open_review(compare_to="2026-07", workspace=tiny_workspace)
    with pytest.raises(cx.OptionError, match=r"compare_to='last_month' is not understood"):
        cx.review.open_review(compare_to="last_month", workspace=tiny_workspace)


@pytest.mark.parametrize(
    ("old", "new", "warned"),
    [
        ({"month": "2026-09"}, {"period": "2026-09"}, r"month=\.\.\.\) is deprecated; use period="),
        (
            {"compare_to": "previous_month"},
            {"compare_to": "previous"},
            r"compare_to='previous_month' is deprecated; use compare_to='previous'",
        ),
        (
            {"compare_to": "last_year"},
            {"compare_to": "year_ago"},
            r"compare_to='last_year' is deprecated; use compare_to='year_ago'",
        ),
    ],
)
def test_old_names_warn_and_give_the_same_review(tiny_workspace: Path, old, new, warned) -> None:
    with pytest.warns(DeprecationWarning, match=warned):
        before = cx.review.open_review(workspace=tiny_workspace, **old)
    after = cx.review.open_review(workspace=tiny_workspace, **new)
    assert before.period == after.period
    with pytest.raises(cx.OptionError, match="give period= only"):
        cx.review.open_review(month="2026-09", period="2026-09", workspace=tiny_workspace)


def test_scorecard_numbers_are_the_metric_dictionary(review) -> None:
    """The phone answer rate, recomputed by hand: answered / (offered less abandons under 5 s)."""
    card = cx.review.scorecard(review.contacts, review.targets, review.period)
    lo, hi = review.period.bounds()
    month = review.contacts.filter(
        pl.col("arrived_at").is_between(lo, hi, closed="left"), pl.col("channel") == "phone"
    ).collect()
    short = month.filter(pl.col("abandoned") & (pl.col("wait_seconds") < 5)).height
    answered = month.filter(pl.col("answered_at").is_not_null()).height
    by_hand = answered / (month.height - short)
    row = card.table.filter(
        (pl.col("kpi") == "answer_rate") & (pl.col("scope") == "channel=phone")
    ).row(0, named=True)
    assert row["value"] == pytest.approx(by_hand, rel=1e-12)
    assert row["met"] == (by_hand >= 0.90)  # the target table says phone answer rate >= 90%


def test_change_test_is_calibrated_under_no_change() -> None:
    """Under no change, p < 0.05 in about 5% of months (binomial months of 2,000 contacts)."""
    rng = np.random.default_rng(1)
    rejections = 0
    trials = 2000
    for _ in range(trials):
        a, b = rng.binomial(2000, 0.8), rng.binomial(2000, 0.8)
        _, p = change_test((a, 2000, a), (b, 2000, b))
        rejections += p < 0.05
    # 5% with a binomial standard error of 0.49 points over 2,000 trials: allow three
    assert abs(rejections / trials - 0.05) < 3 * np.sqrt(0.05 * 0.95 / trials)


def test_anomaly_found_on_an_injected_bad_day(scratch_workspace: Path) -> None:
    """Half of one queue's calls on 14 October abandoned: that day, that queue is flagged."""
    plant_bad_day(scratch_workspace)
    rv = cx.review.open_review(workspace=scratch_workspace)
    found = cx.review.anomalies(rv.contacts, rv.period, by="queue", kpis=("answer_rate",)).summary()
    assert found.filter((pl.col("queue") == BAD_QUEUE) & (pl.col("day") == BAD_DAY)).height == 1


def test_no_anomaly_flood_on_clean_data(review) -> None:
    """With the multiplicity correction, clean data gives at most a handful of flags. When no day
    truly differs, Benjamini-Hochberg at 5% keeps the chance of any flag at 5% (with every null
    true the false discovery rate is the family-wise rate); October in the tiny workspace has no
    planted event on these queues, but its calendar (month-end, weekends) is not perfectly in the
    eight-week baseline, so up to 3 of about 1,000 day-queue-KPI points may be flagged."""
    found = cx.review.anomalies(review.contacts, review.period, by="queue").summary()
    assert found.height <= 3


def test_ranking_of_the_tiny_workspace_shows_own_rates(review) -> None:
    """The tiny workspace plants no agent effect on resolution: the agents do not differ beyond
    chance, so each shows its own rate and range (the shrinkage itself is tested on planted
    differences in test_honest_signals)."""
    result = cx.review.ranking(review.contacts, review.period, kpi="fcr", by="agent_id")
    ranked = result.summary()
    assert not result.differ and result.df == ranked.height - 1
    assert ((ranked["ci_low"] <= ranked["raw"]) & (ranked["raw"] <= ranked["ci_high"])).all()
    assert ranked["raw"].is_sorted(descending=True)
    assert (ranked["ci_high"] - ranked["ci_low"]).n_unique() > 1  # not one range for everybody


def test_sections_show_themselves(review) -> None:
    for result in (
        cx.review.volume(review.contacts, review.period),
        cx.review.breakdown(
            review.contacts, review.period, ["fcr", "csat"], ["channel"], heading="x"
        ),
        cx.review.phone(review.contacts, review.period),
        cx.review.complaints(review.contacts, review.period),
        cx.review.qa(review.qa_scores, review.contacts, review.period),
        cx.review.daily(review.contacts, review.period, "service_level"),
    ):
        assert isinstance(result.summary(), pl.DataFrame) and result.summary().height > 0
        assert result.findings() and all(isinstance(s, str) for s in result.findings())
        assert result.plot().data
        if isinstance(
            result, cx.review.Daily
        ):  # a month of days: the chart, the table in the appendix
            assert "<table" not in result._repr_html_()
            assert result.readable().height == result.summary()["day"].n_unique()
        else:
            assert "<table" in result._repr_html_()
        assert result.to_dict()["findings"]


def test_channels_without_a_service_level_target_take_the_queues_target():
    """Email and social have no service-level target in the targets table; the queues table
    (the one staffing plans to) has one: the review counts it, and says when queues differ."""
    import polars as pl

    from cxlab.review._open import with_queue_targets

    targets = pl.DataFrame(
        {
            "kpi": ["service_level"],
            "scope": ["channel=phone"],
            "period": ["monthly"],
            "target": [0.8],
            "direction": [">="],
            "description": ["phone"],
        }
    )
    queues = pl.DataFrame(
        {
            "queue": ["phone_a", "email_a", "social_a", "social_b"],
            "channel": ["phone", "email", "social", "social"],
            "sl_target": [0.7, 0.9, 0.85, 0.9],
        }
    )
    out = with_queue_targets(targets, queues)
    got = {r["scope"]: r["target"] for r in out.iter_rows(named=True)}
    assert got == {"channel=phone": 0.8, "channel=email": 0.9, "channel=social": 0.9}
    social = out.filter(pl.col("scope") == "channel=social")["description"].item()
    assert "queues differ" in social
