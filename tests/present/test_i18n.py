"""Every user-facing string has a Chinese translation, with the same placeholders.

The strings are found the way gettext tools find them: Babel's extractor over ``src/cxlab`` with
the keywords ``_``, ``N_``, ``gettext`` and ``ngettext``, plus every paragraph of every notebook's
markdown (the renderer translates those when a report is published in Chinese).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from cxlab._present import _i18n

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*(?:[:!][^}]*)?\}")


def source_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for filename, lineno, message, _comments, _ctx in extract_from_dir(
        ROOT / "src" / "cxlab",
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
    ):
        text = message[0] if isinstance(message, tuple) else message
        if text:
            found.setdefault(text, f"src/cxlab/{filename}:{lineno}")
    return found


def notebook_messages() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
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
    missing = {m: where for m, where in notebook_messages().items() if m not in catalogue}
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
