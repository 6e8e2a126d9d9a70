"""The one vocabulary on the ground floor: periods and their parser, compare_to, grains, renamed
parameters, the time zone setting and the analyst's own metrics."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest

import cxlab as cx
from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._options import renamed
from cxlab._present import (
    Period,
    check_compare_to,
    check_every,
    every_minutes,
    label,
    parse_period,
    use_language,
)
from cxlab.features import declare_metric, metric, metrics

D = dt.date


@pytest.mark.parametrize(
    ("spec", "start", "end", "unit"),
    [
        ("2026-10", D(2026, 10, 1), D(2026, 11, 1), "month"),
        ("2026-3", D(2026, 3, 1), D(2026, 4, 1), "month"),
        ("2026-Q3", D(2026, 7, 1), D(2026, 10, 1), "quarter"),
        ("2026-q4", D(2026, 10, 1), D(2027, 1, 1), "quarter"),
        ("2026", D(2026, 1, 1), D(2027, 1, 1), "year"),
        ("2026-07-01..2026-09-30", D(2026, 7, 1), D(2026, 10, 1), "quarter"),
        ("2026-07-05..2026-07-18", D(2026, 7, 5), D(2026, 7, 19), "range"),
        ("2026-07..2026-08", D(2026, 7, 1), D(2026, 9, 1), "range"),
        ("2026-01..2026-12", D(2026, 1, 1), D(2027, 1, 1), "year"),
    ],
)
def test_one_parser_reads_every_written_form(spec, start, end, unit):
    p = parse_period(spec)
    assert (p.start, p.end, p.unit) == (start, end, unit)
    assert Period.parse(spec) == p
    assert cx.Period is Period


def test_the_latest_twelve_months_end_with_the_last_complete_month():
    twelve = parse_period("latest_12_months", first=D(2024, 11, 1), last=D(2026, 10, 17))
    assert (twelve.iso, twelve.unit) == (("2025-10-01", "2026-10-01"), "range")
    assert twelve.shift(-12).iso == ("2024-10-01", "2025-10-01")
    ended = parse_period("latest_12_months", first=D(2024, 11, 1), last=D(2026, 10, 31))
    assert ended.iso == ("2025-11-01", "2026-11-01")
    calendar = parse_period("latest_12_months", first=D(2025, 3, 1), last=D(2026, 1, 4))
    assert (calendar.label, calendar.unit) == ("2025", "year")
    # fewer months of data than twelve: still the twelve months, the caller says what is missing
    assert parse_period("latest_12_months", first=D(2026, 6, 1), last=D(2026, 10, 31)).iso == (
        "2025-11-01",
        "2026-11-01",
    )


def test_relative_periods_take_the_last_complete_unit():
    first, last = D(2025, 11, 3), D(2026, 10, 17)
    assert parse_period("latest_month", first=first, last=last).label == "2026-09"
    assert parse_period("latest_quarter", first=first, last=last).label == "2026-Q3"
    assert parse_period("latest_year", first=first, last=D(2026, 12, 31)).label == "2026"
    assert parse_period("current_month", first=first, last=last).iso == ("2026-10-01", "2026-10-18")
    assert parse_period("latest_month", first=first, last=D(2026, 10, 31)).label == "2026-10"
    assert parse_period("all", first=first, last=last).iso == ("2025-11-03", "2026-10-18")
    with pytest.raises(NotEnoughDataError, match="no complete year"):
        parse_period("latest_year", first=D(2026, 2, 1), last=last)
    with pytest.raises(NotEnoughDataError, match=r"'latest_12_months'.*no complete month"):
        parse_period("latest_12_months", first=D(2026, 10, 3), last=last)
    with pytest.raises(NotEnoughDataError, match="latest_month"):
        parse_period("latest_month")


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("2026-13", "there is no month 13"),
        ("2026-Q5", "there is no quarter 5"),
        ("2026-02-30..2026-03-31", "'2026-02-30' is not a date"),
        ("2026-09-30..2026-07-01", "the end is before the start"),
        ("last month", "is not understood"),
        ("", "is not understood"),
    ],
)
def test_a_wrong_period_names_itself_and_the_accepted_forms(spec, says):
    with pytest.raises(OptionError) as e:
        parse_period(spec)
    assert f"period={spec!r}" in str(e.value) and says in str(e.value)
    if "no month" in says or "not understood" in says:
        assert "'YYYY-MM', 'YYYY-Qn'" in str(e.value)


def test_comparisons_follow_the_unit():
    month, quarter = parse_period("2026-10"), parse_period("2026-Q1")
    assert month.compare("previous").label == "2026-09"
    assert month.compare("year_ago").label == "2025-10"
    assert quarter.compare("previous").label == "2025-Q4"
    days = parse_period("2026-07-05..2026-07-18")
    assert days.compare("previous").iso == ("2026-06-21", "2026-07-05")
    assert days.compare("year_ago").iso == ("2025-07-05", "2025-07-19")
    assert month.compare("2026-Q2").label == "2026-Q2"
    leap = parse_period("2024-02-29..2024-03-02")
    assert leap.compare("year_ago").iso == ("2023-02-28", "2023-03-03")


def test_old_comparison_words_warn_and_name_the_new_ones():
    for old, new in (("previous_month", "previous"), ("last_year", "year_ago")):
        with pytest.warns(DeprecationWarning, match=f"compare_to={new!r}"):
            assert check_compare_to(old) == new
    with pytest.raises(OptionError, match="'previous', 'year_ago' or a period"):
        check_compare_to("last_month")


def test_period_bounds_are_local_midnight():
    p = parse_period("2026-10")
    lo, hi = p.utc_bounds("Asia/Shanghai")
    assert lo == dt.datetime(2026, 9, 30, 16, tzinfo=dt.UTC)
    assert hi == dt.datetime(2026, 10, 31, 16, tzinfo=dt.UTC)


def test_period_words_in_both_languages():
    p = parse_period("2026-Q3")
    with use_language("zh"):
        assert p.text == "2026年第3季度"
        assert p.compare_words("year_ago") == "同比"
    with use_language("en"):
        assert p.text == "Q3 2026"
        assert p.compare_words("previous") == "vs previous quarter"


@pytest.mark.parametrize(
    ("given", "expected", "minutes"),
    [("30m", "30m", 30), ("15m", "15m", 15), ("1h", "1h", 60), ("1H", "1h", 60), (30, "30m", 30)],
)
def test_a_grain_is_a_duration(given, expected, minutes):
    assert check_every(given) == expected
    assert every_minutes(given) == minutes


@pytest.mark.parametrize("given", ["1 week", "30", "0m", "", "weekly", 7, -30, True])
def test_a_wrong_grain_names_every_and_the_accepted_forms(given):
    with pytest.raises(OptionError) as e:
        check_every(given)
    assert f"every={given!r}" in str(e.value)
    assert "'15m'" in str(e.value) or "divide a day" in str(e.value)


def test_a_calendar_grain_has_no_minutes():
    assert check_every("1mo") == "1mo"
    with pytest.raises(OptionError, match="no fixed length"):
        every_minutes("1mo")


def test_renamed_parameters_warn_convert_and_refuse_both():
    @renamed(h="horizon", level=("alpha", lambda v: round(1 - v, 10)))
    def estimate(*, horizon: int = 1, alpha: float = 0.05) -> tuple[int, float]:
        return horizon, alpha

    with pytest.warns(
        DeprecationWarning, match=r"estimate\(h=\.\.\.\) is deprecated; use horizon="
    ):
        assert estimate(h=7) == estimate(horizon=7)
    with pytest.warns(DeprecationWarning, match="use alpha="):
        assert estimate(level=0.9) == (1, 0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert estimate(horizon=3) == (3, 0.05)
    with pytest.raises(OptionError, match="both h= and horizon="):
        estimate(h=1, horizon=2)


def test_time_zone_is_the_setting_and_timezone_its_old_name(tmp_path, monkeypatch):
    monkeypatch.delenv("CXLAB_TIME_ZONE", raising=False)
    monkeypatch.delenv("CXLAB_TIMEZONE", raising=False)
    (tmp_path / "cxlab.toml").write_text('[workspace]\ntimezone = "Europe/Paris"\n')
    from cxlab._config import settings

    with pytest.warns(DeprecationWarning, match="time_zone"):
        assert settings(tmp_path).time_zone == "Europe/Paris"
    (tmp_path / "cxlab.toml").write_text('[workspace]\ntime_zone = "America/New_York"\n')
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = settings(tmp_path)
    assert s.time_zone == "America/New_York"
    with pytest.warns(DeprecationWarning, match="Settings.time_zone"):
        assert s.timezone == "America/New_York"


def test_an_analyst_declares_a_metric_and_it_speaks_both_languages():
    m = declare_metric(
        "callback_rate",
        label={"zh": "回拨率", "en": "Callback rate"},
        unit="share",
        higher_is_better=True,
    )
    assert metric("callback_rate") is m and m.declared
    with use_language("zh"):
        assert m.label == "回拨率" == label("callback_rate")
    with use_language("en"):
        assert m.label == "Callback rate"
    assert "callback_rate" not in metrics()  # a per-unit column, not a KPI over contacts


def test_a_declared_ratio_metric_joins_the_kpis():
    import polars as pl

    declare_metric(
        "long_calls",
        label="Calls over ten minutes",
        unit="share",
        higher_is_better=False,
        numerator=(pl.col("handle_seconds") > 600).cast(pl.Float64),
        denominator=pl.lit(1.0),
    )
    assert "long_calls" in metrics()
    assert metric("long_calls").label == "Calls over ten minutes"


def test_a_plain_column_is_a_metric_with_no_direction():
    m = metric("hires")
    assert (m.unit, m.higher_is_better, m.declared) == ("number", None, False)
    from cxlab._present import fmt_change, fmt_value

    assert (fmt_value(2.5, m.unit), fmt_change(0.05, m.unit)) == ("2.50", "+0.05")


def test_a_declared_metric_can_be_forgotten():
    from cxlab.features import forget_metric

    declare_metric(
        "tmp_metric", label={"zh": "临时", "en": "Temporary"}, unit="count", higher_is_better=None
    )
    forget_metric("tmp_metric")
    assert metric("tmp_metric").declared is False
    assert label("tmp_metric") != "Temporary"


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"name": "fcr"}, "'fcr' is a KPI of the metric dictionary"),
        ({"name": ""}, "needs a non-empty name"),
        ({"unit": "percentish"}, "unit='percentish' is not allowed"),
        ({"higher_is_better": "up"}, "use True, False or None"),
        ({"label": {}}, "give the name in each language"),
        ({"numerator": "x"}, "give both numerator= and denominator="),
    ],
)
def test_a_wrong_declaration_is_refused(kwargs, says):
    args = {"name": "m1", "label": "M", "unit": "share", "higher_is_better": True, **kwargs}
    with pytest.raises(OptionError, match=says.replace("(", r"\(").replace(")", r"\)")):
        declare_metric(**args)
