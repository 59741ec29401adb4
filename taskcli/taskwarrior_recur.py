"""Taskwarrior's recurring tasks as one taskcli series each (stdlib only).

Taskwarrior keeps a hidden template (status ``recurring``: ``recur``, ``due``,
``until``) and makes instances that name it (``parent``, ``imask``). Here a
series is one rule carried by one pending task: the pending instance due
last carries it (the template's due is the series' anchor); other instances
come in as plain tasks, so completing one makes no second pending instance.
A template whose instances are all completed (or that has none yet) comes in
itself, as the series' next pending instance. A rule taskcli has no word for
(``hourly``) leaves the template skipped, as before 0.4.0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from taskcli.domain import Recurrence
from taskcli.recurrence import FROM_DUE, Rule, next_due

_NAMED = {
    "daily": Rule("day"),
    "day": Rule("day"),
    "weekly": Rule("week"),
    "week": Rule("week"),
    "weekdays": Rule("weekday"),
    "biweekly": Rule("week", 2),
    "fortnight": Rule("week", 2),
    "monthly": Rule("month"),
    "month": Rule("month"),
    "bimonthly": Rule("month", 2),
    "quarterly": Rule("month", 3),
    "semiannual": Rule("month", 6),
    "yearly": Rule("year"),
    "annual": Rule("year"),
    "year": Rule("year"),
    "biannual": Rule("year", 2),
    "biyearly": Rule("year", 2),
}
_COUNTED = re.compile(r"p?([0-9]{1,3}) ?([a-z]+)", re.ASCII)
_UNITS = {
    "d": "day", "day": "day", "days": "day",
    "w": "week", "wk": "week", "wks": "week", "week": "week", "weeks": "week",
    "m": "month", "mo": "month", "mos": "month", "month": "month", "months": "month",
    "q": "quarter", "qtr": "quarter", "qtrs": "quarter",
    "y": "year", "yr": "year", "yrs": "year", "year": "year", "years": "year",
}  # fmt: skip


@dataclass
class SeriesPlan:
    """Which Taskwarrior item carries each series' rule, and the templates that stand in."""

    carriers: dict[str, tuple[Recurrence, datetime | None]] = field(default_factory=dict)
    due_of: dict[str, datetime] = field(default_factory=dict)  # template uuid -> its next due
    templates: set[str] = field(default_factory=set)  # those come in as a series


def taskwarrior_rule(value: Any) -> Rule | None:
    """Taskwarrior's ``recur`` (``weekly``, ``2w``, ``3mo``, ``P1M``, ``quarterly``) as a rule."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if text in _NAMED:
        return _NAMED[text]
    match = _COUNTED.fullmatch(text)
    if match is None or int(match.group(1)) < 1 or match.group(2) not in _UNITS:
        return None
    count, unit = int(match.group(1)), _UNITS[match.group(2)]
    return Rule("month", count * 3) if unit == "quarter" else Rule(unit, count)


def plan_series(items: Sequence[Any], when: Any) -> SeriesPlan:
    """The carrier of each template's series; ``when`` reads a Taskwarrior date."""
    templates: dict[Any, Mapping[str, Any]] = {
        item.get("uuid"): item
        for item in items
        if isinstance(item, Mapping) and item.get("status") == "recurring"
    }
    instances: dict[str, list[Mapping[str, Any]]] = {uuid: [] for uuid in templates}
    for item in items:
        if isinstance(item, Mapping) and item.get("parent") in instances:
            instances[item["parent"]].append(item)
    plan = SeriesPlan()
    for uuid, template in templates.items():
        rule = taskwarrior_rule(template.get("recur"))
        if rule is None or not isinstance(uuid, str):
            continue
        anchor = when(template.get("due"), "due")
        recur = Recurrence(rule.text(), FROM_DUE, when(template.get("until"), "until"))
        if anchor is None:
            continue  # Taskwarrior needs a due for recurrence; a template without one is broken
        plan.templates.add(uuid)
        _choose_carrier(plan, uuid, instances[uuid], (recur, anchor, rule), when)
    return plan


def _choose_carrier(
    plan: SeriesPlan,
    uuid: str,
    instances: list[Mapping[str, Any]],
    series: tuple[Recurrence, datetime, Rule],
    when: Any,
) -> None:
    recur, anchor, rule = series
    dated = [(when(item.get("due"), "due") or anchor, item) for item in instances]
    pending = [pair for pair in dated if pair[1].get("status") in ("pending", "waiting")]
    if pending:
        _, carrier = max(pending, key=lambda pair: pair[0])
        plan.carriers[str(carrier.get("uuid"))] = (recur, anchor)
        return
    plan.carriers[uuid] = (recur, anchor)
    if dated:
        latest = max(due for due, _ in dated)
        plan.due_of[uuid] = next_due(anchor, rule, latest)
