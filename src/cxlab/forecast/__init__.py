"""Contact-volume forecasting: models, rolling-origin backtests, accuracy metrics, intervals."""

from cxlab.forecast._backtest import backtest
from cxlab.forecast._base import Forecaster
from cxlab.forecast._models import DailyProfile, SeasonalNaive
from cxlab.forecast._results import BacktestResult, ForecastResult

__all__ = [
    "BacktestResult",
    "DailyProfile",
    "ForecastResult",
    "Forecaster",
    "SeasonalNaive",
    "backtest",
]
