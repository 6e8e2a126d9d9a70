"""Publishing: atomic replacement of a report, its archive, the shared assets, the run log, the index.

Layout under ``outputs/``::

    assets/                        plotly.js and the JupyterLab stylesheet, once, loaded by every
                                   report by a relative path
    runs/<notebook>/<run_id>/      executed .ipynb, parameters.yaml, metrics.json, run.log
    reports/<notebook>/latest.html the last good report (replaced atomically)
    reports/<notebook>/archive/    a dated copy of the newest good reports (``archive_keep``)
    reports/<notebook>/status.json last good run and last run (with its error, if it failed)
    runs.jsonl                     two lines per run: "started" first, then the outcome
                                   (end, parameters, status, error); see ``_journal``
    index.html                     every report: title, status, last good run, headline tiles

The index is written in the workspace's language; its tiles are the :class:`Headline` cards a
run recorded with ``cx.record`` (``metrics.json``), drawn by :func:`cards_html`.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from cxlab._present import (
    CSS,
    FONT_STACK,
    Headline,
    _,
    fmt_moment,
    gettext,
    ngettext,
    translate_text,
    use_language,
)
from cxlab.runner._journal import atomic_write, commit, new_status, read_status
from cxlab.runner._render import LAB_CSS_ASSET, PLOTLY_ASSET, lab_css_source, rebase_assets

DEFAULT_ARCHIVE_KEEP = 30


def ensure_assets(outputs: Path) -> Path:
    """Write plotly.js (from the installed plotly package) and nbconvert's JupyterLab stylesheet
    to ``outputs/assets/`` once; return the folder."""
    import plotly

    sources = {
        PLOTLY_ASSET: Path(plotly.__file__).parent / "package_data" / PLOTLY_ASSET,
        LAB_CSS_ASSET: lab_css_source(),
    }
    folder = outputs / "assets"
    for name, source in sources.items():
        target = folder / name
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp")
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
    return folder


def publish_run(
    outputs: Path,
    record: dict[str, Any],
    metrics: dict[str, Any] | None,
    *,
    titles: dict[str, str] | None = None,
    report_html: str | None = None,
    archive: bool = True,
    keep: int = DEFAULT_ARCHIVE_KEEP,
    language: str | None = None,
    time_zone: str = "UTC",
) -> Path | None:
    """Record the outcome of a run and publish its report, all or nothing.

    With ``report_html`` the page replaces ``latest.html`` (and, with ``archive``, a dated copy
    joins ``archive/``, the newest ``keep`` kept) in the same transaction as the outcome line of
    ``runs.jsonl`` and ``status.json`` (see :mod:`cxlab.runner._journal`). ``report_html`` loads
    plotly.js from ``../../assets/``; the archived copy, one folder deeper, from
    ``../../../assets/``. Returns the published page, if any.
    """
    notebook = record["notebook"]
    folder = outputs / "reports" / notebook
    if report_html is not None:
        ensure_assets(outputs)
    status = new_status(outputs, notebook, record, metrics, titles=titles)
    commit(
        outputs,
        record,
        status,
        page=report_html,
        archive=rebase_assets(report_html, "../../../assets/")
        if report_html is not None and archive
        else None,
    )
    if report_html is not None and archive:
        prune_archive(outputs, notebook, keep=keep)
        _archive_index(folder / "archive", notebook, language=language, time_zone=time_zone)
    return folder / "latest.html" if report_html is not None else None


def prune_archive(outputs: Path, notebook: str, *, keep: int = DEFAULT_ARCHIVE_KEEP) -> list[Path]:
    """Delete all but the newest ``keep`` archived reports and run folders of ``notebook``.

    Run ids start with their UTC start time, so their names sort by age. Returns what was removed.
    """
    if keep < 1:
        raise ValueError(f"archive_keep must be at least 1, not {keep}")
    removed: list[Path] = []
    archive = outputs / "reports" / notebook / "archive"
    if archive.is_dir():
        copies = sorted(p for p in archive.glob("*.html") if p.name != "index.html")
        for path in copies[:-keep]:
            path.unlink()
            removed.append(path)
    runs = outputs / "runs" / notebook
    if runs.is_dir():
        folders = sorted(p for p in runs.iterdir() if p.is_dir())
        for path in folders[:-keep]:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _page(lang: str, title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="{"zh-Hans" if lang == "zh" else "en"}"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>{CSS}<style>{_INDEX_CSS}</style></head><body>{body}"
        "</body></html>"
    )


def _archive_index(
    folder: Path, notebook: str, *, language: str | None = None, time_zone: str = "UTC"
) -> None:
    status = read_status(folder.parent.parent.parent, notebook)
    lang = _index_language(language)
    with use_language(lang):
        title = _title(status, notebook)
        items = sorted((p for p in folder.glob("*.html") if p.name != "index.html"), reverse=True)
        rows = "".join(
            f"<li><a href='{html.escape(p.name)}'>{html.escape(_run_time(p.stem, time_zone))}</a></li>"
            for p in items
        )
        heading = _("{title}: archived reports").format(title=title)
        body = (
            f"<header><h1>{html.escape(heading)}</h1></header><main><section class='card'>"
            f"<p><a href='../../../index.html'>{html.escape(_('All reports'))}</a></p>"
            f"<ul>{rows}</ul></section></main>"
        )
        atomic_write(folder / "index.html", _page(lang, heading, body))


def _run_time(run_id: str, time_zone: str) -> str:
    """A run id (``20261206T032800Z-ab12``) as its local start time."""
    try:
        stamp = dt.datetime.strptime(run_id.split("-")[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return run_id
    return _when(stamp.isoformat(), time_zone)


def _index_language(value: str | None) -> str:
    from cxlab._present import check_language, language

    return check_language(value) if value else language()


def _when(stamp: str | None, tz: str) -> str:
    if not stamp:
        return _("never")
    from zoneinfo import ZoneInfo

    try:
        moment = dt.datetime.fromisoformat(stamp).astimezone(ZoneInfo(tz))
    except ValueError:
        return stamp
    return fmt_moment(moment, tz)


def _title(status: dict[str, Any], name: str) -> str:
    from cxlab._present import language

    titles = status.get("titles") or {}
    if titles.get(language()):
        return titles[language()]
    title = status.get("title", name)
    return translate_text("# " + title).lstrip("#").strip()


def _cards(metrics: dict[str, Any]) -> list[Headline]:
    cards = []
    for key, entry in metrics.items():
        if not isinstance(entry, dict) or not entry.get("headline", True):
            continue
        try:
            card = Headline.from_dict({"key": key, **entry})
            card.value_text()  # a card of an unknown unit is left off rather than break the index
        except (TypeError, ValueError):
            continue
        cards.append(card)
    return cards


_INDEX_CSS = f"""body{{font-family:{FONT_STACK};margin:0;background:#f6f8fb;color:#1d2433}}
header{{background:#1f5a96;color:white;padding:18px 28px}}header h1{{margin:0;font-size:24px}}
main{{padding:20px 28px;display:grid;gap:16px;max-width:1180px;box-sizing:border-box}}
.card{{background:white;border:1px solid #dde2ea;border-radius:10px;padding:14px 20px;min-width:0}}
.card h2{{font-size:19px;margin:0 0 4px}}.meta{{color:#5b6577;font-size:13px;margin:2px 0 8px}}
.ok{{color:#2e8540;font-size:13px;font-weight:normal}}.fail{{color:#c0392b;font-size:13px;font-weight:normal}}
.needs{{color:#9a6700;font-size:13px;font-weight:normal}}
.wanting{{background:#fff8e5;border-left:4px solid #d4a72c;padding:6px 10px;font-size:14px;overflow-wrap:anywhere}}
.failure{{background:#fdf0ef;border-left:4px solid #c0392b;padding:6px 10px;font-size:14px;overflow-wrap:anywhere}}
a.open{{font-weight:600}}"""


def write_index(
    outputs: Path,
    order: list[str] | None = None,
    *,
    time_zone: str = "UTC",
    language: str | None = None,
) -> Path:
    """Rebuild ``outputs/index.html`` in ``language`` (default: the current one), escaped throughout."""
    lang = _index_language(language)
    reports = outputs / "reports"
    names = (
        sorted(p.name for p in reports.iterdir() if (p / "status.json").exists())
        if reports.exists()
        else []
    )
    if order:
        names = [n for n in order if n in names] + [n for n in names if n not in order]
    e = html.escape
    with use_language(lang):
        sections = []
        for name in names:
            st = read_status(outputs, name)
            good, last = st.get("last_good"), st.get("last_run", {})
            if not good and (last.get("error") or {}).get("kind") == "missing":
                continue  # an old run of a mistyped name (refused before running since)
            title = e(_title(st, name))
            failure = ""
            needs_page = False
            if last.get("status") == "ok":
                badge = f"<span class='ok'>{e(_('up to date'))}</span>"
            elif last.get("status") == "needs_data":
                badge = f"<span class='needs'>{e(_('needs data'))}</span>"
                missing = last.get("missing") or []
                said = ngettext(
                    "This report needs a table that the workspace does not have yet:",
                    "This report needs tables that the workspace does not have yet:",
                    len(missing),
                )
                commands = "".join(  # an entry met by either table: "a", "or", "b" on lines
                    "<br>"
                    + f"<br>{e(_('or'))}<br>".join(
                        f"<code>cxlab data ingest FILE --table {e(t)}</code>"
                        for t in entry.split("|")
                    )
                    for entry in missing
                )
                if good:
                    kept = _("The last good report is kept below.")
                else:
                    needs_page = (outputs / "reports" / name / "latest.html").exists()
                    kept = _("Open the page for how to load it.") if needs_page else ""
                failure = f"<p class='wanting'>{e(said)}{commands}<br>{e(kept)}</p>"
            else:
                err = last.get("error") or {}
                badge = f"<span class='fail'>{e(_('last run failed'))}</span>"
                when = _when(last.get("started_at"), time_zone)
                if err.get("cell"):
                    said = _("The run of {when} failed in code cell {cell}:").format(
                        when=when, cell=err["cell"]
                    )
                else:
                    said = _("The run of {when} failed:").format(when=when)
                kept = (
                    _("The last good report is kept below.")
                    if good
                    else _("There is no good report yet.")
                )
                message = str(err.get("message") or gettext("unknown error")).rstrip(".")
                failure = (
                    f"<p class='failure'>{e(said)} <code lang='en'>{e(message)}</code>. "
                    f"{e(kept)}</p>"
                )
            link = (
                f"<a class='open' href='reports/{e(name)}/latest.html'>{e(_('Open report'))}</a>"
                f" · <a href='reports/{e(name)}/archive/index.html'>{e(_('Archive'))}</a>"
                if good
                else f"<a class='open' href='reports/{e(name)}/latest.html'>{e(_('What to load'))}</a>"
                if needs_page
                else ""
            )
            cards = _cards((good or {}).get("metrics", {}))
            from cxlab._present import cards_html

            tiles = cards_html(cards) if cards else ""
            when = e(_when((good or {}).get("ended_at"), time_zone))
            sections.append(
                f"<section class='card'><h2>{title} {badge}</h2>"
                f"<p class='meta'>{_('Last updated: {when}').format(when=when)}</p>{failure}"
                f"{tiles}<p>{link}</p></section>"
            )
        now = e(_when(dt.datetime.now(dt.UTC).isoformat(), time_zone))
        heading = _("Customer service reports")
        empty = e(_("No reports yet: run {command}.")).format(command="<code>cxlab refresh</code>")
        body = (
            f"<header><h1>{e(heading)}</h1><div>{e(_('Index updated'))} {now}</div></header>"
            f"<main>{''.join(sections) or f'<p>{empty}</p>'}</main>"
        )
        page = _page(lang, heading, body)
    atomic_write(outputs / "index.html", page)
    return outputs / "index.html"
