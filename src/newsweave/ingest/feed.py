"""RSS and Atom feeds (feedparser): each entry an article, full content when the feed carries it."""

from __future__ import annotations

from collections.abc import Iterator

from newsweave.ingest.draft import Draft, failed
from newsweave.ingest.html import read_html
from newsweave.ingest.metadata import outlet_from_url
from newsweave.ingest.text import parse_text


def _entry_date(entry: dict) -> str | None:
    """The entry's date as feedparser read it (``YYYY-MM-DD``), else its raw text; checked in to_article."""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        st = entry.get(key)
        if st:
            return f"{st.tm_year:04d}-{st.tm_mon:02d}-{st.tm_mday:02d}"
    return entry.get("published") or entry.get("updated") or None


def _entry(entry: dict, name: str, path: str, feed_title: str | None) -> Draft:
    """One feed entry as a draft."""
    link = entry.get("link")
    content = ""
    ctype = "text/html"
    if entry.get("content"):
        content = entry["content"][0].get("value", "")
        ctype = entry["content"][0].get("type", ctype)
    if not content.strip():
        content = entry.get("summary", "")
    if not content.strip():
        return failed(name, "feed entry has no content or summary")
    if "html" in ctype and "<" in content:
        draft = read_html(f"<html><body><article>{content}</article></body></html>", name, url=link)
        if draft.error:
            return draft
    else:
        draft = Draft(input=name, text=parse_text(content, max_header_lines=0).text)
    draft.title = entry.get("title") or draft.title
    draft.url = link or draft.url
    draft.source = feed_title or outlet_from_url(link) or draft.source
    draft.published = _entry_date(entry)
    draft.author = entry.get("author") or draft.author
    draft.meta = {"feed": path, "summary_only": not entry.get("content")}
    return draft


def read_feed(data: bytes, path: str) -> Iterator[Draft]:
    """Every entry of an RSS/Atom feed; an entry that cannot be read is skipped alone."""
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.entries:
        reason = f"malformed feed: {parsed.bozo_exception}" if parsed.bozo else "feed has no entries"
        yield failed(path, reason)
        return
    feed_title = parsed.feed.get("title")
    for k, entry in enumerate(parsed.entries):
        name = f"{path}#{entry.get('id') or entry.get('link') or f'entry{k}'}"
        try:
            yield _entry(entry, name, path, feed_title)
        except Exception as exc:  # one odd entry must not end the feed
            yield failed(name, f"entry could not be read: {type(exc).__name__}: {exc}")
