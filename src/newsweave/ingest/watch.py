"""Keep a store current from the feeds where news is published (``newsweave watch``).

:class:`Watcher` reads a feed list (an OPML file, a file of URLs, or URLs), fetches
each feed with :class:`~newsweave.ingest.fetch.Fetcher` (conditional GET, robots.txt,
per-host delay, retries, limits), collects the entry URLs it has not seen, fetches
each new page and extracts it with trafilatura (:func:`~newsweave.ingest.html.read_html`:
the publication date from the page's JSON-LD and meta tags first, then the feed entry's
date, then a dateline, then the URL), stores the new articles and runs the incremental
pipeline over them. Every fetch ends with a fate in the run's :class:`WatchReport`.

Feeds are RSS and Atom (feedparser) or sitemaps: a ``urlset`` (Google News
sitemaps' ``news:publication_date`` and ``news:title`` are read) or a
``sitemapindex`` whose newest child sitemaps are read (lxml, no entities, no network;
gzipped sitemaps are inflated within the size limit).

Dedupe: an entry is skipped when its canonical URL (:func:`canonical_url`: no
fragment, no tracking parameters, lower-case host) was seen by an earlier run or is
the URL of a stored article; two entries with the same canonical URL in one run are
fetched once. A page whose text is already stored (the same content-hash article id:
same text from the same outlet) is a duplicate. The same text from another outlet is
kept: that is reuse, which the reuse stage is there to find.

Nothing is lost when a run is killed: articles are stored before they are marked
seen, and a feed's ETag/Last-Modified are kept only once all of its new entries have
a final fate (a page that timed out, or that waits for a later run because of
``--max-pages``, makes the next run fetch the whole feed again). Analysis runs under
the store's exclusive lock, and a flag in the store's state makes the next run finish
an analysis that was interrupted.

A Watcher opens a store of its own for each run (from ``settings.db_url``) unless
one is given: a :class:`~newsweave.store.Store` holds per-instance state while a stage
runs (:meth:`~newsweave.store.Store.deferred`), so a thread must not share one with
another thread that writes.
"""

from __future__ import annotations

import gzip
import logging
import re
import threading
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from sqlalchemy import select

from newsweave.config import Settings
from newsweave.ingest import to_article
from newsweave.ingest.fetch import Fetcher, FetchResult, FetchStatus, check_url
from newsweave.ingest.html import read_html
from newsweave.models import Article
from newsweave.store import Store
from newsweave.store.repository import IN_CHUNK
from newsweave.store.schema import articles as articles_table
from newsweave.store.schema import state as state_table

logger = logging.getLogger(__name__)

FetchRole = Literal["list", "feed", "sitemap", "page", "robots"]
#: a fetch's status, or what became of a fetched page (stored or duplicate), of the pages a run left to the
#: next (postponed), or of a robots.txt that is not there (not_found: every path allowed)
WatchStatus = FetchStatus | Literal["stored", "duplicate", "postponed", "not_found"]
SEEN_PREFIX = "watch:seen:"
ANALYSIS_PENDING = "watch:analysis_pending"
#: the child sitemaps a sitemap index listed when last fetched (read again when the index is not modified)
CHILDREN_PREFIX = "watch:sitemaps:"
#: Query parameters that only track a click, never choose content.
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|ocid|cmpid|smid|ito|_ga|igshid)$", re.I)
_SITEMAP_NEWS = "http://www.google.com/schemas/sitemap-news/0.9"


@dataclass(slots=True)
class WatchFate:
    """How one fetch of a run ended (or why a listed URL was not fetched).

    ``status`` is a :data:`~newsweave.ingest.fetch.FetchStatus`, or for a page
    ``stored`` / ``duplicate`` (``postponed`` for the pages left to the next run);
    ``reason`` names the cause; ``feed`` is the feed that listed a page; ``retry``
    is set when the failure may pass (timeout, no connection, 429/5xx, robots.txt
    unreadable), so the next run fetches the URL again.
    """

    role: FetchRole
    url: str
    status: WatchStatus
    reason: str = ""
    article_id: str | None = None
    http_status: int | None = None
    final_url: str | None = None
    feed: str | None = None
    retry: bool = False


@dataclass(slots=True)
class WatchReport:
    """What one watch run did: every fetch's fate, and what each analysis stage did."""

    fates: list[WatchFate] = field(default_factory=list)
    stages: dict[str, str] = field(default_factory=dict)
    failures: dict[str, BaseException] = field(default_factory=dict)
    started: str = ""
    finished: str = ""

    def counts(self) -> dict[str, int]:
        """Fetches by status."""
        out: dict[str, int] = {}
        for f in self.fates:
            out[f.status] = out.get(f.status, 0) + 1
        return out

    @property
    def stored(self) -> list[str]:
        """Ids of the articles this run stored."""
        return [f.article_id for f in self.fates if f.status == "stored" and f.article_id]


@dataclass(slots=True)
class Entry:
    """One article URL a feed or sitemap lists, with what the feed says about it."""

    url: str
    feed: str
    title: str | None = None
    published: str | None = None


@dataclass(slots=True)
class _Source:
    """One fetched feed or sitemap of a run: its result and fate, entries, and whether all its new entries got a
    final fate (only then are its validators kept)."""

    result: FetchResult
    fate: WatchFate
    entries: list[Entry] = field(default_factory=list)
    children: list[_Source] = field(default_factory=list)
    complete: bool = True


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- URLs and feed lists ------------------------------------------------------------------------

def canonical_url(url: str) -> str:
    """``url`` without fragment or tracking parameters, host lower-case, default port dropped, path at least ``/``."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port and (scheme, parts.port) not in (("http", 80), ("https", 443)) else None
    netloc = f"{host}:{port}" if port else host
    if parts.username or parts.password:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def _xml_root(data: bytes) -> Any:
    """The root element of an XML document, parsed without entities or network access (lxml)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    return etree.fromstring(data, parser)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def read_feed_list(items: Iterable[str]) -> tuple[list[str], list[WatchFate]]:
    """The feed URLs named by ``items`` (URLs, OPML files, or files of one URL a line), and a fate for each bad one.

    In a list file, blank lines and lines starting with ``#`` are ignored. In OPML,
    every ``outline`` with an ``xmlUrl`` (at any depth) is a feed. URLs repeat once.
    """
    urls: list[str] = []
    bad: list[WatchFate] = []
    for item in items:
        item = item.strip()
        if re.match(r"^https?://", item, re.I):
            found: list[tuple[str, str]] = [(item, item)]
        else:
            found, why = _read_list_file(Path(item))
            if why:
                bad.append(WatchFate("list", item, "malformed", why))
                continue
        for where, url in found:
            problem = check_url(url)
            if problem:
                bad.append(WatchFate("list", where, "malformed", f"{url!r}: {problem}"))
            elif url not in urls:
                urls.append(url)
    return urls, bad


def _read_list_file(path: Path) -> tuple[list[tuple[str, str]], str | None]:
    """``(where, url)`` for every URL in an OPML file or a list file, or why the file cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [], f"cannot read the feed list: {exc.strerror or exc}"
    head = data.lstrip()[:1024].lower()
    if head.startswith(b"<") and b"<opml" in data[:4096].lower():
        from lxml import etree

        try:
            root = _xml_root(data)
        except etree.XMLSyntaxError as exc:
            return [], f"malformed OPML: {exc}"
        urls = [(f"{path}: outline {o.get('text') or o.get('title') or ''}".rstrip(), o.get("xmlUrl").strip())
                for o in root.iter() if _local(o.tag) == "outline" and (o.get("xmlUrl") or "").strip()]
        if not urls:
            return [], "OPML file lists no feeds (no outline with an xmlUrl)"
        return urls, None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], "feed list is not UTF-8 text (one URL a line, or OPML)"
    urls = [(f"{path}:{n}", line.strip()) for n, line in enumerate(text.splitlines(), 1)
            if line.strip() and not line.lstrip().startswith("#")]
    if not urls:
        return [], "feed list holds no URLs"
    return urls, None


# -- feeds and sitemaps -------------------------------------------------------------------------

def _inflate(data: bytes, limit: int) -> bytes:
    """``data`` gunzipped when it is gzip (a ``.xml.gz`` sitemap), refusing more than ``limit`` bytes inflated."""
    if not data.startswith(b"\x1f\x8b"):
        return data
    out = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, limit + 1)
    if len(out) > limit:
        raise ValueError(f"inflated sitemap larger than {limit:,} bytes")
    return out


def parse_source(result: FetchResult, limit: int) -> tuple[str, list[Entry], list[tuple[str, str | None]], str | None]:
    """What a fetched feed or sitemap lists.

    Returns:
        ``(kind, entries, child sitemaps as (url, lastmod), error)``; kind is ``rss``,
        ``atom``, ``sitemap`` or ``sitemapindex``; ``error`` says why nothing could be read.
    """
    base = result.final_url or result.url
    try:
        data = _inflate(result.content, limit)
    except (ValueError, zlib.error, EOFError, gzip.BadGzipFile) as exc:
        return "", [], [], f"corrupt gzip: {exc}"
    sniff = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:2048].lower()
    if b"<urlset" in sniff or b"<sitemapindex" in sniff:
        return _parse_sitemap(data, base)
    import feedparser

    parsed = feedparser.parse(data, response_headers={"content-type": result.content_type or "application/xml",
                                                      "content-location": base})
    version = str(parsed.get("version") or "")
    title = parsed.feed.get("title")
    entries: list[Entry] = []
    for e in parsed.entries:
        link = e.get("link") or ""
        if not link:
            continue
        # the entry's publication date (an Atom <updated> only when there is no <published>)
        keys = e.keys()
        st = e.get("published_parsed") if "published_parsed" in keys else e.get("updated_parsed")
        published = f"{st.tm_year:04d}-{st.tm_mon:02d}-{st.tm_mday:02d}" if st else (e.get("published") or None)
        entries.append(Entry(urljoin(base, link), base, title=e.get("title") or None, published=published))
    if not entries and (parsed.bozo or not version):
        why = parsed.get("bozo_exception") or "no RSS, Atom or sitemap markup"
        return "", [], [], f"not a readable feed or sitemap: {why}"
    logger.debug("feed %s (%s): %d entries", base, title, len(entries))
    return ("atom" if version.startswith("atom") else "rss"), entries, [], None


def _parse_sitemap(data: bytes, base: str) -> tuple[str, list[Entry], list[tuple[str, str | None]], str | None]:
    from lxml import etree

    try:
        root = _xml_root(data)
    except etree.XMLSyntaxError as exc:
        return "", [], [], f"malformed sitemap XML: {exc}"

    def child_text(el: Any, name: str, ns: str | None = None) -> str | None:
        for c in el.iter():
            if _local(c.tag) == name and (ns is None or str(c.tag).startswith(f"{{{ns}}}")) and (c.text or "").strip():
                return str(c.text).strip()
        return None

    kind = _local(root.tag)
    if kind == "sitemapindex":
        children = [(urljoin(base, loc), child_text(s, "lastmod")) for s in root if _local(s.tag) == "sitemap"
                    if (loc := child_text(s, "loc"))]
        return "sitemapindex", [], children, None
    if kind != "urlset":
        return "", [], [], f"not a sitemap: root element <{kind}>"
    entries: list[Entry] = []
    for u in root:
        if _local(u.tag) != "url" or not (loc := child_text(u, "loc")):
            continue
        # news:publication_date is a publication date; <lastmod> is only when the page last changed
        entries.append(Entry(urljoin(base, loc), base, title=child_text(u, "title", _SITEMAP_NEWS),
                             published=child_text(u, "publication_date", _SITEMAP_NEWS)))
    if any(e.published for e in entries):
        entries.sort(key=lambda e: e.published or "", reverse=True)  # newest first when --max-pages cuts
    return "sitemap", entries, [], None


def read_page(fetcher: Fetcher, entry: Entry, settings: Settings,
              today: date | None = None) -> tuple[WatchFate, Article | None]:
    """Fetch one page and read its article, as a watch run does (also for URLs posted to the service).

    The publication date comes from the page's JSON-LD and meta tags (htmldate, via
    :func:`~newsweave.ingest.html.read_html`), else the feed entry's date, else a
    dateline, else the URL; the article's URL is the canonical form of where the
    redirects led.

    Args:
        fetcher: the run's fetcher.
        entry: the URL, and what its feed says about it (``feed`` names the feed, or the caller).
        settings: article limits.
        today: the ingest date (future dates are refused); today in UTC when omitted.

    Returns:
        The fetch's fate (status ``fetched`` when an article was read: the caller
        decides ``stored`` or ``duplicate``) and the article, or ``None`` with the
        reason in the fate.
    """
    res = fetcher.fetch(entry.url, kind="page")
    fate = WatchFate("page", entry.url, res.status, res.reason, http_status=res.http_status,
                     final_url=res.final_url, feed=entry.feed, retry=res.transient)
    if not res.ok:
        return fate, None
    try:
        text, encoding = res.text()
        if text is None:
            fate.status, fate.reason = "malformed", "binary content, not an HTML page"
            return fate, None
        final = canonical_url(res.final_url or entry.url)
        draft = read_html(text, final, url=final)
        if draft.error:
            fate.status, fate.reason = "malformed", draft.error
            return fate, None
        if draft.published is None and entry.published:
            draft.published = entry.published  # the feed's own date, before a dateline or the URL
            draft.meta["published_by"] = "feed"
        draft.title = draft.title or entry.title
        draft.meta.update({"feed": entry.feed, "fetched_url": entry.url, "fetched_at": _now()})
        if encoding not in ("utf-8", "utf-8-sig"):
            draft.meta["encoding"] = encoding
        result = to_article(draft, settings, today or datetime.now(UTC).date())
    except Exception as exc:  # one odd page must not end the run
        logger.exception("reading %s failed", entry.url)
        fate.status, fate.reason = "malformed", f"page could not be read: {type(exc).__name__}: {exc}"
        return fate, None
    if isinstance(result, str):
        fate.status, fate.reason = "malformed", result
        return fate, None
    return fate, result


# -- the watcher --------------------------------------------------------------------------------

class Watcher:
    """Fetches feeds, stores their new articles, and runs the incremental pipeline over them.

    Args:
        feeds: feed URLs, OPML files or files listing URLs (read again at every run).
        settings: the store URL, fetch limits and pipeline options.
        store: an open store to use; by default each run opens (and closes) its own.
        max_pages: pages fetched per run at most (default ``settings.watch_max_pages``).
        analyze: run annotation and the analysis stages after storing (default).
        fetcher_factory: makes the run's fetcher from the settings and the store (tests).
    """

    def __init__(self, feeds: Sequence[str], settings: Settings, store: Store | None = None,
                 max_pages: int | None = None, analyze: bool = True,
                 fetcher_factory: Callable[[Settings, Store], Fetcher] | None = None) -> None:
        self.feeds = list(feeds)
        self.settings = settings
        self.store = store
        self.max_pages = settings.watch_max_pages if max_pages is None else max_pages
        self.analyze = analyze
        self.fetcher_factory = fetcher_factory or (lambda s, st: Fetcher(s, state=st))

    def run_once(self) -> WatchReport:
        """Fetch every feed and every new page once, store and analyse what is new.

        Returns:
            A :class:`WatchReport` with the fate of every fetch (the feed list's bad
            lines, each feed and child sitemap, each robots.txt, each new page).
        """
        if self.store is not None:
            return self._run(self.store)
        with Store(self.settings.db_url) as store:
            return self._run(store)

    def run_forever(self, interval_s: float, stop: threading.Event,
                    on_report: Callable[[WatchReport], None] | None = None) -> None:
        """Run, then wait ``interval_s`` seconds (or until ``stop`` is set), again and again until ``stop`` is set.

        A run that fails is logged and the next one runs on schedule; ``on_report``
        receives every finished run's report.
        """
        while not stop.is_set():
            try:
                report = self.run_once()
            except Exception:  # one failed run (a store that is down) must not end the service's schedule
                logger.exception("watch run failed; next run in %g s", interval_s)
            else:
                if on_report is not None:
                    on_report(report)
            stop.wait(interval_s)

    # -- one run ----------------------------------------------------------------------------

    def _run(self, store: Store) -> WatchReport:
        report = WatchReport(started=_now())
        urls, bad = read_feed_list(self.feeds)
        report.fates.extend(bad)
        fetcher = self.fetcher_factory(self.settings, store)
        try:
            sources = [self._fetch_source(fetcher, url, "feed", report) for url in urls]
            pending = self._fetch_pages(fetcher, store, sources, report)
            added = self._store(store, pending, report)
            for src in sources:
                self._remember(fetcher, src)
        finally:
            robots = list(fetcher.robots_fetches)
            fetcher.close()
        # robots.txt fetches are listed first: they happened before the first fetch of their host
        report.fates[:0] = [_robots_fate(r) for r in robots]
        if self.analyze and (added or store.get_state(ANALYSIS_PENDING)):
            self._analyse(store, report)
        report.finished = _now()
        return report

    def _fetch_source(self, fetcher: Fetcher, url: str, role: FetchRole, report: WatchReport,
                      depth: int = 0) -> _Source:
        """Fetch one feed or sitemap (and the newest children of a sitemap index); one fate each."""
        res = fetcher.fetch(url, kind="feed", conditional=True)
        fate = WatchFate(role, url, res.status, res.reason, http_status=res.http_status, final_url=res.final_url,
                         retry=res.transient)
        src = _Source(res, fate)
        report.fates.append(fate)
        if res.status == "not_modified" and depth == 0:
            # A sitemap index that has not changed may list sitemaps that have (a news sitemap keeps its URL):
            # they are read again, each with its own validators.
            children = fetcher.state.get_state(CHILDREN_PREFIX + url) or []
            src.children = [self._fetch_source(fetcher, c, "sitemap", report, depth + 1) for c in children]
            src.complete = all(c.complete for c in src.children)
            return src
        if not res.ok:
            return src
        try:
            kind, src.entries, children, error = parse_source(res, self.settings.fetch_max_bytes)
        except Exception as exc:  # one odd feed must not end the run
            logger.exception("reading feed %s failed", url)
            kind, children, error = "", [], f"feed could not be read: {type(exc).__name__}: {exc}"
        if error:
            fate.status, fate.reason = "malformed", error
            return src
        if kind == "sitemapindex":
            if depth > 0:
                fate.status, fate.reason = "malformed", "a sitemap index inside a sitemap index is not read"
                return src
            children.sort(key=lambda c: c[1] or "", reverse=True)
            limit = self.settings.watch_max_sitemaps
            fate.reason = f"sitemap index of {len(children)} sitemaps" + (
                f"; the newest {limit} read" if len(children) > limit else "")
            read = [c for c, _ in children[:limit]]
            fetcher.state.set_state(CHILDREN_PREFIX + url, read)
            src.children = [self._fetch_source(fetcher, c, "sitemap", report, depth + 1) for c in read]
            src.complete = all(c.complete for c in src.children)
        else:
            fate.reason = f"{kind}: {len(src.entries)} entries"
        return src

    def _fetch_pages(self, fetcher: Fetcher, store: Store, sources: list[_Source],
                     report: WatchReport) -> list[tuple[WatchFate, Article]]:
        """Fetch and extract every new entry (up to max_pages); the fates, and the articles to store."""
        leaves = [s for src in sources for s in ([src] if not src.children else src.children)]
        owner: dict[str, _Source] = {}
        new: dict[str, Entry] = {}
        for src in leaves:
            for e in src.entries:
                canon = canonical_url(e.url)
                if canon in new or canon in owner:
                    continue
                owner[canon] = src
                new[canon] = e
        known = _known_urls(store, new)
        for src in leaves:
            if src.fate.status == "fetched":
                fresh = sum(1 for c, s in owner.items() if s is src and c not in known)
                src.fate.reason += f", {fresh} new"
        todo = [(c, e) for c, e in new.items() if c not in known]
        postponed = todo[self.max_pages:]
        for c, _ in postponed:
            owner[c].complete = False  # fetch the feed again next run: these wait for it
        todo = todo[: self.max_pages]
        pending: list[tuple[WatchFate, Article]] = []
        by_id: dict[str, str] = {}
        landed: set[str] = set()  # canonical final URLs fetched by this run
        today = datetime.now(UTC).date()
        for canon, entry in todo:
            fate, article = self._page(fetcher, entry, today)
            report.fates.append(fate)
            final = canonical_url(fate.final_url or entry.url)
            if article is not None and final != canon and (final in landed or _known_urls(store, {final: entry})):
                fate.status, fate.reason = "duplicate", f"redirects to {final}, already fetched"
                article = None
            landed.add(final)
            if article is None:
                if fate.retry:
                    owner[canon].complete = False
                continue
            if article.id in by_id:
                fate.status, fate.reason = "duplicate", f"same text as {by_id[article.id]}"
                fate.article_id = article.id
                continue
            by_id[article.id] = entry.url
            pending.append((fate, article))
        if postponed:
            report.fates.append(WatchFate("page", f"({len(postponed)} more new pages)", "postponed",
                                          f"more than {self.max_pages} new pages (--max-pages): the rest are "
                                          "fetched by the next run"))
        return pending

    def _page(self, fetcher: Fetcher, entry: Entry, today: date) -> tuple[WatchFate, Article | None]:
        """:func:`read_page` with this watcher's settings."""
        return read_page(fetcher, entry, self.settings, today)

    def _store(self, store: Store, pending: list[tuple[WatchFate, Article]], report: WatchReport) -> int:
        """Store the new articles (one transaction), mark every page with a final fate seen; how many were added."""
        from newsweave.pipeline import store_articles

        known = store.known_ids(a.id for _, a in pending)
        new = [a for _, a in pending if a.id not in known]
        if new and self.analyze:
            store.set_state(ANALYSIS_PENDING, True)  # set before storing: a kill after it is analysed next run
        added, refused = store_articles(store, new)
        for fate, art in pending:
            fate.article_id = art.id
            if art.id in refused:
                fate.status, fate.reason = "malformed", f"the store refused it: {refused[art.id]}"
            elif art.id in added:
                fate.status, fate.reason = "stored", ""
            else:
                fate.status, fate.reason = "duplicate", f"same text already stored as {art.id}"
        with store.transaction() as conn:
            for fate in report.fates:
                if fate.role == "page" and fate.status != "postponed" and not fate.retry:
                    store.set_state(SEEN_PREFIX + canonical_url(fate.url),
                                    {"status": fate.status, "article_id": fate.article_id, "at": report.started},
                                    conn)
        return len(added)

    def _remember(self, fetcher: Fetcher, src: _Source) -> None:
        """Keep a feed's validators when every new entry it listed got a final fate (children first)."""
        for child in src.children:
            self._remember(fetcher, child)
        if src.complete:
            fetcher.remember(src.result)  # only a fetched result has validators to keep

    def _analyse(self, store: Store, report: WatchReport) -> None:
        """Annotate what is new and run every stage whose inputs changed (as ``newsweave analyze`` does)."""
        from newsweave.pipeline import annotate_new, run_stages

        with store.exclusive("analysis"):
            n = annotate_new(store, self.settings)
            report.stages["annotate"] = f"{n} articles annotated" if n else "nothing new to annotate"
            report.stages.update(run_stages(store, self.settings, failures=report.failures))
        store.set_state(ANALYSIS_PENDING, False)


def _robots_fate(r: FetchResult) -> WatchFate:
    """A robots.txt fetch as a fate: ``fetched`` (rules read), ``not_found`` (4xx: no rules) or the failure."""
    fate = WatchFate("robots", r.url, r.status, r.reason, http_status=r.http_status, final_url=r.final_url,
                     retry=r.transient)
    if r.status == "fetched":
        fate.reason = "rules read"
    elif r.status == "http_error" and not r.transient:
        fate.status, fate.reason = "not_found", f"{r.reason}: no robots.txt rules, every path allowed"
    elif r.status == "malformed" and r.reason == "empty response body":
        fate.status, fate.reason = "fetched", "empty: every path allowed"
    else:
        fate.reason += "; the host is treated as disallowed for this run"
    return fate


def _known_urls(store: Store, candidates: dict[str, Entry]) -> set[str]:
    """The canonical URLs among ``candidates`` that an earlier run saw or that a stored article has."""
    seen = {SEEN_PREFIX + c: c for c in candidates}
    forms = {form: c for c in candidates for form in (c, candidates[c].url)}
    known: set[str] = set()
    with store.engine.connect() as conn:
        for lookup, column in ((seen, state_table.c.key), (forms, articles_table.c.url)):
            keys = list(lookup)
            for k in range(0, len(keys), IN_CHUNK):
                found = conn.scalars(select(column).where(column.in_(keys[k : k + IN_CHUNK])))
                known |= {lookup[v] for v in found if v in lookup}
    return known
