"""``taskcli config``: every effective setting, its value and where it came from.

Settings resolve flag > environment > config file > default; when a value
surprises, this says which of them won. It needs no database, and never
shows a password.
"""

from __future__ import annotations

import json
from typing import Any

import typer

from taskcli.cli._boundary import guarded
from taskcli.cli._invocation import settings_of
from taskcli.cli._output import write
from taskcli.cli.options import TextFormat, TextFormatOption
from taskcli.config import Settings
from taskcli.config_file import config_path
from taskcli.contexts import context_setting

# Merged into the main application by ``taskcli.cli`` (``add_typer``).
app = typer.Typer(rich_markup_mode=None)


@app.command("config")
@guarded
def config_command(ctx: typer.Context, format: TextFormatOption = TextFormat.TEXT) -> None:
    """Show each effective setting, its value and where it came from (password masked)."""
    settings = settings_of(ctx)
    _WRITERS[format](settings, _rows(settings))


def _rows(settings: Settings) -> list[tuple[str, Any]]:
    """(key, value) of every setting, in the order the README's tables list them."""
    database = settings.database
    password = database.password is not None
    return [
        ("database", database.masked()),
        ("database.password", "***" if password else None),
        ("lock_timeout", settings.lock_timeout),
        ("server", settings.server),
        ("list.sort", settings.list_sort),
        ("list.columns", settings.list_columns.split(",") if settings.list_columns else None),
        ("context", context_setting()[0]),
        *_urgency_rows(),
    ]


def _urgency_rows() -> list[tuple[str, Any]]:
    """``next``'s urgency coefficients (0.4.0): the file's, else the defaults."""
    from taskcli.config_file import load_config
    from taskcli.urgency import coefficients_from

    weights = coefficients_from(load_config())
    return [
        ("urgency.due", weights.due),
        ("urgency.overdue", weights.overdue),
        ("urgency.priority.high", weights.priority[3]),
        ("urgency.priority.medium", weights.priority[2]),
        ("urgency.priority.low", weights.priority[1]),
        ("urgency.age", weights.age),
        ("urgency.age_max", weights.age_max),
        ("urgency.active", weights.active),
        *((f"urgency.tag.{name}", weight) for name, weight in sorted(weights.tags.items())),
    ]


def _origin(settings: Settings, key: str) -> tuple[str, str]:
    """(source, detail): a password written in the URL came with the URL."""
    if key == "context":
        _name, source, detail = context_setting()
        return source, detail
    if key.startswith("urgency."):
        from taskcli.config_file import load_config

        config = load_config()
        return ("file", config.location(key)) if config.get(key) is not None else ("default", "")
    if key == "database.password" and settings.database.password is not None:
        key = "database" if settings.origin(key).source == "default" else key
    origin = settings.origin(key)
    return origin.source, origin.detail


def _write_json(settings: Settings, rows: list[tuple[str, Any]]) -> None:
    path, _ = config_path()
    document = {
        "config_file": {"path": str(path), "read": settings.config_file is not None},
        "settings": {
            key: dict(
                zip(("value", "source", "from"), (value, *_origin(settings, key)), strict=True)
            )
            for key, value in rows
        },
    }
    write(json.dumps(document, ensure_ascii=True, indent=2) + "\n")


def _write_text(settings: Settings, rows: list[tuple[str, Any]]) -> None:
    from taskcli.textsafe import terminal_safe

    path, _ = config_path()
    state = "" if settings.config_file is not None else "  (none there)"
    lines = [("config file", f"{path}{state}", "")]
    for key, value in rows:
        source, detail = _origin(settings, key)
        lines.append((key, _shown(value), f"{source} {detail}".strip()))
    widths = [max(len(line[i]) for line in lines) for i in (0, 1)]
    write(
        "".join(
            terminal_safe(f"{k:<{widths[0]}}  {v:<{widths[1]}}  {o}".rstrip()) + "\n"
            for k, v, o in lines
        )
    )


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


_WRITERS = {TextFormat.TEXT: _write_text, TextFormat.JSON: _write_json}
