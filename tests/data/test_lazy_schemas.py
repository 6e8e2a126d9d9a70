"""A table's column types and required columns, read from its declaration without building the
pandera schema, equal what the built schema says (as they were computed before the schemas
were built on first use)."""

from __future__ import annotations

import polars as pl
import pytest

from cxlab.data._schemas import TABLES


@pytest.mark.parametrize("name", sorted(TABLES))
def test_declared_columns_equal_the_built_schema(name: str) -> None:
    spec = TABLES[name]
    built = spec.schema.columns
    assert spec.columns == {n: c.dtype.type for n, c in built.items()}
    assert spec.required == [n for n, c in built.items() if c.required]
    assert len(spec.columns) >= 3


def test_a_built_schema_still_refuses_a_bad_row() -> None:
    """The deferred checks are real pandera checks: a negative wait is refused."""
    import pandera.errors

    schema = TABLES["queues"].schema
    good = {
        "queue": ["q"],
        "channel": ["phone"],
        "open_hour": [8],
        "close_hour": [20],
        "open_weekends": [True],
        "concurrency": [1],
        "sl_seconds": [20.0],
        "sl_target": [0.8],
    }
    assert sorted(good) == sorted(schema.columns)
    frame = pl.DataFrame(good).cast({n: c.dtype.type for n, c in schema.columns.items()})
    schema.validate(frame)
    with pytest.raises(pandera.errors.SchemaError):
        schema.validate(frame.with_columns(pl.lit(-5.0).alias("sl_seconds")))
