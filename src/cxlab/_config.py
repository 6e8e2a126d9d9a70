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
    if env[0] is None and os.environ.get("CXLAB_TIMEZONE"):  # the old name, one minor version
        _renamed_setting("CXLAB_TIMEZONE", "CXLAB_TIME_ZONE")
        env = (os.environ["CXLAB_TIMEZONE"], *env[1:])
    return _read(root, text, env)


def _renamed_setting(old: str, new: str) -> None:
    import warnings

    warnings.warn(
        f"{old} is renamed {new}; the old name is read until cxlab 0.3.",
        DeprecationWarning,
        stacklevel=4,
    )


@lru_cache(maxsize=64)
def _read(root: Path, text: bytes | None, env: tuple[str | None, ...]) -> Settings:
    """The settings of ``root`` from its ``cxlab.toml`` bytes ``text`` and the ``CXLAB_*``
    variables ``env``: parsed once per distinct content, not at every formatted value."""
    values: dict = {}
    toml = root / "cxlab.toml"
    if text is not None:
        values = dict(tomllib.loads(text.decode("utf-8")).get("workspace", {}))
        if "timezone" in values:  # the old name, one minor version
            _renamed_setting(f"{toml}: timezone", "time_zone")
            values.setdefault("time_zone", values.pop("timezone"))
    for key, value in zip(("time_zone", "country", "currency", "language"), env, strict=True):
        if value:
            values[key] = value
    if "fcr_window_days" in values:
        values["fcr_window_days"] = int(values["fcr_window_days"])
    if "notebooks_dir" in values:
        values["notebooks_dir"] = (root / values["notebooks_dir"]).resolve()
    if values.get("language"):
        from cxlab._present import check_language

        where = "CXLAB_LANGUAGE" if env[3] else f"{toml}: language"
        values["language"] = check_language(values["language"], setting=where)
    else:
        values["language"] = "zh" if str(values.get("country", "CN")).upper() == "CN" else "en"
    known = {"time_zone", "country", "currency", "language", "fcr_window_days", "notebooks_dir"}
    extra = {k: v for k, v in values.items() if k not in known}
    return Settings(workspace=root, extra=extra, **{k: v for k, v in values.items() if k in known})
