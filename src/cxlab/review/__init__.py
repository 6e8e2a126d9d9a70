"""The monthly and yearly service reviews: the reports a service department writes by hand,
computed.

Every number comes from the metric dictionary (:mod:`cxlab.features`); this package chooses the
period, compares it, tests changes, finds unusual days and ranks agents without rewarding luck.
The month and its comparison month are :class:`ReviewPeriods`, a pair of the one ground-floor
:class:`~cxlab._present.Period` (re-exported here as ``Period``, the same
class). The yearly review's twelve months and the twelve before them are a :class:`ReviewYear`; its sections (:func:`year_volume`, :func:`year_kpis`,
:func:`year_targets`, :func:`year_changes`, :func:`year_interventions`, :func:`year_staffing`,
:func:`year_customers`) and its answer (:func:`year_answer`) read them; :func:`next_year` projects
the year after it and proposes its targets.
"""

from cxlab._present import Period
from cxlab.review._next_year import NextYear, next_year
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
from cxlab.review._year import ReviewYear, review_year
from cxlab.review._year_kpis import YearKpis, year_kpis
from cxlab.review._year_open import YearAnswer, year_answer
from cxlab.review._year_rooms import (
    YearCustomers,
    YearInterventions,
    YearStaffing,
    year_customers,
    year_interventions,
    year_staffing,
)
from cxlab.review._year_targets import YearChanges, YearTargets, year_changes, year_targets
from cxlab.review._year_volume import YearVolume, year_volume

__all__ = [
    "Anomalies",
    "Breakdown",
    "Complaints",
    "Daily",
    "NextYear",
    "Period",
    "Phone",
    "Projection",
    "QualityAssurance",
    "Ranking",
    "ReviewInputs",
    "ReviewPeriods",
    "ReviewYear",
    "Scorecard",
    "TargetProposal",
    "Volume",
    "YearAnswer",
    "YearChanges",
    "YearCustomers",
    "YearInterventions",
    "YearKpis",
    "YearStaffing",
    "YearTargets",
    "YearVolume",
    "anomalies",
    "breakdown",
    "complaints",
    "daily",
    "headline_cards",
    "next_year",
    "open_review",
    "phone",
    "projection",
    "propose_targets",
    "qa",
    "ranking",
    "record_headlines",
    "report_table",
    "review_period",
    "review_year",
    "scorecard",
    "volume",
    "year_answer",
    "year_changes",
    "year_customers",
    "year_interventions",
    "year_kpis",
    "year_staffing",
    "year_targets",
    "year_volume",
]
