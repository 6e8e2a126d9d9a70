"""KPIs and volume series speak the one vocabulary: periods cut at local midnight in the
workspace's zone (the zone ``cx.load`` reads dates in), grains checked by one parser, clear errors
for an unknown metric or no contacts, and an analyst's declared ratio metric computed and
labelled like a dictionary KPI."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
from test_kpi import contact, table

import cxlab as cx
from cxlab._present import table_html, use_language
from cxlab.features import declare_metric, kpi, kpi_table, metric, volume_series

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# 1 October 00:30 in Shanghai is 30 September 16:30 UTC
HALF_PAST_MIDNIGHT = dt.datetime(2026, 9, 30, 16, 30, tzinfo=dt.UTC)


@pytest.fixture()
def shanghai_workspace(tiny_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The tiny workspace (Asia/Shanghai) as the current one, as in an analyst's notebook."""
    monkeypatch.setenv("CXLAB_WORKSPACE", str(tiny_workspace))
    monkeypatch.delenv("CXLAB_TIME_ZONE", raising=False)
    assert cx._config.settings().time_zone == "Asia/Shanghai"
    return tiny_workspace


# -- local time ---------------------------------------------------------------------------------


def test_a_contact_at_half_past_midnight_counts_on_that_local_day(shanghai_workspace) -> None:
    frame = table([contact(at=HALF_PAST_MIDNIGHT), contact(at=HALF_PAST_MIDNIGHT)])
    days = kpi(frame, "contacts", every="1d")
    assert days["period"].to_list() == [dt.datetime(2026, 10, 1, tzinfo=SHANGHAI)]
    assert days["value"].to_list() == [2]
    months = kpi_table(frame, ["contacts"], every="1mo")
    assert months["period"].dt.month().to_list() == [10]  # October, not September
    series = volume_series(frame, every="1d", by="total")
    assert series["ts"].dt.date().to_list() == [dt.date(2026, 10, 1)]
    # asked for, UTC days are still available
    utc = kpi(frame, "contacts", every="1d", time_zone="UTC")
    assert utc["period"].to_list() == [dt.datetime(2026, 9, 30, tzinfo=dt.UTC)]


def test_daily_sums_are_local_day_counts_and_agree_with_load(shanghai_workspace) -> None:
    contacts = cx.load("contacts").collect()
    by_hand = dict(
        contacts.group_by(pl.col("arrived_at").dt.convert_time_zone("Asia/Shanghai").dt.date())
        .len()
        .iter_rows()
    )
    days = kpi(contacts, "contacts", every="1d")
    got = {r["period"].date(): r["value"] for r in days.iter_rows(named=True)}
    assert got == by_hand
    series = volume_series(contacts, every="1d", by="total")
    assert {r["ts"].date(): r["y"] for r in series.iter_rows(named=True)} == by_hand
    # cx.load reads a naive date as local midnight: one local day loaded is one day of kpi
    for day in (dt.date(2026, 10, 1), dt.date(2026, 8, 31)):
        one = cx.load("contacts", start=day, end=day + dt.timedelta(days=1))
        assert one.select(pl.len()).collect().item() == by_hand[day]
        assert kpi(one, "contacts", every="1d")["period"].dt.date().to_list() == [day]


def test_review_days_are_local_days(shanghai_workspace) -> None:
    review = cx.review.open_review(period="2026-10")
    days = cx.review.daily(review.contacts, review.period, "service_level").summary()["day"]
    assert days.min() == dt.date(2026, 10, 1) and days.max() == dt.date(2026, 10, 31)


# -- grains -------------------------------------------------------------------------------------


def test_a_grain_is_checked_by_the_one_parser() -> None:
    frame = table([contact()])
    forms = r"use '15m', '30m', '1h', '1d', '1w', '1mo', '1q' or '1y'"
    with pytest.raises(cx.OptionError, match=r"every='1 week' is not a grain; " + forms):
        kpi(frame, "contacts", every="1 week")
    with pytest.raises(cx.OptionError, match=r"every='1 week' is not a grain; " + forms):
        volume_series(frame, every="1 week")
    with pytest.raises(cx.OptionError, match=r"every='1w' is not an interval of a volume series"):
        volume_series(frame, every="1w")
    with pytest.raises(cx.OptionError, match=r"every=7 minutes does not divide a day"):
        volume_series(frame, every=7)
    # one grain, several spellings
    assert kpi(frame, "contacts", every="1H").equals(kpi(frame, "contacts", every="1h"))
    hourly = volume_series(frame, every="1h", by="total")
    assert hourly.equals(volume_series(frame, every=60, by="total"))
    assert hourly.equals(volume_series(frame, every="60m", by="total"))


def test_volume_series_dates_are_checked() -> None:
    frame = table([contact()])
    with pytest.raises(cx.OptionError, match=r"start='2026-13-01' is not a date; give a local"):
        volume_series(frame, start="2026-13-01")
    with pytest.raises(cx.OptionError, match=r"start='2026-03-05' is after end='2026-03-01'"):
        volume_series(frame, start="2026-03-05", end="2026-03-01")


# -- errors -------------------------------------------------------------------------------------


def test_an_unknown_metric_names_the_dictionary_and_how_to_declare_one() -> None:
    frame = table([contact()])
    with pytest.raises(cx.OptionError) as caught:
        kpi(frame, ["fcr", "speed"])
    message = str(caught.value)
    assert message.startswith("kpi: unknown metric 'speed'; the metric dictionary has contacts, ")
    assert "service_level" in message and "fcr" in message.split("dictionary has")[1]
    assert "Declare your own with cxlab.features.declare_metric(name, label=" in message


def test_a_declared_column_metric_is_not_summed_over_contacts(monkeypatch) -> None:
    from cxlab.features import _metrics

    monkeypatch.setattr(_metrics, "_DECLARED", dict(_metrics._DECLARED))
    declare_metric("tenure_months", label="Tenure", unit="count", higher_is_better=None)
    with pytest.raises(
        cx.OptionError,
        match=r"'tenure_months' is declared without numerator= and denominator=.*declare it "
        r"again with both",
    ):
        kpi(table([contact()]), "tenure_months")


def test_no_contacts_is_not_enough_data() -> None:
    empty = table([contact()]).head(0)
    for by in ((), ("channel",)):
        with pytest.raises(cx.NotEnoughDataError, match=r"kpi: there are no contacts to measure"):
            kpi(empty, "contacts", by=list(by), every="1d")
    with pytest.raises(cx.NotEnoughDataError, match=r"volume_series: there are no contacts"):
        volume_series(empty)


# -- an analyst's own metric --------------------------------------------------------------------


def test_a_declared_ratio_metric_is_a_kpi_labelled_in_both_languages(monkeypatch) -> None:
    from cxlab.features import _metrics

    monkeypatch.setattr(_metrics, "_DECLARED", dict(_metrics._DECLARED))
    declare_metric(
        "transferred_share",
        label={"zh": "转接率", "en": "Transferred share"},
        unit="share",
        higher_is_better=False,
        numerator=(pl.col("transfers") > 0).cast(pl.Float64),
        denominator=pl.col("_answered").cast(pl.Float64),
    )
    rows = [contact(transfers=t) for t in (0, 1, 2, 0)]
    rows += [contact(channel="chat", transfers=1), contact(channel="chat", abandoned=True)]
    frame = table(rows)
    # phone: 2 of 4 answered contacts transferred; chat: 1 of 1 (the abandoned one is no answer)
    long = kpi(frame, ["transferred_share", "contacts"], by=["channel"])
    got = {(r["channel"], r["kpi"]): r["value"] for r in long.iter_rows(named=True)}
    assert got[("phone", "transferred_share")] == pytest.approx(0.5)
    assert got[("chat", "transferred_share")] == pytest.approx(1.0)
    whole = kpi(frame, "transferred_share")
    assert whole.row(0, named=True)["numerator"] == 3 and whole["denominator"].item() == 5
    wide = kpi_table(frame, ["transferred_share"], by=["channel"])
    assert wide.columns == ["channel", "transferred_share"]

    def visible(markup: str) -> str:
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))

    with use_language("zh"):
        assert metric("transferred_share").label == "转接率"
        shown = visible(table_html(wide))
        assert "转接率" in shown and "50.0%" in shown and "transferred_share" not in shown
    with use_language("en"):
        assert metric("transferred_share").label == "Transferred share"
        shown = visible(table_html(wide))
        assert "Transferred share" in shown and "100.0%" in shown
