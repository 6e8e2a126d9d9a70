"""What the three year sections share: the year checked, the months the data cover, the words
for a partial year, and the section's HTML.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from cxlab._errors import OptionError
from cxlab._present import (
    CSS,
    N_,
    Period,
    _,
    cards_html,
    findings_html,
    fmt_month,
    local_zone,
    ngettext,
    note_html,
    register_labels,
    table_html,
)

register_labels(
    {
        "intervention": N_("Intervention"),
        "design_text": N_("Design"),
        "effect_text": N_("Effect"),
        "interval_text": N_("Likely range"),
        "chance_text": N_("Beyond chance?"),
        "worth_text": N_("Over the contacts counted"),
        "busy_slot": N_("Busiest half-hour"),
        "busy_service_level": N_("Service level at the busiest half-hour"),
        "agents_required": N_("Agents required"),
        "agents_busy": N_("Agents busy at once"),
        "agents_active": N_("Agents who handled contacts"),
        "short_text": N_("Demand outran staffing?"),
        "customers_at_start": N_("Customers at the start"),
        "customers_retained": N_("Still customers at the end"),
        "churned_in_month": N_("Customers lost"),
    }
)

DESIGN_WORDS = {
    "ab": N_("A/B test"),
    "cluster_ab": N_("A/B test by agent"),
    "did": N_("Pilot with difference-in-differences"),
    "staggered_did": N_("Staged pilot with difference-in-differences"),
    "synthetic_control": N_("Pilot with a synthetic control"),
    "synthetic_did": N_("Pilot with synthetic difference-in-differences"),
    "its": N_("Interrupted time series"),
}
# metrics whose effect adds up over the year's contacts: the KPI's denominator counts them
PER_CONTACT = ("share", "per_contact", "number", "seconds")
STAFFED = ("phone", "chat")  # real-time channels, staffed with Erlang models


# -- the year and what the data cover ----------------------------------------------------------


def _months(year: Period) -> list[dt.date]:
    out, d = [], year.start
    while d < year.end:
        out.append(d)
        d = dt.date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return out


def _check_year(year: Period | str) -> Period:
    year = Period.parse(year)
    months = _months(year)
    if year.start.day != 1 or year.end.day != 1 or len(months) != 12:
        raise OptionError(
            f"year={year.label!r} is not twelve whole months; give e.g. "
            "Period.parse('2025-11..2026-10')."
        )
    return year


@dataclass(frozen=True)
class Coverage:
    """Which months of a year the contacts cover from their first to their last day."""

    year: Period
    first: dt.date | None  # the first local day of contacts
    last: dt.date | None  # the last local day of contacts

    def months(self, period: Period | None = None) -> list[dt.date]:
        """The whole months of ``period`` (the year by default) the data cover."""
        p = period or self.year
        if self.first is None or self.last is None:
            return []
        return [
            m
            for m in _months(p)
            if m >= self.first and _next(m) <= self.last + dt.timedelta(days=1)
        ]

    @property
    def span(self) -> Period | None:
        """The whole months of the year the data cover, as one period (``None``: none)."""
        months = self.months()
        if not months:
            return None
        return Period.parse(f"{months[0]:%Y-%m}..{months[-1]:%Y-%m}")

    @property
    def iso(self) -> tuple[str, str]:
        """A card's period: the months covered (the year's when none is)."""
        return (self.span or self.year).iso

    @property
    def complete(self) -> bool:
        return len(self.months()) == 12

    def covers(self, period: Period) -> bool:
        return len(self.months(period)) == len(_months(period))


def _next(m: dt.date) -> dt.date:
    return dt.date(m.year + m.month // 12, m.month % 12 + 1, 1)


def coverage(year: Period, contacts: pl.LazyFrame, tz: str) -> Coverage:
    t = pl.col("arrived_at").dt.convert_time_zone(tz)
    first, last = contacts.select(t.min().alias("a"), t.max().alias("b")).collect().row(0)
    return Coverage(year, first.date() if first else None, last.date() if last else None)


def partial_sentence(cov: Coverage) -> list[str]:
    """The year is covered in part: say which months, and that nothing is extrapolated."""
    months = cov.months()
    if len(months) == 12:
        return []
    if not months:
        return [
            _("The data cover no whole month of {year}: nothing can be said about it.").format(
                year=cov.year.text
            )
        ]
    return [
        ngettext(
            "The data cover only {n} month of {year} ({first} to {last}): the figures are for "
            "that month and are not extrapolated to a year.",
            "The data cover only {n} months of {year} ({first} to {last}): the figures are for "
            "those months and are not extrapolated to a year.",
            len(months),
        ).format(
            n=len(months),
            year=cov.year.text,
            first=fmt_month(months[0]),
            last=fmt_month(months[-1]),
        )
    ]


def _previous(year: Period) -> Period:
    return year.compare("year_ago")


def _setup(year: Period | str, workspace: str | os.PathLike | None):
    from cxlab._config import settings
    from cxlab.data import load

    year = _check_year(year)
    tz = local_zone(settings(workspace).time_zone)
    contacts = load("contacts", workspace=workspace)
    return year, tz, contacts, coverage(year, contacts, tz)


def _section(
    title: str,
    cards: list,
    findings: list[str],
    tables: list[pl.DataFrame],
    units: dict[str, str] | None,
    notes: list[str],
) -> str:
    """A section as a reader reads it: title, cards, findings, tables (every row) and notes."""
    return (
        f"{CSS}<div class='cx-result'><h4>{html.escape(title)}</h4>"
        f"{cards_html(cards) if cards else ''}{findings_html(findings)}"
        + "".join(table_html(t, units=units, max_rows=None) for t in tables)
        + "".join(note_html(n) for n in notes)
        + "</div>"
    )


def _month_axis(fig: go.Figure, title: str, y_title: str = "") -> go.Figure:
    fig.update_layout(title=title, hovermode="x unified")
    fig.update_xaxes(type="date", tickformat="%Y-%m")
    if y_title:
        fig.update_yaxes(title=y_title)
    return fig
