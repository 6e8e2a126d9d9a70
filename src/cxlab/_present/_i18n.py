"""Languages: which one a report speaks, and the gettext catalogue that translates its words.

Every user-facing string is written in English in the source and marked ``_("...")`` (translated
where it is used) or ``N_("...")`` (declared at import, translated when shown). The Chinese
catalogue lives in ``locale/zh/*.po`` beside this file, one ``.po`` per room, read with Babel at
first use; English is the source language and needs no catalogue.

The language of a run is, in order: :func:`set_language` (or :func:`use_language`), the
``CXLAB_LANGUAGE`` environment variable (``cxlab run -p language zh`` sets it for the kernel), the
workspace's ``cxlab.toml`` (``language = "zh"``), and the workspace country (CN gives zh).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Literal

from cxlab._errors import OptionError

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")
LOCALES: dict[str, str] = {"zh": "zh_Hans_CN", "en": "en_US"}
_LOCALE_DIR = Path(__file__).parent / "locale"

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "cxlab_language", default=None
)


def check_language(value: object, *, setting: str = "language") -> Language:
    """``value`` as a language code, or an :class:`OptionError` naming the setting."""
    if isinstance(value, str) and value.strip().lower() in LANGUAGES:
        return value.strip().lower()  # type: ignore[return-value]
    allowed = ", ".join(repr(x) for x in LANGUAGES)
    raise OptionError(f"{setting} = {value!r} is not a language cxlab speaks; allowed: {allowed}.")


def default_language() -> Language:
    """The workspace's language (``CXLAB_LANGUAGE``, ``cxlab.toml``, else from the country)."""
    env = os.environ.get("CXLAB_LANGUAGE")
    if env:
        return check_language(env, setting="CXLAB_LANGUAGE")
    from cxlab._config import settings

    return settings().language


def language() -> Language:
    """The language reports are written in now."""
    explicit = _current.get()
    return explicit if explicit is not None else default_language()  # type: ignore[return-value]


def set_language(value: str | None) -> Language:
    """Speak ``value`` ("zh" or "en") from now on; ``None`` returns to the workspace's language."""
    _current.set(None if value is None else check_language(value))
    return language()


@contextlib.contextmanager
def use_language(value: str | None) -> Iterator[Language]:
    """Speak ``value`` inside a ``with`` block (``None`` keeps the current language)."""
    token = _current.set(check_language(value) if value is not None else _current.get())
    try:
        yield language()
    finally:
        _current.reset(token)


def locale() -> str:
    """The Babel locale of the current language."""
    return LOCALES[language()]


@cache
def catalogue(lang: str) -> dict[str, str | tuple[str, ...]]:
    """Every translated message of ``lang``: msgid (or the singular of a plural) to msgstr."""
    if lang == "en":
        return {}
    from babel.messages.pofile import read_po

    messages: dict[str, str | tuple[str, ...]] = {}
    for po in sorted((_LOCALE_DIR / lang).glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh, locale=LOCALES[lang]):
                if not message.id or message.fuzzy:
                    continue
                key = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
                text = message.string
                if isinstance(text, (list, tuple)):
                    if any(text):
                        messages[key] = tuple(text)
                elif text:
                    messages[key] = text
    return messages


def gettext(message: str) -> str:
    """``message`` in the current language (itself when no translation exists)."""
    lang = language()
    if lang == "en" or not message:
        return message
    found = catalogue(lang).get(message)
    if found is None:
        return message
    return found[0] if isinstance(found, tuple) else found


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for ``n``, in the current language."""
    lang = language()
    if lang != "en":
        found = catalogue(lang).get(singular)
        if found is not None:
            return found[0] if isinstance(found, tuple) else found  # Chinese has one form
    return singular if n == 1 else plural


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it yet (a label declared at import)."""
    return message


_ = gettext


def translate_text(text: str) -> str:
    """Translate a block of prose (a notebook's markdown) paragraph by paragraph.

    A block translates whole when the catalogue has it; otherwise each paragraph (separated by a
    blank line) is looked up on its own, and a paragraph without a translation stays as written.
    """
    if language() == "en":
        return text
    whole = gettext(text.strip())
    if whole != text.strip():
        return whole
    return "\n\n".join(gettext(block.strip()) for block in text.split("\n\n"))
