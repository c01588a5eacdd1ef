"""A local HTTP server on 127.0.0.1 for the fetch and watch tests (no outside network).

Routes map a path (with its query, else without it) to a :class:`Reply`, a list of replies served in
turn (the last one repeats), or a function of the request. A reply can wait on an
event before answering (a server that is slow for as long as a test needs, without
sleeping), stream a large body in chunks, or send any status and headers. Every
request's path and headers are recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """One response: status, headers, body (or ``chunks`` streamed without Content-Length); ``wait`` first."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunks: Callable[[], Iterator[bytes]] | None = None
    wait: threading.Event | None = None


@dataclass
class Request:
    """What the server received."""

    path: str
    headers: dict[str, str]


Route = Reply | list[Reply] | Callable[[Request], Reply]


class LocalSite:
    """A threaded HTTP server on 127.0.0.1 and an ephemeral port; use as a context manager."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        #: set when the site shuts down: releases every reply still waiting
        self.release = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                req = Request(self.path, {k.lower(): v for k, v in self.headers.items()})
                site.requests.append(req)
                reply = site._reply(req)
                if reply.wait is not None:
                    reply.wait.wait(timeout=10)
                    if site.release.is_set():
                        return
                try:
                    self.send_response(reply.status)
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    if reply.chunks is None and "Content-Length" not in reply.headers:
                        self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    if reply.chunks is not None:
                        for chunk in reply.chunks():
                            self.wfile.write(chunk)
                    else:
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client aborted (a size limit): expected

            def log_message(self, format: str, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def _reply(self, req: Request) -> Reply:
        route = self.routes.get(req.path, self.routes.get(req.path.split("?", 1)[0]))  # a query it has no route for
        if route is None:
            return Reply(404, b"not found", {"Content-Type": "text/plain"})
        if isinstance(route, list):
            return route.pop(0) if len(route) > 1 else route[0]
        if isinstance(route, Reply):
            return route
        return route(req)

    def url(self, path: str) -> str:
        """The URL of ``path`` on this site."""
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> int:
        """How many requests asked for ``path``."""
        return sum(1 for r in self.requests if r.path == path)

    def __enter__(self) -> LocalSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def html_page(title: str, paragraphs: list[str], head: str = "") -> bytes:
    """A small article page with navigation and footer around the text."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html><head><title>{title}</title>{head}</head><body>"
            f"<nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{body}</article>"
            "<footer>Copyright</footer></body></html>").encode()


def rss(items: list[tuple[str, str, str]], title: str = "Local news") -> bytes:
    """An RSS 2.0 feed of ``(link, title, RFC 822 date)`` items."""
    entries = "".join(f"<item><title>{t}</title><link>{link}</link><pubDate>{d}</pubDate></item>"
                      for link, t, d in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>http://127.0.0.1/</link><description>test</description>{entries}</channel></rss>").encode()
