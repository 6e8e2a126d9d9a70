"""The analyst-side exports: full lists with real customer ids, written outside the reports.

A result that shows a masked list in a report (customers at risk, detractors to call back,
contacts to follow up) writes the full list here for the team that acts on it. The folder is the
workspace's ``data/exports`` unless another is given; a file is CSV or Parquet by its suffix and
is written whole or not at all (a partial file, then a rename), so a reader never meets half a
list.

The files hold real customer ids, so they are readable and writable by their owner only (mode
0600; a new folder is 0700). In a CSV, a text cell that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe,
so that Excel or WPS shows it as text (OWASP, CSV injection); Parquet keeps the values as they
are.

References
----------
OWASP Foundation. CSV Injection. https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import polars as pl


def exports_dir(directory: str | os.PathLike | None = None) -> Path:
    """``directory``, or the workspace's ``data/exports`` when it is None or empty."""
    if directory in (None, ""):
        from cxlab._config import settings

        return settings().data_dir / "exports"
    return Path(directory)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a cell as a formula."""
SIGNED_FIGURE = r"^[+\-−]?[0-9][0-9.,]*\s?(?:pp|%|个百分点|s|min|h)?$"
"""A signed figure as cxlab formats a change ("+0.3 pp", "-1.2%"): a spreadsheet reads it as a
number or text, never as a formula, so it is left as it is."""


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text cell that starts like a formula prefixed by an apostrophe (a
    signed figure such as ``+0.3 pp`` is not a formula and is left as it is).

    Examples
    --------
    >>> neutralise_formulas(pl.DataFrame({"note": ["=1+1", "ok", "@SUM(A1)", "+0.3 pp"]}))[
    ...     "note"].to_list()
    ["'=1+1", 'ok', "'@SUM(A1)", '+0.3 pp']
    """
    text = [c for c, t in frame.schema.items() if t in (pl.Utf8, pl.Categorical) or t == pl.Enum]
    if not text:
        return frame
    starts = "^[" + "".join(re.escape(c) for c in FORMULA_STARTS) + "]"
    return frame.with_columns(
        pl.when(
            pl.col(c).cast(pl.Utf8).str.contains(starts)
            & ~pl.col(c).cast(pl.Utf8).str.contains(SIGNED_FIGURE)
        )
        .then(pl.lit("'") + pl.col(c).cast(pl.Utf8))
        .otherwise(pl.col(c).cast(pl.Utf8))
        .alias(c)
        for c in text
    )


def write_export(frame: pl.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``frame`` to ``path`` (Parquet for ``.parquet``, else CSV with formulas
    neutralised), creating its folder (0700); the file appears whole or not at all, readable by
    its owner only (0600). Returns the path."""
    target = Path(path)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        partial.unlink(missing_ok=True)
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        if target.suffix == ".parquet":
            frame.write_parquet(partial)
        else:
            neutralise_formulas(frame).write_csv(partial)
        os.chmod(partial, 0o600)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target
