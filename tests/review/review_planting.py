"""A planted bad day for the review's tests: half of one queue's calls on one day abandoned."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

import cxlab as cx

BAD_QUEUE = "phone_orders"
BAD_DAY = dt.date(2026, 10, 14)


def plant_bad_day(workspace: Path) -> None:
    """Every other call of ``BAD_QUEUE`` on ``BAD_DAY`` (local time) abandoned after 60 s."""
    contacts = cx.load("contacts", workspace=workspace).collect()
    tz = cx.data.truth(workspace)["time_zone"]
    day = pl.col("arrived_at").dt.convert_time_zone(tz).dt.date()
    hit = (pl.col("queue") == BAD_QUEUE) & (day == BAD_DAY) & (pl.int_range(pl.len()) % 2 == 0)
    broken = contacts.with_columns(
        abandoned=pl.when(hit).then(True).otherwise(pl.col("abandoned")),
        answered_at=pl.when(hit).then(None).otherwise(pl.col("answered_at")),
        wait_seconds=pl.when(hit).then(60.0).otherwise(pl.col("wait_seconds")),
    )
    cx.data.write_table(broken, "contacts", workspace=cx._config.settings(workspace))


def _template(contacts: pl.LazyFrame, channel: str) -> pl.DataFrame:
    """One answered contact of ``channel`` with a known resolution, the row every planted one copies."""
    return (
        contacts.filter(
            (pl.col("channel") == channel)
            & pl.col("answered_at").is_not_null()
            & pl.col("first_contact_resolution").is_not_null()
        )
        .head(1)
        .collect()
    )


def plant_agents(
    contacts: pl.LazyFrame, day: dt.date, agents: dict[str, tuple[int, float]], seed: int
) -> pl.LazyFrame:
    """Answered phone contacts on ``day``: agent -> (contacts, true first-contact resolution rate),
    each contact resolved at first contact with the agent's rate (a Bernoulli draw)."""
    rng = np.random.default_rng(seed)
    row = _template(contacts, "phone")
    names, resolved = [], []
    for name, (n, rate) in agents.items():
        names += [name] * n
        resolved += list(rng.random(n) < rate)
    arrived = dt.datetime.combine(day, dt.time(4, 0), tzinfo=dt.UTC)  # noon in Shanghai
    return (
        pl.concat([row] * len(names))
        .with_columns(
            contact_id=pl.Series([f"P{i:06d}" for i in range(len(names))]),
            agent_id=pl.Series(names),
            first_contact_resolution=pl.Series(resolved),
            arrived_at=pl.lit(arrived).dt.cast_time_unit(row["arrived_at"].dtype.time_unit),
        )
        .with_columns(pl.col("arrived_at").dt.convert_time_zone(row["arrived_at"].dtype.time_zone))
        .lazy()
    )


def plant_days(
    contacts: pl.LazyFrame, days: dict[dt.date, tuple[int, int]], *, channel: str = "email"
) -> pl.LazyFrame:
    """One queue's contacts: day -> (contacts, how many of them miss the service-level promise);
    the others are answered within a minute."""
    row = _template(contacts, channel)
    frames = []
    for day, (n, missed) in days.items():
        arrived = dt.datetime.combine(day, dt.time(4, 0), tzinfo=dt.UTC)
        frames.append(
            pl.concat([row] * n).with_columns(
                contact_id=pl.Series([f"{day:%Y%m%d}-{i:04d}" for i in range(n)]),
                queue=pl.lit("planted"),
                abandoned=pl.lit(False),
                wait_seconds=pl.Series([200_000.0] * missed + [60.0] * (n - missed)),
                arrived_at=pl.lit(arrived)
                .dt.cast_time_unit(row["arrived_at"].dtype.time_unit)
                .dt.convert_time_zone(row["arrived_at"].dtype.time_zone),
            )
        )
    return pl.concat(frames).lazy()
