"""Key drivers of NPS: what matters most when the attribute ratings move together.

The ratings of one respondent share one satisfaction, so regression coefficients split their common
variance arbitrarily. Importance is therefore measured by Johnson's relative weights (the R² of a
regression on the orthogonal counterparts of the drivers, apportioned back to them) or, for up to
twelve drivers, by the exact Shapley decomposition of R² (LMG: each driver's R² gain averaged over
all orders of entry). The regression coefficients (points of the 0-10 answer per rating step, OLS
with classical standard errors) are reported beside them.

Intervals come from a nonparametric bootstrap. The rows are first reduced to their distinct
(outcome, drivers) combinations with counts: a bootstrap sample is a multinomial draw of those
counts, which is the same resampling as drawing rows, at a cost that does not grow with the
number of responses.

References
----------
Johnson, J. W. (2000). A heuristic method for estimating the relative weight of predictor variables
in multiple regression. *Multivariate Behavioral Research* 35(1), 1-19. Lindeman, R. H., Merenda,
P. F. and Gold, R. Z. (1980). *Introduction to Bivariate and Multivariate Analysis* (the LMG
decomposition). Grömping, U. (2006). Relative importance for linear regression in R: the package
relaimpo. *Journal of Statistical Software* 17(1). Tonidandel, S. and LeBreton, J. M. (2015).
RWA Web. *Journal of Business and Psychology* 30, 207-216.
"""

from __future__ import annotations

import html
import itertools
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, SchemaError
from cxlab._options import check_option, renamed
from cxlab._present import (
    _,
    fmt_intervals,
    fmt_list,
    fmt_value,
    join_sentences,
    label,
    ngettext,
)
from cxlab._result import Result, json_safe
from cxlab.nps import _words  # noqa: F401  (registers the drivers' labels)
from cxlab.nps._codes import MissingCodes, codes_by_column, declared_scales, screen
from cxlab.nps._counts import OldNames, check_alpha
from cxlab.nps._details import Details
from cxlab.nps._period import in_period

DriverMethod = Literal["relative_weights", "shapley"]
RATINGS = (
    "rating_wait_time",
    "rating_resolution",
    "rating_agent",
    "rating_product",
    "rating_value",
)
MAX_SHAPLEY = 12
MIN_MENTIONS = 30  # theme flags with fewer mentions are left out of the default drivers


def _lower(text: str) -> str:
    """A label inside an English sentence: lower case unless it starts with an acronym."""
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


def code_text(code: float) -> str:
    """A missing-value code as the survey tool writes it (-99, 98)."""
    return fmt_value(code, "count" if float(code).is_integer() else "number")


def _moments(z: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean and covariance of the columns of ``z`` (frequency weights ``w``)."""
    n = w.sum()
    mean = w @ z / n
    d = z - mean
    cov = (d * w[:, None]).T @ d / (n - 1)
    return mean, cov


def _corr(cov: np.ndarray) -> np.ndarray:
    s = np.sqrt(np.diag(cov))
    return cov / np.outer(s, s)


def relative_weights(corr: np.ndarray) -> np.ndarray:
    """Johnson's raw relative weights from the correlation matrix of ``[y, x_1..x_p]``; they
    sum to the R² of the regression of y on the x.

    Examples
    --------
    >>> r = np.array([[1.0, 0.5, 0.3], [0.5, 1.0, 0.0], [0.3, 0.0, 1.0]])
    >>> relative_weights(r).round(3).tolist()  # orthogonal drivers: squared correlations
    [0.25, 0.09]
    """
    rxx, rxy = corr[1:, 1:], corr[1:, 0]
    vals, vecs = np.linalg.eigh(rxx)
    lam = vecs @ np.diag(np.sqrt(np.clip(vals, 0, None))) @ vecs.T
    beta = np.linalg.solve(lam, rxy)
    return (lam**2) @ beta**2


def _r2(corr: np.ndarray, subset: tuple[int, ...]) -> float:
    if not subset:
        return 0.0
    idx = np.array(subset) + 1
    rxx = corr[np.ix_(idx, idx)]
    rxy = corr[idx, 0]
    return float(rxy @ np.linalg.solve(rxx, rxy))


def shapley_r2(corr: np.ndarray) -> np.ndarray:
    """The Shapley (LMG) decomposition of R² from the correlation matrix of ``[y, x_1..x_p]``."""
    p = corr.shape[0] - 1
    if p > MAX_SHAPLEY:
        raise NotEnoughDataError(
            f"Shapley R² over {p} drivers needs 2^{p} regressions; use method='relative_weights'."
        )
    r2 = {s: _r2(corr, s) for k in range(p + 1) for s in itertools.combinations(range(p), k)}
    out = np.zeros(p)
    for j in range(p):
        others = [i for i in range(p) if i != j]
        for k in range(p):
            wk = math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
            for s in itertools.combinations(others, k):
                out[j] += wk * (r2[tuple(sorted((*s, j)))] - r2[s])
    return out


def _importance(corr: np.ndarray, method: str) -> np.ndarray:
    return relative_weights(corr) if method == "relative_weights" else shapley_r2(corr)


def _ols(z: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """OLS of column 0 on the other columns plus an intercept (frequency weights)."""
    n = int(w.sum())
    x = np.column_stack([np.ones(len(z)), z[:, 1:]])
    y = z[:, 0]
    xtx = (x * w[:, None]).T @ x
    beta = np.linalg.solve(xtx, (x * w[:, None]).T @ y)
    resid = y - x @ beta
    dof = n - x.shape[1]
    sigma2 = float(w @ resid**2) / dof
    se = np.sqrt(np.diag(np.linalg.inv(xtx)) * sigma2)
    return beta, se, dof


@dataclass(frozen=True)
class KeyDrivers(OldNames, Result):
    """Driver importance (share of explained variance) with bootstrap intervals, regression
    coefficients with OLS intervals, and each driver's performance (share rating 4-5)."""

    table: pl.DataFrame
    r2: float
    r2_interval: tuple[float, float]
    n: int
    method: str
    alpha: float
    n_boot: int
    outcome: str = "nps"
    set_aside: pl.DataFrame | None = None
    """Answers set aside per column (outcome and drivers): ``term, code, n``, a null code for
    answers left blank, one row per declared missing-value code."""
    n_read: int | None = None
    """Responses read (in the period), before incomplete ones were set aside."""

    @property
    def outcome_label(self) -> str:
        """The outcome in the reader's words: its catalogue label (NPS, CSAT, a declared
        metric's label) or the analyst's column name."""
        return label(self.outcome)

    @property
    def title(self) -> str:
        if self.outcome == "nps":
            return _("What drives NPS")
        return _("What drives {outcome}").format(outcome=self.outcome_label)

    def summary(self) -> pl.DataFrame:
        return self.table

    def findings(self) -> list[str]:
        t = self.table
        top = t.row(0, named=True)
        share = fmt_value
        together = (
            _(
                "Together the drivers explain {share} of why customers score differently "
                "(likely between {low} and {high}; {n} complete answers)."
            )
            if self.outcome == "nps"
            else _(
                "Together the drivers explain {share} of the differences in {outcome} (likely "
                "between {low} and {high}; {n} complete answers)."
            )
        )
        out = [
            together.format(
                outcome=_lower(self.outcome_label),
                share=share(self.r2, "share", decimals=0),
                low=share(self.r2_interval[0], "share", decimals=0),
                high=share(self.r2_interval[1], "share", decimals=0),
                n=fmt_value(self.n, "count"),
            ),
            _(
                "{driver} matters most: {share} of what the drivers explain (likely between "
                "{low} and {high}). In order: {order}."
            ).format(
                driver=label(top["term"]),
                share=share(top["importance"], "share", decimals=0),
                low=share(top["importance_low"], "share", decimals=0),
                high=share(top["importance_high"], "share", decimals=0),
                order=fmt_list(style="semicolon", items=[label(x) for x in t["term"]]),
            ),
        ]
        fix = self.fix_first_sentence()
        if fix:
            out.append(fix)
        overlap = t.filter(pl.col("importance_low") <= pl.col("importance_high").shift(-1)).height
        if overlap:
            out.append(
                ngettext(
                    "{n} neighbouring pair in this order has overlapping ranges; their order is "
                    "not settled by these data.",
                    "{n} neighbouring pairs in this order have overlapping ranges; their order "
                    "is not settled by these data.",
                    overlap,
                ).format(n=overlap)
            )
        coded = self.coded_words()
        if coded:
            out.append(coded)
        return out

    def coded_words(self) -> str:
        """How many answers carried a declared missing-value code, by code, and how many
        responses remain complete; empty when no code was declared."""
        if self.set_aside is None:
            return ""
        coded = (
            self.set_aside.filter(pl.col("code").is_not_null())
            .group_by("code")
            .agg(pl.col("n").sum())
            .filter(pl.col("n") > 0)
            .sort("code")
        )
        if coded.height == 0:
            return ""
        items = [
            ngettext("{code} in {n} answer", "{code} in {n} answers", n).format(
                code=code_text(code), n=fmt_value(n, "count")
            )
            for code, n in coded.iter_rows()
        ]
        return _(
            "Answers coded as missing (“don't know”, no answer) were set aside like blank "
            "ones: {codes}; {n} of {total} responses answer every question of the analysis."
        ).format(
            codes=fmt_list(items),
            n=fmt_value(self.n, "count"),
            total=fmt_value(self.n_read if self.n_read is not None else self.n, "count"),
        )

    def set_aside_table(self) -> pl.DataFrame:
        """Answers set aside per question and code (blank or a declared missing-value code), in
        the reader's words."""
        t = self.set_aside
        if t is None or t.height == 0:
            return pl.DataFrame(
                schema={"question": pl.Utf8, "missing_code": pl.Utf8, "n_answers": pl.Int64}
            )
        return pl.DataFrame(
            {
                "question": [label(x) for x in t["term"]],
                "missing_code": [_("left blank") if c is None else code_text(c) for c in t["code"]],
                "n_answers": t["n"],
            }
        )

    def to_dict(self) -> dict:
        out = super().to_dict()
        if self.set_aside is not None:
            out["set_aside"] = json_safe(self.set_aside.to_dicts())
            out["n_read"] = self.n_read
        return out

    def priority(self) -> pl.DataFrame:
        """The rating drivers ranked by priority = importance × shortfall from the best-rated
        driver (points of the share rating 4-5 it would gain by matching the best), with the
        same product at the low and high end of the importance range."""
        t = self.table.filter(pl.col("performance").is_not_null())
        best = t["performance"].max() if t.height else None
        gap = best - pl.col("performance") if best is not None else pl.lit(0.0)
        return t.with_columns(
            (pl.col("importance") * gap).alias("priority"),
            (pl.col("importance_low") * gap).alias("priority_low"),
            (pl.col("importance_high") * gap).alias("priority_high"),
        ).sort("priority", descending=True)

    def fix_first(self) -> list[str]:
        """The driver with the highest priority (importance × shortfall from the best-rated
        driver), and every driver whose priority at the top of its importance range reaches the
        first one's priority at the bottom of its range (co-priorities: these data cannot order
        them)."""
        t = self.priority().filter(pl.col("priority") > 0)
        if t.height == 0:
            return []
        floor = t["priority_low"][0]
        return t.filter(pl.col("priority_high") >= floor)["term"].to_list()

    def fix_first_words(self) -> list[str]:
        """Each driver of :meth:`fix_first` with what puts it there, in words ("waiting time —
        middling importance (13%) but the lowest rating (35% give 4–5)")."""
        t = self.table.filter(pl.col("performance").is_not_null())
        fix = self.fix_first()
        if not fix:
            return []
        imp_mid = t["importance"].median()
        top_imp, low_perf = t["importance"].max(), t["performance"].min()
        rows = {r["term"]: r for r in t.iter_rows(named=True)}
        out = []
        for term in fix:
            r = rows[term]
            if r["importance"] == top_imp:
                weight = _("the most important ({share})")
            elif r["importance"] == imp_mid:
                weight = _("middling importance ({share})")
            elif r["importance"] > imp_mid:
                weight = _("above-middle importance ({share})")
            else:
                weight = _("below-middle importance ({share})")
            rating = (
                _("the lowest rating ({share} give 4–5)")
                if r["performance"] == low_perf
                else _("rated below the best ({share} give 4–5)")
            )
            out.append(
                _("{driver} — {weight} but {rating}").format(
                    driver=_lower(label(term)),
                    weight=weight.format(share=fmt_value(r["importance"], "share", decimals=0)),
                    rating=rating.format(share=fmt_value(r["performance"], "share", decimals=0)),
                )
            )
        return out

    def fix_first_sentence(self) -> str:
        """The fix-first sentence with the rule that ranks it; empty when no driver trails."""
        words = self.fix_first_words()
        if not words:
            return ""
        rule = (
            _("Priority is importance × shortfall from the best-rated driver.")
            if len(words) == 1
            else _(
                "Priority is importance × shortfall from the best-rated driver; these data "
                "cannot order them."
            )
        )
        return join_sentences(
            _("Fix first: {drivers}.").format(drivers=fmt_list(style="semicolon", items=words)),
            rule,
        )

    def reader_table(self) -> pl.DataFrame:
        """Driver, importance and its likely range, share rating 4 or 5."""
        t = self.table
        rng = fmt_intervals(t["importance_low"], t["importance_high"], "share", change=False)
        return pl.DataFrame(
            {
                "driver": [label(x) for x in t["term"]],
                "importance": t["importance"],
                "likely_range": rng,
                "performance": t["performance"],
            }
        )

    def _repr_html_(self) -> str:
        from cxlab._present import CSS, findings_html, table_html

        return (
            f"{CSS}<div class='cx-result'><h4>{html.escape(self.title)}</h4>"
            f"{findings_html(self.findings())}"
            + table_html(
                self.reader_table(),
                units={"importance": "share", "performance": "share"},
                name="nps_drivers",
            )
            + "</div>"
        )

    def plot(self):
        """Performance x importance; the drivers to fix first in red, below the curve of equal
        priority (importance × shortfall from the best-rated driver)."""
        import plotly.graph_objects as go

        from cxlab.viz import COLORS

        t = self.table.filter(pl.col("performance").is_not_null())
        fix = set(self.fix_first())
        names = [
            "<b>" + html.escape(label(x)) + "</b>" if x in fix else html.escape(label(x))
            for x in t["term"]
        ]
        hover = [
            html.escape(
                _("{driver}: importance {importance}, rated 4 or 5 by {performance}").format(
                    driver=label(r["term"]),
                    importance=fmt_value(r["importance"], "share", decimals=0),
                    performance=fmt_value(r["performance"], "share", decimals=0),
                )
            )
            for r in t.iter_rows(named=True)
        ]
        fig = go.Figure()
        ranked = self.priority().filter(pl.col("priority") > 0)
        if ranked.height and t.height:
            # the drivers on or beyond this curve reach the first one's priority (its low end)
            best, floor = t["performance"].max(), ranked["priority_low"][0]
            lo_x = max(floor / max(best, 1e-9), 1e-3)
            xs = np.linspace(lo_x, max(t["importance_high"].max(), lo_x) * 1.05, 60)
            fig.add_trace(
                go.Scatter(
                    x=(100 * xs).tolist(),
                    y=(100 * (best - floor / xs)).tolist(),
                    mode="lines",
                    line=dict(dash="dot", color=COLORS["bad"], width=1),
                    hoverinfo="skip",
                )
            )
        fig.add_trace(
            go.Scatter(
                x=(100 * t["importance"]).to_list(),
                y=(100 * t["performance"]).to_list(),
                mode="markers+text",
                text=names,
                customdata=hover,
                textposition="top center",
                cliponaxis=False,
                marker=dict(
                    size=14,
                    color=[
                        COLORS["bad"] if x in fix else COLORS["periods"]["current"]
                        for x in t["term"]
                    ],
                ),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=(100 * (t["importance_high"] - t["importance"])).to_list(),
                    arrayminus=(100 * (t["importance"] - t["importance_low"])).to_list(),
                    color=COLORS["muted"],
                ),
                hovertemplate="%{customdata}<extra></extra>",
            )
        )
        fig.add_annotation(
            x=1,
            y=-0.22,
            xref="paper",
            yref="paper",
            xanchor="right",
            yanchor="top",
            text=html.escape(
                _(
                    "Priority = importance × shortfall from the best-rated driver. Fix first "
                    "(red): the highest, and any whose importance range reaches the dotted curve."
                )
            ),
            showarrow=False,
            font=dict(color=COLORS["bad"], size=11),
        )
        fig.update_layout(
            title=html.escape(
                _("What to fix first for {outcome}: importance against performance").format(
                    outcome=self.outcome_label
                )
            ),
            xaxis_title=_("Importance (% of what the drivers explain)"),
            yaxis_title=_("Performance (% rating 4 or 5)"),
            showlegend=False,
            margin=dict(b=110, r=140),
        )
        return fig

    def details(self) -> Details:
        name = (
            _("Johnson's relative weights (Johnson 2000)")
            if self.method == "relative_weights"
            else _("the Shapley decomposition of R² (LMG; Grömping 2006)")
        )
        nps = self.outcome == "nps"
        importance = (
            _(
                "Importance: {method}, the R² of the regression of the 0-10 answer on the "
                "drivers (R² = {r2}) shared among them; likely ranges from {n_boot} bootstrap "
                "resamples (percentile intervals)."
            )
            if nps
            else _(
                "Importance: {method}, the R² ({r2}) of the regression of {outcome} on the "
                "drivers, shared among them; likely ranges from {n_boot} bootstrap resamples "
                "(percentile intervals)."
            )
        )
        estimate = (
            _(
                "Estimate: ordinary least squares slope, points of the 0-10 answer per rating "
                "step, with classical standard errors."
            )
            if nps
            else _(
                "Estimate: ordinary least squares slope, points of {outcome} per step of the "
                "driver, with classical standard errors."
            )
        )
        notes = (
            importance.format(
                method=name,
                outcome=_lower(self.outcome_label),
                r2=fmt_value(self.r2, "ratio", decimals=3),
                n_boot=self.n_boot,
            ),
            estimate.format(outcome=_lower(self.outcome_label)),
        )
        if self.set_aside is not None and self.n_read is not None:
            notes += (
                _(
                    "A response counts when it answers {outcome} and every driver: {n} of "
                    "{total}. Answers left blank or carrying a declared missing-value code are "
                    "set aside (the table below counts them per question)."
                ).format(
                    outcome=_("the 0-10 question") if nps else _lower(self.outcome_label),
                    n=fmt_value(self.n, "count"),
                    total=fmt_value(self.n_read, "count"),
                ),
            )
        units = {
            k: "share" for k in ("importance", "importance_low", "importance_high", "performance")
        } | {k: "ratio" for k in ("raw_weight", "slope", "std_error", "slope_low", "slope_high")}
        table = self.table.with_columns(
            pl.Series("term", [label(x) for x in self.table["term"]])
        ).rename({"estimate": "slope", "ci_low": "slope_low", "ci_high": "slope_high"})
        tables: tuple[tuple[str, pl.DataFrame, dict[str, str]], ...] = ((self.title, table, units),)
        if self.set_aside is not None and self.set_aside.height:
            tables += (
                (
                    _("Answers set aside"),
                    self.set_aside_table(),
                    {"n_answers": "count"},
                ),
            )
        return Details(title=self.title, notes=notes, tables=tables)


@renamed(level=("alpha", lambda v: 1 - v))
def drivers(
    surveys: pl.LazyFrame | pl.DataFrame,
    *,
    columns: list[str] | None = None,
    outcome: str = "nps",
    missing_codes: MissingCodes | None = None,
    method: DriverMethod = "relative_weights",
    n_boot: int = 200,
    alpha: float = 0.05,
    seed: int = 0,
    period: str | None = None,
    time_zone: str | None = None,
) -> KeyDrivers:
    """Key-driver analysis of NPS (or another outcome) from the attribute ratings (and theme
    flags, when present).

    Parameters
    ----------
    surveys
        Survey responses; theme flags ``theme_*`` (0/1) from :func:`cxlab.nps.tag_themes` join
        the ratings as drivers.
    columns
        The drivers; by default the rating columns present plus the ``theme_*`` columns
        mentioned at least 30 times.
    outcome
        The answer the drivers explain: ``"nps"`` (the 0-10 answer), ``"csat"`` or any numeric
        column; texts and charts name it by its label (a declared metric's label, else the
        column's name).
    missing_codes
        The codes the survey tool writes for "don't know" or no answer, set aside like blank
        answers: one code or a few for every column (``missing_codes=(-99, 98, 99)``), or codes
        per column (``{"rating_agent": (9,), "nps": (99,)}``; needed when a code is a valid
        answer of another column, as 9 is of NPS). A response counts when the outcome and every
        driver are answered (complete cases). Without a declared code, a value outside a
        column's declared scale (ratings 1-5, NPS 0-10, CSAT 1-5) is refused.
    method
        ``"relative_weights"`` (Johnson 2000) or ``"shapley"`` (LMG, exact, up to 12 drivers).
    period
        Keep only responses of this period (see :func:`cxlab.nps.parse_period`).
    n_boot
        Bootstrap resamples for the importance intervals (percentile intervals).
    alpha
        Importance ranges and slope intervals are ``1 - alpha`` intervals (was ``level=0.95``).

    Returns
    -------
    KeyDrivers
        ``summary()`` has ``term, importance, importance_low, importance_high, raw_weight,
        estimate, std_error, ci_low, ci_high, p_value, performance``; ``importance`` is a share of
        the explained variance (sums to 1); ``estimate`` is the OLS slope in answer points per
        rating step, its interval the classical OLS interval. ``set_aside`` counts the blank
        and coded answers per column (``term, code, n``; a null code is a blank).

    Examples
    --------
    >>> import cxlab as cx
    >>> cx.nps.drivers(cx.load("surveys"), n_boot=50).summary()  # doctest: +SKIP

    References
    ----------
    Johnson (2000), Multivariate Behavioral Research 35(1); Grömping (2006), JSS 17(1);
    Little & Rubin (2019), Statistical Analysis with Missing Data, ch. 3 (complete cases).
    """
    # scipy.stats.t's quantile and tail are these two functions for df > 0 (here n - k - 1 with
    # n >= k + 10); importing them alone spares the second it takes to import scipy.stats
    from scipy.special import stdtr, stdtrit

    check_option("method", method, DriverMethod)
    check_alpha(alpha)
    lf = surveys.lazy()
    if period:
        lf, _p, _tz = in_period(lf, period, time_zone, what="drivers")
    names = lf.collect_schema().names()
    if columns is None:
        themes = [c for c in names if c.startswith("theme_")]
        if themes:  # a theme (almost) nobody mentioned cannot be estimated as a driver
            used = lf.select(pl.col(themes).cast(pl.Int64).sum()).collect().row(0, named=True)
            themes = [c for c in themes if (used[c] or 0) >= MIN_MENTIONS]
        columns = [c for c in RATINGS if c in names] + themes
    missing = [c for c in [outcome, *columns] if c not in names]
    if missing:
        raise SchemaError(f"drivers: columns {missing} not in the surveys table.")
    if len(columns) < 2:
        raise NotEnoughDataError("drivers: at least two driver columns are needed.")
    used = [outcome, *columns]
    scales = declared_scales()
    screened = screen(
        lf, used, codes_by_column(missing_codes, used, scales), scales, what="drivers"
    )
    cells = (
        lf.select(screened.expressions)
        .drop_nulls()
        .group_by([outcome, *columns])
        .len()
        .collect()
        # group_by returns its groups in no fixed order: sorted, the same data and seed draw the
        # same resamples, so a report gives the same ranges in every run and language
        .sort([outcome, *columns])
    )
    z = cells.select(outcome, *columns).to_numpy()
    w = cells["len"].to_numpy().astype(float)
    n = int(w.sum())
    if n < len(columns) + 10:
        raise NotEnoughDataError(f"drivers: {n} complete responses for {len(columns)} drivers.")
    _, cov = _moments(z, w)
    if np.any(np.diag(cov) <= 0):
        flat = [c for c, v in zip([outcome, *columns], np.diag(cov), strict=True) if v <= 0]
        raise NotEnoughDataError(f"drivers: no variation in {flat}.")
    corr = _corr(cov)
    raw = _importance(corr, method)
    r2 = float(raw.sum())
    rng = np.random.default_rng(seed)
    boots = np.empty((n_boot, len(columns)))
    for b, counts in enumerate(rng.multinomial(n, w / n, size=n_boot)):
        keep = counts > 0
        _, cb = _moments(z[keep], counts[keep].astype(float))
        # a resample where a rare driver never varies has no correlation for it: left out
        boots[b] = _importance(_corr(cb), method) if np.all(np.diag(cb) > 0) else np.nan
    boots = boots[~np.isnan(boots).any(1)]
    if len(boots) < max(20, n_boot // 2):
        raise NotEnoughDataError(
            "drivers: too many bootstrap resamples without variation in a driver; "
            "drop rare drivers (columns=...) or use more responses."
        )
    shares = boots / boots.sum(1, keepdims=True)
    a = alpha / 2
    beta, se, dof = _ols(z, w)
    q = stdtrit(dof, 1 - alpha / 2)
    r2_b = boots.sum(1)
    perf = []
    for j, c in enumerate(columns):
        col = z[:, j + 1]
        perf.append(float(w[col >= 4].sum() / n) if c.startswith("rating_") else None)
    table = pl.DataFrame(
        {
            "term": columns,
            "importance": raw / r2,
            "importance_low": np.quantile(shares, a, axis=0),
            "importance_high": np.quantile(shares, 1 - a, axis=0),
            "raw_weight": raw,
            "estimate": beta[1:],
            "std_error": se[1:],
            "ci_low": beta[1:] - q * se[1:],
            "ci_high": beta[1:] + q * se[1:],
            "p_value": 2 * stdtr(dof, -np.abs(beta[1:] / se[1:])),
            "performance": pl.Series(perf, dtype=pl.Float64),
        }
    ).sort("importance", descending=True)
    return KeyDrivers(
        table=table,
        r2=r2,
        r2_interval=(float(np.quantile(r2_b, a)), float(np.quantile(r2_b, 1 - a))),
        n=n,
        method=method,
        alpha=alpha,
        n_boot=n_boot,
        outcome=outcome,
        set_aside=screened.set_aside,
        n_read=screened.rows,
    )
