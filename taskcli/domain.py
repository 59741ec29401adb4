"""Plain value types and input rules shared by every layer (stdlib only)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum

from taskcli.errors import UsageError

MAX_DEPTH = 64
MAX_TITLE_LENGTH = 500
MAX_TAG_LENGTH = 64
MAX_ANNOTATION_LENGTH = 1000  # annotation.text is VARCHAR(1000)
MAX_TASK_ID = 2**31 - 1  # PostgreSQL INTEGER
MAX_COUNT = 2**31 - 1  # --limit, --steps and -n: far beyond any real use, safe in SQL
MAX_EXTERNAL_ID_LENGTH = 200  # task.external_id is VARCHAR(200)
MAX_USER_NAME_LENGTH = 100  # operation.user_name is VARCHAR(100)
_TAG_WORD = re.compile(r"[\w-]+")
# Zero-width joiners are part of how Persian, Indic scripts and emoji sequences
# are spelled; they join glyphs but cannot hide or reorder text. Every other
# format character (bidi controls, tag characters, soft hyphen, U+061C, U+2064 ...)
# is invisible and can disguise a title, so titles and tags refuse them.
JOINERS = frozenset("\u200c\u200d")


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
        """A name or its letter in any case (``H``, ``med``, ``Low``); anything else is exit 2."""
        priority = _PRIORITY_WORDS.get(text.strip().lower())
        if priority is None:
            raise UsageError(f"priority must be one of {PRIORITY_NAMES} (any case), not {text!r}")
        return priority


PRIORITY_NAMES = "H/high, M/med/medium, L/low, N/none"
_PRIORITY_WORDS = {
    word: priority for priority in Priority for word in (priority.label, priority.label[0])
} | {"med": Priority.MEDIUM}


class SortKey(StrEnum):
    DUE = "due"
    PRIORITY = "priority"
    CREATED = "created"
    ID = "id"
    TITLE = "title"


@dataclass(frozen=True)
class SortOrder:
    """One key of ``--sort``; ``descending`` reverses that key's own order."""

    key: SortKey
    descending: bool = False


DEFAULT_SORT = (SortOrder(SortKey.DUE),)


def parse_sort(text: str) -> tuple[SortOrder, ...]:
    """``due,-priority``: keys in order of importance, ``-`` before a key reverses it.

    Ties left by every key break by id, so the order is always the same.
    """
    orders = []
    for part in text.split(","):
        name = part.strip().lower()
        descending = name.startswith("-")
        try:
            key = SortKey(name.removeprefix("-").strip())
        except ValueError:
            valid = ", ".join(key.value for key in SortKey)
            raise UsageError(
                f"unknown sort key {part.strip()!r}: use {valid} "
                "(comma-separated; '-' before a key reverses it)"
            ) from None
        orders.append(SortOrder(key, descending))
    return tuple(orders)


def parse_tag_filter(texts: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``--tag`` values as (must have, must not have): ``name`` or ``+name``, and ``-name``."""
    required: list[str] = []
    excluded: list[str] = []
    for text in texts:
        word = text.strip()
        if word.startswith("-"):
            excluded.append(validate_tag(word[1:]))
        else:
            required.append(validate_tag(word.removeprefix("+")))
    return tuple(dict.fromkeys(required)), tuple(dict.fromkeys(excluded))


# The columns ``list --columns`` offers, in the order the table shows them by default.
LIST_COLUMNS = ("id", "status", "priority", "title", "due", "tags", "progress", "path")


def parse_columns(text: str) -> tuple[str, ...]:
    """``id,title,path``: table columns in the order given (each once)."""
    names = [part.strip().lower() for part in text.split(",")]
    for name in names:
        if name not in LIST_COLUMNS:
            raise UsageError(
                f"unknown column {name!r}: use {', '.join(LIST_COLUMNS)} (comma-separated)"
            )
    return tuple(dict.fromkeys(names))


class StatusFilter(StrEnum):
    PENDING = "pending"
    DONE = "done"
    ALL = "all"


def validate_title(text: str, *, allow_invisible: bool = False) -> str:
    """Trim and check a title: 1-500 characters, one line, no control characters.

    Invisible format characters are refused too, except (``allow_invisible``)
    when restoring taskcli's own export: a backup of a database written by an
    older version must restore, and every human view shows them escaped.
    """
    title = text.strip()
    if not title:
        raise UsageError("title must not be empty")
    if len(title) > MAX_TITLE_LENGTH:
        raise UsageError(f"title is longer than {MAX_TITLE_LENGTH} characters")
    if title.isprintable():  # the common case: one C-level scan, no per-character work
        return title
    _reject_surrogates(title, "title")
    if any(separator in title for separator in "\n\r\u2028\u2029"):
        raise UsageError("title must be one line")
    if any(unicodedata.category(char) == "Cc" for char in title):
        raise UsageError("title contains control characters")
    if not allow_invisible:
        _reject_invisible(title, "title")
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


def validate_annotation(text: str, *, allow_invisible: bool = False) -> str:
    """Trim and check an annotation: one line like a title (it is shown as one dated line),
    1-1000 characters; ``allow_invisible`` as for titles (restoring taskcli's own export)."""
    annotation = text.strip()
    if not annotation:
        raise UsageError("annotation must not be empty")
    if len(annotation) > MAX_ANNOTATION_LENGTH:
        raise UsageError(f"annotation is longer than {MAX_ANNOTATION_LENGTH} characters")
    if annotation.isprintable():
        return annotation
    _reject_surrogates(annotation, "annotation")
    if any(separator in annotation for separator in "\n\r\u2028\u2029"):
        raise UsageError("annotation must be one line")
    if any(unicodedata.category(char) == "Cc" for char in annotation):
        raise UsageError("annotation contains control characters")
    if not allow_invisible:
        _reject_invisible(annotation, "annotation")
    return annotation


def validate_tag(text: str) -> str:
    """A tag is one word of letters, digits, '-' and '_' (any script), folded to lower case."""
    _reject_surrogates(text, "tag")
    _reject_invisible(text, "tag")
    tag = text.strip().lower()
    if not _TAG_WORD.fullmatch(tag) or len(tag) > MAX_TAG_LENGTH:
        raise UsageError(
            "tag must be a lowercase word of letters, digits, '-' and '_' "
            f"(at most {MAX_TAG_LENGTH} characters)"
        )
    return tag


def validate_search(text: str) -> str:
    """Search text is matched literally; it must be text both backends can compare."""
    _reject_surrogates(text, "search")
    return text


def validate_task_id(value: int) -> int:
    if value <= 0:
        raise UsageError(f"{value} is not a task id: must be a positive task id")
    if value > MAX_TASK_ID:
        raise UsageError(f"task id out of range: {value}")
    return value


def validate_external_id(value: str) -> str:
    """An external id is what both backends store: 1-200 printable characters."""
    if not value or len(value) > MAX_EXTERNAL_ID_LENGTH or not value.isprintable():
        raise UsageError(
            f"external_id must be 1 to {MAX_EXTERNAL_ID_LENGTH} printable characters or null"
        )
    _reject_surrogates(value, "external_id")
    return value


def bounded_identifier(text: str, limit: int) -> str:
    """``text`` if it is at most ``limit`` printable characters, else a stable short form.

    The short form keeps a readable prefix (unprintable characters as '?') and
    adds a hash of the whole text, so two long texts never share it and the
    same text always gets the same one.
    """
    if len(text) <= limit and text.isprintable():
        return text
    import hashlib

    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    readable = "".join(char if char.isprintable() else "?" for char in text)
    return f"{readable[: limit - len(digest) - 1]}~{digest}"


def journal_user_name(name: str) -> str:
    """The user name as the journal stores it (VARCHAR(100) on PostgreSQL)."""
    return bounded_identifier(name, MAX_USER_NAME_LENGTH)


def _reject_invisible(text: str, what: str) -> None:
    for char in text:
        if unicodedata.category(char) == "Cf" and char not in JOINERS:
            raise UsageError(
                f"{what} contains an invisible formatting character (U+{ord(char):04X})"
            )


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
    tags: tuple[str, ...] = ()  # all of these
    without_tags: tuple[str, ...] = ()  # none of these
    any_tags: tuple[str, ...] = ()  # at least one of these (when given)
    min_priority: Priority | None = None
    due_before: datetime | None = None
    overdue: bool = False
    search: str | None = None
    parent_id: int | None = None
    under_id: int | None = None  # every descendant of this task
    roots: bool = False
    sort: tuple[SortOrder, ...] = DEFAULT_SORT
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
    # Ancestor titles, root first; loaded only when a view asks for them.
    path: tuple[str, ...] | None = None


@dataclass
class TreeNode:
    task: TaskView
    children: list[TreeNode] = field(default_factory=list)


@dataclass(frozen=True)
class Annotation:
    """A dated line of text on a task; ``entry`` is when it was written (UTC)."""

    entry: datetime
    text: str


@dataclass(frozen=True)
class TaskDetail:
    task: TaskView
    ancestors: tuple[TaskView, ...]
    subtasks: tuple[TaskView, ...]
    annotations: tuple[Annotation, ...] = ()  # oldest first, numbered from 1 as ``show`` lists


@dataclass(frozen=True)
class AnnotatedTask:
    """What ``annotate`` and ``denotate`` did: the task, its annotations now, the one changed."""

    task: TaskView
    annotations: tuple[Annotation, ...]
    changed: Annotation


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
