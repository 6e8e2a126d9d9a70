"""The one way a run records its headline numbers (for the index and the run's metrics file).

A notebook (or a room's helper) calls ``cx.record(card, ...)`` with :class:`Headline` cards. Under
``cxlab run`` they are written to the file named by ``CXLAB_METRICS_PATH`` (replaced atomically
after each call); in an interactive session they are kept in memory only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cxlab._present._card import Headline

_RECORDED: dict[str, dict[str, Any]] = {}


def record(*cards: Headline, headline: bool = True) -> None:
    """Record headline cards of this run (returns nothing, so a notebook cell shows nothing).

    ``headline=False`` keeps a number in the metrics file without a tile on the index.
    """
    entries = {}
    for card in cards:
        if not isinstance(card, Headline):
            raise TypeError(f"record() takes Headline cards, not {type(card).__name__}")
        entry = card.to_dict()
        entry["headline"] = headline
        entries[card.key] = entry
    _RECORDED.update(entries)
    path = os.environ.get("CXLAB_METRICS_PATH")
    if path:
        target = Path(path)
        current = json.loads(target.read_text(encoding="utf-8")) if target.exists() else {}
        current.update(entries)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_text(json.dumps(current, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, target)


def recorded() -> dict[str, dict[str, Any]]:
    """What this process recorded so far."""
    return dict(_RECORDED)
