"""Make user-supplied text safe to show on a terminal.

Titles and notes may come from other writers of a shared database, so every
path to the terminal strips what could move the cursor, change the window
title, open links or reorder text.
"""

from __future__ import annotations

import unicodedata

# Bidirectional and zero-width format characters that can disguise text.
_INVISIBLE_FORMAT = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff"
)


def _escape_char(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: str, *, keep_newlines: bool = False) -> str:
    """Replace control and invisible format characters by visible escapes.

    ``keep_newlines`` keeps ``\\n`` and ``\\t`` (notes are multi-line).
    """
    if text.isprintable():
        return text
    out = []
    for char in text:
        if keep_newlines and char in "\n\t":
            out.append(char)
        elif char in _INVISIBLE_FORMAT or unicodedata.category(char) == "Cc":
            out.append(_escape_char(char))
        else:
            out.append(char)
    return "".join(out)
