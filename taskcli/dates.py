"""The date grammar of the README (its Dates table), read in the user's local time zone.

Our own small grammar, standard library only, so start-up stays fast and
exactly the documented forms are accepted. A day without a time means the end
of that day (23:59:59); ``now``, ``+2h`` and ``+30min`` are exact instants.
Forms that name a day never pick a past one unless they say so (``yesterday``,
``today 9am``, a full date): a weekday is the next one (never today), ``dec 24``
the next 24 December that is today or later, a bare time the next such time,
``sow``/``som``/``soy`` the start of the next week, month or year. Results are
aware datetimes; storage converts them to UTC.

Local times are resolved with ``zoneinfo`` rules: a time that a spring-forward
gap skips (02:30 in Berlin on the last Sunday of March) moves forward by the
gap (03:30 summer time), and an ambiguous autumn time takes its first
occurrence, as PEP 495 and ``zoneinfo`` document.

The zone itself and the range of valid dates live in ``instants``: this
module only reads what users type.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta

from taskcli.errors import UsageError
from taskcli.instants import (
    EARLIEST,
    FIRST_DAY,
    LAST_DAY,
    LATEST,
    VALID_RANGE,
    local_zone,
    to_local,
)

ACCEPTED_FORMS = (
    "2026-12-01, 2026-12-01T17:00, today, tomorrow, yesterday, fri, dec 24, 24 dec 2027, "
    "eod, eow, eom, eoy, sow, som, soy, next week|month|year, now, 17:00, 9am, "
    "tomorrow 9am, fri 17:00, +3d, +2w, +1m, +1y, +2h, +30min, in 3 days"
)
# The grammar's words, also read by the tests that generate every form.
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
NAMED_DAYS = ("today", "eod", "tomorrow", "yesterday", "eow", "sow", "eom", "som", "eoy", "soy")
NEXT_PERIODS = ("week", "month", "year")
_UNIT_LETTER = {"day": "d", "week": "w", "month": "m", "year": "y", "hour": "h", "minute": "min"}

_END_OF_DAY = time(23, 59, 59)
_ONE_DAY = timedelta(days=1)
_A = re.ASCII
_DAY_OFFSET = re.compile(r"\+([0-9]{1,4})([dwmy])", _A)
_TIME_OFFSET = re.compile(r"\+([0-9]{1,4})(h|min)", _A)
_IN_UNITS = re.compile(r"in ([0-9]{1,4}) (day|week|month|year|hour|minute)s?", _A)
_CLOCK = r"(?:([0-9]{1,2}):([0-9]{2})|([0-9]{1,2})(?::([0-9]{2}))? ?(am|pm))"
_TIME = re.compile(_CLOCK, _A)
_MONTH_FIRST = re.compile(r"([a-z]{3,9}) ([0-9]{1,2})(?:,? ([0-9]{4}))?", _A)
_DAY_FIRST = re.compile(r"([0-9]{1,2}) ([a-z]{3,9})(?: ([0-9]{4}))?", _A)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", _A)
_ISO = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}([t ][0-9]{2}:[0-9]{2}(:[0-9]{2})?([+-][0-9]{2}:?[0-9]{2}|z)?)?",
    _A,
)


def parse_date(text: str, *, now: datetime | None = None) -> datetime:
    """Parse one documented form; raise ``UsageError`` (exit 2) otherwise."""
    now = (now or datetime.now(UTC)).astimezone(local_zone()).replace(microsecond=0)
    value = " ".join(text.strip().lower().split())
    try:
        parsed = _parse(value, now)
    except (OverflowError, ValueError):  # e.g. +9999y: past the calendar's last year
        raise UsageError(f"invalid date {text!r}: {VALID_RANGE}") from None
    if parsed is None:
        raise UsageError(f"invalid date {text!r}; accepted forms: {ACCEPTED_FORMS}")
    if not (FIRST_DAY <= parsed.date() <= LAST_DAY and EARLIEST <= parsed <= LATEST):
        raise UsageError(f"invalid date {text!r}: {VALID_RANGE}")
    return parsed


def _parse(value: str, now: datetime) -> datetime | None:
    """Instants first (now, offsets, ISO times), then a day with an optional time."""
    if value == "now":
        return now
    offset = (
        _DAY_OFFSET.fullmatch(value) or _TIME_OFFSET.fullmatch(value) or _IN_UNITS.fullmatch(value)
    )
    if offset:
        amount, unit = offset.groups()
        return _offset(now, int(amount), _UNIT_LETTER.get(unit, unit))
    if _ISO.fullmatch(value) and not _ISO_DAY.fullmatch(value):
        return _iso_time(value)
    at = _clock(value)
    if at is not None:  # a bare time: the next one, today's while it is still ahead
        today = _aware(datetime.combine(now.date(), at))
        return today if today >= now else _aware(datetime.combine(now.date() + _ONE_DAY, at))
    words = value.split(" ")
    for size in (1, 2):  # "9am", "17:00" or "9 am" at the end: a day at that time
        at = _clock(" ".join(words[-size:])) if len(words) > size else None
        if at is not None:
            rest = words[:-size]
            day = _day(" ".join(rest[:-1] if rest[-1] == "at" else rest), now.date())
            return None if day is None else _aware(datetime.combine(day, at))
    day = _day(value, now.date())
    return None if day is None else _end_of(day)


def _offset(now: datetime, amount: int, unit: str) -> datetime:
    """Hours and minutes are elapsed time from now; days and longer are calendar days."""
    if unit in ("h", "min"):
        minutes = amount * 60 if unit == "h" else amount
        return (now.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(local_zone())
    today = now.date()
    if unit == "d":
        return _end_of(today + timedelta(days=amount))
    if unit == "w":
        return _end_of(today + timedelta(weeks=amount))
    return _end_of(_add_months(today, amount if unit == "m" else 12 * amount))


def _clock(text: str) -> time | None:
    """``17:00``, ``9am``, ``9:30pm``, ``9 am``; ``12am`` is midnight, ``12pm`` noon."""
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    hour24, minute24, hour12, minute12, half = match.groups()
    if half is None:
        hour, minute = int(hour24), int(minute24)
        return time(hour, minute) if hour <= 23 and minute <= 59 else None
    hour, minute = int(hour12), int(minute12 or 0)
    if not (1 <= hour <= 12 and minute <= 59):
        return None
    return time(hour % 12 + (12 if half == "pm" else 0), minute)


def _day(text: str, today: date) -> date | None:
    """The day a word or a month-name date names, or ``None``."""
    named = _named_day(text, today)
    if named is not None:
        return named
    weekday = _prefix_of(text, WEEKDAYS)
    if weekday is not None:
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)  # never today
    if _ISO_DAY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    return _month_date(text, today)


def _named_day(text: str, today: date) -> date | None:
    start_of_next_month = _add_months(today.replace(day=1), 1)
    if text.startswith("next "):
        text = {"next week": "sow", "next month": "som", "next year": "soy"}.get(text, "")
    return {
        "today": today,
        "eod": today,
        "tomorrow": today + _ONE_DAY,
        "yesterday": today - _ONE_DAY,
        "eow": today + timedelta(days=6 - today.weekday()),
        "sow": today + timedelta(days=7 - today.weekday()),
        "eom": start_of_next_month - _ONE_DAY,
        "som": start_of_next_month,
        "eoy": date(today.year, 12, 31),
        "soy": date(today.year + 1, 1, 1) if today.year < 9999 else None,
    }.get(text)


def _month_date(text: str, today: date) -> date | None:
    """``dec 24``, ``24 dec``, ``december 24, 2027``: without a year, the next one not past."""
    month_first, day_first = _MONTH_FIRST.fullmatch(text), _DAY_FIRST.fullmatch(text)
    if month_first:
        name, day, year = month_first.groups()
    elif day_first:
        day, name, year = day_first.groups()
    else:
        return None
    month = _prefix_of(name, MONTHS)
    if month is None:
        return None
    if year is not None:
        return _valid_date(int(year), month + 1, int(day))
    for candidate_year in range(today.year, min(today.year + 8, 9999) + 1):  # 29 feb: 8 at most
        candidate = _valid_date(candidate_year, month + 1, int(day))
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _prefix_of(text: str, names: tuple[str, ...]) -> int | None:
    """The index of the one name that ``text`` (three letters or more) begins."""
    if len(text) < 3:
        return None
    for index, name in enumerate(names):
        if name.startswith(text):
            return index
    return None


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day (31 jan + 1m = 28 feb)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("past the calendar")
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _iso_time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.upper().replace(" ", "T"))
    except ValueError:
        return None
    return _aware(parsed) if parsed.tzinfo is None else parsed


def _end_of(day: date) -> datetime:
    return _aware(datetime.combine(day, _END_OF_DAY))


def _aware(local: datetime) -> datetime:
    """A wall-clock time in the user's zone, normalised through UTC.

    The round trip moves a time in a spring-forward gap forward by the gap.
    """
    zone = local_zone()
    return local.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def describe(value: datetime) -> dict[str, str]:
    """What an instant means here: local wall time with its zone, and UTC (for ``calc``)."""
    local = to_local(value)
    return {
        "local": local.isoformat(),
        "utc": value.astimezone(UTC).isoformat(),
        "zone": local.tzname() or "",
        "weekday": WEEKDAYS[local.weekday()].capitalize(),
    }
