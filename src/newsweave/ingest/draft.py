"""A reader's output before it becomes an Article: text plus whatever metadata the input gave."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Draft:
    """One article as read from an input, before ids, language and date rules are applied.

    ``published`` here is the raw metadata value (any JSON value, a header
    string), checked later by :func:`~newsweave.ingest.metadata.check_date`;
    ``dateline`` is a date found in the text's header lines; ``language`` is the
    raw metadata value too. ``input`` names the file, plus ``#record`` for one
    record of a multi-article input. ``ignored`` says which metadata values were
    dropped and why (kept in the article's ``meta["ignored"]``).
    """

    input: str
    text: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: Any = None
    dateline: str | None = None
    language: Any = None
    author: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    ignored: list[str] = field(default_factory=list)


def failed(input: str, reason: str) -> Draft:
    """A draft that records why one record of an input could not be read."""
    return Draft(input=input, text="", error=reason)
