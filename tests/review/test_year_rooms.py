"""The year-end review's three sections read from the rooms: interventions, staffing, customers.

Checked on the default synthetic workspace (two whole years, 2024-11 to 2026-10) against the
data and the planted truth, and on the tiny workspace (four months) as a partial year.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest

import cxlab as cx
from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._present import use_language

YEAR = cx.review.Period.parse("2025-11..2026-10")
TZ = "Asia/Shanghai"


@pytest.fixture(scope="module")
def full(default_workspace: Path) -> dict:
    ws = default_workspace
    return {
        "ws": ws,
        "interventions": cx.review.year_interventions(YEAR, workspace=ws),
        "staffing": cx.review.year_staffing(YEAR, workspace=ws),
        "customers": cx.review.year_customers(YEAR, workspace=ws),
    }


@pytest.fixture(scope="module")
def partial(tiny_workspace: Path) -> dict:
    ws = tiny_workspace
    return {
        "ws": ws,
        "interventions": cx.review.year_interventions(YEAR, workspace=ws),
        "staffing": cx.review.year_staffing(YEAR, workspace=ws),
        "customers": cx.review.year_customers(YEAR, workspace=ws),
    }


def _in_year(ws: Path, table: str, column: str) -> pl.DataFrame:
    return cx.load(table, workspace=ws).filter(YEAR.filter(column, TZ)).collect()


# -- interventions --------------------------------------------------------------------------------


def test_every_intervention_that_ran_in_the_year_is_measured_as_its_report_measures_it(full):
    result, ws = full["interventions"], full["ws"]
    registry = cx.experiments.registry(workspace=ws)
    assert sorted(result.table["experiment_id"]) == sorted(registry["experiment_id"])
    for r in result.table.iter_rows(named=True):
        report = cx.experiments.analyze(r["experiment_id"], workspace=ws)
        assert r["estimate"] == pytest.approx(report.effect["estimate"])
        assert (r["ci_low"], r["ci_high"]) == pytest.approx(
            (report.effect["ci_low"], report.effect["ci_high"])
        )
        assert r["beyond_chance"] == (report.significant and not report.caution)


def test_the_planted_effects_lie_in_the_reported_intervals(full):
    truth = cx.data.truth(full["ws"])["experiments"]
    t = full["interventions"].table
    planted = {
        "EXP-AB-ROUTING": truth["EXP-AB-ROUTING"]["effects"]["fcr"]["absolute"],
        "EXP-IVR-REDESIGN": truth["EXP-IVR-REDESIGN"]["effects"]["transfers_per_contact"][
            "absolute"
        ],
        "EXP-AGENT-COACHING": truth["EXP-AGENT-COACHING"]["effects"]["csat"]["absolute"],
    }
    for experiment, effect in planted.items():
        row = t.filter(pl.col("experiment_id") == experiment).row(0, named=True)
        assert row["ci_low"] <= effect <= row["ci_high"], (experiment, row)


def test_an_effect_beyond_chance_is_added_up_over_the_contacts_its_measure_counts(full):
    t, ws = full["interventions"].table, full["ws"]
    contacts = _in_year(ws, "contacts", "arrived_at")
    routing = t.filter(pl.col("experiment_id") == "EXP-AB-ROUTING").row(0, named=True)
    # first-contact resolution as reported counts the answered contacts
    answered = contacts.filter(pl.col("answered_at").is_not_null()).height
    assert routing["yearly_contacts"] == answered
    assert routing["yearly_value"] == pytest.approx(routing["estimate"] * answered)
    # the IVR touches phone contacts only: its transfers are added up over them
    ivr = t.filter(pl.col("experiment_id") == "EXP-IVR-REDESIGN").row(0, named=True)
    phone = contacts.filter(pl.col("channel") == "phone")
    assert 0 < ivr["yearly_contacts"] <= phone.height
    # CSAT is a score: no yearly sum is made of it
    coaching = t.filter(pl.col("experiment_id") == "EXP-AGENT-COACHING").row(0, named=True)
    assert coaching["yearly_value"] is None
    with use_language("en"):
        words = " ".join(full["interventions"].findings())
    assert "contacts resolved at the first contact" in words


def test_an_intervention_belongs_to_the_year_it_ran_in(full):
    before = cx.review.year_interventions("2024-11..2025-10", workspace=full["ws"])
    # the IVR redesign started on 2025-10-27 and the specialist desk in 2025-08; the A/B test,
    # the coaching and the video pilot started after the year
    assert sorted(before.table["experiment_id"]) == ["EXP-IVR-REDESIGN", "EXP-PILOT-SPECIALIST"]


def test_a_year_without_interventions_says_so(years_workspace):
    result = cx.review.year_interventions("2023-11..2024-10", workspace=years_workspace)
    assert result.table.height == 0 and result.year.complete
    with use_language("en"):
        found = result.findings()
    assert found == [f"No intervention in the registry ran in {result.year.text}."]
    assert result.year.text.startswith("Nov 2023")


def test_a_year_without_contacts_is_refused_as_every_year_section_refuses_it(tiny_workspace):
    for section in (cx.review.year_interventions, cx.review.year_volume):
        with pytest.raises(NotEnoughDataError, match="no contacts in any of its months"):
            section("2023-11..2024-10", workspace=tiny_workspace)


# -- staffing -------------------------------------------------------------------------------------


def test_staffing_counts_the_years_contacts_by_month_and_channel(full):
    t, ws = full["staffing"].table, full["ws"]
    assert t["month"].n_unique() == 12
    contacts = _in_year(ws, "contacts", "arrived_at")
    month = pl.col("arrived_at").dt.convert_time_zone(TZ).dt.truncate("1mo").dt.date()
    direct = contacts.group_by(month.alias("month"), "channel").agg(
        pl.len().alias("n"), pl.col("answered_at").is_not_null().sum().alias("answered")
    )
    both = t.join(direct, on=["month", "channel"])
    assert both.height == t.height == 48
    assert (both["answered"] == both["answered_right"]).all()
    # e-mail and social: every contact received; phone and chat: those offered to agents (a
    # short abandon is not offered), the base of the answer rate
    backlog = both.filter(pl.col("channel").is_in(["email", "social"]))
    assert (backlog["offered"] == backlog["n"]).all()
    live = both.filter(pl.col("channel").is_in(["phone", "chat"]))
    assert ((live["offered"] <= live["n"]) & (live["offered"] > 0.95 * live["n"])).all()
    assert live["answer_rate"].to_list() == pytest.approx(
        (live["answered"] / live["offered"]).to_list()
    )


def test_staffing_compares_required_and_busy_agents_where_erlang_applies(full):
    t = full["staffing"].table
    staffed = t.filter(pl.col("channel").is_in(["phone", "chat"]))
    assert staffed["agents_required"].min() >= 1
    assert (staffed["agents_busy"] <= staffed["agents_active"]).all()
    assert (staffed["sl_target"] == 0.8).all()
    backlog = t.filter(pl.col("channel").is_in(["email", "social"]))
    assert backlog["agents_required"].null_count() == backlog.height
    expected = (t["service_level"] < t["sl_target"]) & (t["agents_required"] > t["agents_busy"])
    assert (t["demand_outran_staffing"] == expected.fill_null(False)).all()
    at_peak = (t["busy_service_level"] < t["sl_target"]) & (t["agents_required"] > t["agents_busy"])
    assert (t["peak_outran_staffing"] == at_peak.fill_null(False)).all()


def test_the_peaks_the_synthetic_plan_flattens_are_found_short(full):
    """The synthetic staffing plan flattens the day (``plan_staffing``: peaks understaffed), so
    the phones' busiest half-hour serves worse than the month, and falls below target in some
    months the month as a whole meets it."""
    result = full["staffing"]
    phone = result.table.filter(pl.col("channel") == "phone")
    assert (phone["busy_service_level"] < phone["service_level"]).sum() >= 10
    assert result.short_months().height == 0
    peak = result.short_months(peak=True).filter(pl.col("channel") == "phone")
    assert peak.height >= 1
    with use_language("en"):
        words = " ".join(result.findings())
    for m in peak["month"].to_list():
        assert cx._present.fmt_month(m) in words.split("at the busiest half-hour the service")[1]


def test_the_months_demand_outran_staffing_are_named(partial):
    result = partial["staffing"]
    short = result.short_months()
    assert short.height >= 1  # the tiny workspace's phones fall short in one month
    with use_language("en"):
        words = " ".join(result.findings())
    for m in short["month"].to_list():
        assert cx._present.fmt_month(m) in words.split("demand outran staffing in ")[1]


# -- customers ------------------------------------------------------------------------------------


def test_retention_is_the_share_of_the_years_first_customers_kept_to_its_end(full):
    result, ws = full["customers"], full["ws"]
    customers = cx.load("customers", workspace=ws).collect()
    start, end = YEAR.start, YEAR.end
    cohort = customers.filter(
        (pl.col("signup_date") < start)
        & (pl.col("churn_date").is_null() | (pl.col("churn_date") >= start))
    )
    kept = cohort.filter(pl.col("churn_date").is_null() | (pl.col("churn_date") >= end))
    year = result.retention.filter(pl.col("period") == "year")
    overall = year.filter(pl.col("segment") == "all").row(0, named=True)
    assert overall["customers_at_start"] == cohort.height
    assert overall["retention"] == pytest.approx(kept.height / cohort.height)
    assert overall["ci_low"] < overall["retention"] < overall["ci_high"]
    segments = year.filter(pl.col("segment") != "all")
    assert segments["customers_at_start"].sum() == cohort.height
    assert result.segment_p_value is not None and result.segment_p_value < 0.05
    assert result.retention_target == 0.85
    assert result.retention.filter(pl.col("period") == "previous_year").height == 3
    assert result.churn.height == 12
    assert result.churn["churned_in_month"].sum() >= cohort.height - kept.height


def test_nps_for_the_year_and_its_change_against_the_previous_year(full):
    result, ws = full["customers"], full["ws"]
    surveys = _in_year(ws, "surveys", "responded_at")
    n = surveys.height
    direct = 100 * ((surveys["nps"] >= 9).sum() - (surveys["nps"] <= 6).sum()) / n
    year = result.nps.filter(pl.col("period") == "year").row(0, named=True)
    before = result.nps.filter(pl.col("period") == "previous_year").row(0, named=True)
    assert year["n"] == n
    assert year["nps"] == pytest.approx(direct)
    assert year["ci_low"] < year["nps"] < year["ci_high"]
    assert result.nps_change["estimate"] == pytest.approx(year["nps"] - before["nps"])
    assert result.nps_months.height == 12
    assert result.nps_months["n"].sum() == n


# -- a partial year -------------------------------------------------------------------------------


def test_a_partial_year_is_said_to_be_partial_and_not_extrapolated(partial):
    for key in ("interventions", "staffing", "customers"):
        result = partial[key]
        assert result.year == cx.review.review_year(YEAR, workspace=partial["ws"])
        assert result.year.covered == tuple(dt.date(2026, m, 1) for m in (7, 8, 9, 10))
        with use_language("en"):
            first = result.findings()[0]
        assert first == result.year.coverage_text(compared=False)
        assert first.startswith(f"The data cover 4 of the 12 months of {YEAR.text} (")
        assert "June 2026 missing): the figures are for those months and are not extrapolated" in (
            first
        )
    cards = partial["staffing"].headline() + partial["customers"].headline()
    assert {c.period for c in cards} == {("2026-07-01", "2026-11-01")}  # the months covered
    staffing = partial["staffing"].table
    assert sorted(staffing["month"].unique()) == [dt.date(2026, m, 1) for m in (7, 8, 9, 10)]
    customers = partial["customers"]
    assert customers.retention.height == 0  # no year-long retention from four months
    assert customers.nps_change is None
    with use_language("en"):
        words = " ".join(customers.findings())
    assert "cannot be measured before the year is complete" in words
    assert "do not cover the previous year" in words
    assert [c.key for c in customers.headline()] == ["year_nps"]


def test_the_year_is_twelve_whole_months(tiny_workspace):
    with pytest.raises(OptionError, match="twelve whole months"):
        cx.review.year_staffing("2026-Q3", workspace=tiny_workspace)


def test_a_review_year_is_read_as_given(partial):
    year = cx.review.review_year(YEAR, workspace=partial["ws"])
    again = cx.review.year_staffing(year)  # the year's own workspace
    assert again.year is year
    assert again.table.equals(partial["staffing"].table)


def _drop_local_month(ws: Path, month: dt.date) -> None:
    """Remove the contacts that arrived in ``month`` (local time) from the stored partitions."""
    local = pl.col("arrived_at").dt.convert_time_zone(TZ).dt.truncate("1mo").dt.date()
    for part in (ws / "data" / "processed" / "contacts").glob("month=*/*.parquet"):
        rows = pl.read_parquet(part)
        kept = rows.filter(local != month)
        if kept.height < rows.height:
            kept.write_parquet(part)


def test_a_gap_in_the_middle_of_the_year_is_reported_as_partial(years_workspace, tmp_path):
    """The first and last months are there, March is not: the year is partial, and says so."""
    ws = tmp_path / "ws"
    shutil.copytree(years_workspace, ws)
    whole = cx.review.year_staffing(YEAR, workspace=years_workspace)
    assert whole.year.complete
    with use_language("en"):
        assert "The data cover" not in " ".join(whole.findings())
    _drop_local_month(ws, dt.date(2026, 3, 1))
    result = cx.review.year_staffing(YEAR, workspace=ws)
    assert not result.year.complete
    assert result.year.missing() == [dt.date(2026, 3, 1)]
    assert result.table["month"].n_unique() == 11
    assert dt.date(2026, 3, 1) not in result.table["month"].to_list()
    with use_language("en"):
        first = result.findings()[0]
    assert first == (
        f"The data cover 11 of the 12 months of {YEAR.text} (March 2026 missing): the figures "
        "are for those months and are not extrapolated to a year."
    )
    with use_language("zh"):
        assert "2026年3月" in result.findings()[0]
