"""The canonical tables, declared once with pandera's polars backend.

Each table is a :class:`TableSpec`: its pandera schema (columns, types, value sets, ranges,
uniqueness, cross-column rules) plus what the store needs to know (the timestamp that partitions it
by month, the columns that hold customer identifiers and must be masked in messages).
Timestamps are time_zone-aware and stored in UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:  # pragma: no cover
    import pandera.polars


class _Later:
    """A call to ``pandera.polars`` recorded where a table is declared and made on first use.

    Importing pandera takes about half a second and most uses of :mod:`cxlab.data` (loading,
    the store, the column types) never validate, so a schema is built only when one is needed.
    """

    __slots__ = ("args", "kwargs", "path")

    def __init__(self, path: str, args: tuple, kwargs: dict[str, Any]) -> None:
        self.path, self.args, self.kwargs = path, args, kwargs

    def make(self) -> Any:
        import pandera.polars

        target: Any = pandera.polars
        for part in self.path.split("."):
            target = getattr(target, part)
        return target(*_made(self.args), **_made(self.kwargs))


def _made(value: Any) -> Any:
    if isinstance(value, _Later):
        return value.make()
    if isinstance(value, (list, tuple)):
        return type(value)(_made(v) for v in value)
    if isinstance(value, dict):
        return {k: _made(v) for k, v in value.items()}
    return value


class _Pandera:
    """Stands for ``pandera.polars`` in the declarations below: ``pa.Check.ge(0)`` records the
    call as a :class:`_Later`."""

    def __init__(self, path: str = "") -> None:
        self._path = path

    def __getattr__(self, name: str) -> _Pandera:
        return _Pandera(f"{self._path}.{name}" if self._path else name)

    def __call__(self, *args: Any, **kwargs: Any) -> _Later:
        return _Later(self._path, args, kwargs)


pa: Any = _Pandera()

UTC = pl.Datetime("us", "UTC")

CHANNELS = ("phone", "chat", "email", "social")
PRIORITIES = ("P1", "P2", "P3")
SEGMENTS = ("enterprise", "individual")
VALUE_TIERS = ("gold", "silver", "bronze")
CONTRACTS = ("monthly", "annual", "two_year")
COMPLAINT_TYPES = ("product_quality", "logistics", "service_attitude", "refund")
EVENT_KINDS = ("holiday", "promotion", "recall", "outage", "launch")
EXPERIMENT_KINDS = ("ab", "pilot")
EXPERIMENT_DESIGNS = (
    "ab",
    "cluster_ab",
    "did",
    "staggered_did",
    "synthetic_control",
    "synthetic_did",
    "its",
)
EXPERIMENT_UNITS = ("customer", "agent", "region")
EXPERIMENT_DECISIONS = ("adopt", "stop")
QA_DIMENSIONS = ("greeting", "accuracy", "empathy", "compliance", "resolution")
RATING_COLUMNS = (
    "rating_wait_time",
    "rating_resolution",
    "rating_agent",
    "rating_product",
    "rating_value",
)
TARGET_DIRECTIONS = (">=", "<=")
INTERVAL_MINUTES = (5, 10, 15, 30, 60)
INT64_RANGE = (-(2**63), 2**63 - 1)
"""What a whole-number column holds (a 64-bit integer)."""
EXACT_FLOAT = 2**53
"""Above this a number written with a decimal point or an exponent is not read exactly."""
FUTURE_TOLERANCE = dt.timedelta(days=1)
"""How far past the ingest time an observed timestamp may lie (clock skew, zones), no more."""


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its schema and how it is stored."""

    name: str
    declared: _Later
    """The pandera ``DataFrameSchema`` call, made by :attr:`schema` on first use."""
    key: tuple[str, ...]
    time_column: str | None = None
    masked: tuple[str, ...] = ()
    observed: tuple[str, ...] = ()
    """Timestamps of what happened: never after the ingest time plus :data:`FUTURE_TOLERANCE`
    (planned ones may lie ahead: an event's or an experiment's end, an assignment made before
    the experiment starts)."""
    references: tuple[tuple[str, str], ...] = ()
    """``(column, table)`` pairs: each value is a key of that table, checked at ingest when that
    table is in the store."""

    @cached_property
    def schema(self) -> pandera.polars.DataFrameSchema:
        """The table's pandera schema (pandera is imported on first use)."""
        return self.declared.make()

    @property
    def columns(self) -> dict[str, pl.DataType]:
        """Each column's polars type, as declared (read without building the schema)."""
        return {name: col.args[0] for name, col in self.declared.args[0].items()}

    @property
    def required(self) -> list[str]:
        return [n for n, c in self.declared.args[0].items() if c.kwargs.get("required", True)]


def _isin(values: tuple[str, ...]) -> _Later:
    return pa.Check.isin(list(values))


RULE_COLUMNS: dict[str, tuple[str, ...]] = {}
"""For each table-wide rule (by its message), the columns it reads: shown with offending rows."""


def _not_before(later: str, earlier: str, what: str) -> _Later:
    RULE_COLUMNS[f"{what}: {later} must not be before {earlier}"] = (earlier, later)
    return pa.Check(
        lambda d: d.lazyframe.select(
            pl.col(later).is_null() | pl.col(earlier).is_null() | (pl.col(later) >= pl.col(earlier))
        ),
        name=f"{later}_not_before_{earlier}",
        error=f"{what}: {later} must not be before {earlier}",
    )


def _col(
    dtype, *checks: _Later, nullable: bool = False, unique: bool = False, required: bool = True
) -> _Later:
    return pa.Column(
        dtype, list(checks), nullable=nullable, unique=unique, coerce=False, required=required
    )


def _known(dtype, *checks: _Later) -> _Later:
    """A column an export may lack or leave blank (read as unknown)."""
    return _col(dtype, *checks, nullable=True, required=False)


CONTACTS = TableSpec(
    name="contacts",
    key=("contact_id",),
    time_column="arrived_at",
    masked=("customer_id",),
    observed=("arrived_at", "answered_at", "resolved_at"),
    references=(("customer_id", "customers"),),
    declared=pa.DataFrameSchema(
        {
            "contact_id": _col(pl.Utf8, unique=True),
            "customer_id": _col(pl.Utf8),
            "channel": _col(pl.Utf8, _isin(CHANNELS)),
            "queue": _col(pl.Utf8),
            "category": _col(pl.Utf8),
            "category_l2": _col(pl.Utf8),
            "category_l3": _col(pl.Utf8),
            "complaint_type": _col(pl.Utf8, _isin(COMPLAINT_TYPES), nullable=True),
            "priority": _col(pl.Utf8, _isin(PRIORITIES)),
            "region": _col(pl.Utf8),
            "arrived_at": _col(UTC),
            "answered_at": _col(UTC, nullable=True),
            "resolved_at": _col(UTC, nullable=True),
            "abandoned": _col(pl.Boolean),
            "wait_seconds": _col(pl.Float64, pa.Check.ge(0)),
            "handle_seconds": _col(pl.Float64, pa.Check.ge(0), nullable=True),
            "agent_id": _col(pl.Utf8, nullable=True),
            "first_contact_resolution": _col(pl.Boolean, nullable=True),
            "transfers": _col(pl.Int64, pa.Check.ge(0)),
            "csat": _col(pl.Int64, pa.Check.in_range(1, 5), nullable=True),
            "note": _known(pl.Utf8),  # the agent's note or a transcript summary, kept whole
        },
        checks=[
            _not_before("answered_at", "arrived_at", "a contact is answered after it arrives"),
            _not_before("resolved_at", "arrived_at", "a contact is resolved after it arrives"),
            pa.Check(  # RULE_COLUMNS entry below
                lambda d: d.lazyframe.select(
                    ~(pl.col("abandoned") & pl.col("answered_at").is_not_null())
                ),
                name="abandoned_never_answered",
                error="an abandoned contact has no answered_at",
            ),
        ],
        strict=False,
    ),
)

RULE_COLUMNS["an abandoned contact has no answered_at"] = ("abandoned", "answered_at")

CUSTOMERS = TableSpec(
    name="customers",
    key=("customer_id",),
    masked=("customer_id",),
    declared=pa.DataFrameSchema(
        {
            "customer_id": _col(pl.Utf8, unique=True),
            "segment": _col(pl.Utf8, _isin(SEGMENTS)),
            "value_tier": _col(pl.Utf8, _isin(VALUE_TIERS)),
            "region": _col(pl.Utf8),
            "contract": _col(pl.Utf8, _isin(CONTRACTS)),
            "monthly_value": _col(pl.Float64, pa.Check.ge(0)),
            "signup_date": _col(pl.Date),
            "churn_date": _col(pl.Date, nullable=True),
            "downgrade_date": _col(pl.Date, nullable=True),
        },
        checks=[
            _not_before("churn_date", "signup_date", "a customer churns after signing up"),
            _not_before("downgrade_date", "signup_date", "a customer downgrades after signing up"),
        ],
        strict=False,
    ),
)

SURVEYS = TableSpec(
    name="surveys",
    key=("survey_id",),
    time_column="responded_at",
    masked=("customer_id",),
    observed=("responded_at",),
    references=(("customer_id", "customers"),),
    declared=pa.DataFrameSchema(
        {
            "survey_id": _col(pl.Utf8, unique=True),
            "customer_id": _col(pl.Utf8),
            "contact_id": _col(pl.Utf8, nullable=True),
            "responded_at": _col(UTC),
            "nps": _col(pl.Int64, pa.Check.in_range(0, 10)),
            **{r: _col(pl.Int64, pa.Check.in_range(1, 5), nullable=True) for r in RATING_COLUMNS},
            "comment": _col(pl.Utf8, nullable=True),
            "language": _col(pl.Utf8, nullable=True),
        },
        strict=False,
    ),
)

EXPERIMENTS = TableSpec(
    name="experiments",
    key=("experiment_id",),
    declared=pa.DataFrameSchema(
        {
            "experiment_id": _col(pl.Utf8, unique=True),
            "name": _col(pl.Utf8),
            "kind": _col(pl.Utf8, _isin(EXPERIMENT_KINDS)),
            "design": _col(pl.Utf8, _isin(EXPERIMENT_DESIGNS)),
            "unit": _col(pl.Utf8, _isin(EXPERIMENT_UNITS)),
            "start": _col(UTC),
            "end": _col(UTC),
            "primary_metric": _col(pl.Utf8),
            "guardrails": _col(pl.Utf8, nullable=True),
            "description": _col(pl.Utf8, nullable=True),
            # what was decided once it was read, and when: optional, blank while undecided
            "decision": _known(pl.Utf8, _isin(EXPERIMENT_DECISIONS)),
            "decided_on": _known(pl.Date),
        },
        checks=[_not_before("end", "start", "an experiment ends after it starts")],
        strict=False,
    ),
)

ASSIGNMENTS = TableSpec(
    name="assignments",
    key=("experiment_id", "unit_id"),
    masked=("unit_id",),
    declared=pa.DataFrameSchema(
        {
            "experiment_id": _col(pl.Utf8),
            "unit_id": _col(pl.Utf8),
            "arm": _col(pl.Utf8),
            "assigned_at": _col(UTC),
        },
        unique=["experiment_id", "unit_id"],
        strict=False,
    ),
)

EVENTS = TableSpec(
    name="events",
    key=("event_id",),
    declared=pa.DataFrameSchema(
        {
            "event_id": _col(pl.Utf8, unique=True),
            "name": _col(pl.Utf8),
            "kind": _col(pl.Utf8, _isin(EVENT_KINDS)),
            "start": _col(UTC),
            "end": _col(UTC),
            "queues": _col(pl.Utf8),
        },
        checks=[_not_before("end", "start", "an event ends after it starts")],
        strict=False,
    ),
)

AGENTS = TableSpec(
    name="agents",
    key=("agent_id",),
    declared=pa.DataFrameSchema(
        {
            "agent_id": _col(pl.Utf8, unique=True),
            "team": _col(pl.Utf8),
            "channel": _col(pl.Utf8, _isin(CHANNELS)),
            "site": _col(pl.Utf8),
            "hired_on": _col(pl.Date),
        },
        strict=False,
    ),
)

QA_SCORES = TableSpec(
    name="qa_scores",
    key=("contact_id", "dimension"),
    time_column="scored_at",
    observed=("scored_at",),
    declared=pa.DataFrameSchema(
        {
            "contact_id": _col(pl.Utf8),
            "agent_id": _col(pl.Utf8),
            "scored_at": _col(UTC),
            "dimension": _col(pl.Utf8, _isin(QA_DIMENSIONS)),
            "score": _col(pl.Float64, pa.Check.in_range(0, 100)),
        },
        unique=["contact_id", "dimension"],
        strict=False,
    ),
)

QUEUES = TableSpec(
    name="queues",
    key=("queue",),
    declared=pa.DataFrameSchema(
        {
            "queue": _col(pl.Utf8, unique=True),
            "channel": _col(pl.Utf8, _isin(CHANNELS)),
            "open_hour": _col(pl.Int64, pa.Check.in_range(0, 24)),
            "close_hour": _col(pl.Int64, pa.Check.in_range(0, 24)),
            "open_weekends": _col(pl.Boolean),
            "concurrency": _col(pl.Int64, pa.Check.ge(1)),
            "sl_seconds": _col(pl.Float64, pa.Check.gt(0)),
            "sl_target": _col(pl.Float64, pa.Check.in_range(0, 1)),
        },
        strict=False,
    ),
)

TARGETS = TableSpec(
    name="targets",
    key=("kpi", "scope", "period"),
    declared=pa.DataFrameSchema(
        {
            "kpi": _col(pl.Utf8),
            "scope": _col(pl.Utf8),
            "period": _col(pl.Utf8),
            "target": _col(pl.Float64),
            "direction": _col(pl.Utf8, _isin(TARGET_DIRECTIONS)),
            "description": _col(pl.Utf8, nullable=True),
        },
        unique=["kpi", "scope", "period"],
        strict=False,
    ),
)


def _at_most(part: str, whole: str, what: str) -> _Later:
    RULE_COLUMNS[f"{what}: {part} must not exceed {whole}"] = (whole, part)
    return pa.Check(
        lambda d: d.lazyframe.select(
            pl.col(part).is_null() | pl.col(whole).is_null() | (pl.col(part) <= pl.col(whole))
        ),
        name=f"{part}_at_most_{whole}",
        error=f"{what}: {part} must not exceed {whole}",
    )


RULE_COLUMNS["contacts answered and abandoned in an interval are at most those offered"] = (
    "offered",
    "answered",
    "abandoned",
)

INTERVALS = TableSpec(
    name="intervals",
    key=("queue", "interval_start"),
    time_column="interval_start",
    observed=("interval_start",),
    declared=pa.DataFrameSchema(
        {
            "queue": _col(pl.Utf8),
            "channel": _col(pl.Utf8, _isin(CHANNELS)),
            "interval_start": _col(UTC),
            "interval_minutes": _col(pl.Int64, pa.Check.isin(list(INTERVAL_MINUTES))),
            "offered": _col(pl.Int64, pa.Check.ge(0)),
            "answered": _known(pl.Int64, pa.Check.ge(0)),
            "abandoned": _known(pl.Int64, pa.Check.ge(0)),
            "answered_within": _known(pl.Int64, pa.Check.ge(0)),
            "sl_seconds": _known(pl.Float64, pa.Check.gt(0)),
            "handle_seconds_total": _known(pl.Float64, pa.Check.ge(0)),
            "answered_wait_seconds_total": _known(pl.Float64, pa.Check.ge(0)),
            "abandoned_wait_seconds_total": _known(pl.Float64, pa.Check.ge(0)),
            "agents_staffed": _known(pl.Float64, pa.Check.ge(0)),
        },
        checks=[
            _at_most("answered_within", "answered", "an interval's answered within the threshold"),
            pa.Check(
                lambda d: d.lazyframe.select(
                    (pl.col("answered").fill_null(0) + pl.col("abandoned").fill_null(0))
                    <= pl.col("offered")
                ),
                name="answered_plus_abandoned_at_most_offered",
                error="contacts answered and abandoned in an interval are at most those offered",
            ),
        ],
        unique=["queue", "interval_start"],
        strict=False,
    ),
)
"""The automatic call distributor's interval report: per queue and interval, sums, no contacts.

``interval_start`` is the start of the interval (UTC), ``interval_minutes`` its length.
``answered_within`` counts contacts answered within ``sl_seconds``; ``handle_seconds_total`` is
the handle time of the answered contacts; ``answered_wait_seconds_total`` and
``abandoned_wait_seconds_total`` are the waits of the answered and of the abandoned contacts (an
Avaya CMS report's ANSTIME and ABNTIME). Every column after ``offered`` may be absent or blank
(unknown). An interval the report does not list is one the queue was closed.
"""

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        CONTACTS,
        CUSTOMERS,
        SURVEYS,
        EXPERIMENTS,
        ASSIGNMENTS,
        EVENTS,
        AGENTS,
        QA_SCORES,
        QUEUES,
        TARGETS,
        INTERVALS,
    )
}
