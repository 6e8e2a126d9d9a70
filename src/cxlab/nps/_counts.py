"""NPS as promoter/passive/detractor counts: an addable value object and its multinomial interval.

The NPS of ``n`` answers is ``100 (p_P - p_D)``. The answers are one draw from a three-category
multinomial, so ``Var(p_P - p_D) = (p_P + p_D - (p_P - p_D)^2) / n`` (no normal approximation on
the 0-10 mean). The default interval is Rocks' adjusted Wald: add 3/4 of a promoter and 3/4 of a
detractor (and 3/2 of a passive, so 3 answers in all) before computing that variance, which keeps
coverage near nominal for small samples and extreme scores.

References
----------
Rocks, B. (2016). Interval estimation for the "Net Promoter Score". *The American Statistician*
70(4), 365-372. Lewis, J. R. and Sauro, J. (2021). Confidence intervals for Net Promoter Scores.
MeasuringU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, SchemaError
from cxlab._options import check_alpha, check_option, renamed
from cxlab._present import fmt_value
from cxlab.features import nps_category

Method = Literal["adjusted_wald", "wald"]
ADJUST_PROMOTER = 0.75
ADJUST_TOTAL = 3.0


class OldNames:
    """The names results had before the one vocabulary, read with a DeprecationWarning:
    ``level`` (now ``1 - alpha``) and ``adjust`` (now ``correction``)."""

    @property
    def level(self) -> float:
        from cxlab._options import warn_renamed

        warn_renamed(f"{type(self).__name__}.level", "alpha (level = 1 - alpha)")
        return 1 - self.alpha  # type: ignore[attr-defined]

    @property
    def adjust(self) -> str:
        from cxlab._options import warn_renamed

        warn_renamed(f"{type(self).__name__}.adjust", "correction")
        return self.correction  # type: ignore[attr-defined]


def level_text(alpha: float) -> str:
    """The confidence level of ``1 - alpha`` intervals as a reader reads it ("95%", "99.5%")."""
    pct = 100 * (1 - alpha)
    return fmt_value(1 - alpha, "share", decimals=0 if abs(pct - round(pct)) < 1e-9 else 1)


@dataclass(frozen=True)
class NpsCounts:
    """Promoter, passive and detractor counts; they add exactly across days, segments and shards.

    Examples
    --------
    >>> c = NpsCounts(promoters=50, passives=30, detractors=20)
    >>> c.nps
    30.0
    >>> (c + NpsCounts(10, 0, 0)).n
    110
    """

    promoters: int
    passives: int
    detractors: int

    def __add__(self, other: NpsCounts) -> NpsCounts:
        return NpsCounts(
            self.promoters + other.promoters,
            self.passives + other.passives,
            self.detractors + other.detractors,
        )

    @property
    def n(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> float:
        """The NPS in points (-100 to 100); NaN without answers."""
        if self.n == 0:
            return math.nan
        return 100.0 * (self.promoters - self.detractors) / self.n

    def std_error(self, method: Method = "adjusted_wald") -> float:
        """Standard error of the NPS in points."""
        return float(std_error(self.promoters, self.passives, self.detractors, method=method))

    @renamed(level=("alpha", lambda v: 1 - v))
    def interval(
        self, *, alpha: float = 0.05, method: Method = "adjusted_wald"
    ) -> tuple[float, float]:
        """The ``1 - alpha`` confidence interval of the NPS in points, within [-100, 100]."""
        if self.n == 0:
            raise NotEnoughDataError("NPS interval: no answers.")
        lo, hi = interval(
            self.promoters, self.passives, self.detractors, alpha=alpha, method=method
        )
        return float(lo), float(hi)


def _adjusted(p, q, d, method: str):
    p, q, d = (np.asarray(x, float) for x in (p, q, d))
    if method == "adjusted_wald":
        p, d = p + ADJUST_PROMOTER, d + ADJUST_PROMOTER
        q = q + ADJUST_TOTAL - 2 * ADJUST_PROMOTER
    return p, q, d


def std_error(promoters, passives, detractors, *, method: Method = "adjusted_wald"):
    """Multinomial standard error of the NPS (points), vectorised over arrays of counts."""
    check_option("method", method, Method)
    p, q, d = _adjusted(promoters, passives, detractors, method)
    n = p + q + d
    with np.errstate(invalid="ignore", divide="ignore"):
        pp, pd_ = p / n, d / n
        return 100.0 * np.sqrt(np.maximum(pp + pd_ - (pp - pd_) ** 2, 0.0) / n)


@renamed(level=("alpha", lambda v: 1 - v))
def interval(
    promoters, passives, detractors, *, alpha: float = 0.05, method: Method = "adjusted_wald"
):
    """The ``1 - alpha`` confidence interval of the NPS (points), vectorised; the centre of the
    adjusted Wald interval is the adjusted NPS, as in Rocks (2016).

    Examples
    --------
    >>> [round(float(x), 1) for x in interval(50, 30, 20, alpha=0.05)]
    [14.1, 44.2]
    """
    check_option("method", method, Method)
    check_alpha(alpha)
    p, q, d = _adjusted(promoters, passives, detractors, method)
    n = p + q + d
    from scipy.special import ndtri

    z = ndtri(1 - alpha / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = 100.0 * (p - d) / n
    se = std_error(promoters, passives, detractors, method=method)
    return np.clip(centre - z * se, -100, 100), np.clip(centre + z * se, -100, 100)


def count_frame(
    surveys: pl.LazyFrame | pl.DataFrame, by: str | list[str] | tuple[str, ...] | None = None
) -> pl.DataFrame:
    """Promoter, passive and detractor counts per group (one pass, addable)."""
    lf = surveys.lazy()
    names = lf.collect_schema().names()
    if "nps" not in names:
        raise SchemaError("NPS counts: the table has no 'nps' column (0-10 answers).")
    keys = [by] if isinstance(by, str) else list(by or [])
    missing = [k for k in keys if k not in names]
    if missing:
        raise SchemaError(
            f"NPS counts: no column {missing} to group by; available: {', '.join(names)}. "
            "Add segment, region or channel with cx.features.survey_features(...)."
        )
    if "category" not in names:
        lf = lf.with_columns(nps_category())
    lf = lf.filter(pl.col("nps").is_not_null())
    agg = [
        (pl.col("category") == "promoter").sum().cast(pl.Int64).alias("promoters"),
        (pl.col("category") == "passive").sum().cast(pl.Int64).alias("passives"),
        (pl.col("category") == "detractor").sum().cast(pl.Int64).alias("detractors"),
    ]
    out = lf.group_by(keys).agg(agg).sort(keys).collect() if keys else lf.select(agg).collect()
    return out.with_columns(
        (pl.col("promoters") + pl.col("passives") + pl.col("detractors")).alias("n")
    )


@renamed(level=("alpha", lambda v: 1 - v))
def with_interval(
    counts: pl.DataFrame, *, alpha: float = 0.05, method: Method = "adjusted_wald"
) -> pl.DataFrame:
    """Add ``nps``, ``std_error``, ``ci_low`` and ``ci_high`` (points, ``1 - alpha`` interval)
    to a count frame."""
    p, q, d = (counts[c].to_numpy() for c in ("promoters", "passives", "detractors"))
    n = p + q + d
    lo, hi = interval(p, q, d, alpha=alpha, method=method)
    with np.errstate(invalid="ignore", divide="ignore"):
        nps = 100.0 * (p - d) / n
    return counts.with_columns(
        pl.Series("nps", nps),
        pl.Series("std_error", std_error(p, q, d, method=method)),
        pl.Series("ci_low", lo),
        pl.Series("ci_high", hi),
    )
