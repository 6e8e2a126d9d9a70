"""Staffing plans from a forecast frame: agents at each quantile, risk of missing, export, display."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import plotly.graph_objects as go
import polars as pl
import pytest
from scipy import stats

import cxlab.staffing as st
from cxlab import OptionError
from cxlab.staffing._uncertainty import LEVELS, break_even_volume, cdf_from_quantiles

Z80, Z95 = stats.norm.ppf(0.9), stats.norm.ppf(0.975)


def _forecast(sd_share: float = 0.12) -> pl.DataFrame:
    """Two queues over one day of half hours with symmetric (normal) bands."""
    ts = pl.datetime_range(
        dt.datetime(2026, 10, 5, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 10, 5, 23, 30, tzinfo=dt.UTC),
        "30m",
        eager=True,
    )
    frames = []
    for sid, peak in (("phone_orders", 140.0), ("chat_orders", 60.0)):
        y = np.maximum(peak * np.exp(-(((np.arange(48) - 20) / 7.0) ** 2)), 0.0)
        y[:8] = 0.0  # closed overnight
        sd = sd_share * y
        frames.append(
            pl.DataFrame(
                {
                    "series_id": sid,
                    "ts": ts,
                    "model": "profile",
                    "y_hat": y,
                    "y_lo_80": np.maximum(y - Z80 * sd, 0),
                    "y_hi_80": y + Z80 * sd,
                    "y_lo_95": np.maximum(y - Z95 * sd, 0),
                    "y_hi_95": y + Z95 * sd,
                }
            )
        )
    return pl.concat(frames)


SETTINGS = st.QueueSettings(
    aht_seconds={"phone_orders": 360.0, "chat_orders": 600.0},
    sl_target=0.8,
    sl_seconds={"phone_orders": 20.0, "chat_orders": 60.0},
    shrinkage=0.3,
    max_occupancy=0.85,
    concurrency={"phone_orders": 1, "chat_orders": 2},
)
PATIENCE = {"phone_orders": 160.0, "chat_orders": 240.0}
KW = dict(every="30m", settings=SETTINGS, time_zone="Asia/Shanghai")


def test_plan_columns_equal_agents_required_per_quantile():
    """Each agents column is agents_required at the matching volume column, per series."""
    fc = _forecast()
    p = st.plan(fc, **KW)
    s = p.summary()
    assert s.height == fc.height
    for sid in ("phone_orders", "chat_orders"):
        d = s.filter(pl.col("series_id") == sid)
        for col, agents in (
            ("y_hat", "agents"),
            ("y_hi_80", "agents_hi_80"),
            ("y_lo_95", "agents_lo_95"),
        ):
            r = st.agents_required(
                d[col].to_numpy(), every="30m", aht_seconds=SETTINGS.aht_seconds[sid], sl_target=0.8,
                sl_seconds=SETTINGS.sl_seconds[sid], concurrency=SETTINGS.concurrency[sid],
            )  # fmt: skip
            assert d[agents].to_list() == r.agents.tolist()
    ordered = s.select(
        (pl.col("agents_lo_95") <= pl.col("agents_lo_80"))
        & (pl.col("agents_lo_80") <= pl.col("agents"))
        & (pl.col("agents") <= pl.col("agents_hi_80"))
        & (pl.col("agents_hi_80") <= pl.col("agents_hi_95"))
    ).to_series()
    assert ordered.all()
    assert s.filter(pl.col("y_hat") == 0)["agents"].sum() == 0  # closed intervals
    assert np.allclose(s["scheduled"].to_numpy(), s["agents"].to_numpy() / 0.7)


def test_symmetric_bands_give_the_normal_distribution():
    """Quantiles placed at mean +- z sd give back the normal CDF (the piecewise-normal fit is
    exact for a normal forecast)."""
    mean, sd = 100.0, 15.0
    q = (mean + stats.norm.ppf(LEVELS) * sd)[None, :].repeat(7, axis=0)
    v = np.array([60.0, 75.0, 90.0, 100.0, 112.0, 130.0, 150.0])
    assert cdf_from_quantiles(v, q) == pytest.approx(stats.norm.cdf(v, mean, sd), abs=1e-12)


def test_risk_of_missing_is_calibrated_against_a_skewed_truth():
    """Forecast distribution lognormal (sigma 0.25, a skewed count forecast); the bands are its
    exact quantiles. The probability of missing at several headcounts, from the piecewise-normal
    fit, is within 0.02 of the true P(volume > break-even volume)."""
    rng = np.random.default_rng(5)
    med = rng.uniform(20, 300, 50)
    q = med[:, None] * np.exp(0.25 * stats.norm.ppf(LEVELS))[None, :]
    aht, t, target = np.full(50, 300.0), np.full(50, 20.0), np.full(50, 0.8)
    base = st.agents_required(
        med, every="30m", aht_seconds=300, sl_target=0.8, sl_seconds=20, max_occupancy=1.0
    ).agents
    for extra in (-2, 0, 2, 4):
        servers = np.maximum(base + extra, 1)
        v_star = break_even_volume(
            servers,
            interval_seconds=1800.0,
            aht=aht,
            sl_target=target,
            sl_seconds=t,
            patience=np.full(50, np.inf),
        )
        truth = stats.lognorm.sf(v_star, 0.25, scale=med)
        fitted = 1 - cdf_from_quantiles(v_star, q)
        assert np.max(np.abs(fitted - truth)) < 0.02


def test_risk_at_the_band_edges():
    """Staffed for the top of the 95% band, the risk is at most 2.5%; one agent short of the
    bottom of the 95% band, at least 97.5% (by construction of the quantiles)."""
    fc = _forecast()
    s = st.plan(fc, **KW).summary()
    hi = st.plan(
        fc, headcount=s.select("series_id", "ts", pl.col("agents_hi_95").alias("headcount")), **KW
    )
    open_hi = hi.summary().filter(pl.col("y_hat") > 0)
    assert (open_hi["p_miss_sl"] <= 0.025 + 1e-9).all()
    low = s.select("series_id", "ts", (pl.col("agents_lo_95") - 1).clip(0).alias("headcount"))
    lo = st.plan(fc, headcount=low, **KW).summary().filter(pl.col("agents_lo_95") > 0)
    assert (lo["p_miss_sl"] >= 0.975 - 1e-9).all()
    mid = s.filter(pl.col("y_hat") > 0)["p_miss_sl"]
    assert 0.05 < mid.mean() < 0.5  # sized for the median: a real, not a certain, risk


def test_erlang_a_plan_and_options():
    """With patience the plan uses Erlang A (never more agents than Erlang C); several models
    need model=...; a dict missing a series is refused."""
    fc = _forecast()
    c = st.plan(fc, **KW).summary()["agents"].sum()
    a = (
        st.plan(fc, **dict(KW, settings=SETTINGS.replace(patience_seconds=PATIENCE)))
        .summary()["agents"]
        .sum()
    )
    assert a <= c
    two = pl.concat([fc, fc.with_columns(pl.lit("other").alias("model"))])
    with pytest.raises(OptionError, match="several models"):
        st.plan(two, **KW)
    assert st.plan(two, model="other", **KW).model == "other"
    bad = dict(KW, settings=SETTINGS.replace(aht_seconds={"phone_orders": 300.0}))
    with pytest.raises(OptionError, match="chat_orders"):
        st.plan(fc, **bad)


def test_export_round_trip(tmp_path):
    """CSV and parquet hold one row per queue and interval with the plan's values."""
    p = st.plan(_forecast(), **KW)
    csv, parquet = p.export(tmp_path / "out" / "plan")
    back = pl.read_parquet(parquet)
    assert back.drop("interval_minutes").equals(p.summary())
    assert (back["interval_minutes"] == 30.0).all()
    text = pl.read_csv(csv, try_parse_dates=True)
    assert text.height == p.summary().height
    assert text["agents"].to_list() == p.summary()["agents"].to_list()
    assert text["ts"].dt.replace_time_zone("UTC").to_list() == p.summary()["ts"].to_list()
    assert back.select("series_id", "ts").is_unique().all()


def test_plan_shows_itself():
    """Chart, findings, JSON and HTML; the headline numbers add up from the table."""
    p = st.plan(_forecast(), **KW)
    tot = p.totals()
    assert tot["agent_hours"].sum() == pytest.approx(p.agent_hours)
    assert p.agent_hours == pytest.approx(p.summary()["agents"].sum() * 0.5)
    assert tot["peak_agents"].to_list() == sorted(tot["peak_agents"].to_list(), reverse=True)
    assert 0 < p.mean_p_miss < 1
    assert isinstance(p.plot(), go.Figure)
    found = p.findings()
    assert any("needing the most agents" in f and "on duty" in f for f in found)
    assert not any("on the phones" in f for f in found + p.queue_findings())
    assert any("chance of missing" in f for f in found)
    assert any("Phone, orders" in f for f in p.queue_findings())
    assert "phone_orders" not in " ".join(found + p.queue_findings())
    (card,) = p.headline()
    assert card.value == p.peak_total()["agents"] and card.unit == "agents"
    json.dumps(p.to_dict())
    assert "<table" in p._repr_html_()


def test_a_hierarchical_forecast_in_local_time():
    """A forecast frame as the forecast room writes it: a ``level`` column (queue rows and their
    totals), one chosen model per series, local-time timestamps. The queue level is staffed by
    default; the export and a backtest read the local times as the same instants."""
    fc = _forecast().with_columns(
        pl.col("ts").dt.convert_time_zone("Asia/Shanghai"),
        pl.when(pl.col("series_id") == "chat_orders")
        .then(pl.lit("seasonal_naive"))
        .otherwise(pl.col("model"))
        .alias("model"),
        pl.lit("queue").alias("level"),
    )
    total = (
        fc.group_by("ts").agg(pl.col("y_hat", "y_lo_80", "y_hi_80", "y_lo_95", "y_hi_95").sum())
        .with_columns(pl.lit("total").alias("series_id"), pl.lit("bottom_up").alias("model"), pl.lit("total").alias("level"))
    )  # fmt: skip
    full = pl.concat([fc, total.select(fc.columns)])
    p = st.plan(full, **KW)
    assert sorted(p.summary()["series_id"].unique().to_list()) == ["chat_orders", "phone_orders"]
    assert set(p.summary()["model"].unique().to_list()) == {"profile", "seasonal_naive"}
    utc = st.plan(_forecast(), **KW).summary()
    assert p.summary()["agents"].to_list() == utc["agents"].to_list()
    counts = fc.select("series_id", "ts", pl.col("y_hat").round().alias("y"))
    b = st.backtest(p, counts, seed=2)
    assert b.summary().filter(pl.col("series_id") == "all")["offered"].item() == int(
        counts["y"].sum()
    )


def test_series_without_a_target_are_left_out():
    """With targets per series, a forecast series without one (email worked from a backlog) is
    not staffed and is named in the findings."""
    fc = _forecast()
    email = fc.filter(pl.col("series_id") == "chat_orders").with_columns(
        pl.lit("email_support").alias("series_id")
    )
    kw = dict(KW, settings=SETTINGS.replace(sl_target={"phone_orders": 0.8, "chat_orders": 0.8}))
    p = st.plan(pl.concat([fc, email]), **kw)
    assert p.skipped == ("email_support",)
    assert "email_support" not in p.summary()["series_id"].to_list()
    assert any("Email support" in f for f in p.findings())


def test_plan_chart_breaks_where_the_queue_is_closed():
    """Two days with a closed night: the agents line breaks once, the ranges are one outline a day."""
    one = _forecast()
    two = pl.concat([one, one.with_columns(pl.col("ts") + pl.duration(days=1))])
    open_ = two.filter(
        pl.col("ts").dt.convert_time_zone("Asia/Shanghai").dt.hour().is_between(8, 20)
    )
    p = st.plan(open_, **KW)
    fig = p.plot()
    agents = [t for t in fig.data if t.name == "Agents at the forecast"]
    assert agents and all(list(t.y).count(None) == 1 for t in agents)
    bands = [t for t in fig.data if t.fill == "toself"]
    assert bands and all(list(t.x).count(None) == 1 for t in bands)


def test_plan_speaks_chinese():
    from cxlab._present import use_language

    p = st.plan(_forecast(), **KW)
    with use_language("zh"):
        text = " ".join(p.findings() + p.queue_findings() + [p.headline()[0].detail])
    assert "坐席" in text and "agents" not in text and "phone_orders" not in text
