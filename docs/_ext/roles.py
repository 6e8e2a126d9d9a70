"""A griffe extension: Sphinx roles in cxlab's docstrings become links or inline code.

The docstrings cross-reference in Sphinx's manner (:func:`cxlab.staffing.plan`,
:class:`Moments`, :meth:`~ExperimentReport.findings`). mkdocstrings does not read those roles,
so this extension rewrites each one before rendering: a name the site documents becomes an
autorefs link (``[`plan()`][cxlab.staffing.plan]``); any other name (a private helper, a
standard-library module) becomes inline code. A relative name is looked up beside the object
whose docstring names it, then in its room's public names, then in ``cxlab``'s.
"""

from __future__ import annotations

import re

import griffe

from cxlab import _SUBPACKAGES as ROOMS  # the packages cx exposes, in one place

ROLE = re.compile(r":(?:py:)?(func|class|mod|meth|attr|data|exc|obj):`(~?)([^`]+)`")

# Names of the ground floor that the guide pages render with ``:::`` (getting-started.md,
# vocabulary.md); keep in step with those pages.
GROUND_FLOOR = (
    "cxlab.load",
    "cxlab.set_language",
    "cxlab.language",
    "cxlab.label",
    "cxlab.record",
    "cxlab.Headline",
    "cxlab.Period",
    "cxlab.CxlabError",
    "cxlab.OptionError",
    "cxlab.SchemaError",
    "cxlab.NotEnoughDataError",
    "cxlab._present.parse_period",
    "cxlab._present.check_compare_to",
    "cxlab._present.check_every",
    "cxlab._present.every_minutes",
    "cxlab._present.local_zone",
    "cxlab._options.renamed",
    "cxlab._options.warn_renamed",
)


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles once the package is loaded (see the module docstring)."""

    def on_package(self, *, pkg: griffe.Module, **kwargs) -> None:
        if pkg.name != "cxlab":
            return
        self.pkg = pkg
        self.documented: set[str] = set()
        self.canonical: dict[str, str] = {}
        names = [f"cxlab.{room}.{name}" for room in ROOMS for name in self._exports(room)]
        for path in (*names, *GROUND_FLOOR):
            obj = self._get(path)
            if obj is None:
                continue
            self.documented.add(path)
            target = obj.target_path if obj.is_alias else obj.path
            self.canonical.setdefault(target, path)
            self.canonical.setdefault(path, path)
        for obj in self._walk(pkg):
            if obj.docstring is not None and ":`" in obj.docstring.value:
                obj.docstring.value = ROLE.sub(
                    lambda m, o=obj: self._replace(m, o), obj.docstring.value
                )

    def _exports(self, room: str) -> list[str]:
        module = self.pkg.members.get(room)
        if module is None or module.exports is None:
            return []
        return [e if isinstance(e, str) else e.name for e in module.exports]

    def _get(self, path: str):
        try:
            return self.pkg[path.removeprefix("cxlab.")]
        except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            return None

    def _walk(self, obj):
        for member in obj.members.values():
            if member.is_alias:
                continue
            yield member
            yield from self._walk(member)

    def _public(self, path: str) -> str | None:
        """The documented identifier of ``path`` (a public or canonical path), else None."""
        if path in self.canonical:
            return self.canonical[path]
        owner, _, member = path.rpartition(".")
        if not owner or member.startswith("_"):
            return None
        parent = self.canonical.get(owner)
        if parent is None:
            return None
        cls = self._get(parent)
        if cls is None or not cls.is_class or member not in cls.members:
            return None
        return f"{parent}.{member}"

    def _replace(self, match: re.Match, obj) -> str:
        role, tilde, text = match.groups()
        name = text.lstrip(".").removesuffix("()")
        shown = name.rsplit(".", 1)[-1] if tilde else name
        if role in ("func", "meth"):
            shown += "()"
        if name.startswith("cxlab."):
            candidates = [name]
        else:
            module = obj.module.path
            parts = module.split(".")
            room = ".".join(parts[:2]) if len(parts) > 1 else module
            scope = [obj.parent.path] if obj.parent is not None and obj.parent.is_class else []
            if obj.is_class:
                scope.insert(0, obj.path)
            candidates = [f"{s}.{name}" for s in (*scope, module, room, "cxlab")]
        for candidate in candidates:
            target = self._public(candidate)
            if target is not None:
                return f"[`{shown}`][{target}]"
        return f"`{shown}`"
