"""The yearly review notebook opens with the answer and ends with the appendix; executed, it
reviews the default workspace's latest twelve months, and on the tiny workspace (four months)
it says the year is partial instead of failing (what the published page shows is checked in
``tests/browser``)."""

from __future__ import annotations

import re
import shutil

import polars as pl
import pytest

import cxlab as cx
from notebook_support import executed_text, notebook_cells


def test_notebook_opens_with_the_answer_and_ends_with_the_appendix() -> None:
    cells = notebook_cells("06_year_review")
    first = ["".join(c["source"]).split("\n")[0] for c in cells if c["cell_type"] == "markdown"]
    headings = [h for h in first if h.startswith("## ")]
    assert headings[0] == "## The answer" and headings[-1] == "## Appendix"
    assert [h.split(" ")[1] for h in headings[1:-1]] == [f"{i}." for i in range(1, 9)]
    code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "record_headlines(answer)" in code and "def " not in code
    assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code")


@pytest.mark.notebook
def test_the_notebook_reviews_the_latest_twelve_months(
    default_workspace, run_notebook, tmp_path
) -> None:
    """The year is reviewed whole, and next year's proposed targets are written as a file the
    targets table ingests as it is: adopting them is the one command the report names."""
    exports = tmp_path / "exports"
    nb = run_notebook(
        "06_year_review",
        default_workspace,
        {"export_dir": str(exports)},
        env={"CXLAB_LANGUAGE": "en"},
    )
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", executed_text(nb)))
    assert re.search(r"[\d,]+ contacts in Nov 2025\W+Oct 2026, [+−-][\d.]+% on the", text)
    assert re.search(r"\d+ of \d+ targets were met over the year", text)
    assert "likely cause:" in text and "Largest improvement for its level" in text
    assert "not comparable" not in text
    assert re.search(r"next year projected at [\d.]+%, with a 90% chance", text)
    assert "Smart routing to specialists" in text  # the adopted change, in the projection
    name = "targets-proposed-2026-11..2027-10.csv"
    assert f"cxlab data ingest {(exports / name).resolve().as_posix()} --table targets" in text
    proposal = pl.read_csv(exports / name)
    current = cx.data.load("targets", workspace=default_workspace).collect()
    assert (
        proposal.select("kpi", "scope", "period")
        .sort(pl.all())
        .equals(current.select("kpi", "scope", "period").sort(pl.all()))
    )
    scratch = tmp_path / "ws"
    shutil.copytree(default_workspace, scratch)
    cx.data.ingest(exports / name, "targets", workspace=scratch)
    stored = cx.data.load("targets", workspace=scratch).collect()
    assert stored.sort("kpi", "scope").equals(
        proposal.select(stored.columns).cast(stored.schema).sort("kpi", "scope")
    )
    assert not stored.equals(current)  # the proposal changed something


@pytest.mark.notebook
def test_the_notebook_says_a_partial_year_is_partial(tiny_workspace, run_notebook) -> None:
    nb = run_notebook("06_year_review", tiny_workspace, env={"CXLAB_LANGUAGE": "zh"})
    text = executed_text(nb)
    assert "数据仅覆盖12个月中的4个月" in text and "无法做同比比较" in text
    assert "未对下一年度作预测：截至2026年10月，数据只有4个月的历史" in text
