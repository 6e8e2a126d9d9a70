"""Key drivers with survey missing-value codes and an outcome other than NPS: a code such as -99
("don't know") is set aside like a blank answer when declared and refused when not, and every
text names the outcome the analyst chose."""

from __future__ import annotations

import html
import re

import numpy as np
import polars as pl
import pytest

import cxlab as cx
from cxlab._present import use_language
from cxlab.nps import relative_weights

RATINGS = [
    "rating_wait_time",
    "rating_resolution",
    "rating_agent",
    "rating_product",
    "rating_value",
]


@pytest.fixture(scope="module")
def planted(default_surveys):
    """The default workspace's surveys (seed 7) in a fixed order, with -99 planted in 6% and 99
    in 2% of each rating (seed 3), and the planted cells counted per column."""
    clean = default_surveys.select("survey_id", "nps", *RATINGS).sort("survey_id")
    rng = np.random.default_rng(3)
    draws = {c: rng.random(clean.height) for c in RATINGS}
    coded = clean.with_columns(
        pl.when(pl.Series(draws[c] < 0.06))
        .then(-99)
        .when(pl.Series(draws[c] > 0.98))
        .then(99)
        .otherwise(pl.col(c))
        .alias(c)
        for c in RATINGS
    )
    counts = {(c, code): int((coded[c] == code).sum()) for c in RATINGS for code in (-99.0, 99.0)}
    return clean, coded, counts


def test_declared_codes_reproduce_the_clean_fit(planted):
    """Read as answers, the planted codes leave R² near 0 (0.50 clean): with
    ``missing_codes=(-99, 99)`` they are set aside like blanks and R² is within 0.02 of the clean
    fit, the importance order is the clean one, and the appendix counts each code per driver."""
    clean, coded, counts = planted
    base = cx.nps.drivers(clean, n_boot=30)
    # what the codes did before: the same regression with -99 and 99 read as ratings
    naive = coded.drop_nulls().select("nps", *RATINGS).to_numpy().astype(float)
    assert relative_weights(np.corrcoef(naive, rowvar=False)).sum() < 0.05 < base.r2 - 0.4
    res = cx.nps.drivers(coded, n_boot=30, missing_codes=(-99, 99))
    assert abs(res.r2 - base.r2) < 0.02, (res.r2, base.r2)
    assert res.summary()["term"].to_list() == base.summary()["term"].to_list()
    complete = coded.filter(pl.all_horizontal(pl.col(RATINGS).is_between(1, 5))).drop_nulls()
    assert (res.n, res.n_read) == (complete.height, clean.height)
    got = {(r["term"], r["code"]): r["n"] for r in res.set_aside.iter_rows(named=True)}
    assert {k: got[k] for k in counts} == counts
    assert got[("nps", -99.0)] == 0
    assert got[("rating_agent", None)] == coded["rating_agent"].null_count() > 0
    with use_language("en"):
        sentence = res.findings()[-1]
        minus, plus = (sum(n for (_, k), n in counts.items() if k == v) for v in (-99.0, 99.0))
        assert f"-99 in {minus:,} answers and 99 in {plus:,} answers" in sentence
        assert f"{res.n:,} of {clean.height:,} responses" in sentence
        appendix = html.unescape(res.details()._repr_html_())
        assert "Answers set aside" in appendix and "left blank" in appendix
    with use_language("zh"):
        assert res.findings()[-1].startswith("标为缺失的回答")
        assert "不计入的回答" in res.details()._repr_html_()
    assert res.to_dict()["n_read"] == clean.height


def test_undeclared_codes_are_refused_naming_column_scale_values_and_option(planted):
    _clean, coded, counts = planted
    with pytest.raises(cx.SchemaError) as err:
        cx.nps.drivers(coded, n_boot=30)
    message = str(err.value)
    first = counts[("rating_wait_time", -99.0)]
    assert f"'rating_wait_time' (1-5) holds -99 ({first} answers), 99 (" in message
    assert "missing_codes=(-99, 99)" in message and "'don't know'" in message
    # a code declared for one column only: the others are still refused
    with pytest.raises(cx.SchemaError, match=r"'rating_resolution' \(1-5\) holds -99"):
        cx.nps.drivers(coded, n_boot=30, missing_codes={"rating_wait_time": (-99, 99)})
    # 9 is a valid NPS answer: as a code of every column it is refused, per column it is read
    nines = coded.with_columns(
        pl.when(pl.col(c).is_in([-99, 99])).then(9).otherwise(pl.col(c)).alias(c) for c in RATINGS
    )
    with pytest.raises(cx.OptionError, match=r"9 is a valid answer of 'nps' \(its scale is 0-10"):
        cx.nps.drivers(nines, n_boot=30, missing_codes=9)
    res = cx.nps.drivers(nines, n_boot=30, missing_codes={c: 9 for c in RATINGS})
    assert res.set_aside.filter(pl.col("code") == 9)["n"].sum() == sum(counts.values())
    with pytest.raises(cx.OptionError, match=r"missing_codes names \['rating_staff'\]"):
        cx.nps.drivers(nines, n_boot=30, missing_codes={"rating_staff": 9})
    with pytest.raises(cx.OptionError, match=r"'dk' is not a missing-value code"):
        cx.nps.drivers(nines, n_boot=30, missing_codes=("dk",))


def _reader_text(res) -> str:
    fig = res.plot()
    parts = [res._repr_html_(), res.details()._repr_html_(), fig.layout.title.text]
    parts += [fig.layout.xaxis.title.text, fig.layout.yaxis.title.text]
    parts += [a.text for a in fig.layout.annotations]
    return html.unescape(re.sub(r"<[^>]+>", " ", " ".join(parts)))


def test_texts_charts_and_tables_name_the_outcome(tiny_surveys):
    """A CSAT outcome is called CSAT (满意度) in the title, the findings, the appendix and the
    chart, never NPS; an analyst's declared metric by its own label; NPS keeps its words."""
    frame = tiny_surveys.with_columns(pl.col("rating_agent").alias("csat"))
    drivers = ["rating_wait_time", "rating_resolution", "rating_product"]
    res = cx.nps.drivers(frame, columns=drivers, outcome="csat", n_boot=30)
    with use_language("en"):
        text = _reader_text(res)
        assert res.title == "What drives CSAT"
        assert "differences in CSAT" in res.findings()[0]
        assert "regression of CSAT on the drivers" in text
        assert "What to fix first for CSAT" in text
        assert "NPS" not in text and "0-10" not in text
    with use_language("zh"):
        text = _reader_text(res)
        assert res.title == "满意度的驱动因素"
        assert "满意度差异" in res.findings()[0] and "满意度优先改进什么" in text
        assert "NPS" not in text and "净推荐值" not in text and "0–10" not in text
    cx.features.declare_metric(
        "effort",
        label={"zh": "费力度", "en": "Customer effort"},
        unit="number",
        higher_is_better=False,
    )
    try:
        own = frame.with_columns(pl.col("rating_agent").alias("effort"))
        res = cx.nps.drivers(own, columns=drivers, outcome="effort", n_boot=30)
        with use_language("en"):
            assert res.title == "What drives Customer effort"
            assert "differences in customer effort" in res.findings()[0]
        with use_language("zh"):
            assert res.title == "费力度的驱动因素"
    finally:
        cx.features.forget_metric("effort")
    with use_language("en"):
        nps = cx.nps.drivers(tiny_surveys, n_boot=30)
        assert nps.title == "What drives NPS"
        assert nps.findings()[0].startswith("Together the drivers explain")
        assert "why customers score differently" in nps.findings()[0]


def test_a_nan_answer_is_a_blank_not_a_value_outside_the_scale(default_surveys):
    """A survey that went through pandas has NaN where an answer was blank: it is set aside like
    a blank (and counted with the blanks), never refused as a value outside the 1-5 scale."""
    surveys = default_surveys
    rating = RATINGS[0]
    blanked = surveys.with_columns(
        pl.when(pl.int_range(pl.len()) % 17 == 0)
        .then(float("nan"))
        .otherwise(pl.col(rating).cast(pl.Float64))
        .alias(rating)
    )
    nulls = surveys.with_columns(
        pl.when(pl.int_range(pl.len()) % 17 == 0)
        .then(None)
        .otherwise(pl.col(rating).cast(pl.Float64))
        .alias(rating)
    )
    a = cx.nps.drivers(blanked)
    b = cx.nps.drivers(nulls)
    assert a.summary().equals(b.summary())
    assert a.set_aside.equals(b.set_aside)
