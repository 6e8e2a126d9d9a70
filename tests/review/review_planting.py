"""A planted bad day for the review's tests: half of one queue's calls on one day abandoned."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

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
