"""Customer-level features at a prediction date, from contact behaviour before it (no leakage).

One row per customer active at ``as_of``: counts and flags of the service experience over each
window (contacts, repeats within the FCR window, unresolved contacts, complaints by type,
transfers, waits, abandoned contacts, CSAT), the latest NPS category, and the customer's own
attributes (segment, value tier, region, contract, tenure, monthly value). Only contacts that
arrived before ``as_of`` and surveys answered before it are read, so a model trained on these
features never sees the future it predicts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError, SchemaError

COMPLAINT_TYPES = ("product_quality", "logistics", "service_attitude", "refund")
ATTRIBUTES = ("segment", "value_tier", "region", "contract", "monthly_value")
CONTACT_COLUMNS = (
    "customer_id",
    "arrived_at",
    "category",
    "complaint_type",
    "abandoned",
    "wait_seconds",
    "first_contact_resolution",
    "transfers",
    "csat",
    "resolved_at",
)


def as_utc_datetime(value: dt.date | dt.datetime | str) -> dt.datetime:
    """``value`` as a time_zone-aware UTC datetime (a date means its midnight, UTC)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _require(frame: pl.LazyFrame, columns: Sequence[str], table: str) -> None:
    names = frame.collect_schema().names()
    missing = [c for c in columns if c not in names]
    if missing:
        raise SchemaError(f"{table}: missing column(s) {missing}; customer features need them.")


def _window_aggs(days: int, fcr_window_days: int) -> list[pl.Expr]:
    s = f"_{days}d"
    inside = pl.col("_age_days") < days
    answered = ~pl.col("abandoned")
    complaint = pl.col("complaint_type").is_not_null()
    unresolved = answered & (pl.col("first_contact_resolution") == False)  # noqa: E712
    aggs = [
        inside.sum().alias(f"contacts{s}"),
        (inside & pl.col("_is_repeat")).sum().alias(f"repeat_contacts{s}"),
        (inside & unresolved).sum().alias(f"unresolved_contacts{s}"),
        (inside & complaint).sum().alias(f"complaints{s}"),
        *[
            (inside & (pl.col("complaint_type") == t)).sum().alias(f"complaints_{t}{s}")
            for t in COMPLAINT_TYPES
        ],
        (inside & complaint & unresolved).any().cast(pl.Int8).alias(f"unresolved_complaint{s}"),
        pl.col("transfers").filter(inside).sum().alias(f"transfers{s}"),
        (inside & pl.col("abandoned")).sum().alias(f"abandoned_contacts{s}"),
        pl.col("wait_seconds").filter(inside).mean().alias(f"mean_wait_seconds{s}"),
        pl.col("wait_seconds").filter(inside).max().alias(f"max_wait_seconds{s}"),
        (inside & pl.col("csat").is_not_null()).sum().alias(f"csat_responses{s}"),
        pl.col("csat").filter(inside).mean().alias(f"mean_csat{s}"),
        (inside & (pl.col("csat") <= 2)).any().cast(pl.Int8).alias(f"low_csat{s}"),
        (inside & pl.col("_open")).sum().alias(f"open_contacts{s}"),
    ]
    return aggs


def customer_features(
    contacts: pl.LazyFrame | pl.DataFrame,
    customers: pl.LazyFrame | pl.DataFrame,
    surveys: pl.LazyFrame | pl.DataFrame | None = None,
    *,
    as_of: dt.date | dt.datetime | str,
    windows: Sequence[int] = (30, 90),
    fcr_window_days: int = 7,
    include_joining_until: dt.date | dt.datetime | str | None = None,
) -> pl.DataFrame:
    """Customer features at ``as_of`` from the contacts that arrived before it.

    Parameters
    ----------
    contacts, customers
        The canonical tables (lazy or collected).
    surveys
        The surveys table, for the latest NPS category answered before ``as_of`` (optional).
    as_of
        The prediction date (a date means 00:00 UTC of that day). Only contacts with
        ``arrived_at < as_of`` and surveys with ``responded_at < as_of`` are read.
    windows
        Look-back windows in days; each gives one set of columns suffixed ``_{days}d``
        (``contacts_90d``, ``unresolved_complaint_90d``, ...). Windows are truncated at the
        first contact in the data, exactly as history before the data is unknown.
    fcr_window_days
        A contact is a repeat when the same customer contacted about the same level-1 category
        within this many days before it.
    include_joining_until
        Also return customers who sign up in ``[as_of, include_joining_until)`` (with no
        history), as a survival panel needs; by default only customers active at ``as_of``.

    Returns
    -------
    polars.DataFrame
        One row per customer active at ``as_of`` (signed up on or before it, not churned before
        it): ``customer_id``, ``as_of``, the attributes (segment, value_tier, region, contract,
        monthly_value), ``tenure_days``, ``downgraded`` (a downgrade before ``as_of``), for each
        window: ``contacts``, ``repeat_contacts``, ``unresolved_contacts`` (answered, not
        resolved at first contact), ``complaints`` and ``complaints_<type>``,
        ``unresolved_complaint`` (0/1: a complaint not resolved at first contact),
        ``transfers``, ``abandoned_contacts``, ``mean_wait_seconds``, ``max_wait_seconds``,
        ``csat_responses``, ``mean_csat``, ``low_csat`` (0/1: a CSAT of 1 or 2),
        ``open_contacts`` (not resolved by ``as_of``); and ``nps_category`` (promoter, passive,
        detractor or none). Counts are 0 for customers without contacts; means are null.

    Examples
    --------
    >>> import cxlab as cx
    >>> f = cx.features.customer_features(  # doctest: +SKIP
    ...     cx.load("contacts"), cx.load("customers"), as_of="2026-10-01"
    ... )

    References
    ----------
    Kuhn & Johnson (2019), Feature Engineering and Selection, ch. 9 (profile data summarised
    before the prediction date); Kaufman et al. (2012), Leakage in data mining, ACM TKDD 6(4).
    """
    windows = sorted({int(w) for w in windows})
    if not windows or windows[0] <= 0:
        raise OptionError(f"windows={windows!r}: give one or more positive numbers of days.")
    if fcr_window_days <= 0:
        raise OptionError(f"fcr_window_days={fcr_window_days!r} must be positive.")
    at = as_utc_datetime(as_of)
    at_date = at.date()
    k = contacts.lazy()
    c = customers.lazy()
    _require(k, CONTACT_COLUMNS, "contacts")
    _require(c, ("customer_id", "signup_date", "churn_date", *ATTRIBUTES), "customers")
    longest = max(windows)
    lookback = max(longest, fcr_window_days)
    recent = (
        k.select(CONTACT_COLUMNS)
        .filter(
            (pl.col("arrived_at") < at)
            & (pl.col("arrived_at") >= at - dt.timedelta(days=lookback + fcr_window_days))
        )
        .with_columns(
            (
                (
                    pl.col("arrived_at")
                    - pl.col("arrived_at")
                    .shift(1)
                    .over(["customer_id", "category"], order_by="arrived_at")
                )
                <= pl.duration(days=fcr_window_days)
            )
            .fill_null(False)
            .alias("_is_repeat"),
            ((pl.lit(at) - pl.col("arrived_at")).dt.total_microseconds() / 86_400e6).alias(
                "_age_days"
            ),
            (pl.col("resolved_at").is_null() | (pl.col("resolved_at") >= at)).alias("_open"),
        )
        .filter(pl.col("_age_days") < longest)
    )
    aggs = [a for w in windows for a in _window_aggs(w, fcr_window_days)]
    per_customer = recent.group_by("customer_id").agg(aggs)

    joining_end = (
        at_date if include_joining_until is None else as_utc_datetime(include_joining_until).date()
    )
    has_downgrade = "downgrade_date" in c.collect_schema().names()
    base = c.filter(
        (
            (pl.col("signup_date") <= at_date)
            | (pl.lit(include_joining_until is not None) & (pl.col("signup_date") < joining_end))
        )
        & (pl.col("churn_date").is_null() | (pl.col("churn_date") >= at_date))
    ).select(
        "customer_id",
        pl.lit(at).alias("as_of"),
        *ATTRIBUTES,
        "signup_date",
        ((pl.lit(at_date) - pl.col("signup_date")).dt.total_days().clip(lower_bound=0)).alias(
            "tenure_days"
        ),
        (
            (pl.col("downgrade_date").is_not_null() & (pl.col("downgrade_date") < at_date))
            if has_downgrade
            else pl.lit(False)
        ).alias("downgraded"),
    )
    out = base.join(per_customer, on="customer_id", how="left")
    counts = [
        n
        for n, t in per_customer.collect_schema().items()
        if n != "customer_id" and not n.startswith(("mean_", "max_"))
    ]
    out = out.with_columns(pl.col(counts).fill_null(0))
    if surveys is not None:
        s = surveys.lazy()
        _require(s, ("customer_id", "responded_at", "nps"), "surveys")
        last = (
            s.filter(pl.col("responded_at") < at)
            .group_by("customer_id")
            .agg(pl.col("nps").sort_by("responded_at").last().alias("_nps"))
        )
        out = (
            out.join(last, on="customer_id", how="left")
            .with_columns(
                pl.when(pl.col("_nps").is_null())
                .then(pl.lit("none"))
                .when(pl.col("_nps") >= 9)
                .then(pl.lit("promoter"))
                .when(pl.col("_nps") >= 7)
                .then(pl.lit("passive"))
                .otherwise(pl.lit("detractor"))
                .alias("nps_category")
            )
            .drop("_nps")
        )
    frame = out.sort("customer_id").collect()
    if frame.height == 0:
        raise NotEnoughDataError(f"no customer is active at {at_date}: check as_of and the data.")
    return frame
