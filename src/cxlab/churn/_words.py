"""The churn room's words for readers: labels of its terms, columns and levels, and how its
results draw themselves (headline cards, findings, a labelled table with units).

Every identifier of the churn models that can reach a reader (``unresolved_complaint_90d``,
``segment=enterprise``, ``churners_avoided``) has a label here, registered in the shared label
catalogue; the Chinese comes from ``_present/locale/zh/churn.po``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence

import polars as pl

from cxlab._present import (
    CSS,
    N_,
    _,
    cards_html,
    findings_html,
    fmt_value,
    gettext,
    label,
    language,
    register_labels,
    table_html,
)
from cxlab._result import Result

register_labels(
    {
        # experience terms of the models (the 90 days before a landmark or a month start)
        "unresolved_complaint_90d": N_("Unresolved complaint (last 90 days)"),
        "abandoned_contacts_90d": N_("Abandoned contacts (last 90 days)"),
        "low_csat_90d": N_("Gave a satisfaction score of 1–2 (last 90 days)"),
        "transfers_90d": N_("Transfers (last 90 days)"),
        "repeat_contacts_90d": N_("Repeat contacts (last 90 days)"),
        "unresolved_complaint_30d": N_("Unresolved complaint (last 30 days)"),
        "abandoned_contacts_30d": N_("Abandoned contacts (last 30 days)"),
        "low_csat_30d": N_("Gave a satisfaction score of 1–2 (last 30 days)"),
        "transfers_30d": N_("Transfers (last 30 days)"),
        "repeat_contacts_30d": N_("Repeat contacts (last 30 days)"),
        "intercept": N_("Baseline (intercept)"),
        # levels of the customer attributes
        "two_year": N_("Two-year"),
        "bronze": N_("Bronze"),
        "silver": N_("Silver"),
        "gold": N_("Gold"),
        "churn": N_("Churn"),
        "downgrade": N_("Downgrade"),
        # columns of the churn tables
        "group": N_("Group"),
        "days": N_("Days"),
        "months": N_("Months"),
        "retention": N_("Retention"),
        "at_risk": N_("Customers still observed"),
        "driver": N_("Driver"),
        "affected": N_("Customers affected"),
        "churners_avoided": N_("Churners avoided"),
        "churners_range": N_("Likely range of churners avoided"),
        "likely_range": N_("Likely range"),
        "per": N_("Per change of"),
        "monthly_revenue_kept": N_("Monthly revenue kept"),
        "revenue_range": N_("Likely range of revenue kept"),
        "churn_probability": N_("Churn probability"),
        "monthly_value_at_risk": N_("Monthly revenue at risk"),
        "monthly_revenue": N_("Monthly revenue"),
        "main_driver": N_("Main driver"),
        "cumulative_incidence": N_("Churned"),
        "competing_incidence": N_("Downgraded first"),
        "naive_1_minus_km": N_("Churned if downgrades are ignored"),
        "hazard_ratio": N_("Hazard ratio"),
        "hazard_ratio_ci_low": N_("Hazard ratio, lower bound"),
        "hazard_ratio_ci_high": N_("Hazard ratio, upper bound"),
        "hazard_ratio_per_change": N_("Hazard ratio per change"),
        "hazard_ratio_per_change_low": N_("Per change, lower bound"),
        "hazard_ratio_per_change_high": N_("Per change, upper bound"),
        "odds_ratio": N_("Odds ratio"),
        "odds_ratio_ci_low": N_("Odds ratio, lower bound"),
        "odds_ratio_ci_high": N_("Odds ratio, upper bound"),
        "odds_ratio_per_change": N_("Odds ratio per change"),
        "odds_ratio_per_change_low": N_("Per change, lower bound"),
        "odds_ratio_per_change_high": N_("Per change, upper bound"),
        "statistic": N_("Test statistic"),
        "p_holm": N_("Holm-adjusted p-value"),
        "passed": N_("Passed"),
        "events": N_("Churn events"),
        "events_without": N_("Expected without these experiences"),
        "bin": N_("Tenth of the list"),
        "predicted": N_("Predicted churn"),
        "observed": N_("Observed churn"),
        "observed_ci_low": N_("Observed, lower bound"),
        "observed_ci_high": N_("Observed, upper bound"),
        "churners": N_("Churners"),
    }
)

GROUP_WORDS: dict[str, dict[str, str]] = {
    "unresolved_complaint_90d": {
        "0": N_("No unresolved complaint"),
        "1": N_("Had an unresolved complaint"),
    },
    "low_csat_90d": {
        "0": N_("No satisfaction score of 1–2"),
        "1": N_("Gave a satisfaction score of 1–2"),
    },
}
"""Names of the two groups of an experience (0/1) in retention curves."""

GROUP_DIMENSIONS: dict[str, str] = {
    "unresolved_complaint_90d": N_(
        "whether the customer had an unresolved complaint in the previous 90 days"
    ),
    "low_csat_90d": N_(
        "whether the customer gave a satisfaction score of 1–2 in the previous 90 days"
    ),
}


EXPERIENCE_NOUNS: dict[str, str] = {
    "unresolved_complaint_90d": N_("an unresolved complaint"),
    "abandoned_contacts_90d": N_("an abandoned contact"),
    "low_csat_90d": N_("a satisfaction score of 1–2"),
    "transfers_90d": N_("a transfer"),
    "repeat_contacts_90d": N_("a repeat contact"),
}


def experience_noun(term: str) -> str:
    """An experience as a noun in a sentence ("an unresolved complaint")."""
    found = EXPERIENCE_NOUNS.get(
        term.removesuffix("_30d") + "_90d" if term.endswith("_30d") else term
    )
    return gettext(found) if found else term_label(term).lower()


def group_name(by: str | None, group: str) -> str:
    """The reader's name of a group of customers in a retention curve."""
    if group == "all":
        return _("All customers")
    words = GROUP_WORDS.get(by or "", {}).get(str(group))
    return gettext(words) if words else label(group)


_AFTER = re.compile(r"^(?P<term>.+) after (?P<cut>[0-9.]+)$")


def term_label(term: str) -> str:
    """A model term in words: ``segment=enterprise`` reads "Segment: Enterprise", and
    ``low_csat_90d after 91`` reads "…, from day 91 of follow-up"."""
    found = _AFTER.match(term)
    if found:
        return _("{term}: extra factor from day {day} of follow-up").format(
            term=term_label(found["term"]), day=found["cut"]
        )
    if "=" in term:
        column, level = term.split("=", 1)
        return _("{dimension}: {level}").format(dimension=label(column), level=label(level))
    return label(term)


def inline(text: str) -> str:
    """A label used inside an English sentence: "Segment" reads "segment" (acronyms and
    Chinese are left alone)."""
    from cxlab._present import language

    if language() != "en" or len(text) < 2 or text[1].isupper():
        return text
    return text[0].lower() + text[1:]


def share_text(value: float | None) -> str:
    """A share as every part of the churn report shows it (the tile, the findings, the table)."""
    return fmt_value(value, "share")


def money(value: float | None, *, compact: bool = False) -> str:
    """An amount in the workspace currency."""
    return fmt_value(value, "money", compact=compact)


def money_text(value: float | None) -> str:
    """An amount as the report's text writes it: in Chinese, sums of 10万 or more compact, as
    the tiles write them (¥24.2万), smaller amounts plain; in English always plain."""
    big = value is not None and abs(value) >= 100_000
    return fmt_value(value, "money", compact=big and language() == "zh")


def count(value: float | None) -> str:
    return fmt_value(value, "count")


def months_text(days: float) -> str:
    """A follow-up time in months, in words ("12 months" / "12个月")."""
    n = round(days / 30.4)
    from cxlab._present import ngettext

    return ngettext("{n} month", "{n} months", n).format(n=fmt_value(n, "count"))


def label_terms(frame: pl.DataFrame, columns: Sequence[str] = ("term",)) -> pl.DataFrame:
    """``frame`` with model terms in the named columns replaced by their words."""
    out = frame
    for name in columns:
        if name in out.columns:
            words = {t: term_label(t) for t in out[name].unique().drop_nulls().to_list()}
            out = out.with_columns(pl.col(name).replace_strict(words, return_dtype=pl.Utf8))
    return out


class ReaderTable:
    """Mixin: a result that draws a reader's table (labelled, with units) instead of its raw
    ``summary()``. Subclasses implement :meth:`reader_table`."""

    def reader_table(self) -> tuple[pl.DataFrame, Mapping[str, str]]:  # pragma: no cover
        raise NotImplementedError

    REPORT_CARDS = True
    """Whether the result's view draws its headline cards (False when they are the answer's
    tiles already, so a section does not repeat them)."""

    def _repr_html_(self) -> str:
        assert isinstance(self, Result)
        cards = self.headline() if self.REPORT_CARDS else []
        frame, units = self.reader_table()
        return (
            f"{CSS}<div class='cx-result'><h4>{html.escape(gettext(self.title))}</h4>"
            f"{cards_html(cards) if cards else ''}"
            f"{findings_html(self.findings())}"
            f"{table_html(frame, units=units, name=type(self).__name__.lower()) if frame.height else ''}"
            "</div>"
        )
