"""``taskcli context``: define, choose, show and delete contexts (saved list filters).

One command reads its first word as the action (``define``, ``list``,
``show``, ``delete``, ``none``) or as the name of the context to choose, as
Taskwarrior's ``task context`` does. It needs no database.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from taskcli.cli._boundary import guarded, print_message
from taskcli.cli._output import write
from taskcli.cli.context_scope import checked_filters
from taskcli.cli.filters import FilterOptions, filter_options
from taskcli.cli.options import TextFormat, TextFormatOption
from taskcli.contexts import FIELDS, NONE, Context, ContextStore, validate_name
from taskcli.errors import UsageError

# Merged into the main application by ``taskcli.cli`` (``add_typer``).
app = typer.Typer(rich_markup_mode=None)

Words = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="WORD...",
        help="define NAME [+TAG...] | NAME (choose it) | none | list | show | delete NAME.",
        show_default=False,
    ),
]


@app.command("context")
@guarded
@filter_options(status=False)
def context_command(
    words: Words = None,
    *,
    filters: FilterOptions,
    format: TextFormatOption = TextFormat.TEXT,
) -> None:
    """Define, choose and show contexts: saved filters for list and tree, tags for add.

    define NAME takes list's filter options (or +TAG words); NAME chooses a
    context, none clears it; TASKCLI_CONTEXT beats the chosen one.
    """
    action, *rest = words or ["show"]
    if action != "define" and any(value not in (None, False, [], ()) for value in _given(filters)):
        raise UsageError("filter options belong to 'context define NAME'")
    store = ContextStore.load()
    if action == "define":
        _define(store, rest, filters)
    elif action in ("list", "show"):
        _no_more(action, rest)
        _WRITERS[format](store, every=action == "list")
    elif action == "delete":
        _delete(store, rest)
    elif action == NONE:
        _no_more(action, rest)
        store.active = None
        store.save()
        print_message("No context: list and tree show every task.")
    else:
        _no_more(action, rest)
        store.active = store.get(action).name
        store.save()
        print_message(f"Context '{action}' chosen ({store.contexts[action].describe()}).")


def _given(filters: FilterOptions) -> list[Any]:
    return [getattr(filters, name) for name in FIELDS]


def _no_more(action: str, rest: list[str]) -> None:
    if rest:
        raise UsageError(f"'context {action}' takes no more words, got {rest[0]!r}")


def _define(store: ContextStore, rest: list[str], filters: FilterOptions) -> None:
    """Checked in full before the file is touched: a bad filter writes nothing."""
    if not rest:
        raise UsageError("'context define' needs a NAME")
    name, *tags = rest
    validate_name(name)
    for word in tags:
        if word[:1] not in ("+", "-"):
            raise UsageError(f"'context define' takes +TAG or -TAG words after NAME, not {word!r}")
    stored = checked_filters(filters, tags)
    if not stored:
        raise UsageError(f"context {name!r} needs a filter (list's options or +TAG)")
    replaced = name in store.contexts
    store.contexts[name] = Context(name, stored)
    store.save()
    verb = "Redefined" if replaced else "Defined"
    print_message(f"{verb} context '{name}': {store.contexts[name].describe()}.")


def _delete(store: ContextStore, rest: list[str]) -> None:
    if len(rest) != 1:
        raise UsageError("'context delete' takes one NAME")
    name = store.get(rest[0]).name
    del store.contexts[name]
    if store.active == name:
        store.active = None
    store.save()
    print_message(f"Deleted context '{name}'.")


def _rows(store: ContextStore, *, every: bool) -> tuple[Context | None, str, list[Context]]:
    applied, source = store.applied()
    chosen = list(store.contexts.values()) if every else [c for c in [applied] if c]
    return applied, source, sorted(chosen, key=lambda context: context.name)


def _write_text(store: ContextStore, *, every: bool) -> None:
    from taskcli.textsafe import terminal_safe

    applied, source, rows = _rows(store, every=every)
    if not rows:
        write("No contexts defined.\n" if every else "No context in force.\n")
        return
    width = max(len(context.name) for context in rows)
    lines = []
    for context in rows:
        mark = "*" if applied is not None and context.name == applied.name else " "
        lines.append(f"{mark} {context.name:<{width}}  {context.describe()}")
    if applied is not None:
        lines.append(f"(* in force, from {source})")
    write("".join(terminal_safe(line) + "\n" for line in lines))


def _write_json(store: ContextStore, *, every: bool) -> None:
    applied, source, rows = _rows(store, every=every)
    document: dict[str, Any] = {
        "active": applied.name if applied is not None else None,
        "source": source,
        "chosen": store.active,
        "file": str(store.path),
    }
    if every:
        document["contexts"] = [
            {"name": context.name, "filter": context.filters, "active": context is applied}
            for context in rows
        ]
    else:
        document["filter"] = applied.filters if applied is not None else None
    write(json.dumps(document, ensure_ascii=True, indent=2) + "\n")


_WRITERS = {TextFormat.TEXT: _write_text, TextFormat.JSON: _write_json}
