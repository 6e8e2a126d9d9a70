"""The answer of the churn report: headline cards and findings in plain words.

Retention against its target, the share of churn the service experience explains (one source:
the monthly Cox model's attributable share, shown with the same rounding in the tile and the
text) against the common belief, the three drivers in customers and money, and who is at risk.
"""

from __future__ import annotations

import dataclasses

import polars as pl

from cxlab._present import N_, Headline, _, fmt_list, fmt_value, gettext, ngettext
from cxlab.churn._attributable import AttributableShare
from cxlab.churn._drivers import DriverImpactResult
from cxlab.churn._drivers import _names as driver_names
from cxlab.churn._missing import NotEstimated
from cxlab.churn._risk import AtRiskResult
from cxlab.churn._survival import CompetingRisksResult, KaplanMeierResult
from cxlab.churn._words import inline, money_text, months_text, share_text

BELIEF = 0.70  # "most churn comes from poor service": the share a reference programme quotes


def _share_card(
    drivers: DriverImpactResult | NotEstimated,
    share: AttributableShare | NotEstimated | None,
    belief: float,
) -> Headline | None:
    """The share card from the monthly model, else from the at-risk model's what-ifs; ``None``
    when neither could be estimated."""
    if isinstance(share, NotEstimated):
        share = None
        if isinstance(drivers, NotEstimated):
            return None
    if share is not None:
        card = share.headline()[0]
    elif isinstance(drivers, NotEstimated):
        return None
    else:
        card = Headline(
            key="service_share_of_churn",
            label=N_("Churn explained by service experience"),
            value=drivers.attributable_share,
            unit="share",
            low=drivers.attributable_low,
            high=drivers.attributable_high,
        )
    detail = _("often quoted: {belief}").format(belief=fmt_value(belief, "share", decimals=0))
    return dataclasses.replace(card, detail=detail)


def headline_cards(
    retention: CompetingRisksResult | KaplanMeierResult,
    drivers: DriverImpactResult | NotEstimated,
    risk: AtRiskResult | NotEstimated,
    *,
    share: AttributableShare | NotEstimated | None = None,
    belief: float = BELIEF,
) -> list[Headline]:
    """The report's headline cards: retention over a year against its target (from
    ``retention``: the report passes the cumulative incidence of churn, so a customer who
    downgraded still counts as kept), the share of
    churn the service experience explains (from ``share``, the monthly Cox model, when given;
    else from the at-risk model's what-ifs) against ``belief``, the monthly revenue at risk over
    the horizon, and how well the at-risk list ranks customers. A model the data could not
    support (:class:`~cxlab.churn.NotEstimated`) has no card; the findings say why."""
    card = _share_card(drivers, share, belief)
    return [*retention.headline(), *([card] if card else []), *risk.headline()]


def key_findings(
    retention: CompetingRisksResult | KaplanMeierResult,
    drivers: DriverImpactResult | NotEstimated,
    risk: AtRiskResult | NotEstimated,
    *,
    share: AttributableShare | NotEstimated | None = None,
    belief: float = BELIEF,
) -> list[str]:
    """The answer in four plain sentences, each with its uncertainty in words; a model the data
    could not support is said to be so, once."""
    out = []
    card = retention.headline()
    if card and card[0].value is None and retention.max_follow_up is not None:
        out.append(
            _(
                "{label} cannot be given yet: customers have been observed for only {days} days."
            ).format(label=gettext(card[0].label), days=fmt_value(retention.max_follow_up, "count"))
        )
    if card and card[0].value is not None:
        c = card[0]
        days = 365 if c.key == "retention_12m" else None
        months = months_text(days) if days else gettext_months(c.key)
        if c.target is None:
            out.append(
                _(
                    "{value} of customers stayed for {months} (likely between {low} and {high})."
                ).format(
                    value=share_text(c.value),
                    months=months,
                    low=share_text(c.low),
                    high=share_text(c.high),
                )
            )
        else:
            text = (
                _(
                    "{value} of customers stayed for {months}, below the target of {target} "
                    "(likely between {low} and {high}, so the shortfall is not chance)."
                )
                if c.high is not None and c.high < c.target
                else _(
                    "{value} of customers stayed for {months}, against a target of {target} "
                    "(likely between {low} and {high})."
                )
            )
            out.append(
                text.format(
                    value=share_text(c.value),
                    months=months,
                    target=share_text(c.target),
                    low=share_text(c.low),
                    high=share_text(c.high),
                )
            )
    s = _share_card(drivers, share, belief)
    # what could not be estimated, said once (a share from the what-ifs stands in for the
    # monthly model's; the drivers' costs rest on the at-risk model)
    if s is None and isinstance(share, NotEstimated):
        out += share.findings()
    if isinstance(risk, NotEstimated):
        out += risk.findings()
    elif isinstance(drivers, NotEstimated):
        out += drivers.findings()
    if s is None:
        pass
    elif s.high is not None and s.high < belief:
        text = _(
            "Service experience explains about {share} of churn (likely between {low} and "
            "{high}): well short of the {belief} often quoted. Most customers who leave do so "
            "for reasons a better service alone would not change."
        )
    else:
        text = _(
            "Service experience explains about {share} of churn (likely between {low} and "
            "{high}), against the {belief} often quoted."
        )
    if s is not None:
        out.append(
            text.format(
                share=share_text(s.value),
                low=share_text(s.low),
                high=share_text(s.high),
                belief=fmt_value(belief, "share", decimals=0),
            )
        )
    if isinstance(drivers, NotEstimated) or isinstance(risk, NotEstimated):
        return out
    top = drivers.clear().head(3)
    if top.height:
        top = top.with_columns(pl.Series("driver", driver_names(top, drivers.names)))
        parts = [
            _("{driver} (about {n} customers, {money} a month)").format(
                driver=inline(r["driver"]),
                n=fmt_value(r["churners_avoided"], "count"),
                money=money_text(r["monthly_revenue_kept"]),
            )
            for r in top.iter_rows(named=True)
        ]
        out.append(
            ngettext(
                "The driver that costs the most is {drivers}. The figure is what cutting it by "
                "{share} would keep over the next {days} days; the range around it is wide "
                "(see section 2).",
                "The {n} drivers that cost the most are {drivers}. Each figure is what cutting "
                "that driver by {share} would keep over the next {days} days; the ranges around "
                "them are wide (see section 2).",
                top.height,
            ).format(
                n=fmt_value(top.height, "count"),
                drivers=fmt_list(parts),
                share=fmt_value(drivers.improvement, "share", decimals=0),
                days=fmt_value(drivers.horizon, "count"),
            )
        )
    elif drivers.table.height:
        out.append(
            _(
                "The data cannot yet tell which service driver costs the most: for every driver "
                "the likely range of revenue kept includes zero (see section 2)."
            )
        )
    words = {
        "n": fmt_value(risk.expected_churners(), "count"),
        "days": fmt_value(risk.horizon, "count"),
        "money": money_text(risk.total_value_at_risk()),
        "top": fmt_value(risk.top_tenth_share(), "share", decimals=0),
        "k": risk.ranking_in_ten(),
    }
    if risk.validated():
        out.append(
            _(
                "About {n} customers are expected to leave in the next {days} days, taking "
                "{money} of monthly revenue; the top tenth of the at-risk list holds {top} of "
                "it. The list ranks a leaver above a stayer about {k} times in 10 (chance: 5), "
                "good enough to decide whom to call first."
            ).format(**words)
        )
    else:  # the claim follows the check on a past period, which does not support it
        out.append(
            _(
                "About {n} customers are expected to leave in the next {days} days, taking "
                "{money} of monthly revenue; the top tenth of the at-risk list holds {top} of "
                "it."
            ).format(**words)
        )
        out.append(risk.validation_words())
    return out


def gettext_months(key: str) -> str:
    """``retention_6m`` as "6 months"."""
    n = int(key.removeprefix("retention_").removesuffix("m"))
    return months_text(n * 30.4)
