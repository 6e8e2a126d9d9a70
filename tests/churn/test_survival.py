"""Kaplan–Meier, log-rank and Aalen–Johansen: textbook numbers, identities, a cross-check."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest

import cxlab as cx
from cxlab._errors import NotEnoughDataError

# Freireich et al. (1963) remission times in weeks (Gehan 1965); "+" (censored) marked by 0
MP6 = [(6, 1), (6, 1), (6, 1), (7, 1), (10, 1), (13, 1), (16, 1), (22, 1), (23, 1), (6, 0),
       (9, 0), (10, 0), (11, 0), (17, 0), (19, 0), (20, 0), (25, 0), (32, 0), (32, 0), (34, 0),
       (35, 0)]  # fmt: skip
PLACEBO = [(t, 1) for t in (1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23)]


def _leukaemia() -> pl.DataFrame:
    rows = [("6-MP", t, e) for t, e in MP6] + [("placebo", t, e) for t, e in PLACEBO]
    return pl.DataFrame(rows, schema=["group", "duration", "churned"], orient="row")


@pytest.mark.golden
def test_kaplan_meier_and_logrank_on_the_leukaemia_trial():
    """Kleinbaum & Klein (2012), Survival Analysis: A Self-Learning Text, 3rd ed., ch. 2 (the
    Freireich remission data): 6-MP group S(10) = 0.753, S(13) = 0.690, S(16) = 0.627,
    S(22) = 0.538, S(23) = 0.448; log-rank statistic 16.79 on 1 df (R: survdiff gives 16.8).
    Tolerance 0.001 (the book prints three decimals) and 0.01 for the statistic."""
    km = cx.churn.kaplan_meier(_leukaemia(), by="group", at_days=(10, 13, 16, 22, 23))
    mp = km.summary().filter(pl.col("group") == "6-MP")["retention"].to_list()
    assert mp == pytest.approx([0.753, 0.690, 0.627, 0.538, 0.448], abs=1e-3)
    assert km.logrank_statistic == pytest.approx(16.79, abs=0.01)
    assert km.logrank_df == 1 and km.logrank_p_value < 1e-4
    # the log(-log) interval contains the estimate and stays inside [0, 1]
    t = km.summary()
    assert ((t["ci_low"] <= t["retention"]) & (t["retention"] <= t["ci_high"])).all()
    assert isinstance(km.plot(), go.Figure) and km.findings()


def test_beyond_follow_up_is_not_extrapolated():
    km = cx.churn.kaplan_meier(_leukaemia(), at_days=(10, 100))
    row = km.summary().filter(pl.col("days") == 100).row(0, named=True)
    assert row["retention"] is None
    assert any("Not estimable" in f for f in km.findings())


def _competing(n: int = 3000, seed: int = 5) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    tc, td, cens = rng.exponential(200, n), rng.exponential(400, n), rng.uniform(0, 500, n)
    t = np.minimum(np.minimum(tc, td), cens)
    kind = np.where(t == tc, "churn", np.where(t == td, "downgrade", "censored"))
    return pl.DataFrame({"duration": t, "event_type": kind})


def test_aalen_johansen_identities_and_truth():
    """Identities: without competing events the cumulative incidence is 1 - KM; with them, the
    two incidences add to 1 - KM of any event. Truth (exponential hazards 1/200 and 1/400 per day,
    planted here): F_churn(t) = (2/3) (1 - exp(-3t/400)), inside the 95% interval at 91/182 days."""
    f = _competing()
    aj = cx.churn.cumulative_incidence(f, at_days=(91, 182))
    t = aj.summary()
    for day, row in zip((91, 182), t.iter_rows(named=True), strict=True):
        truth = 2 / 3 * (1 - np.exp(-3 * day / 400))
        assert row["ci_low"] < truth < row["ci_high"]
        assert row["naive_1_minus_km"] > row["cumulative_incidence"]
    any_event = f.with_columns(
        pl.when(pl.col("event_type") == "censored").then(0).otherwise(1).alias("churned")
    )
    km_any = cx.churn.kaplan_meier(any_event, at_days=(91, 182)).summary()
    total = t["cumulative_incidence"] + t["competing_incidence"]
    assert total.to_numpy() == pytest.approx(1 - km_any["retention"].to_numpy(), abs=1e-12)
    no_competing = f.with_columns(pl.col("event_type").replace("downgrade", "censored"))
    aj0 = cx.churn.cumulative_incidence(no_competing, at_days=(91, 182)).summary()
    assert aj0["cumulative_incidence"].to_numpy() == pytest.approx(
        aj0["naive_1_minus_km"].to_numpy(), abs=1e-12
    )
    assert isinstance(aj.plot(), go.Figure) and "overstating" in aj.findings()[0]


def test_aalen_johansen_agrees_with_lifelines():
    """Cross-check with lifelines' AalenJohansenFitter (an independent implementation of the
    same estimator and Collett's delta-method variance) on tie-free data: estimate and interval
    to 1e-6."""
    from lifelines import AalenJohansenFitter

    f = _competing(n=400, seed=9)
    code = f["event_type"].replace_strict({"churn": 1, "downgrade": 2, "censored": 0}).to_numpy()
    ref = AalenJohansenFitter(calculate_variance=True).fit(f["duration"].to_numpy(), code, 1)
    ours = cx.churn.cumulative_incidence(f, at_days=(50, 120)).summary()
    for row in ours.iter_rows(named=True):
        assert row["cumulative_incidence"] == pytest.approx(
            float(ref.cumulative_density_.loc[: row["days"]].iloc[-1, 0]), abs=1e-6
        )
        ci = ref.confidence_interval_.loc[: row["days"]].iloc[-1].to_numpy()
        assert sorted(ci) == pytest.approx([row["ci_low"], row["ci_high"]], abs=1e-6)


def test_synthetic_retention_and_experience_groups(tiny_workspace):
    contacts = cx.load("contacts", workspace=tiny_workspace)
    customers = cx.load("customers", workspace=tiny_workspace)
    frame = cx.churn.survival_frame(customers, contacts)
    km = cx.churn.kaplan_meier(frame, by="segment", target=0.85)
    assert set(km.summary()["group"]) == {"enterprise", "individual"}
    with pytest.raises(NotEnoughDataError):
        cx.churn.kaplan_meier(frame.with_columns(pl.lit(0).alias("churned")))
