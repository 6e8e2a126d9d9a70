"""The documentation: the site builds offline without a warning, and every example runs.

``make docs`` builds the guide and API reference with ``mkdocs build --strict``; the first tests
build it into a temporary folder and look at a few pages. The last ones run every docstring
example of ``src/cxlab`` (and the examples of the guide pages) as doctests on the tiny synthetic
workspace, so an example shows what the code computes.
"""

from __future__ import annotations

import doctest
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
DOCS = ROOT / "docs"
ROOMS = ("data", "features", "forecast", "staffing", "experiments", "churn", "nps", "review")
ROOMS += ("runner", "viz")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules() -> list[str]:
    """Every module of the package, found on disk (nothing is imported to collect them)."""
    names = []
    for path in sorted((SRC / "cxlab").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built as ``make docs`` builds it, into a temporary folder."""
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-4000:]
    warnings = [line for line in log.splitlines() if line.startswith(("WARNING", "ERROR"))]
    assert not warnings, "\n".join(warnings)
    return out


def test_site_has_the_guide_and_a_page_per_room(site: Path) -> None:
    for page in ("index", "getting-started", "vocabulary", "scheduler", "changelog"):
        assert (site / f"{page}.html").is_file(), page
    for room in ROOMS:
        html = (site / "rooms" / f"{room}.html").read_text(encoding="utf-8")
        assert f'id="cxlab.{room}"' in html, room  # the room's API reference is rendered
    assert (site / "search" / "search_index.js").is_file()  # search works from file://


def test_reference_names_the_public_api(site: Path) -> None:
    staffing = (site / "rooms" / "staffing.html").read_text(encoding="utf-8")
    assert 'id="cxlab.staffing.plan"' in staffing
    assert 'id="cxlab.staffing.agents_required"' in staffing
    assert 'id="cxlab.staffing._plan' not in staffing  # only public names
    features = (site / "rooms" / "features.html").read_text(encoding="utf-8")
    assert 'id="cxlab.features.declare_metric"' in features
    vocabulary = (site / "vocabulary.html").read_text(encoding="utf-8")
    for name in ("cxlab.Period", "cxlab._present.parse_period", "cxlab.OptionError"):
        assert f'id="{name}"' in vocabulary, name
    for word in (
        "alpha",
        "horizon",
        "every",
        "correction",
        "time_zone",
        "compare_to",
        '"year_ago"',
    ):
        assert f"<code>{word}" in vocabulary, word
    changelog = (site / "changelog.html").read_text(encoding="utf-8")
    assert "All notable changes to cxlab" in changelog
    assert (site / "getting-started.html").read_text(encoding="utf-8").count('id="cxlab.load"') == 1


def test_site_makes_no_network_request(site: Path) -> None:
    """Scripts, styles, images and fonts come from the site itself (it opens from disk)."""
    remote = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.I)
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not remote.search(html), page.relative_to(site)
    for sheet in site.rglob("*.css"):
        assert not re.search(r"@import|url\((?:['\"])?(?:https?:)?//", sheet.read_text()), sheet


def test_sphinx_roles_are_rendered(site: Path) -> None:
    """``:func:`x``` in a docstring is a link (or code), never shown as written."""
    nps = (site / "rooms" / "nps.html").read_text(encoding="utf-8")
    assert 'href="#cxlab.nps.tag_themes"' in nps
    for page in site.rglob("*.html"):
        assert not re.search(r":(?:func|class|meth|mod|attr):`", page.read_text()), page


@pytest.fixture()
def on_tiny_workspace(tiny_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CXLAB_WORKSPACE", str(tiny_workspace))
    monkeypatch.chdir(tiny_workspace)
    return tiny_workspace


def _run(tests: list[doctest.DocTest]) -> tuple[int, list[str]]:
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    failures: list[str] = []
    tried = 0
    for test in tests:
        out: list[str] = []
        result = runner.run(test, out=out.append, clear_globs=True)
        tried += result.attempted
        if result.failed:
            failures.append("".join(out))
    return tried, failures


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name: str, on_tiny_workspace: Path) -> None:
    module = importlib.import_module(name)
    tests = [t for t in doctest.DocTestFinder().find(module, name) if t.examples]
    _, failures = _run(tests)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "page", sorted(str(p.relative_to(DOCS)) for p in [*DOCS.glob("*.md"), *DOCS.glob("rooms/*.md")])
)
def test_guide_examples(page: str, on_tiny_workspace: Path) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    # a closing fence right after an expected output is not part of it
    text = re.sub(r"\n```", "\n\n```", text)
    test = doctest.DocTestParser().get_doctest(text, {}, page, str(DOCS / page), 0)
    _, failures = _run([test])
    assert not failures, "\n".join(failures)


def test_the_examples_are_many() -> None:
    """Most-used calls carry a runnable example (not one skipped)."""
    import cxlab as cx

    for call in (
        cx.load,
        cx.features.kpi,
        cx.forecast.refresh,
        cx.staffing.plan,
        cx.experiments.ab_test,
        cx.churn.cox,
        cx.nps.score,
    ):
        examples = doctest.DocTestParser().get_examples(call.__doc__ or "")
        run = [e for e in examples if not e.options.get(doctest.SKIP)]
        assert run, f"{call.__module__}.{call.__qualname__} has no example that runs"
