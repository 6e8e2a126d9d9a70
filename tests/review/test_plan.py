"""Next year's projection and the targets read off it, on a three-year tiny workspace.

Planted truth (``truth.json["kpi_drift"]``): FCR, CSAT and handle time carry a linear trend and
an annual cycle ``season * cos(2 pi (t - Jan 15) / year)``. The projection fits on its own scale
(logit of FCR, logit of ``(CSAT - 1) / 4``, log of AHT); a fitted term is converted to the
planted one's scale by the slope of the inverse transform at the mean level: ``p (1 - p)`` for
FCR (planted in probability points), ``4 p (1 - p)`` into CSAT points and then, since CSAT is
planted on its ordered-logit latent scale, divided by ``sum_j q_j (1 - q_j)`` (``q_j`` the
share of scores above ``j``: the latent-to-mean slope at the average contact, which overstates
the average slope a little); AHT is planted on the log scale, as fitted.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import cxlab as cx
from cxlab._errors import NotEnoughDataError
from cxlab.review._plan_model import slope
from cxlab.review._plan_targets import PeakHour, agents_for, plan_round

FIRST_TWO_YEARS = "2024-11..2025-10"  # the second year of the first 24 months


@pytest.fixture(scope="module")
def contacts(years_workspace: Path) -> pl.DataFrame:
    return cx.load("contacts", workspace=years_workspace).collect()


def _before(contacts: pl.DataFrame, day: dt.date) -> pl.LazyFrame:
    cut = dt.datetime.combine(day, dt.time(), dt.UTC) - dt.timedelta(hours=8)  # Shanghai midnight
    return contacts.lazy().filter(pl.col("arrived_at") < cut)


@pytest.fixture(scope="module")
def held_out(years_workspace: Path, contacts: pl.DataFrame) -> cx.review.Projection:
    """Fitted on the first 24 months only; the last 12 are held out."""
    return cx.review.projection(
        FIRST_TWO_YEARS,
        workspace=years_workspace,
        contacts=_before(contacts, dt.date(2025, 11, 1)),
        kpis=["fcr", "fcr_reported", "csat", "aht"],
        decided=False,
    )


@pytest.fixture(scope="module")
def full(years_workspace: Path) -> cx.review.Projection:
    return cx.review.projection("2025-11..2026-10", workspace=years_workspace)


def _realised(contacts: pl.DataFrame, kpi: str) -> pl.DataFrame:
    return (
        cx.features.kpi(contacts.lazy(), [kpi], every="1mo")
        .with_columns(pl.col("period").dt.date().alias("month"))
        .select("month", pl.col("value").alias("realised"), "numerator", "denominator")
    )


def test_held_out_months_fall_inside_their_90_percent_ranges(held_out, contacts) -> None:
    inside, total = 0, 0
    for kpi in ("fcr", "csat", "aht"):
        ahead = held_out.table.filter(pl.col("kpi") == kpi, pl.col("kind") == "projected")
        both = ahead.join(_realised(contacts, kpi), on="month")
        assert both.height == 12
        hit = (both["realised"] >= both["projected_lo"]) & (
            both["realised"] <= both["projected_hi"]
        )
        inside += int(hit.sum())
        total += both.height
    assert total == 36
    assert inside >= 29, f"{inside} of 36 held-out months inside their 90% ranges"


def test_the_years_range_holds_the_realised_year(held_out, contacts) -> None:
    for r in held_out.annual.iter_rows(named=True):
        months = _realised(contacts, r["kpi"]).filter(
            pl.col("month") >= dt.date(2025, 11, 1), pl.col("month") < dt.date(2026, 11, 1)
        )
        year = months["numerator"].sum() / months["denominator"].sum()
        width = r["projected_hi"] - r["projected_lo"]
        assert r["projected_lo"] - 0.5 * width <= year <= r["projected_hi"] + 0.5 * width, r


def _term(projection, kpi: str, term: str) -> tuple[float, float]:
    row = projection.terms.filter(pl.col("kpi") == kpi, pl.col("term") == term).row(0, named=True)
    return row["estimate"], row["std_error"]


def _season_at_mid_january(projection, kpi: str) -> tuple[float, float]:
    phase = 2 * math.pi * 14 / 365.2425  # 15 January, as day 14 of the year
    c, sc = _term(projection, kpi, "cos_1")
    s, ss = _term(projection, kpi, "sin_1")
    return c * math.cos(phase) + s * math.sin(phase), max(sc, ss)


def test_trend_and_season_match_the_planted_drift(held_out, years_workspace, contacts) -> None:
    drift = cx.data.truth(years_workspace)["kpi_drift"]["terms"]
    history = held_out.table.filter(pl.col("kind") == "history")
    level = {
        k: history.filter(pl.col("kpi") == k)["actual"].mean()
        for k in ("fcr_reported", "csat", "aht")
    }
    scores = contacts.filter(pl.col("arrived_at") < dt.datetime(2025, 10, 31, 16, tzinfo=dt.UTC))
    scores = scores["csat"].drop_nulls().to_numpy()
    latent = sum((scores > j).mean() * (1 - (scores > j).mean()) for j in range(1, 5))
    factor = {  # fitted scale -> planted scale
        "fcr_reported": slope(level["fcr_reported"], "share"),
        "csat": slope(level["csat"], "score") / latent,
        "aht": 1.0,
    }
    # FCR is planted in the agent's resolution flag (fcr_reported), not in the repeat-based fcr
    planted = {"fcr_reported": drift["fcr"], "csat": drift["csat"], "aht": drift["handle"]}
    for kpi, truth in planted.items():
        trend, se = _term(held_out, kpi, "trend_per_year")
        trend, se = trend * factor[kpi], se * factor[kpi]
        if kpi == "fcr_reported":  # the specialist desk's roll-out to more regions adds to it
            assert trend >= truth["per_year"] - 3 * se, (kpi, trend)
        else:
            assert abs(trend - truth["per_year"]) <= 3 * se + 0.3 * abs(truth["per_year"]), (
                kpi,
                trend,
            )
        season, se = _season_at_mid_january(held_out, kpi)
        season, se = season * factor[kpi], se * factor[kpi]
        assert abs(season - truth["season"]) <= 3 * se + 0.3 * abs(truth["season"]), (kpi, season)


def test_fewer_than_twelve_months_are_refused_naming_them(years_workspace, contacts) -> None:
    recent = contacts.lazy().filter(
        pl.col("arrived_at") >= dt.datetime(2025, 12, 31, 16, tzinfo=dt.UTC)
    )
    with pytest.raises(
        NotEnoughDataError, match=r"10 complete months of history \(2026-01 to 2026-10\)"
    ):
        cx.review.projection("2025-11..2026-10", workspace=years_workspace, contacts=recent)


def test_a_month_without_contacts_is_refused_not_bridged(years_workspace, contacts) -> None:
    month = pl.col("arrived_at").dt.convert_time_zone("Asia/Shanghai").dt.strftime("%Y-%m")
    holed = contacts.lazy().filter(month != "2025-03")
    with pytest.raises(NotEnoughDataError, match="2025-03"):
        cx.review.projection("2025-11..2026-10", workspace=years_workspace, contacts=holed)


def test_a_review_year_is_projected_from_its_twelve_months_and_workspace(years_workspace) -> None:
    year = cx.review.review_year("2025-11..2026-10", workspace=years_workspace)
    given = cx.review.projection(year, kpis="fcr", decided=False)
    spec = cx.review.projection(
        "2025-11..2026-10", workspace=years_workspace, kpis="fcr", decided=False
    )
    assert given.annual.equals(spec.annual) and given.table.equals(spec.table)


def test_under_two_years_the_trend_alone_is_said_in_words(years_workspace, contacts) -> None:
    recent = contacts.lazy().filter(
        pl.col("arrived_at") >= dt.datetime(2025, 4, 30, 16, tzinfo=dt.UTC)
    )
    short = cx.review.projection(
        "2025-11..2026-10", workspace=years_workspace, contacts=recent, kpis="fcr", decided=False
    )
    assert short.annual["seasonal"].to_list() == [False]
    assert short.annual["months_used"].to_list() == [18]
    assert set(short.terms["term"]) == {"intercept", "trend_per_year", "residual_sd"}
    with cx._present.use_language("en"):
        assert any("too little history to measure the season" in f for f in short.findings())


def test_the_adopted_change_is_added_after_its_decision(years_workspace, full) -> None:
    """The adopted routing test is added, with its own uncertainty, to the measure it was read
    on (the service system's FCR flag, as the interventions report reads the registry's "fcr"),
    from the month after its decision; the stricter FCR (no repeat contact) is left as it is,
    and the findings say why."""
    changes = full.changes
    adopted = changes.filter(pl.col("decision") == "adopt").row(0, named=True)
    report = cx.experiments.analyze(adopted["experiment_id"], workspace=years_workspace)
    assert adopted["registered"] == "fcr" and adopted["kpi"] == report.metric == "fcr_reported"
    assert adopted["included"]
    assert adopted["from_month"] == dt.date(2026, 12, 1)  # decided on 21 November
    assert adopted["exposure"] == 0.0  # the test ended long before the last month
    assert adopted["estimate"] == pytest.approx(report.effect["estimate"])
    stopped = changes.filter(pl.col("decision") == "stop").row(0, named=True)
    assert not stopped["included"]
    kpis = ["fcr", "fcr_reported", "csat"]
    without = cx.review.projection(
        "2025-11..2026-10", workspace=years_workspace, kpis=kpis, decided=False
    )
    with_it = cx.review.projection("2025-11..2026-10", workspace=years_workspace, kpis=kpis)

    def projected(result, kpi: str) -> pl.DataFrame:
        return result.table.filter(pl.col("kind") == "projected", pl.col("kpi") == kpi)

    a, b = projected(with_it, "fcr_reported"), projected(without, "fcr_reported")
    lift = (a["projected"] - b["projected"]).to_numpy()
    assert abs(lift[0]) < 1e-9  # November 2026: before the decision
    assert np.allclose(lift[1:], adopted["estimate"], atol=0.01)
    wider = (
        a["projected_hi"] - a["projected_lo"] - b["projected_hi"] + b["projected_lo"]
    ).to_numpy()
    assert (wider[1:] > 0).all()  # the effect's own uncertainty is carried
    for kpi in ("fcr", "csat"):  # not measured on the stricter FCR; the stopped one on CSAT
        assert np.allclose(
            projected(with_it, kpi)["projected"].to_numpy(),
            projected(without, kpi)["projected"].to_numpy(),
            atol=1e-9,
        )
    with cx._present.use_language("en"):
        said = " ".join(with_it.findings())
    assert "from the adopted Smart routing to specialists" in said
    assert "its effect on first-contact resolution was not measured" in said.lower()
    assert "Agent coaching programme was stopped" in said
    default = cx.review.projection("2025-11..2026-10", workspace=years_workspace)
    assert "fcr_reported" in default.annual["kpi"].to_list()  # projected for the change


def test_proposals_read_the_right_tail_and_round_the_plan_way(full) -> None:
    proposal = cx.review.propose_targets(full)
    t = proposal.table
    for r in t.iter_rows(named=True):
        ordered = [r["target_p90"], r["target_p75"], r["target_p50"]]
        assert ordered == sorted(ordered, reverse=r["direction"] == "<="), r
        assert r["p_proposed"] >= 0.75 - 0.02, r
        step = {"share": 0.005, "score": 0.05, "seconds": 5.0}[r["unit"]]
        assert abs(r["proposed"] / step - round(r["proposed"] / step)) < 1e-6
    fcr = t.filter(pl.col("kpi") == "fcr").row(0, named=True)
    _paths, year = full.draws[("fcr", "all")]
    assert fcr["p_current"] == pytest.approx((year >= fcr["current_target"]).mean())
    assert 0 <= fcr["months_meeting"] <= 12
    assert plan_round(0.8137, "share", ">=") == 0.81
    assert plan_round(0.1012, "share", "<=") == 0.105
    assert plan_round(473.0, "seconds", "<=") == 475.0
    assert plan_round(4.337, "score", ">=") == 4.3


def test_agents_rise_with_the_target() -> None:
    peak = PeakHour("phone", dt.date(2027, 1, 1), 10, 180.0, 300.0, 120.0, 20.0)
    levels = np.linspace(0.5, 0.97, 25)
    sl = [agents_for("service_level", x, peak) for x in levels]
    answered = [agents_for("answer_rate", x, peak) for x in levels]
    lost = [agents_for("abandonment_rate", x, peak) for x in np.linspace(0.01, 0.3, 25)]
    assert sl == sorted(sl) and sl[-1] > sl[0]
    assert answered == sorted(answered) and answered[-1] > answered[0]
    assert lost == sorted(lost, reverse=True) and lost[0] > lost[-1]


def test_staffed_targets_carry_their_agents(full) -> None:
    t = cx.review.propose_targets(full).table.filter(pl.col("agents_proposed").is_not_null())
    assert set(t["kpi"]) >= {"service_level", "answer_rate"}
    assert (t["agents_change"] == t["agents_proposed"] - t["agents_current"]).all()
    assert (t["peak_volume"] > 0).all()


def test_the_written_targets_ingest_back_whole(full, years_workspace, tmp_path) -> None:
    proposal = cx.review.propose_targets(full)
    scratch = tmp_path / "ws"
    shutil.copytree(years_workspace, scratch)
    path = proposal.write(tmp_path / "targets.csv")
    done = subprocess.run(
        [sys.executable, "-m", "cxlab.cli", "data", "ingest", str(path), "--table", "targets",
         "--workspace", str(scratch)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    stored = cx.load("targets", workspace=scratch).collect()
    expected = proposal.targets()
    key = ["kpi", "scope", "period"]
    assert stored.sort(key).equals(expected.sort(key))
    before = full.targets
    untouched = before.filter(~pl.col("kpi").is_in(full.annual["kpi"].to_list()))
    assert untouched.height >= 1  # NPS and retention are kept as they were
    assert untouched.sort(key).equals(stored.join(untouched.select(key), on=key).sort(key))
    assert stored.height == before.height


def test_the_registry_decision_is_validated_and_optional(years_workspace, tmp_path) -> None:
    scratch = tmp_path / "ws"
    shutil.copytree(years_workspace, scratch)
    registry = cx.load("experiments", workspace=scratch).collect()
    bad = registry.with_columns(
        pl.when(pl.col("decision") == "stop")
        .then(pl.lit("maybe"))
        .otherwise(pl.col("decision"))
        .alias("decision")
    )
    bad.write_csv(tmp_path / "bad.csv")
    with pytest.raises(cx.SchemaError, match="decision"):
        cx.data.ingest(tmp_path / "bad.csv", "experiments", workspace=scratch)
    registry.drop("decision", "decided_on").write_csv(tmp_path / "old.csv")
    cx.data.ingest(tmp_path / "old.csv", "experiments", workspace=scratch)  # an older export
    plain = cx.review.projection("2025-11..2026-10", workspace=scratch, kpis="fcr")
    assert plain.changes.height == 0
    assert plain.annual["decided_effect"].to_list() == [0.0]


def test_a_scope_keeps_the_repeats_made_on_other_channels(years_workspace, full) -> None:
    """FCR per channel counts a call back by chat as a repeat, so the channels' FCR bracket the
    overall one (a weighted mean of them), as they would not if each channel were cut first."""
    split = cx.review.projection(
        "2025-11..2026-10", workspace=years_workspace, kpis="fcr", by="channel", decided=False
    )
    assert sorted(split.annual["scope"]) == [
        "channel=chat",
        "channel=email",
        "channel=phone",
        "channel=social",
    ]
    overall = full.annual.filter(pl.col("kpi") == "fcr")["last_year"].item()
    assert split.annual["last_year"].min() <= overall <= split.annual["last_year"].max()


def test_an_adopted_pilot_adds_only_what_it_has_not_yet_reached(
    years_workspace, contacts, tmp_path
) -> None:
    """The specialist desk already works in its pilot regions: marked adopted, it adds its
    effect times the share of the last month's contacts outside those regions."""
    scratch = tmp_path / "ws"
    shutil.copytree(years_workspace, scratch)
    pilot = "EXP-PILOT-SPECIALIST"
    registry = cx.load("experiments", workspace=scratch).collect()
    is_pilot = pl.col("experiment_id") == pilot
    registry.with_columns(
        pl.when(is_pilot).then(pl.lit("adopt")).otherwise(pl.col("decision")).alias("decision"),
        pl.when(is_pilot)
        .then(pl.lit(dt.date(2026, 11, 5)))
        .otherwise(pl.col("decided_on"))
        .alias("decided_on"),
    ).write_parquet(tmp_path / "registry.parquet")
    cx.data.ingest(tmp_path / "registry.parquet", "experiments", workspace=scratch)
    ahead = cx.review.projection("2025-11..2026-10", workspace=scratch, kpis="fcr_reported")
    row = ahead.changes.filter(pl.col("experiment_id") == pilot).row(0, named=True)
    regions = cx.load("assignments", workspace=scratch).collect()
    regions = regions.filter(pl.col("experiment_id") == pilot, pl.col("arm") == "treatment")
    month = pl.col("arrived_at").dt.convert_time_zone("Asia/Shanghai").dt.strftime("%Y-%m")
    last = contacts.filter(month == "2026-10")
    reached = last["region"].is_in(regions["unit_id"].implode()).mean()
    assert 0.2 < reached < 0.9
    assert row["exposure"] == pytest.approx(reached)
    assert row["added"] == pytest.approx(row["estimate"] * (1 - reached))
    assert row["from_month"] == dt.date(2026, 12, 1) and row["included"]
