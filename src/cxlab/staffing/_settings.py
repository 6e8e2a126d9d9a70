"""Per-queue staffing settings read from the workspace: targets, concurrency, handle time, patience.

The ``queues`` table holds each queue's service-level target and threshold and its chat
concurrency; the contacts table gives the mean handle time of answered contacts and, for phone and
chat, the mean patience (see :func:`cxlab.staffing.patience`). :func:`queue_settings` gathers them
into the keyword arguments of :func:`cxlab.staffing.plan` and :func:`cxlab.staffing.backtest`, so a
notebook passes them on without computing anything itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import polars as pl

from cxlab._errors import SchemaError
from cxlab.staffing._patience import patience


@dataclass(frozen=True)
class QueueSettings:
    """Per-queue settings (dicts queue -> value) for plans and backtests."""

    aht_seconds: dict[str, float]
    sl_target: dict[str, float]
    sl_seconds: dict[str, float]
    concurrency: dict[str, float]
    patience_seconds: dict[str, float] | None

    def kwargs(self) -> dict:
        """The keyword arguments of :func:`cxlab.staffing.plan` (and of a frame backtest)."""
        return asdict(self)

    def summary(self) -> pl.DataFrame:
        """One row per queue."""
        queues = sorted(self.sl_target)
        pat = self.patience_seconds or {}
        return pl.DataFrame(
            {
                "queue": queues,
                "aht_seconds": [self.aht_seconds.get(q) for q in queues],
                "sl_target": [self.sl_target[q] for q in queues],
                "sl_seconds": [self.sl_seconds[q] for q in queues],
                "concurrency": [self.concurrency[q] for q in queues],
                "patience_seconds": [pat.get(q) for q in queues],
            },
            schema_overrides={"aht_seconds": pl.Float64, "patience_seconds": pl.Float64},
        )


def queue_settings(
    queues: pl.DataFrame | pl.LazyFrame,
    contacts: pl.DataFrame | pl.LazyFrame | None = None,
    *,
    channels: tuple[str, ...] = ("phone", "chat"),
    abandonment: bool = True,
) -> QueueSettings:
    """Targets and concurrency from the queues table; handle time and patience from contacts.

    Parameters
    ----------
    queues : polars.DataFrame or LazyFrame
        The ``queues`` table (``queue, channel, concurrency, sl_seconds, sl_target``).
    contacts : polars.DataFrame or LazyFrame, optional
        Recent contacts (for example the last 8 weeks): mean handle seconds of answered contacts
        per queue, and mean patience per queue (phone and chat). Without it, ``aht_seconds`` is
        empty and must be given to the plan.
    channels : tuple of str, default ("phone", "chat")
        Channels to keep (real-time queues, which Erlang models fit; email and social are
        worked from a backlog).
    abandonment : bool, default True
        Estimate patience (Erlang A); False leaves it out (Erlang C).

    Returns
    -------
    QueueSettings

    References
    ----------
    Brown et al. (2005) for patience from censored waits; Koole (2013), chapter 5.
    """
    q = queues.collect() if isinstance(queues, pl.LazyFrame) else queues
    need = {"queue", "channel", "concurrency", "sl_seconds", "sl_target"}
    if not need <= set(q.columns):
        raise SchemaError(f"queue_settings() needs the queues columns {sorted(need)}.")
    q = q.filter(pl.col("channel").is_in(list(channels)))
    names = q["queue"].to_list()
    aht: dict[str, float] = {}
    pat: dict[str, float] | None = None
    if contacts is not None:
        lf = contacts.lazy() if isinstance(contacts, pl.DataFrame) else contacts
        mine = lf.filter(pl.col("queue").is_in(names))
        aht = dict(
            mine.filter(pl.col("answered_at").is_not_null())
            .group_by("queue")
            .agg(pl.col("handle_seconds").mean())
            .collect()
            .iter_rows()
        )
        if abandonment:
            pat = patience(mine, by="queue").as_dict()
    return QueueSettings(
        aht_seconds={k: float(v) for k, v in aht.items() if v is not None},
        sl_target=dict(zip(names, q["sl_target"].cast(pl.Float64).to_list(), strict=True)),
        sl_seconds=dict(zip(names, q["sl_seconds"].cast(pl.Float64).to_list(), strict=True)),
        concurrency=dict(zip(names, q["concurrency"].cast(pl.Float64).to_list(), strict=True)),
        patience_seconds=pat,
    )
