"""Shared fixtures: the synthetic workspaces of a test run (each built once, read-only)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from filelock import FileLock

import cxlab as cx
from notebook_support import NOTEBOOKS

TINY_SEED = 11

# The files that take longest (a session fixture that publishes every report, a real bank's
# workspace, every result built once, notebooks run end to end), longest first, are handed out
# first, so that with two workers (``make test``: pytest-xdist, one file per worker at a time)
# neither waits on the other at the end.
LONGEST_FIRST = (
    "browser/test_reports.py",
    "test_bank_workspace.py",
    "runner/test_runner.py",
    "review/test_year_notebook.py",
    "test_result_contract.py",
    "data/test_vendor_review.py",
    "forecast/test_truth.py",
    "runner/test_report.py",
    "test_docs.py",
    "review/test_review_notebook.py",
    "runner/test_survive.py",
    "test_tutorial.py",
    "runner/test_partial_workspace.py",
)


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist hands out the files of --dist loadfile in the order of collection only without
    # its own reordering (by number of tests, which would put a file of two long tests last)
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.path.as_posix()
        return next((i for i, tail in enumerate(LONGEST_FIRST) if path.endswith(tail)), 99)

    items.sort(key=rank)  # stable: the order within a file, and among the rest, is kept


# Unit tests read English; tests of the Chinese reports ask for zh explicitly (use_language, or
# ``-p language zh`` on a run).
os.environ.setdefault("CXLAB_LANGUAGE", "en")


@pytest.fixture(scope="session")
def generate_once(tmp_path_factory: pytest.TempPathFactory):
    """``generate_once(name, **options)``: the workspace of ``cx.data.generate(**options)``, built
    once per run and read-only.

    Under pytest-xdist the workers share it: the first worker to ask generates it into the run's
    common temporary folder while holding a file lock; the others wait for the lock, then read
    the same folder. Without workers it is built in the session's own temporary folder.
    """

    def build(name: str, **options) -> Path:
        if not os.environ.get("PYTEST_XDIST_WORKER"):
            root = tmp_path_factory.mktemp(name)
            cx.data.generate(workspace=root, **options)
            return root
        common = tmp_path_factory.getbasetemp().parent  # the run's folder, above the workers'
        root, done = common / name, common / f"{name}.generated"
        with FileLock(common / f"{name}.lock"):
            if not done.exists():
                shutil.rmtree(root, ignore_errors=True)  # what a worker that failed left
                root.mkdir()
                cx.data.generate(workspace=root, **options)
                done.touch()
        return root

    return build


@pytest.fixture(scope="session")
def tiny_workspace(generate_once) -> Path:
    """A tiny synthetic workspace (about 14,000 contacts). Treat it as read-only."""
    return generate_once("tiny", seed=TINY_SEED, size="tiny")


YEARS_SEED = 3


@pytest.fixture(scope="session")
def years_workspace(generate_once) -> Path:
    """A tiny synthetic workspace over three years (36 months to 2026-10, ~15 s), for what
    needs a history of years: next year's projection. Treat it as read-only."""
    return generate_once("years", seed=YEARS_SEED, size="tiny", months=36)


@pytest.fixture()
def scratch_workspace(tiny_workspace: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny workspace that a test may change."""
    target = tmp_path / "ws"
    shutil.copytree(tiny_workspace, target)
    return target


@pytest.fixture(scope="session")
def default_workspace(generate_once) -> Path:
    """The default synthetic workspace (seed 7, 24 months, about 520,000 contacts, ~11 s).
    Read-only."""
    return generate_once("default", seed=7, size="default")


@pytest.fixture()
def run_notebook(tmp_path: Path):
    """Execute a committed notebook with papermill against a workspace; return the executed
    notebook (as a dict), after checking that no cell raised."""
    import json
    import os
    import subprocess
    import sys

    def run(
        name: str, workspace: Path, parameters: dict | None = None, env: dict | None = None
    ) -> dict:
        import yaml

        out = tmp_path / f"{name}.out.ipynb"
        params = tmp_path / f"{name}.params.yaml"
        params.write_text(yaml.safe_dump(parameters or {}))
        subprocess.run(
            [
                sys.executable,
                "-m",
                "papermill",
                str(NOTEBOOKS / f"{name}.ipynb"),
                str(out),
                "-f",
                str(params),
            ],
            cwd=workspace,
            env={**os.environ, "CXLAB_WORKSPACE": str(workspace), **(env or {})},
            check=True,
            capture_output=True,
            timeout=600,
        )
        nb = json.loads(out.read_text())
        errors = [
            o for c in nb["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"
        ]
        assert not errors, errors[0]
        return nb

    return run


@pytest.fixture(autouse=True)
def _declared_metrics_stay_in_their_test():
    """A metric an analyst declares lives in the process; a test's declarations end with it."""
    from cxlab._present import _labels
    from cxlab.features import _metrics

    metrics, labels = dict(_metrics._DECLARED), dict(_labels._DECLARED)
    yield
    _metrics._DECLARED.clear()
    _metrics._DECLARED.update(metrics)
    _labels._DECLARED.clear()
    _labels._DECLARED.update(labels)
