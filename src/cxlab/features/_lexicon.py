"""Tagging comments with themes and a sentiment from the offline lexicon shipped with cxlab.

Shared by the rooms that read free text (NPS comments, contact notes): the language of a text,
its words, and the lexicon's sentiment.

English comments are split into lower-case words; Chinese comments are segmented with jieba (its
own bundled dictionary plus the lexicon's words; nothing is downloaded). A theme term matches a
word (or a run of up to three English words); in Chinese a term also matches inside a longer word
(``贵`` in ``太贵``). A *weak* term (``wait``, ``等``) counts only when no word of a named other theme
is within ``window`` words in the same sentence ("waiting for my refund" is about the refund).
Sentiment counts positive and negative lexicon words, flipping a word after a negator (``not``,
``不``); a comment's score is ``(positive - negative) / (positive + negative)`` in [-1, 1].

References
----------
Hu, M. and Liu, B. (2004). Mining and summarizing customer reviews. *KDD '04* (lexicon-based
opinion mining). Sun, J. jieba: Chinese text segmentation (https://github.com/fxsjy/jieba).
"""

from __future__ import annotations

import functools
import json
import logging
import re
from dataclasses import dataclass
from importlib import resources

import polars as pl

_EN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+|[.!?;]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SENTENCE_END = {".", "!", "?", ";", "。", "！", "？", "；"}
_ZH_SKIP = {"，", ",", "、", " ", "：", ":"}


@dataclass(frozen=True)
class Lexicon:
    themes: dict[str, str]  # name -> label
    strong: dict[str, dict[str, set[str]]]  # lang -> term -> themes
    weak: dict[str, dict[str, set[str]]]
    unless: dict[str, dict[str, set[str]]]  # lang -> theme -> other themes
    positive: dict[str, set[str]]
    negative: dict[str, set[str]]
    negators: dict[str, set[str]]
    window: int


@functools.cache
def lexicon() -> Lexicon:
    """The theme and sentiment lexicon (``lexicon.json`` shipped in the package)."""
    raw = json.loads(resources.files("cxlab.features").joinpath("lexicon.json").read_text("utf-8"))
    strong: dict = {"en": {}, "zh": {}}
    weak: dict = {"en": {}, "zh": {}}
    unless: dict = {"en": {}, "zh": {}}
    for name, spec in raw["themes"].items():
        for lang in ("en", "zh"):
            for t in spec[lang].get("terms", []):
                strong[lang].setdefault(t.lower(), set()).add(name)
            for t in spec[lang].get("weak_terms", []):
                weak[lang].setdefault(t.lower(), set()).add(name)
            unless[lang][name] = set(spec[lang].get("unless_near", []))
    s = raw["sentiment"]
    return Lexicon(
        themes={k: v["label"] for k, v in raw["themes"].items()},
        strong=strong,
        weak=weak,
        unless=unless,
        positive={k: set(v["positive"]) for k, v in s.items()},
        negative={k: set(v["negative"]) for k, v in s.items()},
        negators={k: set(v["negators"]) for k, v in s.items()},
        window=int(raw["window"]),
    )


@functools.cache
def _tokenizer():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    lex = lexicon()
    for table in (lex.strong["zh"], lex.weak["zh"]):
        for term in table:
            if len(term) > 1:
                tk.add_word(term, freq=20000)
    for term in lex.positive["zh"] | lex.negative["zh"]:
        if len(term) > 1:
            tk.add_word(term, freq=20000)
    return tk


def detect_language(text: str) -> str:
    """``"zh"`` when the text holds Chinese characters, else ``"en"``."""
    return "zh" if _CJK.search(text) else "en"


_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_LATIN = re.compile(r"[A-Za-z]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_OTHER_LETTER = re.compile(r"[^\W\d_A-Za-z\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af]")


def text_language(text: str | None) -> str | None:
    """The language of a text: ``"zh"``, ``"en"``, ``"mixed"`` or ``"unknown"`` (None for None).

    Chinese characters make a text ``zh``; Latin words beside them make it ``mixed`` when there
    are at least three words of two or more letters and they are at least a fifth as many as the
    Chinese characters ("APP闪退" stays Chinese: one product term in a Chinese sentence). Latin
    letters alone make it ``en`` unless letters of another script (Cyrillic, Arabic, Thai, ...)
    outnumber them. Japanese kana or Korean hangul beside or instead of Chinese characters, another
    script, or no letters at all (digits, emoji, punctuation) make it ``unknown``.

    Examples
    --------
    >>> [text_language(t) for t in ["网络断了", "APP闪退了", "refund 退款 still not received", "ok", "123"]]
    ['zh', 'zh', 'mixed', 'en', 'unknown']
    """
    if text is None:
        return None
    cjk = len(_CJK.findall(text))
    other = len(_KANA_HANGUL.findall(text))
    if other and other * 5 >= cjk:
        return "unknown"
    words = len(_LATIN_WORD.findall(text))
    if cjk:
        return "mixed" if words >= 3 and words * 5 >= cjk else "zh"
    latin = len(_LATIN.findall(text))
    if latin == 0 or len(_OTHER_LETTER.findall(text)) > latin:
        return "unknown"
    return "en"


def text_languages(texts: pl.Series) -> pl.Series:
    """:func:`text_language` of every text of ``texts`` (null for null), computed by polars.

    Chinese characters, kana, hangul and Latin words are counted by polars with the same
    character ranges; a text with none of them that is not plain ASCII (Cyrillic, Arabic, Latin
    with accents, emoji) is read by :func:`text_language` itself, so letters of another script
    are what Python's ``re`` takes for letters and the answer is the same, text by text.

    Examples
    --------
    >>> import polars as pl
    >>> text_languages(pl.Series(["网络断了", "APP闪退了", "refund 退款 still not received", "ok",
    ...                           "123", None])).to_list()
    ['zh', 'zh', 'mixed', 'en', 'unknown', None]
    """
    texts = texts.cast(pl.Utf8)
    t = pl.col("text")
    han, kana = r"[\x{4e00}-\x{9fff}]", r"[\x{3040}-\x{30ff}\x{ac00}-\x{d7af}]"
    frame = pl.DataFrame({"text": texts}).with_columns(
        han=t.str.contains(han),
        kana=t.str.contains(kana),
        words=t.str.count_matches(r"[A-Za-z]{2,}").cast(pl.Int64),
    )
    # the characters are counted only where the counts decide: kana or hangul beside Chinese,
    # or Chinese beside three Latin words or more
    counted = frame.select(pl.col("kana") | (pl.col("han") & (pl.col("words") >= 3)))
    at = counted.to_series().fill_null(False).arg_true()
    part = pl.DataFrame({"text": texts.gather(at)}).select(
        cjk=t.str.count_matches(han).cast(pl.Int64),
        other=t.str.count_matches(kana).cast(pl.Int64),
    )
    zeros = pl.zeros(frame.height, dtype=pl.Int64, eager=True)
    frame = frame.with_columns(
        cjk=zeros.clone().scatter(at, part["cjk"]), other=zeros.clone().scatter(at, part["other"])
    )
    cjk, other, words = pl.col("cjk"), pl.col("other"), pl.col("words")
    language = frame.select(
        pl.when(pl.col("kana") & (other * 5 >= cjk))
        .then(pl.lit("unknown"))
        .when(pl.col("han") & (words >= 3) & (words * 5 >= cjk))
        .then(pl.lit("mixed"))
        .when(pl.col("han"))
        .then(pl.lit("zh"))
        .alias("text_language")
    ).to_series()
    rest = (language.is_null() & texts.is_not_null()).arg_true()  # no Chinese, kana or hangul
    if len(rest):
        # an ASCII text holds no letter of another script: English when it holds a Latin letter;
        # any other text (Cyrillic, Arabic, accents, emoji...) is read by text_language itself
        part = texts.gather(rest)
        wide = part.str.contains(r"[^\x00-\x7f]")
        named = {v: text_language(v) for v in part.filter(wide).unique().to_list()}
        part = (
            pl.DataFrame({"text": part, "wide": wide})
            .select(
                pl.when(pl.col("wide"))
                .then(t.replace_strict(named, default=None, return_dtype=pl.Utf8))
                .when(t.str.contains(r"[A-Za-z]"))
                .then(pl.lit("en"))
                .otherwise(pl.lit("unknown"))
            )
            .to_series()
        )
        language = language.scatter(rest, part)
    return language.alias("text_language")


def tokens(text: str, language: str) -> list[str]:
    """Words of a comment: lower-case English words or jieba segments (spaces dropped)."""
    if language == "zh":
        return [
            t.strip().lower() for t in _tokenizer().cut(text) if t.strip() and t not in _ZH_SKIP
        ]
    return _EN_WORD.findall(text.lower())


def _pieces(toks: list[str], i: int, language: str) -> list[str]:
    """The strings that a lexicon term may equal at word ``i``."""
    if language == "zh":
        w = toks[i]
        return [w[a:b] for a in range(len(w)) for b in range(a + 1, min(len(w), a + 6) + 1)]
    return [" ".join(toks[i : i + k]) for k in (1, 2, 3) if i + k <= len(toks)]


def _polarity(t: str, pieces: list[str], language: str, pos_set: set, neg_set: set) -> int:
    if language != "zh":
        return int(t in pos_set) - int(t in neg_set)
    if t in pos_set or t in neg_set:
        return int(t in pos_set) - int(t in neg_set)
    if len(t) > 1 and t[0] in "不没" and any(p in pos_set for p in _pieces([t[1:]], 0, "zh")):
        return -1
    has_pos = any(p in pos_set for p in pieces)
    has_neg = any(p in neg_set for p in pieces)
    return int(has_pos) - int(has_neg)


def analyse(text: str, language: str) -> tuple[list[str], float]:
    """Themes (in lexicon order) and sentiment score of one comment."""
    lex = lexicon()
    toks = tokens(text, language)
    sentence = []
    s = 0
    for t in toks:
        sentence.append(s)
        if t in _SENTENCE_END:
            s += 1
    strong_hits: list[set[str]] = []
    weak_hits: list[set[str]] = []
    pos = neg = 0
    negate_until = -1
    pos_set, neg_set, negators = (
        lex.positive[language],
        lex.negative[language],
        lex.negators[language],
    )
    for i, t in enumerate(toks):
        pieces = _pieces(toks, i, language)
        sh: set[str] = set()
        wh: set[str] = set()
        for p in pieces:
            sh |= lex.strong[language].get(p, set())
            wh |= lex.weak[language].get(p, set())
        strong_hits.append(sh)
        weak_hits.append(wh)
        # sentiment
        if t in negators:
            negate_until = i + 2
            continue
        flip = i <= negate_until
        polarity = _polarity(t, pieces, language, pos_set, neg_set)
        if flip:
            polarity = -polarity
        pos += polarity > 0
        neg += polarity < 0
    found: set[str] = set()
    for hits in strong_hits:
        found |= hits
    for i, hits in enumerate(weak_hits):
        for theme in hits:
            others = lex.unless[language].get(theme, set())
            near = any(
                strong_hits[j] & others
                for j in range(max(0, i - lex.window), min(len(toks), i + lex.window + 1))
                if sentence[j] == sentence[i]
            )
            if not near:
                found.add(theme)
    order = [t for t in lex.themes if t in found]
    score = 0.0 if pos + neg == 0 else (pos - neg) / (pos + neg)
    return order, score
