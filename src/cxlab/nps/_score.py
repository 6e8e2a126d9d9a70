"""NPS for any segment or period, the change between two periods and the gaps between segments.

Every interval comes from the promoter/passive/detractor multinomial (see :mod:`._counts`); a
change or a gap is a difference of two independent NPS, tested with a z statistic on the sum of
their multinomial variances; many simultaneous comparisons are adjusted by Holm (family-wise
error) or Benjamini-Hochberg (false discovery rate).

References
----------
Rocks, B. (2016). Interval estimation for the "Net Promoter Score". *The American Statistician*
70(4), 365-372. Holm, S. (1979). A simple sequentially rejective multiple test procedure.
*Scandinavian Journal of Statistics* 6(2), 65-70. Benjamini, Y. and Hochberg, Y. (1995).
Controlling the false discovery rate. *JRSS B* 57(1), 289-300.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError
from cxlab._options import check_option, renamed
from cxlab._present import (
    N_,
    Headline,
    _,
    check_compare_to,
    fmt_change,
    fmt_intervals,
    fmt_list,
    fmt_p,
    fmt_value,
    join_sentences,
    label,
    ngettext,
)
from cxlab._result import Result
from cxlab._stats import Correction
from cxlab._stats import adjust_p as _adjust_p
from cxlab.nps._counts import (
    Method,
    NpsCounts,
    OldNames,
    check_alpha,
    count_frame,
    level_text,
    std_error,
    with_interval,
)
from cxlab.nps._details import Details
from cxlab.nps._period import Period, in_period, survey_dates

if TYPE_CHECKING:
    from cxlab.nps._trend import NpsTrend

CORRECTIONS = {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": "none"}


@renamed(method="correction")
def adjust_p(p_values, correction: Correction = "holm") -> np.ndarray:
    """Adjusted p-values for many comparisons: ``correction="holm"`` (Holm's step-down,
    family-wise error), ``"bh"`` (Benjamini-Hochberg's step-up, false discovery rate) or
    ``"none"``. NaN stays NaN.

    Examples
    --------
    >>> adjust_p([0.01, 0.04, 0.03], correction="holm").round(3).tolist()
    [0.03, 0.06, 0.06]

    References
    ----------
    Holm (1979), Scand. J. Statist. 6; Benjamini & Hochberg (1995), JRSS B 57.
    """
    check_option("correction", correction, Correction)
    return _adjust_p(p_values, correction)


def _diff(a: pl.DataFrame, b: pl.DataFrame, method: Method, alpha: float) -> dict[str, np.ndarray]:
    """NPS of ``a`` minus NPS of ``b`` (rows aligned), its standard error, interval and p-value."""
    from scipy.special import ndtr, ndtri

    z = ndtri(1 - alpha / 2)
    get = {k: (a[k].to_numpy(), b[k].to_numpy()) for k in ("promoters", "passives", "detractors")}
    na = sum(get[k][0] for k in get).astype(float)
    nb = sum(get[k][1] for k in get).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = (
            100 * (get["promoters"][0] - get["detractors"][0]) / na
            - 100 * (get["promoters"][1] - get["detractors"][1]) / nb
        )
        se = np.hypot(
            std_error(*(get[k][0] for k in get), method=method),
            std_error(*(get[k][1] for k in get), method=method),
        )
        # a change that cannot be computed (no answers on one side) has no standard error
        se = np.where(np.isfinite(est), se, np.nan)
        p = 2 * ndtr(-np.abs(est / se))
    return {
        "estimate": est,
        "std_error": se,
        "ci_low": est - z * se,
        "ci_high": est + z * se,
        "p_value": p,
    }


def _interval_words(low: float, high: float, unit: str = "nps", *, change: bool = False) -> str:
    f = fmt_change if change else fmt_value
    return _("likely between {low} and {high}").format(low=f(low, unit), high=f(high, unit))


def shown_change(now: float | None, before: float | None, decimals: int = 1) -> float | None:
    """The change as the difference of the two levels as they are shown (``decimals`` places),
    so that a reader who subtracts the displayed figures gets the displayed change; the
    estimate's interval is stated beside it unchanged."""
    if now is None or before is None or now != now or before != before:
        return None
    return round(round(now, decimals) - round(before, decimals), decimals)


def _count(n: int | float) -> str:
    return fmt_value(n, "count")


def _group_name(values: tuple) -> str:
    return " / ".join(label(v) for v in values)


@dataclass(frozen=True)
class NpsScore(OldNames, Result):
    """NPS with its multinomial interval, overall or per group."""

    table: pl.DataFrame
    by: tuple[str, ...] = ()
    alpha: float = 0.05
    method: str = "adjusted_wald"
    label: str = ""
    period_obj: Period | None = None

    @property
    def period_text(self) -> str:
        """The period in the reader's words (empty for all the data)."""
        return self.period_obj.text if self.period_obj else ""

    @property
    def title(self) -> str:
        head = (
            _("NPS by {dimension}").format(dimension=label(self.by[0]).lower())
            if self.by
            else _("NPS")
        )
        when = self.period_text or self.label
        return _("{title}, {period}").format(title=head, period=when) if when else head

    def summary(self) -> pl.DataFrame:
        return self.table

    def headline(self) -> list[Headline]:
        t = self.table.filter(pl.col("n") > 0)
        if self.by or t.height == 0:
            return []
        r = t.row(0, named=True)
        return [
            Headline(
                key="nps",
                label=N_("NPS"),
                value=r["nps"],
                unit="nps",
                low=r["ci_low"],
                high=r["ci_high"],
                higher_is_better=True,
            )
        ]

    def findings(self) -> list[str]:
        t = self.table.filter(pl.col("n") > 0)
        if t.height == 0:
            return [_("No survey answers: NPS is not available (insufficient data).")]
        if not self.by:
            r = t.row(0, named=True)
            return [
                _(
                    "NPS is {nps} ({interval}) from {n} answers: {promoters} promoters, "
                    "{detractors} detractors."
                ).format(
                    nps=fmt_value(r["nps"], "nps"),
                    interval=_interval_words(r["ci_low"], r["ci_high"]),
                    n=_count(r["n"]),
                    promoters=fmt_value(r["promoters"] / r["n"], "share", decimals=0),
                    detractors=fmt_value(r["detractors"] / r["n"], "share", decimals=0),
                )
            ]
        best = t.sort("nps", descending=True).row(0, named=True)
        worst = t.sort("nps").row(0, named=True)
        out = [
            _(
                "Highest NPS: {best} at {best_nps} ({best_interval}, {best_n} answers); "
                "lowest: {worst} at {worst_nps} ({worst_interval}, {worst_n} answers)."
            ).format(
                best=_group_name(tuple(best[k] for k in self.by)),
                best_nps=fmt_value(best["nps"], "nps"),
                best_interval=_interval_words(best["ci_low"], best["ci_high"]),
                best_n=_count(best["n"]),
                worst=_group_name(tuple(worst[k] for k in self.by)),
                worst_nps=fmt_value(worst["nps"], "nps"),
                worst_interval=_interval_words(worst["ci_low"], worst["ci_high"]),
                worst_n=_count(worst["n"]),
            )
        ]
        small = t.filter(pl.col("n") < 100)
        if small.height:
            out.append(
                ngettext(
                    "{n} group has fewer than 100 answers; its range is wide and its rank is "
                    "not reliable.",
                    "{n} groups have fewer than 100 answers; their ranges are wide and their "
                    "ranking is not reliable.",
                    small.height,
                ).format(n=small.height)
            )
        return out

    def reader_table(self) -> pl.DataFrame:
        """The table a reader sees: group, NPS, likely range, answers."""
        t = self.table.filter(pl.col("n") > 0)
        rng = fmt_intervals(t["ci_low"], t["ci_high"], "nps", change=False)
        return t.select(*self.by, "nps").with_columns(
            pl.Series("likely_range", rng, dtype=pl.Utf8), t["n"]
        )

    def _repr_html_(self) -> str:
        return _result_html(
            self, self.reader_table(), {"nps": "nps", "n": "count"}, name="nps_by_group"
        )

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.viz import COLORS

        t = self.table.filter(pl.col("n") > 0)
        labels = (
            [html.escape(_group_name(row)) for row in t.select(self.by).iter_rows()]
            if self.by
            else [html.escape(_("All respondents"))]
        )
        hover = [
            html.escape(
                _("{group}: NPS {nps}, {interval}, {n} answers").format(
                    group=name_,
                    nps=fmt_value(r["nps"], "nps"),
                    interval=_interval_words(r["ci_low"], r["ci_high"]),
                    n=_count(r["n"]),
                )
            )
            for name_, r in zip(labels, t.iter_rows(named=True), strict=True)
        ]
        fig = go.Figure(
            go.Scatter(
                x=t["nps"].to_list(),
                y=labels,
                mode="markers",
                marker=dict(size=10, color=COLORS["periods"]["current"]),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=(t["ci_high"] - t["nps"]).to_list(),
                    arrayminus=(t["nps"] - t["ci_low"]).to_list(),
                ),
                text=hover,
                hovertemplate="%{text}<extra></extra>",
            )
        )
        fig.update_layout(
            title=html.escape(_("{title}: the likely range of each").format(title=self.title)),
            xaxis_title=_("NPS (points)"),
            height=max(260, 40 * len(labels) + 120),
            showlegend=False,
        )
        return fig

    def details(self) -> Details:
        """Appendix: the interval method and the full table."""
        return Details(
            title=self.title,
            notes=(_method_note(self.alpha),),
            tables=((self.title, self.table.rename(_NPS_BOUNDS, strict=False), _SCORE_UNITS),),
        )


_SCORE_UNITS = {
    "nps": "nps",
    "nps_low": "nps",
    "nps_high": "nps",
    "std_error": "ratio",  # a spread, not a level: unsigned
    "n": "count",
    "promoters": "count",
    "passives": "count",
    "detractors": "count",
}


def _method_note(alpha: float) -> str:
    return _(
        "Intervals: {level} adjusted Wald intervals of the NPS from the promoter, passive and "
        "detractor counts (Rocks 2016: three answers added, 3/4 promoter and 3/4 detractor)."
    ).format(level=level_text(alpha))


def _result_html(result: Result, table: pl.DataFrame, units: dict[str, str], *, name: str) -> str:
    """Cards, findings and the reader's table of an NPS result (all escaped)."""
    from cxlab._present import CSS, cards_html, findings_html, table_html
    from cxlab.nps._details import answers_column

    cards = result.headline()
    table, units = answers_column(table, units)
    return (
        f"{CSS}<div class='cx-result'><h4>{html.escape(result.title)}</h4>"
        f"{cards_html(cards) if cards else ''}{findings_html(result.findings())}"
        f"{table_html(table, units=units, name=name)}</div>"
    )


@renamed(level=("alpha", lambda v: 1 - v))
def score(
    surveys: pl.LazyFrame | pl.DataFrame,
    *,
    by: str | list[str] | None = None,
    period: str | None = None,
    alpha: float = 0.05,
    method: Method = "adjusted_wald",
    time_zone: str | None = None,
) -> NpsScore:
    """NPS with a multinomial confidence interval, overall or for each segment/channel/region.

    Parameters
    ----------
    surveys
        The surveys table (``nps`` 0-10), possibly with the columns of
        :func:`cxlab.features.survey_features` to group by.
    by
        Grouping column(s), e.g. ``"segment"``, ``"region"``, ``"channel"``.
    period
        Keep only responses of this period (see :func:`cxlab.nps.parse_period`); ``None`` for
        all.
    alpha
        The intervals are ``1 - alpha`` confidence intervals (was ``level=0.95``).
    method
        ``"adjusted_wald"`` (Rocks 2016, the default) or ``"wald"``.

    Raises
    ------
    OptionError
        ``period`` or ``method`` is not one of the accepted forms.
    NotEnoughDataError
        No answer in ``period`` (the message names the dates the surveys cover).

    Examples
    --------
    >>> import cxlab as cx
    >>> res = cx.nps.score(cx.load("surveys"))
    >>> res.summary().columns
    ['promoters', 'passives', 'detractors', 'n', 'nps', 'std_error', 'ci_low', 'ci_high']
    >>> s = res.summary().row(0, named=True)
    >>> round(s["nps"], 9) == round(100 * (s["promoters"] - s["detractors"]) / s["n"], 9)
    True
    >>> s["ci_low"] < s["nps"] < s["ci_high"]
    True

    By segment, after joining the customers' attributes to the surveys:

    >>> surveys = cx.features.survey_features(cx.load("surveys"), customers=cx.load("customers"))
    >>> cx.nps.score(surveys, by="segment").summary()["segment"].to_list()
    ['enterprise', 'individual']

    References
    ----------
    Rocks (2016), The American Statistician 70(4), 365-372.
    """
    check_option("method", method, Method)
    check_alpha(alpha)
    keys = (by,) if isinstance(by, str) else tuple(by or ())
    lf = surveys.lazy()
    tag, words = "", None
    if period:
        lf, p, _tz = in_period(lf, period, time_zone, what="NPS")
        tag, words = p.label, p
    table = with_interval(count_frame(lf, keys), alpha=alpha, method=method)
    return NpsScore(table=table, by=keys, alpha=alpha, method=method, label=tag, period_obj=words)


@dataclass(frozen=True)
class NpsChange(OldNames, Result):
    """The change of NPS between two periods (overall or per group), with tests."""

    table: pl.DataFrame
    period: str
    compare_to: str
    by: tuple[str, ...] = ()
    correction: str = "holm"
    alpha: float = 0.05
    real: bool = field(default=False)
    now_period: Period | None = None
    before_period: Period | None = None
    compare_kind: str = "previous"
    counts_now: NpsCounts | None = None
    counts_before: NpsCounts | None = None

    @property
    def period_text(self) -> str:
        """The period in the reader's words ("Q3 2026" / "2026年第3季度")."""
        return self.now_period.text if self.now_period else self.period

    @property
    def compare_text(self) -> str:
        """The comparison period in the reader's words."""
        return self.before_period.text if self.before_period else self.compare_to

    @property
    def title(self) -> str:
        head = _("NPS, {period} against {compare_to}").format(
            period=self.period_text, compare_to=self.compare_text
        )
        if self.by:
            return _("{title}, by {dimension}").format(
                title=head, dimension=label(self.by[0]).lower()
            )
        return head

    def _first(self, column: str):
        return self.table[column][0]

    @property
    def nps_now(self) -> float:
        """NPS of ``period`` (first row: overall, or the first group)."""
        return float(self._first("nps_now"))

    @property
    def nps_before(self) -> float | None:
        """NPS of ``compare_to``; ``None`` when it has no answers."""
        value = self._first("nps_before")
        return None if value is None else float(value)

    @property
    def change(self) -> float | None:
        """The change in points; ``None`` when the comparison period has no answers."""
        value = self._first("estimate")
        return None if value is None else float(value)

    def _p(self, row: dict) -> float | None:
        p = row["p_adj"] if self.by else row["p_value"]
        return None if p is None or p != p else float(p)

    @property
    def verdict(self) -> str:
        """The change in words: beyond chance, within chance, or not available."""
        if self.change is None:
            return _("no answers in {period} to compare with").format(period=self.compare_text)
        if self.real:
            return _("The change is larger than chance alone would produce.")
        return _("The change is within what chance alone produces.")

    def headline(
        self, *, target: float | None = None, trend: NpsTrend | None = None
    ) -> list[Headline]:
        """Headline cards: the NPS (interval, change, target), promoters and detractors.

        ``trend`` (an :func:`cxlab.nps.trend` result) adds the monthly NPS as a sparkline.
        """
        if self.by:
            return []
        r = self.table.row(0, named=True)
        # "previous" (环比), "year_ago" (同比) or the explicit period compared with
        compared = self.compare_kind if self.compare_kind != "explicit" else self.compare_to
        period = self.now_period.iso if self.now_period else None
        spark = ()
        if trend is not None and not trend.by:
            spark = tuple(float(x) for x in trend.table["nps"].tail(13).to_list())
        cards = [
            Headline(
                key="nps",
                label=N_("NPS"),
                value=r["nps_now"],
                unit="nps",
                target=target,
                direction=">=" if target is not None else None,
                period=period,
                change=shown_change(r["nps_now"], r["nps_before"]),
                compared_to=compared,
                higher_is_better=True,
                low=r["nps_now_low"],
                high=r["nps_now_high"],
                sparkline=spark,
                detail=self.verdict,
            )
        ]
        now, before = self.counts_now, self.counts_before
        if now is not None and now.n:
            for key, name, attr, better in (
                ("nps_promoters", N_("Promoters (9–10)"), "promoters", True),
                ("nps_detractors", N_("Detractors (0–6)"), "detractors", False),
            ):
                share = getattr(now, attr) / now.n
                # shares are shown with one decimal of a percent: three decimals of the fraction
                change = (
                    shown_change(share, getattr(before, attr) / before.n, 3)
                    if before is not None and before.n
                    else None
                )
                cards.append(
                    Headline(
                        key=key,
                        label=name,
                        value=share,
                        unit="share",
                        period=period,
                        change=change,
                        compared_to=compared,
                        higher_is_better=better,
                        detail=_("{n} answers").format(n=_count(now.n)),
                    )
                )
        return cards

    def summary(self) -> pl.DataFrame:
        return self.table

    def findings(self) -> list[str]:
        if self.by:
            return self._group_findings()
        r = self.table.row(0, named=True)
        if r["n_now"] == 0:
            return [
                _("No answers in {period}; NPS cannot be given.").format(period=self.period_text)
            ]
        now = _("NPS in {period} was {nps} ({interval}, {n} answers).").format(
            period=self.period_text,
            nps=fmt_value(r["nps_now"], "nps"),
            interval=_interval_words(r["nps_now_low"], r["nps_now_high"]),
            n=_count(r["n_now"]),
        )
        if r["n_before"] == 0:
            return [
                join_sentences(
                    now,
                    _(
                        "There are no answers in {compare_to} to compare with, so whether it "
                        "moved cannot be said."
                    ).format(compare_to=self.compare_text),
                )
            ]
        moved = _(
            "Against {compare_to} ({before}, {n} answers) that is a change of {change} "
            "({interval})."
        ).format(
            compare_to=self.compare_text,
            before=fmt_value(r["nps_before"], "nps"),
            n=_count(r["n_before"]),
            change=fmt_change(shown_change(r["nps_now"], r["nps_before"]), "nps"),
            interval=_interval_words(r["ci_low"], r["ci_high"], change=True),
        )
        verdict = (
            _("The change is larger than chance alone would produce: NPS really moved.")
            if self.real
            else _(
                "The change is within what chance alone produces: not evidence that NPS "
                "really moved."
            )
        )
        return [join_sentences(now, moved), verdict]

    def _group_findings(self) -> list[str]:
        t = self.table.filter((pl.col("n_now") > 0) & (pl.col("n_before") > 0))
        dim = label(self.by[0]).lower()
        if t.height == 0:
            if self.table["n_before"].sum() == 0:
                return [
                    _(
                        "There are no answers in {compare_to}, so the change of each {dimension} "
                        "cannot be given."
                    ).format(compare_to=self.compare_text, dimension=dim)
                ]
            return [
                _(
                    "No {dimension} has answers in both {compare_to} and {period}, so no change "
                    "can be given."
                ).format(dimension=dim, compare_to=self.compare_text, period=self.period_text)
            ]
        real = t.filter(pl.col("p_adj") < self.alpha).sort("estimate", descending=True)
        out = []
        if real.height == 0:
            out.append(
                _(
                    "In no {dimension} did NPS change by more than chance alone would produce "
                    "({m} compared, allowing for the number of comparisons)."
                ).format(dimension=dim, m=t.height)
            )
        else:
            parts = [
                _("{group} {change} ({interval})").format(
                    group=label(r["term"]),
                    change=fmt_change(shown_change(r["nps_now"], r["nps_before"]), "nps"),
                    interval=_interval_words(r["ci_low"], r["ci_high"], change=True),
                )
                for r in real.iter_rows(named=True)
            ]
            if real.height == t.height == 2:
                words = _("NPS changed by more than chance in both groups: {groups}.")
            elif real.height == t.height:
                words = _(
                    "NPS changed by more than chance in every group (allowing for the number "
                    "of comparisons): {groups}."
                )
            else:
                words = _(
                    "NPS changed by more than chance in {k} of {m} groups (allowing for the "
                    "number of comparisons): {groups}."
                )
            out.append(
                words.format(
                    k=real.height, m=t.height, groups=fmt_list(style="semicolon", items=parts)
                )
            )
        up = t.sort("estimate", descending=True).row(0, named=True)
        down = t.sort("estimate").row(0, named=True)
        if t.height > 2:
            out.append(
                _(
                    "Largest rise: {up} ({up_change}); largest fall or smallest rise: {down} "
                    "({down_change})."
                ).format(
                    up=label(up["term"]),
                    up_change=fmt_change(shown_change(up["nps_now"], up["nps_before"]), "nps"),
                    down=label(down["term"]),
                    down_change=fmt_change(
                        shown_change(down["nps_now"], down["nps_before"]), "nps"
                    ),
                )
            )
        return out

    def reader_table(self) -> pl.DataFrame:
        """Group, NPS before and now, change with its likely range, and the verdict."""
        t = self.table
        rng = fmt_intervals(t["ci_low"], t["ci_high"], "nps")
        beyond = [
            (_("yes") if (self._p(r) or 1.0) < self.alpha else _("no"))
            if self._p(r) is not None
            else "–"
            for r in t.iter_rows(named=True)
        ]
        first = (
            t["term"].alias(self.by[0])
            if self.by
            else pl.Series("term", [_("All respondents")] * t.height)
        )
        return pl.DataFrame(
            {
                first.name: first,
                "nps_before": t["nps_before"],
                "nps_now": t["nps_now"],
                "change": [
                    shown_change(a, b)
                    for a, b in zip(t["nps_now"].to_list(), t["nps_before"].to_list(), strict=True)
                ],
                "likely_range": rng,
                "beyond_chance": beyond,
                "n_now": t["n_now"],
            }
        ).sort("change", descending=True, nulls_last=True)

    def _repr_html_(self) -> str:
        units = {"nps_before": "nps", "nps_now": "nps", "n_now": "count"}
        return _result_html(self, _changes_as_text(self.reader_table()), units, name="nps_change")

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.viz import color_for

        t = self.table
        names = (
            [html.escape(label(x)) for x in t["term"].cast(pl.Utf8).to_list()]
            if self.by
            else [html.escape(_("All respondents"))]
        )
        fig = go.Figure()
        shown = []
        for col, when, colour in (
            ("nps_before", self.compare_text, color_for("compare")),
            ("nps_now", self.period_text, color_for("current")),
        ):
            if t[col].null_count() == t.height:
                continue  # a period without answers has no bar, so no legend entry either
            shown.append(when)
            fig.add_bar(
                x=names,
                y=t[col].to_list(),
                name=html.escape(when),
                marker_color=colour,
                text=[fmt_value(v, "nps") for v in t[col].to_list()],
                hovertemplate="%{x}: %{text}<extra>" + html.escape(when) + "</extra>",
            )
        fig.update_layout(
            barmode="group",
            title=html.escape(
                _("NPS in {compare_to} and {period}").format(
                    compare_to=self.compare_text, period=self.period_text
                )
                if len(shown) == 2
                else _("NPS, {period}").format(period=shown[0] if shown else self.period_text)
            ),
            yaxis_title=_("NPS (points)"),
        )
        return fig

    def details(self) -> Details:
        """Appendix: the test, its statistics and the full table."""
        notes = [
            _method_note(self.alpha),
            _(
                "Change: the difference of two independent NPS, with a two-sided z test on the sum "
                "of their multinomial variances."
            ),
            _(
                "In the body a change is the difference of the two levels as shown, so it can "
                "differ by 0.1 from the estimate in this table; the likely range is the "
                "estimate's."
            ),
        ]
        if self.by:
            notes.append(
                _(
                    "Many groups: p-values adjusted by {method} over {m} groups (alpha {alpha})."
                ).format(method=CORRECTIONS[self.correction], m=self.table.height, alpha=self.alpha)
            )
        else:
            r = self.table.row(0, named=True)
            if r["estimate"] is None or not r["std_error"]:
                notes.append(
                    _(
                        "Overall change: not computed, as there are no answers in {compare_to}."
                    ).format(compare_to=self.compare_text)
                    if not r["n_before"]
                    else _(
                        "Overall change: not computed, as there are no answers in {period}."
                    ).format(period=self.period_text)
                )
            else:
                notes.append(
                    _("Overall change: z = {z}, {p} (alpha {alpha}).").format(
                        z=fmt_value(
                            r["estimate"] / r["std_error"]
                            if r["std_error"] and r["estimate"] is not None
                            else None,
                            "ratio",
                        ),
                        p=fmt_p(r["p_value"]),
                        alpha=self.alpha,
                    )
                )
        return Details(
            title=self.title,
            notes=tuple(notes),
            tables=(
                (
                    self.title,
                    self.table.rename({"term": self.by[0], **_CHANGE_BOUNDS})
                    if self.by
                    else self.table.with_columns(
                        pl.Series("term", [_("All respondents")] * self.table.height)
                    ).rename({"term": "overall", **_CHANGE_BOUNDS}),
                    _CHANGE_UNITS,
                ),
            ),
        )


_CHANGE_UNITS = {
    "n_before": "count",
    "n_now": "count",
    "nps_before": "nps",
    "nps_now": "nps",
    "nps_now_low": "nps",
    "nps_now_high": "nps",
    "change": "nps",
    "gap": "nps",
    "std_error": "ratio",  # a spread, not a level: unsigned
    "change_low": "nps",
    "change_high": "nps",
    "gap_low": "nps",
    "gap_high": "nps",
}
# each pair of bounds in an appendix table named for what it bounds (this period's NPS, the change)
_NPS_BOUNDS = {"ci_low": "nps_low", "ci_high": "nps_high"}
_CHANGE_BOUNDS = {"estimate": "change", "ci_low": "change_low", "ci_high": "change_high"}
_GAP_BOUNDS = {"estimate": "gap", "ci_low": "gap_low", "ci_high": "gap_high"}


def _changes_as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """The change column written as a change (+3.1 points), not as a level."""
    if "change" not in frame.columns:
        return frame
    return frame.with_columns(
        pl.Series("change", [fmt_change(v, "nps") for v in frame["change"].to_list()], pl.Utf8)
    )


@renamed(level=("alpha", lambda v: 1 - v), adjust="correction")
def compare(
    surveys: pl.LazyFrame | pl.DataFrame,
    *,
    period: str = "latest_quarter",
    compare_to: str = "previous",
    by: str | None = None,
    alpha: float = 0.05,
    method: Method = "adjusted_wald",
    correction: Correction = "holm",
    time_zone: str | None = None,
) -> NpsChange:
    """Did NPS really move? The change between two periods, with an interval and a z test.

    Parameters
    ----------
    period, compare_to
        See :func:`cxlab.nps.parse_period`; ``compare_to`` is ``"previous"`` (the unit just
        before, 环比), ``"year_ago"`` (同比) or an explicit period.
    by
        Also break the change down by this column; p-values are then adjusted across groups.
    alpha
        Intervals are ``1 - alpha`` confidence intervals and a change is called real when its
        (adjusted) p-value is below ``alpha`` (was ``level=0.95``).
    correction
        ``"holm"`` (family-wise), ``"bh"`` (false discovery rate) or ``"none"`` (was
        ``adjust=``).

    Raises
    ------
    OptionError
        ``period``, ``compare_to``, ``method`` or ``correction`` is not an accepted form.
    NotEnoughDataError
        No answer in ``period`` (the message names the dates the surveys cover).

    References
    ----------
    Rocks (2016); Holm (1979); Benjamini and Hochberg (1995).
    """
    check_option("correction", correction, Correction)
    check_option("method", method, Method)
    check_alpha(alpha)
    kind = check_compare_to(compare_to)
    lf = surveys.lazy()
    now_lf, now, tz = in_period(lf, period, time_zone, what="NPS change")
    before = now.compare(kind, **survey_dates(lf, tz))
    keys = [by] if by else []
    a = count_frame(now_lf, keys)
    b = count_frame(lf.filter(before.filter("responded_at", tz)), keys)
    if keys:
        groups = pl.concat([a.select(keys), b.select(keys)]).unique().sort(keys)
        a = groups.join(a, on=keys, how="left").fill_null(0)
        b = groups.join(b, on=keys, how="left").fill_null(0)
        term = groups[by].cast(pl.Utf8)
    else:
        term = pl.Series(["all"])
    # no answers before (a survey introduced mid-year): NPS now is still reported, the change is not
    d = _diff(a, b, method, alpha)
    now_ci = with_interval(a, alpha=alpha, method=method)
    with np.errstate(invalid="ignore", divide="ignore"):
        nps_now = 100 * (a["promoters"] - a["detractors"]).to_numpy() / a["n"].to_numpy()
        nps_before = 100 * (b["promoters"] - b["detractors"]).to_numpy() / b["n"].to_numpy()
    table = pl.DataFrame(
        {
            "term": term,
            "n_before": b["n"],
            "nps_before": nps_before,
            "n_now": a["n"],
            "nps_now": nps_now,
            "nps_now_low": now_ci["ci_low"],
            "nps_now_high": now_ci["ci_high"],
            **d,
            "p_adj": _adjust_p(d["p_value"], correction),
        }
    ).with_columns(pl.col(pl.Float64).fill_nan(None))
    overall_p = table["p_adj"][0] if not by else None
    overall_p = None if overall_p is None or overall_p != overall_p else overall_p
    return NpsChange(
        table=table,
        period=now.label,
        compare_to=before.label,
        by=tuple(keys),
        correction=correction,
        alpha=alpha,
        real=bool(overall_p is not None and overall_p < alpha),
        now_period=now,
        before_period=before,
        compare_kind=kind if kind in ("previous", "year_ago") else "explicit",
        counts_now=_total(a),
        counts_before=_total(b),
    )


def _total(counts: pl.DataFrame) -> NpsCounts:
    return NpsCounts(*(int(counts[k].sum()) for k in ("promoters", "passives", "detractors")))


@dataclass(frozen=True)
class NpsGaps(OldNames, Result):
    """Each segment against the rest of the respondents, with multiplicity-adjusted p-values."""

    table: pl.DataFrame
    by: str
    correction: str = "holm"
    alpha: float = 0.05
    period_obj: Period | None = None

    @property
    def period_text(self) -> str:
        """The period in the reader's words (empty for all the data)."""
        return self.period_obj.text if self.period_obj else ""

    @property
    def title(self) -> str:
        head = _("NPS of each {dimension} against all other respondents").format(
            dimension=label(self.by).lower()
        )
        return (
            _("{title}, {period}").format(title=head, period=self.period_text)
            if self.period_text
            else head
        )

    def summary(self) -> pl.DataFrame:
        return self.table

    @property
    def chart_worthwhile(self) -> bool:
        """More than two groups: with two, each against the rest is one against the other, and
        one sentence says what a table and a chart would repeat."""
        return self.table.height > 2

    def _pair_findings(self) -> list[str]:
        """Two groups: the difference between them in one sentence."""
        t = self.table.sort("estimate", descending=True)
        hi, lo = t.row(0, named=True), t.row(1, named=True)
        # the rest of one group is the other group: its gap to the rest is the pair's difference
        # the difference of the two levels as shown; the likely range is the estimate's
        gap, low, high = shown_change(hi["nps"], lo["nps"]), hi["ci_low"], hi["ci_high"]
        verdict = (
            _("more than chance alone would produce")
            if hi["p_adj"] < self.alpha
            else _("within what chance alone produces")
        )
        return [
            _("The NPS of {high} is {gap} above {low} ({interval}): {verdict}.").format(
                high=label(hi["term"]),
                low=label(lo["term"]),
                gap=fmt_change(gap, "nps").lstrip("+"),
                interval=_interval_words(low, high, change=True),
                verdict=verdict,
            )
        ]

    def findings(self) -> list[str]:
        if self.table.height == 2:
            return self._pair_findings()
        sig = self.table.filter(pl.col("p_adj") < self.alpha).sort("estimate")
        m = self.table.height
        dim = label(self.by).lower()
        if sig.height == 0:
            return [
                _(
                    "No {dimension} differs from the other respondents by more than chance alone "
                    "would produce ({m} compared, allowing for the number of comparisons)."
                ).format(dimension=dim, m=m)
            ]
        parts = [
            _("{group} {gap} ({interval})").format(
                group=label(r["term"]),
                gap=fmt_change(r["estimate"], "nps"),
                interval=_interval_words(r["ci_low"], r["ci_high"], change=True),
            )
            for r in sig.iter_rows(named=True)
        ]
        return [
            _(
                "{k} of {m} groups differ from the other respondents by more than chance, "
                "allowing for the number of comparisons: {groups}."
            ).format(k=sig.height, m=m, groups=fmt_list(style="semicolon", items=parts))
        ]

    def reader_table(self) -> pl.DataFrame:
        t = self.table.sort("estimate", descending=True)
        rng = fmt_intervals(t["ci_low"], t["ci_high"], "nps")
        beyond = [_("yes") if p < self.alpha else _("no") for p in t["p_adj"].to_list()]
        return pl.DataFrame(
            {
                self.by: t["term"],
                "nps": t["nps"],
                "change": t["estimate"],
                "likely_range": rng,
                "beyond_chance": beyond,
                "n": t["n"],
            }
        ).rename({"change": "gap"})

    def _repr_html_(self) -> str:
        if not self.chart_worthwhile:  # two groups: the sentence says it all
            from cxlab._present import CSS, findings_html

            return (
                f"{CSS}<div class='cx-result'><h4>{html.escape(self.title)}</h4>"
                f"{findings_html(self.findings())}</div>"
            )
        table = self.reader_table().with_columns(
            pl.Series("gap", [fmt_change(v, "nps") for v in self.reader_table()["gap"]], pl.Utf8)
        )
        return _result_html(self, table, {"nps": "nps", "n": "count"}, name="nps_gaps")

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.viz import COLORS

        t = self.table.sort("estimate")
        sig = (t["p_adj"] < self.alpha).to_list()
        names = [html.escape(label(x)) for x in t["term"].to_list()]
        hover = [
            html.escape(
                _("{group}: {gap} against the rest ({interval}), {n} answers").format(
                    group=label(r["term"]),
                    gap=fmt_change(r["estimate"], "nps"),
                    interval=_interval_words(r["ci_low"], r["ci_high"], change=True),
                    n=_count(r["n"]),
                )
            )
            for r in t.iter_rows(named=True)
        ]
        fig = go.Figure(
            go.Bar(
                x=t["estimate"].to_list(),
                y=names,
                orientation="h",
                marker_color=[COLORS["periods"]["current"] if s else "#c8ced8" for s in sig],
                error_x=dict(
                    type="data",
                    array=(t["ci_high"] - t["estimate"]).to_list(),
                    arrayminus=(t["estimate"] - t["ci_low"]).to_list(),
                    color=COLORS["muted"],
                ),
                text=hover,
                textposition="none",
                hovertemplate="%{text}<extra></extra>",
            )
        )
        fig.update_layout(
            title=html.escape(
                _("NPS gap to the other respondents by {dimension}").format(
                    dimension=label(self.by).lower()
                )
            ),
            xaxis_title=_("Gap to the rest (points); dark bars: larger than chance"),
            height=max(280, 30 * t.height + 140),
            showlegend=False,
        )
        return fig

    def details(self) -> Details:
        return Details(
            title=self.title,
            notes=(
                _method_note(self.alpha),
                _(
                    "Each group against all other respondents: two-sided z test; p-values "
                    "adjusted by {method} over {m} groups (alpha {alpha})."
                ).format(
                    method=CORRECTIONS[self.correction], m=self.table.height, alpha=self.alpha
                ),
            ),
            tables=(
                (
                    self.title,
                    self.table.rename({"term": self.by, **_GAP_BOUNDS}),
                    _CHANGE_UNITS | {"nps": "nps", "n": "count"},
                ),
            ),
        )


@renamed(level=("alpha", lambda v: 1 - v), adjust="correction")
def gaps(
    surveys: pl.LazyFrame | pl.DataFrame,
    *,
    by: str,
    period: str | None = None,
    alpha: float = 0.05,
    method: Method = "adjusted_wald",
    correction: Correction = "holm",
    time_zone: str | None = None,
) -> NpsGaps:
    """Which segments differ? Each value of ``by`` against all other respondents, with Holm or
    Benjamini-Hochberg adjustment over the values compared.

    Parameters
    ----------
    by
        The column whose values are compared, e.g. ``"segment"`` or ``"region"``.
    period
        Keep only responses of this period (see :func:`cxlab.nps.parse_period`).
    alpha
        Intervals are ``1 - alpha`` confidence intervals; a gap is called real when its adjusted
        p-value is below ``alpha`` (was ``level=0.95``).
    correction
        ``"holm"``, ``"bh"`` or ``"none"`` (was ``adjust=``).

    References
    ----------
    Holm (1979); Benjamini and Hochberg (1995); Rocks (2016).
    """
    check_option("correction", correction, Correction)
    check_option("method", method, Method)
    check_alpha(alpha)
    lf = surveys.lazy()
    words = None
    if period:
        lf, words, _tz = in_period(lf, period, time_zone, what="NPS gaps")
    c = count_frame(lf, [by]).filter(pl.col(by).is_not_null())
    if c.height < 2:
        raise NotEnoughDataError(f"NPS gaps: {c.height} value(s) of {by!r}; at least 2 needed.")
    tot = c.select(pl.col("promoters", "passives", "detractors", "n").sum())
    rest = c.select(
        *((tot[k][0] - pl.col(k)).alias(k) for k in ("promoters", "passives", "detractors", "n"))
    )
    d = _diff(c, rest, method, alpha)
    nps = with_interval(c, alpha=alpha, method=method)["nps"]
    table = pl.DataFrame(
        {
            "term": c[by].cast(pl.Utf8),
            "n": c["n"],
            "nps": nps,
            **d,
            "p_adj": _adjust_p(d["p_value"], correction),
        }
    )
    return NpsGaps(table=table, by=by, correction=correction, alpha=alpha, period_obj=words)
