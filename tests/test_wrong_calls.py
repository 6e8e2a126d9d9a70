"""Ordinary mistakes across the rooms, one table: each raises a cxlab error whose message names the
parameter, what was given and the accepted forms (or the range the data cover).

A row is ``(id, call, error type, texts the message must hold)``. The texts are chosen so that a
message that merely echoes its input cannot pass: each row asks for the parameter's name *and* a
piece of the remedy (the accepted forms, the data's range, the column list).
"""

from __future__ import annotations

import datetime as dt
import warnings

import polars as pl
import pytest

import cxlab as cx
from cxlab._errors import CxlabError, NotEnoughDataError, OptionError, SchemaError


@pytest.fixture(scope="module")
def ctx(tiny_workspace, request):
    mp = pytest.MonkeyPatch()
    mp.setenv("CXLAB_WORKSPACE", str(tiny_workspace))
    request.addfinalizer(mp.undo)
    contacts = cx.load("contacts").collect()
    customers = cx.load("customers").collect()
    units = pl.DataFrame(
        {
            "unit_id": [f"u{i}" for i in range(40)],
            "arm": ["control", "treatment"] * 20,
            "hires": [float(i % 5) for i in range(40)],
        }
    )
    daily = cx.features.volume_series(contacts, every="1d", by="total")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = cx.churn.survival_frame(customers, contacts)
    return {
        "contacts": contacts,
        "surveys": cx.load("surveys").collect(),
        "units": units,
        "daily": daily,
        "frame": frame,
        "settings": cx.staffing.QueueSettings(aht_seconds=300, sl_target=0.8, sl_seconds=20),
        "forecast": pl.DataFrame(
            {
                "series_id": ["phone"] * 2,
                "ts": [
                    dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC),
                    dt.datetime(2026, 10, 1, 10, tzinfo=dt.UTC),
                ],
                "y_hat": [10.0, 12.0],
            }
        ),
    }


FORMS = "'YYYY-MM', 'YYYY-Qn'"
COVER = "2026-"  # the tiny workspace's data cover 2026: a message naming the range says so

WRONG_CALLS = [
    # data: the door
    (
        "load: unknown table",
        lambda c: cx.load("contactz"),
        OptionError,
        ["table='contactz'", "contacts, customers"],
    ),
    (
        "load: a month 13",
        lambda c: cx.load("contacts", start="2026-13-01"),
        OptionError,
        ["start='2026-13-01'", "YYYY-MM-DD"],
    ),
    (
        "load: start after end",
        lambda c: cx.load("contacts", start="2026-10-01", end="2026-09-01"),
        OptionError,
        ["start='2026-10-01'", "end='2026-09-01'"],
    ),
    (
        "load: a range outside the data",
        lambda c: cx.load("contacts", start="2030-01-01", end="2030-02-01"),
        NotEnoughDataError,
        ["start='2030-01-01'", "the data cover " + COVER],
    ),
    (
        "data.generate: unknown size",
        lambda c: cx.data.generate(size="huge", workspace="/nonexistent"),
        OptionError,
        ["size='huge'", "'tiny', 'default', 'large'"],
    ),
    # the ground floor: periods, grains, languages, metrics
    (
        "Period: a month 13",
        lambda c: cx.Period.parse("2026-13"),
        OptionError,
        ["period='2026-13'", FORMS],
    ),
    (
        "Period: words",
        lambda c: cx.Period.parse("last month"),
        OptionError,
        ["period='last month'", FORMS],
    ),
    (
        "Period: reversed range",
        lambda c: cx.Period.parse("2026-09-30..2026-07-01"),
        OptionError,
        ["period='2026-09-30..2026-07-01'", "end is before the start"],
    ),
    ("set_language: French", lambda c: cx.set_language("fr"), OptionError, ["'fr'", "'zh', 'en'"]),
    (
        "declare_metric: a dictionary name",
        lambda c: cx.features.declare_metric("fcr", label="x", unit="share", higher_is_better=True),
        OptionError,
        ["name='fcr'", "another name"],
    ),
    (
        "declare_metric: unknown unit",
        lambda c: cx.features.declare_metric("cb", label="x", unit="pct", higher_is_better=True),
        OptionError,
        ["unit='pct'", "'share'"],
    ),
    # features
    (
        "kpi: every in words",
        lambda c: cx.features.kpi(c["contacts"], ["fcr"], every="1 week"),
        OptionError,
        ["every='1 week'", "'1w'"],
    ),
    (
        "kpi: an undeclared metric",
        lambda c: cx.features.kpi(c["contacts"], ["callback"], every="1d"),
        OptionError,
        ["'callback'", "declare_metric"],
    ),
    (
        "kpi: a misspelt grouping",
        lambda c: cx.features.kpi(c["contacts"], ["fcr"], by=["chanel"]),
        OptionError,
        ["'chanel'", "channel"],
    ),
    (
        "volume_series: every in words",
        lambda c: cx.features.volume_series(c["contacts"], every="half hour"),
        OptionError,
        ["every='half hour'", "'30m'"],
    ),
    (
        "volume_series: unknown by",
        lambda c: cx.features.volume_series(c["contacts"], by="colour"),
        OptionError,
        ["by='colour'", "'queue'"],
    ),
    # forecast and staffing
    (
        "refresh: a negative horizon",
        lambda c: cx.forecast.refresh(c["daily"], horizon=-3),
        OptionError,
        ["horizon=-3", "at least 1"],
    ),
    (
        "refresh: band levels as shares",
        lambda c: cx.forecast.refresh(c["daily"], horizon=3, level=(0.8, 0.95)),
        OptionError,
        ["level=(0.8, 0.95)", "level=(80, 95)"],
    ),
    (
        "plan: no settings",
        lambda c: cx.staffing.plan(None),
        OptionError,
        ["settings=QueueSettings", "queue_settings"],
    ),
    (
        "plan: every in words",
        lambda c: cx.staffing.plan(c["forecast"], every="1 week", settings=c["settings"]),
        OptionError,
        ["every='1 week'", "'30m'"],
    ),
    (
        "erlang_c: negative traffic",
        lambda c: cx.staffing.erlang_c(-1, 3),
        OptionError,
        ["traffic", "negative"],
    ),
    (
        "patience: alpha as a percent",
        lambda c: cx.staffing.patience(c["contacts"], alpha=95),
        OptionError,
        ["alpha=95", "alpha=0.05"],
    ),
    # experiments
    (
        "ab_test: an undeclared metric",
        lambda c: cx.experiments.ab_test(c["units"], primary="callback"),
        OptionError,
        ["primary='callback'", "unit_id, arm, hires"],
    ),
    (
        "ab_test: alpha as a percent",
        lambda c: cx.experiments.ab_test(c["units"], primary="hires", alpha=5),
        OptionError,
        ["alpha=5", "alpha=0.05"],
    ),
    (
        "ab_test: unknown control arm",
        lambda c: cx.experiments.ab_test(c["units"], primary="hires", control="ctrl"),
        OptionError,
        ["'ctrl'", "'control', 'treatment'"],
    ),
    (
        "ab_test: unknown correction",
        lambda c: cx.experiments.ab_test(c["units"], primary="hires", correction="fdr"),
        OptionError,
        ["correction='fdr'", "'holm'"],
    ),
    (
        "adjust: unknown correction",
        lambda c: cx.experiments.adjust([0.01, 0.2], correction="fdr"),
        OptionError,
        ["correction='fdr'", "'bh'"],
    ),
    (
        "did: a panel without an outcome",
        lambda c: cx.experiments.did(
            pl.DataFrame({"region": ["a"], "day": [dt.date(2026, 1, 1)]}),
            treated={"a": dt.datetime(2026, 1, 1)},
            controls=["b"],
        ),
        SchemaError,
        ["did()", "numerator, denominator", "region, day"],
    ),
    (
        "power: an undeclared metric",
        lambda c: cx.experiments.power(c["contacts"], metric="callback"),
        OptionError,
        ["metric='callback'", "fcr"],
    ),
    (
        "power: power as a percent",
        lambda c: cx.experiments.power(c["contacts"], metric="fcr", power=80),
        OptionError,
        ["power=80", "between 0 and 1"],
    ),
    (
        "its: alpha above one",
        lambda c: cx.experiments.its(c["daily"], start=dt.date(2026, 9, 1), alpha=2),
        OptionError,
        ["alpha=2", "alpha=0.05"],
    ),
    (
        "unit_metrics: a reversed window",
        lambda c: cx.experiments.unit_metrics(
            c["contacts"],
            cx.load("assignments"),
            metrics=["fcr"],
            start=dt.datetime(2026, 10, 1),
            end=dt.datetime(2026, 9, 1),
        ),
        NotEnoughDataError,
        ["start=2026-10-01", "the contacts cover " + COVER],
    ),
    # churn
    (
        "cox: an event column that is not there",
        lambda c: cx.churn.cox(
            c["frame"], duration="duration", event="churn", covariates=["segment"]
        ),
        SchemaError,
        ["event='churn'", "churned"],
    ),
    (
        "cox: an unknown covariate",
        lambda c: cx.churn.cox(
            c["frame"], duration="duration", event="churned", covariates=["colour"]
        ),
        SchemaError,
        ["'colour'", "segment"],
    ),
    (
        "cox: alpha as a percent",
        lambda c: cx.churn.cox(
            c["frame"], duration="duration", event="churned", covariates=["segment"], alpha=95
        ),
        OptionError,
        ["alpha=95", "alpha=0.05"],
    ),
    (
        "logistic: a two-valued outcome that is not yes/no",
        lambda c: cx.churn.logistic(
            pl.DataFrame({"y": ["left", "stayed"] * 3, "x": [1.0, 2, 3, 4, 5, 6]}),
            outcome="y",
            covariates=["x"],
        ),
        SchemaError,
        ["outcome='y'", "event_value='left'"],
    ),
    # nps
    (
        "nps.score: a month 13",
        lambda c: cx.nps.score(c["surveys"], period="2026-13"),
        OptionError,
        ["period='2026-13'", FORMS],
    ),
    (
        "nps.score: a period with no answers",
        lambda c: cx.nps.score(c["surveys"], period="2019-01"),
        NotEnoughDataError,
        ["period='2019-01'", "the surveys cover " + COVER],
    ),
    (
        "nps.score: alpha zero",
        lambda c: cx.nps.score(c["surveys"], alpha=0),
        OptionError,
        ["alpha=0", "alpha=0.05"],
    ),
    (
        "nps.score: an unknown grouping",
        lambda c: cx.nps.score(c["surveys"], by="colour"),
        SchemaError,
        ["'colour'", "survey_features"],
    ),
    (
        "nps.compare: compare_to in words",
        lambda c: cx.nps.compare(c["surveys"], compare_to="last month"),
        OptionError,
        ["compare_to='last month'", "'previous', 'year_ago'"],
    ),
    # review
    (
        "open_review: a month 13",
        lambda c: cx.review.open_review(period="2026-13"),
        OptionError,
        ["period='2026-13'", "the data cover " + COVER],
    ),
    (
        "open_review: compare_to in words",
        lambda c: cx.review.open_review(compare_to="last_month"),
        OptionError,
        ["compare_to='last_month'", "'previous', 'year_ago'"],
    ),
    (
        "open_review: a month outside the data",
        lambda c: cx.review.open_review(period="2019-01"),
        NotEnoughDataError,
        ["2019-01", "the data cover " + COVER],
    ),
]


def test_the_table_is_long_and_spans_the_rooms():
    assert len(WRONG_CALLS) >= 30
    rooms = {row[0].split(":")[0].split(".")[0] for row in WRONG_CALLS}
    assert len(rooms) >= 15, rooms


@pytest.mark.parametrize(
    ("call", "error", "texts"),
    [row[1:] for row in WRONG_CALLS],
    ids=[row[0] for row in WRONG_CALLS],
)
def test_a_wrong_call_gets_a_named_cxlab_error(ctx, call, error, texts):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(CxlabError) as caught:
            call(ctx)
    assert isinstance(caught.value, error), f"{type(caught.value).__name__}: {caught.value}"
    message = str(caught.value)
    missing = [t for t in texts if t not in message]
    assert not missing, f"the message lacks {missing}: {message}"
