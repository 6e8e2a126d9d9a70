"""Interrupted time series at the data's own grain: seasonality by grain and history, covariates,
level-only or level-and-slope, a log model in percent, and what the text says was modelled.

Planted truths: a level change on a seasonal monthly series is found inside its interval (both
forms, fast); slow simulations check that nominal 95% intervals of the segmented form cover
93-97% of the time at daily and monthly grain."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

import cxlab as cx


def _ar1(n: int, phi: float, rng: np.random.Generator, sd: float = 1.0) -> np.ndarray:
    eps = rng.normal(0, sd, n)
    e = np.zeros(n)
    for i in range(n):
        e[i] = (phi * e[i - 1] if i else 0.0) + eps[i]
    return e


def _monthly(n: int = 96, n_pre: int = 72, *, jump: float = -5.0, slope: float = 0.0, seed=0):
    """Months from January 2015: trend, a month-of-year wave, AR(1) noise and a planted change."""
    rng = np.random.default_rng(seed)
    ts = pl.date_range(
        dt.date(2015, 1, 1), dt.date(2015, 1, 1) + dt.timedelta(31 * n), "1mo", eager=True
    )
    ts = ts[:n]
    t = np.arange(n)
    post = t >= n_pre
    season = 6 * np.sin(2 * np.pi * np.array([d.month for d in ts.to_list()]) / 12)
    y = 100 + 0.05 * t + season + jump * post + slope * post * (t - n_pre) + _ar1(n, 0.3, rng)
    return pl.DataFrame({"ts": ts, "y": y}), ts[n_pre]


def _daily(n: int = 120, n_pre: int = 90, *, jump: float = 1.5, slope: float = 0.0, seed=0):
    rng = np.random.default_rng(seed)
    ts = pl.date_range(dt.date(2025, 1, 6), dt.date(2025, 1, 6) + dt.timedelta(n - 1), eager=True)
    t = np.arange(n)
    post = t >= n_pre
    week = np.array([0, 0.5, 0.3, 0.2, 0.1, -1.0, -1.5])[[d.weekday() for d in ts.to_list()]]
    y = 20 + 0.01 * t + week + jump * post + slope * post * (t - n_pre) + _ar1(n, 0.3, rng)
    return pl.DataFrame({"ts": ts, "y": y}), ts[n_pre]


def _inside(row: dict, truth: float) -> bool:
    return row["ci_low"] <= truth <= row["ci_high"]


def test_monthly_series_gets_month_of_year_terms_and_no_weekday_terms():
    """Months read as months: 72 months before the change give month-of-year effects (no
    day-of-week dummies for the weekday each month starts on); the planted -5 is recovered."""
    df, start = _monthly()
    res = cx.experiments.its(df, start=start, model="level")
    assert res.every == "1mo" and res.seasonality == ("month",)
    assert res.history == 72 and res.after == 24
    assert _inside(res.effect, -5.0) and res.effect["ci_high"] < 0
    method = res.details()[0]
    assert "month-of-year effects" in method and "day-of-week" not in method
    assert "monthly" in method
    # without month-of-year terms the wave swamps the change: the interval is far wider
    short = cx.experiments.its(df.tail(40), start=start, model="level")
    assert short.seasonality == ()
    width = res.effect["ci_high"] - res.effect["ci_low"]
    assert short.effect["ci_high"] - short.effect["ci_low"] > 1.5 * width


def test_weekly_series_gets_annual_fourier_terms_after_two_years():
    rng = np.random.default_rng(3)
    ts = pl.date_range(dt.date(2021, 1, 4), dt.date(2024, 12, 30), "1w", eager=True)
    n = len(ts)
    t = np.arange(n)
    doy = np.array([d.timetuple().tm_yday for d in ts.to_list()])
    post = t >= 160
    y = 50 + 4 * np.cos(2 * np.pi * doy / 365.25) + 3.0 * post + rng.normal(0, 1, n)
    res = cx.experiments.its(pl.DataFrame({"ts": ts, "y": y}), start=ts[160], model="level")
    assert res.every == "1w" and res.seasonality == ("annual",) and res.history == 160
    assert _inside(res.effect, 3.0)
    assert "annual Fourier terms" in res.details()[0] and "weekly" in res.details()[0]
    young = cx.experiments.its(pl.DataFrame({"ts": ts, "y": y}).tail(120), start=ts[160])
    assert young.seasonality == () and young.history == 160 - (n - 120)


def test_seasonality_sentence_matches_the_history_length():
    """The text names the actual history: 20 months is too short for a month-of-year pattern,
    30 months is enough; a 16-year monthly series never reads 'less than two years'."""
    df, start = _monthly(n=26, n_pre=20)
    short = cx.experiments.its(df, start=start)
    said = " ".join(short.findings())
    assert "The month-of-year pattern is not modelled: 20 months before the change" in said
    df, start = _monthly(n=36, n_pre=30)
    enough = cx.experiments.its(df, start=start)
    said = " ".join(enough.findings())
    assert "Its seasonal pattern is learned from 30 months before the change." in said
    assert "its month-of-year pattern" in said and "not modelled" not in said
    df, start = _monthly(n=192, n_pre=169)
    long = " ".join(cx.experiments.its(df, start=start).findings())
    assert "less than two years" not in long and "169 months before the change" in long
    days, start = _daily()
    daily = " ".join(cx.experiments.its(days, start=start).findings())
    assert "its weekly pattern" in daily
    assert "The annual season is not modelled: 90 days before the change" in daily


def test_log_model_headline_is_a_percent_change():
    """On the log scale a planted 20% fall reads exp(b) - 1 = -20%, its interval transformed the
    same way (exp of each end, so not symmetric), and the text shows percents."""
    df, start = _monthly(seed=4)
    rng = np.random.default_rng(4)
    t = np.arange(df.height)
    y = np.exp(6 + 0.002 * t + np.log(0.8) * (t >= 72) + rng.normal(0, 0.03, df.height))
    res = cx.experiments.its(df.with_columns(y=pl.Series(y)), start=start, model="level", log=True)
    e = res.effect
    assert e["estimate"] == pytest.approx(-0.20, abs=0.03) and _inside(e, -0.20)
    b = np.log1p(e["estimate"])  # the interval is symmetric around b on the log scale only
    assert np.log1p(e["ci_high"]) - b == pytest.approx(b - np.log1p(e["ci_low"]), rel=1e-9)
    assert e["ci_high"] - e["estimate"] != pytest.approx(e["estimate"] - e["ci_low"], rel=1e-3)
    assert "%" in res.findings()[0] and "percent" in " ".join(res.findings())
    assert "logarithm of" in res.details()[0]
    with pytest.raises(cx.SchemaError, match="positive outcome"):
        cx.experiments.its(df.with_columns(y=pl.lit(0.0)), start=start, log=True)


def test_covariates_enter_the_model():
    """An outcome driven by a covariate that also jumps at the start: without it the change
    takes the covariate's jump; with it, the planted +2 is recovered and the covariate's
    coefficient (3) is in the summary."""
    rng = np.random.default_rng(80)
    df, start = _monthly(n=96, n_pre=72, jump=2.0, seed=8)
    price = rng.normal(0, 0.5, 96) + 1.0 * (np.arange(96) >= 72)
    df = df.with_columns(y=pl.col("y") + 3 * pl.Series(price), price=pl.Series(price))
    plain = cx.experiments.its(df, start=start, model="level")
    res = cx.experiments.its(df, start=start, model="level", covariates=["price"])
    assert not _inside(plain.effect, 2.0) and _inside(res.effect, 2.0)
    row = res.summary().filter(pl.col("term") == "price").row(0, named=True)
    assert _inside(row, 3.0) and row["estimate"] == pytest.approx(3.0, abs=0.3)
    assert "its link with price" in " ".join(res.findings())
    with pytest.raises(cx.SchemaError, match="'fuel' is not a column"):
        cx.experiments.its(df, start=start, covariates=["fuel"])


def test_level_only_and_level_and_slope_report_their_own_terms():
    """Level-only: the headline is the level change, one term. Level-and-slope: the average
    effect is the headline, with the level change and the slope change beside it; a planted
    step of -3 and slope of -0.2 per month are each inside their intervals."""
    df, start = _monthly(jump=-3.0, slope=-0.2, seed=2)
    level = cx.experiments.its(df, start=start, model="level")
    assert level.effect["term"] == "level change at start" and level.slope_change is None
    assert level.summary()["term"].to_list() == ["level change at start"]
    both = cx.experiments.its(df, start=start, model="level_and_slope")
    assert both.summary()["term"].to_list() == [
        "average effect after start",
        "level change at start",
        "slope change",
    ]
    assert _inside(both.level_change, -3.0) and _inside(both.slope_change, -0.2)
    # the average over 24 months after the start: -3 - 0.2 * 11.5
    assert _inside(both.effect, -3.0 - 0.2 * 11.5)
    assert both.effect["estimate"] == pytest.approx(
        both.level_change["estimate"] + 11.5 * both.slope_change["estimate"]
    )
    said = " ".join(both.details())
    assert "The headline is the average effect after the start" in said
    assert "The headline is the level change at the start" in " ".join(level.details())
    with pytest.raises(cx.OptionError, match="model='slope'"):
        cx.experiments.its(df, start=start, model="slope")


def test_planted_level_change_on_a_seasonal_monthly_series_both_forms():
    """A -5 step on eight years of seasonal months with AR(1) noise: the segmented and the
    structural forms both hold it inside their 95% intervals, and neither places it at zero."""
    df, start = _monthly(seed=21)
    for method in ("segmented", "structural"):
        res = cx.experiments.its(df, start=start, model="level", method=method)
        assert _inside(res.effect, -5.0) and res.effect["ci_high"] < 0, (method, res.effect)
        assert res.placebo.passed, method
    structural = cx.experiments.its(df, start=start, model="level", method="structural")
    assert "structural time-series model" in structural.details()[0]
    assert "state-space standard error" in structural.details()[0]


def test_irregular_spacing_and_wrong_grains_are_refused():
    days = pl.date_range(dt.date(2025, 1, 1), dt.date(2025, 6, 30), eager=True).to_list()
    mixed = [d for i, d in enumerate(days) if i % 7 == 0][:20] + days[140:150]
    with pytest.raises(cx.SchemaError, match="irregular"):
        cx.experiments.its(pl.DataFrame({"ts": mixed, "y": 1.0}), start=dt.date(2025, 5, 1))
    odd = [dt.date(2025, 1, 1) + dt.timedelta(days=int(10 * i**1.1)) for i in range(40)]
    with pytest.raises(cx.SchemaError, match="not daily, weekly or monthly"):
        cx.experiments.its(pl.DataFrame({"ts": odd, "y": 1.0}), start=odd[30])
    df, start = _monthly()
    with pytest.raises(cx.SchemaError, match="every='1w'"):
        cx.experiments.its(df, start=start, every="1w")
    with pytest.raises(cx.OptionError, match="daily"):
        cx.experiments.its(df, start=start, every="1h")
    with pytest.raises(cx.SchemaError, match="more than one row for 2015-01-01"):
        cx.experiments.its(pl.concat([df.head(1), df]), start=start)


def _coverage(make, model: str, truth, reps: int) -> tuple[float, float]:
    head = level = 0
    for seed in range(reps):
        df, start = make(seed)
        res = cx.experiments.its(df, start=start, model=model)
        head += _inside(res.effect, truth)
        level += _inside(res.level_change, -5.0 if make is _month_sim else 1.5)
    return head / reps, level / reps


def _month_sim(seed: int):
    return _monthly(jump=-5.0, slope=0.1, seed=1000 + seed)


def _day_sim(seed: int):
    return _daily(jump=1.5, slope=0.02, seed=2000 + seed)


@pytest.mark.slow
@pytest.mark.parametrize(
    "make, truth",
    [(_day_sim, 1.5 + 0.02 * 14.5), (_month_sim, -5.0 + 0.1 * 11.5)],
    ids=["daily", "monthly"],
)
def test_segmented_intervals_cover_95_percent(make, truth):
    """600 replications of 120 days (90 before) or 96 months (72 before) with AR(1) noise (0.3),
    a weekly or month-of-year pattern, a step and a slope change: the 95% intervals of the
    average effect and of the level change each cover the truth 93-97% of the time."""
    head, level = _coverage(make, "level_and_slope", truth, 600)
    assert 0.93 <= head <= 0.97, head
    assert 0.93 <= level <= 0.97, level


def test_nan_outcome_is_left_out_like_a_null_and_said():
    """A NaN outcome is missing like a null: both give the same estimate (they used to crash
    the fit with 'SVD did not converge'), and the details name how many periods were left out."""
    df, start = _daily(seed=5)
    hole = pl.int_range(df.height).is_in([10, 11, 40])
    nan = df.with_columns(y=pl.when(hole).then(float("nan")).otherwise(pl.col("y")))
    null = df.with_columns(y=pl.when(hole).then(None).otherwise(pl.col("y")))
    a = cx.experiments.its(nan, start=start)
    b = cx.experiments.its(null, start=start)
    assert a.effect["estimate"] == pytest.approx(b.effect["estimate"], rel=1e-12)
    assert a.series.height == 117 and a.missing == tuple(
        df["ts"].to_list()[i] for i in (10, 11, 40)
    )
    said = " ".join(a.details())
    assert "left out of the model (3 of them, for example Jan 16, 2025, Jan 17, 2025" in said
    assert "left out" not in " ".join(cx.experiments.its(df, start=start).details())


def test_time_zone_aware_series_with_a_date_start():
    """A local-midnight series in Europe/London with a date as start: the date is a local date
    there, so the 30 days from 6 April 2025 (after the clocks went forward) are the post-period,
    and the estimate equals that of the same series given as dates."""
    df, start = _daily(seed=6)
    aware = df.with_columns(
        ts=pl.col("ts").cast(pl.Datetime("us")).dt.replace_time_zone("Europe/London")
    )
    res = cx.experiments.its(aware, start=start)
    assert int(res.series["post"].sum()) == 30 and start == dt.date(2025, 4, 6)
    plain = cx.experiments.its(df, start=start)
    assert res.effect["estimate"] == pytest.approx(plain.effect["estimate"], rel=1e-9)


def _closed_sundays(seed: int = 1):
    """200 days from Monday 6 January 2025 with a strong weekly pattern and a +2 step on day
    150; the same series with its Sundays removed (a service closed on Sundays)."""
    rng = np.random.default_rng(seed)
    n = 200
    ts = pl.date_range(dt.date(2025, 1, 6), dt.date(2025, 1, 6) + dt.timedelta(n - 1), eager=True)
    week = 5 * np.array([1, 0.5, 0.3, 0.2, 0.1, -1.0, -1.5])[[d.weekday() for d in ts.to_list()]]
    y = 100 + 0.01 * np.arange(n) + week + 2.0 * (np.arange(n) >= 150) + rng.normal(0, 1, n)
    df = pl.DataFrame({"ts": ts, "y": y})
    return df, df.filter(pl.col("ts").dt.weekday() != 7), ts[150]


def test_structural_form_reads_the_calendar_on_a_series_closed_on_sundays():
    """The structural form puts the series on its full calendar (y missing on Sundays), so its
    7-day seasonal stays a week: the closed-on-Sundays series gives about the estimate and the
    standard error of the full one (counting rows as the clock gave 3.06 with a standard error
    of 0.57, against 2.50 and 0.32). A covariate unknown on the Sundays is refused by name."""
    full, closed, start = _closed_sundays()
    a = cx.experiments.its(full, start=start, method="structural").effect
    b = cx.experiments.its(closed, start=start, method="structural").effect
    assert b["std_error"] < 1.2 * a["std_error"] and abs(b["estimate"] - a["estimate"]) < 0.2
    assert _inside(b, 2.0)
    price = closed.with_columns(price=pl.lit(1.0))
    with pytest.raises(cx.SchemaError, match=r"covariate 'price' has no value on 28 .*2025-01-12"):
        cx.experiments.its(price, start=start, method="structural", covariates=["price"])
    # the covariate known on the closed days (their outcome missing) is enough
    known = full.with_columns(
        y=pl.when(pl.col("ts").dt.weekday() == 7).then(None).otherwise(pl.col("y")), price=1.0
    )
    res = cx.experiments.its(known, start=start, method="structural", covariates=["price"])
    assert _inside(res.effect, 2.0) and len(res.missing) == 28


def test_segmented_form_drops_the_weekday_a_series_never_has():
    """Closed on Sundays, the segmented form has no all-zero Sunday column (it made the design
    singular); closed on Mondays, Tuesday becomes the base. Both recover the planted +2."""
    import warnings

    full, closed, start = _closed_sundays(seed=2)
    no_monday = full.filter(pl.col("ts").dt.weekday() != 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for df in (closed, no_monday):
            res = cx.experiments.its(df, start=start, model="level")
            assert _inside(res.effect, 2.0) and res.effect["std_error"] < 0.5
