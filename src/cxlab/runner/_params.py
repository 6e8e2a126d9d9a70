"""A notebook's ``parameters`` cell, read statically, and the checking of given parameters.

papermill only warns about an unknown parameter and never checks types, and its inspection does
not read annotations such as ``month: str | None = None``; this module reads the cell with
:mod:`ast` and refuses an unknown or mistyped parameter before anything runs.
"""

from __future__ import annotations

import ast
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cxlab._errors import OptionError


@dataclass(frozen=True)
class Parameter:
    name: str
    default: Any
    annotation: str | None  # the source text of the annotation, if any

    @property
    def kinds(self) -> tuple[str, ...]:
        """The accepted kinds: from the annotation, else from the default's type."""
        if self.annotation:
            text = self.annotation.strip()
            if text.startswith(("Optional[", "typing.Optional[")) and text.endswith("]"):
                text = text.split("[", 1)[1][:-1] + " | None"
            parts = [p.strip() for p in text.split("|")]
            return tuple(_normal(p) for p in parts)
        if self.default is None:
            return ("any",)
        return (_kind_of(self.default),)


def _normal(text: str) -> str:
    text = text.replace("typing.", "").replace("List[", "list[").strip()
    return {"None": "none", "NoneType": "none"}.get(text, text)


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, list):
        inner = {_kind_of(v) for v in value}
        return f"list[{inner.pop()}]" if len(inner) == 1 else "list"
    if value is None:
        return "none"
    return type(value).__name__


def parameters_cell(path: Path) -> dict[str, Parameter]:
    """The parameters declared in the cell tagged ``parameters`` (empty if there is none)."""
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return _parse(cell.source)
    return {}


def _parse(source: str) -> dict[str, Parameter]:
    out: dict[str, Parameter] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            value = ast.literal_eval(node.value) if node.value is not None else None
            out[node.target.id] = Parameter(node.target.id, value, ast.unparse(node.annotation))
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            out[node.targets[0].id] = Parameter(
                node.targets[0].id, ast.literal_eval(node.value), None
            )
    return out


def _coerce_text(text: str, kinds: tuple[str, ...]) -> Any:
    """Turn a command-line string into a value of one of ``kinds``."""
    if "none" in kinds and text.strip().lower() in ("none", "null", ""):
        return None
    for kind in kinds:
        if kind == "str":
            return text
        try:
            if kind == "int":
                return int(text)
            if kind == "float":
                return float(text)
            if kind == "bool":
                low = text.strip().lower()
                if low in ("true", "yes", "1"):
                    return True
                if low in ("false", "no", "0"):
                    return False
                raise ValueError(text)
            if kind.startswith("list"):
                value = (
                    yaml.safe_load(text)
                    if text.strip().startswith("[")
                    else [t.strip() for t in text.split(",") if t.strip()]
                )
                inner = kind[5:-1] if kind.startswith("list[") else "any"
                return [_coerce_text(str(v), (inner,)) if inner != "any" else v for v in value]
        except (ValueError, yaml.YAMLError):
            continue
    if kinds == ("any",):
        value = yaml.safe_load(text)
        return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
    raise ValueError(text)


def _fits(value: Any, kinds: tuple[str, ...]) -> bool:
    if "any" in kinds:
        return True
    actual = _kind_of(value)
    for kind in kinds:
        if actual == kind or (kind == "float" and actual == "int"):
            return True
        if kind.startswith("list") and isinstance(value, list):
            inner = kind[5:-1] if kind.startswith("list[") else None
            if inner is None or all(_fits(v, (inner,)) for v in value):
                return True
    return False


def check_parameters(
    path: Path, given: dict[str, Any], *, from_text: bool = False, outputs: Path | None = None
) -> dict[str, Any]:
    """Check ``given`` against the notebook's parameters cell; return the typed values.

    A number must be finite (NaN passes every ``0 <= x <= 1`` check in a notebook, so it is
    refused here). With ``outputs``, a parameter naming a folder or file the notebook writes
    (``export_dir``, ``*_dir``, ``*_path``, ``*_file``) may not point inside it: everything under
    ``outputs/`` is published, and exports hold unmasked customer ids.

    Raises
    ------
    OptionError
        For an unknown name (listing the known ones), a value of the wrong type (naming the
        expected type), a number that is not finite or an export inside ``outputs/``, before
        anything runs.
    """
    declared = parameters_cell(path)
    unknown = [k for k in given if k not in declared]
    if unknown:
        known = ", ".join(f"{p.name} ({' | '.join(p.kinds)})" for p in declared.values()) or "none"
        raise OptionError(
            f"{path.name}: unknown parameter(s) {', '.join(unknown)}; the notebook takes {known}."
        )
    typed: dict[str, Any] = {}
    for name, value in given.items():
        kinds = declared[name].kinds
        if from_text and isinstance(value, str):
            try:
                value = _coerce_text(value, kinds)
            except ValueError:
                raise OptionError(
                    f"{path.name}: parameter {name}={value!r} is not of type {' | '.join(kinds)}."
                ) from None
        if not _fits(value, kinds):
            raise OptionError(
                f"{path.name}: parameter {name}={value!r} is not of type {' | '.join(kinds)}."
            )
        if not _finite(value):
            raise OptionError(
                f"{path.name}: parameter {name}={value!r} is not a finite number; "
                "give a number such as 0.3 (NaN and infinity are refused)."
            )
        if outputs is not None and _writes_files(name) and isinstance(value, str) and value:
            _outside(path, name, value, outputs)
        typed[name] = value
    return typed


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return all(_finite(v) for v in value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    return True


def _writes_files(name: str) -> bool:
    return name.startswith("export") or name.endswith(("_dir", "_path", "_file"))


def _outside(path: Path, name: str, value: str, outputs: Path) -> None:
    """Refuse a folder or file parameter inside the published ``outputs/``."""
    root = outputs.parent
    target = Path(value).expanduser()
    target = (target if target.is_absolute() else root / target).resolve()
    if target == outputs.resolve() or outputs.resolve() in target.parents:
        raise OptionError(
            f"{path.name}: parameter {name}={value!r} is inside {outputs}, whose files are "
            "published with the reports; exports hold full customer ids, so give a folder "
            "outside outputs/ (empty means the workspace's data/exports)."
        )
