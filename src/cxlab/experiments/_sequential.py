"""Peeking-safe sequential analysis: always-valid confidence intervals for teams that look every day.

A fixed-horizon 95% interval is valid once, at the planned end. Looked at every day, it excludes
zero by chance far more often than 5% of the time. A confidence sequence covers the effect at every
look simultaneously with probability 95%, so a team may stop the first day it excludes zero.

We use the asymptotic normal-mixture confidence sequence: with ``n`` units, an estimate with
standard error ``se`` and the mixture tuned to be tightest at the planned number of units ``N``,
the half-width is ``se * sqrt((1 + 1/(eta n)) * log((1 + eta n) / alpha^2))`` with
``eta = (-2 log alpha + log(1 - 2 log alpha)) / N``.

References
----------
Howard, Ramdas, McAuliffe & Sekhon (2021), Time-uniform, nonparametric, nonasymptotic confidence
sequences, Ann. Statist. 49 (normal mixture, eq. 14 and the choice of rho).
Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas (2024), Time-uniform central limit theory and
asymptotic confidence sequences, Ann. Statist.
Johari, Koomen, Pekelis & Walsh (2017), Peeking at A/B tests, KDD.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError
from cxlab._options import check_alpha, check_option
from cxlab._present import _, fmt_change, fmt_interval
from cxlab._result import Result
from cxlab.experiments._ab import arm_moments, compare
from cxlab.experiments._text import day_text, find, level_text, metric_info, ratio_metric
from cxlab.experiments._units import UNIT_COLUMN, Unit, data_range, window
from cxlab.features import Metric, prepare


def cs_half_width(std_error, n, *, planned_n: float, alpha: float = 0.05):
    """Half-width of the always-valid interval (vectorised over looks or simulations).

    Examples
    --------
    >>> round(float(cs_half_width(1.0, 1000, planned_n=1000)), 2)
    3.04
    """
    eta = (-2 * np.log(alpha) + np.log(1 - 2 * np.log(alpha))) / planned_n
    en = eta * np.asarray(n, float)
    return np.asarray(std_error, float) * np.sqrt((1 + 1 / en) * np.log((1 + en) / alpha**2))


@dataclass(frozen=True)
class SequentialResult(Result):
    """The effect at every look, with the always-valid and the (peeking-unsafe) fixed intervals."""

    experiment: str
    metric: str
    looks: pl.DataFrame
    alpha: float
    measures: tuple[Metric, ...] = field(default=(), compare=False, repr=False)

    @property
    def title(self) -> str:
        return _("Effect as the test ran, {metric}").format(
            metric=metric_info(self.metric, self.measures)[0]
        )

    @property
    def first_conclusive(self) -> dt.datetime | None:
        """The first look at which the always-valid interval excludes zero (a safe stop)."""
        hit = self.looks.filter((pl.col("cs_low") > 0) | (pl.col("cs_high") < 0))
        return hit["look"][0] if hit.height else None

    def summary(self) -> pl.DataFrame:
        return self.looks

    def findings(self) -> list[str]:
        """Plain words: when could a team looking every day have stopped safely?"""
        first = self.first_conclusive
        if first is None:
            return [
                _(
                    "On no day was the result safe to act on yet: even looking every day, the "
                    "test should have run to its planned end."
                )
            ]
        return [
            _(
                "Looking at the results every day, the team could have stopped safely from "
                "{day}: the range that allows for daily looks excluded no change from then on."
            ).format(day=day_text(first))
        ]

    def details(self) -> list[str]:
        _name, unit, _hib = metric_info(self.metric, self.measures)
        last = self.looks.row(-1, named=True)
        return [
            _(
                "Sequential analysis: at the last look ({day}) the difference is {estimate}; the "
                "always-valid {level} confidence sequence (normal mixture), valid however often "
                "it is looked at, is {interval}, against the fixed-horizon interval {fixed}."
            ).format(
                day=day_text(last["look"]),
                level=level_text(self.alpha),
                estimate=fmt_change(last["estimate"], unit),
                interval=fmt_interval(last["cs_low"], last["cs_high"], unit),
                fixed=fmt_interval(last["ci_low"], last["ci_high"], unit),
            )
        ]

    def plot(self):
        import plotly.graph_objects as go

        from cxlab.experiments._charts import date_axis, effect_axis, layout
        from cxlab.viz import COLORS, color_for

        factor, axis = effect_axis(find(self.metric, self.measures))
        s = self.looks
        x = s["look"].to_list()
        level = level_text(self.alpha)
        fig = go.Figure()
        for lo, hi, color, name in (
            (
                "cs_low",
                "cs_high",
                COLORS["band_outer"],
                _("Range safe for daily looks ({level})").format(level=level),
            ),
            (
                "ci_low",
                "ci_high",
                COLORS["band"],
                _("Range at the planned end ({level})").format(level=level),
            ),
        ):
            fig.add_trace(
                go.Scatter(
                    x=x + x[::-1],
                    y=(s[hi] * factor).to_list() + (s[lo] * factor).to_list()[::-1],
                    fill="toself",
                    fillcolor=color,
                    line=dict(width=0),
                    name=name,
                    hoverinfo="skip",
                )
            )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=(s["estimate"] * factor).to_list(),
                name=_("Treatment minus control"),
                mode="lines+markers",
                line=dict(color=color_for("treatment")),
                marker=dict(color=color_for("treatment")),
            )
        )
        fig.add_hline(y=0, line_dash="dot", line_color="#8a94a6")
        fig.update_layout(yaxis_title=axis)
        date_axis(fig)
        layout(fig, self.title)
        return fig


def sequential(
    contacts: pl.LazyFrame | pl.DataFrame,
    assignments: pl.LazyFrame | pl.DataFrame,
    *,
    metric: str | Metric,
    start: dt.datetime | dt.date | str,
    end: dt.datetime | dt.date | str,
    unit: Unit = "customer",
    experiment_id: str | None = None,
    time_zone: str | None = None,
    alpha: float = 0.05,
    control: str = "control",
    agents: pl.LazyFrame | pl.DataFrame | None = None,
) -> SequentialResult:
    """The cumulative effect after each day of the test, with always-valid intervals.

    The mixture is tuned to the number of units at the last look (the planned size).

    Parameters
    ----------
    metric
        A KPI of the metric dictionary or a metric declared with a ``numerator`` and
        ``denominator`` (:func:`cxlab.features.declare_metric`).
    start, end
        The test window; a naive datetime, a date or an ISO text is read in ``time_zone``.
    time_zone
        Days are cut (and naive edges read) in this zone; the workspace's when ``None``.

    Examples
    --------
    >>> import cxlab as cx  # doctest: +SKIP
    >>> cx.experiments.analyze("EXP-AB-ROUTING").detail["sequential"].plot()  # doctest: +SKIP
    """
    from cxlab._present import local_zone

    check_option("unit", unit, Unit)
    alpha = check_alpha(alpha)
    key = UNIT_COLUMN[unit]
    m = ratio_metric(metric)
    metric = m.name
    zone = local_zone(time_zone)
    raw = contacts.lazy()
    start, end = window(raw, start, end, time_zone=zone)
    lf = prepare(raw)
    if unit == "team":
        if agents is None:
            raise OptionError("unit='team' needs the agents table (agent_id, team) as agents=.")
        lf = lf.join(agents.lazy().select("agent_id", "team"), on="agent_id", how="left")
    lf = lf.filter(
        (pl.col("arrived_at") >= start) & (pl.col("arrived_at") < end) & pl.col(key).is_not_null()
    )
    day = pl.col("arrived_at").dt.convert_time_zone(zone).dt.date().alias("day")
    daily = (
        lf.group_by(pl.col(key).cast(pl.Utf8).alias("unit_id"), day)
        .agg(m.numerator.sum().alias(f"{metric}__y"), m.denominator.sum().alias(f"{metric}__d"))
        .collect()
    )
    arms = assignments.lazy()
    if experiment_id is not None:
        arms = arms.filter(pl.col("experiment_id") == experiment_id)
    arms = arms.select(pl.col("unit_id").cast(pl.Utf8), "arm").collect()
    daily = daily.join(arms, on="unit_id", how="inner")
    days = sorted(daily["day"].unique())
    if len(days) < 2:
        raise NotEnoughDataError(
            f"{experiment_id or 'sequential'}: fewer than two days of data in the test window "
            f"{start.isoformat()} to {end.isoformat()}; {data_range(raw, zone)}."
        )
    rows = []
    for d in days:
        units = (
            daily.filter(pl.col("day") <= d)
            .group_by("unit_id", "arm")
            .agg(pl.col(f"{metric}__y").sum(), pl.col(f"{metric}__d").sum())
        )
        mom = arm_moments(units, metric)
        treat = [a for a in mom if a != control]
        if control not in mom or not treat:
            continue
        try:
            r = compare(mom[control], mom[treat[0]], cuped=False, alpha=alpha)
        except NotEnoughDataError:
            continue
        rows.append(
            dict(
                look=d,
                n=r["n_control"] + r["n_treatment"],
                **{k: r[k] for k in ("estimate", "std_error", "ci_low", "ci_high", "p_value")},
            )
        )
    if not rows:
        raise NotEnoughDataError(
            f"{experiment_id or 'sequential'}: no day of the test window has two units in each "
            f"arm ({control!r} and another) to compare."
        )
    looks = pl.DataFrame(rows)
    half = cs_half_width(
        looks["std_error"].to_numpy(), looks["n"].to_numpy(), planned_n=looks["n"][-1], alpha=alpha
    )
    looks = looks.with_columns(
        cs_low=pl.Series(looks["estimate"].to_numpy() - half),
        cs_high=pl.Series(looks["estimate"].to_numpy() + half),
    )
    return SequentialResult(experiment_id or "", metric, looks, alpha, (m,))
