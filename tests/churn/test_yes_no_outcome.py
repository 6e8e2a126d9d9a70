"""The logistic model reads a yes/no outcome as analysts export it (booleans, 0/1, yes/no, y/n,
true/false, 1/0 as text, 是/否, churned/active, or two values with the event named) and gives
the odds ratios of the 0/1 fit; what it cannot read is refused naming the column, the values
found and what to do."""

from __future__ import annotations

import polars as pl
import pytest

import cxlab as cx

COVARIATES = ["age", "prio", "fin"]


@pytest.fixture(scope="module")
def rossi() -> pl.DataFrame:
    return cx.data.rossi()


@pytest.fixture(scope="module")
def reference(rossi) -> pl.DataFrame:
    """The 0/1 fit of re-arrest (Rossi et al. 1980) on age, prior arrests and financial aid."""
    return cx.churn.logistic(rossi, outcome="arrest", covariates=COVARIATES).summary()


def _with(rossi: pl.DataFrame, yes: object, no: object) -> pl.DataFrame:
    value = pl.when(pl.col("arrest") == 1).then(pl.lit(yes)).otherwise(pl.lit(no))
    return rossi.with_columns(value.alias("left"))


@pytest.mark.parametrize(
    ("yes", "no"),
    [
        (True, False),
        (" Yes", "no "),
        ("Y", "N"),
        ("TRUE", "false"),
        ("1", "0"),
        ("是", "否"),
        ("churned", "Active"),
    ],
)
def test_yes_no_forms_give_the_odds_ratios_of_the_0_1_fit(rossi, reference, yes, no):
    fit = cx.churn.logistic(_with(rossi, yes, no), outcome="left", covariates=COVARIATES)
    assert fit.events == int(rossi["arrest"].sum()) == 114
    got = fit.summary()
    for column in ("estimate", "std_error", "odds_ratio", "odds_ratio_per_change_low"):
        assert got[column].to_list() == pytest.approx(reference[column].to_list(), rel=1e-12)


def test_two_other_values_need_the_event_named(rossi, reference):
    worded = _with(rossi, "left", "stayed").with_columns(pl.col("left").cast(pl.Categorical))
    with pytest.raises(cx.SchemaError) as err:
        cx.churn.logistic(worded, outcome="left", covariates=COVARIATES)
    message = str(err.value)
    assert "outcome='left' holds 'left' and 'stayed'" in message
    assert "do not read as yes/no" in message and "event_value='left'" in message
    fit = cx.churn.logistic(worded, outcome="left", event_value=" Left", covariates=COVARIATES)
    assert fit.summary()["odds_ratio"].to_list() == pytest.approx(
        reference["odds_ratio"].to_list(), rel=1e-12
    )
    coded = _with(rossi, 2, 1)  # a 1/2 code: the event must be named
    with pytest.raises(
        cx.SchemaError, match=r"holds 1 and 2, .*say which value is the event, e.g. event_value=1"
    ):
        cx.churn.logistic(coded, outcome="left", covariates=COVARIATES)
    fit = cx.churn.logistic(coded, outcome="left", event_value=2, covariates=COVARIATES)
    assert fit.summary()["estimate"].to_list() == pytest.approx(
        reference["estimate"].to_list(), rel=1e-12
    )
    # naming the other value as the event turns every log odds ratio around
    flipped = cx.churn.logistic(coded, outcome="left", event_value=1, covariates=COVARIATES)
    assert flipped.summary()["estimate"].to_list() == pytest.approx(
        [-b for b in reference["estimate"].to_list()], rel=1e-9
    )
    with pytest.raises(
        cx.SchemaError, match=r"event_value='gone' is not a value of outcome='left'"
    ):
        cx.churn.logistic(worded, outcome="left", event_value="gone", covariates=COVARIATES)


def test_more_than_two_values_or_blanks_are_refused(rossi):
    three = rossi.with_columns(
        pl.when(pl.col("arrest") == 1)
        .then(pl.lit("yes"))
        .when(pl.col("age") < 20)
        .then(pl.lit("maybe"))
        .otherwise(pl.lit("no"))
        .alias("left")
    )
    with pytest.raises(cx.SchemaError) as err:
        cx.churn.logistic(three, outcome="left", covariates=COVARIATES)
    message = str(err.value)
    assert "outcome='left' holds 3 different values" in message
    assert all(repr(v) in message for v in ("yes", "no", "maybe"))
    blanks = _with(rossi, "yes", None)
    with pytest.raises(cx.SchemaError, match=r"outcome='left' has 318 missing value\(s\)"):
        cx.churn.logistic(blanks, outcome="left", covariates=COVARIATES)
    counted = rossi.with_columns((pl.col("arrest") * 2).alias("left"))
    with pytest.raises(cx.SchemaError, match=r"holds 0 and 2, .*event_value=2"):
        cx.churn.logistic(counted, outcome="left", covariates=COVARIATES)
