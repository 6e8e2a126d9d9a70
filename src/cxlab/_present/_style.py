"""The report's look, in one place: fonts (with a CJK stack), tiles, findings, tables, notes.

Both the notebook display helpers (in JupyterLab) and the published report use this stylesheet,
so a tile looks the same in both.
"""

from __future__ import annotations

import html

from cxlab._present._i18n import _
from cxlab._present._scrub import scrub_text

FONT_STACK = (
    "Inter, 'Segoe UI', 'Helvetica Neue', Helvetica, Arial, 'PingFang SC', 'Hiragino Sans GB', "
    "'Microsoft YaHei', 'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', "
    "'WenQuanYi Micro Hei', sans-serif"
)

CSS = (
    "<style>"
    f".cx-headline,.cx-findings,.cx-table,.cx-note,.cx-more{{font-family:{FONT_STACK}}}"
    ".cx-headline{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0 16px}"
    ".cx-card{border:1px solid #dde2ea;border-radius:8px;padding:10px 14px;min-width:170px;"
    "max-width:260px;background:#fafbfd}"
    ".cx-card .l{font-size:13px;color:#3d4657;font-weight:600}"
    ".cx-card .v{font-size:26px;font-weight:600;color:#1d2433;margin:2px 0}"
    ".cx-card .v.words{font-size:18px;line-height:1.3}"
    ".cx-card .t,.cx-card .c,.cx-card .d,.cx-card .p{font-size:12px;color:#5b6577;margin-top:2px}"
    ".cx-card .p{color:#8a94a6}"
    ".cx-met,.cx-good{color:#2e8540!important}.cx-missed,.cx-bad{color:#c0392b!important}"
    ".cx-findings{margin:6px 0 14px;padding-left:20px;font-size:15px;line-height:1.55}"
    ".cx-findings li{margin:4px 0}"
    ".cx-table-wrap{max-width:100%;overflow-x:auto;margin:6px 0 14px}"
    ".cx-table{border-collapse:collapse;font-size:13px}"
    ".cx-table caption{text-align:left;font-weight:600;padding:4px 0;color:#3d4657}"
    ".cx-table th,.cx-table td{border-bottom:1px solid #e6e9ef;padding:4px 10px;"
    "text-align:right;white-space:nowrap}"
    # long headers and free text wrap, so a table fits the page instead of hiding columns
    ".cx-table th{white-space:normal;min-width:4em;max-width:12em;vertical-align:bottom}"
    ".cx-table td.txt{white-space:normal;max-width:30em}"
    ".cx-table th{background:#f3f5f9}"
    ".cx-table th:first-child,.cx-table td:first-child,.cx-table th.txt,.cx-table td.txt{text-align:left}"
    ".cx-note,.cx-more{color:#5b6577;font-size:13px}"
    ".cx-download{margin-left:6px}"
    "</style>"
)


def findings_html(sentences: list[str]) -> str:
    """Findings as an escaped bullet list."""
    # a finding may quote free text (a comment, a category): personal data never reaches a reader
    items = "".join(f"<li>{html.escape(scrub_text(s))}</li>" for s in sentences)
    return f"<ul class='cx-findings'>{items}</ul>"


def note_html(text: str) -> str:
    return f"<p class='cx-note'>{html.escape(scrub_text(text))}</p>"


def insufficient() -> str:
    return _("insufficient data")
