"""The churn report's analysis on tiny workspaces of several seeds (no papermill): every call the
notebook makes returns a result that shows itself, and a model the data cannot support says so
in words instead of raising."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import pytest

import cxlab as cx
from cxlab._present import use_language

EXPERIENCE = ["unresolved_complaint_90d", "abandoned_contacts_90d", "low_csat_90d", "transfers_90d"]


@pytest.fixture(scope="module", params=[3, 5])
def seeded_workspace(request, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp(f"tiny-{request.param}")
    cx.data.generate(seed=request.param, size="tiny", workspace=root)
    return root


def _shows_itself(result) -> None:
    """What the notebook does with a result: its HTML, its chart, its findings."""
    assert "<script" not in result._repr_html_()
    fig = result.plot()
    assert fig is None or isinstance(fig, go.Figure)
    assert all(isinstance(s, str) and s for s in result.findings())


def _report(ws: Path, export: Path, **params) -> dict:
    """The calls of notebooks/03_churn_drivers.ipynb, in its order, with its defaults."""
    p = {
        "as_of": "latest",
        "horizon": 90,
        "segment": "all",
        "landmark": "auto",
        "split_days": 91,
        **params,
    }
    contacts = cx.load("contacts", workspace=ws)
    customers = cx.load("customers", workspace=ws)
    surveys = cx.load("surveys", workspace=ws)
    seg = p["segment"]
    risk = cx.churn.at_risk(
        contacts,
        customers,
        surveys,
        as_of=p["as_of"],
        horizon=p["horizon"],
        segment=seg,
        if_too_little="say",
    )
    drivers = cx.churn.driver_impact(risk, improvement=0.5)
    frame = cx.churn.survival_frame(customers, contacts, segment=seg)
    retention = cx.churn.cumulative_incidence(frame, target=0.85)
    panel = cx.churn.customer_months(contacts, customers, segment=seg)
    common = {
        "event": "churned",
        "covariates": cx.churn.MONTHLY_COVARIATES,
        "reference": cx.churn.MONTHLY_REFERENCE,
        "if_too_little": "say",
    }
    monthly = cx.churn.cox(panel, entry="start", duration="stop", **common)
    share = cx.churn.attributable_share(monthly, terms=EXPERIENCE)
    cards = cx.churn.headline_cards(retention, drivers, risk, share=share)
    found = cx.churn.key_findings(retention, drivers, risk, share=share)
    by_segment = cx.churn.kaplan_meier(frame, by="segment", target=0.85)
    snapshot = cx.churn.landmark_frame(
        contacts, customers, surveys, as_of=p["landmark"], segment=seg
    )
    curves = [
        cx.churn.kaplan_meier(snapshot, by=b) for b in ("unresolved_complaint_90d", "low_csat_90d")
    ]
    landmark = cx.churn.cox(snapshot, duration="duration", **common)
    ph = cx.churn.ph_check(landmark)
    split = cx.churn.cox(
        snapshot,
        duration="duration",
        split_at=[p["split_days"]],
        time_varying=["unresolved_complaint_90d", "low_csat_90d"],
        **common,
    )
    saved = risk.save(export)
    assert isinstance(risk.export_note(saved), str) and isinstance(ph.meaning(), str)
    for r in (risk, drivers, retention, monthly, share, by_segment, *curves, landmark, ph, split):
        _shows_itself(r)
    _shows_itself(risk.model)
    assert isinstance(risk.plot_roc(), go.Figure)
    return {"risk": risk, "share": share, "cards": cards, "findings": found, "saved": saved}


def test_the_report_analysis_runs_on_tiny_seeds(seeded_workspace, tmp_path):
    out = _report(seeded_workspace, tmp_path)
    keys = {c.key for c in out["cards"]}
    assert "service_share_of_churn" in keys
    assert all(isinstance(s, str) and s for s in out["findings"])
    if isinstance(out["risk"], cx.churn.NotEstimated):
        assert "value_at_risk" not in keys and out["saved"] is None
        assert any("could not be estimated" in s for s in out["findings"])
    else:
        assert {"value_at_risk", "list_ranking"} <= keys and out["saved"].exists()


def test_one_segment_of_a_tiny_workspace_says_what_it_cannot_estimate(tiny_workspace, tmp_path):
    """Enterprise customers of the tiny workspace: too few leavers for the at-risk model and the
    landmark Cox model; the answer says so once each, in both languages, and keeps the rest."""
    out = _report(tiny_workspace, tmp_path, segment="enterprise")
    risk = out["risk"]
    assert isinstance(risk, cx.churn.NotEstimated)
    assert risk.findings()[0].startswith("The at-risk list could not be estimated: ")
    assert "customers left among" in risk.findings()[0]
    assert sum("could not be estimated" in s for s in out["findings"]) == 1
    assert {c.key for c in out["cards"]} == {"retention_12m", "service_share_of_churn"}
    with use_language("zh"):
        assert risk.findings()[0].startswith("流失风险名单无法估计：")
        assert "无法估计" in cx.churn.driver_impact(risk).findings()[0]
