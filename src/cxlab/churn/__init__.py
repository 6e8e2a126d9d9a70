"""Churn drivers: survival frames, Kaplan–Meier and competing risks, Cox and logistic models,
the at-risk list and the money a better service experience would keep."""

from cxlab.churn._cox import CoxResult, PHCheck, cox, ph_check
from cxlab.churn._frames import (
    customer_months,
    data_end,
    data_start,
    landmark_frame,
    survival_frame,
)
from cxlab.churn._survival import (
    CompetingRisksResult,
    KaplanMeierResult,
    cumulative_incidence,
    kaplan_meier,
)

__all__ = [
    "CompetingRisksResult",
    "CoxResult",
    "KaplanMeierResult",
    "PHCheck",
    "cox",
    "cumulative_incidence",
    "customer_months",
    "data_end",
    "data_start",
    "kaplan_meier",
    "landmark_frame",
    "ph_check",
    "survival_frame",
]
