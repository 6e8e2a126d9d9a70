"""Retention curves: Kaplan–Meier by group with log-rank tests, and the cumulative incidence of
churn with downgrade as a competing event (Aalen–Johansen)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError
from cxlab._result import Result
from cxlab.churn._plots import figure

AT_DAYS = (91, 182, 365)


def _z(q: float) -> float:
    """The standard normal quantile (scipy imported on use, so importing cxlab.churn stays light)."""
    from scipy.stats import norm

    return float(norm.ppf(q))


def _months(days: float) -> str:
    m = round(days / 30.4)
    return f"{m} month{'s' if m != 1 else ''}"


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


@dataclass(frozen=True)
class KaplanMeierResult(Result):
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

    @property
    def title(self) -> str:
        return "Retention (Kaplan–Meier)" + (f" by {self.by}" if self.by else "")

    def at(self, days: float, group: str | None = None) -> float | None:
        """Retention at ``days`` (of ``group``, or the only group); None beyond follow-up."""
        t = self.retention.filter(pl.col("days") == float(days))
        if group is not None:
            t = t.filter(pl.col("group") == group)
        return t["retention"][0] if t.height else None

    def summary(self) -> pl.DataFrame:
        """group, days, months, retention, ci_low, ci_high, at_risk (null beyond follow-up)."""
        return self.retention

    def findings(self) -> list[str]:
        pct = round(100 * (1 - self.alpha))
        out = []
        last = self.retention.filter(pl.col("retention").is_not_null())
        if last.height:
            days = last["days"].max()
            parts = [
                f"{r['group']} {r['retention']:.1%} ({pct}% CI {r['ci_low']:.1%}–{r['ci_high']:.1%})"
                for r in last.filter(pl.col("days") == days).iter_rows(named=True)
            ]
            out.append(f"Retention after {_months(days)}: " + "; ".join(parts) + ".")
            if self.target is not None:
                below = [
                    r["group"]
                    for r in last.filter(pl.col("days") == days).iter_rows(named=True)
                    if r["ci_high"] < self.target
                ]
                if below and days >= 360:
                    out.append(
                        f"Below the {self.target:.0%} yearly retention target beyond doubt: "
                        f"{', '.join(below)}."
                    )
        missing = self.retention.filter(pl.col("retention").is_null())["days"].unique().to_list()
        if missing:
            out.append(
                f"Not estimable at {', '.join(_months(d) for d in sorted(missing))}: follow-up "
                f"ends after {self.max_follow_up:.0f} days."
            )
        if self.logrank_p_value is not None:
            p = self.logrank_p_value
            verdict = "differ" if p < self.alpha else "do not differ detectably"
            out.append(
                f"The curves {verdict} (log-rank chi-square {self.logrank_statistic:.1f} on "
                f"{self.logrank_df} df, p {'< 0.001' if p < 0.001 else f'= {p:.3f}'})."
            )
        return out

    def plot(self):
        import plotly.graph_objects as go

        fig = figure()
        for name, c in self.curves.items():
            t = np.concatenate([[0.0], c["t"]])
            fig.add_trace(
                go.Scatter(
                    x=t,
                    y=np.concatenate([[1.0], c["s"]]),
                    mode="lines",
                    line_shape="hv",
                    name=name,
                )
            )
        if self.target is not None:
            fig.add_hline(y=self.target, line_dash="dot", annotation_text="target")
        fig.update_layout(
            title=self.title,
            xaxis_title="days",
            yaxis={"title": "retained (not churned)", "tickformat": ".0%"},
        )
        return fig


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
    if frame.height == 0 or frame[event].sum() == 0:
        raise NotEnoughDataError("no churn events in the frame: retention curves say nothing.")
    curves, rows = {}, []
    for name, g in _groups(frame, by, labels):
        dur = g[duration].to_numpy().astype(float)
        ev = g[event].to_numpy().astype(float)
        c = km_estimate(dur, ev, alpha)
        curves[name] = c
        follow = float(dur.max())
        for day in at_days:
            ok = day <= follow
            rows.append(
                {
                    "group": name,
                    "days": float(day),
                    "months": round(day / 30.4),
                    "retention": _step(c["t"], c["s"], day, 1.0) if ok else None,
                    "ci_low": _step(c["t"], c["lo"], day, 1.0) if ok else None,
                    "ci_high": _step(c["t"], c["hi"], day, 1.0) if ok else None,
                    "at_risk": int((dur >= day).sum()),
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
    )


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
class CompetingRisksResult(Result):
    """Cumulative incidence of churn with downgrade competing, beside the naive 1 - KM."""

    table: pl.DataFrame
    curves: dict = field(repr=False)
    cause: str
    competing: str
    alpha: float = 0.05

    @property
    def title(self) -> str:
        return f"Cumulative incidence of {self.cause} ({self.competing} competing)"

    def summary(self) -> pl.DataFrame:
        """group, days, cumulative_incidence, ci_low, ci_high, competing_incidence, naive_1_minus_km."""
        return self.table

    def findings(self) -> list[str]:
        t = self.table.filter(pl.col("cumulative_incidence").is_not_null())
        if t.height == 0:
            return ["Follow-up is too short for any of the requested times."]
        days = t["days"].max()
        out = []
        for r in t.filter(pl.col("days") == days).iter_rows(named=True):
            gap = r["naive_1_minus_km"] - r["cumulative_incidence"]
            out.append(
                f"{r['group']}: {r['cumulative_incidence']:.1%} of customers churned within "
                f"{_months(days)} ({round(100 * (1 - self.alpha))}% CI {r['ci_low']:.1%}–"
                f"{r['ci_high']:.1%}) and {r['competing_incidence']:.1%} downgraded first. "
                f"Treating downgrades as censored (1 - Kaplan–Meier) would say "
                f"{r['naive_1_minus_km']:.1%}, overstating churn by {gap * 100:.1f} points, "
                "because a customer who downgraded can no longer churn."
            )
        return out

    def plot(self):
        import plotly.graph_objects as go

        fig = figure()
        for name, c in self.curves.items():
            fig.add_trace(
                go.Scatter(
                    x=c["t"],
                    y=c["cif"],
                    mode="lines",
                    line_shape="hv",
                    name=f"{name}: {self.cause}",
                )
            )
            fig.add_trace(
                go.Scatter(
                    x=c["t"],
                    y=c["naive"],
                    mode="lines",
                    line_shape="hv",
                    line_dash="dot",
                    name=f"{name}: 1 - KM (downgrade censored)",
                )
            )
        fig.update_layout(
            title=self.title,
            xaxis_title="days",
            yaxis={"title": "cumulative share churned", "tickformat": ".0%"},
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
) -> CompetingRisksResult:
    """Cumulative incidence of ``cause`` with ``competing`` as a competing event (Aalen–Johansen).

    ``event_type`` holds ``cause``, ``competing`` or anything else for censored rows. The naive
    1 - Kaplan–Meier (censoring the competing event) is reported beside it: it answers "how many
    would churn if nobody could downgrade", which is not the share who actually churn.

    References
    ----------
    Aalen & Johansen (1978), Scand. J. Statistics 5; Putter, Fiocco & Geskus (2007), Tutorial in
    biostatistics: competing risks and multi-state models, Stat. Med. 26; variance by the delta
    method (Marubini & Valsecchi 1995, ch. 10).
    """
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
        table=pl.DataFrame(rows), curves=curves, cause=cause, competing=competing, alpha=alpha
    )
