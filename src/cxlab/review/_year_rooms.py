"""Three sections of the year-end review, read from the model rooms: the year's interventions,
staffing against demand, and customers (retention and NPS).

Each takes the year under review as the other year sections do: a :class:`ReviewYear`, or a
ground-floor :class:`~cxlab._present.Period` of twelve whole months or its spec
(``"2025-11..2026-10"``), read with :func:`review_year`; the result keeps it as ``year``. A
year with months without contacts (at either end or in the middle) is said to be partial in
the year's own words (:meth:`ReviewYear.coverage_text`), and nothing is extrapolated; a previous
year the data do not cover whole is not compared with.
"""

from cxlab.review._year_customers import YearCustomers, year_customers
from cxlab.review._year_interventions import YearInterventions, year_interventions
from cxlab.review._year_staffing import YearStaffing, year_staffing

__all__ = [
    "YearCustomers",
    "YearInterventions",
    "YearStaffing",
    "year_customers",
    "year_interventions",
    "year_staffing",
]
