"""A file a report offers for download: a ``data:`` link, so it works offline, and escaped.

A result's export (a shift schedule for a workforce-management system) is written to disk by its
``to_csv``; in a report the same bytes travel with the page, as the tables' own CSV downloads do.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass

from cxlab._present import CSS, _


@dataclass(frozen=True)
class Download:
    """A link that downloads ``text`` as ``<name>.csv``; shown when it is the last line of a cell.

    ``label`` is an English msgid, translated when shown; ``note`` a sentence beside the link.
    """

    text: str
    name: str
    label: str
    note: str = ""

    @property
    def href(self) -> str:
        data = base64.b64encode(self.text.encode("utf-8")).decode("ascii")
        return "data:text/csv;charset=utf-8;base64," + data

    def _repr_html_(self) -> str:
        safe = html.escape(self.name.replace(" ", "_"), quote=True)
        note = f" {html.escape(self.note)}" if self.note else ""
        return (
            f"{CSS}<p class='cx-more'><a class='cx-download' download='{safe}.csv' "
            f"href='{self.href}'>{html.escape(_(self.label))}</a>{note}</p>"
        )
