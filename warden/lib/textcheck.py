"""The one check every import makes on uploaded text: no control characters.

A NUL byte or another C0 control character (everything below a space except tab, line feed
and carriage return) belongs in no name, date, domain or phrase. PostgreSQL refuses NUL in
text outright, and the others hide in what people see on a page. So each import looks for
them before it reads a single row, and refuses the file with the line to fix, never
echoing the line itself (it may not be text at all).
"""

from __future__ import annotations

import re

# C0 controls except tab (09), line feed (0A) and carriage return (0D).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")

_NAMES = {0: "NUL", 0x1A: "end-of-file (Ctrl+Z)", 0x1B: "escape"}


def character_name(char: str) -> str:
    """``NUL (code 0)``: how a message names a control character."""
    code = ord(char)
    name = _NAMES.get(code, f"Ctrl+{chr(code + 64)}")
    return f"{name} (code {code})"


def find_control_character(text: str) -> tuple[int, str] | None:
    """``(line, name)`` of the first control character in ``text``, or None.

    Lines are counted from 1, and files split with ``\\r\\n``, ``\\r`` or ``\\n`` count
    alike (``str.splitlines`` would also split at some of the very characters looked for).
    """
    found = CONTROL_CHARACTERS.search(text)
    if found is None:
        return None
    line = 1 + len(_LINE_BREAKS.findall(text, 0, found.start()))
    return line, character_name(found.group())


def control_character_refusal(text: str, *, what: str = "The file") -> str:
    """What to fix when ``text`` holds a control character, or "" when it holds none."""
    found = find_control_character(text)
    if found is None:
        return ""
    line, name = found
    return (
        f"{what} has a control character, {name}, on line {line}. Names, dates and lists "
        "never hold one: the file is damaged or is not a text export. Remove it (or export "
        "the file again) and upload it again; nothing was imported."
    )
