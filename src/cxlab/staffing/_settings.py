"""Per-queue staffing settings: targets, handle time, concurrency, patience, shrinkage, occupancy.

:class:`QueueSettings` holds every input of the Erlang models that is not the forecast, one value
for all queues or a dict queue -> value. :func:`queue_settings` reads them from the workspace: the
``queues`` table holds each queue's service-level target and threshold and its chat concurrency;
the contacts table gives the mean handle time of answered contacts and, for phone and chat, the
mean patience (see :func:`cxlab.staffing.patience`). A plan takes them as
``plan(forecast, settings=...)``, so a notebook passes them on without computing anything itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError, SchemaError
from cxlab.features import is_interval_report
from cxlab.staffing._patience import REALTIME, patience

PerQueue = float | Mapping[str, float]
SETTINGS_FIELDS = (
    "aht_seconds",
    "sl_target",
    "sl_seconds",
    "concurrency",
    "patience_seconds",
    "shrinkage",
    "max_occupancy",
)


def _values(value: Any) -> list[Any]:
    return list(value.values()) if isinstance(value, Mapping) else [value]


def _check(name: str, value: Any, ok, rule: str, *, optional: bool = False) -> None:
    for v in _values(value):
        if v is None and optional:
            continue
        bad = isinstance(v, bool) or not isinstance(v, int | float)
        # an infinite patience is no abandonment, as None is
        endless = optional and not bad and v == math.inf
        if bad or not (endless or math.isfinite(float(v))) or not ok(float(v)):
            raise OptionError(f"QueueSettings({name}={value!r}): {rule}.")


@dataclass(frozen=True)
class QueueSettings:
    """What the Erlang models need besides the forecast, one value or a dict queue -> value each.

    Parameters
    ----------
    aht_seconds
        Mean handle time of a contact, seconds.
    sl_target, sl_seconds
        The service-level target: ``sl_target`` (a share) of contacts answered within
        ``sl_seconds``. When ``sl_target`` is a dict, only its queues are staffed (the others, for
        example e-mail worked from a backlog, are listed in the plan's ``skipped``).
    concurrency
        Contacts an agent handles at once (chats), at least 1.
    patience_seconds
        Mean customer patience; Erlang A (abandonment) where given, Erlang C where None or absent.
    shrinkage
        Share of paid time off the phones (breaks, training, absence), in [0, 1).
    max_occupancy
        Cap on the share of time agents are busy, in (0, 1].

    Examples
    --------
    >>> QueueSettings(aht_seconds=180, sl_target=0.8, sl_seconds=20).max_occupancy
    0.85
    """

    aht_seconds: PerQueue
    sl_target: PerQueue
    sl_seconds: PerQueue
    concurrency: PerQueue = 1.0
    patience_seconds: PerQueue | None = None
    shrinkage: float = 0.3
    max_occupancy: float = 0.85

    def __post_init__(self) -> None:
        _check("aht_seconds", self.aht_seconds, lambda v: v > 0, "handle times are seconds above 0")
        _check(
            "sl_target",
            self.sl_target,
            lambda v: 0 < v < 1,
            "a share strictly between 0 and 1 (0.8 is 80% answered in time)",
        )
        _check("sl_seconds", self.sl_seconds, lambda v: v >= 0, "seconds, 0 or more")
        _check("concurrency", self.concurrency, lambda v: v >= 1, "contacts at once, at least 1")
        if self.patience_seconds is not None:
            _check(
                "patience_seconds",
                self.patience_seconds,
                lambda v: v > 0,
                "seconds above 0 (None for no abandonment)",
                optional=True,
            )
        _check(
            "shrinkage",
            self.shrinkage,
            lambda v: 0 <= v < 1,
            "a share in [0, 1); 0.3 means 30% of paid time is off the phones",
        )
        _check(
            "max_occupancy",
            self.max_occupancy,
            lambda v: 0 < v <= 1,
            "a share in (0, 1]; 0.85 means agents busy at most 85% of the time",
        )

    def replace(self, **changes: Any) -> QueueSettings:
        """A copy with some settings changed (``None`` values are ignored)."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise OptionError(
                f"QueueSettings has no setting {unknown}; the settings are {sorted(known)}."
            )
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def kwargs(self) -> dict[str, Any]:
        """The settings as a dict (field name -> value)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def queues(self) -> list[str]:
        """The queues named by any per-queue setting (empty when every setting is one value)."""
        names: set[str] = set()
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Mapping):
                names |= {str(k) for k in value}
        return sorted(names)

    def summary(self) -> pl.DataFrame:
        """One row per queue (one row ``all`` when every setting is a single value)."""
        queues = (
            sorted(str(k) for k in self.sl_target)
            if isinstance(self.sl_target, Mapping)
            else (self.queues() or ["all"])
        )

        def of(value: Any, q: str) -> float | None:
            if isinstance(value, Mapping):
                v = value.get(q)
                return None if v is None else float(v)
            return None if value is None else float(value)

        return pl.DataFrame(
            {
                "queue": queues,
                **{f: [of(getattr(self, f), q) for q in queues] for f in SETTINGS_FIELDS},
            },
            schema_overrides=dict.fromkeys(SETTINGS_FIELDS, pl.Float64),
        )


def _interval_aht(report: pl.LazyFrame) -> list[tuple[str, float]]:
    """Mean handle seconds per queue from an interval report's totals (rows that give both)."""
    if not {"handle_seconds_total", "answered"} <= set(report.collect_schema().names()):
        return []
    known = pl.col("handle_seconds_total").is_not_null() & pl.col("answered").is_not_null()
    return (
        report.filter(known)
        .group_by("queue")
        .agg((pl.col("handle_seconds_total").sum() / pl.col("answered").sum()).alias("aht"))
        .filter(pl.col("aht").is_finite())
        .collect()
        .iter_rows()
    )


def queue_settings(
    queues: pl.DataFrame | pl.LazyFrame,
    contacts: pl.DataFrame | pl.LazyFrame | None = None,
    *,
    channels: tuple[str, ...] | None = REALTIME,
    abandonment: bool = True,
    sl_target: float | None = None,
    sl_seconds: float | None = None,
    aht_seconds: float | None = None,
    shrinkage: float = 0.3,
    max_occupancy: float = 0.85,
) -> QueueSettings:
    """Targets and concurrency from the queues table; handle time and patience from contacts.

    Parameters
    ----------
    queues : polars.DataFrame or LazyFrame
        The ``queues`` table (``queue, channel, concurrency, sl_seconds, sl_target``).
    contacts : polars.DataFrame or LazyFrame, optional
        Recent contacts (for example the last 8 weeks): mean handle seconds of answered contacts
        per queue, and mean patience per queue (phone and chat). Or the ``intervals`` table (an
        interval report): handle time from its handle totals over answered contacts, patience
        from its abandons and wait totals (Erlang C where the report has neither). Without
        either, ``aht_seconds`` is empty and must be given.
    channels : tuple of str or None, default ("phone", "chat")
        Channels to staff (real-time queues, which Erlang models fit; e-mail and social are
        worked from a backlog). None keeps every queue.
    abandonment : bool, default True
        Estimate patience (Erlang A); False leaves it out (Erlang C).
    sl_target, sl_seconds : float, optional
        One service level for every queue instead of each queue's own.
    aht_seconds : float, optional
        One planning handle time for every queue instead of the one measured (the only way to
        staff from a report that gives no handle times).
    shrinkage, max_occupancy : float
        See :class:`QueueSettings`.

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
        raise SchemaError(
            f"queue_settings() needs the queues columns {sorted(need)}; "
            f"missing {sorted(need - set(q.columns))}."
        )
    if channels is not None:
        if isinstance(channels, str):
            channels = (channels,)
        known = sorted(q["channel"].unique().to_list())
        unknown = sorted(set(channels) - set(known))
        if unknown:
            raise OptionError(
                f"queue_settings(channels={channels!r}): no queue has channel {unknown}; the "
                f"queues table has {known} (or None for every queue)."
            )
        q = q.filter(pl.col("channel").is_in(list(channels)))
    names = q["queue"].to_list()
    aht: dict[str, float] = {}
    pat: dict[str, float] | None = None
    report = False
    if contacts is not None:
        lf = contacts.lazy() if isinstance(contacts, pl.DataFrame) else contacts
        mine = lf.filter(pl.col("queue").is_in(names))
        report = is_interval_report(mine.collect_schema().names())
        aht = dict(
            _interval_aht(mine)
            if report
            else mine.filter(pl.col("answered_at").is_not_null())
            .group_by("queue")
            .agg(pl.col("handle_seconds").mean())
            .collect()
            .iter_rows()
        )
        if abandonment and set(q["channel"].to_list()) & set(REALTIME):
            try:
                pat = patience(mine, by="queue").as_dict()
            except NotEnoughDataError:
                if not report:
                    raise
                pat = None  # a report without abandons or waits: Erlang C

    def column(name: str, override: float | None) -> dict[str, float]:
        values = q[name].cast(pl.Float64).to_list()
        return {
            k: float(override) if override is not None else v
            for k, v in zip(names, values, strict=True)
        }

    if aht_seconds is not None:
        aht = dict.fromkeys(names, aht_seconds)
    elif contacts is not None and report:
        unknown = [n for n in names if aht.get(n) is None]
        if unknown:
            raise NotEnoughDataError(
                f"queue_settings(): the interval report gives no handle times for queue(s) "
                f"{', '.join(unknown)} (handle_seconds_total and answered), so agents cannot be "
                "computed; give a planning handle time with aht_seconds= (in the forecast "
                "report, the parameter aht_seconds)."
            )
    return QueueSettings(
        aht_seconds={k: float(v) for k, v in aht.items() if v is not None},
        sl_target=column("sl_target", sl_target),
        sl_seconds=column("sl_seconds", sl_seconds),
        concurrency=column("concurrency", None),
        patience_seconds=pat,
        shrinkage=shrinkage,
        max_occupancy=max_occupancy,
    )
