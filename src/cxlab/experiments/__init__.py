"""Intervention tests: randomised A/B tests and non-randomised pilots."""

from cxlab.experiments._ab import ABTestResult, ab_test, arm_moments, compare
from cxlab.experiments._moments import Moments
from cxlab.experiments._multiple import adjust
from cxlab.experiments._srm import SRMResult, srm_check
from cxlab.experiments._units import unit_metrics

__all__ = [
    "ABTestResult",
    "Moments",
    "SRMResult",
    "ab_test",
    "adjust",
    "arm_moments",
    "compare",
    "srm_check",
    "unit_metrics",
]
