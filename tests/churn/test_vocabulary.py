"""Churn speaks the one vocabulary (horizon, alpha) and refuses ordinary mistakes with cxlab
errors that name the parameter, what was given and the accepted forms."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

import cxlab as cx
from cxlab._present import use_language

ROSSI = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


@pytest.fixture(scope="module")
def tables(tiny_workspace):
    return tuple(cx.load(t, workspace=tiny_workspace) for t in ("contacts", "customers", "surveys"))


def test_horizon_days_is_read_as_horizon_with_a_warning(tables):
    contacts, customers, surveys = tables
    new = cx.churn.landmark_frame(contacts, customers, as_of="2026-08-01", horizon=30)
    with pytest.warns(DeprecationWarning, match="use horizon="):
        old = cx.churn.landmark_frame(contacts, customers, as_of="2026-08-01", horizon_days=30)
    cols = ["customer_id", "duration", "churned", "churned_within", "unresolved_complaint_90d"]
    assert old.select(cols).sort("customer_id").equals(new.select(cols).sort("customer_id"))
    assert "churned_within" in new.columns
    with pytest.warns(
        DeprecationWarning, match=r"at_risk\(horizon_days=...\) is deprecated; use horizon="
    ):
        risk = cx.churn.at_risk(contacts, customers, surveys, as_of="latest", horizon_days=30)
    assert risk.horizon == 30
    assert risk.period() == (risk.as_of.isoformat(), (risk.as_of + dt.timedelta(30)).isoformat())
    with pytest.warns(DeprecationWarning, match="use horizon"):
        assert risk.horizon_days == 30
    impact = cx.churn.driver_impact(risk, draws=20)
    assert impact.horizon == 30
    with pytest.warns(DeprecationWarning, match="use horizon"):
        assert impact.horizon_days == 30


def test_horizon_must_be_a_positive_number_of_days(tables):
    contacts, customers, surveys = tables
    for bad in (0, -5, 2.5, "90"):
        with pytest.raises(cx.OptionError, match=rf"horizon={bad!r} .*positive whole number"):
            cx.churn.at_risk(contacts, customers, surveys, as_of="latest", horizon=bad)
    with pytest.raises(cx.OptionError, match=r"as_of='2026-13-01' is not a date; give"):
        cx.churn.at_risk(contacts, customers, surveys, as_of="2026-13-01")


def test_a_column_that_is_not_there_is_named_with_the_parameter():
    """cox(event="churn") on a frame whose column is "arrest" (a raw polars
    ColumnNotFoundError before)."""
    rossi = cx.data.rossi()
    with pytest.raises(cx.SchemaError) as err:
        cx.churn.cox(rossi, duration="week", event="churn", covariates=ROSSI)
    assert "event='churn'" in str(err.value) and "arrest" in str(err.value)
    with pytest.raises(cx.SchemaError, match=r"duration='weeks': no column 'weeks'.*week"):
        cx.churn.cox(rossi, duration="weeks", event="arrest", covariates=ROSSI)
    with pytest.raises(cx.SchemaError, match=r"covariates=\['fin', 'salary'\]: no column 'salary'"):
        cx.churn.cox(rossi, duration="week", event="arrest", covariates=["fin", "salary"])
    with pytest.raises(cx.SchemaError, match=r"strata=\['town'\]: no column 'town'"):
        cx.churn.cox(rossi, duration="week", event="arrest", covariates=ROSSI, strata=["town"])
    with pytest.raises(cx.SchemaError, match=r"outcome='left': no column 'left'"):
        cx.churn.logistic(rossi, outcome="left", covariates=["age"])
    with pytest.raises(cx.OptionError, match=r"time_varying=\['salary'\].*the terms are"):
        cx.churn.cox(
            rossi,
            duration="week",
            event="arrest",
            covariates=ROSSI,
            split_at=[20],
            time_varying=["salary"],
        )


def test_cox_reads_a_yes_no_event_like_the_logistic_outcome():
    """The event column of Cox is read as the logistic model reads its outcome: yes/no text gives
    the coefficients of the 0/1 column, and two other values need the event named."""
    rossi = cx.data.rossi()
    worded = rossi.with_columns(
        pl.when(pl.col("arrest") == 1).then(pl.lit("Yes")).otherwise(pl.lit("no")).alias("left")
    )
    a = cx.churn.cox(worded, duration="week", event="left", covariates=ROSSI).summary()
    b = cx.churn.cox(rossi, duration="week", event="arrest", covariates=ROSSI).summary()
    assert a["estimate"].to_list() == pytest.approx(b["estimate"].to_list(), rel=1e-12)
    coded = rossi.with_columns((pl.col("arrest") + 1).alias("left"))
    with pytest.raises(cx.SchemaError, match=r"event='left' holds 1 and 2, .*event_value=1"):
        cx.churn.cox(coded, duration="week", event="left", covariates=ROSSI)
    c = cx.churn.cox(coded, duration="week", event="left", event_value=2, covariates=ROSSI)
    assert c.summary()["estimate"].to_list() == pytest.approx(b["estimate"].to_list(), rel=1e-12)


def test_a_true_false_outcome_reads_as_0_1():
    rossi = cx.data.rossi()
    flagged = rossi.with_columns((pl.col("arrest") == 1).alias("left"))
    a = cx.churn.logistic(flagged, outcome="left", covariates=["age", "prio"]).summary()
    b = cx.churn.logistic(rossi, outcome="arrest", covariates=["age", "prio"]).summary()
    assert a["estimate"].to_list() == pytest.approx(b["estimate"].to_list())
    c = cx.churn.cox(flagged, duration="week", event="left", covariates=ROSSI).summary()
    d = cx.churn.cox(rossi, duration="week", event="arrest", covariates=ROSSI).summary()
    assert c["estimate"].to_list() == pytest.approx(d["estimate"].to_list())


def test_too_little_data_raises_or_says_so():
    few = cx.data.rossi().head(20)
    with pytest.raises(cx.NotEnoughDataError, match=r"event='arrest': \d+ events for 7 terms"):
        cx.churn.cox(few, duration="week", event="arrest", covariates=ROSSI)
    said = cx.churn.cox(few, duration="week", event="arrest", covariates=ROSSI, if_too_little="say")
    assert isinstance(said, cx.churn.NotEstimated)
    row = said.summary().row(0, named=True)
    assert row["estimated"] is False and (row["n"], row["terms"]) == (20, 7)
    (sentence,) = said.findings()
    assert sentence.startswith("The Cox model could not be estimated: ")
    assert "customers left among 20, too few to estimate 7 effects honestly" in sentence
    assert sentence in said._repr_html_() and said.headline() == []
    check = cx.churn.ph_check(said)
    assert "built on the Cox model, which could not be" in check.findings()[0]
    share = cx.churn.attributable_share(said, terms=["fin"])
    assert isinstance(share, cx.churn.NotEstimated)
    with use_language("zh"):
        assert said.findings()[0].startswith("Cox模型无法估计：20位客户中仅")
        assert "它以Cox模型为基础" in check.findings()[0]
    with pytest.raises(cx.OptionError, match=r"if_too_little='skip'.*'raise', 'say'"):
        cx.churn.cox(few, duration="week", event="arrest", covariates=ROSSI, if_too_little="skip")


def test_a_fit_that_does_not_converge_is_not_enough_data():
    """A term that separates leavers from stayers perfectly: the logistic fit cannot converge
    (a statsmodels error or warning before)."""
    rossi = cx.data.rossi()
    separated = rossi.with_columns(pl.col("arrest").alias("twin"))
    with pytest.raises(cx.NotEnoughDataError):
        cx.churn.logistic(separated, outcome="arrest", covariates=["twin", "age"])


def test_alpha_outside_zero_one_is_refused():
    rossi = cx.data.rossi()
    with pytest.raises(cx.OptionError, match=r"alpha=95 .*alpha=0\.05"):
        cx.churn.cox(rossi, duration="week", event="arrest", covariates=ROSSI, alpha=95)
    with pytest.raises(cx.OptionError, match=r"alpha=0 "):
        cx.churn.logistic(rossi, outcome="arrest", covariates=["age"], alpha=0)
