"""The watcher against a local HTTP server: feed lists, dedupe, failures, sitemaps, conditional runs, the pipeline."""

from __future__ import annotations

import gzip
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsweave.config import Settings
from newsweave.ingest.fetch import Fetcher
from newsweave.ingest.watch import ANALYSIS_PENDING, Watcher, WatchReport, canonical_url, read_feed_list
from newsweave.store import Store
from tests.conftest import RESOURCES, ROOT
from tests.ingest.local_http import LocalSite, Reply, Request, html_page, rss

WATCH = RESOURCES / "watch"
HTML = {"Content-Type": "text/html; charset=utf-8"}
RSS = {"Content-Type": "application/rss+xml"}
TEXT = ("The council voted on Tuesday to rebuild the old harbour bridge, which was closed after a storm damaged "
        "its supports last winter.")


@pytest.fixture()
def site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        s.routes["/robots.txt"] = Reply(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"})
        for name in ("wire", "rewrite", "followup"):
            s.routes[f"/{name}.html"] = Reply(200, (WATCH / f"{name}.html").read_bytes(), HTML)
        yield s


def _fast(db_url: str) -> Settings:
    return Settings(db_url=db_url, fetch_timeout_s=0.3, fetch_host_delay_s=0.0, fetch_retries=0, fetch_backoff_s=0.0,
                    fetch_max_bytes=200_000)


@pytest.fixture()
def wsettings(tmp_path: Path) -> Settings:
    """Fast fetch settings on a SQLite store."""
    return _fast(f"sqlite:///{tmp_path / 'watch.db'}")


@pytest.fixture()
def db_wsettings(db_url: str) -> Settings:
    """Fast fetch settings, once on SQLite and once on PostgreSQL."""
    return _fast(db_url)


def _watcher(feeds: list[str], settings: Settings, **kw: object) -> Watcher:
    def no_sleep(_: float) -> None:
        return None

    return Watcher(feeds, settings, analyze=False,  # type: ignore[arg-type]
                   fetcher_factory=lambda s, st: Fetcher(s, state=st, sleep=no_sleep), **kw)


def _example_feed(site: LocalSite, keep: tuple[str, ...] = ("wire", "rewrite", "followup")) -> bytes:
    """The README's example feed, pointed at the test server, with only the items of ``keep``."""
    xml = (WATCH / "feed.xml").read_text().replace("http://127.0.0.1:8000", site.url(""))
    head, _, rest = xml.partition("<item>")
    items = ["<item>" + i for i in rest.split("<item>")]
    tail = items[-1][items[-1].index("</item>") + len("</item>"):]
    items[-1] = items[-1][: items[-1].index("</item>") + len("</item>")]
    return (head + "".join(i for i in items if any(f"/{k}.html" in i for k in keep)) + tail).encode()


def _fates(report: WatchReport, role: str = "page") -> dict[str, tuple[str, str]]:
    return {f.url: (f.status, f.reason) for f in report.fates if f.role == role}


# -- feed lists and URLs -----------------------------------------------------------------------------

def test_feed_list_from_opml_list_file_and_urls(tmp_path: Path) -> None:
    listing = tmp_path / "feeds.txt"
    listing.write_text("# news\nhttp://a.example/rss\n\nhttp://a.example/rss\nftp://b.example/feed\n")
    nofeeds = tmp_path / "empty.opml"
    nofeeds.write_text('<?xml version="1.0"?><opml version="2.0"><body><outline text="x"/></body></opml>')
    urls, bad = read_feed_list([str(ROOT / "docs" / "feeds-example.opml"), str(listing), "https://c.example/s.xml",
                                str(tmp_path / "missing.opml"), str(nofeeds)])
    assert urls == ["http://127.0.0.1:8000/feed.xml", "http://a.example/rss", "https://c.example/s.xml"]
    reasons = {f.url: f.reason for f in bad}
    assert "not an http(s) URL" in reasons[f"{listing}:5"]
    assert "cannot read the feed list" in reasons[str(tmp_path / "missing.opml")]
    assert "lists no feeds" in reasons[str(nofeeds)]
    assert all(f.status == "malformed" and f.role == "list" for f in bad)


@pytest.mark.parametrize(("url", "expected"), [
    ("HTTP://Example.COM:80/a?utm_source=rss&id=3#top", "http://example.com/a?id=3"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com:8443/x?b=2&a=1&fbclid=z", "https://example.com:8443/x?b=2&a=1"),
])
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


# -- runs ----------------------------------------------------------------------------------------------

def test_new_entries_stored_then_304_then_only_the_new_entry(site: LocalSite, db_wsettings: Settings) -> None:
    versions = {"v1": _example_feed(site, ("wire", "rewrite")), "v2": _example_feed(site)}
    current = ["v1"]

    def feed(req: Request) -> Reply:
        tag = current[0]
        if req.headers.get("if-none-match") == f'"{tag}"':
            return Reply(304)
        return Reply(200, versions[tag], {**RSS, "ETag": f'"{tag}"'})

    site.routes["/feed.xml"] = feed
    watcher = _watcher([site.url("/feed.xml")], db_wsettings)
    first = watcher.run_once()
    assert _fates(first, "feed") == {site.url("/feed.xml"): ("fetched", "rss: 2 entries, 2 new")}
    assert [f.status for f in first.fates if f.role == "page"] == ["stored", "stored"]
    assert _fates(first, "robots") == {site.url("/robots.txt"): ("fetched", "rules read")}
    with Store(db_wsettings.db_url) as store:
        arts = {a.url: a for a in store.articles()}
    wire, rewrite = arts[site.url("/wire.html")], arts[site.url("/rewrite.html")]  # utm_* dropped from the URL
    assert (wire.published, wire.source) == ("2019-01-27", "Wire Service")  # JSON-LD datePublished
    assert (rewrite.published, rewrite.source) == ("2019-01-28", "Daily Rewrite")  # article:published_time
    assert wire.text.startswith("Venezuela’s top military envoy") and "Most read" not in wire.text
    assert wire.meta["feed"] == site.url("/feed.xml") and wire.id in first.stored

    second = watcher.run_once()
    assert _fates(second, "feed")[site.url("/feed.xml")][0] == "not_modified"
    assert _fates(second) == {} and site.hits("/wire.html") == 1

    current[0] = "v2"
    third = watcher.run_once()
    assert _fates(third, "feed")[site.url("/feed.xml")] == ("fetched", "rss: 3 entries, 1 new")
    assert [(f.url, f.status) for f in third.fates if f.role == "page"] == [(site.url("/followup.html"), "stored")]
    with Store(db_wsettings.db_url) as store:
        followup = next(a for a in store.articles() if a.url == site.url("/followup.html"))
        assert store.count_articles() == 3
    # no date in the page's markup: the feed's pubDate, not the caption's date in the text
    assert followup.published == "2019-02-02" and followup.meta["published_by"] == "feed"
    assert site.hits("/wire.html") == 1 and site.hits("/rewrite.html?utm_source=rss&utm_medium=feed") == 1


def test_duplicate_urls_and_duplicate_content(site: LocalSite, db_wsettings: Settings) -> None:
    page = html_page("Harbour bridge", [TEXT, TEXT.replace("council", "mayor")])
    for path in ("/a", "/b", "/b-copy", "/b-again"):
        site.routes[path] = Reply(200, page if path != "/a" else (WATCH / "wire.html").read_bytes(), HTML)
    site.routes["/one.xml"] = Reply(200, rss([(site.url("/a?utm_source=one"), "A", ""), (site.url("/b"), "B", "")]),
                                    RSS)
    site.routes["/two.xml"] = Reply(200, rss([(site.url("/a#comments"), "A", ""), (site.url("/b-copy"), "B", "")]),
                                    RSS)
    watcher = _watcher([site.url("/one.xml"), site.url("/two.xml")], db_wsettings)
    report = watcher.run_once()
    pages = _fates(report)
    assert site.hits("/a?utm_source=one") + site.hits("/a") == 1  # one canonical URL, fetched once
    assert pages[site.url("/b")][0] == "stored"
    assert pages[site.url("/b-copy")] == ("duplicate", f"same text as {site.url('/b')}")
    assert _fates(report, "feed")[site.url("/two.xml")][1] == "rss: 2 entries, 1 new"
    # a later run: a new URL whose text is already stored is a duplicate of the stored article
    site.routes["/two.xml"] = Reply(200, rss([(site.url("/b-again"), "B", "")]), RSS)
    again = _fates(watcher.run_once())
    assert again[site.url("/b-again")][0] == "duplicate" and "already stored as a" in again[site.url("/b-again")][1]
    with Store(db_wsettings.db_url) as store:
        assert store.count_articles() == 2


def test_failures_each_get_a_fate_and_transient_ones_are_retried(site: LocalSite, wsettings: Settings) -> None:
    site.routes["/broken.xml"] = Reply(200, b"<rss><channel><item><title>oops</ite", RSS)
    site.routes["/empty.html"] = Reply(200, b"<html><body><nav>Home</nav></body></html>", HTML)
    site.routes["/slow"] = Reply(200, b"", HTML, wait=site.release)
    site.routes["/huge"] = Reply(200, headers=HTML, chunks=lambda: iter([b"<p>" + b"x" * 65_536] * 8))
    site.routes["/photo"] = Reply(200, b"\x89PNG", {"Content-Type": "image/png"})
    entries = ["/empty.html", "/private/p", "/slow", "/missing", "/huge", "/photo", "/wire.html"]
    site.routes["/feed.xml"] = Reply(200, rss([(site.url(p), p, "") for p in entries]), {**RSS, "ETag": '"1"'})
    watcher = _watcher([site.url("/broken.xml"), site.url("/feed.xml")], wsettings)
    report = watcher.run_once()
    feeds = _fates(report, "feed")
    broken = feeds[site.url("/broken.xml")]
    assert broken[0] == "malformed" and "not a readable feed" in broken[1]
    pages = _fates(report)
    assert pages[site.url("/empty.html")][0] == "malformed" and "no article text" in pages[site.url("/empty.html")][1]
    assert pages[site.url("/private/p")][0] == "robots_disallowed"
    assert pages[site.url("/slow")][0] == "timeout"
    assert pages[site.url("/missing")] == ("http_error", "HTTP 404 Not Found")
    assert pages[site.url("/huge")][0] == "too_large"
    assert pages[site.url("/photo")] == ("unsupported", "content type image/png is not an HTML page")
    assert pages[site.url("/wire.html")][0] == "stored"
    assert [f.url for f in report.fates if f.retry] == [site.url("/slow")]

    # The timeout may pass: the feed's ETag was not kept, so the next run reads the feed again and
    # fetches the slow page again, and only it (the others have their final fate).
    site.routes["/slow"] = Reply(200, html_page("Late", [TEXT]), HTML)
    again = watcher.run_once()
    feed_requests = [r for r in site.requests if r.path == "/feed.xml"]
    assert "if-none-match" not in feed_requests[-1].headers
    assert _fates(again) == {site.url("/slow"): ("stored", "")}
    assert site.hits("/missing") == 1 and site.hits("/empty.html") == 1
    third = watcher.run_once()  # now every entry had its fate: the ETag is kept
    assert _fates(third, "feed")[site.url("/feed.xml")][0] == "fetched"
    assert site.requests[-1].headers.get("if-none-match") == '"1"'


def test_sitemap_index_gzip_and_google_news_dates(site: LocalSite, wsettings: Settings) -> None:
    news = (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            f'<url><loc>{site.url("/followup.html")}</loc><news:news><news:publication>'
            f'<news:name>Follow-up News</news:name><news:language>en</news:language></news:publication>'
            f'<news:publication_date>2019-02-02T14:05:00Z</news:publication_date>'
            f'<news:title>US holds direct contact</news:title></news:news></url></urlset>').encode()
    plain = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             b'<url><loc>/wire.html</loc><lastmod>2024-05-01</lastmod></url></urlset>')
    index = (f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f'<sitemap><loc>{site.url("/news.xml.gz")}</loc><lastmod>2019-02-02</lastmod></sitemap>'
             f'<sitemap><loc>/plain.xml</loc><lastmod>2019-01-01</lastmod></sitemap></sitemapindex>').encode()
    bodies = {"/index.xml": index, "/news.xml.gz": gzip.compress(news), "/plain.xml": plain}

    def versioned(req: Request) -> Reply:
        path = req.path
        tag = f'"{hash(bodies[path]) & 0xFFFF}"'
        if req.headers.get("if-none-match") == tag:
            return Reply(304)
        kind = "application/x-gzip" if path.endswith(".gz") else "application/xml"
        return Reply(200, bodies[path], {"Content-Type": kind, "ETag": tag})

    for path in bodies:
        site.routes[path] = versioned
    watcher = _watcher([site.url("/index.xml")], wsettings)
    report = watcher.run_once()
    assert _fates(report, "feed")[site.url("/index.xml")] == ("fetched", "sitemap index of 2 sitemaps")
    assert _fates(report, "sitemap") == {site.url("/news.xml.gz"): ("fetched", "sitemap: 1 entries, 1 new"),
                                         site.url("/plain.xml"): ("fetched", "sitemap: 1 entries, 1 new")}
    assert [f.status for f in report.fates if f.role == "page"] == ["stored", "stored"]
    with Store(wsettings.db_url) as store:
        dates = {a.url: a.published for a in store.articles()}
    # news:publication_date is a publication date; <lastmod> is not, and the page's JSON-LD speaks for wire.html
    assert dates == {site.url("/followup.html"): "2019-02-02", site.url("/wire.html"): "2019-01-27"}

    # The index does not change, but the news sitemap it lists does: the next run reads it all the same.
    bodies["/news.xml.gz"] = gzip.compress(news.replace(b"/followup.html", b"/rewrite.html"))
    again = watcher.run_once()
    assert _fates(again, "feed")[site.url("/index.xml")][0] == "not_modified"
    assert {u: f[0] for u, f in _fates(again, "sitemap").items()} == {site.url("/news.xml.gz"): "fetched",
                                                                      site.url("/plain.xml"): "not_modified"}
    assert _fates(again) == {site.url("/rewrite.html"): ("stored", "")}


def test_max_pages_postpones_the_rest_to_the_next_run(site: LocalSite, wsettings: Settings) -> None:
    site.routes["/feed.xml"] = Reply(200, _example_feed(site), {**RSS, "ETag": '"x"'})
    watcher = _watcher([site.url("/feed.xml")], wsettings, max_pages=2)
    first = watcher.run_once()
    assert [f.status for f in first.fates if f.role == "page"] == ["stored", "stored", "postponed"]
    second = watcher.run_once()
    assert "if-none-match" not in [r for r in site.requests if r.path == "/feed.xml"][-1].headers
    assert [(f.url, f.status) for f in second.fates if f.role == "page"] == [(site.url("/wire.html"), "stored")]


def test_run_forever_runs_on_schedule_until_stopped(site: LocalSite, wsettings: Settings) -> None:
    site.routes["/feed.xml"] = Reply(200, _example_feed(site, ("wire",)), RSS)
    stop = threading.Event()
    reports: list[WatchReport] = []

    def on_report(report: WatchReport) -> None:
        reports.append(report)
        if len(reports) == 2:
            stop.set()

    _watcher([site.url("/feed.xml")], wsettings).run_forever(0.01, stop, on_report)
    assert [r.counts().get("stored", 0) for r in reports] == [1, 0]


def test_a_failing_run_does_not_end_the_schedule() -> None:
    settings = Settings(db_url="mysql://nowhere/db")  # cannot be opened: each run fails and is logged
    stop = threading.Event()
    failures: list[str] = []

    class CountFailures(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            failures.append(record.getMessage())
            if len(failures) == 3:
                stop.set()

    handler = CountFailures(level=logging.ERROR)
    logging.getLogger("newsweave.ingest.watch").addHandler(handler)
    try:
        timer = threading.Timer(30, stop.set)  # a bound, should the schedule not go on
        timer.start()
        Watcher(["http://127.0.0.1:9/feed"], settings, analyze=False).run_forever(0.01, stop)
        timer.cancel()
    finally:
        logging.getLogger("newsweave.ingest.watch").removeHandler(handler)
    assert failures == ["watch run failed; next run in 0.01 s"] * 3


def test_cli_watch_prints_every_fetch(site: LocalSite, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from newsweave.cli import app

    site.routes["/feed.xml"] = Reply(200, _example_feed(site, ("wire",)), RSS)
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(app, ["watch", site.url("/feed.xml"), "--db", db, "--no-analyze", "--delay", "0"])
    assert result.exit_code == 0, result.output
    assert "Fetches" in result.output and "stored" in result.output and "rss: 1 entries, 1 new" in result.output
    assert "3 fetches: 2 fetched, 1 stored" in result.output


# -- through the pipeline --------------------------------------------------------------------------------

@pytest.mark.slow
def test_watch_through_the_pipeline_adds_only_the_new_entry(site: LocalSite, db_wsettings: Settings,
                                                            nlp: object) -> None:
    feed = {"body": _example_feed(site, ("wire", "rewrite"))}
    site.routes["/feed.xml"] = lambda req: Reply(200, feed["body"], RSS)
    watcher = Watcher([site.url("/feed.xml")], db_wsettings,
                      fetcher_factory=lambda s, st: Fetcher(s, state=st, sleep=lambda _: None))
    first = watcher.run_once()
    assert first.counts()["stored"] == 2 and not first.failures
    assert first.stages["annotate"] == "2 articles annotated"
    with Store(db_wsettings.db_url) as store:
        stories = store.records("story")
        assert stories and store.count_annotations() == 2
        assert any(len(s["article_ids"]) == 2 for s in stories)  # the wire story and its rewrite: one story
        assert store.get_state(ANALYSIS_PENDING) is False

    feed["body"] = _example_feed(site)
    second = watcher.run_once()
    assert [(f.url, f.status) for f in second.fates if f.role == "page"] == [(site.url("/followup.html"), "stored")]
    assert second.stages["annotate"] == "1 articles annotated" and not second.failures
    with Store(db_wsettings.db_url) as store:
        assert store.count_articles() == 3 and store.count_annotations() == 3
        # an analysis that a kill interrupted is finished by the next run, even with nothing new
        store.set_state(ANALYSIS_PENDING, True)
    third = watcher.run_once()
    assert third.counts().get("stored", 0) == 0 and third.stages["annotate"] == "nothing new to annotate"
    assert all(what == "unchanged, not recomputed" for stage, what in third.stages.items() if stage != "annotate")


# -- interruptions and sharing a store ---------------------------------------------------------------------

def test_a_run_killed_after_storing_loses_nothing(site: LocalSite, wsettings: Settings,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    site.routes["/feed.xml"] = Reply(200, _example_feed(site, ("wire", "rewrite")), {**RSS, "ETag": '"k"'})
    watcher = _watcher([site.url("/feed.xml")], wsettings)

    def killed(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Watcher, "_remember", killed)
    with pytest.raises(KeyboardInterrupt):
        watcher.run_once()
    monkeypatch.undo()
    with Store(wsettings.db_url) as store:
        assert store.count_articles() == 2  # stored before the kill
    again = watcher.run_once()
    # the feed's ETag was never kept: it is read again, and its pages are known, so none is fetched twice
    assert "if-none-match" not in [r for r in site.requests if r.path == "/feed.xml"][-1].headers
    assert _fates(again) == {} and _fates(again, "feed")[site.url("/feed.xml")][1] == "rss: 2 entries, 0 new"
    assert site.hits("/wire.html") == 1


def test_watchers_and_a_reader_share_one_sqlite_store(site: LocalSite, wsettings: Settings) -> None:
    site.routes["/one.xml"] = Reply(200, _example_feed(site, ("wire",)), RSS)
    site.routes["/two.xml"] = Reply(200, _example_feed(site, ("rewrite", "followup")), RSS)
    errors: list[BaseException] = []
    reports: list[WatchReport] = []
    done = threading.Event()

    def watch(feed: str) -> None:
        try:
            reports.append(_watcher([site.url(feed)], wsettings).run_once())
        except BaseException as exc:  # collected: the assertion below names it
            errors.append(exc)

    def read() -> None:
        try:
            with Store(wsettings.db_url) as store:
                while not done.is_set():
                    store.count_articles()
                    store.articles()
        except BaseException as exc:
            errors.append(exc)

    Store(wsettings.db_url).close()  # migrated once before the threads start
    threads = [threading.Thread(target=watch, args=(f,)) for f in ("/one.xml", "/two.xml")]
    reader = threading.Thread(target=read)
    reader.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    done.set()
    reader.join(timeout=60)
    assert errors == []
    assert sorted(r.counts().get("stored", 0) for r in reports) == [1, 2]
    with Store(wsettings.db_url) as store:
        assert store.count_articles() == 3
