"""Plain value types and input rules shared by every layer (stdlib only)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum

from taskcli.errors import UsageError

MAX_DEPTH = 64
MAX_TITLE_LENGTH = 500
MAX_TAG_LENGTH = 64
MAX_TASK_ID = 2**31 - 1  # PostgreSQL INTEGER
_TAG_WORD = re.compile(r"[\w-]+")


class Status(StrEnum):
    PENDING = "pending"
    DONE = "done"


class Priority(IntEnum):
    """Stored as its rank, so ``--priority`` filters and sorts are plain comparisons."""

    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Priority:
        value = text.strip().lower()
        for priority in cls:
            if value in (priority.label, priority.label[0]):
                return priority
        raise UsageError("priority must be one of none, low, medium, high")


class SortKey(StrEnum):
    DUE = "due"
    PRIORITY = "priority"
    CREATED = "created"
    ID = "id"
    TITLE = "title"


class StatusFilter(StrEnum):
    PENDING = "pending"
    DONE = "done"
    ALL = "all"


def validate_title(text: str) -> str:
    """Trim and check a title: 1-500 characters, one line, no control characters."""
    title = text.strip()
    if not title:
        raise UsageError("title must not be empty")
    _reject_surrogates(title, "title")
    if any(separator in title for separator in "\n\r\u2028\u2029"):
        raise UsageError("title must be one line")
    if any(unicodedata.category(char) == "Cc" for char in title):
        raise UsageError("title contains control characters")
    if len(title) > MAX_TITLE_LENGTH:
        raise UsageError(f"title is longer than {MAX_TITLE_LENGTH} characters")
    return title


def validate_note(text: str) -> str | None:
    """Notes may span lines; other control characters are refused. Empty clears."""
    note = text.strip()
    if not note:
        return None
    _reject_surrogates(note, "note")
    if any(unicodedata.category(char) == "Cc" and char not in "\n\t" for char in note):
        raise UsageError("note contains control characters")
    return note


def validate_tag(text: str) -> str:
    """A tag is one word of letters, digits, '-' and '_' (any script), folded to lower case."""
    _reject_surrogates(text, "tag")
    tag = text.strip().lower()
    if not _TAG_WORD.fullmatch(tag) or len(tag) > MAX_TAG_LENGTH:
        raise UsageError(
            "tag must be a lowercase word of letters, digits, '-' and '_' "
            f"(at most {MAX_TAG_LENGTH} characters)"
        )
    return tag


def validate_task_id(value: int) -> int:
    if value <= 0:
        raise UsageError(f"{value} is not a task id: must be a positive task id")
    if value > MAX_TASK_ID:
        raise UsageError(f"task id out of range: {value}")
    return value


def _reject_surrogates(text: str, what: str) -> None:
    # Bytes that are not UTF-8 reach Python as lone surrogates.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError(f"{what} is not valid UTF-8") from None


@dataclass(frozen=True)
class NewTask:
    title: str
    note: str | None = None
    priority: Priority = Priority.NONE
    due: datetime | None = None
    tags: frozenset[str] = frozenset()
    parent_id: int | None = None


class Unset(StrEnum):
    """Marks a field an edit leaves alone (``None`` means "clear it")."""

    UNSET = "unset"


UNSET = Unset.UNSET


@dataclass(frozen=True)
class TaskPatch:
    title: str | Unset = UNSET
    note: str | Unset | None = UNSET
    priority: Priority | Unset = UNSET
    due: datetime | Unset | None = UNSET
    add_tags: frozenset[str] = frozenset()
    remove_tags: frozenset[str] = frozenset()

    def is_empty(self) -> bool:
        return (
            self.title is UNSET
            and self.note is UNSET
            and self.priority is UNSET
            and self.due is UNSET
            and not self.add_tags
            and not self.remove_tags
        )


@dataclass(frozen=True)
class TaskFilter:
    status: StatusFilter = StatusFilter.PENDING
    tags: tuple[str, ...] = ()
    min_priority: Priority | None = None
    due_before: datetime | None = None
    overdue: bool = False
    search: str | None = None
    parent_id: int | None = None
    roots: bool = False
    sort: SortKey = SortKey.DUE
    reverse: bool = False
    limit: int | None = None


@dataclass(frozen=True)
class Progress:
    """Rolled up over all descendants, not only direct subtasks."""

    done: int
    total: int


@dataclass(frozen=True)
class TaskView:
    """A task as it leaves the database: plain, detached, fully loaded."""

    id: int
    title: str
    note: str | None
    status: Status
    priority: Priority
    due: datetime | None
    tags: tuple[str, ...]
    parent_id: int | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    progress: Progress | None = None


@dataclass
class TreeNode:
    task: TaskView
    children: list[TreeNode] = field(default_factory=list)


@dataclass(frozen=True)
class TaskDetail:
    task: TaskView
    ancestors: tuple[TaskView, ...]
    subtasks: tuple[TaskView, ...]


@dataclass(frozen=True)
class Removal:
    """What ``rm`` deletes (or would delete): the tasks named and how many below them."""

    tasks: tuple[TaskView, ...]
    descendants: int


@dataclass(frozen=True)
class OperationView:
    """One journaled command, for ``taskcli log``."""

    id: int
    created_at: datetime
    user: str
    command: str
    state: str
    tasks_touched: int


@dataclass(frozen=True)
class FieldChange:
    name: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class HistoryEntry:
    """What one operation did to one task, field by field."""

    operation_id: int
    created_at: datetime
    command: str
    state: str
    kind: str  # created, changed, deleted
    fields: tuple[FieldChange, ...]
