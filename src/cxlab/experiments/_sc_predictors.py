"""Weights of the classic synthetic control: on the simplex, fitted to predictors of the outcome.

Without predictors the weights reproduce the pilot region's outcome before the start, every
period weighing alike. With predictors (covariates averaged over chosen windows of the pre-period,
and outcomes at chosen periods), the weights reproduce the predictors, each standardised by its
spread across regions and weighed by an importance ``v`` (the diagonal of ADH's ``V``); ``v`` is
the one, found by Nelder-Mead from equal importances, whose weights best reproduce the outcome
before the start (the nested optimisation of Abadie, Diamond & Hainmueller, as ``pysyncon.Synth``
does it).

References
----------
Abadie & Gardeazabal (2003), The economic costs of conflict: a case study of the Basque
Country, American Economic Review 93(1) (the nested optimisation of ``V`` and ``W``).
Abadie, Diamond & Hainmueller (2010), Synthetic control methods for comparative case studies,
JASA 105(490), section 2.3.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl

from cxlab._errors import OptionError, SchemaError


def simplex_weights(y1: np.ndarray, y0: np.ndarray) -> np.ndarray:
    """Non-negative weights summing to one that minimise ``||y1 - y0 @ w||`` (NNLS with a penalty row)."""
    from scipy.optimize import nnls

    scale = max(float(np.abs(y0).max()), 1.0) * 100
    a = np.vstack([y0, np.full(y0.shape[1], scale)])
    b = np.concatenate([y1, [scale]])
    w, _ = nnls(a, b, maxiter=50 * a.shape[1])
    return w / w.sum() if w.sum() > 0 else np.full(y0.shape[1], 1 / y0.shape[1])


def predictor_matrix(
    wide: pl.DataFrame,
    units: list[str],
    predictors: Mapping[str, tuple[str, Any, Any]],
    covariates: pl.DataFrame | None,
) -> np.ndarray:
    """One row per predictor, one column per unit: the mean of a column over its window.

    ``predictors`` maps a name to ``(column, first, last)``, both ends included; the column
    ``"y"`` is the outcome (the panel ``wide``: ``period`` and one column per unit), any other a
    column of ``covariates`` (``unit, period`` and the covariates).
    """
    rows = []
    for name, spec in predictors.items():
        if not (isinstance(spec, tuple | list) and len(spec) == 3):
            raise OptionError(
                f"predictors[{name!r}]={spec!r} is not a (column, first, last) window; e.g. "
                "('y', 1975, 1975) for the outcome in 1975 or ('price', 1980, 1988) for a "
                "covariate's mean."
            )
        column, first, last = spec
        if column == "y":
            window = wide.filter(pl.col("period").is_between(first, last))
            values = window.select(units).mean()
        else:
            if covariates is None or column not in covariates.columns:
                have = [] if covariates is None else covariates.columns
                raise SchemaError(
                    f"synthetic_control(): predictor {name!r} reads column {column!r}, which the "
                    f"covariates table does not have (its columns: {', '.join(have) or 'none'})."
                )
            window = covariates.filter(pl.col("period").is_between(first, last))
            means = window.group_by(pl.col("unit").cast(pl.Utf8)).agg(pl.col(column).mean())
            lookup = dict(means.iter_rows())
            values = pl.DataFrame({u: [lookup.get(u)] for u in units})
        row = values.row(0)
        bad = [u for u, v in zip(units, row, strict=True) if v is None or not np.isfinite(v)]
        if bad:
            raise SchemaError(
                f"synthetic_control(): predictor {name!r} has no value from {first} to {last} "
                f"for {', '.join(bad[:5])}."
            )
        rows.append(np.asarray(row, dtype=float))
    return np.vstack(rows)


def _w_for(v: np.ndarray, x1: np.ndarray, x0: np.ndarray) -> np.ndarray:
    root = np.sqrt(v)[:, None]
    return simplex_weights(root[:, 0] * x1, root * x0)


def nested_weights(
    x1: np.ndarray, x0: np.ndarray, z1: np.ndarray, z0: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Donor weights and predictor importances ``v`` (summing to one) of the ADH optimisation.

    ``x1`` (k predictors) and ``x0`` (k x donors) are standardised predictors; ``z1`` and ``z0``
    the outcome before the start. The outer loss is the mean squared pre-period gap.
    """
    from scipy.optimize import minimize

    k = len(x1)
    if k == 1:
        return _w_for(np.ones(1), x1, x0), np.ones(1)

    def loss(raw):
        v = np.abs(raw) / np.abs(raw).sum()
        gap = z1 - z0 @ _w_for(v, x1, x0)
        return float(gap @ gap) / len(z1)

    res = minimize(
        loss, np.full(k, 1 / k), method="Nelder-Mead", options={"maxiter": 1000, "xatol": 1e-6}
    )
    v = np.abs(res.x) / np.abs(res.x).sum()
    return _w_for(v, x1, x0), v


def standardise(x: np.ndarray) -> np.ndarray:
    """Each predictor (row) divided by its standard deviation across units (1 when constant)."""
    sd = x.std(axis=1, ddof=1, keepdims=True)
    return x / np.where(sd > 0, sd, 1.0)
