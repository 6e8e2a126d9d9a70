"""NPS speaks the one vocabulary: the ground floor's Period, alpha for every interval and test,
correction for multiple testing (the old names warn and give the same result), and cxlab errors
that name the parameter, what was given and the accepted forms."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import cxlab as cx
import cxlab._present as present
from cxlab.nps._counts import level_text


def test_period_is_the_ground_floor_one():
    assert cx.nps.Period is present.Period
    assert cx.nps.parse_period is present.parse_period
    q3 = cx.nps.parse_period("2026-Q3")
    for how in ("previous", "year_ago", "2025-Q1"):
        assert cx.nps.comparison_period(q3, how) == q3.compare(how)
    assert cx.nps.comparison_period("2026-07-01..2026-07-14", "previous").label == (
        "2026-06-17..2026-06-30"
    )
    rng = {"first": dt.date(2026, 7, 1), "last": dt.date(2026, 10, 17)}
    assert cx.nps.comparison_period("latest_month", "previous", **rng).label == "2026-08"


def test_period_text_is_the_ground_floor_words():
    with present.use_language("zh"):
        assert cx.nps.parse_period("2026-Q3").text == "2026年第3季度"
    with present.use_language("en"):
        assert cx.nps.parse_period("2026-10").text == "October 2026"


def _warns_naming(new: str):
    return pytest.warns(DeprecationWarning, match=rf"use {new}")


def test_level_is_read_as_alpha_with_a_warning(tiny_surveys):
    new = cx.nps.score(tiny_surveys, by="segment", alpha=0.1).summary()
    with _warns_naming("alpha="):
        old = cx.nps.score(tiny_surveys, by="segment", level=0.9).summary()
    assert old["ci_low"].to_list() == pytest.approx(new["ci_low"].to_list())
    assert old["ci_high"].to_list() == pytest.approx(new["ci_high"].to_list())
    with _warns_naming("alpha="):
        old = cx.nps.trend(tiny_surveys, level=0.9)
    assert old.alpha == pytest.approx(0.1)
    assert old.summary()["ci_low"].to_list() == pytest.approx(
        cx.nps.trend(tiny_surveys, alpha=0.1).summary()["ci_low"].to_list()
    )
    with _warns_naming("alpha="):
        lo, hi = cx.nps.NpsCounts(50, 30, 20).interval(level=0.9)
    assert (lo, hi) == pytest.approx(cx.nps.NpsCounts(50, 30, 20).interval(alpha=0.1))
    with _warns_naming("alpha="):
        old_d = cx.nps.drivers(tiny_surveys, n_boot=30, level=0.9)
    new_d = cx.nps.drivers(tiny_surveys, n_boot=30, alpha=0.1)
    assert old_d.summary()["ci_low"].to_list() == pytest.approx(new_d.summary()["ci_low"].to_list())


def test_adjust_is_read_as_correction_with_a_warning(tiny_surveys):
    new = cx.nps.gaps(tiny_surveys, by="region", correction="bh").summary()
    with _warns_naming("correction="):
        old = cx.nps.gaps(tiny_surveys, by="region", adjust="bh").summary()
    assert old["p_adj"].to_list() == pytest.approx(new["p_adj"].to_list())
    with _warns_naming("correction="):
        change = cx.nps.compare(
            tiny_surveys, period="latest_month", by="region", adjust="none", level=0.9
        )
    assert change.correction == "none" and change.alpha == pytest.approx(0.1)
    p = np.array([0.01, 0.04, 0.03])
    with _warns_naming("correction="):
        old_p = cx.nps.adjust_p(p, method="bh")
    assert old_p.tolist() == pytest.approx(cx.nps.adjust_p(p, correction="bh").tolist())


def test_texts_write_the_level_from_alpha(tiny_surveys):
    assert level_text(0.05) == "95%" and level_text(0.1) == "90%" and level_text(0.005) == "99.5%"
    res = cx.nps.score(tiny_surveys, alpha=0.1)
    assert "90%" in res.details().notes[0] and "95%" not in res.details().notes[0]
    band = cx.nps.trend(tiny_surveys, alpha=0.2).plot().data[0].name
    assert "80%" in band
    with present.use_language("zh"):
        assert "90%" in cx.nps.score(tiny_surveys, alpha=0.1).details().notes[0]


def test_alpha_outside_zero_one_is_refused(tiny_surveys):
    with pytest.raises(cx.OptionError, match=r"alpha=1\.5 .*between 0 and 1.*alpha=0\.05"):
        cx.nps.score(tiny_surveys, alpha=1.5)
    with pytest.raises(cx.OptionError, match="alpha=nan"):
        cx.nps.trend(tiny_surveys, alpha=float("nan"))


def test_correction_outside_the_vocabulary_is_refused(tiny_surveys):
    with pytest.raises(cx.OptionError, match=r"correction='bonferroni'.*'holm', 'bh', 'none'"):
        cx.nps.gaps(tiny_surveys, by="region", correction="bonferroni")


def test_an_empty_period_names_the_range_the_surveys_cover(tiny_surveys):
    """The tiny workspace's surveys run from July to October 2026 (local time)."""
    first = "2026-07-01"
    last = "2026-10-31"
    for call in (
        lambda: cx.nps.score(tiny_surveys, period="2031-01"),
        lambda: cx.nps.compare(tiny_surveys, period="2031-01"),
        lambda: cx.nps.gaps(tiny_surveys, by="region", period="2031-01"),
        lambda: cx.nps.drivers(tiny_surveys, period="2031-01", n_boot=20),
        lambda: cx.nps.themes(tiny_surveys, period="2031-01"),
        lambda: cx.nps.followup(tiny_surveys, period="2031-01"),
    ):
        with pytest.raises(cx.NotEnoughDataError) as err:
            call()
        message = str(err.value)
        assert "period='2031-01'" in message and "2031-01-01 to 2031-01-31" in message
        assert f"the surveys cover {first} to {last}" in message


def test_a_period_that_does_not_exist_is_an_option_error(tiny_surveys):
    with pytest.raises(
        cx.OptionError, match=r"period='2026-13': there is no month 13; use 'YYYY-MM'"
    ):
        cx.nps.compare(tiny_surveys, period="2026-13")
    with pytest.raises(cx.OptionError, match=r"period='last tuesday' is not understood; use"):
        cx.nps.score(tiny_surveys, period="last tuesday")
    with pytest.raises(cx.OptionError, match=r"compare_to='last week' .*'previous', 'year_ago'"):
        cx.nps.compare(tiny_surveys, period="latest_month", compare_to="last week")


def test_headline_cards_compare_in_the_one_vocabulary(tiny_surveys):
    """环比 ("previous"), 同比 ("year_ago") or the explicit period, worded from the card's period;
    the old "previous_month" is read with a warning."""
    for how, words in (
        ("previous", "vs previous month"),
        ("year_ago", "vs same month last year"),
        ("2026-07", "vs July 2026"),
    ):
        card = cx.nps.compare(tiny_surveys, period="2026-10", compare_to=how).headline()[0]
        assert card.compared_to == how
        assert card.comparison_text() == words
    with _warns_naming("compare_to='previous'"):
        change = cx.nps.compare(tiny_surveys, period="2026-10", compare_to="previous_month")
    assert change.headline()[0].compared_to == "previous"
    assert change.compare_to == "2026-09"
    with present.use_language("zh"):
        card = cx.nps.compare(tiny_surveys, period="2026-10").headline()[0]
        assert card.comparison_text() == "环比"


def test_results_still_answer_to_their_old_names(tiny_surveys):
    res = cx.nps.gaps(tiny_surveys, by="region", alpha=0.1, correction="bh")
    with _warns_naming("alpha"):
        assert res.level == pytest.approx(0.9)
    with _warns_naming("correction"):
        assert res.adjust == "bh"
    with _warns_naming("alpha"):
        assert cx.nps.trend(tiny_surveys).level == pytest.approx(0.95)
