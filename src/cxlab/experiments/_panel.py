"""Region-by-period panels of a KPI (each cell a ratio of sums over its contacts)."""

from __future__ import annotations

import polars as pl

from cxlab.features import kpi


def kpi_panel(
    contacts: pl.LazyFrame | pl.DataFrame,
    *,
    metric: str,
    by: str = "region",
    every: str = "1w",
    time_zone: str = "UTC",
    channels: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """A long panel ``unit, period, y, numerator, denominator`` of one KPI (ratio of sums per cell).

    Periods are cut in the local ``time_zone`` (``"1w"`` starts on Monday, as pilots launch).
    Cells without a denominator are dropped.
    """
    lf = contacts.lazy()
    if channels:
        lf = lf.filter(pl.col("channel").is_in(list(channels)))
    long = kpi(lf, metric, by=[by], every=every, time_zone=time_zone)
    return (
        long.filter(pl.col("denominator") > 0)
        .select(
            pl.col(by).alias("unit"),
            "period",
            pl.col("value").alias("y"),
            "numerator",
            "denominator",
        )
        .sort("unit", "period")
    )
