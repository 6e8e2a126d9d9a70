"""The named errors of cxlab. Every message says what was wrong and what to do."""

from __future__ import annotations


class CxlabError(Exception):
    """Base class of every error cxlab raises on purpose."""


class SchemaError(CxlabError):
    """An input broke a rule of its canonical table (missing column, wrong type, bad value)."""


class OptionError(CxlabError, ValueError):
    """An option was given a value outside its allowed set."""


class NotEnoughDataError(CxlabError):
    """A result cannot be computed honestly from the data given (too few rows, an empty period)."""


class WorkspaceError(CxlabError):
    """The workspace is missing, incomplete or locked by another run."""


class RunError(CxlabError):
    """A notebook run failed: it errored, stopped early, timed out or was killed."""
