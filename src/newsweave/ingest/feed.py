"""RSS and Atom feeds (feedparser): each entry an article, full content when the feed carries it."""

from __future__ import annotations

import time
from collections.abc import Iterator

from newsweave.ingest.draft import Draft, failed
from newsweave.ingest.html import read_html
from newsweave.ingest.metadata import outlet_from_url, parse_metadata_date
from newsweave.ingest.text import parse_text


def _entry_date(entry: dict) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        st = entry.get(key)
        if st:
            return time.strftime("%Y-%m-%d", st)
    return parse_metadata_date(entry.get("published") or entry.get("updated"))


def read_feed(data: bytes, path: str) -> Iterator[Draft]:
    """Every entry of an RSS/Atom feed."""
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.entries:
        reason = f"malformed feed: {parsed.bozo_exception}" if parsed.bozo else "feed has no entries"
        yield failed(path, reason)
        return
    feed_title = parsed.feed.get("title")
    for k, entry in enumerate(parsed.entries):
        link = entry.get("link")
        name = f"{path}#{entry.get('id') or link or f'entry{k}'}"
        content = ""
        ctype = "text/html"
        if entry.get("content"):
            content = entry["content"][0].get("value", "")
            ctype = entry["content"][0].get("type", ctype)
        if not content.strip():
            content = entry.get("summary", "")
        if not content.strip():
            yield failed(name, "feed entry has no content or summary")
            continue
        if "html" in ctype and "<" in content:
            draft = read_html(f"<html><body><article>{content}</article></body></html>", name, url=link)
            if draft.error:
                yield draft
                continue
        else:
            draft = Draft(input=name, text=parse_text(content, max_header_lines=0).text)
        draft.title = entry.get("title") or draft.title
        draft.url = link or draft.url
        draft.source = feed_title or outlet_from_url(link) or draft.source
        draft.published = _entry_date(entry)
        draft.author = entry.get("author") or draft.author
        draft.meta = {"feed": path, "summary_only": not entry.get("content")}
        yield draft
