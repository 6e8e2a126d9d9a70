"""Masking of customer identifiers for anything a person other than the analyst sees.

A mask keeps at most two leading characters of the identifier and adds a keyed fingerprint:
``C0***#7i9x1x4e4g8k9c4s``. The fingerprint is the first 64 bits of HMAC-SHA256 of the
identifier under the workspace's secret key, each byte written as a digit and a letter, so that
it never reads as a word, nor as a number a scrubber would take for a phone or card number.
Without the key a mask says nothing about the id behind it: hashing the id space (a few million
ids take a fraction of a second) finds nothing. Masks are stable within a workspace (the same id
gives the same mask in every report and every message) and differ between workspaces.

With 64 bits, the chance that any two of 10 million distinct ids share a fingerprint is about
n²/2⁶⁵ = 2.7e-6 (the two leading characters only lower it further).

The key is, in order:

- the ``CXLAB_MASK_KEY`` environment variable (at least 16 characters), for an organisation that
  wants the same masks in several workspaces and keeps its secrets in the environment;
- otherwise the workspace's key file ``data/.mask_key``: 64 hex digits (256 random bits),
  permissions 0600, made on first use in a workspace that has a ``data/`` folder (a folder that is
  not a workspace gets no file and masks with a key of the process, as does a read-only one). It
  lives beside the data, never under ``outputs/``, and is never printed. Keep it with the data's
  backups: deleting it changes every mask from then on.

The workspace is the one :func:`masking_in` names (an ingest names the workspace it checks
against), else the current one (:func:`cxlab._config.settings`).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

import polars as pl

from cxlab._errors import OptionError, WorkspaceError

KEY_ENV = "CXLAB_MASK_KEY"
KEY_FILE = ".mask_key"  # under the workspace's data/ folder
MIN_ENV_KEY = 16  # characters
FINGERPRINT_BYTES = 8  # 64 bits
_KEY_BYTES = 32

_log = logging.getLogger("cxlab")
_active: ContextVar[Path | None] = ContextVar("cxlab_mask_workspace", default=None)
_cache: dict[Path, tuple[tuple[int, ...], bytes]] = {}
_ephemeral: dict[Path, bytes] = {}


def key_path(workspace: str | os.PathLike | None = None) -> Path:
    """Where the workspace's mask key lives: ``<workspace>/data/.mask_key``."""
    return _root(workspace) / "data" / KEY_FILE


def _root(workspace: str | os.PathLike | None) -> Path:
    if workspace is not None:
        return Path(workspace).resolve()
    active = _active.get()
    if active is not None:
        return active
    from cxlab._config import settings

    return settings().workspace


@contextlib.contextmanager
def masking_in(workspace: str | os.PathLike) -> Iterator[None]:
    """Within the block, masks made without an explicit key use ``workspace``'s key (for code
    that works on another workspace than the current one, such as an ingest's refusal message)."""
    root = getattr(workspace, "workspace", workspace)  # a Settings object or a path
    token = _active.set(Path(root).resolve())
    try:
        yield
    finally:
        _active.reset(token)


def mask_key(workspace: str | os.PathLike | None = None) -> bytes:
    """The secret key of ``workspace``'s masks (see the module's notes for where it comes from).

    Raises
    ------
    OptionError
        ``CXLAB_MASK_KEY`` is set but shorter than 16 characters.
    WorkspaceError
        The key file exists but is damaged (it is not regenerated: every mask would change).
    """
    env = os.environ.get(KEY_ENV)
    if env is not None and env != "":
        if len(env) < MIN_ENV_KEY:
            raise OptionError(
                f"{KEY_ENV} is too short ({len(env)} characters): a mask key needs at least "
                f"{MIN_ENV_KEY} characters, e.g. the 64 hex digits printed by "
                "python -c 'import secrets; print(secrets.token_hex(32))'."
            )
        return env.encode("utf-8")
    root = _root(workspace)
    path = root / "data" / KEY_FILE
    key = _read_key(path)
    if key is not None:
        return key
    if not path.parent.is_dir():  # not a workspace (no data/ folder): nothing is written there
        return _ephemeral.setdefault(root, secrets.token_bytes(_KEY_BYTES))
    try:
        return _create_key(path)
    except OSError as exc:  # a read-only workspace: masks stay unlinkable, stable for this process
        _log.info("mask key %s could not be written (%s); using a key for this process", path, exc)
        return _ephemeral.setdefault(root, secrets.token_bytes(_KEY_BYTES))


def _read_key(path: Path) -> bytes | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    signature = (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_mode)
    cached = _cache.get(path)
    if cached is not None and cached[0] == signature:
        return cached[1]
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, UnicodeDecodeError, ValueError):
        key = b""
    if len(key) != _KEY_BYTES:
        raise WorkspaceError(
            f"The mask key {path} is damaged: it must hold {2 * _KEY_BYTES} hex digits. Restore it "
            "from the workspace's backup; deleting it makes a new key and changes every mask."
        )
    if stat.st_mode & 0o077:  # restored from a backup readable by others: private again
        with contextlib.suppress(OSError):
            os.chmod(path, 0o600)
    _cache[path] = (signature, key)
    return key


def _create_key(path: Path) -> bytes:
    """Write a new key with permissions 0600; when another process wins the race, read its key."""
    text = secrets.token_hex(_KEY_BYTES) + "\n"
    tmp = path.with_name(f"{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        _write_new(tmp, text)
        try:
            os.link(tmp, path)  # atomic, and never replaces a key another process made first
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links: create the key file in place
            with contextlib.suppress(FileExistsError):
                _write_new(path, text)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    key = _read_key(path)
    if key is None:  # pragma: no cover - made above, or by the process that won the race
        raise WorkspaceError(f"The mask key {path} could not be created.")
    return key


def _write_new(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def mask_id(value: str | None, *, key: bytes | None = None) -> str | None:
    """Mask an identifier, keeping a keyed fingerprint so rows stay distinguishable.

    ``key`` defaults to the workspace's (:func:`mask_key`).

    Examples
    --------
    >>> mask_id("C0001234", key=b"an example key, not a real one")
    'C0***#7i9x1x4e4g8k9c4s'
    """
    if value is None:
        return None
    return _mask(str(value), mask_key() if key is None else key)


def _mask(text: str, key: bytes) -> str:
    digest = hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()[:FINGERPRINT_BYTES]
    # a byte b is 10 * (b // 10) + b % 10 with b // 10 <= 25: a digit and a letter, one to one
    fingerprint = "".join(f"{b % 10}{chr(97 + b // 10)}" for b in digest)
    return f"{text[: min(2, len(text) // 3)]}***#{fingerprint}"


def mask_column(frame: pl.DataFrame, column: str, *, key: bytes | None = None) -> pl.DataFrame:
    """Return ``frame`` with ``column`` masked by :func:`mask_id` (one key for the column)."""
    if column not in frame.columns:
        return frame
    secret = mask_key() if key is None else key
    return frame.with_columns(
        pl.col(column)
        .cast(pl.Utf8)
        .map_elements(lambda v: _mask(v, secret), return_dtype=pl.Utf8, skip_nulls=True)
    )


def short_mask(masked: str | None, chars: int = 6) -> str | None:
    """A mask made by :func:`mask_id` with only the first ``chars`` characters of its
    fingerprint, enough to tell the rows of a list apart on a page (``C0***#7i9x1x``); without
    the workspace key it cannot be reversed, no more than the whole mask."""
    if masked is None or "#" not in masked:
        return masked
    head, _sep, fingerprint = masked.partition("#")
    return f"{head}#{fingerprint[:chars]}"
