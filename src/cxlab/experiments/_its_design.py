"""The series an interrupted time series reads: its grain, its clock and its seasons.

The grain is read from the spacing of ``ts`` (daily, weekly or monthly) or given as ``every``;
the clock ``t`` counts periods of that grain (days, weeks, months), so a slope is a change per
period. The seasonality modelled is what the grain and the history before the change identify:

- daily: day-of-week effects, and two annual Fourier pairs once two years precede the change;
- weekly: three annual Fourier pairs (the week of the year) once two years precede the change;
- monthly: month-of-year effects once two years precede the change.

With less than two years before the change an annual season cannot be told apart from the
change itself, and is left out (the text says so, with the history's actual length).

References
----------
Bernal, Cummins & Gasparrini (2017), Interrupted time series regression for the evaluation of
public health interventions: a tutorial, Int. J. Epidemiology 46(1) (seasonality by Fourier
terms or month indicators).
Newey & West (1994), Automatic lag selection in covariance matrix estimation, Rev. Econ.
Studies 61 (lags in proportion to the dependence's time span).
"""

from __future__ import annotations

import datetime as dt
import itertools
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from cxlab._errors import OptionError, SchemaError

Every = Literal["1d", "1w", "1mo"]
Model = Literal["level", "level_and_slope"]
Method = Literal["segmented", "structural"]
Errors = Literal["ar1", "newey_west"]

# periods of each grain in a year; the history needed for an annual season is two of them
PER_YEAR = {"1d": 365.25, "1w": 365.25 / 7, "1mo": 12.0}
# Newey-West lags: about two weeks of days, a month of weeks, a quarter of months
LAGS = {"1d": 14, "1w": 4, "1mo": 3}
# least history before / after the change
MINIMUM = {"1d": (28, 14), "1w": (12, 4), "1mo": (12, 3)}
FOURIER = {"1d": 2, "1w": 3}


@dataclass(frozen=True)
class Clock:
    """The series' grain, its dates and the period count ``t`` (0 at the first row)."""

    every: str
    dates: list[dt.date]
    t: np.ndarray


def local_dates(ts: pl.Series) -> list[dt.date]:
    """Dates of a ``ts`` column (a datetime is read in its own zone, at its local day)."""
    if ts.dtype == pl.Date:
        return ts.to_list()
    if isinstance(ts.dtype, pl.Datetime):
        return ts.dt.date().to_list()
    raise SchemaError(f"its(): ts must be a date or a datetime; it is {ts.dtype}.")


def _month_index(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def _month_end(d: dt.date) -> bool:
    return (d + dt.timedelta(days=1)).month != d.month


def _fits(every: str, dates: list[dt.date]) -> tuple[bool, list[str]]:
    """Whether ``dates`` are whole periods of ``every`` apart, and a few offending steps."""
    bad: list[str] = []
    if every == "1mo":
        ends = all(_month_end(d) for d in dates)
        day = dates[0].day
        for a, b in itertools.pairwise(dates):
            aligned = _month_end(b) if ends else b.day == day
            if not aligned or _month_index(b) <= _month_index(a):
                bad.append(f"{a} to {b}")
    else:
        step = 7 if every == "1w" else 1
        for a, b in itertools.pairwise(dates):
            gap = (b - a).days
            if gap <= 0 or gap % step:
                bad.append(f"{a} to {b}")
    return not bad, bad[:3]


def clock(ts: pl.Series, every: str | None) -> Clock:
    """The grain of ``ts`` (``every`` if given: ``"1d"``, ``"1w"`` or ``"1mo"``) and its clock.

    Raises
    ------
    OptionError
        ``every`` is not a daily, weekly or monthly grain.
    SchemaError
        Two rows for one period, or steps that are not whole periods of the grain (irregular
        spacing); the message names a few of them.
    """
    dates = local_dates(ts)
    if len(set(dates)) < len(dates):
        seen, twice = set(), []
        for d in dates:
            if d in seen and str(d) not in twice:
                twice.append(str(d))
            seen.add(d)
        raise SchemaError(
            f"its(): the series has more than one row for {', '.join(twice[:3])}; give one "
            f"value per day, week or month."
        )
    if every is not None:
        from cxlab._present import check_every

        every = check_every(every)
        if every not in PER_YEAR:
            raise OptionError(
                f"its(every={every!r}): an interrupted time series reads a daily ('1d'), weekly "
                f"('1w') or monthly ('1mo') series; aggregate the data to one of them first."
            )
        ok, bad = _fits(every, dates)
        if not ok:
            raise SchemaError(
                f"its(every={every!r}): the series is not spaced by whole periods of that grain "
                f"(for example {'; '.join(bad)})."
            )
        found = every
    else:
        found = None
        for grain in ("1mo", "1w", "1d"):
            gaps = np.diff([d.toordinal() for d in dates])
            typical = {"1mo": (28, 31), "1w": (7, 7), "1d": (1, 1)}[grain]
            if len(gaps) and typical[0] <= np.median(gaps) <= typical[1]:
                ok, bad = _fits(grain, dates)
                if not ok:
                    raise SchemaError(
                        f"its(): the series looks {dict(PER_NAME)[grain]} but its steps are "
                        f"irregular (for example {'; '.join(bad)}); give one row per period, "
                        f"or every= the grain it has."
                    )
                found = grain
                break
        if found is None:
            gaps = np.diff([d.toordinal() for d in dates])
            steps = ", ".join(f"{g} days" for g in sorted(set(gaps.tolist()))[:4])
            raise SchemaError(
                f"its(): the spacing of ts is not daily, weekly or monthly (steps of {steps}); "
                f"aggregate the series to one of these grains, or give every=."
            )
    t = np.array([period_of(found, d, dates[0]) for d in dates], dtype=float)
    return Clock(found, dates, t)


def period_of(every: str, d: dt.date, origin: dt.date) -> int:
    """The period count of ``d`` on the clock that starts at ``origin`` (0)."""
    if every == "1mo":
        return _month_index(d) - _month_index(origin)
    return (d - origin).days // (7 if every == "1w" else 1)


def date_of(every: str, k: int, origin: dt.date) -> dt.date:
    """The date of period ``k`` on the clock that starts at ``origin`` (a month keeps the
    origin's day, or its end for a series dated at month ends)."""
    if every != "1mo":
        return origin + dt.timedelta(days=k * (7 if every == "1w" else 1))
    year, month = divmod(_month_index(origin) + k, 12)
    first = dt.date(year, month + 1, 1)
    end = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return end if _month_end(origin) else first.replace(day=min(origin.day, end.day))


PER_NAME = (("1d", "daily"), ("1w", "weekly"), ("1mo", "monthly"))


def seasonality(every: str, before: int) -> tuple[str, ...]:
    """The seasonal parts modelled for ``before`` periods of history before the change:
    ``"weekday"``, ``"annual"`` (Fourier terms) and ``"month"`` (month-of-year effects)."""
    annual = before >= 2 * PER_YEAR[every]
    if every == "1d":
        return ("weekday", "annual") if annual else ("weekday",)
    if every == "1w":
        return ("annual",) if annual else ()
    return ("month",) if annual else ()


def seasonal_columns(
    every: str, dates: list[dt.date], parts: tuple[str, ...]
) -> tuple[list[np.ndarray], list[str]]:
    """Regression columns of the seasonal ``parts``: one indicator per weekday or month the
    series has, but the first (Monday and January when present), which is the base. A weekday or
    month the series never has (a series closed on Sundays) gets no column: it would be all zero
    and leave the design singular."""
    cols: list[np.ndarray] = []
    names: list[str] = []
    if "weekday" in parts:
        dow = np.array([d.isoweekday() for d in dates])
        for k in sorted(set(dow.tolist()))[1:]:
            cols.append((dow == k).astype(float))
            names.append(f"weekday_{k}")
    if "month" in parts:
        month = np.array([d.month for d in dates])
        for k in sorted(set(month.tolist()))[1:]:
            cols.append((month == k).astype(float))
            names.append(f"month_{k}")
    if "annual" in parts:
        year_frac = np.array(
            [(d.timetuple().tm_yday - 1) / (366 if _leap(d.year) else 365) for d in dates]
        )
        for k in range(1, FOURIER[every] + 1):
            cols += [np.sin(2 * np.pi * k * year_frac), np.cos(2 * np.pi * k * year_frac)]
            names += [f"annual_sin_{k}", f"annual_cos_{k}"]
    return cols, names


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@dataclass(frozen=True)
class Design:
    """A segmented regression's columns: ``x`` with ``names``; ``effect`` the columns of the
    change (a step, and a ramp when the slope may change)."""

    x: np.ndarray
    names: list[str]
    effect: list[int]


def design(
    t: np.ndarray,
    post: np.ndarray,
    season: tuple[list[np.ndarray], list[str]],
    covariates: dict[str, np.ndarray],
    model: str,
) -> Design:
    """Constant, trend, the change's step (and ramp), seasonal columns, covariates."""
    t0 = t[post].min()
    cols = [np.ones_like(t), t, post.astype(float)]
    names = ["const", "trend", "level change at start"]
    if model == "level_and_slope":
        cols.append(post * (t - t0))
        names.append("slope change")
    effect = list(range(2, len(cols)))
    cols += season[0]
    names += season[1]
    for name, values in covariates.items():
        cols.append(values)
        names.append(name)
    return Design(np.column_stack(cols), names, effect)


def segmented(y: np.ndarray, d: Design, errors: str, lags: int, t: np.ndarray):
    """Least squares with t intervals: GLS with first-order autocorrelated errors
    (``errors="ar1"``, :func:`ar1_gls`) or OLS with Newey-West (HAC) errors (``"newey_west"``).

    Newey-West standard errors of a step that lasts a few dozen periods are too small even with
    independent errors (their bias grows with the step's persistence): in simulation, a nominal
    95% interval of the level change covered 84% of the time on 120 days with independent
    errors, where the AR(1) GLS interval covered 95%. AR(1) GLS is therefore the default.
    """
    from statsmodels.regression.linear_model import OLS

    if errors == "newey_west":
        return OLS(y, d.x).fit(cov_type="HAC", cov_kwds={"maxlags": lags}, use_t=True)
    return ar1_gls(y, d.x, t)


def ar1_gls(y: np.ndarray, x: np.ndarray, t: np.ndarray):
    """Prais-Winsten GLS with AR(1) errors, the autocorrelation corrected for its small-sample
    bias.

    The autocorrelation is estimated by iterated Cochrane-Orcutt (statsmodels ``GLSAR``), then
    corrected for the two biases of a lag-1 autocorrelation of regression residuals: the
    regressors' own, ``tr(M A) / (n - k)`` under independence (M the residual maker, A the
    symmetric lag-1 matrix), and the autoregression's, about ``-3 rho / n`` (Marriott & Pope
    1954). Rows are whitened with ``rho ** gap`` across missing periods (exact for an AR(1)).
    Without the correction a nominal 95% interval covered 92% of the time on 60 months; with
    it, 93-95% over 60 to 192 months and 120 days (simulation, AR(1) errors of 0 to 0.6).

    References
    ----------
    Prais & Winsten (1954), Trend estimators and serial correlation, Cowles Commission
    discussion paper 383; Cochrane & Orcutt (1949), J. Am. Statist. Assoc. 44; Marriott & Pope
    (1954), Bias in the estimation of autocorrelations, Biometrika 41.
    """
    from statsmodels.regression.linear_model import GLSAR, OLS

    n, k = x.shape
    with warnings.catch_warnings():
        # a series the regressors fit exactly leaves no residual to correlate: rho is 0 or nan
        warnings.simplefilter("ignore", RuntimeWarning)
        rho = float(GLSAR(y, x, rho=1).iterative_fit(maxiter=20).model.rho[0])
    rho = 0.0 if not np.isfinite(rho) else rho
    ax = np.zeros_like(x)
    ax[:-1] += x[1:] / 2
    ax[1:] += x[:-1] / 2
    bias = -np.trace(np.linalg.pinv(x) @ ax) / (n - k)
    rho = float(np.clip(rho - bias + 3 * rho / n, -0.98, 0.98))
    r = rho ** np.diff(t)
    scale = 1 / np.sqrt(1 - r**2)
    yw = np.concatenate([y[:1], (y[1:] - r * y[:-1]) * scale])
    xw = np.vstack([x[:1], (x[1:] - r[:, None] * x[:-1]) * scale[:, None]])
    return OLS(yw, xw).fit(use_t=True)
