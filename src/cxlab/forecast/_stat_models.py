"""General-purpose forecasters behind the same protocol: MSTL+ETS (statsforecast) and Prophet.

Both see only the open intervals (closed ones are neither history nor forecast) and get their bands
from the same split-conformal calibration as every cxlab forecaster, on one hold-out window by
default (they are slow to refit). Prophet is run without its random posterior draws, so its
forecasts are deterministic.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from cxlab.forecast._base import Forecaster
from cxlab.forecast._panel import Panel


def _open_days_per_week(panel: Panel) -> int:
    return len(set(panel.weekdays[-28:].tolist()))


class MSTL(Forecaster):
    """Multiple seasonal-trend decomposition (daily and weekly seasons) with an ETS trend.

    Uses statsforecast's ``MSTL`` on the open intervals laid end to end: the seasons are the number
    of open intervals in a day and in a week.

    References
    ----------
    Bandara, Hyndman & Bergmeir (2021), MSTL: a seasonal-trend decomposition algorithm for time
    series with multiple seasonal patterns, arXiv:2107.13462.
    """

    name = "mstl"
    min_days = 14
    calibration_min_days = 0

    def __init__(self, *, calibration_windows: int = 1, **kwargs) -> None:
        super().__init__(calibration_windows=calibration_windows, **kwargs)

    def _fit_panel(self, panel: Panel):
        return panel

    def _point(self, state: Panel, panel: Panel, days: np.ndarray) -> np.ndarray:
        from statsforecast.models import MSTL as _MSTL
        from statsforecast.models import AutoETS

        mask = panel.future_open(days)
        per_day = int(np.median(panel.open.sum(1)))
        y = panel.values[panel.open]
        seasons = [per_day, per_day * _open_days_per_week(panel)]
        seasons = [s for s in seasons if len(y) >= 2 * s] or [per_day]
        model = _MSTL(season_length=seasons, trend_forecaster=AutoETS(model="ZZN"))
        model.fit(y.astype(float))
        path = model.predict(int(mask.sum()))["mean"]
        out = np.full(mask.shape, np.nan)
        out[mask] = path
        return out


class Prophet(Forecaster):
    """Prophet with daily and weekly seasonality, holidays and the other events as regressors.

    ``daily_order`` and ``weekly_order`` set the Fourier orders (Prophet's defaults are 4 and 3;
    contact-centre days need more to follow a double peak).

    References
    ----------
    Taylor & Letham (2018), Forecasting at scale, The American Statistician 72(1).
    """

    name = "prophet"
    min_days = 14
    calibration_min_days = 0

    def __init__(
        self,
        *,
        daily_order: int | None = None,
        weekly_order: int | None = None,
        calibration_windows: int = 1,
        **kwargs,
    ) -> None:
        super().__init__(calibration_windows=calibration_windows, **kwargs)
        self.daily_order = daily_order
        self.weekly_order = weekly_order

    def _frame(self, panel: Panel, days: np.ndarray, mask: np.ndarray):
        import pandas as pd

        di, si = np.nonzero(mask)
        ds = days[di].astype("datetime64[ns]") + (panel.slots[si] * 60_000_000_000).astype(
            "timedelta64[ns]"
        )
        frame = pd.DataFrame({"ds": ds})
        return frame, di, si

    def _events(self, panel: Panel, frame) -> list[str]:
        events = self.events_of(panel)
        if events is None or events.is_empty():
            return []
        other = events.filter(pl.col("kind") != "holiday")
        tz = panel.time_zone or "UTC"
        names = []
        ds = frame["ds"].to_numpy()
        for kind in sorted(set(other["kind"].to_list())):
            part = other.filter(pl.col("kind") == kind)
            start = part["start"].dt.convert_time_zone(tz).dt.replace_time_zone(None).to_numpy()
            end = part["end"].dt.convert_time_zone(tz).dt.replace_time_zone(None).to_numpy()
            flag = np.zeros(len(ds))
            for a, b in zip(start, end, strict=True):
                flag[(ds >= a) & (ds < b)] = 1.0
            frame[f"event_{kind}"] = flag
            names.append(f"event_{kind}")
        return names

    def _holidays(self, panel: Panel):
        import pandas as pd

        events = self.events_of(panel)
        if events is None:
            return None
        hol = events.filter(pl.col("kind") == "holiday")
        if hol.is_empty():
            return None
        tz = panel.time_zone or "UTC"
        rows = []
        for row in hol.iter_rows(named=True):
            start = (
                row["start"].astimezone(_zone(tz)).date()
                if row["start"].tzinfo
                else row["start"].date()
            )
            end = (
                row["end"].astimezone(_zone(tz)).date() if row["end"].tzinfo else row["end"].date()
            )
            for d in pd.date_range(start, end - pd.Timedelta(days=1) if end > start else start):
                rows.append({"holiday": "holiday", "ds": d})
        return pd.DataFrame(rows)

    def _fit_panel(self, panel: Panel):
        import logging

        from prophet import Prophet as _Prophet

        logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
        frame, di, si = self._frame(panel, panel.days, panel.open)
        frame["y"] = panel.values[di, si]
        regs = self._events(panel, frame)
        model = _Prophet(
            holidays=self._holidays(panel),
            daily_seasonality=self.daily_order if self.daily_order is not None else "auto",
            weekly_seasonality=self.weekly_order if self.weekly_order is not None else "auto",
            yearly_seasonality=len(panel.days) > 2 * 365,
            uncertainty_samples=0,
        )
        for r in regs:
            model.add_regressor(r, mode="multiplicative")
        model.fit(frame)
        return model, regs

    def _point(self, state, panel: Panel, days: np.ndarray) -> np.ndarray:
        model, regs = state
        mask = panel.future_open(days)
        frame, di, si = self._frame(panel, days, mask)
        names = self._events(panel, frame)
        for r in regs:
            if r not in names:
                frame[r] = 0.0
        out = np.full(mask.shape, np.nan)
        out[di, si] = model.predict(frame)["yhat"].to_numpy()
        return out


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)
