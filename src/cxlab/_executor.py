"""Where many independent tasks run: in this process, local processes, or a Dask cluster.

Forecast refreshes and backtests (per queue, per origin), staffing plans (per queue) and the
KPIs summed month by month fan out through :func:`fan_out`. One argument, ``executor``, says
where, with the same meaning everywhere:

- ``None`` (the default): on the Dask cluster whose scheduler ``CXLAB_DASK_ADDRESS`` names
  (``tcp://10.0.0.5:8786``), when it is set; else on this machine as each call does best
  (a forecast refresh, and a backtest, in local processes from 16 series on a machine with more
  than two cores, everything else in this process);
- ``"serial"``: in this process, one task after another;
- ``"processes"``: a pool of local processes, one per core, for this call;
- ``"dask"``: a Dask ``LocalCluster`` with one single-threaded worker process per core, started
  on first use and reused by every later call of this process;
- a ``distributed.Client`` (a cluster you started), or any executor with ``submit(fn, *args)``
  returning futures with ``result()`` (a ``concurrent.futures`` pool).

Results come back in task order and are reduced by the caller in the same order as in this
process, so every executor gives exactly the same numbers. A task that fails raises its error
in the caller with the task named. Large inputs that many tasks read (:class:`Shared`) are
shipped to each worker once by ``"processes"`` (handed to each local process when it starts),
``"dask"`` and a ``distributed.Client`` (scattered to the cluster); an executor with ``submit``
gets them with every task, as cxlab cannot reach its workers: a ``ProcessPoolExecutor`` pickles
them once a task (the whole contacts table once a month for :func:`cxlab.features.kpi`), so
prefer ``"processes"`` to a pool of your own. Dask and distributed are imported only when a
cluster is used.

References
----------
Rocklin, M. (2015). Dask: parallel computation with blocked algorithms and task scheduling.
*Proceedings of the 14th Python in Science Conference*, 126-132.
"""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from cxlab._errors import CxlabError, OptionError, WorkspaceError
from cxlab._options import check_option

Executor = Literal["serial", "processes", "dask"]
"""The named executors; ``None``, a ``distributed.Client`` or an object with ``submit`` also work."""

ADDRESS_VARIABLE = "CXLAB_DASK_ADDRESS"
CONNECT_TIMEOUT = 10.0
"""Seconds to wait for the scheduler of ``CXLAB_DASK_ADDRESS`` (and for its first worker)."""

_CLIENTS: dict[tuple[int, str], Any] = {}
"""Clients of this process: one per scheduler address, and ``"local"`` for ``executor="dask"``."""
_CHECKED: set[int] = set()
"""The clients whose workers were seen to import this version of cxlab."""
_SHARED: dict[int, Any] = {}
"""In a local worker process: the shared inputs handed to it when it started."""


@dataclass(frozen=True, eq=False)
class Shared:
    """A task argument many tasks read: shipped to each worker once, not with every task, by
    ``"processes"``, ``"dask"`` and a ``distributed.Client`` (an executor with ``submit`` gets it
    with every task).

    ``broadcast=True`` copies it to every worker up front (an input every task reads); else a
    Dask cluster keeps it where it was scattered and moves it to the tasks that need it.
    """

    value: Any = field(repr=False)
    broadcast: bool = False


@dataclass(frozen=True)
class _Ref:
    """A :class:`Shared` value handed to a local process when it started."""

    token: int


def check_executor(executor: Any) -> Any:
    """``executor`` if it is one cxlab can run tasks on, else an :class:`OptionError`.

    Examples
    --------
    >>> check_executor("serial")
    'serial'
    >>> check_executor("threads")
    Traceback (most recent call last):
    ...
    cxlab._errors.OptionError: executor='threads' is not allowed; choose one of 'serial', 'processes', 'dask'. Or give None (the default: the cluster of CXLAB_DASK_ADDRESS if set, else this machine), a distributed.Client, or an executor with submit() (a concurrent.futures pool).
    """
    if executor is None or (not isinstance(executor, str) and hasattr(executor, "submit")):
        return executor
    more = (
        f"Or give None (the default: the cluster of {ADDRESS_VARIABLE} if set, else this "
        "machine), a distributed.Client, or an executor with submit() (a concurrent.futures pool)."
    )
    if isinstance(executor, str):
        try:
            return check_option("executor", executor, Executor)
        except OptionError as exc:
            raise OptionError(f"{exc} {more}") from None
    raise OptionError(
        f"executor={executor!r} is not allowed; choose one of 'serial', 'processes', 'dask'. {more}"
    )


def is_local(executor: Any, tasks: int, *, processes_from: int | None = None) -> bool:
    """Whether ``executor`` runs ``tasks`` tasks in this process (then a caller may keep its
    one-pass path). ``processes_from`` is the call's own threshold for ``executor=None``."""
    return _kind(check_executor(executor), tasks, processes_from) == "serial"


def fan_out(
    fn: Callable[..., Any],
    tasks: Sequence[tuple],
    *,
    executor: Any = None,
    names: Sequence[str] | None = None,
    processes_from: int | None = None,
    progress: str | None = None,
) -> list[Any]:
    """``[fn(*task) for task in tasks]``, run where ``executor`` says, results in task order.

    Parameters
    ----------
    fn
        A module-level function (workers import it by name).
    tasks
        The argument tuples, one per task; an argument wrapped in :class:`Shared` is given to
        ``fn`` unwrapped, shipped to each worker once (with an executor with ``submit``: with
        every task, a ``ProcessPoolExecutor`` pickling it each time).
    executor
        Where the tasks run (see the module's docstring): ``None``, ``"serial"``,
        ``"processes"``, ``"dask"``, a ``distributed.Client`` or an executor with ``submit``.
    names
        What each task is, for an error raised by it (``"series 'q1'"``); default: its number.
    processes_from
        With ``executor=None`` and no cluster address: the number of tasks from which local
        processes are used on a machine with more than two cores (``None``: never).
    progress
        A description to show a progress bar with (``None``: none).

    Returns
    -------
    list
        One result per task, in the order of ``tasks``.

    Raises
    ------
    OptionError
        An ``executor`` that is none of these.
    WorkspaceError
        ``CXLAB_DASK_ADDRESS`` names a scheduler that does not answer, has no worker, or whose
        workers cannot import this version of cxlab.

    References
    ----------
    Rocklin (2015), Dask: parallel computation with blocked algorithms and task scheduling.

    Examples
    --------
    >>> fan_out(pow, [(2, 3), (3, 2)], executor="serial")
    [8, 9]
    """
    tasks = list(tasks)
    labels = list(names) if names is not None else [f"task {i + 1}" for i in range(len(tasks))]
    executor = check_executor(executor)
    kind = _kind(executor, len(tasks), processes_from)
    if not tasks:
        return []
    if kind == "serial":
        return list(_track(_serial(fn, tasks, labels), len(tasks), progress))
    if kind == "processes":
        return _processes(fn, tasks, labels, progress)
    if kind == "dask":
        client = _client_of(executor)
        return _dask(client, fn, tasks, labels, progress)
    return _submit(executor, fn, tasks, labels, progress)


def add_in_order(values: Any, run: Any) -> Any:
    """Per run of equal ids in ``run`` (0, 1, 2 ... in order, as ``rle_id`` numbers them), the
    sum of ``values`` added one after the other: ``((v0 + v1) + v2) + ...``.

    What the caller reduces after a fan-out is added in this fixed order, so the same results
    give the same sums to the last digit (a polars group-by, and ``numpy.add.reduceat``, add
    floats in other orders, the group-by's changing from run to run).

    Examples
    --------
    >>> import numpy as np
    >>> add_in_order(np.array([0.1, 0.2, 0.3, 5.0]), np.array([0, 0, 0, 1])).tolist()
    [0.6000000000000001, 5.0]
    """
    import numpy as np

    run = np.asarray(run)
    starts = np.flatnonzero(np.diff(run, prepend=-1))
    position = np.arange(len(run)) - starts[run]
    table = np.zeros((len(starts), int(position.max()) + 1 if len(run) else 0), values.dtype)
    table[run, position] = values
    if table.shape[1] == 0:
        return np.zeros(0, values.dtype)
    out = table[:, 0].copy()
    for j in range(1, table.shape[1]):
        out += table[:, j]  # a zero where a group has fewer values changes nothing
    return out


def sums_in_order(
    frame: Any,
    keys: Sequence[str],
    columns: Sequence[str] | None = None,
    *,
    then: Sequence[str] = (),
) -> Any:
    """The sums of ``columns`` per group of ``keys`` of a polars ``frame``, the groups sorted by
    their keys (nulls last), each group's rows added in the order of the columns ``then`` (else
    in the order of ``frame``) with :func:`add_in_order`.

    The same rows give the same sums to the last digit wherever they were computed (a polars
    group-by adds floats in an order that changes from run to run). Nulls count as zero and a
    group of nulls sums to zero, as in polars' ``sum``; each sum has the type polars' ``sum``
    gives. ``columns``: default all but ``keys`` and ``then``; no ``keys``: one row, the sums
    of the whole frame.

    Examples
    --------
    >>> import polars as pl
    >>> f = pl.DataFrame({"k": [2, 1, 1, 2], "v": [None, 0.1, 0.2, None]})
    >>> sums_in_order(f, ["k"]).rows()
    [(1, 0.30000000000000004), (2, 0.0)]
    """
    import numpy as np
    import polars as pl

    keys, then = list(keys), list(then)
    if columns is None:
        columns = [c for c in frame.columns if c not in keys and c not in then]
    columns = list(columns)
    if not keys:
        return frame.select(pl.col(columns).sum())
    if frame.height == 0:
        return frame.group_by(keys).agg(pl.col(columns).sum())
    summed = frame.select(pl.col(columns).sum()).schema  # the types polars' sum gives
    rows = frame.select(*keys, *then, *columns).sort(
        [*keys, *then], maintain_order=True, nulls_last=True
    )
    run = rows.select(pl.struct(keys).rle_id()).to_series().to_numpy()
    starts = np.flatnonzero(np.diff(run, prepend=-1))
    return rows.select(keys)[starts].with_columns(
        pl.Series(c, add_in_order(rows[c].fill_null(0).to_numpy(), run)).cast(summed[c])
        for c in columns
    )


# -- choosing ---------------------------------------------------------------------------------


def _kind(executor: Any, tasks: int, processes_from: int | None) -> str:
    if executor is None:
        if os.environ.get(ADDRESS_VARIABLE, "").strip():
            return "dask"
        cores = os.cpu_count() or 1
        if processes_from is not None and tasks >= processes_from and cores > 2:
            return "processes"
        return "serial"
    if isinstance(executor, str):
        return executor
    if _is_dask_client(executor):
        return "dask"
    return "submit"


def _is_dask_client(executor: Any) -> bool:
    distributed = sys.modules.get("distributed")
    return distributed is not None and isinstance(executor, distributed.Client)


def _client_of(executor: Any) -> Any:
    if executor is None:
        client = _address_client(os.environ[ADDRESS_VARIABLE].strip())
    elif executor == "dask":
        client = _local_client()
    else:
        client = executor
    _check_workers(client)
    return client


def _address_client(address: str) -> Any:
    """The client of this process for the scheduler at ``address`` (connected once)."""
    key = (os.getpid(), address)
    client = _CLIENTS.get(key)
    if client is not None and client.status == "running":
        return client
    from distributed import Client

    how = (
        f"start one with `dask scheduler` and workers with `dask worker {address}`, or unset "
        f"{ADDRESS_VARIABLE} to run on this machine"
    )
    where = f"{ADDRESS_VARIABLE}={address!r}"
    _probe(address, where, how)  # a wrong host or port fails here, before a client is built
    client = Client.__new__(Client)  # kept, to close it when connecting fails half-way
    try:
        client.__init__(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except Exception as exc:
        _close(client)  # else it lingers and holds the interpreter's exit for seconds
        if isinstance(exc, OSError | TimeoutError):
            raise WorkspaceError(
                f"{where}: no Dask scheduler answered there within {CONNECT_TIMEOUT:g} s "
                f"({type(exc).__name__}); {how}."
            ) from None
        if "ssl_context" in str(exc):  # reached only when the settings have no certificates
            raise WorkspaceError(_tls_message(where)) from None
        raise WorkspaceError(
            f"{where}: a Dask client could not connect there ({type(exc).__name__}: {exc}); {how}."
        ) from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise WorkspaceError(
            f"{where}: the scheduler answered but no worker joined it within "
            f"{CONNECT_TIMEOUT:g} s ({type(exc).__name__}); {how}."
        ) from None
    _CLIENTS[key] = client
    atexit.register(_close, client)
    return client


def _tls_message(where: str) -> str:
    return (
        f"{where}: a tls:// scheduler needs certificates, and dask's settings name none: set "
        "distributed.comm.tls.ca-file, distributed.comm.tls.client.cert and "
        "distributed.comm.tls.client.key (dask's configuration, or DASK_DISTRIBUTED__COMM__TLS__"
        "CA_FILE and the like), or connect yourself with "
        "distributed.Client(address, security=distributed.security.Security(...)) and pass that "
        "client as executor."
    )


def _probe(address: str, where: str, how: str) -> None:
    """Refuse a ``tcp://`` or ``tls://`` address whose host is unknown or whose port does not
    take a connection, or a ``tls://`` one without certificates, naming the cause (other
    protocols are left to the client)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in ("tcp", "tls") or not parts.hostname:
        return
    if parts.scheme == "tls":
        import dask
        from distributed.security import Security

        loader = dask.config.get("distributed.client.security-loader", None)
        if not loader and Security().get_connection_args("client").get("ssl_context") is None:
            raise WorkspaceError(_tls_message(where))
    host, port = parts.hostname, parts.port or 8786
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT) as connection:
            # a scheduler speaks first (its handshake); one that says nothing would hold the
            # client for ever, as distributed waits for the handshake without a time limit
            said = connection.recv(1) if parts.scheme == "tcp" else b"-"
    except socket.gaierror as exc:
        raise WorkspaceError(
            f"{where}: the host {host!r} is unknown (its name gives no address: "
            f"{exc.strerror}); check the name, or {how}."
        ) from None
    except ConnectionRefusedError:
        raise WorkspaceError(
            f"{where}: nothing listens on port {port} of {host} (the connection was refused); "
            f"{how}."
        ) from None
    except TimeoutError:
        raise WorkspaceError(
            f"{where}: no Dask scheduler answered on port {port} of {host} within "
            f"{CONNECT_TIMEOUT:g} s (timed out); {how}."
        ) from None
    except OSError as exc:
        raise WorkspaceError(
            f"{where}: port {port} of {host} cannot be reached ({exc.strerror or exc}); {how}."
        ) from None
    if not said:
        raise WorkspaceError(
            f"{where}: port {port} of {host} takes connections but closes them without "
            f"answering as a Dask scheduler; {how}."
        )


def _local_client() -> Any:
    """The client of this process's own ``LocalCluster`` (started once, one worker per core)."""
    key = (os.getpid(), "local")
    client = _CLIENTS.get(key)
    if client is not None and client.status == "running":
        return client
    import logging

    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    client = Client(cluster, set_as_default=False)
    _CLIENTS[key] = client
    atexit.register(_close, client, cluster)
    return client


def _close(*things: Any) -> None:
    import contextlib

    for thing in things:
        with contextlib.suppress(Exception):  # at exit: nothing to report to
            thing.close()


def worker_version() -> str:
    """The version of cxlab a worker imports (run on each worker of a cluster)."""
    from cxlab._version import version

    return version()


def _check_workers(client: Any) -> None:
    """Refuse a cluster whose workers cannot import this version of cxlab (checked once)."""
    if id(client) in _CHECKED:
        return
    from cxlab._version import version

    __version__ = version()
    try:
        seen = client.run(worker_version)
    except Exception as exc:  # any failure: the workers lack cxlab
        raise WorkspaceError(
            f"the Dask workers at {client.scheduler.address} cannot import cxlab "
            f"({type(exc).__name__}: {exc}); install cxlab {__version__} where they run."
        ) from None
    other = {w: v for w, v in seen.items() if v != __version__}
    if other:
        few = ", ".join(f"{w} has {v}" for w, v in list(other.items())[:3])
        raise WorkspaceError(
            f"the Dask workers run another version of cxlab ({few}); this process has "
            f"{__version__}: install the same version on every worker."
        )
    _CHECKED.add(id(client))


# -- running ----------------------------------------------------------------------------------


def _named(exc: BaseException, name: str) -> BaseException:
    """``exc`` with the task named: the same error type with ``name:`` before its message when
    it can be rebuilt from a message, else the original with a note."""
    text = f"{name}: {exc}"
    if isinstance(exc, CxlabError | ValueError | TypeError | RuntimeError | ArithmeticError):
        try:
            new = type(exc)(text)
        except Exception:  # a type that takes other arguments
            new = None
        if new is not None and str(new) == text:
            return new
    exc.add_note(f"(raised by {name})")
    return exc


def _raise_named(exc: Exception, name: str) -> None:
    new = _named(exc, name)
    if new is exc:
        raise exc
    raise new from exc


def _call(fn: Callable[..., Any], *args: Any) -> Any:
    """In a local worker process: ``fn`` with the shared inputs put back."""
    return fn(*[_SHARED[a.token] if isinstance(a, _Ref) else a for a in args])


def _keep(shared: dict[int, Any]) -> None:
    """In a local worker process, at its start: keep the shared inputs."""
    _SHARED.update(shared)


def _plain(task: tuple) -> tuple:
    return tuple(a.value if isinstance(a, Shared) else a for a in task)


def _serial(fn: Callable[..., Any], tasks: list[tuple], labels: list[str]) -> Iterator[Any]:
    for task, name in zip(tasks, labels, strict=True):
        try:
            yield fn(*_plain(task))
        except Exception as exc:
            _raise_named(exc, name)


def _results(futures: list[Any], labels: list[str], cancel: Callable[[], None]) -> Iterator[Any]:
    for i, (future, name) in enumerate(zip(futures, labels, strict=True)):
        try:
            yield future.result()
        except Exception as exc:
            cancel()
            _raise_named(exc, name)
        futures[i] = None  # the result is the caller's now


def _processes(
    fn: Callable[..., Any], tasks: list[tuple], labels: list[str], progress: str | None
) -> list[Any]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    shared = {id(a): a.value for t in tasks for a in t if isinstance(a, Shared)}
    workers = min(len(tasks), os.cpu_count() or 1)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),  # a fresh interpreter, as on a cluster
        initializer=_keep,
        initargs=(shared,),
    )
    try:
        futures = [
            pool.submit(_call, fn, *[_Ref(id(a)) if isinstance(a, Shared) else a for a in t])
            for t in tasks
        ]

        def cancel() -> None:
            for f in futures:
                if f is not None:
                    f.cancel()

        return list(_track(_results(futures, labels, cancel), len(tasks), progress))
    finally:
        pool.shutdown(cancel_futures=True)


def _submit(
    executor: Any,
    fn: Callable[..., Any],
    tasks: list[tuple],
    labels: list[str],
    progress: str | None,
) -> list[Any]:
    futures = [executor.submit(fn, *_plain(t)) for t in tasks]

    def cancel() -> None:
        for f in futures:
            if f is not None and hasattr(f, "cancel"):
                f.cancel()

    return list(_track(_results(futures, labels, cancel), len(tasks), progress))


def _dask(
    client: Any, fn: Callable[..., Any], tasks: list[tuple], labels: list[str], progress: str | None
) -> list[Any]:
    shared: dict[int, Shared] = {id(a): a for t in tasks for a in t if isinstance(a, Shared)}
    scattered: dict[int, Any] = {}
    for broadcast in (True, False):
        group = [s for s in shared.values() if s.broadcast == broadcast]
        if group:
            done = client.scatter([s.value for s in group], broadcast=broadcast, hash=False)
            scattered.update({id(s): f for s, f in zip(group, done, strict=True)})
    args = [[scattered[id(a)] if isinstance(a, Shared) else a for a in t] for t in tasks]
    if len({len(a) for a in args}) == 1 and args[0]:  # one batch: a round trip, not one a task
        futures = client.map(fn, *zip(*args, strict=True), pure=False)
    else:
        futures = [client.submit(fn, *a, pure=False) for a in args]

    def cancel() -> None:
        client.cancel([f for f in futures if f is not None])

    try:
        if progress is not None:  # one result after the other, to show them come
            return list(_track(_results(futures, labels, cancel), len(tasks), progress))
        try:
            return client.gather(futures)  # in task order
        except Exception:
            first = next((i for i, f in enumerate(futures) if f.status == "error"), None)
            if first is None:  # not a task's error (the cluster went away): as it came
                raise
            return list(_results(futures[: first + 1], labels[: first + 1], cancel))
    finally:
        scattered.clear()  # the workers drop the shared inputs once no future holds them


def _track(items: Iterable[Any], total: int, progress: str | None) -> Iterator[Any]:
    if progress is None:
        yield from items
        return
    from rich.progress import track

    yield from track(items, total=total, description=progress)
