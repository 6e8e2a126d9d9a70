"""KPI moments (sum, count, sum of squares) from the metric dictionary, for tests and limits.

Every KPI of the dictionary is sum(numerator)/sum(denominator). When the denominator is a 0/1
indicator (every KPI but the counts), the KPI is a mean of row values, and the sum of squared
numerators gives its variance: enough for a change test and for control limits, and still
addable across days and groups.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from cxlab.features import MetricConfig, metrics


def moments(
    prepared: pl.LazyFrame,
    names: Sequence[str],
    *,
    by: Sequence[str] = (),
    config: MetricConfig | None = None,
) -> pl.DataFrame:
    """Long frame: ``by``, kpi, num, den, num_sq, value (num/den, null when den is 0)."""
    dictionary = metrics(config)
    aggs = []
    for n in names:
        m = dictionary[n]
        aggs += [
            m.numerator.sum().alias(f"{n}__num"),
            m.denominator.sum().alias(f"{n}__den"),
            (m.numerator * m.numerator).sum().alias(f"{n}__sq"),
        ]
    keys = list(by)
    wide = (prepared.group_by(keys).agg(aggs) if keys else prepared.select(aggs)).collect()
    frames = []
    for n in names:
        count = dictionary[n].unit == "count"
        frames.append(
            wide.select(
                *keys,
                pl.lit(n).alias("kpi"),
                pl.col(f"{n}__num").alias("num"),
                pl.col(f"{n}__den").alias("den"),
                pl.col(f"{n}__sq").alias("num_sq"),
            ).with_columns(
                value=pl.col("num")
                if count
                else pl.when(pl.col("den") > 0).then(pl.col("num") / pl.col("den")),
            )
        )
    return pl.concat(frames, how="vertical_relaxed")


def mean_and_se(
    num: float, den: float, num_sq: float, *, count: bool = False
) -> tuple[float | None, float | None]:
    """The KPI and its standard error (Poisson for counts; mean of row values otherwise)."""
    if count:
        return num, math.sqrt(max(num, 0.0))
    if not den:
        return None, None
    mean = num / den
    var = max(num_sq / den - mean * mean, 0.0)
    return mean, math.sqrt(var / den) if den > 1 else None


def change_test(
    a: tuple[float, float, float], b: tuple[float, float, float], *, count: bool = False
) -> tuple[float | None, float | None]:
    """Difference (a - b) and its two-sided p-value from a normal test on the moments."""
    from scipy import stats

    ma, sa = mean_and_se(*a, count=count)
    mb, sb = mean_and_se(*b, count=count)
    if ma is None or mb is None or sa is None or sb is None:
        return None, None
    se = math.sqrt(sa * sa + sb * sb)
    if se == 0:
        return ma - mb, None
    return ma - mb, float(2 * stats.norm.sf(abs((ma - mb) / se)))
