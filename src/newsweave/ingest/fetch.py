"""HTTP fetching for feeds and pages: polite, bounded, and with a fate for every fetch.

:class:`Fetcher` GETs one URL at a time and returns a :class:`FetchResult` whose
``status`` says how it ended (fetched, not_modified, robots_disallowed, too_large,
timeout, http_error, unreachable, redirect_error, unsupported, malformed, refused) and whose
``reason`` says why, naming the URL. Nothing here raises for a bad response.

- Conditional GET: the ETag and Last-Modified of a response are kept per URL in the
  store's state (:meth:`Fetcher.remember`, called by the caller once it has used the
  content, so that a run killed before then fetches it again); the next fetch sends
  ``If-None-Match`` / ``If-Modified-Since`` and a 304 is ``not_modified``.
- robots.txt (RFC 9309) is parsed with the standard library's :mod:`urllib.robotparser`,
  fetched through the same client (same user agent, limits) and kept in the store's
  state for ``fetch_robots_ttl_s`` (an hour; the RFC allows a day), so that a watcher
  running every few minutes does not ask for it every time. A 4xx robots.txt allows
  everything; one that cannot be had (5xx, 429, timeout, no connection) disallows the
  host for the run, as the RFC asks, and is asked for again next run. Its Crawl-delay,
  when longer than ``fetch_host_delay_s``, is honoured (up to a minute).
- One request per host at a time, ``fetch_host_delay_s`` apart.
- Timeouts, connection failures, 408, 429 and 5xx (not 501) are retried
  ``fetch_retries`` times with exponential backoff; a Retry-After header sets the
  wait, and one longer than ``fetch_max_retry_after_s`` ends the fetch.
- Redirects are followed by hand (not by httpx) so that each hop is checked against
  its host's robots.txt, loops are named, at most ``fetch_max_redirects`` are
  followed and the chain is recorded (``final_url``, ``redirects``).
- The body is streamed and aborted past ``fetch_max_bytes`` (counted after content
  decoding, so a gzip bomb is cut off too) or past ``fetch_total_timeout_s``.
- ``public_only`` (the service's URL ingest, where the caller is not the machine's owner): a
  URL whose host resolves to a loopback, private, link-local, shared, multicast or reserved
  address is ``refused`` before any request, at every redirect hop; and the address the
  connection really reached is checked again before the body is read, so that a name that
  resolves differently the second time (DNS rebinding) gets no answer back either.
- Text is decoded by :func:`newsweave.ingest.decode.decode_bytes` with the
  Content-Type charset; a page that is not HTML is ``unsupported`` before its body
  is read.

httpx rather than urllib: streaming with a cap, separate connect/read timeouts and
connection reuse per host; sleeping and the clock are injectable so that tests of
delays and backoff never wait on the wall clock.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal, Protocol
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from newsweave.config import Settings
from newsweave.ingest.decode import decode_bytes

logger = logging.getLogger(__name__)

FetchStatus = Literal["fetched", "not_modified", "robots_disallowed", "too_large", "timeout", "http_error",
                      "unreachable", "redirect_error", "unsupported", "malformed", "refused"]
FetchKind = Literal["feed", "page", "robots"]

#: HTTP statuses worth another try (RFC 9110: the request may succeed later).
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
#: The longest robots.txt Crawl-delay honoured, in seconds.
MAX_CRAWL_DELAY_S = 60.0
#: RFC 9309: a crawler must parse at least 500 KiB of robots.txt; more is not read.
ROBOTS_MAX_BYTES = 512_000
STATE_PREFIX = "fetch:validators:"
ROBOTS_PREFIX = "fetch:robots:"

_ACCEPT = {
    "feed": "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
    "page": "text/html, application/xhtml+xml;q=0.9, */*;q=0.1",
    "robots": "text/plain, */*;q=0.5",
}
_PAGE_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")
_BINARY_FAMILIES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip",
                    "application/msword", "application/vnd.")


@dataclass(slots=True)
class FetchResult:
    """How one fetch ended: its status, why, and what came back.

    ``url`` is the URL asked for, ``final_url`` where the redirects (``redirects``,
    in order) led. ``attempts`` counts the requests made to the last URL (retries
    included). ``content`` holds the body of a ``fetched`` result only.
    """

    url: str
    status: FetchStatus
    reason: str = ""
    final_url: str | None = None
    http_status: int | None = None
    content: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    attempts: int = 0
    redirects: list[str] = field(default_factory=list)
    #: set when a retryable failure (timeout, no connection, 408/429/5xx) ended the fetch
    transient: bool = False

    @property
    def ok(self) -> bool:
        """True when the body was fetched."""
        return self.status == "fetched"

    def text(self) -> tuple[str | None, str]:
        """The body decoded (Content-Type charset, else sniffed); ``(None, "binary")`` for binary data."""
        return decode_bytes(self.content, self.content_type)

    def message(self) -> str:
        """One line naming the URL, the fate and the reason."""
        return f"{self.url}: {self.status.replace('_', ' ')}" + (f": {self.reason}" if self.reason else "")


class StateStore(Protocol):
    """Where validators are kept between runs (:class:`newsweave.store.Store` fits)."""

    def get_state(self, key: str) -> Any:
        """A stored JSON value, or ``None``."""

    def set_state(self, key: str, value: Any) -> None:
        """Store a JSON value."""


class _MemoryState:
    """Validators for one process only (a fetcher with no store)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get_state(self, key: str) -> Any:
        return self.values.get(key)

    def set_state(self, key: str, value: Any) -> None:
        self.values[key] = value


@dataclass(slots=True)
class _Reply:
    """One HTTP exchange: the status and headers, the body of a 2xx, or the failure that ended it."""

    code: int = 0
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    body: bytes = b""
    failure: tuple[FetchStatus, str] | None = None
    phrase: str = ""


def _host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_url(url: str) -> str | None:
    """Why ``url`` cannot be fetched (not http/https, no host), or ``None``."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"not a URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        return f"not an http(s) URL (scheme {parts.scheme or 'missing'!r})"
    if not parts.hostname:
        return "URL has no host"
    return None


def _address_kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """What makes ``ip`` not a public internet address ("loopback", "private", ...), or None for a public one."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-global"


def non_public_host(url: str) -> str | None:
    """Why ``url``'s host is not on the public internet (an address it names or resolves to is loopback,
    private, link-local, ...), or None. A name that does not resolve is left to the fetch to report."""
    host = (urlsplit(url).hostname or "").strip("[]")
    try:
        addresses = [ipaddress.ip_address(host.split("%")[0])]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            return None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    for ip in addresses:
        kind = _address_kind(ip)
        if kind:
            named = "" if str(ip) == host else f" resolves to {ip}, which"
            return f"{host}{named} is a {kind} address: only public hosts may be fetched here"
    return None


def _without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """The wait a Retry-After header asks for (delta-seconds or an HTTP date), or ``None`` when absent/unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _peer_kind(resp: httpx.Response) -> str | None:
    """What makes the address a response came from not public (see :func:`_address_kind`), or None."""
    stream = resp.extensions.get("network_stream")
    addr = stream.get_extra_info("server_addr") if stream is not None else None
    if not addr:
        return None  # no socket (a mock transport in tests): the check before the request stands alone
    return _address_kind(ipaddress.ip_address(str(addr[0]).split("%")[0]))


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _unacceptable(kind: FetchKind, content_type: str) -> str | None:
    """Why a response of this Content-Type is not read for this kind of fetch, or ``None``."""
    media = _media_type(content_type)
    if not media or kind == "robots":
        return None
    if kind == "page":
        if media in _PAGE_TYPES:
            return None
        return f"content type {media} is not an HTML page"
    if media.startswith(_BINARY_FAMILIES):
        return f"content type {media} is not a feed or sitemap"
    return None


class Fetcher:
    """Fetches feeds and pages politely; one instance per run (it caches robots.txt per host).

    Args:
        settings: the user agent, limits, delays and retries (``fetch_*`` fields).
        state: where ETag/Last-Modified are kept between runs (an open
            :class:`~newsweave.store.Store`); in memory when omitted.
        client: an httpx client to use (tests pass one with a mock transport);
            the fetcher makes its own otherwise.
        sleep, clock, wallclock: injectable for tests (``time.sleep``, ``time.monotonic``, ``time.time``:
            the age of a kept robots.txt outlives the process).
        public_only: refuse hosts that are not on the public internet (see :func:`non_public_host`).
    """

    def __init__(self, settings: Settings, state: StateStore | None = None, client: httpx.Client | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 wallclock: Callable[[], float] = time.time, public_only: bool = False) -> None:
        self.settings = settings
        self.public_only = public_only
        self.state: StateStore = state if state is not None else _MemoryState()
        self._own_client = client is None
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(settings.fetch_timeout_s), follow_redirects=False,
            headers={"User-Agent": settings.user_agent})
        self.sleep = sleep
        self.clock = clock
        self.wallclock = wallclock
        self._last: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | str] = {}
        #: every robots.txt fetch of this fetcher, in order (a run reports them with its other fetches)
        self.robots_fetches: list[FetchResult] = []

    def close(self) -> None:
        """Close the client, if this fetcher made it."""
        if self._own_client:
            self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public -------------------------------------------------------------------------------

    def fetch(self, url: str, kind: FetchKind = "page", conditional: bool = False) -> FetchResult:
        """GET ``url`` (following redirects), politely and within the limits.

        Args:
            url: an http or https URL.
            kind: ``feed`` (feeds and sitemaps), ``page`` (an HTML article) or ``robots``.
            conditional: send the validators kept for ``url`` (see :meth:`remember`).

        Returns:
            A :class:`FetchResult`; never raises for a network or HTTP failure.
        """
        why = check_url(url)
        if why:
            return FetchResult(url, "malformed", why)
        headers = {"Accept": _ACCEPT[kind]}
        if conditional:
            kept = self.state.get_state(STATE_PREFIX + url) or {}
            if kept.get("etag"):
                headers["If-None-Match"] = kept["etag"]
            if kept.get("last_modified"):
                headers["If-Modified-Since"] = kept["last_modified"]
        result = self._follow(url, kind, headers)
        if result.status not in ("fetched", "not_modified"):
            logger.info("%s", result.message())
        return result

    def remember(self, result: FetchResult) -> None:
        """Keep the validators of a fetched response, so that the next conditional fetch of its URL can get a 304.

        Call it once the content has been used (stored): a run killed before then
        fetches the content again instead of being told it has not changed.
        """
        if result.status == "fetched" and (result.etag or result.last_modified):
            self.state.set_state(STATE_PREFIX + result.url,
                                 {"etag": result.etag, "last_modified": result.last_modified,
                                  "final_url": result.final_url})

    def allowed(self, url: str) -> tuple[bool, str]:
        """Whether robots.txt lets this user agent fetch ``url``, and if not, why."""
        rules = self._robots_for(url)
        if isinstance(rules, str):
            return False, rules
        if rules.can_fetch(self.settings.user_agent, url):
            return True, ""
        path = urlsplit(url).path or "/"
        return False, f"robots.txt of {_host_key(url)} disallows {path} for {self.settings.user_agent.split('/')[0]}"

    # -- redirects, retries, one request ----------------------------------------------------------

    def _follow(self, url: str, kind: FetchKind, headers: dict[str, str]) -> FetchResult:
        """Fetch ``url``, following at most ``fetch_max_redirects`` redirects, each hop checked against robots.txt."""
        chain = [url]
        current = url
        while True:
            refused = non_public_host(current) if self.public_only else None
            if refused:
                return FetchResult(url, "refused", refused if current == url else f"{refused} (at {current})",
                                   final_url=current, redirects=chain[1:])
            if kind != "robots":
                ok, why = self.allowed(current)
                if not ok:
                    # robots.txt that could not be read may be readable next run: worth trying again
                    unread = isinstance(self._robots.get(_host_key(current)), str)
                    return FetchResult(url, "robots_disallowed", why, final_url=current, redirects=chain[1:],
                                       transient=unread)
            reply, attempts = self._with_retries(current, kind, headers)
            location = reply.headers.get("location")
            if reply.failure is None and reply.code in REDIRECT_STATUSES and location:
                nxt = _without_fragment(urljoin(current, location))
                bad = check_url(nxt)
                shown = " -> ".join([*chain, nxt])
                if bad:
                    return FetchResult(url, "redirect_error", f"redirect to {nxt}: {bad}", final_url=current,
                                       http_status=reply.code, redirects=chain[1:], attempts=attempts)
                if nxt in chain:
                    return FetchResult(url, "redirect_error", f"redirect loop: {shown}", final_url=current,
                                       http_status=reply.code, redirects=chain[1:], attempts=attempts)
                if len(chain) > self.settings.fetch_max_redirects:
                    return FetchResult(url, "redirect_error",
                                       f"more than {self.settings.fetch_max_redirects} redirects: {shown}",
                                       final_url=current, http_status=reply.code, redirects=chain[1:],
                                       attempts=attempts)
                chain.append(nxt)
                current = nxt
                continue
            return self._result(url, current, chain, reply, attempts, "If-None-Match" in headers
                                or "If-Modified-Since" in headers)

    def _result(self, url: str, final: str, chain: list[str], reply: _Reply, attempts: int,
                conditional: bool) -> FetchResult:
        res = FetchResult(url, "fetched", final_url=final, http_status=reply.code or None, attempts=attempts,
                          redirects=chain[1:], content_type=reply.headers.get("content-type", ""),
                          etag=reply.headers.get("etag"), last_modified=reply.headers.get("last-modified"))
        tries = f" (after {attempts} tries)" if attempts > 1 else ""
        if reply.failure is not None:
            res.status, res.reason = reply.failure
            res.reason += tries
            res.transient = res.status in ("timeout", "unreachable") or reply.code in RETRY_STATUSES
        elif 200 <= reply.code < 300:
            res.content = reply.body
            if not reply.body.strip():
                res.status, res.reason = "malformed", "empty response body"
        elif reply.code == 304:
            res.status = "not_modified"
            res.reason = ("not modified since the last fetch (ETag/Last-Modified)" if conditional
                          else "HTTP 304 to a request without validators")
        elif reply.code in REDIRECT_STATUSES:
            res.status, res.reason = "http_error", f"HTTP {reply.code} redirect without a Location header"
        else:
            res.status = "http_error"
            res.reason = f"HTTP {reply.code} {reply.phrase}".rstrip() + tries
            res.transient = reply.code in RETRY_STATUSES
        if final != url and res.reason:
            res.reason += f" (at {final})"
        return res

    def _with_retries(self, url: str, kind: FetchKind, headers: dict[str, str]) -> tuple[_Reply, int]:
        """One request, retried on timeouts, lost connections, 408/429/5xx with backoff; the last reply."""
        s = self.settings
        attempt = 0
        while True:
            attempt += 1
            self._wait_turn(url)
            try:
                reply = self._once(url, kind, headers)
            finally:
                self._last[_host_key(url)] = self.clock()
            retryable = (reply.failure is not None and reply.failure[0] in ("timeout", "unreachable")) or (
                reply.failure is None and reply.code in RETRY_STATUSES)
            if not retryable or attempt > s.fetch_retries:
                return reply, attempt
            wait = s.fetch_backoff_s * 2 ** (attempt - 1)
            asked = retry_after_seconds(reply.headers.get("retry-after")) if reply.failure is None else None
            if asked is not None:
                if asked > s.fetch_max_retry_after_s:
                    reply.failure = ("http_error", f"HTTP {reply.code} {reply.phrase}; Retry-After asks for "
                                     f"{asked:.0f} s, longer than the {s.fetch_max_retry_after_s:.0f} s limit: "
                                     "try again later")
                    return reply, attempt
                wait = asked
            what = reply.failure[1] if reply.failure else f"HTTP {reply.code}"
            logger.info("%s: %s; trying again in %.1f s (try %d of %d)", url, what, wait, attempt + 1,
                        s.fetch_retries + 1)
            self.sleep(wait)

    def _once(self, url: str, kind: FetchKind, headers: dict[str, str]) -> _Reply:
        """One GET, no retry, no redirect; the body is read only for a 2xx of an acceptable type."""
        s = self.settings
        limit = ROBOTS_MAX_BYTES if kind == "robots" else s.fetch_max_bytes
        start = self.clock()
        reply = _Reply()
        try:
            with self.client.stream("GET", url, headers=headers) as resp:
                if self.public_only and (peer := _peer_kind(resp)):
                    reply.failure = ("refused", f"the connection reached a {peer} address: response not read")
                    return reply
                reply.code, reply.headers, reply.phrase = resp.status_code, resp.headers, resp.reason_phrase
                if not 200 <= resp.status_code < 300:
                    return reply
                why = _unacceptable(kind, resp.headers.get("content-type", ""))
                if why:
                    reply.failure = ("unsupported", why)
                    return reply
                declared = resp.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit and kind != "robots":
                    reply.failure = ("too_large", f"Content-Length {int(declared):,} bytes > limit {limit:,}: "
                                                  "not read")
                    return reply
                body = bytearray()
                for chunk in resp.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        if kind == "robots":  # RFC 9309: parse the first 500 KiB
                            body = body[:limit]
                            break
                        reply.failure = ("too_large", f"body passed the {limit:,}-byte limit: download aborted")
                        return reply
                    if self.clock() - start > s.fetch_total_timeout_s:
                        reply.failure = ("timeout", f"response took longer than {s.fetch_total_timeout_s:g} s "
                                                    "in all: download aborted")
                        return reply
                reply.body = bytes(body)
        except httpx.TimeoutException as exc:
            reply.failure = ("timeout", f"no answer within {s.fetch_timeout_s:g} s ({type(exc).__name__})")
        except httpx.DecodingError as exc:
            reply.failure = ("malformed", f"content encoding could not be decoded: {exc}")
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            reply.failure = ("malformed", f"cannot request this URL: {exc}")
        except httpx.TransportError as exc:
            reply.failure = ("unreachable", f"connection failed: {type(exc).__name__}: {exc or 'no detail'}")
        return reply

    # -- politeness -----------------------------------------------------------------------------

    def _delay(self, host: str) -> float:
        delay = self.settings.fetch_host_delay_s
        rules = self._robots.get(host)
        if isinstance(rules, urllib.robotparser.RobotFileParser):
            asked = rules.crawl_delay(self.settings.user_agent)
            if asked is not None:
                delay = max(delay, min(float(asked), MAX_CRAWL_DELAY_S))
        return delay

    def _wait_turn(self, url: str) -> None:
        """Sleep until this host's delay since the last request to it has passed."""
        host = _host_key(url)
        last = self._last.get(host)
        if last is None:
            return
        wait = last + self._delay(host) - self.clock()
        if wait > 0:
            self.sleep(wait)

    def _robots_for(self, url: str) -> urllib.robotparser.RobotFileParser | str:
        """The parsed robots.txt of ``url``'s host (fetched on first use), or why the host is disallowed."""
        host = _host_key(url)
        if host in self._robots:
            return self._robots[host]
        robots_url = f"{host}/robots.txt"
        parser = urllib.robotparser.RobotFileParser(robots_url)
        rules: urllib.robotparser.RobotFileParser | str = parser
        key = ROBOTS_PREFIX + host
        kept = self.state.get_state(key)
        if kept and 0 <= self.wallclock() - float(kept.get("at", 0)) < self.settings.fetch_robots_ttl_s:
            parser.parse(list(kept.get("lines") or []))
            self._robots[host] = parser
            return parser
        result = self.fetch(robots_url, kind="robots")
        self.robots_fetches.append(result)
        lines: list[str] | None = None
        if result.status == "fetched":
            text, _ = result.text()
            lines = (text or "").splitlines()
        elif result.status == "http_error" and result.http_status and 400 <= result.http_status < 500 \
                and not result.transient:
            lines = []  # RFC 9309 2.3.1.3: an unavailable robots.txt allows everything
        elif result.status == "malformed" and result.reason == "empty response body":
            lines = []  # no rules
        if lines is None:  # RFC 9309 2.3.1.4: unreachable: assume everything is disallowed (not kept: asked again)
            rules = (f"robots.txt of {host} could not be read ({result.status.replace('_', ' ')}: {result.reason}); "
                     "the host is treated as disallowed for this run (RFC 9309)")
        else:
            parser.parse(lines)
            self.state.set_state(key, {"at": self.wallclock(), "lines": lines})
        self._robots[host] = rules
        return rules
