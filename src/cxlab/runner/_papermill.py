"""``python -m papermill`` as a run starts it (``python -m cxlab.runner._papermill papermill ARGS``).

The first argument, ``papermill``, is the program's name: it is dropped before papermill reads
its arguments, and keeps the process recognisable as papermill in a process list.

Two differences from the stock command, neither of which changes the executed notebook:

- jsonschema does not build its IRI grammars (see :data:`cxlab.runner._execute.SKIP_IRI_SYNTAX`);
- the output notebook is written when the run starts, during a long cell (papermill's autosave,
  every 30 s) and when the run ends, also after an error, a cell timeout or a dead kernel
  (papermill's ``notebook_complete``, called in a ``finally``), but not at the start and at the
  end of every cell. Once the first chart has embedded plotly.js the notebook weighs about 5 MB,
  and writing it twice per cell cost a report 2 to 3 seconds. The notebook written at the end is
  the one papermill would have written: its last per-cell save was superseded by it. Only a
  papermill process killed outright (a run past its time limit) leaves an older state behind; the
  run then reads the running cell from papermill's log (``Executing Cell N``).
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

PROGRAM = "papermill"


def _unsaved(method: Callable[..., Any]) -> Callable[..., Any]:
    """``method`` of papermill's execution manager with its ``self.save()`` left out."""

    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        self.save = lambda **_kwargs: None  # shadows the class's save for this call
        try:
            return method(self, *args, **kwargs)
        finally:
            del self.save

    return run


def die_with_parent() -> None:
    """On Linux, die with the ``cxlab`` process that started this run (``PR_SET_PDEATHSIG``), so
    a SIGKILL of ``cxlab run`` leaves no orphan; the kernel follows (ipykernel polls its parent).
    If that process died before the watch was set, exit at once. The process is named by
    :data:`cxlab.runner._execute.PARENT`, which the kernel does not inherit."""
    from cxlab.runner._execute import PARENT

    parent = os.environ.pop(PARENT, None)
    if parent is None or os.name != "posix":
        return
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != int(parent):
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def main() -> None:
    die_with_parent()
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    from papermill.cli import papermill
    from papermill.engines import NotebookExecutionManager

    NotebookExecutionManager.cell_start = _unsaved(NotebookExecutionManager.cell_start)
    NotebookExecutionManager.cell_complete = _unsaved(NotebookExecutionManager.cell_complete)
    args = sys.argv[1:]
    if args[:1] == [PROGRAM]:
        args = args[1:]
    papermill.main(args=args, prog_name=PROGRAM)


if __name__ == "__main__":
    main()
