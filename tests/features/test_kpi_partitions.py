"""KPIs summed part by part give the numbers of one pass over all the contacts.

``cx.features.kpi`` adds up partial sums: a streaming pass in batches, or, for the KPIs that read
the repeat window (FCR, repeat rate), month by month with the next ``fcr_window_days`` of each
month; periods are cut by the zone's one UTC offset when it holds over the data. The reference
here is the one-pass computation written with plain polars: the repeat window over every row,
thresholds looked up with ``replace_strict``, each timestamp converted to the zone, one
in-memory group-by.

Tolerance: numerators and denominators of counts and shares (sums of 0 and 1) are equal exactly;
sums of seconds, scores and transfers are equal to a relative 1e-12 (the same terms added in
another order), and so are the values.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import cxlab as cx
from cxlab.data._schemas import TABLES
from cxlab.features import (
    MetricConfig,
    _kpi,
    _metrics,
    declare_metric,
    kpi,
    metrics,
    prepare,
    with_repeats,
)

REL = 1e-12
EXACT_UNITS = ("share", "count")


# -- the reference: one pass, as the KPIs were computed before ---------------------------------


def _lookup(column: pl.Expr, mapping: dict) -> pl.Expr:
    return column.replace_strict(mapping, default=None, return_dtype=pl.Float64)


def reference_flags(config: MetricConfig) -> list[pl.Expr]:
    sl = _lookup(pl.col("channel"), config.sl_seconds)
    by_priority = {k: v for k, v in config.sl_seconds_by_priority.items() if "/" not in k}
    by_pair = {k: v for k, v in config.sl_seconds_by_priority.items() if "/" in k}
    if by_priority:
        sl = pl.coalesce(_lookup(pl.col("priority"), by_priority), sl)
    if by_pair:
        pair = pl.concat_str(pl.col("channel"), pl.lit("/"), pl.col("priority"))
        sl = pl.coalesce(_lookup(pair, by_pair), sl)
    short = pl.col("abandoned") & (pl.col("wait_seconds") < config.short_abandon_seconds)
    offered = pl.lit(True) if config.count_short_abandons else ~short
    answered = pl.col("answered_at").is_not_null()
    resolve_h = (pl.col("resolved_at") - pl.col("arrived_at")).dt.total_seconds() / 3600
    never = resolve_h.fill_null(float("inf"))
    return [
        pl.lit(1.0).alias("_one"),
        pl.col("channel").is_in(["phone", "chat"]).alias("_rt"),
        offered.alias("_offered"),
        answered.alias("_answered"),
        (answered & (pl.col("wait_seconds") <= sl)).alias("_within_sl"),
        (pl.col("abandoned") & offered).alias("_abandoned"),
        resolve_h.alias("_resolve_h"),
        (
            answered
            & (pl.col("wait_seconds") <= _lookup(pl.col("priority"), config.sla_answer_seconds))
        ).alias("_sla_answered"),
        (never <= _lookup(pl.col("priority"), config.sla_resolve_hours)).alias("_sla_resolved"),
        (never <= config.resolution_hours).alias("_resolved_within"),
        pl.col("complaint_type").is_not_null().alias("_complaint"),
        (never <= _lookup(pl.col("complaint_type"), config.complaint_promise_hours)).alias(
            "_complaint_closed"
        ),
    ]


def reference(
    contacts: pl.LazyFrame | pl.DataFrame,
    names: list[str],
    *,
    by: list[str],
    every: str | None,
    time_zone: str,
    config: MetricConfig | None = None,
) -> pl.DataFrame:
    config = config or MetricConfig()
    dictionary = metrics(config)
    at = pl.col("arrived_at")
    window = pl.duration(days=config.fcr_window_days)
    nxt = at.shift(-1).over(["customer_id", "category"], order_by="arrived_at")
    lf = contacts.lazy().with_columns(
        ((nxt - at) <= window).fill_null(False).alias("_repeat"),
        ((at + window) <= at.max()).alias("_fcr_known"),
    )
    lf = lf.with_columns(reference_flags(config))
    keys = list(by)
    if every is not None:
        lf = lf.with_columns(at.dt.convert_time_zone(time_zone).dt.truncate(every).alias("period"))
        keys.append("period")
    # each row's terms first (a literal term is one per row), then their sums
    terms = []
    for n in names:
        m = dictionary[n]
        terms += [m.numerator.alias(f"{n}|num"), m.denominator.alias(f"{n}|den")]
    lf = lf.with_columns(terms)
    aggs = [pl.col(f"{n}|{part}").sum() for n in names for part in ("num", "den")]
    wide = (lf.group_by(keys).agg(aggs) if keys else lf.select(aggs)).collect(engine="in-memory")
    long = pl.concat(
        [
            wide.select(
                *keys,
                pl.lit(n).alias("kpi"),
                pl.col(f"{n}|num").alias("numerator"),
                pl.col(f"{n}|den").alias("denominator"),
            )
            for n in names
        ]
    )
    # ordered as kpi orders its rows: by the groups (nulls first), then the KPI name
    return long.sort([*keys, "kpi"]) if keys else long


def assert_same(
    contacts: pl.LazyFrame | pl.DataFrame,
    names: list[str],
    *,
    by: list[str],
    every: str | None,
    time_zone: str,
    config: MetricConfig | None = None,
) -> pl.DataFrame:
    """``kpi`` against the reference: the same groups and periods (values and types), and the
    same sums, exactly for counts and shares, to 1e-12 for other sums; returns ``kpi``'s."""
    got = kpi(contacts, names, by=by, every=every, time_zone=time_zone, config=config)
    want = reference(contacts, names, by=by, every=every, time_zone=time_zone, config=config)
    keys = [*by, "period"] if every is not None else list(by)
    assert got.columns == [*keys, "kpi", "value", "numerator", "denominator"]
    schema = contacts.lazy().collect_schema()
    for c in by:
        assert got.schema[c] == schema[c]
    if every is not None:
        assert got.schema["period"] == pl.Datetime(schema["arrived_at"].time_unit, time_zone)
    order = got  # the same rows in the same order
    assert order.height == want.height
    for c in [*keys, "kpi"]:
        assert order[c].equals(want[c]), c
    dictionary = metrics(config)
    units = order["kpi"].replace_strict({n: dictionary[n].unit for n in names})
    exact = units.is_in(EXACT_UNITS).to_numpy()
    for part in ("numerator", "denominator"):
        a, b = order[part].to_numpy(), want[part].to_numpy()
        assert np.array_equal(a[exact], b[exact]), part
        assert np.allclose(a[~exact], b[~exact], rtol=REL, atol=0.0), part
    den = want["denominator"].to_numpy()
    count = (units == "count").to_numpy()
    num = want["numerator"].to_numpy()
    expected = np.where(count, num, num / np.where(den > 0, den, 1.0))
    value = order["value"].to_numpy().astype(float)
    known = den > 0
    assert np.isnan(value[~known]).all()
    assert np.allclose(value[known], expected[known], rtol=REL, atol=0.0)
    return got


ALL = list(metrics())


# -- the tiny workspace: a lazy scan of its month partitions ------------------------------------


@pytest.fixture(scope="module")
def scan(tiny_workspace: Path) -> pl.LazyFrame:
    return cx.load("contacts", workspace=tiny_workspace)


GROUPINGS = [
    ([], None, "Asia/Shanghai"),
    (["channel"], "1mo", "Asia/Shanghai"),
    (["queue"], "30m", "Asia/Shanghai"),
    (["category", "priority"], "1d", "Asia/Shanghai"),
    (["agent_id"], "1w", "Asia/Kolkata"),
    (["region", "complaint_type"], "1q", "UTC"),
    (["channel"], "1h", "America/New_York"),
    (["queue"], "1y", "Europe/London"),
]


@pytest.mark.parametrize(("by", "every", "zone"), GROUPINGS)
def test_every_kpi_equals_one_pass_on_the_month_partitions(scan, by, every, zone) -> None:
    out = assert_same(scan, ALL, by=by, every=every, time_zone=zone)
    assert out["kpi"].n_unique() == len(ALL)
    assert out.filter(kpi="contacts")["numerator"].sum() == scan.select(pl.len()).collect().item()


def test_kpis_without_the_repeat_window_equal_one_pass(scan, monkeypatch) -> None:
    checks: list[bool] = []
    holds = _kpi._offset_holds
    monkeypatch.setattr(_kpi, "_offset_holds", lambda *a: checks.append(holds(*a)) or checks[-1])
    names = ["answer_rate", "asa", "aht", "service_level", "csat", "complaint_rate"]
    assert_same(scan, names, by=["queue"], every="30m", time_zone="Asia/Shanghai")
    assert_same(scan, names, by=[], every=None, time_zone="Asia/Shanghai")
    assert checks == [True]  # half hours cut by Shanghai's one offset (UTC+8), checked once


def test_fcr_is_summed_month_by_month_with_the_next_week(scan, monkeypatch) -> None:
    parts: list[int] = []
    add = _kpi._add_sums
    monkeypatch.setattr(_kpi, "_add_sums", lambda p, k: parts.append(len(p)) or add(p, k))
    config = MetricConfig(fcr_window_days=3)
    assert_same(
        scan, ["fcr", "repeat_rate"], by=["channel"], every="1d", time_zone="UTC", config=config
    )
    months = scan.select(pl.col("arrived_at").dt.strftime("%Y-%m").n_unique()).collect().item()
    assert parts == [months]  # one part per month of the data, added once


def test_topics_sharing_a_hash_are_sorted_by_their_texts(scan, monkeypatch) -> None:
    # each month's sums say whether the hash sort found two topics sharing a key ("clash");
    # after one, the month is summed again sorted by the texts ("texts")
    passes: list[str] = []
    group_sums = _kpi._group_sums

    def logged(*args, **kwargs):
        out = group_sums(*args, **kwargs)
        if "__clash" in out.columns:
            passes.append("clash" if out["__clash"].any() else "hashed")
        else:
            passes.append("texts")
        return out

    monkeypatch.setattr(_kpi, "_group_sums", logged)
    months = scan.select(pl.col("arrived_at").dt.strftime("%Y-%m").n_unique()).collect().item()
    names, by = ["fcr", "repeat_rate"], ["queue"]
    # the real hash: no two topics share a key, each month is summed once
    assert_same(scan, names, by=by, every="1mo", time_zone="UTC")
    assert passes == ["hashed"] * months
    # every topic given the same key: each month finds the clash and is sorted by the texts
    passes.clear()
    monkeypatch.setattr(_kpi, "_topic_key", lambda: pl.lit(0, dtype=pl.UInt64))
    assert_same(scan, names, by=by, every="1mo", time_zone="UTC")
    assert passes == ["clash", "texts"] * months


def test_a_prepared_table_is_used_as_it_is(scan) -> None:
    names = ["fcr", "asa", "sla_resolved"]
    got = kpi(prepare(scan), names, by=["channel"], every="1mo")
    want = assert_same(scan, names, by=["channel"], every="1mo", time_zone="Asia/Shanghai")
    assert got.drop("value", "numerator", "denominator").equals(
        want.drop("value", "numerator", "denominator")
    )
    assert np.allclose(got["numerator"].to_numpy(), want["numerator"].to_numpy(), rtol=REL)


def test_declared_ratio_metrics_are_summed_like_the_dictionary(scan) -> None:
    f = pl.col
    declare_metric(
        "long_calls",
        label={"zh": "长通话占比", "en": "Calls over ten minutes"},
        unit="share",
        higher_is_better=False,
        numerator=(f("handle_seconds") > 600).cast(pl.Float64),
        denominator=pl.lit(1.0),
    )
    declare_metric(
        "repeat_complaints",
        label={"zh": "投诉后再联系率", "en": "Complaints followed by a repeat"},
        unit="share",
        higher_is_better=False,
        numerator=(f("_complaint") & f("_fcr_known") & f("_repeat")).cast(pl.Float64),
        denominator=(f("_complaint") & f("_fcr_known")).cast(pl.Float64),
    )
    declare_metric(
        "wait_per_contact",
        label={"zh": "每次联系等待", "en": "Wait per contact"},
        unit="seconds",
        higher_is_better=False,
        numerator=f("wait_seconds").fill_null(0.0),
        denominator=f("_one"),
    )
    names = ["long_calls", "repeat_complaints", "wait_per_contact", "fcr"]
    out = assert_same(scan, names, by=["region"], every="1mo", time_zone="Asia/Shanghai")
    assert out.filter(kpi="repeat_complaints")["denominator"].sum() > 0


def test_a_metric_selecting_columns_by_pattern_reads_the_repeat_window(scan, monkeypatch) -> None:
    # terms that select columns by a pattern, a type, a position or all at once may read
    # ``_repeat``: they are summed month by month, each month with the next week's contacts
    f = pl.col
    monkeypatch.setattr(_metrics, "_DECLARED", dict(_metrics._DECLARED))
    declare_metric(
        "repeats_by_pattern",
        label={"zh": "再联系率", "en": "Repeat rate"},
        unit="share",
        higher_is_better=False,
        numerator=pl.all_horizontal(f("_answered"), f("^_(fcr_known|repeat)$")).cast(pl.Float64),
        denominator=pl.all_horizontal(f("_answered"), f("^_fcr_known$")).cast(pl.Float64),
    )
    out = assert_same(
        scan,
        ["repeats_by_pattern", "repeat_rate"],
        by=["channel"],
        every="1mo",
        time_zone="Asia/Shanghai",
    )
    mine, theirs = (out.filter(kpi=n) for n in ("repeats_by_pattern", "repeat_rate"))
    assert mine["numerator"].equals(theirs["numerator"])
    assert mine["numerator"].sum() > 0
    window = _kpi.REPEAT_COLUMNS
    for term in (pl.all(), pl.nth(3), f(pl.Boolean), f("_answered", "_one"), f("^_rep.*$")):
        assert _kpi._may_read(pl.lit(True) & term.cast(pl.Float64).sum(), window)
    assert not _kpi._may_read(f("_answered").cast(pl.Float64) * f("_one"), window)
    assert _kpi._may_read(f("_answered") & f("_fcr_known"), window)


# -- hand-built contacts: repeats across month ends, zones whose offset changed -----------------


def contacts_between(start: dt.datetime, end: dt.datetime, n: int, seed: int) -> pl.DataFrame:
    """``n`` valid contacts spread over ``[start, end)``, from 40 customers on 2 topics, so that
    many repeats fall across a month's end."""
    rng = np.random.default_rng(seed)
    span = (end - start).total_seconds()
    arrived = sorted(start + dt.timedelta(seconds=float(s)) for s in rng.uniform(0, span, n))
    channel = rng.choice(["phone", "chat", "email", "social"], n)
    abandoned = (rng.random(n) < 0.15) & np.isin(channel, ["phone", "chat"])
    wait = np.round(rng.exponential(40.0, n), 3)
    handle = np.round(rng.gamma(4.0, 80.0, n), 3)
    resolve = rng.exponential(30.0, n)
    rows = []
    for i in range(n):
        a = arrived[i]
        gone = bool(abandoned[i])
        answered = None if gone else a + dt.timedelta(seconds=float(wait[i]))
        rows.append(
            {
                "contact_id": f"K{i:06d}",
                "customer_id": f"C{rng.integers(40):03d}",
                "channel": str(channel[i]),
                "queue": f"{channel[i]}_q{rng.integers(2)}",
                "category": str(rng.choice(["Billing", "Delivery"])),
                "category_l2": "Charges",
                "category_l3": "Double charge",
                "complaint_type": str(rng.choice(["logistics", "refund"]))
                if rng.random() < 0.2
                else None,
                "priority": str(rng.choice(["P1", "P2", "P3"])),
                "region": str(rng.choice(["Shanghai", "Beijing"])),
                "arrived_at": a,
                "answered_at": answered,
                "resolved_at": None
                if gone or rng.random() < 0.1
                else answered + dt.timedelta(hours=float(resolve[i])),
                "abandoned": gone,
                "wait_seconds": float(wait[i]),
                "handle_seconds": None if gone else float(handle[i]),
                "agent_id": None if gone else f"A{rng.integers(5)}",
                "first_contact_resolution": None if gone else bool(rng.random() < 0.7),
                "transfers": int(rng.integers(3)),
                "csat": int(rng.integers(1, 6)) if rng.random() < 0.3 else None,
            }
        )
    frame = pl.DataFrame(rows, schema=TABLES["contacts"].columns)
    return cx.data.validate(frame, "contacts")


@pytest.fixture(scope="module")
def winter_2024() -> pl.DataFrame:
    """Mid-January to early May 2024 (Almaty moved from UTC+6 to UTC+5 on 1 March 2024)."""
    utc = dt.UTC
    return contacts_between(
        dt.datetime(2024, 1, 15, tzinfo=utc), dt.datetime(2024, 5, 10, tzinfo=utc), 3000, 5
    )


def test_repeats_across_month_ends_are_found(winter_2024) -> None:
    # the contacts a week before a month's end are repeated by contacts of the next month
    out = assert_same(
        winter_2024.lazy(), ["fcr", "repeat_rate"], by=["category"], every="1mo", time_zone="UTC"
    )
    flags = with_repeats(winter_2024).collect()
    last_week = pl.col("arrived_at").dt.day() >= 25
    crossing = flags.filter(last_week & pl.col("_repeat") & pl.col("_fcr_known")).height
    assert crossing > 50
    assert (
        out.filter(kpi="repeat_rate")["numerator"].sum()
        == flags.filter(
            pl.col("_repeat") & pl.col("_fcr_known") & pl.col("answered_at").is_not_null()
        ).height
    )


@pytest.fixture(scope="module")
def summer_2012() -> pl.DataFrame:
    """June 2012 (Moscow was UTC+4 from 2011 to October 2014, UTC+3 before and after)."""
    utc = dt.UTC
    return contacts_between(
        dt.datetime(2012, 6, 1, tzinfo=utc), dt.datetime(2012, 7, 1, tzinfo=utc), 600, 11
    )


def in_unit(frame: pl.DataFrame, unit: str) -> pl.DataFrame:
    """The contacts with every timestamp in ``unit`` (``pl.from_pandas`` gives ``ns``)."""
    return frame.with_columns(pl.col(pl.Datetime).dt.cast_time_unit(unit))


@pytest.mark.parametrize("unit", ["us", "ns", "ms"])
@pytest.mark.parametrize(
    ("zone", "every"),
    [
        ("Asia/Almaty", "1h"),  # its offset today (UTC+5) is not the one of January 2024
        ("Asia/Almaty", "1d"),
        ("Asia/Kathmandu", "15m"),  # UTC+5:45
        ("America/New_York", "1d"),  # daylight saving time from 10 March 2024
        ("Asia/Shanghai", "1w"),
        ("Europe/Moscow", "1d"),  # UTC+4 in 2012, UTC+3 today and in 1970
    ],
)
def test_periods_in_zones_whose_offset_changes(winter_2024, summer_2012, zone, every, unit) -> None:
    contacts = in_unit(summer_2012 if zone == "Europe/Moscow" else winter_2024, unit)
    for data in (contacts, contacts.lazy()):
        assert_same(data, ALL, by=["channel"], every=every, time_zone=zone)


@pytest.mark.parametrize("unit", ["us", "ns", "ms"])
def test_a_contact_counts_on_its_local_day_whatever_the_time_unit(summer_2012, unit) -> None:
    # 20:30 UTC on 10 June 2012 is 00:30 on 11 June in Moscow (UTC+4 then)
    late = pl.lit(dt.datetime(2012, 6, 10, 20, 30, tzinfo=dt.UTC))
    one = summer_2012.head(1).with_columns(late.alias("arrived_at"))
    contacts = in_unit(one.cast(summer_2012.schema), unit)
    out = kpi(contacts, ["contacts"], every="1d", time_zone="Europe/Moscow")
    assert out["period"].dt.date().to_list() == [dt.date(2012, 6, 11)]
    assert out["numerator"].to_list() == [1.0]


def test_the_zone_offset_is_checked_over_the_data() -> None:
    dtype = pl.Datetime("us", "UTC")
    us = lambda *a: int(dt.datetime(*a, tzinfo=dt.UTC).timestamp()) * 10**6  # noqa: E731
    five, six = 5 * 3600 * 10**6, 6 * 3600 * 10**6
    assert _kpi._zone_offset("Asia/Almaty", "us") == five
    assert _kpi._zone_offset("America/New_York", "us") is None
    # Almaty was UTC+6 until 29 February 2024 18:00 UTC, then UTC+5
    assert _kpi._offset_holds(us(2024, 1, 1), us(2024, 2, 29, 17, 59), dtype, "Asia/Almaty", six)
    assert not _kpi._offset_holds(us(2024, 1, 1), us(2024, 3, 5), dtype, "Asia/Almaty", five)
    assert not _kpi._offset_holds(us(2024, 1, 1), us(2024, 3, 5), dtype, "Asia/Almaty", six)
    assert _kpi._offset_holds(us(2024, 3, 1), us(2026, 3, 5), dtype, "Asia/Almaty", five)


def test_no_contacts_is_still_refused(winter_2024) -> None:
    empty = winter_2024.lazy().filter(pl.col("channel") == "fax")
    for names in (["fcr"], ["asa"]):
        with pytest.raises(cx.NotEnoughDataError, match="no contacts"):
            kpi(empty, names, by=["queue"], every="1d")
