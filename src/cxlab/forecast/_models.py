"""Contact-centre forecasters: seasonal naive baselines and the planners' daily-total x profile method."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from cxlab._options import check_option
from cxlab.forecast._base import Forecaster
from cxlab.forecast._events import regressors
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
    level: dict[int, float]  # adjusted daily total by weekday
    profile: dict[int, np.ndarray]  # share of the day by interval, by weekday
    effects: dict[str, float]  # log multiplicative effects of the calendar regressors
    glm: PoissonFit | None


class DailyProfile(Forecaster):
    """The workforce-planning method: daily totals x intraday profile by weekday.

    The daily total of each weekday is the mean of the last ``level_weeks`` totals of that weekday;
    the intraday profile is the average share of the day in each interval over the last
    ``profile_weeks`` weeks, half same-weekday and half all-days (``shrinkage``), lightly smoothed
    across neighbouring intervals (``smooth_minutes``). With an events table, holidays, the day
    after a holiday, month-end and each event kind get a multiplicative effect from a quasi-Poisson
    regression on daily totals (weekday and a 28-day piecewise-linear level as controls): history is
    divided by its effects before averaging, and known future events multiply the forecast in the
    intervals they cover. The interval forecasts of a day sum to its daily forecast by construction.

    References
    ----------
    Gans, Koole & Mandelbaum (2003), Telephone call centers: tutorial, review and research
    prospects, M&SOM 5(2), section 4.1 (daily volume x intraday proportions); Weinberg, Brown &
    Stroud (2007), JASA 102 (the bank data and its multiplicative day x profile structure).
    """

    name = "daily_profile"

    def __init__(
        self,
        *,
        level_weeks: int = 4,
        profile_weeks: int = 4,
        shrinkage: float = 0.5,
        smooth_minutes: float = 5.0,
        month_end: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.level_weeks = int(level_weeks)
        self.profile_weeks = int(profile_weeks)
        self.shrinkage = float(shrinkage)
        self.smooth_minutes = float(smooth_minutes)
        self.month_end = bool(month_end)

    def _fit_panel(self, panel: Panel) -> _ProfileState:
        values = np.nan_to_num(panel.values)
        reg = regressors(panel, panel.days, self.events_of(panel), month_end=self.month_end)
        effects, glm = self._effects(panel, values, reg)
        factor = _factor(reg, effects, values.shape)
        adjusted = values / factor
        totals = adjusted.sum(1)
        wd = panel.weekdays
        level = {}
        for w in np.unique(wd):
            same = totals[wd == w]
            level[int(w)] = float(np.mean(same[-self.level_weeks :]))
        profile = self._profiles(panel, adjusted, totals, wd)
        return _ProfileState(level, profile, effects, glm)

    def _profiles(
        self, panel: Panel, adjusted: np.ndarray, totals: np.ndarray, wd: np.ndarray
    ) -> dict:
        used = totals > 0
        share = np.where(used[:, None], adjusted / np.where(used, totals, 1.0)[:, None], np.nan)
        n_weekdays = len(np.unique(wd[-28:]))
        recent_all = share[used][-self.profile_weeks * n_weekdays :]
        pooled = np.nanmean(recent_all, axis=0) if len(recent_all) else np.zeros(share.shape[1])
        sigma = self.smooth_minutes / panel.step_minutes
        out = {}
        for w in np.unique(wd):
            rows = share[(wd == w) & used][-self.profile_weeks :]
            own = np.nanmean(rows, axis=0) if len(rows) else pooled
            p = self.shrinkage * np.nan_to_num(pooled) + (1 - self.shrinkage) * np.nan_to_num(own)
            mask = panel.open[wd == w][-1]
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
        for w in weekday(days):
            lvl = state.level.get(int(w), fallback)
            prof = state.profile.get(int(w), next(iter(state.profile.values())))
            rows.append(lvl * prof)
        point = np.vstack(rows)
        if state.effects:
            reg = regressors(panel, days, self.events_of(panel), month_end=self.month_end)
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


def _factor(reg: dict[str, np.ndarray], effects: dict[str, float], shape: tuple) -> np.ndarray:
    log = np.zeros(shape)
    for k, b in effects.items():
        if k in reg:
            log += reg[k] * b
    return np.exp(log)
