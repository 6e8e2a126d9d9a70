"""Text features for contact classification: words and character n-grams, TF-IDF weighted.

The text read is the one :func:`cxlab.text.prepare_text` gave (stripped, empty as null, scrubbed of
personal data, cut, its language named); it is then *cleaned* for featurisation only: lower-cased,
digit runs turned into ``0`` (an order number says nothing of the reason) and white space
collapsed.

Two families of features are counted and TF-IDF weighted (sublinear term frequency, smoothed
inverse document frequency, rows scaled to unit length):

- *words* and *word bigrams*: jieba segments for a text with Chinese characters (jieba also keeps
  the English words of a mixed text), runs of letters and digits otherwise. The vocabulary is
  learnt from the training texts (words seen in at least ``min_df`` of them); each distinct run of
  Chinese characters is segmented once, so recurring phrases cost one segmentation.
- *character 1- to 3-grams*, hashed into ``2**char_bits`` columns by a vectorised hash over the
  code points, so that typos, abbreviations and unseen words still share most of their features.

References
----------
Manning, C. D., Raghavan, P. and Schütze, H. (2008). *Introduction to Information Retrieval*,
ch. 6 (tf-idf weighting, sublinear tf). Weinberger, K. et al. (2009). Feature hashing for large
scale multitask learning. *ICML*. Sun, J. jieba: Chinese text segmentation
(https://github.com/fxsjy/jieba).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

if TYPE_CHECKING:
    import scipy.sparse as sp

_CJK = r"[\u4e00-\u9fff]"
_PRIMES = (
    np.uint64(0x9E3779B97F4A7C15),
    np.uint64(0xC2B2AE3D27D4EB4F),
    np.uint64(0x165667B19E3779F9),
)


def clean(texts: pl.Series) -> pl.Series:
    """Prepared texts as the features read them: a scrubbed placeholder in any language as one
    token (``piiphone``), lower-cased, digit runs as ``0``, white space collapsed (null stays
    null).

    Examples
    --------
    >>> import polars as pl
    >>> clean(pl.Series(["Order 12345 late!", None, "快递  还没到", "Ça va"])).to_list()
    ['order 0 late!', None, '快递 还没到', 'ça va']
    >>> clean(pl.Series(["call [phone] now", "打[电话]"])).to_list()
    ['call piiphone now', '打 piiphone']
    """
    from cxlab._present import placeholder_words

    words = placeholder_words()
    return (
        texts.cast(pl.Utf8)
        .str.replace_many(list(words), [f" pii{kind} " for kind in words.values()])
        .str.to_lowercase()
        .str.replace_all(r"\d+", "0")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


@functools.cache
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tk = jieba.Tokenizer()
    tk.initialize()
    return tk


_BLOCK = r"[\u4e00-\u9fff]+|[a-z0-9\u00e0-\u00ff]+(?:'[a-z]+)?"


def words(texts: pl.Series) -> pl.DataFrame:
    """Long frame ``row, token`` of the words and word bigrams of cleaned ``texts`` (nulls give
    none), in order.

    A text is cut into blocks, runs of Chinese characters and runs of letters and digits, as jieba
    does before it segments; each distinct Chinese block is segmented once by jieba (without its
    HMM for unknown words), so a phrase that recurs across notes costs one segmentation.
    """
    blocks = (
        pl.DataFrame({"text": texts})
        .with_row_index("row")
        .select("row", pl.col("text").str.extract_all(_BLOCK).alias("block"))
        .explode("block")
        .drop_nulls("block")
        .with_row_index("at")
    )
    han = blocks.filter(pl.col("block").str.contains(_CJK))["block"].unique()
    cut = _jieba().lcut
    seg = pl.DataFrame(
        {"block": han, "tokens": [cut(b, HMM=False) for b in han.to_list()]},
        schema={"block": pl.Utf8, "tokens": pl.List(pl.Utf8)},
    )
    long = (
        blocks.join(seg, on="block", how="left")
        .sort("at")
        .select(
            "row",
            pl.coalesce(pl.col("tokens"), pl.concat_list(pl.col("block"))).alias("token"),
        )
        .explode("token")
    )
    bigrams = long.select(
        "row",
        (pl.col("token") + " " + pl.col("token").shift(-1)).alias("token"),
        (pl.col("row") == pl.col("row").shift(-1)).alias("same"),
    ).filter(pl.col("same"))
    return pl.concat([long, bigrams.drop("same")])


def char_ngrams(texts: pl.Series, bits: int) -> sp.csr_matrix:
    """Counts of the hashed character 1-, 2- and 3-grams of cleaned ``texts`` (null rows empty),
    ``len(texts) x 2**bits``; computed on the code points of all texts at once."""
    import scipy.sparse as sp

    n = len(texts)
    filled = texts.fill_null("").to_list()
    points = np.frombuffer(("\x00".join(filled) + "\x00").encode("utf-32-le"), dtype=np.uint32)
    sep = points == 0
    row_of = np.cumsum(sep) - sep  # position -> row (a separator closes its row)
    cp = points.astype(np.uint64)
    mask = np.uint64((1 << bits) - 1)
    rows, cols = [], []
    for size in (1, 2, 3):
        length = len(cp) - size + 1
        ok = ~sep[:length].copy()
        h = cp[:length] * _PRIMES[0] + np.uint64(size)
        for k in range(1, size):
            ok &= ~sep[k : k + length]
            h = (h ^ cp[k : k + length]) * _PRIMES[k]
        h ^= h >> np.uint64(29)
        h *= _PRIMES[2]
        h ^= h >> np.uint64(32)
        rows.append(row_of[:length][ok])
        cols.append((h[ok] & mask).astype(np.int64))
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    data = np.ones(len(r), dtype=np.float32)
    out = sp.csr_matrix((data, (r, c)), shape=(n, 1 << bits), dtype=np.float32)
    out.sum_duplicates()
    return out


def _distinct(texts: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """The distinct texts (first-seen order) and, for each text, the index of its distinct one."""
    frame = pl.DataFrame({"text": texts}).with_row_index("row")
    distinct = frame.unique("text", keep="first", maintain_order=True).select("text")
    distinct = distinct.with_row_index("at")
    inverse = frame.join(distinct, on="text", how="left", nulls_equal=True).sort("row")["at"]
    return distinct["text"], inverse.to_numpy().astype(np.int64)


@dataclass
class TextFeatures:
    """Words (vocabulary learnt) and hashed character n-grams, TF-IDF weighted."""

    min_df: int = 2
    char_bits: int = 18
    vocabulary: pl.DataFrame | None = None  # token, column
    idf: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_features(self) -> int:
        vocab = 0 if self.vocabulary is None else self.vocabulary.height
        return (1 << self.char_bits) + vocab

    def _word_counts(self, texts: pl.Series, long: pl.DataFrame) -> sp.csr_matrix:
        import scipy.sparse as sp

        assert self.vocabulary is not None
        long = long.join(self.vocabulary, on="token", how="inner")
        counts = long.group_by("row", "column").len()
        return sp.csr_matrix(
            (
                counts["len"].to_numpy().astype(np.float32),
                (counts["row"].to_numpy(), counts["column"].to_numpy()),
            ),
            shape=(len(texts), self.vocabulary.height),
            dtype=np.float32,
        )

    def _counts(self, texts: pl.Series, long: pl.DataFrame | None = None) -> sp.csr_matrix:
        import scipy.sparse as sp

        long = words(texts) if long is None else long
        return sp.hstack(
            [char_ngrams(texts, self.char_bits), self._word_counts(texts, long)], format="csr"
        )

    def fit_transform(self, texts: pl.Series) -> sp.csr_matrix:
        """Learn the vocabulary and the inverse document frequencies; the weighted matrix."""
        distinct, inverse = _distinct(texts)
        times = pl.DataFrame(
            {
                "row": np.arange(len(distinct)),
                "times": np.bincount(inverse, minlength=len(distinct)),
            },
            schema={"row": pl.UInt32, "times": pl.Int64},
        )
        long = words(distinct)
        self.vocabulary = (
            long.unique(["row", "token"])
            .join(times, on="row")
            .group_by("token")
            .agg(pl.col("times").sum())
            .filter(pl.col("times") >= self.min_df)
            .sort("token")
            .with_row_index("column")
            .select("token", pl.col("column").cast(pl.Int64))
        )
        x = self._counts(distinct, long)
        per_entry = np.repeat(times["times"].to_numpy(), np.diff(x.indptr)).astype(np.float64)
        df = np.bincount(x.indices, weights=per_entry, minlength=x.shape[1])
        n = len(texts)
        self.idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
        return self._weigh(x)[inverse]

    def transform(self, texts: pl.Series) -> sp.csr_matrix:
        """The weighted matrix of cleaned ``texts`` with the learnt vocabulary and weights (each
        distinct text is read once)."""
        distinct, inverse = _distinct(texts)
        return self._weigh(self._counts(distinct))[inverse]

    def _weigh(self, x: sp.csr_matrix) -> sp.csr_matrix:
        assert self.idf is not None
        x.data = np.log1p(x.data) * self.idf[x.indices]
        lengths = np.diff(x.indptr)
        rows = np.repeat(np.arange(x.shape[0]), lengths)
        norms = np.sqrt(
            np.bincount(rows, weights=x.data.astype(np.float64) ** 2, minlength=x.shape[0])
        )
        scale = (1.0 / np.maximum(norms, 1e-12)).astype(np.float32)
        x.data *= scale[rows]
        return x
