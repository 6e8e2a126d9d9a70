"""Executing a notebook with papermill in a subprocess, and judging whether it really ran.

A run is good only if papermill exited 0 *and* every code cell of the output notebook ran
(has an execution count) without an error output. That catches what papermill itself calls
success: a notebook stopped early by ``sys.exit(0)``, and a killed kernel (exit 138) whose cells
papermill leaves marked as completed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# the kernel's plotly renderer: the mimetype keeps charts in the executed notebook, the notebook
# part embeds plotly.js once so nbconvert's HTML draws them (plotly reads PLOTLY_RENDERER at import;
# importing cxlab changes no plotly default, so the kernel gets it here)
KERNEL_RENDERER = "plotly_mimetype+notebook"

SKIP_IRI_SYNTAX = (
    "import sys; sys.modules.setdefault('rfc3987_syntax', None); import nbformat, jsonschema"
    "; sys.modules.get('rfc3987_syntax', 0) is None and sys.modules.pop('rfc3987_syntax')"
)
"""Python that imports nbformat and jsonschema without jsonschema's IRI checks, then lets
``rfc3987_syntax`` be imported again by whatever code runs next.

nbformat imports jsonschema (so papermill, nbconvert and plotly's notebook renderer all do), and
jsonschema, when ``rfc3987_syntax`` is installed, compiles 39 lark grammars at import (0.8 s) for
the ``iri`` and ``iri-reference`` formats. Those formats belong to JSON Schema draft 7 and later and
are checked only with a format checker; nbformat validates against its draft-4 schema without one.
A missing ``rfc3987_syntax`` is a case jsonschema handles (it leaves those two formats unchecked),
so nothing a run validates changes. Only the jsonschema imported here goes without those two
formats: ``rfc3987_syntax`` itself stays importable.
"""


def skip_iri_syntax() -> None:
    """Do in this process what :data:`SKIP_IRI_SYNTAX` does in a run's kernel, unless jsonschema
    or ``rfc3987_syntax`` is imported already (then nothing changes)."""
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
    try:
        import jsonschema  # noqa: F401
        import nbformat  # noqa: F401
    finally:
        if sys.modules.get("rfc3987_syntax", 0) is None:
            del sys.modules["rfc3987_syntax"]


KERNEL_MAIN = (
    "import sys; sys.path[0] == '' and sys.path.pop(0); "
    + SKIP_IRI_SYNTAX
    + "; del nbformat, jsonschema; from ipykernel import kernelapp; kernelapp.launch_new_instance()"
)
"""``python -m ipykernel_launcher`` (which also takes the current folder off ``sys.path`` while
the kernel loads), with nbformat imported first without the IRI grammars: plotly's notebook
renderer imports nbformat in the kernel at the first chart. The names it imported are not left
in the kernel's ``__main__``."""

_STOCK_KERNEL = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]


def kernel_path(folder: Path) -> str | None:
    """A ``JUPYTER_PATH`` whose ``python3`` kernel is the installed one started by
    :data:`KERNEL_MAIN`, written under ``folder``; None (the installed kernel as it is) when the
    installed ``python3`` kernel is not the stock ipykernel one (a user's own kernel is kept)."""
    from jupyter_core.paths import jupyter_path

    found = None
    for kernels in jupyter_path("kernels"):
        candidate = Path(kernels) / "python3" / "kernel.json"
        if candidate.is_file():
            found = candidate
            break
    if found is None:
        from ipykernel.kernelspec import RESOURCES

        found = Path(RESOURCES) / "kernel.json"
    try:
        spec = json.loads(found.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    argv = spec.get("argv") or []
    if argv[1:] != _STOCK_KERNEL or spec.get("env"):
        return None
    spec["argv"] = [argv[0], "-c", KERNEL_MAIN, "-f", "{connection_file}"]
    target = folder / "kernels" / "python3"
    target.mkdir(parents=True)
    (target / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    rest = os.environ.get("JUPYTER_PATH")
    return str(folder) + (os.pathsep + rest if rest else "")


@dataclass(frozen=True)
class Execution:
    ok: bool
    kind: str | None  # None, "error", "incomplete", "killed", "timeout", "exit"
    message: str | None
    cell: int | None  # 1-based index among code cells of the first failing cell
    returncode: int | None


def execute(
    source: Path,
    output: Path,
    parameters: dict[str, Any],
    *,
    cwd: Path,
    env: dict[str, str],
    cell_timeout: float,
    run_timeout: float,
    log: Path,
) -> Execution:
    """Run papermill in a subprocess and judge the result (see the module docstring)."""
    params_file = output.with_name("parameters.yaml")
    params_file.write_text(yaml.safe_dump(parameters, allow_unicode=True, sort_keys=True))
    cmd = [
        sys.executable,
        "-m",
        "cxlab.runner._papermill",  # papermill, saving less often (see that module)
        "papermill",  # its name, as a process list shows it
        str(source),
        str(output),
        "-f",
        str(params_file),
        "--cwd",
        str(cwd),
        "--kernel",
        "python3",
        "--execution-timeout",
        str(int(cell_timeout)),
        "--no-progress-bar",
        "--log-output",
    ]
    full_env = {
        **os.environ,
        **env,
        "PYTHONUNBUFFERED": "1",
        "PLOTLY_RENDERER": KERNEL_RENDERER,
    }
    with tempfile.TemporaryDirectory(prefix="cxlab-kernel-") as kernels:
        jupyter = kernel_path(Path(kernels))
        if jupyter:
            full_env["JUPYTER_PATH"] = jupyter
        with log.open("w") as fh:
            proc = subprocess.Popen(
                cmd,
                stdout=fh,
                stderr=subprocess.STDOUT,
                env={**full_env, PARENT: str(os.getpid())},
                start_new_session=os.name == "posix",  # papermill leads a process group
            )
            try:
                with _registered(proc):
                    proc.wait(timeout=run_timeout)
            except subprocess.TimeoutExpired:
                kill_tree(proc)
                return Execution(
                    False,
                    "timeout",
                    f"the run exceeded its {run_timeout:.0f} s limit and was stopped",
                    _cell_from_log(_tail(log), output) or _first_unrun(output),
                    None,
                )
            except BaseException:  # SIGTERM or Ctrl-C of the run: papermill and its kernel go too
                kill_tree(proc)
                raise
    code = proc.returncode
    verdict = inspect_output(output)
    if code == 0 and verdict.ok:
        return verdict
    log_text = _tail(log)
    running = _cell_from_log(log_text, output) or _running_cell(verdict)
    if "CellTimeoutError" in log_text or "Cell execution timed out" in log_text:
        message = f"a cell exceeded the {cell_timeout:.0f} s cell limit and was interrupted"
        return Execution(False, "timeout", message, running, code)
    if code in (137, 138, -9, -15) or "DeadKernelError" in log_text or "Kernel died" in log_text:
        message = f"the kernel died (exit {code}) while running a cell; the notebook did not finish"
        return Execution(False, "killed", message, running, code)
    if verdict.kind == "error" and (verdict.message or "").startswith("SystemExit"):
        message = (
            f"the notebook stopped early ({verdict.message}) in code cell {verdict.cell}; "
            "the cells after it never ran"
        )
        return Execution(False, "incomplete", message, verdict.cell, code)
    if verdict.kind == "error":  # a cell raised: the most useful message
        return Execution(False, "error", verdict.message, verdict.cell, code)
    if code != 0:
        return Execution(
            False, "exit", f"papermill exited {code}: {_last_line(log)}", verdict.cell, code
        )
    return verdict


PARENT = "CXLAB_RUN_PARENT"
"""The variable that tells a run's papermill which process started it (see
:func:`cxlab.runner._papermill.die_with_parent`)."""


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (read from ``/proc``; none where there is no ``/proc``)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


_RUNNING: dict[subprocess.Popen, threading.Thread] = {}
_RUNNING_LOCK = threading.Lock()


@contextlib.contextmanager
def _registered(proc: subprocess.Popen) -> Iterator[None]:
    """Record ``proc`` as a run's papermill, started by this thread, while the run waits for it."""
    with _RUNNING_LOCK:
        _RUNNING[proc] = threading.current_thread()
    try:
        yield
    finally:
        with _RUNNING_LOCK:
            _RUNNING.pop(proc, None)


def running(threads: Collection[threading.Thread]) -> list[subprocess.Popen]:
    """The papermill processes of the runs that ``threads`` are waiting for."""
    with _RUNNING_LOCK:
        return [proc for proc, thread in _RUNNING.items() if thread in threads]


def kill_tree(proc: subprocess.Popen) -> None:
    """Kill papermill, its process group and every process below it (the kernel leads a
    session of its own), then reap papermill."""
    pids = _descendants(proc.pid)
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    for pid in [proc.pid, *pids]:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def inspect_output(output: Path) -> Execution:
    """Judge an executed notebook: every code cell ran and none has an error output."""
    skip_iri_syntax()
    import nbformat

    if not output.exists():
        return Execution(False, "incomplete", "no output notebook was written", None, None)
    try:
        nb = nbformat.read(str(output), as_version=4)
    except (json.JSONDecodeError, nbformat.reader.NotJSONError) as exc:
        return Execution(
            False, "incomplete", f"the output notebook is unreadable: {exc}", None, None
        )
    code_cells = [  # numbered as in the source notebook: papermill's injected cell is not counted
        c
        for c in nb.cells
        if c.cell_type == "code"
        and "injected-parameters" not in c.get("metadata", {}).get("tags", [])
    ]
    for i, cell in enumerate(code_cells, start=1):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                message = f"{out.get('ename', 'Error')}: {out.get('evalue', '')}".strip()
                return Execution(False, "error", message, i, None)
    for i, cell in enumerate(code_cells, start=1):
        status = cell.get("metadata", {}).get("papermill", {}).get("status")
        if cell.get("execution_count") is None or status not in (None, "completed"):
            return Execution(
                False,
                "incomplete",
                f"code cell {i} of {len(code_cells)} never ran (the notebook stopped early)",
                i,
                None,
            )
    return Execution(True, None, None, None, 0)


def _first_unrun(output: Path) -> int | None:
    return _running_cell(inspect_output(output))


def _cell_from_log(log_text: str, output: Path) -> int | None:
    """The code cell papermill was executing last (its log names cells by position in the notebook)."""
    import re

    import nbformat

    started = re.findall(r"Executing Cell (\d+)-", log_text)
    if not started or not output.exists():
        return None
    position = int(started[-1]) - 1
    nb = nbformat.read(str(output), as_version=4)
    number = 0
    for i, cell in enumerate(nb.cells):
        injected = "injected-parameters" in cell.get("metadata", {}).get("tags", [])
        if cell.cell_type == "code" and not injected:
            number += 1
        if i == position:
            return number if cell.cell_type == "code" and not injected else None
    return None


def _running_cell(verdict: Execution) -> int | None:
    """The cell that was running when a run stopped: the one before the first that never ran."""
    if verdict.kind == "incomplete" and verdict.cell:
        return max(verdict.cell - 1, 1)
    return verdict.cell


def _tail(log: Path, n: int = 200_000) -> str:
    try:
        return log.read_text(errors="replace")[-n:]
    except OSError:
        return ""


def _last_line(log: Path) -> str:
    lines = [line for line in _tail(log).splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""
