"""Emerging topics: categories and note terms whose share rose beyond chance this period.

For each category (``by="category"``, or a lower level of the taxonomy, ``"category_l2"`` or
``"category_l3"``: share of contacts) or term (``by="term"``: share of
contacts whose note holds the word at least once; Chinese segmented with jieba, English words;
stop words (scikit-learn's English list and the trade's own), single characters, Latin fragments
of one or two letters, scrubbed placeholders and anything that reads as an account or an id left
out, and the run of letters and digits right after an account label such as ``wx``, ``微信`` or
``account no``), the share in ``period`` is set against the pooled share of the ``baseline``
periods just before it. Where the contacts carry ``customer_id``, a word written by fewer than
``min_customers`` (10) distinct customers in the two windows together is not tested, and one
whose count this period comes from fewer than ``min_customers`` customers does not rise: a name
or an account written into one customer's many contacts is not a topic (leaving a word out of
the risers can only make the false discoveries fewer).

The test is one-sided Fisher's exact test of the 2x2 table (this period / before, item / not):
given how often the item was seen in the two windows together, the count this period is
hypergeometric when its share did not change. Items seen fewer than ``min_count`` times in the
two windows together are not tested (that total is the test's conditioning statistic, so leaving
them out does not bias the tests kept). The p-values are adjusted by Benjamini-Hochberg; an
item *rises* when its q-value is at most ``alpha``, which keeps the expected share of false risers
among the risers at most ``alpha``. Shares carry Wilson intervals and the rise (share now minus
share before) Newcombe's hybrid score interval.

References
----------
Fisher, R. A. (1935). *The Design of Experiments* (the exact test of a 2x2 table). Benjamini, Y.
and Hochberg, Y. (1995). Controlling the false discovery rate. *JRSS B* 57. Newcombe, R. G.
(1998). Interval estimation for the difference between independent proportions. *Statistics in
Medicine* 17. Kleinberg, J. (2003). Bursty and hierarchical structure in streams. *Data Mining
and Knowledge Discovery* 7 (emerging terms in text streams).
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, SchemaError
from cxlab._options import check_alpha, check_option
from cxlab._present import (
    BODY_ROWS,
    N_,
    Headline,
    Period,
    _,
    fmt_change,
    fmt_intervals,
    fmt_list,
    fmt_value,
    label,
    local_zone,
    ngettext,
    parse_period,
    register_labels,
    register_units,
)
from cxlab._result import Result
from cxlab._stats import adjust_p, wilson_interval
from cxlab.features import text_tokens
from cxlab.text._prepare import MAX_CHARS, TextAccount, prepare_text

By = Literal["category", "category_l2", "category_l3", "term"]

register_labels(
    {
        "share_now": N_("Share this period"),
        "share_before": N_("Share before"),
        "count_now": N_("Contacts this period"),
        "count_before": N_("Contacts before"),
        "q_value": N_("q-value"),
        "share_now_low": N_("Share this period, low"),
        "share_now_high": N_("Share this period, high"),
        "share_before_low": N_("Share before, low"),
        "share_before_high": N_("Share before, high"),
        "rising": N_("Rose beyond chance"),
        "note_word": N_("Word in the notes"),
        "share_move": N_("Share of contacts"),
        "customers_now": N_("Customers this period"),
        "customer_share_move": N_("Share of customers"),
        "customers_before": N_("Customers before"),
        "share_range": N_("Share likely between"),
        "change_range": N_("Change likely between"),
    }
)
register_units(
    {
        "share_now_low": "share",
        "share_now_high": "share",
        "share_before_low": "share",
        "share_before_high": "share",
    }
)

_STOP = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "with",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "this",
        "that",
        "i",
        "we",
        "you",
        "he",
        "she",
        "they",
        "my",
        "our",
        "your",
        "his",
        "her",
        "their",
        "me",
        "us",
        "them",
        "not",
        "no",
        "can",
        "cannot",
        "could",
        "would",
        "will",
        "did",
        "do",
        "does",
        "has",
        "have",
        "had",
        "am",
        "as",
        "by",
        "from",
        "so",
        "if",
        "then",
        "than",
        "too",
        "very",
        "just",
        "also",
        "still",
        "again",
        "about",
        "after",
        "before",
        "up",
        "out",
        "into",
        "there",
        "here",
        "what",
        "when",
        "which",
        "who",
        "how",
        "all",
        "any",
        "some",
        "more",
        "most",
        "other",
        "only",
        "own",
        "same",
        "such",
        "customer",
        "customers",
        "asked",
        "please",
        "said",
        "told",
        "called",
        "call",
        "客户",
        "来电",
        "表示",
        "已经",
        "一个",
        "没有",
        "我们",
        "你们",
        "他们",
        "什么",
        "怎么",
        "还是",
        "就是",
        "但是",
        "因为",
        "所以",
        "如果",
        "可以",
        "需要",
        "问题",
        "情况",
        "处理",
    ]
)


# content words of customer service that scikit-learn's general English list counts as stop words
_KEEP = frozenset(["bill", "amount", "empty", "fire", "system", "detail", "interest", "move"])
_MIN_LATIN = 3  # a shorter Latin word is a fragment ("re", "cb", "ok") more often than a topic
# a Latin run with a digit or an underscore in it reads as an account or an id ("zhang88",
# "wxid_ab12"), unless it is as short as a product name ("5g", "mp3")
_ID_LIKE = re.compile(
    r"[A-Za-z0-9_\-]*(?:[A-Za-z][A-Za-z0-9_\-]*[0-9_]|[0-9_][A-Za-z0-9_\-]*[A-Za-z])"
    r"[A-Za-z0-9_\-]*"
)
_ACCOUNT_TOKENS = frozenset(["wxid"])
# the run of Latin letters, digits and signs right after an account label is an account or a
# name, never a topic ("wx lisi", "微信lisiwang", "card no: abcd"); the label itself is kept
_AFTER_LABEL = re.compile(
    r"((?<![A-Za-z])(?:wx|vx|wechat|weixin|qq|passport|iban|email|e-mail|mail"
    r"|card\s*(?:no\.?|number)|account\s*(?:no\.?|number|name|id))(?![A-Za-z])"
    r"|微信号?|QQ号?|银行卡号?|卡号|账号|帐号|护照号?|邮箱|身份证号?)"
    r"\s*(?:号码|号|id|is)?\s*[:：#]?\s*[A-Za-z0-9_\-.@]+",
    re.IGNORECASE,
)
MIN_CUSTOMERS = 10
"""Distinct customers a word of the notes must come from to rise (where ``customer_id`` is
known): a name or an account written into one customer's many contacts is not a topic."""


@functools.cache
def _stop_words() -> frozenset[str]:
    """The stop words: scikit-learn's English list (but for a few words of the trade), this
    module's own (English and Chinese), and every token a scrubbed placeholder becomes
    (``piiphone``)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from cxlab._present import PLACEHOLDERS

    pii = {f"pii{kind}" for kind in PLACEHOLDERS}
    return frozenset(ENGLISH_STOP_WORDS - _KEEP) | _STOP | _ACCOUNT_TOKENS | pii


@functools.cache
def _placeholders() -> re.Pattern:
    """A scrubbed placeholder in any language (``[phone]``, ``[电话]``) with any Latin letters,
    digits or signs written against it (``wxid[account]``, ``+[card]``)."""
    from cxlab._present import placeholder_words

    words = "|".join(re.escape(w) for w in sorted(placeholder_words(), key=len, reverse=True))
    return re.compile(rf"[A-Za-z0-9_+\-.@]*(?:{words})[A-Za-z0-9_+\-.]*")


def _id_like(match: re.Match) -> str:
    run = match.group()
    return " " if len(run) > 3 or "_" in run else run


def _terms(text: str, language: str | None) -> set[str]:
    """The words of a note that may rise: no stop word, no single character, no Latin fragment
    shorter than :data:`_MIN_LATIN`, no placeholder, and nothing that reads as an account or an
    id (a Latin run with digits or an underscore, anything written against a placeholder, the
    run right after an account label such as ``wx``, ``微信`` or ``account no``)."""
    lang = "zh" if language in ("zh", "mixed") else "en"
    text = _AFTER_LABEL.sub(r"\1 ", _placeholders().sub(" ", text))
    text = _ID_LIKE.sub(_id_like, text)
    stop = _stop_words()
    out = set()
    for t in text_tokens(text, lang):
        t = t.strip().lower()
        if len(t) < 2 or t in stop or not any(ch.isalpha() for ch in t):
            continue
        if t.isascii() and t.isalpha() and len(t) < _MIN_LATIN:
            continue
        out.add(t)
    return out


def _newcombe(x1, n1, x0, n0, alpha):
    p1, p0 = x1 / n1, x0 / n0
    l1, u1 = wilson_interval(x1, n1, alpha)
    l0, u0 = wilson_interval(x0, n0, alpha)
    d = p1 - p0
    return d - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2), d + np.sqrt(
        (u1 - p1) ** 2 + (p0 - l0) ** 2
    )


@dataclass(frozen=True)
class Emerging(Result):
    """Categories or terms whose share rose beyond chance in a period, against the periods before.
    ``summary()`` has one row per item tested, risers first."""

    table: pl.DataFrame
    by: str
    period_obj: Period
    baseline_obj: Period
    alpha: float
    n_now: int
    n_before: int
    untested: int = 0
    account: TextAccount | None = field(default=None, repr=False)
    by_customer: bool = False
    """Whether ``count_*``/``n_*`` count customers (each once per item and period)."""

    @property
    def title(self) -> str:
        return (
            _("Categories on the rise, {period}")
            if self.by != "term"
            else _("Words on the rise in contact notes, {period}")
        ).format(period=self.period_obj.text)

    def summary(self) -> pl.DataFrame:
        return self.table

    def risers(self) -> pl.DataFrame:
        """The items whose share rose beyond chance (q-value at most ``alpha``)."""
        return self.table.filter(pl.col("rising"))

    def details(self) -> pl.DataFrame:
        """The risers (see :meth:`risers`)."""
        return self.risers()

    def _item(self) -> pl.Expr:
        """The reason (in the report's language) or the word, named for what it is."""
        if self.by == "term":
            return pl.col("term").alias("note_word")
        return pl.col("term").map_elements(label, return_dtype=pl.Utf8).alias("contact_reason")

    def reader_table(self) -> pl.DataFrame:
        """The table a reader reads: the reason or word, its contacts this period, its share in
        words ("from 4.1% to 6.3%"), the change in percentage points and whether it rose beyond
        chance. The test statistics are in :meth:`full_table`."""
        t = self.table
        moves = [
            _("from {before} to {now}").format(
                before=fmt_value(b, "share"), now=fmt_value(a, "share")
            )
            for b, a in zip(t["share_before"], t["share_now"], strict=True)
        ]
        out = t.select(
            self._item(),
            "count_now",
            pl.Series("share_move", moves, pl.Utf8),
            pl.Series("change", [fmt_change(d, "share") for d in t["estimate"]], pl.Utf8),
            "rising",
        )
        return self._by_whom(out)

    def _by_whom(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Counts and shares named for what they count: customers (once a month) or contacts."""
        if not self.by_customer:
            return frame
        names = {
            "count_now": "customers_now",
            "count_before": "customers_before",
            "share_move": "customer_share_move",
        }
        return frame.rename({k: v for k, v in names.items() if k in frame.columns})

    def full_table(self) -> pl.DataFrame:
        """Every item tested, as the appendix shows it: contacts and shares this period (with
        its likely range) and before, the change with its likely range, and the q-value."""
        t = self.table
        out = t.select(
            self._item(),
            "count_now",
            "share_now",
            pl.Series(
                "share_range",
                fmt_intervals(t["share_now_low"], t["share_now_high"], "share", change=False),
                pl.Utf8,
            ),
            "count_before",
            "share_before",
            pl.Series("change", [fmt_change(d, "share") for d in t["estimate"]], pl.Utf8),
            pl.Series("change_range", fmt_intervals(t["ci_low"], t["ci_high"], "share"), pl.Utf8),
            "q_value",
        )
        return self._by_whom(out)

    def _repr_html_(self) -> str:
        from cxlab._present import CSS, cards_html, findings_html, table_html

        name = "words_on_the_rise" if self.by == "term" else "reasons_on_the_rise"
        return (
            f"{CSS}<div class='cx-result'><h4>{html.escape(self.title)}</h4>"
            f"{cards_html(self.headline())}{findings_html(self.findings())}"
            f"{table_html(self.reader_table(), max_rows=BODY_ROWS, name=name)}</div>"
        )

    def headline(self) -> list[Headline]:
        return [
            Headline(
                key=f"emerging_{self.by}",
                label=N_("Words on the rise") if self.by == "term" else N_("Reasons on the rise"),
                value=self.risers().height,
                unit="count",
                period=self.period_obj.iso,
            )
        ]

    def findings(self) -> list[str]:
        up = self.risers()
        tested = self.table.height
        kind = _("categories") if self.by != "term" else _("words")
        out = []
        if self.n_now == 0 or self.n_before == 0:
            words = (
                _(
                    "No note to read in {period} or before it to compare with ({n_now} this "
                    "period, {n_before} before): no word was tested."
                )
                if self.by == "term"
                else _(
                    "No contact with a reason in {period} or before it to compare with ({n_now} "
                    "this period, {n_before} before): no reason was tested."
                )
            )
            out.append(
                words.format(
                    period=self.period_obj.text,
                    n_now=fmt_value(self.n_now, "count"),
                    n_before=fmt_value(self.n_before, "count"),
                )
            )
            return out + (self.account.sentences() if self.account is not None else [])
        if tested == 0:
            out.append(
                _("Too few contacts to test any {kind} in {period}.").format(
                    kind=kind, period=self.period_obj.text
                )
            )
        elif up.height == 0:
            out.append(
                _(
                    "None of the {m} {kind} tested rose beyond chance in {period} against {before}."
                ).format(
                    m=fmt_value(tested, "count"),
                    kind=kind,
                    period=self.period_obj.text,
                    before=self.baseline_obj.text,
                )
            )
        else:
            out.append(
                ngettext(
                    "{k} of {m} {kind} rose beyond chance in {period} against {before}.",
                    "{k} of {m} {kind} rose beyond chance in {period} against {before}.",
                    up.height,
                ).format(
                    k=fmt_value(up.height, "count"),
                    m=fmt_value(tested, "count"),
                    kind=kind,
                    period=self.period_obj.text,
                    before=self.baseline_obj.text,
                )
            )
            items = [
                _("{item} {now} (was {before})").format(
                    item=label(r["term"]),
                    now=fmt_value(r["share_now"], "share"),
                    before=fmt_value(r["share_before"], "share"),
                )
                for r in up.head(3).iter_rows(named=True)
            ]
            out.append(
                _("Largest rises: {items}.").format(items=fmt_list(style="semicolon", items=items))
            )
        out.append(
            _(
                "Among the items flagged, the expected share of false alarms is at most {alpha} "
                "(Benjamini-Hochberg); each customer counted once a month however many times "
                "they contacted: {n_now} this period, {n_before} before."
            ).format(
                alpha=fmt_value(self.alpha, "share"),
                n_now=fmt_value(self.n_now, "count"),
                n_before=fmt_value(self.n_before, "count"),
            )
            if self.by_customer
            else _(
                "Among the items flagged, the expected share of false alarms is at most {alpha} "
                "(Benjamini-Hochberg); {n_now} contacts this period, {n_before} before."
            ).format(
                alpha=fmt_value(self.alpha, "share"),
                n_now=fmt_value(self.n_now, "count"),
                n_before=fmt_value(self.n_before, "count"),
            )
        )
        if self.account is not None:
            out.extend(self.account.sentences())
        return out

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.viz import COLORS

        t = self.table.head(15).reverse()
        names = [html.escape(label(x)) for x in t["term"]]
        fig = go.Figure()
        fig.add_trace(
            go.Scatter(
                x=t["share_before"].to_list(),
                y=names,
                mode="markers",
                name=html.escape(_("Before")),
                marker={"color": COLORS["muted"], "size": 9},
            )
        )
        fig.add_trace(
            go.Scatter(
                x=t["share_now"].to_list(),
                y=names,
                mode="markers",
                name=html.escape(_("This period")),
                marker={
                    "color": [COLORS["bad"] if r else COLORS["primary"] for r in t["rising"]],
                    "size": 11,
                },
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": (t["share_now_high"] - t["share_now"]).to_list(),
                    "arrayminus": (t["share_now"] - t["share_now_low"]).to_list(),
                },
            )
        )
        fig.update_layout(
            title=html.escape(self.title),
            xaxis_title=_("Share of customers") if self.by_customer else _("Share of contacts"),
            # whole percentages repeat ("5%, 5%") when the shares span a few points
            xaxis_tickformat=".0%" if _span(t) >= 0.1 else ".1%",
            height=max(300, 26 * t.height + 160),
        )
        return fig


def _span(t: pl.DataFrame) -> float:
    """How far the shares drawn spread, from the lowest to the highest end shown."""
    if t.height == 0:
        return 1.0
    ends = pl.concat([t["share_before"], t["share_now_low"], t["share_now_high"]])
    return float(ends.max() - ends.min())


def _baseline(p: Period, baseline: int) -> Period:
    first = p
    for _k in range(baseline):
        first = first.compare("previous")
    return parse_period(f"{first.start.isoformat()}..{(p.start - _one_day()).isoformat()}")


def _one_day():
    import datetime as dt

    return dt.timedelta(days=1)


def emerging(
    contacts: pl.DataFrame | pl.LazyFrame,
    *,
    period: str | Period = "latest_month",
    by: By = "category",
    baseline: int = 3,
    text: str = "note",
    alpha: float = 0.05,
    min_count: int = 10,
    min_customers: int = MIN_CUSTOMERS,
    time_zone: str | None = None,
    max_chars: int = MAX_CHARS,
    customer: str = "customer_id",
) -> Emerging:
    """Categories (or note terms) whose share of customers in ``period`` rose beyond chance
    against the ``baseline`` periods before it, with false discovery rate ``alpha``.

    A customer counts once per item and month however many times they contacted (``count_now``
    and ``n_now`` are customer-months, so a window of three months and one of one month give
    comparable shares): repeat contacts of one customer are not independent, and
    counting them as such makes the one-sided Fisher test reject far more often than ``alpha``
    says. Without the ``customer`` column each contact counts as its own customer.

    Raises
    ------
    OptionError
        ``by`` is not "category", "category_l2", "category_l3" or "term", ``alpha`` not in (0, 1), or ``period`` not a period.
    SchemaError
        ``arrived_at`` or the column read (``category``, or ``text``) is missing.
    NotEnoughDataError
        No contact in the period, or none in the periods before it. (Contacts without a note, or
        without a reason, give an empty result whose findings say so.)

    Examples
    --------
    >>> import cxlab as cx
    >>> cx.text.emerging(cx.load("contacts"), by="category").risers()  # doctest: +SKIP

    References
    ----------
    Fisher (1935); Benjamini and Hochberg (1995); Newcombe (1998); Kleinberg (2003).
    """
    from scipy import stats

    check_option("by", by, By)
    check_alpha(alpha)
    if isinstance(baseline, bool) or not isinstance(baseline, int) or baseline < 1:
        from cxlab._errors import OptionError

        raise OptionError(f"baseline must be a positive whole number of periods, not {baseline!r}.")
    lf = contacts.lazy()
    names = lf.collect_schema().names()
    column = text if by == "term" else by
    missing = [c for c in ("arrived_at", column) if c not in names]
    if missing:
        raise SchemaError(f"emerging: contacts lacks {', '.join(missing)}.")
    tz = local_zone(time_zone)
    day = pl.col("arrived_at").dt.convert_time_zone(tz).dt.date()
    span = lf.select(day.min().alias("first"), day.max().alias("last")).collect().row(0, named=True)
    if span["first"] is None:
        raise NotEnoughDataError("emerging: the contacts table has no rows.")
    p = parse_period(period, first=span["first"], last=span["last"])
    before = _baseline(p, baseline)
    # a customer who contacts many times counts once per item and period (repeat contacts are
    # not independent): without a customer column, each contact is its own customer
    by_customer = customer in names
    who = pl.col(customer).cast(pl.Utf8) if by_customer else pl.lit(None, pl.Utf8)
    who = who.fill_null(pl.format("_contact{}", pl.int_range(pl.len()))).alias("_customer")
    # the unit counted is a customer in a month: a window of three months and one of one month
    # then give comparable shares (a customer seen over three months has had more reasons)
    month = pl.col("arrived_at").dt.convert_time_zone(tz).dt.strftime("%Y-%m")
    unit = pl.format("{}|{}", pl.col("_customer"), month).alias("_unit")
    keep = ["arrived_at", column, who]
    now = lf.filter(p.filter("arrived_at", tz)).select(keep).collect().with_columns(unit)
    then = lf.filter(before.filter("arrived_at", tz)).select(keep).collect().with_columns(unit)
    for frame, which in ((now, p), (then, before)):
        if frame.height == 0:
            raise NotEnoughDataError(
                f"emerging: no contacts in {which.label} ({which.start} to {which.end}); the "
                f"contacts cover {span['first']} to {span['last']} ({tz})."
            )
    account = None
    writers = None
    if by != "term":
        now, then = now.drop_nulls(column), then.drop_nulls(column)
        c1 = now.unique(["_unit", column])[column].value_counts()
        c0 = then.unique(["_unit", column])[column].value_counts()
        n1, n0 = now["_unit"].n_unique(), then["_unit"].n_unique()
    else:
        both, account = prepare_text(
            pl.concat([now.with_columns(_now=pl.lit(True)), then.with_columns(_now=pl.lit(False))]),
            text=text,
            max_chars=max_chars,
        )
        both = both.filter(pl.col(text).is_not_null())
        terms = [
            sorted(_terms(t, lang))
            for t, lang in zip(both[text].to_list(), both["text_language"].to_list(), strict=True)
        ]
        long = (
            both.select("_now", "_customer", "_unit")
            .with_columns(pl.Series(column, terms, pl.List(pl.Utf8)))
            .explode(column)
        )
        long = long.drop_nulls(column).unique(["_now", "_unit", column])
        if by_customer:  # distinct customers who wrote each word, in both windows and now
            writers = long.group_by(column).agg(
                pl.col("_customer").n_unique().alias("_customers"),
                pl.col("_customer").filter(pl.col("_now")).n_unique().alias("_customers_now"),
            )
        c1 = long.filter(pl.col("_now")).select(column)[column].value_counts()
        c0 = long.filter(~pl.col("_now")).select(column)[column].value_counts()
        n1 = both.filter(pl.col("_now"))["_unit"].n_unique()
        n0 = both.filter(~pl.col("_now"))["_unit"].n_unique()
    counts = (
        c1.rename({"count": "count_now"})
        .join(c0.rename({"count": "count_before"}), on=column, how="full", coalesce=True)
        .fill_null(0)
        .rename({column: "term"})
    )
    if writers is not None:
        counts = counts.join(writers.rename({column: "term"}), on="term", how="left").fill_null(0)
    total = counts["count_now"] + counts["count_before"]
    enough = total >= min_count
    if writers is not None:  # a word from fewer customers than min_customers is not tested
        enough = enough & (counts["_customers"] >= min_customers)
    untested = int((~enough).sum())
    counts = counts.filter(enough)
    if n1 == 0 or n0 == 0:  # nothing to compare: an empty result, its findings say why
        counts = counts.head(0)
    # and it rises only when this period's count comes from at least min_customers customers
    widely = (
        counts["_customers_now"].to_numpy() >= min_customers
        if writers is not None
        else np.ones(counts.height, dtype=bool)
    )
    x1 = counts["count_now"].to_numpy().astype(float)
    x0 = counts["count_before"].to_numpy().astype(float)
    p_values = stats.hypergeom.sf(x1 - 1, n1 + n0, x1 + x0, n1) if len(x1) else np.array([])
    q_values = adjust_p(p_values, "bh") if len(x1) else np.array([])
    s1, s0 = x1 / n1, x0 / n0
    l1, u1 = wilson_interval(x1, n1, alpha)
    l0, u0 = wilson_interval(x0, n0, alpha)
    dl, du = _newcombe(x1, n1, x0, n0, alpha)
    se = np.sqrt(s1 * (1 - s1) / n1 + s0 * (1 - s0) / n0)
    table = pl.DataFrame(
        {
            "term": counts["term"].cast(pl.Utf8),
            "count_now": counts["count_now"].cast(pl.Int64),
            "n_now": [n1] * len(x1),
            "share_now": s1,
            "share_now_low": l1,
            "share_now_high": u1,
            "count_before": counts["count_before"].cast(pl.Int64),
            "n_before": [n0] * len(x1),
            "share_before": s0,
            "share_before_low": l0,
            "share_before_high": u0,
            "estimate": s1 - s0,
            "std_error": se,
            "ci_low": dl,
            "ci_high": du,
            "p_value": p_values,
            "q_value": q_values,
            "rising": (q_values <= alpha) & (s1 > s0) & widely,
        },
        schema_overrides={"n_now": pl.Int64, "n_before": pl.Int64},
    ).sort(["rising", "q_value", "estimate"], descending=[True, False, True])
    return Emerging(
        table=table,
        by=by,
        period_obj=p,
        baseline_obj=before,
        alpha=alpha,
        n_now=n1,
        n_before=n0,
        untested=untested,
        account=account,
        by_customer=by_customer,
    )
