"""The fetcher against a local HTTP server: every fate, retries, limits, robots.txt, conditional GET, politeness."""

from __future__ import annotations

import gzip
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from newsweave.config import Settings
from newsweave.ingest import fetch
from newsweave.ingest.fetch import Fetcher, retry_after_seconds
from newsweave.store import Store
from tests.ingest.local_http import LocalSite, Reply, Request, html_page

PAGE = html_page("A page", ["Some article text that is long enough to read as a paragraph of news."])


class FakeClock:
    """A clock that moves only when the fetcher sleeps (or by ``step`` per reading)."""

    def __init__(self, step: float = 0.0) -> None:
        self.now = 0.0
        self.step = step
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        self.now += self.step
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture()
def site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        s.routes["/robots.txt"] = Reply(404, b"", {"Content-Type": "text/plain"})
        yield s


def _settings(**kw: object) -> Settings:
    base: dict[str, object] = {"fetch_timeout_s": 0.5, "fetch_host_delay_s": 0.0, "fetch_retries": 2,
                               "fetch_backoff_s": 1.0, "fetch_max_bytes": 100_000}
    base.update(kw)
    return Settings(db_url="sqlite://", **base)  # type: ignore[arg-type]


def _fetcher(clock: FakeClock | None = None, **kw: object) -> Fetcher:
    clock = clock or FakeClock()
    return Fetcher(_settings(**kw), sleep=clock.sleep, clock=clock)


def test_fetched_with_user_agent_and_charset(site: LocalSite) -> None:
    site.routes["/latin"] = Reply(200, "<html><body><p>Caf\u00e9 cr\u00e8me</p></body></html>".encode("latin-1"),
                                  {"Content-Type": "text/html; charset=iso-8859-1"})
    with _fetcher() as f:
        res = f.fetch(site.url("/latin"))
    assert res.status == "fetched" and res.http_status == 200 and res.attempts == 1
    text, encoding = res.text()
    assert text is not None and "Café crème" in text and encoding == "cp1252"
    agent = site.requests[-1].headers["user-agent"]
    assert agent.startswith("newsweave/")
    assert site.requests[0].path == "/robots.txt"  # robots.txt first, once


def test_gzip_content_encoding_is_decoded(site: LocalSite) -> None:
    site.routes["/gz"] = Reply(200, gzip.compress(PAGE), {"Content-Type": "text/html", "Content-Encoding": "gzip"})
    with _fetcher() as f:
        res = f.fetch(site.url("/gz"))
    assert res.status == "fetched" and res.content == PAGE


def test_conditional_get_304_across_runs(site: LocalSite, tmp_path: Path) -> None:
    def feed(req: Request) -> Reply:
        if req.headers.get("if-none-match") == '"v1"':
            return Reply(304)
        return Reply(200, b"<rss/>", {"Content-Type": "application/rss+xml", "ETag": '"v1"',
                                      "Last-Modified": "Sat, 26 Jan 2019 18:30:00 GMT"})

    site.routes["/feed"] = feed
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        with Fetcher(_settings(), state=store) as f:
            first = f.fetch(site.url("/feed"), kind="feed", conditional=True)
            assert first.status == "fetched" and first.etag == '"v1"'
            again = f.fetch(site.url("/feed"), kind="feed", conditional=True)
            assert again.status == "fetched"  # not remembered yet: the content was not used
            f.remember(first)
        with Fetcher(_settings(), state=store) as f:  # a later run, same store
            res = f.fetch(site.url("/feed"), kind="feed", conditional=True)
    assert res.status == "not_modified" and "not modified" in res.reason
    last = site.requests[-1].headers
    assert last["if-none-match"] == '"v1"' and last["if-modified-since"] == "Sat, 26 Jan 2019 18:30:00 GMT"


def test_robots_disallow_is_cached_per_host(site: LocalSite) -> None:
    site.routes["/robots.txt"] = Reply(200, b"User-agent: newsweave\nDisallow: /private/\n\nUser-agent: *\n"
                                            b"Disallow: /\n", {"Content-Type": "text/plain"})
    site.routes["/public"] = Reply(200, PAGE, {"Content-Type": "text/html"})
    site.routes["/private/x"] = Reply(200, PAGE, {"Content-Type": "text/html"})
    with _fetcher() as f:
        ok = f.fetch(site.url("/public"))
        no = f.fetch(site.url("/private/x"))
        assert [r.status for r in f.robots_fetches] == ["fetched"]
    assert ok.status == "fetched"
    assert no.status == "robots_disallowed" and "disallows /private/x for newsweave" in no.reason
    assert not no.transient and site.hits("/private/x") == 0 and site.hits("/robots.txt") == 1


def test_robots_txt_is_kept_in_the_store_for_its_time_to_live(site: LocalSite, tmp_path: Path) -> None:
    site.routes["/robots.txt"] = Reply(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"})
    site.routes["/p"] = Reply(200, PAGE, {"Content-Type": "text/html"})
    now = [1_000_000.0]
    with Store(f"sqlite:///{tmp_path / 's.db'}") as store:
        def run() -> tuple[str, str]:
            with Fetcher(_settings(fetch_robots_ttl_s=3600), state=store, wallclock=lambda: now[0]) as f:
                return f.fetch(site.url("/p")).status, f.fetch(site.url("/private/x")).status

        assert run() == ("fetched", "robots_disallowed")
        now[0] += 3599
        assert run() == ("fetched", "robots_disallowed") and site.hits("/robots.txt") == 1  # the kept rules
        site.routes["/robots.txt"] = Reply(404)
        now[0] += 2  # older than an hour: asked for again, and now it is gone
        assert run() == ("fetched", "http_error") and site.hits("/robots.txt") == 2  # asked: 404


def test_robots_unreachable_disallows_the_host_for_the_run(site: LocalSite) -> None:
    site.routes["/robots.txt"] = Reply(503, b"down")
    site.routes["/page"] = Reply(200, PAGE, {"Content-Type": "text/html"})
    clock = FakeClock()
    with _fetcher(clock) as f:
        res = f.fetch(site.url("/page"))
    assert res.status == "robots_disallowed" and res.transient
    assert "could not be read" in res.reason and "HTTP 503" in res.reason and "RFC 9309" in res.reason
    assert site.hits("/page") == 0 and site.hits("/robots.txt") == 3  # robots.txt itself was retried


def test_timeout_is_retried_then_given_up(site: LocalSite) -> None:
    site.routes["/slow"] = Reply(200, PAGE, {"Content-Type": "text/html"}, wait=site.release)  # never answers
    clock = FakeClock()
    with _fetcher(clock, fetch_timeout_s=0.2, fetch_retries=1) as f:
        res = f.fetch(site.url("/slow"))
    assert res.status == "timeout" and res.transient and res.attempts == 2
    assert "no answer within 0.2 s" in res.reason and "after 2 tries" in res.reason
    assert clock.sleeps == [1.0]


def test_total_time_limit_aborts_a_dripping_body(site: LocalSite) -> None:
    site.routes["/drip"] = Reply(200, headers={"Content-Type": "text/html"},
                                 chunks=lambda: iter([b"<html><body>" + b"x" * 10] * 20))
    clock = FakeClock(step=100.0)  # every reading of the clock is 100 s later
    with _fetcher(clock, fetch_retries=0) as f:
        res = f.fetch(site.url("/drip"))
    assert res.status == "timeout" and "longer than 60 s in all" in res.reason


def test_server_error_then_success_is_retried_with_backoff(site: LocalSite) -> None:
    site.routes["/flaky"] = [Reply(500, b"oops"), Reply(502, b"oops"), Reply(200, PAGE, {"Content-Type": "text/html"})]
    clock = FakeClock()
    with _fetcher(clock) as f:
        res = f.fetch(site.url("/flaky"))
    assert res.status == "fetched" and res.attempts == 3 and res.content == PAGE
    assert clock.sleeps == [1.0, 2.0]  # exponential backoff


def test_retry_after_is_honoured(site: LocalSite) -> None:
    site.routes["/busy"] = [Reply(429, b"slow down", {"Retry-After": "7"}),
                            Reply(200, PAGE, {"Content-Type": "text/html"})]
    clock = FakeClock()
    with _fetcher(clock) as f:
        res = f.fetch(site.url("/busy"))
    assert res.status == "fetched" and clock.sleeps == [7.0]


def test_retry_after_longer_than_the_bound_ends_the_fetch(site: LocalSite) -> None:
    site.routes["/busy"] = Reply(429, b"slow down", {"Retry-After": "3600"})
    clock = FakeClock()
    with _fetcher(clock) as f:
        res = f.fetch(site.url("/busy"))
    assert res.status == "http_error" and res.http_status == 429 and res.transient
    assert "Retry-After asks for 3600 s" in res.reason and clock.sleeps == [] and site.hits("/busy") == 1


def test_client_error_is_not_retried(site: LocalSite) -> None:
    with _fetcher() as f:
        res = f.fetch(site.url("/missing"))
    assert res.status == "http_error" and res.http_status == 404 and not res.transient
    assert res.reason == "HTTP 404 Not Found" and site.hits("/missing") == 1


def test_redirects_are_followed_and_recorded(site: LocalSite) -> None:
    site.routes["/a"] = Reply(301, headers={"Location": "/b"})
    site.routes["/b"] = Reply(302, headers={"Location": site.url("/c#frag")})
    site.routes["/c"] = Reply(200, PAGE, {"Content-Type": "text/html"})
    with _fetcher() as f:
        res = f.fetch(site.url("/a"))
    assert res.status == "fetched" and res.final_url == site.url("/c")
    assert res.redirects == [site.url("/b"), site.url("/c")]


def test_redirect_loop_and_too_many_redirects(site: LocalSite) -> None:
    site.routes["/x"] = Reply(302, headers={"Location": "/y"})
    site.routes["/y"] = Reply(302, headers={"Location": "/x"})
    for k in range(5):
        site.routes[f"/r{k}"] = Reply(302, headers={"Location": f"/r{k + 1}"})
    with _fetcher(fetch_max_redirects=3) as f:
        loop = f.fetch(site.url("/x"))
        many = f.fetch(site.url("/r0"))
    assert loop.status == "redirect_error" and "redirect loop" in loop.reason and loop.reason.count("->") == 2
    assert many.status == "redirect_error" and "more than 3 redirects" in many.reason
    assert site.hits("/r4") == 0


def test_redirect_into_a_disallowed_path(site: LocalSite) -> None:
    site.routes["/robots.txt"] = Reply(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"})
    site.routes["/go"] = Reply(302, headers={"Location": "/private/p"})
    with _fetcher() as f:
        res = f.fetch(site.url("/go"))
    assert res.status == "robots_disallowed" and res.final_url == site.url("/private/p")
    assert site.hits("/private/p") == 0


def test_huge_streamed_body_is_aborted(site: LocalSite) -> None:
    site.routes["/huge"] = Reply(200, headers={"Content-Type": "text/html"},
                                 chunks=lambda: iter([b"<p>" + b"x" * 65_536] * 64))  # 4 MB, no Content-Length
    with _fetcher() as f:
        res = f.fetch(site.url("/huge"))
    assert res.status == "too_large" and "100,000-byte limit" in res.reason and res.content == b""


def test_declared_huge_body_is_not_read(site: LocalSite) -> None:
    site.routes["/big"] = Reply(200, b"x" * 200_000, {"Content-Type": "text/html"})
    with _fetcher() as f:
        res = f.fetch(site.url("/big"))
    assert res.status == "too_large" and "Content-Length 200,000 bytes" in res.reason


def test_not_html_is_unsupported_and_empty_is_malformed(site: LocalSite) -> None:
    site.routes["/doc.pdf"] = Reply(200, b"%PDF-1.4", {"Content-Type": "application/pdf"})
    site.routes["/empty"] = Reply(200, b"", {"Content-Type": "text/html"})
    with _fetcher() as f:
        pdf = f.fetch(site.url("/doc.pdf"))
        empty = f.fetch(site.url("/empty"))
        bad = f.fetch("ftp://example.org/x")
    assert pdf.status == "unsupported" and "application/pdf is not an HTML page" in pdf.reason
    assert empty.status == "malformed" and empty.reason == "empty response body"
    assert bad.status == "malformed" and "not an http(s) URL" in bad.reason


def test_connection_refused_is_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    clock = FakeClock()
    with _fetcher(clock, fetch_retries=1) as f:
        res = f.fetch(f"http://127.0.0.1:{port}/x")
    # robots.txt cannot be had either: the host is disallowed for the run, and says why
    assert res.status == "robots_disallowed" and res.transient and "unreachable" in res.reason
    assert f.robots_fetches[0].status == "unreachable" and "connection failed" in f.robots_fetches[0].reason


def test_politeness_delay_and_crawl_delay(site: LocalSite) -> None:
    site.routes["/p1"] = Reply(200, PAGE, {"Content-Type": "text/html"})
    site.routes["/p2"] = Reply(200, PAGE, {"Content-Type": "text/html"})
    clock = FakeClock()
    with _fetcher(clock, fetch_host_delay_s=5.0) as f:
        f.fetch(site.url("/p1"))
        f.fetch(site.url("/p2"))
    assert clock.sleeps == [5.0, 5.0]  # after robots.txt, and after /p1
    site.routes["/robots.txt"] = Reply(200, b"User-agent: *\nCrawl-delay: 12\n", {"Content-Type": "text/plain"})
    clock = FakeClock()
    with _fetcher(clock, fetch_host_delay_s=1.0) as f:
        f.fetch(site.url("/p1"))
    assert clock.sleeps == [12.0]


def test_retry_after_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/x", "http://localhost/x", "http://10.1.2.3/",
                                 "http://169.254.169.254/latest/meta-data", "http://[::1]/", "http://0.0.0.0/",
                                 "http://[::ffff:192.168.0.1]/", "http://100.64.0.1/", "https://224.0.0.1/"])
def test_hosts_off_the_public_internet_are_named(url: str) -> None:
    why = fetch.non_public_host(url)
    assert why is not None and "address: only public hosts may be fetched here" in why


@pytest.mark.parametrize("url", ["http://93.184.216.34/a", "https://[2606:2800:220:1::1]/b"])
def test_public_addresses_pass(url: str) -> None:
    assert fetch.non_public_host(url) is None


def test_public_only_refuses_before_asking(site: LocalSite) -> None:
    site.routes["/a"] = Reply(200, PAGE, {"Content-Type": "text/html"})
    with Fetcher(_settings(), public_only=True) as f:
        res = f.fetch(site.url("/a"))
    assert res.status == "refused" and "127.0.0.1 is a loopback address" in res.reason and not res.transient
    assert site.requests == []  # not even robots.txt


def test_public_only_checks_every_hop_and_the_address_reached(site: LocalSite,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    site.routes["/a"] = Reply(301, headers={"Location": "/inside"})
    site.routes["/inside"] = Reply(200, PAGE, {"Content-Type": "text/html"})
    with monkeypatch.context() as m:  # as if the first host were public and the redirect led into the network
        m.setattr(fetch, "non_public_host", lambda url: "inside is private" if "inside" in url else None)
        m.setattr(fetch, "_peer_kind", lambda resp: None)
        with Fetcher(_settings(), public_only=True) as f:
            res = f.fetch(site.url("/a"))
    assert res.status == "refused" and res.reason == f"inside is private (at {site.url('/inside')})"
    assert [r.path for r in site.requests] == ["/robots.txt", "/a"]
    # as if the name had resolved to a public address and then connected to a loopback one (DNS rebinding):
    # no answer is read, robots.txt's included, so the host counts as unreadable and nothing more is asked
    monkeypatch.setattr(fetch, "non_public_host", lambda url: None)
    with Fetcher(_settings(), public_only=True) as f:
        res = f.fetch(site.url("/inside"))
        robots = f.robots_fetches
    assert robots[0].status == "refused" and "reached a loopback address" in robots[0].reason
    assert res.status == "robots_disallowed" and res.content == b""
    assert [r.path for r in site.requests][2:] == ["/robots.txt"]
