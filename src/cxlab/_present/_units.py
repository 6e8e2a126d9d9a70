"""Numbers as a reader reads them: one formatter for values, changes and intervals, by unit.

Babel does the locale work (grouping, percent, currency, dates); the unit decides the rest:

========== ============================== ==================================================
unit       a value                        a change
========== ============================== ==================================================
share      78.1%                          +1.2 pp / +1.2个百分点
percent    +4.5% (a relative change)      +4.5%
seconds    45 s, 12.5 min, 1.3 h, 2.1 d   -34 s / 减少 34秒 (the magnitude chooses the unit)
money      CN¥242,000 / ¥24.2万           +CN¥1,200
count      283,209 / 28.3万               +1,204
score      4.26 (CSAT 1–5)                +0.15
nps        +32.5                          +3.1 points / +3.1分
ratio      0.63 (AUC, odds, lift)         ×1.25
agents     14 agents / 14人               +2 agents
========== ============================== ==================================================
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Literal, get_args

from cxlab._present._i18n import _, language, locale

Unit = Literal[
    "share",
    "percent",
    "seconds",
    "money",
    "count",
    "score",
    "nps",
    "ratio",
    "number",
    "per_contact",
    "agents",
    "text",
]
UNITS: tuple[str, ...] = get_args(Unit)
MISSING = "–"


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def _currency() -> str:
    from cxlab._config import settings

    return settings().currency


def _decimal(value: float, decimals: int, *, signed: bool = False) -> str:
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    if signed:
        pattern = f"+{pattern};-{pattern}"
    if round(value, decimals) == 0:  # -0.3 reads "0", never "-0"
        value = 0.0
    return format_decimal(value, pattern, locale=locale())


def _compact(value: float, decimals: int = 1) -> str:
    """28.3万 in Chinese, 283,209 in English (a reader of English counts with separators)."""
    from babel.numbers import format_compact_decimal

    if language() == "zh" and abs(value) >= 100_000:
        return format_compact_decimal(value, locale=locale(), fraction_digits=decimals)
    return _decimal(value, 0)


def _duration(
    seconds: float, decimals: int | None, *, signed: bool = False, size: float | None = None
) -> str:
    """A duration in the unit its magnitude calls for (``size``: the magnitude that decides it,
    so that both ends of a range share one unit)."""
    size = abs(seconds) if size is None else size
    if size < 120:
        amount, unit, default = seconds, _("{n} s"), 0
    elif size < 60 * 60:
        amount, unit, default = seconds / 60, _("{n} min"), 1
    elif size < 72 * 3600:
        amount, unit, default = seconds / 3600, _("{n} h"), 1
    else:
        amount, unit, default = seconds / 86400, _("{n} d"), 1
    digits = default if decimals is None else decimals
    return unit.format(n=_decimal(amount, digits, signed=signed))


def _money(value: float, decimals: int | None, *, signed: bool = False, compact: bool = False):
    from babel.numbers import format_compact_currency, format_currency

    code = _currency()
    if compact and abs(value) >= (100_000 if language() == "zh" else 1_000_000):
        text = format_compact_currency(abs(value), code, locale=locale(), fraction_digits=1)
    else:
        digits = 0 if decimals is None else decimals
        pattern = "¤#,##0" + ("." + "0" * digits if digits else "")
        text = format_currency(
            abs(value), code, format=pattern, locale=locale(), currency_digits=False
        )
    shown = round(value, 0 if decimals is None else decimals)  # -0.3 reads "¥0", not "-¥0"
    sign = "-" if shown < 0 else ("+" if signed and shown > 0 else "")
    return sign + text


def fmt_value(
    value: float | int | None,
    unit: Unit | str = "count",
    *,
    decimals: int | None = None,
    compact: bool = False,
) -> str:
    """A level of a measure in the current language: ``fmt_value(0.781, "share")`` is 78.1%.

    ``decimals`` overrides the unit's usual precision; ``compact`` shortens large counts and
    money (28.3万, ¥24.2万) for a headline tile.
    """
    if _missing(value):
        return MISSING
    if unit == "text" or isinstance(value, str):
        return str(value)
    v = float(value)
    if unit == "share":
        return _decimal(v * 100, 1 if decimals is None else decimals) + "%"
    if unit == "percent":
        return _decimal(v * 100, 1 if decimals is None else decimals, signed=True) + "%"
    if unit == "seconds":
        return _duration(v, decimals)
    if unit == "money":
        return _money(v, decimals, compact=compact)
    if unit == "count":
        return _compact(v) if compact else _decimal(v, 0 if decimals is None else decimals)
    if unit == "score":
        return _decimal(v, 2 if decimals is None else decimals)
    if unit == "nps":
        return _decimal(v, 1 if decimals is None else decimals, signed=True)
    if unit in ("ratio", "number", "per_contact"):
        return _decimal(v, 2 if decimals is None else decimals)
    if unit == "agents":
        n = _decimal(v, 0 if decimals is None else decimals)
        return _("{n} agents").format(n=n)
    raise ValueError(f"unknown unit {unit!r}; known: {', '.join(UNITS)}")


def fmt_change(value: float | None, unit: Unit | str = "count", *, decimals: int | None = None):
    """A signed difference between two levels of a measure: +1.2 pp, -34 s, +1,204, ×1.25."""
    if _missing(value):
        return MISSING
    v = float(value)
    if unit == "share":
        n = _decimal(v * 100, 1 if decimals is None else decimals, signed=True)
        return _("{n} pp").format(n=n)
    if unit == "percent":
        return _decimal(v * 100, 1 if decimals is None else decimals, signed=True) + "%"
    if unit == "seconds":
        return _duration(v, decimals, signed=True)
    if unit == "money":
        return _money(v, decimals, signed=True)
    if unit == "count":
        return _decimal(v, 0 if decimals is None else decimals, signed=True)
    if unit == "score":
        return _decimal(v, 2 if decimals is None else decimals, signed=True)
    if unit == "nps":
        n = _decimal(v, 1 if decimals is None else decimals, signed=True)
        return _("{n} points").format(n=n)
    if unit == "ratio":
        return "×" + _decimal(v, 2 if decimals is None else decimals)
    if unit in ("number", "per_contact"):
        return _decimal(v, 2 if decimals is None else decimals, signed=True)
    if unit == "agents":
        n = _decimal(v, 0 if decimals is None else decimals, signed=True)
        return _("{n} agents").format(n=n)
    return str(value)


def fmt_interval(
    low: float | None, high: float | None, unit: Unit | str = "count", *, change: bool = True
) -> str:
    """An interval in words: "+4.7 pp to +7.2 pp" (``change``) or "76.0% to 80.1%" (levels).

    Both ends of a duration share one unit, the one the larger end calls for: "-2.3 min to +0.7
    min", not "-2.3 min to +41 s"."""
    if unit == "seconds" and not (_missing(low) or _missing(high)):
        size = max(abs(float(low)), abs(float(high)))
        ends = [_duration(float(v), None, signed=change, size=size) for v in (low, high)]
        small = min((float(v) for v in (low, high)), key=abs)
        lost = small != 0 and not re.search(r"[1-9]", ends[[low, high].index(small)])
        if not lost:  # one unit, unless the smaller end would read as zero in it
            return _("{low} to {high}").format(low=ends[0], high=ends[1])
    f = fmt_change if change else fmt_value
    ends = [f(low, unit), f(high, unit)]
    if change:  # a negative bound that rounds to zero keeps its sign: "-0.0 pp to +3.7 pp"
        ends = [_signed_zero(t, v) for t, v in zip(ends, (low, high), strict=True)]
    return _("{low} to {high}").format(low=ends[0], high=ends[1])


def _signed_zero(text: str, value: float | None) -> str:
    if _missing(value) or float(value) >= 0 or re.search(r"[1-9]", text):
        return text
    return text.replace("+", "-", 1)


def fmt_intervals(lows, highs, unit: Unit | str = "count", *, change: bool = True) -> list[str]:
    """A column of intervals for a table ("–" where a bound is missing)."""
    return [
        MISSING if _missing(lo) or _missing(hi) else fmt_interval(lo, hi, unit, change=change)
        for lo, hi in zip(lows, highs, strict=True)
    ]


def decisive_decimals(
    value: float, target: float, unit: Unit | str, *, extra: int = 3
) -> int | None:
    """The fewest decimals at which ``value`` and ``target`` read differently, when they differ.

    A status decided on 10.02% must not show "10.0% against ≤ 10.0%": the value is shown with the
    digits that decide it. ``None`` keeps the unit's usual precision.
    """
    if _missing(value) or _missing(target) or value == target:
        return None
    base = {
        "share": 1,
        "percent": 1,
        "score": 2,
        "nps": 1,
        "ratio": 2,
        "number": 2,
        "per_contact": 2,
    }.get(unit)
    base = 0 if unit == "count" else base
    if base is None:
        return None
    for d in range(base, base + extra + 1):
        if fmt_value(value, unit, decimals=d) != fmt_value(target, unit, decimals=d):
            return None if d == base else d
    return base + extra


# --- dates and periods -------------------------------------------------------------------------


def fmt_date(
    value: dt.date | dt.datetime | str | None, *, with_time: bool = False, weekday: bool = False
) -> str:
    """A date in the current language: "Oct 1, 2026" / "2026年10月1日" (and the time if asked).

    ``weekday`` names the day of the week: "Mon, Nov 2, 2026" / "2026年11月2日周一"; with the
    time as well, the year is left out: "Mon, Nov 2 10:30" / "11月2日周一 10:30".
    """
    from babel.dates import format_skeleton

    if value is None:
        return MISSING
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value) if with_time else dt.date.fromisoformat(value[:10])
    if weekday:
        day = format_skeleton("MMMEd" if with_time else "yMMMEd", value, locale=locale())
        if with_time and isinstance(value, dt.datetime):
            return f"{day} {format_skeleton('Hm', value, locale=locale(), fuzzy=True)}"
        return day
    if with_time and isinstance(value, dt.datetime):
        # CLDR has no "yMMMdHHmm" skeleton: the date and the time, each in the locale's form
        date_part = format_skeleton("yMMMd", value, locale=locale())
        return f"{date_part} {format_skeleton('Hm', value, locale=locale(), fuzzy=True)}"
    day = value.date() if isinstance(value, dt.datetime) else value
    return format_skeleton("yMMMd", day, locale=locale())


def fmt_moment(value: dt.datetime, time_zone: str | None = None) -> str:
    """A moment in the workspace's time zone, named in words: "Dec 6, 2026, 12:00 (China Time)"
    / "2026年12月6日 12:00（中国时间）". A naive ``value`` is read as already local."""
    from babel.dates import get_timezone, get_timezone_name

    if time_zone is None:
        from cxlab._config import settings

        time_zone = settings().time_zone
    tz = get_timezone(time_zone)
    local = value.astimezone(tz) if value.tzinfo is not None else value
    zone = get_timezone_name(tz, width="long", locale=locale())
    return _("{moment} ({zone})").format(
        moment=fmt_date(local.replace(tzinfo=None), with_time=True), zone=zone
    )


def fmt_month(value: dt.date | str, *, short: bool = False) -> str:
    """A calendar month: "October 2026" / "2026年10月"; ``short``: "Oct 2026" (a chart's axis)."""
    from babel.dates import format_skeleton

    day = (
        dt.date.fromisoformat(value + "-01" if len(value) == 7 else value[:10])
        if isinstance(value, str)
        else value
    )
    return format_skeleton("yMMM" if short else "yMMMM", day, locale=locale())


def fmt_period(start: dt.date | str, end: dt.date | str) -> str:
    """The period from ``start`` up to (not including) ``end`` as a reader names it.

    A calendar month reads "October 2026" / "2026年10月", a quarter "Q3 2026" / "2026年第3季度", a
    year "2026" / "2026年", several whole months "Jul – Sep 2026", anything else a range of days.
    """
    from babel.dates import format_interval, format_skeleton

    s = dt.date.fromisoformat(start[:10]) if isinstance(start, str) else start
    e = dt.date.fromisoformat(end[:10]) if isinstance(end, str) else end
    if isinstance(s, dt.datetime):
        s = s.date()
    if isinstance(e, dt.datetime):
        e = e.date()
    months = (e.year - s.year) * 12 + e.month - s.month
    if s.day == 1 and e.day == 1 and months >= 1:
        if months == 1:
            return fmt_month(s)
        if months == 3 and s.month % 3 == 1:
            return format_skeleton("yQQQ", s, locale=locale())
        if months == 12 and s.month == 1:
            return format_skeleton("y", s, locale=locale())
        last_month = dt.date(e.year - (e.month == 1), (e.month - 2) % 12 + 1, 1)
        return format_interval(s, last_month, "yMMM", locale=locale())
    last = e - dt.timedelta(days=1)
    if last <= s:
        return fmt_date(s)
    return format_interval(s, last, "yMMMd", locale=locale())


# --- words around numbers ---------------------------------------------------------------------


def fmt_list(items: list[str] | tuple[str, ...], *, style: str = "and") -> str:
    """Phrases joined the way the language joins them (Babel's list patterns).

    ``style="and"``: "a, b, and c" / "a、b和c"; ``"or"``: "a, b, or c" / "a、b或c"; ``"semicolon"``:
    "a; b" / "a；b" for phrases that carry commas themselves. An empty list reads "–".
    """
    from babel.lists import format_list

    words = [str(i) for i in items if i is not None and str(i)]
    if not words:
        return MISSING
    if style == "semicolon":
        return _("; ").join(words)
    if style not in ("and", "or"):
        raise ValueError(f"unknown list style {style!r}; known: and, or, semicolon")
    return format_list(words, style="standard" if style == "and" else "or", locale=locale())


def fmt_p(p: float | None, *, bare: bool = False) -> str:
    """A p-value as an appendix writes it: "p < 0.001" or "p = 0.042" ("–" when there is none);
    ``bare=True`` gives the number alone ("<0.001", "0.042") for a sentence that names the p."""
    if _missing(p):
        return MISSING
    if bare:
        return "<0.001" if p < 0.001 else _decimal(float(p), 3)
    return "p < 0.001" if p < 0.001 else "p = " + _decimal(float(p), 3)


def join_sentences(*parts: str) -> str:
    """Sentences run together as the language writes them (a space in English, none in Chinese)."""
    return ("" if language() == "zh" else " ").join(p for p in parts if p)


def interval_words(minutes: float) -> str:
    """The length of an interval in words: "half-hour", "quarter-hour", "hour", "20-minute interval"."""
    named = {15: _("quarter-hour"), 30: _("half-hour"), 60: _("hour")}
    return named.get(round(minutes), _("{n}-minute interval").format(n=round(minutes)))
