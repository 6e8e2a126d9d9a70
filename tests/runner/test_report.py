"""The published page: language, structure (contents, folded appendix), one shared plotly.js,
retention of the archive, the index's tiles, unknown notebooks refused, delivery."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxlab.cli import app
from cxlab.runner import prune_archive, read_runs, run_notebook
from cxlab.runner._export import single_file

pytestmark = pytest.mark.notebook
cli = CliRunner()


def _run(ws: Path, *args: str):
    return cli.invoke(app, ["run", *args, "--workspace", str(ws), "--timeout", "300"])


@pytest.fixture()
def charted(runner_ws: Path) -> tuple[Path, str]:
    result = _run(runner_ws, "charted", "-p", "language", "zh")
    assert result.exit_code == 0, result.output
    return runner_ws, (runner_ws / "outputs/reports/charted/latest.html").read_text()


def test_language_reaches_kernel_page_and_run_record(charted) -> None:
    ws, page = charted
    assert '<html lang="zh-Hans">' in page
    assert "speaks zh" in page  # the kernel ran in Chinese
    assert "Noto Sans CJK SC" in page  # the CJK font stack
    assert "数据截至" in page and "目录" in page  # the header, translated
    assert "运行编号" in page and "Run 2" not in page  # the footer too, whatever the workspace's
    index = (ws / "outputs/index.html").read_text()  # and the index written by this run
    assert '<html lang="zh-Hans"' in index and "打开报告" in index, index[:300]
    run = read_runs(ws / "outputs")[-1]
    assert run["parameters"] == {"language": "zh"}
    bad = _run(ws, "charted", "-p", "language", "fr")
    assert bad.exit_code != 0 and "not a language" in bad.output


def test_structure_contents_appendix_and_no_anchor_marks(charted) -> None:
    _ws, page = charted
    assert "¶" not in page and 'class="anchor-link"' not in page
    toc = re.search(r"<nav class='cx-toc'.*?</nav>", page, re.S).group(0)
    # headings in the Chinese catalogue are translated ("## The answer", "## Appendix"), others stay
    assert toc.count("<a href=") == 3 and "1. Volume" in toc and "附录" in toc
    details = page[page.index("<details class='cx-appendix'>") :]
    assert "<details class='cx-appendix'>" in page and "open" not in details[:40]
    assert "Model details." in details and "speaks zh" in details  # what follows is folded
    assert "A chart of volume." not in details
    assert page.count("<h1") == 1  # the title once, in the header


def test_plotly_js_once_under_assets(charted) -> None:
    ws, page = charted
    out = ws / "outputs"
    assert (out / "assets/plotly.min.js").stat().st_size > 1_000_000
    assert "plotly.js v" not in page and len(page) < 600_000
    assert '<script src="../../assets/plotly.min.js"></script>' in page
    archived = next((out / "reports/charted/archive").glob("2*.html")).read_text()
    assert '<script src="../../../assets/plotly.min.js"></script>' in archived
    assert '<link rel="stylesheet" href="../../assets/jupyterlab.css">' in page
    assert '<link rel="stylesheet" href="../../../assets/jupyterlab.css">' in archived
    assert (out / "assets/jupyterlab.css").stat().st_size > 100_000 and len(page) < 120_000
    executed = next((out / "runs/charted").glob("*/charted.ipynb"))
    assert executed.stat().st_size < 200_000  # the run's notebook does not keep plotly.js
    whole = single_file(out / "reports/charted/latest.html", out)
    assert "plotly.js v" in whole and "assets/" not in whole and "jp-Cell" in whole


def test_charts_are_kept_with_the_kernel_renderer(charted) -> None:
    """The runner starts the kernel with plotly's renderer set (importing cxlab sets none): the
    chart reaches the page, drawn by the shared plotly.js; the default template is untouched."""
    ws, page = charted
    assert "renderer plotly_mimetype+notebook template plotly" in page
    assert page.count('class="plotly-graph-div"') == 1 and "Plotly.newPlot" in page
    executed = next((ws / "outputs/runs/charted").glob("*/charted.ipynb"))
    outputs = [o for c in json.loads(executed.read_text())["cells"] for o in c.get("outputs", [])]
    assert any("application/vnd.plotly.v1+json" in o.get("data", {}) for o in outputs)


def test_unknown_notebook_refused_before_any_output(runner_ws: Path) -> None:
    result = _run(runner_ws, "no_such_report")
    assert result.exit_code != 0
    assert "no notebook 'no_such_report'" in result.output and "good" in result.output
    assert not (runner_ws / "outputs").exists()  # no folder, no status, no index card


def test_archive_keeps_the_newest_n(runner_ws: Path) -> None:
    for _ in range(3):
        assert run_notebook("good", workspace=runner_ws, archive_keep=2).ok
    out = runner_ws / "outputs"
    assert len(list((out / "reports/good/archive").glob("2*.html"))) == 2
    assert len(list((out / "runs/good").iterdir())) == 2
    newest = sorted(p.name for p in (out / "runs/good").iterdir())[-1]
    assert any(newest in p.name for p in (out / "reports/good/archive").glob("2*.html"))
    with pytest.raises(ValueError):
        prune_archive(out, "good", keep=0)


def test_archive_keep_from_schedule(tmp_path: Path) -> None:
    from cxlab._errors import WorkspaceError
    from cxlab.runner import load_schedule

    path = tmp_path / "schedule.yaml"
    path.write_text(
        "defaults: {archive_keep: 5}\njobs:\n  a: {notebook: good, cron: '0 1 * * *'}\n"
    )
    assert load_schedule(path).job("a").archive_keep == 5
    path.write_text("jobs:\n  a: {notebook: good, cron: '0 1 * * *', archive_keep: 0}\n")
    with pytest.raises(WorkspaceError, match="archive_keep"):
        load_schedule(path)


def test_index_tiles_from_recorded_cards(runner_ws: Path) -> None:
    from cxlab._present import use_language
    from cxlab.runner import write_index

    assert run_notebook("good", {"n": 1234}, workspace=runner_ws).ok
    out = runner_ws / "outputs"
    page = (out / "index.html").read_text()
    assert '<html lang="en">' in page and "cx-card" in page
    assert "1,234" in page and "October 2026" in page  # value and period
    assert "cx-good" in page and "+" in page and "vs previous month" in page  # direction of change
    with use_language("zh"):
        write_index(out, time_zone="Asia/Shanghai")
    zh = (out / "index.html").read_text()
    assert '<html lang="zh-Hans">' in zh and "2026年10月" in zh and "打开报告" in zh


def test_index_escapes_recorded_text(runner_ws: Path) -> None:
    from cxlab.runner import write_index

    assert run_notebook("good", workspace=runner_ws).ok
    out = runner_ws / "outputs"
    metrics = next((out / "runs/good").glob("*/metrics.json"))
    status = json.loads((out / "reports/good/status.json").read_text())
    status["last_good"]["metrics"]["n"]["label"] = "<script>alert(1)</script>"
    (out / "reports/good/status.json").write_text(json.dumps(status))
    page = write_index(out).read_text()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert metrics.exists()


def test_export_refuses_without_a_report_or_browser(runner_ws: Path, monkeypatch) -> None:
    result = cli.invoke(app, ["export", "good", "--pdf", "--workspace", str(runner_ws)])
    assert result.exit_code != 0 and "no good report" in result.output
    assert _run(runner_ws, "good").exit_code == 0
    monkeypatch.setenv("CXLAB_CHROMIUM", "/nonexistent/chromium")
    result = cli.invoke(app, ["export", "good", "--pdf", "--workspace", str(runner_ws)])
    assert result.exit_code != 0 and "needs headless Chromium" in result.output
    done = cli.invoke(app, ["export", "good", "--single-file", "--workspace", str(runner_ws)])
    assert done.exit_code == 0, done.output
    assert (runner_ws / "outputs/exports/good.html").exists()


def test_warnings_stay_in_the_run_log_not_the_report(tmp_path: Path) -> None:
    """A deprecation warning printed by a cell (stderr) is kept in the executed notebook and
    left out of the page; what the cell printed for the reader stays."""
    import nbformat

    from cxlab.runner._render import render_html

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.outputs = [
        nbformat.v4.new_output(
            "stream", name="stderr", text="DeprecationWarning: at_risk(horizon_days=...)\n"
        ),
        nbformat.v4.new_output("stream", name="stdout", text="forty-two contacts\n"),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# A report"), cell]
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, str(path))
    page = render_html(path, language="en")
    assert "forty-two contacts" in page
    assert "DeprecationWarning" not in page and "horizon_days" not in page
    assert "DeprecationWarning" in path.read_text()
