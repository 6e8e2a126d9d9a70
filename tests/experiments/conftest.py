"""Fixtures of the interventions tests."""

from __future__ import annotations

from pathlib import Path

import pytest

import cxlab as cx

# The session's tiny workspace (seed 11) reads its single-region pilot by synthetic DiD: with 167
# answered contacts before the start, the pilot region's handle time falls just below every other
# region's, which no blend of them reaches. The tiny workspace of seed 7 has the region inside the
# others' range, so its report is the classic synthetic control one, with its placebo rank test.
SINGLE_REGION_SEED = 7


@pytest.fixture(scope="session")
def single_region_pilot(generate_once) -> cx.experiments.ExperimentReport:
    """The single-region pilot of a tiny workspace, read by classic synthetic control."""
    root: Path = generate_once("tiny_sc", seed=SINGLE_REGION_SEED, size="tiny")
    rep = cx.experiments.analyze("EXP-PILOT-VIDEO", workspace=root)
    assert rep.design == "synthetic_control" and not rep.main.outside
    return rep
