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
    # expected adjusted daily total by weekday (local level x weekday factor)
    level: dict[int, float]
    profile: dict[int, np.ndarray]  # share of the day by interval, by weekday
    effects: dict[str, float]  # log multiplicative effects of the calendar regressors
    glm: PoissonFit | None
    weekdays_open: frozenset[int] = frozenset()  # the weekdays the centre opens
    first: int | None = None  # the weekday after the weekly closure (Monday), if any


@dataclass(frozen=True)
class _Settings:
    """The level windows and the (profile window, shrinkage) pairs, each with its weight."""

    levels: tuple[tuple[int, float], ...]
    profiles: tuple[tuple[int, float, float], ...]


# the candidate settings, from the smoothest (most history, most pooling) to the most local
LEVEL_WEEKS = (6, 4, 3, 2, 1)
PROFILE_WEEKS = (8, 4, 2)
SHRINKAGE = (0.75, 0.5, 0.25)
CV_ORIGINS = 40
CV_LEADS = 7
CV_STEP = 2


class DailyProfile(Forecaster):
    """The workforce-planning method: daily totals x intraday profile by weekday.

    The daily total of a day is a local level times its weekday's factor: the factor is the
    weekday's mean total over the last ``factor_weeks`` weeks relative to the mean of all open
    weekdays, and the level the mean of the last ``level_weeks`` weeks of totals divided by their
    weekday factors. The intraday profile is the average share of the day in each interval over the
    last ``profile_weeks`` weeks, a blend of ``shrinkage`` all-days and ``1 - shrinkage``
    same-weekday, lightly smoothed across neighbouring intervals (``smooth_minutes``).
    ``level_weeks``, ``profile_weeks`` and ``shrinkage`` left at ``None`` are not picked but
    combined: the levels of 1, 2, 3, 4 and 6 weeks, and the profiles of 2, 4 and 8 weeks with
    shrinkage 0.25, 0.5 and 0.75, are averaged with weights proportional to the inverse of their
    mean squared error at rolling origins inside the history given to :meth:`fit` (every second
    day of the last 40 open days that have four weeks before them, each forecasting the next week
    of open days; the level scored on daily totals, the profile on the intervals given the day's
    total). Nothing after the history is looked at; :attr:`settings` shows the weights. A setting
    given as a number is used as it is.

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
    Tashman (2000), Out-of-sample tests of forecasting accuracy, IJF 16(4) (rolling origins);
    Bates & Granger (1969), The combination of forecasts, Operational Research Quarterly 20(4)
    (inverse-error weights); Ibrahim, Ye, L'Ecuyer & Shen (2016), Modeling and forecasting call
    center arrivals: a literature survey and a case study, IJF 32(3) (weekday profiles, holidays
    and the days after them).
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
    def settings(self) -> dict[str, dict[str, list]]:
        """Per series, the combined settings and their weights: ``levels`` as
        ``(level_weeks, weight)`` and ``profiles`` as ``(profile_weeks, shrinkage, weight)``."""
        return {
            sid: {"levels": list(s.levels), "profiles": list(s.profiles)}
            for sid, s in self._settings.items()
        }

    # --- tuning on the history only -----------------------------------------------------
    def _grid(self) -> tuple[list[int], list[tuple[int, float]]]:
        levels = list(LEVEL_WEEKS) if self.level_weeks is None else [self.level_weeks]
        weeks = PROFILE_WEEKS if self.profile_weeks is None else (self.profile_weeks,)
        shrink = SHRINKAGE if self.shrinkage is None else (self.shrinkage,)
        return levels, [(pw, sh) for pw in weeks for sh in shrink]

    def _tune(self, panel: Panel) -> None:
        """Weight each candidate setting by the inverse of its mean squared error at rolling
        origins inside the history (every second day of the last 40 open days with four weeks of
        history before them, each forecasting the next week of open days): the level on daily
        totals, the profile on the intervals given the day's total. Nothing after the history is
        looked at, and the weights do not depend on the horizon (nor, then, do the points)."""
        values, wd, after, open_w, _ = self._adjusted(panel)
        n = len(panel.days)
        origins = [
            o for o in range(n - 1, n - CV_ORIGINS - 1, -CV_STEP) if o >= 4 * max(len(open_w), 1)
        ]
        totals = values.sum(1)
        ok = ~after & (totals > 0)
        levels, profiles = self._grid()
        level_mse = []
        for lw in levels if len(levels) > 1 else []:
            err = []
            for o in origins:
                lv, _ = _levels(totals[:o], wd[:o], ok[:o], lw, self.factor_weeks, open_w)
                err += [
                    totals[t] - lv.get(int(wd[t]), np.nan)
                    for t in range(o, min(o + CV_LEADS, n))
                    if ok[t]
                ]
            level_mse.append(float(np.nanmean(np.square(err))) if err else np.nan)
        profile_mse = (
            _profile_errors(panel.open, values, totals, wd, ok, origins, profiles)
            if len(profiles) > 1
            else []
        )
        lw_weights = _inverse(level_mse, len(levels))
        pr_weights = _inverse(profile_mse, len(profiles))
        self._settings[panel.series_id] = _Settings(
            tuple((int(lw), float(w)) for lw, w in zip(levels, lw_weights, strict=True)),
            tuple(
                (int(pw), float(sh), float(w))
                for (pw, sh), w in zip(profiles, pr_weights, strict=True)
            ),
        )

    def _regressors(self, panel: Panel, days: np.ndarray) -> dict[str, np.ndarray]:
        """The calendar regressors of ``days``: rows of those computed once for the fitted
        history when ``days`` are a run of its days (the origins of tuning and calibration)."""
        cache = self.__dict__.setdefault("_regressor_cache", {})
        full = self._panels.get(panel.series_id)
        if full is None or not len(days):
            return regressors(panel, days, self.events_of(panel), month_end=self.month_end)
        if panel.series_id not in cache or cache[panel.series_id][0] is not full:
            reg = regressors(full, full.days, self.events_of(full), month_end=self.month_end)
            cache[panel.series_id] = (full, reg)
        i = int(np.searchsorted(full.days, days[0]))
        j = i + len(days)
        if j <= len(full.days) and np.array_equal(full.days[i:j], days):
            return {k: v[i:j] for k, v in cache[panel.series_id][1].items()}
        return regressors(panel, days, self.events_of(panel), month_end=self.month_end)

    def _adjusted(self, panel: Panel):
        """History divided by its calendar effects, weekdays, post-closure days, open weekdays.

        For the fitted history itself (tuned, then fitted) the result is computed once and kept
        while the series' panel, events and month-end setting stay the same objects."""
        cache = self.__dict__.setdefault("_adjusted_cache", {})
        fitted = self._panels.get(panel.series_id) is panel
        kept = cache.get(panel.series_id)
        if (
            fitted
            and kept is not None
            and kept[0] is panel
            and kept[1] is self.events
            and kept[2] == self.month_end
        ):
            return kept[3]
        out = self._adjusted_now(panel)
        if fitted:
            cache[panel.series_id] = (panel, self.events, self.month_end, out)
        return out

    def _adjusted_now(self, panel: Panel):
        values = np.nan_to_num(panel.values)
        reg = self._regressors(panel, panel.days)
        effects, glm = self._effects(panel, values, reg)
        adjusted = values / _factor(reg, effects, values.shape)
        open_w = open_weekdays(panel.days)
        after = after_closure(panel.days, None, open_w)
        return adjusted, panel.weekdays, after, open_w, (effects, glm)

    def _fit_panel(self, panel: Panel) -> _ProfileState:
        adjusted, wd, after, open_w, (effects, glm) = self._adjusted(panel)
        s = self._settings.get(panel.series_id)
        if s is None:  # not tuned (a state fitted outside fit()): the middle of the grid
            levels, profiles = self._grid()
            s = _Settings(
                ((4 if self.level_weeks is None else levels[0], 1.0),),
                ((profiles[len(profiles) // 2][0], profiles[len(profiles) // 2][1], 1.0),),
            )
        totals = adjusted.sum(1)
        ok = ~after & (totals > 0)
        level: dict[int, float] = {}
        for lw, weight in s.levels:
            lv, _ = _levels(totals, wd, ok, lw, self.factor_weeks, open_w)
            for k, v in lv.items():
                level[k] = level.get(k, 0.0) + weight * v
        profile = self._profiles(panel, adjusted, totals, wd, ok, s.profiles)
        return _ProfileState(level, profile, effects, glm, frozenset(open_w), first_weekday(open_w))

    def _profiles(
        self,
        panel: Panel,
        adjusted: np.ndarray,
        totals: np.ndarray,
        wd: np.ndarray,
        ok: np.ndarray,
        settings: tuple[tuple[int, float, float], ...],
    ) -> dict:
        """Each weekday's share of the day by interval: the ``(weeks, shrinkage, weight)`` blends
        of all-days and same-weekday shares, smoothed, normalised and combined by weight."""
        used = ok & (totals > 0)
        share = np.where(used[:, None], adjusted / np.where(used, totals, 1.0)[:, None], np.nan)
        n_weekdays = len(np.unique(wd[-28:]))
        sigma = self.smooth_minutes / panel.step_minutes
        open_ = panel.open[: len(wd)]
        masks = {int(w): open_[wd == w][-1] for w in np.unique(wd)}
        out: dict[int, np.ndarray] = {w: np.zeros(share.shape[1]) for w in masks}
        for weeks in sorted({pw for pw, _, _ in settings}):
            recent_all = share[used][-weeks * n_weekdays :]
            pooled = np.nanmean(recent_all, axis=0) if len(recent_all) else np.zeros(share.shape[1])
            pooled = np.nan_to_num(pooled)
            for w, mask in masks.items():
                rows = share[(wd == w) & used][-weeks:]
                own = np.nan_to_num(np.nanmean(rows, axis=0)) if len(rows) else pooled
                # smoothing and the blend are linear: smooth both parts once for every shrinkage
                parts = [_smooth(np.where(mask, x, 0.0), mask, sigma) for x in (pooled, own)]
                for pw, sh, weight in settings:
                    if pw != weeks:
                        continue
                    p = sh * parts[0] + (1 - sh) * parts[1]
                    total = p[mask].sum()
                    p = np.where(mask, p / total if total > 0 else 1.0 / max(mask.sum(), 1), 0.0)
                    out[w] = out[w] + weight * p
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
        reg = self._regressors(panel, days)
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
    wd_ok, tot_ok = wd[ok], totals[ok]
    means = {}
    for w in np.unique(wd_ok):
        means[int(w)] = float(np.mean(tot_ok[wd_ok == w][-factor_weeks:]))
    if not means:
        return {int(w): 0.0 for w in np.unique(wd)}, 0.0
    grand = float(np.mean(list(means.values())))
    if grand <= 0:
        return dict.fromkeys(means, 0.0), 0.0
    factor = {w: m / grand for w, m in means.items()}
    per_week = max(len(weekdays_open), 1)
    lookup = np.ones(7)
    lookup[list(factor)] = np.maximum(list(factor.values()), 1e-12)
    deseason = (tot_ok / lookup[wd_ok])[-level_weeks * per_week :]
    local = float(np.mean(deseason)) if len(deseason) else grand
    return {w: local * factor[w] for w in factor}, local


def _smooth(p: np.ndarray, mask: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian smoothing within the open intervals only (normalised convolution)."""
    if sigma <= 0.2:
        return p
    from scipy.ndimage import gaussian_filter1d

    num = gaussian_filter1d(p, sigma, mode="constant")
    den = gaussian_filter1d(mask.astype(float), sigma, mode="constant")
    return np.where(mask, num / np.maximum(den, 1e-12), 0.0)


def _profile_errors(
    open_: np.ndarray,
    values: np.ndarray,
    totals: np.ndarray,
    wd: np.ndarray,
    ok: np.ndarray,
    origins: list[int],
    grid: list[tuple[int, float]],
) -> list[float]:
    """Mean squared interval error of each (profile weeks, shrinkage) at the rolling origins, the
    day's total taken as known (the profiles unsmoothed: smoothing is the same for all)."""
    used = ok & (totals > 0)
    share = np.where(used[:, None], values / np.where(used, totals, 1.0)[:, None], 0.0)
    per_week = max(len(np.unique(wd[-28:])), 1)
    rows_used = np.flatnonzero(used)
    by_weekday = {int(w): np.flatnonzero(used & (wd == w)) for w in np.unique(wd)}
    sq: dict[tuple[int, float], list[np.ndarray]] = {key: [] for key in grid}
    for weeks in sorted({pw for pw, _ in grid}):
        shrinks = np.array([sh for pw, sh in grid if pw == weeks])[:, None, None]
        for o in origins:
            recent = rows_used[: np.searchsorted(rows_used, o)][-weeks * per_week :]
            targets = [t for t in range(o, min(o + CV_LEADS, len(totals))) if ok[t]]
            if not len(recent) or not targets:
                continue
            pooled = share[recent].mean(axis=0)
            own = np.empty((len(targets), share.shape[1]))
            for i, t in enumerate(targets):
                same = by_weekday[int(wd[t])]
                rows = same[: np.searchsorted(same, o)][-weeks:]
                own[i] = share[rows].mean(axis=0) if len(rows) else pooled
            mask = open_[targets]
            p = np.where(mask, shrinks * pooled + (1 - shrinks) * own, 0.0)  # shrink x day x slot
            total = p.sum(axis=2, keepdims=True)
            p = np.where(
                total > 0, p / np.where(total > 0, total, 1.0), mask / mask.sum(1)[:, None]
            )
            e = np.where(mask, values[targets] - totals[targets][:, None] * p, 0.0)
            mse = (e**2).sum(axis=2) / np.maximum(mask.sum(1), 1)  # shrink x day
            for k, sh in enumerate(shrinks[:, 0, 0]):
                sq[(weeks, float(sh))].append(mse[k])
    sq = {key: np.concatenate(v) if v else np.empty(0) for key, v in sq.items()}
    return [float(np.mean(sq[key])) if len(sq[key]) else np.nan for key in grid]


def _inverse(mse: list[float], k: int) -> np.ndarray:
    """Combination weights proportional to 1 / MSE (equal weights when there is nothing to score);
    Bates & Granger (1969), The combination of forecasts, Operational Research Quarterly 20(4)."""
    m = np.asarray(mse, dtype=float)
    if len(m) != k or not np.isfinite(m).all() or (m <= 0).any():
        return np.full(k, 1.0 / k)
    w = 1.0 / m
    return w / w.sum()


def _factor(reg: dict[str, np.ndarray], effects: dict[str, float], shape: tuple) -> np.ndarray:
    log = np.zeros(shape)
    for k, b in effects.items():
        if k in reg:
            log += reg[k] * b
    return np.exp(log)
