"""What the three year sections share: the year under review read once, the labels of their
tables, and the section's HTML.
"""

from __future__ import annotations

import datetime as dt
import html
import os

import plotly.graph_objects as go
import polars as pl

from cxlab._present import (
    CSS,
    N_,
    Period,
    cards_html,
    findings_html,
    fmt_month,
    note_html,
    register_labels,
    table_html,
)
from cxlab.review._year import ReviewYear, review_year

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


def _next(m: dt.date) -> dt.date:
    return dt.date(m.year + m.month // 12, m.month % 12 + 1, 1)


def _setup(
    year: ReviewYear | Period | str, workspace: str | os.PathLike | None
) -> tuple[ReviewYear, str | os.PathLike | None, pl.LazyFrame]:
    """The year under review (:func:`~cxlab.review.review_year`: the months with contacts), the
    workspace to read (the year's own when none is given) and its contacts."""
    from cxlab.data import load

    y = review_year(year, workspace=workspace)
    ws = workspace if workspace is not None else y.workspace
    return y, ws, load("contacts", workspace=ws)


def _section(
    title: str,
    cards: list,
    findings: list[str],
    tables: list[pl.DataFrame],
    units: dict[str, str] | None,
    notes: list[str],
) -> str:
    """A section as a reader reads it: title, cards, findings, tables (at most 15 rows in the
    body, the whole table as the page's download) and notes."""
    return (
        f"{CSS}<div class='cx-result'><h4>{html.escape(title)}</h4>"
        f"{cards_html(cards) if cards else ''}{findings_html(findings)}"
        + "".join(table_html(t, units=units) for t in tables)
        + "".join(note_html(n) for n in notes)
        + "</div>"
    )


def _month_axis(fig: go.Figure, title: str, y_title: str = "") -> go.Figure:
    """Months on the x axis named as the reader names them ("Nov 2025", "2025年11月")."""
    fig.update_layout(title=title, hovermode="x unified")
    months = sorted({x for trace in fig.data for x in (trace.x or ()) if isinstance(x, dt.date)})
    fig.update_xaxes(
        type="date",
        tickvals=months,
        ticktext=[fmt_month(m, short=True) for m in months],
    )
    if y_title:
        fig.update_yaxes(title=y_title)
    return fig
