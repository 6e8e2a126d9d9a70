"""The interval report as a source: KPIs, series, patience, handle time and replays from its sums
equal the ones computed from the contacts it sums, and what it cannot tell is refused by name."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest

import cxlab as cx
from cxlab._config import settings
from cxlab._errors import WorkspaceError

SUMMABLE = [
    "offered",
    "answered",
    "answer_rate",
    "abandonment_rate",
    "service_level",
    "asa",
    "aht",
]


@pytest.fixture(scope="module")
def contacts(tiny_workspace: Path) -> pl.DataFrame:
    return cx.load("contacts", workspace=tiny_workspace).collect()


@pytest.fixture(scope="module")
def queues(tiny_workspace: Path) -> pl.DataFrame:
    return cx.load("queues", workspace=tiny_workspace).collect()


@pytest.fixture(scope="module")
def report(contacts: pl.DataFrame) -> pl.DataFrame:
    return cx.features.interval_report(contacts, every="30m")


def test_the_report_is_a_valid_intervals_table(report: pl.DataFrame) -> None:
    typed = cx.data.validate(report, "intervals", source="report")
    assert typed.columns == list(cx.data.TABLES["intervals"].columns)
    assert typed.height == report.height > 1000


@pytest.mark.parametrize("by", [[], ["channel"], ["queue"]])
def test_kpis_from_interval_sums_equal_the_kpis_from_contacts(
    contacts: pl.DataFrame, report: pl.DataFrame, tiny_workspace: Path, by: list[str]
) -> None:
    zone = settings(tiny_workspace).time_zone
    a = cx.features.kpi(contacts, SUMMABLE, by=by, every="1d", time_zone=zone)
    b = cx.features.kpi(report, SUMMABLE, by=by, every="1d", time_zone=zone)
    keys = [*by, "period", "kpi"]
    both = a.join(b, on=keys, how="full", suffix="_r", coalesce=True)
    assert both.height == a.height == b.height
    gap = both.select((pl.col("value") - pl.col("value_r")).abs().max()).item()
    assert gap < 1e-9, both.filter((pl.col("value") - pl.col("value_r")).abs() > 1e-9)
    assert both["value"].null_count() == both["value_r"].null_count()


def test_contacts_from_a_report_leave_out_short_abandons(
    contacts: pl.DataFrame, report: pl.DataFrame
) -> None:
    """An ACD does not count a caller who hung up within seconds as offered; the report made
    from contacts does the same, so its contact count is lower by exactly those calls."""
    short = contacts.filter(pl.col("abandoned") & (pl.col("wait_seconds") < 5)).height
    assert short > 0
    whole = cx.features.kpi(contacts, "contacts")["value"].item()
    summed = cx.features.kpi(report, "contacts")["value"].item()
    assert whole - summed == short


def test_unknown_sums_are_left_out_not_counted_as_zero(report: pl.DataFrame) -> None:
    blank = report.with_columns(
        pl.when(pl.col("queue") == "phone_orders")
        .then(None)
        .otherwise(pl.col("answered"))
        .alias("answered")
    )
    rate = cx.features.kpi(blank, "answer_rate", by="queue")
    assert rate.filter(queue="phone_orders")["value"].item() is None
    others = cx.features.kpi(report, "answer_rate", by="queue").filter(
        pl.col("queue") != "phone_orders"
    )
    assert rate.filter(pl.col("queue") != "phone_orders")["value"].equals(others["value"])
    none_known = report.with_columns(pl.lit(None, pl.Int64).alias("answered"))
    assert cx.features.kpi(none_known, "answered")["value"].item() is None


def test_service_level_counts_only_rows_measured_at_the_dictionary_threshold(
    report: pl.DataFrame,
) -> None:
    other = report.with_columns(
        pl.when(pl.col("channel") == "phone")
        .then(30.0)
        .otherwise(pl.col("sl_seconds"))
        .alias("sl_seconds")
    )
    sl = cx.features.kpi(other, "service_level", by="channel")
    assert sl.filter(channel="phone")["value"].item() is None
    assert sl.filter(channel="chat")["value"].item() is not None


def test_what_sums_cannot_tell_is_refused_by_name(report: pl.DataFrame) -> None:
    with pytest.raises(cx.OptionError, match=r"'fcr'.*each contact.*determine contacts, offered"):
        cx.features.kpi(report, ["aht", "fcr"])
    with pytest.raises(cx.OptionError, match=r"'region'.*intervals table.*grains: queue, channel"):
        cx.features.kpi(report, "aht", by="region")
    with pytest.raises(cx.OptionError, match=r"every='15m' would split .* 30-minute"):
        cx.features.kpi(report, "aht", every="15m")
    with pytest.raises(cx.OptionError, match=r"every='15m' would split .* 30-minute"):
        cx.features.volume_series(report, every="15m")
    with pytest.raises(cx.OptionError, match="'7m' is not"):
        cx.features.interval_report(report.head(0), every="7m")


def test_volume_series_from_a_report_counts_what_was_offered(
    contacts: pl.DataFrame, report: pl.DataFrame, queues: pl.DataFrame
) -> None:
    from_contacts = cx.features.volume_series(contacts, every="1h", hours=queues)
    from_report = cx.features.volume_series(report, every="1h", hours=queues)
    both = from_contacts.join(from_report, on=["series_id", "ts"], suffix="_r")
    assert both.height == from_report.height
    # the same intervals, short of the short abandons; an open hour with no contact is not in
    # a report made from contacts, so what arrived before it moves on to the next listed one
    assert (both["y"] == both["y_r"]).mean() > 0.95
    totals = (
        from_contacts.group_by("series_id")
        .agg(pl.col("y").sum())
        .join(from_report.group_by("series_id").agg(pl.col("y").sum().alias("y_r")), on="series_id")
    )
    gap = totals["y"] - totals["y_r"]
    assert gap.min() >= 0 and gap.sum() <= 0.01 * totals["y"].sum()


def test_an_interval_the_report_does_not_list_was_closed(report: pl.DataFrame) -> None:
    one = report.filter(queue="phone_orders")
    series = cx.features.volume_series(one, every="30m")
    assert series.height == one.height  # no zero-filled nights
    daily = cx.features.volume_series(one, every="1d")
    assert daily["y"].sum() == one["offered"].sum()


def test_patience_and_handle_time_from_sums_equal_the_contacts(
    contacts: pl.DataFrame, queues: pl.DataFrame
) -> None:
    config = cx.features.MetricConfig(count_short_abandons=True)
    report = cx.features.interval_report(contacts, every="15m", config=config)
    a = cx.staffing.patience(contacts).summary()
    b = cx.staffing.patience(report).summary()
    assert a["term"].to_list() == b["term"].to_list()
    for column in ("estimate", "ci_low", "ci_high", "abandoned"):
        assert (a[column] - b[column]).abs().max() < 1e-6
    s1 = cx.staffing.queue_settings(queues, contacts)
    s2 = cx.staffing.queue_settings(queues, report)
    for q, aht in s1.aht_seconds.items():
        assert s2.aht_seconds[q] == pytest.approx(aht, rel=1e-9)


def test_a_report_without_handle_times_needs_a_planning_handle_time(
    report: pl.DataFrame, queues: pl.DataFrame
) -> None:
    bare = report.select("queue", "channel", "interval_start", "interval_minutes", "offered")
    with pytest.raises(cx.NotEnoughDataError, match=r"no handle times for queue.*aht_seconds="):
        cx.staffing.queue_settings(queues, bare)
    s = cx.staffing.queue_settings(queues, bare, aht_seconds=240)
    assert set(s.aht_seconds.values()) == {240.0}
    assert s.patience_seconds is None  # no abandons: Erlang C
    empty = cx.staffing.patience(bare, missing="empty")
    assert empty.summary().is_empty()
    assert "Erlang C" in empty.findings()[0] and "interval report" in empty.findings()[0]
    with pytest.raises(cx.NotEnoughDataError, match="no abandoned"):
        cx.staffing.patience(bare)
    with pytest.raises(cx.OptionError, match="missing="):
        cx.staffing.patience(bare, missing="skip")


def test_a_plan_replays_against_a_report(
    contacts: pl.DataFrame, report: pl.DataFrame, queues: pl.DataFrame
) -> None:
    series = cx.features.volume_series(report, every="30m", hours=queues)
    settings_ = cx.staffing.queue_settings(queues, report)
    last_week = series.filter(
        (pl.col("ts") >= series["ts"].max() - dt.timedelta(days=7))
        & pl.col("series_id").is_in(list(settings_.aht_seconds))
    )
    agents = last_week.select("series_id", "ts", pl.lit(12).alias("agents"))
    replay = cx.staffing.backtest(agents, report, every="30m", settings=settings_)
    offered = replay.summary().filter(pl.col("series_id") == "all")["offered"].item()
    utc = agents["ts"].dt.convert_time_zone("UTC")
    start, end = utc.min(), utc.max() + dt.timedelta(minutes=30)
    inside = report.filter(
        pl.col("queue").is_in(list(settings_.aht_seconds))
        & (pl.col("interval_start") >= start)
        & (pl.col("interval_start") < end)
    )["offered"].sum()
    assert offered == inside > 0


def test_demand_is_the_contacts_else_the_report(
    tiny_workspace: Path, report: pl.DataFrame, tmp_path: Path
) -> None:
    assert "arrived_at" in cx.data.demand(workspace=tiny_workspace).collect_schema().names()
    ws = tmp_path / "acd"
    shutil.copytree(tiny_workspace, ws)
    shutil.rmtree(settings(ws).processed_dir / "contacts")
    with pytest.raises(WorkspaceError, match=r"neither contacts nor intervals.*--table intervals"):
        cx.data.demand(workspace=ws)
    assert cx.data.data_freshness(settings(ws)) is None
    cx.data.write_table(cx.data.validate(report, "intervals"), "intervals", workspace=settings(ws))
    lf = cx.data.demand(workspace=ws)
    assert "interval_start" in lf.collect_schema().names()
    assert lf.select(pl.col("offered").sum()).collect().item() == report["offered"].sum()
    last = report.sort("interval_start")[-1]
    assert cx.data.data_freshness(settings(ws)) == last["interval_start"].item() + dt.timedelta(
        minutes=30
    )


def test_load_can_give_an_empty_table_for_one_a_report_can_do_without(tmp_path: Path) -> None:
    events = cx.load("events", workspace=tmp_path, missing="empty").collect()
    assert events.is_empty() and events.columns == list(cx.data.TABLES["events"].columns)
    with pytest.raises(WorkspaceError, match="cxlab data ingest PATH --table events"):
        cx.load("events", workspace=tmp_path)
    with pytest.raises(cx.OptionError, match="missing='skip'"):
        cx.load("events", workspace=tmp_path, missing="skip")


def test_an_interval_open_only_in_part_is_staffed_for_its_open_minutes() -> None:
    """A centre that closes at 21:05 reports five-minute rows up to 21:00: the half-hour from
    21:00 holds five open minutes. Its calls arrive in those minutes, so the plan staffs them as
    a five-minute interval would; spreading them over the half-hour understaffs it six times."""
    import numpy as np

    rng = np.random.default_rng(3)
    days = [d for d in pl.date_range(dt.date(2026, 3, 2), dt.date(2026, 4, 24), eager=True)
            if d.weekday() < 5]  # fmt: skip
    starts = [
        dt.datetime.combine(d, dt.time(7)) + dt.timedelta(minutes=5 * k)
        for d in days
        for k in range(169)  # 07:00 to 21:00
    ]
    report = pl.DataFrame(
        {
            "queue": "bank",
            "channel": "phone",
            "interval_start": starts,
            "interval_minutes": 5,
            "offered": rng.poisson(60, len(starts)),
        }
    ).with_columns(pl.col("interval_start").dt.replace_time_zone("America/New_York"))
    series = cx.features.volume_series(report, every="30m", time_zone="America/New_York")
    last = series.filter(pl.col("ts").dt.hour() == 21)
    assert set(last["open_minutes"]) == {5.0}
    assert series.filter(pl.col("ts").dt.hour() < 21)["open_minutes"].unique().to_list() == [30.0]
    forecast = cx.forecast.refresh(series, horizon=5)
    queue = forecast.frame.filter(level="queue")
    assert queue.filter(pl.col("ts").dt.hour() == 21)["open_minutes"].unique().to_list() == [5.0]
    assert "open_minutes" in forecast.past_forecast().columns
    settings_ = cx.staffing.QueueSettings(aht_seconds=240, sl_target=0.8, sl_seconds=20)
    plan = cx.staffing.plan(forecast, every="30m", settings=settings_)
    closing = plan.table.filter(pl.col("ts").dt.hour() == 21)
    expected = cx.staffing.agents_required(
        closing["y_hat"].to_numpy(), every="5m", aht_seconds=240, sl_target=0.8, sl_seconds=20
    ).agents
    assert closing["agents"].to_list() == list(expected)
    spread = cx.staffing.agents_required(
        closing["y_hat"].to_numpy(), every="30m", aht_seconds=240, sl_target=0.8, sl_seconds=20
    ).agents
    assert min(closing["agents"].to_numpy() - np.asarray(spread)) > 20
    # a report without partly open intervals keeps the series as it was
    whole = cx.features.volume_series(report, every="5m", time_zone="America/New_York")
    assert whole.columns == ["series_id", "ts", "y"]
