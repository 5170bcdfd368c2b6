"""Progress of long work: a callback that takes one line of text, and a text bar of steps."""

from __future__ import annotations

from collections.abc import Callable

#: Called with one line for people (the CLI prints it on standard error).
Progress = Callable[[str], None]


def step(done: int, total: int, width: int = 20) -> str:
    """A bar for step ``done`` of ``total``.

    >>> step(3, 12)
    '[#####---------------]  3/12'
    """
    filled = round(width * done / total) if total else width
    digits = len(str(total))
    return f"[{'#' * filled}{'-' * (width - filled)}] {done:>{digits}}/{total}"
