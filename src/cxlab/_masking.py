"""Masking of customer identifiers for anything a person other than the analyst sees."""

from __future__ import annotations

import hashlib

import polars as pl


def mask_id(value: str | None) -> str | None:
    """Mask an identifier, keeping a short stable fingerprint so rows stay distinguishable.

    Examples
    --------
    >>> mask_id("C0001234")
    'C0***#0c24'
    """
    if value is None:
        return None
    text = str(value)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:4]
    return f"{text[:2]}***#{digest}"


def mask_column(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Return ``frame`` with ``column`` masked by :func:`mask_id`."""
    if column not in frame.columns:
        return frame
    return frame.with_columns(
        pl.col(column).cast(pl.Utf8).map_elements(mask_id, return_dtype=pl.Utf8)
    )
