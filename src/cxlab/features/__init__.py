"""Features: the metric dictionary and KPIs at any grain, interval series, customer and survey
features, and the words of free text (language, tokens, lexicon sentiment)."""

from cxlab.features._customers import CONTACT_COLUMNS, as_utc_datetime, customer_features
from cxlab.features._intervals import interval_report
from cxlab.features._kpi import (
    INTERVAL_GRAINS,
    is_interval_report,
    kpi,
    kpi_table,
    prepare,
    require_rows,
    with_repeats,
)
from cxlab.features._lexicon import Lexicon, detect_language, text_language, text_languages
from cxlab.features._lexicon import analyse as analyse_text
from cxlab.features._lexicon import lexicon as text_lexicon
from cxlab.features._lexicon import tokens as text_tokens
from cxlab.features._metrics import (
    DICTIONARY_VERSION,
    Metric,
    MetricConfig,
    declare_metric,
    declared_metrics,
    forget_metric,
    metric,
    metrics,
)
from cxlab.features._series import volume_series
from cxlab.features._surveys import nps_category, survey_features

__all__ = [
    "CONTACT_COLUMNS",
    "DICTIONARY_VERSION",
    "INTERVAL_GRAINS",
    "Lexicon",
    "Metric",
    "MetricConfig",
    "analyse_text",
    "as_utc_datetime",
    "customer_features",
    "declare_metric",
    "declared_metrics",
    "detect_language",
    "forget_metric",
    "interval_report",
    "is_interval_report",
    "kpi",
    "kpi_table",
    "metric",
    "metrics",
    "nps_category",
    "prepare",
    "require_rows",
    "survey_features",
    "text_language",
    "text_languages",
    "text_lexicon",
    "text_tokens",
    "volume_series",
    "with_repeats",
]
