"""The headline of the churn report: retention against its target, the share of churn the
service experience explains against the common belief, and the value at risk now."""

from __future__ import annotations

from cxlab.churn._attributable import AttributableShare
from cxlab.churn._drivers import DriverImpactResult
from cxlab.churn._risk import AtRiskResult
from cxlab.churn._survival import KaplanMeierResult

BELIEF = 0.70  # "most churn comes from poor service": the share a reference programme quotes


def headline_cards(
    retention: KaplanMeierResult,
    drivers: DriverImpactResult,
    risk: AtRiskResult,
    *,
    share: AttributableShare | None = None,
    days: float = 365,
    belief: float = BELIEF,
) -> list[dict]:
    """Cards for :func:`cxlab.viz.headline`: retention after ``days`` against its target, the
    service share of churn against ``belief`` (from ``share``, the counting-process Cox model,
    when given; else from the at-risk model's what-ifs), the monthly value at risk and the AUC."""
    kept = retention.at(days)
    if share is not None:
        value, low, high = share.share, share.ci_low, share.ci_high
    else:
        value, low, high = (
            drivers.attributable_share,
            drivers.attributable_low,
            drivers.attributable_high,
        )
    target = retention.target
    cards = [
        {
            "label": f"Customers kept over {round(days / 30.4)} months",
            "value": "not estimable" if kept is None else f"{kept:.1%}",
            "target": f"target ≥ {target:.0%}" if target is not None else None,
            "met": None if kept is None or target is None else kept >= target,
            "detail": "Kaplan–Meier, downgrades censored"
            if kept is not None
            else f"follow-up ends after {retention.max_follow_up:.0f} days",
        },
        {
            "label": "Churn explained by service experience",
            "value": f"{value:.0%}",
            "detail": f"95% interval {low:.0%}–{high:.0%}; belief: {belief:.0%}",
        },
        {
            "label": f"Monthly revenue at risk, next {risk.horizon_days} days",
            "value": f"{risk.currency} {risk.total_value_at_risk():,.0f}",
            "detail": f"about {risk.expected_churners():,.0f} customers expected to churn",
        },
        {
            "label": "At-risk model, holdout AUC",
            "value": f"{risk.auc:.2f}",
            "detail": f"95% CI {risk.auc_ci_low:.2f}–{risk.auc_ci_high:.2f}; Brier {risk.brier:.4f}",
        },
    ]
    return cards
