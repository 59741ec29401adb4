"""Contexts: named list filters a user switches between, kept in a per-user file.

A context is a user's preference, not data a team shares, so it lives beside
the config file (``$XDG_CONFIG_HOME/taskcli/contexts.json``), never in the
database. The file is JSON written by taskcli alone (replaced atomically), so
``config.toml`` stays a file only its owner edits. Which context applies:
``TASKCLI_CONTEXT`` (a name; ``none`` turns contexts off) beats the one chosen
with ``taskcli context NAME``, which beats none. Standard library only.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from taskcli.config_file import ENV_CONFIG, config_path
from taskcli.errors import EXIT_DATABASE, TaskcliError, UsageError

ENV_CONTEXT = "TASKCLI_CONTEXT"
FILE_NAME = "contexts.json"
NONE = "none"
# Words ``taskcli context`` reads as actions: never a context's name.
ACTIONS = ("define", "delete", "list", "show", NONE)
# The filter fields a context may hold, as ``list``'s options name them.
FIELDS = ("tag", "any_tag", "priority", "due_before", "overdue", "search", "parent", "under")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
# The JSON type each stored field holds (lists hold strings).
_TYPES: dict[str, type] = {
    "tag": list,
    "any_tag": list,
    "priority": str,
    "due_before": str,
    "overdue": bool,
    "search": str,
    "parent": int,
    "under": int,
}


class ContextsUnreadable(TaskcliError):
    """The contexts file exists but cannot be used: exit 3, naming it."""

    exit_code = EXIT_DATABASE


class Context:
    """One context: its name and its filter (``FIELDS`` keys with the values given)."""

    __slots__ = ("filters", "name")

    def __init__(self, name: str, filters: Mapping[str, Any]) -> None:
        self.name = name
        self.filters: dict[str, Any] = {key: filters[key] for key in FIELDS if key in filters}

    def required_tags(self) -> list[str]:
        """The tags a task must have to match (``+tag``/``tag``): ``add`` gives them."""
        return [tag.removeprefix("+") for tag in self.filters.get("tag", []) if tag[:1] != "-"]

    def describe(self) -> str:
        """``tag work, priority ≥ medium``: the filter in words, for people."""
        parts: list[str] = []
        for key, value in self.filters.items():
            label = key.replace("_", " ")
            if key == "priority":
                parts.append(f"priority ≥ {value}")
            elif key == "overdue":
                parts.append("overdue")
            elif isinstance(value, list):
                parts.append(f"{label} {','.join(value)}")
            else:
                parts.append(f"{label} {value}")
        return ", ".join(parts) or "no filter"


def _well_formed(filters: Any) -> bool:
    """Each stored value of its type: a hand-edited file must not pass as a filter."""
    return isinstance(filters, dict) and all(
        isinstance(value, _TYPES.get(key, object))
        and (key not in ("parent", "under") or not isinstance(value, bool))
        and (not isinstance(value, list) or all(isinstance(item, str) for item in value))
        for key, value in filters.items()
    )


def validate_name(name: str) -> str:
    """A context's name: letters, digits, ``_ . -``; never one of ``ACTIONS``."""
    if not _NAME.fullmatch(name) or name.lower() in ACTIONS:
        reserved = ", ".join(ACTIONS)
        raise UsageError(
            f"invalid context name {name!r}: use up to 40 letters, digits, '_', '.' or '-' "
            f"(not {reserved})"
        )
    return name


def contexts_path(environ: Mapping[str, str] = os.environ) -> Path:
    """Beside the default config file: ``TASKCLI_CONFIG`` names one file, not a directory."""
    path, _ = config_path({key: value for key, value in environ.items() if key != ENV_CONFIG})
    return path.parent / FILE_NAME


class ContextStore:
    """The contexts file's content: every definition and the active name."""

    __slots__ = ("active", "contexts", "path")

    def __init__(self, path: Path, active: str | None, contexts: dict[str, Context]) -> None:
        self.path = path
        self.active = active
        self.contexts = contexts

    @classmethod
    def load(cls, environ: Mapping[str, str] = os.environ) -> ContextStore:
        """The file's content; no file means no contexts."""
        path = contexts_path(environ)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path, None, {})
        except (OSError, ValueError) as error:
            raise ContextsUnreadable(f"cannot read contexts file {path}: {error}") from None
        try:
            contexts = {
                name: Context(name, filters)
                for name, filters in document["contexts"].items()
                if _well_formed(filters)
            }
            active = document.get("active")
        except (KeyError, TypeError, AttributeError):
            contexts = None
        if contexts is None or len(contexts) != len(document["contexts"]):
            raise ContextsUnreadable(f"contexts file {path} is not taskcli's format")
        return cls(path, active if active in contexts else None, contexts)

    def save(self) -> None:
        """Replace the file atomically: a reader sees the old content or the new."""
        from taskcli.atomic import write_file

        document = {
            "version": 1,
            "active": self.active,
            "contexts": {name: self.contexts[name].filters for name in sorted(self.contexts)},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        write_file(self.path, lambda write: write(text))

    def get(self, name: str) -> Context:
        context = self.contexts.get(name)
        if context is None:
            known = ", ".join(sorted(self.contexts)) or "none defined"
            raise UsageError(f"no context named {name!r} (known: {known})")
        return context

    def applied(self, environ: Mapping[str, str] = os.environ) -> tuple[Context | None, str]:
        """The context in force and why: ``TASKCLI_CONTEXT`` > the active one > none.

        An unknown name in ``TASKCLI_CONTEXT`` is exit 2: a typo in an
        ``.envrc`` must not silently show every task.
        """
        named = environ.get(ENV_CONTEXT, "").strip()
        if named:
            if named.lower() == NONE:
                return None, ENV_CONTEXT
            if named not in self.contexts:
                known = ", ".join(sorted(self.contexts)) or "none defined"
                raise UsageError(f"{ENV_CONTEXT} names no context: {named!r} (known: {known})")
            return self.contexts[named], ENV_CONTEXT
        if self.active is not None:
            return self.contexts[self.active], str(self.path)
        return None, "default"


def context_setting(environ: Mapping[str, str] = os.environ) -> tuple[str | None, str, str]:
    """(name, source, detail) for ``taskcli config``: never an error, it only reports.

    An unknown name in ``TASKCLI_CONTEXT`` is shown as given: the commands
    that apply contexts are the ones that refuse it.
    """
    named = environ.get(ENV_CONTEXT, "").strip()
    if named:
        return (None if named.lower() == NONE else named), "env", ENV_CONTEXT
    try:
        store = ContextStore.load(environ)
    except ContextsUnreadable:
        return None, "default", ""
    if store.active is None:
        return None, "default", ""
    return store.active, "file", str(store.path)
