"""Per-unit sums for A/B tests: contacts reduced to one row per customer or agent, streamed by polars.

Also the test window's edges, read the same way by every analysis of contacts: a moment given
without a time zone is the workspace's local time, and a window that is reversed or holds no
contact is refused with the range the data cover.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError, SchemaError
from cxlab._options import check_option
from cxlab._present import local_zone
from cxlab.experiments._text import ratio_metric
from cxlab.features import Metric, prepare

Unit = Literal["customer", "agent", "team"]
UNIT_COLUMN = {"customer": "customer_id", "agent": "agent_id", "team": "team"}


def moment(value: object, *, parameter: str, time_zone: str | None = None) -> dt.datetime:
    """A window edge as a time-zone-aware datetime: a datetime with a zone is kept; a naive one,
    a date (its midnight) or an ISO text is read in ``time_zone`` (the workspace's by default)."""
    from zoneinfo import ZoneInfo

    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise OptionError(
                f"{parameter}={value!r} is not a date or time; give a datetime, a date or an ISO "
                "text such as '2026-05-04' or '2026-05-04T09:00+08:00'."
            ) from None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if not isinstance(value, dt.datetime):
        raise OptionError(
            f"{parameter}={value!r} is not a date or time; give a datetime, a date or an ISO text."
        )
    if value.tzinfo is None:
        return value.replace(tzinfo=ZoneInfo(local_zone(time_zone)))
    return value


def data_range(contacts: pl.LazyFrame, time_zone: str | None = None) -> str:
    """The range of ``arrived_at`` the contacts cover, in words for an error message."""
    from zoneinfo import ZoneInfo

    lo, hi = (
        contacts.select(pl.col("arrived_at").min().alias("lo"), pl.col("arrived_at").max())
        .collect()
        .row(0)
    )
    if lo is None:
        return "the contacts table is empty"
    zone = local_zone(time_zone)
    lo, hi = (v.astimezone(ZoneInfo(zone)) if v.tzinfo else v for v in (lo, hi))
    return f"the contacts cover {lo:%Y-%m-%d %H:%M} to {hi:%Y-%m-%d %H:%M} ({zone})"


def window(
    contacts: pl.LazyFrame,
    start: object,
    end: object,
    *,
    time_zone: str | None = None,
    what: str = "the test window",
) -> tuple[dt.datetime, dt.datetime]:
    """``start`` and ``end`` read by :func:`moment`, in the zone of ``arrived_at`` (UTC in the
    canonical tables); a reversed window is refused with the range the data cover."""
    lo = moment(start, parameter="start", time_zone=time_zone)
    hi = moment(end, parameter="end", time_zone=time_zone)
    if lo >= hi:
        raise NotEnoughDataError(
            f"{what} is empty: start={lo.isoformat()} is not before end={hi.isoformat()}; "
            f"{data_range(contacts, time_zone)}."
        )
    return aligned(lo, contacts), aligned(hi, contacts)


def aligned(value: dt.datetime, contacts: pl.LazyFrame) -> dt.datetime:
    """An aware moment in the zone of the contacts' ``arrived_at`` (polars compares a datetime
    column only with a moment of its own zone)."""
    from zoneinfo import ZoneInfo

    dtype = contacts.collect_schema().get("arrived_at")
    if dtype is None:
        raise SchemaError("contacts: missing column arrived_at.")
    zone = getattr(dtype, "time_zone", None)
    if zone is None:  # a naive column: compare in UTC wall time
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.astimezone(ZoneInfo(zone))


def require_columns(frame: pl.LazyFrame, columns: Sequence[str], table: str) -> None:
    names = frame.collect_schema().names()
    missing = [c for c in columns if c not in names]
    if missing:
        raise SchemaError(
            f"{table}: missing column(s) {', '.join(missing)}; it has {', '.join(names)}."
        )


def unit_metrics(
    contacts: pl.LazyFrame | pl.DataFrame,
    assignments: pl.LazyFrame | pl.DataFrame,
    *,
    metrics: Sequence[str | Metric],
    unit: Unit = "customer",
    start: dt.datetime | dt.date | str,
    end: dt.datetime | dt.date | str,
    pre_start: dt.datetime | dt.date | str | None = None,
    experiment_id: str | None = None,
    agents: pl.LazyFrame | pl.DataFrame | None = None,
    time_zone: str | None = None,
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
        KPIs of the metric dictionary, or metrics declared with
        :func:`cxlab.features.declare_metric` with a ``numerator`` and ``denominator``.
    unit
        ``"customer"`` (the contact's ``customer_id``), ``"agent"`` (its ``agent_id``) or
        ``"team"`` (the agent's team, read from ``agents``: ``agent_id, team``).
    start, end
        The test window on ``arrived_at`` (``start`` inclusive, ``end`` exclusive). A datetime
        without a time zone, a date (its midnight) or an ISO text is read in ``time_zone``.
    pre_start
        Start of the pre-period ``[pre_start, start)`` whose sums are the CUPED covariate
        (columns ``<metric>__x``, ``<metric>__dx``); ``None`` leaves them out.
    time_zone
        The zone of naive window edges; the workspace's zone (``cxlab.toml``) when ``None``.

    Returns
    -------
    polars.DataFrame
        ``unit_id, arm, <metric>__y, <metric>__d[, <metric>__x, <metric>__dx]``.

    Raises
    ------
    OptionError
        A metric that is neither a KPI nor a declared ratio of sums.
    NotEnoughDataError
        ``start`` not before ``end``, or no contact in the window (the message names the range
        the data cover).
    """
    check_option("unit", unit, Unit)
    if isinstance(metrics, (str, Metric)):
        metrics = [metrics]
    resolved = [ratio_metric(m, parameter="metrics") for m in metrics]
    key = UNIT_COLUMN[unit]
    raw = contacts.lazy()
    start, end = window(raw, start, end, time_zone=time_zone)
    lf = prepare(raw)
    if unit == "team":
        if agents is None:
            raise OptionError("unit='team' needs the agents table (agent_id, team) as agents=.")
        lf = lf.join(agents.lazy().select("agent_id", "team"), on="agent_id", how="left")
    lo = start
    if pre_start is not None:
        lo = aligned(moment(pre_start, parameter="pre_start", time_zone=time_zone), raw)
        if lo > start:
            raise OptionError(
                f"pre_start={lo.isoformat()} is after start={start.isoformat()}; the pre-period "
                "[pre_start, start) must come before the test."
            )
    lf = lf.filter(
        (pl.col("arrived_at") >= lo) & (pl.col("arrived_at") < end) & pl.col(key).is_not_null()
    )
    inside = (pl.col("arrived_at") >= start).cast(pl.Float64)
    aggs = [inside.sum().alias("__inside")]
    for m in resolved:
        aggs += [
            (m.numerator * inside).sum().alias(f"{m.name}__y"),
            (m.denominator * inside).sum().alias(f"{m.name}__d"),
        ]
        if pre_start is not None:
            aggs += [
                (m.numerator * (1 - inside)).sum().alias(f"{m.name}__x"),
                (m.denominator * (1 - inside)).sum().alias(f"{m.name}__dx"),
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
    if out["__inside"].sum() == 0:
        raise NotEnoughDataError(
            f"no contact of an assigned unit arrived in the test window {start.isoformat()} to "
            f"{end.isoformat()}; {data_range(raw, time_zone)}."
        )
    return out.drop("__inside")
