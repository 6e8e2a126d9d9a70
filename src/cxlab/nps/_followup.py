"""Closing the loop: the detractors of a period, with their theme and their last contact.

The report shows the list with customer identifiers masked; the analyst-side export
(:meth:`FollowUp.export`) writes the full list for the team that calls customers back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cxlab._masking import mask_column
from cxlab._result import Result
from cxlab.features._surveys import nps_category, survey_features
from cxlab.nps._period import data_range, local_zone, parse_period
from cxlab.nps._themes import tag_themes

COLUMNS = (
    "survey_id",
    "customer_id",
    "responded_at",
    "nps",
    "segment",
    "region",
    "theme",
    "sentiment",
    "comment",
    "last_contact_id",
    "last_contact_at",
    "last_channel",
    "last_queue",
)


@dataclass(frozen=True)
class FollowUp(Result):
    """Detractors to call back. ``summary()`` masks customer ids; ``export()`` does not."""

    table: pl.DataFrame
    period: str

    @property
    def title(self) -> str:
        return f"Detractor follow-up, {self.period}"

    def summary(self) -> pl.DataFrame:
        return mask_column(self.table, "customer_id")

    def findings(self) -> list[str]:
        t = self.table
        if t.height == 0:
            return [f"No detractors in {self.period}."]
        out = [f"{t.height:,} detractors answered in {self.period}; the lowest scores come first."]
        if "theme" in t.columns:
            themed = t.filter(pl.col("theme").is_not_null())
            if themed.height:
                top = themed["theme"].str.split("; ").explode().value_counts(sort=True).row(0)
                out.append(
                    f"Most frequent theme among them: {top[0].replace('_', ' ')} ({top[1]:,} of "
                    f"{themed.height:,} with a themed comment)."
                )
        if "last_channel" in t.columns and t["last_channel"].null_count() < t.height:
            ch = t["last_channel"].drop_nulls().value_counts(sort=True).row(0)
            out.append(f"Their last contact was most often by {ch[0]} ({ch[1]:,}).")
        return out

    def plot(self):
        import plotly.graph_objects as go

        counts = (
            self.table.with_columns(pl.col("theme").fill_null("(no theme)"))
            .group_by("theme")
            .len()
            .sort("len")
            if "theme" in self.table.columns
            else pl.DataFrame({"theme": ["all"], "len": [self.table.height]})
        )
        fig = go.Figure(
            go.Bar(x=counts["len"].to_list(), y=counts["theme"].to_list(), orientation="h")
        )
        fig.update_layout(title=f"Detractors by theme, {self.period}", xaxis_title="detractors")
        return fig

    def export(self, path: str | os.PathLike) -> Path:
        """Write the full, unmasked list (CSV or Parquet by suffix) for the follow-up team."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix == ".parquet":
            self.table.write_parquet(target)
        else:
            self.table.write_csv(target)
        return target


def followup(
    surveys: pl.LazyFrame | pl.DataFrame,
    *,
    period: str = "latest_month",
    contacts: pl.LazyFrame | pl.DataFrame | None = None,
    customers: pl.LazyFrame | pl.DataFrame | None = None,
    time_zone: str | None = None,
) -> FollowUp:
    """The detractors (0-6) of ``period`` with their comment's theme and their last contact.

    Examples
    --------
    >>> import cxlab as cx
    >>> cx.nps.followup(cx.load("surveys"), contacts=cx.load("contacts")).summary()  # doctest: +SKIP
    """
    tz = local_zone(time_zone)
    lf = surveys.lazy()
    p = parse_period(period, **data_range(lf, tz))
    lf = lf.filter(p.filter("responded_at", tz)).with_columns(nps_category())
    lf = lf.filter(pl.col("category") == "detractor")
    names = lf.collect_schema().names()
    if contacts is not None and "last_contact_id" not in names:
        lf = survey_features(lf.drop("category"), contacts=contacts, customers=customers)
    elif customers is not None and "segment" not in names:
        lf = survey_features(lf.drop("category"), customers=customers)
    frame = lf.collect()
    if "theme" not in frame.columns and "comment" in frame.columns:
        frame = tag_themes(frame)
    if "themes" in frame.columns:  # every theme of the comment, not only the first
        frame = frame.with_columns(
            pl.when(pl.col("themes").list.len() > 0)
            .then(pl.col("themes").list.join("; "))
            .otherwise(None)
            .alias("theme")
        )
    keep = [c for c in COLUMNS if c in frame.columns]
    table = frame.select(keep).sort(["nps", "responded_at"], descending=[False, True])
    return FollowUp(table=table, period=p.label)
