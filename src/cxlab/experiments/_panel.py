"""Region-by-period panels of a KPI (each cell a ratio of sums over its contacts), and the outcome
every pilot design reads from a panel: a KPI's sums, a plain outcome ``y`` or a column named by
the metric."""

from __future__ import annotations

import polars as pl

from cxlab._errors import NotEnoughDataError, SchemaError
from cxlab.experiments._text import plain_column, ratio_metric, resolve
from cxlab.features import Metric, kpi

PANEL_FORMS = (
    "a KPI panel (unit, period, numerator, denominator: each cell a ratio of sums, as "
    "kpi_panel builds it) or a plain outcome (unit, period and y, or a column named by metric=)"
)


def kpi_panel(
    contacts: pl.LazyFrame | pl.DataFrame,
    *,
    metric: str | Metric,
    by: str = "region",
    every: str = "1w",
    time_zone: str | None = None,
    channels: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """A long panel ``unit, period, y, numerator, denominator`` of one KPI (ratio of sums per cell).

    ``metric`` is a KPI of the dictionary or a metric declared with a ``numerator`` and
    ``denominator``. Periods are cut in the local ``time_zone``, the workspace's when ``None``
    (``"1w"`` starts on Monday, as pilots launch). Cells without a denominator are dropped.
    """
    m = ratio_metric(metric)
    lf = contacts.lazy()
    if channels:
        lf = lf.filter(pl.col("channel").is_in(list(channels)))
    long = kpi(lf, m.name, by=[by], every=every, time_zone=time_zone)
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


def outcome_panel(
    panel: pl.DataFrame | pl.LazyFrame,
    metric: str | Metric | None,
    *,
    where: str,
    unit: str = "unit",
    period: str = "period",
) -> tuple[pl.DataFrame, Metric]:
    """``unit, period, y, numerator, denominator`` and the metric they measure.

    A KPI panel (``numerator``, ``denominator``) keeps its sums: a group of cells is their ratio
    of sums. A plain outcome ``y`` is a mean over cells (``denominator`` 1). In both, ``metric``
    says what the outcome is: a KPI, a declared metric, a plain name, or nothing (the outcome).
    Without ``y``, a column named by ``metric`` is the outcome, read as a plain column (never a
    dictionary KPI of the same name; a declared metric keeps its declaration). Cells without an
    outcome are dropped.
    """
    frame = panel.lazy().collect() if isinstance(panel, pl.LazyFrame) else panel
    names = frame.columns
    name = metric.name if isinstance(metric, Metric) else metric
    sums = "numerator" in names and "denominator" in names
    has_outcome = sums or "y" in names or bool(name and name in names)
    missing = [repr(c) for c in (unit, period) if c not in names]
    if not has_outcome:
        missing += [repr(c) for c in ("numerator", "denominator") if c not in names] + ["'y'"]
        missing += [repr(name)] if name else []
    if missing:
        raise SchemaError(
            f"{where}: the panel has no column(s) {', '.join(missing)}; give {PANEL_FORMS}. Its "
            f"columns are {', '.join(names) or 'none'}. {_example(where, names, unit, period, name)}"
        )
    keys = [pl.col(unit).cast(pl.Utf8).alias("unit"), pl.col(period).alias("period")]
    if sums:
        y = pl.col("y") if "y" in names else pl.col("numerator") / pl.col("denominator")
        out = frame.select(
            *keys,
            y.cast(pl.Float64).alias("y"),
            pl.col("numerator").cast(pl.Float64),
            pl.col("denominator").cast(pl.Float64),
        ).filter(pl.col("denominator") > 0)
        measure = resolve(metric)
    else:
        column = "y" if "y" in names else name
        value = pl.col(column).cast(pl.Float64)
        out = frame.select(
            *keys, value.alias("y"), value.alias("numerator"), pl.lit(1.0).alias("denominator")
        )
        # y is whatever metric= says it is; a column named by the metric is only that column
        measure = resolve(metric) if column == "y" else plain_column(metric)
    out = out.filter(pl.col("y").is_not_null() & pl.col("y").is_finite())
    return out.sort("unit", "period"), measure


EXAMPLES = {
    "did()": (
        'cx.experiments.did({panel}, treated={{"North": dt.datetime(2026, 3, 2)}}, '
        'controls=["South", "East", "West"], metric="fcr")'
    ),
    "staggered_did()": (
        'cx.experiments.staggered_did({panel}, adoption={{"North": dt.datetime(2026, 3, 2), '
        '"East": dt.datetime(2026, 5, 4)}}, controls=["South", "West"], metric="fcr")'
    ),
    "synthetic_control()": (
        'cx.experiments.synthetic_control({panel}, treated="North", '
        'start=dt.datetime(2026, 3, 2), metric="fcr")'
    ),
}


def _example(where: str, names: list[str], unit: str, period: str, metric: str | None) -> str:
    """An example call for an error message: the panel ``kpi_panel`` builds from contacts or,
    when the panel names its regions and periods otherwise, the same panel renamed."""
    guess = {}
    if unit not in names:
        found = [c for c in ("region", "unit_id", "city", "site", "queue") if c in names]
        if found:
            guess[found[0]] = unit
    if period not in names:
        found = [c for c in ("week", "day", "date", "month", "ts", "year") if c in names]
        if found:
            guess[found[0]] = period
    if guess:
        panel = f"panel.rename({guess!r})"
    else:
        panel = 'cx.experiments.kpi_panel(contacts, metric="fcr")'
    call = EXAMPLES.get(where, 'cx.experiments.kpi_panel(contacts, metric="fcr")')
    if metric:
        call = call.replace('metric="fcr")', f'metric="{metric}")')
    return f"For example: {call.format(panel=panel)}."


def complete_wide(
    panel: pl.DataFrame, units: list[str], pilots: list[str], *, where: str
) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """The panel wide (``period`` and one column per unit of ``units``), with every period a
    pilot region has and no missing cell: a comparison region missing a period is left out
    (returned, so the result can say so) rather than the period being dropped for every region.
    Duplicate unit-period rows, or a pilot region missing a period, are refused."""
    twice = (
        panel.filter(pl.col("unit").is_in(units))
        .group_by("unit", "period")
        .len()
        .filter(pl.col("len") > 1)
        .sort("unit", "period")
    )
    if twice.height:
        rows = ", ".join(f"{r['unit']} {r['period']}" for r in twice.head(3).to_dicts())
        raise SchemaError(
            f"{where}: {twice.height} unit-period pair(s) appear more than once (e.g. {rows}); "
            "give one outcome per unit and period."
        )
    wide = panel.pivot(on="unit", index="period", values="y", aggregate_function="first").sort(
        "period"
    )
    wide = wide.select("period", *[u for u in units if u in wide.columns])
    for pilot in pilots:
        if pilot in wide.columns and wide[pilot].null_count():
            gaps = wide.filter(pl.col(pilot).is_null())["period"].head(3).to_list()
            raise NotEnoughDataError(
                f"{where}: the pilot region {pilot!r} has no outcome in "
                f"{wide[pilot].null_count()} period(s), e.g. {gaps}; it needs every period."
            )
    dropped = tuple(u for u in wide.columns[1:] if u not in pilots and wide[u].null_count())
    return wide.drop(dropped), dropped
