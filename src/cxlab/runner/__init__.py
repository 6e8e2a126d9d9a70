"""Running notebooks with papermill, rendering code-free offline HTML, publishing atomically."""

from cxlab.runner._record import record, recorded

__all__ = ["record", "recorded"]
