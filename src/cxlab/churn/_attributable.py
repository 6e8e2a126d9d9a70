"""The share of churn attributable to the service experience, from a fitted Cox model.

Under a Cox model each row's expected number of churn events is its cumulative baseline hazard
over the row's interval times ``exp(x beta)`` (Breslow). Setting the experience terms to zero
gives the events expected without them; one minus the ratio is the attributable share (on the
hazard scale, over the observed follow-up). Intervals come from draws of the coefficients from
their estimated normal distribution, with the baseline hazard re-estimated for every draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from cxlab._errors import OptionError
from cxlab._options import check_alpha
from cxlab._present import N_, Headline, _, fmt_interval, fmt_list, fmt_value
from cxlab._result import Result
from cxlab.churn._cox import CoxResult
from cxlab.churn._coxfit import identical_rows
from cxlab.churn._missing import SHARE, NotEstimated, passed_on
from cxlab.churn._plots import figure
from cxlab.churn._words import ReaderTable, experience_noun, share_text

_CELLS = 2_000_000  # distinct rows x draws computed at once


class _Breslow:
    """Breslow's baseline hazard for counting-process rows; the sorting is done once, so each
    new ``exp(x beta)`` costs two cumulative sums.

    A row may stand for ``weights`` identical rows with ``event`` events among them (the
    distinct rows of a panel); ``risk`` may hold one column per coefficient draw.
    """

    def __init__(
        self,
        start: np.ndarray,
        stop: np.ndarray,
        event: np.ndarray,
        weights: np.ndarray | None = None,
    ) -> None:
        died = event > 0
        self.times = np.unique(stop[died])
        self.by_stop = np.argsort(stop, kind="stable")
        self.by_start = np.argsort(start, kind="stable")
        self.at_stop = np.searchsorted(stop[self.by_stop], self.times, side="left")
        self.at_start = np.searchsorted(start[self.by_start], self.times, side="left")
        self.deaths = np.bincount(
            np.searchsorted(self.times, stop[died]), weights=event[died], minlength=len(self.times)
        )
        self.row_stop = np.searchsorted(self.times, stop, side="right")
        self.row_start = np.searchsorted(self.times, start, side="right")
        self.weights = weights

    def expected(self, risk: np.ndarray) -> np.ndarray:
        """Each row's cumulative baseline hazard over (start, stop] for ``risk = exp(x beta)``
        (rows, or rows x draws)."""
        weighted = risk if self.weights is None else (risk.T * self.weights).T
        zero = np.zeros((1, *risk.shape[1:]))
        cum_stop = np.concatenate([np.cumsum(weighted[self.by_stop][::-1], axis=0)[::-1], zero])
        cum_start = np.concatenate([np.cumsum(weighted[self.by_start][::-1], axis=0)[::-1], zero])
        # the risk set at t: rows with stop >= t, less those with start >= t
        at_risk = cum_stop[self.at_stop] - cum_start[self.at_start]
        h0 = np.concatenate([zero, np.cumsum((self.deaths / at_risk.T).T, axis=0)])
        return h0[self.row_stop] - h0[self.row_start]


@dataclass(frozen=True)
class AttributableShare(ReaderTable, Result):
    """The share of churn events the named terms account for, with its interval."""

    share: float
    ci_low: float
    ci_high: float
    events: int
    events_without: float
    terms: tuple[str, ...]
    draws: int
    alpha: float = 0.05

    @property
    def title(self) -> str:
        return _("Share of churn the service experience explains")

    def summary(self) -> pl.DataFrame:
        """One row: share, ci_low, ci_high, events, events_without (expected without the terms)."""
        return pl.DataFrame(
            {
                "share": [self.share],
                "ci_low": [self.ci_low],
                "ci_high": [self.ci_high],
                "events": [self.events],
                "events_without": [self.events_without],
            }
        )

    def share_text(self) -> str:
        """The share as the report shows it everywhere (tile, findings, table)."""
        return share_text(self.share)

    def headline(self) -> list[Headline]:
        return [
            Headline(
                key="service_share_of_churn",
                label=N_("Churn explained by service experience"),
                value=self.share,
                unit="share",
                low=self.ci_low,
                high=self.ci_high,
            )
        ]

    def findings(self) -> list[str]:
        names = fmt_list([experience_noun(t) for t in self.terms], style="or")
        return [
            _(
                "Service experience explains about {share} of churn (likely between {low} and "
                "{high}): of {events} customers who left, about {avoided} would have stayed had "
                "none of them had {names} in the 90 days before, if these experiences cause the "
                "churn rather than merely come with it."
            ).format(
                share=self.share_text(),
                low=share_text(self.ci_low),
                high=share_text(self.ci_high),
                events=fmt_value(self.events, "count"),
                avoided=fmt_value(self.events - self.events_without, "count"),
                names=names,
            )
        ]

    def details(self) -> list[str]:
        pct = round(100 * (1 - self.alpha))
        return [
            _(
                "Attributable fraction on the hazard scale from the monthly Cox model (Breslow "
                "baseline hazard); {pct}% interval from {draws} draws of the coefficients from "
                "their estimated normal distribution."
            ).format(pct=pct, draws=fmt_value(self.draws, "count"))
        ]

    def reader_table(self) -> tuple[pl.DataFrame, dict[str, str]]:
        frame = pl.DataFrame(
            {
                "share": [self.share],
                "likely_range": [fmt_interval(self.ci_low, self.ci_high, "share", change=False)],
                "events": [self.events],
                "events_without": [self.events_without],
            }
        )
        return frame, {"share": "share", "events": "count", "events_without": "count"}

    def plot(self, belief: float | None = 0.70):
        """The customers who left, split into those the service experience explains and the
        rest, with a line at the count the ``belief`` (the share often quoted) would imply."""
        import plotly.graph_objects as go

        from cxlab.viz import COLORS

        values = [self.events - self.events_without, self.events_without]
        fig = figure(
            go.Bar(
                x=[_("Explained by the service experience"), _("Other causes")],
                y=values,
                marker_color=[COLORS["bad"], COLORS["muted"]],
                text=[fmt_value(v, "count") for v in values],
                textposition="outside",
                cliponaxis=False,
                hoverinfo="skip",
            )
        )
        if belief is not None:
            implied = belief * self.events
            fig.add_hline(
                y=implied,
                line_dash="dot",
                line_color="#5b6577",
                annotation_text=_("If {belief} were explained: {n}").format(
                    belief=fmt_value(belief, "share", decimals=0), n=fmt_value(implied, "count")
                ),
                annotation_position="top left",
                annotation={"xshift": 48, "yshift": 2},
            )
        top = max([*values, belief * self.events if belief is not None else 0.0])
        fig.update_layout(
            title=_(
                "Of {events} customers who left, about {n} are explained by the service experience"
            ).format(
                events=fmt_value(self.events, "count"),
                n=fmt_value(self.events - self.events_without, "count"),
            ),
            yaxis={
                "title": _("Customers who left"),
                "tickformat": ",d",
                "range": [0, 1.15 * top],
            },
            showlegend=False,
            height=380,
        )
        return fig


def attributable_share(
    result: CoxResult | NotEstimated,
    *,
    terms: Sequence[str],
    draws: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
) -> AttributableShare | NotEstimated:
    """The share of the churn events in the fitted data that the model attributes to ``terms``.

    Works on counting-process fits (:func:`cxlab.churn.customer_months`) and plain fits alike.

    References
    ----------
    Benichou (2001), A review of adjusted estimators of attributable risk, Stat. Methods Med.
    Res. 10; Breslow (1972) baseline hazard; King, Tomz & Wittenberg (2000), simulation from
    the coefficients' distribution.
    """
    check_alpha(alpha)
    if isinstance(result, NotEstimated):
        return passed_on(SHARE, result)
    if result._data is None or result.strata:
        raise OptionError(
            "result: the attributable share needs an unstratified Cox fit from cxlab.churn.cox."
        )
    names = result.table["term"].to_list()
    missing = [t for t in terms if t not in names]
    if missing:
        raise OptionError(f"terms={list(terms)!r}: {missing} are not terms of the model ({names}).")
    model = result._model
    data = result._data
    stop = data[model.duration_col].to_numpy(float)
    start = data[model.entry_col].to_numpy(float) if model.entry_col else np.zeros(len(stop))
    event = data[model.event_col].to_numpy().astype(int)
    x = data[names].to_numpy(float)
    # identical (start, stop, x) rows have the same expected events: each distinct row once,
    # weighted by how often it occurs (220,898 customer-months are about 10,000 distinct rows)
    first, group = identical_rows(np.column_stack([start, stop, x]))
    count = np.bincount(group, minlength=len(first)).astype(float)
    x = x[first]
    x0 = x.copy()
    for t in terms:
        x0[:, names.index(t)] = 0.0
    beta = result.table["estimate"].to_numpy()
    rng = np.random.default_rng(seed)
    betas = np.vstack([beta, rng.multivariate_normal(beta, result.covariance, size=draws)])
    breslow = _Breslow(
        start[first],
        stop[first],
        np.bincount(group, weights=event, minlength=len(first)),
        weights=count,
    )
    events = int(event.sum())
    e_all, e_none = [], []
    step = max(1, _CELLS // len(first))  # draws at once: bounded memory on a large panel
    for k in range(0, len(betas), step):
        b = betas[k : k + step].T
        lp = x @ b
        top = lp.max(axis=0)
        risk = np.exp(lp - top)
        dh = breslow.expected(risk) * count[:, None]
        e_all.append((dh * risk).sum(axis=0))  # equals the number of events (Breslow)
        e_none.append((dh * np.exp(x0 @ b - top)).sum(axis=0))
    e_all, e_none = np.concatenate(e_all), np.concatenate(e_none)
    shares = 1 - e_none / e_all
    without = e_none * events / e_all
    q = [100 * alpha / 2, 100 * (1 - alpha / 2)]
    lo, hi = np.percentile(shares[1:], q)
    return AttributableShare(
        share=float(shares[0]),
        ci_low=float(lo),
        ci_high=float(hi),
        events=events,
        events_without=float(without[0]),
        terms=tuple(terms),
        draws=draws,
        alpha=alpha,
    )
