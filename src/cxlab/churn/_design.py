"""Design matrices for the churn models: numeric terms from columns, with named reference levels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import polars as pl

from cxlab._errors import NotEnoughDataError, OptionError, SchemaError

STRING_TYPES = (pl.Utf8, pl.Categorical, pl.Enum)


def _columns_text(frame: pl.DataFrame) -> str:
    names = frame.columns
    shown = ", ".join(names[:40]) + (f", … ({len(names)} in all)" if len(names) > 40 else "")
    return shown


def require_columns(frame: pl.DataFrame, **given: str | Sequence[str] | None) -> None:
    """Every column a parameter names is in ``frame``; else a :class:`SchemaError` naming the
    parameter, what was given and the columns there are."""
    for param, value in given.items():
        if value is None:
            continue
        names = [value] if isinstance(value, str) else list(value)
        missing = [c for c in names if c not in frame.columns]
        if missing:
            shown = value if isinstance(value, str) else names
            raise SchemaError(
                f"{param}={shown!r}: no column {', '.join(map(repr, missing))} in the frame; "
                f"its columns are {_columns_text(frame)}."
            )


YES_NO = (
    ("yes", "no"),
    ("y", "n"),
    ("true", "false"),
    ("1", "0"),
    ("是", "否"),
    ("churned", "active"),
)
"""The two-value text forms read as an event and its absence (compared stripped, case-folded)."""
SHOWN = 5


def _found(col: pl.Series) -> list:
    """The distinct values of ``col`` as the analyst wrote them (a few, sorted)."""
    if isinstance(col.dtype, (pl.Categorical, pl.Enum)):
        col = col.cast(pl.Utf8)
    return col.unique().sort().head(SHOWN).to_list()


def binary_outcome(
    frame: pl.DataFrame, column: str, *, param: str, event_value: object = None
) -> np.ndarray:
    """The outcome ``column`` as 0/1 floats: booleans, 0/1 numbers, the two-value text forms of
    :data:`YES_NO` (yes/no, y/n, true/false, 1/0, 是/否, churned/active; any case, spaces
    stripped), or any two values of which ``event_value`` names the one that is the event.

    A column with missing values, more than two values, or two values that do not read as yes
    and no (without ``event_value``) is refused with a :class:`SchemaError` naming the column, the
    values found and what to do.
    """
    require_columns(frame, **{param: column})
    col = frame[column]
    if col.null_count():
        raise SchemaError(
            f"{param}={column!r} has {col.null_count()} missing value(s); the {param} must say "
            "yes or no in every row: fill or drop them."
        )
    text = col.dtype == pl.Utf8 or isinstance(col.dtype, (pl.Categorical, pl.Enum))
    if text:
        keys = col.cast(pl.Utf8).str.strip_chars().str.to_lowercase()
        wanted = None if event_value is None else str(event_value).strip().lower()
    elif col.dtype == pl.Boolean or col.dtype.is_numeric():
        keys = col.cast(pl.Float64)
        try:
            wanted = None if event_value is None else float(event_value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            wanted = float("nan")  # never found: refused below with the values there are
    else:
        raise SchemaError(
            f"{param}={column!r} holds {col.dtype} values such as {_found(col)}; the {param} "
            "must be yes/no: booleans, 0/1 or two text values."
        )
    found = keys.unique(maintain_order=True).to_list()
    if len(found) > 2:
        more = ", …" if len(found) > SHOWN else ""
        raise SchemaError(
            f"{param}={column!r} holds {len(found)} different values ({_found(col)}{more}); the "
            f"{param} must be yes/no, two values: turn it into one first, e.g. "
            f"frame.with_columns(pl.col({column!r}) == {_found(col)[0]!r})."
        )
    if wanted is not None:
        if wanted not in found:
            raise SchemaError(
                f"event_value={event_value!r} is not a value of {param}={column!r}; its values are "
                f"{_found(col)}."
            )
        return (keys == wanted).cast(pl.Float64).to_numpy()
    pairs = ((1.0, 0.0),) if not text else YES_NO
    for yes, no in pairs:
        if set(found) <= {yes, no}:
            return (keys == yes).cast(pl.Float64).to_numpy()
    shown = _found(col)
    noes = {no for _, no in YES_NO}
    example = next((v for v in shown if str(v).strip().lower() not in noes), shown[0])
    raise SchemaError(
        f"{param}={column!r} holds {' and '.join(repr(v) for v in shown)}, which do not read as "
        "yes/no (true/false, 1/0, yes/no, y/n, 是/否, churned/active); say which value is the "
        f"event, e.g. event_value={example!r}."
    )


def design(
    frame: pl.DataFrame,
    covariates: Sequence[str],
    *,
    reference: Mapping[str, str] | None = None,
) -> tuple[pl.DataFrame, list[str], list[str]]:
    """Numeric model terms from ``covariates``; returns (terms frame, term names, dropped terms).

    A text column becomes one 0/1 term per level, ``column=level``, except its reference level
    (``reference[column]``, else the most frequent level). Booleans become 0/1. A term that does
    not vary in ``frame`` (for example ``segment`` after filtering one segment) is dropped and
    listed, since no model can estimate it.
    """
    reference = dict(reference or {})
    if isinstance(covariates, str):
        covariates = [covariates]
    covariates = list(covariates)
    if not covariates:
        raise OptionError("covariates=[] names no column; give the columns of the model.")
    require_columns(frame, covariates=covariates)
    exprs: list[pl.Expr] = []
    for name in covariates:
        col = frame[name]
        if col.null_count():
            raise SchemaError(
                f"covariate {name!r} has {col.null_count()} missing value(s); fill or drop them."
            )
        if col.dtype in STRING_TYPES or isinstance(col.dtype, (pl.Categorical, pl.Enum)):
            counts = col.cast(pl.Utf8).value_counts(sort=True)
            levels = counts[name].to_list()
            ref = reference.get(name, levels[0])
            for level in sorted(levels):
                if level != ref:
                    exprs.append(
                        (pl.col(name).cast(pl.Utf8) == level)
                        .cast(pl.Float64)
                        .alias(f"{name}={level}")
                    )
        else:
            exprs.append(pl.col(name).cast(pl.Float64).alias(name))
    terms = frame.select(exprs)
    dropped = [c for c in terms.columns if terms[c].n_unique() < 2]
    terms = terms.drop(dropped)
    if not terms.columns:
        raise NotEnoughDataError("no covariate varies in the data: nothing to estimate.")
    return terms, terms.columns, dropped


def meaningful_change(
    terms: pl.DataFrame, per: Mapping[str, float] | None = None
) -> dict[str, float]:
    """The change each term is also reported per: 1 for 0/1 terms, else the interquartile range
    (the standard deviation when the IQR is zero, as for rare counts), unless ``per`` names it."""
    per = dict(per or {})
    out = {}
    for name in terms.columns:
        if name in per:
            out[name] = float(per[name])
            continue
        x = terms[name].to_numpy()
        if set(np.unique(x)) <= {0.0, 1.0}:
            out[name] = 1.0
            continue
        q1, q3 = np.quantile(x, [0.25, 0.75])
        change = float(q3 - q1) if q3 > q1 else float(np.std(x))
        if np.all(x == np.round(x)):  # counts: a whole number of contacts, at least one
            out[name] = float(max(1, round(change)))
        else:
            out[name] = float(f"{change:.2g}") if change > 0 else 1.0
    return out


def ratio_columns(table: pl.DataFrame, change: Mapping[str, float], prefix: str) -> pl.DataFrame:
    """Add ``<prefix>``, its interval, ``change`` and the ratio per change to an estimate table."""
    ch = pl.col("term").replace_strict(dict(change), return_dtype=pl.Float64)
    return table.with_columns(
        pl.col("estimate").exp().alias(prefix),
        pl.col("ci_low").exp().alias(f"{prefix}_ci_low"),
        pl.col("ci_high").exp().alias(f"{prefix}_ci_high"),
        ch.alias("change"),
    ).with_columns(
        (pl.col("estimate") * pl.col("change")).exp().alias(f"{prefix}_per_change"),
        (pl.col("ci_low") * pl.col("change")).exp().alias(f"{prefix}_per_change_low"),
        (pl.col("ci_high") * pl.col("change")).exp().alias(f"{prefix}_per_change_high"),
    )
