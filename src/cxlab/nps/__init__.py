"""NPS: scores with multinomial intervals, changes and segment gaps with tests, trends with control
limits, key drivers (relative weights, Shapley R²) with bootstrap intervals, verbatim themes in
English and Chinese, and the detractor follow-up list."""

from cxlab.nps._counts import NpsCounts, count_frame, interval, std_error, with_interval
from cxlab.nps._period import Period, comparison_period, parse_period
from cxlab.nps._score import NpsChange, NpsGaps, NpsScore, adjust_p, compare, gaps, score
from cxlab.nps._trend import NpsTrend, trend

__all__ = [
    "NpsChange",
    "NpsCounts",
    "NpsGaps",
    "NpsScore",
    "NpsTrend",
    "Period",
    "adjust_p",
    "compare",
    "comparison_period",
    "count_frame",
    "gaps",
    "interval",
    "parse_period",
    "score",
    "std_error",
    "trend",
    "with_interval",
]
