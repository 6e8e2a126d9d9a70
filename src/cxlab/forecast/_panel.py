"""A series as a day x interval matrix: the shape every contact-centre forecaster works on.

Rows are local days, columns the intervals of a day (minutes since midnight). Cells that are not in
the series (closed intervals, days the centre does not open) are ``NaN`` and are never forecast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, SchemaError


@dataclass(frozen=True)
class Panel:
    """One series as ``days x slots``; ``NaN`` marks intervals outside opening hours."""

    series_id: str
    days: np.ndarray  # datetime64[D], ascending
    slots: np.ndarray  # int minutes since local midnight, ascending
    values: np.ndarray  # float (days x slots), NaN where closed
    time_zone: str | None

    @property
    def open(self) -> np.ndarray:
        return ~np.isnan(self.values)

    @property
    def weekdays(self) -> np.ndarray:
        return weekday(self.days)

    @property
    def step_minutes(self) -> int:
        return int(np.min(np.diff(self.slots))) if len(self.slots) > 1 else 1440

    def head(self, n_days: int) -> Panel:
        """The first ``n_days`` days (the history a rolling origin sees)."""
        return Panel(
            self.series_id, self.days[:n_days], self.slots, self.values[:n_days], self.time_zone
        )

    def future_days(self, n_days: int, skip: set | None = None) -> np.ndarray:
        """The next ``n_days`` days the centre opens: the weekdays seen in the last four weeks of
        history, less the dates in ``skip`` (closures known ahead)."""
        last = self.days[-1]
        seen = set(weekday(self.days[self.days > last - np.timedelta64(28, "D")]).tolist())
        skip = skip or set()
        out, day = [], last
        while len(out) < n_days:
            day = day + np.timedelta64(1, "D")
            if day not in skip and int(weekday(np.array([day]))[0]) in seen:
                out.append(day)
        return np.array(out, dtype="datetime64[D]")

    def future_open(self, days: np.ndarray) -> np.ndarray:
        """Which intervals of ``days`` are open: as on the latest day of the same weekday."""
        mask = np.ones((len(days), len(self.slots)), dtype=bool)
        wd_hist = self.weekdays
        is_open = self.open
        for i, w in enumerate(weekday(days)):
            same = np.flatnonzero(wd_hist == w)
            row = is_open[same[-1]] if len(same) else is_open[-1]
            mask[i] = row
        return mask


def weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0 for ``datetime64[D]`` values."""
    return ((days.astype("datetime64[D]").astype(np.int64) + 3) % 7).astype(np.int64)


def to_panels(series: pl.DataFrame) -> list[Panel]:
    """Split a long ``series_id, ts, y`` frame into one :class:`Panel` per series."""
    missing = {"series_id", "ts", "y"} - set(series.columns)
    if missing:
        raise SchemaError(
            f"series: missing column(s) {sorted(missing)}; expected series_id, ts, y."
        )
    if series.is_empty():
        raise NotEnoughDataError("series: the frame is empty.")
    dtype = series.schema["ts"]
    tz = getattr(dtype, "time_zone", None)
    frame = series
    if "open" in frame.columns:
        frame = frame.filter(pl.col("open"))
    frame = frame.select(
        "series_id",
        pl.col("ts").dt.date().alias("_day"),
        (pl.col("ts").dt.hour().cast(pl.Int64) * 60 + pl.col("ts").dt.minute()).alias("_slot"),
        pl.col("y").cast(pl.Float64),
    )
    panels = []
    for (sid,), part in frame.group_by(["series_id"], maintain_order=True):
        days = np.unique(part["_day"].to_numpy().astype("datetime64[D]"))
        slots = np.unique(part["_slot"].to_numpy())
        values = np.full((len(days), len(slots)), np.nan)
        di = np.searchsorted(days, part["_day"].to_numpy().astype("datetime64[D]"))
        si = np.searchsorted(slots, part["_slot"].to_numpy())
        values[di, si] = part["y"].to_numpy()
        if np.nanmin(values) < 0:
            raise SchemaError(f"series {sid!r}: counts must not be negative.")
        panels.append(Panel(str(sid), days, slots, values, tz))
    return sorted(panels, key=lambda p: p.series_id)


def to_frame(
    panel: Panel, days: np.ndarray, columns: dict[str, np.ndarray], mask: np.ndarray
) -> pl.DataFrame:
    """Long rows ``series_id, ts, <columns>`` for the open cells of ``days x slots``."""
    di, si = np.nonzero(mask)
    start = days[di].astype("datetime64[us]") + (panel.slots[si] * 60_000_000).astype(
        "timedelta64[us]"
    )
    frame = pl.DataFrame(
        {
            "series_id": np.full(len(di), panel.series_id),
            "ts": pl.Series(start).cast(pl.Datetime("us")),
            **{k: v[di, si].astype(float) for k, v in columns.items()},
        }
    )
    if panel.time_zone:
        frame = frame.with_columns(
            pl.col("ts").dt.replace_time_zone(
                panel.time_zone, ambiguous="earliest", non_existent="null"
            )
        )
    return frame.drop_nulls("ts") if panel.time_zone else frame
