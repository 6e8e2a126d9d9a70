"""From data to published reports, as the scheduler runs it, opened in a real browser.

One ``cxlab refresh`` over a copy of the tiny workspace into which hostile text was planted
(survey comments and a category name carrying ``<script>``, ``<img onerror>`` and a
``javascript:`` link). Every report must publish, draw its charts, fetch nothing from the
network, run none of the planted code, show it as text, and never show a customer id unmasked.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import cxlab as cx
from cxlab._config import settings

pytestmark = [pytest.mark.notebook, pytest.mark.browser]

HOSTILE = [
    "<script>alert('comment')</script>",
    "<img src=x onerror=alert('img')>",
    "<a href=\"javascript:alert('link')\">click me</a>",
]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _plant_hostile_text(ws: Path) -> None:
    s = settings(ws)
    surveys = cx.load("surveys", workspace=ws).collect()
    idx = (
        surveys.with_row_index("i").filter(pl.col("comment").is_not_null())["i"].head(30).to_list()
    )
    comments = surveys["comment"].to_list()
    for k, i in enumerate(idx):
        comments[i] = HOSTILE[k % len(HOSTILE)] + " " + (comments[i] or "")
    cx.data.write_table(surveys.with_columns(comment=pl.Series(comments)), "surveys", workspace=s)
    contacts = cx.load("contacts", workspace=ws).collect()
    contacts = contacts.with_columns(
        category_l3=pl.when(pl.col("category_l3") == "Refund delay")
        .then(pl.lit(HOSTILE[1] + "Refund delay"))
        .otherwise(pl.col("category_l3"))
    )
    cx.data.write_table(contacts, "contacts", workspace=s)


@pytest.fixture(scope="module")
def refreshed(
    tmp_path_factory: pytest.TempPathFactory, tiny_workspace: Path
) -> tuple[Path, subprocess.CompletedProcess]:
    ws = tmp_path_factory.mktemp("e2e") / "ws"
    shutil.copytree(tiny_workspace, ws)
    shutil.rmtree(ws / "outputs", ignore_errors=True)
    _plant_hostile_text(ws)
    # the tiny workspace holds four months: the churn report's windows are shortened to fit
    schedule = (Path(__file__).resolve().parents[1] / "schedule.yaml").read_text()
    schedule = schedule.replace(
        "    notebook: 03_churn_drivers\n",
        "    notebook: 03_churn_drivers\n"
        "    parameters: {horizon_days: 30, landmark: '2026-08-01', split_days: 30}\n",
    )
    (ws / "schedule.yaml").write_text(schedule)
    env = {**os.environ, "CXLAB_WORKSPACE": str(ws)}
    done = subprocess.run(
        [sys.executable, "-m", "cxlab.cli", "refresh", "--workspace", str(ws)],
        capture_output=True,
        text=True,
        env=env,
        timeout=1500,
        check=False,
    )
    return ws, done


def test_refresh_publishes_every_report(refreshed) -> None:
    ws, done = refreshed
    assert done.returncode == 0, done.stdout + done.stderr
    assert str(ws / "outputs" / "index.html") in done.stdout
    jobs = cx.runner.load_schedule(cx.runner.schedule_path(settings(ws))).jobs
    for job in jobs:
        stem = cx.runner.find_notebook(job.notebook, settings(ws)).stem
        assert (ws / "outputs" / "reports" / stem / "latest.html").exists(), job.name


def test_no_customer_id_unmasked(refreshed) -> None:
    ws, _ = refreshed
    ids = re.compile(r"\bC\d{7}\b")  # the generator's customer ids; masked ids read C0***#1a2b
    for page in (ws / "outputs").rglob("*.html"):
        found = ids.findall(page.read_text(encoding="utf-8", errors="replace"))
        assert not found, f"{page.name} shows customer ids {found[:3]}"


@pytest.fixture(scope="module")
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


def _open(browser, path: Path) -> dict:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = {"requests": [], "errors": [], "dialogs": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_timeout(1500)
    for link in page.locator("a").all()[:50]:  # clicking a planted javascript: link must do nothing
        href = link.get_attribute("href") or ""
        if href.startswith("javascript:"):
            seen["dialogs"].append(f"javascript link rendered: {href}")
    seen["charts"] = page.locator(".js-plotly-plot .main-svg").count()
    seen["text"] = page.inner_text("body")
    page.close()
    return seen


def test_reports_draw_offline_and_run_no_planted_code(refreshed, browser) -> None:
    ws, done = refreshed
    assert done.returncode == 0, done.stdout + done.stderr
    pages = [
        ws / "outputs" / "index.html",
        *sorted((ws / "outputs" / "reports").glob("*/latest.html")),
    ]
    for path in pages:
        seen = _open(browser, path)
        remote = [
            u for u in seen["requests"] if not u.startswith(("file:", "data:", "blob:", "about:"))
        ]
        assert not remote, f"{path.parent.name} fetched {remote[:3]}"
        assert not seen["errors"], f"{path.parent.name}: console errors {seen['errors'][:3]}"
        assert not seen["dialogs"], f"{path.parent.name} ran planted code: {seen['dialogs']}"
        if path.name == "latest.html":
            assert seen["charts"] > 0, f"{path.parent.name} drew no chart"
    review = _open(browser, ws / "outputs" / "reports" / "00_service_review" / "latest.html")
    assert HOSTILE[1] + "Refund delay" in review["text"]  # shown as text, literally
