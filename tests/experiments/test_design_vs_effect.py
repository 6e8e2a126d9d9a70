"""A design check tests an assumption of the design (parallel pre-trends, regions without the
pilot showing no gap); whether the effect stands out from chance is the effect's own evidence.
A pilot with no effect passes its design checks and reads "no clear change"; a pilot whose
regions were drifting apart before the start fails its design check."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

import cxlab as cx
from cxlab.experiments._registry import GUARDRAILS_SCHEMA, _pilot_verdict
from cxlab.experiments._report import ExperimentReport

START = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
REGIONS = [f"R{u}" for u in range(16)]


def _panel(*, drift: float = 0.0, seed: int = 3) -> pl.DataFrame:
    """Weekly first-contact resolution of 16 regions, 16 weeks before and 8 after the start, no
    effect; ``drift`` moves the pilot regions R0-R2 away from the others each week before it."""
    rng = np.random.default_rng(seed)
    rows = []
    for u, unit in enumerate(REGIONS):
        level = 0.7 + rng.normal(0, 0.02)
        for k in range(-16, 8):
            y = level + rng.normal(0, 0.01)
            if u < 3 and k < 0:
                y += drift * k
            period = START + dt.timedelta(weeks=k)
            rows.append(dict(unit=unit, period=period, numerator=y * 400, denominator=400.0))
    return pl.DataFrame(rows)


def _report(main, effect, baseline, diagnostics, design) -> ExperimentReport:
    metric = "first_contact_resolution"
    guardrails = pl.DataFrame(schema=GUARDRAILS_SCHEMA)
    verdict, reasons = _pilot_verdict(metric, effect, diagnostics, guardrails)
    row = dict(
        experiment_id="EXP-TEST",
        name="Test pilot",
        design=design,
        start=START,
        end=START + dt.timedelta(weeks=8),
    )
    return ExperimentReport(
        row, design, metric, verdict, effect, baseline, main, diagnostics, guardrails, reasons
    )


def _did(panel):
    res = cx.experiments.did(
        panel,
        treated={r: START for r in REGIONS[:3]},
        controls=REGIONS[3:],
        metric="first_contact_resolution",
    )
    return _report(res, res.estimate, res.baseline, (res.pretrend,), "did")


def _card(rep, key):
    return next(c for c in rep.headline() if c.key == key)


def test_parallel_pre_trends_and_no_effect_pass_the_design_and_say_no_clear_change():
    rep = _did(_panel())
    assert [c.status for c in rep.checks()] == ["passed"]
    assert _card(rep, "checks").value_text() == "Passed"
    assert rep.verdict == "not enough evidence yet" and not rep.caution
    assert "no clear change" in rep.verdict_sentence()
    assert not rep.cautions() and not any("design" in s for s in rep.findings())


def test_broken_pre_trends_fail_the_design_check():
    rep = _did(_panel(drift=0.01))
    assert [c.status for c in rep.checks()] == ["failed"]
    assert _card(rep, "checks").value_text() == "Failed"
    assert rep.caution and rep.verdict != "ship"
    assert any("One check of the design failed" in s for s in rep.cautions())


def test_a_single_region_pilot_with_no_effect_passes_its_design_check():
    """The placebo in space that ranks the pilot region's gap (here a middling rank) is the
    effect's evidence: "not distinguishable from chance" beside the estimate and in the answer,
    its p-value the effect's in the appendix; the design check (the regions without the pilot
    show no gap of their own) passed, and nothing says the design's assumption is in doubt."""
    panel = _panel(seed=11)
    res = cx.experiments.synthetic_control(
        panel,
        treated="R0",
        start=START,
        donors=REGIONS,
        metric="first_contact_resolution",
    )
    rep = _report(res, res.effect, res.baseline, (res.placebo,), "synthetic_control")
    assert res.rank_p_value > 0.1  # planted: no effect, so the gap ranks among the others
    assert rep.chance().status == "failed"
    assert [c.status for c in rep.checks()] == ["passed"]
    assert _card(rep, "checks").value_text() == "Passed"
    assert _card(rep, "checks").detail == "1 of 1 passed"
    effect = _card(rep, "effect")
    assert effect.detail.endswith("not distinguishable from chance")
    said = " ".join(rep.findings())
    assert "no clear change" in said and "not distinguishable from chance" in said
    assert "design" not in said and not rep.caution
    estimates = rep.estimates_table()
    assert estimates["p_value"][0] == res.rank_p_value
    table = rep.diagnostics_table()
    assert table.height == 1 and table["p_value"][0] == res.placebo.p_value
