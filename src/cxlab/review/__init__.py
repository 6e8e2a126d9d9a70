"""The monthly service review: the report a service department writes by hand, computed.

Every number comes from the metric dictionary (:mod:`cxlab.features`); this package chooses the
period, compares it, tests changes, finds unusual days and ranks agents without rewarding luck.
The month and its comparison month are :class:`ReviewPeriods`, a pair of the one ground-floor
:class:`~cxlab._present.Period` (re-exported here as ``Period``, the same class).
"""

from cxlab._present import Period
from cxlab.review._open import (
    ReviewInputs,
    headline_cards,
    open_review,
    record_headlines,
    report_table,
)
from cxlab.review._period import ReviewPeriods, review_period
from cxlab.review._plan import Projection, projection
from cxlab.review._plan_targets import TargetProposal, propose_targets
from cxlab.review._sections import (
    Breakdown,
    Complaints,
    Daily,
    Phone,
    QualityAssurance,
    Scorecard,
    Volume,
    breakdown,
    complaints,
    daily,
    phone,
    qa,
    scorecard,
    volume,
)
from cxlab.review._signals import Anomalies, Ranking, anomalies, ranking
from cxlab.review._year_rooms import (
    YearCustomers,
    YearInterventions,
    YearStaffing,
    year_customers,
    year_interventions,
    year_staffing,
)

__all__ = [
    "Anomalies",
    "Breakdown",
    "Complaints",
    "Daily",
    "Period",
    "Phone",
    "Projection",
    "QualityAssurance",
    "Ranking",
    "ReviewInputs",
    "ReviewPeriods",
    "Scorecard",
    "TargetProposal",
    "Volume",
    "YearCustomers",
    "YearInterventions",
    "YearStaffing",
    "anomalies",
    "breakdown",
    "complaints",
    "daily",
    "headline_cards",
    "open_review",
    "phone",
    "projection",
    "propose_targets",
    "qa",
    "ranking",
    "record_headlines",
    "report_table",
    "review_period",
    "scorecard",
    "volume",
    "year_customers",
    "year_interventions",
    "year_staffing",
]
