"""Verbatim themes: the planted themes are found in English and Chinese; text stays escaped."""

from __future__ import annotations

import importlib

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest

import cxlab as cx

S = importlib.import_module("cxlab.data._synth._surveys")  # the package shadows the name
# planted theme -> the lexicon theme that should find it (the lexicon never reads the generator)
MAPPING = {
    "wait_time": "wait_time",
    "refund_delay": "refund",
    "helpful_agent": "agent",
    "product_quality": "product_quality",
    "price": "price",
}


def _labelled_comments(n: int = 6000, seed: int = 5) -> pl.DataFrame:
    """Comments drawn by the generator's own comment function, with its hidden theme labels."""
    rng = np.random.default_rng(seed)
    nps = S.draw_nps(rng, S.nps_mean(S.draw_ratings(rng, n), np.zeros(n), np.zeros(n)))
    language = np.where(rng.random(n) < 0.5, "zh", "en")
    text, labels = S.comments(rng, nps, language)
    has = text != ""
    return pl.DataFrame(
        {
            "nps": nps[has],
            "comment": text[has].astype(str),
            "language": language[has].astype(str),
            "planted": labels[has].astype(str),
        }
    )


@pytest.mark.parametrize("language", ["en", "zh"])
def test_precision_and_recall_against_hidden_labels(language):
    """Per planted theme and language, precision and recall of the lexicon tags are at least
    0.95 (about 1,300 comments per language; the bound is a quality requirement, not an
    estimate: a lexicon below it would mislead the theme shares)."""
    frame = cx.nps.tag_themes(_labelled_comments(), language=language)
    for planted, mine in MAPPING.items():
        truth = frame["planted"].str.split(";").list.contains(planted).to_numpy()
        found = frame[f"theme_{mine}"].to_numpy().astype(bool)
        tp = (truth & found).sum()
        precision, recall = tp / found.sum(), tp / truth.sum()
        assert precision >= 0.95 and recall >= 0.95, (language, planted, precision, recall)


def test_planted_theme_shares_in_workspace(tiny_workspace, tiny_surveys):
    """Tiny workspace (seed 11): per language, the number of comments tagged with each theme is
    within sampling error of truth['nps']['planted_theme_counts'] (3 Poisson SE, sqrt(count)),
    and the theme NPS orders as planted: refund/wait comments (mostly detractors by
    theme_probs_by_category) score below agent comments (mostly promoters)."""
    truth = cx.data.truth(tiny_workspace)["nps"]["planted_theme_counts"]
    res = cx.nps.themes(tiny_surveys)
    t = res.summary()
    for lang in ("en", "zh"):
        for planted, mine in MAPPING.items():
            got = t.filter((pl.col("language") == lang) & (pl.col("theme") == mine))["mentions"]
            count = int(got[0]) if got.len() else 0
            expected = truth[lang][planted]
            assert abs(count - expected) <= 3 * np.sqrt(max(expected, 1)), (lang, planted, count)
    overall = {r["theme"]: r for r in t.filter(pl.col("language") == "all").iter_rows(named=True)}
    assert overall["refund"]["nps"] < overall["agent"]["nps"]
    assert overall["wait_time"]["nps"] < overall["agent"]["nps"]
    assert overall["agent"]["sentiment"] > 0 > overall["refund"]["sentiment"]


def test_language_filter_and_detection(tiny_surveys):
    zh = cx.nps.themes(tiny_surveys, language="zh")
    assert set(zh.summary()["language"]) == {"zh"}
    frame = pl.DataFrame(
        {
            "nps": [2, 10, 5],
            "comment": ["退款太慢了", "Great, very helpful", None],
            "language": [None] * 3,
        },
        schema_overrides={"language": pl.Utf8},
    )
    tagged = cx.nps.tag_themes(frame)
    assert tagged["comment_language"].to_list() == ["zh", "en", None]
    assert tagged["theme"].to_list() == ["refund", "agent", None]
    assert tagged["theme_refund"].to_list() == [1, 0, 0]


def test_free_text_is_escaped_and_ids_masked():
    frame = pl.DataFrame(
        {
            "survey_id": ["S1", "S2"],
            "customer_id": ["C0001234", "C0009999"],
            "nps": [1, 2],
            "comment": [
                "<script>alert(1)</script> waited on hold forever",
                "refund <b>never</b> came",
            ],
            "language": ["en", "en"],
        }
    )
    res = cx.nps.themes(frame)
    markup = res._repr_html_()
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert "<b>never" not in markup
    assert "C0001234" not in markup
    assert "C0001234" in res.example_comments(masked=False)["customer_id"].to_list()
    assert isinstance(res.plot(), go.Figure)


def test_themes_join_drivers(tiny_surveys):
    """Theme flags become drivers beside the ratings: exactly the themes mentioned at least
    MIN_MENTIONS times."""
    from cxlab.nps._drivers import MIN_MENTIONS

    tagged = cx.nps.tag_themes(tiny_surveys)
    res = cx.nps.drivers(tagged, n_boot=20)
    terms = res.summary()["term"].to_list()
    flags = [c for c in tagged.columns if c.startswith("theme_")]
    frequent = [c for c in flags if tagged[c].sum() >= MIN_MENTIONS]
    assert frequent, "the tiny workspace has themes mentioned often enough to be drivers"
    assert sorted(t for t in terms if t.startswith("theme_")) == sorted(frequent)
    assert "rating_resolution" in terms
    assert res.summary()["importance"].sum() == pytest.approx(1.0)


def test_no_comments_and_no_language_column():
    empty = pl.DataFrame(
        {"nps": [3, 9], "comment": [None, None]}, schema_overrides={"comment": pl.Utf8}
    )
    tagged = cx.nps.tag_themes(empty)
    assert tagged["theme_price"].to_list() == [0, 0] and tagged["theme"].null_count() == 2
    with pytest.raises(cx.NotEnoughDataError):
        cx.nps.themes(empty)
    mixed = pl.DataFrame({"nps": [3, 9], "comment": ["太贵了", "great agent, very helpful"]})
    out = cx.nps.tag_themes(mixed)
    assert out["comment_language"].to_list() == ["zh", "en"]
    assert out["sentiment"].to_list() == [-1.0, 1.0]
