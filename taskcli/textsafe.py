"""Make user-supplied text safe to show on a terminal.

Titles and notes may come from other writers of a shared database (or from an
older taskcli that accepted more), so every path to the terminal turns what
could move the cursor, change the window title, open links, reorder text or
hide text into visible escapes: control characters (Cc), line and paragraph
separators, lone surrogates and every invisible format character (Cf: bidi
controls, tag characters U+E0000-E007F, soft hyphen, U+061C, U+2064 ...).
Zero-width joiners stay: they spell Persian, Indic scripts and emoji sequences
and are accepted at input (see ``taskcli.validation.JOINERS``).
"""

from __future__ import annotations

import unicodedata

_ESCAPED_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))
_KEPT = frozenset("\u200c\u200d")


def _escape_char(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _hidden(char: str) -> bool:
    return unicodedata.category(char) in _ESCAPED_CATEGORIES and char not in _KEPT


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
        elif _hidden(char):
            out.append(_escape_char(char))
        else:
            out.append(char)
    return "".join(out)
