"""``taskcli export`` and ``taskcli import``: everything out, everything in."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from taskcli.cli._boundary import guarded, print_message
from taskcli.cli._output import write, write_stdout
from taskcli.cli._runtime import run
from taskcli.cli.format_human import counted
from taskcli.cli.formats import formatter
from taskcli.cli.options import TextFormat, TextFormatOption
from taskcli.errors import UsageError

if TYPE_CHECKING:
    from taskcli.domain import Annotation
    from taskcli.import_file import ImportForm
    from taskcli.records import ImportReport


class ImportSource(StrEnum):
    TASKCLI = "taskcli"
    TASKWARRIOR = "taskwarrior"


# Merged into the main application by ``taskcli.cli`` (``add_typer``).
app = typer.Typer(rich_markup_mode=None)


@app.command("export")
@guarded
def export_command(
    ctx: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write to FILE instead of stdout (atomically, mode 0600; "
            "a FIFO or device is written directly).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Export every task (done ones too) as one versioned JSON document."""
    if output is None:
        _export(ctx, write_stdout)
        write("")  # flush
        return
    from taskcli.atomic import write_file

    write_file(output, lambda write: _export(ctx, write))


def _export(ctx: typer.Context, write: Callable[[str], None]) -> None:
    """The header goes out with the first task (or after the query), never before the
    database has answered: a database failure leaves no half document behind."""
    from taskcli import render_records
    from taskcli.services.transfer import export_tasks

    written = 0

    def sink(view: object, external_id: str | None, annotations: Sequence[Annotation]) -> None:
        nonlocal written
        if written == 0:
            write(render_records.export_header())
        write(
            render_records.export_record(
                view,  # type: ignore[arg-type]
                external_id,
                first=written == 0,
                annotations=annotations,
            )
        )
        written += 1

    count, source = run(ctx, export_tasks, write=False, sink=sink)
    header = render_records.export_header() if written == 0 else ""
    write(header + render_records.export_footer(count, source))


@app.command("import")
@guarded
def import_command(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Argument(metavar="FILE|-", help="The file to read ('-': stdin).", show_default=False),
    ],
    from_format: Annotated[
        ImportSource,
        typer.Option(
            "--from", case_sensitive=False, help="taskcli (an export) or taskwarrior (task export)."
        ),
    ] = ImportSource.TASKCLI,
    outline: Annotated[
        bool, typer.Option("--outline", help="An indented outline or Markdown checklist.")
    ] = False,
    as_new: Annotated[
        bool,
        typer.Option(
            "--as-new",
            help="Add every task as a new one, even those already here (no matching).",
        ),
    ] = False,
    format: TextFormatOption = TextFormat.TEXT,
) -> None:
    """Import tasks in one transaction: all of them or, on any error, none.

    Tasks already here (the same external id, or the same task of the same
    exported database) are updated where the file differs, never added twice.
    """
    from taskcli.import_file import parse_import_file
    from taskcli.services.transfer import import_records

    form = _import_form(from_format, outline)
    parsed = parse_import_file(_read(source), form)
    report = run(
        ctx, import_records, write=True, records=parsed.records, source=parsed.source, as_new=as_new
    )
    report.skipped, report.notes = parsed.skipped, parsed.notes
    _show_import_report(report, format)


def _import_form(from_format: ImportSource, outline: bool) -> ImportForm:
    """``--outline`` is a form of its own: given with ``--from``, which one is meant is unclear."""
    from taskcli.import_file import ImportForm

    if not outline:
        return ImportForm(from_format.value)
    if from_format is not ImportSource.TASKCLI:
        raise UsageError("give either --outline or --from, not both")
    return ImportForm.OUTLINE


def _show_import_report(report: ImportReport, format: TextFormat) -> None:
    """The summary (or JSON document) on stdout; reopened tasks on stderr, so stdout stays
    the summary it was."""
    formatter(format).import_report(report)
    if report.reopened:
        print_message(
            f"Reopened {counted(len(report.reopened), 'task')} so no done task holds pending work"
        )


def _read(source: str) -> str:
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {source}: {error.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"{source} is not UTF-8 text") from None
