"""The survey answer scales read from the table declarations are those of the built schemas."""

from __future__ import annotations

from cxlab.data import TABLES
from cxlab.nps._codes import declared_scales


def test_declared_scales_match_the_pandera_schemas():
    """Exact equality with the in_range checks of the pandera schemas of surveys and contacts."""
    built: dict[str, tuple[float, float]] = {}
    for table in ("surveys", "contacts"):
        for name, column in TABLES[table].schema.columns.items():
            for check in column.checks:
                if check.name == "in_range":
                    stats = check.statistics
                    built[name] = (float(stats["min_value"]), float(stats["max_value"]))
    got = declared_scales()
    assert got == built
    assert got["nps"] == (0.0, 10.0) and got["csat"] == (1.0, 5.0)
    assert list(got) == list(built)
