"""NPS: scores with multinomial intervals, changes and segment gaps with tests, trends with control
limits, key drivers (relative weights, Shapley R²) with bootstrap intervals, verbatim themes in
English and Chinese, and the detractor follow-up list."""

from cxlab.nps._answer import NpsAnswer, answer
from cxlab.nps._counts import NpsCounts, count_frame, interval, std_error, with_interval
from cxlab.nps._drivers import KeyDrivers, drivers, relative_weights, shapley_r2
from cxlab.nps._followup import FollowUp, followup
from cxlab.nps._period import Period, comparison_period, parse_period
from cxlab.nps._score import NpsChange, NpsGaps, NpsScore, adjust_p, compare, gaps, score
from cxlab.nps._themes import Themes, tag_themes, themes
from cxlab.nps._trend import NpsTrend, trend

__all__ = [
    "FollowUp",
    "KeyDrivers",
    "NpsAnswer",
    "NpsChange",
    "NpsCounts",
    "NpsGaps",
    "NpsScore",
    "NpsTrend",
    "Period",
    "Themes",
    "adjust_p",
    "answer",
    "compare",
    "comparison_period",
    "count_frame",
    "drivers",
    "followup",
    "gaps",
    "interval",
    "parse_period",
    "relative_weights",
    "score",
    "shapley_r2",
    "std_error",
    "tag_themes",
    "themes",
    "trend",
    "with_interval",
]
