"""Recurrence rules and their dates, without a database: month ends, leap days, DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from taskcli.errors import UsageError
from taskcli.recurrence import Rule, next_due, next_due_from_completion, parse_rule, shift


@pytest.fixture(params=["Europe/Berlin", "America/New_York"])
def zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> ZoneInfo:
    monkeypatch.setenv("TZ", request.param)
    return ZoneInfo(request.param)


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone).astimezone(UTC)  # type: ignore[arg-type,misc]


def series(anchor: datetime, rule: Rule, count: int) -> list[datetime]:
    found, current = [], anchor
    for _ in range(count):
        current = next_due(anchor, rule, current)
        found.append(current)
    return found


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("daily", "daily"),
        ("Weekly", "weekly"),
        (" monthly ", "monthly"),
        ("yearly", "yearly"),
        ("weekdays", "weekdays"),
        ("every 3 days", "every 3 days"),
        ("every 1 week", "weekly"),
        ("every  2   months", "every 2 months"),
        ("every 2 years", "every 2 years"),
    ],
)
def test_rules_parse_to_their_canonical_text(text: str, canonical: str) -> None:
    rule = parse_rule(text)
    assert rule is not None
    assert rule.text() == canonical
    assert parse_rule(canonical) == rule


@pytest.mark.parametrize("text", ["", "hourly", "every 0 days", "every days", "every 2 fortnights"])
def test_other_rules_are_refused_with_the_forms(text: str) -> None:
    with pytest.raises(UsageError, match="every N days"):
        parse_rule(text)


def test_none_is_no_rule() -> None:
    assert parse_rule("None") is None


def test_monthly_keeps_the_anchor_day_across_short_months(zone: ZoneInfo) -> None:
    anchor = local(zone, 2027, 1, 31, 9, 0)
    got = [each.astimezone(zone) for each in series(anchor, Rule("month"), 4)]
    assert [(d.month, d.day, d.hour, d.minute) for d in got] == [
        (2, 28, 9, 0),
        (3, 31, 9, 0),
        (4, 30, 9, 0),
        (5, 31, 9, 0),
    ]


def test_monthly_from_the_31st_meets_a_leap_february(zone: ZoneInfo) -> None:
    anchor = local(zone, 2028, 1, 31, 23, 59, 59)
    got = [each.astimezone(zone).date().isoformat() for each in series(anchor, Rule("month"), 2)]
    assert got == ["2028-02-29", "2028-03-31"]


def test_yearly_from_a_leap_day(zone: ZoneInfo) -> None:
    anchor = local(zone, 2028, 2, 29, 12, 0)
    got = [each.astimezone(zone).date().isoformat() for each in series(anchor, Rule("year"), 4)]
    assert got == ["2029-02-28", "2030-02-28", "2031-02-28", "2032-02-29"]


@pytest.mark.parametrize("rule", [Rule("day"), Rule("week"), Rule("weekday")])
def test_nine_oclock_stays_nine_oclock_across_dst(zone: ZoneInfo, rule: Rule) -> None:
    anchor = local(zone, 2027, 3, 1, 9, 0)  # both zones change in March and again by November
    got = series(anchor, rule, 300)
    assert {(d.astimezone(zone).hour, d.astimezone(zone).minute) for d in got} == {(9, 0)}
    offsets = {d.astimezone(zone).utcoffset() for d in got}
    assert len(offsets) == 2  # the series did cross a change


def test_daily_is_one_calendar_day_not_24_hours(zone: ZoneInfo) -> None:
    spring = {"Europe/Berlin": (2027, 3, 27), "America/New_York": (2027, 3, 13)}[str(zone)]
    anchor = local(zone, *spring, 9, 0)
    (after,) = series(anchor, Rule("day"), 1)
    assert after - anchor == timedelta(hours=23)
    assert after.astimezone(zone).hour == 9


def test_a_time_in_the_spring_gap_moves_on_by_the_gap_only_that_day(zone: ZoneInfo) -> None:
    spring = {"Europe/Berlin": (2027, 3, 27), "America/New_York": (2027, 3, 13)}[str(zone)]
    anchor = local(zone, *spring, 2, 30)
    first, second = (d.astimezone(zone) for d in series(anchor, Rule("day"), 2))
    assert (first.hour, first.minute) == (3, 30)
    assert (second.hour, second.minute) == (2, 30)


def test_weekdays_skip_the_weekend(zone: ZoneInfo) -> None:
    anchor = local(zone, 2027, 1, 7, 17, 0)  # a Thursday
    got = [d.astimezone(zone).strftime("%a %d") for d in series(anchor, Rule("weekday"), 4)]
    assert got == ["Fri 08", "Mon 11", "Tue 12", "Wed 13"]


def test_every_n_counts_from_the_anchor(zone: ZoneInfo) -> None:
    anchor = local(zone, 2027, 1, 1, 8, 0)
    got = series(anchor, Rule("day", 10), 3)
    assert [d.astimezone(zone).date().isoformat() for d in got] == [
        "2027-01-11",
        "2027-01-21",
        "2027-01-31",
    ]


def test_next_due_after_a_far_later_instant_lands_on_the_schedule(zone: ZoneInfo) -> None:
    anchor = local(zone, 2027, 1, 31, 9, 0)
    found = next_due(anchor, Rule("month", 2), local(zone, 2030, 6, 15, 0, 0)).astimezone(zone)
    assert (found.year, found.month, found.day, found.hour) == (2030, 7, 31, 9)


def test_from_completion_counts_from_the_completion_day_at_the_dues_time(zone: ZoneInfo) -> None:
    due = local(zone, 2027, 3, 1, 9, 0)
    completed = local(zone, 2027, 3, 20, 18, 45)
    found = next_due_from_completion(due, Rule("week"), completed).astimezone(zone)
    assert (found.month, found.day, found.hour, found.minute) == (3, 27, 9, 0)
    monthly = next_due_from_completion(due, Rule("month"), local(zone, 2027, 1, 31, 8, 0))
    assert monthly.astimezone(zone).date().isoformat() == "2027-02-28"


def test_from_completion_without_a_due_keeps_the_completion_time(zone: ZoneInfo) -> None:
    completed = local(zone, 2027, 3, 5, 18, 45)  # a Friday
    found = next_due_from_completion(None, Rule("weekday"), completed).astimezone(zone)
    assert (found.day, found.hour, found.minute) == (8, 18, 45)


def test_shift_moves_by_the_delta_and_keeps_none() -> None:
    moment = datetime(2027, 1, 1, tzinfo=UTC)
    assert shift(moment, timedelta(days=7)) == datetime(2027, 1, 8, tzinfo=UTC)
    assert shift(None, timedelta(days=7)) is None
