"""One helper that checks ``Literal`` options at the door."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Literal, TypeVar, get_args

from cxlab._errors import OptionError

F = TypeVar("F", bound=Callable[..., Any])

Missing = Literal["raise", "empty"]
"""What a call does when the data lack what it needs: raise, or return an empty result that
says so (``cx.load(table, missing="empty")``, ``cx.staffing.patience(..., missing="empty")``)."""


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


REMOVED_IN = "0.3"


def warn_renamed(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that ``old`` is a deprecated name of ``new`` (kept for one minor version)."""
    import warnings

    warnings.warn(
        f"{old} is deprecated; use {new} (the old name is removed in cxlab {REMOVED_IN}).",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def renamed(**old_to_new: str | tuple[str, Callable[[Any], Any]]) -> Callable[[F], F]:
    """Accept the old names of a function's parameters for one minor version.

    ``@renamed(h="horizon")`` lets ``f(h=7)`` call ``f(horizon=7)`` with a ``DeprecationWarning``
    that names the new parameter; ``@renamed(level=("alpha", lambda v: 1 - v))`` also converts
    the value. Giving both names is refused.

    Examples
    --------
    >>> @renamed(h="horizon")
    ... def ahead(*, horizon: int = 1) -> int:
    ...     return horizon
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     ahead(h=7), str(seen[0].message)
    (7, 'ahead(h=...) is deprecated; use horizon= (the old name is removed in cxlab 0.3).')
    """

    def decorate(func: F) -> F:
        name = func.__qualname__

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, target in old_to_new.items():
                if old not in kwargs:
                    continue
                new, convert = (target, None) if isinstance(target, str) else target
                if new in kwargs:
                    raise OptionError(
                        f"{name}() was given both {old}= and {new}=; {old} is the old name of "
                        f"{new}: give {new}= only."
                    )
                warn_renamed(f"{name}({old}=...)", f"{new}=")
                value = kwargs.pop(old)
                kwargs[new] = convert(value) if convert is not None else value
            return func(*args, **kwargs)

        wrapper.__renamed__ = dict(old_to_new)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def check_alpha(alpha: Any, *, name: str = "alpha") -> float:
    """``alpha`` if it is a significance level strictly between 0 and 1 (0.05 gives 95% intervals).

    Examples
    --------
    >>> check_alpha(0.1)
    0.1
    >>> check_alpha(95)
    Traceback (most recent call last):
    ...
    cxlab._errors.OptionError: alpha=95 is not a significance level; give a share between 0 and 1, e.g. alpha=0.05 for 95% intervals.
    """
    ok = isinstance(alpha, int | float) and not isinstance(alpha, bool) and 0 < alpha < 1
    if not ok:
        if name == "alpha":
            raise OptionError(
                f"alpha={alpha!r} is not a significance level; give a share between 0 and 1, "
                "e.g. alpha=0.05 for 95% intervals."
            )
        raise OptionError(
            f"{name}={alpha!r} is not a share; give a number between 0 and 1, e.g. 0.8."
        )
    return float(alpha)
