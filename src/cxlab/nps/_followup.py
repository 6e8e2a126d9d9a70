"""Closing the loop: the detractors of a period, with their theme and their last contact.

The report shows the list with customer identifiers masked and personal data (phone numbers,
e-mail addresses, ID and bank-card numbers) scrubbed from the comments; the analyst-side export
(:meth:`FollowUp.export`) writes the full list for the team that calls customers back.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from cxlab._exports import exports_dir, write_export
from cxlab._masking import mask_column
from cxlab._present import (
    BODY_ROWS,
    N_,
    Headline,
    Period,
    _,
    csv_link,
    fmt_list,
    fmt_value,
    label,
    label_levels,
    local_zone,
    ngettext,
    scrub_frame,
)
from cxlab._result import Result
from cxlab.features import nps_category, survey_features
from cxlab.nps._details import mark_languages
from cxlab.nps._lexicon import detect_language
from cxlab.nps._period import in_period
from cxlab.nps._themes import tag_themes
from cxlab.nps._words import theme_label

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


def _short(text: str | None, size: int = 70) -> str | None:
    if text is None or len(text) <= size:
        return text
    return text[: size - 1].rstrip() + "…"


def _themes_text(value: str | None) -> str | None:
    if value is None:
        return None
    return fmt_list(style="semicolon", items=[theme_label(x) for x in value.split("; ")])


@dataclass(frozen=True)
class FollowUp(Result):
    """Detractors to call back. ``summary()`` masks customer ids and scrubs personal data from
    the comments; ``export()`` does not. The full table stays out of the result's ``repr``."""

    table: pl.DataFrame = field(repr=False)
    period: str
    period_obj: Period | None = None
    time_zone: str | None = None

    @property
    def period_text(self) -> str:
        return self.period_obj.text if self.period_obj else self.period

    @property
    def title(self) -> str:
        return _("Detractors to call back, {period}").format(period=self.period_text)

    def summary(self) -> pl.DataFrame:
        return scrub_frame(mask_column(self.table, "customer_id"), ["comment"])

    def headline(self) -> list[Headline]:
        return [
            Headline(
                key="detractors_to_call",
                label=N_("Detractors to call back"),
                value=self.table.height,
                unit="count",
                period=self.period_obj.iso if self.period_obj else None,
            )
        ]

    def findings(self) -> list[str]:
        t = self.table
        if t.height == 0:
            return [_("No detractors in {period}.").format(period=self.period_text)]
        out = [
            ngettext(
                "{n} detractor answered in {period}; the lowest scores come first.",
                "{n} detractors answered in {period}; the lowest scores come first.",
                t.height,
            ).format(n=fmt_value(t.height, "count"), period=self.period_text)
        ]
        if "theme" in t.columns:
            themed = t.filter(pl.col("theme").is_not_null())
            if themed.height:
                counts = themed["theme"].str.split("; ").explode().value_counts(sort=True)
                most = counts["count"].max()
                # themes tied for the most frequent are named together, in the order of the list
                top = counts.filter(pl.col("count") == most)["theme"].sort().to_list()
                words = (
                    _(
                        "Most frequent theme among them: {theme} ({n} of {total} with a themed "
                        "comment)."
                    )
                    if len(top) == 1
                    else _(
                        "Most frequent themes among them, tied: {theme} ({n} each of {total} "
                        "with a themed comment)."
                    )
                )
                out.append(
                    words.format(
                        theme=fmt_list(style="semicolon", items=[theme_label(x) for x in top]),
                        n=fmt_value(most, "count"),
                        total=fmt_value(themed.height, "count"),
                    )
                )
        if "last_channel" in t.columns and t["last_channel"].null_count() < t.height:
            ch = t["last_channel"].drop_nulls().value_counts(sort=True).row(0)
            out.append(
                _("Their last contact was mostly by {channel} ({n}).").format(
                    channel=label(ch[0]).lower(), n=fmt_value(ch[1], "count")
                )
            )
        return out

    def reader_table(self) -> pl.DataFrame:
        """The call-back list as a reader reads it: masked customer, date, score, who, theme,
        last contact channel and the comment (shortened; the CSV has it whole)."""
        t = self.summary()
        tz = local_zone(self.time_zone)
        cols: dict[str, pl.Series | list] = {}
        if "customer_id" in t.columns:
            cols["customer_id"] = t["customer_id"]
        if "responded_at" in t.columns:  # the local day the period was cut on, not the UTC day
            stamp = t["responded_at"]
            if stamp.dtype.time_zone is None:  # type: ignore[union-attr]
                stamp = stamp.dt.replace_time_zone("UTC")
            cols["responded_at"] = stamp.dt.convert_time_zone(tz).dt.date()
        cols["score_0_10"] = t["nps"]
        for c in ("segment", "region", "last_channel"):
            if c in t.columns:
                cols[c] = t[c]
        if "theme" in t.columns:
            # a detractor writing in a positive tone: the comment does not explain the score, so
            # it is marked as such rather than shown as an example of its theme
            tone = t["sentiment"] if "sentiment" in t.columns else [None] * t.height
            cols["theme_label"] = [
                _("Comment and score disagree") if s is not None and s > 0 else _themes_text(x)
                for x, s in zip(t["theme"], tone, strict=True)
            ]
        if "comment" in t.columns:
            cols["comment"] = t["comment"]
        return pl.DataFrame(cols)

    def _repr_html_(self) -> str:
        from cxlab._present import CSS, findings_html, table_html

        full = self.reader_table()
        levels = [c for c in ("segment", "region", "last_channel") if c in full.columns]
        shown = full.head(BODY_ROWS)
        if "comment" in shown.columns:
            shown = shown.with_columns(
                pl.Series("comment", [_short(x) for x in shown["comment"]], pl.Utf8)
            )
        body = table_html(shown, units={"score_0_10": "count"}, max_rows=None)
        if "comment" in shown.columns:
            body = mark_languages(
                body,
                shown.columns.index("comment"),
                # the language of what the customer wrote, not of the placeholders put in it
                [detect_language(x) if x else None for x in self.table["comment"].head(BODY_ROWS)],
            )
        more = ""
        if full.height > BODY_ROWS:
            hidden = full.height - BODY_ROWS
            words = ngettext(
                "{n} more detractor not shown.", "{n} more detractors not shown.", hidden
            ).format(n=fmt_value(hidden, "count"))
            # the download carries words, not codes: levels labelled like the table above
            readable = label_levels(full, levels)
            more = (
                f"<p class='cx-more'>{html.escape(words)} "
                f"{csv_link(readable, name='detractors')} "
                f"{html.escape(_('(customer ids masked)'))}</p>"
            )
        return (
            f"{CSS}<div class='cx-result'><h4>{html.escape(self.title)}</h4>"
            f"{findings_html(self.findings())}{body}{more}</div>"
        )

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.viz import COLORS

        if "theme" in self.table.columns:
            counts = (
                self.table.select(pl.col("theme").str.split("; ").alias("theme"))
                .explode("theme")
                .group_by("theme")
                .len()
                .sort("len")
            )
        else:
            counts = pl.DataFrame({"theme": [None], "len": [self.table.height]})
        fig = go.Figure(
            go.Bar(
                x=counts["len"].to_list(),
                y=[html.escape(theme_label(x)) for x in counts["theme"]],
                orientation="h",
                marker_color=[
                    COLORS["muted"] if x is None else COLORS["bad"] for x in counts["theme"]
                ],
                hovertemplate="%{y}: %{x}<extra></extra>",
            )
        )
        fig.update_layout(
            title=html.escape(
                _("Detractors by theme of their comment, {period}").format(period=self.period_text)
            ),
            xaxis_title=_("Number of detractors"),
            height=max(280, 28 * counts.height + 140),
            showlegend=False,
        )
        return fig

    def export_note(self, path: str | os.PathLike | None = None) -> str:
        """A sentence for the report naming where the unmasked list is (never its contents)."""
        return _(
            "The full call-back list with real customer ids ({n} detractors) is held by the "
            "customer-care team, from the analyst's export; it is not in this report."
        ).format(n=fmt_value(self.table.height, "count"))

    def save(self, directory: str | os.PathLike | None = None) -> Path:
        """Export to ``<directory>/detractors_<period>.csv`` (default: the workspace's
        ``data/exports``, outside the published reports); returns the path."""
        name = self.period.replace("..", "_to_").replace(" ", "_")
        return self.export(exports_dir(directory) / f"detractors_{name}.csv")

    def export(self, path: str | os.PathLike) -> Path:
        """Write the full, unmasked list (CSV or Parquet by suffix) for the follow-up team."""
        return write_export(self.table, path)


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
    lf, p, tz = in_period(surveys, period, time_zone, what="NPS follow-up")
    lf = lf.with_columns(nps_category())
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
    return FollowUp(table=table, period=p.label, period_obj=p, time_zone=tz)
