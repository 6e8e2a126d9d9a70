"""cxlab: analytics for customer-service operations.

``import cxlab as cx`` gives the sub-packages (``cx.data``, ``cx.features``, ``cx.forecast``,
``cx.staffing``, ``cx.experiments``, ``cx.churn``, ``cx.nps``, ``cx.text``, ``cx.viz``, ``cx.runner``) and the
verbs ``cx.load``, ``cx.set_language`` and ``cx.record`` (with the headline card ``cx.Headline``). Sub-packages are imported lazily, so ``import cxlab`` stays fast and does nothing
else: no logging set-up, no files read.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cxlab._errors import CxlabError, NotEnoughDataError, OptionError, SchemaError
from cxlab._present import Headline, Period, label, language, record, set_language

_SUBPACKAGES = (
    "data",
    "features",
    "forecast",
    "staffing",
    "experiments",
    "churn",
    "nps",
    "text",
    "viz",
    "runner",
    "review",
)

__all__ = [
    "CxlabError",
    "Headline",
    "NotEnoughDataError",
    "OptionError",
    "Period",
    "SchemaError",
    "__version__",
    "label",
    "language",
    "load",
    "record",
    "set_language",
    *_SUBPACKAGES,
]

if TYPE_CHECKING:  # pragma: no cover
    __version__: str

    from cxlab import (  # noqa: F401
        churn,
        data,
        experiments,
        features,
        forecast,
        nps,
        review,
        runner,
        staffing,
        text,
        viz,
    )


def load(table: str, **kwargs: Any):
    """Lazily scan a canonical table of the workspace; see :func:`cxlab.data.load`.

    Examples
    --------
    >>> import cxlab as cx
    >>> lf = cx.load("contacts", start="2026-10-01", end="2026-11-01", columns=["contact_id", "channel"])
    >>> lf.collect().columns
    ['contact_id', 'channel']
    >>> sorted(lf.select("channel").unique().collect()["channel"])
    ['chat', 'email', 'phone', 'social']
    """
    from cxlab.data import load as _load

    return _load(table, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read from the package metadata on first use
        from cxlab._version import version

        return version()
    if name in _SUBPACKAGES:
        module = importlib.import_module(f"cxlab.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'cxlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
