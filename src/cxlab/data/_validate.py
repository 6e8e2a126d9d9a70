"""Validation at the door: type every column, check every rule, refuse with one clear message.

A frame read from a file (CSV gives text; Parquet and DuckDB give typed columns) is cast to its
canonical types, then checked by the table's pandera schema on the collected frame. The first
broken rule is reported in full (file, column, rule, up to five offending rows with customer ids
masked); other broken rules are named in one line each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from cxlab._errors import SchemaError
from cxlab._masking import mask_id
from cxlab.data._schemas import (
    EXACT_FLOAT,
    FUTURE_TOLERANCE,
    INT64_RANGE,
    RULE_COLUMNS,
    TABLES,
    UTC,
    TableSpec,
)

MAX_ROWS_SHOWN = 5
_ROW = "__row"
"""The internal row number; extra columns are dropped first, so it never meets a user's column."""
_ZONE = r"(Z|z|[+-]\d{2}(:?\d{2})?)$"
_TRUE = ("true", "t", "1", "yes", "y")
_FALSE = ("false", "f", "0", "no", "n")


@dataclass(frozen=True)
class _Violation:
    column: str | None
    rule: str
    rows: list[int]
    n_rows: int


def spec_for(table: str) -> TableSpec:
    """The :class:`TableSpec` of a canonical table, or a :class:`SchemaError` naming the tables."""
    if table not in TABLES:
        raise SchemaError(f"unknown table {table!r}; the canonical tables are {', '.join(TABLES)}.")
    return TABLES[table]


def extra_columns(frame: pl.DataFrame, table: str) -> list[str]:
    """The columns of ``frame`` that ``table`` does not have: they are not stored."""
    known = spec_for(table).columns
    return [c for c in frame.columns if c not in known]


def validate(
    frame: pl.DataFrame,
    table: str,
    *,
    source: str = "<frame>",
    not_after: dt.datetime | None = None,
) -> pl.DataFrame:
    """Cast ``frame`` to the canonical types of ``table`` and check every rule.

    Parameters
    ----------
    frame
        A collected polars DataFrame (text columns are parsed; typed columns are checked).
    table
        The canonical table name, such as ``"contacts"``.
    source
        The file the frame came from, named in the error message.
    not_after
        The latest time an observed timestamp (a contact's arrival, a survey's response...) may
        hold; ingest passes its own time plus :data:`~cxlab.data._schemas.FUTURE_TOLERANCE`.
        ``None`` (the default) does not check it.

    Returns
    -------
    polars.DataFrame
        The frame with exactly the canonical columns, in order, typed. Other columns are not
        kept (:func:`extra_columns` names them).

    Raises
    ------
    SchemaError
        On the first broken rule, naming the file, the column, the rule and up to five rows.

    Examples
    --------
    >>> import polars as pl
    >>> frame = pl.DataFrame({"queue": ["q"], "channel": ["fax"], "open_hour": [8],
    ...     "close_hour": [20], "open_weekends": [True], "concurrency": [1],
    ...     "sl_seconds": [20.0], "sl_target": [0.8]})
    >>> validate(frame, "queues", source="queues.csv")
    Traceback (most recent call last):
    ...
    cxlab._errors.SchemaError: Refused queues.csv (table queues): column 'channel' breaks the rule ...
    """
    if isinstance(frame, pl.LazyFrame):  # pandera checks only the schema of a LazyFrame
        frame = frame.collect()
    spec = spec_for(table)
    where = f"{source} (table {table})"
    if frame.width == 0:
        raise SchemaError(
            f"Refused {where}: the file is empty (no header, no rows). Nothing was written."
        )
    missing = [c for c in spec.required if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"Refused {where}: missing column(s) {', '.join(repr(c) for c in missing)} "
            f"(rule: every {table} row has {', '.join(spec.required)}). "
            f"Columns found: {', '.join(frame.columns)}. Nothing was written."
        )
    if frame.height == 0:
        raise SchemaError(
            f"Refused {where}: the file has a header but no rows. Nothing was written."
        )

    frame = frame.select([c for c in frame.columns if c in spec.columns])
    frame = frame.with_row_index(_ROW, offset=1)
    typed, violations = _cast(frame, spec)
    if not violations:
        violations = _check(typed, spec)
    if not violations and not_after is not None:
        violations = _future(typed, spec, not_after)
    if violations:
        raise SchemaError(_message(where, spec, frame, violations))
    return typed.select(list(spec.columns))


def refusal(
    typed: pl.DataFrame, table: str, *, source: str, column: str | None, rule: str, bad: pl.Series
) -> SchemaError:
    """The refusal of a validated frame whose rows ``bad`` (a boolean mask) break ``rule``, a
    rule that needs more than the file (the store): worded as :func:`validate` words its own."""
    spec = spec_for(table)
    frame = typed.with_row_index(_ROW, offset=1)
    rows = frame.filter(bad)[_ROW].to_list()
    violation = _Violation(column, rule, rows, len(rows))
    return SchemaError(_message(f"{source} (table {table})", spec, frame, [violation]))


def show_rows(typed: pl.DataFrame, table: str, rows: list[int], column: str | None) -> list[str]:
    """Up to five rows (numbered from 1) of a validated frame, as a refusal shows them."""
    spec = spec_for(table)
    frame = typed.with_row_index(_ROW, offset=1)
    return [_show_row(frame, r, spec, column, "") for r in rows[:MAX_ROWS_SHOWN]]


def _future(typed: pl.DataFrame, spec: TableSpec, not_after: dt.datetime) -> list[_Violation]:
    limit = not_after.astimezone(dt.UTC)
    out = []
    for name in spec.observed:
        late = typed.filter(pl.col(name) > limit)[_ROW].to_list()
        if late:
            rule = (
                f"is not in the future (at most {limit:%Y-%m-%d %H:%M} UTC, the ingest time "
                f"plus {FUTURE_TOLERANCE.days} day)"
            )
            out.append(_Violation(name, rule, late, len(late)))
    return out


# -- casting ----------------------------------------------------------------------------------


def _cast(frame: pl.DataFrame, spec: TableSpec) -> tuple[pl.DataFrame, list[_Violation]]:
    violations: list[_Violation] = []
    columns = []
    for name, dtype in spec.columns.items():
        if name not in frame.columns:  # an optional column that is absent
            columns.append(pl.lit(None, dtype=dtype).alias(name))
            continue
        expr, problem = _cast_column(frame, name, dtype)
        if problem is not None:
            violations.append(problem)
            continue
        columns.append(expr)
    if violations:
        return frame, violations
    typed = frame.with_columns(columns)
    return typed, []


def _blank_to_null(series: pl.Series) -> pl.Series:
    if isinstance(series.dtype, pl.Categorical | pl.Enum):
        series = series.cast(pl.Utf8)
    if series.dtype == pl.Utf8:
        return series.str.strip_chars().replace("", None)
    return series


def _bad_rows(frame: pl.DataFrame, before: pl.Series, after: pl.Series) -> list[int]:
    mask = before.is_not_null() & after.is_null()
    return frame.filter(mask)[_ROW].to_list()


def _parse_iso(text: pl.Series, *, zoned: bool) -> pl.Series:
    """ISO 8601 timestamps (seconds optional, fractions optional), with or without an offset."""
    zone = "%z" if zoned else ""
    parsed = text.str.to_datetime(f"%Y-%m-%dT%H:%M:%S%.f{zone}", time_unit="us", strict=False)
    if (parsed.is_null() & text.is_not_null()).any():  # the second format only where needed
        parsed = parsed.fill_null(
            text.str.to_datetime(f"%Y-%m-%dT%H:%M{zone}", time_unit="us", strict=False)
        )
    return parsed


_LOW, _HIGH = INT64_RANGE
_RANGE_RULE = f"is a whole number from {_LOW} to {_HIGH} (a 64-bit integer)"
_EXACT_RULE = (
    f"is a whole number written in digits alone from {EXACT_FLOAT} (2^53): with a "
    "decimal point or an exponent it cannot be read exactly"
)


def _cast_integer(frame: pl.DataFrame, name: str, raw: pl.Series):
    """A whole-number column read as integers, never through a float that loses digits.

    Integer columns keep their values (refused outside the 64-bit range); text is read as an
    integer, or else as a number that must be whole ("3.0" is 3), inside the range and exact.
    """
    src = raw.dtype
    if src.is_integer():
        parsed = raw.cast(pl.Int64, strict=False)  # an unsigned value above 2^63 - 1 is null
        bad = _bad_rows(frame, raw, parsed)
        if bad:
            return parsed, _Violation(name, _RANGE_RULE, bad, len(bad))
        return parsed.alias(name), None
    exact = (
        raw.cast(pl.Int64, strict=False)
        if src == pl.Utf8
        else pl.Series(name, [None] * len(raw), pl.Int64)
    )
    number = raw.cast(pl.Float64, strict=False)
    # NaN is how pandas exports a missing number (a float column, or "nan" text): a blank
    missing = exact.is_null() & number.is_nan().fill_null(False)
    number = number.fill_nan(None)
    todo = raw.is_not_null() & exact.is_null() & ~missing
    unread = todo & number.is_null()
    fraction = todo & number.is_not_null() & (number.is_infinite() | (number != number.round(0)))
    whole = todo & number.is_not_null() & ~number.is_infinite() & (number == number.round(0))
    outside = whole & (number.abs() >= 2.0**63)
    inexact = whole & ~outside & (number.abs() >= EXACT_FLOAT)
    for mask, rule in (
        (unread | fraction, "is a whole number"),
        (outside, _RANGE_RULE),
        (inexact, _EXACT_RULE),
    ):
        rows = frame.filter(mask)[_ROW].to_list()
        if rows:
            return number, _Violation(name, rule, rows, len(rows))
    readable = whole & ~outside & ~inexact
    parsed = exact.zip_with(~readable, number.set(~readable, None).cast(pl.Int64))
    return parsed.alias(name), None


def _cast_column(frame: pl.DataFrame, name: str, dtype) -> tuple[pl.Series, _Violation | None]:
    raw = _blank_to_null(frame[name])
    src = raw.dtype
    if src.is_nested() or src in (pl.Binary, pl.Object):
        return raw, _Violation(
            name,
            f"holds one value per row (found a {src} column)",
            frame[_ROW].head(MAX_ROWS_SHOWN).to_list(),
            frame.height,
        )
    if dtype == UTC:
        if isinstance(src, pl.Datetime):
            if src.time_zone is None:
                return raw, _Violation(
                    name,
                    "timestamps carry a time zone (stored in UTC); found a naive datetime column",
                    frame[_ROW].head(MAX_ROWS_SHOWN).to_list(),
                    frame.height,
                )
            return raw.dt.convert_time_zone("UTC").dt.cast_time_unit("us"), None
        if src == pl.Date:
            return raw, _Violation(
                name,
                "is a timestamp with a time zone, not a date",
                frame[_ROW].head(MAX_ROWS_SHOWN).to_list(),
                frame.height,
            )
        text = raw.cast(pl.Utf8)
        normal = text
        if text.str.contains(r"[Zz]$|[+-]\d{2}$| ").any():
            normal = (
                text.str.replace(r"[Zz]$", "+00:00")
                .str.replace(r"([+-]\d{2})$", "${1}:00")  # "+08" (PostgreSQL exports): "+08:00"
                .str.replace(" ", "T")
            )
        parsed = _parse_iso(normal, zoned=True).dt.convert_time_zone("UTC")
        failed = normal.is_not_null() & parsed.is_null()
        naive: list[int] = []
        if failed.any():
            # a value without zone is "naive" if it reads as a local timestamp; else unparseable
            rest = normal.filter(failed)
            local = ~rest.str.contains(_ZONE) & _parse_iso(rest, zoned=False).is_not_null()
            naive = frame[_ROW].filter(failed).filter(local).to_list()
        bad = [r for r in _bad_rows(frame, text, parsed) if r not in set(naive)]
        if bad:
            return parsed, _Violation(
                name, "is a parseable ISO 8601 timestamp (2026-01-31T09:30:00+08:00)", bad, len(bad)
            )
        if naive:
            return parsed, _Violation(
                name,
                "timestamps carry a time zone (+08:00, Z); found timestamps without zone",
                naive,
                len(naive),
            )
        return parsed.alias(name), None
    if dtype == pl.Date:
        if src == pl.Date:
            return raw, None
        if isinstance(src, pl.Datetime):
            return raw, _Violation(
                name,
                "is a calendar date (2026-01-31), not a timestamp",
                frame[_ROW].head(MAX_ROWS_SHOWN).to_list(),
                frame.height,
            )
        text = raw.cast(pl.Utf8)
        parsed = text.str.to_date("%Y-%m-%d", strict=False)
        bad = _bad_rows(frame, text, parsed)
        if bad:
            return parsed, _Violation(name, "is a parseable date (YYYY-MM-DD)", bad, len(bad))
        return parsed.alias(name), None
    if dtype == pl.Boolean:
        if src == pl.Boolean:
            return raw, None
        text = raw.cast(pl.Utf8).str.to_lowercase()
        parsed = (
            pl.when(text.is_in(_TRUE))
            .then(True)
            .when(text.is_in(_FALSE))
            .then(False)
            .otherwise(None)
        )
        parsed = frame.select(parsed.alias(name)).to_series()
        bad = _bad_rows(frame, text, parsed)
        if bad:
            return parsed, _Violation(name, "is true or false", bad, len(bad))
        return parsed, None
    if dtype in (pl.Int64, pl.Float64):
        kind = "a whole number" if dtype == pl.Int64 else "a number"
        if src == pl.Boolean or src.is_temporal():
            found = "true/false" if src == pl.Boolean else "a date or time"
            return raw, _Violation(
                name,
                f"is {kind}, not {found} (found a {src} column; it is not read as a number)",
                frame.filter(raw.is_not_null())[_ROW].head(MAX_ROWS_SHOWN).to_list(),
                raw.is_not_null().sum(),
            )
        if dtype == pl.Int64:
            return _cast_integer(frame, name, raw)
        parsed = raw.cast(pl.Float64, strict=False)
        # NaN is how pandas exports a missing number (a float column, or "nan" text): a blank
        missing = parsed.is_nan().fill_null(False)
        parsed = parsed.fill_nan(None)
        bad = _bad_rows(frame, raw.set(missing, None), parsed)
        bad += frame.filter(parsed.is_infinite().fill_null(False))[_ROW].to_list()
        if bad:
            return parsed, _Violation(name, f"is {kind}", sorted(bad), len(bad))
        return parsed.alias(name), None
    return raw.cast(pl.Utf8).alias(name), None


# -- rules ------------------------------------------------------------------------------------


def _check(typed: pl.DataFrame, spec: TableSpec) -> list[_Violation]:
    import pandera.errors as pa_errors

    try:
        spec.schema.validate(typed.drop(_ROW), lazy=True)
    except pa_errors.SchemaErrors as exc:
        return _violations_from(exc.failure_cases, typed, spec)
    except pa_errors.SchemaError as exc:  # pragma: no cover - lazy=True collects errors
        return [_Violation(None, str(exc), [], 0)]
    return []


def _describe(check: str, column: str | None, spec: TableSpec) -> str:
    if check.startswith("multiple_fields_uniqueness"):
        together = ", ".join(spec.schema.unique or spec.key)
        return f"({together}) is unique (duplicate values found)"
    if check == "field_uniqueness":
        return "is unique (duplicate values found)"
    if check == "not_nullable":
        return "has a value in every row (no blanks)"
    if check.startswith("isin("):
        return "is one of " + check[len("isin(") : -1]
    if check.startswith("greater_than_or_equal_to("):
        return f">= {check[len('greater_than_or_equal_to(') : -1]} (no negative values)"
    if check.startswith("greater_than("):
        return f"> {check[len('greater_than(') : -1]}"
    if check.startswith("in_range("):
        return "is within " + check[len("in_range(") : -1].replace(", ", " to ")
    if check.startswith("column_in_dataframe"):
        return "is present"
    if check.startswith("dtype("):
        return f"has type {check[len('dtype(') : -1]}"
    return check


def _violations_from(cases: pl.DataFrame, typed: pl.DataFrame, spec: TableSpec) -> list[_Violation]:
    out: list[_Violation] = []
    if cases.height == 0:
        return out
    cases = cases.with_columns(pl.col("column").fill_null(""))
    for (column, check), group in cases.group_by(["column", "check"], maintain_order=True):
        index = [i for i in group["index"].to_list() if i is not None]
        rows = typed[_ROW].gather(sorted(set(index))).to_list() if index else []
        out.append(
            _Violation(
                column or None,
                _describe(str(check), column or None, spec),
                rows,
                len(set(index)) or group.height,
            )
        )
    # uniqueness first (most actionable), then column rules, then table rules
    out.sort(key=lambda v: (v.column is None, "unique" not in v.rule))
    return out


# -- the message ------------------------------------------------------------------------------


def _show_row(frame: pl.DataFrame, row: int, spec: TableSpec, column: str | None, rule: str) -> str:
    record = frame.filter(pl.col(_ROW) == row).drop(_ROW).row(0, named=True)
    keys = list(spec.key)
    shown = [column] if column else list(RULE_COLUMNS.get(rule, () if "unique" in rule else record))
    keys += [k for k in shown if k not in keys]
    parts = []
    for key in keys:
        if key not in record:
            continue
        value = record[key]
        if key in spec.masked or key == "customer_id":
            value = mask_id(None if value is None else str(value))
        elif isinstance(value, dt.date):  # typed sources (Parquet, DuckDB): show it as text
            value = value.isoformat(sep=" ") if isinstance(value, dt.datetime) else str(value)
        parts.append(f"{key}={value!r}")
    return f"  row {row}: " + ", ".join(parts)


def _message(where: str, spec: TableSpec, frame: pl.DataFrame, violations: list[_Violation]) -> str:
    first = violations[0]
    subject = f"column {first.column!r}" if first.column else "a rule across columns"
    verb = "breaks the rule" if first.column else "is broken:"
    rule = f"{first.column} {first.rule}" if first.column else first.rule
    lines = [
        f"Refused {where}: {subject} {verb} '{rule}' in {first.n_rows} row(s); "
        f"first {min(MAX_ROWS_SHOWN, len(first.rows))} shown (row 1 is the first data row):"
    ]
    lines += [
        _show_row(frame, r, spec, first.column, first.rule) for r in first.rows[:MAX_ROWS_SHOWN]
    ]
    for other in violations[1:]:
        name = f"column {other.column!r}" if other.column else "table rule"
        lines.append(f"Also broken: {name}: '{other.rule}' in {other.n_rows} row(s).")
    lines.append("Nothing was written.")
    return "\n".join(lines)
