"""JSON and JSON Lines records: ``id, url, source, title, published, language, text`` or ``html``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from newsweave.ingest.draft import Draft, failed
from newsweave.ingest.html import read_html
from newsweave.ingest.metadata import parse_metadata_date
from newsweave.ingest.text import parse_text

KNOWN_KEYS = {"id", "url", "source", "title", "published", "language", "text", "html", "author", "meta"}


def _opt_str(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def from_record(rec: Any, input: str) -> Draft:
    """One article from one decoded JSON object."""
    if not isinstance(rec, dict):
        return failed(input, f"record is a JSON {type(rec).__name__}, not an object")
    url = _opt_str(rec.get("url"))
    if isinstance(rec.get("text"), str) and rec["text"].strip():
        parsed = parse_text(rec["text"], max_header_lines=0)
        draft = Draft(input=input, text=parsed.text)
    elif isinstance(rec.get("html"), str) and rec["html"].strip():
        draft = read_html(rec["html"], input, url=url)
        if draft.error:
            return draft
    else:
        return failed(input, "record has neither 'text' nor 'html'")
    draft.title = _opt_str(rec.get("title")) or draft.title
    draft.source = _opt_str(rec.get("source")) or draft.source
    draft.url = url or draft.url
    draft.published = parse_metadata_date(rec.get("published")) or draft.published
    draft.language = _opt_str(rec.get("language")) or draft.language
    draft.author = _opt_str(rec.get("author")) or draft.author
    meta: dict[str, Any] = rec["meta"] if isinstance(rec.get("meta"), dict) else {}
    extra = {k: v for k, v in rec.items() if k not in KNOWN_KEYS}
    if rec.get("id") is not None:
        extra["record_id"] = str(rec["id"])
    draft.meta = {**meta, **extra}
    return draft


def _name(path: str, rec: Any, where: str) -> str:
    rid = rec.get("id") if isinstance(rec, dict) else None
    return f"{path}#{rid}" if rid is not None else f"{path}#{where}"


def read_json(text: str, path: str) -> Iterator[Draft]:
    """A JSON file: one object, or a list of objects."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield failed(path, f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
        return
    items = data if isinstance(data, list) else [data]
    for k, rec in enumerate(items):
        yield from_record(rec, _name(path, rec, f"item{k}"))


def read_jsonl(lines: Iterator[str], path: str) -> Iterator[Draft]:
    """A JSON Lines file, one record a line; a broken line fails alone."""
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield failed(f"{path}#L{n}", f"malformed JSON on line {n}: {exc.msg} (column {exc.colno})")
            continue
        yield from_record(rec, _name(path, rec, f"L{n}"))
