"""``--help`` in words people read: ``ID...`` and ``N``, not ``{ID...}...`` and ``<int range>``.

Typer writes an argument's Python type beside its name (``TITLE <str>``,
``ID... <list[int]>``), braces and a second ``...`` around it in the usage
line, ``<int range>`` for a bounded number and ``0<=x<=2147483647`` as its
range. ``readable`` rewrites a built command's parameters once, wherever
they are declared, so every command's help reads the same way.
"""

from __future__ import annotations

from typer import _click as click
from typer.core import TyperArgument, TyperGroup, TyperOption

from taskcli.domain import MAX_COUNT


class _ReadableArgument(TyperArgument):
    """``ID...``, ``[ID]``, ``TITLE``: the name (choices still listed), no Python type."""

    def _usage_display_name(self) -> str:
        name = self.metavar or (self.name or "").upper()
        if self.nargs != 1 and not name.endswith("..."):
            name += "..."
        return name if self.required or name.startswith("[") else f"[{name}]"

    def _rich_display_name(self) -> str:
        return self._usage_display_name().strip("[]")

    def display_type_rich(self, ctx: click.Context) -> str | None:
        return self.display_type(ctx) if self.type_descriptor.is_choice else None

    def _get_number_range_help_str(self) -> str | None:
        return _range_words(self.min, self.max)


class _ReadableOption(TyperOption):
    """A number option shows ``N`` and its range in words (``1 or more``)."""

    def _get_number_range_help_str(self) -> str | None:
        return _range_words(self.min, self.max)


def _range_words(low: float | None, high: float | None) -> str | None:
    if low is None and high is None:
        return None
    if high is None or high >= MAX_COUNT:
        return f"{low} or more"
    if low is None:
        return f"at most {high}"
    return f"{low} to {high}"


def readable(command: click.Command) -> click.Command:
    """``command`` (and a group's subcommands) with readable parameters; idempotent."""
    for param in command.params:
        if type(param) is TyperArgument:
            param.__class__ = _ReadableArgument
        elif type(param) is TyperOption:
            param.__class__ = _ReadableOption
            if param.metavar is None and param.type_descriptor.is_ranged:
                param.metavar = "N"
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            readable(sub)
    return command
