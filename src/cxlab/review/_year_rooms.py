"""Three sections of the year-end review, read from the model rooms: the year's interventions,
staffing against demand, and customers (retention and NPS).

Each takes the year under review as a ground-floor :class:`~cxlab._present.Period` (twelve whole
months, ``Period.parse("2025-11..2026-10")``) and the workspace, and returns a result that shows
itself. A year the data cover only in part is said to be partial, month by month, and nothing is
extrapolated; a previous year the data do not cover is not compared with.
"""

from cxlab.review._year_common import Coverage
from cxlab.review._year_customers import YearCustomers, year_customers
from cxlab.review._year_interventions import YearInterventions, year_interventions
from cxlab.review._year_staffing import YearStaffing, year_staffing

__all__ = [
    "Coverage",
    "YearCustomers",
    "YearInterventions",
    "YearStaffing",
    "year_customers",
    "year_interventions",
    "year_staffing",
]
