"""What customers contacted about and how they felt, period against period, for the
contact-reasons report.

:func:`reasons` gives the share of contacts per reason at levels 1 and 2 of the taxonomy (the
labels agents chose), this period against the comparison period, with Wilson intervals and a
two-proportion test per reason (Benjamini-Hochberg across the reasons of a level, each level its
own family). Contacts of one customer are not independent (a customer who contacts three times
about a late parcel is one story, not three), so the variances are those of a ratio estimator
with customers as clusters (linearisation), and every interval and test is widened by the design
effect it implies (never narrowed below the independent-contacts one). :func:`emotion_trend` reads
the emotion of every note of each month with the word list. :func:`classification` trains the
contact-reason classifier on the months before the period and evaluates it on the period (on
samples, so a report stays quick). :func:`rising` finds the level-3 reasons and the words of the
notes on the rise, counting each customer once per item and period. Each only composes
:mod:`cxlab.text`'s building blocks.

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
*JASA* 22, 209-212. Newcombe, R. G. (1998). Interval estimation for the difference between
independent proportions. *Statistics in Medicine* 17, 873-890. Benjamini, Y. and Hochberg, Y.
(1995). Controlling the false discovery rate. *JRSS B* 57, 289-300. Kish, L. (1965). *Survey
Sampling*, Wiley (design effect, effective sample size). Cochran, W. G. (1977). *Sampling
Techniques*, 3rd ed., Wiley, sec. 6.11 (variance of a ratio estimator with clusters). Korn, E. L.
and Graubard, B. I. (1998). Confidence intervals for proportions with small expected number of
positive counts estimated from survey data. *Survey Methodology* 24, 193-201 (Wilson with an
effective sample size).
"""

from __future__ import annotations

import datetime as dt
import html
import os
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from cxlab._config import Settings
from cxlab._errors import NotEnoughDataError, OptionError, SchemaError, WorkspaceError
from cxlab._options import check_alpha
from cxlab._present import (
    N_,
    Headline,
    Period,
    _,
    fmt_change,
    fmt_month,
    fmt_value,
    label,
    local_zone,
    parse_period,
    register_labels,
    register_units,
)
from cxlab._result import Result
from cxlab._stats import adjust_p, wilson_interval
from cxlab.text._classify import distinct_names, train_classifier
from cxlab.text._evaluate import ClassifierEvaluation, evaluate
from cxlab.text._prepare import has_text, prepare_text
from cxlab.text._sentiment import NEGATIVE
from cxlab.text._topics import Emerging, emerging

LEVELS = ("category", "category_l2", "category_l3")
CLUSTER = "customer_id"
EMOTION_ORDER = ("angry", "anxious", "neutral", "satisfied")
TRAIN_SAMPLE = 100_000  # notes the report's classifier learns from: all of three months of the
# default workspace (57,000, 3.6 s); 4,000 left it behind the agents' own labels at levels 1 and 3
EVAL_SAMPLE = 2000
TERM_SAMPLE = 2000
MONTH_SAMPLE = 1000

register_labels(
    {
        "share_now": N_("Share this period"),
        "share_before": N_("Share before"),
        "count_now": N_("Contacts this period"),
        "count_before": N_("Contacts before"),
        "negative_share": N_("Angry or anxious"),
        "contact_reason": N_("Contact reason"),
        "contact_reason_l1": N_("Level-1 reason"),
        "reason_level": N_("Level"),
        "emotion_name": N_("Emotion"),
        "emotion_notes": N_("Notes with this emotion"),
        "notes_read": N_("Notes read"),
        "emotion_share": N_("Share of notes"),
        "share_low": N_("Likely from"),
        "share_high": N_("Likely to"),
    }
)
register_units(
    {
        "share_now": "share",
        "share_before": "share",
        "emotion_share": "share",
        "share_low": "share",
        "share_high": "share",
    }
)


def _frame(contacts: pl.DataFrame | pl.LazyFrame, need: tuple[str, ...]) -> pl.LazyFrame:
    lf = contacts.lazy()
    names = lf.collect_schema().names()
    missing = [c for c in need if c not in names]
    if missing:
        raise SchemaError(
            f"contacts lacks {', '.join(map(repr, missing))}; its columns are "
            f"{', '.join(names[:12])}."
        )
    return lf


def _span(lf: pl.LazyFrame, tz: str) -> tuple[dt.date, dt.date]:
    day = pl.col("arrived_at").dt.convert_time_zone(tz).dt.date()
    row = lf.select(day.min().alias("first"), day.max().alias("last")).collect().row(0)
    if row[0] is None:
        raise NotEnoughDataError("contacts: the table has no rows.")
    return row[0], row[1]


def periods(
    contacts: pl.DataFrame | pl.LazyFrame,
    period: str | Period = "latest_month",
    compare_to: str = "previous",
    time_zone: str | None = None,
) -> tuple[Period, Period]:
    """The period and the one it is compared with, resolved against the dates the contacts
    cover (local dates of ``time_zone``, the workspace's by default)."""
    tz = local_zone(time_zone)
    first, last = _span(_frame(contacts, ("arrived_at",)), tz)
    now = parse_period(period, first=first, last=last)
    return now, now.compare(compare_to, first=first, last=last)


def _sample(frame: pl.DataFrame, n: int | None, seed: int) -> pl.DataFrame:
    if n is None or frame.height <= n:
        return frame
    return frame.sample(n, seed=seed)


def _check_size(name: str, value: int | None) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 50):
        raise OptionError(f"{name}={value!r}: give a whole number of contacts of at least 50.")


@dataclass(frozen=True)
class ReasonShares(Result):
    """The share of contacts per reason (levels 1 and 2), this period and the comparison period.

    ``table``: ``level``, ``term`` (the reason), ``parent`` (its level-1 reason), ``count_now``,
    ``share_now`` with ``ci_low``/``ci_high``, ``count_before``, ``share_before``, ``change``
    (percentage points as a share) with ``change_low``/``change_high`` and ``p_value`` (two
    proportions, adjusted across the reasons of a level), ``design_effect`` (of the share this
    period) and ``change_design_effect`` (of the change), both at least 1. ``clustered`` says
    whether contacts were grouped by customer (``False``: no ``customer_id``, each contact
    counted as independent).
    """

    table: pl.DataFrame
    period_obj: Period
    compare_obj: Period
    n_now: int
    n_before: int
    alpha: float
    clustered: bool = True

    @property
    def title(self) -> str:
        return _("What customers contacted about, {period}").format(period=self.period_obj.text)

    def summary(self) -> pl.DataFrame:
        """Level, reason, its level-1 reason, contacts and share this period (with its likely
        range), share before, the change and its adjusted p-value."""
        return self.table.select(
            "level",
            "term",
            "parent",
            "count_now",
            pl.col("share_now").alias("estimate"),
            "ci_low",
            "ci_high",
            "share_before",
            "change",
            "p_value",
        )

    def shown(self) -> pl.DataFrame:
        """The table as the report shows it: reasons named in the report's language."""
        return self.table.select(
            pl.col("level").alias("reason_level"),
            pl.col("term").map_elements(label, return_dtype=pl.Utf8).alias("contact_reason"),
            pl.col("parent").map_elements(label, return_dtype=pl.Utf8).alias("contact_reason_l1"),
            "count_now",
            "share_now",
            "share_before",
            pl.col("p_value").alias("q_value"),  # adjusted across a level (Benjamini-Hochberg)
        )

    def _repr_html_(self) -> str:
        from cxlab._present import CSS, cards_html, findings_html, table_html

        return (
            f"{CSS}<div class='cx-result'><h4>{html.escape(self.title)}</h4>"
            f"{cards_html(self.headline())}{findings_html(self.findings())}"
            f"{table_html(self.shown(), max_rows=None)}</div>"
        )

    def details(self) -> pl.DataFrame:
        return self.table

    def top(self, level: int = 1) -> dict | None:
        rows = self.table.filter(pl.col("level") == level).sort("share_now", descending=True)
        return rows.row(0, named=True) if rows.height else None

    def moved(self) -> pl.DataFrame:
        """Reasons whose share changed beyond chance, the largest change first: at level 1 and
        at level 2, each level a family of its own (Benjamini-Hochberg across its reasons, false
        discovery rate ``alpha`` within each level)."""
        return self.table.filter(pl.col("p_value") < self.alpha).sort(
            pl.col("change").abs(), descending=True
        )

    def headline(self) -> list[Headline]:
        top = self.top(1)
        if top is None:
            return []
        return [
            Headline(
                key="top_reason_share",
                label=N_("Largest contact reason"),
                value=top["share_now"],
                unit="share",
                period=self.period_obj.iso,
                change=top["change"],
                compared_to="previous",
                low=top["ci_low"],
                high=top["ci_high"],
                detail=label(top["term"]),
            )
        ]

    def findings(self) -> list[str]:
        out = []
        first = self.table.filter(pl.col("level") == 1).sort("share_now", descending=True)
        if first.height:
            items = _(", ").join(
                _("{reason} {share}").format(
                    reason=label(r["term"]), share=fmt_value(r["share_now"], "share", decimals=0)
                )
                for r in first.iter_rows(named=True)
            )
            out.append(
                _("{n} contacts in {period}: {items}.").format(
                    n=fmt_value(self.n_now, "count"), period=self.period_obj.text, items=items
                )
            )
        second = self.table.filter(pl.col("level") == 2).sort("share_now", descending=True)
        if second.height:
            r = second.row(0, named=True)
            out.append(
                _(
                    "The largest reason at level 2 is {reason} ({parent}), {share} of contacts."
                ).format(
                    reason=label(r["term"]),
                    parent=label(r["parent"]),
                    share=fmt_value(r["share_now"], "share"),
                )
            )
        moved = self.moved()
        if moved.height == 0:
            out.append(
                _("No reason's share changed beyond chance against {compare}.").format(
                    compare=self.compare_obj.text
                )
            )
        for r in moved.head(3).iter_rows(named=True):
            words = (
                _("{reason} rose from {before} to {now} of contacts ({change}), beyond chance.")
                if r["change"] > 0
                else _(
                    "{reason} fell from {before} to {now} of contacts ({change}), beyond chance."
                )
            )
            out.append(
                words.format(
                    reason=label(r["term"]),
                    before=fmt_value(r["share_before"], "share"),
                    now=fmt_value(r["share_now"], "share"),
                    change=fmt_change(r["change"], "share"),
                )
            )
        out.append(self.cluster_sentence())
        out.append(
            _(
                "Shares use the reasons agents chose; section 3 says how often those labels "
                "are right."
            )
        )
        return out

    def cluster_sentence(self) -> str:
        """How the ranges and tests allow for customers who contact more than once, in words."""
        if not self.clustered:
            return _(
                "The contacts carry no customer id: each contact counts as independent, so the "
                "ranges and tests may be too narrow when customers contact more than once."
            )
        deff = self.table["design_effect"].drop_nans().drop_nulls()
        widest = float(deff.max()) if deff.len() else 1.0
        if widest <= 1.0:
            return _(
                "Contacts of one customer are counted together; here they did not make the "
                "ranges wider than if every contact were independent."
            )
        return _(
            "Many customers contact more than once, often about the same reason: the ranges "
            "and tests allow for it, which makes them up to {wider} wider than if every "
            "contact were independent."
        ).format(wider=fmt_value(float(np.sqrt(widest)) - 1, "share", decimals=0))

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.viz import COLORS

        t = self.table.filter(pl.col("level") == 2).sort("share_now")
        names = [
            html.escape(f"{label(p)} › {label(r)}")
            for p, r in zip(t["parent"], t["term"], strict=True)
        ]
        fig = go.Figure()
        fig.add_bar(
            y=names,
            x=(t["share_before"] * 100).to_list(),
            orientation="h",
            name=html.escape(self.compare_obj.text),
            marker_color=COLORS["periods"]["compare"],
            hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
        )
        fig.add_bar(
            y=names,
            x=(t["share_now"] * 100).to_list(),
            orientation="h",
            name=html.escape(self.period_obj.text),
            marker_color=COLORS["periods"]["current"],
            hovertemplate="%{y}: %{x:.1f}%<extra></extra>",
        )
        fig.update_layout(
            title=html.escape(_("Contact reasons, share of contacts")),
            barmode="group",
            xaxis_title="%",
            height=max(320, 34 * t.height + 140),
        )
        return fig


def _cluster_column(frame: pl.DataFrame, cluster: str | None, tag: str) -> pl.Expr:
    """The cluster of each contact: its customer, or the contact itself (no customer id)."""
    own = pl.format("{}-{}", pl.lit(tag), pl.int_range(pl.len()))
    if cluster is None or cluster not in frame.columns:
        return own.alias("_cluster")
    return pl.coalesce(pl.col(cluster).cast(pl.Utf8), own).alias("_cluster")


def _shares(
    now: pl.DataFrame,
    before: pl.DataFrame,
    level: int,
    alpha: float,
    cluster: str | None = CLUSTER,
) -> pl.DataFrame:
    """Shares, intervals and tests of one level's reasons, customers as clusters.

    A share ``p = x / n`` is a ratio estimator over customers (``x_i`` contacts of customer
    ``i`` with the reason, ``n_i`` all its contacts); its linearised variance is
    ``C / (C - 1) * sum((x_i - p n_i)^2) / n^2`` over the ``C`` customers (Cochran 1977, 6.11).
    The design effect is that variance over the independent one, ``p (1 - p) / n``, floored at
    1; Wilson intervals use the effective sample size ``n / deff`` (Kish 1965; Korn and Graubard
    1998). The change is tested against the pooled share with the variance of the difference
    linearised over the customers of both periods, covariance of a customer's two months
    included; Newcombe's interval combines the two effective-size Wilson intervals.
    """
    from scipy import stats

    col = LEVELS[level - 1]
    keys = [col] if level == 1 else ["category", col]
    now = now.with_columns(_cluster_column(now, cluster, "now"))
    before = before.with_columns(_cluster_column(before, cluster, "before"))
    c1 = now.drop_nulls(col).group_by(keys).len("count_now")
    c0 = before.drop_nulls(col).group_by(keys).len("count_before")
    both = c1.join(c0, on=keys, how="full", coalesce=True).fill_null(0).sort(keys)
    n1, n0 = max(now.height, 1), max(before.height, 1)
    x1 = both["count_now"].to_numpy().astype(float)
    x0 = both["count_before"].to_numpy().astype(float)
    p1, p0 = x1 / n1, x0 / n0
    pooled = (x1 + x0) / (n1 + n0)
    # contacts per customer in each period, and per customer and reason
    m1 = now.group_by("_cluster").len("m1")
    m0 = before.group_by("_cluster").len("m0")
    sizes = m1.join(m0, on="_cluster", how="full", coalesce=True).fill_null(0)
    mm1 = sizes["m1"].to_numpy().astype(float)
    mm0 = sizes["m0"].to_numpy().astype(float)
    k1, k0, k = int((mm1 > 0).sum()), int((mm0 > 0).sum()), sizes.height
    b = mm1 / n1 - mm0 / n0
    per = (
        now.drop_nulls(col)
        .group_by(*keys, "_cluster")
        .len("y1")
        .join(
            before.drop_nulls(col).group_by(*keys, "_cluster").len("y0"),
            on=[*keys, "_cluster"],
            how="full",
            coalesce=True,
        )
        .join(sizes, on="_cluster", how="left")
        .fill_null(0)
        .with_columns(
            (pl.col("y1") / n1 - pl.col("y0") / n0).alias("a"),
            (pl.col("m1") / n1 - pl.col("m0") / n0).alias("b"),
        )
        .group_by(keys)
        .agg(
            (pl.col("y1") ** 2).sum().alias("y1y1"),
            (pl.col("y1") * pl.col("m1")).sum().alias("y1m1"),
            (pl.col("y0") ** 2).sum().alias("y0y0"),
            (pl.col("y0") * pl.col("m0")).sum().alias("y0m0"),
            (pl.col("a") ** 2).sum().alias("aa"),
            (pl.col("a") * pl.col("b")).sum().alias("ab"),
        )
    )
    sums = both.select(keys).join(per, on=keys, how="left").fill_null(0)

    def ratio_var(yy, ym, mm_sq, p, n, c):
        fpc = c / (c - 1) if c > 1 else 1.0
        return fpc * np.maximum(yy - 2 * p * ym + p * p * mm_sq, 0) / (n * n)

    v1 = ratio_var(sums["y1y1"].to_numpy(), sums["y1m1"].to_numpy(), (mm1**2).sum(), p1, n1, k1)
    v0 = ratio_var(sums["y0y0"].to_numpy(), sums["y0m0"].to_numpy(), (mm0**2).sum(), p0, n0, k0)
    with np.errstate(invalid="ignore", divide="ignore"):
        deff1 = np.where((p1 > 0) & (p1 < 1), v1 / (p1 * (1 - p1) / n1), 1.0)
        deff0 = np.where((p0 > 0) & (p0 < 1), v0 / (p0 * (1 - p0) / n0), 1.0)
    deff1, deff0 = (
        np.maximum(np.nan_to_num(deff1, nan=1.0), 1),
        np.maximum(np.nan_to_num(deff0, nan=1.0), 1),
    )
    l1, u1 = wilson_interval(p1 * n1 / deff1, n1 / deff1, alpha)
    l0, u0 = wilson_interval(p0 * n0 / deff0, n0 / deff0, alpha)
    # the change under no change (pooled share), linearised over the customers of both periods
    fpc = k / (k - 1) if k > 1 else 1.0
    v_change = fpc * np.maximum(
        sums["aa"].to_numpy() - 2 * pooled * sums["ab"].to_numpy() + pooled**2 * (b**2).sum(), 0
    )
    v_indep = np.maximum(pooled * (1 - pooled) * (1 / n1 + 1 / n0), 1e-300)
    deff_change = np.maximum(v_change / v_indep, 1.0)
    p = 2 * stats.norm.sf(np.abs(p1 - p0) / np.sqrt(v_indep * deff_change))
    p = adjust_p(p, "bh") if len(p) else p
    d = p1 - p0
    return pl.DataFrame(
        {
            "level": [level] * both.height,
            "term": both[col].cast(pl.Utf8),
            "parent": both["category"].cast(pl.Utf8),
            "count_now": both["count_now"].cast(pl.Int64),
            "share_now": p1,
            "ci_low": l1,
            "ci_high": u1,
            "count_before": both["count_before"].cast(pl.Int64),
            "share_before": p0,
            "change": d,
            "change_low": d - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2),
            "change_high": d + np.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2),
            "p_value": p,
            "design_effect": deff1,
            "change_design_effect": deff_change,
        }
    )


def reasons(
    contacts: pl.DataFrame | pl.LazyFrame,
    *,
    period: str | Period = "latest_month",
    compare_to: str = "previous",
    alpha: float = 0.05,
    time_zone: str | None = None,
) -> ReasonShares:
    """The share of contacts per reason at levels 1 and 2, this period against ``compare_to``.

    A reason's share is its contacts over all contacts of the period (a contact without a
    reason counts in the total). The change is tested with a two-proportion z-test, adjusted
    across the reasons of a level (Benjamini-Hochberg; level 1 and level 2 are two families);
    intervals are Wilson (share) and Newcombe (change), ``1 - alpha``. With a ``customer_id``
    column, a customer's contacts are one cluster: each variance is the ratio estimator's with
    customers as clusters, and intervals and tests are widened by its design effect (at least
    1; ``design_effect`` in the table). Without it, contacts count as independent and the
    findings say so.

    Raises
    ------
    SchemaError
        ``arrived_at``, ``category`` or ``category_l2`` is missing.
    NotEnoughDataError
        No contact in the period or in the comparison period.

    References
    ----------
    Wilson (1927); Newcombe (1998); Benjamini and Hochberg (1995); Kish (1965); Cochran (1977),
    sec. 6.11; Korn and Graubard (1998).

    Examples
    --------
    >>> import cxlab as cx
    >>> cx.text.reasons(cx.load("contacts"), period="2026-10").top(1)  # doctest: +SKIP
    """
    alpha = check_alpha(alpha)
    lf = _frame(contacts, ("arrived_at", "category", "category_l2"))
    tz = local_zone(time_zone)
    now_p, before_p = periods(lf, period, compare_to, tz)
    clustered = CLUSTER in lf.collect_schema().names()
    keep = ["category", "category_l2", *([CLUSTER] if clustered else [])]
    now = lf.filter(now_p.filter("arrived_at", tz)).select(keep).collect()
    before = lf.filter(before_p.filter("arrived_at", tz)).select(keep).collect()
    for frame, which in ((now, now_p), (before, before_p)):
        if frame.height == 0:
            raise NotEnoughDataError(f"contacts: no contact in {which.label}.")
    cluster = CLUSTER if clustered else None
    table = pl.concat([_shares(now, before, level, alpha, cluster) for level in (1, 2)])
    return ReasonShares(
        table=table,
        period_obj=now_p,
        compare_obj=before_p,
        n_now=now.height,
        n_before=before.height,
        alpha=alpha,
        clustered=clustered,
    )


def true_labels_or_none(
    workspace: str | os.PathLike | Settings | None = None,
) -> pl.DataFrame | None:
    """The true labels of a synthetic workspace (``cx.data.true_labels``), or ``None`` for a
    workspace without them (a real one)."""
    from cxlab import data

    reader = getattr(data, "true_labels", None)
    if reader is None:
        return None
    try:
        return reader(workspace)
    except WorkspaceError:
        return None


def classification(
    contacts: pl.DataFrame | pl.LazyFrame,
    *,
    period: str | Period = "latest_month",
    train_months: int = 3,
    target: float = 0.90,
    truth: pl.DataFrame | pl.LazyFrame | None = None,
    train_sample: int | None = TRAIN_SAMPLE,
    eval_sample: int | None = EVAL_SAMPLE,
    text: str = "note",
    alpha: float = 0.05,
    seed: int = 0,
    time_zone: str | None = None,
) -> ClassifierEvaluation:
    """Train the contact-reason classifier on the ``train_months`` months before ``period``
    (their manual labels) and evaluate it on ``period``'s contacts.

    With ``truth`` (``cx.data.true_labels`` on the synthetic workspace, or an audited sample)
    the classifier and the manual labels are both scored against it; without it the classifier
    is scored against the manual labels. ``train_sample`` and ``eval_sample`` contacts are drawn
    at random (``None``: all) so a report stays quick; the intervals say what the sample allows.
    A training contact without a reason at some level is left out, counted and said. A period
    with no note, or no labelled note before it, gives an evaluation with empty tables whose
    findings say so (the report carries on).

    Raises
    ------
    SchemaError
        The text or a label column is missing.

    References
    ----------
    See :func:`cxlab.text.train_classifier` and :func:`cxlab.text.evaluate`.
    """
    _check_size("train_sample", train_sample)
    _check_size("eval_sample", eval_sample)
    if isinstance(train_months, bool) or not isinstance(train_months, int) or train_months < 1:
        raise OptionError(f"train_months={train_months!r}: give a whole number of months, e.g. 3.")
    alpha = check_alpha(alpha)
    if not isinstance(target, int | float) or not 0 < target < 1:
        raise OptionError(f"target={target!r} is not an accuracy between 0 and 1, e.g. 0.90.")
    reference = "truth" if truth is not None else "manual"
    lf = _frame(contacts, ("contact_id", "arrived_at", text, *LEVELS))
    tz = local_zone(time_zone)
    first, last = _span(lf, tz)
    now_p = parse_period(period, first=first, last=last)
    start = now_p.start
    month_start = dt.date(start.year, start.month, 1)
    y, m = month_start.year, month_start.month - train_months
    while m < 1:
        y, m = y - 1, m + 12
    train_p = parse_period(
        f"{dt.date(y, m, 1).isoformat()}..{(now_p.start - dt.timedelta(days=1)).isoformat()}"
    )
    cols = ["contact_id", text, *LEVELS]
    train, _account = prepare_text(
        lf.filter(train_p.filter("arrived_at", tz)).select(cols).collect(), text=text
    )
    train = train.filter(pl.col(text).is_not_null())  # drawn from the notes with a text
    later = lf.filter(now_p.filter("arrived_at", tz)).select(cols).collect()
    labelled = pl.all_horizontal(pl.col(c).is_not_null() for c in LEVELS)
    unlabelled = train.height - int(train.select(labelled.sum()).item())
    train = train.filter(labelled)  # a contact without a reason teaches nothing: left out, said
    said = {"trained": train.height, "unlabelled": unlabelled}
    if train.height == 0 or later.filter(has_text(text)).height == 0:
        return _unclassified(later.height, said, reference, target, alpha)
    model = train_classifier(_sample(train, train_sample, seed), text=text, seed=seed)
    truth_frame = truth.collect() if isinstance(truth, pl.LazyFrame) else truth
    result = evaluate(
        model,
        _sample(later, eval_sample, seed),
        truth=truth_frame,
        target=target,
        alpha=alpha,
        seed=seed,
    )
    # the appendix says how many notes the classifier learnt from
    return replace(result, counts={**result.counts, **said, "trained": model.trained.get("n", 0)})


def _unclassified(
    contacts: int, said: dict[str, int], reference: str, target: float, alpha: float
) -> ClassifierEvaluation:
    """The evaluation of a period with nothing to classify: empty tables, findings that say why."""
    counts = {"contacts": contacts, "classified": 0, "empty": contacts, **said}
    return ClassifierEvaluation.empty(
        LEVELS, counts, reference=reference, target=target, alpha=alpha
    )


def _reason_by_path(lf: pl.LazyFrame) -> pl.Expr:
    """The level-3 reason as a category is its path: its name, with its parents where two
    paths share it ("Other (Charges)", "Other (Returns)")."""
    have = [c for c in LEVELS if c in lf.collect_schema().names()]
    key = pl.concat_str([pl.col(c).cast(pl.Utf8).fill_null("") for c in have], separator="\x1f")
    seen = lf.filter(pl.col("category_l3").is_not_null()).select(key.alias("k")).unique().collect()
    paths = [tuple(k.split("\x1f")) for k in seen["k"].to_list()]
    names = distinct_names(paths)
    mapping = {"\x1f".join(p): n for p, n in names.items()}
    return (
        pl.when(pl.col("category_l3").is_not_null())
        .then(key.replace_strict(mapping, default=None, return_dtype=pl.Utf8))
        .otherwise(None)
    )


def rising(
    contacts: pl.DataFrame | pl.LazyFrame,
    *,
    period: str | Period = "latest_month",
    by: str = "reason",
    baseline: int = 3,
    sample: int | None = TERM_SAMPLE,
    text: str = "note",
    alpha: float = 0.05,
    seed: int = 0,
    time_zone: str | None = None,
) -> Emerging:
    """Level-3 reasons (``by="reason"``) or words of the notes (``by="term"``) whose share rose
    beyond chance in ``period`` against the ``baseline`` periods before it (false discovery rate
    ``alpha``); words are read from ``sample`` notes of the period and twice as many of the
    periods before (``None``: all), so a report stays quick. A level-3 reason is its path: a name
    used under two parents is two reasons, shown with its parent ("Other (Charges)"). A period
    without notes (or without reasons) gives an empty result whose findings say so.

    References
    ----------
    See :func:`cxlab.text.emerging`.
    """
    if by not in ("reason", "term"):
        raise OptionError(f"by={by!r} is not one of 'reason', 'term'.")
    _check_size("sample", sample)
    need = ("arrived_at", "category_l3") if by == "reason" else ("arrived_at", text)
    lf = _frame(contacts, need)
    who = [c for c in ("customer_id",) if c in lf.collect_schema().names()]
    if by == "reason":
        return emerging(
            lf.select("arrived_at", _reason_by_path(lf).alias("category"), *who),
            period=period,
            by="category",
            baseline=baseline,
            alpha=alpha,
            time_zone=time_zone,
        )
    tz = local_zone(time_zone)
    first, last = _span(lf, tz)
    now_p = parse_period(period, first=first, last=last)
    y, m = now_p.start.year, now_p.start.month
    months = (now_p.end.year - y) * 12 + now_p.end.month - m
    y, m = y, m - months * baseline
    while m < 1:
        y, m = y - 1, m + 12
    window = parse_period(
        f"{dt.date(y, m, 1).isoformat()}..{(now_p.end - dt.timedelta(days=1)).isoformat()}"
    )
    frame = lf.filter(window.filter("arrived_at", tz)).select("arrived_at", text, *who).collect()
    inside = frame.filter(now_p.filter("arrived_at", tz))
    outside = frame.filter(~now_p.filter("arrived_at", tz))
    picked = pl.concat(
        [
            _sample(inside, sample, seed),
            _sample(outside, None if sample is None else 2 * sample, seed),
        ]
    )
    return emerging(
        picked, period=now_p, by="term", baseline=baseline, text=text, alpha=alpha, time_zone=tz
    )


@dataclass(frozen=True)
class EmotionTrend(Result):
    """The emotion of contact notes month by month (every note, or a sample, read with the word
    list). ``table``: ``month``, ``term`` (emotion), ``count``, ``n``, ``estimate`` with
    ``ci_low``/``ci_high``."""

    table: pl.DataFrame
    period_obj: Period
    alpha: float
    reader: str = "lexicon"
    sampled: bool = False

    @property
    def title(self) -> str:
        return _("How customers feel, month by month")

    def summary(self) -> pl.DataFrame:
        return self.table

    def shown(self) -> pl.DataFrame:
        """The table as the report shows it: months and emotions in the report's language."""
        return self.table.select(
            pl.col("month").map_elements(fmt_month, return_dtype=pl.Utf8),
            pl.col("term").map_elements(label, return_dtype=pl.Utf8).alias("emotion_name"),
            pl.col("count").alias("emotion_notes"),
            pl.col("n").alias("notes_read"),
            pl.col("estimate").alias("emotion_share"),
            pl.col("ci_low").alias("share_low"),
            pl.col("ci_high").alias("share_high"),
        )

    def _repr_html_(self) -> str:
        from cxlab._present import CSS, cards_html, findings_html, table_html

        return (
            f"{CSS}<div class='cx-result'><h4>{html.escape(self.title)}</h4>"
            f"{cards_html(self.headline())}{findings_html(self.findings())}"
            f"{table_html(self.shown().tail(len(EMOTION_ORDER) * 2), max_rows=None)}</div>"
        )

    def details(self) -> pl.DataFrame:
        return self.table

    def _negative(self) -> pl.DataFrame:
        return (
            self.table.filter(pl.col("term").is_in(list(NEGATIVE)))
            .group_by("month")
            .agg(pl.col("count").sum(), pl.col("n").first())
            .sort("month")
            .with_columns((pl.col("count") / pl.col("n")).alias("estimate"))
        )

    def _month(self) -> dt.date:
        """The first day of the period's last month (the month the card and findings name)."""
        last = self.period_obj.end - dt.timedelta(days=1)
        return dt.date(last.year, last.month, 1)

    def _now_and_before(self) -> tuple[dict | None, dict | None]:
        """The negative row of the period's month and of the month before (None: no notes)."""
        neg = self._negative()
        month = self._month()
        before = (month - dt.timedelta(days=1)).replace(day=1)
        rows = {r["month"]: r for r in neg.iter_rows(named=True)}
        return rows.get(month), rows.get(before)

    def _change_p(self, now: dict, before: dict) -> float:
        """Two-sided p of the change in the negative share between two months (pooled z)."""
        from scipy import stats

        x = np.array([now["count"], before["count"]], float)
        n = np.array([now["n"], before["n"]], float)
        pooled = x.sum() / n.sum()
        se = np.sqrt(max(pooled * (1 - pooled) * (1 / n[0] + 1 / n[1]), 1e-300))
        return float(2 * stats.norm.sf(abs(x[0] / n[0] - x[1] / n[1]) / se))

    def headline(self) -> list[Headline]:
        neg = self._negative()
        if neg.height == 0:
            return []
        now, before = self._now_and_before()
        card = {
            "key": "negative_share",
            "label": N_("Notes that state anger or anxiety"),
            "unit": "share",
            "period": self.period_obj.iso,
            "compared_to": "previous",
        }
        if now is None:  # a month without notes: no figure, never another month's
            return [Headline(value=None, detail=_("No notes to read in this period."), **card)]
        lo, hi = wilson_interval(np.array([now["count"]]), now["n"], self.alpha)
        history = neg.filter(pl.col("month") <= now["month"])
        within_chance = before is None or self._change_p(now, before) >= self.alpha
        return [
            Headline(
                value=now["estimate"],
                change=None if before is None else now["estimate"] - before["estimate"],
                # a change within chance is not coloured as good or bad
                higher_is_better=None if within_chance else False,
                low=float(lo[0]),
                high=float(hi[0]),
                sparkline=tuple(history["estimate"].to_list()),
                **card,
            )
        ]

    def findings(self) -> list[str]:
        if self.table.height == 0:
            return [_("No note could be read for its emotion.")]
        out = []
        month = self._month()
        now = self.table.filter(pl.col("month") == month).sort("estimate", descending=True)
        if now.height == 0:
            return [
                _("No note of {month} could be read for its emotion.").format(
                    month=fmt_month(month)
                )
            ]
        items = _(", ").join(
            _("{emotion} {share}").format(
                emotion=label(r["term"]), share=fmt_value(r["estimate"], "share", decimals=0)
            )
            for r in now.iter_rows(named=True)
        )
        out.append(
            _("In {month}, of the notes read: {items}.").format(month=fmt_month(month), items=items)
        )
        b, a = self._now_and_before()
        if a is not None and b is not None:
            words = (
                _(
                    "Angry or anxious notes went from {before} in {prev} to {now}: a change "
                    "beyond chance."
                )
                if self._change_p(b, a) < self.alpha
                else _(
                    "Angry or anxious notes went from {before} in {prev} to {now}: within what "
                    "chance alone gives."
                )
            )
            out.append(
                words.format(
                    before=fmt_value(a["estimate"], "share"),
                    prev=fmt_month(a["month"]),
                    now=fmt_value(b["estimate"], "share"),
                )
            )
        if self.sampled:
            out.append(
                _(
                    "Emotions are read from a sample of {n} notes a month with the word list; the "
                    "ranges say how far a sample can be off."
                ).format(n=fmt_value(int(self.table["n"].max()), "count"))
            )
        else:
            out.append(
                _(
                    "Emotions are read from every note of each month with the word list; the "
                    "ranges say how far the month's figure can be off by chance."
                )
            )
        return out

    def plot(self):
        import plotly.graph_objects as go

        import cxlab.viz  # noqa: F401  (registers the house style)

        fig = go.Figure()
        for term in self.table["term"].unique(maintain_order=True).to_list():
            t = self.table.filter(pl.col("term") == term).sort("month")
            fig.add_scatter(  # months named in the report's language, as categories
                x=[html.escape(fmt_month(m)) for m in t["month"].to_list()],
                y=(t["estimate"] * 100).to_list(),
                mode="lines+markers",
                name=html.escape(label(term)),
                hovertemplate="%{x}: %{y:.1f}%<extra></extra>",
            )
        fig.update_layout(
            title=html.escape(_("Emotion of contact notes, share per month")),
            yaxis_title="%",
            height=360,
        )
        return fig


def emotion_trend(
    contacts: pl.DataFrame | pl.LazyFrame,
    *,
    period: str | Period = "latest_month",
    months: int = 6,
    sample: int | None = None,
    text: str = "note",
    alpha: float = 0.05,
    seed: int = 0,
    time_zone: str | None = None,
) -> EmotionTrend:
    """The share of each emotion in the notes of the ``months`` months up to ``period``'s last,
    read with the word list from every note of each month (or ``sample`` notes a month), with
    Wilson intervals.

    References
    ----------
    Mohammad, S. M. and Turney, P. D. (2013). Crowdsourcing a word-emotion association lexicon.
    *Computational Intelligence* 29, 436-465. Wilson (1927).
    """
    from cxlab.text._emotions import emotions

    alpha = check_alpha(alpha)
    _check_size("sample", sample)
    lf = _frame(contacts, ("arrived_at", text))
    tz = local_zone(time_zone)
    first, last = _span(lf, tz)
    now_p = parse_period(period, first=first, last=last)
    end = now_p.end
    y, m = end.year, end.month - months
    while m < 1:
        y, m = y - 1, m + 12
    window = parse_period(
        f"{dt.date(y, m, 1).isoformat()}..{(end - dt.timedelta(days=1)).isoformat()}"
    )
    month = pl.col("arrived_at").dt.convert_time_zone(tz).dt.truncate("1mo").dt.date()
    frame = (
        lf.filter(window.filter("arrived_at", tz) & pl.col(text).is_not_null())
        .select(month.alias("month"), "contact_id", text)
        .collect()
    )
    parts = [_sample(g, sample, seed) for _key, g in frame.group_by("month", maintain_order=True)]
    if not parts:
        raise NotEnoughDataError(f"{text}: no note in the {months} months up to {now_p.label}.")
    read = emotions(pl.concat(parts), text=text, alpha=alpha)
    table = (
        read.table.select("month", "predicted_emotion") if "month" in read.table.columns else None
    )
    if table is None:  # emotions() keeps its own columns: join the month back by contact
        ids = pl.concat(parts).select("contact_id", "month")
        table = read.table.select("contact_id", "predicted_emotion").join(ids, on="contact_id")
    table = table.drop_nulls("predicted_emotion")
    counts = table.group_by("month", "predicted_emotion").len("count")
    n = table.group_by("month").len("n")
    classes = read.shares["term"].to_list()
    grid = n.join(pl.DataFrame({"predicted_emotion": classes}), how="cross")
    out = (
        grid.join(counts, on=["month", "predicted_emotion"], how="left")
        .with_columns(pl.col("count").fill_null(0))
        .rename({"predicted_emotion": "term"})
        .sort("month", "term")
    )
    lo, hi = wilson_interval(out["count"].to_numpy(), out["n"].to_numpy(), alpha)
    out = out.with_columns(
        (pl.col("count") / pl.col("n")).alias("estimate"),
        pl.Series("ci_low", lo),
        pl.Series("ci_high", hi),
    ).select("month", "term", "count", "n", "estimate", "ci_low", "ci_high")
    sampled = sample is not None and bool((frame.group_by("month").len()["len"] > sample).any())
    return EmotionTrend(
        table=out, period_obj=now_p, alpha=alpha, reader=read.reader, sampled=sampled
    )
