"""Workspace settings: one object read from ``cxlab.toml`` plus ``CXLAB_*`` environment variables.

The workspace is the folder that holds ``data/`` and ``outputs/``. It is found, in order, from the
``CXLAB_WORKSPACE`` environment variable, then the nearest folder upward from the current directory
that has a ``cxlab.toml`` or a ``data/processed`` folder, then the current directory.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cxlab._errors import WorkspaceError


@dataclass(frozen=True)
class Settings:
    """Where the workspace lives and how it is shown."""

    workspace: Path
    time_zone: str = "Asia/Shanghai"
    country: str = "CN"
    currency: str = "CNY"
    language: str = ""  # "zh" or "en"; empty means from the country (CN gives zh)
    fcr_window_days: int = 7
    notebooks_dir: Path | None = None
    extra: dict = field(default_factory=dict)

    @property
    def timezone(self) -> str:
        """Deprecated name of :attr:`time_zone`."""
        _renamed_setting("Settings.timezone", "Settings.time_zone")
        return self.time_zone

    @property
    def data_dir(self) -> Path:
        return self.workspace / "data"

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def processed_dir(self) -> Path:
        return self.data_dir / "processed"

    @property
    def outputs_dir(self) -> Path:
        return self.workspace / "outputs"

    @property
    def notebooks(self) -> Path:
        return self.notebooks_dir or self.workspace / "notebooks"


def _find_workspace(start: Path) -> Path:
    for folder in (start, *start.parents):
        if (folder / "cxlab.toml").exists() or (folder / "data" / "processed").is_dir():
            return folder
    return start


def settings(workspace: str | os.PathLike | None = None) -> Settings:
    """Read the settings of a workspace (the current one by default)."""
    if workspace is not None:
        root = Path(workspace).resolve()
    elif os.environ.get("CXLAB_WORKSPACE"):
        root = Path(os.environ["CXLAB_WORKSPACE"]).resolve()
    else:
        root = _find_workspace(Path.cwd().resolve())
    toml = root / "cxlab.toml"
    try:
        text = toml.read_bytes()
    except OSError:
        text = None
    env = tuple(
        os.environ.get(f"CXLAB_{k}") for k in ("TIME_ZONE", "COUNTRY", "CURRENCY", "LANGUAGE")
    )
    old_zone = None
    if env[0] is None and os.environ.get("CXLAB_TIMEZONE"):  # the old name, one minor version
        _renamed_setting("CXLAB_TIMEZONE", "CXLAB_TIME_ZONE")
        env = (os.environ["CXLAB_TIMEZONE"], *env[1:])
        old_zone = "CXLAB_TIMEZONE"
    return _read(root, text, (*env, old_zone))


def _renamed_setting(old: str, new: str) -> None:
    import warnings

    warnings.warn(
        f"{old} is renamed {new}; the old name is read until cxlab 0.3.",
        DeprecationWarning,
        stacklevel=4,
    )


def check_workspace(path: str | os.PathLike | None, *, new: bool = False) -> Path | None:
    """Refuse a workspace folder that does not exist (``new``: one whose parent does not exist,
    the folder itself is made); ``None`` (the current workspace) passes."""
    if path is None:
        return None
    folder = Path(path)
    try:
        str(folder).encode("utf-8")
    except UnicodeEncodeError:
        raise WorkspaceError(f"workspace {str(folder)!r} is not a valid UTF-8 path.") from None
    if folder.is_dir():
        return folder
    if folder.exists():
        raise WorkspaceError(f"workspace {folder} is a file, not a folder.")
    if new and folder.parent.is_dir():
        folder.mkdir()
        return folder
    raise WorkspaceError(
        f"workspace {folder} does not exist; give an existing folder"
        + (
            " (or one whose parent exists, to make a new workspace)."
            if new
            else " (cxlab data generate --workspace FOLDER makes a new one)."
        )
    )


SCHEMA: dict[str, str] = {
    "time_zone": "an IANA time zone name such as Asia/Shanghai or America/New_York",
    "country": "a two-letter country code: CN or US",
    "currency": "a three-letter ISO 4217 code such as CNY or USD",
    "language": '"zh" or "en"',
    "fcr_window_days": "a whole number of days from 1 to 90",
    "notebooks_dir": "a folder path (relative to the workspace or absolute)",
    "archive_keep": "a whole number ≥ 1",
}
"""The keys of ``[workspace]`` in ``cxlab.toml`` and the values each accepts."""


def _refuse(where: str, key: str, value: object) -> WorkspaceError:
    shown = repr(value) if not isinstance(value, dict) else "a table"
    return WorkspaceError(f"{where}: {key} = {shown} is not valid; give {SCHEMA[key]}.")


def _check_value(where: str, key: str, value: object) -> object:
    """One setting checked against :data:`SCHEMA`; returns it normalised."""
    if key == "time_zone":
        return _check_zone(where, value)
    if key == "country":
        if not isinstance(value, str) or value.upper() not in ("CN", "US"):
            raise _refuse(where, key, value)
        return value.upper()
    if key == "currency":
        if (
            not isinstance(value, str)
            or len(value) != 3
            or not (value.isascii() and value.isalpha())
        ):
            raise _refuse(where, key, value)
        return value.upper()
    if key == "language":
        from cxlab._present import check_language

        if not isinstance(value, str):
            raise _refuse(where, key, value)
        return check_language(value, setting=f"{where}: language")
    if key == "fcr_window_days":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 90:
            raise _refuse(where, key, value)
        return value
    if key == "archive_keep":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise _refuse(where, key, value)
        return value
    if key == "notebooks_dir":
        if not isinstance(value, str) or not value.strip():
            raise _refuse(where, key, value)
        return value
    return value


def _check_zone(where: str, value: object) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(value, str) or not value.strip():
        raise _refuse(where, "time_zone", value)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise WorkspaceError(
            f"{where}: time_zone = {value!r} is not a known time zone; give {SCHEMA['time_zone']}."
        ) from None
    return value


SECTIONS: tuple[str, ...] = ("workspace", "sources", "shifts")
"""The top-level tables of ``cxlab.toml``: settings, database sources, shift rules."""


def _parse_toml(toml: Path, text: bytes) -> dict:
    """The ``[workspace]`` table of ``cxlab.toml``, checked: UTF-8, TOML, known keys."""
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WorkspaceError(
            f"{toml} is not UTF-8 text (byte {exc.start}); save it as UTF-8 TOML."
        ) from None
    try:
        doc = tomllib.loads(decoded)
    except tomllib.TOMLDecodeError as exc:
        raise WorkspaceError(f"{toml} is not valid TOML: {exc}.") from None
    unknown = [k for k in doc if k not in SECTIONS]
    if unknown:
        raise WorkspaceError(
            f"{toml}: unknown key(s) {', '.join(unknown)} at the top; settings go under "
            "[workspace], database sources under [sources], shift rules under [shifts]."
        )
    table = doc.get("workspace", {})
    if not isinstance(table, dict):
        raise WorkspaceError(f"{toml}: workspace must be a table ([workspace]), not {table!r}.")
    values = dict(table)
    if "timezone" in values:  # the old name, one minor version
        _renamed_setting(f"{toml}: timezone", "time_zone")
        values.setdefault("time_zone", values.pop("timezone"))
        values.pop("timezone", None)
    unknown = [k for k in values if k not in SCHEMA]
    if unknown:
        raise WorkspaceError(
            f"{toml}: unknown key(s) {', '.join(unknown)} under [workspace]; "
            f"known: {', '.join(SCHEMA)}."
        )
    where = f"{toml} [workspace]"
    return {k: _check_value(where, k, v) for k, v in values.items()}


@lru_cache(maxsize=64)
def _read(root: Path, text: bytes | None, env: tuple[str | None, ...]) -> Settings:
    """The settings of ``root`` from its ``cxlab.toml`` bytes ``text`` and the ``CXLAB_*``
    variables ``env``: parsed once per distinct content, not at every formatted value.

    Every value is checked against :data:`SCHEMA`; a bad one raises :class:`WorkspaceError`
    naming the file or variable, the key, the value and what is accepted.
    """
    values: dict = {}
    toml = root / "cxlab.toml"
    if text is not None:
        values = _parse_toml(toml, text)
    names = ("time_zone", "country", "currency", "language")
    for key, value in zip(names, env[:4], strict=True):
        if value:
            where = f"CXLAB_{key.upper()}"
            if key == "time_zone" and env[4]:
                where = "CXLAB_TIMEZONE"
            values[key] = _check_value(where, key, value)
    if "notebooks_dir" in values:
        values["notebooks_dir"] = (root / values["notebooks_dir"]).resolve()
    if not values.get("language"):
        values["language"] = "zh" if str(values.get("country", "CN")).upper() == "CN" else "en"
    known = {"time_zone", "country", "currency", "language", "fcr_window_days", "notebooks_dir"}
    extra = {k: v for k, v in values.items() if k not in known}
    return Settings(workspace=root, extra=extra, **{k: v for k, v in values.items() if k in known})


SOURCE_KEYS: dict[str, str] = {
    "url": "a postgresql:// URL without a password",
    "url_env": "the name of an environment variable holding the URL",
    "query": "a table name (schema.table) or one SELECT statement",
    "params": "a list (bound to $1, $2, ...) or a table (bound to :name) of values",
    "map": "a mapping YAML path (relative to the workspace) or a table with its keys",
}
"""The keys of a table's entry under ``[sources]`` in ``cxlab.toml`` and what each holds."""


@dataclass(frozen=True)
class SourceEntry:
    """One table's entry under ``[sources]``: where to read it, as written (not yet checked
    against the database, and the URL not yet checked for a password)."""

    table: str
    url: str
    url_from: str
    """Where the URL came from: ``cxlab.toml [sources.contacts] url`` or ``$NAME``."""
    query: str | None = None
    params: tuple | dict | None = None
    map: str | dict | None = None


def read_sources(workspace: str | os.PathLike | Settings | None = None) -> dict[str, SourceEntry]:
    """The ``[sources]`` section of the workspace's ``cxlab.toml``, one entry per table, in order.

    ``url`` and ``url_env`` given beside the tables (``[sources] url = ...``) are the default
    of every table. The section is read only here, when a database is to be read, and kept in no
    settings object, so that no URL travels further than the ingest that uses it.

    Raises
    ------
    WorkspaceError
        No ``[sources]`` section, an unknown key, a value of the wrong kind, or an environment
        variable named by ``url_env`` that is not set. Values are not echoed: a URL may be secret.
    """
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    toml = ws.workspace / "cxlab.toml"
    try:
        doc = tomllib.loads(toml.read_bytes().decode("utf-8"))
    except OSError:
        doc = {}
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        _parse_toml(toml, toml.read_bytes())  # raises the settings' own message
        raise  # pragma: no cover - _parse_toml raised
    section = doc.get("sources")
    if not isinstance(section, dict) or not section:
        raise WorkspaceError(
            f"{toml} has no [sources] section; add one entry per table, e.g.\n"
            "[sources.contacts]\n"
            'url_env = "CXLAB_DB_URL"   # or url = "postgresql://user@host:5432/db"\n'
            'query = "SELECT * FROM crm.contacts"'
        )
    defaults = {k: v for k, v in section.items() if not isinstance(v, dict)}
    for key in defaults:
        if key not in ("url", "url_env"):
            raise WorkspaceError(
                f"{toml} [sources]: unknown key {key!r}; beside the tables only url and url_env "
                "(the default of every table) are read, and each table is a [sources.TABLE] "
                "entry."
            )
    out: dict[str, SourceEntry] = {}
    for table, entry in section.items():
        if not isinstance(entry, dict):
            continue
        where = f"{toml} [sources.{table}]"
        unknown = [k for k in entry if k not in SOURCE_KEYS]
        if unknown:
            raise WorkspaceError(
                f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(SOURCE_KEYS)}."
            )
        for key, value in entry.items():
            kinds = {
                "url": str,
                "url_env": str,
                "query": str,
                "params": (list, dict),
                "map": (str, dict),
            }[key]
            if not isinstance(value, kinds) or (isinstance(value, str) and not value.strip()):
                raise WorkspaceError(f"{where}: {key} is not valid; give {SOURCE_KEYS[key]}.")
        given = {k: entry[k] for k in ("url", "url_env") if k in entry} or defaults
        if len(given) != 1:
            raise WorkspaceError(
                f"{where}: give the database as url or url_env (one of them), here or under "
                "[sources] for every table."
            )
        if "url" in given:
            url, url_from = given["url"], f"{where} url"
        else:
            name = given["url_env"]
            url = os.environ.get(name, "")
            url_from = f"${name}"
            if not url.strip():
                raise WorkspaceError(
                    f"{where}: url_env names the environment variable {name}, which is not set; "
                    "set it to the database URL (postgresql://user@host:5432/db)."
                )
        params = entry.get("params")
        out[table] = SourceEntry(
            table=table,
            url=url.strip(),
            url_from=url_from,
            query=entry.get("query"),
            params=tuple(params) if isinstance(params, list) else params,
            map=entry.get("map"),
        )
    if not out:
        raise WorkspaceError(
            f"{toml} [sources] names no table; add a [sources.TABLE] entry for each table."
        )
    return out


def read_section(name: str, workspace: str | os.PathLike | Settings | None = None) -> dict:
    """The ``[name]`` table of the workspace's ``cxlab.toml`` as written (``{}`` when the file or
    the section is absent), for the room that owns the section to check key by key.

    Raises
    ------
    WorkspaceError
        The file is not UTF-8 TOML, has an unknown section, or ``name`` is not a table.
    """
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    toml = ws.workspace / "cxlab.toml"
    try:
        text = toml.read_bytes()
    except OSError:
        return {}
    _parse_toml(toml, text)  # the file's own checks and messages
    section = tomllib.loads(text.decode("utf-8")).get(name, {})
    if not isinstance(section, dict):
        raise WorkspaceError(f"{toml}: {name} must be a table ([{name}]), not {section!r}.")
    return section
