"""``cx.load`` refuses an ordinary mistake with a cxlab error naming the parameter, the value and
the accepted forms, and an empty range with the range the data cover (decided from the parquet
footers, without reading the rows)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

import cxlab as cx


@pytest.mark.parametrize(
    ("bounds", "says"),
    [
        ({"start": "2026-13-01"}, r"start='2026-13-01' is not a date or a time; give a date "),
        (
            {"end": "1 October"},
            r"end='1 October' is not a date or a time; give a date 'YYYY-MM-DD'",
        ),
        ({"start": 20261001}, r"start=20261001 is not a date or a time; give .*datetime\.date"),
    ],
)
def test_a_bound_that_is_not_a_date_names_the_parameter(tiny_workspace: Path, bounds, says):
    with pytest.raises(cx.OptionError, match=says):
        cx.load("contacts", workspace=tiny_workspace, **bounds)


def test_start_after_end_is_refused(tiny_workspace: Path) -> None:
    with pytest.raises(
        cx.OptionError, match=r"start='2026-10-05' is not before end='2026-10-01'; the range is"
    ):
        cx.load("contacts", start="2026-10-05", end="2026-10-01", workspace=tiny_workspace)
    with pytest.raises(cx.OptionError, match=r"is not before end"):
        cx.load("contacts", start="2026-10-01", end="2026-10-01", workspace=tiny_workspace)


@pytest.mark.parametrize(
    "bounds",
    [
        {"start": "2025-01-01", "end": "2025-02-01"},  # no month of the store
        {"start": "2026-11-01"},  # after the last contact, beyond the last month
        {"start": "2026-10-31T21:00:00"},  # after the last contact, inside its month
        {"end": "2026-07-01T00:10:00"},  # before the first contact, inside its month
    ],
)
def test_a_range_outside_the_data_names_the_range_the_data_cover(tiny_workspace, bounds) -> None:
    # the tiny workspace's contacts run from 1 July 00:24 to 31 October 20:29, Shanghai time
    with pytest.raises(
        cx.NotEnoughDataError,
        match=r"contacts: no rows for (start|end)=.*; the data cover 2026-07-01 00:\d\d to "
        r"2026-10-31 \d\d:\d\d \(Asia/Shanghai\)\. Choose a range inside the data\.",
    ):
        cx.load("contacts", workspace=tiny_workspace, **bounds)


def test_a_range_inside_the_data_loads(tiny_workspace: Path) -> None:
    last = cx.load("contacts", start="2026-10-31", workspace=tiny_workspace).collect()
    assert last.height > 0
    local = last["arrived_at"].dt.convert_time_zone("Asia/Shanghai").dt.date()
    assert local.unique().to_list() == [dt.date(2026, 10, 31)]


def test_the_emptiness_check_reads_only_the_months_in_range(scratch_workspace: Path) -> None:
    """A range check for August opens only August's footer: a broken October still loads August."""
    ws = scratch_workspace
    (ws / "data/processed/contacts/month=2026-10/part-0.parquet").write_bytes(b"not parquet")
    august = cx.load("contacts", start="2026-08-01", end="2026-09-01", workspace=ws)
    assert august.select(pl.len()).collect().item() > 0


def test_an_unknown_table_is_an_option_error_listing_the_tables(tiny_workspace: Path) -> None:
    with pytest.raises(
        cx.OptionError,
        match=r"table='contact' is not a canonical table \(did you mean 'contacts'\?\); "
        r"choose one of contacts, customers, surveys",
    ):
        cx.load("contact", workspace=tiny_workspace)


def test_bounds_on_a_table_without_time_are_refused(tiny_workspace: Path) -> None:
    with pytest.raises(cx.OptionError, match=r"'customers' has no timestamp, so start= and end="):
        cx.load("customers", start="2026-10-01", workspace=tiny_workspace)
