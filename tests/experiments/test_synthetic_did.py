"""Synthetic control (classic and de-meaned) and synthetic difference in differences on panels with
a planted effect, their options at the door, and the Frank-Wolfe solver's stacked form."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest

import cxlab as cx
from cxlab.experiments import _sdid_fit as core
from cxlab.experiments._sc_predictors import nested_weights, standardise

EFFECT = -5.0


def _panel(*, treated: int = 1, shift: float = 0.0, seed: int = 3, n0: int = 16) -> pl.DataFrame:
    """Regions by year, 1990-2019, a common trend, two factors and noise; the pilot regions (the
    last ``treated``) lose 5 from 2010 and sit ``shift`` above every other region."""
    rng = np.random.default_rng(seed)
    n, t = n0 + treated, 30
    factors = np.cumsum(rng.normal(0, 1, (2, t)), axis=1)
    loadings = rng.normal(1, 0.5, (n, 2))
    level = rng.normal(100, 5, n)
    y = level[:, None] + loadings @ factors + np.linspace(0, -20, t) + rng.normal(0, 1, (n, t))
    y[n0:] += shift
    y[n0:, 20:] += EFFECT
    units = [f"R{i:02d}" for i in range(n)]
    return pl.DataFrame(
        {
            "unit": np.repeat(units, t),
            "period": np.tile(np.arange(1990, 1990 + t), n),
            "y": y.ravel(),
        }
    )


def _treated(panel: pl.DataFrame, k: int) -> list[str]:
    return sorted(panel["unit"].unique())[-k:]


def test_the_stacked_solver_solves_each_problem_as_if_alone():
    rng = np.random.default_rng(0)
    stack = rng.normal(size=(5, 12, 9))
    zetas = np.array([0.0, 0.1, 0.5, 1.0, 2.0])
    together = core.sc_weight_fw(stack, zetas, min_decrease=1e-6, max_iter=5000)
    for k in range(5):
        alone = core.sc_weight_fw(stack[k], zetas[k], min_decrease=1e-6, max_iter=5000)
        np.testing.assert_allclose(together[k], alone, atol=1e-12)
        assert alone.min() >= 0 and alone.sum() == pytest.approx(1)


def test_sdid_recovers_a_planted_effect_with_one_and_with_three_pilot_regions():
    one = _panel()
    res = cx.experiments.synthetic_did(one, treated=_treated(one, 1), start=2010)
    e = res.effect
    assert e["ci_low"] <= EFFECT <= e["ci_high"] and abs(e["estimate"] - EFFECT) < 1.5
    assert res.se_method == "placebo" and res.placebos.height == 16
    assert res.unit_weights["weight"].sum() == pytest.approx(1)
    assert res.time_weights["weight"].sum() == pytest.approx(1)
    post = res.path.filter(pl.col("post"))
    assert post["gap"].mean() == pytest.approx(e["estimate"])  # the chart shows the estimate
    three = _panel(treated=3, seed=5)
    res3 = cx.experiments.synthetic_did(three, treated=_treated(three, 3), start=2010)
    assert res3.se_method == "jackknife" and res3.unit == ""
    assert res3.effect["ci_low"] <= EFFECT <= res3.effect["ci_high"]
    placebo = cx.experiments.synthetic_did(
        three, treated=_treated(three, 3), start=2010, se="placebo", replications=40
    )
    assert placebo.effect["estimate"] == res3.effect["estimate"]
    assert placebo.effect["std_error"] != res3.effect["std_error"]


def test_a_pilot_level_outside_the_others_needs_the_intercept():
    """Classic synthetic control cannot reach a region 40 above all others (its fit before the
    start is poor); the de-meaned form and synthetic DiD allow the steady gap and find -5."""
    panel = _panel(shift=40.0)
    (pilot,) = _treated(panel, 1)
    classic = cx.experiments.synthetic_control(panel, treated=pilot, start=2010)
    demeaned = cx.experiments.synthetic_control(panel, treated=pilot, start=2010, form="demeaned")
    sdid = cx.experiments.synthetic_did(panel, treated=pilot, start=2010)
    assert classic.placebos.height == 16 and classic.form == "classic"
    pre_gap = classic.path.filter(~pl.col("post"))["gap"].abs().mean()
    assert pre_gap > 10  # the blend stays below the pilot region before the start
    assert classic.outside == "above" and demeaned.outside == "above"
    assert any("suits it better" in s for s in classic.findings())
    assert not any("suits it better" in s for s in demeaned.findings())
    assert cx.experiments.synthetic_control(_panel(), treated=pilot, start=2010).outside == ""
    assert abs(demeaned.effect["estimate"] - EFFECT) < 1.5
    assert sdid.effect["ci_low"] <= EFFECT <= sdid.effect["ci_high"]


def test_fitted_predictor_importances_fit_the_pre_period_at_least_as_well_as_equal_ones():
    panel = _panel(seed=8)
    (pilot,) = _treated(panel, 1)
    predictors = {
        "early": ("y", 1990, 1995),
        "middle": ("y", 1996, 2002),
        "late": ("y", 2007, 2009),
        "last": ("y", 2009, 2009),
    }
    res = cx.experiments.synthetic_control(panel, treated=pilot, start=2010, predictors=predictors)
    b = res.balance
    assert b.columns == ["predictor", "importance", "treated", "synthetic", "donor_mean"]
    assert b["predictor"].to_list() == list(predictors) and res.predictors == tuple(predictors)
    assert b["importance"].sum() == pytest.approx(1)
    wide = panel.pivot(on="unit", index="period", values="y").sort("period")
    units = [c for c in wide.columns if c != "period" and c != pilot]
    pre = wide.filter(pl.col("period") < 2010)
    x = np.vstack(
        [
            pre.filter(pl.col("period").is_between(lo, hi)).select(pilot, *units).mean().row(0)
            for _c, lo, hi in predictors.values()
        ]
    )
    xs = standardise(x)
    z1, z0 = pre[pilot].to_numpy(), pre.select(units).to_numpy()
    w, v = nested_weights(xs[:, 0], xs[:, 1:], z1, z0)
    from cxlab.experiments._sc_predictors import simplex_weights

    equal = simplex_weights(xs[:, 0], xs[:, 1:])
    assert ((z1 - z0 @ w) ** 2).mean() <= ((z1 - z0 @ equal) ** 2).mean() + 1e-9
    np.testing.assert_allclose(v, b["importance"].to_numpy(), atol=1e-9)
    assert "4 predictors" in res.details()[0]
    # a covariate averaged over a window: the pilot region's own mean, read from its table
    covariates = panel.select("unit", "period", price=pl.col("y") / 10)
    with_price = cx.experiments.synthetic_control(
        panel,
        treated=pilot,
        start=2010,
        predictors={"price": ("price", 2000, 2009), "last": ("y", 2009, 2009)},
        covariates=covariates,
    )
    own = panel.filter((pl.col("unit") == pilot) & pl.col("period").is_between(2000, 2009))
    price = with_price.balance.filter(pl.col("predictor") == "price")
    assert price["treated"][0] == pytest.approx(own["y"].mean() / 10)


def test_options_are_checked_at_the_door():
    panel = _panel()
    (pilot,) = _treated(panel, 1)
    with pytest.raises(cx.OptionError, match="form='twisted'"):
        cx.experiments.synthetic_control(panel, treated=pilot, start=2010, form="twisted")
    with pytest.raises(cx.OptionError, match="predictors= needs form='classic'"):
        cx.experiments.synthetic_control(
            panel, treated=pilot, start=2010, form="demeaned", predictors={"a": ("y", 1990, 1995)}
        )
    with pytest.raises(cx.OptionError, match=r"\(column, first, last\)"):
        cx.experiments.synthetic_control(panel, treated=pilot, start=2010, predictors={"a": "y"})
    with pytest.raises(cx.SchemaError, match="'price'"):
        cx.experiments.synthetic_control(
            panel, treated=pilot, start=2010, predictors={"p": ("price", 1990, 1995)}
        )
    with pytest.raises(cx.OptionError, match="se='jackknife' needs at least two"):
        cx.experiments.synthetic_did(panel, treated=pilot, start=2010, se="jackknife")
    with pytest.raises(cx.OptionError, match="se='both'"):
        cx.experiments.synthetic_did(panel, treated=pilot, start=2010, se="both")
    with pytest.raises(cx.OptionError, match="replications=1"):
        cx.experiments.synthetic_did(panel, treated=pilot, start=2010, replications=1)
    with pytest.raises(cx.NotEnoughDataError, match=r"'Atlantis'.*panel covers periods 1990"):
        cx.experiments.synthetic_did(panel, treated="Atlantis", start=2010)
    with pytest.raises(cx.NotEnoughDataError, match="2 periods before and 1 after"):
        cx.experiments.synthetic_did(panel, treated=pilot, start=2030)


def test_the_sdid_result_shows_itself():
    panel = _panel()
    (pilot,) = _treated(panel, 1)
    res = cx.experiments.synthetic_did(panel, treated=pilot, start=2010, metric="packs")
    summary = res.summary()
    assert summary.columns == ["term", "estimate", "std_error", "ci_low", "ci_high", "p_value"]
    said = " ".join(res.findings())
    assert pilot in said and "2010" in said and "packs" in said
    assert "zeta" not in said and "zeta" in res.details()[0]  # jargon stays in the details
    fig = res.plot()
    assert isinstance(fig, go.Figure) and len(fig.data) == 3
    assert res.to_dict()["summary"][0]["estimate"] == pytest.approx(res.effect["estimate"])
    assert res.placebo.kind == "untreated_regions" and res.placebo.count == 16


def test_a_registry_that_names_synthetic_did_gets_it(scratch_workspace):
    """A registered pilot whose design is ``synthetic_did`` is validated at the door and read by
    synthetic DiD; the report names that design and says why it fits."""
    import cxlab._config

    ws = scratch_workspace
    reg = cx.load("experiments", workspace=ws).collect()
    changed = reg.with_columns(
        design=pl.when(pl.col("experiment_id") == "EXP-PILOT-VIDEO")
        .then(pl.lit("synthetic_did"))
        .otherwise(pl.col("design"))
    )
    cx.data.write_table(changed, "experiments", workspace=cxlab._config.settings(ws))
    rep = cx.experiments.analyze("EXP-PILOT-VIDEO", workspace=ws)
    assert rep.design == "synthetic_did"
    assert isinstance(rep.main, cx.experiments.SyntheticDiDResult)
    assert rep.effect == rep.main.effect and rep.main.se_method == "placebo"
    assert "several regions ran the pilot together" in rep.design_note
    assert rep.diagnostics[0].kind == "untreated_regions"


def test_the_start_is_read_in_the_periods_own_terms():
    """A start splits weekly times in the panel's zone (a date is its local midnight, a naive
    time is local), daily dates, or years."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from cxlab.experiments._synthetic import pre_mask

    zone = ZoneInfo("Asia/Shanghai")
    weeks = pl.Series(
        [dt.datetime(2026, 1, d, tzinfo=zone) for d in (1, 5, 9)]
    ).dt.convert_time_zone("Asia/Shanghai")
    utc_start = dt.datetime(2026, 1, 4, 16, tzinfo=dt.UTC)  # 2026-01-05 00:00 in Shanghai
    for start in (dt.date(2026, 1, 5), dt.datetime(2026, 1, 5), utc_start):
        assert pre_mask(weeks, start).tolist() == [True, False, False], start
    days = pl.Series([dt.date(2026, 1, d) for d in (1, 5, 9)])
    assert pre_mask(days, dt.datetime(2026, 1, 5)).tolist() == [True, False, False]
    assert pre_mask(pl.Series([1988, 1989, 1990]), 1989).tolist() == [True, False, False]


def test_a_pilot_region_beyond_every_other_is_read_by_synthetic_did(monkeypatch):
    """The registry's single-region design: when the pilot region's level lies beyond every other
    region's, synthetic DiD answers (its guardrails too), the report names that design, and
    synthetic control (biased by the level gap) stays in the appendix."""
    import cxlab.experiments._registry as registry

    panel = _panel(shift=40.0)
    monkeypatch.setattr(registry, "kpi_panel", lambda *args, **kwargs: panel)
    units = sorted(panel["unit"].unique())
    assignments = pl.LazyFrame(
        {"unit_id": units, "arm": ["control"] * 16 + ["treatment"], "assigned_at": [2010] * 17}
    )
    row = {"experiment_id": "EXP-X", "start": 2010, "design": "synthetic_control", "name": "X"}
    rep = registry._pilot(
        row=row,
        metric="aht",
        guards=["csat"],
        contacts=None,
        assignments=assignments,
        tz="UTC",
        alpha=0.05,
        notes=(),
    )
    assert rep.design == "synthetic_did"
    assert isinstance(rep.main, cx.experiments.SyntheticDiDResult)
    assert rep.effect["ci_low"] <= EFFECT <= rep.effect["ci_high"]
    assert rep.guardrails["estimate"][0] == pytest.approx(rep.effect["estimate"])
    classic = rep.detail["synthetic_control"]
    assert classic.outside == "above" and classic.effect["estimate"] > 10
    assert rep.details()[-1] == classic.details()[0]
    assert "no blend of other regions matched the pilot's level" in rep.design_note
