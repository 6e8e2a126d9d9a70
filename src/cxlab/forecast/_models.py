"""Contact-centre forecasters: seasonal naive baselines and the planners' daily-total x profile method."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from cxlab._options import check_option
from cxlab.forecast._base import Forecaster
from cxlab.forecast._events import after_closure, first_weekday, open_weekdays, regressors
from cxlab.forecast._glm import PoissonFit, poisson_irls
from cxlab.forecast._panel import Panel, weekday

Season = Literal["week", "day"]


class SeasonalNaive(Forecaster):
    """Repeat the last same weekday (``season="week"``) or the last open day (``season="day"``).

    References
    ----------
    Hyndman & Athanasopoulos (2021), Forecasting: Principles and Practice, 3rd ed., section 5.2.
    """

    def __init__(self, *, season: Season = "week", **kwargs) -> None:
        check_option("season", season, Season)
        kwargs.setdefault("name", f"seasonal_naive_{season}")
        super().__init__(**kwargs)
        self.season = season

    def _fit_panel(self, panel: Panel) -> Panel:
        return panel

    def _point(self, state: Panel, panel: Panel, days: np.ndarray) -> np.ndarray:
        if self.season == "day":
            return np.repeat(panel.values[-1:], len(days), axis=0)
        hist = panel.weekdays
        rows = []
        for w in weekday(days):
            same = np.flatnonzero(hist == w)
            rows.append(panel.values[same[-1]] if len(same) else panel.values[-1])
        return np.vstack(rows)


@dataclass(frozen=True)
class _ProfileState:
    level: dict[
        int, float
    ]  # expected adjusted daily total by weekday (local level x weekday factor)
    profile: dict[int, np.ndarray]  # share of the day by interval, by weekday
    effects: dict[str, float]  # log multiplicative effects of the calendar regressors
    glm: PoissonFit | None
    weekdays_open: frozenset[int] = frozenset()  # the weekdays the centre opens
    first: int | None = None  # the weekday after the weekly closure (Monday), if any


@dataclass(frozen=True)
class _Settings:
    level_weeks: int
    profile_weeks: int
    shrinkage: float


LEVEL_WEEKS = (1, 2, 3, 4, 6)
PROFILE_WEEKS = (2, 4, 8)
SHRINKAGE = (0.25, 0.5, 0.75)
CV_ORIGINS = 20


class DailyProfile(Forecaster):
    """The workforce-planning method: daily totals x intraday profile by weekday.

    The daily total of a day is a local level times its weekday's factor: the factor is the
    weekday's mean total over the last ``factor_weeks`` weeks relative to the mean of all open
    weekdays, and the level the mean of the last ``level_weeks`` weeks of totals divided by their
    weekday factors. The intraday profile is the average share of the day in each interval over the
    last ``profile_weeks`` weeks, a blend of ``shrinkage`` all-days and ``1 - shrinkage``
    same-weekday, lightly smoothed across neighbouring intervals (``smooth_minutes``).
    ``level_weeks``, ``profile_weeks`` and ``shrinkage`` left at ``None`` are tuned in
    :meth:`fit` by rolling-origin cross-validation on the history it is given (the last 20 days as
    origins, each forecasting the model's ``horizon``): the level on the daily totals, the profile on
    the shares of the day. Nothing after the history is looked at.

    A weekday the centre normally opens but with no data in the series is a closure (a bank
    holiday, a day the centre shut); the first open day after it behaves like the day after the
    weekly closure, a Monday (pent-up demand): it is forecast with at least the Monday's total and
    with the Monday's profile, and such days are left out of their own weekday's averages. Future
    closures are given to :meth:`predict` as ``closed=``.

    With an events table, holidays, the day after a holiday, month-end and each event kind get a
    multiplicative effect from a quasi-Poisson regression on daily totals (weekday and a 28-day
    piecewise-linear level as controls): history is divided by its effects before averaging, and
    known future events multiply the forecast in the intervals they cover. The interval forecasts of
    a day sum to its daily forecast by construction.

    References
    ----------
    Gans, Koole & Mandelbaum (2003), Telephone call centers: tutorial, review and research
    prospects, M&SOM 5(2), section 4.1 (daily volume x intraday proportions); Weinberg, Brown &
    Stroud (2007), JASA 102 (the bank data and its multiplicative day x profile structure);
    Tashman (2000), Out-of-sample tests of forecasting accuracy, IJF 16(4) (rolling-origin
    tuning); Ibrahim, Ye, L'Ecuyer & Shen (2016), Modeling and forecasting call center arrivals: a
    literature survey and a case study, IJF 32(3) (weekday profiles, holiday and post-holiday days).
    """

    name = "daily_profile"

    def __init__(
        self,
        *,
        level_weeks: int | None = None,
        profile_weeks: int | None = None,
        shrinkage: float | None = None,
        factor_weeks: int = 8,
        smooth_minutes: float = 5.0,
        month_end: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.level_weeks = None if level_weeks is None else int(level_weeks)
        self.profile_weeks = None if profile_weeks is None else int(profile_weeks)
        self.shrinkage = None if shrinkage is None else float(shrinkage)
        self.factor_weeks = int(factor_weeks)
        self.smooth_minutes = float(smooth_minutes)
        self.month_end = bool(month_end)
        self._settings: dict[str, _Settings] = {}

    @property
    def settings(self) -> dict[str, dict[str, float]]:
        """The level and profile windows and the shrinkage each series was fitted with."""
        return {sid: dict(vars(s)) for sid, s in self._settings.items()}

    # --- tuning on the history only -----------------------------------------------------
    def _tune(self, panel: Panel) -> None:
        values, wd, after, open_w, _ = self._adjusted(panel)
        n = len(panel.days)
        per_week = max(len(open_w), 1)
        origins = [o for o in range(n - CV_ORIGINS, n) if o >= 4 * per_week]
        level = self.level_weeks
        profile_weeks, shrinkage = self.profile_weeks, self.shrinkage
        totals = values.sum(1)
        ok = ~after & (totals > 0)
        if level is None:
            level = 4
            if origins:
                scores = []
                for lw in LEVEL_WEEKS:
                    err = []
                    for o in origins:
                        lv, _ = _levels(totals[:o], wd[:o], ok[:o], lw, self.factor_weeks, open_w)
                        for t in range(o, min(o + self.horizon, n)):
                            if ok[t]:
                                err.append(totals[t] - lv.get(int(wd[t]), np.nan))
                    scores.append(float(np.nanmean(np.square(err))) if err else np.inf)
                level = LEVEL_WEEKS[_argmin(scores)]
        if profile_weeks is None or shrinkage is None:
            grid = [
                (pw, sh)
                for pw in ((profile_weeks,) if profile_weeks is not None else PROFILE_WEEKS)
                for sh in ((shrinkage,) if shrinkage is not None else SHRINKAGE)
            ]
            best = (profile_weeks or 4, 0.5 if shrinkage is None else shrinkage)
            if origins:
                scores = []
                for pw, sh in grid:
                    err = []
                    for o in origins:
                        prof = self._profiles(panel, values[:o], totals[:o], wd[:o], ok[:o], pw, sh)
                        for t in range(o, min(o + self.horizon, n)):
                            if ok[t] and int(wd[t]) in prof:
                                e = values[t] - totals[t] * prof[int(wd[t])]
                                err.append(np.nanmean(e[panel.open[t]] ** 2))
                    scores.append(float(np.mean(err)) if err else np.inf)
                best = grid[_argmin(scores)]
            profile_weeks, shrinkage = best
        self._settings[panel.series_id] = _Settings(
            int(level), int(profile_weeks), float(shrinkage)
        )

    def _adjusted(self, panel: Panel):
        """History divided by its calendar effects, weekdays, post-closure days, open weekdays."""
        values = np.nan_to_num(panel.values)
        reg = regressors(panel, panel.days, self.events_of(panel), month_end=self.month_end)
        effects, glm = self._effects(panel, values, reg)
        adjusted = values / _factor(reg, effects, values.shape)
        open_w = open_weekdays(panel.days)
        after = after_closure(panel.days, None, open_w)
        return adjusted, panel.weekdays, after, open_w, (effects, glm)

    def _fit_panel(self, panel: Panel) -> _ProfileState:
        adjusted, wd, after, open_w, (effects, glm) = self._adjusted(panel)
        s = self._settings.get(panel.series_id) or _Settings(
            self.level_weeks or 4,
            self.profile_weeks or 4,
            0.5 if self.shrinkage is None else self.shrinkage,
        )
        totals = adjusted.sum(1)
        ok = ~after & (totals > 0)
        level, _ = _levels(totals, wd, ok, s.level_weeks, self.factor_weeks, open_w)
        profile = self._profiles(panel, adjusted, totals, wd, ok, s.profile_weeks, s.shrinkage)
        return _ProfileState(level, profile, effects, glm, frozenset(open_w), first_weekday(open_w))

    def _profiles(
        self,
        panel: Panel,
        adjusted: np.ndarray,
        totals: np.ndarray,
        wd: np.ndarray,
        ok: np.ndarray,
        weeks: int,
        shrinkage: float,
    ) -> dict:
        used = ok & (totals > 0)
        share = np.where(used[:, None], adjusted / np.where(used, totals, 1.0)[:, None], np.nan)
        n_weekdays = len(np.unique(wd[-28:]))
        recent_all = share[used][-weeks * n_weekdays :]
        pooled = np.nanmean(recent_all, axis=0) if len(recent_all) else np.zeros(share.shape[1])
        sigma = self.smooth_minutes / panel.step_minutes
        open_ = panel.open[: len(wd)]
        out = {}
        for w in np.unique(wd):
            rows = share[(wd == w) & used][-weeks:]
            own = np.nanmean(rows, axis=0) if len(rows) else pooled
            p = shrinkage * np.nan_to_num(pooled) + (1 - shrinkage) * np.nan_to_num(own)
            mask = open_[wd == w][-1]
            if sigma > 0.2:  # smooth within open intervals only (normalised convolution)
                from scipy.ndimage import gaussian_filter1d

                num = gaussian_filter1d(np.where(mask, p, 0.0), sigma, mode="constant")
                den = gaussian_filter1d(mask.astype(float), sigma, mode="constant")
                p = np.where(mask, num / np.maximum(den, 1e-12), 0.0)
            total = p[mask].sum()
            out[int(w)] = np.where(mask, p / total if total > 0 else 1.0 / max(mask.sum(), 1), 0.0)
        return out

    def _effects(
        self, panel: Panel, values: np.ndarray, reg: dict
    ) -> tuple[dict, PoissonFit | None]:
        names = [k for k, v in reg.items() if v.any()]
        if not names:
            return {}, None
        totals = values.sum(1)
        open_ = panel.open
        mean_share = np.nanmean(
            np.where(open_, values / np.maximum(totals, 1)[:, None], np.nan), axis=0
        )
        mean_share = np.nan_to_num(mean_share)
        cover = np.column_stack([reg[k] @ mean_share for k in names])  # share of the day covered
        X = [cover]
        cols = list(names)
        wd = panel.weekdays
        for w in np.unique(wd)[1:]:
            X.append((wd == w).astype(float)[:, None])
            cols.append(f"weekday_{w}")
        t = (panel.days - panel.days[0]).astype(int).astype(float)
        knots = np.arange(0, t[-1] + 28, 28.0)
        hats = np.clip(1 - np.abs(t[:, None] - knots[None, :]) / 28.0, 0, None)
        X.append(hats)
        cols += [f"level_{i}" for i in range(len(knots))]
        design = np.hstack(X)
        fit = poisson_irls(design, totals, cols)
        # An event covering a share c of a day multiplies its total by 1 + (L - 1) c, not L ** c.
        # Fixed point: enter log(1 + (L - 1) c) / log L as the regressor (exact at c = 0 and 1)
        # and refit with L from the previous round; three rounds settle it.
        for _ in range(3):
            lift = np.exp(fit.coef[: len(names)])
            partial = (cover > 0) & (cover < 1)
            if not partial.any():
                break
            safe = np.where(np.abs(np.log(lift)) < 1e-6, 1e-6, np.log(lift))
            exact = np.log1p((lift - 1) * cover) / safe
            design[:, : len(names)] = np.where(partial, exact, cover)
            fit = poisson_irls(design, totals, cols)
        return {k: fit.effect(k) for k in names}, fit

    def _point(self, state: _ProfileState, panel: Panel, days: np.ndarray) -> np.ndarray:
        rows = []
        fallback = float(np.mean(list(state.level.values())))
        before = panel.days[-1] if len(panel.days) else None
        after = after_closure(days, before, set(state.weekdays_open))
        reg = regressors(panel, days, self.events_of(panel), month_end=self.month_end)
        known = reg["post_holiday"][:, 0] > 0 if "post_holiday" in state.effects else after & False
        for w, pent_up, learnt in zip(weekday(days), after, known, strict=True):
            lvl = state.level.get(int(w), fallback)
            prof = state.profile.get(int(w), next(iter(state.profile.values())))
            if pent_up and not learnt and state.first is not None and state.first in state.level:
                # the day after a closed weekday behaves like a Monday (pent-up demand)
                lvl = max(lvl, state.level[state.first])
                prof = state.profile.get(state.first, prof)
            rows.append(lvl * prof)
        point = np.vstack(rows)
        if state.effects:
            point = point * _factor(reg, state.effects, point.shape)
        return point

    def effects_table(self) -> pl.DataFrame:
        """Estimated multiplicative effects per series (rate ratios with 95% CIs).

        Columns ``series_id, term, estimate, std_error, ci_low, ci_high, p_value``; terms are the
        event kinds, ``post_holiday``, ``month_end`` and ``weekday_<k>`` (day ``k``, Monday = 0,
        relative to the first weekday of the series). Only fitted when an events table is given.
        """
        rows = []
        for sid, state in self._states.items():
            if state.glm is not None:
                terms = [*state.effects, *[n for n in state.glm.names if n.startswith("weekday_")]]
                for row in state.glm.table(terms):
                    rows.append({"series_id": sid, **row})
        schema = {
            "series_id": pl.Utf8,
            "term": pl.Utf8,
            **dict.fromkeys(["estimate", "std_error", "ci_low", "ci_high", "p_value"], pl.Float64),
        }
        return pl.DataFrame(rows, schema=schema)


def _levels(
    totals: np.ndarray,
    wd: np.ndarray,
    ok: np.ndarray,
    level_weeks: int,
    factor_weeks: int,
    weekdays_open: set[int],
) -> tuple[dict[int, float], float]:
    """Expected daily total by weekday: a local level (the mean of the last ``level_weeks`` weeks
    of totals over their weekday factors) times each weekday's factor (its mean over the last
    ``factor_weeks`` weeks relative to the mean of all weekdays)."""
    means = {}
    for w in np.unique(wd):
        same = totals[(wd == w) & ok][-factor_weeks:]
        if len(same):
            means[int(w)] = float(np.mean(same))
    if not means:
        return {int(w): 0.0 for w in np.unique(wd)}, 0.0
    grand = float(np.mean(list(means.values())))
    if grand <= 0:
        return dict.fromkeys(means, 0.0), 0.0
    factor = {w: m / grand for w, m in means.items()}
    per_week = max(len(weekdays_open), 1)
    keep = ok & np.isin(wd, list(factor))
    f = np.array([factor.get(int(w), 1.0) for w in wd])
    deseason = np.where(keep, totals / np.maximum(f, 1e-12), np.nan)[keep][
        -level_weeks * per_week :
    ]
    local = float(np.mean(deseason)) if len(deseason) else grand
    return {w: local * factor[w] for w in factor}, local


def _argmin(scores: list[float]) -> int:
    """The first of the best scores (ties within a relative 1e-9 go to the earlier setting)."""
    best = min(scores)
    return next(i for i, v in enumerate(scores) if v <= best * (1 + 1e-9) + 1e-12)


def _factor(reg: dict[str, np.ndarray], effects: dict[str, float], shape: tuple) -> np.ndarray:
    log = np.zeros(shape)
    for k, b in effects.items():
        if k in reg:
            log += reg[k] * b
    return np.exp(log)
