"""Plain value types shared by every layer (stdlib only): what a task is as data.

The input rules that check text on its way in live in ``validation``, and
the vocabulary of ``list``'s options in ``list_options``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum

from taskcli.errors import UsageError
from taskcli.list_options import DEFAULT_SORT, SortOrder

# Re-exported: many command modules import these rules through ``domain``.
from taskcli.list_options import LIST_COLUMNS as LIST_COLUMNS
from taskcli.list_options import parse_columns as parse_columns
from taskcli.list_options import parse_sort as parse_sort
from taskcli.list_options import parse_tag_filter as parse_tag_filter
from taskcli.validation import validate_note as validate_note
from taskcli.validation import validate_search as validate_search
from taskcli.validation import validate_tag as validate_tag
from taskcli.validation import validate_task_id as validate_task_id
from taskcli.validation import validate_title as validate_title

MAX_DEPTH = 64
MAX_COUNT = 2**31 - 1  # --limit, --steps and -n: far beyond any real use, safe in SQL


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


class StatusFilter(StrEnum):
    PENDING = "pending"
    DONE = "done"
    ALL = "all"


class WaitFilter(StrEnum):
    """Which tasks a waiting date hides: ``list`` hides waiting ones unless told otherwise."""

    ANY = "any"  # waiting or not (--all; the --where-* filters of writes)
    VISIBLE = "visible"  # not waiting (list's default)
    WAITING = "waiting"  # only waiting ones (--waiting)


@dataclass(frozen=True)
class Recurrence:
    """A task's recurrence as shown: the rule's canonical text, what it counts from, its end.

    ``start`` is ``due`` (a fixed schedule) or ``completion`` (org-mode's ``.+``).
    """

    rule: str
    start: str = "due"
    until: datetime | None = None


@dataclass(frozen=True)
class NewTask:
    title: str
    note: str | None = None
    priority: Priority = Priority.NONE
    due: datetime | None = None
    tags: frozenset[str] = frozenset()
    parent_id: int | None = None
    wait: datetime | None = None
    scheduled: datetime | None = None
    blocked_by: frozenset[int] = frozenset()
    recur: Recurrence | None = None


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
    wait: datetime | Unset | None = UNSET
    scheduled: datetime | Unset | None = UNSET
    add_blockers: frozenset[int] = frozenset()
    remove_blockers: frozenset[int] = frozenset()
    recur: Recurrence | Unset | None = UNSET
    until: datetime | Unset | None = UNSET  # a recurring task's end, without a new rule

    def is_empty(self) -> bool:
        return (
            self.title is UNSET
            and self.note is UNSET
            and self.priority is UNSET
            and self.due is UNSET
            and self.wait is UNSET
            and self.scheduled is UNSET
            and not self.add_tags
            and not self.remove_tags
            and not self.add_blockers
            and not self.remove_blockers
            and self.recur is UNSET
            and self.until is UNSET
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
    active: bool = False  # only tasks with a running interval (``start``)
    blocked: bool | None = None  # True: a blocker is pending; False: none is
    waiting: WaitFilter = WaitFilter.ANY
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
    wait: datetime | None = None
    scheduled: datetime | None = None
    blocked_by: tuple[int, ...] = ()  # 0.4.0: ids of the tasks it waits for, sorted
    progress: Progress | None = None
    # Ancestor titles, root first; loaded only when a view asks for them.
    path: tuple[str, ...] | None = None
    recur: Recurrence | None = None


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
class BlockerLink:
    """The other end of a blocked-by link, as ``show`` lists it."""

    id: int
    title: str
    pending: bool


@dataclass(frozen=True)
class TaskDetail:
    task: TaskView
    ancestors: tuple[TaskView, ...]
    subtasks: tuple[TaskView, ...]
    annotations: tuple[Annotation, ...] = ()  # oldest first, numbered from 1 as ``show`` lists
    time_spent: int = 0  # seconds in all its intervals (a running one up to now)
    running_since: datetime | None = None  # started and not stopped: since when
    blocked_by: tuple[BlockerLink, ...] = ()  # the tasks it waits for, by id
    blocking: tuple[BlockerLink, ...] = ()  # the tasks that wait for it, by id


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
    spawned: tuple[TaskView, ...] = ()  # next instances of series kept going (``--keep-series``)


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
