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
from typing import Literal

import numpy as np
import polars as pl
from scipy.special import ndtr, ndtri

from cxlab._errors import NotEnoughDataError
from cxlab._options import check_option
from cxlab._result import Result
from cxlab._stats import adjust_p
from cxlab.nps._counts import Method, count_frame, std_error, with_interval
from cxlab.nps._period import comparison_period, data_range, local_zone, parse_period

Adjust = Literal["holm", "bh", "none"]


def _pts(x: float) -> str:
    return f"{x:+.1f}"


def _diff(a: pl.DataFrame, b: pl.DataFrame, method: Method, level: float) -> dict[str, np.ndarray]:
    """NPS of ``a`` minus NPS of ``b`` (rows aligned), its standard error, interval and p-value."""
    z = ndtri(0.5 + level / 2)
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
        p = 2 * ndtr(-np.abs(est / se))
    return {
        "estimate": est,
        "std_error": se,
        "ci_low": est - z * se,
        "ci_high": est + z * se,
        "p_value": p,
    }


@dataclass(frozen=True)
class NpsScore(Result):
    """NPS with its multinomial interval, overall or per group."""

    table: pl.DataFrame
    by: tuple[str, ...] = ()
    level: float = 0.95
    method: str = "adjusted_wald"
    label: str = ""

    @property
    def title(self) -> str:
        return (
            "NPS"
            + (f" by {', '.join(self.by)}" if self.by else "")
            + (f", {self.label}" if self.label else "")
        )

    def summary(self) -> pl.DataFrame:
        return self.table

    def findings(self) -> list[str]:
        t = self.table.filter(pl.col("n") > 0)
        pct = round(100 * self.level)
        if t.height == 0:
            return ["No survey answers: NPS is not available (insufficient data)."]
        out = []
        if not self.by:
            r = t.row(0, named=True)
            out.append(
                f"NPS is {_pts(r['nps'])} ({pct}% interval {_pts(r['ci_low'])} to {_pts(r['ci_high'])}) "
                f"from {r['n']:,} answers: {100 * r['promoters'] / r['n']:.0f}% promoters, "
                f"{100 * r['detractors'] / r['n']:.0f}% detractors."
            )
            return out
        key = self.by[0]
        best = t.sort("nps", descending=True).row(0, named=True)
        worst = t.sort("nps").row(0, named=True)
        out.append(
            f"Highest NPS: {best[key]} at {_pts(best['nps'])} ({pct}% interval {_pts(best['ci_low'])} to "
            f"{_pts(best['ci_high'])}, {best['n']:,} answers); lowest: {worst[key]} at {_pts(worst['nps'])} "
            f"({_pts(worst['ci_low'])} to {_pts(worst['ci_high'])}, {worst['n']:,} answers)."
        )
        small = t.filter(pl.col("n") < 100)
        if small.height:
            out.append(
                f"{small.height} group(s) have fewer than 100 answers; their intervals are wide "
                "and their ranking is not reliable."
            )
        return out

    def plot(self):
        import plotly.graph_objects as go

        t = self.table.filter(pl.col("n") > 0)
        labels = (
            [html.escape(" / ".join(str(v) for v in row)) for row in t.select(self.by).iter_rows()]
            if self.by
            else ["all"]
        )
        fig = go.Figure(
            go.Scatter(
                x=t["nps"].to_list(),
                y=labels,
                mode="markers",
                marker=dict(size=10),
                error_x=dict(
                    type="data",
                    symmetric=False,
                    array=(t["ci_high"] - t["nps"]).to_list(),
                    arrayminus=(t["nps"] - t["ci_low"]).to_list(),
                ),
                customdata=t["n"].to_list(),
                hovertemplate="%{y}: NPS %{x:.1f} (n=%{customdata})<extra></extra>",
            )
        )
        fig.update_layout(
            title=f"{self.title} with {round(100 * self.level)}% intervals",
            xaxis_title="NPS (points)",
            height=max(260, 40 * len(labels) + 120),
        )
        return fig


def score(
    surveys: pl.LazyFrame | pl.DataFrame,
    *,
    by: str | list[str] | None = None,
    period: str | None = None,
    level: float = 0.95,
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
        Keep only responses of this period (see :func:`parse_period`); ``None`` for all.
    method
        ``"adjusted_wald"`` (Rocks 2016, the default) or ``"wald"``.

    Examples
    --------
    >>> import cxlab as cx
    >>> cx.nps.score(cx.load("surveys")).summary()  # doctest: +SKIP

    References
    ----------
    Rocks (2016), The American Statistician 70(4), 365-372.
    """
    check_option("method", method, Method)
    keys = (by,) if isinstance(by, str) else tuple(by or ())
    lf = surveys.lazy()
    label = ""
    if period:
        tz = local_zone(time_zone)
        p = parse_period(period, **data_range(lf, tz))
        lf = lf.filter(p.filter("responded_at", tz))
        label = p.label
    table = with_interval(count_frame(lf, keys), level=level, method=method)
    return NpsScore(table=table, by=keys, level=level, method=method, label=label)


@dataclass(frozen=True)
class NpsChange(Result):
    """The change of NPS between two periods (overall or per group), with tests."""

    table: pl.DataFrame
    period: str
    compare_to: str
    by: tuple[str, ...] = ()
    level: float = 0.95
    adjust: str = "holm"
    alpha: float = 0.05
    real: bool = field(default=False)

    @property
    def title(self) -> str:
        return f"NPS change, {self.period} vs {self.compare_to}"

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

    @property
    def verdict(self) -> str:
        """The change in words: real, within sampling noise, or not available."""
        if self.change is None:
            return f"no answers in {self.compare_to} to compare with"
        return "real" if self.real else "within sampling noise"

    def cards(self, *, target: float | None = None) -> list[dict]:
        """Headline cards for :func:`cxlab.viz.headline`: the NPS, the change, the answers."""
        r = self.table.row(0, named=True)
        pct = round(100 * self.level)
        p = r["p_adj"] if self.by else r["p_value"]
        now = {
            "label": f"NPS {self.period}",
            "value": _pts(r["nps_now"]),
            "detail": f"{pct}% interval {_pts(r['nps_now_low'])} to {_pts(r['nps_now_high'])}, "
            f"{r['n_now']:,} answers",
        }
        if target is not None:
            now["target"] = f"target {_pts(target)}"
            now["met"] = bool(r["nps_now"] >= target)
        if r["estimate"] is None:
            return [
                now,
                {
                    "label": f"Change vs {self.compare_to}",
                    "value": "–",
                    "detail": f"no answers in {self.compare_to} to compare with",
                },
            ]
        return [
            now,
            {
                "label": f"Change vs {self.compare_to}",
                "value": f"{_pts(r['estimate'])} points",
                "detail": f"{pct}% interval {_pts(r['ci_low'])} to {_pts(r['ci_high'])}",
            },
            {
                "label": "Is the change real?",
                "value": "yes" if p < self.alpha else "not shown",
                "detail": ("p < 0.001" if p < 0.001 else f"p = {p:.3f}")
                + ("" if p < self.alpha else ": within sampling noise"),
            },
        ]

    def summary(self) -> pl.DataFrame:
        return self.table

    def findings(self) -> list[str]:
        pct = round(100 * self.level)
        out = []
        for r in self.table.iter_rows(named=True):
            who = f"{r['term']}: " if self.by else ""
            if r["n_now"] == 0:
                out.append(f"{who}no answers in {self.period}; NPS cannot be given.")
                continue
            if r["n_before"] == 0:
                out.append(
                    f"{who}NPS in {self.period} was {_pts(r['nps_now'])} ({pct}% interval "
                    f"{_pts(r['nps_now_low'])} to {_pts(r['nps_now_high'])}, {r['n_now']:,} answers); "
                    f"there are no answers in {self.compare_to} to compare with, so whether it moved cannot be said."
                )
                continue
            p = r["p_adj"] if self.by else r["p_value"]
            ptxt = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
            verdict = (
                "larger than sampling noise: the change is real"
                if p < self.alpha
                else "within sampling noise: not evidence of a real change"
            )
            out.append(
                f"{who}NPS went from {_pts(r['nps_before'])} ({self.compare_to}, {r['n_before']:,} answers) to "
                f"{_pts(r['nps_now'])} ({self.period}, {r['n_now']:,} answers), a change of "
                f"{_pts(r['estimate'])} points ({pct}% interval {_pts(r['ci_low'])} to {_pts(r['ci_high'])}); "
                f"that is {verdict} ({ptxt}"
                + (
                    f", {self.adjust}-adjusted over {self.table.height} groups)."
                    if self.by
                    else ")."
                )
            )
        return out

    def plot(self):
        import plotly.graph_objects as go

        t = self.table
        labels = [html.escape(x) for x in t["term"].cast(pl.Utf8).to_list()]
        fig = go.Figure()
        for col, name in (("nps_before", self.compare_to), ("nps_now", self.period)):
            fig.add_bar(x=labels, y=t[col].to_list(), name=name)
        fig.update_layout(
            barmode="group",
            title=f"NPS {self.compare_to} vs {self.period}",
            yaxis_title="NPS (points)",
        )
        return fig


def compare(
    surveys: pl.LazyFrame | pl.DataFrame,
    *,
    period: str = "latest_quarter",
    compare_to: str = "previous",
    by: str | None = None,
    level: float = 0.95,
    method: Method = "adjusted_wald",
    adjust: Adjust = "holm",
    alpha: float = 0.05,
    time_zone: str | None = None,
) -> NpsChange:
    """Did NPS really move? The change between two periods, with an interval and a z test.

    Parameters
    ----------
    period, compare_to
        See :func:`cxlab.nps._period.parse_period`; ``compare_to`` may be ``"previous"`` or
        ``"year_ago"``.
    by
        Also break the change down by this column; p-values are then adjusted across groups.
    adjust
        ``"holm"`` (family-wise), ``"bh"`` (false discovery rate) or ``"none"``.

    References
    ----------
    Rocks (2016); Holm (1979); Benjamini and Hochberg (1995).
    """
    check_option("adjust", adjust, Adjust)
    tz = local_zone(time_zone)
    lf = surveys.lazy()
    rng = data_range(lf, tz)
    now = parse_period(period, **rng)
    before = comparison_period(now, compare_to, **rng)
    keys = [by] if by else []
    a = count_frame(lf.filter(now.filter("responded_at", tz)), keys)
    b = count_frame(lf.filter(before.filter("responded_at", tz)), keys)
    if keys:
        groups = pl.concat([a.select(keys), b.select(keys)]).unique().sort(keys)
        a = groups.join(a, on=keys, how="left").fill_null(0)
        b = groups.join(b, on=keys, how="left").fill_null(0)
        term = groups[by].cast(pl.Utf8)
    else:
        term = pl.Series(["all"])
    if int(a["n"].sum()) == 0:
        raise NotEnoughDataError(f"NPS change: no answers in {now.label}.")
    # no answers before (a survey introduced mid-year): NPS now is still reported, the change is not
    d = _diff(a, b, method, level)
    now_ci = with_interval(a, level=level, method=method)
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
            "p_adj": adjust_p(d["p_value"], adjust),
        }
    ).with_columns(pl.col(pl.Float64).fill_nan(None))
    overall_p = table["p_adj"][0] if not by else None
    overall_p = None if overall_p is None or overall_p != overall_p else overall_p
    return NpsChange(
        table=table,
        period=now.label,
        compare_to=before.label,
        by=tuple(keys),
        level=level,
        adjust=adjust,
        alpha=alpha,
        real=bool(overall_p is not None and overall_p < alpha),
    )


@dataclass(frozen=True)
class NpsGaps(Result):
    """Each segment against the rest of the respondents, with multiplicity-adjusted p-values."""

    table: pl.DataFrame
    by: str
    level: float = 0.95
    adjust: str = "holm"
    alpha: float = 0.05

    @property
    def title(self) -> str:
        return f"NPS gaps by {self.by} (each against the rest)"

    def summary(self) -> pl.DataFrame:
        return self.table

    def findings(self) -> list[str]:
        sig = self.table.filter(pl.col("p_adj") < self.alpha).sort("estimate")
        m = self.table.height
        how = {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": "no"}[self.adjust]
        if sig.height == 0:
            return [
                f"No {self.by} differs from the rest by more than sampling noise "
                f"({m} compared, {how} adjustment)."
            ]
        parts = [
            f"{r['term']} {_pts(r['estimate'])} ({_pts(r['ci_low'])} to {_pts(r['ci_high'])})"
            for r in sig.iter_rows(named=True)
        ]
        return [
            f"{sig.height} of {m} {self.by} values differ from the rest ({how} adjustment): "
            + "; ".join(parts)
            + " points."
        ]

    def plot(self):
        import plotly.graph_objects as go

        t = self.table.sort("estimate")
        sig = (t["p_adj"] < self.alpha).to_list()
        fig = go.Figure(
            go.Bar(
                x=t["estimate"].to_list(),
                y=[html.escape(x) for x in t["term"].to_list()],
                orientation="h",
                marker_color=["#1f5a96" if s else "#c8ced8" for s in sig],
                error_x=dict(
                    type="data",
                    array=(t["ci_high"] - t["estimate"]).to_list(),
                    arrayminus=(t["estimate"] - t["ci_low"]).to_list(),
                ),
            )
        )
        fig.update_layout(
            title=f"NPS gap to the rest by {self.by} (dark: beyond noise after adjustment)",
            xaxis_title="NPS gap (points)",
            height=max(260, 30 * t.height + 120),
        )
        return fig


def gaps(
    surveys: pl.LazyFrame | pl.DataFrame,
    *,
    by: str,
    period: str | None = None,
    level: float = 0.95,
    method: Method = "adjusted_wald",
    adjust: Adjust = "holm",
    alpha: float = 0.05,
    time_zone: str | None = None,
) -> NpsGaps:
    """Which segments differ? Each value of ``by`` against all other respondents, with Holm or
    Benjamini-Hochberg adjustment over the values compared.

    References
    ----------
    Holm (1979); Benjamini and Hochberg (1995); Rocks (2016).
    """
    check_option("adjust", adjust, Adjust)
    lf = surveys.lazy()
    if period:
        tz = local_zone(time_zone)
        p = parse_period(period, **data_range(lf, tz))
        lf = lf.filter(p.filter("responded_at", tz))
    c = count_frame(lf, [by]).filter(pl.col(by).is_not_null())
    if c.height < 2:
        raise NotEnoughDataError(f"NPS gaps: {c.height} value(s) of {by!r}; at least 2 needed.")
    tot = c.select(pl.col("promoters", "passives", "detractors", "n").sum())
    rest = c.select(
        *((tot[k][0] - pl.col(k)).alias(k) for k in ("promoters", "passives", "detractors", "n"))
    )
    d = _diff(c, rest, method, level)
    nps = with_interval(c, level=level, method=method)["nps"]
    table = pl.DataFrame(
        {
            "term": c[by].cast(pl.Utf8),
            "n": c["n"],
            "nps": nps,
            **d,
            "p_adj": adjust_p(d["p_value"], adjust),
        }
    )
    return NpsGaps(table=table, by=by, level=level, adjust=adjust, alpha=alpha)
