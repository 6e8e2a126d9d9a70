"""``make lab`` starts JupyterLab on the workspace: the server answers, lists the notebooks
through its REST API (the way the JupyterLab file browser reads them), the tutorial among them,
and opens the tutorial as a notebook (the way a double-click in the file browser does)."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, token: str, path: str) -> dict:
    """A reply of the contents API: a folder's listing, or a file with its content."""
    url = f"http://127.0.0.1:{port}/api/contents/{path}"
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.load(reply)


def test_make_lab_serves_the_notebooks() -> None:
    port, token = _free_port(), secrets.token_hex(16)
    args = f"--no-browser --ServerApp.ip=127.0.0.1 --IdentityProvider.token={token}"
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"PORT={port}", f"LAB_ARGS={args}"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    listing = tutorial = None
    out_error = ""
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                listing = _get(port, token, "notebooks")
                break
            except OSError:
                time.sleep(0.5)
        if listing is not None:
            try:
                tutorial = _get(port, token, "notebooks/tutorial.ipynb")
            except OSError as exc:  # an HTTP error (404, 500) is an OSError too
                out_error = f"{exc}"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out = proc.communicate(timeout=30)[0].decode(errors="replace")
    assert listing is not None, f"JupyterLab did not answer on port {port}:\n{out[-2000:]}"
    names = {item["name"] for item in listing["content"]}
    expected = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert expected and expected <= names, (expected, names)
    assert "tutorial.ipynb" in names, names
    assert tutorial is not None, f"JupyterLab did not open the tutorial: {out_error}\n{out[-2000:]}"
    assert tutorial["type"] == "notebook" and tutorial["format"] == "json"
    cells = tutorial["content"]["cells"]
    assert len(cells) > 10 and cells[0]["source"].startswith("# "), cells[:1]
    assert any("import cxlab as cx" in c["source"] for c in cells if c["cell_type"] == "code")
