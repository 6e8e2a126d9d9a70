"""Customer features: counts on a hand-made table, and no leakage from after the prediction date."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import cxlab as cx
from cxlab._errors import OptionError

UTC = dt.UTC


def _contacts() -> pl.DataFrame:
    t = dt.datetime(2026, 3, 1, 10, tzinfo=UTC)
    rows = [
        # customer, days before as_of, category, complaint, abandoned, fcr, transfers, csat, wait
        ("C1", 80, "Billing", "refund", False, False, 1, 2, 30.0),
        ("C1", 78, "Billing", None, False, True, 0, None, 60.0),  # repeat of the contact above
        ("C1", 10, "Orders", None, True, None, 0, None, 300.0),
        ("C2", 100, "Orders", "logistics", False, False, 2, 1, 10.0),  # outside 90 days
        ("C2", 5, "Orders", None, False, True, 3, 5, 20.0),
    ]
    out = []
    for i, (c, days, cat, comp, ab, fcr, tr, csat, wait) in enumerate(rows):
        arrived = t - dt.timedelta(days=days)
        out.append(
            {
                "contact_id": f"K{i}",
                "customer_id": c,
                "arrived_at": arrived,
                "category": cat,
                "complaint_type": comp,
                "abandoned": ab,
                "wait_seconds": wait,
                "first_contact_resolution": fcr,
                "transfers": tr,
                "csat": csat,
                "resolved_at": None if ab else arrived + dt.timedelta(hours=1),
            }
        )
    return pl.DataFrame(out, schema_overrides={"resolved_at": pl.Datetime("us", "UTC")})


def _customers() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "segment": ["individual", "enterprise", "individual", "individual"],
            "value_tier": ["gold", "silver", "bronze", "bronze"],
            "region": ["A", "B", "A", "A"],
            "contract": ["monthly", "annual", "monthly", "monthly"],
            "monthly_value": [100.0, 600.0, 50.0, 50.0],
            "signup_date": [
                dt.date(2024, 1, 1),
                dt.date(2025, 6, 1),
                dt.date(2026, 5, 1),
                dt.date(2024, 1, 1),
            ],
            "churn_date": [None, None, None, dt.date(2026, 2, 1)],
            "downgrade_date": [None, dt.date(2026, 1, 1), None, None],
        }
    )


AS_OF = dt.date(2026, 3, 1)


def test_counts_and_flags_follow_their_definitions():
    """Expected values counted by hand from the five contacts above (as_of 2026-03-01 10:00 is
    after midnight, so a date as_of means 00:00 UTC and every contact is at least 5 days old)."""
    f = cx.features.customer_features(_contacts(), _customers(), as_of=AS_OF, windows=(30, 90))
    assert f["customer_id"].to_list() == ["C1", "C2"]  # C3 not signed up, C4 churned
    c1 = f.row(0, named=True)
    assert c1["contacts_90d"] == 3 and c1["contacts_30d"] == 1
    assert c1["repeat_contacts_90d"] == 1
    assert c1["unresolved_complaint_90d"] == 1 and c1["unresolved_complaint_30d"] == 0
    assert c1["complaints_refund_90d"] == 1 and c1["complaints_90d"] == 1
    assert c1["abandoned_contacts_90d"] == 1 and c1["abandoned_contacts_30d"] == 1
    assert c1["low_csat_90d"] == 1 and c1["transfers_90d"] == 1
    assert c1["max_wait_seconds_90d"] == 300.0
    assert c1["open_contacts_90d"] == 1  # the abandoned contact was never resolved
    c2 = f.row(1, named=True)
    assert (
        c2["contacts_90d"] == 1 and c2["unresolved_complaint_90d"] == 0
    )  # complaint is 100 days old
    assert c2["transfers_90d"] == 3 and c2["low_csat_90d"] == 0
    assert c2["downgraded"] is True
    assert c2["tenure_days"] == (AS_OF - dt.date(2025, 6, 1)).days


def test_no_leakage_from_after_as_of(tiny_workspace):
    """Contacts and surveys after as_of must not change any feature."""
    contacts = cx.load("contacts", workspace=tiny_workspace).collect()
    customers = cx.load("customers", workspace=tiny_workspace).collect()
    surveys = cx.load("surveys", workspace=tiny_workspace).collect()
    as_of = dt.datetime(2026, 9, 1, tzinfo=UTC)
    full = cx.features.customer_features(contacts, customers, surveys, as_of=as_of)
    cut = cx.features.customer_features(
        contacts.filter(pl.col("arrived_at") < as_of),
        customers,
        surveys.filter(pl.col("responded_at") < as_of),
        as_of=as_of,
    )
    assert_frame_equal(full, cut, rel_tol=1e-12)  # means may differ in the last bit
    assert full["contacts_90d"].sum() > 0
    assert set(full["nps_category"].unique()) <= {"promoter", "passive", "detractor", "none"}


def test_options_are_checked():
    with pytest.raises(OptionError):
        cx.features.customer_features(_contacts(), _customers(), as_of=AS_OF, windows=(0,))
