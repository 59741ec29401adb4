"""An import file, in any of its forms, as the records the import service takes.

A taskcli export, a Taskwarrior export and an outline each parse to
``ImportRecord``s plus what their form says beside them (the exporting
database, records skipped, notes for the summary); the command only reads
the file and picks the form, so a caller without the CLI parses alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from taskcli.outline import parse_outline
from taskcli.records import ImportRecord, export_source, load_json, parse_export
from taskcli.taskwarrior import parse_taskwarrior


class ImportForm(StrEnum):
    TASKCLI = "taskcli"
    TASKWARRIOR = "taskwarrior"
    OUTLINE = "outline"


@dataclass
class ParsedFile:
    """The records of one file and what its form tells beside them."""

    records: list[ImportRecord]
    source: str | None = None  # the identity of the database a taskcli export came from
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
    notes: list[str] = field(default_factory=list)


def parse_import_file(text: str, form: ImportForm) -> ParsedFile:
    """The records of ``text`` read as ``form``; the first bad one is named (exit 2)."""
    if form is ImportForm.OUTLINE:
        return ParsedFile(parse_outline(text))
    if form is ImportForm.TASKWARRIOR:
        records, skipped, dependencies = parse_taskwarrior(text)
        parsed = ParsedFile(records, skipped=dict(skipped))
        if dependencies:
            parsed.notes.append(
                f"{dependencies} dependenc{'y' if dependencies == 1 else 'ies'} kept as note lines"
            )
        return parsed
    document = load_json(text, "the file")
    return ParsedFile(parse_export(document), source=export_source(document))
