"""Fixtures of the NPS tests: survey tables read once per session from the shared workspaces."""

from __future__ import annotations

import polars as pl
import pytest

import cxlab as cx


@pytest.fixture(scope="session")
def tiny_surveys(tiny_workspace) -> pl.DataFrame:
    """Surveys of the tiny workspace with segment, region, channel and last contact."""
    return cx.features.survey_features(
        cx.load("surveys", workspace=tiny_workspace),
        customers=cx.load("customers", workspace=tiny_workspace),
        contacts=cx.load("contacts", workspace=tiny_workspace),
    ).collect()


@pytest.fixture(scope="session")
def default_surveys(default_workspace) -> pl.DataFrame:
    """Surveys of the default workspace (seed 7, 24 months) with segment and region."""
    return cx.features.survey_features(
        cx.load("surveys", workspace=default_workspace),
        customers=cx.load("customers", workspace=default_workspace),
    ).collect()
