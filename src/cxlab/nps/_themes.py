"""Verbatim themes: what customers write about, how often, and how those customers score us.

Comments are tagged with the offline lexicon of :mod:`._lexicon` (English words; Chinese segmented
with jieba). Each distinct comment is analysed once, so repeated texts cost nothing. A theme's
share is the share of comments (in the chosen language) that mention it; its NPS is the NPS of the
respondents who mentioned it, with its multinomial interval.

References
----------
Hu, M. and Liu, B. (2004). Mining and summarizing customer reviews. *KDD '04*. Rocks, B. (2016).
*The American Statistician* 70(4), 365-372 (the NPS intervals).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Literal

import polars as pl

from cxlab._errors import NotEnoughDataError, SchemaError
from cxlab._masking import mask_column
from cxlab._options import check_option
from cxlab._result import Result
from cxlab.features._surveys import nps_category
from cxlab.nps._counts import with_interval
from cxlab.nps._lexicon import analyse, detect_language, lexicon
from cxlab.nps._period import data_range, local_zone, parse_period

Language = Literal["all", "en", "zh"]


def tag_themes(surveys: pl.LazyFrame | pl.DataFrame, *, language: Language = "all") -> pl.DataFrame:
    """Survey responses with their comment's themes and sentiment.

    Adds ``comment_language`` (the ``language`` column, or detected from the text), ``themes``
    (list of theme names), ``theme`` (the first one, or null), ``sentiment`` (-1 to 1, null without
    a comment) and one 0/1 column ``theme_<name>`` per theme (0 without a comment), so the themes
    can join the ratings in :func:`cxlab.nps.drivers`. ``language`` keeps only responses whose
    comment is in that language (``"all"`` keeps every response).

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"nps": [3], "comment": ["Waited 40 minutes on hold."], "language": ["en"]})
    >>> tag_themes(df)["theme"].to_list()
    ['wait_time']
    """
    check_option("language", language, Language)
    frame = surveys.lazy().collect() if isinstance(surveys, pl.LazyFrame) else surveys
    if "comment" not in frame.columns:
        raise SchemaError("themes: the surveys table has no 'comment' column.")
    lang = pl.col("language") if "language" in frame.columns else pl.lit(None, pl.Utf8)
    has = pl.col("comment").is_not_null() & (pl.col("comment").str.strip_chars() != "")
    # one key per (stated language, text): each distinct comment is analysed once, and its
    # result is gathered back by position (cheaper than joining the whole table on the text)
    key = pl.when(has).then(pl.concat_str([lang.fill_null("?"), pl.lit("\x1f"), pl.col("comment")]))
    keys = frame.select(key.alias("_key"))["_key"]
    distinct = (
        frame.select(key.alias("_key"), "comment", lang.alias("_lang"))
        .filter(pl.col("_key").is_not_null())
        .unique(subset="_key", maintain_order=True)
    )
    detected = [
        lg if lg in ("en", "zh") else detect_language(text)
        for text, lg in distinct.select("comment", "_lang").iter_rows()
    ]
    results = [analyse(text, lg) for text, lg in zip(distinct["comment"], detected, strict=True)]
    position = keys.replace_strict(
        distinct["_key"], pl.int_range(distinct.height, dtype=pl.UInt32, eager=True), default=None
    )
    out = frame.with_columns(
        pl.Series("comment_language", detected, dtype=pl.Utf8).gather(position),
        pl.Series("themes", [r[0] for r in results], dtype=pl.List(pl.Utf8)).gather(position),
        pl.Series("sentiment", [r[1] for r in results], dtype=pl.Float64).gather(position),
    )
    if language != "all":
        out = out.filter(pl.col("comment_language") == language)
    out = out.with_columns(pl.col("themes").list.first().alias("theme"))
    return out.with_columns(
        pl.col("themes").list.contains(name).fill_null(False).cast(pl.Int8).alias(f"theme_{name}")
        for name in lexicon().themes
    )


@dataclass(frozen=True)
class Themes(Result):
    """Themes of the comments: share, NPS with interval, sentiment and an example per theme."""

    table: pl.DataFrame
    examples: pl.DataFrame
    n_comments: int
    language: str = "all"
    level: float = 0.95

    @property
    def title(self) -> str:
        lang = {"all": "all languages", "en": "English", "zh": "Chinese"}[self.language]
        return f"Comment themes ({lang}, {self.n_comments:,} comments)"

    def summary(self) -> pl.DataFrame:
        return self.table

    def example_comments(self, *, masked: bool = True) -> pl.DataFrame:
        """Example comments per theme (customer ids masked unless ``masked=False``)."""
        return mask_column(self.examples, "customer_id") if masked else self.examples

    def _repr_html_(self) -> str:
        from cxlab._result import html_findings, html_table

        return (
            f"<div class='cx-result'><h4>{html.escape(self.title)}</h4>{html_findings(self.findings())}"
            f"{html_table(self.table.drop('example', strict=False))}"
            f"{html_table(self.example_comments(), caption='Example comments (ids masked)')}</div>"
        )

    def findings(self) -> list[str]:
        t = self.table.filter(pl.col("language") == "all") if self.language == "all" else self.table
        t = t.filter(pl.col("mentions") > 0).sort("mentions", descending=True)
        if t.height == 0:
            return ["No comment matched a theme."]
        pct = round(100 * self.level)
        top = t.head(3)
        out = [
            "Most mentioned: "
            + "; ".join(
                f"{r['label'].lower()} ({100 * r['share']:.0f}% of comments, NPS {r['nps']:+.0f})"
                for r in top.iter_rows(named=True)
            )
            + "."
        ]
        worst = t.filter(pl.col("mentions") >= 30).sort("nps")
        if worst.height:
            r = worst.row(0, named=True)
            out.append(
                f"Customers who write about {r['label'].lower()} score lowest: NPS {r['nps']:+.0f} "
                f"({pct}% interval {r['ci_low']:+.0f} to {r['ci_high']:+.0f}, {r['mentions']:,} comments)."
            )
        untagged = self.table.filter(pl.col("theme") == "(none)")
        if untagged.height:
            share = untagged.filter(pl.col("language") == untagged["language"][0])["share"][0]
            out.append(f"{100 * share:.0f}% of comments match no theme of the lexicon.")
        return out

    def plot(self):
        import plotly.graph_objects as go

        t = self.table.filter(pl.col("theme") != "(none)")
        fig = go.Figure()
        for lang in t["language"].unique(maintain_order=True).to_list():
            g = t.filter(pl.col("language") == lang).sort("share")
            fig.add_bar(
                x=(100 * g["share"]).to_list(),
                y=g["label"].to_list(),
                orientation="h",
                name={"all": "all", "en": "English", "zh": "Chinese"}.get(lang, lang),
                customdata=g.select("nps", "sentiment").to_numpy(),
                hovertemplate="%{y}: %{x:.0f}% of comments, NPS %{customdata[0]:.0f}, "
                "sentiment %{customdata[1]:.2f}<extra></extra>",
            )
        fig.update_layout(
            barmode="group",
            title="What customers write about (share of comments)",
            xaxis_title="% of comments",
        )
        return fig


def themes(
    surveys: pl.LazyFrame | pl.DataFrame,
    *,
    language: Language = "all",
    period: str | None = None,
    level: float = 0.95,
    n_examples: int = 2,
    time_zone: str | None = None,
) -> Themes:
    """Themes of the verbatim comments in English and Chinese, with share, NPS and sentiment.

    Parameters
    ----------
    surveys
        Survey responses with ``comment`` (and ``language``; detected when missing), or the
        output of :func:`tag_themes`.
    language
        ``"all"``, ``"en"`` or ``"zh"``.
    period
        Keep only responses of this period (see :func:`cxlab.nps.parse_period`).

    Returns
    -------
    Themes
        ``summary()`` has ``language, theme, label, mentions, share, promoters, passives,
        detractors, n, nps, std_error, ci_low, ci_high, sentiment``; shares are per language
        (and over all languages in rows ``language == "all"``).

    References
    ----------
    Hu and Liu (2004); Rocks (2016).
    """
    check_option("language", language, Language)
    frame = surveys if isinstance(surveys, pl.DataFrame) else surveys.collect()
    if period:
        tz = local_zone(time_zone)
        frame = frame.filter(
            parse_period(period, **data_range(frame, tz)).filter("responded_at", tz)
        )
    if "themes" not in frame.columns:
        frame = tag_themes(frame, language=language)
    elif language != "all":
        frame = frame.filter(pl.col("comment_language") == language)
    commented = frame.filter(pl.col("comment_language").is_not_null())
    if commented.height == 0:
        raise NotEnoughDataError(f"themes: no comments (language={language!r}).")
    if "category" not in commented.columns:
        commented = commented.with_columns(nps_category())
    labels = lexicon().themes
    keep = [
        c
        for c in ("survey_id", "customer_id", "nps", "category", "comment_language", "comment")
        if c in commented.columns
    ]
    commented = commented.select(*keep, "themes", "sentiment")  # explode copies every column
    long = commented.with_columns(
        pl.when(pl.col("themes").list.len() > 0)
        .then(pl.col("themes"))
        .otherwise(pl.lit(["(none)"]))
        .alias("_t")
    ).explode("_t")
    groups = [("all", long, commented)] if language == "all" else []
    for lang in sorted(commented["comment_language"].unique().to_list()):
        if language in ("all", lang):
            groups.append(
                (
                    lang,
                    long.filter(pl.col("comment_language") == lang),
                    commented.filter(pl.col("comment_language") == lang),
                )
            )
    frames = []
    for lang, lg, base in groups:
        agg = (
            lg.group_by("_t")
            .agg(
                pl.len().alias("mentions"),
                (pl.col("category") == "promoter").sum().cast(pl.Int64).alias("promoters"),
                (pl.col("category") == "passive").sum().cast(pl.Int64).alias("passives"),
                (pl.col("category") == "detractor").sum().cast(pl.Int64).alias("detractors"),
                pl.col("sentiment").mean().alias("sentiment"),
                pl.col("comment").first().alias("example"),
            )
            .with_columns(
                pl.lit(lang).alias("language"),
                (pl.col("mentions") / base.height).alias("share"),
                (pl.col("promoters") + pl.col("passives") + pl.col("detractors")).alias("n"),
            )
        )
        frames.append(agg)
    table = with_interval(pl.concat(frames), level=level).rename({"_t": "theme"})
    table = (
        table.with_columns(
            pl.col("theme").replace_strict(labels, default="No theme found").alias("label")
        )
        .select(
            "language",
            "theme",
            "label",
            "mentions",
            "share",
            "promoters",
            "passives",
            "detractors",
            "n",
            "nps",
            "std_error",
            "ci_low",
            "ci_high",
            "sentiment",
            "example",
        )
        .sort("language", "mentions", descending=[False, True])
    )
    id_cols = [c for c in ("survey_id", "customer_id") if c in long.columns]
    examples = (
        long.filter(pl.col("_t") != "(none)")
        .unique(subset=["_t", "comment"], maintain_order=True)
        .group_by("_t", maintain_order=True)
        .head(n_examples)
        .select(pl.col("_t").alias("theme"), *id_cols, "nps", "comment_language", "comment")
        .sort("theme")
    )
    return Themes(
        table=table,
        examples=examples,
        n_comments=commented.height,
        language=language,
        level=level,
    )
