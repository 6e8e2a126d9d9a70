"""Survey-level features: the NPS category of a response and what is known about its customer
(segment, region) and its contact (channel, queue), plus the customer's last contact before the
response (what a follow-up call needs)."""

from __future__ import annotations

import polars as pl

CATEGORIES = ("detractor", "passive", "promoter")


def nps_category(column: str = "nps") -> pl.Expr:
    """The NPS category of a 0-10 answer: promoter (9-10), passive (7-8), detractor (0-6).

    Examples
    --------
    >>> import polars as pl
    >>> pl.DataFrame({"nps": [10, 7, 3]}).select(nps_category())["category"].to_list()
    ['promoter', 'passive', 'detractor']
    """
    x = pl.col(column)
    return (
        pl.when(x >= 9)
        .then(pl.lit("promoter"))
        .when(x >= 7)
        .then(pl.lit("passive"))
        .when(x.is_not_null())
        .then(pl.lit("detractor"))
        .otherwise(None)
        .alias("category")
    )


def survey_features(
    surveys: pl.LazyFrame | pl.DataFrame,
    *,
    customers: pl.LazyFrame | pl.DataFrame | None = None,
    contacts: pl.LazyFrame | pl.DataFrame | None = None,
) -> pl.LazyFrame:
    """Survey responses with their NPS category and, when given, customer and contact attributes.

    Adds ``category``; with ``customers`` adds ``segment``, ``value_tier`` and ``region``; with
    ``contacts`` adds the surveyed contact's ``channel``, ``queue`` and ``category`` (as
    ``contact_category``) and the customer's last contact at or before the response
    (``last_contact_id``, ``last_contact_at``, ``last_channel``, ``last_queue``).

    Examples
    --------
    >>> import cxlab as cx
    >>> lf = survey_features(cx.load("surveys"), customers=cx.load("customers"))  # doctest: +SKIP
    """
    lf = surveys.lazy().with_columns(nps_category())
    names = lf.collect_schema().names()
    if customers is not None:
        keep = [c for c in ("segment", "value_tier", "region") if c not in names]
        lf = lf.join(customers.lazy().select("customer_id", *keep), on="customer_id", how="left")
    if contacts is not None:
        c = contacts.lazy()
        if "contact_id" in names:
            lf = lf.join(
                c.select(
                    "contact_id",
                    "channel",
                    "queue",
                    pl.col("category").alias("contact_category"),
                ),
                on="contact_id",
                how="left",
            )
        last = c.select(
            "customer_id",
            pl.col("contact_id").alias("last_contact_id"),
            pl.col("arrived_at").alias("last_contact_at"),
            pl.col("channel").alias("last_channel"),
            pl.col("queue").alias("last_queue"),
        ).sort("last_contact_at")
        lf = lf.sort("responded_at").join_asof(
            last,
            left_on="responded_at",
            right_on="last_contact_at",
            by="customer_id",
            strategy="backward",
            check_sortedness=False,  # both sides are sorted just above
        )
    return lf
