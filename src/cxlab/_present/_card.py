"""The headline card: one number a reader needs, with its target, status, period and change.

Results return cards (``Result.headline()``); a report shows them as tiles
(:func:`cards_html`), a run records them for the index (:func:`cxlab._present.record`), and the
index draws the same tiles from the recorded dictionaries. The status is decided on the value and
shown with the digits that decide it (10.02% against ≤ 10.0% reads 10.02%).
"""

from __future__ import annotations

import datetime as dt
import html
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from cxlab._present._i18n import _, gettext
from cxlab._present._units import Unit, decisive_decimals, fmt_change, fmt_period, fmt_value

Direction = Literal[">=", "<="]
Status = Literal["met", "missed"]
Comparison = Literal["previous", "year_ago", "baseline"]
"""What a card's change is measured against: the ``compare_to`` vocabulary of :class:`Period`,
or a baseline (a forecast's naive benchmark)."""

# cards recorded before the one vocabulary (runs.jsonl, metrics.json) still read
_OLD_COMPARISON = {
    "previous_month": "previous",
    "previous_quarter": "previous",
    "previous_period": "previous",
    "last_year": "year_ago",
}
_OLD_UNIT = {"previous_month": "month", "last_year": "month", "previous_quarter": "quarter"}


def _period_unit(start: dt.date, end: dt.date) -> str:
    from cxlab._present._period import _range

    return _range(start, end).unit


@dataclass(frozen=True)
class Headline:
    """A headline number.

    ``label`` is an English msgid (translated when shown); ``period`` is ``(start, end)`` in local
    dates, end exclusive; ``change`` is the difference from the ``compared_to`` period in the
    value's unit; ``higher_is_better`` colours the change; ``low``/``high`` bound the value when it
    is an estimate; ``sparkline`` is a short history, oldest first. ``kind="change"`` marks a value
    that is itself a difference (an effect: +5.9 pp, likely between +4.7 pp and +7.2 pp).
    """

    key: str
    label: str
    value: float | int | str | None
    unit: Unit | str = "count"
    target: float | None = None
    direction: Direction | None = None
    period: tuple[str, str] | None = None
    change: float | None = None
    compared_to: Comparison | None = None
    higher_is_better: bool | None = None
    low: float | None = None
    high: float | None = None
    sparkline: tuple[float, ...] = field(default=())
    detail: str | None = None
    kind: Literal["level", "change"] = "level"
    decimals: int | None = None
    """Digits of a value without a target (``None``: the unit's usual precision)."""

    def _fmt(self, value: float | None, *, decimals: int | None = None, compact: bool = False):
        if self.kind == "change":
            return fmt_change(value, self.unit, decimals=decimals)
        return fmt_value(value, self.unit, decimals=decimals, compact=compact)

    @property
    def status(self) -> Status | None:
        """Met or missed against the target (``None`` without one)."""
        v = self.value
        if self.target is None or self.direction is None or not isinstance(v, (int, float)):
            return None
        if isinstance(v, float) and not math.isfinite(v):
            return None
        ok = v >= self.target if self.direction == ">=" else v <= self.target
        return "met" if ok else "missed"

    def _decimals(self) -> int | None:
        if self.target is None or not isinstance(self.value, (int, float)):
            return self.decimals
        return decisive_decimals(float(self.value), float(self.target), self.unit)

    def value_text(self, *, compact: bool = True) -> str:
        if self.unit == "text" or isinstance(self.value, str):
            return gettext(str(self.value)) if self.value is not None else "–"
        return self._fmt(self.value, decimals=self._decimals(), compact=compact)

    def target_text(self) -> str | None:
        if self.target is None:
            return None
        sign = {">=": "≥ ", "<=": "≤ "}.get(self.direction or "", "")
        digits = self._decimals()
        return _("Target {target}").format(target=sign + self._fmt(self.target, decimals=digits))

    def status_text(self) -> str | None:
        return {"met": _("met"), "missed": _("missed")}.get(self.status or "")

    def change_text(self) -> str | None:
        if self.change is None or (isinstance(self.change, float) and math.isnan(self.change)):
            return None
        words = self.comparison_text()
        # Chinese names the comparison first (环比 +1.2个百分点): the order is the catalogue's;
        # the change reads with the value's digits (10.02%, -0.64 pp; not -0.6 pp)
        change = fmt_change(self.change, self.unit, decimals=self._decimals())
        return _("{change} {comparison}").format(change=change, comparison=words)

    def comparison_text(self) -> str:
        """What the change is measured against, in words (环比, 同比, vs baseline)."""
        how = _OLD_COMPARISON.get(self.compared_to or "", self.compared_to or "previous")
        if how == "baseline":
            return _("vs baseline")
        from cxlab._present._period import Period

        if self.period is None:
            unit = _OLD_UNIT.get(self.compared_to or "")
            if unit is None:
                return (
                    _("vs previous period") if how == "previous" else _("vs same period last year")
                )
            return Period("", dt.date(2000, 1, 1), dt.date(2000, 1, 2), unit).compare_words(how)
        start, end = (dt.date.fromisoformat(str(d)[:10]) for d in self.period)
        return Period("", start, end, _period_unit(start, end)).compare_words(how)

    def change_tone(self) -> str:
        if not self.change or self.higher_is_better is None:
            return "flat"
        return "good" if (self.change > 0) == self.higher_is_better else "bad"

    def period_text(self) -> str | None:
        return fmt_period(*self.period) if self.period else None

    def interval_text(self) -> str | None:
        if self.low is None or self.high is None:
            return None
        return _("likely between {low} and {high}").format(
            low=self._fmt(self.low), high=self._fmt(self.high)
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, for a run's metrics file (the index redraws the tile from it)."""
        out = asdict(self)
        out["sparkline"] = list(self.sparkline)
        out["status"] = self.status
        out["headline"] = True
        for k, v in out.items():
            if isinstance(v, float) and not math.isfinite(v):
                out[k] = None
            elif isinstance(v, (dt.date, dt.datetime)):
                out[k] = v.isoformat()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Headline:
        names = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in names}
        if values.get("period"):
            values["period"] = tuple(values["period"])
        values["sparkline"] = tuple(values.get("sparkline") or ())
        values.setdefault("key", data.get("name", ""))
        return cls(**values)

    def to_html(self) -> str:
        return cards_html([self])


def _sparkline_svg(points: tuple[float, ...]) -> str:
    values = [p for p in points if p is not None and math.isfinite(p)]
    if len(values) < 2:
        return ""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    w, h = 120, 28
    step = w / (len(values) - 1)
    path = " ".join(
        f"{i * step:.1f},{h - 2 - (v - lo) / span * (h - 4):.1f}" for i, v in enumerate(values)
    )
    return (
        f"<svg class='spark' width='{w}' height='{h}' viewBox='0 0 {w} {h}' aria-hidden='true'>"
        f"<polyline fill='none' stroke='#1f5a96' stroke-width='1.5' points='{path}'/></svg>"
    )


def cards_html(cards: list[Headline]) -> str:
    """Headline tiles; every piece of text is escaped."""
    tiles = []
    for c in cards:
        e = html.escape
        status = c.status
        lines = [
            f"<div class='l'>{e(gettext(c.label))}</div>",
            f"<div class='v{' words' if len(c.value_text()) > 8 else ''}'>{e(c.value_text())}</div>",
        ]
        if c.target_text():
            tone = "" if status is None else f" cx-{status}"
            lines.append(
                f"<div class='t{tone}'>{e(c.target_text() or '')}"
                + (f" · {e(c.status_text() or '')}" if status else "")
                + "</div>"
            )
        if c.change_text():
            lines.append(f"<div class='c cx-{c.change_tone()}'>{e(c.change_text() or '')}</div>")
        if c.interval_text():
            lines.append(f"<div class='d'>{e(c.interval_text() or '')}</div>")
        if c.detail:
            lines.append(f"<div class='d'>{e(gettext(c.detail))}</div>")
        if c.period:
            lines.append(f"<div class='p'>{e(c.period_text() or '')}</div>")
        lines.append(_sparkline_svg(c.sparkline))
        tiles.append(f"<div class='cx-card'>{''.join(lines)}</div>")
    return f"<div class='cx-headline'>{''.join(tiles)}</div>"
