"""Instants as taskcli stores and shows them: the valid range and the user's zone.

Kept apart from the date grammar (``dates``) because storing, exporting and
showing an instant need these rules without parsing anything. Standard
library only, so start-up stays fast.

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
from datetime import UTC, date, datetime, tzinfo

from taskcli.errors import UsageError

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
