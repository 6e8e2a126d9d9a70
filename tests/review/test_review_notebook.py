"""The monthly review notebook opens with the answer, numbers its sections and ends with the
appendix; executed, its outputs review the month asked for, and its old parameter names still run
with a warning (what the published page shows is checked in ``tests/browser``)."""

from __future__ import annotations

import re

import pytest

from notebook_support import notebook_cells


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


def _outputs(nb: dict, starts: str) -> tuple[str, str]:
    """The visible text (HTML stripped of markup and styles) and the stderr of the one code cell
    whose source starts with ``starts``."""
    (cell,) = [
        c
        for c in nb["cells"]
        if c["cell_type"] == "code" and "".join(c["source"]).startswith(starts)
    ]
    shown, errors = [], []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream" and o["name"] == "stderr":
            errors.append("".join(o["text"]))
        html = "".join(o.get("data", {}).get("text/html", ""))
        html = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.S)
        shown.append(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))
    return " ".join(shown), " ".join(errors)


@pytest.mark.notebook
def test_the_notebook_reviews_the_month_asked_for(tiny_workspace, run_notebook) -> None:
    """Executed on the tiny workspace (July to October 2026) for September, compared with the
    month before: the tiles, the findings and the sections speak of September and August."""
    nb = run_notebook("00_service_review", tiny_workspace, {"period": "2026-09"})
    tiles, warned = _outputs(nb, "cx.viz.headline")
    assert "September 2026" in tiles and "October 2026" not in tiles and not warned
    assert re.search(r"Targets missed \d+ of \d+", tiles)
    volume, _ = _outputs(nb, "volume = cx.review.volume")
    assert "Contact volume, September 2026" in volume
    assert re.search(r"[\d,]+ contacts in September 2026, [+−-][\d.]+% vs previous month\.", volume)
    assert "August 2026" in volume  # the comparison month's column
    _, warned = _outputs(nb, "review = cx.review.open_review(")
    assert not warned  # the parameters of the notebook are the current names


@pytest.mark.notebook
@pytest.mark.slow
def test_the_notebooks_old_parameters_still_run_with_a_warning(tiny_workspace, run_notebook):
    old = run_notebook(
        "00_service_review", tiny_workspace, {"month": "2026-09", "compare_to": "previous_month"}
    )
    _, warned = _outputs(old, "review = cx.review.open_review(")
    assert "open_review(month=...) is deprecated; use period=" in warned
    new = run_notebook("00_service_review", tiny_workspace, {"period": "2026-09"})
    for cell in ("cx.viz.headline", "volume = cx.review.volume", "cx.viz.findings"):
        assert _outputs(old, cell)[0] == _outputs(new, cell)[0]
