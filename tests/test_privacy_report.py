"""The NPS report published on a workspace whose survey comments carry every kind of personal data
(mobiles with and without +86, a landline, an international number, an e-mail address, an ID-card
and a bank-card number): none of it is in any file under ``outputs/`` (the report, its archive
copy, the executed notebook, the metrics, the run log, the CSV downloads inside the pages, the
index), nor is the mask key; the placeholders are there instead, in the report's language, and
the near misses planted beside them (an order number, a date, an amount) are kept. The
analyst-side call-back export, outside ``outputs/``, keeps the comments whole."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import cxlab as cx
from cxlab._config import settings

PLANTED = {  # what a customer wrote -> the placeholder it must become on a Chinese page
    "手机13812345678": "[电话]",
    "call +86 139 1234 5678": "[电话]",
    "office 010-61234567": "[电话]",
    "UK +44 20 7946 0958": "[电话]",
    "mail li.wei@example.cn": "[邮箱]",
    "身份证11010519491231002X": "[身份证]",
    "卡号6222021234567890128": "[银行卡]",
}
PERSONAL = [
    "13812345678",
    "139 1234 5678",
    "13912345678",
    "010-61234567",
    "7946 0958",
    "li.wei@example.cn",
    "11010519491231002X",
    "6222021234567890128",
]
NEAR_MISSES = ["订单号 1234567890123456789", "2026-07-01", "¥1,234.56"]


@pytest.fixture(scope="module")
def published(tiny_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("privacy") / "ws"
    shutil.copytree(tiny_workspace, ws)
    shutil.rmtree(ws / "outputs", ignore_errors=True)
    (ws / "data" / ".mask_key").unlink(missing_ok=True)  # made on first use, by this run
    surveys = cx.load("surveys", workspace=ws).collect()
    tail = " ".join([*PLANTED, *NEAR_MISSES])
    cx.data.write_table(
        surveys.with_columns(comment=pl.col("comment") + " " + tail),
        "surveys",
        workspace=settings(ws),
    )
    env = {k: v for k, v in os.environ.items() if k not in ("CXLAB_LANGUAGE", "CXLAB_MASK_KEY")}
    env["CXLAB_WORKSPACE"] = str(ws)
    done = subprocess.run(
        [sys.executable, "-m", "cxlab.cli", "run", "04_nps", "-w", str(ws), "-p", "language", "zh"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return ws


def _texts(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` as text a reader could get out of it: JSON unescaped, and the
    CSV downloads (``data:`` links) decoded."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.parent.name == "assets":  # plotly.js and the stylesheet
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        parts = [text]
        if path.suffix in (".ipynb", ".json"):
            parts.append(json.dumps(json.loads(text), ensure_ascii=False))
        elif path.suffix == ".jsonl":
            parts += [json.dumps(json.loads(x), ensure_ascii=False) for x in text.splitlines() if x]
        for data in re.findall(r"base64,([A-Za-z0-9+/=]+)", "\n".join(parts)):
            decoded = base64.b64decode(data)
            if decoded.startswith(b"\xef\xbb\xbf"):  # a CSV download (UTF-8 with a BOM)
                parts.append(decoded.decode("utf-8"))
        out[str(path.relative_to(folder))] = "\n".join(parts)
    return out


@pytest.mark.notebook
def test_no_personal_data_nor_key_in_any_published_file(published: Path) -> None:
    texts = _texts(published / "outputs")
    names = set(texts)
    assert "reports/04_nps/latest.html" in names and "index.html" in names
    assert any(n.startswith("runs/04_nps/") and n.endswith(".ipynb") for n in names)
    assert any(n.startswith("reports/04_nps/archive/") for n in names)
    key = (published / "data" / ".mask_key").read_text().strip()
    for name, text in texts.items():
        for data in PERSONAL:
            assert data not in text, f"{data!r} published in {name}"
        assert key not in text, f"the mask key is in {name}"
        assert not re.search(r"\bC\d{7}\b", text), f"a raw customer id in {name}"
    report = texts["reports/04_nps/latest.html"]
    for placeholder in set(PLANTED.values()):
        assert placeholder in report, placeholder
    everything = "\n".join(texts.values())
    for near_miss in NEAR_MISSES:
        assert near_miss in everything, near_miss


@pytest.mark.notebook
def test_the_key_stays_private_and_the_analyst_export_keeps_the_comments(published: Path):
    key = published / "data" / ".mask_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert not list((published / "outputs").rglob(".mask_key*"))
    exports = list((published / "data" / "exports").glob("detractors_*.csv"))
    assert exports, "the notebook writes the call-back list for the care team"
    assert "13812345678" in exports[0].read_text(encoding="utf-8")
