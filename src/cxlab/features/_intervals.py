"""The interval report an automatic call distributor would write, from the contacts table."""

from __future__ import annotations

import polars as pl

from cxlab._errors import NotEnoughDataError
from cxlab._present import check_every
from cxlab.features._kpi import prepare
from cxlab.features._metrics import MetricConfig
from cxlab.features._series import _interval_minutes


def interval_report(
    contacts: pl.LazyFrame | pl.DataFrame,
    *,
    every: str = "30m",
    config: MetricConfig | None = None,
) -> pl.DataFrame:
    """Sums per queue and interval, shaped as the canonical ``intervals`` table.

    What an ACD's interval report holds for the same contacts: ``offered`` counts the contacts
    offered to agents as the metric dictionary does (short abandons left out unless
    ``config.count_short_abandons``), ``answered_within`` those answered within the channel's
    service-level threshold (``sl_seconds``), and the totals of handle time and of the waits of
    answered and abandoned contacts. So every KPI that interval sums determine is the same
    computed from either table (``cx.features.kpi``), apart from short abandons in ``contacts``.

    Parameters
    ----------
    contacts
        The contacts table.
    every
        Length of the intervals: ``"5m"``, ``"10m"``, ``"15m"``, ``"30m"`` or ``"1h"``. Intervals
        start on the UTC clock, which for every zone with whole- or half-hour offsets is the local
        clock's too.
    config
        The metric dictionary's thresholds (default ones when None).

    Returns
    -------
    polars.DataFrame
        The ``intervals`` columns, one row per queue and interval with at least one contact.

    Examples
    --------
    >>> import cxlab as cx
    >>> report = cx.features.interval_report(cx.load("contacts"), every="30m")  # doctest: +SKIP
    >>> cx.features.kpi(report, "service_level", by="channel")  # doctest: +SKIP
    """
    minutes = _interval_minutes(check_every(every))
    config = config or MetricConfig()
    lf = prepare(contacts, config)
    sl = pl.col("channel").replace_strict(config.sl_seconds, default=None, return_dtype=pl.Float64)
    offered = pl.col("_offered")
    answered = offered & pl.col("_answered")
    gone = pl.col("_abandoned")
    i = lambda e: e.cast(pl.Int64)  # noqa: E731
    wait = pl.col("wait_seconds").fill_null(0.0)
    report = (
        lf.with_columns(pl.col("arrived_at").dt.truncate(f"{minutes}m").alias("interval_start"))
        .group_by("queue", "channel", "interval_start")
        .agg(
            i(offered).sum().alias("offered"),
            i(answered).sum().alias("answered"),
            i(gone).sum().alias("abandoned"),
            i(pl.col("_within_sl") & offered).sum().alias("answered_within"),
            sl.first().alias("sl_seconds"),
            (pl.col("handle_seconds").fill_null(0.0) * answered)
            .sum()
            .alias("handle_seconds_total"),
            (wait * answered).sum().alias("answered_wait_seconds_total"),
            (wait * gone).sum().alias("abandoned_wait_seconds_total"),
        )
        .with_columns(pl.lit(minutes, pl.Int64).alias("interval_minutes"))
        .collect()
    )
    if report.is_empty():
        raise NotEnoughDataError("interval_report: there are no contacts in the table given.")
    from cxlab.data import TABLES  # the schemas load pandera: only when a report is made

    columns = TABLES["intervals"].columns
    return report.select(
        pl.col(c).cast(t) if c in report.columns else pl.lit(None, t).alias(c)
        for c, t in columns.items()
    ).sort("queue", "interval_start")
