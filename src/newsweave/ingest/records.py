"""JSON and JSON Lines records: ``id, url, source, title, published, language, text`` or ``html``.

Every record stands alone: a record that cannot be read (malformed or too deeply
nested JSON, not an object, no text, a field of the wrong type) is skipped with
its reason under its own name, and the records after it are still read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from newsweave.ingest.draft import Draft, failed
from newsweave.ingest.html import read_html
from newsweave.ingest.text import parse_text

KNOWN_KEYS = {"id", "url", "source", "title", "published", "language", "text", "html", "author", "meta"}


def _str_field(rec: dict[str, Any], key: str, ignored: list[str]) -> str | None:
    """A string field, stripped; a value of another type is dropped and noted in ``ignored``."""
    value = rec.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    ignored.append(f"{key} {value!r:.60}: a JSON {type(value).__name__}, not a string")
    return None


def _body(rec: dict[str, Any], input: str, url: str | None) -> Draft:
    """The article text of a record, from ``text`` or else ``html``."""
    for key in ("text", "html"):
        value = rec.get(key)
        if isinstance(value, str) and value.strip():
            if key == "html":
                return read_html(value, input, url=url)
            return Draft(input=input, text=parse_text(value, max_header_lines=0).text)
    for key in ("text", "html"):
        value = rec.get(key)
        if value is not None and not isinstance(value, str):
            return failed(input, f"field '{key}' is a JSON {type(value).__name__}, not a string")
    return failed(input, "record has neither 'text' nor 'html'")


def from_record(rec: Any, input: str) -> Draft:
    """One article from one decoded JSON object."""
    if not isinstance(rec, dict):
        return failed(input, f"record is a JSON {type(rec).__name__}, not an object")
    ignored: list[str] = []
    url = _str_field(rec, "url", ignored)
    draft = _body(rec, input, url)
    if draft.error:
        return draft
    draft.title = _str_field(rec, "title", ignored) or draft.title
    draft.source = _str_field(rec, "source", ignored) or draft.source
    draft.url = url or draft.url
    if rec.get("published") is not None:
        draft.published = rec["published"]  # checked with every other date source in to_article
    if rec.get("language") is not None:
        draft.language = rec["language"]
    draft.author = _str_field(rec, "author", ignored) or draft.author
    meta: dict[str, Any] = rec["meta"] if isinstance(rec.get("meta"), dict) else {}
    if rec.get("meta") is not None and not meta:
        ignored.append(f"meta {rec['meta']!r:.60}: a JSON {type(rec['meta']).__name__}, not an object")
    extra = {k: v for k, v in rec.items() if k not in KNOWN_KEYS}
    if rec.get("id") is not None:
        extra["record_id"] = str(rec["id"])
    draft.meta = {**meta, **extra}
    draft.ignored = ignored
    return draft


def read_record(rec: Any, input: str) -> Draft:
    """:func:`from_record`, with any failure kept to this one record."""
    try:
        return from_record(rec, input)
    except Exception as exc:  # one odd record (a broken html field, a huge value) must not end the file
        return failed(input, f"record could not be read: {type(exc).__name__}: {exc}")


def record_name(path: str, rec: Any, where: str) -> str:
    rid = rec.get("id") if isinstance(rec, dict) else None
    return f"{path}#{rid}" if isinstance(rid, str | int) and not isinstance(rid, bool) else f"{path}#{where}"


def read_json(text: str, path: str) -> Iterator[Draft]:
    """A JSON file: one object, or a list of objects."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield failed(path, f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
        return
    except RecursionError:
        yield failed(path, "JSON nested too deeply to read")
        return
    items = data if isinstance(data, list) else [data]
    for k, rec in enumerate(items):
        yield read_record(rec, record_name(path, rec, f"item{k}"))


def read_jsonl_line(line: str, n: int, path: str) -> Draft | None:
    """The record on line ``n`` of a JSON Lines file (``None`` for a blank line); a broken line fails alone."""
    if not line.strip():
        return None
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        return failed(f"{path}#L{n}", f"malformed JSON on line {n}: {exc.msg} (column {exc.colno})")
    except RecursionError:
        return failed(f"{path}#L{n}", f"JSON on line {n} nested too deeply to read")
    return read_record(rec, record_name(path, rec, f"L{n}"))
