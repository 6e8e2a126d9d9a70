"""Missing-value codes of survey answers: what a survey tool writes for "don't know" or no answer.

Survey tools export an unanswered rating as a number outside the scale (-99, 98, 99, 9 ...), and
a regression that reads it as an answer is silently wrong. :func:`screen` counts the blank and the
coded answers of each column, refuses a value outside the column's declared scale (the ``in_range``
rules of the canonical ``surveys`` and ``contacts`` tables: ratings 1-5, NPS 0-10, CSAT 1-5) unless
it is declared as a code, and gives the expression that turns the codes into blanks, so the codes
join the room's handling of blank answers.

References
----------
IBM SPSS Statistics, "MISSING VALUES" (user-missing values declared per variable). Little, R. J. A.
and Rubin, D. B. (2019). *Statistical Analysis with Missing Data*, 3rd ed., ch. 3 (complete-case
analysis).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import TypeAlias

import polars as pl

from cxlab._errors import OptionError, SchemaError

MissingCodes: TypeAlias = float | Sequence[float] | Mapping[str, float | Sequence[float]]
"""One code, a few codes for every column, or codes per column (``{"rating_agent": (9,)}``)."""

SHOWN = 5  # offending values named in a message


def declared_scales() -> dict[str, tuple[float, float]]:
    """The answer scale of each survey column the canonical tables declare (``in_range`` rules of
    ``surveys`` and ``contacts``): ``{"nps": (0, 10), "rating_agent": (1, 5), "csat": (1, 5), ...}``."""
    from cxlab.data import TABLES

    # read from the declarations (``pa.Column(dtype, [checks], ...)`` recorded as calls), which
    # spares importing pandera and pandas to build the schemas
    out: dict[str, tuple[float, float]] = {}
    for table in ("surveys", "contacts"):
        for name, column in TABLES[table].declared.args[0].items():
            for check in column.args[1] if len(column.args) > 1 else ():
                if check.path == "Check.in_range":
                    low, high = _range_bounds(*check.args, **check.kwargs)
                    out[name] = (float(low), float(high))
    return out


def _range_bounds(min_value: float, max_value: float, **_: object) -> tuple[float, float]:
    """The bounds of a recorded ``Check.in_range(min_value, max_value, ...)`` call."""
    return min_value, max_value


def _number(value: object) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _tuple_text(codes: Sequence[float]) -> str:
    inner = ", ".join(_number(c) for c in codes)
    return f"({inner},)" if len(codes) == 1 else f"({inner})"


def _as_codes(value: object, where: str) -> tuple[float, ...]:
    one = isinstance(value, (str, bytes)) or not isinstance(value, Iterable)
    items = [value] if one else list(value)  # type: ignore[call-overload]
    out = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, Real) or not math.isfinite(item):
            raise OptionError(
                f"{where}: {item!r} is not a missing-value code; give the numbers the survey "
                "tool writes for 'don't know' or no answer, e.g. missing_codes=(-99, 98, 99)."
            )
        out.append(float(item))
    return tuple(dict.fromkeys(out))


def codes_by_column(
    missing_codes: MissingCodes | None,
    columns: Sequence[str],
    scales: Mapping[str, tuple[float, float]],
) -> dict[str, tuple[float, ...]]:
    """The declared codes of each of ``columns``. Codes given for every column must lie outside
    every declared scale (9 is a valid NPS answer): such a code is refused with a pointer to the
    per-column form."""
    if missing_codes is None:
        return {}
    if isinstance(missing_codes, Mapping):
        unknown = [k for k in missing_codes if k not in columns]
        if unknown:
            raise OptionError(
                f"missing_codes names {unknown[:SHOWN]}, which the analysis does not use; its "
                f"columns are {list(columns)}."
            )
        per = {k: _as_codes(v, f"missing_codes[{k!r}]") for k, v in missing_codes.items()}
        return {k: v for k, v in per.items() if v}
    codes = _as_codes(missing_codes, "missing_codes")
    for column in columns:
        if column not in scales:
            continue
        lo, hi = scales[column]
        inside = [c for c in codes if lo <= c <= hi]
        if inside:
            elsewhere = [
                k
                for k in columns
                if k not in scales or not scales[k][0] <= inside[0] <= scales[k][1]
            ]
            example = elsewhere[0] if elsewhere else "rating_agent"
            raise OptionError(
                f"missing_codes={_tuple_text(codes)}: {_number(inside[0])} is a valid answer of "
                f"{column!r} (its scale is {_number(lo)}-{_number(hi)}), so it cannot be a "
                "missing-value code of every column; give codes per column, e.g. "
                f"missing_codes={{{example!r}: {_tuple_text(inside)}}}."
            )
    return {c: codes for c in columns} if codes else {}


@dataclass(frozen=True)
class Screened:
    """What :func:`screen` found: the rows read, and per column the blank and coded answers."""

    rows: int
    set_aside: pl.DataFrame  # term, code (null: left blank), n
    expressions: tuple[pl.Expr, ...]  # each column as Float64, its codes turned into blanks


def screen(
    lf: pl.LazyFrame,
    columns: Sequence[str],
    codes: Mapping[str, tuple[float, ...]],
    scales: Mapping[str, tuple[float, float]],
    *,
    what: str,
) -> Screened:
    """Count the blank and coded answers of ``columns`` and refuse values outside a declared
    scale that are not declared codes (naming the column, the scale, a few values with their
    counts, and the ``missing_codes`` that would declare them)."""
    schema = lf.collect_schema()
    text = [c for c in columns if not (schema[c].is_numeric() or schema[c] == pl.Boolean)]
    if text:
        raise SchemaError(
            f"{what}: {text[:SHOWN]} hold {schema[text[0]]} values; answers must be numbers. "
            'Turn text such as "don\'t know" into a blank first, e.g. '
            f"pl.col({text[0]!r}).cast(pl.Float64, strict=False)."
        )
    # NaN (what a pandas round trip makes of a blank) is a blank answer too
    value = {c: pl.col(c).cast(pl.Float64).fill_nan(None) for c in columns}
    exprs: list[pl.Expr] = [pl.len().alias("\0rows")]
    bad: dict[str, pl.Expr] = {}
    for c in columns:
        exprs.append(value[c].null_count().alias(f"{c}\0blank"))
        exprs += [(value[c] == k).sum().alias(f"{c}\0{i}") for i, k in enumerate(codes.get(c, ()))]
        if c in scales:
            lo, hi = scales[c]
            bad[c] = value[c].is_not_null() & ~value[c].is_between(lo, hi)
            if codes.get(c):
                bad[c] = bad[c] & ~value[c].is_in(list(codes[c]))
            exprs.append(bad[c].sum().alias(f"{c}\0bad"))
    counts = lf.select(exprs).collect().row(0, named=True)
    offending = [c for c in bad if counts[f"{c}\0bad"]]
    if offending:
        used = {c: scales[c] for c in columns if c in scales}
        raise SchemaError(_refusal(lf, offending, value, bad, codes, used, what=what))
    rows = []
    for c in columns:
        if counts[f"{c}\0blank"]:
            rows.append((c, None, counts[f"{c}\0blank"]))
        rows += [(c, k, counts[f"{c}\0{i}"]) for i, k in enumerate(codes.get(c, ()))]
    set_aside = pl.DataFrame(
        rows, schema={"term": pl.Utf8, "code": pl.Float64, "n": pl.Int64}, orient="row"
    )
    cleaned = tuple(
        (
            pl.when(value[c].is_in(list(codes[c]))).then(None).otherwise(value[c])
            if codes.get(c)
            else value[c]
        ).alias(c)
        for c in columns
    )
    return Screened(rows=counts["\0rows"], set_aside=set_aside, expressions=cleaned)


def _refusal(
    lf: pl.LazyFrame,
    offending: list[str],
    value: Mapping[str, pl.Expr],
    bad: Mapping[str, pl.Expr],
    codes: Mapping[str, tuple[float, ...]],
    scales: Mapping[str, tuple[float, float]],
    *,
    what: str,
) -> str:
    """The message refusing values outside declared scales: each column (a few) with its scale
    and its most frequent offending values, and the ``missing_codes`` that would declare them
    (per column when a code is a valid answer of a column in ``scales``, the columns used)."""
    shown = offending[:SHOWN]
    found = (
        pl.concat(
            [
                lf.select(value[c].filter(bad[c]).alias("v"))
                .group_by("v")
                .len()
                .with_columns(pl.lit(c).alias("column"))
                for c in shown
            ]
        )
        .sort(["len", "v"], descending=[True, False])
        .collect()
    )
    parts, per_column = [], {}
    for c in shown:
        rows = found.filter(pl.col("column") == c).head(SHOWN)
        lo, hi = scales[c]
        values = ", ".join(f"{_number(v)} ({n} answers)" for v, n in rows.select("v", "len").rows())
        parts.append(f"{c!r} ({_number(lo)}-{_number(hi)}) holds {values}")
        per_column[c] = tuple(sorted({*codes.get(c, ()), *rows["v"].to_list()}))
    more = f" and {len(offending) - SHOWN} more columns" if len(offending) > SHOWN else ""
    every = sorted({k for v in per_column.values() for k in v})
    valid_somewhere = any(lo <= k <= hi for k in every for lo, hi in scales.values())
    hint = (
        "missing_codes={"
        + ", ".join(f"{c!r}: {_tuple_text(v)}" for c, v in per_column.items())
        + "}"
        if valid_somewhere
        else f"missing_codes={_tuple_text(every)}"
    )
    return (
        f"{what}: values outside the declared answer scale: {'; '.join(parts)}{more}. Survey "
        "tools write such codes for 'don't know' or no answer; declare them as missing with "
        f"{hint}, or correct the data."
    )
