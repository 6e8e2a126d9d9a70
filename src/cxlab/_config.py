"""Workspace settings: one object read from ``cxlab.toml`` plus ``CXLAB_*`` environment variables.

The workspace is the folder that holds ``data/`` and ``outputs/``. It is found, in order, from the
``CXLAB_WORKSPACE`` environment variable, then the nearest folder upward from the current directory
that has a ``cxlab.toml`` or a ``data/processed`` folder, then the current directory.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Where the workspace lives and how it is shown."""

    workspace: Path
    timezone: str = "Asia/Shanghai"
    country: str = "CN"
    currency: str = "CNY"
    language: str = ""  # "zh" or "en"; empty means from the country (CN gives zh)
    fcr_window_days: int = 7
    notebooks_dir: Path | None = None
    extra: dict = field(default_factory=dict)

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
    values: dict = {}
    toml = root / "cxlab.toml"
    if toml.exists():
        with toml.open("rb") as fh:
            values = dict(tomllib.load(fh).get("workspace", {}))
    for key in ("timezone", "country", "currency", "language"):
        env = os.environ.get(f"CXLAB_{key.upper()}")
        if env:
            values[key] = env
    if "fcr_window_days" in values:
        values["fcr_window_days"] = int(values["fcr_window_days"])
    if "notebooks_dir" in values:
        values["notebooks_dir"] = (root / values["notebooks_dir"]).resolve()
    if values.get("language"):
        from cxlab._present._i18n import check_language

        where = "CXLAB_LANGUAGE" if os.environ.get("CXLAB_LANGUAGE") else f"{toml}: language"
        values["language"] = check_language(values["language"], setting=where)
    else:
        values["language"] = "zh" if str(values.get("country", "CN")).upper() == "CN" else "en"
    known = {"timezone", "country", "currency", "language", "fcr_window_days", "notebooks_dir"}
    extra = {k: v for k, v in values.items() if k not in known}
    return Settings(workspace=root, extra=extra, **{k: v for k, v in values.items() if k in known})
