"""Recurrence rules and the dates they give: pure, standard library only.

Occurrences are computed on the local wall clock (the user's zone from
``instants``): a task due 09:00 stays due 09:00 across a DST change. A fixed
schedule computes every occurrence from the series' *anchor* (its first due),
never from the previous, possibly clamped date: monthly from 31 January gives
28/29 February, then 31 March. From completion (org-mode's ``.+``), the next
due is the completion's local date plus the interval, at the due's time of day
(at the completion's time of day when the task had no due).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from taskcli.errors import UsageError
from taskcli.instants import local_zone

ACCEPTED_RULES = "daily, weekly, monthly, yearly, weekdays, every N days|weeks|months|years, none"
FROM_DUE = "due"
FROM_COMPLETION = "completion"
_NAMED = {
    "daily": ("day", 1),
    "weekly": ("week", 1),
    "monthly": ("month", 1),
    "yearly": ("year", 1),
    "weekdays": ("weekday", 1),
}
_EVERY = re.compile(r"every ([0-9]{1,3}) (day|week|month|year)s?", re.ASCII)
_ADJECTIVE = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}
_SATURDAY = 5


@dataclass(frozen=True)
class Rule:
    """Every ``count`` ``unit``s; ``weekday`` is each Monday to Friday."""

    unit: str
    count: int = 1

    def text(self) -> str:
        """The canonical spelling, as stored and shown (``every 2 weeks``, ``monthly``)."""
        if self.unit == "weekday":
            return "weekdays"
        if self.count == 1:
            return _ADJECTIVE[self.unit]
        return f"every {self.count} {self.unit}s"


def parse_rule(text: str) -> Rule | None:
    """The rule a user typed; None for ``none``. Anything else: exit 2 with the forms."""
    value = " ".join(text.strip().lower().split())
    if value == "none":
        return None
    if value in _NAMED:
        unit, count = _NAMED[value]
        return Rule(unit, count)
    match = _EVERY.fullmatch(value)
    if match is not None and int(match.group(1)) >= 1:
        return Rule(match.group(2), int(match.group(1)))
    raise UsageError(f"invalid recurrence {text!r}; use one of: {ACCEPTED_RULES}")


def next_due(anchor: datetime, rule: Rule, after: datetime) -> datetime:
    """The first occurrence of the series anchored at ``anchor`` strictly after ``after``."""
    start = _wall(anchor)
    if rule.unit == "weekday":
        return _next_weekday(start, after)
    k = max(1, _steps_between(start, _wall(after), rule))
    while k > 1 and _aware(_occurrence(start, rule, k - 1)) > after:
        k -= 1
    while (found := _aware(_occurrence(start, rule, k))) <= after:
        k += 1
    return found


def next_due_from_completion(due: datetime | None, rule: Rule, completed: datetime) -> datetime:
    """org-mode's ``.+``: one interval after the completion's local date, at the due's time."""
    done = _wall(completed)
    clock = _wall(due).time() if due is not None else done.time()
    start = datetime.combine(done.date(), clock)
    if rule.unit == "weekday":
        return _next_weekday(start, _aware(start))
    return _aware(_occurrence(start, rule, 1))


def shift(value: datetime | None, delta: timedelta) -> datetime | None:
    """A date that moves with the due (wait, scheduled): ``value`` plus the due's move."""
    return None if value is None else value + delta


def _occurrence(start: datetime, rule: Rule, k: int) -> datetime:
    """The k-th occurrence after ``start`` on the wall clock (k=0 is ``start``)."""
    if rule.unit == "day":
        return start + timedelta(days=rule.count * k)
    if rule.unit == "week":
        return start + timedelta(weeks=rule.count * k)
    months = rule.count * k * (12 if rule.unit == "year" else 1)
    return datetime.combine(_add_months(start.date(), months), start.time())


def _steps_between(start: datetime, end: datetime, rule: Rule) -> int:
    """About how many steps of ``rule`` lie from ``start`` to ``end`` (a first guess)."""
    if rule.unit in ("day", "week"):
        step = timedelta(days=rule.count * (7 if rule.unit == "week" else 1))
        return (end - start) // step + 1
    months = (end.year - start.year) * 12 + end.month - start.month
    return months // (rule.count * (12 if rule.unit == "year" else 1)) + 1


def _next_weekday(start: datetime, after: datetime) -> datetime:
    """The first Monday-to-Friday at ``start``'s time of day after ``after`` and ``start``."""
    day = max(start.date(), _wall(after).date())
    while True:
        candidate = datetime.combine(day, start.time())
        if candidate.weekday() < _SATURDAY and candidate > start and _aware(candidate) > after:
            return _aware(candidate)
        day += timedelta(days=1)


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("past the calendar")
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _wall(value: datetime) -> datetime:
    """The naive local wall-clock time of an instant."""
    return value.astimezone(local_zone()).replace(tzinfo=None)


def _aware(wall: datetime) -> datetime:
    """A local wall-clock time as a UTC instant; a time in a spring gap moves on by the gap."""
    return wall.replace(tzinfo=local_zone()).astimezone(UTC)
