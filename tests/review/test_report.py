"""The published monthly review, opened in headless Chromium in both languages: every heading
visible, no identifier or untranslated sentence on the page (appendix opened), every chart drawn,
nothing fetched off the machine, nothing wider than the page."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from notebook_support import notebook_cells

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{3,}(?:[ ,;:]+[A-Za-z]{3,}){3,}")


def test_notebook_opens_with_the_answer_and_ends_with_the_appendix() -> None:
    cells = notebook_cells("00_service_review")
    first = ["".join(c["source"]).split("\n")[0] for c in cells if c["cell_type"] == "markdown"]
    headings = [h for h in first if h.startswith("## ")]
    assert headings[0] == "## The answer" and headings[-1] == "## Appendix"
    assert [h.split(" ")[1] for h in headings[1:-1]] == [f"{i}." for i in range(1, 11)]
    code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "cx.runner" not in code and "record" in code
    answer = code[code.index("cx.viz.headline") : code.index("cx.viz.table")]
    assert answer.count(".plot(") == 1  # at most one chart in the answer


@pytest.fixture(scope="module")
def published(tiny_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    pages = {}
    for lang in ("en", "zh"):
        ws = tmp_path_factory.mktemp(f"review-{lang}") / "ws"
        shutil.copytree(tiny_workspace, ws, ignore=shutil.ignore_patterns("outputs"))
        env = {**os.environ, "CXLAB_WORKSPACE": str(ws), "CXLAB_LANGUAGE": lang}
        done = subprocess.run(
            [sys.executable, "-m", "cxlab.cli", "run", "00_service_review"],
            capture_output=True,
            text=True,
            env=env,
            cwd=ws,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        pages[lang] = ws / "outputs" / "reports" / "00_service_review" / "latest.html"
    return pages


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
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


@pytest.mark.notebook
@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_review_reads_as_a_report(published, browser, lang) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(published[lang].as_uri())
    page.wait_for_timeout(1500)
    assert page.get_attribute("html", "lang").startswith(lang)
    heights = page.eval_on_selector_all(
        "h1, h2", "els => els.map(e => [e.innerText, e.getBoundingClientRect().height])"
    )
    assert len(heights) >= 12 and all(h > 0 for _, h in heights), heights
    for details in page.locator("details").all():  # the appendix, opened as a reader would
        details.evaluate("d => d.open = true")
    page.wait_for_timeout(500)
    text = page.inner_text("body")
    assert not IDENTIFIER.findall(text), IDENTIFIER.findall(text)[:10]
    assert not re.search(r"\b0\.\d{4,}\b", text)
    assert page.locator(".js-plotly-plot .main-svg").count() >= 10
    wide = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert wide <= 0, f"the page is {wide}px wider than the window"
    remote = [u for u in requests if not u.startswith(("file:", "data:", "blob:", "about:"))]
    assert not remote, remote[:3]
    if lang == "zh":
        body = re.sub(r"Benjamini–Hochberg|Laney", "", text)  # method names keep their spelling
        found = [s for s in ENGLISH_SENTENCE.findall(body) if "cxlab" not in s]
        assert not found, found[:5]
        for word in (
            "月度服务报告",
            "核心结论",
            "目标值",
            "实际值",
            "达成",
            "环比",
            "一、",
            "十、",
        ):
            assert word in text, word
    page.close()
