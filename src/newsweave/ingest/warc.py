"""WARC files (warcio): each HTML response an article, its URL kept.

The WARC-Date header is the crawl time, not the publication date, so it is never used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

from newsweave.ingest.decode import decode_bytes
from newsweave.ingest.draft import Draft, failed
from newsweave.ingest.html import read_html


def _response(record: Any, name: str, uri: str, ctype: str, max_bytes: int) -> Draft:
    """One HTML response record as a draft."""
    body = record.content_stream().read(max_bytes + 1)
    if len(body) > max_bytes:
        return failed(name, f"response larger than {max_bytes} bytes")
    html, _ = decode_bytes(body, ctype)
    if html is None:
        return failed(name, "response body is not text")
    return read_html(html, name, url=uri or None)


def read_warc(stream: BinaryIO, path: str, max_bytes: int) -> Iterator[Draft]:
    """Every HTML response record of a WARC (plain or gzipped); a record that cannot be read is skipped alone."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response":
                continue
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            name = f"{path}#{uri}"
            http = record.http_headers
            ctype = (http.get_header("Content-Type") or "") if http else ""
            if "html" not in ctype.lower():
                continue
            status = http.get_statuscode() if http else None
            if status and not str(status).startswith("2"):
                yield failed(name, f"HTTP status {status}, not a page")
                continue
            try:
                yield _response(record, name, uri, ctype, max_bytes)
            except Exception as exc:  # one odd record must not end the archive
                yield failed(name, f"record could not be read: {type(exc).__name__}: {exc}")
    except ArchiveLoadFailed as exc:
        yield failed(path, f"malformed WARC: {exc}")
