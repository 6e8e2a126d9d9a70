"""The model behind next year's projection: a trend and an annual cycle, fitted by least squares.

One KPI's monthly values are moved to a scale that keeps them inside their bounds (the logit of a
share, the logit of ``(csat - 1) / 4`` for a 1-5 score, the log of a time or a count), fitted there
by ordinary least squares on a linear trend (in years) and ``harmonics`` pairs of Fourier terms of
the calendar month (annual seasonality), and simulated jointly: each draw takes a residual variance
from its scaled inverse chi-square posterior, coefficients from their normal posterior given it
(the flat-prior posterior of the linear model), and a residual for every future month, so the
months of one draw share one trend and one season and the year's value built from them has the
right spread. With fewer than :data:`SEASON_MONTHS` months the season is not fitted.

References
----------
Gelman et al., *Bayesian Data Analysis* (3rd ed.), section 14.2 (the posterior of the normal linear
model under a flat prior); Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 5.4
(trend and seasonal dummies) and 7.4 (Fourier terms).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

SEASON_MONTHS = 24
"""Months of history needed to measure an annual cycle (two of each calendar month)."""
TREND_MONTHS = 12
"""Months of history below which no projection is made."""
HARMONICS = 2
EDGE = 1e-4  # a share of exactly 0 or 1 is moved this far inside before its logit


def to_scale(y: np.ndarray, unit: str) -> np.ndarray:
    """Monthly values on the fitting scale (see the module docstring)."""
    y = np.asarray(y, float)
    if unit == "share":
        p = np.clip(y, EDGE, 1 - EDGE)
        return np.log(p / (1 - p))
    if unit == "score":
        p = np.clip((y - 1) / 4, EDGE, 1 - EDGE)
        return np.log(p / (1 - p))
    return np.log(np.maximum(y, EDGE))


def from_scale(z: np.ndarray, unit: str) -> np.ndarray:
    """The inverse of :func:`to_scale`."""
    z = np.asarray(z, float)
    if unit == "share":
        return 1 / (1 + np.exp(-z))
    if unit == "score":
        return 1 + 4 / (1 + np.exp(-z))
    return np.exp(z)


def slope(level: float, unit: str) -> float:
    """How much the KPI moves per unit of its fitting scale near ``level`` (the derivative of
    :func:`from_scale`): ``p (1 - p)`` for a share, ``4 p (1 - p)`` for a score, the level itself
    for a time."""
    if unit == "share":
        return level * (1 - level)
    if unit == "score":
        p = (level - 1) / 4
        return 4 * p * (1 - p)
    return level


def design(months: list[dt.date], origin: dt.date, harmonics: int) -> np.ndarray:
    """Columns: intercept, years since ``origin`` at the month's middle, then ``cos`` and ``sin``
    of ``2 pi k`` times the middle's fraction of the calendar year, ``k = 1..harmonics``."""
    rows = []
    for m in months:
        nxt = dt.date(m.year + m.month // 12, m.month % 12 + 1, 1)
        mid = m + (nxt - m) / 2
        years = (mid - origin).days / 365.2425
        tau = (mid - dt.date(mid.year, 1, 1)).days / 365.2425
        row = [1.0, years]
        for k in range(1, harmonics + 1):
            row += [np.cos(2 * np.pi * k * tau), np.sin(2 * np.pi * k * tau)]
        rows.append(row)
    return np.array(rows)


def term_names(harmonics: int) -> list[str]:
    out = ["intercept", "trend_per_year"]
    for k in range(1, harmonics + 1):
        out += [f"cos_{k}", f"sin_{k}"]
    return out


@dataclass(frozen=True)
class Fit:
    """A fitted trend (and season) on the KPI's scale."""

    unit: str
    origin: dt.date
    harmonics: int
    beta: np.ndarray
    unscaled_cov: np.ndarray  # (X'X)^-1
    s2: float
    df: int
    months: tuple[dt.date, ...]
    fitted: np.ndarray

    @property
    def std_errors(self) -> np.ndarray:
        return np.sqrt(np.diag(self.unscaled_cov) * self.s2)

    def season_at(self, day_of_year: float) -> float:
        """The fitted first harmonic's value at ``day_of_year`` (in fitting-scale units): the
        amplitude of a cycle ``cos(2 pi (t - day) / year)``, what a cycle peaking on that day
        would read."""
        if self.harmonics == 0:
            return 0.0
        phase = 2 * np.pi * day_of_year / 365.2425
        return float(self.beta[2] * np.cos(phase) + self.beta[3] * np.sin(phase))

    def simulate(self, months: list[dt.date], draws: int, rng: np.random.Generator) -> np.ndarray:
        """``draws`` joint paths of the future ``months`` on the fitting scale (draws x months)."""
        return self.simulate_design(design(months, self.origin, self.harmonics), draws, rng)

    def simulate_design(self, x: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
        """Joint draws of the rows of design ``x`` from the posterior predictive (flat prior):
        ``sigma^2 ~ df s^2 / chi2(df)``, ``beta | sigma ~ N(beta_hat, sigma^2 (X'X)^-1)``, plus a
        normal residual per row."""
        sigma2 = self.df * self.s2 / rng.chisquare(self.df, draws)
        root = np.linalg.cholesky(self.unscaled_cov + 1e-12 * np.eye(len(self.beta)))
        z = rng.standard_normal((draws, len(self.beta)))
        beta = self.beta + np.sqrt(sigma2)[:, None] * (z @ root.T)
        noise = np.sqrt(sigma2)[:, None] * rng.standard_normal((draws, x.shape[0]))
        return beta @ x.T + noise


def fit(values: np.ndarray, months: list[dt.date], unit: str, *, seasonal: bool) -> Fit:
    """Ordinary least squares (statsmodels) of the scaled values on trend (and season)."""
    harmonics = HARMONICS if seasonal else 0
    origin = months[0]
    x = design(months, origin, harmonics)
    return fit_design(to_scale(values, unit), x, unit=unit, months=months, harmonics=harmonics)


def fit_design(
    y: np.ndarray,
    x: np.ndarray,
    *,
    unit: str = "level",
    months: list[dt.date] | None = None,
    harmonics: int = 0,
) -> Fit:
    """Ordinary least squares (statsmodels) of ``y`` on any design ``x`` (its columns as given)."""
    import statsmodels.api as sm

    months = list(months or [])
    model = sm.OLS(np.asarray(y, float), np.asarray(x, float)).fit()
    return Fit(
        unit=unit,
        origin=months[0] if months else dt.date(1970, 1, 1),
        harmonics=harmonics,
        beta=np.asarray(model.params, float),
        unscaled_cov=np.asarray(model.normalized_cov_params, float),
        s2=float(model.scale),
        df=round(model.df_resid),
        months=tuple(months),
        fitted=np.asarray(model.fittedvalues, float),
    )
