"""The analyst's own metrics: a KPI of the dictionary, a metric declared with
``cxlab.features.declare_metric`` or a plain column of the table, named and formatted as the analyst
declared them in every view (findings, tables, charts, cards), never as a dictionary KPI they are
not; a metric without a declared better direction draws no roll-out verdict."""

from __future__ import annotations

import datetime as dt
import html
import json

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest

import cxlab as cx
from cxlab._present import use_language
from cxlab.experiments import ab_test


@pytest.fixture(scope="module", autouse=True)
def _declared():
    """The analyst's metrics these tests declare, forgotten when the module ends: declarations
    are process-wide, and other rooms' tests read the dictionary (``metrics()`` lists declared
    ratios)."""
    import cxlab._present._labels as labels
    import cxlab.features._metrics as dictionary

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(dictionary, "_DECLARED", dict(dictionary._DECLARED))
        mp.setattr(labels, "_DECLARED", dict(labels._DECLARED))
        cx.features.declare_metric(
            "xp_rebook",
            label={"zh": "回拨率", "en": "Callback rate"},
            unit="share",
            higher_is_better=True,
        )
        cx.features.declare_metric(
            "xp_rework",
            label={"zh": "返工率", "en": "Rework rate"},
            unit="share",
            higher_is_better=False,
        )
        cx.features.declare_metric(
            "xp_hires", label={"zh": "录用人数", "en": "Hires"}, unit="count", higher_is_better=None
        )
        answered = pl.col("answered_at").is_not_null()
        cx.features.declare_metric(
            "xp_quick_answer",
            label={"zh": "快速接通率", "en": "Quick answers"},
            unit="share",
            higher_is_better=True,
            numerator=(answered & (pl.col("wait_seconds") <= 30)).cast(pl.Float64),
            denominator=answered.cast(pl.Float64),
            description="Answered within 30 seconds / answered.",
        )
        yield
    assert "xp_quick_answer" not in cx.features.metrics()


FCR_WORDS = ("First-contact resolution", "first-contact resolution", "首次解决率")


def _per_unit(n: int = 4000, lift: float = 0.06, seed: int = 3) -> pl.DataFrame:
    """One row per customer: a 0/1 outcome (30% in control, +``lift`` in treatment) under several
    names, as an analyst's own table would hold it (no ``__y``/``__d`` sums)."""
    rng = np.random.default_rng(seed)
    arm = np.array(["control", "treatment"] * (n // 2))
    y = rng.binomial(1, np.where(arm == "treatment", 0.30 + lift, 0.30)).astype(float)
    return pl.DataFrame(
        {
            "unit_id": [str(i) for i in range(n)],
            "arm": arm,
            "callback": y,
            "fcr": y,
            "xp_rebook": y,
            "xp_rework": y,
            "xp_hires": y * 3,
        }
    )


def _texts(res) -> list[str]:
    """Every word a reader of a randomised test sees: findings, appendix, table, chart, HTML."""
    fig = res.plot()
    view = res.view()
    out = [*res.findings(), *res.details(), *view.columns]
    out += [str(v) for row in view.rows() for v in row]
    out += [fig.layout.title.text or "", *(str(y) for t in fig.data for y in t.y)]
    out += [html.unescape(res._repr_html_())]
    return out


def test_a_plain_column_is_compared_as_a_per_unit_mean():
    """A column with one value per unit is a per-unit mean: the estimate and standard error are
    Welch's (difference of means, unpooled variances), to 1e-9."""
    units = _per_unit()
    res = ab_test(units, primary="callback", cuped=False)
    row = res.primary
    c = units.filter(pl.col("arm") == "control")["callback"].to_numpy()
    t = units.filter(pl.col("arm") == "treatment")["callback"].to_numpy()
    assert row["estimate"] == pytest.approx(t.mean() - c.mean(), abs=1e-12)
    welch = np.sqrt(c.var(ddof=1) / len(c) + t.var(ddof=1) / len(t))
    assert row["std_error"] == pytest.approx(welch, rel=1e-9)
    assert row["control_value"] == pytest.approx(c.mean(), abs=1e-12)
    # a missing value is left out of its unit's mean, not read as zero
    holes = units.with_columns(
        callback=pl.when(pl.col("unit_id").cast(pl.Int64) % 10 == 0)
        .then(None)
        .otherwise(pl.col("callback"))
    )
    kept = holes.drop_nulls("callback").filter(pl.col("arm") == "control")["callback"].mean()
    assert ab_test(holes, primary="callback").primary["control_value"] == pytest.approx(kept)


def test_a_plain_column_draws_no_verdict_and_says_changed():
    """An undeclared column has no better direction: a clear change is "changed", never
    "improved" or "worse", and the verdict is that no direction was declared (not "roll out")."""
    res = ab_test(_per_unit(), primary="callback")
    assert res.primary["ci_low"] > 0  # a change beyond chance
    assert res.verdict == "no direction"
    said = " ".join(res.findings())
    assert "changed beyond chance" in said and "direction is better was not declared" in said
    for word in ("improved", "worse beyond", "better,", "Roll out"):
        assert word not in said, said
    assert any("higher_is_better" in d for d in res.details())  # how to declare, in the appendix


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_column_named_like_a_kpi_is_never_reported_as_the_kpi(lang):
    """A hiring-callback column that happens to be called ``fcr``: no sentence, table cell, chart
    label or HTML names first-contact resolution, and no "roll out" is drawn from it."""
    with use_language(lang):
        res = ab_test(_per_unit(), primary="fcr")
        assert res.verdict == "no direction"
        texts = _texts(res)
        for text in texts:
            assert not any(w in text for w in FCR_WORDS), text
        assert any(("Column fcr" if lang == "en" else "fcr列") in t for t in texts)
        assert all("×" not in s for s in res.findings())  # a difference, not a ratio


@pytest.mark.parametrize(
    "lang,name,points", [("en", "Callback rate", " pp"), ("zh", "回拨率", "个百分点")]
)
def test_a_declared_metric_is_named_and_formatted_as_declared(lang, name, points):
    """The declared label in each language, values formatted by the declared unit (a share: pp),
    in findings, the appendix, the table, the chart and the HTML; never a dictionary name."""
    with use_language(lang):
        res = ab_test(_per_unit(), primary="xp_rebook")
        assert res.verdict == "ship"
        texts = _texts(res)
        for where in (res.findings(), res.details(), [html.unescape(res._repr_html_())]):
            assert any(name in t for t in where), where
        assert name in res.view()[res.view().columns[0]].to_list()
        assert any(name in str(y) for t in res.plot().data for y in t.y)
        effect = f"{100 * res.primary['estimate']:+.1f}{points}"  # a share's change: points
        assert any(effect in s for s in res.findings()), (effect, res.findings())
        assert not any("xp_rebook" in t for t in texts)
        assert not any(w in t for t in texts for w in FCR_WORDS)
        assert isinstance(res.plot(), go.Figure)
        json.dumps(res.to_dict())


def test_a_declared_direction_decides_the_verdict():
    """The same rise in the same values: a roll-out when higher is better, do not roll out when
    lower is better, no verdict when no direction is declared."""
    units = _per_unit()
    up = ab_test(units, primary="xp_rebook")
    down = ab_test(units, primary="xp_rework")
    none = ab_test(units, primary="xp_hires")
    assert up.primary["estimate"] == pytest.approx(down.primary["estimate"])
    assert up.primary["estimate"] > 0
    assert (up.verdict, down.verdict, none.verdict) == ("ship", "do not ship", "no direction")
    assert "Rework rate" in " ".join(down.findings()) and "worse" in " ".join(down.findings())
    hires = " ".join(none.findings())
    assert "Hires" in hires and "improved" not in hires and "worse" not in hires
    # a count: a plain signed number (three per unit times the rise), never a ratio's "×"
    assert f"{3 * up.primary['estimate']:+.2f}" in hires and "×" not in hires
    # as a guardrail, a declared lower-is-better metric that rose vetoes a win
    vetoed = ab_test(units, primary="xp_rebook", guardrails=["xp_rework"])
    assert vetoed.verdict == "do not ship"
    assert "Rework rate" in " ".join(vetoed.findings())


def test_a_declared_ratio_metric_runs_through_every_contact_analysis(tiny_workspace):
    """A metric declared as a ratio of sums over contacts is built per unit, tested, planned,
    followed day by day and compared across regions like a KPI, and named by its label."""
    contacts = cx.load("contacts", workspace=tiny_workspace)
    assignments = cx.load("assignments", workspace=tiny_workspace)
    reg = cx.experiments.registry(workspace=tiny_workspace)
    row = reg.filter(pl.col("experiment_id") == "EXP-AB-ROUTING").row(0, named=True)
    units = cx.experiments.unit_metrics(
        contacts,
        assignments,
        metrics=["xp_quick_answer"],
        start=row["start"],
        end=row["end"],
        experiment_id=row["experiment_id"],
    )
    assert {"xp_quick_answer__y", "xp_quick_answer__d"} <= set(units.columns)
    res = ab_test(units, primary="xp_quick_answer")
    assert "Quick answers" in res.findings()[-1]
    plan = cx.experiments.power(contacts, metric="xp_quick_answer", max_weeks=2)
    assert plan.title == "Planning a test of quick answers"
    assert "pp" in plan.findings()[0]
    seq = cx.experiments.sequential(
        contacts,
        assignments,
        metric="xp_quick_answer",
        start=row["start"],
        end=row["end"],
        experiment_id=row["experiment_id"],
        time_zone="Asia/Shanghai",
    )
    assert "Quick answers" in seq.title
    panel = cx.experiments.kpi_panel(contacts, metric="xp_quick_answer", time_zone="Asia/Shanghai")
    regions = sorted(panel["unit"].unique())
    start = _middle(panel)
    pilot = cx.experiments.did(
        panel,
        treated={r: start for r in regions[:3]},
        controls=regions[3:],
        metric="xp_quick_answer",
    )
    assert "Quick answers" in pilot.title
    assert any("Quick answers" in s or "quick answers" in s for s in pilot.findings())
    with use_language("zh"):
        assert "快速接通率" in pilot.title and "快速接通率" in pilot.plot().layout.title.text


def _middle(panel: pl.DataFrame) -> dt.datetime:
    """A start halfway through the panel's periods (weeks of the tiny workspace)."""
    periods = panel["period"].unique().sort()
    return periods[len(periods) // 2]


def _daily(n_days: int = 120, jump: float = 2.0, seed: int = 5) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    days = pl.date_range(
        dt.date(2026, 1, 1), dt.date(2026, 1, 1) + dt.timedelta(n_days - 1), eager=True
    )
    post = np.arange(n_days) >= 90
    return pl.DataFrame({"ts": days, "hires": rng.normal(20, 1, n_days) + jump * post})


def test_its_reads_a_plain_column_and_an_unnamed_outcome():
    """A series with a column named by the metric is that column; a series ``ts, y`` without a
    metric is "the outcome". Both display (findings, HTML, chart) and neither has a direction."""
    series = _daily()
    start = dt.datetime(2026, 4, 1)
    named = cx.experiments.its(series, start=start, metric="hires")
    assert named.effect["ci_low"] > 0
    assert all("improved" not in s and "better" not in s for s in named.findings())
    assert "hires" in named.findings()[0]
    unnamed = cx.experiments.its(series.rename({"hires": "y"}), start=start)
    assert unnamed.findings()[0].lower().count("the outcome") == 1
    for res in (named, unnamed):
        assert "<script" not in res._repr_html_()
        assert isinstance(res.plot(), go.Figure)
    assert named.effect["estimate"] == pytest.approx(unnamed.effect["estimate"])


def test_pilot_results_without_a_metric_display_themselves(tiny_workspace):
    """Synthetic control and difference-in-differences on a panel whose outcome no metric names:
    findings, HTML and charts work and call it "the outcome"; a plain ``y`` panel (no sums) is
    read as a mean over periods."""
    contacts = cx.load("contacts", workspace=tiny_workspace)
    panel = cx.experiments.kpi_panel(contacts, metric="aht", time_zone="Asia/Shanghai")
    regions = sorted(panel["unit"].unique())
    start = _middle(panel)
    synth = cx.experiments.synthetic_control(panel, treated=regions[0], start=start)
    plain = panel.select("unit", "period", "y")
    pilot = cx.experiments.did(plain, treated={r: start for r in regions[:3]}, controls=regions[3:])
    for res in (synth, pilot):
        said = " ".join(res.findings())
        assert "the outcome" in said.lower(), said
        assert "average handle time" not in said.lower()
        assert "<script" not in res._repr_html_()
        assert isinstance(res.plot(), go.Figure)
