"""The project keeps its own rules: one source of dependencies, the room rule of DESIGN.md, a
fast ``import cxlab``, a working command line and a self-documenting Makefile."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "cxlab"
MODELS = ("forecast", "staffing", "experiments", "churn", "nps")
SHARED = ("data", "features", "viz")  # rooms every model may enter; they enter no model room
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


def _imported_rooms(path: Path, source: str | None = None) -> set[str]:
    """The cxlab sub-packages a module imports (absolute, relative or ``cx.<room>`` access)."""
    tree = ast.parse(path.read_text() if source is None else source, filename=str(path))
    package = path.relative_to(SRC.parent).with_suffix("").parts  # ("cxlab", "churn", "_cox")
    rooms: set[str] = set()
    aliases: set[str] = set()  # names bound to the cxlab package itself

    def add(dotted: str) -> None:
        parts = dotted.split(".")
        if parts[0] == "cxlab" and len(parts) > 1:
            rooms.add(parts[1])

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
                if alias.name == "cxlab":
                    aliases.add(alias.asname or "cxlab")
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = list(package[: len(package) - node.level])
                module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            else:
                module = node.module or ""
            add(module)
            if module == "cxlab":
                for alias in node.names:
                    add(f"cxlab.{alias.name}")
        elif isinstance(node, ast.Call) and node.args:  # importlib.import_module("cxlab.x")
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("import_module", "__import__"):
                    add(first.value)
    for node in ast.walk(tree):  # `import cxlab as cx` then `cx.churn...`
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
        ):
            rooms.add(node.attr)
    return rooms


def _modules(room: str) -> list[Path]:
    folder = SRC / room
    return sorted(folder.rglob("*.py")) if folder.exists() else []


def test_import_scanner_sees_every_form() -> None:
    """The checker itself: each way of importing a sibling room is seen."""
    source = textwrap.dedent(
        """
        import cxlab.churn
        from cxlab.nps import score
        from cxlab import staffing
        from ..experiments import ab_test
        import importlib
        importlib.import_module("cxlab.runner")
        import cxlab as cx
        cx.viz.show
        from cxlab.data import load
        from . import _base
        """
    )
    rooms = _imported_rooms(SRC / "forecast" / "_probe.py", source)  # parsed, never written
    assert rooms == {"churn", "nps", "staffing", "experiments", "runner", "viz", "data", "forecast"}


@pytest.mark.parametrize("room", MODELS)
def test_model_rooms_do_not_import_each_other(room: str) -> None:
    siblings = set(MODELS) - {room}
    bad = {
        str(p.relative_to(SRC)): sorted(_imported_rooms(p) & siblings)
        for p in _modules(room)
        if _imported_rooms(p) & siblings
    }
    assert bad == {}, f"{room} imports a sibling model package"


@pytest.mark.parametrize("room", ["runner", *SHARED])
def test_runner_and_shared_rooms_import_no_model(room: str) -> None:
    """The runner never imports a model; data, features and viz sit below every model."""
    bad = {
        str(p.relative_to(SRC)): sorted(_imported_rooms(p) & set(MODELS))
        for p in _modules(room)
        if _imported_rooms(p) & set(MODELS)
    }
    assert bad == {}
    if room == "runner" and (SRC / "cli.py").exists():
        # the command line may run notebooks; it never imports a model package either
        assert not (_imported_rooms(SRC / "cli.py") & set(MODELS))


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


def test_cli_version_and_parameters_in_help() -> None:
    """``cxlab --version`` names the installed version; ``cxlab run --help`` shows ``-p``."""
    from importlib.metadata import version

    from cxlab.cli import app

    shown = CliRunner().invoke(app, ["--version"])
    assert shown.exit_code == 0 and shown.stdout.strip() == f"cxlab {version('cxlab')}"
    run_help = CliRunner().invoke(app, ["run", "--help"])
    assert run_help.exit_code == 0 and "-p NAME VALUE" in run_help.stdout


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


GROUND_FLOOR = ("_present", "_result", "_errors", "_config", "_masking", "_stats", "_options")


def test_ground_floor_imports_nothing_above_it() -> None:
    """The ground floor (presentation vocabulary, results, errors, settings) is imported by every
    room and imports none of them."""
    modules = [p for p in SRC.glob("_*.py") if p.name != "__init__.py"]
    modules += sorted((SRC / "_present").rglob("*.py"))
    bad = {
        str(p.relative_to(SRC)): sorted(_imported_rooms(p) - set(GROUND_FLOOR))
        for p in modules
        if _imported_rooms(p) - set(GROUND_FLOOR)
    }
    assert modules and bad == {}


def test_review_and_runner_keep_apart() -> None:
    """The review composes the model rooms but never the runner; the runner never the review."""
    for room, other in (("review", "runner"), ("runner", "review")):
        bad = [str(p.relative_to(SRC)) for p in _modules(room) if other in _imported_rooms(p)]
        assert bad == [], f"{room} imports {other}: {bad}"
