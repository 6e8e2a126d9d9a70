"""The presentation vocabulary every room and the runner share (ground floor).

- languages and the gettext catalogue: :func:`_`, :func:`N_`, :func:`ngettext`,
  :func:`language`, :func:`set_language`, :func:`use_language`;
- units and their formatting (Babel): :func:`fmt_value`, :func:`fmt_change`,
  :func:`fmt_interval`, :func:`fmt_date`, :func:`fmt_month`, :func:`fmt_period`;
- labels: :func:`label` turns a metric, column, dimension or level into the reader's word;
- periods (:class:`Period`, one parser and one ``compare_to`` vocabulary) and grains
  (:func:`check_every`);
- the headline card :class:`Headline` and its tiles, recorded for the index by :func:`record`;
- tables (:func:`table_html`), findings and the stylesheet;
- personal data scrubbed from free text (:func:`scrub_text`) before any reader sees it.
"""

from cxlab._present._card import Headline, cards_html
from cxlab._present._i18n import (
    LANGUAGES,
    N_,
    Language,
    _,
    check_language,
    gettext,
    language,
    locale,
    ngettext,
    set_language,
    translate_text,
    use_language,
)
from cxlab._present._labels import (
    LABELS,
    ORDERS,
    declare_label,
    label,
    label_levels,
    missing_labels,
    order_levels,
    register_labels,
)
from cxlab._present._period import (
    COMPARE_TO,
    EVERY_FORMS,
    PERIOD_FORMS,
    CompareTo,
    Period,
    check_compare_to,
    check_every,
    every_minutes,
    local_zone,
    parse_period,
)
from cxlab._present._record import record, recorded
from cxlab._present._scrub import (
    PLACEHOLDERS,
    personal_spans,
    placeholder_words,
    scrub_frame,
    scrub_text,
)
from cxlab._present._style import CSS, FONT_STACK, findings_html, note_html
from cxlab._present._table import (
    BODY_ROWS,
    csv_link,
    format_cell,
    register_units,
    table_html,
    unit_of,
)
from cxlab._present._units import (
    UNITS,
    Unit,
    decisive_decimals,
    fmt_change,
    fmt_date,
    fmt_interval,
    fmt_intervals,
    fmt_list,
    fmt_moment,
    fmt_month,
    fmt_p,
    fmt_period,
    fmt_value,
    interval_words,
    join_sentences,
)

__all__ = [
    "BODY_ROWS",
    "COMPARE_TO",
    "CSS",
    "EVERY_FORMS",
    "FONT_STACK",
    "LABELS",
    "LANGUAGES",
    "N_",
    "ORDERS",
    "PERIOD_FORMS",
    "PLACEHOLDERS",
    "UNITS",
    "CompareTo",
    "Headline",
    "Language",
    "Period",
    "Unit",
    "_",
    "cards_html",
    "check_compare_to",
    "check_every",
    "check_language",
    "csv_link",
    "decisive_decimals",
    "declare_label",
    "every_minutes",
    "findings_html",
    "fmt_change",
    "fmt_date",
    "fmt_interval",
    "fmt_intervals",
    "fmt_list",
    "fmt_moment",
    "fmt_month",
    "fmt_p",
    "fmt_period",
    "fmt_value",
    "format_cell",
    "gettext",
    "interval_words",
    "join_sentences",
    "label",
    "label_levels",
    "language",
    "local_zone",
    "locale",
    "missing_labels",
    "ngettext",
    "note_html",
    "order_levels",
    "parse_period",
    "personal_spans",
    "placeholder_words",
    "record",
    "recorded",
    "register_labels",
    "register_units",
    "scrub_frame",
    "scrub_text",
    "set_language",
    "table_html",
    "translate_text",
    "unit_of",
    "use_language",
]
