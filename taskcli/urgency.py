"""Urgency: the score ``taskcli next`` ranks actionable tasks by. Standard library only.

A score is a sum of terms, each a coefficient (the ``[urgency]`` table of the
config file) times a factor between 0 and 1, as Taskwarrior's urgency is.
Each term is rounded to two decimals and the score is the sum of the rounded
terms, so ``--explain`` shows terms that add up to the score exactly and the
order shown is the order ranked. The README works one example through.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taskcli.config_file import ConfigFile
    from taskcli.domain import TaskView

DAY = 86_400.0
# The terms in the order ``--explain`` shows them.
TERMS = ("due", "overdue", "priority", "age", "active", "tags")
# Where 0007/0008 add their terms: Taskwarrior's ``scheduled`` (+5) and ``blocking`` (+8).


def _tags() -> dict[str, float]:
    return {"next": 15.0}  # Taskwarrior's +next tag


@dataclass(frozen=True)
class Coefficients:
    """The weight of each term; Taskwarrior's defaults where it has the term."""

    due: float = 12.0
    overdue: float = 6.0  # past its (own or inherited) due date: a flat bonus
    priority: tuple[float, float, float, float] = (0.0, 1.8, 3.9, 6.0)  # none, low, medium, high
    age: float = 2.0
    age_max: float = 365.0  # days: older tasks get the whole age term
    active: float = 4.0  # started (taskcli start) and not stopped
    tags: Mapping[str, float] = field(default_factory=_tags)  # a task gets each own tag's weight


def coefficients_from(config: ConfigFile) -> Coefficients:
    """The config file's ``[urgency]`` over the defaults; a bad value is exit 2 naming its line."""
    defaults = Coefficients()
    low, medium, high = (
        _number(config, f"urgency.priority.{name}", defaults.priority[rank])
        for rank, name in ((1, "low"), (2, "medium"), (3, "high"))
    )
    age_max = _number(config, "urgency.age_max", defaults.age_max)
    if age_max <= 0:
        raise config.error("urgency.age_max", "must be a number of days above 0")
    tags = dict(defaults.tags)
    for key, value in config.values.items():
        if key.startswith("urgency.tag."):
            tags[_tag_name(config, key)] = float(value)
    return Coefficients(
        due=_number(config, "urgency.due", defaults.due),
        overdue=_number(config, "urgency.overdue", defaults.overdue),
        priority=(0.0, low, medium, high),
        age=_number(config, "urgency.age", defaults.age),
        age_max=age_max,
        active=_number(config, "urgency.active", defaults.active),
        tags={name: weight for name, weight in tags.items() if weight},
    )


def _number(config: ConfigFile, key: str, default: float) -> float:
    value = config.get(key)
    return default if value is None else float(value)


def _tag_name(config: ConfigFile, key: str) -> str:
    from taskcli.errors import UsageError
    from taskcli.validation import validate_tag

    try:
        return validate_tag(key.removeprefix("urgency.tag."))
    except UsageError as error:
        raise config.error(key, f"names no valid tag: {error}") from None


def due_factor(days_overdue: float) -> float:
    """Taskwarrior's ramp: 0.2 two weeks ahead or more, rising to 1.0 a week overdue."""
    if days_overdue >= 7.0:
        return 1.0
    if days_overdue >= -14.0:
        return (days_overdue + 14.0) * 0.8 / 21.0 + 0.2
    return 0.2


def urgency_terms(
    weights: Coefficients,
    *,
    now: float,
    due: float | None,
    priority: int,
    created: float,
    active: bool,
    tag_weight: float,
) -> tuple[float, ...]:
    """Each term of ``TERMS``, rounded; times are seconds since the epoch (UTC).

    ``due`` and ``priority`` are the task's own, else its nearest ancestor's.
    """
    days_overdue = (now - due) / DAY if due is not None else None
    age_days = max(now - created, 0.0) / DAY
    return (
        round(weights.due * due_factor(days_overdue), 2) if days_overdue is not None else 0.0,
        round(weights.overdue, 2) if days_overdue is not None and days_overdue > 0 else 0.0,
        round(weights.priority[priority], 2),
        round(weights.age * min(age_days / weights.age_max, 1.0), 2),
        round(weights.active, 2) if active else 0.0,
        round(tag_weight, 2),
    )


def score(terms: tuple[float, ...]) -> float:
    """The urgency: the rounded terms' sum (rounded again, against binary fractions)."""
    return round(sum(terms), 2)


@dataclass(frozen=True)
class RankedTask:
    """One task ``next`` shows: its rank inputs and, unless only ids were asked for, its view."""

    task_id: int
    urgency: float
    terms: tuple[float, ...]
    due: datetime | None  # the task's own due date, else its nearest ancestor's
    priority: int  # the same, for its priority
    view: TaskView | None = None

    def term_object(self) -> dict[str, Any]:
        return dict(zip(TERMS, self.terms, strict=True))
