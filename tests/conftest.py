"""Shared fixtures: one tiny synthetic workspace per test session (built once, read-only)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import cxlab as cx

TINY_SEED = 11


@pytest.fixture(scope="session")
def tiny_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny synthetic workspace (about 14,000 contacts). Treat it as read-only."""
    root = tmp_path_factory.mktemp("tiny")
    cx.data.generate(seed=TINY_SEED, size="tiny", workspace=root)
    return root


@pytest.fixture()
def scratch_workspace(tiny_workspace: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny workspace that a test may change."""
    target = tmp_path / "ws"
    shutil.copytree(tiny_workspace, target)
    return target


@pytest.fixture(scope="session")
def default_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default synthetic workspace (seed 7, about 280,000 contacts, ~12 s). Read-only."""
    root = tmp_path_factory.mktemp("default")
    cx.data.generate(seed=7, size="default", workspace=root)
    return root
