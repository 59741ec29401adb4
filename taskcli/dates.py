"""The date forms of the SPEC, read in the user's local time zone.

A date without a time means the end of that day. Results are aware
datetimes; storage converts them to UTC. Month and weekday arithmetic come
from ``dateutil.relativedelta`` (imported only when a date is parsed).

Local times are resolved with ``zoneinfo`` rules: a time that a spring-forward
gap skips (02:30 in Berlin on the last Sunday of March) moves forward by the
gap (03:30 summer time), and an ambiguous autumn time takes its first
occurrence, as PEP 495 and ``zoneinfo`` document.

Valid dates: a date typed for ``add``, ``edit`` or ``list --due-before`` lies
between 1900-01-01 and 9998-12-31 as written (in the user's zone, or in the
offset given). Every zone's image of that range is the instant window
``EARLIEST`` to ``LATEST`` (UTC, a day's slack each side), which ``import``
enforces: so whatever one user stores, any other user can export and import
again, and every stored instant is a real date in every zone and renders
everywhere.
"""

from __future__ import annotations

import functools
import os
import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

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
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9998, 12, 31)
EARLIEST = datetime(1899, 12, 31, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, 23, 59, 59, tzinfo=UTC)
VALID_RANGE = "dates must lie between 1900-01-01 and 9998-12-31"


def local_zone() -> tzinfo:
    """The user's zone with its full rules: ``$TZ`` if it names one, else /etc/localtime.

    A ``TZ`` that is not an IANA name (a POSIX rule such as ``EST5``) falls back to
    the C library's current offset.
    """
    return _zone(os.environ.get("TZ", "").lstrip(":"))


@functools.lru_cache(maxsize=4)
def _zone(name: str) -> tzinfo:
    from zoneinfo import ZoneInfo

    try:
        if name:
            return ZoneInfo(name)
        with open("/etc/localtime", "rb") as file:
            return ZoneInfo.from_file(file, key="localtime")
    except (OSError, ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        zone = datetime.now().astimezone().tzinfo
        assert zone is not None
        return zone


def check_range(value: datetime, what: str = "date") -> datetime:
    """Refuse (exit 2) an instant outside the documented range."""
    if not EARLIEST <= value <= LATEST:
        raise UsageError(f"{what} {value.isoformat()} is out of range: {VALID_RANGE}")
    return value


def to_local(value: datetime) -> datetime:
    """``value`` in the user's zone; an instant that has no local date stays in UTC.

    Only a value written outside the valid range (by another program or an
    older taskcli) can be that far out; it is shown, never a crash.
    """
    try:
        return value.astimezone(local_zone())
    except (OverflowError, ValueError):
        return value.astimezone(UTC) if value.tzinfo is not None else value


def parse_date(text: str, *, now: datetime | None = None) -> datetime:
    """Parse one of the accepted forms; raise ``UsageError`` (exit 2) otherwise."""
    now = (now or datetime.now(UTC)).astimezone(local_zone())
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
    shifted: date = start + relativedelta(
        months=amount if unit == "m" else 0, years=0 if unit == "m" else amount
    )
    return shifted


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
    return _aware(parsed) if parsed.tzinfo is None else parsed


def _end_of(day: date) -> datetime:
    return _aware(datetime.combine(day, _END_OF_DAY))


def _aware(local: datetime) -> datetime:
    """A wall-clock time in the user's zone, normalised through UTC.

    The round trip moves a time in a spring-forward gap forward by the gap.
    """
    zone = local_zone()
    return local.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
