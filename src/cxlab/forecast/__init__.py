"""Contact-volume forecasting: models, rolling-origin backtests, accuracy metrics, intervals."""

from cxlab.forecast._backtest import backtest
from cxlab.forecast._base import Forecaster
from cxlab.forecast._models import DailyProfile, SeasonalNaive
from cxlab.forecast._refresh import refresh
from cxlab.forecast._results import BacktestResult, ForecastResult
from cxlab.forecast._stat_models import MSTL, FourierARIMA, Prophet

__all__ = [
    "MSTL",
    "BacktestResult",
    "DailyProfile",
    "ForecastResult",
    "Forecaster",
    "FourierARIMA",
    "Prophet",
    "SeasonalNaive",
    "backtest",
    "refresh",
]
