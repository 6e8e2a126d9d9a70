"""Every user-facing string has a Chinese translation, with the same placeholders, and every
translation is used.

The strings are found on the syntax tree of every module under ``src/cxlab`` (underscore folders
included, and calls inside f-strings, which a token-based extractor misses): the first argument
of ``_``, ``N_``, ``gettext`` and ``ngettext``. From the notebooks come every paragraph of the
markdown (the renderer translates those when a report is published in Chinese) and the literal
texts that code cells hand to the display helpers (``caption=``, ``cx.viz.note(...)``), which
translate them when shown.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from cxlab._present import _i18n

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*(?:[:!][^}]*)?\}")


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def source_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted((ROOT / "src" / "cxlab").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and _name(node.func) in KEYWORDS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
                and node.args[0].value
            ):
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.setdefault(node.args[0].value, where)
    return found


def _report_notebooks() -> list:
    """The published notebooks (the tutorial is in English for analysts and never published)."""
    from notebook_support import NOTEBOOKS, REPORTS

    return [NOTEBOOKS / f"{name}.ipynb" for name in REPORTS]


def notebook_code_messages() -> dict[str, str]:
    """Literal texts that notebook code hands to a display helper to translate."""
    found: dict[str, str] = {}
    for path in _report_notebooks():
        nb = json.loads(path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "code":
                continue
            for node in ast.walk(ast.parse("".join(cell["source"]))):
                if not isinstance(node, ast.Call):
                    continue
                texts = [k.value for k in node.keywords if k.arg == "caption"]
                if _name(node.func) == "note" and node.args:
                    texts.append(node.args[0])
                for t in texts:
                    if isinstance(t, ast.Constant) and isinstance(t.value, str):
                        found.setdefault(t.value, f"notebooks/{path.name} cell {i}")
    return found


def notebook_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in _report_notebooks():
        nb = json.loads(path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "markdown":
                continue
            text = "".join(cell["source"]).strip()
            catalogue = _i18n.catalogue("zh")
            if text in catalogue:
                continue
            for block in text.split("\n\n"):
                if block.strip():
                    found.setdefault(block.strip(), f"notebooks/{path.name} cell {i}")
    return found


def test_every_source_string_is_translated():
    catalogue = _i18n.catalogue("zh")
    missing = {m: where for m, where in source_messages().items() if m not in catalogue}
    listing = "\n".join(f"  {where}: {m!r}" for m, where in sorted(missing.items())[:40])
    assert not missing, f"{len(missing)} strings have no Chinese translation:\n{listing}"


def test_every_notebook_paragraph_is_translated():
    catalogue = _i18n.catalogue("zh")
    wanted = {**notebook_messages(), **notebook_code_messages()}
    missing = {m: where for m, where in wanted.items() if m not in catalogue}
    listing = "\n".join(f"  {where}: {m[:90]!r}" for m, where in sorted(missing.items())[:40])
    assert not missing, f"{len(missing)} notebook paragraphs have no translation:\n{listing}"


@pytest.mark.parametrize("lang", ["zh"])
def test_translations_keep_their_placeholders(lang):
    bad = []
    for msgid, msgstr in _i18n.catalogue(lang).items():
        text = msgstr[0] if isinstance(msgstr, tuple) else msgstr
        if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(text)):
            bad.append((msgid, text))
    assert not bad, f"placeholders differ: {bad[:10]}"


def test_chinese_translations_are_chinese():
    """A msgstr that is the msgid copied is no translation (proper names and codes aside)."""
    copied = [
        m
        for m, s in _i18n.catalogue("zh").items()
        if s == m and re.search(r"[A-Za-z]{4,}", m) and not re.fullmatch(r"[A-Z0-9 ()%-]+", m)
    ]
    assert not copied, f"copied, not translated: {copied[:10]}"


def test_each_message_lives_in_one_catalogue_file():
    """A msgid translated in two rooms' files would be decided by load order: shared words belong
    in ``present.po``, each room's own words in its file, never both."""
    from babel.messages.pofile import read_po

    seen: dict[str, str] = {}
    twice = []
    for po in sorted((_i18n._LOCALE_DIR / "zh").glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh):
                key = message.id if isinstance(message.id, str) else message.id[0]
                if not key:
                    continue
                if key in seen:
                    twice.append((key, seen[key], po.name))
                seen[key] = po.name
    assert not twice, f"messages in more than one file: {twice[:10]}"


def test_every_translation_is_used():
    """A catalogue entry no source string, label or notebook text asks for is dead weight that
    hides drift (an English string changed, its old translation left behind)."""
    from babel.messages.pofile import read_po

    used = set(source_messages()) | set(notebook_code_messages())
    for path in _report_notebooks():
        nb = json.loads(path.read_text(encoding="utf-8"))
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                text = "".join(cell["source"]).strip()
                used.add(text)
                used.update(b.strip() for b in text.split("\n\n") if b.strip())
    unused = []
    for po in sorted((_i18n._LOCALE_DIR / "zh").glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh):
                key = message.id if isinstance(message.id, str) else message.id[0]
                if key and key not in used:
                    unused.append(f"{po.name}: {key[:80]!r}")
    assert not unused, f"{len(unused)} translations nothing uses:\n  " + "\n  ".join(unused[:40])


def test_every_notebook_parameter_has_a_label_for_the_report_header():
    """The header lists a run's parameters by their label: a snake_case name is not a word."""
    import cxlab.runner._render  # noqa: F401  (registers the parameters' labels)
    from cxlab._present import LABELS, label, use_language
    from cxlab.runner._params import parameters_cell

    for path in _report_notebooks():
        for name in parameters_cell(path):
            assert name in LABELS, f"{path.name}: parameter {name!r} has no label"
            with use_language("zh"):
                assert re.search(r"[\u4e00-\u9fff]", label(name)), (path.name, name, label(name))


def test_one_key_has_one_label_whichever_room_registered_it():
    """A key two rooms label differently reads one way or the other depending on what was
    imported first (the report header said "Planning handle time" in one process and "Average
    handle time" in another); every room and the runner are imported, and none disagrees."""
    import importlib

    from cxlab._present._labels import CONFLICTS

    for room in ("runner._render", "staffing", "forecast", "review", "churn", "nps",
                 "experiments", "features", "viz", "data"):  # fmt: skip
        importlib.import_module(f"cxlab.{room}")
    assert not CONFLICTS, CONFLICTS


def test_parameters_read_in_their_units_in_the_header():
    from cxlab._present import use_language
    from cxlab.runner._render import _parameter_text

    with use_language("en"):
        assert _parameter_text(240.0, "aht_seconds") == "4.0 min"
        assert _parameter_text(0.3, "shrinkage") == "30%"
        assert _parameter_text(0.8, "sl_target") == "80%"
        assert _parameter_text(7, "horizon") == "7"
        assert _parameter_text(240.0) == "240"
    with use_language("zh"):
        assert _parameter_text(20, "sl_seconds") == "20秒"


def test_the_text_room_calls_a_contact_a_contact_not_a_call():
    """The contact-reasons report reads notes of every channel: in Chinese a contact is 联络, never
    来电 (a phone call)."""
    from babel.messages.pofile import read_po

    path = ROOT / "src/cxlab/_present/locale/zh/text.po"
    with path.open("rb") as f:
        catalogue = read_po(f)
    calls = [m.id for m in catalogue if m.id and "来电" in str(m.string)]
    assert not calls, calls[:5]
