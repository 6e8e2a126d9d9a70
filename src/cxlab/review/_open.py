"""One call that gathers what the monthly review reads, and the headline numbers it shows."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from cxlab._config import Settings, settings
from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._options import warn_renamed
from cxlab._present import Headline, Period, record
from cxlab.data import has_table, load
from cxlab.review._period import ReviewPeriods, review_period
from cxlab.review._recorded import recorded_kpis
from cxlab.review._scorecard import Scorecard
from cxlab.review._shared import release, share

if TYPE_CHECKING:
    from cxlab.review._year_open import YearAnswer


@dataclass(frozen=True)
class ReviewInputs:
    """The contacts in scope (lazy), the period, targets, QA scores and agents.

    The sections given these ``contacts`` (this very object) read the review's months once and
    compute the repeat-contact window once for all of them (see :mod:`cxlab.review._shared`);
    a table derived from them (filtered, joined) is read whole, as any other table. The months
    read are kept while these inputs are alive (read again when the store's contacts change);
    :meth:`close` drops them.
    """

    contacts: pl.LazyFrame
    period: ReviewPeriods
    targets: pl.DataFrame
    qa_scores: pl.LazyFrame | None
    agents: pl.DataFrame | None
    scope: str
    recorded: pl.DataFrame | None = None
    """KPIs other reports recorded for the month (see :mod:`cxlab.review._recorded`)."""

    def close(self) -> None:
        """Drop the review's months kept in memory (see :mod:`cxlab.review._shared`).

        The sections still take these ``contacts`` afterwards: each call then reads the whole
        table, as for any other table, with the same figures.
        """
        release(self.contacts)


def open_review(
    *,
    period: str | Period | None = None,
    compare_to: str = "previous",
    channels: list[str] | None = None,
    region: str | None = None,
    workspace: str | os.PathLike | Settings | None = None,
    month: str | None = None,
) -> ReviewInputs:
    """Load the review's inputs from the store and choose (and check) the month.

    Parameters
    ----------
    period
        The month to review (see :func:`review_period`): ``"2026-10"`` or ``"latest_month"``
        (the default: the last complete month in the data).
    compare_to
        ``"previous"`` (环比) or ``"year_ago"`` (同比); the old ``"previous_month"`` and
        ``"last_year"`` are read with a DeprecationWarning.
    channels, region
        Keep only these channels, this region.
    workspace
        The workspace (the current one by default); its time zone cuts the months.
    month
        Deprecated name of ``period`` (read with a DeprecationWarning).

    Raises
    ------
    OptionError
        A period that is not one month, or ``compare_to`` outside the vocabulary.
    NotEnoughDataError
        For a month with no data or too little, naming the range the data cover, or for a
        channel or region filter that leaves nothing.
    """
    if month is not None:
        if period is not None:
            raise OptionError(
                "open_review() was given both month= and period=; month is the old name of "
                "period: give period= only."
            )
        warn_renamed("open_review(month=...)", "period=")
        period = month
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    keep = list(channels) if channels else None

    def scan() -> pl.LazyFrame:
        lf = load("contacts", workspace=ws)
        if keep:
            lf = lf.filter(pl.col("channel").is_in(keep))
        if region:
            lf = lf.filter(pl.col("region") == region)
        return lf

    contacts = scan()
    parts = []
    if channels:
        parts.append("channels " + ", ".join(channels))
    if region:
        parts.append(f"region {region}")
    if (channels or region) and contacts.select(pl.len()).collect().item() == 0:
        raise NotEnoughDataError(f"no contacts for {' and '.join(parts)}; check the names.")
    chosen = review_period(contacts, period=period, compare_to=compare_to, time_zone=ws.time_zone)
    targets = load_targets(ws)
    qa = load("qa_scores", workspace=ws) if has_table("qa_scores", ws) else None
    agents = load("agents", workspace=ws).collect() if has_table("agents", ws) else None
    share(contacts, chosen, folder=ws.processed_dir / "contacts", reload=scan)  # its stored files
    # a KPI another report measured covers all contacts: none for a review of some of them
    recorded = None if (channels or region) else recorded_kpis(ws, chosen)
    return ReviewInputs(
        contacts, chosen, targets, qa, agents, " and ".join(parts) or "all contacts", recorded
    )


def load_targets(ws: Settings) -> pl.DataFrame:
    """The workspace's targets table (empty when it has none), with each channel's
    service-level target from the queues table where the targets table has none."""
    targets = (
        load("targets", workspace=ws).collect()
        if has_table("targets", ws)
        else pl.DataFrame(
            schema={
                "kpi": pl.Utf8,
                "scope": pl.Utf8,
                "period": pl.Utf8,
                "target": pl.Float64,
                "direction": pl.Utf8,
            }
        )
    )
    if has_table("queues", ws):
        targets = with_queue_targets(targets, load("queues", workspace=ws).collect())
    return targets


def with_queue_targets(targets: pl.DataFrame, queues: pl.DataFrame) -> pl.DataFrame:
    """The targets, with each channel's service-level target from the queues table (the one
    staffing plans to) wherever the targets table has none for that channel. When a channel's
    queues differ, the strictest target is used and the description says so."""
    if not {"channel", "sl_target"} <= set(queues.columns):
        return targets
    have = {
        r["scope"]
        for r in targets.iter_rows(named=True)
        if r["kpi"] == "service_level" and r["scope"]
    }
    rows = []
    for (channel,), group in queues.filter(pl.col("sl_target").is_not_null()).group_by(
        ["channel"], maintain_order=True
    ):
        scope = f"channel={channel}"
        if scope in have:
            continue
        values = sorted(set(group["sl_target"].to_list()))
        note = "service-level target from the queues table"
        if len(values) > 1:
            note += f" (queues differ: {values[0]:.0%} to {values[-1]:.0%}; the strictest is used)"
        rows.append(
            {
                "kpi": "service_level",
                "scope": scope,
                "period": "monthly",
                "target": float(values[-1]),
                "direction": ">=",
                "description": note,
            }
        )
    if not rows:
        return targets
    extra = pl.DataFrame(rows).select([c for c in targets.columns if c in rows[0]])
    return pl.concat([targets, extra], how="diagonal_relaxed")


def headline_cards(card: Scorecard) -> list[Headline]:
    """The headline tiles of the review (see :meth:`Scorecard.headline`)."""
    return card.headline()


def record_headlines(card: Scorecard | YearAnswer) -> None:
    """Record the report's tiles for the index (the monthly review: how many targets were
    missed, the misses, then what was met: the index says the bad news first; the yearly review:
    its answer's tiles); every other measure is kept in the metrics file without a tile."""
    tiles = card.headline()
    record(*tiles)
    shown = {c.key for c in tiles}
    rest = [c for c in card.cards() if c.key not in shown]
    if rest:
        record(*rest, headline=False)


def report_table(card: Scorecard, *, targeted: bool | None = True) -> pl.DataFrame:
    """The scorecard as a service department writes it (see :meth:`Scorecard.report_table`)."""
    return card.report_table(targeted=targeted)
