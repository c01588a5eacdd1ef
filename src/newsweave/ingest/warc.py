"""WARC files (warcio): each HTML response an article, its URL kept.

The WARC-Date header is the crawl time, not the publication date, so it is never used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from newsweave.ingest.decode import decode_bytes
from newsweave.ingest.draft import Draft, failed
from newsweave.ingest.html import read_html


def read_warc(stream: BinaryIO, path: str, max_bytes: int) -> Iterator[Draft]:
    """Every HTML response record of a WARC (plain or gzipped)."""
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
            body = record.content_stream().read(max_bytes + 1)
            if len(body) > max_bytes:
                yield failed(name, f"response larger than {max_bytes} bytes")
                continue
            html, _ = decode_bytes(body, ctype)
            if html is None:
                yield failed(name, "response body is not text")
                continue
            draft = read_html(html, name, url=uri or None)
            yield draft
    except ArchiveLoadFailed as exc:
        yield failed(path, f"malformed WARC: {exc}")
