"""Canonical tables: schemas, validation at the door, the store, ingest, the synthetic workspace.

Examples
--------
>>> import cxlab as cx
>>> contacts = cx.load("contacts", start="2026-10-01", end="2026-11-01")  # doctest: +SKIP
"""

from cxlab.data._ingest import (
    check_export,
    ingest,
    ingest_postgres,
    ingest_sources,
    months_plan,
    read_source,
)
from cxlab.data._mapping import apply_mapping, load_mapping, propose_mapping
from cxlab.data._samples import bank_calls, bank_calls_export, mpdta, prop99, rossi
from cxlab.data._schemas import TABLES, TableSpec
from cxlab.data._store import (
    data_freshness,
    demand,
    has_table,
    load,
    recover_store,
    table_info,
    write_table,
)
from cxlab.data._validate import extra_columns, validate


def generate(**kwargs):
    """Generate the synthetic workspace; see :func:`cxlab.data._synth.generate`.

    Imported on first use, so that reading and validating data does not load the simulator.
    """
    from cxlab.data._synth import generate as _generate

    return _generate(**kwargs)


def truth(workspace=None) -> dict:
    """The planted truth of the synthetic workspace in the store; see :func:`cxlab.data._synth.truth`."""
    from cxlab.data._synth import truth as _truth

    return _truth(workspace)


def true_labels(workspace=None):
    """The true category path, emotion and note language of every synthetic contact; see
    :func:`cxlab.data._synth.true_labels`."""
    from cxlab.data._synth import true_labels as _true_labels

    return _true_labels(workspace)


__all__ = [
    "TABLES",
    "TableSpec",
    "apply_mapping",
    "bank_calls",
    "bank_calls_export",
    "check_export",
    "data_freshness",
    "demand",
    "extra_columns",
    "generate",
    "has_table",
    "ingest",
    "ingest_postgres",
    "ingest_sources",
    "load",
    "load_mapping",
    "months_plan",
    "mpdta",
    "prop99",
    "propose_mapping",
    "read_source",
    "recover_store",
    "rossi",
    "table_info",
    "true_labels",
    "truth",
    "validate",
    "write_table",
]
