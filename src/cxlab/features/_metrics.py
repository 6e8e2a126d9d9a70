"""The metric dictionary: every KPI defined once, as a ratio of sums over contacts.

A KPI is ``sum(numerator) / sum(denominator)`` over the contacts it applies to, so it adds up
exactly across intervals, days, shards and partitions, and a ratio metric gets its uncertainty by
the delta method. Thresholds (service level per channel and priority, the FCR window, the
resolution promise, the priority SLA) live in one frozen :class:`MetricConfig`, versioned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from cxlab._present import label

DICTIONARY_VERSION = "2026.1"

Unit = Literal["count", "share", "seconds", "score", "per_contact"]


@dataclass(frozen=True)
class MetricConfig:
    """Thresholds that define the KPIs. Change them here, never in a notebook."""

    sl_seconds: dict[str, float] = field(
        default_factory=lambda: {
            "phone": 20.0,
            "chat": 60.0,
            "email": 24 * 3600.0,
            "social": 3600.0,
        }
    )
    sl_seconds_by_priority: dict[str, float] = field(
        default_factory=dict
    )  # overrides by priority {"P1": 10} or by channel and priority {"phone/P1": 10}
    short_abandon_seconds: float = 5.0
    count_short_abandons: bool = False  # industry practice: short abandons are not offered calls
    fcr_window_days: int = 7
    resolution_hours: float = 24.0
    sla_answer_seconds: dict[str, float] = field(
        default_factory=lambda: {"P1": 300.0, "P2": 3600.0, "P3": 24 * 3600.0}
    )
    sla_resolve_hours: dict[str, float] = field(
        default_factory=lambda: {"P1": 8.0, "P2": 48.0, "P3": 120.0}
    )
    complaint_promise_hours: dict[str, float] = field(
        default_factory=lambda: {
            "product_quality": 72.0,
            "logistics": 48.0,
            "service_attitude": 24.0,
            "refund": 120.0,
        }
    )
    version: str = DICTIONARY_VERSION


@dataclass(frozen=True)
class Metric:
    """A KPI: what it counts, over which contacts, and how to read it."""

    name: str
    unit: Unit
    higher_is_better: bool | None
    numerator: pl.Expr
    denominator: pl.Expr
    description: str
    realtime_only: bool = False  # phone and chat only (answer rate, abandonment, ASA)

    @property
    def label(self) -> str:
        """The reader's name of the metric, in the report's language (the label catalogue)."""
        return label(self.name)


REALTIME = ("phone", "chat")


def _flags(config: MetricConfig) -> list[pl.Expr]:
    """Row-level columns every KPI reads (computed once per query)."""
    sl = pl.col("channel").replace_strict(config.sl_seconds, default=None, return_dtype=pl.Float64)
    by_priority = {k: v for k, v in config.sl_seconds_by_priority.items() if "/" not in k}
    by_pair = {k: v for k, v in config.sl_seconds_by_priority.items() if "/" in k}
    if by_priority:
        by_p = pl.col("priority").replace_strict(by_priority, default=None, return_dtype=pl.Float64)
        sl = pl.coalesce(by_p, sl)
    if by_pair:  # the most specific threshold wins: channel and priority, priority, channel
        pair = pl.concat_str(pl.col("channel"), pl.lit("/"), pl.col("priority"))
        sl = pl.coalesce(pair.replace_strict(by_pair, default=None, return_dtype=pl.Float64), sl)
    short = pl.col("abandoned") & (pl.col("wait_seconds") < config.short_abandon_seconds)
    offered = pl.lit(True) if config.count_short_abandons else ~short
    answered = pl.col("answered_at").is_not_null()
    resolve_h = (pl.col("resolved_at") - pl.col("arrived_at")).dt.total_seconds() / 3600
    sla_a = pl.col("priority").replace_strict(
        config.sla_answer_seconds, default=None, return_dtype=pl.Float64
    )
    sla_r = pl.col("priority").replace_strict(
        config.sla_resolve_hours, default=None, return_dtype=pl.Float64
    )
    promise = pl.col("complaint_type").replace_strict(
        config.complaint_promise_hours, default=None, return_dtype=pl.Float64
    )
    return [
        pl.lit(1.0).alias("_one"),  # a column of ones: a literal summed per group gives 1, not n
        pl.col("channel").is_in(REALTIME).alias("_rt"),
        offered.alias("_offered"),
        answered.alias("_answered"),
        (answered & (pl.col("wait_seconds") <= sl)).alias("_within_sl"),
        (pl.col("abandoned") & offered).alias("_abandoned"),
        resolve_h.alias("_resolve_h"),
        (answered & (pl.col("wait_seconds") <= sla_a)).alias("_sla_answered"),
        (resolve_h.fill_null(float("inf")) <= sla_r).alias("_sla_resolved"),
        (resolve_h.fill_null(float("inf")) <= config.resolution_hours).alias("_resolved_within"),
        pl.col("complaint_type").is_not_null().alias("_complaint"),
        (resolve_h.fill_null(float("inf")) <= promise).alias("_complaint_closed"),
    ]


def metrics(config: MetricConfig | None = None) -> dict[str, Metric]:
    """The dictionary of KPIs under ``config`` (the default thresholds when ``None``)."""
    c = config or MetricConfig()
    rt = pl.col("_rt")
    ans = pl.col("_answered")
    f = pl.col
    i = lambda e: e.cast(pl.Float64)  # noqa: E731
    fcr_known = ans & f("_fcr_known")
    return {
        m.name: m
        for m in [
            Metric(
                "contacts",
                "count",
                None,
                f("_one"),
                f("_one"),
                "Contacts received (every channel). The value is a count, not a ratio.",
            ),
            Metric(
                "offered",
                "count",
                None,
                i(rt & f("_offered")),
                f("_one"),
                "Phone and chat contacts offered to agents (short abandons excluded unless configured).",
                True,
            ),
            Metric(
                "answered",
                "count",
                None,
                i(ans),
                f("_one"),
                "Contacts answered by an agent.",
            ),
            Metric(
                "answer_rate",
                "share",
                True,
                i(rt & ans & f("_offered")),
                i(rt & f("_offered")),
                "Answered / offered, phone and chat.",
                True,
            ),
            Metric(
                "abandonment_rate",
                "share",
                False,
                i(rt & f("_abandoned")),
                i(rt & f("_offered")),
                f"Abandoned / offered, phone and chat; abandons under {c.short_abandon_seconds:g} s "
                f"{'count' if c.count_short_abandons else 'do not count'}.",
                True,
            ),
            Metric(
                "service_level",
                "share",
                True,
                i(f("_within_sl") & f("_offered")),
                i(f("_offered")),
                "Answered within the channel's threshold / offered ("
                + ", ".join(f"{k} {v:g} s" for k, v in c.sl_seconds.items())
                + ").",
            ),
            Metric(
                "asa",
                "seconds",
                False,
                f("wait_seconds").fill_null(0) * i(ans),
                i(ans),
                "Mean wait of answered contacts (first response time for email and social).",
            ),
            Metric(
                "aht",
                "seconds",
                False,
                f("handle_seconds").fill_null(0) * i(ans & f("handle_seconds").is_not_null()),
                i(ans & f("handle_seconds").is_not_null()),
                "Handle seconds per handled contact.",
            ),
            Metric(
                "fcr",
                "share",
                True,
                i(fcr_known & ~f("_repeat")),
                i(fcr_known),
                f"Answered contacts with no repeat contact from the same customer on the same topic within "
                f"{c.fcr_window_days} days (contacts too recent to judge are left out).",
            ),
            Metric(
                "fcr_reported",
                "share",
                True,
                i(ans & f("first_contact_resolution").fill_null(False)),
                i(ans & f("first_contact_resolution").is_not_null()),
                "The service system's own first-contact-resolution flag.",
            ),
            Metric(
                "repeat_rate",
                "share",
                False,
                i(fcr_known & f("_repeat")),
                i(fcr_known),
                f"Answered contacts followed by a repeat within {c.fcr_window_days} days.",
            ),
            Metric(
                "csat",
                "score",
                True,
                f("csat").fill_null(0).cast(pl.Float64),
                i(f("csat").is_not_null()),
                "Mean satisfaction score, 1-5, of contacts with a rating.",
            ),
            Metric(
                "csat_top2",
                "share",
                True,
                i(f("csat").fill_null(0) >= 4),
                i(f("csat").is_not_null()),
                "Share of ratings that are 4 or 5.",
            ),
            Metric(
                "complaint_rate",
                "share",
                False,
                i(f("_complaint")),
                f("_one"),
                "Complaints / contacts.",
            ),
            Metric(
                "resolution_within",
                "share",
                True,
                i(ans & f("_resolved_within")),
                i(ans),
                f"Answered contacts resolved within {c.resolution_hours:g} hours of arrival.",
            ),
            Metric(
                "complaint_closed_in_time",
                "share",
                True,
                i(f("_complaint") & f("_complaint_closed")),
                i(f("_complaint")),
                "Complaints resolved within their type's promise ("
                + ", ".join(f"{k} {v:g} h" for k, v in c.complaint_promise_hours.items())
                + ").",
            ),
            Metric(
                "complaint_handle_hours",
                "seconds",
                False,
                f("_resolve_h").fill_null(0)
                * 3600
                * i(f("_complaint") & f("_resolve_h").is_not_null()),
                i(f("_complaint") & f("_resolve_h").is_not_null()),
                "Mean seconds from arrival to resolution of resolved complaints.",
            ),
            Metric(
                "sla_answered",
                "share",
                True,
                i(f("_sla_answered") & f("_offered")),
                i(f("_offered")),
                "Answered within the priority's promise ("
                + ", ".join(f"{k} {v:g} s" for k, v in c.sla_answer_seconds.items())
                + ").",
            ),
            Metric(
                "sla_resolved",
                "share",
                True,
                i(ans & f("_sla_resolved")),
                i(ans),
                "Resolved within the priority's promise ("
                + ", ".join(f"{k} {v:g} h" for k, v in c.sla_resolve_hours.items())
                + ").",
            ),
            Metric(
                "transfers_per_contact",
                "per_contact",
                False,
                f("transfers").cast(pl.Float64) * i(ans),
                i(ans),
                "Transfers per answered contact.",
            ),
        ]
    }
