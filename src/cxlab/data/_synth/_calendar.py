"""Arrival intensity: intraday double peak, weekly and annual cycles, holidays and events."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import numpy as np

from cxlab.data._synth._config import (
    ANNUAL_AMPLITUDE,
    HOLIDAY_FACTOR,
    MONTH_END_LIFT,
    PEAKS,
    POST_HOLIDAY_LIFT,
    QUEUES,
    WEEKDAY,
    QueueSpec,
    SynthConfig,
)

BIN_MINUTES = 5
_ALL = "*"


@dataclass(frozen=True)
class Event:
    event_id: str
    name: str
    kind: str
    start: dt.datetime  # aware, local
    end: dt.datetime
    queues: tuple[str, ...]  # ("*",) for every queue
    lift: float
    complaint_lift: dict[str, float] | None = None

    def touches(self, queue: str) -> bool:
        return _ALL in self.queues or queue in self.queues


@dataclass(frozen=True)
class Grid:
    """Five-minute bins over the span, with their local calendar attributes."""

    start_utc: np.ndarray  # datetime64[us]
    local_hour: np.ndarray  # float hours since local midnight
    local_date: np.ndarray  # datetime64[D]
    weekday: np.ndarray  # 0 = Monday


def build_grid(config: SynthConfig) -> Grid:
    tz = ZoneInfo(config.time_zone)
    first = dt.datetime.combine(config.start, dt.time(), tz)
    last = dt.datetime.combine(config.end + dt.timedelta(days=1), dt.time(), tz)
    n = int((last - first).total_seconds() // (BIN_MINUTES * 60))
    first_utc = np.datetime64(first.astimezone(dt.UTC).replace(tzinfo=None), "us")
    start_utc = first_utc + np.arange(n) * np.timedelta64(BIN_MINUTES * 60, "s")
    # local attributes: the offset is fixed for CN; for zones with DST compute per bin
    offsets = _utc_offsets(start_utc, tz)
    local = start_utc + offsets
    local_date = local.astype("datetime64[D]")
    local_hour = (local - local_date).astype("timedelta64[s]").astype(float) / 3600.0
    weekday = ((local_date.astype(np.int64) + 3) % 7).astype(np.int8)  # 1970-01-01 was a Thursday
    return Grid(start_utc, local_hour, local_date, weekday)


def _utc_offsets(start_utc: np.ndarray, tz: ZoneInfo) -> np.ndarray:
    days, inverse = np.unique(start_utc.astype("datetime64[D]"), return_inverse=True)
    secs = np.empty(len(days), np.int64)
    for i, d in enumerate(days.astype(dt.date)):
        moment = dt.datetime.combine(d, dt.time(12), dt.UTC)
        secs[i] = int(moment.astimezone(tz).utcoffset().total_seconds())
    return secs[inverse].astype("timedelta64[s]")


def intraday_shape(hours: np.ndarray, queue: QueueSpec) -> np.ndarray:
    """Relative arrival rate by local hour: the double peak, zero when a phone/chat queue is closed."""
    shape = 0.25 + sum(h * np.exp(-0.5 * ((hours - c) / s) ** 2) for c, s, h in PEAKS)
    open_ = (hours >= queue.open_hour) & (hours < queue.close_hour)
    if queue.accepts_when_closed:
        night = 0.12 + 0.1 * np.exp(-0.5 * ((hours - 20.5) / 1.5) ** 2)
        return np.where(open_, shape, night)
    return np.where(open_, shape, 0.0)


def holiday_events(config: SynthConfig) -> list[Event]:
    tz = ZoneInfo(config.time_zone)
    years = range(config.start.year, config.end.year + 1)
    table = holidays_lib.country_holidays(config.country, years=years)
    days = sorted(d for d in table if config.start <= d <= config.end)
    events: list[Event] = []
    run: list[dt.date] = []
    for d in [*days, None]:
        if run and (d is None or (d - run[-1]).days > 1 or table.get(d) != table.get(run[-1])):
            name = str(table.get(run[0])).split(";")[0]
            events.append(
                Event(
                    event_id=f"H{run[0]:%Y%m%d}",
                    name=name,
                    kind="holiday",
                    start=dt.datetime.combine(run[0], dt.time(), tz),
                    end=dt.datetime.combine(run[-1] + dt.timedelta(days=1), dt.time(), tz),
                    queues=(_ALL,),
                    lift=HOLIDAY_FACTOR,
                )
            )
            run = []
        if d is not None:
            run.append(d)
    return events


def _at(config: SynthConfig, fraction: float) -> dt.date:
    span = (config.end - config.start).days
    return config.start + dt.timedelta(days=int(span * fraction))


def business_events(config: SynthConfig) -> list[Event]:
    """Promotions, a product recall, an outage and a launch, placed inside the span."""
    tz = ZoneInfo(config.time_zone)
    orders = ("phone_orders", "chat_orders", "social_care")
    tech = ("phone_tech", "chat_support", "social_care")

    def day(d: dt.date, hour: int = 0) -> dt.datetime:
        return dt.datetime.combine(d, dt.time(hour), tz)

    promos = []
    named = (
        [("618 mid-year sale", 6, 16), ("Singles' Day sale", 11, 10)]
        if config.country == "CN"
        else [("Summer sale", 7, 10), ("Black Friday sale", 11, 27)]
    )
    for year in range(config.start.year, config.end.year + 1):
        for name, month, first in named:
            d = dt.date(year, month, first)
            if config.start <= d and d + dt.timedelta(days=3) <= config.end:
                promos.append((name, d))
    if not promos:
        promos.append(("Flash sale", _at(config, 0.35)))
    events = [
        Event(f"P{d:%Y%m%d}", name, "promotion", day(d), day(d + dt.timedelta(days=3)), orders, 1.9)
        for name, d in promos
    ]
    recall = _at(config, 0.30)
    events.append(
        Event(
            f"R{recall:%Y%m%d}",
            "Charger recall",
            "recall",
            day(recall),
            day(recall + dt.timedelta(days=10)),
            tech,
            2.0,
            {"product_quality": 3.0},
        )
    )
    outage = _at(config, 0.66)
    events.append(
        Event(
            f"O{outage:%Y%m%d}",
            "Network outage",
            "outage",
            day(outage, 10),
            day(outage, 16),
            ("phone_tech", "chat_support"),
            3.0,
        )
    )
    launch = _at(config, 0.86)
    events.append(
        Event(
            f"L{launch:%Y%m%d}",
            "New device launch",
            "launch",
            day(launch),
            day(launch + dt.timedelta(days=7)),
            ("phone_tech", "chat_support"),
            1.3,
        )
    )
    return events


def arrival_rates(config: SynthConfig, grid: Grid, events: list[Event]) -> dict[str, np.ndarray]:
    """Expected arrivals per five-minute bin, per queue (the planted intensity)."""
    spec = config.spec
    per_day = spec.customers * spec.contacts_per_customer_month * 12 / 365.25
    doy = (grid.local_date - grid.local_date.astype("datetime64[Y]")).astype(int)
    annual = 1 + ANNUAL_AMPLITUDE * np.cos(2 * np.pi * (doy - 15) / 365.25)
    weekly = np.asarray(WEEKDAY)[grid.weekday]
    month_end = (grid.local_date + 2).astype("datetime64[M]") != grid.local_date.astype(
        "datetime64[M]"
    )  # the last two days of a month
    base = annual * weekly * np.where(month_end, MONTH_END_LIFT, 1.0)

    holiday_days = set()
    for e in events:
        if e.kind == "holiday":
            d = e.start.date()
            while d < e.end.date():
                holiday_days.add(np.datetime64(d, "D"))
                d += dt.timedelta(days=1)
    hol = np.isin(grid.local_date, np.array(sorted(holiday_days), dtype="datetime64[D]"))
    after = (
        np.isin(grid.local_date - 1, np.array(sorted(holiday_days), dtype="datetime64[D]")) & ~hol
    )
    base = base * np.where(hol, HOLIDAY_FACTOR, 1.0) * np.where(after, POST_HOLIDAY_LIFT, 1.0)

    rates = {}
    for q in QUEUES:
        shape = intraday_shape(grid.local_hour, q)
        # normalise so that an ordinary day's shape sums to one
        day_sum = intraday_shape(np.arange(0, 24, BIN_MINUTES / 60), q).sum()
        r = per_day * q.share * base * shape / day_sum
        for e in events:
            if e.kind == "holiday" or not e.touches(q.queue):
                continue
            lo = np.datetime64(e.start.astimezone(dt.UTC).replace(tzinfo=None), "us")
            hi = np.datetime64(e.end.astimezone(dt.UTC).replace(tzinfo=None), "us")
            r = np.where((grid.start_utc >= lo) & (grid.start_utc < hi), r * e.lift, r)
        rates[q.queue] = r
    return rates
