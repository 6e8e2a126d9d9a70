"""The installed version of cxlab, read from the package metadata.

On the ground floor so that the command line, the runner and ``cxlab.__version__`` share one
answer without importing ``cxlab`` upward. The metadata is read on first use, not at import.
"""

from __future__ import annotations

from functools import cache

UNKNOWN = "0+unknown"  # a source tree that was never installed has no metadata


@cache
def version() -> str:
    """The version of the installed ``cxlab`` distribution (``UNKNOWN`` without metadata)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as distribution_version

    try:
        return distribution_version("cxlab")
    except PackageNotFoundError:
        return UNKNOWN
