"""The date grammar of the README's Dates table, as properties through the real CLI.

Every documented form, generated from the grammar's pieces (the words come
from ``taskcli.dates`` so a new word is generated too), in any case and
spacing, parses: ``calc`` shows it and ``add`` stores the same instant.
Strings outside the grammar (near misses and text with a character no form
uses) exit 2 with one ``Error:`` line from ``add``, ``edit``, ``list`` and
``calc``, and change nothing. ``calc`` never opens the database.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import REPO_ROOT, Cli, dump, error_line, execute

from taskcli.dates import MONTHS, NAMED_DAYS, NEXT_PERIODS, WEEKDAYS

ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Pacific/Kiritimati")
SLOW = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Form:
    """A generated form and what the README promises about its meaning."""

    text: str
    clock: tuple[int, int] | None = None  # the wall time it names (None: end of day)
    instant: bool = False  # an instant (now, +2h, an offset given): no wall time to check
    moves: bool = False  # counted from this second (now, +2h): differs between commands
    future: bool = True  # never before the moment it was typed
    day: date | None = None  # the exact day it names, when it names one


# --- the grammar's pieces -------------------------------------------------------------


def _prefix(names: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Three letters or more of a name."""
    return st.sampled_from(names).flatmap(
        lambda name: st.integers(3, len(name)).map(lambda size: name[:size])
    )


@st.composite
def _clock(draw: st.DrawFn) -> tuple[str, tuple[int, int]]:
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    twelve = hour % 12 or 12
    half = "am" if hour < 12 else "pm"
    text = draw(
        st.sampled_from(
            [
                f"{hour}:{minute:02}",
                f"{hour:02}:{minute:02}",
                f"{twelve}:{minute:02}{half}",
                f"{twelve}:{minute:02} {half}",
            ]
            + ([f"{twelve}{half}", f"{twelve} {half}"] if minute == 0 else [])
        )
    )
    return text, (hour, minute)


@st.composite
def _month_day(draw: st.DrawFn) -> Form:
    """``dec 24``, ``24 dec``, ``december 24, 2027`` ..."""
    with_year = draw(st.booleans())
    if with_year:
        day = draw(st.dates(date(1901, 1, 1), date(9997, 12, 31)))
    else:
        day = draw(st.dates(date(2024, 1, 1), date(2024, 12, 31)))  # a leap year: feb 29 too
    month = draw(_prefix((MONTHS[day.month - 1],)))
    year = f" {day.year}" if with_year else ""
    text = draw(
        st.sampled_from(
            [f"{month} {day.day}{year}", f"{day.day} {month}{year}"]
            + ([f"{month} {day.day},{year}"] if with_year else [])
        )
    )
    return Form(text, day=day if with_year else None, future=not with_year)


@st.composite
def _day(draw: st.DrawFn) -> Form:
    """Every form that names a day (and so can take a time)."""
    kind = draw(st.sampled_from(["named", "weekday", "next", "month", "iso"]))
    if kind == "named":
        word = draw(st.sampled_from(NAMED_DAYS))
        return Form(word, future=word != "yesterday")
    if kind == "weekday":
        return Form(draw(_prefix(WEEKDAYS)))
    if kind == "next":
        return Form(f"next {draw(st.sampled_from(NEXT_PERIODS))}")
    if kind == "month":
        return draw(_month_day())
    day = draw(st.dates(date(1901, 1, 1), date(9997, 12, 31)))
    return Form(day.isoformat(), day=day, future=False)


@st.composite
def _offset(draw: st.DrawFn) -> Form:
    unit = draw(st.sampled_from(["d", "w", "m", "y", "h", "min"]))
    amount = draw(st.integers(0, 7000 if unit == "y" else 9999))
    words = {"d": "day", "w": "week", "m": "month", "y": "year", "h": "hour", "min": "minute"}
    plural = "" if amount == 1 and draw(st.booleans()) else "s"
    text = draw(st.sampled_from([f"+{amount}{unit}", f"in {amount} {words[unit]}{plural}"]))
    return Form(text, instant=unit in ("h", "min"), moves=unit in ("h", "min"))


@st.composite
def _iso_time(draw: st.DrawFn) -> Form:
    moment = draw(st.datetimes(datetime(1901, 1, 1), datetime(9997, 12, 31)))
    sep, seconds = draw(st.sampled_from(["T", " "])), draw(st.booleans())
    text = f"{moment:%Y-%m-%d}{sep}{moment:%H:%M}" + (f":{moment:%S}" if seconds else "")
    offset = draw(st.sampled_from(["", "Z", "+02:00", "-0530", "+14:00"]))
    clock = (moment.hour, moment.minute) if offset == "" else None
    return Form(text + offset, clock=clock, future=False, instant=offset != "")


@st.composite
def documented_form(draw: st.DrawFn) -> Form:
    """One form of every row of the README's Dates table."""
    kind = draw(st.sampled_from(["day", "day_at", "clock", "offset", "iso_time", "now"]))
    if kind == "day":
        return draw(_day())
    if kind == "clock":
        text, clock = draw(_clock())
        return Form(text, clock=clock)
    if kind == "day_at":
        day, (text, clock) = draw(_day()), draw(_clock())
        at = draw(st.sampled_from([" ", " at "]))
        return Form(f"{day.text}{at}{text}", clock=clock, day=day.day, future=False)
    if kind == "offset":
        return draw(_offset())
    if kind == "iso_time":
        return draw(_iso_time())
    return Form("now", instant=True, moves=True)


@st.composite
def typed(draw: st.DrawFn, form: Form) -> str:
    """The form as someone might type it: any case, extra spaces."""
    letters = [
        char.upper() if draw(st.booleans()) else char for char in form.text.replace(" ", "\0")
    ]
    text = "".join(letters)
    return re.sub("\0", lambda _: " " * draw(st.integers(1, 3)), text) + " " * draw(
        st.integers(0, 2)
    )


# --- what is not in the grammar ---------------------------------------------------------

NEAR_MISSES = (
    "24:00",
    "9:60",
    "13pm",
    "0am",
    "17h",
    "9a",
    "9 a.m.",
    "17",
    "noon",
    "midnight",
    "feb 30",
    "apr 31",
    "dec 32",
    "dec 0",
    "de 24",
    "dec",
    "24",
    "dec 24 27",
    "dec 24 12345",
    "2026-02-30",
    "2026-13-01",
    "2026-12-1",
    "26-12-01",
    "31/12/2026",
    "12/31/2026",
    "2026/12/01",
    "2026-12-01T25:00",
    "fr",
    "blursday",
    "next blursday",
    "next fri",
    "next day",
    "next decade",
    "next",
    "this week",
    "someday",
    "soon",
    "eod eod",
    "mon tue",
    "at 9am",
    "9am tomorrow",
    "tomorrow at",
    "tomorrow 25:00",
    "fri 9:60",
    "+2x",
    "-3d",
    "+12345d",
    "+2 h",
    "+2hours",
    "in days",
    "in 3 fortnights",
    "in -3 days",
    "+3d 9am",
    "now 9am",
    "",
    "   ",
)
# Characters no documented form contains, even after folding case.
FOREIGN = "/!?.;#@*()[]{}_=~\"'\\|<>^%$&\x00\x1b\u202e\u00e9\u00df\u65e5\uff11\u0663"


@st.composite
def outside_grammar(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(st.sampled_from(NEAR_MISSES))
    base = draw(st.one_of(documented_form().map(lambda form: form.text), st.text(max_size=20)))
    position = draw(st.integers(0, len(base)))
    return base[:position] + draw(st.sampled_from(FOREIGN)) + base[position:]


# --- the properties ---------------------------------------------------------------------


def _calc(cli: Cli, text: str, zone: str) -> dict[str, str]:
    result = cli("calc", "-f", "json", "--", text, env={"TZ": zone})
    assert result.exit_code == 0, (text, zone, result.stderr)
    meaning: dict[str, str] = json.loads(result.stdout)
    return meaning


def _check_meaning(form: Form, meaning: dict[str, str], zone: str, before: datetime) -> None:
    local = datetime.fromisoformat(meaning["local"])
    utc = datetime.fromisoformat(meaning["utc"])
    assert local == utc
    assert local.utcoffset() == local.astimezone(ZoneInfo(zone)).utcoffset()
    if form.future:
        assert utc >= before.replace(microsecond=0), (form, meaning)
    if form.instant:
        return
    # The wall time the form names; a spring-forward gap moves it on by the gap (an
    # hour here; Kiritimati skipped 1994-12-31 whole), as the README says.
    hour, minute, second = (*form.clock, 0) if form.clock else (23, 59, 59)
    wall = datetime.combine(form.day or local.date(), time(hour, minute, second))
    seen = local.replace(tzinfo=None, second=second)
    assert seen - wall in (timedelta(0), timedelta(hours=1), timedelta(days=1)), (form, meaning)


@settings(SLOW, max_examples=300)
@given(data=st.data())
def test_every_documented_form_parses(data: st.DataObject) -> None:
    """calc accepts each form in any case and spacing, with the meaning the README gives."""
    cli = Cli(url="sqlite:////nonexistent/taskcli-calc/never.db", env={})
    form, zone = data.draw(documented_form()), data.draw(st.sampled_from(ZONES))
    text = data.draw(typed(form))
    before = datetime.now(UTC)
    meaning = _calc(cli, text, zone)
    assert meaning["expression"] == text
    _check_meaning(form, meaning, zone, before)


@settings(SLOW, max_examples=25)
@given(data=st.data())
def test_add_stores_what_calc_shows(cli: Cli, data: st.DataObject) -> None:
    """The instant ``add -d`` stores is the one ``calc`` shows just before or after
    (now-relative forms only parse: seconds pass between the commands)."""
    form, zone = data.draw(documented_form()), data.draw(st.sampled_from(ZONES))
    text = data.draw(typed(form))
    shown_before = datetime.fromisoformat(_calc(cli, text, zone)["utc"])
    result = cli("add", "t", f"--due={text}", "-f", "json", env={"TZ": zone})
    assert result.exit_code == 0, (text, result.stderr)
    stored = datetime.fromisoformat(json.loads(result.stdout)["due"])
    shown_after = datetime.fromisoformat(_calc(cli, text, zone)["utc"])
    if not form.moves:
        assert stored in (shown_before, shown_after), (text, stored, shown_before)


@settings(SLOW, max_examples=40)
@given(text=outside_grammar(), zone=st.sampled_from(ZONES))
def test_everything_else_exits_2_and_changes_nothing(
    cli: Cli, db_url: str, text: str, zone: str
) -> None:
    if not cli("list", "-f", "ids").stdout.strip():
        cli.ok("add", "kept", "-d", "tomorrow")
    before = dump(db_url)
    for args in (
        ("add", "x", f"--due={text}"),
        ("edit", "1", f"--due={text}"),
        ("list", f"--due-before={text}"),
        ("calc", "--", text),
    ):
        result = cli(*args, env={"TZ": zone})
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        assert result.stdout == ""
        assert "invalid date" in error_line(result), (args, result.stderr)
    assert dump(db_url) == before


def test_readme_examples_parse(cli: Cli) -> None:
    """Each example in the README's Dates table is a form calc accepts."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Dates") : readme.index("### Priorities")]
    rows = [line.split(" | ") for line in section.splitlines() if line.startswith("| ")]
    examples = [example for row in rows[2:] for example in re.findall(r"`([^`]+)`", row[1])]
    assert len(examples) > 40
    for example in examples:
        for zone in ("UTC", "Asia/Tokyo"):
            _calc(cli, example, zone)


def test_calc_never_opens_the_database(blank_db_url: str, backend: str) -> None:
    """calc on a database that does not exist (SQLite) or has no schema creates nothing."""
    cli = Cli(url=blank_db_url, env={})
    for words in (("tomorrow", "9am"), ("fri", "17:00"), ("dec", "24")):
        result = cli.ok("calc", *words)
        assert result.stdout.startswith("local  ")
        assert "\nutc    " in result.stdout
    cli.fails(2, "calc", "someday")
    if backend == "sqlite":
        assert not Path(blank_db_url.removeprefix("sqlite:///")).exists()
    else:
        [[(tables,)]] = execute(
            blank_db_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        )
        assert tables == 0
