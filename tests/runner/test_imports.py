"""Importing a sub-package loads no heavy library: each is imported where it is used.

Each sub-package is imported in a fresh interpreter and the modules it loaded are compared with
a list of libraries that take from a tenth of a second to two seconds to import (scipy.stats,
statsmodels, pandera, nbformat with jsonschema, ...). A list of modules, not a timing, so the
test does not depend on the machine's load.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import cxlab

HEAVY = (
    "scipy",
    "statsmodels",
    "pandera",
    "pandas",
    "sklearn",
    "lifelines",
    "prophet",
    "statsforecast",
    "nbconvert",
    "nbformat",
    "papermill",
    "jsonschema",
    "duckdb",
    "pyarrow",
    "matplotlib",
    "plotly.graph_objs._figure",
)

SUBPACKAGES = cxlab._SUBPACKAGES  # every sub-package, as the package lists them


def _loaded(module: str) -> list[str]:
    code = (
        f"import sys, json, {module}\n"
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("name", SUBPACKAGES)
def test_a_subpackage_imports_without_heavy_libraries(name: str) -> None:
    loaded = _loaded(f"cxlab.{name}")
    assert loaded == [], f"import cxlab.{name} loads {loaded}"


def test_the_check_sees_a_heavy_import() -> None:
    """The same check on a module that does import one of them finds it."""
    assert _loaded("scipy.special") == ["scipy"]
