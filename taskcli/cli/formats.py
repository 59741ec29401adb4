"""The output formats: one object per format, chosen once by name.

A command declares the formats it offers as the enum of its ``--format``
option (``cli/options.py``): that is what its ``--help`` lists, and a test
runs every command in every format it lists. Each name resolves here to one
``Formatter`` (``cli/formatter.py``), which writes every kind of result the
command can have. A call site never asks which format it has; it asks the
format to write. A new format is one subclass (``format_human.py`` for
people, ``format_data.py`` for scripts), its name in ``FORMATS`` and in the
enum of each command that offers it.

Only the standard library and Typer load here: each method imports what it
draws with, so piped and data formats never import Rich.
"""

from __future__ import annotations

from enum import StrEnum

from taskcli.cli.format_data import CsvFormatter, IdsFormatter, JsonFormatter, OutlineFormatter
from taskcli.cli.format_human import HumanFormatter
from taskcli.cli.formatter import Formatter

_HUMAN = HumanFormatter()
FORMATS: dict[str, Formatter] = {
    "table": _HUMAN,
    "tree": _HUMAN,
    "text": _HUMAN,
    "json": JsonFormatter(),
    "csv": CsvFormatter(),
    "ids": IdsFormatter(),
    "outline": OutlineFormatter(),
}


def formatter(choice: StrEnum) -> Formatter:
    """The one object that writes the chosen format."""
    return FORMATS[choice.value]
