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
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from cxlab._errors import NotEnoughDataError, SchemaError
from cxlab._masking import mask_column
from cxlab._options import check_option, renamed
from cxlab._present import (
    Period,
    _,
    fmt_intervals,
    fmt_list,
    fmt_value,
    gettext,
    join_sentences,
    scrub_frame,
)
from cxlab._result import Result
from cxlab.features import nps_category
from cxlab.nps._counts import OldNames, check_alpha, with_interval
from cxlab.nps._details import Details, mark_languages
from cxlab.nps._lexicon import analyse, detect_language, lexicon
from cxlab.nps._period import in_period
from cxlab.nps._words import COMMENT_LANGUAGES, theme_label

Language = Literal["all", "en", "zh"]

# a theme's NPS on fewer comments than this is named with a word of caution
MIN_COMMENTS = 30


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


def _tone(value: float | None) -> str:
    """The average tone of comments in words."""
    if value is None or value != value:
        return "–"
    if value <= -0.2:
        return _("negative")
    if value >= 0.2:
        return _("positive")
    return _("mixed")


@dataclass(frozen=True)
class Themes(OldNames, Result):
    """Themes of the comments: share, NPS with interval, sentiment and an example per theme.

    The quoted comments (``table``'s ``example``, ``examples``' ``comment``) are scrubbed of
    personal data (:func:`cxlab._present.scrub_text`) when the result is made."""

    table: pl.DataFrame
    examples: pl.DataFrame = field(repr=False)  # customer ids unmasked: example_comments() masks
    n_comments: int
    language: str = "all"
    alpha: float = 0.05
    period_obj: Period | None = None

    @property
    def period_text(self) -> str:
        """The period in the reader's words (empty for all the data)."""
        return self.period_obj.text if self.period_obj else ""

    @property
    def title(self) -> str:
        head = _("What customers write about")
        return (
            _("{title}, {period}").format(title=head, period=self.period_text)
            if (self.period_text)
            else head
        )

    def summary(self) -> pl.DataFrame:
        return self.table

    def example_comments(self, *, masked: bool = True) -> pl.DataFrame:
        """Example comments per theme (customer ids masked unless ``masked=False``)."""
        return mask_column(self.examples, "customer_id") if masked else self.examples

    def _main(self) -> pl.DataFrame:
        lang = "all" if self.language == "all" else self.language
        t = self.table.filter(pl.col("language") == lang)
        return t if t.height else self.table

    def reader_table(self) -> pl.DataFrame:
        """Theme, comments, share, NPS of those customers with its likely range, tone."""
        t = self._main().filter(pl.col("mentions") > 0).sort("mentions", descending=True)
        rng = fmt_intervals(t["ci_low"], t["ci_high"], "nps", change=False)
        return pl.DataFrame(
            {
                "theme_label": [theme_label(x) for x in t["theme"]],
                "mentions": t["mentions"],
                "share": t["share"],
                "nps": t["nps"],
                "likely_range": rng,
                "sentiment": [_tone(x) for x in t["sentiment"]],
            }
        )

    def reader_examples(self, *, per_theme: int = 1, languages: bool = False):
        """Example comments for the body: theme, masked customer, score, comment (escaped when
        shown); ``languages=True`` gives the language of each comment instead."""
        e = self.example_comments().group_by("theme", maintain_order=True).head(per_theme)
        if languages:
            return e["comment_language"].to_list()
        cols = {
            "theme_label": [theme_label(x) for x in e["theme"]],
            "score_0_10": e["nps"],
            "comment": e["comment"],
        }
        if "customer_id" in e.columns:
            cols = {"customer_id": e["customer_id"], **cols}
        return pl.DataFrame(cols)

    def _repr_html_(self) -> str:
        from cxlab._present import CSS, findings_html, table_html

        units = {"mentions": "count", "share": "share", "nps": "nps"}
        return (
            f"{CSS}<div class='cx-result'><h4>{html.escape(self.title)}</h4>"
            f"{findings_html(self.findings())}"
            f"{table_html(self.reader_table(), units=units, name='nps_themes')}"
            + mark_languages(
                table_html(
                    self.reader_examples(),
                    units={"score_0_10": "count"},
                    caption=_("Example comments (customer ids masked)"),
                    name="nps_examples",
                ),
                self.reader_examples().columns.index("comment"),
                self.reader_examples(languages=True),
            )
            + "</div>"
        )

    def lowest_words(self, *, brief: bool = False) -> str | None:
        """The theme whose writers score lowest, as the theme table shows it.

        The lowest NPS of the table is named, with its number of comments. When it rests on
        fewer than ``MIN_COMMENTS`` comments the sentence says so, and also names the lowest theme
        among those with at least that many (when there is one, and it is another theme). Themes
        tied for the lowest NPS are named together. ``brief=True`` leaves out the intervals.
        """
        t = self._main().filter((pl.col("mentions") > 0) & (pl.col("theme") != "(none)"))
        t = t.filter(pl.col("nps").is_not_null())
        if t.height == 0:
            return None
        # ties as the table shows them (one decimal)
        t = t.with_columns(pl.col("nps").round(1).alias("_shown")).sort(
            ["_shown", "mentions"], descending=[False, True]
        )
        low = t.filter(pl.col("_shown") == t["_shown"][0])
        r = low.row(0, named=True)
        names = fmt_list(items=[theme_label(x).lower() for x in low["theme"]])
        few = int(low["mentions"].min()) < MIN_COMMENTS
        if low.height > 1:
            words = _(
                "Customers who write about {themes} score lowest, tied at NPS {nps} ({n} "
                "comments between them)."
            ).format(
                themes=names,
                nps=fmt_value(r["nps"], "nps", decimals=0),
                n=fmt_value(int(low["mentions"].sum()), "count"),
            )
        elif brief:
            words = _("Customers who write about {theme} score lowest (NPS {nps}, {n} comments).")
            words = words.format(
                theme=names,
                nps=fmt_value(r["nps"], "nps", decimals=0),
                n=fmt_value(r["mentions"], "count"),
            )
        else:
            words = _(
                "Customers who write about {theme} score lowest: NPS {nps} (likely between "
                "{low} and {high}, {n} comments)."
            ).format(
                theme=names,
                nps=fmt_value(r["nps"], "nps", decimals=0),
                low=fmt_value(r["ci_low"], "nps", decimals=0),
                high=fmt_value(r["ci_high"], "nps", decimals=0),
                n=fmt_value(r["mentions"], "count"),
            )
        if not few:
            return words
        sure = t.filter(pl.col("mentions") >= MIN_COMMENTS)
        if sure.height == 0:
            return join_sentences(
                words,
                _("No theme has {min} comments or more, so this rests on few comments.").format(
                    min=fmt_value(MIN_COMMENTS, "count")
                ),
            )
        s = sure.row(0, named=True)
        return join_sentences(
            words,
            _(
                "That is fewer than {min} comments; among themes with at least {min}, customers "
                "who write about {theme} score lowest (NPS {nps}, {n} comments)."
            ).format(
                min=fmt_value(MIN_COMMENTS, "count"),
                theme=theme_label(s["theme"]).lower(),
                nps=fmt_value(s["nps"], "nps", decimals=0),
                n=fmt_value(s["mentions"], "count"),
            ),
        )

    def findings(self) -> list[str]:
        t = self._main().filter(pl.col("mentions") > 0).sort("mentions", descending=True)
        t = t.filter(pl.col("theme") != "(none)")
        if t.height == 0:
            return [_("No comment matched a theme.")]
        top = t.head(3)
        out = [
            _("Most mentioned: {themes}.").format(
                themes=fmt_list(
                    style="semicolon",
                    items=[
                        _("{theme} ({share} of comments, NPS {nps})").format(
                            theme=theme_label(r["theme"]),
                            share=fmt_value(r["share"], "share", decimals=0),
                            nps=fmt_value(r["nps"], "nps", decimals=0),
                        )
                        for r in top.iter_rows(named=True)
                    ],
                )
            )
        ]
        lowest = self.lowest_words()
        if lowest:
            out.append(lowest)
        untagged = self._main().filter(pl.col("theme") == "(none)")
        if untagged.height:
            out.append(
                _("{share} of comments match no theme of the lexicon.").format(
                    share=fmt_value(untagged["share"][0], "share", decimals=0)
                )
            )
        return out

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.viz import color_for

        t = self.table.filter(pl.col("theme") != "(none)")
        fig = go.Figure()
        langs = t["language"].unique(maintain_order=True).to_list()
        for i, lang in enumerate(sorted(langs, key=lambda x: (x != "all", x))):
            g = t.filter(pl.col("language") == lang).sort("share")
            hover = [
                html.escape(
                    _("{theme}: {share} of comments, NPS {nps}, tone {tone}").format(
                        theme=theme_label(r["theme"]),
                        share=fmt_value(r["share"], "share", decimals=0),
                        nps=fmt_value(r["nps"], "nps", decimals=0),
                        tone=_tone(r["sentiment"]),
                    )
                )
                for r in g.iter_rows(named=True)
            ]
            fig.add_bar(
                x=(100 * g["share"]).to_list(),
                y=[html.escape(theme_label(x)) for x in g["theme"]],
                orientation="h",
                name=html.escape(gettext(COMMENT_LANGUAGES.get(lang, lang))),
                marker_color=color_for("current" if lang == "all" else lang, index=i + 1),
                text=hover,
                textposition="none",
                hovertemplate="%{text}<extra></extra>",
            )
        fig.update_layout(
            barmode="group",
            title=html.escape(_("What customers write about (share of comments)")),
            xaxis_title=_("% of comments"),
            height=max(320, 26 * t.height + 160),
        )
        return fig

    def details(self) -> Details:
        units = {
            "mentions": "count",
            "share": "share",
            "promoters": "count",
            "passives": "count",
            "detractors": "count",
            "n": "count",
            "nps": "nps",
            "std_error": "ratio",
            "nps_low": "nps",
            "nps_high": "nps",
            "sentiment": "ratio",
        }
        table = (
            self.table.drop("example", "label", "n", strict=False)
            .with_columns(
                pl.Series("theme", [theme_label(x) for x in self.table["theme"]]),
                pl.Series(
                    "comment_language",
                    [gettext(COMMENT_LANGUAGES.get(x, x)) for x in self.table["language"]],
                ),
            )
            .drop("language")
            .rename({"theme": "theme_label", "ci_low": "nps_low", "ci_high": "nps_high"})
        )
        examples = (
            self.example_comments()
            .with_columns(pl.col("comment_language").alias("_lang"))
            .with_columns(
                pl.Series("theme", [theme_label(x) for x in self.examples["theme"]]),
            )
            .drop("comment_language")
            .rename({"theme": "theme_label", "nps": "score_0_10"})
        )
        return Details(
            title=self.title,
            notes=(
                _(
                    "Themes: an offline lexicon of English and Chinese terms (Chinese comments "
                    "segmented with jieba); tone: positive minus negative lexicon words over "
                    "their sum, from -1 to 1 (Hu and Liu 2004). NPS ranges as above."
                ),
            ),
            tables=(
                (_("Themes by language"), table, units),
                (_("Example comments (customer ids masked)"), examples, {"score_0_10": "count"}),
            ),
        )


def _examples(
    long: pl.DataFrame, table: pl.DataFrame, *, language: str, n_examples: int
) -> pl.DataFrame:
    """Example comments whose score fits their theme, each comment quoted once.

    A theme customers write about in a negative tone (a problem) is illustrated by detractors'
    comments that are not positive, lowest scores first; any other theme by promoters' comments
    that are not negative, highest first. Comments on one theme only come before comments on several, and a comment
    already shown under a more frequent theme is not shown again.
    """
    id_cols = [c for c in ("survey_id", "customer_id") if c in long.columns]
    cols = [pl.col("_t").alias("theme"), *id_cols, "nps", "comment_language", "comment"]
    main = table.filter(pl.col("language") == ("all" if language == "all" else language))
    main = main.filter(pl.col("theme") != "(none)").sort("mentions", descending=True)
    pool = long.filter(pl.col("_t") != "(none)").with_columns(
        pl.col("themes").list.len().alias("_k")
    )
    used: set[str] = set()
    picked = []
    for r in main.iter_rows(named=True):
        # a problem: written about in a negative tone, or (tone neutral) by unhappy customers
        tone = r["sentiment"]
        problem = tone < 0 if tone else (r["nps"] or 0) < 0
        c = pool.filter(pl.col("_t") == r["theme"])
        c = (
            c.filter((pl.col("category") == "detractor") & ~(pl.col("sentiment") > 0))
            if problem
            else c.filter((pl.col("category") == "promoter") & ~(pl.col("sentiment") < 0))
        )
        c = c.filter(~pl.col("comment").is_in(list(used))).sort(
            ["_k", "nps", *id_cols], descending=[False, not problem, *([False] * len(id_cols))]
        )
        c = c.unique(subset="comment", maintain_order=True).head(n_examples)
        used.update(c["comment"].to_list())
        picked.append(c.select(cols))
    if not picked:
        return long.head(0).select(cols)
    return pl.concat(picked)


@renamed(level=("alpha", lambda v: 1 - v))
def themes(
    surveys: pl.LazyFrame | pl.DataFrame,
    *,
    language: Language = "all",
    period: str | None = None,
    alpha: float = 0.05,
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
    alpha
        Each theme's NPS has a ``1 - alpha`` confidence interval (was ``level=0.95``).

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
    check_alpha(alpha)
    frame = surveys if isinstance(surveys, pl.DataFrame) else surveys.collect()
    words = None
    if period:
        kept, words, _tz = in_period(frame, period, time_zone, what="themes")
        frame = kept.collect()
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
    table = with_interval(pl.concat(frames), alpha=alpha).rename({"_t": "theme"})
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
    examples = _examples(long, table, language=language, n_examples=n_examples)
    return Themes(
        table=scrub_frame(table, ["example"]),
        examples=scrub_frame(examples, ["comment"]),
        n_comments=commented.height,
        language=language,
        alpha=alpha,
        period_obj=words,
    )
