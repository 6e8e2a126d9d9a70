"""Churn drivers: survival frames, Kaplan–Meier and competing risks, Cox and logistic models,
the at-risk list and the money a better service experience would keep."""

from cxlab.churn._attributable import AttributableShare, attributable_share
from cxlab.churn._cox import CoxResult, PHCheck, cox, ph_check
from cxlab.churn._drivers import DriverImpactResult, driver_impact
from cxlab.churn._frames import (
    MONTHLY_COVARIATES,
    MONTHLY_REFERENCE,
    PLANTED_TERMS,
    customer_months,
    data_end,
    data_start,
    landmark_date,
    landmark_frame,
    survival_frame,
)
from cxlab.churn._logit import LogitResult, logistic
from cxlab.churn._missing import NotEstimated, TooLittleData
from cxlab.churn._report import headline_cards, key_findings
from cxlab.churn._risk import AtRiskResult, at_risk
from cxlab.churn._survival import (
    CompetingRisksResult,
    KaplanMeierResult,
    cumulative_incidence,
    kaplan_meier,
)
from cxlab.churn._words import term_label

__all__ = [
    "MONTHLY_COVARIATES",
    "MONTHLY_REFERENCE",
    "PLANTED_TERMS",
    "AtRiskResult",
    "AttributableShare",
    "CompetingRisksResult",
    "CoxResult",
    "DriverImpactResult",
    "KaplanMeierResult",
    "LogitResult",
    "NotEstimated",
    "PHCheck",
    "TooLittleData",
    "at_risk",
    "attributable_share",
    "cox",
    "cumulative_incidence",
    "customer_months",
    "data_end",
    "data_start",
    "driver_impact",
    "headline_cards",
    "kaplan_meier",
    "key_findings",
    "landmark_date",
    "landmark_frame",
    "logistic",
    "ph_check",
    "survival_frame",
    "term_label",
]
