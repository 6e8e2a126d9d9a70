"""A small quasi-Poisson regression (IRLS) for daily contact counts: multiplicative effects with CIs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np


@dataclass(frozen=True)
class PoissonFit:
    """Coefficients on the log scale, their standard errors (quasi-Poisson) and the dispersion."""

    names: tuple[str, ...]
    coef: np.ndarray
    std_error: np.ndarray
    dispersion: float
    df_resid: int

    def effect(self, name: str) -> float:
        return float(self.coef[self.names.index(name)])

    def table(self, names: list[str], *, level: float = 0.95) -> list[dict]:
        """Rows ``term, estimate, std_error, ci_low, ci_high, p_value`` as rate ratios (exp scale)."""
        z = NormalDist().inv_cdf(0.5 + level / 2)
        rows = []
        for n in names:
            i = self.names.index(n)
            b, se = float(self.coef[i]), float(self.std_error[i])
            p = math.erfc(abs(b) / se / math.sqrt(2)) if se > 0 else float("nan")
            rows.append(
                {
                    "term": n,
                    "estimate": float(np.exp(b)),
                    "std_error": float(np.exp(b) * se),
                    "ci_low": float(np.exp(b - z * se)),
                    "ci_high": float(np.exp(b + z * se)),
                    "p_value": p,
                }
            )
        return rows


def poisson_irls(
    X: np.ndarray, y: np.ndarray, names: list[str], *, max_iter: int = 50, tol: float = 1e-9
) -> PoissonFit:
    """Fit ``log E[y] = X b`` by iteratively reweighted least squares.

    Standard errors use the Pearson dispersion (quasi-Poisson), so over-dispersed counts get wider
    intervals. Columns that are all zero are dropped (coefficient 0, standard error ``nan``).

    References
    ----------
    McCullagh & Nelder (1989), Generalized Linear Models, 2nd ed., sections 2.5 and 6.2.
    """
    keep = np.flatnonzero(np.any(X != 0, axis=0))
    Xk = X[:, keep]
    mu = np.maximum(y, 0.5)
    eta = np.log(mu)
    b = np.zeros(Xk.shape[1])
    for _ in range(max_iter):
        z = eta + (y - mu) / mu
        w = mu
        XtW = Xk.T * w
        b_new = np.linalg.lstsq(XtW @ Xk, XtW @ z, rcond=None)[0]
        eta = np.clip(Xk @ b_new, -30, 30)
        mu = np.exp(eta)
        if np.max(np.abs(b_new - b)) < tol:
            b = b_new
            break
        b = b_new
    df = max(len(y) - Xk.shape[1], 1)
    dispersion = max(float(np.sum((y - mu) ** 2 / mu) / df), 1e-9)
    cov = np.linalg.pinv((Xk.T * mu) @ Xk) * dispersion
    coef = np.zeros(X.shape[1])
    se = np.full(X.shape[1], np.nan)
    coef[keep] = b
    se[keep] = np.sqrt(np.maximum(np.diag(cov), 0))
    return PoissonFit(tuple(names), coef, se, dispersion, df)
