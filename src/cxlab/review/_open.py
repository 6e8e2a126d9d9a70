"""One call that gathers what the monthly review reads, and the headline numbers it shows."""

from __future__ import annotations

import os
from dataclasses import dataclass

import polars as pl

from cxlab._config import Settings, settings
from cxlab._errors import NotEnoughDataError
from cxlab.data import has_table, load
from cxlab.review._period import CompareTo, Period, review_period
from cxlab.review._sections import Scorecard, fmt


@dataclass(frozen=True)
class ReviewInputs:
    """The contacts in scope (lazy), the period, targets, QA scores and agents."""

    contacts: pl.LazyFrame
    period: Period
    targets: pl.DataFrame
    qa_scores: pl.LazyFrame | None
    agents: pl.DataFrame | None
    scope: str


def open_review(
    *,
    month: str | None = None,
    compare_to: CompareTo = "previous_month",
    channels: list[str] | None = None,
    region: str | None = None,
    workspace: str | os.PathLike | Settings | None = None,
) -> ReviewInputs:
    """Load the review's inputs from the store and choose (and check) the month.

    Raises
    ------
    NotEnoughDataError
        For a month with no data or too little, naming the range the data covers, or for a
        channel or region filter that leaves nothing.
    """
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    contacts = load("contacts", workspace=ws)
    parts = []
    if channels:
        contacts = contacts.filter(pl.col("channel").is_in(list(channels)))
        parts.append("channels " + ", ".join(channels))
    if region:
        contacts = contacts.filter(pl.col("region") == region)
        parts.append(f"region {region}")
    if (channels or region) and contacts.select(pl.len()).collect().item() == 0:
        raise NotEnoughDataError(f"no contacts for {' and '.join(parts)}; check the names.")
    period = review_period(contacts, month=month, compare_to=compare_to, time_zone=ws.timezone)
    targets = (
        load("targets", workspace=ws).collect()
        if has_table("targets", ws)
        else pl.DataFrame(
            schema={
                "kpi": pl.Utf8,
                "scope": pl.Utf8,
                "period": pl.Utf8,
                "target": pl.Float64,
                "direction": pl.Utf8,
            }
        )
    )
    qa = load("qa_scores", workspace=ws) if has_table("qa_scores", ws) else None
    agents = load("agents", workspace=ws).collect() if has_table("agents", ws) else None
    return ReviewInputs(
        contacts, period, targets, qa, agents, " and ".join(parts) or "all contacts"
    )


HEADLINE = [
    ("fcr", "all"),
    ("csat", "all"),
    ("service_level", "channel=phone"),
    ("answer_rate", "channel=phone"),
    ("resolution_within", "all"),
    ("complaint_rate", "all"),
]


def headline_cards(card: Scorecard) -> list[dict]:
    """Cards for ``cx.viz.headline``: the targeted KPIs, value against target, change in words."""
    out = []
    t = card.table
    for kpi, scope in HEADLINE:
        rows = t.filter((pl.col("kpi") == kpi) & (pl.col("scope") == scope))
        if rows.height == 0:
            continue
        r = rows.row(0, named=True)
        detail = (
            f"{r['change_text']} on {card.period.compare_label}"
            if r["change"] is not None
            else None
        )
        label = r["label"] + ("" if scope == "all" else f" ({scope.split('=', 1)[1]})")
        out.append(
            {
                "label": label,
                "value": r["value_text"],
                "target": f"target {r['target_text']}" if r["target"] is not None else None,
                "met": r["met"],
                "detail": detail,
            }
        )
    return out


def record_headlines(card: Scorecard) -> None:
    """Hand the headline KPIs to the runner (they appear on ``outputs/index.html``)."""
    from cxlab.runner import record

    for kpi, scope in HEADLINE[:4]:
        rows = card.table.filter((pl.col("kpi") == kpi) & (pl.col("scope") == scope))
        if rows.height:
            r = rows.row(0, named=True)
            unit = "share" if r["unit"] == "share" else "score"
            label = r["label"] + ("" if scope == "all" else f" ({scope.split('=', 1)[1]})")
            record(
                f"{kpi}:{scope}",
                r["value"],
                label=label,
                unit=unit,
                target=r["target"],
                direction=r["target_text"].split(" ")[0] if r["target"] is not None else None,
                detail=card.period.label,
            )


def report_table(card: Scorecard) -> pl.DataFrame:
    """The scorecard as people read it: KPI, scope, this month, last, change, target, status."""
    t = card.table
    status = (
        pl.when(pl.col("met").eq(True))
        .then(pl.lit("on target"))
        .when(pl.col("met").eq(False))
        .then(pl.lit("missed"))
        .otherwise(pl.lit(""))
    )
    moved = (
        pl.when(pl.col("p_value") < 0.01)
        .then(pl.lit("beyond normal variation"))
        .when(pl.col("p_value").is_not_null())
        .then(pl.lit("within normal variation"))
        .otherwise(pl.lit(""))
    )
    previous = pl.struct("previous", "unit").map_elements(
        lambda s: fmt(s["previous"], s["unit"]), return_dtype=pl.Utf8
    )
    return t.select(
        pl.col("label").alias("KPI"),
        pl.col("scope").alias("scope"),
        pl.col("value_text").alias(card.period.label),
        previous.alias(card.period.compare_label),
        pl.col("change_text").alias("change"),
        moved.alias("the change is"),
        pl.col("target_text").alias("target"),
        status.alias("status"),
    )
