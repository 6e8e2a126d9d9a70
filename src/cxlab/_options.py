"""One helper that checks ``Literal`` options at the door."""

from __future__ import annotations

from typing import Any, get_args

from cxlab._errors import OptionError


def check_option(name: str, value: Any, allowed: Any) -> Any:
    """Return ``value`` if it is one of ``allowed`` (a ``Literal`` type or an iterable).

    Examples
    --------
    >>> from typing import Literal
    >>> check_option("grain", "day", Literal["day", "month"])
    'day'
    """
    choices = get_args(allowed) or tuple(allowed)
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise OptionError(f"{name}={value!r} is not allowed; choose one of {listed}.")
    return value
