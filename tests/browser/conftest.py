"""One published workspace per language, and a headless Chromium to read them as a person would.

A copy of the tiny workspace gets hostile text planted (survey comments and a category name
carrying ``<script>``, ``<img onerror>`` and a ``javascript:`` link); ``cxlab refresh`` then runs
once with ``-p language en`` and once, in a second copy whose ``cxlab.toml`` says ``zh``, with
``-p language zh``. The two refreshes run side by side.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from browser_support import CHROMIUM, LANGS, ROOT, plant_hostile_text


def _schedule() -> str:
    # the tiny workspace holds four months: the churn report's windows are shortened to fit;
    # the forecast report's shift solvers and service simulation get less time than by default
    return (
        (ROOT / "schedule.yaml")
        .read_text()
        .replace(
            "    notebook: 03_churn_drivers\n",
            "    notebook: 03_churn_drivers\n"
            "    parameters: {horizon: 30, landmark: '2026-08-01', split_days: 30}\n",
        )
        .replace(
            "    notebook: 01_volume_forecast\n",
            "    notebook: 01_volume_forecast\n    parameters: {scenarios: 50, shift_seconds: 4}\n",
        )
    )


@pytest.fixture(scope="session")
def published(
    tmp_path_factory: pytest.TempPathFactory, tiny_workspace: Path
) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """``{language: (workspace, the refresh's completed process)}``."""
    base = tmp_path_factory.mktemp("published")
    planted = base / "planted"
    shutil.copytree(tiny_workspace, planted)
    shutil.rmtree(planted / "outputs", ignore_errors=True)
    plant_hostile_text(planted)
    (planted / "schedule.yaml").write_text(_schedule())
    procs = {}
    for lang in LANGS:
        ws = base / lang
        shutil.copytree(planted, ws)
        toml = ws / "cxlab.toml"
        text = toml.read_text() if toml.exists() else "[workspace]\n"
        text = re.sub(r"(?m)^language\s*=.*$", "", text)
        toml.write_text(text.replace("[workspace]", f'[workspace]\nlanguage = "{lang}"', 1))
        env = {k: v for k, v in os.environ.items() if k != "CXLAB_LANGUAGE"}
        env["CXLAB_WORKSPACE"] = str(ws)
        cmd = [sys.executable, "-m", "cxlab.cli", "refresh", "--workspace", str(ws)]
        procs[lang] = (
            ws,
            subprocess.Popen(
                [*cmd, "-p", "language", lang],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            ),
        )
    out = {}
    for lang, (ws, proc) in procs.items():
        stdout, stderr = proc.communicate(timeout=1500)
        out[lang] = (ws, subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr))
    return out


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs it with `make browser`.")
        pytest.skip("Chromium is not installed (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield b
        b.close()
