"""Computing KPIs from the contacts table at any grain, from the one metric dictionary."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._executor import Shared, check_executor, fan_out, sums_in_order
from cxlab._present import check_every, every_minutes, local_zone, register_units
from cxlab.features._metrics import Metric, MetricConfig, _flags, declared_metrics, metrics

GRAIN_COLUMNS = (
    "channel",
    "queue",
    "category",
    "category_l2",
    "category_l3",
    "region",
    "agent_id",
    "priority",
    "complaint_type",
    "team",
)


def with_repeats(
    contacts: pl.LazyFrame | pl.DataFrame,
    *,
    window_days: int = 7,
    data_end: dt.datetime | None = None,
) -> pl.LazyFrame:
    """Mark each contact followed by another from the same customer on the same topic within the window.

    Adds ``_repeat`` (a later contact by the same customer with the same level-1 category arrives
    within ``window_days``) and ``_fcr_known`` (the window is complete: it ends before the newest
    contact in the data, or ``data_end``).
    """
    end = pl.lit(data_end) if data_end is not None else pl.col("arrived_at").max()
    return contacts.lazy().with_columns(_repeat_columns(window_days, end))


def _repeat_columns(window_days: int, end: pl.Expr) -> list[pl.Expr]:
    """``_repeat`` and ``_fcr_known`` (see :func:`with_repeats`), the window ending at ``end``."""
    window = pl.duration(days=window_days)
    nxt = pl.col("arrived_at").shift(-1).over(["customer_id", "category"], order_by="arrived_at")
    return [
        ((nxt - pl.col("arrived_at")) <= window).fill_null(False).alias("_repeat"),
        ((pl.col("arrived_at") + window) <= end).alias("_fcr_known"),
    ]


def prepare(
    contacts: pl.LazyFrame | pl.DataFrame, config: MetricConfig | None = None
) -> pl.LazyFrame:
    """Add the row-level flags every KPI reads (once), so several KPIs share one pass."""
    config = config or MetricConfig()
    lf = contacts.lazy()
    names = lf.collect_schema().names()
    if "_repeat" not in names:
        lf = with_repeats(lf, window_days=config.fcr_window_days)
    return lf.with_columns(_flags(config))


def kpi(
    contacts: pl.LazyFrame | pl.DataFrame,
    names: str | Sequence[str],
    *,
    by: Sequence[str] = (),
    every: str | None = None,
    time_zone: str | None = None,
    config: MetricConfig | None = None,
    executor: Any = None,
) -> pl.DataFrame:
    """KPIs from the metric dictionary (and declared ratio metrics), at any grain.

    Parameters
    ----------
    contacts
        The contacts table (lazy or collected); a table already passed through :func:`prepare`
        is used as it is. Or the ``intervals`` table (an interval report, sums per queue and
        interval): then only the KPIs that those sums determine can be asked for (contacts,
        offered, answered, answer rate, abandonment rate, service level, ASA, AHT), grouped by
        queue or channel, with periods no shorter than the report's intervals.
    names
        One KPI name or several: the dictionary's (see :func:`cxlab.features.metrics`) or an
        analyst's declared with a numerator and a denominator
        (:func:`cxlab.features.declare_metric`).
    by
        Grouping columns (channel, queue, category, region, agent_id, priority, ...).
    every
        A period for ``arrived_at`` in the local time zone: ``"15m"``, ``"30m"``, ``"1h"``,
        ``"1d"``, ``"1w"``, ``"1mo"``, ``"1q"``, ``"1y"`` (checked by
        :func:`cxlab._present.check_every`); ``None`` for the whole table.
    time_zone
        The zone that periods are cut in: a day runs from local midnight to local midnight.
        Default: the workspace's zone (the one :func:`cxlab.load` reads naive dates in), so a
        contact at 00:30 on 1 October in Shanghai counts on 1 October.
    executor
        Where FCR and the repeat rate are summed, one task per month: ``None`` (the Dask
        cluster of ``CXLAB_DASK_ADDRESS`` if set, else this process), ``"serial"``,
        ``"processes"``, ``"dask"``, a ``distributed.Client`` or an executor with ``submit``
        (see :mod:`cxlab._executor`). The workers read the table from its files (a lazy scan:
        the workers need the same paths) or from a copy of a collected table, sent to each worker
        once by ``"processes"``, ``"dask"`` and a ``distributed.Client``, but with every month
        to an executor with ``submit`` (a ``ProcessPoolExecutor`` pickles it once a month).
        The months' sums are added here in month order, so every executor gives the same
        numbers.

    Returns
    -------
    polars.DataFrame
        Long: the ``by`` columns, ``period`` (if ``every``), ``kpi``, ``value``, ``numerator``,
        ``denominator``. ``value`` is null where the denominator is zero (nothing to measure).
        ``period`` is the local start of each period, in ``time_zone``.

    Raises
    ------
    OptionError
        An unknown KPI (the message lists the dictionary and says how to declare one), a
        grouping column that is not in the table, or a grain ``every`` that is not one.
    NotEnoughDataError
        No contacts at all (an empty selection). :func:`cxlab.load` already refuses a range
        outside the data (from the parquet footers, naming the range the data cover); a selection
        emptied by a filter is found here, from the sums.

    Notes
    -----
    Every KPI is a ratio of sums, so the sums are added up part by part and divided last: a lazy
    scan is read in one streaming pass that holds only the sums per group; FCR and the repeat
    rate are summed month by month, each month with the next ``fcr_window_days`` of contacts,
    where its repeats can come from. The numbers are those of one pass over all the rows: sums
    of 0 and 1 exactly, other sums up to the rounding of adding in another order (relative
    1e-12, see ``tests/features/test_kpi_partitions.py``).

    References
    ----------
    GrowthBook, ``SampleMeanStatistic`` (sufficient statistics that add across shards); the
    ratio of sums and its delta-method variance: Deng, Knoblich and Lu (2018), "Applying the
    Delta Method in Metric Analytics", KDD.

    Examples
    --------
    >>> import cxlab as cx
    >>> k = cx.features.kpi(cx.load("contacts"), ["fcr", "csat"], by=["channel"], every="1mo")
    >>> k.columns
    ['channel', 'period', 'kpi', 'value', 'numerator', 'denominator']
    >>> fcr = k.filter(kpi="fcr")
    >>> (fcr["value"] - fcr["numerator"] / fcr["denominator"]).abs().max() < 1e-12
    True
    """
    names = [names] if isinstance(names, str) else list(names)
    executor = check_executor(executor)
    dictionary = metrics(config)
    check_kpis(names, dictionary)
    if every is not None:
        every = check_every(every)
    time_zone = local_zone(time_zone)
    by = [by] if isinstance(by, str) else list(by)
    lf = contacts.lazy()
    present = lf.collect_schema().names()
    report = is_interval_report(present)
    grains = INTERVAL_GRAINS if report else GRAIN_COLUMNS
    missing = [c for c in by if c not in present or (report and c not in grains)]
    if missing:
        table = "the intervals table (an interval report)" if report else "the contacts table"
        raise OptionError(
            f"cannot group by {', '.join(map(repr, missing))}: not a column of {table} "
            f"(grains: {', '.join(c for c in grains if c in present)})."
        )
    if report:
        _check_interval_kpis(names, dictionary)
        if every is not None:
            check_report_grain(lf, every)
        wide = _report_sums(lf, names, dictionary, by, every, time_zone)
    else:
        wide = _contact_sums(lf, names, dictionary, by, every, time_zone, config, executor)
    keys = [*by, "period"] if every is not None else list(by)
    if wide.is_empty() or wide["__rows"].sum() == 0:
        what = "intervals" if report else "contacts"
        raise NotEnoughDataError(
            f"kpi: there are no {what} to measure (the table given is empty); check the range "
            "given to cx.load(start=, end=) and any filter applied before."
        )
    wide = wide.drop("__rows")
    # long output ordered by the keys, then the KPI name: sort the (small) wide frame, then
    # interleave by integer positions (sorting the long frame by strings is ten times slower)
    if keys:
        wide = wide.sort(keys)
    wide = wide.with_row_index("__i")
    frames = []
    for k, n in enumerate(sorted(names) if keys else names):
        m = dictionary[n]
        num, den = pl.col(f"{n}__num"), pl.col(f"{n}__den")
        # a count is its numerator; its denominator says whether anything was known
        value = pl.when(den > 0).then(num if m.unit == "count" else num / den).otherwise(None)
        frames.append(
            wide.select(
                "__i",
                pl.lit(k, dtype=pl.UInt32).alias("__k"),
                *keys,
                pl.lit(n).alias("kpi"),
                value.alias("value"),
                num.alias("numerator"),
                den.alias("denominator"),
            )
        )
    out = pl.concat(frames, rechunk=True)
    if keys:
        out = out.sort(["__i", "__k"])
    return out.drop("__i", "__k")


REPEAT_COLUMNS = ("_repeat", "_fcr_known")
"""The columns of :func:`with_repeats`: a KPI that reads them needs each customer's next contact."""


def _group_sums(
    lf: pl.LazyFrame,
    keys: list[str],
    names: Sequence[str],
    engine: str,
    extra: Sequence[pl.Expr] = (),
) -> pl.DataFrame:
    """The sums of each KPI's row-level numerator and denominator per group (``__rows``: rows;
    ``extra``: other aggregations)."""
    # row-level numerators and denominators first, then plain sums: polars aggregates a column
    # on its fast path, while an expression inside the aggregation is evaluated group by group
    aggs = [pl.col(f"{n}__{part}").sum().cast(pl.Float64) for n in names for part in ("num", "den")]
    aggs += [pl.len().alias("__rows"), *extra]
    query = lf.group_by(keys).agg(aggs) if keys else lf.select(aggs)
    return query.collect(engine=engine)


def _add_sums(parts: list[pl.DataFrame], keys: list[str]) -> pl.DataFrame:
    """Partial sums of several parts of the rows added up per group, in the order of the parts
    (every KPI is a ratio of sums, so the sums of the parts are the sums of the whole)."""
    return sums_in_order(pl.concat(parts), keys)


def _report_sums(
    lf: pl.LazyFrame,
    names: Sequence[str],
    dictionary: dict[str, Metric],
    by: list[str],
    every: str | None,
    time_zone: str,
) -> pl.DataFrame:
    """Sums per group over the rows of an interval report (a small table: one pass)."""
    keys = list(by)
    if every is not None:
        local = pl.col("interval_start").dt.convert_time_zone(time_zone)
        lf = lf.with_columns(local.dt.truncate(every).alias("period"))
        keys.append("period")
    terms = []
    for n in names:
        num, den = dictionary[n].intervals
        terms += [num.alias(f"{n}__num"), den.alias(f"{n}__den")]
    return _group_sums(lf.with_columns(terms), keys, names, "in-memory")


def _contact_sums(
    lf: pl.LazyFrame,
    names: Sequence[str],
    dictionary: dict[str, Metric],
    by: list[str],
    every: str | None,
    time_zone: str,
    config: MetricConfig | None,
    executor: Any = None,
) -> pl.DataFrame:
    """Sums per group over contacts, in a pass that holds only the sums in memory.

    KPIs that do not read the repeat window run in one streaming pass (the rows are read in
    batches, the sums per group added as they come). KPIs that do (FCR, repeat rate) run month
    by month of ``arrived_at``, each month with the contacts of the next ``fcr_window_days``
    that its repeats can come from, and the months' sums are added: the same values as one
    window over all the rows, without holding them all. Periods are cut by the zone's one UTC
    offset when it has one over the whole range of the data (checked after the pass; else the
    pass is made again, converting each timestamp).
    """
    config = config or MetricConfig()
    schema = lf.collect_schema()
    prepared = "_answered" in schema
    flags_repeats = not prepared and "_repeat" not in schema
    # the KPIs that read the repeat window are summed month by month, the others in one pass
    repeating = [n for n in names if flags_repeats and _reads_repeats(dictionary[n])]
    others = [n for n in names if n not in repeating]
    windowed = bool(repeating)
    when = schema.get("arrived_at")
    keys = list(by)
    offset = None
    if every is not None:
        keys.append("period")
        if isinstance(when, pl.Datetime) and when.time_zone is not None:
            offset = _zone_offset(time_zone, when.time_unit)

    terms = []
    for n in names:
        num, den = _terms_of(dictionary[n])
        terms += [(f"{n}__num", num), (f"{n}__den", den)]
    flagged = lf if prepared else lf.with_columns(_flags(config))
    if windowed:  # the columns the month windows add, for the types of the terms
        flagged = flagged.with_columns(pl.lit(False).alias(c) for c in REPEAT_COLUMNS)
    summands = dict(zip([t for t, _ in terms], _summands(terms, flagged), strict=True))

    def rows(local: int | None, kpis: list[str]) -> _Rows:
        terms = tuple(summands[f"{n}__{t}"] for n in kpis for t in ("num", "den"))
        return _Rows(None if prepared else config, every, time_zone, local, when, terms)

    def sums(local: int | None) -> pl.DataFrame:
        wide = None
        if others:
            wide = _group_sums(rows(local, others)(lf), keys, others, "streaming")
        if repeating:
            by_month = _windowed_sums(lf, rows(local, repeating), keys, repeating, config, executor)
            wide = by_month if wide is None else _join_sums(wide, by_month, keys)
        return wide

    if offset is not None:
        wide = sums(offset)
        # every contact's local time (by the offset) is inside its period, so the contacts lie
        # between the first period's start and the last one's end, less the offset
        # (physical values in the column's own unit, the unit of ``offset``)
        period = pl.col("period")
        first, end = wide.select(
            period.min().to_physical().alias("first"),
            period.max().dt.offset_by(every).to_physical().alias("end"),
        ).row(0)
        if first is None or _offset_holds(first - offset, end - offset, when, time_zone, offset):
            try:
                return wide.with_columns(
                    pl.col("period").dt.replace_time_zone(
                        time_zone, ambiguous="raise", non_existent="raise"
                    )
                )
            except pl.exceptions.PolarsError:  # a period starting in a clock change
                pass
    return sums(None)


@dataclass(frozen=True, eq=False)
class _Rows:
    """The row-level columns a pass sums: the flags (unless the table has them), the period and
    each KPI's numerator and denominator (a value, not a closure, so a worker can receive it)."""

    config: MetricConfig | None  # None: the table was prepared, its flags are there
    every: str | None
    time_zone: str
    local: int | None
    when: Any  # the type of arrived_at
    terms: tuple[pl.Expr, ...]

    def __call__(self, part: pl.LazyFrame) -> pl.LazyFrame:
        if self.config is not None:
            part = part.with_columns(_flags(self.config))
        if self.every is not None:
            period = _period(self.every, self.time_zone, self.local, self.when)
            part = part.with_columns(period.alias("period"))
        return part.with_columns(self.terms)


def _terms_of(m: Metric) -> tuple[pl.Expr, pl.Expr]:
    return m.numerator, m.denominator


def _reads_repeats(m: Metric) -> bool:
    return any(_may_read(e, REPEAT_COLUMNS) for e in _terms_of(m))


def _may_read(expr: pl.Expr, columns: Sequence[str]) -> bool:
    """Whether ``expr`` may read one of ``columns``: it names one, or somewhere selects columns
    by a pattern, a type, a position, several names or all at once (which polars resolves only
    against a table's columns, so it is taken to read them)."""
    if set(expr.meta.root_names()) & set(columns):
        return True
    nodes = [expr]
    while nodes:
        node = nodes.pop()
        if node.meta.has_multiple_outputs() or node.meta.is_regex_projection():
            return True
        nodes += node.meta.pop()
    return False


def _join_sums(wide: pl.DataFrame, more: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """The sums of two passes over the same rows, side by side (the same groups in both)."""
    more = more.drop("__rows")
    if not keys:
        return pl.concat([wide, more], how="horizontal")
    return wide.join(more, on=keys, how="full", coalesce=True, nulls_equal=True)


def _summands(terms: list[tuple[str, pl.Expr]], frame: pl.LazyFrame) -> list[pl.Expr]:
    """Each term as the column that is summed: a 0/1 term (a boolean cast to Float64) as the
    boolean, which polars counts faster than it adds floats; the count is the same sum, made a
    Float64 after the group-by (see :func:`_group_sums`)."""
    inner = {}
    for name, term in terms:
        inputs = term.meta.pop()
        if len(inputs) == 1 and any(
            term.meta.eq(inputs[0].cast(pl.Float64, strict=strict)) for strict in (True, False)
        ):
            inner[name] = inputs[0]
    if inner:
        schema = frame.select(e.alias(n) for n, e in inner.items()).collect_schema()
        inner = {n: e for n, e in inner.items() if schema[n] == pl.Boolean}
    return [inner.get(name, term).alias(name) for name, term in terms]


def _windowed_sums(
    lf: pl.LazyFrame,
    rows: Callable[[pl.LazyFrame], pl.LazyFrame],
    keys: list[str],
    names: Sequence[str],
    config: MetricConfig,
    executor: Any = None,
) -> pl.DataFrame:
    """The sums of KPIs that read the repeat window, month by month (see :func:`_contact_sums`):
    each month a task of ``executor``, the sums added here in month order."""
    at = pl.col("arrived_at")
    dtype = lf.collect_schema()["arrived_at"]
    span = lf.select(
        at.to_physical().min().alias("lo"),
        at.to_physical().max().alias("hi"),
        at.null_count().alias("nulls"),
    ).collect(engine="streaming")
    lo, hi, nulls = span.row(0)
    months = (
        _month_starts(lo, hi, dtype) if isinstance(dtype, pl.Datetime) and lo is not None else []
    )
    if nulls or len(months) < 3:  # nothing to gain (or rows without a time): one window
        end = at.max()
        return _group_sums(
            rows(lf.with_columns(_repeat_columns(config.fcr_window_days, end))),
            keys,
            names,
            "in-memory",
        )
    window = config.fcr_window_days * 86_400 * _per_second(dtype.time_unit)
    spans = list(itertools.pairwise(months))
    table = Shared(lf, broadcast=True)  # a plan over files, or the rows of a collected table
    tasks = [
        (table, dtype, start, stop, hi, window, rows, keys, names, config) for start, stop in spans
    ]
    labels = [
        f"month {dt.datetime.fromtimestamp(start // _per_second(dtype.time_unit), dt.UTC):%Y-%m}"
        for start, _ in spans
    ]
    parts = fan_out(_month_sums, tasks, executor=executor, names=labels)
    return _add_sums(parts, keys)  # in month order, wherever the months were summed


def _month_sums(
    lf: pl.LazyFrame,
    dtype: pl.Datetime,
    start: int,
    stop: int,
    hi: int,
    window: int,
    rows: Callable[[pl.LazyFrame], pl.LazyFrame],
    keys: list[str],
    names: Sequence[str],
    config: MetricConfig,
) -> pl.DataFrame:
    """The sums of one month ``[start, stop)`` (physical values of ``arrived_at``), its repeats
    read from the next ``window`` too; ``hi`` is the newest contact, ``dtype`` the type of
    ``arrived_at`` (runs in a worker)."""
    at = pl.col("arrived_at")
    stamp = lambda value: pl.lit(value, dtype=pl.Int64).cast(dtype)  # noqa: E731
    end = stamp(hi)
    # this month's contacts and those of the next window_days, where a repeat can come from
    near = lf.filter((at >= stamp(start)) & (at <= stamp(stop + window)))
    for hashed in (True, False):
        if hashed:  # sorted by a hash of the topic (fast), unless two topics share a hash
            part = near.with_columns(_topic_key().alias("__topic"))
            part = part.sort(["__topic", "arrived_at"], maintain_order=True)
            part = part.with_columns(_clash(pl.col("__topic")).alias("__clash"))
        else:
            part = near.sort([*TOPIC, "arrived_at"], maintain_order=True)
        part = part.with_columns(_sorted_repeat_columns(config.fcr_window_days, end))
        part = part.filter(at < stamp(stop))
        extra = [pl.col("__clash").any()] if hashed else []
        sums = _group_sums(rows(part), keys, names, "in-memory", extra)
        if not hashed or not sums["__clash"].any():
            break
    return sums.drop("__clash", strict=False)


TOPIC = ("customer_id", "category")
"""A repeat is a later contact of the same customer on the same (level-1) topic."""


def _topic_key() -> pl.Expr:
    """A 64-bit hash of the customer and the topic: sorted by it and by arrival, each
    customer's contacts on a topic come together and in time order, about three times faster
    than sorted by the two texts (a hash that two topics share is found by :func:`_clash`)."""
    return pl.struct(*TOPIC).hash(seed=0)


def _clash(key: pl.Expr) -> pl.Expr:
    """Whether rows sorted by ``key`` hold two topics with the same key: neighbours with the same
    key and another customer or topic (then the window is sorted by the texts themselves)."""
    same = pl.all_horizontal(pl.col(c).eq_missing(pl.col(c).shift(-1)) for c in TOPIC)
    return ((key == key.shift(-1)) & ~same).any()


def _sorted_repeat_columns(window_days: int, end: pl.Expr) -> list[pl.Expr]:
    """:func:`_repeat_columns` over rows sorted by customer, category and arrival: each
    contact's next one on the same topic is the next row when that row has the same customer
    and category (a sort and a shift, where a window per customer and topic is many small
    sorts)."""
    window = pl.duration(days=window_days)
    at = pl.col("arrived_at")
    same = pl.all_horizontal(pl.col(c).eq_missing(pl.col(c).shift(-1)) for c in TOPIC)
    nxt = pl.when(same).then(at.shift(-1))
    return [
        ((nxt - at) <= window).fill_null(False).alias("_repeat"),
        ((at + window) <= end).alias("_fcr_known"),
    ]


def _per_second(time_unit: str) -> int:
    return {"ns": 1_000_000_000, "us": 1_000_000, "ms": 1_000}[time_unit]


def _month_starts(lo: int, hi: int, dtype: pl.Datetime) -> list[int]:
    """The UTC month starts from the month of ``lo`` to the one after ``hi`` (physical values
    of ``dtype``), the bounds the store partitions contacts by."""
    scale = _per_second(dtype.time_unit)
    first = dt.datetime.fromtimestamp(lo // scale, dt.UTC)
    last = dt.datetime.fromtimestamp(hi // scale, dt.UTC)
    year, month = first.year, first.month
    starts = []
    while (year, month) <= (last.year, last.month):
        starts.append(int(dt.datetime(year, month, 1, tzinfo=dt.UTC).timestamp()) * scale)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    starts.append(int(dt.datetime(year, month, 1, tzinfo=dt.UTC).timestamp()) * scale)
    return starts


def _zone_offset(time_zone: str, time_unit: str) -> int | None:
    """The zone's UTC offset (in ``time_unit``) when it is the same in January and July this
    year (a zone without daylight saving time), else ``None``."""
    zone = ZoneInfo(time_zone)
    year = dt.datetime.now(dt.UTC).year
    offsets = {dt.datetime(year, m, 1, tzinfo=zone).utcoffset() for m in (1, 7)}
    if len(offsets) != 1:
        return None
    (offset,) = offsets
    seconds = offset.days * 86_400 + offset.seconds
    if offset.microseconds:
        return None
    return seconds * _per_second(time_unit)


def _offset_holds(lo: int, hi: int, dtype: pl.Datetime, time_zone: str, offset: int) -> bool:
    """Whether every instant in ``[lo, hi]`` (physical values of ``dtype``) is ``offset`` from UTC
    in the zone: checked every 15 minutes and at both ends (no zone changes its offset twice in
    15 minutes)."""
    step = 900 * _per_second(dtype.time_unit)
    if (hi - lo) // step > 10_000_000:
        return False
    instants = pl.concat([pl.int_range(lo, hi, step, eager=True), pl.Series([hi])])
    utc = instants.cast(pl.Datetime(dtype.time_unit, "UTC"))
    wall = utc.dt.convert_time_zone(time_zone).dt.replace_time_zone(None).to_physical()
    return bool(((wall - instants) == offset).all())


def _period(every: str, time_zone: str, offset: int | None, dtype) -> pl.Expr:
    """The local period of ``arrived_at``: by the zone's one ``offset`` (a naive local time; the
    zone is set on the few periods after the sums) or, with ``offset=None``, by converting each
    timestamp to the zone."""
    at = pl.col("arrived_at")
    if offset is None:
        return at.dt.convert_time_zone(time_zone).dt.truncate(every)
    return (at.to_physical() + offset).cast(pl.Datetime(dtype.time_unit)).dt.truncate(every)


INTERVAL_GRAINS = ("queue", "channel")
"""What an interval report can be grouped by: it has no category, region or agent."""


def is_interval_report(columns: Sequence[str]) -> bool:
    """Whether a table with these columns is the ``intervals`` table (sums per queue and interval)."""
    return "interval_start" in columns and "offered" in columns


def _check_interval_kpis(names: Sequence[str], dictionary: dict[str, Metric]) -> None:
    per_contact = [n for n in names if dictionary[n].intervals is None]
    if per_contact:
        able = [n for n, m in dictionary.items() if m.intervals is not None]
        raise OptionError(
            f"kpi: {', '.join(map(repr, per_contact))} need(s) each contact (the contacts table); "
            "the intervals table has only sums per queue and interval, which determine "
            f"{', '.join(able)}."
        )


def check_report_grain(lf: pl.LazyFrame, every: str) -> int | None:
    """The longest interval of a report, after refusing a grain ``every`` that would split it (a
    sum cannot be split); a calendar period (month, quarter, year) holds whole intervals."""
    longest = lf.select(pl.col("interval_minutes").max()).collect().item()
    try:
        minutes = every_minutes(every)
    except OptionError:
        return longest
    if longest is not None and (minutes < longest or minutes % longest):
        raise OptionError(
            f"every={every!r} would split the interval report's {longest}-minute intervals; use "
            f"a multiple of {longest} minutes, or '1d' and longer."
        )
    return longest


def check_kpis(names: Sequence[str], dictionary: dict[str, Metric]) -> None:
    """Refuse a name that is not a KPI ``kpi`` can compute, saying how to declare one."""
    unknown = [n for n in names if n not in dictionary]
    if not unknown:
        return
    declared = declared_metrics()
    columns = [n for n in unknown if n in declared]
    if columns:
        raise OptionError(
            f"kpi: {', '.join(map(repr, columns))} {'is' if len(columns) == 1 else 'are'} declared "
            "without numerator= and denominator= (a column of a per-unit table), so it cannot be "
            "summed over contacts; declare it again with both, e.g. "
            "cxlab.features.declare_metric(name, label=..., unit='share', higher_is_better=True, "
            "numerator=pl.col(...), denominator=pl.col(...))."
        )
    raise OptionError(
        f"kpi: unknown metric {', '.join(map(repr, unknown))}; the metric dictionary has "
        f"{', '.join(dictionary)}. Declare your own with cxlab.features.declare_metric(name, "
        "label={'zh': ..., 'en': ...}, unit=..., higher_is_better=..., numerator=pl.col(...), "
        "denominator=pl.col(...))."
    )


def kpi_table(
    contacts: pl.LazyFrame | pl.DataFrame, names: Sequence[str], **kwargs
) -> pl.DataFrame:
    """KPIs side by side (one column per KPI, named by the KPI), for tables in reports; the
    options are :func:`kpi`'s. A table shown with :func:`cxlab.viz.table` heads each column with
    the KPI's label in the reader's language (a declared metric's own label) and formats its
    values by the KPI's unit (a share as a percentage)."""
    long = kpi(contacts, names, **kwargs)
    # a column named by a KPI is formatted by the KPI's unit wherever a table shows it
    dictionary = metrics(kwargs.get("config"))
    register_units({n: dictionary[n].unit for n in set(long["kpi"].to_list())})
    keys = [c for c in long.columns if c not in ("kpi", "value", "numerator", "denominator")]
    if not keys:
        return long.select("kpi", "value").transpose(column_names="kpi")
    return long.pivot(on="kpi", index=keys, values="value").sort(keys)


def require_rows(frame: pl.DataFrame | pl.LazyFrame, what: str, *, minimum: int = 1) -> None:
    """Raise :class:`NotEnoughDataError` when ``frame`` has fewer than ``minimum`` rows."""
    n = frame.lazy().select(pl.len()).collect().item()
    if n < minimum:
        raise NotEnoughDataError(f"{what}: {n} rows, at least {minimum} needed.")
