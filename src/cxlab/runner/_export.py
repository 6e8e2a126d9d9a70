"""Delivering a published report: one self-contained HTML to e-mail, or a PDF printed by Chromium.

Both start from the last good report (``outputs/reports/<notebook>/latest.html``). The single
file inlines plotly.js from ``outputs/assets/``; the PDF is headless Chromium's print of that
single file with the appendix opened, so the printed report carries everything the page does.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

from cxlab._config import Settings, settings
from cxlab._errors import WorkspaceError
from cxlab.runner._notebooks import find_notebook
from cxlab.runner._render import inline_assets

Format = Literal["pdf", "html"]
_CHROMIUMS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium() -> str | None:
    """The headless browser used for PDFs: ``CXLAB_CHROMIUM``, else the first on ``PATH``."""
    explicit = os.environ.get("CXLAB_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() or shutil.which(explicit) else None
    for name in _CHROMIUMS:
        found = shutil.which(name)
        if found:
            return found
    return None


def _latest(name: str, ws: Settings) -> tuple[str, Path]:
    try:
        stem = find_notebook(name, ws).stem
    except WorkspaceError:
        stem = Path(name).stem
    latest = ws.outputs_dir / "reports" / stem / "latest.html"
    if not latest.exists():
        raise WorkspaceError(
            f"{stem} has no good report to export yet ({latest} does not exist); "
            f"run `cxlab run {stem}` first."
        )
    return stem, latest


def single_file(latest: Path, outputs: Path, *, open_details: bool = False) -> str:
    """The report at ``latest`` as one self-contained HTML string (plotly.js inlined)."""
    markup = latest.read_text(encoding="utf-8")
    assets = outputs / "assets"
    for name in ("plotly.min.js", "jupyterlab.css"):
        if name in markup and not (assets / name).exists():
            raise WorkspaceError(f"{assets / name} is missing; run the notebook again.")
    markup = inline_assets(markup, assets)
    markup = re.sub(r"<a href='\.\./\.\./index\.html'>[^<]*</a>", "", markup)
    if open_details:
        markup = re.sub(r"<details\b(?![^>]*\bopen\b)", "<details open", markup)
    return markup


def export_report(
    name: str,
    *,
    fmt: Format = "pdf",
    output: str | os.PathLike | None = None,
    workspace: str | os.PathLike | Settings | None = None,
    timeout: float = 120.0,
) -> Path:
    """Export the last good report of ``name`` as a PDF or a self-contained HTML file.

    The file goes to ``output`` or beside the outputs (``outputs/exports/<notebook>.pdf``).

    Raises
    ------
    WorkspaceError
        When the notebook has no good report, or Chromium (needed for a PDF) is not installed.
    """
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    stem, latest = _latest(name, ws)
    suffix = ".pdf" if fmt == "pdf" else ".html"
    target = Path(output) if output else ws.outputs_dir / "exports" / f"{stem}{suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(single_file(latest, ws.outputs_dir), encoding="utf-8")
        os.replace(tmp, target)
        return target
    browser = chromium()
    if browser is None:
        raise WorkspaceError(
            "a PDF needs headless Chromium, and none was found (looked for "
            f"{', '.join(_CHROMIUMS)} and CXLAB_CHROMIUM); install it (Debian: "
            "apt-get install chromium fonts-noto-cjk), or export --single-file instead."
        )
    with tempfile.TemporaryDirectory(prefix="cxlab-pdf-") as tmp_dir:
        page = Path(tmp_dir) / f"{stem}.html"
        page.write_text(single_file(latest, ws.outputs_dir, open_details=True), encoding="utf-8")
        pdf = Path(tmp_dir) / f"{stem}.pdf"
        cmd = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={Path(tmp_dir) / 'profile'}",
            "--no-pdf-header-footer",
            "--virtual-time-budget=10000",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise WorkspaceError(
                f"Chromium did not finish printing {stem} within {timeout:.0f} s."
            ) from None
        if not pdf.exists() or pdf.stat().st_size == 0:
            tail = (done.stderr or done.stdout or "").strip().splitlines()[-3:]
            raise WorkspaceError(
                f"Chromium could not print {stem} (exit {done.returncode}): {' '.join(tail)}"
            )
        shutil.move(str(pdf), target)
    return target
