"""Intervention tests: randomised A/B tests and non-randomised pilots.

``analyze(experiment_id)`` reads the registry, picks the analysis the design calls for and returns
a report with the verdict first; ``overview()`` reads every registered intervention (status,
verdict, effect) and gives the index one card per intervention. The building blocks are public too: per-unit sums and addable
moments (``unit_metrics``, ``Moments``), ``ab_test`` with CUPED, SRM and guardrails, ``power``,
``sequential`` (always-valid intervals), ``did`` with an event study, ``staggered_did`` and
``callaway_santanna``, ``its``, ``synthetic_control`` and ``synthetic_did``.

Every analysis takes the analyst's metric three ways: a KPI of the metric dictionary, a metric
declared with :func:`cxlab.features.declare_metric` (a ratio of sums over contacts, or a column),
or a plain column of the per-unit table or panel. Text, tables, charts and cards name it by its
label and format it by its unit; a metric without a declared better direction "changed", and no
roll-out verdict is drawn from its direction. ``alpha`` sets every interval and check (their level
is written from it), ``correction`` the multiple-comparison correction, and a window edge given
without a time zone is read in the workspace's ``time_zone``.
"""

from cxlab.experiments._ab import ABTestResult, ab_test, arm_moments, compare
from cxlab.experiments._did import DiDResult, PretrendResult, did
from cxlab.experiments._its import ITSResult, PlaceboResult, its
from cxlab.experiments._moments import Moments
from cxlab.experiments._multiple import adjust
from cxlab.experiments._overview import Overview, overview
from cxlab.experiments._panel import kpi_panel
from cxlab.experiments._power import PowerResult, power
from cxlab.experiments._registry import analyze, registry
from cxlab.experiments._report import ExperimentReport
from cxlab.experiments._sdid import SyntheticDiDResult, synthetic_did
from cxlab.experiments._sequential import SequentialResult, cs_half_width, sequential
from cxlab.experiments._srm import SRMResult, srm_check
from cxlab.experiments._staggered import StaggeredResult, callaway_santanna, staggered_did
from cxlab.experiments._synthetic import SyntheticControlResult, synthetic_control
from cxlab.experiments._units import unit_metrics

__all__ = [
    "ABTestResult",
    "DiDResult",
    "ExperimentReport",
    "ITSResult",
    "Moments",
    "Overview",
    "PlaceboResult",
    "PowerResult",
    "PretrendResult",
    "SRMResult",
    "SequentialResult",
    "StaggeredResult",
    "SyntheticControlResult",
    "SyntheticDiDResult",
    "ab_test",
    "adjust",
    "analyze",
    "arm_moments",
    "callaway_santanna",
    "compare",
    "cs_half_width",
    "did",
    "its",
    "kpi_panel",
    "overview",
    "power",
    "registry",
    "sequential",
    "srm_check",
    "staggered_did",
    "synthetic_control",
    "synthetic_did",
    "unit_metrics",
]
