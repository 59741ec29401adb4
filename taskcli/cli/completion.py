"""Shell completion of task ids, offered with their titles.

Runs only when the shell asks for completions, never for ``--help``; it
stays silent on any problem (a shell prompt is no place for errors) and does
not create a database that does not exist yet.
"""

from __future__ import annotations

import typer

from taskcli.config import resolve_settings


def complete_task_id(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    if incomplete and not incomplete.isdigit():
        return []
    try:
        from taskcli.cli._runtime import execute
        from taskcli.db.files import needs_creation
        from taskcli.services.reading import id_titles
        from taskcli.textsafe import terminal_safe

        settings = resolve_settings(ctx.find_root().params.get("db"))
        path = settings.database.path
        if path is not None and needs_creation(path):
            return []
        pairs = execute(settings, id_titles, write=False, prefix=incomplete)
    except Exception:
        return []
    return [(str(task_id), terminal_safe(title)) for task_id, title in pairs]
