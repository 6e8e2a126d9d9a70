"""The forecaster protocol (``fit``, ``predict(h, level=(80, 95))``, ``forecast``) and its intervals.

Every forecaster works on day x interval panels (see :mod:`cxlab.forecast._panel`) and gets its
prediction intervals the same way: split-conformal calibration on its own rolling-origin errors.
Before the final fit, the model is refitted at ``calibration_windows`` past origins, each forecasting
the next ``horizon`` days; the errors, scaled by ``sqrt(y_hat + 1)`` (counts are roughly
Poisson, so the spread grows with the volume), give the empirical quantiles that widen each new
forecast. Intervals never go below zero and closed intervals are never forecast.

References
----------
Vovk, Gammerman & Shafer (2005), Algorithmic Learning in a Random World, ch. 2 (conformal
prediction); Stankeviciute, Alaa & van der Schaar (2021), Conformal time-series forecasting, NeurIPS.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._options import renamed, warn_renamed
from cxlab.forecast._checks import check_horizon, check_levels, check_series
from cxlab.forecast._events import check_events, events_for
from cxlab.forecast._panel import Panel, to_frame, to_panels

MIN_RESIDUALS = 30


def _old_horizon(
    func: str, h: int | None, horizon: int | None, old: dict[str, Any]
) -> tuple[int | None, int | None]:
    """Read the old ``h`` (intervals, positional) and ``days=`` (days) of predict and forecast."""
    unknown = sorted(set(old) - {"days", "h"})
    if unknown:
        raise TypeError(f"{func}() got unexpected keyword arguments {unknown}.")
    if "h" in old:
        h = old.pop("h")
    if "days" in old:
        if horizon is not None:
            raise OptionError(
                f"{func}() was given both days= and horizon=; days is the old name of horizon: "
                "give horizon= only."
            )
        warn_renamed(f"{func}(days=...)", "horizon=", stacklevel=4)
        horizon = old.pop("days")
    if h is not None:
        if horizon is not None:
            raise OptionError(
                f"{func}() was given both h (a number of intervals) and horizon= (days ahead); "
                "give horizon= only."
            )
        warn_renamed(f"{func}(h) (a number of intervals)", "horizon= (days ahead)", stacklevel=4)
        if isinstance(h, bool) or not isinstance(h, int) or h <= 0:
            raise OptionError(f"h={h!r} is not a number of intervals; use horizon= (days ahead).")
    return h, horizon


def _closed_dates(closed: Sequence[Any] | None) -> set:
    """Local dates given as ``closed=`` (dates, datetimes or ISO strings) as ``datetime64[D]``."""
    if closed is None:
        return set()
    if isinstance(closed, str) or not isinstance(closed, Sequence | np.ndarray | pl.Series):
        raise OptionError(
            f"closed={closed!r} is not a list of dates; give the local dates the centre will not "
            "open, like closed=['2003-05-26']."
        )
    out = set()
    for d in closed:
        try:
            out.add(np.datetime64(str(d)[:10], "D"))
        except ValueError:
            raise OptionError(
                f"closed: {d!r} is not a date; give local dates like '2003-05-26'."
            ) from None
    return out


def scale(y_hat: np.ndarray) -> np.ndarray:
    """The spread unit of a count forecast: ``sqrt(y_hat + 1)``."""
    return np.sqrt(np.maximum(y_hat, 0.0) + 1.0)


class Forecaster:
    """Base class: subclasses implement ``_fit_panel(panel) -> state`` and ``_point(state, panel, days)``.

    Parameters
    ----------
    horizon
        Days ahead: the lead the intervals are calibrated for (1 for day-ahead, 7 for
        week-ahead) and what :meth:`predict` forecasts by default (was ``horizon_days``).
    calibration_windows
        How many past origins give the conformal residuals (0 turns calibration off and falls back
        to Poisson intervals). The origins are spread evenly over the last ``calibration_windows
        x horizon`` days that can be scored (overlapping when the history is short), each
        forecasting ``horizon`` open days, so every lead is represented. Cheap models use at least enough origins to span four weeks (28
        day-ahead origins), since one week of day-ahead errors under-covers on shifting data.
    events
        The events table (``start, end, kind, queues``); models that use regressors read the
        events touching each series from it (holidays have queues ``*``).
    name
        The label of the model in forecast and backtest frames (default: the class's name).
    """

    name = "base"
    min_days = 7
    calibration_min_days = 28

    @renamed(horizon_days="horizon")
    def __init__(
        self,
        *,
        horizon: int = 7,
        calibration_windows: int = 8,
        events: pl.DataFrame | pl.LazyFrame | None = None,
        name: str | None = None,
    ) -> None:
        if name is not None:
            self.name = name
        self.horizon = check_horizon(horizon)
        self.calibration_windows = int(calibration_windows)
        self.events = check_events(events)
        self._panels: dict[str, Panel] = {}
        self._states: dict[str, Any] = {}
        self._residuals: dict[str, np.ndarray] = {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(horizon={self.horizon})"

    @property
    def horizon_days(self) -> int:
        """Deprecated name of :attr:`horizon`."""
        warn_renamed(f"{type(self).__name__}.horizon_days", "horizon")
        return self.horizon

    # --- to implement -------------------------------------------------------------------
    def _fit_panel(self, panel: Panel) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _point(self, state: Any, panel: Panel, days: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _tune(self, panel: Panel) -> None:
        """Choose a series' settings on its history before calibration and fit (default: none)."""

    # --- the protocol -------------------------------------------------------------------
    def fit(self, series: pl.DataFrame) -> Forecaster:
        """Fit one model per ``series_id`` of a long ``series_id, ts, y`` frame; returns ``self``."""
        self._panels, self._states, self._residuals = {}, {}, {}
        for panel in to_panels(check_series(series, f"{self.name}.fit")):
            if len(panel.days) < self.min_days:
                raise NotEnoughDataError(
                    f"{self.name}: series {panel.series_id!r} has {len(panel.days)} days of history, "
                    f"at least {self.min_days} needed."
                )
            self._panels[panel.series_id] = panel
            self._tune(panel)
            self._residuals[panel.series_id] = self._calibrate(panel)
            self._states[panel.series_id] = self._fit_panel(panel)
        return self

    def predict(
        self,
        h: int | None = None,
        /,
        *,
        horizon: int | None = None,
        level: Sequence[int] = (80, 95),
        closed: Sequence[Any] | None = None,
        **old: Any,
    ) -> pl.DataFrame:
        """Forecast the next ``horizon`` open days (default: the model's own) of every series.

        The horizon counts the days the centre opens: the weekdays seen in the last four weeks of a
        series, less the local dates in ``closed`` (holidays and other closures known ahead, as
        dates or ISO strings). The first open day after a closure is forecast as such.

        Returns ``series_id, ts, model, y_hat`` and ``y_lo_<L>, y_hi_<L>`` for each level (a
        percent, like statsforecast: ``level=(80, 95)``). Closed intervals are left out. The old
        ``predict(h)`` (a number of intervals) and ``days=`` still work for one minor version, with
        a ``DeprecationWarning`` naming ``horizon=``.
        """
        h, horizon = _old_horizon(type(self).__name__ + ".predict", h, horizon, old)
        levels = check_levels(level)
        if not self._states:
            raise NotEnoughDataError(
                f"{self.name}: predict() needs a history; call fit(series) first (or forecast())."
            )
        days = check_horizon(horizon) if horizon is not None else None
        skip = _closed_dates(closed)
        frames = []
        for sid, panel in self._panels.items():
            per_day = max(int(panel.open[-7:].sum(1).min()), 1)
            if h is not None:
                n_days = math.ceil(h / per_day) + 1
            else:
                n_days = days if days is not None else self.horizon
            future = panel.future_days(int(n_days), skip=skip)
            mask = panel.future_open(future)
            y_hat = np.maximum(np.nan_to_num(self._point(self._states[sid], panel, future)), 0.0)
            columns = {"y_hat": y_hat, **self._bands(sid, y_hat, levels)}
            frame = to_frame(panel, future, columns, mask)
            frames.append(frame.head(h) if h is not None else frame)
        out = pl.concat(frames).with_columns(pl.lit(self.name).alias("model"))
        return out.select(
            "series_id",
            "ts",
            "model",
            "y_hat",
            *[c for c in out.columns if c.startswith("y_") and c != "y_hat"],
        )

    def forecast(
        self,
        series: pl.DataFrame,
        h: int | None = None,
        /,
        *,
        horizon: int | None = None,
        level: Sequence[int] = (80, 95),
        closed: Sequence[Any] | None = None,
        **old: Any,
    ) -> pl.DataFrame:
        """``fit(series)`` then ``predict(horizon=horizon, level=level, closed=closed)``."""
        h, horizon = _old_horizon(type(self).__name__ + ".forecast", h, horizon, old)
        check_levels(level)
        if horizon is not None:
            check_horizon(horizon)
        fitted = self.fit(series)
        with warnings.catch_warnings():  # the old name has been warned about once already
            warnings.simplefilter("ignore", DeprecationWarning)
            return fitted.predict(h, horizon=horizon, level=level, closed=closed)

    # --- intervals ----------------------------------------------------------------------
    def events_of(self, panel: Panel) -> pl.DataFrame | None:
        """The events touching a series (filtered once per series and kept)."""
        cache = self.__dict__.setdefault("_events_by_series", {})
        kept = cache.get(panel.series_id)
        if kept is None or kept[0] is not self.events:
            kept = cache[panel.series_id] = (self.events, events_for(self.events, panel.series_id))
        return kept[1]

    def _calibrate(self, panel: Panel) -> np.ndarray:
        """Scaled errors of this model at past origins (split-conformal calibration set)."""
        n, horizon = len(panel.days), self.horizon
        windows = self.calibration_windows
        if (
            windows > 0
        ):  # cheap models look back at least calibration_min_days (28 day-ahead origins)
            windows = max(windows, math.ceil(self.calibration_min_days / max(horizon, 1)))
        # the origins are spread evenly over the history that can be scored (the latest first), so
        # a long horizon on a short history still gets several overlapping windows at every lead
        span = n - horizon - self.min_days
        count = min(windows, span + 1) if windows > 0 and span >= 0 else 0
        starts = np.linspace(n - horizon, n - horizon - min(span, windows * horizon), count)
        residuals = []
        for origin in sorted(set(starts.round().astype(int).tolist()), reverse=True):
            head = panel.head(origin)
            days = panel.days[origin : origin + horizon]
            actual = panel.values[origin : origin + horizon]
            y_hat = np.maximum(np.nan_to_num(self._point(self._fit_panel(head), head, days)), 0.0)
            ok = ~np.isnan(actual)
            residuals.append((actual[ok] - y_hat[ok]) / scale(y_hat[ok]))
        return np.concatenate(residuals) if residuals else np.empty(0)

    def _bands(self, sid: str, y_hat: np.ndarray, level: Sequence[int]) -> dict[str, np.ndarray]:
        r = self._residuals.get(sid, np.empty(0))
        s = scale(y_hat)
        out = {}
        for lv in sorted(level):
            alpha = 1 - lv / 100
            if len(r) >= MIN_RESIDUALS:
                n = len(r)
                lo_q = np.quantile(r, max(0.0, alpha / 2 * (1 - 1 / n)), method="lower")
                hi_q = np.quantile(r, min(1.0, (1 - alpha / 2) * (1 + 1 / n)), method="higher")
            else:  # too little history to calibrate: Poisson-like normal bands
                z = NormalDist().inv_cdf(1 - alpha / 2)
                lo_q, hi_q = -z, z
            lo = np.maximum(y_hat + lo_q * s, 0.0)
            hi = np.maximum(y_hat + hi_q * s, lo)
            out[f"y_lo_{lv}"], out[f"y_hi_{lv}"] = lo, hi
        return out

    @property
    def calibrated(self) -> dict[str, int]:
        """How many scaled residuals calibrate each series' intervals."""
        return {sid: len(r) for sid, r in self._residuals.items()}
