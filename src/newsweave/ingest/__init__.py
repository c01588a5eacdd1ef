"""Ingestion: files and directories of text, HTML, JSON/JSONL, RSS/Atom and WARC into Articles.

:func:`read_inputs` walks the given paths and yields, for every input (a file,
or one record of a multi-record file), either an :class:`~newsweave.models.Article`
or the reason it was skipped. Nothing here touches the store.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import logging
import lzma
import os
import stat
import zlib
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from newsweave.config import Settings
from newsweave.ingest.decode import decode_bytes, looks_binary
from newsweave.ingest.draft import Draft, failed
from newsweave.ingest.feed import read_feed
from newsweave.ingest.html import read_html
from newsweave.ingest.metadata import (
    article_id,
    check_date,
    clean_chars,
    detect_language,
    language_code,
    outlet_from_url,
    printable_name,
    url_date,
)
from newsweave.ingest.records import read_json, read_jsonl_line
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


_COMPRESSED_EXT = {".gz", ".bz2", ".xz"}
#: What a corrupt compressed stream raises.
_CORRUPT = (OSError, EOFError, zlib.error, lzma.LZMAError)
_CHUNK = 1 << 20


class _Skip(Exception):
    """An input is skipped; the message is the reason."""


def iter_files(paths: Iterable[str | Path]) -> Iterator[tuple[str, Path | None, str | None]]:
    """Every file under the given paths, sorted; ``(name, path, error)`` with an error for bad paths.

    Names are printable (:func:`~newsweave.ingest.metadata.printable_name`); the
    path is the one to open. Entries that are not directories are yielded as they
    are; :func:`read_file` checks their type before opening them.
    """
    for raw in paths:
        p = Path(raw)
        name = printable_name(str(raw))
        if not os.path.lexists(p):
            yield name, None, "no such file or directory"
        elif p.is_dir():
            found = False
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if f.startswith("."):
                        continue
                    found = True
                    yield printable_name(str(Path(root) / f)), Path(root) / f, None
            if not found:
                yield name, None, "directory holds no files"
        else:
            yield name, p, None


def _not_regular(mode: int) -> str | None:
    """Why a file of this mode is not read (``None`` for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    kinds = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISDIR, "a directory"))
    kind = next((label for test, label in kinds if test(mode)), "not a file")
    return f"not a regular file ({kind}), not read"


def _ext(path: Path) -> str:
    """The extension that names the kind of input, looking through ``.gz``/``.bz2``/``.xz``."""
    suffixes = [s.lower() for s in path.suffixes]
    if len(suffixes) > 1 and suffixes[-1] in _COMPRESSED_EXT:
        return suffixes[-2]
    return suffixes[-1] if suffixes else ""


def _kind(path: Path, head: bytes) -> str:
    """The input kind from the extension, else from the first bytes."""
    ext = _ext(path)
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


def _open_regular(path: Path) -> io.BufferedReader:
    """Open ``path`` for reading without blocking, and only if it is (still) a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        why = _not_regular(os.fstat(fd).st_mode)  # the path may have been swapped since it was checked
        if why:
            raise _Skip(why)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _decompressing(fh: io.BufferedReader) -> tuple[io.BufferedIOBase, bool]:
    """A stream of the file's content, inflated while read when it is gzip, bzip2 or xz; and whether it is."""
    fh.seek(0)
    magic = fh.read(10)
    fh.seek(0)
    if magic.startswith(b"\x1f\x8b"):
        return gzip.GzipFile(fileobj=fh, mode="rb"), True
    if magic.startswith(b"BZh") and magic[4:10] == b"1AY&SY":
        return bz2.BZ2File(fh), True
    if magic.startswith(b"\xfd7zXZ\x00"):
        return lzma.LZMAFile(fh), True
    return fh, False


def _read_limited(stream: io.BufferedIOBase, limit: int, compressed: bool) -> bytes:
    """All of ``stream``, read in chunks and refused past ``limit`` bytes (so memory stays near the limit)."""
    data = bytearray()
    while len(data) <= limit:
        chunk = stream.read(min(_CHUNK, limit + 1 - len(data)))
        if not chunk:
            return bytes(data)
        data += chunk
    if compressed:
        raise _Skip(f"file too large (decompressed > {limit} bytes): split it, or raise --max-bytes")
    raise _Skip(f"file too large (> {limit} bytes): split it, or raise --max-bytes")


def _too_large(size: int, limit: int) -> str:
    return (f"file too large: {size / 1e6:.1f} MB > limit {limit / 1e6:.1f} MB "
            "(split it, or raise --max-bytes)")


def read_file(name: str, path: Path, settings: Settings) -> Iterator[Draft]:
    """Every draft article in one file (one for text/HTML, many for JSON Lines, feeds, WARC).

    The path is checked by ``stat`` before it is opened: only a regular file is
    read (a FIFO would block, a device never ends), and one larger than the limit
    is skipped unless it is read record by record (JSON Lines, WARC).
    Compressed files are inflated while streaming, and the limit applies to the
    inflated size.
    """
    limit = settings.max_input_bytes
    try:
        st = os.stat(path)
        why = _not_regular(st.st_mode)
        if why:
            yield failed(name, why)
            return
        if st.st_size == 0:
            yield failed(name, "empty file")
            return
        streamed = _ext(path) in JSONL_EXT | WARC_EXT
        if st.st_size > limit and not streamed:
            yield failed(name, _too_large(st.st_size, limit))
            return
        with _open_regular(path) as fh:
            yield from _read_open(name, path, fh, settings)
    except _Skip as skip:
        yield failed(name, str(skip))
    except OSError as exc:
        yield failed(name, f"cannot read: {exc.strerror or exc}")


def _read_open(name: str, path: Path, fh: io.BufferedReader, settings: Settings) -> Iterator[Draft]:
    """The drafts of one opened regular file."""
    limit = settings.max_input_bytes
    stream, compressed = _decompressing(fh)
    try:
        head = stream.read(4096)
    except _CORRUPT as exc:
        if not compressed:
            raise
        yield failed(name, f"corrupt compressed file: {exc}")
        return
    kind = _kind(path, head)
    if kind == "warc":
        fh.seek(0)
        yield from read_warc(fh, name, limit)
        return
    stream, compressed = _decompressing(fh)
    if kind == "jsonl":
        yield from _read_jsonl(name, stream, compressed, settings)
        return
    try:
        data = _read_limited(stream, limit, compressed)
    except _CORRUPT as exc:
        if not compressed:
            raise
        yield failed(name, f"corrupt compressed file: {exc}")
        return
    if not data:
        yield failed(name, "empty file")
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


def _read_jsonl(name: str, stream: io.BufferedIOBase, compressed: bool, settings: Settings) -> Iterator[Draft]:
    """Stream a JSON Lines file line by line, so that a large one is not read whole.

    A line longer than the size limit is skipped (and read past in chunks, never
    held whole). Lines are UTF-8; bytes that are not (a record pasted from a
    windows-1252 source) are read as windows-1252 rather than replaced.
    """
    limit = settings.max_input_bytes
    n = 0
    try:
        while line := stream.readline(limit + 1):
            n += 1
            if len(line) > limit and not line.endswith(b"\n"):
                while (rest := stream.readline(_CHUNK)) and not rest.endswith(b"\n"):
                    pass
                yield failed(f"{name}#L{n}", f"line {n} too large (> {limit} bytes): split it, or raise --max-bytes")
                continue
            draft = read_jsonl_line(line.decode("utf-8", errors="newsweave-cp1252"), n, name)
            if draft is None:
                continue
            if len(draft.text) > settings.max_article_chars:
                draft = failed(draft.input, f"record text too long: {len(draft.text)} chars > "
                                            f"{settings.max_article_chars}")
            yield draft
    except _CORRUPT as exc:
        if not compressed:
            raise
        yield failed(f"{name}#L{n + 1}", f"corrupt compressed file after line {n}: {exc}; the rest is not read")


def _publication_date(draft: Draft, today: date | None) -> tuple[str | None, PublishedFrom | None, list[str]]:
    """The first acceptable date among metadata, dateline and URL, and why earlier ones were refused."""
    rejected: list[str] = []
    sources: list[tuple[PublishedFrom, object]] = [
        ("metadata", draft.published), ("dateline", draft.dateline), ("url", url_date(draft.url))]
    for source, value in sources:
        iso, why = check_date(value, today)
        if iso:
            return iso, source, rejected
        if why:
            rejected.append(f"{source} {why}")
    return None, None, rejected


def _clean(value: str | None) -> str | None:
    return (clean_chars(value).strip() or None) if value else None


def to_article(draft: Draft, settings: Settings, today: date | None = None) -> Article | str:
    """Apply the shared rules (id, outlet, language, date precedence); a string is a skip reason.

    A publication date that is refused (see :func:`~newsweave.ingest.metadata.check_date`)
    leaves the next source to speak, else the date unknown; each refusal is kept in
    ``meta["published_rejected"]``. A language value that is not a language code is
    dropped (noted in ``meta["ignored"]``) and the language is detected from the text.
    """
    if draft.error:
        return draft.error
    text = clean_chars(draft.text).strip()
    if not text:
        return "no article text after cleaning"
    if len(text) > settings.max_article_chars:
        return f"article text too long: {len(text)} chars > {settings.max_article_chars}"
    if sum(ch.isalpha() for ch in text) < 20:
        return "too little text to be an article (fewer than 20 letters)"
    url = _clean(draft.url)
    source = _clean(draft.source) or outlet_from_url(url)
    published, published_from, rejected = _publication_date(draft, today)
    ignored = list(draft.ignored)
    language, why = language_code(draft.language)
    if why:
        ignored.append(f"language {why}")
    meta = dict(draft.meta)
    if rejected:
        meta["published_rejected"] = rejected
    if ignored:
        meta["ignored"] = ignored
    return Article(
        id=article_id(text, source),
        text=text,
        input=printable_name(draft.input),
        title=_clean(draft.title),
        source=source,
        url=url,
        published=published,
        published_from=published_from,
        language=language or detect_language(text),
        author=_clean(draft.author),
        meta=meta,
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
        today = datetime.now(UTC).date()
        try:
            for draft in read_file(name, path, settings):
                try:
                    result: Article | str = to_article(draft, settings, today)
                except Exception as exc:  # one odd record must not end its file
                    logger.exception("reading %s failed", draft.input)
                    result = f"record could not be read: {type(exc).__name__}: {exc}"
                yield printable_name(draft.input), result
        except Exception as exc:  # one broken input must not end the run
            logger.exception("reading %s failed", name)
            yield name, f"reader failed: {type(exc).__name__}: {exc}"
