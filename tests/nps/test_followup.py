"""Detractor follow-up list and the survey features it is built on."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

import cxlab as cx

TZ = "Asia/Shanghai"


def test_survey_features(tiny_surveys):
    s = tiny_surveys
    assert set(s["category"].unique()) == {"promoter", "passive", "detractor"}
    assert ((s["nps"] >= 9) == (s["category"] == "promoter")).all()
    assert ((s["nps"] <= 6) == (s["category"] == "detractor")).all()
    assert s["segment"].null_count() == 0
    has = s.filter(pl.col("last_contact_at").is_not_null())
    assert (has["last_contact_at"] <= has["responded_at"]).all()
    # the surveyed contact was answered before the response, so every response has one
    assert has.height == s.height


def test_followup_lists_detractors_masked_in_report(tiny_workspace, tiny_surveys, tmp_path):
    res = cx.nps.followup(
        cx.load("surveys", workspace=tiny_workspace),
        period="latest_month",
        contacts=cx.load("contacts", workspace=tiny_workspace),
        customers=cx.load("customers", workspace=tiny_workspace),
        time_zone=TZ,
    )
    full = res.table
    month = cx.nps.parse_period(res.period)
    expected = tiny_surveys.filter(month.filter("responded_at", TZ) & (pl.col("nps") <= 6))
    assert full.height == expected.height > 0
    assert (full["nps"] <= 6).all()
    assert full["nps"].is_sorted()
    assert {"theme", "last_contact_id", "last_channel", "segment"} <= set(full.columns)
    shown = res.summary()
    assert not set(shown["customer_id"]) & set(full["customer_id"])
    assert "C00" not in res._repr_html_().replace("C0***", "")
    out = res.export(tmp_path / "detractors.csv")
    exported = pl.read_csv(out)
    assert set(exported["customer_id"]) == set(full["customer_id"])
    assert isinstance(res.plot(), go.Figure)
    assert res.findings()[0].startswith(f"{full.height:,} detractors")
