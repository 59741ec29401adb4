"""Plain value types shared by every layer (stdlib only)."""

from __future__ import annotations

from enum import IntEnum, StrEnum

MAX_DEPTH = 64
MAX_TITLE_LENGTH = 500


class Status(StrEnum):
    PENDING = "pending"
    DONE = "done"


class Priority(IntEnum):
    """Stored as its rank so that ``--priority`` filters and sorts are plain comparisons."""

    NONE = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> Priority:
        return cls[label.upper()]
