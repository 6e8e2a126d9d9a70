"""Survival frames from the canonical tables: per customer, at a landmark date, and per month.

Times are in days. Churn and downgrade dates are whole days, so an exit on day ``d`` is placed at
the middle of that day (``d + 0.5`` days after the origin); signups and month starts fall at
midnight. A customer who downgrades is no longer at risk of churn (downgrade is a competing
event): churn models censor at the downgrade, cumulative-incidence curves count it as the other
cause.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence

import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._options import renamed
from cxlab.features import as_utc_datetime, customer_features

COUNT_PREFIXES = (
    "contacts_",
    "repeat_contacts_",
    "unresolved_contacts_",
    "complaints",
    "transfers_",
    "abandoned_contacts_",
    "csat_responses_",
    "open_contacts_",
)


def _date(value: dt.date | dt.datetime | str, name: str = "as_of") -> dt.date:
    """``value`` as a date; a text that is not a date is refused naming ``name``."""
    if not isinstance(value, (dt.date, str)):
        raise OptionError(f"{name}={value!r} is not a date; give a date or 'YYYY-MM-DD'.")
    try:
        return as_utc_datetime(value).date()
    except ValueError:
        raise OptionError(f"{name}={value!r} is not a date; give a date or 'YYYY-MM-DD'.") from None


def _segment(segment: str | None) -> str | None:
    """``"all"`` (as a notebook parameter says it) means no segment filter."""
    return None if segment in (None, "", "all") else segment


def landmark_date(contacts: pl.LazyFrame | pl.DataFrame, *, window_days: int = 90) -> dt.date:
    """The first month start with a complete ``window_days`` of contact history before it."""
    first = data_start(contacts) + dt.timedelta(days=window_days)
    if first.day == 1:
        return first
    return (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _day(column: str, origin: pl.Expr) -> pl.Expr:
    return (pl.col(column) - origin).dt.total_days().cast(pl.Float64)


def _with_outcome(frame: pl.DataFrame, origin: pl.Expr, end: dt.date) -> pl.DataFrame:
    """Add ``duration``, ``churned``, ``downgraded_after`` and ``event_type`` from ``origin``."""
    end_lit = pl.lit(end)
    churn = pl.col("churn_date").is_not_null() & (pl.col("churn_date") < end_lit)
    down = pl.col("downgrade_date").is_not_null() & (pl.col("downgrade_date") < end_lit)
    down_first = down & (~churn | (pl.col("downgrade_date") < pl.col("churn_date")))
    churn_first = churn & ~down_first
    return frame.with_columns(
        pl.when(churn_first)
        .then(_day("churn_date", origin) + 0.5)
        .when(down_first)
        .then(_day("downgrade_date", origin) + 0.5)
        .otherwise((end_lit - origin).dt.total_days().cast(pl.Float64))
        .alias("duration"),
        churn_first.cast(pl.Int8).alias("churned"),
        down_first.cast(pl.Int8).alias("downgraded_after"),
        pl.when(churn_first)
        .then(pl.lit("churn"))
        .when(down_first)
        .then(pl.lit("downgrade"))
        .otherwise(pl.lit("censored"))
        .alias("event_type"),
    )


def data_end(contacts: pl.LazyFrame | pl.DataFrame) -> dt.date:
    """The day after the last contact: follow-up of every customer ends there."""
    last = contacts.lazy().select(pl.col("arrived_at").max()).collect().item()
    if last is None:
        raise NotEnoughDataError("the contacts table is empty.")
    return last.astimezone(dt.UTC).date() + dt.timedelta(days=1)


def data_start(contacts: pl.LazyFrame | pl.DataFrame) -> dt.date:
    """The first whole UTC day of contacts: follow-up from the data start begins there."""
    first = contacts.lazy().select(pl.col("arrived_at").min()).collect().item()
    if first is None:
        raise NotEnoughDataError("the contacts table is empty.")
    first = first.astimezone(dt.UTC)
    day = first.date()
    return day if first.time() == dt.time(0) else day + dt.timedelta(days=1)


def survival_frame(
    customers: pl.LazyFrame | pl.DataFrame,
    contacts: pl.LazyFrame | pl.DataFrame | None = None,
    *,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    segment: str | None = None,
) -> pl.DataFrame:
    """One row per customer at risk of churn in ``[start, end)``, followed from ``start`` (or signup).

    Returns the customer attributes with ``duration`` (days from ``max(signup, start)`` to churn,
    downgrade or ``end``), ``churned``, ``downgraded_after`` (0/1) and ``event_type`` (churn,
    downgrade or censored). Customers who churned or downgraded before ``start`` are left out.
    ``start`` and ``end`` default to the span of ``contacts`` (:func:`data_start`,
    :func:`data_end`).
    """
    if (start is None or end is None) and contacts is None:
        raise OptionError("give start and end, or the contacts table to take them from.")
    s = _date(start, "start") if start is not None else data_start(contacts)
    e = _date(end, "end") if end is not None else data_end(contacts)
    if e <= s:
        raise OptionError(f"end={e} must be after start={s}.")
    c = customers.lazy()
    if _segment(segment) is not None:
        c = c.filter(pl.col("segment") == segment)
    c = c.filter(
        (pl.col("signup_date") < pl.lit(e))
        & (pl.col("churn_date").is_null() | (pl.col("churn_date") >= pl.lit(s)))
        & (pl.col("downgrade_date").is_null() | (pl.col("downgrade_date") >= pl.lit(s)))
    ).collect()
    if c.height == 0:
        raise NotEnoughDataError(f"no customer is at risk between {s} and {e}.")
    origin = pl.max_horizontal(pl.col("signup_date"), pl.lit(s))
    return _with_outcome(c.with_columns(origin.alias("origin")), pl.col("origin"), e)


def cap_counts(frame: pl.DataFrame, cap: int | None) -> pl.DataFrame:
    """Cap the experience counts at ``cap`` (limits the leverage of a few heavy contacters)."""
    if cap is None:
        return frame
    cols = [c for c in frame.columns if c.startswith(COUNT_PREFIXES)]
    return frame.with_columns(pl.col(cols).clip(upper_bound=cap))


@renamed(horizon_days="horizon")
def landmark_frame(
    contacts: pl.LazyFrame | pl.DataFrame,
    customers: pl.LazyFrame | pl.DataFrame,
    surveys: pl.LazyFrame | pl.DataFrame | None = None,
    *,
    as_of: dt.date | str,
    end: dt.date | str | None = None,
    horizon: int | None = None,
    windows: Sequence[int] = (30, 90),
    segment: str | None = None,
    cap: int | None = 5,
) -> pl.DataFrame:
    """Customer features at the landmark ``as_of`` and what happened to each customer after it.

    ``as_of="auto"`` takes :func:`landmark_date` (the first month start with a full window of
    history). Customers active and not downgraded at ``as_of`` (see
    :func:`cxlab.features.customer_features`), with ``duration`` (days from ``as_of`` to churn,
    downgrade or ``end``), ``churned``, ``downgraded_after``, ``event_type`` and, when
    ``horizon`` (days, was ``horizon_days``) is given, ``churned_within`` (0/1: churned within the
    horizon; a downgrade first counts as not churned). Experience counts are capped at ``cap``.

    References
    ----------
    van Houwelingen (2007), Dynamic prediction by landmarking in event history analysis,
    Scand. J. Statistics 34(1).
    """
    k = contacts.lazy()
    a = landmark_date(k, window_days=max(windows)) if as_of == "auto" else _date(as_of)
    e = _date(end, "end") if end is not None else data_end(k)
    if horizon is not None and a + dt.timedelta(days=horizon) > e:
        raise NotEnoughDataError(
            f"horizon={horizon}: {horizon} days after {a} ends after the data ({e}): "
            "outcomes are not known yet; choose an earlier as_of or a shorter horizon."
        )
    c = customers.lazy()
    if _segment(segment) is not None:
        c = c.filter(pl.col("segment") == segment)
    f = customer_features(k, c, surveys, as_of=a, windows=windows)
    f = f.filter(~pl.col("downgraded")).join(
        c.select("customer_id", "churn_date", "downgrade_date").collect(), on="customer_id"
    )
    f = cap_counts(_with_outcome(f, pl.lit(a), e), cap)
    if horizon is not None:
        f = f.with_columns(
            ((pl.col("churned") == 1) & (pl.col("duration") <= horizon))
            .cast(pl.Int8)
            .alias("churned_within")
        )
    return f


MONTHLY_COVARIATES = (
    "unresolved_complaint_90d",
    "abandoned_contacts_90d",
    "low_csat_90d",
    "transfers_90d",
    "segment",
    "contract",
)
"""The covariates of the monthly (counting-process) Cox model on :func:`customer_months`."""

MONTHLY_REFERENCE = {"contract": "monthly", "segment": "individual"}

PLANTED_TERMS = {
    "unresolved_complaint": "unresolved_complaint_90d",
    "abandoned_contacts": "abandoned_contacts_90d",
    "low_csat": "low_csat_90d",
    "transfers": "transfers_90d",
    "segment_enterprise": "segment=enterprise",
    "contract_annual": "contract=annual",
    "contract_two_year": "contract=two_year",
}
"""The planted log hazard ratios of ``truth.json["churn"]["log_hr"]`` and the terms of the
monthly Cox model that estimate them."""


def customer_months(
    contacts: pl.LazyFrame | pl.DataFrame,
    customers: pl.LazyFrame | pl.DataFrame,
    *,
    window_days: int = 90,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    segment: str | None = None,
    cap: int | None = 5,
) -> pl.DataFrame:
    """A counting-process panel: one row per customer and UTC month, covariates at the month start.

    Each row is the interval ``(start, stop]`` in days since the first month start, with the
    experience features of the ``window_days`` before the month start (see
    :func:`cxlab.features.customer_features`), the customer attributes, and ``churned`` (1 when
    the customer churned inside the interval). A downgrade ends the customer's rows (censored).
    This is the exact form of a Cox model whose covariates change on the first of each month.

    References
    ----------
    Andersen & Gill (1982), Cox's regression model for counting processes, Ann. Statistics 10(4);
    Therneau & Grambsch (2000), Modeling Survival Data, ch. 3.
    """
    k = contacts.lazy().collect()
    c = customers.lazy()
    if _segment(segment) is not None:
        c = c.filter(pl.col("segment") == segment)
    c = c.collect()
    first = k.select(pl.col("arrived_at").min()).item()
    if first is None:
        raise NotEnoughDataError("the contacts table is empty.")
    s = (
        _date(start, "start")
        if start is not None
        else first.astimezone(dt.UTC).date().replace(day=1)
    )
    e = _date(end, "end") if end is not None else data_end(k)
    bounds = pl.date_range(s, e, "1mo", eager=True).to_list()
    if bounds[-1] < e:
        bounds.append(e)
    if len(bounds) < 2:
        raise NotEnoughDataError(f"no whole month between {s} and {e}.")
    origin = pl.lit(s)
    rows = []
    for m0, m1 in itertools.pairwise(bounds):
        f = customer_features(k, c, as_of=m0, windows=(window_days,), include_joining_until=m1)
        f = f.join(c.select("customer_id", "churn_date", "downgrade_date"), on="customer_id")
        f = f.filter(pl.col("downgrade_date").is_null() | (pl.col("downgrade_date") >= m0))
        stop_churn = pl.when(pl.col("churn_date") < m1).then(_day("churn_date", origin) + 0.5)
        stop_down = pl.when(pl.col("downgrade_date") < m1).then(
            _day("downgrade_date", origin) + 0.5
        )
        rows.append(
            f.with_columns(
                pl.lit(m0).alias("month"),
                _day("signup_date", origin).clip(lower_bound=(m0 - s).days).alias("start"),
                pl.min_horizontal(stop_churn, stop_down, pl.lit(float((m1 - s).days))).alias(
                    "stop"
                ),
                (
                    (pl.col("churn_date") < m1)
                    & (
                        pl.col("downgrade_date").is_null()
                        | (pl.col("churn_date") <= pl.col("downgrade_date"))
                    )
                )
                .fill_null(False)
                .cast(pl.Int8)
                .alias("churned"),
            ).drop("as_of")
        )
    panel = cap_counts(pl.concat(rows), cap).filter(pl.col("stop") > pl.col("start"))
    return panel.sort("customer_id", "start")
