"""Ingestion: files and directories of text, HTML, JSON/JSONL, RSS/Atom and WARC into Articles.

:func:`read_inputs` walks the given paths and yields, for every input (a file,
or one record of a multi-record file), either an :class:`~newsweave.models.Article`
or the reason it was skipped. Nothing here touches the store.
"""

from __future__ import annotations

import codecs
import gzip
import io
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from newsweave.config import Settings
from newsweave.ingest.decode import decode_bytes, looks_binary
from newsweave.ingest.draft import Draft, failed
from newsweave.ingest.feed import read_feed
from newsweave.ingest.html import read_html
from newsweave.ingest.metadata import article_id, detect_language, outlet_from_url, url_date
from newsweave.ingest.records import read_json, read_jsonl
from newsweave.ingest.text import parse_text
from newsweave.ingest.warc import read_warc
from newsweave.models import Article, PublishedFrom

logger = logging.getLogger(__name__)

TEXT_EXT = {".txt", ".text", ".md"}
HTML_EXT = {".html", ".htm", ".xhtml"}
JSON_EXT = {".json"}
JSONL_EXT = {".jsonl", ".ndjson"}
FEED_EXT = {".rss", ".atom", ".xml"}
WARC_EXT = {".warc", ".arc"}


def iter_files(paths: Iterable[str | Path]) -> Iterator[tuple[str, Path | None, str | None]]:
    """Every file under the given paths, sorted; ``(name, path, error)`` with an error for bad paths."""
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            yield str(raw), None, "no such file or directory"
        elif p.is_dir():
            found = False
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if f.startswith("."):
                        continue
                    found = True
                    yield str(Path(root) / f), Path(root) / f, None
            if not found:
                yield str(raw), None, "directory holds no files"
        elif p.is_file():
            yield str(raw), p, None
        else:
            yield str(raw), None, "not a regular file"


def _kind(path: Path, head: bytes) -> str:
    """The input kind from the extension, else from the first bytes."""
    suffixes = [s.lower() for s in path.suffixes]
    ext = suffixes[-1] if suffixes else ""
    if ext == ".gz" and len(suffixes) > 1:
        ext = suffixes[-2]
    if ext in WARC_EXT or head.startswith(b"WARC/"):
        return "warc"
    for kind, exts in (("text", TEXT_EXT), ("html", HTML_EXT), ("json", JSON_EXT), ("jsonl", JSONL_EXT),
                       ("feed", FEED_EXT)):
        if ext in exts:
            return kind
    sniff = head.lstrip()[:512].lower()
    if sniff.startswith(b"<?xml") and (b"<rss" in sniff or b"<feed" in sniff or b"<rdf" in sniff):
        return "feed"
    if sniff.startswith((b"<!doctype html", b"<html")):
        return "html"
    if sniff.startswith((b"{", b"[")):
        return "jsonl" if sniff.startswith(b"{") and b"\n{" in head else "json"
    return "text"


def read_file(name: str, path: Path, settings: Settings) -> Iterator[Draft]:
    """Every draft article in one file (one for text/HTML, many for JSON Lines, feeds, WARC)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        yield failed(name, f"cannot read: {exc.strerror or exc}")
        return
    if size == 0:
        yield failed(name, "empty file")
        return
    if head.startswith(b"\x1f\x8b"):
        with gzip.open(path, "rb") as gz:
            try:
                head = gz.read(4096)
            except OSError as exc:
                yield failed(name, f"corrupt gzip file: {exc}")
                return
    kind = _kind(path, head)
    if kind == "warc":
        with path.open("rb") as fh:
            yield from read_warc(fh, name, settings.max_input_bytes)
        return
    if kind == "jsonl":
        yield from _read_jsonl(name, path, settings)
        return
    if size > settings.max_input_bytes:
        yield failed(name, f"file too large: {size / 1e6:.1f} MB > limit {settings.max_input_bytes / 1e6:.1f} MB "
                           "(split it, or raise --max-bytes)")
        return
    data = path.read_bytes()
    if data.startswith(b"\x1f\x8b"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            yield failed(name, f"corrupt gzip file: {exc}")
            return
    if looks_binary(data):
        yield failed(name, "binary file, not text (no reader for this kind of input)")
        return
    if kind == "feed":
        yield from read_feed(data, name)
        return
    text, encoding = decode_bytes(data)
    if text is None:
        yield failed(name, f"cannot decode text (encoding {encoding})")
        return
    if kind == "html":
        draft = read_html(text, name)
    elif kind == "json":
        yield from _with_encoding(read_json(text, name), encoding)
        return
    else:
        parsed = parse_text(text)
        draft = Draft(input=name, text=parsed.text, title=parsed.title, dateline=parsed.published)
    if encoding not in ("utf-8", "utf-8-sig"):
        draft.meta["encoding"] = encoding
    yield draft


def _with_encoding(drafts: Iterator[Draft], encoding: str) -> Iterator[Draft]:
    for d in drafts:
        if encoding not in ("utf-8", "utf-8-sig"):
            d.meta["encoding"] = encoding
        yield d


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode bytes that are not UTF-8 as windows-1252 (legacy Western text inside a UTF-8 stream)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return bytes(bad).decode("cp1252", errors="replace"), exc.end


codecs.register_error("newsweave-cp1252", _cp1252_fallback)


def _read_jsonl(name: str, path: Path, settings: Settings) -> Iterator[Draft]:
    """Stream a JSON Lines file so that a large one is not read whole.

    Lines are UTF-8; bytes that are not (a record pasted from a windows-1252 source)
    are read as windows-1252 rather than replaced.
    """
    with path.open("rb") as fh:
        gzipped = fh.read(2) == b"\x1f\x8b"
    with (gzip.open(path, "rb") if gzipped else path.open("rb")) as raw:
        stream = io.TextIOWrapper(raw, encoding="utf-8", errors="newsweave-cp1252")
        for draft in read_jsonl(iter(stream), name):
            if len(draft.text) > settings.max_article_chars:
                yield failed(draft.input, f"record text too long: {len(draft.text)} chars > "
                                          f"{settings.max_article_chars}")
                continue
            yield draft


def to_article(draft: Draft, settings: Settings) -> Article | str:
    """Apply the shared rules (id, outlet, language, date precedence); a string is a skip reason."""
    if draft.error:
        return draft.error
    text = draft.text.strip()
    if not text:
        return "no article text after cleaning"
    if len(text) > settings.max_article_chars:
        return f"article text too long: {len(text)} chars > {settings.max_article_chars}"
    if sum(ch.isalpha() for ch in text) < 20:
        return "too little text to be an article (fewer than 20 letters)"
    source = draft.source or outlet_from_url(draft.url)
    published: str | None = None
    published_from: PublishedFrom | None = None
    if draft.published:
        published, published_from = draft.published, "metadata"
    elif draft.dateline:
        published, published_from = draft.dateline, "dateline"
    elif url_date(draft.url):
        published, published_from = url_date(draft.url), "url"
    language = (draft.language or "").split("-")[0].lower() or detect_language(text)
    return Article(
        id=article_id(text, source),
        text=text,
        input=draft.input,
        title=draft.title,
        source=source,
        url=draft.url,
        published=published,
        published_from=published_from,
        language=language,
        author=draft.author,
        meta=draft.meta,
    )


def read_inputs(paths: Iterable[str | Path], settings: Settings) -> Iterator[tuple[str, Article | str]]:
    """Every input under ``paths`` with its article, or the reason it was skipped.

    Args:
        paths: files and directories.
        settings: size limits.

    Returns:
        An iterator of ``(input name, Article or skip reason)``.
    """
    for name, path, error in iter_files(paths):
        if path is None:
            yield name, error or "unreadable"
            continue
        try:
            for draft in read_file(name, path, settings):
                yield draft.input, to_article(draft, settings)
        except Exception as exc:  # one broken input must not end the run
            logger.exception("reading %s failed", name)
            yield name, f"reader failed: {type(exc).__name__}: {exc}"
