"""The date forms of the SPEC, read in the user's local time zone.

A date without a time means the end of that day. Results are aware
datetimes; storage converts them to UTC. Month and weekday arithmetic come
from ``dateutil.relativedelta`` (imported only when a date is parsed).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from taskcli.errors import UsageError

ACCEPTED_FORMS = (
    "YYYY-MM-DD, YYYY-MM-DDTHH:MM, today, tomorrow, yesterday, a weekday (fri, friday), "
    "+3d, +2w, +1m, in 3 days, eod, eow"
)
_END_OF_DAY = time(23, 59, 59)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE = re.compile(r"\+(\d{1,4})([dwmy])")
_IN_UNITS = re.compile(r"in\s+(\d{1,4})\s+(day|week|month|year)s?")
_UNIT_LETTER = {"day": "d", "week": "w", "month": "m", "year": "y"}


def parse_date(text: str, *, now: datetime | None = None) -> datetime:
    """Parse one of the accepted forms; raise ``UsageError`` (exit 2) otherwise."""
    now = (now or datetime.now()).astimezone()
    value = " ".join(text.strip().lower().split())
    parsed = _parse(value, now)
    if parsed is None:
        raise UsageError(f"invalid date {text!r}; accepted forms: {ACCEPTED_FORMS}")
    return parsed


def _parse(value: str, now: datetime) -> datetime | None:
    today = now.date()
    named = {
        "today": today,
        "eod": today,
        "tomorrow": today + timedelta(days=1),
        "yesterday": today - timedelta(days=1),
        "eow": today + timedelta(days=6 - today.weekday()),
    }
    if value in named:
        return _end_of(named[value])
    weekday = _weekday(value)
    if weekday is not None:
        ahead = (weekday - today.weekday() - 1) % 7 + 1  # the next one, never today
        return _end_of(today + timedelta(days=ahead))
    relative = _RELATIVE.fullmatch(value)
    in_units = _IN_UNITS.fullmatch(value)
    if relative or in_units:
        amount, unit = (relative or in_units).groups()  # type: ignore[union-attr]
        return _end_of(_shift(today, int(amount), _UNIT_LETTER.get(unit, unit)))
    return _iso(value)


def _weekday(value: str) -> int | None:
    if len(value) < 3:
        return None
    for index, name in enumerate(_WEEKDAYS):
        if name.startswith(value):
            return index
    return None


def _shift(start: date, amount: int, unit: str) -> date:
    from dateutil.relativedelta import relativedelta

    if unit == "d":
        return start + timedelta(days=amount)
    if unit == "w":
        return start + timedelta(weeks=amount)
    if unit == "m":
        return start + relativedelta(months=amount)
    return start + relativedelta(years=amount)


def _iso(value: str) -> datetime | None:
    if not re.fullmatch(
        r"\d{4}-\d{2}-\d{2}([t ]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:?\d{2}|z)?)?", value
    ):
        return None
    try:
        if len(value) == 10:
            return _end_of(date.fromisoformat(value))
        parsed = datetime.fromisoformat(value.upper().replace(" ", "T"))
    except ValueError:
        return None
    return parsed.astimezone() if parsed.tzinfo is None else parsed


def _end_of(day: date) -> datetime:
    # A naive local time made aware by the system's rules for that date (DST-correct).
    return datetime.combine(day, _END_OF_DAY).astimezone()
