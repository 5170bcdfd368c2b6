"""Numbers in sentences."""

from __future__ import annotations


def counted(n: float, noun: str, plural: str | None = None) -> str:
    """``1 event``, ``2 events``, ``1 country``, ``3 countries`` (``plural``: when not
    ``noun`` + s); the number with thousands separators."""
    return f"{n:,.0f} {noun if n == 1 else plural or noun + 's'}"
