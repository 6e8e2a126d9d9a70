"""Personal data scrubbed from free text before a reader sees it.

Customers write their phone number, e-mail address, ID-card or bank-card number into survey
comments and contact notes. Every text cell of a table (:func:`cxlab._present.table_html`, its CSV
download) and every comment a room quotes passes through :func:`scrub_text`, which replaces each
one with a typed placeholder in the reader's language: ``[电话]``/``[phone]``, ``[邮箱]``/``[email]``,
``[身份证]``/``[ID]``, ``[银行卡]``/``[card]``, ``[账号]``/``[account]``. The analyst's own exports
(a call-back list for the care team) keep the text whole; nothing published does.

What is found (full-width digits and symbols, as Chinese input methods type them, count too):

- e-mail addresses (``name@example.com``);
- Chinese resident ID numbers: 18 characters, an area code, a birth date (18xx-20xx) and three
  digits, then a check digit or ``X``; the check digit is not required to be right, since a
  mistyped ID is still personal;
- US social security numbers (``123-45-6789``, ``123 45 6789``);
- bank-card numbers: 13 to 19 digits, unbroken or in groups of four (Amex 4-6-5), that pass
  the Luhn check, and 16 to 19 digits written in groups of four (4-4-4-4, 4-4-4-4-3) whether
  they pass it or not (a mistyped card is still personal), unless an order, ticket or tracking
  word just precedes them ("订单号", "order"); a number written after ``+`` is a phone number
  when it can be one;
- phone numbers: Chinese mobiles ``1[3-9]`` and nine more digits, with or without ``+86``/``0086``
  and spaces or hyphens; landlines with a trunk ``0`` and area code (``010-6123 4567``,
  ``(0755) 1234567``, ``020 7946 0958``); international numbers written with ``+`` and a country
  code (E.164, 8 to 15 digits); North American numbers (``(415) 555-2671``);
- QQ and WeChat accounts written after their name (``QQ 12345678``, ``微信号: abc_123``,
  ``微信号 zhang88`` when the id holds a digit or an underscore), and a WeChat id anywhere
  (``wxid_abc123``).

Label-keyed rules: what follows a label is personal whatever its form, with no Luhn check:

- a number of 8 to 30 digits after a card label (``银行卡``, ``卡号``, ``card no``, ``card
  number``) is a card, after an account label (``账号``, ``帐号``, ``account no``, ``account
  number``) an account: ``银行卡 6222021234567890123``, ``卡号6222021234567890``;
- a chat id after WeChat's name however it is written (``微信``, ``wechat``, ``weixin``, ``wx``,
  ``vx``, with or without a colon and spaces, "my wechat is ..."): after a colon any id of six
  characters or more, else one of five or more holding a digit or an underscore
  (``加我微信zhang88``, ``vx zhang88``; not ``微信 payment``);
- a passport number (one or two letters and 7 to 9 digits, or the digits alone) after
  ``passport`` or ``护照``: ``passport E12345678``;
- an IBAN, its country code and check digits included: after the word IBAN, or written in three
  groups of four or more (``DE89 3704 0044 0532 0130 00``);
- an e-mail address spelt out with ``at`` and ``dot`` (``lisi dot wang at gmail dot com``,
  ``li [at] qq [dot] com``).

Near misses are left alone: dates and times, amounts, percentages, order and ticket numbers,
counts, short service numbers (95588, 400-820-1234 is a company's line and kept), and a label
with nothing personal after it (``银行卡扣费2次``, ``card no longer works``).

What is NOT scrubbed: names of people (``张伟``, ``Li Wei``), street and postal addresses,
licence plates, dates of birth written alone, and ids of free form without a label before them
(``zhang88`` on its own, a passport number without the word passport, a bank account number
without its label or IBAN form). A text that may hold these must not be published whole: the
reports show a note's scrubbed start, never the note.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from cxlab._present._i18n import N_, gettext

if TYPE_CHECKING:
    import polars as pl

PLACEHOLDERS = {
    "email": N_("[email]"),
    "id": N_("[ID]"),
    "card": N_("[card]"),
    "account": N_("[account]"),
    "phone": N_("[phone]"),
}


@functools.cache
def placeholder_words() -> dict[str, str]:
    """Every placeholder the scrubber writes, as a reader of each language sees it (``[phone]``,
    ``[电话]``), and its kind: what reads scrubbed text for a model or a language (not for a
    reader) takes them all as one."""
    from cxlab._present._i18n import LANGUAGES, use_language

    words = {}
    for lang in LANGUAGES:
        with use_language(lang):
            words.update({gettext(msgid): kind for kind, msgid in PLACEHOLDERS.items()})
    return words


# full-width ASCII (U+FF01..U+FF5E), other spaces (ideographic, no-break, zero-width) and dashes,
# one character for one: the spans found in the normalised text are the spans of the original
_WIDTH = (
    {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
    | dict.fromkeys((0x3000, 0x00A0, 0x2007, 0x202F, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF), 0x20)
    | dict.fromkeys((*range(0x2010, 0x2016), 0x2212, 0xFE63), 0x2D)
)

_EDGE_L = r"(?<!\d)"
_EDGE_R = r"(?!\d)"
_SEP = r"[ \-]"

_EMAIL = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}"
)
_ID = re.compile(
    _EDGE_L
    + r"[1-9]\d{5}"
    + _SEP
    + r"?(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    + _SEP
    + r"?\d{3}[\dXx]"
    + _EDGE_R
)
# a US social security number as written (three, two and four digits, with dashes or spaces)
_SSN = re.compile(_EDGE_L + r"\d{3}([ \-])\d{2}\1\d{4}" + _EDGE_R)
_CARD = re.compile(
    _EDGE_L
    + r"(?:\d{13,19}|\d{4}([ \-])\d{4}(?:\1\d{4}){1,2}(?:\1\d{1,4})?|\d{4}([ \-])\d{6}\2\d{4,5}"
    + r"|\d{6}([ \-])\d{7,13})"
    + _EDGE_R
)
_ORDER_WORDS = re.compile(
    r"(?:订单|单号|运单|工单|快递|物流|发票|流水|order|tracking|ticket|invoice|ref|case)"
    r"[\s#:：号no.\-]*$",
    re.IGNORECASE,
)
_ACCOUNT = re.compile(
    r"(?:QQ|微信|wechat|weixin)\s*(?:号码|号|id)?\s*[:：]?\s*(\d{5,11})"
    + _EDGE_R
    + r"|(?:QQ|微信|wechat|weixin)\s*(?:号码|号|id)?\s*[:：]\s*([A-Za-z][\w\-]{5,19})"
    + _EDGE_R
    # without a colon, only after 号 or id and with a digit or an underscore: "微信号 zhang88",
    # not "微信 payment"
    + r"|(?:QQ|微信|wechat|weixin)\s*(?:号码|号|id)\s*"
    + r"([A-Za-z](?=[A-Za-z\-]*[0-9_])[A-Za-z0-9_\-]{5,19})(?![A-Za-z0-9_\-])"
    # a WeChat id is one wherever it is written
    + r"|(wxid_[A-Za-z0-9_\-]+)",
    re.IGNORECASE,
)
# a number after a card or account label is one, whatever its check digit: "银行卡 6222…",
# "卡号6222…", "card no. 6222…", "account number: 1234…", "账号 1234…" (the label is kept)
_LABELLED = re.compile(
    r"(?:(银行卡|卡号|(?<![A-Za-z])card\s*(?:no\.?|number|num\.?|#)(?![A-Za-z]))"
    r"|(账号|帐号|(?<![A-Za-z])account\s*(?:no\.?|number|num\.?|#)(?![A-Za-z])))"
    r"\s*(?:号码|号)?\s*(?:is\s*)?[:：#]?\s*"
    r"(\d(?:[ \-]?\d){7,29})" + _EDGE_R,
    re.IGNORECASE,
)
# a chat id after WeChat's name however it is written (微信, wechat, weixin, wx, vx): after a
# colon any id of six or more characters, else one of five or more with a digit or an underscore
# ("加我微信zhang88", "vx zhang88", "my wechat is zhang_88a"; not "微信 payment")
_CHAT = re.compile(
    r"(?:微信|(?<![A-Za-z])(?:wechat|weixin|wx|vx)(?![A-Za-z]))"
    r"\s*(?:号码|号|id|account)?\s*(?:is\s+)?"
    r"(?:[:：]\s*([A-Za-z][A-Za-z0-9_\-]{5,19})"
    r"|([A-Za-z](?=[A-Za-z\-]*[0-9_])[A-Za-z0-9_\-]{4,19}))(?![A-Za-z0-9_\-])",
    re.IGNORECASE,
)
# a passport number after its label: "passport E12345678", "护照号：G1234567"
_PASSPORT = re.compile(
    r"(?:passport|护照)\s*(?:no\.?|number|num\.?|#|号码|号)?\s*[:：#]?\s*"
    r"([A-Za-z]{0,2}\d{7,9})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# an IBAN: a country code, two check digits and the account in groups of four; one after the
# word IBAN, or written in three or more groups of four, its country code included
_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])"
)
_IBAN_LABEL = re.compile(r"iban\s*[:：#]?\s*$", re.IGNORECASE)
_IBAN_GROUPS = re.compile(r"[A-Z]{2}[0-9]{2}(?: [A-Z0-9]{4}){3}")
# an e-mail address spelt out: "lisi dot wang at gmail dot com", "li [at] qq [dot] com"
_AT = r"(?:\s+at\s+|\s*[\[(]at[\])]\s*)"
_DOT = r"(?:\s+dot\s+|\s*[\[(]dot[\])]\s*)"
_SPELT_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._\-])[A-Za-z0-9][A-Za-z0-9._\-]*(?:"
    + _DOT
    + r"[A-Za-z0-9][A-Za-z0-9_\-]*)*"
    + _AT
    + r"[A-Za-z0-9][A-Za-z0-9\-]*(?:"
    + _DOT
    + r"[A-Za-z0-9][A-Za-z0-9\-]*)*"
    + _DOT
    + r"[A-Za-z]{2,}(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# the groups of four a card is written in (4-4-4-4, 4-4-4-4-3): a card even when mistyped
_CARD_GROUPS = re.compile(r"\d{4}([ \-])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?")
_MOBILE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)?86" + _SEP + r"?|\(\+?86\)\s?)?"
    r"1[3-9]\d[ .\-]?\d{4}[ .\-]?\d{4}" + _EDGE_R
)
_LANDLINE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)86"
    + _SEP
    + r"?(?:\(0?\d{2,3}\)|0?\d{2,3})|\(0\d{2,3}\)|0\d{2,3})"
    + r"\s?"
    + _SEP
    + r"?\s?(?:\d{7,8}|\d{3,4}"
    + _SEP
    + r"\d{4})"
    + r"(?:\s?(?:转|ext\.?|x)\s?\d{1,5})?"
    + _EDGE_R
    + r"|(?<![\d+])0\d{3,4}"
    + _SEP
    + r"\d{6}"
    + _EDGE_R,
    re.IGNORECASE,
)
_E164 = re.compile(r"(?<![\d+])\+\d{1,3}(?:[ .\-]?\(?\d{1,4}\)?){2,6}" + _EDGE_R)
_NANP = re.compile(
    _EDGE_L + r"(?!\(?[48]00)(?:\([2-9]\d{2}\)\s?|[2-9]\d{2}[ .\-])\d{3}[ .\-]\d{4}" + _EDGE_R
)

# a cheap first look: most text has no long digit run, no @ and no account word
_MAYBE = re.compile(r"[@]|\d(?:\D{0,2}\d){6}|qq|微信|wechat|weixin|wx|vx|dot", re.IGNORECASE)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def personal_spans(text: str) -> list[tuple[str, int, int]]:
    """The personal data in ``text`` as ``(kind, start, end)``, in order, never overlapping.

    ``kind`` is one of ``email``, ``id``, ``card``, ``account``, ``phone``.

    Examples
    --------
    >>> personal_spans("call 138 1234 5678 or mail li@example.cn")
    [('phone', 5, 18), ('email', 27, 40)]
    """
    return _spans(text, None)


def _spans(text: str, run: frozenset[re.Pattern] | None) -> list[tuple[str, int, int]]:
    """:func:`personal_spans`, running only the patterns of ``run`` (all when None): the same
    spans when the others find nothing in the text."""
    flat = text.translate(_WIDTH)
    if not _MAYBE.search(flat):
        return []
    taken: list[tuple[str, int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for _k, s, e in taken)

    def matches(pattern: re.Pattern):
        return pattern.finditer(flat) if run is None or pattern in run else ()

    for m in matches(_EMAIL):
        taken.append(("email", m.start(), m.end()))
    for m in matches(_SPELT_EMAIL):
        if free(m.start(), m.end()):
            taken.append(("email", m.start(), m.end()))
    for m in matches(_IBAN):
        labelled = _IBAN_LABEL.search(flat[max(0, m.start() - 8) : m.start()])
        if (labelled or _IBAN_GROUPS.match(m.group())) and free(m.start(), m.end()):
            taken.append(("account", m.start(), m.end()))
    for m in matches(_ID):
        if free(m.start(), m.end()):
            taken.append(("id", m.start(), m.end()))
    for m in matches(_SSN):
        if free(m.start(), m.end()):
            taken.append(("id", m.start(), m.end()))
    for m in matches(_CARD):
        digits = _digits(m.group())
        start = m.start()
        if not (13 <= len(digits) <= 19 and free(start, m.end())):
            continue
        if _ORDER_WORDS.search(flat[max(0, start - 12) : start]):
            taken.append(("order", start, m.end()))  # kept whole: no phone is read inside it
            continue
        if start and flat[start - 1] == "+":
            if len(digits) <= 15:
                continue  # a phone number in E.164
            start -= 1
        if _luhn(digits) or _CARD_GROUPS.fullmatch(m.group()):
            taken.append(("card", start, m.end()))
    for m in matches(_LABELLED):
        if free(m.start(3), m.end(3)):
            taken.append(("card" if m.group(1) else "account", m.start(3), m.end(3)))
    for m in matches(_ACCOUNT):
        group = next(g for g in (1, 2, 3, 4) if m.group(g) is not None)
        if free(m.start(group), m.end(group)):
            taken.append(("account", m.start(group), m.end(group)))
    for m in matches(_CHAT):
        group = 1 if m.group(1) is not None else 2
        if free(m.start(group), m.end(group)):
            taken.append(("account", m.start(group), m.end(group)))
    for m in matches(_PASSPORT):
        if free(m.start(1), m.end(1)):
            taken.append(("id", m.start(1), m.end(1)))
    for pattern in (_MOBILE, _LANDLINE, _E164, _NANP):
        for m in matches(pattern):
            n = len(_digits(m.group()))
            if pattern is _E164 and not 8 <= n <= 15:
                continue
            if free(m.start(), m.end()):
                taken.append(("phone", m.start(), m.end()))
    return sorted((t for t in taken if t[0] != "order"), key=lambda t: t[1])


def scrub_text(text: str) -> str:
    """``text`` with phone numbers, e-mail addresses, ID-card and social security numbers,
    bank-card numbers and chat accounts replaced by a typed placeholder in the reader's language.

    Examples
    --------
    >>> from cxlab._present import use_language
    >>> with use_language("en"):
    ...     scrub_text("Please call me on +86 138-1234-5678, order 2026070188812345")
    'Please call me on [phone], order 2026070188812345'
    """
    if not isinstance(text, str) or not text:
        return text
    spans = personal_spans(text)
    if not spans:
        return text
    return _replaced(text, spans, {kind: gettext(PLACEHOLDERS[kind]) for kind, _s, _e in spans})


def _replaced(text: str, spans: list[tuple[str, int, int]], words: dict[str, str]) -> str:
    """``text`` with each span replaced by the placeholder ``words`` gives its kind."""
    out, at = [], 0
    for kind, start, end in spans:
        out.append(text[at:start])
        out.append(words[kind])
        at = end
    out.append(text[at:])
    return "".join(out)


def scrub_frame(frame: pl.DataFrame, columns: list[str] | None = None) -> pl.DataFrame:
    """``frame`` with its text columns (or ``columns``) scrubbed by :func:`scrub_texts`; each
    distinct value that may hold personal data is read once."""
    import polars as pl

    names = [
        c
        for c in (frame.columns if columns is None else columns)
        if c in frame.columns and frame.schema[c] == pl.Utf8
    ]
    changes = []
    for name in names:
        column = frame.get_column(name)
        scrubbed = scrub_texts(column)
        if scrubbed is not column:
            changes.append(scrubbed.alias(name))
    return frame.with_columns(changes) if changes else frame


# -- the same on a column of a million texts -------------------------------------------------------
#
# polars' regular expressions (Rust's ``regex``) have no look-around and no back-reference, and the
# spans above are arbitrated first come, first served, with a Luhn check and an order-word
# look-back: the scrubbing itself stays in Python. What polars does is show, for nearly every text,
# that there is nothing to scrub. First, most texts hold no digit, no @ and no QQ or WeChat at all.
# Then each pattern is widened into one Rust reads: a look-behind ``(?<!\d)`` becomes "the start or
# a non-digit", a look-ahead ``(?!\d)`` "a non-digit or the end" (the same texts match somewhere),
# a back-reference any separator, a landline's extension and a North American number's 400/800
# exclusion are dropped, and a chat account is its service's name (a WeChat id its "wxid"): a
# widened pattern matches every text its original matches, so a text no widened pattern matches is
# one :func:`personal_spans` leaves whole. The widened patterns read ASCII, on a copy of the text
# in which, besides the full-width forms :data:`_WIDTH` folds, every character Python's ``\d``
# takes for a digit is an ASCII digit, every character its ``\s`` takes for a space is a space,
# and every character its case-blind match takes for a letter of QQ, WeChat, weixin or wxid is
# that letter. Those sets are read
# from Python's own ``re``, so both engines agree whatever Unicode version each ships. The texts
# left, those with something that looks personal, go through the patterns above, each distinct
# text once and with only the patterns whose widened form it matched.

_ACCOUNT_WORDS = ("qq", "微信", "wechat", "weixin", "wxid")
_FIRST_WORDS = (*_ACCOUNT_WORDS, "wx", "vx", "dot")  # what may be personal without a digit or @
# the letters of every label word: a copy's letter is the ASCII one Python's case-blind match
# takes it for
_LABEL_WORDS = (*_FIRST_WORDS, "card", "account", "number", "passport", "iban", "is", "at")
# the patterns keyed by a label, as polars reads them on the copy: the label (and for a card or
# account label, the first digit after it), a superset of what each Python pattern matches
_LABEL_CHECKS = (
    (
        _LABELLED,
        r"(?i:银行卡|卡号|账号|帐号|card *(?:no\.?|number|num\.?|#)|account *(?:no\.?|number|num\.?|#))"
        r" *(?:号码|号)? *(?:is *)?[:：#]? *[0-9]",
    ),
    (_CHAT, r"(?i:微信|wechat|weixin|wx|vx)"),
    (_PASSPORT, r"(?i:passport|护照)"),
    (_IBAN, r"[A-Z]{2}[0-9]{2} ?[A-Z0-9]{4} ?[A-Z0-9]{4}"),
    (_SPELT_EMAIL, r"(?i:dot)"),
)
_WIDEN = (  # (Python, Rust): applied in this order
    (r"(?:\s?(?:转|ext\.?|x)\s?\d{1,5})?", ""),  # an extension comes after a number found anyway
    (r"(?!\(?[48]00)", ""),  # a North American number may then start 400 or 800
    (r"(?<![\d+])", "(?:^|[^0-9+])"),
    (r"(?<!\d)", "(?:^|[^0-9])"),
    (r"(?!\d)", "(?:[^0-9]|$)"),
    (r"([ \-])", r"[ \-]"),
    (r"\1", r"[ \-]"),
    (r"\2", r"[ \-]"),
    (r"\d", "[0-9]"),
    (r"\D", "[^0-9]"),
    (r"\s", " "),
)


@functools.cache
def _every_character() -> str:
    """Every code point but the surrogates, in order, as one string."""
    import numpy as np

    points = np.arange(0x110000, dtype="<u4")
    points = points[(points < 0xD800) | (points > 0xDFFF)]
    return points.tobytes().decode("utf-32-le")


def _ranges(chars: str | list[str]) -> str:
    points = sorted({ord(c) for c in chars})
    parts: list[list[int]] = []
    for p in points:
        if parts and parts[-1][1] == p - 1:
            parts[-1][1] = p
        else:
            parts.append([p, p])
    return "".join(f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in parts)


@functools.cache
def char_class(pattern: str, flags: int = 0) -> str:
    r"""The characters Python's one-character regular expression ``pattern`` matches, as a
    character class of polars' regular expressions (Rust's ``regex``), so that both engines count
    the same characters whatever Unicode version each ships.

    Examples
    --------
    >>> char_class(r"[a-c\d]", re.ASCII)
    '[\\x{30}-\\x{39}\\x{61}-\\x{63}]'
    """
    found = re.compile(pattern, flags).findall(_every_character())
    if not found:
        raise ValueError(f"{pattern!r} matches no character.")
    return f"[{_ranges(found)}]"


def _widened(pattern: re.Pattern) -> str:
    source = pattern.pattern
    for python, rust in _WIDEN:
        source = source.replace(python, rust)
    left = re.search(r"\(\?<|\(\?[=!]|\\[1-9dDsSwWbB]", source)
    if left:  # a pattern changed: widen it by hand here
        raise AssertionError(f"cannot widen {pattern.pattern!r} for polars at {left.group()!r}")
    return source


@functools.cache
def _prefilter() -> tuple[list[str], list[str], str, list[tuple[re.Pattern, str]]]:
    """The copy's character table (from, to), the first look on the text as written, and each
    pattern with its widened form on the copy."""
    every = _every_character()
    table = {chr(k): chr(v) for k, v in _WIDTH.items()}
    for ch in re.findall(r"\d", every):
        if ch not in table and not "0" <= ch <= "9":
            table[ch] = str(int(ch)) if ch.isdecimal() else "0"
    for ch in re.findall(r"\s", every):
        table.setdefault(ch, " ")
    letters = sorted({c for word in _LABEL_WORDS for c in word if c.isascii()})
    for ch in re.findall(f"(?i)[{''.join(letters)}]", every):
        if ch not in table and not ch.isascii():
            table[ch] = next(c for c in letters if re.fullmatch(f"(?i){c}", ch))
    table = {k: v for k, v in table.items() if k != v}

    def spelt(word: str, raw: bool) -> str:  # a word of the copy, or as written
        out = []
        for c in word:
            if not c.isascii():
                out.append(c)
                continue
            variants = {c, c.upper()}
            if raw:
                variants |= {k for k, v in table.items() if v in (c, c.upper())}
            out.append(f"[{_ranges(sorted(variants))}]")
        return "".join(out)

    raw_at = _ranges(["@"] + [k for k, v in table.items() if v == "@"])
    first = "|".join(
        [f"[{raw_at}]", char_class(r"\d")] + [spelt(w, raw=True) for w in _FIRST_WORDS]
    )
    checks = [
        (p, _widened(p)) for p in (_EMAIL, _ID, _SSN, _CARD, _MOBILE, _LANDLINE, _E164, _NANP)
    ]
    checks.append((_ACCOUNT, "|".join(spelt(w, raw=False) for w in _ACCOUNT_WORDS)))
    checks.extend(_LABEL_CHECKS)
    return list(table), list(table.values()), first, checks


SMALL = 500  # fewer texts are read one by one: polars' patterns cost a few milliseconds a call


def scrub_texts(texts: pl.Series) -> pl.Series:
    """:func:`scrub_text` on every text of ``texts``, the same to the byte, at polars' speed.

    polars shows which texts hold nothing personal (nearly all of them) with widened patterns
    (see the note above); the rest are scrubbed as :func:`scrub_text` does, each distinct text
    once, running only the patterns whose widened form matched it. Fewer than :data:`SMALL`
    texts are read one by one. The series is returned as it came (the same object) when nothing
    changes.

    Examples
    --------
    >>> import polars as pl
    >>> from cxlab._present import use_language
    >>> with use_language("en"):
    ...     scrub_texts(pl.Series(["call 13812345678", "order 2026070188812345", None])).to_list()
    ['call [phone]', 'order 2026070188812345', None]
    """
    import polars as pl

    if texts.dtype != pl.Utf8 or texts.len() == texts.null_count():
        return texts
    if texts.len() < SMALL:
        return _one_by_one(texts)
    return _in_polars(texts)


def _words() -> dict[str, str]:
    """The placeholders in the reader's language (looked up once for a whole column)."""
    return {kind: gettext(msgid) for kind, msgid in PLACEHOLDERS.items()}


def _one_by_one(texts: pl.Series) -> pl.Series:
    mapping: dict[str, str] = {}
    words: dict[str, str] = {}
    for text in texts.drop_nulls().unique().to_list():
        spans = personal_spans(text)
        if spans:
            words = words or _words()
            mapping[text] = _replaced(text, spans, words)
    return texts.replace(mapping) if mapping else texts


def _in_polars(texts: pl.Series) -> pl.Series:
    import polars as pl

    keys, values, first, checks = _prefilter()
    looked = texts.str.contains(first).fill_null(False)
    if not looked.any():
        return texts
    rows = looked.arg_true()
    copy = texts.gather(rows).str.replace_many(keys, values)
    hit = copy.str.contains("|".join(f"(?:{w})" for _p, w in checks))
    if not hit.any():
        return texts
    rows, copy = rows.filter(hit), copy.filter(hit)
    flags = pl.DataFrame({str(i): copy.str.contains(w) for i, (_p, w) in enumerate(checks)})
    words = _words()
    done: dict[str, str] = {}
    out = []
    for text, found in zip(texts.gather(rows).to_list(), flags.iter_rows(), strict=True):
        if text not in done:
            run = frozenset(p for (p, _w), f in zip(checks, found, strict=True) if f)
            spans = _spans(text, run)
            done[text] = _replaced(text, spans, words) if spans else text
        out.append(done[text])
    if all(k == v for k, v in done.items()):
        return texts
    return texts.clone().scatter(rows, pl.Series(out, dtype=pl.Utf8))
