"""A tiny workspace whose contacts start on 2026-07-01 (seed 3): four months of data, so the
landmark curves have about a month of follow-up and the at-risk model's training date falls
before the data. The results must say so plainly and claim nothing the data cannot show."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

import cxlab as cx
from cxlab._present import use_language


@pytest.fixture(scope="module")
def short(tmp_path_factory) -> dict:
    root: Path = tmp_path_factory.mktemp("tiny-3")
    cx.data.generate(seed=3, size="tiny", workspace=root)
    contacts = cx.load("contacts", workspace=root)
    customers = cx.load("customers", workspace=root)
    surveys = cx.load("surveys", workspace=root)
    risk = cx.churn.at_risk(contacts, customers, surveys, as_of="latest", horizon=90)
    snapshot = cx.churn.landmark_frame(contacts, customers, surveys, as_of="auto")
    frame = cx.churn.survival_frame(customers, contacts)
    retention = cx.churn.cumulative_incidence(frame, target=0.85)
    drivers = cx.churn.driver_impact(risk, improvement=0.5)
    return {"risk": risk, "snapshot": snapshot, "retention": retention, "drivers": drivers}


def test_curves_without_any_reported_time_make_no_claim_about_gaps(short):
    km = cx.churn.kaplan_meier(short["snapshot"], by="unresolved_complaint_90d")
    assert km.logrank_p_value is not None  # a test was computed, but nothing is reported
    assert km.retention["retention"].null_count() == km.retention.height
    found = km.findings()
    assert not any("chance" in s for s in found)
    assert any("no comparison between the groups" in s for s in found)
    assert "<table" not in km._repr_html_()  # no header-only table
    with use_language("zh"):
        zh = km.findings()
        assert not any("偶然" in s for s in zh)
        assert any("无法比较各组" in s for s in zh)


def test_a_list_trained_before_the_data_start_is_not_called_good_enough(short):
    risk = short["risk"]
    assert risk.data_start == dt.date(2026, 7, 1)
    assert risk.train_as_of - dt.timedelta(days=90) < risk.data_start
    assert risk.history_too_short() and not risk.validated()
    assert not any("Use it to decide whom to call first" in s for s in risk.findings())
    assert "could not be checked on a past period" in risk.findings()[-1]
    card = next(c for c in risk.headline() if c.key == "list_ranking")
    assert "not checked: the data start on Jul 1, 2026" in str(card.detail)
    found = cx.churn.key_findings(short["retention"], short["drivers"], risk)
    assert not any("(chance: 5), good enough to decide" in s for s in found)
    assert any("could not be checked on a past period" in s for s in found)
    with use_language("zh"):
        zh = cx.churn.key_findings(short["retention"], short["drivers"], risk)
        assert not any("足以用来决定先联系谁" in s for s in zh)
        assert any("名单无法在历史时段上检验" in s for s in zh)


def test_a_history_too_short_runs_no_check_and_the_card_says_why(short):
    """The training landmark (May 2026) falls before the data start (Jul 1, 2026): its experience
    window is empty, so no check on a past period is run. The card shows "–" with the reason
    (no AUC, no range), the appendix says there was no temporal validation instead of reporting
    one, and the charts of the check say they are missing."""
    risk = short["risk"]
    assert risk.train_as_of < risk.data_start
    assert not risk.checked and risk.auc is None and risk.holdout_n is None
    card = next(c for c in risk.headline() if c.key == "list_ranking")
    assert card.value_text() == "–" and card.low is None and card.high is None
    assert card.detail == ("not checked: the data start on Jul 1, 2026, too late for a past period")
    details = " ".join(risk.details())
    assert details.startswith("No temporal validation")
    assert "Holdout AUC" not in details and "trained on features" not in details
    assert "Jul 1, 2026" in details
    assert risk.validation()["estimate"].null_count() == risk.validation().height
    for fig in (risk.plot(), risk.plot_roc()):
        assert "could not be checked" in fig.data[0].text[0]
    json.dumps(risk.to_dict())
    with use_language("zh"):
        card = next(c for c in risk.headline() if c.key == "list_ranking")
        assert card.value_text() == "–" and "未检验" in card.detail
        assert risk.details()[0].startswith("未做时间外验证")


def test_a_list_whose_holdout_count_is_far_off_is_not_called_good_enough(short):
    """Calibration in the large: 73 churners predicted where 150 left is far beyond chance."""
    off = dataclasses.replace(
        short["risk"],
        data_start=dt.date(2020, 1, 1),
        auc=0.62,
        auc_ci_low=0.57,
        auc_ci_high=0.67,
        holdout_predicted=73.0,
        holdout_events=150,
        holdout_variance=68.0,
    )
    assert not off.history_too_short()
    assert off.calibration_p_value() < 1e-6 and off.miscalibrated() and not off.validated()
    assert "predicted 73 leavers where 150 left" in off.findings()[-1]
    found = cx.churn.key_findings(short["retention"], short["drivers"], off)
    assert not any("(chance: 5), good enough to decide" in s for s in found)
    fine = dataclasses.replace(off, holdout_events=78)
    assert not fine.miscalibrated() and fine.validated()
    assert "Use it to decide whom to call first" in fine.findings()[-1]
    assert any(
        "(chance: 5), good enough to decide" in s
        for s in cx.churn.key_findings(short["retention"], short["drivers"], fine)
    )


def test_the_chinese_file_note_spaces_the_file_name(short, tmp_path):
    path = short["risk"].save(tmp_path)
    with use_language("zh"):
        note = short["risk"].export_file_note(path)
    assert f"文件 {path.name}" in note
