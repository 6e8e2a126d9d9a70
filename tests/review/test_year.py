"""The yearly review: the year under review and its coverage, and each section on the default
workspace, which plants a yearly drift in FCR, CSAT and handle time (``truth.json["kpi_drift"]``)."""

from __future__ import annotations

import datetime as dt
import json
import math

import polars as pl
import pytest

import cxlab as cx
from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._present import parse_period, use_language
from cxlab.review import ReviewYear

D = dt.date


def _months(first: dt.date, n: int) -> tuple[dt.date, ...]:
    out, day = [], first
    for _ in range(n):
        out.append(day)
        day = D(day.year + day.month // 12, day.month % 12 + 1, 1)
    return tuple(out)


def test_a_year_with_a_gap_says_which_months_are_missing() -> None:
    months = _months(D(2026, 1, 1), 12)
    gap = tuple(m for m in months if m.month not in (3, 4))
    year = ReviewYear(parse_period("2026"), parse_period("2025"), gap, _months(D(2025, 1, 1), 12))
    assert not year.complete and year.previous_complete and len(year.shared) == 10
    with use_language("en"):
        assert year.coverage_text() == (
            "The data cover 10 of the 12 months (March 2026 and April 2026 missing): totals are "
            "not comparable with a whole year."
        )
        assert year.compare_words() == "vs the same months a year before"
    with use_language("zh"):
        assert "12个月中的10个月" in year.coverage_text()


def test_the_partial_tiny_year_is_labelled_partial(tiny_workspace) -> None:
    year = cx.review.review_year("2026", workspace=tiny_workspace)
    assert year.label == "2026" and year.text in ("2026", "2026年")
    assert [m.month for m in year.covered] == [7, 8, 9, 10]
    assert not year.complete and not year.comparable
    with use_language("en"):
        text = year.coverage_text()
    assert text.startswith("The data cover 4 of the 12 months (January 2026, February 2026")
    assert "there is no year-on-year comparison" in text


def test_a_year_without_data_is_refused_with_the_months_found(tiny_workspace) -> None:
    with pytest.raises(NotEnoughDataError, match=r"no contacts.*2020-01 to 2020-12.*data cover"):
        cx.review.review_year("2020", workspace=tiny_workspace)
    with pytest.raises(OptionError, match="not twelve whole months"):
        cx.review.review_year("2026-Q3", workspace=tiny_workspace)


def test_the_latest_twelve_months_and_a_calendar_year(default_workspace) -> None:
    latest = cx.review.review_year(workspace=default_workspace)
    assert latest.current.iso == ("2025-11-01", "2026-11-01")
    assert latest.previous.iso == ("2024-11-01", "2025-11-01")
    assert latest.whole_comparison and latest.coverage_text() is None
    assert cx.review.review_year("2025-11..2026-10", workspace=default_workspace) == latest
    assert cx.review.review_year("latest_year", workspace=default_workspace).label == "2025"
    calendar = cx.review.review_year("2025", workspace=default_workspace)
    assert calendar.label == "2025" and calendar.complete and not calendar.previous_complete
    assert calendar.shared == (D(2025, 11, 1), D(2025, 12, 1))
    with use_language("en"):
        assert "2024 is covered for 2 of its 12 months" in calendar.coverage_text()


@pytest.fixture(scope="module")
def year(default_workspace) -> ReviewYear:
    return cx.review.review_year("latest_12_months", workspace=default_workspace)


def test_volume_totals_the_year_and_names_the_causes_of_its_peaks(year, default_workspace):
    volume = cx.review.year_volume(year)
    lo, hi = year.bounds()
    contacts = cx.load("contacts", workspace=default_workspace)
    n = contacts.filter(pl.col("arrived_at").is_between(lo, hi, closed="left")).select(pl.len())
    assert volume.total == n.collect().item() == volume.summary()["contacts"].sum()
    assert volume.change == pytest.approx(volume.compared / volume.previous - 1)
    assert set(volume.peaks["kind"]) == {"month", "week", "day"}
    singles = volume.peaks.filter(pl.col("events").str.contains("Singles' Day sale"))
    assert singles.height and (singles["start"] >= D(2025, 11, 9)).all()
    with use_language("en"):
        said = " ".join(volume.findings())
    assert "likely cause: Singles' Day sale" in said and "no event on record" in said


def test_kpis_recover_the_planted_drift(year, default_workspace):
    """Handle time falls, CSAT and the service system's first-contact resolution rise, year on
    year, beyond normal variation. The plant (truth.json) adds, per year, +0.015 to the FCR
    probability, +0.15 to the CSAT latent score and -0.04 to log handle time; the months of the
    two years are a year apart, so the annual cycle cancels. Other planted effects (the pilot and
    the A/B test's treatment reaching more contacts in the later year) add to the drift, so the
    bounds allow up to about three times the plant, and require the sign."""
    truth = json.loads((default_workspace / "data/processed/truth.json").read_text())
    drift = truth["kpi_drift"]["terms"]
    kpis = cx.review.year_kpis(year)
    fcr, csat, aht = kpis.row("fcr_reported"), kpis.row("csat"), kpis.row("aht", "channel=phone")
    for r in (fcr, csat, aht):
        assert r["p_value"] < 0.01
    assert 0.5 * drift["fcr"]["per_year"] < fcr["change"] < 3.5 * drift["fcr"]["per_year"]
    assert 0.5 * drift["csat"]["per_year"] < csat["change"] < 1.5 * drift["csat"]["per_year"]
    ratio = math.log(aht["value"] / aht["previous"])
    assert 2.5 * drift["handle"]["per_year"] < ratio < 0.5 * drift["handle"]["per_year"]
    months = kpis.monthly.filter(pl.col("kpi") == "csat", pl.col("scope") == "all")
    assert months.filter(pl.col("which") == "current").height == 12
    with use_language("en"):
        said = " ".join(kpis.findings())
    assert "CSAT: 4." in said and "an improvement beyond normal variation" in said


def test_targets_are_judged_by_the_scorecard_and_month_by_month(year):
    targets = cx.review.year_targets(year)
    table = targets.table
    assert (table["months_met"] <= table["months"]).all() and (table["months"] == 12).all()
    for r in table.iter_rows(named=True):
        row = targets.card.table.filter(pl.col("kpi") == r["kpi"], pl.col("scope") == r["scope"])
        assert row["value"][0] == r["value"] and row["met"][0] == r["met"]
    k, n = targets.met()
    assert n == table.height and k == table["met"].sum()
    assert ("nps", "all") in targets.unmeasured and ("retention", "all") in targets.unmeasured


def test_a_workspace_without_targets_says_so(year):
    none = pl.DataFrame(
        schema={
            "kpi": pl.Utf8,
            "scope": pl.Utf8,
            "period": pl.Utf8,
            "target": pl.Float64,
            "direction": pl.Utf8,
        }
    )
    targets = cx.review.year_targets(year, targets=none)
    assert targets.table.height == 0 and targets.headline() == [] and targets.met() == (0, 0)
    with use_language("en"):
        assert targets.findings() == [
            "No targets are set, so nothing is marked met or missed for the year."
        ]
    targets.plot()


def test_changes_are_ranked_on_enough_contacts_after_a_correction(year):
    changes = cx.review.year_changes(year)
    t = changes.table
    assert (t["n"] >= changes.min_base).all() and (t["n_previous"] >= changes.min_base).all()
    assert (t["p_adjusted"] >= t["p_value"] - 1e-12).all()
    better = changes.improvements()
    assert better.height and better["better"].all() and (better["p_adjusted"] < 0.05).all()
    assert changes.weakest()["better"].not_().all()


def test_the_answer_opens_with_volume_targets_and_the_planted_kpis(year):
    parts = [
        cx.review.year_volume(year),
        cx.review.year_kpis(year),
        cx.review.year_targets(year),
        cx.review.year_changes(year),
    ]
    answer = cx.review.year_answer(*parts)
    keys = [c.key for c in answer.headline()]
    assert keys[:2] == ["year_contacts", "year_targets_met"] and "year_csat:all" in keys
    with use_language("en"):
        said, text = answer.findings(), year.text
    assert said[0].startswith(f"{parts[0].total:,} contacts in {text}, ")
    assert any(s.startswith("Largest improvement for its level:") for s in said)
