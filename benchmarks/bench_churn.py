"""Speed and accuracy of the churn room on a synthetic workspace; prints two tables.

1. Wall time of each step of the churn report: customer features at one date, the
   customer-month panel, the counting-process Cox fit (cxlab's entry point, lifelines
   CoxPHFitter with entry times) against lifelines' CoxTimeVaryingFitter on the same panel (the
   usual tool for this form; the two estimates are compared), the at-risk model with its
   holdout, and the drivers in money.
2. The planted log hazard ratios (truth.json) against the counting-process estimates.
3. Each fast path of the report against the path it replaced, measured in the same run, each in
   a child process of its own (peak RSS is that process's, inputs included): the counting-process
   Cox fit with its concordance (Newton steps on the distinct rows) against lifelines'
   CoxPHFitter on every customer-month, and the attributable share (distinct rows, all draws at
   once) against the row-by-row loop with one draw at a time; with the largest relative
   difference of their numbers.

    .venv/bin/python benchmarks/bench_churn.py                       # generates seed 7 default
    .venv/bin/python benchmarks/bench_churn.py --workspace /tmp/cxd  # an existing workspace
    flock /tmp/cxlab-heavy.lock .venv/bin/python benchmarks/bench_churn.py --workspace /tmp/cxd
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import _measure  # benchmarks/_measure.py: the script's own folder is on sys.path


def _timed(rows: list, name: str, fn):
    t0 = time.perf_counter()
    out = fn()
    rows.append((name, time.perf_counter() - t0))
    return out


def _monthly(ws: str):
    """The report's monthly panel and the options of its Cox model (untimed inputs)."""
    import cxlab as cx

    contacts = cx.load("contacts", workspace=ws).collect()
    customers = cx.load("customers", workspace=ws).collect()
    panel = cx.churn.customer_months(contacts, customers)
    kw = dict(
        entry="start",
        duration="stop",
        event="churned",
        covariates=list(cx.churn.MONTHLY_COVARIATES),
        reference=cx.churn.MONTHLY_REFERENCE,
    )
    return panel, kw


def task(name: str, ws: str) -> dict:
    """One measurement in this (child) process: seconds of the step, its numbers, peak RSS."""

    import cxlab as cx

    panel, kw = _monthly(ws)
    import lifelines  # noqa: F401  (its import is the same for both paths, not timed)

    if name in ("share", "share_loop"):
        fit = cx.churn.cox(panel, **kw)
    t0 = time.perf_counter()
    if name == "cox":
        fit = cx.churn.cox(panel, **kw)
        numbers = [*fit.table["estimate"], *fit.table["std_error"], fit.concordance]
    elif name == "cox_lifelines":
        from lifelines import CoxPHFitter

        from cxlab.churn._design import design

        terms, names, _ = design(panel, kw["covariates"], reference=kw["reference"])
        data = panel.select("start", "stop", "churned").hstack(terms).to_pandas()
        f = CoxPHFitter(alpha=0.05).fit(
            data, duration_col="stop", event_col="churned", entry_col="start"
        )
        numbers = [*f.params_[names], *f.standard_errors_[names], f.concordance_index_]
    elif name == "share":
        terms = list(cx.churn.MONTHLY_COVARIATES[:4])
        s = cx.churn.attributable_share(fit, terms=terms)
        numbers = [s.share, s.ci_low, s.ci_high, s.events_without]
    else:
        numbers = _share_row_by_row(fit, list(cx.churn.MONTHLY_COVARIATES[:4]), 200, 0)
    seconds = time.perf_counter() - t0
    peak = _measure.peak_mb()
    return {"seconds": seconds, "peak_mb": peak, "numbers": [float(x) for x in numbers]}


def _share_row_by_row(result, terms, draws, seed, alpha=0.05):
    """The attributable share as computed before: every customer-month, one draw at a time."""
    import numpy as np

    model, data = result._model, result._data
    names = result.table["term"].to_list()
    stop = data[model.duration_col].to_numpy(float)
    start = data[model.entry_col].to_numpy(float)
    event = data[model.event_col].to_numpy().astype(int)
    x = data[names].to_numpy(float)
    x0 = x.copy()
    for t in terms:
        x0[:, names.index(t)] = 0.0
    beta = result.table["estimate"].to_numpy()
    rng = np.random.default_rng(seed)
    betas = np.vstack([beta, rng.multivariate_normal(beta, result.covariance, size=draws)])
    times = np.unique(stop[event == 1])
    by_stop, by_start = np.argsort(stop, kind="stable"), np.argsort(start, kind="stable")
    at_stop = np.searchsorted(stop[by_stop], times, side="left")
    at_start = np.searchsorted(start[by_start], times, side="left")
    deaths = np.bincount(np.searchsorted(times, stop[event == 1]), minlength=len(times))
    row_stop = np.searchsorted(times, stop, side="right")
    row_start = np.searchsorted(times, start, side="right")
    shares, without = [], []
    for b in betas:
        lp = x @ b
        risk = np.exp(lp - lp.max())
        cum_stop = np.concatenate([np.cumsum(risk[by_stop][::-1])[::-1], [0.0]])
        cum_start = np.concatenate([np.cumsum(risk[by_start][::-1])[::-1], [0.0]])
        h0 = np.concatenate([[0.0], np.cumsum(deaths / (cum_stop[at_stop] - cum_start[at_start]))])
        dh = h0[row_stop] - h0[row_start]
        e_all = float((dh * risk).sum())
        e_none = float((dh * np.exp(x0 @ b - lp.max())).sum())
        shares.append(1 - e_none / e_all)
        without.append(e_none * event.sum() / e_all)
    lo, hi = np.percentile(shares[1:], [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return [shares[0], lo, hi, without[0]]


def child(name: str, ws: str) -> dict:
    return _measure.child(__file__, name, "--workspace", ws)


def fast_paths(ws: str) -> None:
    """Table 3: each fast path against the path it replaced, in child processes."""
    print(f"\n{'step':58s} {'seconds':>8s} {'peak MB':>8s} {'x earlier':>9s} {'max rel diff':>12s}")
    for label, fast, slow in (
        ("cox, counting process + concordance", "cox", "cox_lifelines"),
        ("attributable share, 200 draws", "share", "share_loop"),
    ):
        a, b = child(fast, ws), child(slow, ws)
        x, y = a["numbers"], b["numbers"]
        diff = max(abs(p - q) / max(abs(q), 1e-300) for p, q in zip(x, y, strict=True))
        print(f"{label + ' (cxlab)':58s} {a['seconds']:8.2f} {a['peak_mb']:8.0f} "
              f"{a['seconds'] / b['seconds']:9.2f} {diff:12.1e}")  # fmt: skip
        print(f"{label + ' (earlier path)':58s} {b['seconds']:8.2f} {b['peak_mb']:8.0f} "
              f"{1:9.2f}")  # fmt: skip
    print("load average (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", default=None)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(task(args.child, args.workspace)))
        return

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
    fast_paths(ws)


if __name__ == "__main__":
    main()
