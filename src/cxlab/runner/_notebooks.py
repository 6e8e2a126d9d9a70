"""Finding notebooks by name, and reading their titles."""

from __future__ import annotations

import os
import re
from pathlib import Path

from cxlab._config import Settings
from cxlab._errors import WorkspaceError


def notebooks_dir(ws: Settings) -> Path:
    """Where the notebooks are: ``CXLAB_NOTEBOOKS``, the workspace's ``notebooks/``, or the repository's."""
    candidates = [
        Path(os.environ["CXLAB_NOTEBOOKS"]) if os.environ.get("CXLAB_NOTEBOOKS") else None,
        ws.notebooks_dir,
        ws.workspace / "notebooks",
        Path(__file__).resolve().parents[3] / "notebooks",
    ]
    for c in candidates:
        if c is not None and c.is_dir() and any(c.glob("*.ipynb")):
            return c
    raise WorkspaceError(
        f"no notebooks found (looked in {', '.join(str(c) for c in candidates if c)})."
    )


_SAFE = re.compile(r"^[\w][\w.-]*$")


def find_notebook(name: str, ws: Settings) -> Path:
    """A notebook by path, file name, stem (``00_service_review``) or short name (``service_review``).

    The notebook's stem names its folders under ``outputs/``: a stem that is not a plain name
    (``..``, a leading dot, a path separator) is refused, as is an empty name.
    """
    if not str(name).strip():
        raise WorkspaceError("no notebook name given; give one such as service_review.")
    direct = Path(name)
    if direct.suffix == ".ipynb" and direct.is_file():
        if not _SAFE.match(direct.stem):
            raise WorkspaceError(
                f"notebook {name!r}: its name {direct.stem!r} is not a plain file name "
                "(letters, digits, _ . -, not starting with a dot); rename the file."
            )
        return direct.resolve()
    folder = notebooks_dir(ws)
    stem = direct.stem if direct.suffix == ".ipynb" else name
    for path in sorted(folder.glob("*.ipynb")):
        if path.stem == stem or path.stem.split("_", 1)[-1] == stem:
            return path
    known = ", ".join(p.stem for p in sorted(folder.glob("*.ipynb")))
    raise WorkspaceError(f"no notebook {name!r} in {folder}; known: {known}.")


def title_of(path: Path) -> str:
    """The first markdown heading of a notebook, or its file name."""
    from cxlab.runner._execute import skip_iri_syntax

    skip_iri_syntax()
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return path.stem


def needs_of(path: Path) -> list[str]:
    """The tables a notebook needs, from ``cxlab: {needs: [...]}`` in its metadata (none if absent).

    An entry ``"contacts|intervals"`` is met by either table; ``"contacts.note"`` by the table
    holding that column.
    """
    import nbformat

    from cxlab.data import TABLES

    nb = nbformat.read(str(path), as_version=4)
    needs = (nb.metadata.get("cxlab") or {}).get("needs") or []
    if isinstance(needs, str) or not all(isinstance(t, str) for t in needs):
        raise WorkspaceError(
            f"{path.name}: metadata cxlab.needs={needs!r} must be a list of table names."
        )
    unknown = [t for entry in needs for t in entry.split("|") if t.split(".")[0] not in TABLES]
    if unknown:
        raise WorkspaceError(
            f"{path.name}: metadata cxlab.needs names no table {', '.join(unknown)}; "
            f"known: {', '.join(TABLES)}."
        )
    return list(needs)
