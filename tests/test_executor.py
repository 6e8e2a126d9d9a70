"""The fan-out gives the same frames on a Dask cluster as in this process.

One local Dask cluster of two single-threaded worker processes is started for the module. A
forecast refresh, a backtest, a staffing plan and the KPIs summed month by month are computed
on it and in this process (``executor="serial"``), and the frames must be equal exactly (no
tolerance: the tasks' results are gathered in task order and reduced here in the order of the
local run). The same through ``CXLAB_DASK_ADDRESS`` with ``executor=None``; a scheduler that does
not answer, and executors that are not one, are refused with a message naming them.
"""

from __future__ import annotations

import datetime as dt
import operator
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import cxlab as cx
from cxlab import _executor
from cxlab._errors import WorkspaceError
from cxlab._executor import Shared, fan_out


def small_series(n: int = 3, days: int = 21, seed: int = 3) -> pl.DataFrame:
    """``n`` queues of 30-minute counts, 10 hours a day, Monday to Saturday."""
    rng = np.random.default_rng(seed)
    start = dt.datetime(2026, 9, 7, tzinfo=dt.UTC)  # a Monday
    ts = [start + dt.timedelta(minutes=30 * k) for k in range(days * 48)]
    ts = [t for t in ts if 1 <= t.hour < 11 and t.weekday() < 6]
    hour = np.array([t.hour + t.minute / 60 for t in ts])
    frames = []
    for q in range(n):
        lam = (12 + 3 * q) * (1.2 + np.sin((hour - 1) / 10 * np.pi))
        y = rng.poisson(lam).astype(float)
        frames.append(pl.DataFrame({"series_id": f"q{q}", "ts": ts, "y": y}))
    return pl.concat(frames)


SERIES = small_series()
HIERARCHY = pl.DataFrame({"queue": ["q0", "q1", "q2"], "channel": ["phone", "phone", "chat"]})


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=50,  # the workers' logs of a task that fails on purpose
    )
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


def _same_forecast(a: cx.forecast.ForecastResult, b: cx.forecast.ForecastResult) -> None:
    assert a.choice == b.choice
    for name in ("frame", "history", "profiles", "effects"):
        assert_frame_equal(getattr(a, name), getattr(b, name))
    for name in ("frame", "accuracy", "unscored"):
        assert_frame_equal(getattr(a.backtest, name), getattr(b.backtest, name))


def test_the_workers_import_this_cxlab(client) -> None:
    """Spawned workers inherit the interpreter and import the same version of cxlab."""
    seen = client.run(_executor.worker_version)
    assert len(seen) == 2
    assert set(seen.values()) == {cx.__version__}


def test_refresh_on_the_cluster_equals_the_serial_run(client) -> None:
    serial = cx.forecast.refresh(
        SERIES, hierarchy=HIERARCHY, horizon=1, origins=2, executor="serial"
    )
    on_cluster = cx.forecast.refresh(
        SERIES, hierarchy=HIERARCHY, horizon=1, origins=2, executor=client
    )
    _same_forecast(serial, on_cluster)
    assert sorted(serial.frame["series_id"].unique()) == [
        "chat",
        "phone",
        "q0",
        "q1",
        "q2",
        "total",
    ]


def test_refresh_in_local_processes_equals_the_serial_run() -> None:
    serial = cx.forecast.refresh(SERIES, hierarchy=HIERARCHY, horizon=1, origins=2)
    pooled = cx.forecast.refresh(
        SERIES, hierarchy=HIERARCHY, horizon=1, origins=2, executor="processes"
    )
    _same_forecast(serial, pooled)


def test_the_total_adds_the_queues_in_series_order() -> None:
    """The channel and total forecasts are sums in a fixed order (a polars group-by adds floats
    in an order that changes from run to run): the same as adding the queues one by one."""
    fc = cx.forecast.refresh(SERIES, hierarchy=HIERARCHY, horizon=1, origins=2)
    queues = fc.frame.filter(level="queue").sort("series_id", "ts")
    by_queue = [queues.filter(series_id=q)["y_hat"].to_numpy() for q in ("q0", "q1", "q2")]
    total = fc.frame.filter(series_id="total").sort("ts")["y_hat"].to_numpy()
    assert np.array_equal(total, (by_queue[0] + by_queue[1]) + by_queue[2])
    phone = fc.frame.filter(series_id="phone").sort("ts")["y_hat"].to_numpy()
    assert np.array_equal(phone, by_queue[0] + by_queue[1])


def test_a_missing_count_adds_nothing_to_the_channel_and_the_total() -> None:
    """A null ``y`` counts as zero in the channel's and the total's history and backtest, as in
    polars' sum (one queue has every 50th count missing; the totals stay numbers)."""
    nth = pl.int_range(pl.len()).over("series_id") % 50 == 7
    gaps = SERIES.with_columns(
        pl.when((pl.col("series_id") == "q1") & nth).then(None).otherwise("y").alias("y")
    )
    assert gaps["y"].null_count() == 8
    fc = cx.forecast.refresh(gaps, hierarchy=HIERARCHY, horizon=1, origins=2, executor="serial")
    queues = fc.history.filter(pl.col("series_id").str.starts_with("q")).with_columns(
        pl.col("y").fill_null(0.0)
    )
    for name, members in (("total", ["q0", "q1", "q2"]), ("phone", ["q0", "q1"])):
        summed = fc.history.filter(series_id=name).sort("ts")
        expected = (
            queues.filter(pl.col("series_id").is_in(members))
            .group_by("ts")
            .agg(pl.col("y").sum())
            .sort("ts")
        )
        assert summed["y"].null_count() == 0 and not summed["y"].is_nan().any()
        assert summed["y"].to_list() == expected["y"].to_list()
        assert summed["y"].sum() > 1000
    bands = fc.frame.filter(series_id="total").select(pl.selectors.float()).to_numpy()
    assert bands.shape[1] >= 3 and np.isfinite(bands).all()  # the bands from the backtest's sums


def test_sums_in_order_treat_nulls_as_polars_sum_does() -> None:
    """Nulls add zero, a group of nulls sums to zero, and the types are polars' sum's (an Int8
    column sums to an Int64); the groups come sorted by their keys, a null key last."""
    frame = pl.DataFrame(
        {
            "k": ["b", "a", "a", None, "b", "c"],
            "v": [0.5, 0.1, None, 2.0, None, None],
            "n": pl.Series([1, None, 3, 4, 120, None], dtype=pl.Int8),
        }
    )
    summed = _executor.sums_in_order(frame, ["k"])
    expected = frame.group_by("k").agg(pl.all().sum()).sort("k", nulls_last=True)
    assert_frame_equal(summed, expected)
    assert summed.rows() == [("a", 0.1, 3), ("b", 0.5, 121), ("c", 0.0, 0), (None, 2.0, 4)]
    whole = _executor.sums_in_order(frame, [], ["v", "n"])
    assert_frame_equal(whole, frame.select(pl.col("v", "n").sum()))
    assert_frame_equal(_executor.sums_in_order(frame.clear(), ["k"]), expected.clear())


def test_backtest_on_the_cluster_equals_the_serial_run(client) -> None:
    models = [cx.forecast.DailyProfile()]
    serial = cx.forecast.backtest(SERIES, models, horizon="day", origins=3, executor="serial")
    on_cluster = cx.forecast.backtest(SERIES, models, horizon="day", origins=3, executor=client)
    for name in ("frame", "accuracy", "unscored"):
        assert_frame_equal(getattr(serial, name), getattr(on_cluster, name))
    assert serial.frame.height == 3 * 3 * 2 * 20  # queues x origins x models x slots


def test_plan_on_the_cluster_equals_the_serial_run(client) -> None:
    """Queues with and without patience (Erlang A and C), with and without a headcount given."""
    forecast = cx.forecast.refresh(SERIES, horizon=1, origins=2, executor="serial")
    settings = cx.staffing.QueueSettings(
        aht_seconds={"q0": 240, "q1": 300, "q2": 420},
        sl_target=0.8,
        sl_seconds=20,
        patience_seconds={"q1": 90},
        concurrency={"q0": 1, "q1": 1, "q2": 2},
    )
    for headcount in (None, 6):
        serial = cx.staffing.plan(
            forecast, settings=settings, headcount=headcount, time_zone="UTC", executor="serial"
        )
        on_cluster = cx.staffing.plan(
            forecast, settings=settings, headcount=headcount, time_zone="UTC", executor=client
        )
        assert_frame_equal(serial.table, on_cluster.table)
        assert serial.table["agents"].max() > 0


@pytest.fixture(scope="module")
def contacts(tiny_workspace: Path) -> pl.LazyFrame:
    return cx.load("contacts", workspace=tiny_workspace)


def test_kpi_months_on_the_cluster_equal_the_serial_run(client, contacts) -> None:
    """FCR and the repeat rate are summed month by month on the workers, from the files (a lazy
    scan) or from a collected table sent to each worker once."""
    names = ["fcr", "repeat_rate", "csat", "aht"]
    for table in (contacts, contacts.collect()):
        serial = cx.features.kpi(table, names, by=["channel"], every="1mo", executor="serial")
        on_cluster = cx.features.kpi(table, names, by=["channel"], every="1mo", executor=client)
        assert_frame_equal(serial, on_cluster)
    assert serial["period"].n_unique() >= 3
    assert serial.filter(kpi="fcr")["denominator"].sum() > 1000


def test_the_address_variable_sends_the_default_to_the_cluster(client, monkeypatch) -> None:
    monkeypatch.setenv(_executor.ADDRESS_VARIABLE, client.scheduler.address)
    monkeypatch.setattr(_executor, "_CLIENTS", {})  # the test's own connection, closed below
    try:
        workers = set(client.run(os.getpid).values())
        ran = fan_out(os.getpid, [()] * 4)  # executor=None
        assert set(ran) <= workers and os.getpid() not in ran
        serial = cx.forecast.refresh(SERIES, horizon=1, origins=2, executor="serial")
        _same_forecast(serial, cx.forecast.refresh(SERIES, horizon=1, origins=2))
        assert len(_executor._CLIENTS) == 1  # connected once, reused
    finally:
        for connected in _executor._CLIENTS.values():
            connected.close()


@pytest.fixture
def silent_port():
    """A port that takes connections and says nothing (no Dask scheduler)."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


@pytest.mark.parametrize(
    ("address", "cause"),
    [
        (
            "tcp://127.0.0.1:9",
            r"nothing listens on port 9 of 127\.0\.0\.1 \(the connection was refused\)",
        ),
        ("no-such-host.invalid", r"the host 'no-such-host\.invalid' is unknown"),
        (
            "tcp://127.0.0.1:PORT",
            r"no Dask scheduler answered on port \d+ of 127\.0\.0\.1 within 0\.5 s",
        ),
        (
            "tls://127.0.0.1:9",
            r"a tls:// scheduler needs certificates.*security=distributed\.security",
        ),
        ("inproc://x", r"a Dask client could not connect there \(ValueError"),
    ],
)
def test_a_scheduler_that_cannot_be_reached_is_refused_with_the_cause(
    address, cause, silent_port, monkeypatch
) -> None:
    monkeypatch.setattr(_executor, "CONNECT_TIMEOUT", 0.5)
    monkeypatch.setattr(_executor, "_CLIENTS", {})
    address = address.replace("PORT", str(silent_port))
    monkeypatch.setenv(_executor.ADDRESS_VARIABLE, address)
    started = time.perf_counter()
    with pytest.raises(WorkspaceError, match=rf"^CXLAB_DASK_ADDRESS='{address}': {cause}"):
        fan_out(pow, [(2, 3)])
    assert time.perf_counter() - started < 8  # the 0.5 s limit, or at once (a name lookup)
    assert _executor._CLIENTS == {}


def test_a_failed_connection_leaves_no_client_to_hold_the_exit() -> None:
    """A client that failed half-way is closed at once: the interpreter exits in seconds, not
    after distributed's 20 s wait to close it, and prints nothing at exit."""
    code = (
        "import os, time\n"
        "from cxlab import _executor\n"
        "for address in ('inproc://x', 'tls://127.0.0.1:9'):\n"
        "    os.environ[_executor.ADDRESS_VARIABLE] = address\n"
        "    try:\n"
        "        _executor.fan_out(pow, [(2, 3)])\n"
        "    except _executor.WorkspaceError as exc:\n"
        "        print(str(exc)[:64])\n"
        "print('done', time.perf_counter(), flush=True)\n"
    )
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    took = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "CXLAB_DASK_ADDRESS='inproc://x': a Dask client could not connect"
    assert lines[1] == "CXLAB_DASK_ADDRESS='tls://127.0.0.1:9': a tls:// scheduler needs"
    assert lines[2].startswith("done")
    assert "Exception ignored" not in done.stderr and "TimeoutError" not in done.stderr
    assert took < 12  # about 2 s: the imports; a lingering client holds the exit 20 s


@pytest.mark.parametrize("value", ["threads", 4, "Serial"])
def test_an_executor_that_is_not_one_is_refused(value) -> None:
    forecast = pl.DataFrame(
        {"series_id": ["q"], "ts": [dt.datetime(2026, 10, 5, 2, tzinfo=dt.UTC)], "y_hat": [10.0]}
    )
    calls = [
        lambda: cx.forecast.refresh(SERIES, executor=value),
        lambda: cx.forecast.backtest(SERIES, executor=value),
        lambda: cx.staffing.plan(
            forecast,
            every="30m",
            settings=cx.staffing.QueueSettings(aht_seconds=180, sl_target=0.8, sl_seconds=20),
            executor=value,
        ),
        lambda: cx.features.kpi(pl.LazyFrame(), "fcr", executor=value),
    ]
    for call in calls:
        with pytest.raises(cx.OptionError, match=r"executor=.*'serial', 'processes', 'dask'"):
            call()


def test_a_failing_task_is_named_in_the_caller(client) -> None:
    with pytest.raises(ZeroDivisionError, match=r"^second: division by zero$"):
        fan_out(operator.truediv, [(1, 1), (1, 0)], executor=client, names=["first", "second"])
    short = pl.concat([SERIES, small_series(1, days=9).with_columns(series_id=pl.lit("new"))])
    for executor in ("serial", client):
        with pytest.raises(cx.NotEnoughDataError, match=r"^series 'new': backtest: 8 open days"):
            cx.forecast.refresh(short, horizon=1, origins=2, executor=executor)


def test_local_processes_and_submit_pools_give_the_results_in_order() -> None:
    from concurrent.futures import ThreadPoolExecutor

    table = Shared(list(range(100)), broadcast=True)
    tasks = [(table, i) for i in (5, 3, 99, 0)]
    assert fan_out(operator.getitem, tasks, executor="processes") == [5, 3, 99, 0]
    with ThreadPoolExecutor(2) as pool:
        assert fan_out(operator.getitem, tasks, executor=pool) == [5, 3, 99, 0]


class Pickled:
    """A value that counts how often this process pickles it."""

    times = 0

    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    def __reduce__(self):
        Pickled.times += 1
        return (Pickled, (self.payload,))


def _length(value: Pickled, i: int) -> int:
    return len(value.payload) + i


def test_a_shared_input_is_sent_once_a_worker_by_processes_and_once_a_task_to_a_pool() -> None:
    """As the docs say: ``"processes"`` hands a shared input to each worker process once; a
    ``ProcessPoolExecutor`` given as executor gets it pickled with every task."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    table = Shared(Pickled(b"x" * 1000), broadcast=True)
    tasks = [(table, i) for i in range(8)]
    Pickled.times = 0
    assert fan_out(_length, tasks, executor="processes") == [1000 + i for i in range(8)]
    assert Pickled.times == min(8, os.cpu_count() or 1)
    Pickled.times = 0
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert fan_out(_length, tasks, executor=pool) == [1000 + i for i in range(8)]
    assert Pickled.times == 8


def test_importing_cxlab_imports_no_dask() -> None:
    code = (
        "import sys, cxlab, cxlab.forecast, cxlab.staffing, cxlab.features, cxlab._executor\n"
        "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr
