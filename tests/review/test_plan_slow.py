"""Coverage of the projection's 90% ranges over many synthetic services.

For each of 10 seeds: a three-year tiny workspace, fitted on its first 24 months, and the 12
held-out months of FCR, CSAT and AHT compared with their monthly 90% ranges, and the held-out
year's value with its annual range. Nominal 90%: the monthly ranges must cover 80-97% of the 360
months; the annual ones at least 22 of the 30 years (the binomial 1% lower tail at 90% is 23;
the planted pilot roll-out bends FCR's trend a little, so one more miss is allowed).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

import cxlab as cx

pytestmark = pytest.mark.slow
SEEDS = range(101, 111)
KPIS = ("fcr", "csat", "aht")


def test_monthly_and_annual_ranges_cover_about_90_percent(tmp_path_factory) -> None:
    months_in, months_all, years_in, years_all = 0, 0, 0, 0
    each = {k: [0, 0, 0, 0] for k in KPIS}  # months inside, months, years inside, years
    cut = dt.datetime(2025, 10, 31, 16, tzinfo=dt.UTC)  # 1 November 2025 in Shanghai
    for seed in SEEDS:
        ws = tmp_path_factory.mktemp(f"seed{seed}")
        cx.data.generate(seed=seed, size="tiny", months=36, workspace=ws)
        contacts = cx.load("contacts", workspace=ws).collect()
        fitted = cx.review.projection(
            "2024-11..2025-10",
            workspace=ws,
            contacts=contacts.lazy().filter(pl.col("arrived_at") < cut),
            kpis=list(KPIS),
            decided=False,
            seed=seed,
        )
        real = cx.features.kpi(contacts.lazy(), list(KPIS), every="1mo").with_columns(
            pl.col("period").dt.date().alias("month")
        )
        for r in fitted.annual.iter_rows(named=True):
            later = real.filter(pl.col("kpi") == r["kpi"], pl.col("month") >= dt.date(2025, 11, 1))
            ahead = fitted.table.filter(pl.col("kpi") == r["kpi"], pl.col("kind") == "projected")
            both = ahead.join(later, on="month")
            inside = (both["value"] >= both["projected_lo"]) & (
                both["value"] <= both["projected_hi"]
            )
            months_in += int(inside.sum())
            months_all += both.height
            year = later["numerator"].sum() / later["denominator"].sum()
            years_in += int(r["projected_lo"] <= year <= r["projected_hi"])
            years_all += 1
            tally = each[r["kpi"]]
            tally[0] += int(inside.sum())
            tally[1] += both.height
            tally[2] += int(r["projected_lo"] <= year <= r["projected_hi"])
            tally[3] += 1
    print(f"monthly coverage {months_in}/{months_all}, annual coverage {years_in}/{years_all}")
    for kpi, (m_in, m_all, y_in, y_all) in each.items():
        print(f"  {kpi}: months {m_in}/{m_all}, years {y_in}/{y_all}")
    assert months_all == 360 and years_all == 30
    assert 0.80 <= months_in / months_all <= 0.97
    assert years_in >= 22
