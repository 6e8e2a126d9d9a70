"""Partial workspaces: a report whose tables are missing publishes a page saying what to load."""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from cxlab._config import settings
from cxlab._errors import WorkspaceError
from cxlab.cli import app
from cxlab.data import TABLES, has_table
from cxlab.runner import read_runs
from cxlab.runner._notebooks import needs_of

pytestmark = pytest.mark.notebook
cli = CliRunner()
REPO_NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def _needing(write_notebook, ws: Path, name: str, needs: list[str]) -> Path:
    path = write_notebook(
        ws / "notebooks", name, ["import cxlab as cx", "print('surveys read', n)"], title="Nps"
    )
    nb = nbformat.read(str(path), as_version=4)
    nb.metadata["cxlab"] = {"needs": needs}
    nbformat.write(nb, str(path))
    return path


def _drop(ws: Path, table: str) -> None:
    shutil.rmtree(settings(ws).processed_dir / table)
    assert not has_table(table, settings(ws))


def _run(ws: Path, *args: str):
    return cli.invoke(app, ["run", *args, "--workspace", str(ws), "--cell-timeout", "90"])


def _visible(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_missing_table_publishes_a_needs_data_page_in_both_languages(
    runner_ws: Path, make_notebook
) -> None:
    _needing(make_notebook, runner_ws, "04_nps", ["contacts", "customers", "surveys"])
    _drop(runner_ws, "surveys")
    latest = runner_ws / "outputs" / "reports" / "04_nps" / "latest.html"
    for lang, heading, badge in (
        ("zh", "待补数据", "待补数据"),
        ("en", "Needs data", "needs data"),
    ):
        result = _run(runner_ws, "04_nps", "-p", "language", lang)
        assert result.exit_code == 0, result.output
        page = latest.read_text()
        text = _visible(page)
        assert heading in text and "surveys read" not in text  # nothing ran
        assert "cxlab data ingest FILE --table surveys" in text
        assert "cxlab data ingest FILE --table surveys --map MAPPING.yaml" in text
        assert "--table customers" not in text and "--table contacts" not in text
        assert "cx-report-header" in page and "cx-report-footer" in page
        assert f'lang="{"zh-Hans" if lang == "zh" else "en"}"' in page
        commands = re.sub(
            r"cxlab data (ingest|map) FILE --table surveys( --map MAPPING.yaml)?", "", text
        )
        assert not re.findall(r"\b[a-z]+_[a-z_]+\b", commands), commands
        run = read_runs(runner_ws / "outputs")[-1]
        assert run["status"] == "needs_data" and run["missing"] == ["surveys"]
        assert run["error"] is None and run["parameters"]["language"] == lang
        index = (runner_ws / "outputs" / "index.html").read_text()
        assert badge in index and "reports/04_nps/latest.html" in index
        assert "last run failed" not in index and "上次运行失败" not in index
    assert "本报告需要的数据表" not in text  # the English page is English
    zh_runs = [r for r in read_runs(runner_ws / "outputs") if r["status"] == "needs_data"]
    assert len(zh_runs) == 2


def test_refresh_exits_zero_when_only_data_is_missing(runner_ws: Path, make_notebook) -> None:
    _needing(make_notebook, runner_ws, "04_nps", ["surveys"])
    _drop(runner_ws, "surveys")
    (runner_ws / "schedule.yaml").write_text(
        "time_zone: Asia/Shanghai\njobs:\n"
        "  good:\n    notebook: good\n    cron: '0 7 * * *'\n"
        "  nps:\n    notebook: 04_nps\n    cron: '0 7 3 * *'\n    depends_on: [good]\n"
    )
    result = cli.invoke(app, ["refresh", "--workspace", str(runner_ws)])
    assert result.exit_code == 0, result.output
    status = {r["notebook"]: r["status"] for r in read_runs(runner_ws / "outputs")}
    assert status == {"good": "ok", "04_nps": "needs_data"}
    assert "nps                needs data" in result.output  # not "ok", not "FAILED"
    one = cli.invoke(app, ["run", "04_nps", "--workspace", str(runner_ws)])
    assert one.exit_code == 0 and "needs tables the workspace lacks" in one.output, one.output


def test_a_needs_data_run_keeps_the_last_good_report(runner_ws: Path, make_notebook) -> None:
    _needing(make_notebook, runner_ws, "04_nps", ["contacts", "surveys"])
    assert _run(runner_ws, "04_nps").exit_code == 0  # everything there: it runs normally
    latest = runner_ws / "outputs" / "reports" / "04_nps" / "latest.html"
    assert "surveys read 3" in latest.read_text()
    before = hashlib.sha256(latest.read_bytes()).hexdigest()
    _drop(runner_ws, "surveys")
    assert _run(runner_ws, "04_nps").exit_code == 0
    assert hashlib.sha256(latest.read_bytes()).hexdigest() == before
    status = json.loads((latest.parent / "status.json").read_text())
    assert status["last_run"]["status"] == "needs_data" and status["last_good"]["status"] == "ok"
    index = (runner_ws / "outputs" / "index.html").read_text()
    assert "needs data" in index and "The last good report is kept below." in index
    assert "--table surveys" in index and "Open report" in index


def test_the_reports_declare_the_tables_they_need() -> None:
    """Every table a report loads without ``missing="empty"`` is declared: a report on a
    workspace without it publishes the needs-data page instead of failing in a cell."""
    needs = {p.stem: needs_of(p) for p in sorted(REPO_NOTEBOOKS.glob("0*.ipynb"))}
    assert len(needs) == 7 and all(needs.values())
    assert all(
        {t.split(".")[0] for t in e.split("|")} <= set(TABLES) for n in needs.values() for e in n
    )
    for path in sorted(REPO_NOTEBOOKS.glob("0*.ipynb")):
        code = "\n".join(
            c.source for c in nbformat.read(str(path), as_version=4).cells if c.cell_type == "code"
        )
        loaded = {
            m.group(1)
            for m in re.finditer(r'cx\.load\("(\w+)"([^)]*)\)', code)
            if 'missing="empty"' not in m.group(2)
        }
        if "cx.data.demand(" in code:
            loaded.add("contacts|intervals")
        assert loaded <= set(needs[path.stem]), path.stem
    assert needs["01_volume_forecast"] == ["contacts|intervals", "queues"]
    assert "contacts" in needs["00_service_review"]  # read by cx.review.open_review
    assert "surveys" in needs["04_nps"] and "experiments" in needs["02_interventions"]
    assert "customers" in needs["03_churn_drivers"]
    assert "contacts.note" in needs["05_contact_reasons"]  # a workspace without notes
    # read by review_year, year_customers, year_interventions, year_staffing and next_year
    assert set(needs["06_year_review"]) == {
        "contacts",
        "customers",
        "surveys",
        "experiments",
        "assignments",
        "queues",
    }


def test_either_of_two_tables_meets_an_entry_and_the_page_names_both(
    runner_ws: Path, make_notebook
) -> None:
    _needing(make_notebook, runner_ws, "01_volume", ["contacts|intervals", "queues"])
    result = _run(runner_ws, "01_volume")
    assert result.exit_code == 0 and "surveys read" not in result.output  # contacts: it runs
    _drop(runner_ws, "contacts")
    _drop(runner_ws, "queues")
    latest = runner_ws / "outputs" / "reports" / "01_volume" / "latest.html"
    latest.unlink()  # no good report to keep: the needs-data page is published
    status = runner_ws / "outputs" / "reports" / "01_volume" / "status.json"
    status.unlink(missing_ok=True)
    result = _run(runner_ws, "01_volume", "-p", "language", "en")
    assert result.exit_code == 0, result.output
    run = read_runs(runner_ws / "outputs")[-1]
    assert run["status"] == "needs_data"
    assert run["missing"] == ["contacts|intervals", "queues"]
    text = " ".join(_visible(latest.read_text()).split())
    assert re.search(
        r"cxlab data ingest FILE --table contacts cxlab data ingest FILE --table intervals "
        r"cxlab data ingest FILE --table queues One of --table contacts or --table intervals "
        r"is enough; every other table listed is needed\.",
        text,
    ), text
    assert "|" not in text and "cxlab data map FILE --table contacts proposes" in text
    index = " ".join(_visible((runner_ws / "outputs" / "index.html").read_text()).split())
    assert (
        "cxlab data ingest FILE --table contacts or cxlab data ingest FILE --table intervals "
        "cxlab data ingest FILE --table queues" in index
    ), index
    assert "contacts|intervals" not in index


def test_a_wrong_needs_entry_names_the_known_tables(tmp_path: Path, make_notebook) -> None:
    path = make_notebook(tmp_path, "odd", ["pass"])
    nb = nbformat.read(str(path), as_version=4)
    nb.metadata["cxlab"] = {"needs": ["survey"]}
    nbformat.write(nb, str(path))
    with pytest.raises(WorkspaceError, match=r"survey.*known: contacts"):
        needs_of(path)


def test_what_a_run_printed_or_raised_is_kept_without_personal_data(
    runner_ws: Path, make_notebook
) -> None:
    """An error may quote a row (a comment, a note): the run log, status and index get the
    scrubbed message."""
    make_notebook(
        runner_ws / "notebooks",
        "05_quote",
        [
            "import cxlab as cx",
            "raise ValueError('comment: call ' + '138' + '12345678, a' + '@b.com')",
        ],
        title="Quote",
    )
    result = _run(runner_ws, "05_quote")
    assert result.exit_code == 1
    run = read_runs(runner_ws / "outputs")[-1]
    assert run["status"] == "failed" and "ValueError" in run["error"]["message"]
    outputs = runner_ws / "outputs"
    printed = make_notebook(
        runner_ws / "notebooks",
        "06_print",
        [
            "import cxlab as cx",
            "print('note: reach me on ' + '138' + '12345678 or a' + '@b.com')",
            "'text ' + '139' + '87654321'",
        ],
        title="Print",
    )
    assert printed.exists() and _run(runner_ws, "06_print").exit_code == 0
    page = (outputs / "reports" / "06_print" / "latest.html").read_text(encoding="utf-8")
    assert "note: reach me on" in page  # what was printed is shown, its personal data is not
    for path in [
        outputs / "runs.jsonl",
        outputs / "index.html",
        *outputs.rglob("status.json"),
        *outputs.rglob("*.ipynb"),
        *outputs.rglob("run.log"),
        *outputs.rglob("*.html"),
    ]:
        text = path.read_text(encoding="utf-8")
        assert "13812345678" not in text and "a@b.com" not in text, path
        assert "13987654321" not in text, path
