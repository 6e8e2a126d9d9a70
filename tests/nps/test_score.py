"""NPS by segment and period, changes, gaps and trends: planted truth and checks of the tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest
from statsmodels.stats.multitest import multipletests

import cxlab as cx
from cxlab.nps import adjust_p, parse_period

TZ = "Asia/Shanghai"


def _contract(result) -> None:
    """Every result: tidy summary, plotly figure, sentences, JSON-safe dict, escaped HTML."""
    assert isinstance(result.summary(), pl.DataFrame)
    assert isinstance(result.plot(), go.Figure)
    found = result.findings()
    assert found and all(isinstance(s, str) and s for s in found)
    assert result.to_dict()["findings"] == found
    assert "<script" not in result._repr_html_()


def test_periods():
    assert parse_period("2026-Q3").start == dt.date(2026, 7, 1)
    assert parse_period("2026-02").end == dt.date(2026, 3, 1)
    assert parse_period("2026-07-01..2026-07-31").end == dt.date(2026, 8, 1)
    rng = {"first": dt.date(2025, 10, 1), "last": dt.date(2026, 10, 31)}
    assert parse_period("latest_quarter", **rng).label == "2026-Q3"  # Q4 is still running
    assert parse_period("latest_month", **rng).label == "2026-10"  # October is complete
    prev = cx.nps.comparison_period(parse_period("2026-Q3"), "previous")
    assert prev.label == "2026-Q2"
    assert cx.nps.comparison_period(parse_period("2026-03"), "year_ago").label == "2025-03"
    with pytest.raises(cx.OptionError):
        parse_period("last tuesday")


def test_adjustments_match_statsmodels():
    """Holm and Benjamini-Hochberg as statsmodels' multipletests (methods 'holm', 'fdr_bh')."""
    p = np.array([0.001, 0.02, 0.03, 0.04, 0.2, 0.5, 0.013])
    assert adjust_p(p, "holm") == pytest.approx(multipletests(p, method="holm")[1])
    assert adjust_p(p, "bh") == pytest.approx(multipletests(p, method="fdr_bh")[1])


# the planted population NPS is a Monte-Carlo integral over 400,000 rating draws: its own
# standard error is about 0.085 points (the spread of the per-draw NPS, about 54 points, over the
# square root of the draws), so a recorded value is compared within three of those
TRUTH_MC_SE = 0.085


def _regime(truth: dict) -> pl.Expr:
    """'after' for an answer given from the planted regime shift on, else 'before'."""
    start = dt.datetime.fromisoformat(truth["regime_start"])
    return (
        pl.when(pl.col("responded_at") >= start).then(pl.lit("after")).otherwise(pl.lit("before"))
    )


def _shift_quarter(truth: dict) -> str:
    """The first whole quarter (local time) on or after the planted regime shift."""
    start = dt.datetime.fromisoformat(truth["regime_start"]).astimezone(ZoneInfo(TZ)).date()
    quarter = (start.month - 1) // 3
    if start != dt.date(start.year, 3 * quarter + 1, 1):
        quarter += 1
    year, quarter = start.year + quarter // 4, quarter % 4
    return f"{year}-Q{quarter + 1}"


def _planted_nps(rows: pl.DataFrame, truth: dict) -> float:
    """The planted population NPS of each answer's segment and regime, averaged over ``rows``."""
    planted = [
        truth["population_nps"][seg][regime]
        for seg, regime in rows.select("segment", _regime(truth).alias("regime")).iter_rows()
    ]
    return float(np.mean(planted))


def test_score_by_segment_covers_planted_population_nps(default_surveys, default_workspace):
    """Within each regime (before and from truth regime_start) each segment's 95% interval covers
    the planted population NPS of that segment and regime (truth['nps']['population_nps']), to
    within the Monte-Carlo error of that recorded value (three of its standard errors)."""
    truth = cx.data.truth(default_workspace)["nps"]
    start = dt.datetime.fromisoformat(truth["regime_start"])
    for regime, rows in (
        ("after", default_surveys.filter(pl.col("responded_at") >= start)),
        ("before", default_surveys.filter(pl.col("responded_at") < start)),
    ):
        res = cx.nps.score(rows, by="segment")
        for r in res.summary().iter_rows(named=True):
            target = truth["population_nps"][r["segment"]][regime]
            slack = 3 * TRUTH_MC_SE
            assert r["ci_low"] - slack <= target <= r["ci_high"] + slack, (regime, r, target)
    _contract(res)


def test_change_detects_planted_regime_shift(default_surveys, default_workspace):
    """The first whole quarter from the planted regime shift against the quarter before it: the
    change is real and its interval covers the planted change, the planted population NPS of
    each answer's segment and regime averaged over each quarter's answers
    (truth['nps']['population_nps'])."""
    truth = cx.data.truth(default_workspace)["nps"]
    quarter = parse_period(_shift_quarter(truth))
    res = cx.nps.compare(default_surveys, period=quarter.label, compare_to="previous", time_zone=TZ)
    row = res.summary().row(0, named=True)
    assert res.real and row["p_value"] < 0.05
    now = default_surveys.filter(quarter.filter("responded_at", TZ))
    before = cx.nps.comparison_period(quarter, "previous")
    then = default_surveys.filter(before.filter("responded_at", TZ))
    planted = _planted_nps(now, truth) - _planted_nps(then, truth)
    assert row["ci_low"] <= planted <= row["ci_high"]
    assert "NPS really moved" in res.findings()[1]
    card = res.headline(target=20.0)[0]
    assert isinstance(card, cx.Headline) and card.key == "nps" and card.unit == "nps"
    assert card.period == (str(quarter.start), str(quarter.end))
    assert card.compared_to == "previous"
    assert card.status == ("met" if row["nps_now"] >= 20.0 else "missed")
    assert (card.low, card.high) == (row["nps_now_low"], row["nps_now_high"])
    # the change shown is the difference of the levels shown; the estimate is within 0.1
    shown = round(round(row["nps_now"], 1) - round(row["nps_before"], 1), 1)
    assert card.change == shown and abs(card.change - row["estimate"]) <= 0.1
    assert "larger than chance" in (card.detail or "")
    promoters, detractors = res.headline()[1:3]
    assert promoters.value == pytest.approx(
        (now.filter(pl.col("nps") >= 9).height) / now.filter(pl.col("nps").is_not_null()).height
    )
    assert detractors.higher_is_better is False
    assert row["nps_now_low"] <= row["nps_now"] <= row["nps_now_high"]
    assert res.change == pytest.approx(row["nps_now"] - row["nps_before"])
    now_score = cx.nps.score(default_surveys, period=quarter.label, time_zone=TZ).summary()
    assert now_score["n"][0] == row["n_now"]
    _contract(res)
    by_seg = cx.nps.compare(default_surveys, period=quarter.label, by="segment", time_zone=TZ)
    assert by_seg.summary()["p_adj"].to_list() >= by_seg.summary()["p_value"].to_list()
    _contract(by_seg)


def _aa_rejection_rate(reps: int, seed: int) -> float:
    """A/A: two segments drawn from one trinomial (p_P 0.45, p_D 0.2), 400 vs 300 answers;
    the share of unadjusted 5% gap tests that reject."""
    rng = np.random.default_rng(seed)
    rejections = 0
    for _ in range(reps):
        a = rng.multinomial(400, [0.45, 0.35, 0.20])
        b = rng.multinomial(300, [0.45, 0.35, 0.20])
        frame = pl.DataFrame(
            {
                "seg": ["a"] * 400 + ["b"] * 300,
                "nps": np.concatenate([np.repeat([10, 8, 3], a), np.repeat([10, 8, 3], b)]),
            }
        )
        rejections += cx.nps.gaps(frame, by="seg", correction="none").summary()["p_value"][0] < 0.05
    return rejections / reps


def test_gap_test_rejects_about_five_percent_under_the_null():
    """400 replications: nominal 5%, binomial SE 1.1 points, band [0.02, 0.09]."""
    assert 0.02 <= _aa_rejection_rate(400, seed=3) <= 0.09


@pytest.mark.slow
def test_gap_test_rejects_five_percent_many_replications():
    """4,000 replications: the rate must be 4-6% (SE 0.34 points)."""
    assert 0.04 <= _aa_rejection_rate(4000, seed=4) <= 0.06


def test_gaps_and_trend_on_default(default_surveys, default_workspace):
    """Regions carry no planted NPS effect: after Holm (5% family-wise over 16 regions) a region is
    flagged only by chance, in about 5% of workspaces (the A/A tests above measure the rate); two
    or more flagged regions would have a chance well under 1%. The monthly trend has one row per
    local month of answers and flags months after the planted shift (truth regime_start) above
    its limits."""
    g = cx.nps.gaps(default_surveys, by="region")
    assert (g.summary()["p_adj"] < 0.05).sum() <= 1
    _contract(g)
    t = cx.nps.trend(default_surveys, time_zone=TZ)
    s = t.summary()
    local = pl.col("responded_at").dt.convert_time_zone(TZ)
    assert s.height == default_surveys.select(local.dt.strftime("%Y-%m").n_unique()).item()
    assert (s["ci_low"] <= s["nps"]).all() and (s["nps"] <= s["ci_high"]).all()
    # the planted shift (+10 points) shows as months above the upper limit after it, and never
    # before it (a single month's interval is about +-5 points, so not every month is)
    shift = dt.datetime.fromisoformat(cx.data.truth(default_workspace)["nps"]["regime_start"])
    local_shift = shift.astimezone(ZoneInfo(TZ))
    month = dt.datetime(local_shift.year, local_shift.month, 1)  # the month the shift starts in
    after = s.filter(pl.col("ts") >= month)
    assert (after["nps"] > after["upper_limit"]).any()
    before = s.filter(pl.col("ts") < month)
    assert not (before["nps"] > before["upper_limit"]).any()
    assert before["nps"].mean() < after["nps"].mean()
    _contract(t)
    _contract(cx.nps.trend(default_surveys, by="segment", time_zone=TZ))


def test_errors(tiny_surveys):
    with pytest.raises(cx.SchemaError):
        cx.nps.score(tiny_surveys, by="no_such_column")
    with pytest.raises(cx.OptionError):
        cx.nps.score(tiny_surveys, method="normal")
    with pytest.raises(cx.NotEnoughDataError):
        cx.nps.compare(tiny_surveys, period="2020-Q1", time_zone=TZ)


def test_compare_without_answers_before_reports_now_and_says_so() -> None:
    """A survey introduced mid-year: the earlier period has no answers. NPS now is still given
    (50 promoters, 30 passives, 20 detractors: +30), the change is not invented."""
    import datetime as _dt

    import polars as _pl

    import cxlab as _cx

    n = [10] * 50 + [8] * 30 + [3] * 20
    frame = _pl.DataFrame(
        {"nps": n, "responded_at": [_dt.datetime(2026, 8, 10, tzinfo=_dt.UTC)] * len(n)}
    )
    result = _cx.nps.compare(frame, period="2026-08", compare_to="previous", time_zone="UTC")
    assert result.nps_now == 30.0 and result.change is None and not result.real
    assert "no answers in July 2026 to compare with" in result.findings()[0]
    card = result.headline()[0]
    assert card.value == 30.0 and card.change is None and card.change_text() is None
    # the appendix and the display say the change cannot be given instead of failing
    notes = " ".join(result.details().notes)
    assert "not computed, as there are no answers in July 2026" in notes and "z = –" not in notes
    assert "<table" in result._repr_html_()
