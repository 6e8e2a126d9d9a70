"""Drivers ranked in money: the churn and revenue a stated improvement of each service driver
would avoid over the horizon, with intervals from the model's uncertainty."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cxlab._errors import OptionError
from cxlab._options import check_alpha
from cxlab._present import N_, _, fmt_intervals, fmt_list, fmt_value, gettext
from cxlab._result import Result
from cxlab.churn._missing import DRIVERS, NotEstimated, passed_on
from cxlab.churn._plots import currency_symbol, figure
from cxlab.churn._risk import EXPERIENCE, AtRiskResult
from cxlab.churn._words import ReaderTable, inline, money_text, term_label

DRIVER_NAMES = {
    "unresolved_complaint_90d": N_("Unresolved complaints"),
    "abandoned_contacts_90d": N_("Abandoned contacts"),
    "low_csat_90d": N_("Satisfaction scores of 1–2"),
    "transfers_90d": N_("Transfers"),
    "repeat_contacts_90d": N_("Repeat contacts"),
}
"""Short names of the service drivers (chart bars, table rows)."""

DRIVER_CHANGES = {
    "unresolved_complaint_90d": N_("{share} fewer customers with an unresolved complaint"),
    "abandoned_contacts_90d": N_("{share} fewer abandoned contacts"),
    "low_csat_90d": N_("{share} fewer customers giving a satisfaction score of 1–2"),
    "transfers_90d": N_("{share} fewer transfers"),
    "repeat_contacts_90d": N_("{share} fewer repeat contacts"),
}
"""The improvement each driver is priced at, in words (``share`` is the improvement)."""


def _name(term: str) -> str:
    found = DRIVER_NAMES.get(term)
    return gettext(found) if found else term_label(term)


def _names(table: pl.DataFrame, given: Mapping[str, str] | None = None) -> list[str]:
    """The drivers' names in the language of the moment (a name the caller gave is kept)."""
    given = dict(given or {})
    return [given.get(t, _name(t)) for t in table["term"]]


def _change(term: str, improvement: float) -> str:
    share = fmt_value(improvement, "share", decimals=0)
    found = DRIVER_CHANGES.get(term)
    if found:
        return gettext(found).format(share=share)
    return _("{share} less of: {driver}").format(share=share, driver=term_label(term))


def _clear(table: pl.DataFrame) -> pl.Expr:
    """Drivers whose likely range of revenue kept excludes zero (the others: cannot tell)."""
    return (pl.col("monthly_revenue_kept_low") > 0) | (pl.col("monthly_revenue_kept_high") < 0)


@dataclass(frozen=True)
class DriverImpactResult(ReaderTable, Result):
    """Churners and monthly revenue kept if each driver improved by the stated share."""

    table: pl.DataFrame
    attributable_share: float
    attributable_low: float
    attributable_high: float
    expected_churners: float
    horizon: int
    improvement: float
    currency: str
    draws: int
    alpha: float = 0.05
    names: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def title(self) -> str:
        return _("What each driver costs (each improved by {share})").format(
            share=fmt_value(self.improvement, "share", decimals=0)
        )

    @property
    def horizon_days(self) -> int:
        """The old name of :attr:`horizon` (read with a DeprecationWarning)."""
        from cxlab._options import warn_renamed

        warn_renamed(f"{type(self).__name__}.horizon_days", "horizon")
        return self.horizon

    def summary(self) -> pl.DataFrame:
        """driver, affected (customers with the driver), churners_avoided with its interval,
        monthly_revenue_kept with its interval, ranked by revenue kept."""
        return self.table

    def clear(self) -> pl.DataFrame:
        """The drivers whose likely range of revenue kept excludes zero, ranked by revenue."""
        return self.table.filter(_clear(self.table))

    def unclear(self) -> pl.DataFrame:
        """The drivers whose likely range includes zero: the data cannot tell whether improving
        them keeps any revenue (never shown as a loss or a gain)."""
        return self.table.filter(~_clear(self.table))

    def findings(self) -> list[str]:
        """The top three drivers in customers and money (of those the data can tell), drivers
        whose effect the data cannot tell from none, and the caveat. (The share of churn the
        experience explains comes from :func:`cxlab.churn.attributable_share`, the one source
        the report quotes.)"""
        out = []
        for r in self.clear().head(3).iter_rows(named=True):
            out.append(
                _(
                    "{change}: about {churners} fewer customers would leave in {days} days "
                    "(likely {low} to {high}), keeping {money} of monthly revenue (likely "
                    "{money_low} to {money_high})."
                ).format(
                    change=_change(r["term"], self.improvement),
                    churners=fmt_value(r["churners_avoided"], "count"),
                    days=fmt_value(self.horizon, "count"),
                    low=fmt_value(r["churners_avoided_low"], "count"),
                    high=fmt_value(r["churners_avoided_high"], "count"),
                    money=money_text(r["monthly_revenue_kept"]),
                    money_low=money_text(r["monthly_revenue_kept_low"]),
                    money_high=money_text(r["monthly_revenue_kept_high"]),
                )
            )
        unclear = _names(self.unclear(), self.names)
        if unclear:
            out.append(
                _(
                    "For {drivers}, the data cannot tell whether an improvement would keep any "
                    "revenue: the likely range starts at zero or below."
                ).format(drivers=fmt_list([inline(d) for d in unclear]))
            )
        out.append(
            _(
                "These are what-ifs from the model: they hold if these experiences cause churn "
                "rather than merely come with it; a test of a fix would confirm it."
            )
        )
        return out

    def reader_table(self) -> tuple[pl.DataFrame, dict[str, str]]:
        """Clear drivers first, then those the data cannot tell (their point figures read
        "cannot tell"; their likely ranges, which include zero, are shown as they are)."""
        t = pl.concat([self.clear(), self.unclear()])
        unknown = _("Cannot tell")
        clear = _clear(t)
        frame = pl.DataFrame(
            {
                "driver": _names(t, self.names),
                "affected": t["affected"],
                "churners_avoided": [
                    fmt_value(v, "count") if ok else unknown
                    for v, ok in zip(
                        t["churners_avoided"], t.select(clear).to_series(), strict=True
                    )
                ],
                "churners_range": fmt_intervals(
                    t["churners_avoided_low"], t["churners_avoided_high"], "count", change=False
                ),
                "monthly_revenue_kept": [
                    money_text(v) if ok else unknown
                    for v, ok in zip(
                        t["monthly_revenue_kept"], t.select(clear).to_series(), strict=True
                    )
                ],
                "revenue_range": fmt_intervals(
                    t["monthly_revenue_kept_low"],
                    t["monthly_revenue_kept_high"],
                    "money",
                    change=False,
                ),
            }
        )
        return frame, {"affected": "count"}

    def plot(self):
        """Bars for the drivers the data can tell (revenue kept with its likely range, the
        amount written beside it); the drivers whose range includes zero are listed under the
        chart as "cannot tell", never drawn as a loss."""
        import plotly.graph_objects as go

        from cxlab.viz import COLORS

        t = self.clear().sort("monthly_revenue_kept")
        t = t.with_columns(pl.Series("driver", _names(t, self.names), dtype=pl.Utf8))
        values = t["monthly_revenue_kept"].to_list()
        low = t["monthly_revenue_kept_low"].to_list()
        high = t["monthly_revenue_kept_high"].to_list()
        fig = figure(
            go.Bar(
                x=values,
                y=t["driver"].to_list(),
                orientation="h",
                marker_color=COLORS["periods"]["current"],
                hovertext=[
                    _("{driver}: {money} (likely {low} to {high})").format(
                        driver=d,
                        money=money_text(v),
                        low=money_text(lo),
                        high=money_text(hi),
                    )
                    for d, v, lo, hi in zip(t["driver"], values, low, high, strict=True)
                ],
                hoverinfo="text",
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [hi - v for v, hi in zip(values, high, strict=True)],
                    "arrayminus": [v - lo for v, lo in zip(values, low, strict=True)],
                    "color": COLORS["muted"],
                },
            )
        )
        top = max([*high, *values, 1.0])
        for name, v in zip(t["driver"], values, strict=True):
            # the amount just right of its bar's end and above the range line, never at the
            # end of the range line, where it would read as the upper bound
            fig.add_annotation(
                x=v,
                y=name,
                text=money_text(v),
                showarrow=False,
                xanchor="left",
                yanchor="bottom",
                xshift=3,
                yshift=3,
                font={"size": 12, "color": "#1d2433"},
            )
        unclear = _names(self.unclear(), self.names)
        if unclear:
            fig.add_annotation(
                text=_(
                    "Cannot tell from the data (the likely range starts at zero or below): {drivers}"
                ).format(drivers=fmt_list([inline(d) for d in unclear])),
                xref="paper",
                yref="paper",
                x=0,
                y=-0.3,
                xanchor="left",
                yanchor="top",
                showarrow=False,
                font={"size": 12, "color": COLORS["muted"]},
            )
        if not values:  # nothing the data can tell: no empty axes, the note alone
            fig.update_layout(
                title=self.title,
                xaxis={"visible": False},
                yaxis={"visible": False},
                showlegend=False,
                height=200,
            )
            fig.update_annotations(y=0.5, yanchor="middle")
            return fig
        ticks = money_ticks(top)
        fig.update_layout(
            title=self.title,
            xaxis={
                # money ticks from zero; each bar's amount is written at its end
                "range": [0, 1.08 * max(top, ticks[-1])],
                "tickvals": ticks,
                "ticktext": [fmt_value(v, "money", compact=True) for v in ticks],
                "showgrid": True,
                "title": _("Monthly revenue kept ({currency})").format(
                    currency=currency_symbol(self.currency)
                ),
                "zeroline": True,
                "zerolinecolor": "#c8ced8",
            },
            yaxis={"automargin": True},
            showlegend=False,
            height=360 if unclear else 300,
            margin={"b": 110 if unclear else 50},
        )
        return fig


def money_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from zero to at least ``top`` (1, 2, 2.5 or 5 times a power of ten)."""
    raw = max(top, 1.0) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    n = math.ceil(top / step - 1e-9)
    return [k * step for k in range(n + 1)]


def _probabilities(x: np.ndarray, betas: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(x @ betas.T)))  # customers x draws


def driver_impact(
    risk: AtRiskResult | NotEstimated,
    *,
    drivers: Sequence[str] = EXPERIENCE,
    improvement: float = 0.5,
    draws: int = 400,
    seed: int = 0,
    alpha: float = 0.05,
    labels: Mapping[str, str] | None = None,
) -> DriverImpactResult | NotEstimated:
    """The churn and monthly revenue avoided if each driver improved by ``improvement``.

    For a 0/1 driver (an unresolved complaint) a share ``improvement`` of the customers who
    have it no longer would; for a count (abandoned contacts) every count shrinks by that share.
    Each customer's churn probability over the horizon comes from the at-risk model; the
    churners avoided are the sum of the drops, the revenue kept the sum of drop x monthly value.
    Intervals come from ``draws`` draws of the coefficients from their estimated sampling
    distribution (normal, the model's covariance), seeded.

    Also reports the share of expected churn attributable to the service experience: one minus
    the churn expected if no customer had any of ``drivers``, over the churn expected now.

    References
    ----------
    Greenland & Drescher (1993), Maximum likelihood estimation of the attributable fraction from
    logistic models, Biometrics 49; King, Tomz & Wittenberg (2000), Making the most of
    statistical analyses (simulating from the coefficients' distribution), AJPS 44.
    """
    check_alpha(alpha)
    if not 0 < improvement <= 1:
        raise OptionError(f"improvement={improvement} must be in (0, 1].")
    if isinstance(risk, NotEstimated):  # the at-risk model the data could not support
        return passed_on(DRIVERS, risk)
    model, frame = risk.model, risk.scoring
    present = [d for d in drivers if d in model.terms]
    if not present:
        raise OptionError(
            f"drivers={list(drivers)!r}: none is a term of the at-risk model ({model.terms[1:]})."
        )
    rng = np.random.default_rng(seed)
    betas = rng.multivariate_normal(model.params, model.covariance, size=draws)
    betas = np.vstack([model.params, betas])  # row 0: the point estimate
    x = model.matrix(frame)
    value = frame["monthly_value"].to_numpy()
    base = _probabilities(x, betas)
    q = [100 * alpha / 2, 100 * (1 - alpha / 2)]
    names = dict(labels or {})
    rows = []
    for d in present:
        j = model.terms.index(d)
        col = x[:, j]
        binary = set(np.unique(col)) <= {0.0, 1.0}
        # a customer without the driver keeps their probability: only the others are computed
        moved = np.flatnonzero(col == 1) if binary else np.flatnonzero(col != 0)
        xd = x[moved]
        xd[:, j] = 0.0 if binary else col[moved] * (1 - improvement)
        drop = base[moved] - _probabilities(xd, betas)
        if binary:
            drop = improvement * drop  # a share improvement of those who have it lose it
        change = _change(d, improvement)
        churners = drop.sum(axis=0)
        money = (drop * value[moved, None]).sum(axis=0)
        c_lo, c_hi = np.percentile(churners[1:], q)
        m_lo, m_hi = np.percentile(money[1:], q)
        rows.append(
            {
                "driver": names.get(d, _name(d)),
                "term": d,
                "change": change,
                "affected": int((col > 0).sum()),
                "churners_avoided": float(churners[0]),
                "churners_avoided_low": float(c_lo),
                "churners_avoided_high": float(c_hi),
                "monthly_revenue_kept": float(money[0]),
                "monthly_revenue_kept_low": float(m_lo),
                "monthly_revenue_kept_high": float(m_hi),
            }
        )
    drive = [model.terms.index(d) for d in present]
    moved = np.flatnonzero((x[:, drive] != 0).any(axis=1))
    x0 = x[moved]
    x0[:, drive] = 0.0
    # expected churn without any driver: the unmoved customers' probabilities stay as they are
    without = base.sum(axis=0) - (base[moved] - _probabilities(x0, betas)).sum(axis=0)
    share = 1 - without / base.sum(axis=0)
    s_lo, s_hi = np.percentile(share[1:], q)
    table = pl.DataFrame(rows).sort("monthly_revenue_kept", descending=True)
    return DriverImpactResult(
        table=table,
        attributable_share=float(share[0]),
        attributable_low=float(s_lo),
        attributable_high=float(s_hi),
        expected_churners=float(base[:, 0].sum()),
        horizon=risk.horizon,
        improvement=improvement,
        currency=risk.currency,
        draws=draws,
        alpha=alpha,
        names=names,
    )
