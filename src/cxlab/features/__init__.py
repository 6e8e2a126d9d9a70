"""Features: the metric dictionary and KPIs at any grain, interval series, customer and survey features."""

from cxlab.features._kpi import kpi, kpi_table, prepare, require_rows, with_repeats
from cxlab.features._metrics import DICTIONARY_VERSION, Metric, MetricConfig, metrics

__all__ = [
    "DICTIONARY_VERSION",
    "Metric",
    "MetricConfig",
    "kpi",
    "kpi_table",
    "metrics",
    "prepare",
    "require_rows",
    "with_repeats",
]
