"""The processes a run starts (papermill and its kernel) skip jsonschema's IRI grammars and
papermill's per-cell saves, and are otherwise the stock ones: the kernel sees the same
``sys.path`` and ``sys.argv`` shape as one started by ``python -m papermill`` with the installed
``python3`` kernel, and the executed notebook is the one stock papermill writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat

from cxlab.runner._execute import PARENT, SKIP_IRI_SYNTAX, execute, skip_iri_syntax

PROBE = """import json, os, sys
import jsonschema
print(json.dumps({
    "iri": "iri" in jsonschema.FormatChecker.checkers,
    "blocked": "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None,
    "path": [p for p in sys.path if p != os.getcwd()],
    "cwd_first": sys.path[0] in ("", os.getcwd()),
    "argv": [a for a in sys.argv if not a.endswith(".json")],
}))"""


def _notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Probe"),
        nbformat.v4.new_code_cell(PROBE),
        nbformat.v4.new_code_cell(
            "from IPython.display import HTML\nHTML('<b>' + 'x' * 200_000 + '</b>')"
        ),
        nbformat.v4.new_code_cell("print(sum(range(10)))"),
    ]
    nbformat.write(nb, str(path))


def _probe(output: Path) -> dict:
    nb = nbformat.read(str(output), as_version=4)
    cell = next(c for c in nb.cells if c.source == PROBE)
    return json.loads("".join(o["text"] for o in cell.outputs if o.get("name") == "stdout"))


def test_the_kernel_of_a_run_is_the_stock_one_without_the_iri_grammars(tmp_path: Path) -> None:
    source = tmp_path / "probe.ipynb"
    _notebook(source)
    ours = execute(
        source,
        tmp_path / "ours.ipynb",
        {},
        cwd=tmp_path,
        env={},
        cell_timeout=120,
        run_timeout=300,
        log=tmp_path / "run.log",
    )
    assert ours.ok, ours.message
    subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(source),
            str(tmp_path / "stock.ipynb"),
            "--kernel",
            "python3",
            "--cwd",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    mine, stock = _probe(tmp_path / "ours.ipynb"), _probe(tmp_path / "stock.ipynb")
    assert mine["iri"] is False and stock["iri"] is True  # the grammars were skipped
    assert mine["blocked"] is False and stock["blocked"] is False  # user code may import it
    assert mine["path"] == stock["path"]
    assert mine["cwd_first"] == stock["cwd_first"]
    assert len(mine["argv"]) == len(stock["argv"])
    # the notebook written at the end is stock papermill's, but for times and the probe's answer
    ours_nb = nbformat.read(str(tmp_path / "ours.ipynb"), as_version=4)
    stock_nb = nbformat.read(str(tmp_path / "stock.ipynb"), as_version=4)

    def shape(nb: nbformat.NotebookNode) -> list:
        return [
            (
                c.cell_type,
                c.source,
                c.get("execution_count"),
                c.metadata["papermill"]["status"],
                c.metadata["papermill"]["exception"],
                None if c.source == PROBE else c.get("outputs"),
            )
            for c in nb.cells
        ]

    assert shape(ours_nb) == shape(stock_nb)
    assert [c.get("execution_count") for c in ours_nb.cells] == [None, 1, 2, 3]


def test_nbformat_still_validates_without_the_iri_grammars() -> None:
    """A notebook with a cell of an unknown type is refused as before."""
    code = (
        SKIP_IRI_SYNTAX + "\nimport nbformat\n"
        "nb = nbformat.v4.new_notebook()\n"
        "nb.cells.append(nbformat.from_dict({'cell_type': 'nonsense', 'source': '', "
        "'metadata': {}, 'id': 'x'}))\n"
        "try:\n    nbformat.validate(nb)\nexcept nbformat.ValidationError:\n    print('refused')\n"
        "import jsonschema\nprint('iri' in jsonschema.FormatChecker.checkers)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["refused", "False"]


def test_skipping_the_iri_grammars_leaves_rfc3987_syntax_importable() -> None:
    """In a fresh process (the caller of a run): after :func:`skip_iri_syntax` jsonschema has no
    IRI checks, yet ``rfc3987_syntax`` is not blocked and imports; a jsonschema imported earlier
    is left as it is."""
    code = (
        "import sys\n"
        "from cxlab.runner._execute import skip_iri_syntax\n"
        "skip_iri_syntax()\n"
        "import jsonschema\n"
        "print('iri' in jsonschema.FormatChecker.checkers, 'rfc3987_syntax' in sys.modules)\n"
        "import rfc3987_syntax\n"
        "print(sys.modules.get('rfc3987_syntax') is rfc3987_syntax is not None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "True"]
    import jsonschema

    checkers = dict(jsonschema.FormatChecker.checkers)
    skip_iri_syntax()  # jsonschema is imported in this process: nothing changes
    assert jsonschema.FormatChecker.checkers == checkers
    assert sys.modules.get("rfc3987_syntax", 0) is not None


def test_papermill_whose_starter_is_gone_exits_at_once() -> None:
    """A run's papermill started by a process that is no longer its parent (it died before the
    watch was set) exits 1 before papermill runs; started by its parent, it runs."""
    cmd = [sys.executable, "-m", "cxlab.runner._papermill", "papermill", "--help"]
    gone = subprocess.run(cmd, env={**os.environ, PARENT: "1"}, capture_output=True, text=True)
    assert (gone.returncode, gone.stdout) == (1, "")
    ours = subprocess.run(cmd, env={**os.environ, PARENT: str(os.getpid())}, capture_output=True)
    assert ours.returncode == 0 and b"Usage" in ours.stdout
