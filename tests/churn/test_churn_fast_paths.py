"""The churn report's fast paths give the numbers of the slow ones they replace.

Each test computes the same figures a second, independent way (lifelines or statsmodels on the
same rows, or the earlier row-by-row algorithm kept here) on the default workspace (seed 7) and
states its tolerance:

- counting-process and time-split Cox fits (Newton steps on the distinct rows) against
  lifelines' ``CoxPHFitter`` on all rows: estimates, standard errors, intervals, p-values,
  covariance, log-likelihood and likelihood-ratio statistic to relative 1e-9 (measured 1e-13 to
  3e-11: the sums come in another order);
- the concordance count against lifelines' own count: the same whole numbers, bit for bit;
- the attributable share (distinct rows, all draws at once) and the drivers in money (only the
  customers a driver moves) against the earlier loops: relative 1e-9 (measured 1e-12);
- the logistic model's null log-likelihood in closed form against statsmodels' search for it.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import cxlab as cx
from cxlab.churn._coxfit import concordance_counts, identical_rows

EXPERIENCE = ["unresolved_complaint_90d", "abandoned_contacts_90d", "low_csat_90d", "transfers_90d"]
MODEL = {"covariates": list(cx.churn.MONTHLY_COVARIATES), "reference": cx.churn.MONTHLY_REFERENCE}
REL = 1e-9


def _fifth(frame: pl.DataFrame) -> pl.DataFrame:
    """A fifth of the customers (ids ending in 0 or 5): lifelines' own counting-process fit on
    all 220,898 customer-months takes 3-5 s, on a fifth under a second."""
    return frame.filter(pl.col("customer_id").str.slice(-1).is_in(["0", "5"]))


@pytest.fixture(scope="module")
def tables(default_workspace):
    return tuple(
        cx.load(name, workspace=default_workspace).collect()
        for name in ("contacts", "customers", "surveys")
    )


@pytest.fixture(scope="module")
def monthly(tables):
    contacts, customers, _ = tables
    panel = _fifth(cx.churn.customer_months(contacts, customers))
    return cx.churn.cox(panel, entry="start", duration="stop", event="churned", **MODEL)


def _lifelines(result):
    """lifelines' CoxPHFitter on the rows cxlab fitted (the path every fit took before)."""
    from lifelines import CoxPHFitter

    model = result._model
    return CoxPHFitter(alpha=result.alpha).fit(
        result._data,
        duration_col=model.duration_col,
        event_col=model.event_col,
        entry_col=model.entry_col,
    )


def _same_fit(result, reference) -> None:
    from scipy.stats import norm

    s = reference.summary
    assert result.table["term"].to_list() == [str(t) for t in s.index]
    for ours, theirs in [
        ("estimate", s["coef"]),
        ("std_error", s["se(coef)"]),
        ("ci_low", s["coef lower 95%"]),
        ("ci_high", s["coef upper 95%"]),
        ("p_value", 2 * norm.sf(np.abs(s["coef"] / s["se(coef)"]))),
    ]:
        np.testing.assert_allclose(result.table[ours].to_numpy(), np.asarray(theirs), rtol=REL)
    v = reference.variance_matrix_.to_numpy()
    scale = np.sqrt(np.outer(np.diag(v), np.diag(v)))  # covariances relative to sd x sd
    np.testing.assert_allclose(result.covariance / scale, v / scale, rtol=0, atol=REL)
    assert result.log_likelihood == pytest.approx(reference.log_likelihood_, rel=REL)
    lr = reference.log_likelihood_ratio_test()
    assert result.lr_statistic == pytest.approx(lr.test_statistic, rel=REL)
    assert result.lr_df == lr.degrees_freedom
    assert result.n == reference._n_examples


def _same_concordance(result, reference) -> None:
    """The count is lifelines' to the last bit on the same predictions. Between the two fits
    the concordance may still differ in the fifth decimal (absolute 1e-4 here; reports show two
    decimals): lifelines calls two predictions tied only when they are equal to the last bit,
    and equal covariates can give hazards a last bit apart depending on the row's place in a
    BLAS product, so estimates 1e-13 apart move a few pairs between tied and concordant (on
    the split model of all customers 217 of 54 million pairs, 2e-6; of this fifth, 2e-5)."""
    from lifelines.utils.concordance import _concordance_summary_statistics

    f = reference._model._predicted_partial_hazards_
    args = (f["T"].to_numpy(), -f["P"].to_numpy(), f["E"].to_numpy())
    assert concordance_counts(*args) == _concordance_summary_statistics(*args)
    assert result.concordance == pytest.approx(reference.concordance_index_, abs=1e-4)


def test_monthly_cox_equals_lifelines_on_all_rows(monthly):
    """The counting-process fit of the report's monthly model: cxlab's Newton steps on the
    distinct rows against lifelines' on every customer-month (relative 1e-9)."""
    assert monthly.form == "counting process" and monthly.events > 500
    reference = _lifelines(monthly)
    _same_fit(monthly, reference)
    _same_concordance(monthly, reference)


def test_time_split_cox_equals_lifelines_on_all_rows(tables):
    """The report's time-split remedy (a fifth of the customers at the landmark, split at day
    91): cxlab against lifelines on the same split rows (relative 1e-9)."""
    contacts, customers, surveys = tables
    snapshot = _fifth(cx.churn.landmark_frame(contacts, customers, surveys, as_of="auto"))
    split = cx.churn.cox(
        snapshot,
        duration="duration",
        event="churned",
        split_at=[91],
        time_varying=["unresolved_complaint_90d", "low_csat_90d"],
        **MODEL,
    )
    assert "unresolved_complaint_90d after 91" in split.table["term"].to_list()
    reference = _lifelines(split)
    _same_fit(split, reference)
    _same_concordance(split, reference)


def test_concordance_counts_equal_lifelines_with_ties_and_censoring():
    """Tied times (deaths with deaths, deaths with censored rows), tied predictions and
    censoring all at once: the same three whole numbers as lifelines."""
    from lifelines.utils.concordance import _concordance_summary_statistics

    rng = np.random.default_rng(3)
    times = rng.integers(0, 30, 2_000).astype(float)
    predicted = rng.integers(0, 12, 2_000).astype(float)
    observed = rng.random(2_000) < 0.4
    ours = concordance_counts(times, predicted, observed)
    assert ours == _concordance_summary_statistics(times, predicted, observed)
    assert ours[1] > 0 and ours[2] > 0
    nobody = np.zeros(2_000, bool)
    assert concordance_counts(times, predicted, nobody) == (0, 0, 0)


def test_identical_rows_groups_equal_rows_only():
    x = np.array([[1.0, 2.0], [0.0, 2.0], [1.0, 2.0], [0.0, 2.0], [1.0, 3.0]])
    first, group = identical_rows(x)
    assert first.tolist() == [0, 1, 4]
    assert group.tolist() == [0, 1, 0, 1, 2]
    np.testing.assert_array_equal(x[first][group], x)


class _RowByRowBreslow:
    """The Breslow baseline hazard as computed before, one row per customer-month."""

    def __init__(self, start, stop, event):
        self.times = np.unique(stop[event == 1])
        self.by_stop = np.argsort(stop, kind="stable")
        self.by_start = np.argsort(start, kind="stable")
        self.at_stop = np.searchsorted(stop[self.by_stop], self.times, side="left")
        self.at_start = np.searchsorted(start[self.by_start], self.times, side="left")
        self.deaths = np.bincount(
            np.searchsorted(self.times, stop[event == 1]), minlength=len(self.times)
        )
        self.row_stop = np.searchsorted(self.times, stop, side="right")
        self.row_start = np.searchsorted(self.times, start, side="right")

    def expected(self, risk):
        cum_stop = np.concatenate([np.cumsum(risk[self.by_stop][::-1])[::-1], [0.0]])
        cum_start = np.concatenate([np.cumsum(risk[self.by_start][::-1])[::-1], [0.0]])
        at_risk = cum_stop[self.at_stop] - cum_start[self.at_start]
        h0 = np.concatenate([[0.0], np.cumsum(self.deaths / at_risk)])
        return h0[self.row_stop] - h0[self.row_start]


def _share_row_by_row(result, terms, draws, seed, alpha=0.05):
    """The attributable share as computed before: every row, one draw at a time."""
    model, data = result._model, result._data
    names = result.table["term"].to_list()
    stop = data[model.duration_col].to_numpy(float)
    start = data[model.entry_col].to_numpy(float)
    event = data[model.event_col].to_numpy().astype(int)
    x = data[names].to_numpy(float)
    x0 = x.copy()
    for t in terms:
        x0[:, names.index(t)] = 0.0
    beta = result.table["estimate"].to_numpy()
    rng = np.random.default_rng(seed)
    betas = np.vstack([beta, rng.multivariate_normal(beta, result.covariance, size=draws)])
    breslow = _RowByRowBreslow(start, stop, event)
    shares, without = [], []
    for b in betas:
        lp = x @ b
        risk = np.exp(lp - lp.max())
        dh = breslow.expected(risk)
        e_all = float((dh * risk).sum())
        e_none = float((dh * np.exp(x0 @ b - lp.max())).sum())
        shares.append(1 - e_none / e_all)
        without.append(e_none * event.sum() / e_all)
    lo, hi = np.percentile(shares[1:], [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return shares[0], lo, hi, without[0]


def test_attributable_share_equals_the_row_by_row_loop(monthly):
    """Distinct rows and all draws at once against one row per customer-month and one draw at
    a time (relative 1e-9); taking the draws one at a time gives them too (relative 1e-9)."""
    import cxlab.churn._attributable as attributable

    fast = cx.churn.attributable_share(monthly, terms=EXPERIENCE, draws=60, seed=4)
    share, lo, hi, without = _share_row_by_row(monthly, EXPERIENCE, draws=60, seed=4)
    assert fast.share == pytest.approx(share, rel=REL)
    assert fast.ci_low == pytest.approx(lo, rel=REL)
    assert fast.ci_high == pytest.approx(hi, rel=REL)
    assert fast.events_without == pytest.approx(without, rel=REL)
    assert fast.events == monthly.events
    cells = attributable._CELLS
    try:
        attributable._CELLS = 1  # one draw at a time
        chunked = cx.churn.attributable_share(monthly, terms=EXPERIENCE, draws=60, seed=4)
    finally:
        attributable._CELLS = cells
    np.testing.assert_allclose(
        [chunked.share, chunked.ci_low, chunked.ci_high],
        [fast.share, fast.ci_low, fast.ci_high],
        rtol=REL,
    )


@pytest.fixture(scope="module")
def risk(tables):
    contacts, customers, surveys = tables
    return cx.churn.at_risk(contacts, customers, surveys, as_of="2026-11-01", horizon=90)


def _drivers_full_matrix(risk, improvement, draws, seed, alpha=0.05):
    """Drivers in money as computed before: every customer, every driver, full matrices."""
    model, frame = risk.model, risk.scoring
    present = [d for d in risk.model.terms if d in EXPERIENCE or d == "repeat_contacts_90d"]
    rng = np.random.default_rng(seed)
    betas = np.vstack(
        [model.params, rng.multivariate_normal(model.params, model.covariance, size=draws)]
    )
    x = model.matrix(frame)
    value = frame["monthly_value"].to_numpy()

    def prob(m):
        return 1 / (1 + np.exp(-(m @ betas.T)))

    base = prob(x)
    q = [100 * alpha / 2, 100 * (1 - alpha / 2)]
    out = {}
    for d in present:
        j = model.terms.index(d)
        xd, col = x.copy(), x[:, j]
        if set(np.unique(col)) <= {0.0, 1.0}:
            xd[:, j] = 0.0
            drop = improvement * (base - prob(xd)) * (col[:, None] == 1)
        else:
            xd[:, j] = col * (1 - improvement)
            drop = base - prob(xd)
        churners, money = drop.sum(axis=0), (drop * value[:, None]).sum(axis=0)
        out[d] = [churners[0], *np.percentile(churners[1:], q)]
        out[d] += [money[0], *np.percentile(money[1:], q)]
    x0 = x.copy()
    for d in present:
        x0[:, model.terms.index(d)] = 0.0
    share = 1 - prob(x0).sum(axis=0) / base.sum(axis=0)
    return out, [share[0], *np.percentile(share[1:], q)]


def test_drivers_in_money_equal_the_full_matrix_loop(risk):
    """Only the customers a driver moves against every customer for every driver (relative
    1e-9), for 0/1 drivers and counts alike."""
    fast = cx.churn.driver_impact(risk, improvement=0.5, draws=150, seed=5)
    rows, share = _drivers_full_matrix(risk, 0.5, draws=150, seed=5)
    table = {r["term"]: r for r in fast.table.iter_rows(named=True)}
    assert set(table) == set(rows) and len(rows) >= 4
    columns = ["churners_avoided", "churners_avoided_low", "churners_avoided_high"]
    columns += ["monthly_revenue_kept", "monthly_revenue_kept_low", "monthly_revenue_kept_high"]
    for term, expected in rows.items():
        got = [table[term][c] for c in columns]
        np.testing.assert_allclose(got, expected, rtol=REL)
    got = [fast.attributable_share, fast.attributable_low, fast.attributable_high]
    np.testing.assert_allclose(got, share, rtol=REL)


def test_logistic_null_likelihood_equals_statsmodels(tables):
    """The at-risk model's null deviance in closed form against statsmodels' llnull, which
    finds the same maximum by a Nelder-Mead then BFGS search: relative 1e-9 (measured 6e-12 to
    3e-11, statsmodels' value the lower). The likelihood-ratio p-value follows it to relative
    1e-6: near p = 1e-40 it moves by half the change of the statistic (measured 1e-7)."""
    import datetime as dt

    from statsmodels.discrete.discrete_model import Logit

    from cxlab.churn._design import design
    from cxlab.churn._risk import CUSTOMER, EXPERIENCE

    contacts, customers, surveys = tables
    end = dt.date(2026, 11, 1)
    frame = cx.churn.landmark_frame(
        contacts, customers, surveys, as_of=end - dt.timedelta(days=90), end=end, horizon=90
    )
    covariates = [*EXPERIENCE, *CUSTOMER]
    reference = {"contract": "monthly", "segment": "individual", "value_tier": "bronze"}
    ours = cx.churn.logistic(
        frame, outcome="churned_within", covariates=covariates, reference=reference
    )
    terms, _names, _dropped = design(frame, covariates, reference=reference)
    y = frame["churned_within"].cast(pl.Float64).to_numpy()
    x = np.column_stack([np.ones(len(y)), terms.to_numpy().astype(float)])
    fit = Logit(y, x).fit(disp=0, maxiter=200)
    assert ours.null_deviance == pytest.approx(-2 * fit.llnull, rel=REL)
    assert ours.deviance == -2 * fit.llf
    assert ours.lr_p_value == pytest.approx(fit.llr_pvalue, rel=1e-6)
    assert 0 < ours.lr_p_value < 1e-6
