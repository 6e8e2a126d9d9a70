"""Rendering an executed notebook to a code-free, offline HTML report.

nbconvert's lab template with every input hidden; plotly charts survive because
:mod:`cxlab.viz` sets the ``plotly_mimetype+notebook`` renderer (plotly.js is embedded once).
nbconvert and plotly both add scripts from CDNs (require.js, MathJax); they are removed, so that
the report makes no network request when opened. A header opens the report: title, run time,
parameters, data freshness and the cxlab version. Every value in it is escaped.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import nbformat

_EXTERNAL_SCRIPT = re.compile(r"<script[^>]*\bsrc=[\"']?(?:https?:)?//[^>]*>\s*</script>", re.I)
_EXTERNAL_LINK = re.compile(r"<link[^>]*\bhref=[\"']?(?:https?:)?//[^>]*>", re.I)
_REMOTE_MODULE = re.compile(
    r"<script[^>]*>(?:(?!</script>).)*?import\(\s*[\"'](?:https?:)?//(?:(?!</script>).)*</script>",
    re.I | re.S,
)
_CSS_IMPORT = re.compile(r"@import\s+url\([\"']?(?:https?:)?//[^)]*\)\s*;?", re.I)

_HEADER_CSS = """<style>
.cx-report-header{font-family:Inter,Segoe UI,Helvetica,Arial,sans-serif;border-bottom:3px solid #1f5a96;
padding:18px 24px 12px;margin:0 0 8px;background:#f6f8fb}
.cx-report-header h1{margin:0 0 6px;font-size:26px;color:#1d2433}
.cx-report-header .meta{color:#5b6577;font-size:13px;display:flex;flex-wrap:wrap;gap:18px}
.cx-report-header .meta b{color:#1d2433;font-weight:600}
.jp-InputPrompt,.jp-OutputPrompt{display:none!important}
</style>"""


def render_html(
    executed: Path,
    *,
    title: str,
    run_time: str,
    parameters: dict[str, Any],
    freshness: str,
    version: str,
    run_id: str,
) -> str:
    """The report as one offline HTML string (no code cells, no network requests)."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(executed), as_version=4)
    nb.cells = [
        c for c in nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])
    ]
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb)
    body = strip_external(body)
    params = ", ".join(f"{k} = {v!r}" for k, v in sorted(parameters.items())) or "defaults"
    header = (
        f"{_HEADER_CSS}<header class='cx-report-header'><h1>{html.escape(title)}</h1>"
        "<div class='meta'>"
        f"<span>Run <b>{html.escape(run_time)}</b></span>"
        f"<span>Data up to <b>{html.escape(freshness)}</b></span>"
        f"<span>Parameters <b>{html.escape(params)}</b></span>"
        f"<span>cxlab <b>{html.escape(version)}</b></span>"
        f"<span>Run id <b>{html.escape(run_id)}</b></span>"
        "</div></header>"
    )
    body = re.sub(
        r"<title>.*?</title>", f"<title>{html.escape(title)}</title>", body, count=1, flags=re.S
    )
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + header, body, count=1)


def strip_external(markup: str) -> str:
    """Remove every script, stylesheet and CSS import fetched from another host."""
    markup = _EXTERNAL_SCRIPT.sub("", markup)
    markup = _REMOTE_MODULE.sub("", markup)
    markup = _EXTERNAL_LINK.sub("", markup)
    return _CSS_IMPORT.sub("", markup)


def external_references(markup: str) -> list[str]:
    """Resources the page would fetch from another host (should be empty)."""
    found = re.findall(
        r"<(?:script|link|img|iframe)[^>]*\b(?:src|href)=[\"']?((?:https?:)?//[^\"' >]+)",
        markup,
        re.I,
    )
    found += re.findall(r"import\(\s*[\"']((?:https?:)?//[^\"']+)", markup, re.I)
    found += re.findall(r"@import\s+url\([\"']?((?:https?:)?//[^)\"']+)", markup, re.I)
    return found
