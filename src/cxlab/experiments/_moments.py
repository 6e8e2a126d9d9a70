"""Addable sufficient statistics for A/B tests: per-unit sums reduce to a few numbers per arm.

A metric measured at the unit of randomisation (a customer, an agent) is a ratio of two per-unit
sums: ``y`` (the numerator: resolved contacts, handle seconds, CSAT points) over ``d`` (the
denominator: answered contacts, handled contacts, ratings), with the same pair from the pre-period
(``x``, ``dx``) as the CUPED covariate. :class:`Moments` keeps the count of units, the four sums
and the ten cross-products; two :class:`Moments` add exactly, so the statistics of a test over
millions of contacts are built shard by shard (day by day, partition by partition) and nothing
but these fifteen numbers per arm and metric is ever held at once.

Proportions (FCR per contact), means (CSAT per rating) and ratios (AHT = handle seconds /
handled contacts) are all ratios of sums at the unit level, and their variance comes from the
delta method on these moments, which is the cluster-robust variance when the unit is a cluster of
contacts.

References
----------
Deng, Knoblich & Lu (2018), Applying the delta method in metric analytics, KDD.
Deng, Xu, Kohavi & Walker (2013), Improving the sensitivity of online controlled experiments by
utilizing pre-experiment data (CUPED), WSDM.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

_K = 4  # y, d, x, dx
_PAIRS = [(i, j) for i in range(_K) for j in range(i, _K)]


@dataclass(frozen=True)
class Moments:
    """Sums over units of ``v = (y, d, x, dx)`` and of ``v_i * v_j``: addable across shards.

    Examples
    --------
    >>> a = Moments.from_arrays([1.0, 0.0], [1.0, 1.0])
    >>> b = Moments.from_arrays([1.0], [2.0])
    >>> (a + b).n, (a + b).ratio
    (3, 0.5)
    """

    n: int
    sums: tuple[float, ...]  # length 4
    cross: tuple[float, ...]  # length 10, upper triangle of sum v v'

    def __add__(self, other: Moments) -> Moments:
        return Moments(
            self.n + other.n,
            tuple(a + b for a, b in zip(self.sums, other.sums, strict=True)),
            tuple(a + b for a, b in zip(self.cross, other.cross, strict=True)),
        )

    @classmethod
    def zero(cls) -> Moments:
        return cls(0, (0.0,) * _K, (0.0,) * len(_PAIRS))

    @classmethod
    def from_arrays(cls, y, d, x=None, dx=None) -> Moments:
        """Moments of per-unit arrays (``x``, ``dx`` default to zeros: no covariate)."""
        y = np.asarray(y, float)
        d = np.asarray(d, float)
        x = np.zeros_like(y) if x is None else np.asarray(x, float)
        dx = np.zeros_like(y) if dx is None else np.asarray(dx, float)
        v = np.vstack([y, d, x, dx])
        return cls(
            len(y),
            tuple(float(s) for s in v.sum(axis=1)),
            tuple(float(v[i] @ v[j]) for i, j in _PAIRS),
        )

    @staticmethod
    def exprs(
        y: str | pl.Expr,
        d: str | pl.Expr,
        x: str | pl.Expr | None = None,
        dx: str | pl.Expr | None = None,
    ) -> list[pl.Expr]:
        """Polars expressions computing the moments of columns (or expressions) in one pass (see
        :meth:`from_row`); a missing ``x``, ``dx`` is zero (no covariate)."""

        def col(c: str | pl.Expr | None) -> pl.Expr:
            return pl.lit(0.0) if c is None else pl.col(c) if isinstance(c, str) else c

        cols = [col(c).cast(pl.Float64).fill_null(0.0) for c in (y, d, x, dx)]
        out = [pl.len().alias("__n")]
        out += [c.sum().alias(f"__s{i}") for i, c in enumerate(cols)]
        out += [(cols[i] * cols[j]).sum().alias(f"__c{i}{j}") for i, j in _PAIRS]
        return out

    @classmethod
    def from_row(cls, row: dict) -> Moments:
        """Moments from one row of the columns :meth:`exprs` computes."""
        return cls(
            int(row["__n"]),
            tuple(float(row[f"__s{i}"] or 0.0) for i in range(_K)),
            tuple(float(row[f"__c{i}{j}"] or 0.0) for i, j in _PAIRS),
        )

    # ---- derived quantities -------------------------------------------------------------
    @property
    def mean(self) -> np.ndarray:
        return np.array(self.sums) / self.n

    @property
    def cov(self) -> np.ndarray:
        """Sample covariance (``n - 1``) of ``(y, d, x, dx)`` across units."""
        m = np.zeros((_K, _K))
        for (i, j), c in zip(_PAIRS, self.cross, strict=True):
            m[i, j] = m[j, i] = c
        s = np.array(self.sums)
        return (m - np.outer(s, s) / self.n) / (self.n - 1)

    @property
    def ratio(self) -> float:
        """The metric: sum of numerators over sum of denominators."""
        return self.sums[0] / self.sums[1] if self.sums[1] else float("nan")

    @property
    def covariate_ratio(self) -> float:
        return self.sums[2] / self.sums[3] if self.sums[3] else float("nan")

    def gradients(self) -> tuple[np.ndarray, np.ndarray]:
        """Delta-method gradients of the metric and of the covariate ratio w.r.t. the unit means."""
        mu = self.mean
        g = np.array([1 / mu[1], -self.ratio / mu[1], 0.0, 0.0])
        if mu[3] > 0:
            h = np.array([0.0, 0.0, 1 / mu[3], -self.covariate_ratio / mu[3]])
        else:
            h = np.zeros(_K)
        return g, h
