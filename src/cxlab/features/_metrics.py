"""The metric dictionary: every KPI defined once, as a ratio of sums over contacts.

A KPI is ``sum(numerator) / sum(denominator)`` over the contacts it applies to, so it adds up
exactly across intervals, days, shards and partitions, and a ratio metric gets its uncertainty by
the delta method. Thresholds (service level per channel and priority, the FCR window, the
resolution promise, the priority SLA) live in one frozen :class:`MetricConfig`, versioned.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import polars as pl

from cxlab._errors import OptionError
from cxlab._options import check_option
from cxlab._present import UNITS, Unit, declare_label, label

DICTIONARY_VERSION = "2026.1"


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
    """A measure: its name, unit, which direction is better and, for a KPI, what it counts.

    A KPI of the dictionary (and a declared one with ``numerator``/``denominator``) is a ratio of
    sums over contacts. A metric without them is a column of a per-unit table (an A/B test's
    units, a panel's outcome): it is analysed as it is, and named and formatted by its unit.
    """

    name: str
    unit: Unit
    higher_is_better: bool | None
    numerator: pl.Expr | None = None
    denominator: pl.Expr | None = None
    description: str = ""
    realtime_only: bool = False  # phone and chat only (answer rate, abandonment, ASA)
    declared: bool = False  # an analyst's metric, not the dictionary's
    intervals: tuple[pl.Expr, pl.Expr] | None = None
    """Numerator and denominator over the rows of an interval report (the ``intervals`` table),
    for a KPI that interval sums determine; None for one that needs each contact."""

    @property
    def label(self) -> str:
        """The reader's name of the metric, in the report's language (the label catalogue)."""
        return label(self.name)


REALTIME = ("phone", "chat")


def _lookup(column: pl.Expr, mapping: dict[str, float]) -> pl.Expr:
    """``mapping[value]`` per row as Float64, null for a value not in ``mapping`` (and for null).

    The same values as ``replace_strict(mapping, default=None)``, written as comparisons so that
    the streaming engine evaluates it morsel by morsel (``replace_strict`` needs the whole
    column at once, which holds every row of a scan in memory).
    """
    out = None
    for key, value in mapping.items():
        hit = pl.lit(float(value), dtype=pl.Float64)
        out = pl.when(column == key).then(hit) if out is None else out.when(column == key).then(hit)
    if out is None:
        return pl.lit(None, dtype=pl.Float64)
    return out.otherwise(pl.lit(None, dtype=pl.Float64))


def _flags(config: MetricConfig) -> list[pl.Expr]:
    """Row-level columns every KPI reads (computed once per query)."""
    sl = _lookup(pl.col("channel"), config.sl_seconds)
    by_priority = {k: v for k, v in config.sl_seconds_by_priority.items() if "/" not in k}
    by_pair = {k: v for k, v in config.sl_seconds_by_priority.items() if "/" in k}
    if by_priority:
        sl = pl.coalesce(_lookup(pl.col("priority"), by_priority), sl)
    if by_pair:  # the most specific threshold wins: channel and priority, priority, channel
        pair = pl.concat_str(pl.col("channel"), pl.lit("/"), pl.col("priority"))
        sl = pl.coalesce(_lookup(pair, by_pair), sl)
    short = pl.col("abandoned") & (pl.col("wait_seconds") < config.short_abandon_seconds)
    offered = pl.lit(True) if config.count_short_abandons else ~short
    answered = pl.col("answered_at").is_not_null()
    resolve_h = (pl.col("resolved_at") - pl.col("arrived_at")).dt.total_seconds() / 3600
    sla_a = _lookup(pl.col("priority"), config.sla_answer_seconds)
    sla_r = _lookup(pl.col("priority"), config.sla_resolve_hours)
    promise = _lookup(pl.col("complaint_type"), config.complaint_promise_hours)
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
    """The dictionary of KPIs under ``config`` (the default thresholds when ``None``), with the
    declared metrics that are ratios of sums (:func:`declare_metric`) after them."""
    c = config or MetricConfig()
    rt = pl.col("_rt")
    ans = pl.col("_answered")
    f = pl.col
    i = lambda e: e.cast(pl.Float64)  # noqa: E731
    fcr_known = ans & f("_fcr_known")
    dictionary = {
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
    for name, terms in _interval_terms(c).items():
        dictionary[name] = replace(dictionary[name], intervals=terms)
    ratios = {k: m for k, m in _DECLARED.items() if m.numerator is not None}
    return {**dictionary, **ratios}


def _interval_terms(c: MetricConfig) -> dict[str, tuple[pl.Expr, pl.Expr]]:
    """The KPIs an interval report determines, as sums over its rows.

    A row whose count or total is blank (unknown) is left out of that KPI's numerator and
    denominator alike. Service level counts only rows whose threshold (``sl_seconds``) is the
    dictionary's for the channel: answered within 30 s is not the same KPI as within 20 s.
    Short abandons are counted as the report counts them.
    """
    f = pl.col
    rt = f("channel").is_in(REALTIME)
    known = lambda *names: pl.all_horizontal(*(f(n).is_not_null() for n in names))  # noqa: E731
    zero = lambda e: e.cast(pl.Float64).fill_null(0.0)  # noqa: E731
    when = lambda cond, e: pl.when(cond).then(zero(e)).otherwise(0.0)  # noqa: E731
    threshold = f("channel").replace_strict(c.sl_seconds, default=None, return_dtype=pl.Float64)
    same_sl = known("answered_within", "sl_seconds") & (f("sl_seconds") == threshold)
    one = lambda cond: cond.fill_null(False).cast(pl.Float64)  # noqa: E731
    return {
        "contacts": (zero(f("offered")), pl.lit(1.0)),
        "offered": (when(rt, f("offered")), pl.lit(1.0)),
        "answered": (zero(f("answered")), one(known("answered"))),
        "answer_rate": (
            when(rt & known("answered"), f("answered")),
            when(rt & known("answered"), f("offered")),
        ),
        "abandonment_rate": (
            when(rt & known("abandoned"), f("abandoned")),
            when(rt & known("abandoned"), f("offered")),
        ),
        "service_level": (when(same_sl, f("answered_within")), when(same_sl, f("offered"))),
        "asa": (
            when(
                known("answered", "answered_wait_seconds_total"), f("answered_wait_seconds_total")
            ),
            when(known("answered", "answered_wait_seconds_total"), f("answered")),
        ),
        "aht": (
            when(known("answered", "handle_seconds_total"), f("handle_seconds_total")),
            when(known("answered", "handle_seconds_total"), f("answered")),
        ),
    }


_DECLARED: dict[str, Metric] = {}


def declare_metric(
    name: str,
    *,
    label: str | dict[str, str],
    unit: Unit,
    higher_is_better: bool | None,
    numerator: pl.Expr | None = None,
    denominator: pl.Expr | None = None,
    description: str = "",
) -> Metric:
    """Declare an analyst's own metric, so every analysis, finding and display can use it.

    Parameters
    ----------
    name
        The identifier: a column of the per-unit table, or the KPI's name when ``numerator`` and
        ``denominator`` are given. A dictionary KPI's name cannot be taken.
    label
        The reader's name, one text or one per language: ``{"zh": "回拨率", "en": "Callback rate"}``.
    unit
        How values are formatted: ``"share"`` (0-1, shown as a percentage), ``"seconds"``,
        ``"count"``, ``"score"``, ``"money"``, ``"ratio"``... (``cxlab._present.UNITS``).
    higher_is_better
        Which direction is an improvement; ``None`` when neither is (findings then say "changed"
        rather than "improved" and no verdict is drawn from the direction).
    numerator, denominator
        Polars expressions over prepared contacts (see :func:`cxlab.features.prepare`) whose sums
        make the KPI a ratio of sums, usable by :func:`cxlab.features.kpi` and the A/B tests.

    Examples
    --------
    >>> m = declare_metric("callback", label={"zh": "回拨率", "en": "Callback rate"},
    ...                    unit="share", higher_is_better=True)
    >>> from cxlab._present import use_language
    >>> with use_language("zh"):
    ...     m.label
    '回拨率'
    >>> metric("callback").higher_is_better
    True
    """
    if not isinstance(name, str) or not name.strip():
        raise OptionError(f"declare_metric(name={name!r}): a metric needs a non-empty name.")
    if name in metrics() and name not in _DECLARED:
        raise OptionError(
            f"declare_metric(name={name!r}): {name!r} is a KPI of the metric dictionary; "
            "give your metric another name."
        )
    check_option("unit", unit, UNITS)
    if higher_is_better not in (True, False, None):
        raise OptionError(
            f"declare_metric(higher_is_better={higher_is_better!r}): use True, False or None."
        )
    if (numerator is None) != (denominator is None):
        raise OptionError(
            f"declare_metric(name={name!r}): give both numerator= and denominator= (a ratio of "
            "sums over contacts), or neither (a column of a per-unit table)."
        )
    if isinstance(label, dict):
        if not label or not all(isinstance(v, str) and v for v in label.values()):
            raise OptionError(
                f"declare_metric(label={label!r}): give the name in each language, "
                "e.g. {'zh': '回拨率', 'en': 'Callback rate'}."
            )
    elif not isinstance(label, str) or not label:
        raise OptionError(f"declare_metric(label={label!r}): give the reader's name of the metric.")
    declare_label(name, label)
    m = Metric(name, unit, higher_is_better, numerator, denominator, description, declared=True)
    _DECLARED[name] = m
    return m


def metric(name: str | Metric, config: MetricConfig | None = None) -> Metric:
    """The :class:`Metric` called ``name``: the dictionary's KPI, else a declared metric, else a
    plain column (unit ``"number"``, no better direction, labelled by its name).

    Examples
    --------
    >>> metric("fcr").unit, metric("fcr").higher_is_better
    ('share', True)
    >>> metric("hires").declared, metric("hires").higher_is_better
    (False, None)
    """
    if isinstance(name, Metric):
        return name
    if not isinstance(name, str) or not name:
        raise OptionError(
            f"metric={name!r} is not a metric; give a KPI of the dictionary, a declared metric "
            "or a column name."
        )
    found = metrics(config).get(name) or _DECLARED.get(name)
    return found if found is not None else Metric(name, "number", None)


def forget_metric(name: str) -> None:
    """Undo :func:`declare_metric` (its label too); a name never declared is ignored."""
    from cxlab._present import declare_label

    if _DECLARED.pop(name, None) is not None:
        declare_label(name, None)


def declared_metrics() -> dict[str, Metric]:
    """The metrics declared in this process, by name."""
    return dict(_DECLARED)
