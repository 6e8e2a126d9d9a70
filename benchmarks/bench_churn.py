"""Speed and accuracy of the churn room on a synthetic workspace; prints two tables.

1. Wall time of each step of the churn report: customer features at one date, the
   customer-month panel, the counting-process Cox fit (cxlab's entry point, lifelines
   CoxPHFitter with entry times) against lifelines' CoxTimeVaryingFitter on the same panel (the
   usual tool for this form; the two estimates are compared), the at-risk model with its
   holdout, and the drivers in money.
2. The planted log hazard ratios (truth.json) against the counting-process estimates.

    .venv/bin/python benchmarks/bench_churn.py                       # generates seed 7 default
    .venv/bin/python benchmarks/bench_churn.py --workspace /tmp/cxd  # an existing workspace
"""

from __future__ import annotations

import argparse
import tempfile
import time


def _timed(rows: list, name: str, fn):
    t0 = time.perf_counter()
    out = fn()
    rows.append((name, time.perf_counter() - t0))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", default=None)
    args = parser.parse_args()

    import numpy as np
    import polars as pl

    import cxlab as cx

    ws = args.workspace
    if ws is None:
        ws = tempfile.mkdtemp(prefix="cxbench-churn-")
        cx.data.generate(seed=7, size="default", workspace=ws)
    contacts = cx.load("contacts", workspace=ws).collect()
    customers = cx.load("customers", workspace=ws).collect()
    surveys = cx.load("surveys", workspace=ws).collect()
    end = cx.churn.data_end(contacts)
    rows: list = []
    _timed(rows, "customer_features (one date)", lambda: cx.features.customer_features(
        contacts, customers, surveys, as_of=end))  # fmt: skip
    panel = _timed(
        rows, "customer_months (panel)", lambda: cx.churn.customer_months(contacts, customers)
    )
    fit = _timed(rows, "cox, counting process (cxlab)", lambda: cx.churn.cox(
        panel, entry="start", duration="stop", event="churned", covariates=list(cx.churn.MONTHLY_COVARIATES),
        reference=cx.churn.MONTHLY_REFERENCE))  # fmt: skip

    def _ctv():
        from lifelines import CoxTimeVaryingFitter

        terms = fit.summary()["term"].to_list()
        data = panel.select(
            "customer_id", "start", "stop", "churned",
            *[c for c in cx.churn.MONTHLY_COVARIATES if c not in ("segment", "contract")],
            (pl.col("segment") == "enterprise").cast(pl.Float64).alias("segment=enterprise"),
            (pl.col("contract") == "annual").cast(pl.Float64).alias("contract=annual"),
            (pl.col("contract") == "two_year").cast(pl.Float64).alias("contract=two_year"),
        ).to_pandas()  # fmt: skip
        m = CoxTimeVaryingFitter().fit(
            data, id_col="customer_id", start_col="start", stop_col="stop", event_col="churned"
        )
        return m.params_[terms].to_numpy()

    ctv = _timed(rows, "lifelines CoxTimeVaryingFitter (baseline)", _ctv)
    risk = _timed(rows, "at_risk (3 landmarks, 2 fits)", lambda: cx.churn.at_risk(
        contacts, customers, surveys, as_of=end, horizon=90, currency="CNY"))  # fmt: skip
    _timed(rows, "driver_impact (400 draws)", lambda: cx.churn.driver_impact(risk))

    print(f"workspace: {ws}; panel rows {panel.height:,}, churn events {fit.events:,}")
    print(f"{'step':45s} {'seconds':>8s}")
    for name, sec in rows:
        print(f"{name:45s} {sec:8.2f}")
    diff = float(np.max(np.abs(fit.summary()["estimate"].to_numpy() - ctv)))
    print(f"max |cxlab - CoxTimeVaryingFitter| over the estimates: {diff:.2e}")
    print(f"at-risk holdout AUC {risk.auc:.3f} ({risk.auc_ci_low:.3f}-{risk.auc_ci_high:.3f}), "
          f"Brier {risk.brier:.4f} (base rate {risk.brier_reference:.4f})")  # fmt: skip

    truth = cx.data.truth(ws)["churn"]["log_hr"]
    table = {r["term"]: r for r in fit.summary().iter_rows(named=True)}
    print(f"\n{'planted term':22s} {'truth':>7s} {'estimate':>9s} {'95% interval':>18s} inside")
    for name, beta in truth.items():
        r = table[cx.churn.PLANTED_TERMS[name]]
        inside = r["ci_low"] < beta < r["ci_high"]
        print(f"{name:22s} {beta:7.3f} {r['estimate']:9.3f} "
              f"{r['ci_low']:8.3f} {r['ci_high']:8.3f}  {'yes' if inside else 'no'}")  # fmt: skip
    stat, df, p = fit.wald_test({cx.churn.PLANTED_TERMS[k]: v for k, v in truth.items()})
    print(f"joint Wald test of the planted values: chi2 {stat:.2f} on {df} df, p = {p:.3f}")


if __name__ == "__main__":
    main()
