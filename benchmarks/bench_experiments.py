"""Benchmark: an A/B analysis over 10 million contacts, cxlab against plain pandas + statsmodels.

Both sides answer the same question on the same parquet files: the effect of a customer-randomised
test on FCR (as reported) and on AHT (handle seconds per handled contact), with errors clustered
by customer.

- cxlab: ``unit_metrics`` (a lazy, streaming polars group-by per customer over the parquet files)
  then ``ab_test`` (per-arm addable moments, delta method). Contacts are never all in memory.
- baseline: ``pandas.read_parquet`` of the needed columns, the window filter, the KPI flags, then a
  contact-level ``statsmodels`` OLS ``y ~ treatment`` with cluster-robust errors by customer, the
  textbook route to the same estimate and (up to n/(n-1)) the same standard error.

Each side runs in its own subprocess, so peak memory (``ru_maxrss``) is its own. Prints a table.

Measured (10 million contacts, 1 million customers, 2 shared cores, November 2026): cxlab 4.1 s and
1,240 MB peak, pandas + statsmodels 38.2 s and 2,924 MB, identical estimates and standard errors
(FCR +0.04976, SE 0.00038; AHT -31.70 s, SE 0.216). cxlab's memory follows the number of units
(one row per customer in the streaming group-by), not the number of contacts.

Usage: ``python benchmarks/bench_experiments.py [--contacts 10000000] [--dir /tmp/cx_bench_ab]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

START = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
END = START + dt.timedelta(weeks=4)


def make_data(folder: Path, n_contacts: int, *, seed: int = 1, shards: int = 10) -> None:
    """Write ``n_contacts`` contacts (8 weeks: 4 before the test, 4 during) and the assignments."""
    import numpy as np
    import polars as pl

    folder.mkdir(parents=True, exist_ok=True)
    if (folder / "done.json").exists() and json.loads(
        (folder / "done.json").read_text()
    ) == n_contacts:
        return
    rng = np.random.default_rng(seed)
    n_customers = max(n_contacts // 10, 100)
    treated = rng.random(n_customers) < 0.5
    ids = np.array([f"C{i:08d}" for i in range(n_customers)])
    pl.DataFrame(
        {
            "experiment_id": "EXP-BENCH",
            "unit_id": ids,
            "arm": np.where(treated, "treatment", "control"),
        }
    ).write_parquet(folder / "assignments.parquet")
    per = n_contacts // shards
    span = (END - START + dt.timedelta(weeks=4)).total_seconds()
    for s in range(shards):
        cust = rng.integers(0, n_customers, per)
        offset = rng.random(per) * span
        arrived = np.datetime64(START.replace(tzinfo=None) - dt.timedelta(weeks=4), "us") + (
            offset * 1e6
        ).astype("timedelta64[us]")
        in_test = (offset >= 4 * 7 * 86400) & treated[cust]
        abandoned = rng.random(per) < 0.06
        wait = rng.exponential(40, per)
        handle = np.where(
            abandoned, np.nan, rng.lognormal(np.log(400), 0.5, per) * np.where(in_test, 0.93, 1.0)
        )
        fcr = pl.Series(rng.random(per) < 0.75 + 0.05 * in_test).set(pl.Series(abandoned), None)
        answered = arrived + np.where(abandoned, 0, wait * 1e6).astype("timedelta64[us]")
        pl.DataFrame(
            {
                "contact_id": np.arange(s * per, (s + 1) * per).astype(str),
                "customer_id": ids[cust],
                "channel": rng.choice(["phone", "chat", "email"], per, p=[0.6, 0.3, 0.1]),
                "category": rng.choice(["Billing", "Technical", "Orders"], per),
                "priority": "P3",
                "complaint_type": None,
                "arrived_at": arrived,
                "answered_at": np.where(abandoned, np.datetime64("NaT"), answered),
                "resolved_at": None,
                "abandoned": abandoned,
                "wait_seconds": wait,
                "handle_seconds": pl.Series(handle, nan_to_null=True),
                "agent_id": "A1",
                "first_contact_resolution": fcr,
                "transfers": 0,
                "csat": None,
            }
        ).with_columns(
            pl.col("arrived_at", "answered_at").dt.replace_time_zone("UTC"),
            pl.col("resolved_at").cast(pl.Datetime("us", "UTC")),
            pl.col("complaint_type").cast(pl.Utf8),
            pl.col("csat").cast(pl.Int64),
        ).write_parquet(folder / f"contacts_{s:02d}.parquet")
    (folder / "done.json").write_text(json.dumps(n_contacts))


def run_cxlab(folder: Path) -> dict:
    import polars as pl

    import cxlab as cx

    t0 = time.perf_counter()
    contacts = pl.scan_parquet(folder / "contacts_*.parquet")
    arms = pl.scan_parquet(folder / "assignments.parquet")
    units = cx.experiments.unit_metrics(
        contacts,
        arms,
        metrics=["fcr_reported", "aht"],
        start=START,
        end=END,
        pre_start=START - (END - START),
    )
    res = cx.experiments.ab_test(units, primary="fcr_reported", guardrails=["aht"], cuped=False)
    est = {
        r["metric"]: (r["estimate"], r["std_error"]) for r in res.estimates.iter_rows(named=True)
    }
    return {"seconds": time.perf_counter() - t0, "estimates": est}


def run_pandas(folder: Path) -> dict:
    import pandas as pd
    import statsmodels.api as sm

    t0 = time.perf_counter()
    cols = [
        "customer_id",
        "arrived_at",
        "answered_at",
        "handle_seconds",
        "first_contact_resolution",
    ]
    df = pd.concat(
        [pd.read_parquet(p, columns=cols) for p in sorted(folder.glob("contacts_*.parquet"))],
        ignore_index=True,
    )
    arms = pd.read_parquet(folder / "assignments.parquet")
    df = df[(df["arrived_at"] >= START) & (df["arrived_at"] < END)]
    df = df.merge(arms[["unit_id", "arm"]], left_on="customer_id", right_on="unit_id", how="inner")
    df["treat"] = (df["arm"] == "treatment").astype(float)
    est = {}
    answered = df[df["answered_at"].notna()]
    for name, frame, y in (
        (
            "fcr_reported",
            answered[answered["first_contact_resolution"].notna()],
            "first_contact_resolution",
        ),
        ("aht", answered[answered["handle_seconds"].notna()], "handle_seconds"),
    ):
        fit = sm.OLS(
            frame[y].astype(float).to_numpy(), sm.add_constant(frame["treat"].to_numpy())
        ).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(frame["customer_id"])[0]})
        est[name] = (float(fit.params[1]), float(fit.bse[1]))
    return {"seconds": time.perf_counter() - t0, "estimates": est}


def _child(which: str, folder: str) -> None:
    import resource

    out = (run_cxlab if which == "cxlab" else run_pandas)(Path(folder))
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", type=int, default=10_000_000)
    ap.add_argument("--dir", default="/tmp/cx_bench_ab")
    ap.add_argument("--child", choices=["cxlab", "pandas"])
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.dir)
        return
    folder = Path(args.dir)
    t0 = time.perf_counter()
    make_data(folder, args.contacts)
    print(
        f"data: {args.contacts:,} contacts in {folder} ({time.perf_counter() - t0:.0f} s to prepare)"
    )
    rows = {}
    for which in ("cxlab", "pandas"):
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                which,
                "--dir",
                str(folder),
                "--contacts",
                str(args.contacts),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        rows[which] = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"{'implementation':<34}{'seconds':>9}{'peak MB':>10}  FCR effect (SE)          AHT effect (SE)"
    )
    for which, label in (
        ("cxlab", "cxlab (polars streaming + moments)"),
        ("pandas", "pandas + statsmodels OLS"),
    ):
        r = rows[which]
        f, a = r["estimates"]["fcr_reported"], r["estimates"]["aht"]
        print(
            f"{label:<34}{r['seconds']:>9.1f}{r['peak_mb']:>10.0f}  {f[0]:+.5f} ({f[1]:.5f})"
            f"      {a[0]:+8.3f} ({a[1]:.3f})"
        )


if __name__ == "__main__":
    main()
