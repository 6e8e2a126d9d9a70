"""A department that has loaded its contacts and nothing else: the scheduled refresh publishes the
service review, and every report that needs more says which tables, and only those."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import cxlab as cx
from cxlab.data import TABLES
from cxlab.runner import read_runs
from notebook_support import NOTEBOOKS

pytestmark = pytest.mark.notebook

REPO = NOTEBOOKS.parent
CXLAB = Path(sys.executable).parent / "cxlab"  # the command a scheduler calls


def _visible(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _named_tables(text: str) -> set[str]:
    return set(re.findall(r"--table (\w+)", text))


@pytest.fixture()
def contacts_only(tiny_workspace: Path, tmp_path: Path) -> Path:
    """A workspace holding the contacts table only, with the repository's notebooks and
    schedule (its cell time limit shortened and no retry, so that a failure shows at once)."""
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "cxlab.toml").write_text('[workspace]\ntime_zone = "Asia/Shanghai"\ncountry = "CN"\n')
    export = tmp_path / "contacts.parquet"
    cx.load("contacts", workspace=tiny_workspace).collect().write_parquet(export)
    cx.data.ingest(export, "contacts", workspace=ws)
    shutil.copytree(NOTEBOOKS, ws / "notebooks")
    schedule = yaml.safe_load((REPO / "schedule.yaml").read_text(encoding="utf-8"))
    schedule.setdefault("defaults", {}).update(cell_timeout_minutes=2, retries=0)
    (ws / "schedule.yaml").write_text(yaml.safe_dump(schedule), encoding="utf-8")
    return ws


def test_refresh_of_a_contacts_only_workspace_publishes_the_review_and_says_what_to_load(
    contacts_only: Path,
) -> None:
    ws = contacts_only
    assert sorted(p.name for p in (ws / "data" / "processed").iterdir()) == ["contacts"]
    result = subprocess.run(
        [str(CXLAB), "refresh", "--workspace", str(ws)],
        env={**os.environ, "CXLAB_LANGUAGE": "en"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr

    jobs = yaml.safe_load((ws / "schedule.yaml").read_text(encoding="utf-8"))["jobs"]
    scheduled = {job["notebook"] for job in jobs.values()}
    runs = {r["notebook"]: r for r in read_runs(ws / "outputs")}
    assert set(runs) == scheduled  # each job ran once: nothing retried, nothing skipped
    assert runs["00_service_review"]["status"] == "ok", runs["00_service_review"]
    assert all(r["status"] in ("ok", "needs_data") for r in runs.values()), runs
    wanting = {n for n, r in runs.items() if r["status"] == "needs_data"}
    assert {"02_interventions", "03_churn_drivers", "04_nps", "06_year_review"} <= wanting

    index = (ws / "outputs" / "index.html").read_text(encoding="utf-8")
    cards = {
        re.search(r"href='reports/([^/']+)/latest.html'", card).group(1): card
        for card in index.split("<section class='card'>")[1:]
    }
    assert set(cards) == scheduled  # the index shows every report
    for name, run in runs.items():
        page = (ws / "outputs" / "reports" / name / "latest.html").read_text(encoding="utf-8")
        card = _visible(cards[name])
        if run["status"] == "ok":
            assert "up to date" in card and "needs data" not in card
            assert "needs data" not in _visible(page).lower()
            continue
        missing = run["missing"]
        assert missing and set(missing) <= set(TABLES) and "contacts" not in missing, run
        assert run["error"] is None
        # the page and the index name the missing tables, and only those
        text = _visible(page)
        assert "Needs data" in text
        assert _named_tables(text) == set(missing), (name, _named_tables(text), missing)
        assert "needs data" in card and _named_tables(card) == set(missing), card
        for table in missing:
            assert f"cxlab data ingest FILE --table {table}" in text
    review = _visible(
        (ws / "outputs" / "reports" / "00_service_review" / "latest.html").read_text("utf-8")
    )
    assert "No QA reviews to show" in review and "No team ranking" in review
    assert "needs data" in result.stdout and "FAILED" not in result.stdout
    metrics = json.loads((Path(runs["00_service_review"]["run_dir"]) / "metrics.json").read_text())
    assert metrics["contacts:all"]["value"] > 0
