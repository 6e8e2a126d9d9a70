"""Computing KPIs from the contacts table at any grain, from the one metric dictionary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError
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
    lf = contacts.lazy()
    window = pl.duration(days=window_days)
    nxt = pl.col("arrived_at").shift(-1).over(["customer_id", "category"], order_by="arrived_at")
    end = pl.lit(data_end) if data_end is not None else pl.col("arrived_at").max()
    return lf.with_columns(
        ((nxt - pl.col("arrived_at")) <= window).fill_null(False).alias("_repeat"),
        ((pl.col("arrived_at") + window) <= end).alias("_fcr_known"),
    )


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
        emptied by a filter is found here, where the contacts are collected, at no extra scan.

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
    elif "_answered" not in present:
        lf = prepare(lf, config)
    keys = list(by)
    if every is not None:
        when = "interval_start" if report else "arrived_at"
        local = pl.col(when).dt.convert_time_zone(time_zone)
        lf = lf.with_columns(local.dt.truncate(every).alias("period"))
        keys.append("period")
    # row-level numerators and denominators first, then plain sums: polars aggregates a column
    # on its fast path, while an expression inside the aggregation is evaluated group by group
    terms = []
    for n in names:
        m = dictionary[n]
        num, den = m.intervals if report else (m.numerator, m.denominator)
        terms += [num.alias(f"{n}__num"), den.alias(f"{n}__den")]
    lf = lf.with_columns(terms)
    aggs = [pl.col(f"{n}__{part}").sum() for n in names for part in ("num", "den")]
    aggs.append(pl.len().alias("__rows"))
    wide = (lf.group_by(keys).agg(aggs) if keys else lf.select(aggs)).collect()
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
