"""Erlang staffing for 96 intervals x 50 queues: cxlab against pyworkforce (time and agreement).

Run: ``python benchmarks/bench_staffing.py``. The same inputs go to both: a day of 15-minute
intervals for 50 queues with a double-peaked intraday profile (closed intervals included, which
pyworkforce refuses, so they are skipped there and counted as 0 agents), handle times from 2 to
12 minutes, targets from 70% to 90% within 20 to 60 seconds, a 85% occupancy cap and 30%
shrinkage. Timings are the best of five runs.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import polars as pl

import cxlab.staffing as st

INTERVALS, QUEUES, MINUTES = 96, 50, 15


def inputs(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    hour = np.arange(INTERVALS) * MINUTES / 60
    shape = np.exp(-(((hour - 10.5) / 1.6) ** 2)) + 0.85 * np.exp(-(((hour - 15) / 1.9) ** 2))
    shape = np.where((hour >= 8) & (hour < 21), shape + 0.1, 0.0)
    scale = rng.lognormal(np.log(60), 0.9, QUEUES)
    volume = np.round(scale[:, None] * shape[None, :] * rng.lognormal(0, 0.1, (QUEUES, INTERVALS)))
    return {
        "volume": volume,
        "aht": rng.uniform(120, 720, QUEUES)[:, None].repeat(INTERVALS, 1),
        "target": rng.choice([0.7, 0.8, 0.9], QUEUES)[:, None].repeat(INTERVALS, 1),
        "seconds": rng.choice([20.0, 30.0, 60.0], QUEUES)[:, None].repeat(INTERVALS, 1),
    }


def best_of(fn, repeat: int = 5) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def run_cxlab(x, patience=None):
    return st.agents_required(
        x["volume"],
        every=f"{MINUTES}m",
        aht_seconds=x["aht"],
        sl_target=x["target"],
        sl_seconds=x["seconds"],
        max_occupancy=0.85,
        shrinkage=0.3,
        patience_seconds=patience,
    )


def run_pyworkforce(x):
    from pyworkforce.queuing import ErlangC

    raw = np.zeros(x["volume"].shape, np.int64)
    for idx in np.ndindex(raw.shape):
        v = x["volume"][idx]
        if v <= 0:
            continue  # pyworkforce raises on closed intervals
        e = ErlangC(
            transactions=v,
            aht=x["aht"][idx] / 60,
            asa=x["seconds"][idx] / 60,
            interval=MINUTES,
            shrinkage=0.3,
        )
        raw[idx] = e.required_positions(service_level=x["target"][idx], max_occupancy=0.85)[
            "raw_positions"
        ]
    return raw


def forecast_frame(x) -> pl.DataFrame:
    """The same volumes as a long forecast frame with +-15% / +-25% bands."""
    start = dt.datetime(2026, 10, 5, tzinfo=dt.UTC)
    ts = [start + dt.timedelta(minutes=MINUTES * i) for i in range(INTERVALS)]
    y = x["volume"].ravel()
    return pl.DataFrame(
        {
            "series_id": np.repeat([f"q{i:02d}" for i in range(QUEUES)], INTERVALS),
            "ts": ts * QUEUES,
            "y_hat": y,
            "y_lo_80": y * 0.85,
            "y_hi_80": y * 1.15,
            "y_lo_95": y * 0.75,
            "y_hi_95": y * 1.25,
        }
    )


def run_plan(x, fc):
    ids = [f"q{i:02d}" for i in range(QUEUES)]
    settings = st.QueueSettings(
        aht_seconds=dict(zip(ids, x["aht"][:, 0], strict=True)),
        sl_target=dict(zip(ids, x["target"][:, 0], strict=True)),
        sl_seconds=dict(zip(ids, x["seconds"][:, 0], strict=True)),
        shrinkage=0.3,
        max_occupancy=0.85,
    )
    return st.plan(fc, every=f"{MINUTES}m", settings=settings, time_zone="UTC")


def main() -> None:
    x = inputs()
    cells = x["volume"].size
    t_c, ours = best_of(lambda: run_cxlab(x))
    t_a, ours_a = best_of(lambda: run_cxlab(x, patience=180.0))
    try:
        t_p, theirs = best_of(lambda: run_pyworkforce(x))
    except ImportError:
        t_p, theirs = float("nan"), None
    fc = forecast_frame(x)
    t_plan, p = best_of(lambda: run_plan(x, fc), repeat=3)
    rows = [
        ("cxlab agents_required, Erlang C", t_c, ours.agents),
        ("cxlab plan: 5 quantiles + risk of missing", t_plan, p.summary()["agents"].to_numpy()),
        ("cxlab agents_required, Erlang A (patience 180 s)", t_a, ours_a.agents),
        ("pyworkforce ErlangC.required_positions (loop)", t_p, theirs),
    ]
    print(
        f"Erlang staffing, {INTERVALS} intervals x {QUEUES} queues = {cells:,} cells "
        f"({int((x['volume'] == 0).sum()):,} closed), {int(x['volume'].sum()):,} contacts"
    )
    print(f"{'method':<50} {'seconds':>9} {'ms/1k cells':>12} {'agent-intervals':>16}")
    for name, t, agents in rows:
        total = "n/a" if agents is None else f"{int(np.sum(agents)):,}"
        print(f"{name:<50} {t:>9.4f} {1000 * t / cells * 1000:>12.2f} {total:>16}")
    if theirs is not None:
        same = int((ours.agents == theirs).sum())
        print(
            f"\nagreement cxlab Erlang C vs pyworkforce: {same:,} of {cells:,} cells identical "
            f"(max difference {int(np.abs(ours.agents - theirs).max())} agents)"
        )
        print(f"speed ratio pyworkforce / cxlab (Erlang C): {t_p / t_c:,.1f}x")
        print(f"speed ratio pyworkforce / cxlab Erlang A: {t_p / t_a:,.1f}x")
    saved = int(ours.agents.sum() - ours_a.agents.sum())
    print(
        f"Erlang A with 180 s patience needs {saved:,} fewer agent-intervals than Erlang C "
        f"({saved / max(int(ours.agents.sum()), 1):.1%})."
    )
    big = {k: np.full(1, v) for k, v in (("volume", 10_000 * MINUTES * 60 / 180.0), ("aht", 180.0),
                                         ("target", 0.8), ("seconds", 20.0))}  # fmt: skip
    t_big, r_big = best_of(lambda: run_cxlab(big))
    line = f"10,000 Erlangs in one interval: cxlab {int(r_big.agents[0]):,} agents in {t_big:.3f} s"
    try:
        t_pbig, p_big = best_of(lambda: run_pyworkforce(big), repeat=1)
        line += f"; pyworkforce {int(p_big[0]):,} agents in {t_pbig:.3f} s"
    except ImportError:
        pass
    print(line)


if __name__ == "__main__":
    main()
