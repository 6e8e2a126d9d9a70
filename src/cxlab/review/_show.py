"""How the review speaks: its labels, scopes in words, sections as HTML, and chart helpers.

Every number goes through :mod:`cxlab._present` (one formatter, one label catalogue); this module
only adds the review's own identifiers to the catalogue and the few pieces of layout the review's
sections share.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Mapping, Sequence

import polars as pl

from cxlab._present import (
    CSS,
    N_,
    _,
    findings_html,
    fmt_change,
    fmt_date,
    fmt_value,
    label,
    language,
    register_labels,
    table_html,
)

register_labels(
    {
        # columns of the review's tables
        "calls": N_("Calls"),
        "complaints": N_("Complaints"),
        "complaint_count": N_("Complaints"),
        "median_resolve": N_("Median time to resolve"),
        "promise": N_("Promise"),
        "closed_in_time": N_("Closed within promise"),
        "unresolved": N_("Still open"),
        "band": N_("Time band"),
        "answered_contacts": N_("Answered contacts"),
        "sampled": N_("Reviewed by QA"),
        "sampling_rate": N_("Share reviewed"),
        "dimension": N_("QA dimension"),
        "mean_score": N_("Average score (of 100)"),
        "rank": N_("Rank"),
        "raw": N_("Observed rate"),
        "shrunk": N_("Rate adjusted for luck"),
        "likely_low": N_("Likely at least"),
        "likely_high": N_("Likely at most"),
        "normal_range": N_("Normal range"),
        "scope_text": N_("Scope"),
        "kpi_text": N_("Measure"),
        "actual_text": N_("Actual"),
        "target_text": N_("Target"),
        "attained": N_("Attained"),
        "moved": N_("Beyond normal variation?"),
        "p_value_change": N_("p-value"),
        "measure_text": N_("Measure"),
        "response_time": N_("Speed of answer / first response"),
        "reason": N_("Contact reason"),
        "week_start": N_("Week starting"),
        # QA dimensions
        "accuracy": N_("Accuracy"),
        "compliance": N_("Compliance"),
        "empathy": N_("Empathy"),
        "greeting": N_("Greeting"),
        "resolution": N_("Resolution"),
        # phone time bands
        "peak_hours": N_("Peak hours (10–11, 14–16)"),
        "working_hours": N_("Other daytime hours (09–18)"),
        "off_hours": N_("Early and evening hours (08–09, 18–21)"),
        # the synthetic workspace's teams
        "phone-team-1": N_("Phone team 1"),
        "phone-team-2": N_("Phone team 2"),
        "phone-team-3": N_("Phone team 3"),
        "chat-team-1": N_("Chat team 1"),
        "chat-team-2": N_("Chat team 2"),
        "email-team-1": N_("Email team"),
        "social-team-1": N_("Social media team"),
    }
)


def scope_text(scope: str) -> str:
    """A scope of the targets table in words: ``channel=phone`` reads "Phone"."""
    if scope in ("all", "", "*"):
        return _("All contacts")
    column, _sep, value = scope.partition("=")
    if column.strip() == "priority":
        return value.strip()  # a priority tier reads by its code: "P1"
    return label(value.strip()) if value else label(column)


def kpi_name(kpi: str, scope: str) -> str:
    """A KPI with its scope, as in "Answer rate (Phone)"; the scope is left out for all contacts."""
    if scope in ("all", "", "*"):
        return label(kpi)
    return _("{metric} ({scope})").format(metric=label(kpi), scope=scope_text(scope))


def dim_word(key: str) -> str:
    """A dimension's name inside a sentence: "by channel" (lower case in English)."""
    word = label(key)
    return word.lower() if word.isascii() else word


def mid(word: str) -> str:
    """A label inside an English sentence: "first-contact resolution", never "First-contact
    resolution"; acronyms and codes keep their capitals (CSAT, P1, QA)."""
    if language() != "en" or len(word) < 2 or not word[0].isupper() or not word[1].islower():
        return word
    return word[0].lower() + word[1:]


def cap(text: str) -> str:
    """A sentence or title starts with a capital (English)."""
    return text[:1].upper() + text[1:] if text else text


DURATION_UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


def duration_unit(seconds: float | None) -> str:
    """The unit a duration is read in: seconds up to 2 minutes, minutes up to an hour, then
    hours up to three days (an hour and more reads in hours: 1.3 h, not 77.3 min)."""
    size = abs(seconds or 0.0)
    if size < 120:
        return "s"
    if size < 3600:
        return "min"
    if size < 72 * 3600:
        return "h"
    return "d"


def fmt_duration(
    seconds: float | None,
    unit: str | None = None,
    *,
    decimals: int | None = None,
    signed: bool = False,
) -> str:
    """A duration in a given unit (``None``: chosen from its size), so a level and its change,
    or a column of durations, read in one unit: "7.0 min (+0.0 min)", "48 h", "120 h"."""
    if seconds is None or not math.isfinite(seconds):
        return "–"
    unit = unit or duration_unit(seconds)
    words = {"s": _("{n} s"), "min": _("{n} min"), "h": _("{n} h"), "d": _("{n} d")}[unit]
    digits = (0 if unit == "s" else 1) if decimals is None else decimals
    amount = seconds / DURATION_UNITS[unit]
    # a plain number in the reader's locale (a count's format at the digits asked for)
    number = fmt_change if signed else fmt_value
    return words.format(n=number(amount, "count", decimals=digits))


class Html:
    """A piece of a report that shows itself (the last expression of a notebook cell)."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup


def chart_text(value: object) -> str:
    """A level as a chart label: its reader's word, escaped (plotly renders tags in labels)."""
    return html.escape(label(value), quote=False)


def section_html(
    title: str,
    findings: Sequence[str],
    frame: pl.DataFrame | None = None,
    *,
    units: Mapping[str, str] | None = None,
    max_rows: int | None = 15,
    name: str = "table",
    caption: str | None = None,
) -> str:
    """A section as people read it: its title, findings and a labelled, formatted table."""
    body = (
        table_html(frame, units=units, max_rows=max_rows, name=name, caption=caption)
        if frame is not None
        else ""
    )
    head = f"<h4>{html.escape(title)}</h4>" if title else ""
    return f"{CSS}<div class='cx-result'>{head}{findings_html(list(findings))}{body}</div>"


def scale(unit: str) -> float:
    """Shares are drawn as percentages."""
    return 100.0 if unit == "share" else 1.0


def axis_title(unit: str) -> str:
    """Axis titles in sentence case, one style in every chart."""
    return {"share": "%", "seconds": _("Time"), "score": _("Score")}.get(unit, "")


LOG_TICKS = (1, 10, 60, 600, 3600, 36000, 360000)  # 1 s, 10 s, 1 min, 10 min, 1 h, 10 h, 100 h


def seconds_axis(values: Sequence[float | None]) -> dict:
    """An axis for durations. When they span orders of magnitude (seconds to hours) it is a log
    axis with ticks at 10 s, 1 min, 10 min, 1 h and 10 h written in words, so a reader never
    converts; a log axis is drawn with dots, never bars (a bar's length means nothing on it)."""
    found = [v for v in values if v is not None and math.isfinite(v) and v > 0]
    if not found:
        return {"title": _("Time")}
    lo, hi = min(found), max(found)
    if hi / lo < 20:
        return {"title": _("Time (seconds)")}
    ticks = [t for t in LOG_TICKS if lo / 10 <= t <= hi * 10]
    return {
        "type": "log",
        "title": _("Time"),
        "tickvals": ticks,
        "ticktext": [
            fmt_duration(t, "s" if t < 60 else "min" if t < 3600 else "h", decimals=0)
            for t in ticks
        ],
    }


def titled(main: str, note: str | None = None) -> dict:
    """A chart title with an optional one-line note under it (never clipped, never on a legend)."""
    out: dict = {"text": main}
    if note:
        out["subtitle"] = {"text": note, "font": {"size": 12, "color": "#5b6577"}}
    return out


def date_axis(start: dt.date, end: dt.date, *, every: int = 7) -> dict:
    """Date ticks written in the report's language, one every ``every`` days."""
    ticks = []
    day = start
    while day <= end:
        ticks.append(day)
        day += dt.timedelta(days=every)
    return {"tickvals": ticks, "ticktext": [fmt_date(d) for d in ticks]}
