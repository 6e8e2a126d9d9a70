"""The text room's statistics: the model against the manual labels as a pair, reason shares with
a customer's contacts as one cluster, and (slow) their coverage on planted truth."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

import cxlab as cx
from cxlab._present import use_language
from cxlab.text._evaluate import _paired

from ._notes import contacts as labelled_contacts

OCT, SEP = dt.datetime(2026, 10, 10, tzinfo=dt.UTC), dt.datetime(2026, 9, 10, tzinfo=dt.UTC)


def _pairs(a: int, b: int, c: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    """Model-right and manual-right flags of a paired 2x2 table (a both right, b model only,
    c manual only, d neither)."""
    model = np.repeat([True, True, False, False], [a, b, c, d])
    manual = np.repeat([True, False, True, False], [a, b, c, d])
    return model, manual


@pytest.mark.golden
def test_paired_difference_and_mcnemar_match_the_published_example() -> None:
    """Cavo et al. (2012), complete response before and after consolidation therapy, as analysed
    in Fagerland, Lydersen and Laake (2017), *Statistical Analysis of Contingency Tables*, ch. 8
    (R package contingencytables, ``Newcombe_square_and_add_CI_paired_2x2(cavo_2012)``:
    -0.0621, 95% CI -0.1186 to -0.0046; ``McNemar_exact_cond_test_paired_2x2``: P = 0.052479).
    Tolerance: the published 4 and 6 decimals."""
    n, model, manual, b, c, diff, low, high, p = _paired(*_pairs(59, 6, 16, 80), 0.05)
    assert (n, b, c) == (161, 6, 16)
    assert (model, manual) == pytest.approx((65 / 161, 75 / 161))
    assert (diff, low, high) == pytest.approx((-0.0621, -0.1186, -0.0046), abs=5e-5)
    assert p == pytest.approx(0.052479, abs=5e-7)
    *_, p_none = _paired(*_pairs(50, 0, 0, 10), 0.05)
    assert np.isnan(p_none)  # no contact tells them apart: no p-value, not a stand-in 1


def _clustered(
    customers: int, per: int, share: float, seed: int, keep: float = 1.0
) -> pl.DataFrame:
    """Two months of contacts, ``per`` a customer each month, all about the customer's issue of
    the month (level 1 "A" with probability ``share``), or with probability ``1 - keep`` about
    a reason drawn afresh."""
    rng = np.random.default_rng(seed)
    rows = []
    for month in (SEP, OCT):
        issue = rng.random(customers) < share
        for i in range(customers):
            for _k in range(per):
                a = issue[i] if rng.random() < keep else rng.random() < share
                rows.append((f"K{i}", month, "A" if a else "B"))
    frame = pl.DataFrame(rows, schema=["customer_id", "arrived_at", "category"], orient="row")
    return frame.with_columns(pl.col("category").alias("category_l2"))


def test_reason_shares_count_a_customers_contacts_as_one_cluster() -> None:
    """Four contacts a customer, all about one issue: the design effect is 1 + (4 - 1) x 1 = 4,
    the intervals twice as wide as if the contacts were independent; customers whose issue is the
    same in both months make the change's variance no larger than the independent one (the
    covariance of a customer's two months is counted)."""
    frame = _clustered(300, 4, 0.3, seed=1)
    clustered = cx.text.reasons(frame, period="2026-10", time_zone="UTC")
    naive = cx.text.reasons(frame.drop("customer_id"), period="2026-10", time_zone="UTC")
    a = clustered.table.filter((pl.col("level") == 1) & (pl.col("term") == "A")).row(0, named=True)
    b = naive.table.filter((pl.col("level") == 1) & (pl.col("term") == "A")).row(0, named=True)
    assert a["design_effect"] == pytest.approx(4 * 300 / 299)  # C / (C - 1) of 300 customers
    assert b["design_effect"] == pytest.approx(1.0, abs=0.001)
    assert a["ci_high"] - a["ci_low"] == pytest.approx(2 * (b["ci_high"] - b["ci_low"]), rel=0.02)
    assert a["p_value"] > b["p_value"]
    assert clustered.clustered and not naive.clustered
    with use_language("en"):
        assert "up to 100% wider" in " ".join(clustered.findings())
        assert "no customer id" in " ".join(naive.findings())
    persistent = pl.concat(  # the same customers with the same issue in both months
        [frame.filter(pl.col("arrived_at") == OCT), frame.filter(pl.col("arrived_at") == OCT)]
    ).with_columns(pl.Series("arrived_at", [SEP] * 1200 + [OCT] * 1200))
    same = cx.text.reasons(persistent, period="2026-10", time_zone="UTC").table
    assert same["design_effect"][0] == pytest.approx(4.0, rel=0.01)
    assert same["change_design_effect"][0] == 1.0 and same["change"][0] == 0


def test_the_answer_names_each_family_of_rising_tests() -> None:
    """Level-1/2 reasons against the previous month, level-3 reasons and words against the
    months before: each named with its comparison and its false discovery rate."""
    frame, _truth = labelled_contacts(2000, seed=3, months=4)
    last = (frame["arrived_at"] >= dt.datetime(2026, 10, 1, tzinfo=dt.UTC)).to_numpy()
    boost = last & (np.random.default_rng(0).random(frame.height) < 0.3)
    path = {"category": "Account", "category_l2": "Profile", "category_l3": "Password reset"}
    frame = frame.with_columns(
        pl.when(pl.Series(boost)).then(pl.lit(v)).otherwise(pl.col(k)).alias(k)
        for k, v in path.items()
    )
    kw = {"period": "2026-10", "time_zone": "UTC"}
    reasons = cx.text.reasons(frame, **kw)
    rising = cx.text.rising(frame, by="reason", **kw)
    with use_language("en"):
        said = cx.text.answer(reasons, rising=rising).findings()
        quiet = cx.text.answer(cx.text.reasons(frame.filter(~pl.Series(boost)), **kw)).findings()
    assert any(
        s.startswith("Reasons whose share rose beyond chance against September 2026: ")
        and "each level of reasons tested on its own, at most 5.0% false alarms" in s
        for s in said
    )
    assert any(
        s.startswith("Level-3 reasons on the rise against Q3 2026: Password reset") for s in said
    )
    assert "No reason rose beyond chance against September 2026 (levels 1 and 2)." in quiet
    with use_language("zh"):
        assert all(not s.isascii() for s in cx.text.answer(reasons, rising=rising).findings())


@pytest.mark.slow
def test_clustered_share_intervals_cover_and_the_naive_ones_do_not() -> None:
    """Planted truth: 1,500 customers a month, 1 to 5 contacts each (mean 3), 80% of a
    customer's contacts about its issue of the month; true share of "A" 30% in both months.
    Over 300 seeds the clustered 95% interval covers the true share 93-97% of the time and the
    A/A change test rejects 3-7%; the independent-contacts ones cover and reject visibly worse."""
    hits = {"clustered": [0, 0, 0], "naive": [0, 0, 0]}
    seeds = 300
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        parts = []
        for month in (SEP, OCT):
            k = rng.integers(1, 6, 1500)
            owner = np.repeat(np.arange(1500), k)
            issue = (rng.random(1500) < 0.3)[owner]
            fresh = rng.random(owner.size) < 0.3
            a = np.where(rng.random(owner.size) < 0.8, issue, fresh)
            parts.append(
                pl.DataFrame(
                    {
                        "customer_id": [f"K{i}" for i in owner],
                        "arrived_at": [month] * owner.size,
                        "category": np.where(a, "A", "B"),
                    }
                )
            )
        frame = pl.concat(parts).with_columns(pl.col("category").alias("category_l2"))
        for name, f in (("clustered", frame), ("naive", frame.drop("customer_id"))):
            t = cx.text.reasons(f, period="2026-10", time_zone="UTC").table
            r = t.filter((pl.col("level") == 1) & (pl.col("term") == "A")).row(0, named=True)
            hits[name][0] += r["ci_low"] <= 0.3 <= r["ci_high"]
            hits[name][1] += r["p_value"] < 0.05
            hits[name][2] += r["change_low"] <= 0 <= r["change_high"]
    rates = {k: [v / seeds for v in h] for k, h in hits.items()}
    print(rates)  # quoted in the report
    assert 0.93 <= rates["clustered"][0] <= 0.97 and 0.03 <= rates["clustered"][1] <= 0.07
    assert rates["clustered"][2] >= 0.93
    assert rates["naive"][0] < 0.90 and rates["naive"][1] > 0.10


@pytest.mark.slow
def test_paired_interval_covers_the_planted_difference() -> None:
    """Planted truth: the model right for 92% of 2,000 contacts and the manual labels for 90%,
    their errors correlated (both right 86%). Over 2,000 seeds Newcombe's paired 95% interval
    covers the true +2.0 pp 93-97% of the time; with no true difference McNemar's exact test
    rejects at most 5%. An unpaired interval, ignoring the pairing, is far wider."""
    rng = np.random.default_rng(7)
    cells = np.array([0.86, 0.06, 0.04, 0.04])  # both, model only, manual only, neither
    null = np.array([0.85, 0.05, 0.05, 0.05])
    covered = rejected = 0
    paired_width = unpaired_width = 0.0
    seeds = 2000
    for _ in range(seeds):
        model, manual = _pairs(*rng.multinomial(2000, cells))
        _n, p1, p2, _b, _c, _d, low, high, _p = _paired(model, manual, 0.05)
        covered += low <= 0.02 <= high
        paired_width += high - low
        unpaired_width += 2 * 1.96 * np.sqrt(p1 * (1 - p1) / 2000 + p2 * (1 - p2) / 2000)
        *_, p = _paired(*_pairs(*rng.multinomial(2000, null)), 0.05)
        rejected += p < 0.05
    print(covered / seeds, rejected / seeds, paired_width / unpaired_width)  # quoted in the report
    assert 0.93 <= covered / seeds <= 0.97
    assert rejected / seeds <= 0.055
    assert paired_width < 0.85 * unpaired_width


def test_the_answer_leaves_out_a_family_never_tested_and_says_there_are_no_notes() -> None:
    """October without notes: no word is tested, so the answer names only the reasons; the
    emotion sentence says there are no notes to read, never another month's share."""
    frame, _truth = labelled_contacts(1200, seed=4, months=4)
    frame = frame.with_columns(
        pl.when(pl.col("arrived_at") >= dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
        .then(None)
        .otherwise(pl.col("note"))
        .alias("note")
    )
    kw = {"period": "2026-10", "time_zone": "UTC"}
    words = cx.text.rising(frame, by="term", sample=None, **kw)
    assert words.table.height == 0
    feelings = cx.text.emotion_trend(frame, sample=None, **kw)
    with use_language("en"):
        said = cx.text.answer(cx.text.reasons(frame, **kw), words=words, feelings=feelings)
        said = said.findings()
    assert not any("word" in s for s in said)
    assert "No notes to read in this period." in said
    assert not any("state anger or anxiety" in s for s in said)


def test_the_reason_table_calls_its_adjusted_p_values_q_values() -> None:
    frame = _clustered(60, 2, 0.3, seed=2)
    shown = cx.text.reasons(frame, period="2026-10", time_zone="UTC").shown()
    assert "q_value" in shown.columns and "p_value" not in shown.columns
    with use_language("en"):
        assert (
            "<th>q-value</th>"
            in cx.text.reasons(frame, period="2026-10", time_zone="UTC")._repr_html_()
        )


def _repeat_customers(
    seed: int, customers: int = 1500, items: int = 15, same: bool = False
) -> pl.DataFrame:
    """Four months of an A/A world: each month every customer contacts 1 to 5 times (mean 3),
    80% of their contacts about their issue of the month, the rest drawn afresh; the shares of
    the ``items`` reasons are the same every month. ``same``: the same customers every month
    (else new ones each month)."""
    rng = np.random.default_rng(seed)
    shares = np.linspace(1, 3, items)
    shares /= shares.sum()
    parts = []
    for month in range(7, 11):
        k = rng.integers(1, 6, customers)
        owner = np.repeat(np.arange(customers), k)
        issue = rng.choice(items, customers, p=shares)[owner]
        fresh = rng.choice(items, owner.size, p=shares)
        reason = np.where(rng.random(owner.size) < 0.8, issue, fresh)
        parts.append(
            pl.DataFrame(
                {
                    "customer_id": [f"K{i}" if same else f"K{month}-{i}" for i in owner],
                    "arrived_at": [dt.datetime(2026, month, 10, tzinfo=dt.UTC)] * owner.size,
                    "category": [f"R{r}" for r in reason],
                }
            )
        )
    return pl.concat(parts)


@pytest.mark.slow
def test_rising_reasons_keep_their_false_discovery_rate_with_repeat_customers() -> None:
    """Planted truth: no reason changes (an A/A test), 1,500 customers a month contacting 1 to 5
    times each about their issue of the month. Over 300 seeds, counting customers, the share of
    runs that flag any reason (the false discovery rate when nothing changed) stays at most 7%
    for a 5% level; counting contacts as independent it is far above."""
    flagged = {"customers": 0, "contacts": 0}
    seeds = 300
    for seed in range(seeds):
        frame = _repeat_customers(seed)
        for name, f in (("customers", frame), ("contacts", frame.drop("customer_id"))):
            found = cx.text.emerging(f, period="2026-10", by="category", time_zone="UTC")
            flagged[name] += found.risers().height > 0
            if name == "customers":
                assert found.by_customer and found.n_now == 1500
    rates = {k: v / seeds for k, v in flagged.items()}
    print(rates)  # quoted in the report
    assert rates["customers"] <= 0.07
    assert rates["contacts"] >= 0.15


def test_rising_counts_a_customer_once_however_many_times_they_contacted() -> None:
    """A customer's repeat contacts count once: 10 customers with 5 contacts each about "R0"
    make 10 customers, not 50 contacts."""
    frame = _repeat_customers(1, customers=200, items=3)
    found = cx.text.emerging(frame, period="2026-10", by="category", time_zone="UTC")
    now = frame.filter(pl.col("arrived_at").dt.month() == 10)
    r0 = found.table.filter(pl.col("term") == "R0").row(0, named=True)
    assert r0["count_now"] == now.filter(pl.col("category") == "R0")["customer_id"].n_unique()
    assert r0["count_now"] < now.filter(pl.col("category") == "R0").height
    assert found.n_now == 200
    with use_language("en"):
        assert "once a month however many times they contacted: 200 this period" in " ".join(
            found.findings()
        )


def test_a_month_and_three_months_before_give_comparable_shares_of_the_same_customers() -> None:
    """The same customers contact every month with the same reasons: counted once per month,
    this month's shares equal the three months' before (counted once over the three months,
    a customer would seem to have had each reason far more often before, and nothing could
    ever rise)."""
    frame = _repeat_customers(2, customers=1500, items=5, same=True)
    found = cx.text.emerging(frame, period="2026-10", by="category", time_zone="UTC")
    change = (found.table["share_now"] - found.table["share_before"]).to_numpy()
    assert np.abs(change).max() < 0.03, found.table
    assert found.n_before == 3 * found.n_now == 4500


def test_a_table_that_counts_customers_says_so() -> None:
    """Where a customer counts once a month, the reader's table and the chart name customers."""
    frame = _repeat_customers(1, customers=200, items=3)
    found = cx.text.emerging(frame, period="2026-10", by="category", time_zone="UTC")
    with use_language("en"):
        page = found._repr_html_()
        axis = found.plot().layout.xaxis.title.text
    assert "Customers this period" in page and "Share of customers" in page
    assert "Contacts this period" not in page and axis == "Share of customers"
    assert "customers_now" in found.full_table().columns
