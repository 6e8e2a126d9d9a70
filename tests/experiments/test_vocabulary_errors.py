"""The one vocabulary (``alpha`` for every interval and check, ``correction``, ``time_zone``) and
the errors an ordinary mistake gets: a cxlab error naming the parameter, what was given and the
accepted forms, or the range the data cover, never a raw polars or KeyError."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest

import cxlab as cx
from cxlab.experiments import ab_test

LEVEL = re.compile(r"\d+(?:\.\d+)?%")


@pytest.fixture(scope="module")
def tables(tiny_workspace):
    return (
        cx.load("contacts", workspace=tiny_workspace),
        cx.load("assignments", workspace=tiny_workspace),
    )


@pytest.fixture(scope="module")
def routing(tiny_workspace):
    reg = cx.experiments.registry(workspace=tiny_workspace)
    return reg.filter(pl.col("experiment_id") == "EXP-AB-ROUTING").row(0, named=True)


def _report_texts(rep) -> list[str]:
    """Every sentence, table header and chart legend of a report and its parts."""
    out = [*rep.findings(), *rep.details(), *rep.check_findings()]
    for frame in (rep.guardrails_table(), rep.estimates_table(), rep.checks_table()):
        out += list(frame.columns)
    for part in (rep, rep.main, *rep.diagnostics, *rep.detail.values()):
        fig = part.plot()
        out += [t.name or "" for t in fig.data] + [fig.layout.title.text or ""]
    return out


@pytest.mark.parametrize("experiment_id", ["EXP-IVR-REDESIGN", "EXP-AB-ROUTING"])
def test_alpha_reaches_every_interval_and_its_level_is_written_from_it(
    tiny_workspace, experiment_id
):
    """``analyze(alpha=0.1)`` reaches the design (the interrupted time series too): its intervals
    are narrower than at 0.05 and every level a reader sees says 90%, none 95%."""
    wide = cx.experiments.analyze(experiment_id, workspace=tiny_workspace)
    narrow = cx.experiments.analyze(experiment_id, workspace=tiny_workspace, alpha=0.1)
    assert narrow.alpha == 0.1 and narrow.main.alpha == 0.1
    assert narrow.effect["estimate"] == pytest.approx(wide.effect["estimate"])
    width = narrow.effect["ci_high"] - narrow.effect["ci_low"]
    assert width < wide.effect["ci_high"] - wide.effect["ci_low"]
    levels = {m for text in _report_texts(narrow) for m in LEVEL.findall(text)}
    assert "95%" not in levels and "90%" in levels, levels
    assert "Likely range (90%)" in narrow.guardrails_table().columns
    if experiment_id == "EXP-IVR-REDESIGN":
        assert narrow.main.placebo.threshold == 0.1
        assert any("fails below p = 0.10" in s for s in narrow.details())


def test_its_takes_alpha():
    rng = np.random.default_rng(2)
    days = pl.date_range(dt.date(2026, 1, 1), dt.date(2026, 4, 30), eager=True)
    y = rng.normal(10, 1, len(days)) + 1.0 * (np.arange(len(days)) >= 80)
    series = pl.DataFrame({"ts": days, "y": y})
    start = dt.datetime(2026, 3, 22)
    a = cx.experiments.its(series, start=start)
    b = cx.experiments.its(series, start=start, alpha=0.01)
    assert a.effect["estimate"] == pytest.approx(b.effect["estimate"])
    assert b.effect["ci_high"] - b.effect["ci_low"] > a.effect["ci_high"] - a.effect["ci_low"]
    assert any("99% confidence interval" in s for s in b.details())


def test_naive_window_edges_are_workspace_local_time(tables, routing, tiny_workspace):
    """A naive ``start``/``end`` (or a date) means the workspace's local time, documented: it
    gives the same table as the same moments with the zone written out."""
    from cxlab._config import settings

    contacts, assignments = tables
    zone = ZoneInfo(settings(tiny_workspace).time_zone)
    start = routing["start"].astimezone(zone)
    end = routing["end"].astimezone(zone)
    args = dict(metrics=["fcr_reported"], experiment_id=routing["experiment_id"])
    aware = cx.experiments.unit_metrics(contacts, assignments, start=start, end=end, **args)
    naive = cx.experiments.unit_metrics(
        contacts,
        assignments,
        start=start.replace(tzinfo=None),
        end=end.replace(tzinfo=None),
        time_zone=settings(tiny_workspace).time_zone,
        **args,
    )
    assert naive.sort("unit_id").equals(aware.sort("unit_id"))


def test_a_reversed_or_empty_window_names_the_range_the_data_cover(tables, routing):
    contacts, assignments = tables
    args = dict(metrics=["fcr_reported"], experiment_id=routing["experiment_id"])
    with pytest.raises(cx.NotEnoughDataError, match=r"start=.* is not before end=.*cover \d{4}-"):
        cx.experiments.unit_metrics(
            contacts, assignments, start=routing["end"], end=routing["start"], **args
        )
    later = dt.datetime(2031, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(cx.NotEnoughDataError, match=r"no contact.*the contacts cover \d{4}-"):
        cx.experiments.unit_metrics(
            contacts, assignments, start=later, end=later + dt.timedelta(days=30), **args
        )
    with pytest.raises(cx.NotEnoughDataError, match="the contacts cover"):
        cx.experiments.sequential(
            contacts,
            assignments,
            metric="fcr_reported",
            start=routing["end"],
            end=routing["start"],
            time_zone="Asia/Shanghai",
        )
    with pytest.raises(cx.OptionError, match="start='next week' is not a date"):
        cx.experiments.unit_metrics(contacts, assignments, start="next week", end=later, **args)


def test_an_unknown_metric_lists_the_dictionary_and_how_to_declare_one(tables, routing):
    contacts, assignments = tables
    for call in (
        lambda: cx.experiments.unit_metrics(
            contacts,
            assignments,
            metrics=["callbacks"],
            start=routing["start"],
            end=routing["end"],
        ),
        lambda: cx.experiments.power(contacts, metric="callbacks"),
        lambda: cx.experiments.kpi_panel(contacts, metric="callbacks"),
    ):
        with pytest.raises(cx.OptionError) as err:
            call()
        message = str(err.value)
        assert "'callbacks'" in message and "fcr_reported" in message and "aht" in message
        assert "declare_metric(" in message and "numerator=" in message


def test_a_metric_missing_from_the_per_unit_table_names_its_columns():
    units = pl.DataFrame({"unit_id": ["1", "2"], "arm": ["control", "treatment"], "fcr": [1, 0]})
    with pytest.raises(cx.OptionError, match=r"primary='callback'.*columns are unit_id, arm, fcr"):
        ab_test(units, primary="callback")
    with pytest.raises(cx.SchemaError, match="arm='group' is not a column"):
        ab_test(units, primary="fcr", arm="group")


def _panel(n_units: int = 8, n_periods: int = 20, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    periods = [dt.datetime(2026, 1, 5) + dt.timedelta(weeks=k) for k in range(n_periods)]
    rows = [
        dict(unit=f"R{u}", period=p, y=float(rng.normal(0.7, 0.02)), hires=float(rng.poisson(9)))
        for u in range(n_units)
        for p in periods
    ]
    return pl.DataFrame(rows)


def test_did_reads_a_plain_outcome_and_refuses_a_panel_without_one():
    """A panel ``unit, period, y`` (no sums) is a plain outcome, averaged over periods; a panel
    with neither sums nor an outcome is a SchemaError naming what is missing and the two forms."""
    panel = _panel()
    start = dt.datetime(2026, 3, 2)
    treated = {"R0": start, "R1": start, "R2": start}
    controls = [f"R{u}" for u in range(3, 8)]
    plain = cx.experiments.did(panel.drop("hires"), treated=treated, controls=controls)
    # a plain outcome is the same as a KPI panel whose cells all weigh one
    ones = panel.drop("hires").with_columns(numerator=pl.col("y"), denominator=pl.lit(1.0))
    kpi = cx.experiments.did(ones, treated=treated, controls=controls)
    assert plain.estimate["estimate"] == pytest.approx(kpi.estimate["estimate"], abs=1e-12)
    by_name = cx.experiments.did(
        panel.drop("y"), treated=treated, controls=controls, metric="hires"
    )
    assert "hires" in by_name.findings()[0]
    with pytest.raises(cx.SchemaError) as err:
        cx.experiments.did(
            panel.drop("y", "hires"), treated=treated, controls=controls, metric="callbacks"
        )
    message = str(err.value)
    for word in ("'numerator'", "'denominator'", "'y'", "'callbacks'", "kpi_panel", "unit, period"):
        assert word in message, message
    with pytest.raises(cx.SchemaError, match=r"no column.*period"):
        cx.experiments.synthetic_control(panel.drop("period"), treated="R0", start=start)


def test_a_pilot_window_outside_the_panel_names_the_periods_it_covers():
    panel = _panel()
    late = dt.datetime(2027, 1, 4)
    with pytest.raises(
        cx.NotEnoughDataError, match=r"panel covers periods 2026-01-05.* to 2026-05"
    ):
        cx.experiments.did(panel, treated={"R0": late, "R1": late}, controls=["R3", "R4"])
    start = dt.datetime(2026, 3, 2)
    with pytest.raises(cx.NotEnoughDataError, match="is not after the start"):
        cx.experiments.did(
            panel,
            treated={"R0": start, "R1": start},
            controls=["R3", "R4"],
            end=dt.datetime(2026, 2, 2),
        )
    with pytest.raises(cx.NotEnoughDataError, match="panel covers periods"):
        cx.experiments.synthetic_control(panel, treated="R0", start=late)
    series = pl.DataFrame(
        {"ts": pl.date_range(dt.date(2026, 1, 1), dt.date(2026, 1, 31), eager=True)}
    ).with_columns(y=pl.lit(1.0))
    with pytest.raises(cx.NotEnoughDataError, match="covers 2026-01-01 to 2026-01-31"):
        cx.experiments.its(series, start=dt.datetime(2026, 1, 20))
    with pytest.raises(cx.SchemaError, match="no outcome column 'y' nor 'hires'"):
        cx.experiments.its(series.drop("y"), start=dt.datetime(2026, 1, 20), metric="hires")


def test_alpha_that_is_not_a_significance_level_is_refused(tiny_workspace):
    """``alpha=95`` (a level in percent) or ``alpha=0.95`` misread as a level are refused at the
    door with an error naming alpha, before any data are read."""
    units = pl.DataFrame({"unit_id": ["1", "2"], "arm": ["control", "treatment"], "y": [1.0, 0.0]})
    series = pl.DataFrame({"ts": [dt.date(2026, 1, 1)], "y": [1.0]})
    for call in (
        lambda: ab_test(units, primary="y", alpha=95),
        lambda: cx.experiments.its(series, start=dt.datetime(2026, 1, 1), alpha=0),
        lambda: cx.experiments.analyze("EXP-AB-ROUTING", workspace=tiny_workspace, alpha=1.0),
    ):
        with pytest.raises(cx.OptionError, match=r"alpha=.* is not a significance level"):
            call()
