"""The project keeps its own rules: one source of dependencies, the room rule of DESIGN.md, a
fast ``import cxlab``, a working command line and a self-documenting Makefile."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "cxlab"
HEAVY = ("statsmodels", "prophet", "lifelines", "statsforecast")


# -- environment.yml agrees with pyproject.toml -------------------------------------------------


def _requirement(text: str) -> tuple[str, str]:
    """``"pandera[polars]>=0.22"`` -> ``("pandera", ">=0.22")``: normalised name, specifier."""
    match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*?)\s*$", text)
    assert match, text
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    spec = match.group(3).replace(" ", "")
    if spec.startswith("=") and not spec.startswith("=="):  # conda's "pkg=1.2" pins like ==
        spec = "=" + spec
    return name, spec


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = [*project["dependencies"]]
    for extra in project.get("optional-dependencies", {}).values():
        listed += extra
    return dict(_requirement(r) for r in listed)


def _environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed: list[str] = []
    for item in env["dependencies"]:
        if isinstance(item, dict):
            listed += [p for p in item.get("pip", []) if not p.strip().startswith("-e")]
        else:
            listed.append(item)
    out = dict(_requirement(r) for r in listed)
    for ignored in ("python", "pip"):
        out.pop(ignored, None)
    return out


def test_requirement_parsing() -> None:
    assert _requirement("pandera[polars]>=0.22") == ("pandera", ">=0.22")
    assert _requirement("scikit_learn >= 1.4") == ("scikit-learn", ">=1.4")
    assert _requirement("PyYAML") == ("pyyaml", "")
    assert _requirement("python=3.11") == ("python", "==3.11")


def test_environment_yml_lists_the_pyproject_dependencies() -> None:
    """Same names (case, -/_ and extras normalised; pip-section entries count) and the same
    version bounds. The conda-forge names of these packages equal their PyPI names."""
    py, env = _pyproject(), _environment()
    assert sorted(set(py) - set(env)) == [], "in pyproject.toml only"
    assert sorted(set(env) - set(py)) == [], "in environment.yml only"
    differ = {n: (py[n], env[n]) for n in py if py[n] != env[n]}
    assert differ == {}, "version bounds differ (pyproject, environment)"


def test_environment_yml_installs_the_package_editable() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    pip = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    assert any(re.fullmatch(r"-e\s+\.(\[[a-z,]+\])?", p.strip()) for p in pip)


# -- the room rule -----------------------------------------------------------------------------
#
# DESIGN.md: the ground floor is imported by everyone and imports nothing above it. A model room
# imports the ground floor, data, features and viz, never a sibling. The review may also import
# the model rooms; the runner (and the command line) never imports a model room or the review; no
# one imports the runner. Across rooms, only public names: never another room's underscore module
# or name (a ground-floor package such as ``cxlab._present`` is public by its package path).

GROUND_FLOOR = (
    "_present",
    "_errors",
    "_options",
    "_config",
    "_stats",
    "_result",
    "_masking",
    "_exports",
    "_queue",
    "_version",
    "_executor",
)
MODELS = ("forecast", "staffing", "experiments", "churn", "nps", "text")
SHARED = ("data", "features", "viz")  # rooms every model may enter; they enter no model room
PUBLIC_UNDERSCORE = {"_"}  # gettext's conventional name, exported by cxlab._present


@dataclass(frozen=True)
class Imported:
    """One thing a module takes from cxlab: ``target`` is dotted from ``cxlab`` and names the
    imported name too (``from cxlab.nps import score`` -> ``cxlab.nps.score``)."""

    path: Path
    line: int
    target: str

    @property
    def room(self) -> str | None:
        """The room imported from; None for the package's top (``from cxlab import CxlabError``)."""
        parts = self.target.split(".")
        return parts[1] if len(parts) > 1 and _is_room(parts[1]) else None

    def __str__(self) -> str:
        return f"{self.path.relative_to(SRC)}:{self.line} imports {self.target}"


def _is_room(name: str) -> bool:
    declared = {*GROUND_FLOOR, *MODELS, *SHARED, "review", "runner", "cli"}
    return name in declared or (SRC / name).is_dir() or (SRC / f"{name}.py").exists()


def room_of(path: Path) -> str:
    """``src/cxlab/churn/_cox.py`` -> ``churn``; ``src/cxlab/_result.py`` -> ``_result``."""
    return path.relative_to(SRC).with_suffix("").parts[0]


def scan_imports(path: Path, source: str | None = None) -> list[Imported]:
    """Everything a module takes from cxlab: absolute and relative imports, from-imports (with
    the imported names), ``importlib.import_module("cxlab.x")`` and attribute access through a
    name bound to cxlab or one of its modules (``import cxlab as cx`` then ``cx.churn.cox``)."""
    tree = ast.parse(path.read_text() if source is None else source, filename=str(path))
    package = path.relative_to(SRC.parent).with_suffix("").parts  # ("cxlab", "churn", "_cox")
    if package[-1] == "__init__":
        package = (*package[:-1], "__init__")
    found: list[Imported] = []
    bound: dict[str, str] = {}  # local name -> the cxlab module it is bound to

    def add(node: ast.AST, dotted: str) -> None:
        if dotted == "cxlab" or dotted.startswith("cxlab."):
            found.append(Imported(path, node.lineno, dotted))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(node, alias.name)
                if alias.name.split(".")[0] == "cxlab":
                    name = alias.asname or "cxlab"
                    bound[name] = alias.name if alias.asname else "cxlab"
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = list(package[: len(package) - node.level])
                module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            else:
                module = node.module or ""
            if module.split(".")[0] != "cxlab":
                continue
            for alias in node.names:
                if alias.name == "*":
                    add(node, module)
                    continue
                add(node, f"{module}.{alias.name}")
                bound[alias.asname or alias.name] = f"{module}.{alias.name}"
        elif isinstance(node, ast.Call) and node.args:  # importlib.import_module("cxlab.x")
            first, func = node.args[0], node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if (
                name in ("import_module", "__import__")
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
            ):
                add(node, first.value)
    inner = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
    }
    for node in ast.walk(tree):  # the longest attribute chain on a bound name: cx.churn.cox
        if not isinstance(node, ast.Attribute) or id(node) in inner:
            continue
        chain, value = [node.attr], node.value
        while isinstance(value, ast.Attribute):
            chain.insert(0, value.attr)
            value = value.value
        if isinstance(value, ast.Name) and value.id in bound:
            add(node, ".".join([bound[value.id], *chain]))
    return found


def private_reach(item: Imported, importer: str) -> bool:
    """Whether ``item`` reaches into another room's underscore module or name."""
    parts = item.target.split(".")
    if len(parts) < 3 or parts[1] == importer:
        return False
    return any(
        p.startswith("_") and not (p.startswith("__") and p.endswith("__"))
        for p in parts[2:]
        if p not in PUBLIC_UNDERSCORE
    )


def _modules(room: str) -> list[Path]:
    """The modules of a room: a package's files, or the ground-floor module itself."""
    folder = SRC / room
    if folder.is_dir():
        return sorted(folder.rglob("*.py"))
    single = SRC / f"{room}.py"
    return [single] if single.exists() else []


def _every_module() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py")) if p != SRC / "__init__.py"]


def _allowed(room: str) -> set[str] | None:
    """The rooms ``room`` may import (besides itself); None for the package's top."""
    below = set(GROUND_FLOOR)
    if room in GROUND_FLOOR:
        return below
    if room in SHARED:
        return below | set(SHARED)
    if room in MODELS:
        return below | set(SHARED)
    if room == "review":
        return below | set(SHARED) | set(MODELS)
    if room in ("runner", "cli"):
        return {r for r in _rooms() if r not in MODELS and r != "review"}
    return None


def _rooms() -> set[str]:
    return {room_of(p) for p in _every_module()}


def room_rule_breaks(modules: list[Path]) -> list[str]:
    """Every import of these modules that breaks the room rule, as ``file:line imports x``."""
    bad = []
    for path in modules:
        room = room_of(path)
        allowed = _allowed(room)
        for item in scan_imports(path):
            if item.room is None or item.room == room:
                continue
            if allowed is not None and item.room not in allowed:
                bad.append(f"{item} (a {room} module may not import {item.room})")
            elif private_reach(item, room):
                bad.append(f"{item} (another room's private module or name)")
    return bad


def test_import_scanner_sees_every_form() -> None:
    """The checker itself: each way of importing from another room is seen, with its target."""
    source = textwrap.dedent(
        """
        import cxlab.churn
        from cxlab.nps import score
        from cxlab import staffing
        from ..experiments import ab_test
        import importlib
        importlib.import_module("cxlab.runner")
        import cxlab as cx
        cx.viz._display.table
        from cxlab.data import load
        from . import _base
        from cxlab._result import _json_safe, Result
        import cxlab.features._surveys as surveys
        surveys.helper
        from cxlab._present import _, N_
        """
    )
    probe = SRC / "forecast" / "_probe.py"  # parsed, never written
    found = scan_imports(probe, source)
    targets = {i.target for i in found}
    assert {
        "cxlab.churn",
        "cxlab.nps.score",
        "cxlab.staffing",
        "cxlab.experiments.ab_test",
        "cxlab.runner",
        "cxlab",
        "cxlab.viz._display.table",
        "cxlab.data.load",
        "cxlab.forecast._base",
        "cxlab._result._json_safe",
        "cxlab._result.Result",
        "cxlab.features._surveys",
        "cxlab.features._surveys.helper",
        "cxlab._present._",
        "cxlab._present.N_",
    } == targets
    assert {i.room for i in found} >= {"churn", "nps", "runner", "viz", "_result", "forecast"}
    private = sorted(i.target for i in found if private_reach(i, "forecast"))
    assert private == [
        "cxlab._result._json_safe",
        "cxlab.features._surveys",
        "cxlab.features._surveys.helper",
        "cxlab.viz._display.table",
    ]
    line = next(i for i in found if i.target == "cxlab.runner").line
    assert str(next(i for i in found if i.target == "cxlab.runner")) == (
        f"forecast/_probe.py:{line} imports cxlab.runner"
    )


def test_room_rule_checker_names_each_break(tmp_path: Path) -> None:
    """The rule, on modules written for it: a break is reported with its file and line."""
    del tmp_path  # the modules are parsed from strings under SRC's layout, never written
    source = "from cxlab.churn import cox\nfrom cxlab._present._period import Period\n"
    probe = SRC / "nps" / "_probe.py"
    items = scan_imports(probe, source)
    assert [(i.line, i.room) for i in items] == [(1, "churn"), (2, "_present")]
    assert _allowed("nps") is not None and "churn" not in _allowed("nps")
    assert private_reach(items[1], "nps") and not private_reach(items[1], "_present")
    assert "runner" not in _allowed("review") and "churn" in _allowed("review")
    assert "churn" not in _allowed("runner") and "review" not in _allowed("cli")
    assert "data" not in _allowed("_result")


@pytest.mark.parametrize("room", MODELS)
def test_model_rooms_import_only_the_floors_below(room: str) -> None:
    """A model room imports the ground floor, data, features, viz and itself, by public names."""
    bad = room_rule_breaks(_modules(room))
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("room", SHARED)
def test_shared_rooms_import_no_model_review_or_runner(room: str) -> None:
    assert _modules(room), f"no module in {room}"
    bad = room_rule_breaks(_modules(room))
    assert not bad, "\n".join(bad)


def test_review_imports_models_by_public_names_never_the_runner() -> None:
    assert _modules("review"), "the review has no module"
    bad = room_rule_breaks(_modules("review"))
    assert not bad, "\n".join(bad)


def test_runner_and_command_line_import_no_model_nor_review() -> None:
    modules = [*_modules("runner"), SRC / "cli.py"]
    bad = room_rule_breaks(modules)
    assert not bad, "\n".join(bad)


def test_ground_floor_imports_nothing_above_it() -> None:
    """The ground floor (presentation vocabulary, results, errors, settings, statistics) is
    imported by every room and imports none of them, nor another ground-floor module's insides."""
    modules = [p for room in GROUND_FLOOR for p in _modules(room)]
    assert {SRC / "_stats.py", SRC / "_result.py", SRC / "_present" / "_period.py"} <= set(modules)
    bad = room_rule_breaks(modules)
    assert not bad, "\n".join(bad)


def test_every_module_is_in_a_room_the_rule_knows() -> None:
    """A new top-level module or package is placed on a floor before it is used."""
    unknown = sorted(r for r in _rooms() if _allowed(r) is None)
    assert unknown == []


# -- import time and the command line --------------------------------------------------------

_PROBE = """
import json, sys, time
t = time.perf_counter()
import cxlab
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "loaded": sorted(m for m in %r if m in sys.modules)}))
"""


def test_import_cxlab_is_fast_and_light() -> None:
    """``import cxlab`` in a fresh interpreter: under a second, none of the heavy libraries."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE % (HEAVY,)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["seconds"] < 1.0, result
    assert result["loaded"] == [], result


def _top_level_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """Imports that run when the module is imported (not inside a function or TYPE_CHECKING)."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for orelse in child.orelse:
                    visit(ast.Module(body=[orelse], type_ignores=[]))
                continue
            if isinstance(child, ast.Import):
                found.extend((child.lineno, a.name) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and not child.level:
                found.append((child.lineno, child.module or ""))
            visit(child)

    visit(tree)
    return found


def test_heavy_libraries_are_imported_inside_functions() -> None:
    """statsmodels, prophet, lifelines and statsforecast take 1-2.5 s each to import: no module of
    cxlab imports them at module level, so importing any sub-package stays fast."""
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        for line, module in _top_level_imports(ast.parse(path.read_text())):
            if module.split(".")[0] in HEAVY:
                bad.append(f"{path.relative_to(SRC)}:{line} imports {module}")
    assert bad == []


def test_top_level_import_finder() -> None:
    source = textwrap.dedent(
        """
        import polars
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            import statsmodels
        try:
            import prophet
        except ImportError:
            pass
        def fit():
            import lifelines
        class Model:
            import statsforecast
        """
    )
    names = [m for _, m in _top_level_imports(ast.parse(source))]
    assert names == ["polars", "typing", "prophet", "statsforecast"]


def test_cli_help() -> None:
    from cxlab.cli import app

    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "data" in result.stdout
    data = CliRunner().invoke(app, ["data", "--help"])
    assert data.exit_code == 0
    for command in ("generate", "ingest", "validate"):
        assert command in data.stdout


def test_version_comes_from_the_package_metadata() -> None:
    """``cxlab --version`` (in-process and as the installed command) and ``cxlab.__version__``
    are the installed distribution's version; the runner takes it from the ground floor."""
    from importlib.metadata import version

    import cxlab
    from cxlab.cli import app

    installed = version("cxlab")
    shown = CliRunner().invoke(app, ["--version"])
    assert shown.exit_code == 0 and shown.stdout.strip() == f"cxlab {installed}"
    assert cxlab.__version__ == installed
    script = Path(sys.executable).parent / "cxlab"
    if script.exists():
        done = subprocess.run(
            [str(script), "--version"], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0 and done.stdout.strip() == f"cxlab {installed}", done.stderr
    runner = [i.target for p in _modules("runner") for i in scan_imports(p)]
    assert "cxlab.__version__" not in runner and "cxlab._version.version" in runner


def test_version_without_metadata_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    from cxlab import _version

    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    _version.version.cache_clear()
    monkeypatch.setattr(importlib.metadata, "version", missing)
    try:
        assert _version.version() == _version.UNKNOWN
    finally:
        _version.version.cache_clear()


@pytest.mark.parametrize("command", ["run", "refresh"])
def test_help_shows_the_parameter_option(command: str) -> None:
    """``cxlab run --help`` lists ``-p`` / ``--parameter`` with its two words, NAME VALUE."""
    from cxlab.cli import app

    shown = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "100"})
    assert shown.exit_code == 0, shown.output
    rows = [line for line in shown.stdout.splitlines() if "--parameter" in line]
    assert len(rows) == 1 and " -p " in rows[0] and "NAME VALUE" in rows[0], shown.stdout


def test_run_takes_parameters_as_name_value_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each -p takes two words (a value may start with a dash or hold spaces); a lone word is
    refused with a message that shows the form."""
    import cxlab.runner
    from cxlab import CxlabError
    from cxlab.cli import app

    given: dict = {}

    def fake_run(notebook: str, parameters: dict, **kwargs: object) -> None:
        given.update(notebook=notebook, parameters=parameters)
        raise CxlabError("stopped before running")

    monkeypatch.setattr(cxlab.runner, "run_notebook", fake_run)
    args = ["run", "04_nps", "-p", "month", "2026-10", "--parameters", "shift", "-5"]
    done = CliRunner().invoke(app, [*args, "-p", "label", "two words", "--timeout", "9"])
    assert done.exit_code == 2 and "stopped before running" in done.output
    assert given == {
        "notebook": "04_nps",
        "parameters": {"month": "2026-10", "shift": "-5", "label": "two words"},
    }
    lone = CliRunner().invoke(app, ["run", "04_nps", "-p", "month"])
    said = " ".join(re.sub(r"[│╭╮╰╯─]", " ", lone.output).split())  # the words in rich's box
    assert lone.exit_code == 2 and "-p NAME VALUE" in said and "'-p month'" in said, said
    unknown = CliRunner().invoke(app, ["run", "04_nps", "--month", "2026-10"])
    assert unknown.exit_code == 2 and "--month" in unknown.output


_PLOTLY_PROBE = """
import json
import plotly.io as pio
before = [pio.renderers.default, pio.templates.default, sorted(pio.templates)]
import cxlab
import cxlab.viz, cxlab.data, cxlab.features, cxlab.runner
for room in ("forecast", "staffing", "experiments", "churn", "nps", "review", "text"):
    try:
        __import__("cxlab." + room)
    except ModuleNotFoundError as exc:
        if exc.name != "cxlab." + room:
            raise
import cxlab.cli
after = [pio.renderers.default, pio.templates.default, sorted(pio.templates)]
print(json.dumps({"before": before, "after": after}))
"""


def test_importing_cxlab_changes_no_plotly_default() -> None:
    """Importing cxlab and every room leaves plotly's renderer, default template and template
    registry as they were (in a fresh interpreter, as a notebook kernel starts)."""
    env = {k: v for k, v in os.environ.items() if k != "PLOTLY_RENDERER"}
    done = subprocess.run(
        [sys.executable, "-c", _PLOTLY_PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["after"] == result["before"]


def test_installed_command_help() -> None:
    """The console script of pyproject.toml is installed beside the interpreter and starts."""
    script = Path(sys.executable).parent / "cxlab"
    if not script.exists():  # pragma: no cover - an environment without the script
        pytest.skip("the cxlab console script is not installed beside this interpreter")
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Usage" in done.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_help_lists_the_targets() -> None:
    done = subprocess.run(
        ["make", "--no-print-directory", "help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    plain = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout)
    listed = {line.split()[0] for line in plain.splitlines() if line.strip()}
    declared = set(
        re.findall(r"^([a-zA-Z_-]+):.*## ", (ROOT / "Makefile").read_text(), re.MULTILINE)
    )
    assert declared and declared == listed
    assert {"install", "demo", "test", "bench", "lint"} <= listed


def test_the_files_handed_out_first_are_test_files() -> None:
    """Each file the conftest hands out first (LONGEST_FIRST) names exactly one test file: a
    renamed or moved one would silently fall back among the rest of the run."""
    tree = ast.parse((ROOT / "tests" / "conftest.py").read_text())
    (listed,) = [
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and [getattr(t, "id", None) for t in node.targets] == ["LONGEST_FIRST"]
    ]
    files = [p.as_posix() for p in (ROOT / "tests").rglob("test_*.py")]
    assert listed and len(set(listed)) == len(listed)
    for tail in listed:
        assert len([f for f in files if f.endswith(f"/{tail}")]) == 1, tail
