"""Emerging topics: a planted rise is found, and under no change false discoveries stay rare."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import polars as pl
import pytest
from scipy import stats

from cxlab import NotEnoughDataError, OptionError, SchemaError
from cxlab._present import use_language
from cxlab._stats import adjust_p
from cxlab.text import emerging

SHARES = {
    "billing": 0.3,
    "delivery": 0.25,
    "network": 0.2,
    "account": 0.15,
    "refund": 0.07,
    "other": 0.03,
}
WORDS = [
    "网速很慢",
    "快递还没到",
    "账单金额不对",
    "密码重置不了",
    "parcel never arrived",
    "app keeps crashing",
]


def _contacts(
    seed: int, per_month: int = 800, rise: str | None = None, months: int = 4
) -> pl.DataFrame:
    """``months`` months of contacts (Jan to Apr 2026) with fixed category shares; ``rise`` doubles
    one category's share in the last month and adds a new phrase to 8% of its notes."""
    rng = np.random.default_rng(seed)
    names, p = list(SHARES), np.array(list(SHARES.values()))
    frames = []
    for m in range(months):
        shares = p.copy()
        if rise is not None and m == months - 1:
            shares[names.index(rise)] *= 2
            shares /= shares.sum()
        cats = rng.choice(len(names), size=per_month, p=shares)
        start = dt.datetime(2026, 1 + m, 1, 4, tzinfo=dt.UTC)
        words = [WORDS[i] for i in rng.integers(len(WORDS), size=per_month)]
        if rise is not None and m == months - 1:
            words = [w + "，5G套餐降速" if rng.random() < 0.08 else w for w in words]
        frames.append(
            pl.DataFrame(
                {
                    "arrived_at": [
                        start + dt.timedelta(hours=int(h))
                        for h in rng.integers(24 * 27, size=per_month)
                    ],
                    "category": [names[c] for c in cats],
                    "note": words,
                }
            )
        )
    return pl.concat(frames)


def test_a_planted_rise_in_a_category_is_found_and_nothing_else() -> None:
    result = emerging(_contacts(1, rise="refund"), period="2026-04", baseline=3, time_zone="UTC")
    t = result.summary()
    assert t.filter(pl.col("rising"))["term"].to_list() == ["refund"]
    row = t.row(0, named=True)
    assert row["share_before"] == pytest.approx(row["count_before"] / 2400)
    assert row["share_now_low"] < row["share_now"] < row["share_now_high"]
    assert row["ci_low"] > 0 and row["ci_low"] < row["estimate"] < row["ci_high"]
    # the one-sided Fisher test and Benjamini-Hochberg, as scipy and the shared helper compute them
    for r in t.iter_rows(named=True):
        table = [
            [r["count_now"], r["n_now"] - r["count_now"]],
            [r["count_before"], r["n_before"] - r["count_before"]],
        ]
        assert r["p_value"] == pytest.approx(stats.fisher_exact(table, alternative="greater")[1])
    assert t["q_value"].to_numpy() == pytest.approx(adjust_p(t["p_value"].to_numpy(), "bh"))
    assert result.baseline_obj.start == dt.date(2026, 1, 1) and result.baseline_obj.end == dt.date(
        2026, 4, 1
    )
    with use_language("en"):
        said = result.findings()
    assert said[0] == "1 of 6 categories rose beyond chance in April 2026 against Q1 2026."


def test_a_new_phrase_in_the_notes_is_found() -> None:
    result = emerging(_contacts(2, rise="network"), period="2026-04", by="term", time_zone="UTC")
    risers = set(result.risers()["term"])
    assert {"5g", "套餐", "降速"} <= risers
    assert risers <= {
        "5g",
        "套餐",
        "降速",
        "网速",
        "很慢",
    }  # the risen category's own words may rise too
    assert result.n_now == 800 and result.n_before == 2400


def test_accounts_placeholders_and_fragments_are_not_words_that_rise() -> None:
    """Words written with a new phrase (and only those) may rise: not an account name or id
    ("zhang88", "wxid", "li_wei"), a scrubbed placeholder in either language or as the
    classifier's token, a run written against a placeholder, an English stop word ("back",
    "re") or a Latin fragment."""
    frame = _contacts(3, rise="network")
    rng = np.random.default_rng(4)
    junk = [
        "，5G套餐降速 re: back zhang88 [电话] wxid li_wei ab9[phone]",
        " re back zhang88 piiphone [phone] wxid ok, 5G套餐降速",
    ]
    april = frame["arrived_at"] >= dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    notes = [
        n + junk[i % 2] if now and rng.random() < 0.1 else n
        for i, (n, now) in enumerate(zip(frame["note"], april, strict=True))
    ]
    result = emerging(
        frame.with_columns(note=pl.Series(notes)), period="2026-04", by="term", time_zone="UTC"
    )
    tested = set(result.summary()["term"])
    risers = set(result.risers()["term"])
    assert {"5g", "套餐", "降速"} <= risers <= {"5g", "套餐", "降速", "网速", "很慢"}
    for word in ("zhang88", "zhang", "wxid", "li_wei", "re", "back", "ok", "ab9", "phone"):
        assert word not in tested, word
    assert not tested & {"电话", "piiphone", "[phone]", "[电话]"}


def test_items_seen_too_rarely_are_not_tested() -> None:
    result = emerging(_contacts(3), period="2026-04", min_count=300, time_zone="UTC")
    assert set(result.summary()["term"]) == {"billing", "delivery", "network", "account"}
    assert result.untested == 2


def test_bad_calls_are_refused() -> None:
    frame = _contacts(4, per_month=50)
    with pytest.raises(OptionError, match="by"):
        emerging(frame, by="word")
    with pytest.raises(SchemaError, match="category"):
        emerging(frame.drop("category"))
    with pytest.raises(NotEnoughDataError, match="no contacts in"):
        emerging(frame, period="2026-01", time_zone="UTC")


@pytest.mark.slow
def test_false_discovery_rate_under_no_change_stays_at_most_alpha() -> None:
    """A/A: 400 workspaces with no change. Under the complete null every discovery is false, so
    the false discovery rate is the share of runs with any discovery; it must stay at most 5%
    (plus two Monte Carlo standard errors, 2.2 points)."""
    runs, alpha = 400, 0.05
    any_found = 0
    for seed in range(runs):
        result = emerging(
            _contacts(100 + seed, per_month=300), period="2026-04", alpha=alpha, time_zone="UTC"
        )
        any_found += result.risers().height > 0
    rate = any_found / runs
    assert rate <= alpha + 2 * np.sqrt(alpha * (1 - alpha) / runs), rate


@pytest.mark.slow
def test_false_discovery_rate_of_note_words_under_no_change_stays_at_most_alpha() -> None:
    """A/A on the words of the notes: 150 workspaces with no change; the share of runs with any
    risen word stays at most 5% plus two Monte Carlo standard errors (3.6 points)."""
    runs, alpha = 150, 0.05
    any_found = sum(
        emerging(
            _contacts(900 + seed, per_month=200),
            period="2026-04",
            by="term",
            min_count=5,
            time_zone="UTC",
        )
        .risers()
        .height
        > 0
        for seed in range(runs)
    )
    assert any_found / runs <= alpha + 2 * np.sqrt(alpha * (1 - alpha) / runs), any_found


def test_a_lower_level_of_the_taxonomy_is_read_the_same_way() -> None:
    frame = _contacts(1, rise="refund").rename({"category": "category_l3"})
    result = emerging(frame, period="2026-04", by="category_l3", time_zone="UTC")
    assert result.risers()["term"].to_list() == ["refund"]


def test_the_report_reads_the_change_in_words_and_percentages() -> None:
    """The table a reader sees: the reason's label, its share in words ("from 7.1% to 13.5%"),
    the change in points and yes/no; no bare fraction, no raw column."""
    result = emerging(_contacts(1, rise="refund"), period="2026-04", baseline=3, time_zone="UTC")
    row = result.table.row(0, named=True)
    with use_language("en"):
        shown = result.reader_table()
        page = result._repr_html_()
    assert shown.columns == ["contact_reason", "count_now", "share_move", "change", "rising"]
    first = shown.row(0, named=True)
    assert first["share_move"] == (
        f"from {100 * row['share_before']:.1f}% to {100 * row['share_now']:.1f}%"
    )
    assert first["change"] == f"+{100 * row['estimate']:.1f} pp"
    assert "<th class='txt'>Contact reason</th><th>Contacts this period</th>" in page
    assert "<td>yes</td>" in page and "Estimate" not in page
    assert not re.search(r">-?[01]\.\d+<", page)  # every share is a percentage
    with use_language("zh"):
        assert result.reader_table()["share_move"][0].startswith("从")
    full = result.full_table()
    assert full.height == result.table.height and "q_value" in full.columns


def test_a_name_or_an_account_in_one_customers_many_contacts_does_not_rise() -> None:
    """A name and an account planted in 60 April contacts of one customer (and a few of a
    second one) would rise on contacts alone; a word must come from at least 10 customers, and
    the run after an account label is never a word. The planted phrase, written by many
    customers, still rises."""
    frame = _contacts(2, rise="network")
    n = frame.height
    rng = np.random.default_rng(5)
    customers = [f"C-{i:05d}" for i in rng.integers(3000, size=n)]
    april = (frame["arrived_at"] >= dt.datetime(2026, 4, 1, tzinfo=dt.UTC)).to_list()
    notes = frame["note"].to_list()
    planted = [i for i in range(n) if april[i]][:66]
    for k, i in enumerate(planted):
        customers[i] = "C-99999" if k < 60 else "C-99998"
        notes[i] = notes[i] + " 客户张伟 说 wx lisiwang 急 account no: abcdef"
    frame = frame.with_columns(note=pl.Series(notes), customer_id=pl.Series(customers))
    result = emerging(frame, period="2026-04", by="term", time_zone="UTC")
    tested = set(result.summary()["term"])
    assert not tested & {"张伟", "lisiwang", "abcdef"}
    assert {"5g", "套餐", "降速"} <= set(result.risers()["term"])
    # without customer ids, the name rises on the contacts alone; the accounts still do not
    alone = emerging(frame.drop("customer_id"), period="2026-04", by="term", time_zone="UTC")
    assert "张伟" in set(alone.risers()["term"])
    assert not set(alone.summary()["term"]) & {"lisiwang", "abcdef"}
