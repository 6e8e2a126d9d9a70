"""Interrupted time series for a change made everywhere at once.

The series is read at its own grain (daily, weekly or monthly, see
:mod:`cxlab.experiments._its_design`) with the seasonality that grain and the history before the
change identify, optional covariates, and the change as a step at the start (``model="level"``)
or a step and a change of slope (``model="level_and_slope"``), on the measure or its logarithm.

Two forms: segmented regression with Newey-West errors (``method="segmented"``), or a
structural time-series model (local level + seasonal + covariates + the change as a regressor,
``method="structural"``, :mod:`cxlab.experiments._its_structural`) for long series. A placebo
start halfway through the period before the change checks that the method does not find
"effects" where there were none.

References
----------
Bernal, Cummins & Gasparrini (2017), Interrupted time series regression for the evaluation of
public health interventions: a tutorial, Int. J. Epidemiology 46(1).
Newey & West (1987), A simple, positive semi-definite, heteroskedasticity and autocorrelation
consistent covariance matrix, Econometrica 55.
Harvey & Durbin (1986), The effects of seat belt legislation on British road casualties, J. R.
Statist. Soc. A 149(3); Durbin & Koopman (2012), Time Series Analysis by State Space Methods,
2nd ed., section 8.2.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, SchemaError
from cxlab._options import check_alpha, check_option
from cxlab._stats import estimate_row
from cxlab.experiments._its_design import (
    LAGS,
    MINIMUM,
    Errors,
    Method,
    Model,
    clock,
    date_of,
    design,
    local_dates,
    period_of,
    seasonal_columns,
    seasonality,
    segmented,
)
from cxlab.experiments._its_result import ITS_CANNOT, ITSResult
from cxlab.experiments._placebo import PLACEBO_KINDS, PlaceboResult
from cxlab.experiments._text import plain_column, resolve
from cxlab.features import Metric

__all__ = ["ITS_CANNOT", "PLACEBO_KINDS", "ITSResult", "PlaceboResult", "its"]

UNIT_NAMES = {"1d": "days", "1w": "weeks", "1mo": "months"}
GRAIN_NAMES = {"1d": "daily", "1w": "weekly", "1mo": "monthly"}


def _row(term, est, se, alpha=0.05, df=None, log=False):
    """An estimates row; with ``df`` a t interval, else a normal one; ``log``: the estimate and
    interval as relative changes exp(b) - 1 (the standard error stays that of b)."""
    row = estimate_row(term, est, se, alpha=alpha, df=df)
    if log:
        for k in ("estimate", "ci_low", "ci_high"):
            row[k] = float(np.expm1(row[k]))
    return row


def _post(ts: pl.Series, dates: list[dt.date], every: str, start) -> np.ndarray:
    """Periods that begin on or after ``start`` (a month dated at its end begins on the 1st)."""
    if isinstance(ts.dtype, pl.Datetime):
        from zoneinfo import ZoneInfo

        tz = getattr(ts.dtype, "time_zone", None)
        if isinstance(start, dt.datetime):
            if tz:
                cmp = start.astimezone(ZoneInfo(tz)) if start.tzinfo else start
                cmp = cmp.replace(tzinfo=ZoneInfo(tz))
            else:
                cmp = start.replace(tzinfo=None)
        else:  # a date is a local date in the series' zone: its midnight there
            cmp = dt.datetime(
                start.year, start.month, start.day, tzinfo=ZoneInfo(tz) if tz else None
            )
        if every != "1mo":
            return (ts >= cmp).to_numpy()
        key = cmp.date()
    else:
        key = start.date() if isinstance(start, dt.datetime) else start
    begins = [d.replace(day=1) if every == "1mo" else d for d in dates]
    return np.array([b >= key for b in begins])


def _calendar(rows: pl.DataFrame, covariates, c, every: str) -> dict[str, np.ndarray]:
    """The covariates on every period of the series' calendar, by period count (the structural
    form reads the calendar, the outcome missing on the periods the series has no value for).

    Raises
    ------
    SchemaError
        A covariate with no value on a period of the calendar.
    """
    n = int(c.t.max()) + 1
    origin = c.dates[0]
    days = local_dates(rows["ts"])
    out = {}
    for k in covariates:
        v = np.full(n, np.nan)
        for d, x in zip(days, rows[k].cast(pl.Float64).to_list(), strict=True):
            i = period_of(every, d, origin)
            if 0 <= i < n and x is not None:
                v[i] = x
        gaps = np.flatnonzero(np.isnan(v))
        if gaps.size:
            some = ", ".join(str(date_of(every, int(i), origin)) for i in gaps[:3])
            raise SchemaError(
                f"its(method='structural'): the structural form reads every period from "
                f"{origin} to {c.dates[-1]}, but covariate {k!r} has no value on {gaps.size} of "
                f"them (for example {some}); give its values there (the outcome may stay "
                f"missing), or use method='segmented'."
            )
        out[k] = v
    return out


def _estimate(
    y, t, dates, post, covs, *, every, model, method, errors, lags, alpha, log, cov_cal=None
):
    """Fit one form around ``post``: (rows of the change, covariate rows, fitted path,
    the change's part of it, seasonal parts modelled). The structural form reads the calendar
    from the first to the last period of ``t``, with covariates ``cov_cal`` (by period count)."""
    slope = model == "level_and_slope"
    t0 = t[post].min()
    parts = seasonality(every, int(t0 - t.min()))
    since = t - t0
    c_avg = np.array([1.0, float(since[post].mean())])
    if method == "segmented":
        d = design(t, post, seasonal_columns(every, dates, parts), covs, model)
        fit = segmented(y, d, errors, lags, t)
        params, cov, df = np.asarray(fit.params), np.asarray(fit.cov_params()), fit.df_resid
        idx = d.effect
        fitted = d.x @ params  # the mean path (without the AR(1) part of the errors)
        effect_x = d.x[:, idx]
        cov_idx = [d.names.index(c) for c in covs]
    else:
        from cxlab.experiments._its_structural import structural

        # every period of the calendar, y missing where the series has no value, so that a
        # seasonal of 7 days is a week even on a series closed on Sundays
        tt = np.arange(t.min(), t.max() + 1)
        rows = (t - t.min()).astype(int)
        y_cal = np.full(tt.size, np.nan)
        y_cal[rows] = y
        post_cal = tt >= t0
        extra = [post_cal.astype(float), post_cal * (tt - t0)] if slope else [post_cal * 1.0]
        given = (cov_cal or {}).values()
        exog = np.column_stack([*(v[tt.astype(int)] for v in given), *extra])
        sf = structural(y_cal, exog, every=every, parts=parts, slope=False)
        params, cov, df = sf.coef, sf.cov, None
        k = len(covs)
        idx = list(range(k, k + len(extra)))
        fitted = sf.signal[rows]
        effect_x = exog[rows][:, idx]
        cov_idx = list(range(k))
    b, v = params[idx], cov[np.ix_(idx, idx)]
    level = _row("level change at start", b[0], np.sqrt(v[0, 0]), alpha, df, log)
    rows = {"level": level}
    if slope:
        rows["slope"] = _row("slope change", b[1], np.sqrt(v[1, 1]), alpha, df, log)
        avg, avg_se = float(c_avg @ b), float(np.sqrt(c_avg @ v @ c_avg))
        rows["average"] = _row("average effect after start", avg, avg_se, alpha, df, log)
    cov_rows = [
        _row(name, float(params[i]), float(np.sqrt(cov[i, i])), alpha, df)
        for name, i in zip(covs, cov_idx, strict=False)
    ]
    return rows, cov_rows, fitted, effect_x @ b, parts


def its(
    series: pl.DataFrame,
    *,
    start: dt.datetime | dt.date,
    alpha: float = 0.05,
    lags: int | None = None,
    experiment: str = "",
    metric: str | Metric | None = "",
    scope: str = "",
    every: str | None = None,
    model: Model = "level_and_slope",
    log: bool = False,
    covariates: Sequence[str] = (),
    method: Method = "segmented",
    errors: Errors = "ar1",
) -> ITSResult:
    """Interrupted time series of a daily, weekly or monthly series ``ts, y`` around ``start``.

    Parameters
    ----------
    series
        One row per period: ``ts`` (a date or local datetime) and ``y``, or a column named by
        ``metric`` (a plain column of the series); the ``covariates`` columns.
    start
        When the change went live everywhere. A period counts as after the change when it
        begins on or after ``start``.
    alpha
        The intervals are ``1 - alpha`` confidence intervals, and the placebo check fails below
        ``alpha``.
    lags
        Newey-West lags of the segmented form with ``errors="newey_west"``; by default two
        weeks of days, a month of weeks (4) or a quarter of months (3).
    metric
        What ``y`` measures: a KPI of the dictionary, a declared metric or a plain name (it names
        and formats the outcome); the unnamed outcome when empty.
    every
        The grain, ``"1d"``, ``"1w"`` or ``"1mo"``; read from the spacing of ``ts`` when None.
    model
        ``"level_and_slope"`` (a step at the start and a change of slope after it; the headline
        is the average effect over the periods after the start) or ``"level"`` (a step only; the
        headline is the level change).
    log
        Model the logarithm of the outcome: the change is a relative one, ``exp(b) - 1``, with
        its interval transformed the same way (the outcome must be positive).
    covariates
        Columns of ``series`` that move the outcome whatever the change (prices, traffic...).
    method
        ``"segmented"`` (regression with Newey-West errors) or ``"structural"`` (local level,
        stochastic seasonal, covariates and the change as a regressor; its interval comes from
        the state-space standard error of the change's coefficient). It reads every period of
        the calendar, the outcome missing on those the series has no value for (a service
        closed on Sundays), so that its seasonal follows the calendar.
    errors
        The segmented form's errors: ``"ar1"`` (feasible GLS with first-order autocorrelated
        errors, Cochrane-Orcutt) or ``"newey_west"`` (OLS with Newey-West standard errors, which
        are too narrow for a step lasting a few dozen periods: see
        :func:`cxlab.experiments._its_design.segmented`).

    Raises
    ------
    SchemaError
        A series without ``ts``, an outcome column or a covariate; irregular spacing; a
        non-positive outcome in a log model; with ``method="structural"``, a covariate without
        a value on a period of the calendar (the outcome may be missing there, not the
        covariate).
    NotEnoughDataError
        Too few periods before or after the start (4 weeks and 2 weeks of days, 12 and 4 weeks,
        12 and 3 months); the message names the periods the series covers.
    OptionError
        An option outside its allowed values.

    References
    ----------
    Bernal, Cummins & Gasparrini (2017), Int. J. Epidemiology 46(1); Newey & West (1987),
    Econometrica 55; Durbin & Koopman (2012), Time Series Analysis by State Space Methods, 2nd
    ed., section 8.2.

    Examples
    --------
    >>> import datetime as dt, numpy as np, polars as pl, cxlab as cx
    >>> months = pl.date_range(dt.date(2020, 1, 1), dt.date(2024, 12, 1), "1mo", eager=True)
    >>> y = 100 + 5 * np.sin(np.arange(60) * np.pi / 6) - 8 * (np.arange(60) >= 48)
    >>> res = cx.experiments.its(pl.DataFrame({"ts": months, "y": y}), start=dt.date(2024, 1, 1),
    ...                          model="level")
    >>> res.every, res.seasonality, round(res.effect["estimate"], 1)
    ('1mo', ('month',), -8.0)
    """
    alpha = check_alpha(alpha)
    check_option("model", model, Model)
    check_option("method", method, Method)
    check_option("errors", errors, Errors)
    name = metric.name if isinstance(metric, Metric) else metric
    if "ts" not in series.columns:
        raise SchemaError(
            f"its(): the series has no column 'ts' (the day); its columns are "
            f"{', '.join(series.columns)}."
        )
    if "y" in series.columns:
        measure, column = resolve(metric), "y"
    elif name and name in series.columns:
        measure, column = plain_column(metric), name
    else:
        wanted = "'y'" + (f" nor {name!r}" if name else "")
        raise SchemaError(
            f"its(): the series has no outcome column {wanted}; give ts and y (one value per "
            f"day), or ts and a column named by metric=. Its columns are "
            f"{', '.join(series.columns)}."
        )
    covariates = tuple(covariates)
    for c in covariates:
        if c not in series.columns or c in ("ts", column):
            raise SchemaError(
                f"its(covariates=...): {c!r} is not a column of the series besides ts and the "
                f"outcome; its columns are {', '.join(series.columns)}."
            )
    s = series.select("ts", pl.col(column).cast(pl.Float64).alias("y"), *covariates).sort("ts")
    # a NaN outcome is missing like a null one: those periods are left out (and said so); the
    # gaps they leave are whole periods, which both forms take
    no_value = pl.col("y").is_null() | pl.col("y").is_nan()
    missing = tuple(local_dates(s.filter(no_value)["ts"])) if s.height else ()
    listed, s = s, s.filter(~no_value)
    for c in covariates:
        s = s.with_columns(pl.col(c).cast(pl.Float64))
        gaps = s.filter(pl.col(c).is_null() | pl.col(c).is_nan())
        if gaps.height:
            raise SchemaError(
                f"its(): covariate {c!r} has no value on {gaps.height} period(s) with an "
                f"outcome (for example {', '.join(str(v) for v in gaps['ts'].head(3))}); fill "
                f"them or drop those periods."
            )
    if log and s.height and s["y"].min() <= 0:
        bad = s.filter(pl.col("y") <= 0)["ts"].head(3)
        raise SchemaError(
            f"its(log=True): the logarithm needs a positive outcome; it is zero or negative on "
            f"{', '.join(str(v) for v in bad)}."
        )
    if s.height < 2:
        raise NotEnoughDataError(
            f"{experiment or 'its()'}: the series has {s.height} period(s) with a value; "
            f"ITS needs a series before and after the start {start}."
        )
    ts = s["ts"]
    c = clock(ts, every)
    every = c.every
    post = _post(ts, c.dates, every, start)
    need_pre, need_post = MINIMUM[every]
    units = UNIT_NAMES[every]
    if post.sum() < need_post or (~post).sum() < need_pre:
        raise NotEnoughDataError(
            f"{experiment or 'its()'}: ITS on a {GRAIN_NAMES[every]} series needs {need_pre} {units} "
            f"before and {need_post} {units} after the start {start}; the series has "
            f"{int((~post).sum())} {units} before and {int(post.sum())} after (it covers "
            f"{ts.min()} to {ts.max()})."
        )
    lags = LAGS[every] if lags is None else int(lags)
    y = s["y"].to_numpy().astype(float)
    y_m = np.log(y) if log else y
    covs = {k: s[k].to_numpy() for k in covariates}
    kw = dict(
        every=every, model=model, method=method, errors=errors, lags=lags, alpha=alpha, log=log
    )
    if method == "structural":
        kw["cov_cal"] = _calendar(listed, covariates, c, every)
    rows, cov_rows, fitted_m, effect_m, parts = _estimate(y_m, c.t, c.dates, post, covs, **kw)
    counter_m = fitted_m - effect_m
    fitted, counter = (np.exp(fitted_m), np.exp(counter_m)) if log else (fitted_m, counter_m)
    headline = rows.get("average", rows["level"])
    # placebo: a fake start halfway through the period before the change, fitted on it alone
    pre = ~post
    t_pre = c.t[pre]
    fake = t_pre >= np.median(t_pre)
    pre_dates = [d for d, p in zip(c.dates, pre, strict=False) if p]
    fake_day = ts.filter(pl.Series(pre))[int(np.argmax(fake))]
    try:
        p_rows, *_rest = _estimate(
            y_m[pre], t_pre, pre_dates, fake, {k: v[pre] for k, v in covs.items()}, **kw
        )
        pr = p_rows.get("average", p_rows["level"])
    except (ValueError, np.linalg.LinAlgError, IndexError):  # too short to fit: untested
        pr = dict(estimate=float("nan"), ci_low=float("nan"), ci_high=float("nan"))
        pr["p_value"] = float("nan")
    measures = (measure,)
    placebo = PlaceboResult(
        f"fake start on {fake_day:%Y-%m-%d}, halfway through the pre-period",
        pr["estimate"],
        pr["ci_low"],
        pr["ci_high"],
        pr["p_value"],
        measure.name,
        kind="fake_start",
        when=fake_day,
        threshold=alpha,
        measures=measures,
        unit="percent" if log else "",
    )
    out = s.select("ts", "y").with_columns(
        fitted=pl.Series(fitted),
        counterfactual=pl.Series(counter),
        post=pl.Series(post),
    )
    terms = [headline] + [
        rows[k] for k in ("level", "slope") if k in rows and rows[k] is not headline
    ]
    return ITSResult(
        experiment,
        measure.name,
        out,
        headline,
        rows["level"],
        float(counter[post].mean()),
        placebo,
        scope,
        lags if method == "segmented" and errors == "newey_west" else 0,
        alpha,
        measures,
        slope_change=rows.get("slope"),
        estimates=pl.DataFrame(terms + cov_rows),
        every=every,
        model=model,
        log=log,
        covariates=covariates,
        method=method,
        errors=errors if method == "segmented" else "",
        seasonality=parts,
        history=int(c.t[post].min() - c.t.min()),
        after=int(c.t.max() - c.t[post].min() + 1),
        missing=missing,
    )
