"""Every result shows itself the same way; verdict rules; options and errors at the door."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest

import cxlab as cx
from cxlab.experiments import ab_test

ESTIMATE_COLUMNS = {"term", "estimate", "std_error", "ci_low", "ci_high", "p_value"}
VERDICT_WORDS = {
    "ship": "Roll out",
    "do not ship": "Do not roll out",
    "not enough evidence yet": "Not enough evidence yet",
}


@pytest.fixture(scope="module")
def tiny_reports(tiny_workspace):
    ids = cx.experiments.registry(workspace=tiny_workspace)["experiment_id"].to_list()
    return {e: cx.experiments.analyze(e, workspace=tiny_workspace) for e in ids}


def _check_result(res):
    """summary() a table, findings() sentences, to_dict() JSON, _repr_html_ escaped and plot() a
    plotly Figure with something drawn and a title or axis saying what it is."""
    assert isinstance(res.summary(), pl.DataFrame)
    assert all(isinstance(s, str) and s for s in res.findings())
    json.dumps(res.to_dict())
    assert "<script" not in res._repr_html_()
    fig = res.plot()
    assert isinstance(fig, go.Figure), type(res).__name__
    assert fig.data, type(res).__name__
    assert fig.layout.title.text or fig.layout.yaxis.title.text, type(res).__name__


def test_every_report_and_part_honours_the_result_contract(tiny_reports):
    designs = set()
    for rep in tiny_reports.values():
        designs.add(rep.design)
        for res in (rep, rep.main, *rep.diagnostics, *rep.detail.values()):
            _check_result(res)
        assert isinstance(rep.plot(), go.Figure)
        assert set(rep.effect) >= ESTIMATE_COLUMNS
        assert rep.verdict in ("ship", "do not ship", "not enough evidence yet")
        assert rep.verdict_sentence().startswith(VERDICT_WORDS[rep.verdict])
        assert rep.design_note
        cards = rep.headline()
        assert [c.key for c in cards] == ["verdict", "effect", "checks", "guardrails"]
        assert all(isinstance(c, cx.Headline) for c in cards)
        json.dumps([c.to_dict() for c in cards])
        assert rep.diagnostics_table().height == len(rep.checks()) >= len(rep.diagnostics)
        assert rep.checks_table().height == len(rep.checks())
        assert rep.details()
    # the single-region pilot is read by synthetic control when its region's level lies within
    # the others' (the synthetic control result is then the main part), else by synthetic DiD
    # with the synthetic control result kept among the parts checked above
    pilot = tiny_reports["EXP-PILOT-VIDEO"]
    control = pilot.detail.get("synthetic_control", pilot.main)
    assert isinstance(control, cx.experiments.SyntheticControlResult)
    single = "synthetic_did" if control.outside else "synthetic_control"
    assert designs == {"ab", "cluster_ab", "staggered_did", single, "its"}


def test_the_overview_honours_the_result_contract(tiny_workspace):
    """The overview draws every intervention on a timeline, one line per intervention."""
    portfolio = cx.experiments.overview(workspace=tiny_workspace)
    _check_result(portfolio)
    fig = portfolio.plot()
    assert len(fig.data) == portfolio.table.height


def test_most_recent_experiment_is_the_default(tiny_workspace):
    reg = cx.experiments.registry(workspace=tiny_workspace)
    rep = cx.experiments.analyze("", workspace=tiny_workspace)
    assert rep.experiment["experiment_id"] == reg.sort("start")["experiment_id"][-1]


def test_unknown_experiment_lists_the_registry(tiny_workspace):
    with pytest.raises(cx.OptionError, match="EXP-AB-ROUTING"):
        cx.experiments.analyze("EXP-NOPE", workspace=tiny_workspace)


def _units(n_c, n_t, fcr_t=0.80, aht_t=300.0, seed=0):
    """A per-unit table: FCR 0.75 in control; handle seconds 300 per contact in control."""
    rng = np.random.default_rng(seed)
    arm = np.array(["control"] * n_c + ["treatment"] * n_t)
    p = np.where(arm == "treatment", fcr_t, 0.75)
    k = rng.integers(1, 4, len(arm)).astype(float)
    h = np.where(arm == "treatment", aht_t, 300.0) * k * rng.lognormal(0, 0.3, len(arm))
    return pl.DataFrame(
        {
            "unit_id": [str(i) for i in range(len(arm))],
            "arm": arm,
            "fcr_reported__y": rng.binomial(k.astype(int), p).astype(float),
            "fcr_reported__d": k,
            "aht__y": h,
            "aht__d": k,
        }
    )


def test_srm_failure_is_shown_before_any_effect():
    """A 55/45 split of 20,000 units is a sample-ratio mismatch (p ~ 1e-45): no verdict but
    'not enough evidence yet', and the SRM finding comes before the primary effect."""
    res = ab_test(_units(11_000, 9_000), primary="fcr_reported")
    assert not res.srm.passed
    assert res.verdict == "not enough evidence yet"
    text = res.findings()
    srm_at = next(i for i, s in enumerate(text) if "random split promised" in s)
    primary_at = next(i for i, s in enumerate(text) if "control group" in s)
    assert srm_at < primary_at


def test_a_harmed_guardrail_vetoes_a_win():
    """FCR +5 points (a clear win) but handle time +20% (a clear harm): do not ship."""
    res = ab_test(_units(5000, 5000, aht_t=360.0), primary="fcr_reported", guardrails=["aht"])
    row = res.estimates.filter(pl.col("metric") == "aht").row(0, named=True)
    assert row["harmful"]
    assert res.verdict == "do not ship"
    ok = ab_test(_units(5000, 5000), primary="fcr_reported", guardrails=["aht"])
    assert ok.verdict == "ship"


def test_several_arms_are_corrected_and_said():
    units = pl.concat(
        [
            _units(3000, 3000, seed=1),
            _units(0, 3000, fcr_t=0.75, seed=2).with_columns(
                arm=pl.lit("treatment_b"), unit_id=pl.col("unit_id") + "b"
            ),
        ]
    )
    res = ab_test(units, primary="fcr_reported", correction="holm")
    prim = res.estimates.filter(pl.col("role") == "primary")
    assert prim.height == 2
    assert (prim["p_adj"] >= prim["p_value"]).all()
    assert any("Holm" in s and "2 primary" in s for s in res.details())
    assert not any("Holm" in s for s in res.findings())  # method names live in the appendix
    with pytest.raises(cx.OptionError):
        ab_test(units, primary="fcr_reported", correction="bonferroni")


def test_power_shrinks_with_weeks_and_matches_the_normal_formula(tiny_workspace):
    """MDE falls as the test runs longer; for one row the MDE equals statsmodels' NormalIndPower
    solved for the standardised effect, times the per-unit standard deviation (1e-6)."""
    from statsmodels.stats.power import NormalIndPower

    contacts = cx.load("contacts", workspace=tiny_workspace)
    res = cx.experiments.power(contacts, metric="fcr_reported", max_weeks=4, target_mde=0.05)
    t = res.table
    assert (t["mde"].diff().drop_nulls() < 0).all()
    row = t.row(1, named=True)
    # per-arm n with a 50/50 split; std_dev is the linearised per-unit deviation (metric's units)
    d = NormalIndPower().solve_power(nobs1=row["units"] / 2, alpha=0.05, power=0.8, ratio=1.0)
    assert row["mde"] == pytest.approx(d * row["std_dev"], rel=1e-6)
    assert res.weeks_needed is None or 1 <= res.weeks_needed <= 4
    _check_result(res)


def test_sequential_interval_is_wider_than_fixed_and_ends_at_the_ab_estimate(
    tiny_reports, tiny_workspace
):
    rep = tiny_reports["EXP-AB-ROUTING"]
    looks = rep.detail["sequential"].looks
    assert ((looks["cs_high"] - looks["cs_low"]) > (looks["ci_high"] - looks["ci_low"])).all()
    # the last look sees the same contacts as the A/B test: without CUPED, the same estimate
    row = rep.experiment
    units = cx.experiments.unit_metrics(
        cx.load("contacts", workspace=tiny_workspace),
        cx.load("assignments", workspace=tiny_workspace),
        metrics=["fcr_reported"],
        start=row["start"],
        end=row["end"],
        experiment_id=row["experiment_id"],
    )
    plain = ab_test(units, primary="fcr_reported", cuped=False)
    assert looks["estimate"][-1] == pytest.approx(plain.primary["estimate"], rel=1e-9)


def test_team_randomisation_counts_teams_not_contacts(tiny_workspace):
    """Teams as the unit (agents' team from the agents table): an A/A split of the teams gives as
    many units as teams and degrees of freedom teams - 2, whatever the number of contacts."""
    agents = cx.load("agents", workspace=tiny_workspace).collect()
    teams = sorted(agents["team"].unique())
    arms = pl.DataFrame(
        {
            "unit_id": teams,
            "arm": ["control", "treatment"] * (len(teams) // 2) + ["control"] * (len(teams) % 2),
        }
    )
    reg = cx.experiments.registry(workspace=tiny_workspace)
    row = reg.filter(pl.col("experiment_id") == "EXP-AB-ROUTING").row(0, named=True)
    units = cx.experiments.unit_metrics(
        cx.load("contacts", workspace=tiny_workspace),
        arms,
        metrics=["fcr_reported"],
        unit="team",
        start=row["start"],
        end=row["end"],
        agents=agents,
    )
    assert units.height == len(teams)
    res = ab_test(units, primary="fcr_reported", unit="team")
    assert res.estimates["df"][0] == len(teams) - 2
    with pytest.raises(cx.OptionError, match="agents"):
        cx.experiments.unit_metrics(
            cx.load("contacts", workspace=tiny_workspace),
            arms,
            metrics=["fcr_reported"],
            unit="team",
            start=row["start"],
            end=row["end"],
        )
