"""The rules a shift schedule keeps: when shifts may start, how long they run, their breaks,
what an hour costs, and the headcount limits.

References
----------
Aykin, T. (1996). Optimal shift scheduling with multiple break windows. *Management Science*
42(4), 591-602.
Dantzig, G. B. (1954). A comment on Edie's "Traffic delays at toll booths". *Journal of the
Operations Research Society of America* 2(3), 339-341.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, replace
from typing import Any

from cxlab._errors import OptionError


def clock_minutes(value: Any, name: str) -> int:
    """Minutes after midnight of a clock time ``"07:30"`` (or a ``datetime.time``)."""
    import datetime as dt

    if isinstance(value, dt.time):
        return value.hour * 60 + value.minute
    text = str(value)
    try:
        hours, minutes = text.split(":")
        h, m = int(hours), int(minutes)
    except ValueError:
        raise OptionError(
            f"{name}={value!r} is not a clock time; write it as 'HH:MM', e.g. '07:30'."
        ) from None
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise OptionError(f"{name}={value!r} is not a clock time between '00:00' and '23:59'.")
    return h * 60 + m


def _grain(value: Any, name: str) -> int:
    from cxlab._present import every_minutes

    return every_minutes(value, name=name)


def _positive(value: Any, name: str, *, whole: bool = False, zero: bool = False) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value >= 0 if zero else value > 0) and (not whole or float(value).is_integer())
    if not ok:
        kind = "a whole number" if whole else "a number"
        floor = "0 or more" if zero else "above 0"
        raise OptionError(f"{name}={value!r} is not allowed; give {kind} {floor}.")


@dataclass(frozen=True)
class Break:
    """A break every agent on a long enough shift takes once, inside a window of the shift.

    Parameters
    ----------
    minutes : int
        Length of the break.
    window : tuple of two ints
        Earliest and latest start of the break, in minutes after the shift starts (the break
        ends by ``window[1] + minutes``). Where in the window each agent takes it is decided
        by the schedule.
    paid : bool
        Whether the break is paid time (a short rest break) or not (a meal break).
    min_shift_hours : float
        Only shifts at least this long have the break (a four-hour shift may have no meal).

    Examples
    --------
    >>> Break(15, window=(90, 150)).paid
    True
    """

    minutes: int
    window: tuple[int, int]
    paid: bool = True
    min_shift_hours: float = 0.0

    def __post_init__(self) -> None:
        _positive(self.minutes, "Break.minutes", whole=True)
        w = tuple(self.window)
        if len(w) != 2 or any(
            not isinstance(v, int | float) or isinstance(v, bool) or v < 0 for v in w
        ):
            raise OptionError(
                f"Break.window={self.window!r} is not a window; give (earliest, latest) start in "
                "minutes after the shift starts, e.g. (90, 150)."
            )
        if w[0] > w[1]:
            raise OptionError(
                f"Break.window={self.window!r} starts after it ends; give (earliest, latest)."
            )
        object.__setattr__(self, "window", (int(w[0]), int(w[1])))
        _positive(self.min_shift_hours, "Break.min_shift_hours", zero=True)


@dataclass(frozen=True)
class ShiftRules:
    """What a shift may be: start times, lengths, breaks, costs and headcount limits.

    Parameters
    ----------
    lengths : tuple of float
        Shift lengths in hours, including breaks (``(8, 4)``: eight- and four-hour shifts).
    earliest_start, latest_start : str
        The first and the last clock time a shift may start, every ``start_every``.
    start_every : str
        Grid of start times (``"30m"``, ``"1h"``, ``"15m"``); it divides the 24 hours of a day.
    breaks : tuple of Break
        Breaks each agent takes once per shift, in their windows; windows of one shift may not
        overlap, so that no agent takes two breaks at once.
    break_every : str
        Grid of break starts within their windows (``"15m"``).
    cost_per_hour : float
        Cost of a paid hour of a full-time shift.
    part_time_cost_per_hour : float, optional
        Cost of a paid hour of a part-time shift (default: ``cost_per_hour``).
    full_time_hours : float, optional
        Shifts shorter than this are part-time (default: the longest length).
    max_part_time_share : float, optional
        At most this share of the shifts is part-time (0 to 1), within each day and each queue's
        agents: a floor-mix rule that keeps enough full-time agents on every day, and holds the
        share over the week too. Held per day, it lets the days be scheduled apart, which is
        far quicker than one model of the week, at a cost a little above what a weekly share
        could reach.
    min_per_shift : int
        A shift that is used at all has at least this many agents starting it (0: no minimum).
    max_per_shift : int, optional
        At most this many agents start the same shift on the same day.
    max_on_duty : int, optional
        At most this many agents on shift at once (seats, breaks included), all queues together.
    min_on_duty : int
        Every interval that needs agents gets at least this many.
    days_per_week : int, optional
        Each agent works this many days in each calendar week of the schedule (the weekly
        model); without it, every day is scheduled on its own.
    absence : float, optional
        The share of paid time agents on the schedule are away besides the breaks above
        (sickness, leave, training, meetings, coaching), 0 to below 1: a schedule covers the
        need divided by ``1 - absence``, so that the agents present, on average, meet it. The
        default (None) derives it from a staffing plan's ``shrinkage``, which counts the breaks
        too: ``1 - (1 - shrinkage) / (1 - break share)``, the break share being the paid breaks'
        share of the paid time of the longest shift (:meth:`absence_from`); a requirement frame
        gets 0. A plan's shrinkage of 0.3 with the defaults' two paid 15-minute rests in seven
        paid hours (a break share of 1/14) gives 0.246.

    Examples
    --------
    >>> rules = ShiftRules(lengths=(8,), earliest_start="07:00", latest_start="12:00",
    ...                    breaks=(Break(30, window=(210, 270), paid=False, min_shift_hours=6),))
    >>> rules.paid_hours(8.0)
    7.5
    """

    lengths: tuple[float, ...] = (8.0,)
    earliest_start: str = "07:00"
    latest_start: str = "15:00"
    start_every: str = "30m"
    breaks: tuple[Break, ...] = ()
    break_every: str = "15m"
    cost_per_hour: float = 1.0
    part_time_cost_per_hour: float | None = None
    full_time_hours: float | None = None
    max_part_time_share: float | None = None
    min_per_shift: int = 0
    max_per_shift: int | None = None
    max_on_duty: int | None = None
    min_on_duty: int = 0
    days_per_week: int | None = None
    absence: float | None = None

    def __post_init__(self) -> None:
        lengths = (self.lengths,) if isinstance(self.lengths, int | float) else tuple(self.lengths)
        if not lengths:
            raise OptionError("ShiftRules.lengths is empty; give at least one shift length.")
        for value in lengths:
            _positive(value, "ShiftRules.lengths")
            if value > 16 or not float(value * 60).is_integer():
                raise OptionError(
                    f"ShiftRules.lengths holds {value!r}; a shift is a whole number of minutes "
                    "and at most 16 hours."
                )
        object.__setattr__(self, "lengths", tuple(sorted({float(v) for v in lengths})))
        first = clock_minutes(self.earliest_start, "ShiftRules.earliest_start")
        last = clock_minutes(self.latest_start, "ShiftRules.latest_start")
        if last < first:
            raise OptionError(
                f"ShiftRules.latest_start={self.latest_start!r} is before "
                f"earliest_start={self.earliest_start!r}."
            )
        step = _grain(self.start_every, "ShiftRules.start_every")
        if (24 * 60) % step:
            raise OptionError(
                f"ShiftRules.start_every={self.start_every!r} does not divide the 24 hours of a "
                "day; give a grid of start times that does, such as '15m', '30m', '1h' or '2h'."
            )
        _grain(self.break_every, "ShiftRules.break_every")
        breaks = tuple(self.breaks)
        for b in breaks:
            if not isinstance(b, Break):
                raise OptionError(
                    f"ShiftRules.breaks holds {b!r}; give Break(minutes, window=(earliest, "
                    "latest)) items."
                )
        object.__setattr__(self, "breaks", breaks)
        for length in self.lengths:
            mine = sorted(self.breaks_of(length), key=lambda b: b.window[0])
            for b in mine:
                if b.window[1] + b.minutes > length * 60:
                    raise OptionError(
                        f"a break of {b.minutes} minutes starting up to {b.window[1]} minutes "
                        f"after the start does not fit in a {length:g}-hour shift; shorten its "
                        "window or set min_shift_hours."
                    )
            for a, b in itertools.pairwise(mine):
                if a.window[1] + a.minutes > b.window[0]:
                    raise OptionError(
                        f"the break windows {a.window} ({a.minutes} min) and {b.window} "
                        f"({b.minutes} min) of a {length:g}-hour shift overlap; an agent could "
                        "take both at once. Make the windows follow each other."
                    )
        _positive(self.cost_per_hour, "ShiftRules.cost_per_hour", zero=True)
        if self.part_time_cost_per_hour is not None:
            _positive(self.part_time_cost_per_hour, "ShiftRules.part_time_cost_per_hour", zero=True)
        if self.full_time_hours is not None:
            _positive(self.full_time_hours, "ShiftRules.full_time_hours")
        if self.max_part_time_share is not None:
            share = self.max_part_time_share
            if not (isinstance(share, int | float) and 0 <= share <= 1):
                raise OptionError(
                    f"ShiftRules.max_part_time_share={share!r} is not a share; give a number "
                    "between 0 and 1."
                )
        _positive(self.min_per_shift, "ShiftRules.min_per_shift", whole=True, zero=True)
        _positive(self.min_on_duty, "ShiftRules.min_on_duty", whole=True, zero=True)
        for name in ("max_per_shift", "max_on_duty"):
            value = getattr(self, name)
            if value is not None:
                _positive(value, f"ShiftRules.{name}", whole=True)
        if (
            self.max_per_shift is not None
            and self.min_per_shift
            and self.max_per_shift < self.min_per_shift
        ):
            raise OptionError(
                f"ShiftRules.max_per_shift={self.max_per_shift} is below "
                f"min_per_shift={self.min_per_shift}."
            )
        if self.days_per_week is not None:
            _positive(self.days_per_week, "ShiftRules.days_per_week", whole=True)
            if self.days_per_week > 7:
                raise OptionError(
                    f"ShiftRules.days_per_week={self.days_per_week} is more than the 7 days of a "
                    "week."
                )

        if self.absence is not None:
            ok = isinstance(self.absence, int | float) and not isinstance(self.absence, bool)
            if not (ok and math.isfinite(self.absence) and 0 <= self.absence < 1):
                raise OptionError(
                    f"ShiftRules.absence={self.absence!r} is not a share; give the share of paid "
                    "time agents are away besides their breaks, from 0 to below 1 (0.1 for a "
                    "tenth)."
                )

    def replace(self, **changes: Any) -> ShiftRules:
        """A copy with some rules changed."""
        return replace(self, **changes)

    @property
    def starts(self) -> tuple[int, ...]:
        """Allowed start times, in minutes after midnight."""
        first = clock_minutes(self.earliest_start, "earliest_start")
        last = clock_minutes(self.latest_start, "latest_start")
        step = _grain(self.start_every, "start_every")
        return tuple(range(first, last + 1, step))

    @property
    def start_step(self) -> int:
        """Minutes between possible shift starts."""
        return _grain(self.start_every, "start_every")

    @property
    def break_step(self) -> int:
        """Minutes between possible break starts."""
        return _grain(self.break_every, "break_every")

    def breaks_of(self, length: float) -> tuple[Break, ...]:
        """The breaks a shift of ``length`` hours has, in the order of their windows."""
        mine = [b for b in self.breaks if length + 1e-9 >= b.min_shift_hours]
        return tuple(sorted(mine, key=lambda b: b.window[0]))

    @property
    def break_share(self) -> float:
        """The paid breaks' share of the paid time of the longest shift (unpaid breaks are no
        paid time): what a plan's shrinkage already holds that the schedule places itself."""
        length = max(self.lengths)
        paid = sum(b.minutes for b in self.breaks_of(length) if b.paid)
        return paid / (self.paid_hours(length) * 60.0)

    def absence_from(self, shrinkage: float) -> float:
        """The absence allowance left of a staffing plan's ``shrinkage`` (the share of paid time
        not on the phones, breaks included) once the breaks these rules place are taken out:
        ``1 - (1 - shrinkage) / (1 - break_share)``, so that paid time x (1 - break share) x
        (1 - absence) = paid time x (1 - shrinkage).

        Examples
        --------
        >>> round(ShiftRules(breaks=(Break(30, window=(120, 180)),)).absence_from(0.3), 4)
        0.2533
        """
        share = self.break_share
        if shrinkage < share - 1e-9:
            raise OptionError(
                f"the staffing plan's shrinkage of {shrinkage:.1%} is smaller than the share of "
                f"paid time the shift rules' paid breaks take ({share:.1%}): the plan leaves no "
                "room for the breaks. Raise the plan's shrinkage, shorten the paid breaks, or "
                "set ShiftRules.absence yourself."
            )
        return max(0.0, 1.0 - (1.0 - shrinkage) / (1.0 - share))

    def part_time(self, length: float) -> bool:
        """Whether a shift of ``length`` hours is part-time."""
        full = self.full_time_hours if self.full_time_hours is not None else max(self.lengths)
        return length < full - 1e-9

    def paid_hours(self, length: float) -> float:
        """Paid hours of a shift: its length less its unpaid breaks."""
        unpaid = sum(b.minutes for b in self.breaks_of(length) if not b.paid)
        return length - unpaid / 60.0

    def cost(self, length: float) -> float:
        """Cost of one agent working one shift of ``length`` hours."""
        rate = self.cost_per_hour
        if self.part_time(length) and self.part_time_cost_per_hour is not None:
            rate = self.part_time_cost_per_hour
        return rate * self.paid_hours(length)
