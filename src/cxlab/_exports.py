"""The analyst-side exports: full lists with real customer ids, written outside the reports.

A result that shows a masked list in a report (customers at risk, detractors to call back,
contacts to follow up) writes the full list here for the team that acts on it. The folder is the
workspace's ``data/exports`` unless another is given; a file is CSV or Parquet by its suffix and
is written whole or not at all (a partial file, then a rename), so a reader never meets half a
list.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl


def exports_dir(directory: str | os.PathLike | None = None) -> Path:
    """``directory``, or the workspace's ``data/exports`` when it is None or empty."""
    if directory in (None, ""):
        from cxlab._config import settings

        return settings().data_dir / "exports"
    return Path(directory)


def write_export(frame: pl.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``frame`` to ``path`` (Parquet for ``.parquet``, else CSV), creating its folder;
    the file appears whole or not at all. Returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        if target.suffix == ".parquet":
            frame.write_parquet(partial)
        else:
            frame.write_csv(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target
