"""A workspace's shift and roster rules, from the ``[shifts]`` section of ``cxlab.toml``.

One section holds what the scheduling and rostering of a report keep: shift lengths, the start
window and its grid, breaks with their windows, the cost of an hour full and part time, the
part-time share, and the roster's most days in a row, least rest and weekly hours. Every key is
checked here; a key left out takes the default of a Chinese service centre (see
:func:`shift_rules`).

References
----------
中华人民共和国劳动法 (Labour Law of the People's Republic of China, 1994), articles 38, 41 and 44
(article 36's 44-hour week was shortened to 40 hours by the State Council's provisions below).
国务院关于职工工作时间的规定 (State Council Provisions on Working Hours, 1995), article 3.
中华人民共和国劳动合同法 (Labour Contract Law, 2007), article 68.
Directive 2003/88/EC of the European Parliament and of the Council concerning certain aspects of
the organisation of working time, article 3.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from typing import Any

from cxlab._config import Settings, read_section, settings
from cxlab._errors import OptionError, WorkspaceError
from cxlab.staffing._roster import RosterRules
from cxlab.staffing._shift_rules import Break, ShiftRules, clock_minutes

# the defaults of a Chinese service centre: an eight-hour day (the State Council's 1995 rule),
# four-hour part-time shifts (the Labour Contract Law's part-time work averages at most four
# hours a day), a one-hour unpaid meal in the middle of a full shift and two paid 15-minute rests
DEFAULT_BREAKS: tuple[Break, ...] = (
    Break(15, window=(90, 150)),
    Break(60, window=(210, 270), paid=False, min_shift_hours=6),
    Break(15, window=(360, 420), min_shift_hours=6),
)
DEFAULT_SHIFTS = ShiftRules(
    lengths=(8.0, 4.0),
    earliest_start="07:00",
    latest_start="16:00",
    start_every="30m",
    breaks=DEFAULT_BREAKS,
    break_every="15m",
    cost_per_hour=50.0,
    part_time_cost_per_hour=35.0,
    max_part_time_share=0.3,
)
DEFAULT_ROSTER = RosterRules(max_consecutive_days=6, min_rest_hours=11.0)

SHIFT_KEYS: dict[str, str] = {
    "lengths": "a list of shift lengths in hours, breaks included, e.g. [8, 4]",
    "earliest_start": 'a clock time, "07:30" or 07:30:00, the first a shift may start',
    "latest_start": 'a clock time, "16:00" or 16:00:00, the last a shift may start',
    "start_every": 'the grid of start times, dividing the day: "15m", "30m" or "1h"',
    "break_every": 'the grid of break starts: "15m", "30m" or "1h"',
    "breaks": "a list of tables {minutes, window = [earliest, latest], paid, min_shift_hours}",
    "cost_per_hour": "the cost of a paid full-time hour, 0 or more, in the workspace's currency",
    "part_time_cost_per_hour": "the cost of a paid part-time hour, 0 or more",
    "full_time_hours": "shifts shorter than this many hours are part-time",
    "max_part_time_share": "the most part-time shifts may be of all shifts, 0 to 1",
    "min_per_shift": "a whole number of agents, 0 or more",
    "max_per_shift": "a whole number of agents, 1 or more",
    "max_on_duty": "a whole number of agents (seats), 1 or more",
    "min_on_duty": "a whole number of agents, 0 or more",
    "max_consecutive_days": "the most days an agent works in a row, a whole number 1 to 7",
    "min_rest_hours": "the least rest between two shifts of an agent, in hours, 0 or more",
    "hours_tolerance": "how far below the contracted hours paid hours in a full week may fall",
    "max_overtime_hours": "the most paid hours above the contracted hours in a week, 0 or more",
}
"""The keys of ``[shifts]`` in ``cxlab.toml`` and the values each accepts."""

BREAK_KEYS: dict[str, str] = {
    "minutes": "the break's length in whole minutes",
    "window": "[earliest, latest] start, in minutes after the shift starts",
    "paid": "true (a paid rest) or false (an unpaid meal)",
    "min_shift_hours": "only shifts at least this long have the break",
}
"""The keys of each ``[[shifts.breaks]]`` entry."""

_ROSTER = ("max_consecutive_days", "min_rest_hours", "hours_tolerance", "max_overtime_hours")
_NUMBERS = {
    "cost_per_hour",
    "part_time_cost_per_hour",
    "full_time_hours",
    "max_part_time_share",
    "min_rest_hours",
    "hours_tolerance",
    "max_overtime_hours",
}
_WHOLE = {"min_per_shift", "max_per_shift", "max_on_duty", "min_on_duty", "max_consecutive_days"}
_TIMES = {"earliest_start", "latest_start"}
_GRIDS = {"start_every", "break_every"}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _refuse(where: str, key: str, value: object, accepted: str) -> WorkspaceError:
    if isinstance(value, dict):
        shown = "a table"
    elif isinstance(value, dt.time):
        shown = value.isoformat()  # as TOML writes a local time
    else:
        shown = repr(value)
    return WorkspaceError(f"{where}: {key} = {shown} is not valid; give {accepted}.")


def _break(where: str, entry: object) -> Break:
    if not isinstance(entry, dict):
        raise _refuse(where, "breaks", entry, SHIFT_KEYS["breaks"])
    unknown = [k for k in entry if k not in BREAK_KEYS]
    if unknown:
        raise WorkspaceError(
            f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(BREAK_KEYS)}."
        )
    for key in ("minutes", "window"):
        if key not in entry:
            raise WorkspaceError(f"{where}: {key} is missing; give {BREAK_KEYS[key]}.")
    minutes, window = entry["minutes"], entry["window"]
    if not (_is_number(minutes) and float(minutes).is_integer() and minutes > 0):
        raise _refuse(where, "minutes", minutes, BREAK_KEYS["minutes"])
    if not (isinstance(window, list) and len(window) == 2 and all(map(_is_number, window))):
        raise _refuse(where, "window", window, BREAK_KEYS["window"])
    paid = entry.get("paid", True)
    if not isinstance(paid, bool):
        raise _refuse(where, "paid", paid, BREAK_KEYS["paid"])
    least = entry.get("min_shift_hours", 0.0)
    if not (_is_number(least) and least >= 0):
        raise _refuse(where, "min_shift_hours", least, BREAK_KEYS["min_shift_hours"])
    try:
        return Break(int(minutes), window=tuple(window), paid=paid, min_shift_hours=least)
    except OptionError as exc:
        raise WorkspaceError(f"{where}: {exc}") from None


def _value(where: str, key: str, value: object) -> object:
    """One key of ``[shifts]`` checked for its kind; the rules check how the values agree."""
    accepted = SHIFT_KEYS[key]
    if key == "lengths":
        items = value if isinstance(value, list) else [value]
        if not items or not all(_is_number(v) and v > 0 for v in items):
            raise _refuse(where, key, value, accepted)
        return tuple(float(v) for v in items)
    if key == "breaks":
        if not isinstance(value, list):
            raise _refuse(where, key, value, accepted)
        return tuple(_break(f"{where} breaks[{i}]", b) for i, b in enumerate(value))
    if key in _TIMES:
        if isinstance(value, dt.time):  # a TOML local time, 07:30:00
            if value.second or value.microsecond or value.tzinfo is not None:
                raise _refuse(where, key, value, accepted + ", on a whole minute")
            return f"{value:%H:%M}"
        if not isinstance(value, str) or not value.strip():
            raise _refuse(where, key, value, accepted)
        return value.strip()
    if key in _GRIDS:
        if not isinstance(value, str) or not value.strip():
            raise _refuse(where, key, value, accepted)
        return value.strip()
    if key in _WHOLE:
        if not (_is_number(value) and float(value).is_integer()):
            raise _refuse(where, key, value, accepted)
        if key == "max_consecutive_days" and not 1 <= value <= 7:
            raise _refuse(where, key, value, accepted)
        return int(value)
    if not _is_number(value) or value < 0:  # the rest are numbers, 0 or more
        raise _refuse(where, key, value, accepted)
    if key == "max_part_time_share" and value > 1:
        raise _refuse(where, key, value, accepted)
    return float(value)


def _grid(where: str, values: dict[str, Any], every: str | int | None) -> None:
    """Refuse a grid of start times that does not divide the day, does not fit the plan's
    intervals (``every``), or never reaches the latest start."""
    from cxlab._present import every_minutes

    merged = {k: values.get(k, getattr(DEFAULT_SHIFTS, k)) for k in _TIMES | _GRIDS}
    text = merged["start_every"]
    try:
        step = every_minutes(text, name="start_every")
        first = clock_minutes(merged["earliest_start"], "earliest_start")
        last = clock_minutes(merged["latest_start"], "latest_start")
    except OptionError as exc:
        raise WorkspaceError(f"{where}: {exc}") from None
    if (24 * 60) % step:
        raise WorkspaceError(
            f"{where}: start_every = {text!r} does not divide the 24 hours of a day; give a grid "
            'of start times that does, such as "15m", "30m", "1h" or "2h".'
        )
    if every is not None:
        try:
            grain = every_minutes(every)
        except OptionError as exc:
            raise WorkspaceError(f"{where}: {exc}") from None
        if step % grain and grain % step:
            raise WorkspaceError(
                f"{where}: start_every = {text!r} neither divides the plan's intervals of "
                f"{grain} minutes (every={every!r}) nor is a whole number of them, so shifts "
                "would start unevenly across the intervals; give a start grid that is one or "
                "the other."
            )
    if last >= first and (last - first) % step:
        reached = first + (last - first) // step * step
        raise WorkspaceError(
            f"{where}: latest_start = {merged['latest_start']!r} is not on the grid of start "
            f"times, earliest_start {merged['earliest_start']!r} plus whole steps of start_every "
            f"{text!r} (the last would be {reached // 60:02d}:{reached % 60:02d}); give a latest "
            "start on the grid."
        )


def shift_rules(
    workspace: str | os.PathLike | Settings | None = None,
    *,
    every: str | int | None = None,
    requirement: Any = None,
) -> tuple[ShiftRules, RosterRules]:
    """The workspace's shift and roster rules: ``[shifts]`` in ``cxlab.toml`` over the defaults.

    Each key given replaces its default; a key left out, or the whole section, keeps it::

        [shifts]
        lengths = [8, 4]                 # hours, breaks included
        earliest_start = "07:00"         # first and last start, every start_every
        latest_start = "16:00"
        start_every = "30m"
        cost_per_hour = 50               # a paid full-time hour, in the workspace's currency
        part_time_cost_per_hour = 35
        max_part_time_share = 0.3
        max_consecutive_days = 6         # the roster: most days in a row
        min_rest_hours = 11              # least rest between two shifts
        hours_tolerance = 4              # a full week's paid hours: contract less this, at least
        max_overtime_hours = 0           # and contract plus this, at most

        [[shifts.breaks]]                # giving breaks replaces all the default breaks
        minutes = 60
        window = [210, 270]              # earliest and latest start, minutes into the shift
        paid = false
        min_shift_hours = 6

    Clock times may be written as strings (``"07:30"``) or as TOML local times (``07:30:00``).
    ``start_every`` must divide the 24 hours of a day, and ``latest_start`` must lie on the grid
    it draws from ``earliest_start``.

    The defaults are those of a Chinese service centre. Full-time shifts last eight hours on
    site, of which seven are paid working time (the one-hour meal is unpaid): within the
    eight-hour day and 40-hour week of the State Council's Provisions on Working Hours (1995,
    art. 3). They start every half-hour from 07:00 to 16:00, so that the last ends at midnight.
    Part-time shifts last four hours: part-time work averages at most four hours a day, and at
    most 24 hours a week with one employer, under the Labour Contract Law (2007, art. 68); at
    most 30% of shifts are part-time. A full shift has an unpaid 60-minute meal break starting
    3½ to 4½ hours in, and two paid 15-minute rests, one 1½ to 2½ hours in and one 6 to 7 hours
    in; a four-hour shift has the first rest only. Breaks start on a 15-minute grid. An agent
    works at most six days in a row, which keeps the day of rest a week that the Labour Law
    (1994, art. 38) guarantees, and rests at least 11 hours between shifts: Chinese national law
    sets no minimum rest between shifts, so this is the daily rest of the European Working Time
    Directive (2003/88/EC, art. 3). Contracted hours, where the roster is given them, are a
    ceiling: a full week's paid hours lie between the contracted hours less ``hours_tolerance``
    (4 hours) and the contracted hours, with no overtime unless ``max_overtime_hours`` allows
    it. The Labour Law allows overtime only after consulting the union and the worker, at most
    one hour a day (three for special reasons) and 36 hours a month (art. 41), paid at no less
    than 150% of the wage (art. 44). The costs, ¥50 a paid full-time hour and ¥35 part-time, are
    placeholders of the right order for an agent's loaded cost, not a published figure: set
    your own.

    Parameters
    ----------
    workspace : str, path or Settings, optional
        The workspace (default: the current one).
    every : str or int, optional
        The grain of the plan the shifts will cover (``"30m"``). When given, ``start_every`` must
        divide it or be a whole number of it, so that shifts start on interval boundaries (or on
        an even grid within them).
    requirement : StaffingPlan or frame, optional
        What the rules will schedule. When it needs agents at hours no default shift reaches
        (a queue open around the clock) and the workspace sets neither ``earliest_start`` nor
        ``latest_start``, shifts may start at any time of day, every ``start_every``: night
        shifts then cross midnight. A workspace that sets its own start window keeps it.

    Returns
    -------
    (ShiftRules, RosterRules)

    Raises
    ------
    WorkspaceError
        An unknown key, a value of the wrong kind, or rules that do not agree (a break that does
        not fit its shift, a last start before the first or off the grid of start times, a grid
        that does not divide the day or the plan's intervals), naming the file and the key.

    References
    ----------
    Labour Law of the PRC (1994), arts. 38, 41 and 44; State Council Provisions on Working Hours
    (1995), art. 3; Labour Contract Law of the PRC (2007), art. 68; Directive 2003/88/EC, art. 3.

    Examples
    --------
    >>> import cxlab as cx
    >>> shifts, roster = cx.staffing.shift_rules("/no/such/workspace")
    >>> shifts.lengths, shifts.earliest_start, shifts.latest_start, roster.max_consecutive_days
    ((4.0, 8.0), '07:00', '16:00', 6)
    """
    ws = workspace if isinstance(workspace, Settings) else settings(workspace)
    section = read_section("shifts", ws)
    where = f"{ws.workspace / 'cxlab.toml'} [shifts]"
    unknown = [k for k in section if k not in SHIFT_KEYS]
    if unknown:
        raise WorkspaceError(
            f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(SHIFT_KEYS)}."
        )
    values: dict[str, Any] = {k: _value(where, k, v) for k, v in section.items()}
    roster_values = {k: values.pop(k) for k in _ROSTER if k in values}
    _grid(where, values, every)
    try:
        shifts = DEFAULT_SHIFTS.replace(**values)
        roster = DEFAULT_ROSTER.replace(**roster_values)
    except OptionError as exc:
        raise WorkspaceError(f"{where}: {exc}") from None
    own_window = {"earliest_start", "latest_start"} & set(section)
    if requirement is not None and not own_window and _unreached(requirement, shifts):
        last = 1440 - shifts.start_step
        shifts = shifts.replace(
            earliest_start="00:00", latest_start=f"{last // 60:02d}:{last % 60:02d}"
        )
    return shifts, roster


def _unreached(requirement: Any, rules: ShiftRules) -> bool:
    """Whether the requirement needs agents in an interval no shift of the rules reaches."""
    import numpy as np

    from cxlab.staffing._shifts import _candidates, _cover_row, _requirement

    problem = _requirement(requirement, "agents", None, None, None)
    need = problem.required
    n = need.shape[1]
    cands = _candidates(rules, problem, need)
    reach = np.zeros(n, bool)
    for c in cands:
        reach[list(_cover_row(c.start, c.length, problem.minutes, n))] = True
    return bool(((need.sum(axis=0) > 0) & ~reach).any())
