"""What a reader sees in the index and the five reports, in English and in Chinese, in Chromium.

For every page: every heading has a box (on screen, and with the appendix opened), no snake_case
identifier reaches the text, every chart is drawn, nothing is fetched from off the machine, the
page never scrolls sideways and no table or box hides columns behind a scroll bar of its own (at
1280 px), no planted code runs and no customer id shows unmasked. Chinese pages carry no
untranslated English sentence; the contact-reasons report writes every share as a percentage.
Each report's PDF export opens and carries its headings. The last test shows that these checks
fail on a page that breaks them.
"""

from __future__ import annotations

import contextlib
import json
import re
import unicodedata
from pathlib import Path

import pytest
from browser_support import HOSTILE, LANGS, REPORTS
from typer.testing import CliRunner

from cxlab.cli import app

pytestmark = [pytest.mark.notebook, pytest.mark.browser]

SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
SNAKE_ALLOWED: set[str] = set()  # proper names that are written with an underscore
# four or more ASCII words in a row: an English sentence left in a Chinese page
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ \t]+[A-Za-z][A-Za-z'’-]*){3,}")
ENGLISH_ALLOWED = (
    "Noto Sans CJK SC",  # proper names, units and product names that stay in Latin script
)
CUSTOMER_ID = re.compile(r"\bC\d{7}\b")  # the generator's ids; masked ids read C0***#1a2b
PAGES = [("index", lang) for lang in LANGS] + [(r, lang) for lang in LANGS for r in REPORTS]
# a bare number between 0 and 1 ("0.06", "-0.01", "1.00"): in the contact-reasons report every
# such number outside a p-value column is a share (of contacts, of notes, a probability), which
# a reader is shown as a percentage
RAW_SHARE = re.compile(r"^[-−]?[01]\.\d+$")
P_VALUE_HEAD = re.compile(r"^[pq]\s*(?:-?value|值)$", re.I)

READ_PAGE = """() => {
  const box = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.height > 0 && r.width > 0 && s.visibility !== 'hidden' && Number(s.opacity) > 0; };
  const folded = el => { const d = el.closest('details:not([open])');
    return d !== null && !(el.closest('summary') && el.closest('summary').parentElement === d); };
  const heads = () => [...document.querySelectorAll('h1,h2,h3')];
  const shown = heads().filter(h => !folded(h)).map(h => ({text: h.innerText, ok: box(h)}));
  const closed = [...document.querySelectorAll('details')].filter(d => !d.open).length;
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const all = heads().map(h => ({tag: h.tagName, text: h.innerText.trim(), ok: box(h)}));
  const charts = [...document.querySelectorAll('.plotly-graph-div')].map(
    g => { const s = g.querySelector('svg.main-svg'); return s ? s.childElementCount : 0; });
  const misaligned = [];
  document.querySelectorAll('table.cx-table').forEach(t => {
    const heads = [...t.querySelectorAll('thead th')];
    const row = t.querySelector('tbody tr');
    if (!row) return;
    [...row.children].forEach((td, i) => {
      const th = heads[i];
      if (th && getComputedStyle(th).textAlign !== getComputedStyle(td).textAlign)
        misaligned.push(th.innerText);
    });
  });
  // a box that hides part of its content sideways (a table wider than the page scrolls inside
  // its own box): named by its table's caption or its result's title
  const where = el => { const t = el.tagName === 'TABLE' ? el : el.querySelector('table');
    const r = el.closest('.cx-result'); const h = r && r.querySelector('h4');
    return (t && t.caption && t.caption.innerText.trim()) || (h && h.innerText.trim())
      || el.tagName.toLowerCase(); };
  const wide = [...document.body.querySelectorAll('*')].filter(el =>
      !el.closest('.plotly-graph-div') && el.scrollWidth > el.clientWidth + 1
      && getComputedStyle(el).overflowX !== 'visible')
    .map(el => `${where(el)} (${el.scrollWidth} px in ${el.clientWidth} px)`);
  const bare = [];  // the cells of the body's tables (the appendix aside), with their header
  document.querySelectorAll('table.cx-table').forEach(t => {
    if (t.closest('details')) return;
    const heads = [...t.querySelectorAll('thead th')].map(th => th.innerText.trim());
    t.querySelectorAll('tbody tr').forEach(tr => [...tr.children].forEach((td, i) =>
      bare.push({head: heads[i] || '', text: td.innerText.trim()})));
  });
  const text = document.body.innerText;
  const hide = document.createElement('style');
  hide.textContent = '[lang=en],.modebar,.cx-toc{display:none!important}';
  document.head.appendChild(hide);
  const prose = document.body.innerText;
  hide.remove();
  return {shown, closed, all, charts, text, prose, misaligned, wide, bare,
    lang: document.documentElement.lang,
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth};
}"""


def page_path(ws: Path, name: str) -> Path:
    out = ws / "outputs"
    return out / "index.html" if name == "index" else out / "reports" / name / "latest.html"


def read(browser, path: Path, *, width: int = 1280) -> dict:
    """Open ``path`` as a reader would and collect what the checks need."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    seen: dict = {"requests": [], "errors": [], "dialogs": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    # charts draw after load: wait until every chart has its svg, at most 10 s (an undrawn
    # chart is then reported by the chart check)
    with contextlib.suppress(Exception):
        page.wait_for_function(
            "[...document.querySelectorAll('.plotly-graph-div')]"
            ".every(g => g.querySelector('svg.main-svg'))",
            timeout=10_000,
        )
    page.wait_for_timeout(300)
    for link in page.locator("a").all()[:200]:  # a planted javascript: link must not be a link
        href = link.get_attribute("href") or ""
        if href.startswith("javascript:"):
            seen["dialogs"].append(f"javascript link rendered: {href}")
    seen.update(page.evaluate(READ_PAGE))
    page.close()
    return seen


def problems(seen: dict, lang: str, *, shares: bool = False) -> list[str]:
    """Every way the page fails a reader (empty when it is fine); with ``shares``, also a share
    written as a bare fraction in a table of the body."""
    out = []
    hidden = [h["text"] or "(empty)" for h in seen["shown"] if not h["ok"]]
    if hidden:
        out.append(f"headings with no box on screen: {hidden[:5]}")
    folded = [f"{h['tag']} {h['text'] or '(empty)'}" for h in seen["all"] if not h["ok"]]
    if folded:
        out.append(f"headings with no box with the appendix open: {folded[:5]}")
    snake = sorted({w for w in SNAKE.findall(seen["text"]) if w not in SNAKE_ALLOWED})
    if snake:
        out.append(f"identifiers in the text: {snake[:8]}")
    undrawn = sum(1 for n in seen["charts"] if n == 0)
    if undrawn:
        out.append(f"{undrawn} of {len(seen['charts'])} charts not drawn")
    remote = [
        u for u in seen["requests"] if not u.startswith(("file:", "data:", "blob:", "about:"))
    ]
    if remote:
        out.append(f"requests off file: {remote[:3]}")
    if seen["scrollWidth"] > seen["innerWidth"]:
        out.append(f"scrolls sideways: {seen['scrollWidth']} px wide in {seen['innerWidth']} px")
    if seen["wide"]:
        out.append(f"wider than the page, scrolled inside its box: {seen['wide'][:5]}")
    raw: dict[str, str] = {}  # a column written with bare fractions, and one of its cells
    for c in seen["bare"]:
        if RAW_SHARE.match(c["text"]) and not P_VALUE_HEAD.match(c["head"]):
            raw.setdefault(c["head"], c["text"])
    if shares and raw:
        columns = [f"{head}: {text}" for head, text in raw.items()]
        out.append(f"shares written as bare fractions: {columns[:8]}")
    if seen["errors"]:
        out.append(f"console errors: {seen['errors'][:3]}")
    if seen["misaligned"]:
        out.append(f"table headers aligned unlike their column: {seen['misaligned'][:5]}")
    if seen["dialogs"]:
        out.append(f"planted code ran: {seen['dialogs'][:3]}")
    expected = {"zh": "zh-Hans", "en": "en"}[lang]
    if seen["lang"] != expected:
        out.append(f"<html lang={seen['lang']!r}>, expected {expected!r}")
    if lang == "zh":
        prose = seen["prose"]
        for allowed in ENGLISH_ALLOWED:
            prose = prose.replace(allowed, "")
        english = sorted(set(ENGLISH_RUN.findall(prose)))
        if english:
            out.append(f"untranslated English in the Chinese page: {english[:5]}")
    ids = CUSTOMER_ID.findall(seen["text"])
    if ids:
        out.append(f"customer ids unmasked: {ids[:3]}")
    return out


def test_refresh_publishes_every_report_in_both_languages(published) -> None:
    for lang, (ws, done) in published.items():
        assert done.returncode == 0, f"{lang}: {done.stdout}{done.stderr}"
        for name in REPORTS:
            assert page_path(ws, name).exists(), f"{lang}: {name} not published"
        assert (ws / "outputs/assets/plotly.min.js").exists()


@pytest.mark.parametrize(("name", "lang"), PAGES, ids=[f"{n}-{lang}" for n, lang in PAGES])
def test_page_reads_well(published, browser, name: str, lang: str) -> None:
    ws, _done = published[lang]
    path = page_path(ws, name)
    if not path.exists():
        pytest.fail(f"{name} ({lang}) was not published")
    seen = read(browser, path)
    found = problems(seen, lang, shares=name == "05_contact_reasons")
    assert not found, f"{name} ({lang}):\n  " + "\n  ".join(found)
    if name != "index":
        assert seen["charts"], f"{name} ({lang}) has no chart"
        assert seen["closed"] >= 1, f"{name} ({lang}) has no folded appendix"


def test_chinese_review_reads_like_the_monthly_report_it_replaces(published, browser) -> None:
    """Numbered sections, 目标值 / 实际值 / 达成 in the scorecard, 环比 for the month before."""
    ws, _done = published["zh"]
    text = read(browser, page_path(ws, "00_service_review"))["text"]
    for word in ("月度服务报告", "核心结论", "目标值", "实际值", "达成", "环比", "一、", "十、"):
        assert word in text, word


@pytest.mark.parametrize("lang", LANGS)
def test_year_review_says_the_four_months_are_a_partial_year(published, browser, lang) -> None:
    """The tiny workspace holds four months: the yearly review publishes with its numbered
    sections visible, and says in words that the year is partial instead of comparing it."""
    ws, _done = published[lang]
    seen = read(browser, page_path(ws, "06_year_review"))
    words = {
        "en": (
            "The answer",
            "1. Volume by channel and month",
            "4. Biggest improvements and weakest areas",
            "The data cover 4 of the 12 months",
            "there is no year-on-year comparison",
        ),
        "zh": (
            "核心结论",
            "一、按渠道和月份的联络量",
            "四、改善最大与最薄弱的环节",
            "数据仅覆盖12个月中的4个月",
            "无法做同比比较",
        ),
    }[lang]
    for word in words:
        assert word in seen["text"], f"{lang}: {word!r} not on the page"
    assert all(h["ok"] for h in seen["shown"]), f"{lang}: a heading has no box on screen"


@pytest.mark.parametrize("lang", LANGS)
def test_review_scorecard_carries_the_accuracy_the_contact_reasons_report_measured(
    published, browser, lang: str
) -> None:
    """The refresh runs the contact-reasons report before the review, which reads its accuracy."""
    ws, _done = published[lang]
    status = json.loads((ws / "outputs/reports/05_contact_reasons/status.json").read_text())
    card = status["last_good"]["metrics"]["classification_accuracy"]
    assert 0.5 < card["value"] <= 1.0
    text = read(browser, page_path(ws, "00_service_review"))["text"]
    label = {"en": "Contact reasons classified correctly", "zh": "联络原因自动分类准确率"}[lang]
    assert label in text, f"{lang}: the review's scorecard has no classification-accuracy row"


def test_planted_text_shown_literally_and_ids_masked_in_files(published, browser) -> None:
    for lang, (ws, _done) in published.items():
        review = read(browser, page_path(ws, "00_service_review"))
        assert HOSTILE[1] + "Refund delay" in review["text"], lang  # shown as text, literally
        for page in (ws / "outputs").rglob("*.html"):
            found = CUSTOMER_ID.findall(page.read_text(encoding="utf-8", errors="replace"))
            assert not found, f"{lang}: {page.name} shows customer ids {found[:3]}"


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _in_pdf(heading: str, text: str, *, agree: float = 0.85) -> bool:
    """``heading`` appears in the PDF's text, allowing for the glyph-to-character mapping of CJK
    fonts (a PDF of 户 and 风 can extract as 戶 and ⻛): some window of ``text`` aligned with
    one of the heading's 3-character pieces differs from it in at most one character, or in at
    most ``1 - agree`` of them for a long heading."""
    if heading in text:
        return True
    n = len(heading)
    for k in range(max(n - 2, 1)):
        piece = heading[k : k + 3]
        start = text.find(piece)
        while start >= 0:
            window = text[start - k : start - k + n] if start >= k else ""
            same = sum(a == b for a, b in zip(window, heading, strict=False))
            if len(window) == n and same >= n - max(1, int((1 - agree) * n)):
                return True
            start = text.find(piece, start + 1)
    return False


# every report's PDF in one language in make test, alternating so both languages are exported;
# the other language of each with the slow tests
REPORT_LANGS = [
    pytest.param(r, lang, id=f"{r}-{lang}", marks=() if (i + j) % 2 == 0 else pytest.mark.slow)
    for j, lang in enumerate(LANGS)
    for i, r in enumerate(REPORTS)
]


@pytest.mark.parametrize(("name", "lang"), REPORT_LANGS)
def test_pdf_export_opens_with_the_headings(published, browser, name: str, lang: str) -> None:
    from pypdf import PdfReader

    ws, _done = published[lang]
    if not page_path(ws, name).exists():
        pytest.fail(f"{name} ({lang}) was not published")
    done = CliRunner().invoke(app, ["export", name, "--pdf", "--workspace", str(ws)])
    assert done.exit_code == 0, done.output
    reader = PdfReader(str(ws / "outputs" / "exports" / f"{name}.pdf"))
    assert len(reader.pages) >= 1
    text = _flat("".join(p.extract_text() or "" for p in reader.pages))
    headings = [h["text"] for h in read(browser, page_path(ws, name))["all"] if h["text"]]
    missing = [h for h in headings if not _in_pdf(_flat(h), text)]
    assert not missing, f"{name} ({lang}) PDF lacks headings {missing[:5]}"


def test_the_checks_catch_a_broken_page(published, browser, tmp_path: Path) -> None:
    """A report with a hidden heading, an identifier, an English sentence, a wide box, a table
    wider than its box, a share written 0.06 and a remote script fails every matching check (so
    a passing page means something)."""
    ws, _done = published["zh"]
    source = page_path(ws, "00_service_review")
    broken = source.parent / "broken.html"  # beside the original, so its assets resolve
    markup = source.read_text(encoding="utf-8")
    markup = markup.replace(
        "</head>",
        "<style>main h2{display:none}</style><script src='https://cdn.example.invalid/x.js'>"
        "</script></head>",
        1,
    )
    markup = markup.replace(
        "<main>",
        "<main><p>category_l2 and daily_profile</p><p>This sentence was never translated.</p>"
        "<div style='width:3000px'>wide</div><div class='cx-table-wrap'><table class='cx-table'>"
        "<caption>宽表</caption><thead><tr><th>本期占比下限</th><th>p 值</th></tr></thead><tbody><tr>"
        "<td style='min-width:2000px'>0.06</td><td>0.157</td></tr></tbody></table></div>",
        1,
    )
    broken.write_text(markup, encoding="utf-8")
    try:
        found = "\n".join(problems(read(browser, broken), "zh", shares=True))
    finally:
        broken.unlink()
    for words in (
        "headings with no box on screen",
        "identifiers in the text: ['category_l2', 'daily_profile']",
        "untranslated English",
        "scrolls sideways",
        "宽表 (",
        "本期占比下限: 0.06",
        "requests off file",
    ):
        assert words in found, f"{words!r} not caught in:\n{found}"
    assert "p 值: 0.157" not in found  # a p-value is a bare fraction by right


SHIFT_WORDS = {
    "en": {
        "heading": "4. Shifts and roster",
        "charts": ("Agents working against agents required", "Roster: who works when"),
        "caption": "Roster of the coming week",
        "link": "Download the shift schedule for a workforce-management system (CSV)",
    },
    "zh": {
        "heading": "四、班次与排班",
        "charts": ("在岗坐席与所需坐席对比", "排班表：谁在何时上班"),
        "caption": "未来一周排班表",
        "link": "下载班次表（CSV，可导入排班系统）",
    },
}
READ_SHIFTS = """(w) => {
  const box = el => { const r = el.getBoundingClientRect(); return r.height > 0 && r.width > 0; };
  const heading = [...document.querySelectorAll('h2')].find(h => h.innerText.trim() === w.heading);
  const charts = [...document.querySelectorAll('.plotly-graph-div')].map(g => ({
    title: (g.querySelector('.gtitle') || {}).textContent || '',
    marks: g.querySelectorAll('.scatterlayer .trace, .barlayer .point').length,
    ok: box(g)}));
  const table = [...document.querySelectorAll('table.cx-table')].find(
    t => t.caption && t.caption.innerText.trim() === w.caption);
  const rows = table ? [...table.querySelectorAll('tbody tr')].map(
    r => [...r.children].map(td => td.innerText.trim())) : null;
  const more = table ? table.parentElement.querySelector('a.cx-download') : null;
  const link = [...document.querySelectorAll('a.cx-download')].find(
    a => a.getAttribute('download') === 'shift_schedule.csv');
  return {heading: heading ? box(heading) : null, charts, rows,
    head: table ? [...table.querySelectorAll('thead th')].map(th => th.innerText.trim()) : null,
    roster_csv: more ? more.getAttribute('href') : null,
    link: link ? {text: link.innerText.trim(), ok: box(link), href: link.getAttribute('href')} : null};
}"""


def _csv(href: str) -> list[list[str]]:
    import base64
    import csv
    import io

    assert href.startswith("data:text/csv;charset=utf-8;base64,"), href[:60]
    text = base64.b64decode(href.split(",", 1)[1]).decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("lang", LANGS)
def test_forecast_report_shows_the_shifts_and_the_roster(published, browser, lang: str) -> None:
    """The shifts section of the forecast report, as a reader sees it: its heading on screen, the
    coverage chart and the roster timeline drawn with their marks, the roster table with staff
    numbers, and a download holding the schedule for a workforce-management system whose shifts
    are exactly the roster's rows."""
    ws, _done = published[lang]
    words = SHIFT_WORDS[lang]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(page_path(ws, "01_volume_forecast").as_uri())
    page.wait_for_function(
        "[...document.querySelectorAll('.plotly-graph-div')]"
        ".every(g => g.querySelector('svg.main-svg'))",
        timeout=10_000,
    )
    seen = page.evaluate(READ_SHIFTS, words)
    body = page.inner_text("body")
    page.close()
    assert seen["heading"] is True, f"{lang}: no visible heading {words['heading']!r}"
    for title in words["charts"]:
        drawn = [c for c in seen["charts"] if c["title"] == title]
        assert drawn and drawn[0]["ok"] and drawn[0]["marks"] >= 2, f"{lang}: chart {title!r}"
    assert seen["rows"], f"{lang}: no roster table captioned {words['caption']!r}"
    assert len(seen["head"]) == 4 and len(seen["rows"]) == 15
    assert all(re.fullmatch(r"A-[A-Z]{2}\d{3}", r[0]) for r in seen["rows"]), seen["rows"][:3]
    assert seen["link"] and seen["link"]["ok"] and seen["link"]["text"] == words["link"]
    schedule = _csv(seen["link"]["href"])
    assert schedule[0] == [
        "day", "start", "end", "breaks", "count", "queue", "unpaid_breaks", "paid_hours", "cost",
    ]  # fmt: skip
    # ISO 8601 local times with their UTC offset, for a WFM import
    iso = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d"
    assert all(re.fullmatch(iso, r[1]) for r in schedule[1:]), schedule[1][:3]
    roster_rows = _csv(seen["roster_csv"])[1:]
    # every agent-shift of the schedule is on the roster, or among the open ones the page names
    said = re.search(
        r"(\d[\d,]*) agent-shifts \(" if lang == "en" else r"还有(\d[\d,]*)个班次人次", body
    )
    left_open = int(said.group(1).replace(",", "")) if said else 0
    assert sum(int(r[4]) for r in schedule[1:]) == len(roster_rows) + left_open
    assert len(roster_rows) > 15
