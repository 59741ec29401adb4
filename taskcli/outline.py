"""Indented outlines and Markdown checklists as task trees (stdlib only).

Reads what ``taskcli tree -f outline`` writes (``- [ ] title``, two spaces a
level) and what people write by hand: ``- [x]`` for done, ``-``/``*``/``+``
bullets or none, two or four spaces or a tab per level.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from taskcli.domain import Status
from taskcli.errors import UsageError
from taskcli.records import ImportRecord
from taskcli.validation import validate_title

_ITEM = re.compile(r"(?:[-*+](?:\s+|$))?(?:\[(?P<mark>[ xX])\](?:\s+|$))?(?P<title>.*)")


def parse_outline(text: str) -> list[ImportRecord]:
    """One record per non-blank line; indentation gives the parent."""
    now = datetime.now(UTC)
    records: list[ImportRecord] = []
    stack: list[tuple[int, str]] = []  # (indent width, key) of the open ancestors
    unit = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        expanded = line.replace("\t", "    ")
        indent = len(expanded) - len(expanded.lstrip(" "))
        if indent and not unit:
            unit = indent
        level = indent // unit if unit else 0
        if unit and indent % unit:
            raise UsageError(f"line {number}: indentation is not a multiple of {unit} spaces")
        if level > len(stack):
            raise UsageError(f"line {number}: indented more than one level below the line above")
        del stack[level:]
        match = _ITEM.fullmatch(expanded.strip())
        assert match is not None  # the pattern accepts any text
        try:
            title = validate_title(match["title"])
        except UsageError as error:
            raise UsageError(f"line {number}: {error}") from None
        done = (match["mark"] or " ").lower() == "x"
        key = str(number)
        records.append(
            ImportRecord(
                key=key,
                parent_key=stack[-1][1] if stack else None,
                title=title,
                status=Status.DONE if done else Status.PENDING,
                completed_at=now if done else None,
            )
        )
        stack.append((indent, key))
    return records
