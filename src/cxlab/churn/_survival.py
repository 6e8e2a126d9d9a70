"""Retention curves: Kaplan–Meier by group with log-rank tests, and the cumulative incidence of
churn with downgrade as a competing event (Aalen–Johansen)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError
from cxlab._options import check_alpha
from cxlab._present import (
    N_,
    Headline,
    _,
    fmt_change,
    fmt_intervals,
    fmt_list,
    fmt_p,
    fmt_value,
    gettext,
    label,
)
from cxlab._result import Result
from cxlab.churn._plots import (
    DAYS_PER_MONTH,
    figure,
    group_colours,
    km_figure,
    still_observed,
)
from cxlab.churn._words import (
    GROUP_DIMENSIONS,
    ReaderTable,
    group_name,
    inline,
    months_text,
    share_text,
)

AT_DAYS = (91, 182, 365)


def _z(q: float) -> float:
    """The standard normal quantile (scipy imported on use, so importing cxlab.churn stays light)."""
    from scipy.stats import norm

    return float(norm.ppf(q))


def _step(times: np.ndarray, values: np.ndarray, at: float, start: float) -> float:
    """A right-continuous step function (jumps at ``times``) evaluated at ``at``."""
    i = np.searchsorted(times, at, side="right") - 1
    return float(values[i]) if i >= 0 else start


def _groups(
    frame: pl.DataFrame, by: str | None, labels: Mapping[str, str] | None = None
) -> list[tuple[str, pl.DataFrame]]:
    if by is None:
        return [("all", frame)]
    labels = {str(k): v for k, v in (labels or {}).items()}
    groups = sorted(frame.group_by(by), key=lambda kv: str(kv[0][0]))
    return [(labels.get(str(k[0]), str(k[0])), g) for k, g in groups]


def km_estimate(duration: np.ndarray, event: np.ndarray, alpha: float = 0.05) -> dict:
    """Kaplan–Meier survival at each distinct event time, with Greenwood's variance and a
    log(-log) interval (which stays inside [0, 1])."""
    order = np.argsort(duration, kind="stable")
    t, d = duration[order], event[order].astype(float)
    times, idx = np.unique(t, return_index=True)
    deaths = np.add.reduceat(d, idx)
    at_risk = len(t) - idx
    keep = deaths > 0
    times, deaths, at_risk = times[keep], deaths[keep], at_risk[keep]
    surv = np.cumprod(1 - deaths / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        gw = np.cumsum(deaths / (at_risk * (at_risk - deaths)))
        z = _z(1 - alpha / 2)
        log_s = np.log(surv)
        se = np.sqrt(gw) / np.abs(log_s)
        lo = surv ** np.exp(z * se)
        hi = surv ** np.exp(-z * se)
    lo = np.where(np.isfinite(lo), lo, 0.0)
    hi = np.where(np.isfinite(hi), hi, 1.0)
    return {"t": times, "s": surv, "lo": lo, "hi": hi, "n": at_risk, "d": deaths}


def retention_card(
    days: float,
    kept: float | None,
    low: float | None,
    high: float | None,
    *,
    start: dt.date | None,
    max_follow_up: float | None,
    target: float | None,
) -> Headline:
    """The headline card of retention at ``days`` (12 months when the follow-up reaches it), with
    its likely range, its period and, when follow-up is too short, why there is no value."""
    months = round(days / DAYS_PER_MONTH)
    name = (
        N_("Customers kept over 12 months")
        if months == 12
        else _("Customers kept over {months}").format(months=months_text(days))
    )
    period = None
    if start is not None and max_follow_up is not None:
        end = start + dt.timedelta(days=round(max_follow_up))
        period = (start.isoformat(), end.isoformat())
    detail = None
    if kept is None:
        detail = _("Follow-up ends after {days} days: not estimable yet.").format(
            days=fmt_value(max_follow_up, "count")
        )
    return Headline(
        key=f"retention_{months}m",
        label=name,
        value=kept,
        unit="share",
        target=target,
        direction=">=" if target is not None else None,
        low=low,
        high=high,
        period=period,
        higher_is_better=True,
        detail=detail,
    )


@dataclass(frozen=True)
class KaplanMeierResult(ReaderTable, Result):
    """Retention (share not churned) over time by group, with the log-rank test between groups."""

    retention: pl.DataFrame
    curves: dict = field(repr=False)
    by: str | None
    logrank_statistic: float | None
    logrank_df: int | None
    logrank_p_value: float | None
    max_follow_up: float
    target: float | None = None
    alpha: float = 0.05
    start: dt.date | None = None

    @property
    def title(self) -> str:
        if self.by is None:
            return _("Customers kept over time")
        return _("Customers kept over time, by {dimension}").format(dimension=self._dimension())

    def _dimension(self) -> str:
        return gettext(GROUP_DIMENSIONS.get(self.by or "", "")) or inline(label(self.by))

    def group_name(self, group: str) -> str:
        """The reader's name of a group (``"1"`` of an experience term reads "Had an unresolved
        complaint ...", a segment its label)."""
        return group_name(self.by, group)

    def at(self, days: float, group: str | None = None) -> float | None:
        """Retention at ``days`` (of ``group``, or the only group); None beyond follow-up."""
        t = self.retention.filter(pl.col("days") == float(days))
        if group is not None:
            t = t.filter(pl.col("group") == group)
        return t["retention"][0] if t.height else None

    def _row(self, days: float) -> dict | None:
        t = self.retention.filter(pl.col("days") == float(days))
        return t.row(0, named=True) if t.height else None

    def summary(self) -> pl.DataFrame:
        """group, days, months, retention, ci_low, ci_high, at_risk (null beyond follow-up)."""
        return self.retention

    def headline(self) -> list[Headline]:
        """Retention after a year (or the longest reported time) against the target, for the
        whole population (a curve by group has no single headline)."""
        if self.by is not None or self.retention.height == 0:
            return []
        days = 365.0 if 365.0 in self.retention["days"].to_list() else self.retention["days"].max()
        row = self._row(days) or {}
        return [
            retention_card(
                days,
                row.get("retention"),
                row.get("ci_low"),
                row.get("ci_high"),
                start=self.start,
                max_follow_up=self.max_follow_up,
                target=self.target,
            )
        ]

    def findings(self) -> list[str]:
        """Plain sentences: retention at the longest reported time with its likely range, the
        target, what follow-up cannot yet say, and whether the groups differ beyond chance."""
        out = []
        last = self.retention.filter(pl.col("retention").is_not_null())
        if last.height:
            days = last["days"].max()
            rows = list(last.filter(pl.col("days") == days).iter_rows(named=True))
            if self.by is None and len(rows) == 1:
                r = rows[0]
                out.append(
                    _(
                        "{value} of customers were still with us after {months} (likely between "
                        "{low} and {high})."
                    ).format(
                        value=share_text(r["retention"]),
                        months=months_text(days),
                        low=share_text(r["ci_low"]),
                        high=share_text(r["ci_high"]),
                    )
                )
            else:
                parts = [
                    _("{group}: {value} (likely between {low} and {high})").format(
                        group=self.group_name(r["group"]),
                        value=share_text(r["retention"]),
                        low=share_text(r["ci_low"]),
                        high=share_text(r["ci_high"]),
                    )
                    for r in rows
                ]
                out.append(
                    _("Customers kept after {months}: {groups}.").format(
                        months=months_text(days), groups=_("; ").join(parts)
                    )
                )
            if self.target is not None and days >= 360:
                below = [self.group_name(r["group"]) for r in rows if r["ci_high"] < self.target]
                above = [self.group_name(r["group"]) for r in rows if r["ci_low"] >= self.target]
                if below and self.by is None:
                    out.append(
                        _(
                            "That is below the target of {target}, beyond what chance explains."
                        ).format(target=share_text(self.target))
                    )
                elif below:
                    out.append(
                        _(
                            "Below the target of {target}, beyond what chance explains: {groups}."
                        ).format(target=share_text(self.target), groups=fmt_list(below))
                    )
                elif above and self.by is None:
                    out.append(
                        _("That meets the target of {target}.").format(
                            target=share_text(self.target)
                        )
                    )
        missing = self.retention.filter(pl.col("retention").is_null())["days"].unique().to_list()
        if missing:
            out.append(
                _("Not estimable at {times}: follow-up ends after {days} days.").format(
                    times=fmt_list([months_text(d) for d in sorted(missing)]),
                    days=fmt_value(self.max_follow_up, "count"),
                )
            )
        if not last.height:
            # nothing is reported, so no claim about the groups can rest on it
            out.append(
                _(
                    "So no retention figure and no comparison between the groups can be given "
                    "yet; the curves show only the first {days} days."
                ).format(days=fmt_value(self.max_follow_up, "count"))
            )
            return out
        if self.logrank_p_value is not None:
            if self.logrank_p_value < self.alpha:
                out.append(_("The gap between the groups is larger than chance would produce."))
            else:
                out.append(_("The groups do not differ by more than chance would produce."))
        return out

    def details(self) -> list[str]:
        """The method and the test, for the appendix."""
        pct = round(100 * (1 - self.alpha))
        out = [
            _(
                "Kaplan–Meier estimate; {pct}% intervals from Greenwood's variance on the "
                "log(−log) scale; downgrades censored."
            ).format(pct=pct)
        ]
        if self.logrank_p_value is not None:
            out.append(
                _("Log-rank test: chi-square {statistic} on {df} df, {p}.").format(
                    statistic=fmt_value(self.logrank_statistic, "ratio", decimals=1),
                    df=self.logrank_df,
                    p=fmt_p(self.logrank_p_value),
                )
            )
        return out

    def reader_table(self) -> tuple[pl.DataFrame, dict[str, str]]:
        t = self.retention.filter(pl.col("retention").is_not_null())  # the findings say why
        frame = pl.DataFrame(
            {
                "group": [self.group_name(g) for g in t["group"]],
                "months": t["months"],
                "retention": t["retention"],
                "likely_range": fmt_intervals(t["ci_low"], t["ci_high"], "share", change=False),
                "at_risk": t["at_risk"],
            }
        )
        if self.by is None:
            frame = frame.drop("group")
        return frame, {"retention": "share", "at_risk": "count", "months": "count"}

    def plot(self):
        """Retention curves with their confidence bands, the target, and the number of
        customers still followed at a few times under the x axis."""
        return km_figure(
            self.curves,
            names={g: self.group_name(g) for g in self.curves},
            colours=group_colours(self.by, list(self.curves)),
            title=self.title,
            target=self.target,
            y_title=_("Customers kept"),
        )


def kaplan_meier(
    frame: pl.DataFrame,
    *,
    duration: str = "duration",
    event: str = "churned",
    by: str | None = None,
    at_days: Sequence[float] = AT_DAYS,
    target: float | None = None,
    labels: Mapping[str, str] | None = None,
    alpha: float = 0.05,
) -> KaplanMeierResult:
    """Kaplan–Meier retention curves, retention at ``at_days`` with intervals, log-rank test.

    Parameters
    ----------
    frame
        One row per customer with a follow-up ``duration`` (days) and a 0/1 ``event`` (see
        :func:`cxlab.churn.survival_frame` and :func:`cxlab.churn.landmark_frame`).
    by
        A grouping column (segment, or an experience group such as ``unresolved_complaint_90d``).
    at_days
        Times to report retention at (default about 3, 6 and 12 months). Beyond the longest
        follow-up of a group the value is null and said in words, never extrapolated.
    target
        A retention target (for example 0.85) for the findings and the chart.
    labels
        Names for the groups (``{"1": "unresolved complaint", "0": "none"}``).

    References
    ----------
    Kaplan & Meier (1958), JASA 53; Greenwood (1926) variance with the log(-log) interval of
    Kalbfleisch & Prentice (2002); Mantel (1966) and Peto & Peto (1972) log-rank test.
    """
    check_alpha(alpha)
    if frame.height == 0 or frame[event].sum() == 0:
        raise NotEnoughDataError("no churn events in the frame: retention curves say nothing.")
    curves, rows = {}, []
    for name, g in _groups(frame, by, labels):
        dur = g[duration].to_numpy().astype(float)
        ev = g[event].to_numpy().astype(float)
        c = km_estimate(dur, ev, alpha)
        c["durations"] = np.sort(dur)
        curves[name] = c
        follow = float(dur.max())
        for day in at_days:
            ok = day <= follow
            rows.append(
                {
                    "group": name,
                    "days": float(day),
                    "months": round(day / DAYS_PER_MONTH),
                    "retention": _step(c["t"], c["s"], day, 1.0) if ok else None,
                    "ci_low": _step(c["t"], c["lo"], day, 1.0) if ok else None,
                    "ci_high": _step(c["t"], c["hi"], day, 1.0) if ok else None,
                    "at_risk": still_observed(dur, day),
                }
            )
    stat = df = p = None
    if by is not None and len(curves) > 1:
        from lifelines.statistics import multivariate_logrank_test

        test = multivariate_logrank_test(
            frame[duration].to_numpy(), frame[by].cast(pl.Utf8).to_numpy(), frame[event].to_numpy()
        )
        stat, df, p = float(test.test_statistic), len(curves) - 1, float(test.p_value)
    return KaplanMeierResult(
        retention=pl.DataFrame(rows),
        curves=curves,
        by=by,
        logrank_statistic=stat,
        logrank_df=df,
        logrank_p_value=p,
        max_follow_up=float(frame[duration].max()),
        target=target,
        alpha=alpha,
        start=_follow_up_start(frame),
    )


def _follow_up_start(frame: pl.DataFrame) -> dt.date | None:
    """The first day of follow-up (a survival frame's origin, a landmark frame's date)."""
    for name in ("origin", "as_of"):
        if name in frame.columns and frame[name].dtype in (pl.Date, pl.Datetime):
            first = frame[name].min()
            return first.date() if isinstance(first, dt.datetime) else first
    return None


def aalen_johansen(duration: np.ndarray, cause: np.ndarray, alpha: float = 0.05) -> dict[str, Any]:
    """Cumulative incidence of cause 1 with cause 2 competing (0 = censored) at each event time,
    with the delta-method variance and a log(-log) interval."""
    order = np.argsort(duration, kind="stable")
    t, c = duration[order], cause[order]
    times, idx = np.unique(t, return_index=True)
    d1 = np.add.reduceat((c == 1).astype(float), idx)
    dall = np.add.reduceat((c > 0).astype(float), idx)
    n = (len(t) - idx).astype(float)
    keep = dall > 0
    times, d1, dall, n = times[keep], d1[keep], dall[keep], n[keep]
    surv = np.cumprod(1 - dall / n)
    s_prev = np.concatenate([[1.0], surv[:-1]])
    cif = np.cumsum(s_prev * d1 / n)
    var = np.empty_like(cif)
    with np.errstate(divide="ignore", invalid="ignore"):
        gw = np.where(n > dall, dall / (n * (n - dall)), 0.0)
        for j in range(len(times)):
            f = cif[j] - cif[: j + 1]
            var[j] = np.sum(
                f**2 * gw[: j + 1]
                + s_prev[: j + 1] ** 2 * d1[: j + 1] * (n[: j + 1] - d1[: j + 1]) / n[: j + 1] ** 3
                - 2 * f * s_prev[: j + 1] * d1[: j + 1] / n[: j + 1] ** 2
            )
        z = _z(1 - alpha / 2)
        se = np.sqrt(np.maximum(var, 0)) / np.abs(cif * np.log(cif))
        lo = cif ** np.exp(z * se)
        hi = cif ** np.exp(-z * se)
    lo = np.where(np.isfinite(lo) & (cif > 0), lo, 0.0)
    hi = np.where(np.isfinite(hi) & (cif > 0), hi, 0.0)
    return {"t": times, "cif": cif, "lo": lo, "hi": hi, "var": var}


@dataclass(frozen=True)
class CompetingRisksResult(ReaderTable, Result):
    """Cumulative incidence of churn with downgrade competing, beside the naive 1 - KM."""

    REPORT_CARDS = False  # its card (customers kept) is a tile of the report's answer

    table: pl.DataFrame
    curves: dict = field(repr=False)
    cause: str
    competing: str
    alpha: float = 0.05
    target: float | None = None
    max_follow_up: float | None = None
    start: dt.date | None = None

    @property
    def title(self) -> str:
        return _("Share of customers who churned, with downgrades as a competing exit")

    def kept(self, days: float) -> dict | None:
        """The share of customers who had not churned after ``days`` (a downgraded customer is
        still a customer): one minus the cumulative incidence of churn, with its interval
        (``low`` = 1 - the incidence's upper bound). None beyond follow-up or with groups."""
        t = self.table.filter(
            (pl.col("days") == float(days)) & pl.col("cumulative_incidence").is_not_null()
        )
        if t.height != 1:
            return None
        r = t.row(0, named=True)
        return {
            "kept": 1 - r["cumulative_incidence"],
            "low": 1 - r["ci_high"],
            "high": 1 - r["ci_low"],
        }

    def headline(self) -> list[Headline]:
        """Customers kept after a year (or the longest reported time) against the target: one
        minus the cumulative incidence of churn. This is the report's retention figure; 1 -
        Kaplan-Meier, which censors downgrades, would overstate churn."""
        groups = self.table["group"].unique().to_list()
        if groups != ["all"] or self.table.height == 0:
            return []
        days = 365.0 if 365.0 in self.table["days"].to_list() else self.table["days"].max()
        row = self.kept(days) or {}
        return [
            retention_card(
                days,
                row.get("kept"),
                row.get("low"),
                row.get("high"),
                start=self.start,
                max_follow_up=self.max_follow_up,
                target=self.target,
            )
        ]

    def summary(self) -> pl.DataFrame:
        """group, days, cumulative_incidence, ci_low, ci_high, competing_incidence, naive_1_minus_km."""
        return self.table

    def findings(self) -> list[str]:
        t = self.table.filter(pl.col("cumulative_incidence").is_not_null())
        if t.height == 0:
            return [_("Follow-up is too short for any of the requested times.")]
        days = t["days"].max()
        out = []
        for r in t.filter(pl.col("days") == days).iter_rows(named=True):
            # the gap between the two figures as shown (to 0.1%), so the page adds up
            gap = round(r["naive_1_minus_km"], 3) - round(r["cumulative_incidence"], 3)
            out.append(
                _(
                    "{group}: {churned} of customers churned within {months} (likely between "
                    "{low} and {high}) and {downgraded} downgraded first. Treating downgrades as "
                    "censored (1 − Kaplan–Meier) would say {naive}, overstating churn by {gap}, "
                    "because a customer who downgraded can no longer churn."
                ).format(
                    group=group_name(None, r["group"]),
                    churned=share_text(r["cumulative_incidence"]),
                    months=months_text(days),
                    low=share_text(r["ci_low"]),
                    high=share_text(r["ci_high"]),
                    downgraded=share_text(r["competing_incidence"]),
                    naive=share_text(r["naive_1_minus_km"]),
                    gap=fmt_change(round(gap, 3), "share").lstrip("+"),
                )
            )
        return out

    def reader_table(self) -> tuple[pl.DataFrame, dict[str, str]]:
        t = self.table
        frame = pl.DataFrame(
            {
                "months": t["days"].map_elements(
                    lambda d: round(d / DAYS_PER_MONTH), return_dtype=pl.Int64
                ),
                "cumulative_incidence": t["cumulative_incidence"],
                "likely_range": fmt_intervals(t["ci_low"], t["ci_high"], "share", change=False),
                "competing_incidence": t["competing_incidence"],
                "naive_1_minus_km": t["naive_1_minus_km"],
            }
        )
        units = {
            "cumulative_incidence": "share",
            "competing_incidence": "share",
            "naive_1_minus_km": "share",
        }
        return frame, units

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.viz import COLORS

        fig = figure()
        for c in self.curves.values():
            x = np.round(np.asarray(c["t"]) / DAYS_PER_MONTH, 3)  # rounded for the page
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=np.round(c["cif"], 5),
                    mode="lines",
                    line={"shape": "hv", "color": COLORS["primary"], "width": 2},
                    name=_("Churned (downgrade counted as a competing exit)"),
                )
            )
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=np.round(c["naive"], 5),
                    mode="lines",
                    line={"shape": "hv", "color": COLORS["muted"], "dash": "dot"},
                    name=_("Churned if downgrades are ignored (1 − Kaplan–Meier)"),
                )
            )
        fig.update_layout(
            title=self.title,
            xaxis_title=_("Months since observation began"),
            yaxis={"title": _("Share of customers churned"), "tickformat": ".0%"},
            margin={"t": 110},
        )
        return fig


def cumulative_incidence(
    frame: pl.DataFrame,
    *,
    duration: str = "duration",
    event_type: str = "event_type",
    cause: str = "churn",
    competing: str = "downgrade",
    by: str | None = None,
    at_days: Sequence[float] = AT_DAYS,
    labels: Mapping[str, str] | None = None,
    alpha: float = 0.05,
    target: float | None = None,
) -> CompetingRisksResult:
    """Cumulative incidence of ``cause`` with ``competing`` as a competing event (Aalen–Johansen).

    ``event_type`` holds ``cause``, ``competing`` or anything else for censored rows. The naive
    1 - Kaplan–Meier (censoring the competing event) is reported beside it: it answers "how many
    would churn if nobody could downgrade", which is not the share who actually churn.
    ``target`` is a retention target for :meth:`CompetingRisksResult.headline` (customers kept
    = 1 - the cumulative incidence of churn).

    References
    ----------
    Aalen & Johansen (1978), Scand. J. Statistics 5; Putter, Fiocco & Geskus (2007), Tutorial in
    biostatistics: competing risks and multi-state models, Stat. Med. 26; variance by the delta
    method (Marubini & Valsecchi 1995, ch. 10).
    """
    check_alpha(alpha)
    curves, rows = {}, []
    for name, g in _groups(frame, by, labels):
        kind = g[event_type].to_numpy()
        code = np.where(kind == cause, 1, np.where(kind == competing, 2, 0))
        dur = g[duration].to_numpy().astype(float)
        if not (code == 1).any():
            raise NotEnoughDataError(f"no {cause} events in group {name!r}.")
        main = aalen_johansen(dur, code, alpha)
        other = aalen_johansen(dur, np.where(code == 2, 1, np.where(code == 1, 2, 0)), alpha)
        naive = km_estimate(dur, (code == 1).astype(float), alpha)
        main["naive"] = np.array([1 - _step(naive["t"], naive["s"], x, 1.0) for x in main["t"]])
        curves[name] = main
        follow = float(dur.max())
        for day in at_days:
            ok = day <= follow
            rows.append(
                {
                    "group": name,
                    "days": float(day),
                    "cumulative_incidence": _step(main["t"], main["cif"], day, 0.0) if ok else None,
                    "ci_low": _step(main["t"], main["lo"], day, 0.0) if ok else None,
                    "ci_high": _step(main["t"], main["hi"], day, 0.0) if ok else None,
                    "competing_incidence": _step(other["t"], other["cif"], day, 0.0)
                    if ok
                    else None,
                    "naive_1_minus_km": 1 - _step(naive["t"], naive["s"], day, 1.0) if ok else None,
                }
            )
    return CompetingRisksResult(
        table=pl.DataFrame(rows),
        curves=curves,
        cause=cause,
        competing=competing,
        alpha=alpha,
        target=target,
        max_follow_up=float(frame[duration].max()),
        start=_follow_up_start(frame),
    )
