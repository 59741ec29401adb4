"""Input rules: what a title, note, tag, id or search may be, checked where text comes in.

Kept apart from the value types (``domain``) because these rules change with
what users type and what the backends can store (column sizes, UTF-8,
invisible characters), not with the shape of a task. Standard library only.
Every refusal is a ``UsageError`` (exit 2) that says what was wrong.
"""

from __future__ import annotations

import re
import unicodedata

from taskcli.errors import UsageError

MAX_TITLE_LENGTH = 500
MAX_TAG_LENGTH = 64
MAX_ANNOTATION_LENGTH = 1000  # annotation.text is VARCHAR(1000)
MAX_TASK_ID = 2**31 - 1  # PostgreSQL INTEGER
MAX_EXTERNAL_ID_LENGTH = 200  # task.external_id is VARCHAR(200)
MAX_USER_NAME_LENGTH = 100  # operation.user_name is VARCHAR(100)
_TAG_WORD = re.compile(r"[\w-]+")
# Zero-width joiners are part of how Persian, Indic scripts and emoji sequences
# are spelled; they join glyphs but cannot hide or reorder text. Every other
# format character (bidi controls, tag characters, soft hyphen, U+061C, U+2064 ...)
# is invisible and can disguise a title, so titles and tags refuse them.
JOINERS = frozenset("\u200c\u200d")


def validate_title(text: str, *, allow_invisible: bool = False) -> str:
    """Trim and check a title: 1-500 characters, one line, no control characters.

    Invisible format characters are refused too, except (``allow_invisible``)
    when restoring taskcli's own export: a backup of a database written by an
    older version must restore, and every human view shows them escaped.
    """
    return _one_line(text, "title", MAX_TITLE_LENGTH, allow_invisible=allow_invisible)


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
    return _one_line(text, "annotation", MAX_ANNOTATION_LENGTH, allow_invisible=allow_invisible)


def _one_line(text: str, what: str, limit: int, *, allow_invisible: bool) -> str:
    """Trimmed ``text``: 1 to ``limit`` characters, one line, no control characters and
    (unless ``allow_invisible``) no invisible format characters; ``what`` names it."""
    value = text.strip()
    if not value:
        raise UsageError(f"{what} must not be empty")
    if len(value) > limit:
        raise UsageError(f"{what} is longer than {limit} characters")
    if value.isprintable():  # the common case: one C-level scan, no per-character work
        return value
    _reject_surrogates(value, what)
    if any(separator in value for separator in "\n\r\u2028\u2029"):
        raise UsageError(f"{what} must be one line")
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise UsageError(f"{what} contains control characters")
    if not allow_invisible:
        _reject_invisible(value, what)
    return value


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
