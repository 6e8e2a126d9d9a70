"""Rendering an executed notebook to a code-free, offline HTML report a reader can follow.

nbconvert's lab template with every input excluded (``exclude_input`` removes code cells and
keeps markdown, so headings and prose show). Around it:

- the notebook's markdown is translated into the run's language (:func:`translate_text`), and the
  page declares that language (``<html lang="zh-Hans">``) and a CJK font stack;
- a header opens the report: title, run time, data freshness, parameters, version (all translated,
  dates formatted by :mod:`cxlab._present`, every value escaped), with a table of contents built
  from the ``h2`` headings;
- everything from a markdown heading that starts with ``## Appendix`` to the end is folded into a
  ``<details>`` block, closed on screen and opened for printing;
- nbconvert's heading anchors (¶) are removed; wide outputs scroll inside their own box;
- plotly.js and nbconvert's JupyterLab stylesheet are not embedded: the page loads them from
  ``outputs/assets/`` by a relative path (:data:`ASSET_PREFIX`), so a report opened in place stays
  offline and small; nbconvert's and plotly's CDN scripts (require.js, MathJax) are
  removed, so the page makes no network request.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cxlab._present import (
    CSS,
    FONT_STACK,
    N_,
    _,
    fmt_date,
    fmt_list,
    fmt_moment,
    fmt_month,
    fmt_value,
    gettext,
    label,
    register_labels,
    translate_text,
    unit_of,
    use_language,
)

if TYPE_CHECKING:  # pragma: no cover
    import nbformat

PLOTLY_ASSET = "plotly.min.js"
LAB_CSS_ASSET = "jupyterlab.css"
ASSET_PREFIX = "../../assets/"  # from outputs/reports/<notebook>/latest.html
APPENDIX_ID = "cx-appendix"
HTML_LANG = {"zh": "zh-Hans", "en": "en"}
_LANGUAGE_NAMES = {"zh": N_("Chinese"), "en": N_("English")}

register_labels(
    {
        # the notebooks' parameters, as the report header shows them
        "language": N_("Language"),
        "horizon": N_("Horizon (days)"),
        "horizon_days": N_("Horizon (days)"),
        "landmark": N_("Landmark date"),
        "split_days": N_("Split (days)"),
        "compare_to": N_("Compared with"),
        "channels": N_("Channels"),
        "queues": N_("Queues"),
        "every": N_("Interval length"),
        "shrinkage": N_("Shrinkage"),
        "max_occupancy": N_("Maximum occupancy"),
        "shift_seconds": N_("Time to search for shifts (seconds)"),
        "scenarios": N_("Weeks drawn to judge the shifts"),
        "alpha": N_("Significance level"),
        "as_of": N_("As of"),
        "year": N_("Year under review"),
        "improvement": N_("Improvement priced"),
        "retention_target": N_("Retention target"),
        "export_dir": N_("Export folder"),
        "target_probability": N_("Chance of attainment of proposed targets"),
        "nps_target": N_("NPS target"),
        "call_back_period": N_("Call-back period"),
        "accuracy_target": N_("Classification accuracy target"),
        "train_months": N_("Months the classifier learns from"),
        "note_sample": N_("Notes read per step"),
        "call_back_days": N_("Days scanned for call-backs"),
    }
)

_EXTERNAL_SCRIPT = re.compile(r"<script[^>]*\bsrc=[\"']?(?:https?:)?//[^>]*>\s*</script>", re.I)
_EXTERNAL_LINK = re.compile(r"<link[^>]*\bhref=[\"']?(?:https?:)?//[^>]*>", re.I)
_REMOTE_MODULE = re.compile(
    r"<script[^>]*>(?:(?!</script>).)*?import\(\s*[\"'](?:https?:)?//(?:(?!</script>).)*</script>",
    re.I | re.S,
)
_CSS_IMPORT = re.compile(r"@import\s+url\([\"']?(?:https?:)?//[^)]*\)\s*;?", re.I)
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.I | re.S)
_ASSET_TAG = re.compile(
    r"<script\b[^>]*\bsrc=[\"'][^\"']*" + re.escape(PLOTLY_ASSET) + r"[\"'][^>]*>\s*</script>", re.I
)
_ANCHOR = re.compile(r"<a class=\"anchor-link\" href=\"#[^\"]*\">.*?</a>", re.S)
_H2 = re.compile(r"<h2 id=\"([^\"]+)\"[^>]*>(.*?)</h2>", re.S)
_APPENDIX_HEADING = re.compile(r"^\s*##\s+(Appendix\b.*|附录.*)$", re.M)

_PAGE_CSS = f"""<style>
html,body{{font-family:{FONT_STACK}}}
body.jp-Notebook{{padding:0;margin:0;color:#1d2433;background:#fff}}
main{{max-width:1180px;margin:0 auto;padding:8px 24px 40px;box-sizing:border-box}}
.jp-RenderedHTMLCommon{{font-family:{FONT_STACK};font-size:15px;line-height:1.6}}
.jp-RenderedHTMLCommon h1,.jp-RenderedHTMLCommon h2,.jp-RenderedHTMLCommon h3{{font-family:{FONT_STACK};color:#1d2433}}
.jp-RenderedHTMLCommon h2{{font-size:21px;border-bottom:2px solid #e3e7ee;padding-bottom:4px;margin-top:28px}}
.jp-RenderedHTMLCommon h3{{font-size:17px;margin-top:18px}}
.jp-Cell,.jp-OutputArea,.jp-OutputArea-child,.jp-OutputArea-output{{max-width:100%;min-width:0}}
.jp-OutputArea-output{{overflow-x:auto}}
.jp-OutputArea-output pre{{white-space:pre-wrap;word-break:break-word}}
.jp-RenderedHTMLCommon table{{display:block;max-width:100%;overflow-x:auto}}
.jp-InputPrompt,.jp-OutputPrompt,.jp-Collapser{{display:none!important}}
.jp-Notebook .jp-Cell{{padding:0}}
.cx-report-footer{{font-family:{FONT_STACK};color:#8a94a6;font-size:12px;padding:18px 24px 24px}}
.cx-report-header{{font-family:{FONT_STACK};border-bottom:3px solid #1f5a96;padding:16px 24px 10px;background:#f6f8fb}}
.cx-report-header .inner{{max-width:1180px;margin:0 auto}}
.cx-report-header h1{{margin:0 0 6px;font-size:26px;color:#1d2433}}
.cx-report-header .meta{{color:#5b6577;font-size:13px;display:flex;flex-wrap:wrap;gap:4px 18px}}
.cx-report-header .meta b{{color:#1d2433;font-weight:600}}
.cx-report-header .meta a{{color:#1f5a96}}
.cx-toc{{margin:10px 0 0;font-size:14px;display:flex;flex-wrap:wrap;gap:4px 16px}}
.cx-toc b{{color:#3d4657}}.cx-toc a{{color:#1f5a96;text-decoration:none}}.cx-toc a:hover{{text-decoration:underline}}
details.cx-appendix{{margin-top:28px;border-top:2px solid #e3e7ee}}
details.cx-appendix>summary{{cursor:pointer;padding:6px 0;list-style-position:inside}}
details.cx-appendix>summary h2{{display:inline;font-family:{FONT_STACK};font-size:21px;color:#1d2433;margin:0}}
details.cx-appendix>summary .hint{{color:#5b6577;font-size:13px;margin-left:10px}}
details.cx-appendix[open]>summary .hint{{display:none}}
@media print{{.cx-toc,.cx-appendix>summary .hint{{display:none}}main{{max-width:none}}}}
</style>"""

_PRINT_SCRIPT = (
    "<script>window.addEventListener('beforeprint',function(){"
    "document.querySelectorAll('details').forEach(function(d){d.open=true;});});</script>"
)


def render_html(
    executed: Path,
    *,
    title: str | None = None,
    run_time: dt.datetime | str | None = None,
    parameters: dict[str, Any] | None = None,
    freshness: dt.datetime | str | None = None,
    version: str = "",
    run_id: str = "",
    language: str = "en",
    asset_prefix: str = ASSET_PREFIX,
) -> str:
    """The report as one code-free, offline HTML string in ``language``.

    ``run_time`` and ``freshness`` are times in the workspace's zone (an aware ``datetime`` is
    formatted for the language and named by its zone; text is shown as it is). ``title`` defaults to the notebook's first heading, translated.
    """
    from cxlab.runner._execute import skip_iri_syntax

    skip_iri_syntax()
    import nbformat
    from nbconvert import HTMLExporter

    with use_language(language):
        nb = nbformat.read(str(executed), as_version=4)
        nb.cells = [
            c
            for c in nb.cells
            if "injected-parameters" not in c.get("metadata", {}).get("tags", [])
        ]
        for c in nb.cells:  # warnings are for the run log (the executed notebook), not the reader
            if c.get("outputs"):
                c.outputs = [
                    o
                    for o in c.outputs
                    if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                ]
        shown_title = _prepare_markdown(nb, title)
        exporter = HTMLExporter(template_name="lab")
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
        exporter.anchor_link_text = ""
        body, _resources = exporter.from_notebook_node(nb)
        body = strip_lab_css(strip_plotly(strip_external(body)), asset_prefix)
        body = _ANCHOR.sub("", body)
        body = _fold_appendix(body)
        toc = _toc(body)
        header = _header(shown_title, run_time, freshness, parameters or {}, version, run_id, toc)
        charts = "plotly-graph-div" in body
        head = _PAGE_CSS + CSS + _PRINT_SCRIPT
        if charts:
            head += f'<script src="{html.escape(asset_prefix + PLOTLY_ASSET)}"></script>'
    body = re.sub(
        r"<html[^>]*>", f'<html lang="{HTML_LANG.get(language, language)}">', body, count=1
    )
    body = re.sub(
        r"<title>.*?</title>",
        lambda _m: f"<title>{html.escape(shown_title)}</title>",
        body,
        count=1,
        flags=re.S,
    )
    body = body.replace("</head>", head + "</head>", 1)
    if run_id or version:
        with use_language(language):
            footer = _footer(version, run_id)
        body = body.replace("</body>", footer + "</body>", 1)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + header, body, count=1)


def _prepare_markdown(nb: nbformat.NotebookNode, title: str | None) -> str:
    """Translate markdown, take the title out of the body, mark the appendix; return the title."""
    shown_title = None
    appendix_seen = False
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        cell.source = translate_text(cell.source)
        if shown_title is None:
            lines = cell.source.splitlines()
            for i, line in enumerate(lines):
                if re.match(r"^#\s", line):
                    shown_title = line.lstrip("#").strip()
                    cell.source = "\n".join(lines[:i] + lines[i + 1 :]).strip()
                    break
        if not appendix_seen and _APPENDIX_HEADING.search(cell.source):
            appendix_seen = True
            cell.id = APPENDIX_ID
    return title or shown_title or _("Report")


def _fold_appendix(body: str) -> str:
    """Fold the appendix cell and every cell after it into a closed ``<details>``."""
    marker = body.find(f'id="cell-id={APPENDIX_ID}"')
    if marker < 0:
        return body
    start = body.rfind("<div", 0, marker)
    end = body.rfind("</main>")
    if start < 0 or end < start:
        return body
    section = body[start:end]
    heading = re.search(r"<h2 id=\"([^\"]+)\"[^>]*>(.*?)</h2>", section, re.S)
    summary_text = heading.group(2) if heading else html.escape(_("Appendix"))
    anchor = heading.group(1) if heading else "appendix"
    if heading:
        section = section[: heading.start()] + section[heading.end() :]
    hint = html.escape(_("methods, checks and full tables (click to open)"))
    folded = (
        f"<details class='cx-appendix'><summary><h2 id=\"{anchor}\">{summary_text}</h2>"
        f"<span class='hint'>{hint}</span></summary>{section}</details>"
    )
    return body[:start] + folded + body[end:]


def _toc(body: str) -> list[tuple[str, str]]:
    """(anchor, text) of every ``h2`` heading, in order."""
    out = []
    for anchor, inner in _H2.findall(body):
        text = html.unescape(re.sub(r"<[^>]+>", "", inner)).strip()
        if text:
            out.append((anchor, text))
    return out


def _when(value: dt.datetime | str | None) -> str:
    if value is None:
        return _("no data")
    if isinstance(value, str):
        return value
    # an aware time carries the workspace's zone; a naive one is read in the current workspace's
    return fmt_moment(value, getattr(value.tzinfo, "key", None))


PARAMETER_UNITS = {
    "shrinkage": "share",
    "max_occupancy": "share",
    "retention_target": "share",
    "target_probability": "share",
}
"""Units of notebook parameters that no room's table declares (the others come from the tables')."""


def _parameter_text(value: Any, name: str | None = None) -> str:
    if value is None:
        return _("latest")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    unit = PARAMETER_UNITS.get(name) or unit_of(name) if name else None
    if unit is not None and isinstance(value, (int, float)):
        # 240 seconds reads "4.0 min"; a share keeps the digits it was given: 0.3 "30%", 0.825 "82.5%"
        digits = len(repr(float(value)).split(".")[-1].rstrip("0"))
        decimals = max(0, digits - 2) if unit == "share" else None
        return fmt_value(value, unit, decimals=decimals)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return fmt_value(value, "count")  # a parameter typed float but given whole: 240, not 240.0
    if isinstance(value, float):
        return fmt_value(
            value, "ratio", decimals=len(repr(value).split(".")[-1]) if "." in repr(value) else 0
        )
    if isinstance(value, (list, tuple)):
        return ", ".join(_parameter_text(v) for v in value)
    if value in _LANGUAGE_NAMES:
        return gettext(_LANGUAGE_NAMES[value])
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return fmt_date(text)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return fmt_month(text)
    return text


def _header(
    title: str,
    run_time: dt.datetime | str | None,
    freshness: dt.datetime | str | None,
    parameters: dict[str, Any],
    version: str,
    run_id: str,
    toc: list[tuple[str, str]],
) -> str:
    e = html.escape
    params = _("; ").join(
        _("{name}: {value}").format(name=label(k), value=_parameter_text(v, k))
        for k, v in sorted(parameters.items())
    ) or _("defaults")
    items = [
        _("Run {when}").format(when=f"<b>{e(_when(run_time))}</b>"),
        _("Data up to {when}").format(when=f"<b>{e(_when(freshness))}</b>"),
        _("Parameters {values}").format(values=f"<b>{e(params)}</b>"),
    ]
    items.append(f"<a href='../../index.html'>{e(_('All reports'))}</a>")
    nav = ""
    if toc:
        links = "".join(f"<a href='#{e(a)}'>{e(t)}</a>" for a, t in toc)
        nav = f"<nav class='cx-toc' aria-label='{e(_('Contents'))}'><b>{e(_('Contents'))}</b>{links}</nav>"
    meta = "".join(f"<span>{item}</span>" for item in items)
    return (
        f"<header class='cx-report-header'><div class='inner'><h1>{e(title)}</h1>"
        f"<div class='meta'>{meta}</div>{nav}</div></header>"
    )


def _footer(version: str, run_id: str) -> str:
    """What an analyst needs to trace the page (kept out of the reader's header)."""
    e = html.escape
    parts = [_("cxlab {version}").format(version=e(version))]
    if run_id:
        parts.append(_("Run {run_id}").format(run_id=e(run_id)))
    return f"<footer class='cx-report-footer'>{' · '.join(parts)}</footer>"


def lab_css_source() -> Path:
    """nbconvert's JupyterLab stylesheet (240 KB), shared by every report as one asset."""
    from nbconvert import HTMLExporter

    for folder in HTMLExporter(template_name="lab").template_paths:
        path = Path(folder) / "static" / "index.css"
        if path.exists():
            return path
    raise FileNotFoundError("nbconvert's lab template has no static/index.css")


_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.I | re.S)
_CSS_TAG = re.compile(
    r"<link\b[^>]*\bhref=[\"'][^\"']*" + re.escape(LAB_CSS_ASSET) + r"[\"'][^>]*>", re.I
)


def strip_lab_css(markup: str, prefix: str = ASSET_PREFIX) -> str:
    """Replace the inline JupyterLab stylesheet by a link to the shared asset."""
    done = False

    def swap(m: re.Match) -> str:
        nonlocal done
        if done or len(m.group(1)) < 100_000 or "jp-Cell" not in m.group(1):
            return m.group(0)
        done = True
        return f'<link rel="stylesheet" href="{html.escape(prefix + LAB_CSS_ASSET)}">'

    return _STYLE.sub(swap, markup)


def strip_plotly(markup: str) -> str:
    """Remove every inline copy of plotly.js and every reference to the shared asset."""

    def drop(m: re.Match) -> str:
        return "" if "plotly.js v" in m.group(1)[:400] and len(m.group(1)) > 100_000 else m.group(0)

    return _ASSET_TAG.sub("", _SCRIPT.sub(drop, markup))


def inline_assets(markup: str, assets: Path) -> str:
    """The page with plotly.js and the stylesheet inlined from ``assets`` (one self-contained file)."""
    if _CSS_TAG.search(markup):
        css = (assets / LAB_CSS_ASSET).read_text(encoding="utf-8")
        markup = _CSS_TAG.sub(lambda _m: f"<style>{css}</style>", markup, count=1)
    if _ASSET_TAG.search(markup):
        source = (assets / PLOTLY_ASSET).read_text(encoding="utf-8")
        markup = _ASSET_TAG.sub(lambda _m: f"<script>{source}</script>", markup, count=1)
    return markup


def rebase_assets(markup: str, prefix: str) -> str:
    """The page with its shared-asset references pointing at ``prefix`` (for an archived copy)."""
    markup = _CSS_TAG.sub(
        lambda _m: f'<link rel="stylesheet" href="{html.escape(prefix + LAB_CSS_ASSET)}">',
        markup,
        count=1,
    )
    return _ASSET_TAG.sub(
        lambda _m: f'<script src="{html.escape(prefix + PLOTLY_ASSET)}"></script>', markup, count=1
    )


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


def render_needs_data(
    title: str,
    missing: list[str],
    *,
    run_time: dt.datetime | str | None = None,
    parameters: dict[str, Any] | None = None,
    freshness: dt.datetime | str | None = None,
    version: str = "",
    run_id: str = "",
    language: str = "en",
) -> str:
    """A short page in place of a report whose tables the workspace does not have yet.

    It has the report's header, footer and style, says which tables are missing and gives the
    commands that load them (a canonical file, or a department's own export with ``--map``).
    The table names appear only inside those commands. An entry ``"contacts|intervals"`` is
    met by either table: both commands are given, with a line saying one is enough. An entry
    ``"contacts.note"`` (a column the table lacks) gives the table's command and a line naming
    the column.
    """
    from cxlab._present import ngettext

    e = html.escape
    with use_language(language):
        header = _header(title, run_time, freshness, parameters or {}, version, run_id, [])
        footer = _footer(version, run_id) if run_id or version else ""
        lead = ngettext(
            "This report needs a table that the workspace does not have yet, so it was not run. "
            "Load it with:",
            "This report needs tables that the workspace does not have yet, so it was not run. "
            "Load each of them with:",
            len(missing),
        )
        columns = [
            _("The {table} table has no {column} column: load an export that has it.").format(
                table=f"<code>{e(need.split('.')[0])}</code>",
                column=f"<code>{e(need.split('.')[1])}</code>",
            )
            for entry in missing
            for need in entry.split("|")
            if "." in need
        ]
        missing = ["|".join(t.split(".")[0] for t in entry.split("|")) for entry in missing]
        tables = [table for entry in missing for table in entry.split("|")]
        either = [entry.split("|") for entry in missing if "|" in entry]
        commands = "\n".join(f"cxlab data ingest FILE --table {table}" for table in tables)
        own = _(
            "FILE is a CSV, Parquet or DuckDB export in the table's own columns. For an export "
            "with its own column names, describe them in a mapping file and add it:"
        )
        mapped = "\n".join(
            f"cxlab data ingest FILE --table {table} --map MAPPING.yaml" for table in tables
        )
        others = len(tables) > sum(len(options) for options in either)
        choice = "".join(
            "<p>"
            + (
                _("One of {tables} is enough; every other table listed is needed.")
                if others
                else _("One of these is enough: {tables}.")
            ).format(tables=fmt_list([f"<code>--table {e(t)}</code>" for t in options], style="or"))
            + "</p>"
            for options in either
        )
        propose = _("{command} proposes a mapping file from the export's headers.").format(
            command=" ".join(
                f"<code>{e(f'cxlab data map FILE --table {table}')}</code>" for table in tables[:1]
            )
        )
        then = _("Then run the reports again with {command}.").format(
            command="<code>cxlab refresh</code>"
        )
        heading = _("Needs data")
        body = (
            f"<main class='cx-needs-data'><h2>{e(heading)}</h2><p>{e(lead)}</p>"
            f"<pre><code>{e(commands)}</code></pre>{choice}"
            + "".join(f"<p>{c}</p>" for c in columns)
            + f"<p>{e(own)}</p>"
            f"<pre><code>{e(mapped)}</code></pre><p>{propose}</p><p>{then}</p></main>"
        )
    css = (
        "<style>.cx-needs-data{font-size:15px;line-height:1.6}"
        ".cx-needs-data h2{font-size:21px;border-bottom:2px solid #e3e7ee;padding-bottom:4px}"
        ".cx-needs-data pre{background:#f6f8fb;border:1px solid #dde2ea;border-radius:6px;"
        "padding:8px 12px;overflow-x:auto}</style>"
    )
    return (
        f'<!doctype html><html lang="{HTML_LANG.get(language, language)}"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title>{_PAGE_CSS}{CSS}{css}</head><body>{header}{body}{footer}"
        "</body></html>"
    )
