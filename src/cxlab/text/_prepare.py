"""Text hygiene: one preparation of a text column for every model of the text room.

:func:`prepare_text` strips each text, turns an empty or whitespace-only text into null (counted),
cuts a text longer than ``max_chars`` characters to that length (flagged in ``text_truncated``),
names its language in ``text_language`` (``zh``, ``en``, ``mixed`` or ``unknown``, see
:func:`cxlab.features.text_language`) and replaces phone numbers, e-mail addresses, ID-card and
bank-card numbers and chat accounts with a typed placeholder (:func:`cxlab._present.scrub_text`)
before any model reads the text, so nothing personal reaches a model, a table or an export.
Every model of the text room (the contact-reason classifier, its evaluation, emotions, the
early-warning list, emerging words) reads its text through :func:`prepare_text`, once: a frame
that already carries ``text_language`` and ``text_truncated`` is taken as prepared.

All of it runs in polars, a million notes at a time: the language by
:func:`cxlab.features.text_languages` (the same answer as ``text_language``, text by text), the
personal data by :func:`cxlab._present.scrub_frame` (the same text as ``scrub_text``, to the
byte: polars shows which texts hold nothing personal, and only the others are read one by one).

The default length, 1,000 characters, is about five times the longest contact note an agent types
and keeps a pasted e-mail thread or transcript from dominating a model's features; the head of a
note (where agents write the reason) is what is kept.

References
----------
Manning, C. D., Raghavan, P. and Schütze, H. (2008). *Introduction to Information Retrieval*,
ch. 2 (text normalisation before indexing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from cxlab._errors import OptionError, SchemaError
from cxlab._present import _, fmt_list, fmt_value, ngettext, placeholder_words, scrub_frame
from cxlab.features import text_languages

MAX_CHARS = 1000  # a note is cut to this many characters before any model reads it
LANGUAGES = ("zh", "en", "mixed", "unknown")


@dataclass(frozen=True)
class TextAccount:
    """What :func:`prepare_text` did to a text column: rows read, texts empty (now null),
    truncated, scrubbed of personal data, and the count of each language."""

    column: str
    rows: int
    empty: int
    truncated: int
    scrubbed: int
    max_chars: int
    languages: dict[str, int] = field(default_factory=dict)

    def sentences(self) -> list[str]:
        """The account in plain sentences (a result quotes them in its findings)."""
        out = []
        if self.empty:
            out.append(
                ngettext(
                    "{n} of {total} texts were empty and were left out.",
                    "{n} of {total} texts were empty and were left out.",
                    self.empty,
                ).format(n=fmt_value(self.empty, "count"), total=fmt_value(self.rows, "count"))
            )
        if self.truncated:
            out.append(
                ngettext(
                    "{n} text was longer than {size} characters and only its first {size} were "
                    "read.",
                    "{n} texts were longer than {size} characters and only their first {size} "
                    "were read.",
                    self.truncated,
                ).format(
                    n=fmt_value(self.truncated, "count"), size=fmt_value(self.max_chars, "count")
                )
            )
        if self.scrubbed:
            out.append(
                ngettext(
                    "Personal data (phone numbers, e-mail addresses, ID numbers) was masked in "
                    "{n} text before anything was read.",
                    "Personal data (phone numbers, e-mail addresses, ID numbers) was masked in "
                    "{n} texts before anything was read.",
                    self.scrubbed,
                ).format(n=fmt_value(self.scrubbed, "count"))
            )
        unknown = self.languages.get("unknown", 0)
        if unknown:
            out.append(
                ngettext(
                    "{n} text is in neither Chinese nor English; it is read as it is, with less "
                    "confidence.",
                    "{n} texts are in neither Chinese nor English; they are read as they are, "
                    "with less confidence.",
                    unknown,
                ).format(n=fmt_value(unknown, "count"))
            )
        mixed = self.languages.get("mixed", 0)
        if mixed:
            out.append(
                ngettext(
                    "{n} text mixes Chinese and English.",
                    "{n} texts mix Chinese and English.",
                    mixed,
                ).format(n=fmt_value(mixed, "count"))
            )
        return out

    def as_dict(self) -> dict:
        """The account as plain numbers (a result's metrics carry it)."""
        return {
            "column": self.column,
            "rows": self.rows,
            "empty": self.empty,
            "truncated": self.truncated,
            "scrubbed": self.scrubbed,
            "max_chars": self.max_chars,
            "languages": dict(self.languages),
        }

    def languages_text(self) -> str:
        names = {
            "zh": _("Chinese"),
            "en": _("English"),
            "mixed": _("Chinese and English"),
            "unknown": _("other languages"),
        }
        return fmt_list(
            style="semicolon",
            items=[f"{names[k]} {fmt_value(v, 'count')}" for k, v in self.languages.items() if v],
        )


def has_text(column: str) -> pl.Expr:
    """Whether ``column`` holds a text: not null, and not empty once stripped of white space
    (the test :func:`prepare_text` applies)."""
    return pl.col(column).str.strip_chars().str.len_chars() > 0


def prepare_text(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    text: str = "note",
    max_chars: int = MAX_CHARS,
) -> tuple[pl.DataFrame, TextAccount]:
    """``frame`` with its ``text`` column cleaned, and an account of what was done.

    The column is stripped; an empty or whitespace-only text becomes null; a text longer than
    ``max_chars`` keeps its first ``max_chars`` characters (``text_truncated`` is true); personal
    data is replaced by placeholders; ``text_language`` names the language. The frame's other
    columns are kept as they were.

    Raises
    ------
    SchemaError
        ``text`` is not a column of ``frame``, or not text.
    OptionError
        ``max_chars`` is not a positive whole number.

    Examples
    --------
    >>> import polars as pl
    >>> frame, account = prepare_text(pl.DataFrame({"note": ["  网络断了 ", " ", "call 13812345678"]}))
    >>> frame["text_language"].to_list(), account.empty, account.scrubbed
    (['zh', None, 'en'], 1, 1)

    References
    ----------
    Manning, Raghavan and Schütze (2008), *Introduction to Information Retrieval*, ch. 2.
    """
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 1:
        raise OptionError(
            f"max_chars must be a positive whole number of characters, not {max_chars!r}."
        )
    data = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    if text not in data.columns:
        raise SchemaError(
            f"text={text!r} is not a column of the table; its columns are "
            f"{', '.join(data.columns[:12])}."
        )
    if data.schema[text] not in (pl.Utf8, pl.Null):
        raise SchemaError(f"text={text!r} must hold text (Utf8), not {data.schema[text]}.")
    raw = data.get_column(text).cast(pl.Utf8)
    blank = data.select(raw.is_not_null() & ~has_text(text)).to_series()
    empty = int(blank.sum())
    stripped = raw.str.strip_chars().set(blank, None)
    before = stripped.to_frame()
    after = scrub_frame(before)  # before cutting: a cut number is still personal
    masked = after.get_column(text)
    scrubbed = 0 if after is before else int((masked != stripped).sum())
    long = (masked.str.len_chars() > max_chars).fill_null(False)
    cut = masked.str.slice(0, max_chars).str.strip_chars()
    out = data.with_columns(
        cut.alias(text),
        # a placeholder is in the reader's language ([电话]): the text's language is read without
        text_languages(_without_placeholders(cut)).alias("text_language"),
        long.alias("text_truncated"),
    )
    return out, _account(
        out, text, max_chars, empty=empty + int(raw.is_null().sum()), scrubbed=scrubbed
    )


def _without_placeholders(texts: pl.Series) -> pl.Series:
    """``texts`` with the scrubber's placeholders, in any reader's language, as spaces."""
    words = list(placeholder_words())
    return texts.str.replace_many(words, [" "] * len(words))


def _account(
    data: pl.DataFrame, text: str, max_chars: int, *, empty: int, scrubbed: int
) -> TextAccount:
    counts = data.get_column("text_language").value_counts()
    by = dict(zip(counts["text_language"].to_list(), counts["count"].to_list(), strict=True))
    return TextAccount(
        column=text,
        rows=data.height,
        empty=empty,
        truncated=int(data.get_column("text_truncated").sum()),
        scrubbed=scrubbed,
        max_chars=max_chars,
        languages={k: int(by.get(k, 0)) for k in LANGUAGES},
    )


def prepared(
    frame: pl.DataFrame | pl.LazyFrame, *, text: str = "note", max_chars: int = MAX_CHARS
) -> tuple[pl.DataFrame, TextAccount]:
    """``frame`` prepared by :func:`prepare_text`, unless it already is: a frame that carries
    ``text_language`` and ``text_truncated`` is returned as it is, with its account (its empty
    texts are its null ones; what was scrubbed is no longer known, and counts as none)."""
    data = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
    if (
        "text_language" in data.columns
        and "text_truncated" in data.columns
        and text in data.columns
    ):
        return data, _account(
            data, text, max_chars, empty=int(data.get_column(text).is_null().sum()), scrubbed=0
        )
    return prepare_text(data, text=text, max_chars=max_chars)
