"""The review's shared months give the figures of the whole-table path, to the digit.

An opened review reads its months once and computes the repeat-contact window once for all its
sections (``cxlab.review._shared``). Each test here compares that path with an independent one:
the same sections given a fresh scan of the store (not the review's object), which prepares the
whole table in every call as the review always did, or ``with_repeats`` over the whole table,
filtered afterwards. Tolerance: counts, flags, labels and dates exact; floats relative 1e-12
(the same sums, added in another order).
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import polars as pl
import pytest

import cxlab as cx
import cxlab.features._kpi as kpi_module
import cxlab.review._shared as shared_module
from cxlab._present import parse_period
from cxlab.review import ReviewPeriods
from cxlab.review._shared import contacts_for, is_shared, review_spans, share

REL = 1e-12


def _sections(contacts: pl.LazyFrame, review: cx.review.ReviewInputs) -> dict[str, object]:
    """Every figure the notebook ``00_service_review`` publishes, from ``contacts``."""
    p, t = review.period, review.targets
    card = cx.review.scorecard(contacts, t, p)
    volume = cx.review.volume(contacts, p)
    breakdowns = {
        f"breakdown {kpis} by {by}": cx.review.breakdown(contacts, p, kpis, by, targets=t).table
        for kpis, by in [
            (["fcr", "csat"], ["channel"]),
            (["csat", "fcr"], ["category", "category_l2"]),
            (["asa", "service_level"], ["channel"]),
            (["sla_answered", "sla_resolved"], ["priority"]),
            (["repeat_rate", "fcr"], ["queue"]),
        ]
    }
    daily = cx.review.daily(contacts, p, "service_level", targets=t)
    daily_fcr = cx.review.daily(contacts, p, "fcr")
    phone = cx.review.phone(contacts, p)
    complaints = cx.review.complaints(contacts, p)
    qa = cx.review.qa(review.qa_scores, contacts, p)
    anomalies = cx.review.anomalies(contacts, p, by="queue")
    anomalies_fcr = cx.review.anomalies(contacts, p, by="channel", kpis=("fcr", "repeat_rate"))
    out: dict[str, object] = {
        "scorecard": card.table.sort("kpi", "scope"),
        "scorecard findings": card.findings(),
        "volume by channel": volume.by_channel.sort("channel"),
        "volume by reason": volume.by_category.sort("category", "category_l2", "category_l3"),
        **{
            k: v.sort("kpi", *[c for c in v.columns[:2] if c != "kpi"])
            for k, v in breakdowns.items()
        },
        "daily service level": daily.table,
        "daily fcr": daily_fcr.table,
        "phone weekly": phone.weekly,
        "phone hours": phone.hours,
        "phone bands": phone.bands,
        "phone handle": phone.handle.sort("category"),
        "complaints": complaints.table.sort("complaint_type"),
        "complaint repeats": (complaints.repeat_customers, complaints.repeat_share),
        "qa sampling": qa.sampling,
        "qa dimensions": qa.dimensions,
        "anomalies": anomalies.points,
        "anomaly limit": anomalies.limit,
        "anomalies fcr": anomalies_fcr.points,
        "anomaly fcr limit": anomalies_fcr.limit,
    }
    for by in ("team", "agent_id"):
        r = cx.review.ranking(contacts, p, kpi="fcr", by=by, agents=review.agents)
        # ranks of tied units follow the group order, which polars does not fix: compare the
        # figures of each unit
        out[f"ranking {by}"] = r.table.drop("rank").sort(by)
        out[f"ranking {by} test"] = (*r.prior, r.chi2, r.df, r.p_value, r.differ, r.pooled)
    return out


def _same_value(a: object, b: object, where: str) -> None:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or math.isnan(a) or math.isnan(b):
            assert a is b or (
                isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
            ), where
        else:
            assert a == pytest.approx(b, rel=REL, abs=0.0 if b else 1e-15), where
    else:
        assert a == b, where


def _assert_same(a: object, b: object, name: str) -> None:
    if isinstance(a, pl.DataFrame):
        assert isinstance(b, pl.DataFrame), name
        assert a.schema == b.schema, name
        assert a.height == b.height, name
        for column in a.columns:
            left, right = a[column].to_list(), b[column].to_list()
            if a.schema[column].is_float():
                for i, (x, y) in enumerate(zip(left, right, strict=True)):
                    _same_value(x, y, f"{name}: {column}[{i}]")
            else:
                assert left == right, f"{name}: {column}"
    elif isinstance(a, tuple | list):
        assert len(a) == len(b), name
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same_value(x, y, f"{name}[{i}]")
    else:
        _same_value(a, b, name)


@pytest.fixture(
    scope="module",
    params=[(None, "previous", None), ("2026-09", "year_ago", None), (None, "previous", "chat")],
    ids=["notebook", "year-ago", "chat-only"],
)
def both_paths(default_workspace: Path, request) -> tuple[dict, dict]:
    period, compare_to, channel = request.param
    review = cx.review.open_review(
        period=period,
        compare_to=compare_to,
        channels=[channel] if channel else None,
        workspace=default_workspace,
    )
    whole = cx.load("contacts", workspace=default_workspace)  # not the review's: whole table
    if channel:  # the filter open_review applies, then the window over what it leaves
        whole = whole.filter(pl.col("channel").is_in([channel]))
    assert is_shared(review.contacts) and not is_shared(whole)
    assert not is_shared(review.contacts.filter(pl.col("channel") == "phone"))
    windows, builds = [], []
    inner_window, inner_build = kpi_module.with_repeats, shared_module.flagged_rows

    def window(*args, **kwargs):
        windows.append(1)
        return inner_window(*args, **kwargs)

    def build(*args, **kwargs):
        builds.append(1)
        return inner_build(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(kpi_module, "with_repeats", window)
        mp.setattr(shared_module, "flagged_rows", build)
        shared = _sections(review.contacts, review)
        # the months were read and flagged once; no section computed the window itself
        assert (len(builds), windows) == (1, [])
        old = _sections(whole, review)
        assert len(builds) == 1
    return shared, old


def test_every_published_figure_of_the_shared_path_equals_the_whole_table_path(
    both_paths,
) -> None:
    """Scorecard values, changes and p-values, every breakdown row and interval, the day-by-day
    values, phone, complaints, QA, unusual days (values, ranges, flags) and both rankings (with
    their homogeneity tests and intervals): counts exact, floats relative 1e-12."""
    shared, old = both_paths
    assert shared.keys() == old.keys()
    for name in shared:
        _assert_same(shared[name], old[name], name)
    # the comparison has figures to compare, FCR among them
    card = shared["scorecard"]
    fcr = card.filter(pl.col("kpi") == "fcr", pl.col("scope") == "all").row(0, named=True)
    assert 0.3 < fcr["value"] < 1 and fcr["n"] > 1000
    assert shared["anomalies fcr"].height > 50


def test_repeat_flags_over_the_month_boundaries_equal_the_whole_table(
    default_workspace: Path,
) -> None:
    """A review of September compared with September a year before: both months and the eight
    weeks before September have contacts whose repeat arrives after their span (the repeat is
    read only through the window's reach) and contacts whose earlier contact lies before it. Every
    flag equals ``with_repeats`` over the whole table, filtered afterwards."""
    review = cx.review.open_review(
        period="2026-09", compare_to="year_ago", workspace=default_workspace
    )
    spans = review_spans(review.period)
    assert len(spans) == 2  # September 2025, and 2026-07-06 to the end of September 2026
    shared = contacts_for(review.contacts, review.period).collect()
    t = pl.col("arrived_at")
    inside = pl.any_horizontal([t.is_between(a, b, closed="left") for a, b in spans])
    whole = cx.features.with_repeats(cx.load("contacts", workspace=default_workspace))
    expected = whole.filter(inside).collect()
    assert shared.height == expected.height
    joined = shared.select("contact_id", "_repeat", "_fcr_known").join(
        expected.select("contact_id", "_repeat", "_fcr_known"),
        on="contact_id",
        how="full",
        suffix="_whole",
    )
    assert joined.height == shared.height  # the same contacts
    assert (joined["_repeat"] == joined["_repeat_whole"]).all()
    assert (joined["_fcr_known"] == joined["_fcr_known_whole"]).all()
    # the boundaries are exercised: repeats whose next contact lies after the span, and contacts
    # whose customer's previous contact on the topic lies before it
    nxt = t.shift(-1).over(["customer_id", "category"], order_by="arrived_at")
    prv = t.shift(1).over(["customer_id", "category"], order_by="arrived_at")
    marked = (
        cx.load("contacts", workspace=default_workspace)
        .with_columns(nxt=nxt, prv=prv)
        .filter(inside)
        .collect()
    )
    after = pl.any_horizontal(
        [t.is_between(a, b, closed="left") & (pl.col("nxt") >= b) for a, b in spans]
    )
    before = pl.any_horizontal(
        [t.is_between(a, b, closed="left") & (pl.col("prv") < a) for a, b in spans]
    )
    crossing = marked.filter(after, pl.col("nxt") - t <= dt.timedelta(days=7))
    assert crossing.height > 50
    assert marked.filter(before).height > 50
    flags = shared.join(crossing.select("contact_id"), on="contact_id")
    assert flags["_repeat"].all()


def _at(local: str) -> dt.datetime:
    """A Shanghai wall-clock time as UTC."""
    shanghai = dt.timezone(dt.timedelta(hours=8))
    return dt.datetime.fromisoformat(local).replace(tzinfo=shanghai).astimezone(dt.UTC)


def test_hand_made_contacts_across_the_month_ends() -> None:
    """Flags known by hand, for a review of October 2026 (Shanghai) against September: a repeat
    in the next month (read through the window's reach), a repeat exactly seven days later, a
    contact whose earlier contact lies before the shared months, and a window complete only by
    the newest contact of the whole table (not of the rows read)."""
    rows = [  # contact, customer, category, local time
        ("a1", "a", "billing", "2026-10-30 12:00"),  # repeat on 2 November: after the month
        ("a2", "a", "billing", "2026-11-02 12:00"),
        ("b1", "b", "billing", "2026-10-31 23:00"),  # repeat exactly 7 days later
        ("b2", "b", "billing", "2026-11-07 23:00"),
        ("c1", "c", "billing", "2026-08-01 12:00"),  # before the eight weeks: not read
        ("c2", "c", "billing", "2026-08-07 12:00"),  # its earlier contact lies before them
        ("c3", "c", "billing", "2026-08-20 12:00"),
        ("d1", "d", "orders", "2026-09-30 23:00"),  # repeat on 1 October: the next month
        ("d2", "d", "orders", "2026-10-01 01:00"),
        ("d3", "d", "billing", "2026-10-03 12:00"),  # another topic: not a repeat of orders
        ("e1", "e", "orders", "2026-10-31 23:30"),  # window ends after the last row read
        ("f1", "f", "orders", "2026-12-31 12:00"),  # the newest contact of the whole table
    ]
    contacts = pl.LazyFrame(
        {
            "contact_id": [r[0] for r in rows],
            "customer_id": [r[1] for r in rows],
            "category": [r[2] for r in rows],
            "arrived_at": pl.Series([_at(r[3]) for r in rows]).dt.convert_time_zone("UTC"),
        }
    )
    period = ReviewPeriods(
        parse_period("2026-10"), parse_period("2026-09"), "previous", "Asia/Shanghai"
    )
    share(contacts, period)
    got = contacts_for(contacts, period).collect()
    flags = {r["contact_id"]: (r["_repeat"], r["_fcr_known"]) for r in got.iter_rows(named=True)}
    assert flags == {
        "a1": (True, True),
        "b1": (True, True),
        "c2": (False, True),  # 13 days to the next
        "c3": (False, True),
        "d1": (True, True),
        "d2": (False, True),
        "d3": (False, True),
        "e1": (False, True),  # known: the table runs to 31 December
    }
    expected = (
        cx.features.with_repeats(contacts).filter(pl.col("contact_id").is_in(list(flags))).collect()
    )
    whole = {
        r["contact_id"]: (r["_repeat"], r["_fcr_known"]) for r in expected.iter_rows(named=True)
    }
    assert flags == whole


def _card_figures(review: cx.review.ReviewInputs) -> dict[tuple[str, str | None], tuple]:
    card = cx.review.scorecard(review.contacts, review.targets, review.period).table
    return {(r["kpi"], r["scope"]): (r["n"], r["value"]) for r in card.iter_rows(named=True)}


def test_a_change_to_the_store_is_read_again_and_close_drops_the_rows(
    scratch_workspace: Path, tmp_path: Path
) -> None:
    """A review opened before an ingest that rewrites its month shows the new figures, those of
    a review opened after it (exact: the same rows, read the same way), not the rows it read
    before; the figures did change (fewer contacts). ``close`` drops the kept rows, and the
    figures stay the same."""
    ws = scratch_workspace  # a private copy: this test writes to its store
    review = cx.review.open_review(workspace=ws)
    before = _card_figures(review)
    assert shared_module._review_of(review.contacts).frames  # rows kept
    lo, hi = review.period.bounds()
    month = cx.load("contacts", workspace=ws).filter(
        pl.col("arrived_at").is_between(lo, hi, closed="left")
    )
    frame = month.collect()
    kept = frame.filter(pl.int_range(pl.len()) % 5 != 0)  # drop one contact in five
    export = tmp_path / "contacts_month.parquet"
    kept.write_parquet(export)
    cx.data.ingest(export, "contacts", mode="months", workspace=ws, allow_partial_months=True)

    after = _card_figures(review)
    fresh = _card_figures(cx.review.open_review(workspace=ws))
    assert after == fresh
    n_before, n_after = before[("fcr", "all")][0], after[("fcr", "all")][0]
    assert 0.75 * n_before < n_after < 0.85 * n_before  # one contact in five fewer
    assert sum(before[k] != after[k] for k in before) > len(before) // 2

    again = cx.review.open_review(workspace=ws)
    assert shared_module._review_of(again.contacts).frames == {}  # read when first needed
    kept_figures = _card_figures(again)
    assert shared_module._review_of(again.contacts).frames
    again.close()
    assert not is_shared(again.contacts)
    assert _card_figures(again) == kept_figures  # the whole table, read again: same figures
