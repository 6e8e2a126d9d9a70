"""Churn drivers: survival frames, Kaplan–Meier and competing risks, Cox and logistic models,
the at-risk list and the money a better service experience would keep."""

from cxlab.churn._cox import CoxResult, PHCheck, cox, ph_check
from cxlab.churn._frames import customer_months, data_end, landmark_frame, survival_frame

__all__ = [
    "CoxResult",
    "PHCheck",
    "cox",
    "customer_months",
    "data_end",
    "landmark_frame",
    "ph_check",
    "survival_frame",
]
