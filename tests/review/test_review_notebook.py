"""The monthly review notebook opens with the answer, numbers its sections and ends with the
appendix (what the published page shows is checked in ``tests/browser``)."""

from __future__ import annotations

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
