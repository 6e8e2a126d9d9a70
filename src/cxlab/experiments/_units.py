"""Per-unit sums for A/B tests: contacts reduced to one row per customer or agent, streamed by polars."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._options import check_option
from cxlab.features import metrics as _dictionary
from cxlab.features import prepare

Unit = Literal["customer", "agent", "team"]
UNIT_COLUMN = {"customer": "customer_id", "agent": "agent_id", "team": "team"}


def unit_metrics(
    contacts: pl.LazyFrame | pl.DataFrame,
    assignments: pl.LazyFrame | pl.DataFrame,
    *,
    metrics: Sequence[str],
    unit: Unit = "customer",
    start: dt.datetime,
    end: dt.datetime,
    pre_start: dt.datetime | None = None,
    experiment_id: str | None = None,
    agents: pl.LazyFrame | pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per randomised unit: its arm and, per metric, the numerator and denominator sums.

    Parameters
    ----------
    contacts
        The contacts table (lazy is best: only the needed columns are read, in one streaming pass).
    assignments
        ``unit_id, arm`` (and ``experiment_id``, filtered to ``experiment_id`` when given). Every
        assigned unit is kept, with zero sums if it had no contact (intention to treat).
    metrics
        KPI names from the metric dictionary.
    unit
        ``"customer"`` (the contact's ``customer_id``), ``"agent"`` (its ``agent_id``) or
        ``"team"`` (the agent's team, read from ``agents``: ``agent_id, team``).
    start, end
        The test window on ``arrived_at`` (``start`` inclusive, ``end`` exclusive).
    pre_start
        Start of the pre-period ``[pre_start, start)`` whose sums are the CUPED covariate
        (columns ``<metric>__x``, ``<metric>__dx``); ``None`` leaves them out.

    Returns
    -------
    polars.DataFrame
        ``unit_id, arm, <metric>__y, <metric>__d[, <metric>__x, <metric>__dx]``.
    """
    check_option("unit", unit, Unit)
    dictionary = _dictionary()
    unknown = [m for m in metrics if m not in dictionary]
    if unknown:
        raise OptionError(
            f"unknown metric {unknown}; the metric dictionary has {', '.join(dictionary)}."
        )
    key = UNIT_COLUMN[unit]
    lf = prepare(contacts.lazy())
    if unit == "team":
        if agents is None:
            raise OptionError("unit='team' needs the agents table (agent_id, team) as agents=.")
        lf = lf.join(agents.lazy().select("agent_id", "team"), on="agent_id", how="left")
    lo = pre_start if pre_start is not None else start
    lf = lf.filter(
        (pl.col("arrived_at") >= lo) & (pl.col("arrived_at") < end) & pl.col(key).is_not_null()
    )
    inside = (pl.col("arrived_at") >= start).cast(pl.Float64)
    aggs = []
    for name in metrics:
        m = dictionary[name]
        aggs += [
            (m.numerator * inside).sum().alias(f"{name}__y"),
            (m.denominator * inside).sum().alias(f"{name}__d"),
        ]
        if pre_start is not None:
            aggs += [
                (m.numerator * (1 - inside)).sum().alias(f"{name}__x"),
                (m.denominator * (1 - inside)).sum().alias(f"{name}__dx"),
            ]
    per_unit = lf.group_by(pl.col(key).alias("unit_id")).agg(aggs)
    arms = assignments.lazy()
    if experiment_id is not None:
        arms = arms.filter(pl.col("experiment_id") == experiment_id)
    arms = arms.select(pl.col("unit_id").cast(pl.Utf8), "arm")
    out = (
        arms.join(per_unit.with_columns(pl.col("unit_id").cast(pl.Utf8)), on="unit_id", how="left")
        .with_columns(pl.exclude("unit_id", "arm").fill_null(0.0))
        .collect(engine="streaming")
    )
    if out.height == 0:
        raise NotEnoughDataError(
            f"no assigned units for experiment {experiment_id!r}: the assignments table has none."
        )
    return out
