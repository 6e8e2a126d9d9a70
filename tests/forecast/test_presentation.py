"""What a reader sees of a forecast: charts that break where queues are closed, the answer in
plain words in both languages, no identifier in reader text, accuracy never "met" by default."""

from __future__ import annotations

import datetime as dt
import re

import plotly.graph_objects as go
import polars as pl
import pytest

import cxlab as cx
from cxlab._present import use_language
from cxlab.viz import band_polygon, with_gaps

IDENTIFIER = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
LATIN_WORD = re.compile(r"[A-Za-z]{4,}")


@pytest.fixture(scope="module")
def result(tiny_workspace):
    tz = cx.data.truth(tiny_workspace)["time_zone"]
    queues = cx.load("queues", workspace=tiny_workspace).collect()
    events = cx.load("events", workspace=tiny_workspace).collect()
    series = cx.features.volume_series(
        cx.load("contacts", workspace=tiny_workspace), every="30m", hours=queues, time_zone=tz
    )
    return cx.forecast.refresh(
        series, events=events, hierarchy=queues, origins=2, horizon=7, executor="serial"
    )


def _night_breaks(trace) -> int:
    """How many times a trace's line is broken by a None between two days."""
    return sum(1 for y in trace.y if y is None)


def test_gaps_split_lines_at_closures():
    t0 = dt.datetime(2026, 11, 2, 20, 0)
    ts = [t0, t0 + dt.timedelta(minutes=30), t0 + dt.timedelta(hours=12)]
    x, y = with_gaps(ts, [1.0, 2.0, 3.0])
    assert y == [1.0, 2.0, None, 3.0] and x[2] == t0 + dt.timedelta(hours=1)
    xs, _ys = band_polygon(ts, [0.0, 1.0, 2.0], [2.0, 3.0, 4.0])
    assert xs.count(None) == 1  # two outlines, never one bridging the night


def test_forecast_line_breaks_across_closed_hours(result):
    """No diagonal from 21:30 to 08:00: the forecast and the actuals break once per closed night."""
    fig = result.plot()
    assert isinstance(fig, go.Figure)
    days = result.frame.filter(pl.col("series_id") == "total")["ts"].dt.date().n_unique()
    lines = {t.name: t for t in fig.data if t.mode == "lines" and t.fill is None}
    assert _night_breaks(lines["Forecast"]) == days - 1
    assert _night_breaks(lines["Actual"]) >= 1
    bands = [t for t in fig.data if t.fill == "toself"]
    assert {t.name for t in bands} == {"80% range", "95% range"}
    assert all(list(t.x).count(None) == days - 1 for t in bands)
    assert fig.layout.xaxis.rangebreaks  # the closed hours are folded out of the axis
    # one colour per channel across the report
    channels = result.plot_channels()
    colors = {t.line.color for t in channels.data if t.name == "Forecast"}
    assert cx.viz.color_for("phone") in colors


def test_accuracy_is_not_met_against_the_naive_error(result):
    cards = {c.key: c for c in result.headline()}
    error = cards["forecast_error"]
    assert error.status is None and error.target is None
    assert "repeating last week" in error.detail


def test_components_view(result):
    comp = result.components()
    assert comp.weekly().height == 7
    assert comp.profiles["expected"].sum() == pytest.approx(comp.weekly()["expected"].sum())
    assert isinstance(comp.plot(), go.Figure)
    assert any("busiest day" in f for f in comp.findings())


def test_reader_text_has_no_identifiers(result):
    text = " ".join(
        result.findings()
        + result.methods()
        + result.backtest.findings()
        + result.components().findings()
        + [c.label + " " + (c.detail or "") for c in result.headline()]
        + [result.plot().layout.title.text, result.backtest.plot().layout.title.text]
    )
    assert not IDENTIFIER.findall(text), IDENTIFIER.findall(text)
    html = result.backtest._repr_html_()
    assert "daily_profile" not in html and "seasonal_naive_week" not in html


def test_chinese_findings_are_chinese(result):
    with use_language("zh"):
        sentences = (
            result.findings()
            + result.methods()
            + result.components().findings()
            + [c.value_text() + (c.detail or "") for c in result.headline()]
        )
        title = result.plot().layout.title.text
    for s in [*sentences, title]:
        assert not LATIN_WORD.findall(s.replace("WAPE", "").replace("MASE", "")), s


def test_largest_remainder_rounding_adds_up():
    """Rounded one by one, 3 x 1.4 gives 3 for a total of 4.2 (shown as 4)."""
    from cxlab.forecast._results import largest_remainder

    assert sum(largest_remainder([1.4, 1.4, 1.4])) == 4
    assert largest_remainder([129.4, 20.6, 264.7, 39.6], total=454) == [129, 21, 265, 39]
    assert sum(largest_remainder([0.5, 0.5], total=0)) == 0


def test_daily_tables_add_up(result):
    """Every row of the daily tables adds up to its total, the totals to the headline, and each
    channel to its queues (a planted case: naive rounding of this forecast does not add up)."""
    whole = result.daily_whole()
    channels = result.daily_table("channel")
    queues = result.daily_table("queue")
    for table in (channels, queues):
        parts = [c for c in table.columns if c not in ("date", "total")]
        assert (table.select(pl.sum_horizontal(parts)).to_series() == table["total"]).all()
    card = next(c for c in result.headline() if c.key == "contacts_forecast")
    assert channels["total"].sum() == round(card.value)
    for ch, members in (result.hierarchy or {}).items():
        if ch in channels.columns and all(q in queues.columns for q in members):
            assert (channels[ch] == queues.select(pl.sum_horizontal(members)).to_series()).all()
    exact = round(result.daily().filter(pl.col("level") == "total")["y_hat"].sum())
    assert whole.filter(pl.col("level") == "total")["y_hat"].sum() == exact


def test_channels_in_business_order(result):
    cols = [c for c in result.daily_table("channel").columns if c not in ("date", "total")]
    order = ["phone", "chat", "email", "social"]
    assert cols == [c for c in order if c in cols]
    from cxlab._present import label

    titles = [a.text for a in result.plot_channels().layout.annotations]
    assert titles[: len(cols)] == [label(c) for c in cols]


def test_effects_in_plain_words():
    from cxlab.forecast._components import effect_words

    row = {"effect": -0.55, "effect_low": -0.58, "effect_high": -0.49, "n": 7}
    assert effect_words("Public holiday", row) == (
        "Public holiday: usually 55% fewer contacts (49% to 58% fewer across queues)."
    )
    row = {"effect": 0.04, "effect_low": -0.03, "effect_high": 0.12, "n": 3}
    assert "from 3% fewer to 12% more" in effect_words("Month end", row)
    with use_language("zh"):
        text = effect_words(
            "节假日", {"effect": -0.55, "effect_low": -0.58, "effect_high": -0.49, "n": 7}
        )
    assert "通常减少55%" in text and "变化" not in text


def test_components_chart_legends_and_markers(result):
    fig = result.components().plot()
    weekday = [t for t in fig.data if t.legendgroup == "weekday"]
    queue = [t for t in fig.data if t.legendgroup == "queue"]
    assert {t.legend for t in weekday} == {"legend"} and {t.legend for t in queue} == {"legend2"}
    assert len({t.line.color for t in weekday}) == len(weekday)
    assert len({t.marker.symbol for t in queue}) == len(queue)
    assert "%" not in (fig.layout.xaxis3.title.text or "")


def test_backtest_error_reads_plainly(result):
    """The appendix says the error in words a reader follows, with the tile's digits (40%, not
    "missed the volume of a time slot by 40.0% of it")."""
    from cxlab._present import use_language

    wape = result.backtest.overall()
    chosen = next(r for r in wape.iter_rows(named=True) if r["model"] != "seasonal_naive_week")
    figure = f"{chosen['wape']:.0%}"
    with use_language("en"):
        said = next(f for f in result.backtest.findings() if "was off by" in f)
        assert f"in a typical time slot the forecast was off by {figure} of the contacts" in said
        assert "of it" not in said and not re.search(r"\d\.\d%", said)
    with use_language("zh"):
        said = next(f for f in result.backtest.findings() if "平均每个时段" in f)
        assert f"实际联络量相差{figure}" in said and not re.search(r"\d\.\d%", said)


def test_error_tile_is_dated_with_the_backtest_weeks(result):
    """The error tile measures past forecasts: its period is the backtest's days (before the
    forecast starts), while the tiles of the forecast carry the forecast's days."""
    cards = {c.key: c for c in result.headline()}
    error, expected = cards["forecast_error"], cards["contacts_forecast"]
    past = result.backtest.frame.join(
        pl.DataFrame({"series_id": list(result.choice), "model": list(result.choice.values())}),
        on=["series_id", "model"],
    )["ts"].dt.date()
    first, last = past.min(), past.max() + dt.timedelta(days=1)
    assert error.period == (first.isoformat(), last.isoformat())
    assert error.period != expected.period and error.period[1] <= expected.period[0]


def test_error_tile_has_no_needless_decimal(result):
    card = next(c for c in result.headline() if c.key == "forecast_error")
    assert re.fullmatch(r"\d+%", card.value_text())


def test_accuracy_names_one_figure_in_tile_and_findings(result):
    """The tile and the findings quote the same error: of the whole forecast period's total."""
    m = result.metrics()
    card = next(c for c in result.headline() if c.key == "contacts_forecast")
    from cxlab._present import fmt_value

    figure = fmt_value(m["total_error"], "share", decimals=0)
    assert card.detail == f"past forecasts of a week's total were off by {figure} on average"
    tested = next(f for f in result.findings() if f.startswith("Tested on"))
    assert f"Past forecasts of a week's total were off by {figure} on average." in tested
    assert "Daily totals" not in tested
    with use_language("zh"):
        card = next(c for c in result.headline() if c.key == "contacts_forecast")
        tested = next(f for f in result.findings() if f.startswith("用最近"))
    assert card.detail in tested and figure in card.detail


def test_weekday_colours_are_not_channel_colours(result):
    from cxlab.viz._theme import SEQUENCE

    channels = {cx.viz.color_for(c) for c in ("phone", "chat", "email", "social")}
    weekday = [t for t in result.components().plot().data if t.legendgroup == "weekday"]
    colours = {t.line.color for t in weekday}
    assert colours <= set(SEQUENCE) and not colours & channels


def test_chinese_counts_contacts_without_spaces(result):
    with use_language("zh"):
        text = " ".join(result.findings() + result.components().findings())
        table = result.daily_table("channel")
        from cxlab._present import label

        header = label(table.columns[0])
    assert "个联络" not in text and "个；" not in text and "个。" not in text
    assert not re.search(r"(约|在|最近) \d|\d ?个联络|\d (次|个)", text)
    assert header == "日期"
