"""The web UI end to end in Debian's Chromium through Playwright, on SQLite and PostgreSQL.

The service runs with uvicorn on 127.0.0.1 (a free port, in a thread) over the demo store plus
a hostile article (see ``test_web_pages``). Every page loads without a console error, following
a citation lands on an element whose text is exactly the cited characters, and no script from
article content runs (no ``window.__pwned``, no dialog, not even a blocked attempt in the console).

Screenshots of the story list, a story page and an article page with a followed citation, on
the demo store alone, are written by ``test_screenshots`` to ``$NEWSWEAVE_SCREENSHOTS`` (the
README's come from ``NEWSWEAVE_SCREENSHOTS=docs pytest tests/service/test_web_browser.py -k screenshots``),
else to a temporary folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from newsweave.config import Settings
from newsweave.service import read
from newsweave.service.app import create_app
from newsweave.store import Store
from tests.service.test_web_pages import HOSTILE_TITLE, add_hostile

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
        "--no-first-run", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Served:
    """The service app over one store, served by uvicorn on 127.0.0.1 in a thread."""

    def __init__(self, url: str) -> None:
        import uvicorn

        self.app = create_app(Settings(db_url=url))
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def store(self) -> Store:
        s: Store = self.app.state.store
        return s

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (skipped when absent, failed with NEWSWEAVE_REQUIRE_BROWSER)."""
    if CHROMIUM is None:
        if os.environ.get("NEWSWEAVE_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (NEWSWEAVE_REQUIRE_BROWSER is set) but not installed")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, demo_runs: Any, tmp_path_factory: pytest.TempPathFactory,
           chromium: Any) -> Iterator[Served]:
    """The demo store with the hostile article, served, on each backend."""
    with demo_runs.copy(str(request.param)) as url:
        add_hostile(url, tmp_path_factory.mktemp("hostile"))
        with Served(url) as s:
            yield s


@dataclass
class Watched:
    """What a page did that it should not: console errors, uncaught exceptions, dialogs."""

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def clear(self) -> None:
        self.errors.clear()
        self.dialogs.clear()


@pytest.fixture()
def tab(chromium: Any) -> Iterator[tuple[Any, Watched]]:
    """A fresh browser page and what it reports."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    watched = Watched()
    page.on("console", lambda m: watched.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: watched.errors.append(f"uncaught: {e}"))

    def on_dialog(d: Any) -> None:
        watched.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    page.on("dialog", on_dialog)
    try:
        yield page, watched
    finally:
        context.close()


def visit(page: Any, watched: Watched, url: str) -> None:
    """Open ``url`` and check that it loaded cleanly and ran nothing from the articles."""
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200, (url, response and response.status)
    assert page.locator("main h1").first.is_visible(), url
    assert page.evaluate("window.__pwned === undefined"), url
    assert not watched.errors and not watched.dialogs, (url, watched.errors, watched.dialogs)


def hrefs(page: Any, prefix: str) -> list[str]:
    found = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    return list(dict.fromkeys(h for h in found if h.startswith(prefix)))


def test_every_page_loads_without_console_errors(served: Served, tab: tuple[Any, Watched]) -> None:
    page, watched = tab
    visit(page, watched, served.base + "/")
    stories = hrefs(page, "/stories/")
    assert stories
    entities: dict[str, None] = {}
    articles: dict[str, None] = {}
    for story in stories:  # storylines, and the event stories their pages link
        visit(page, watched, served.base + story)
        stories += [s for s in hrefs(page, "/stories/") if s not in stories and "#" not in s]
        entities.update(dict.fromkeys(hrefs(page, "/entities/")[:3]))
        articles.update(dict.fromkeys(a.split("?")[0].split("#")[0] for a in hrefs(page, "/articles/")))
    assert set(articles) == {f"/articles/{a.id}" for a in served.store.articles()}
    for path in [*articles, *entities, "/search?q=Maduro", "/search?q=Evil", "/?entity=Guadio",
                 "/?since=2019-01-01&until=2019-12-31"]:
        visit(page, watched, served.base + path)
    # a missing page is a page too (its 404 status is the one console error a browser reports)
    response = page.goto(served.base + "/stories/no-such-story")
    assert response is not None and response.status == 404
    assert "not found" in page.locator("main h1").inner_text()
    assert all("404" in e for e in watched.errors) and not watched.dialogs


def _check_landing(page: Any, served: Served, article_id: str, start: int, end: int) -> None:
    """The page shows the article with exactly ``text[start:end]`` highlighted, in view."""
    article = served.store.article(article_id)
    assert article is not None
    assert page.evaluate("location.pathname") == f"/articles/{article_id}"
    assert page.evaluate("location.hash") == f"#c-{start}-{end}"
    mark = page.locator("mark.hl")
    assert mark.count() == 1
    assert mark.get_attribute("id") == f"c-{start}-{end}"
    assert mark.evaluate("el => el.textContent") == article.text[start:end]
    assert mark.evaluate("el => { const r = el.getBoundingClientRect(); "
                         "return r.bottom > 0 && r.top < window.innerHeight; }")
    # the text as shown is the article's text, character for character
    assert page.locator("#article-text").evaluate("el => el.textContent") == article.text


def test_following_a_citation_lands_on_the_span(served: Served, tab: tuple[Any, Watched]) -> None:
    page, watched = tab
    story = next(s for s in read.list_stories(served.store).items if s["article_count"] >= 5)
    followed = 0
    for selector in ("#summary a.cite", "#discrepancies a.cite", "#who a.cite.more", "#timeline a.cite"):
        visit(page, watched, f"{served.base}/stories/{story['id']}")
        link = page.locator(selector).first
        href = link.get_attribute("href")
        assert href and "?hl=" in href and "#c-" in href, (selector, href)
        article_id = href.split("/articles/")[1].split("?")[0]
        start, end = (int(x) for x in href.split("#c-")[1].split("-"))
        link.click()
        page.wait_for_load_state("load")
        _check_landing(page, served, article_id, start, end)
        assert not watched.errors, watched.errors
        followed += 1
    assert followed == 4
    # a bare fragment (shared without the query) is turned into the server-highlighted link
    art = served.store.article(article_id)
    assert art is not None
    page.goto(f"{served.base}/articles/{article_id}#c-{start}-{end}")
    page.wait_for_url(f"**/articles/{article_id}?hl={start}-{end}#c-{start}-{end}")
    page.wait_for_load_state("load")
    _check_landing(page, served, article_id, start, end)
    # and from the article's list of cited passages to another one
    other = page.locator("ul.cited-list a").nth(1)
    href = other.get_attribute("href")
    assert href
    s2, e2 = (int(x) for x in href.split("#c-")[1].split("-"))
    other.click()
    page.wait_for_load_state("load")
    _check_landing(page, served, article_id, s2, e2)


def test_no_script_from_article_content_runs(served: Served, tab: tuple[Any, Watched]) -> None:
    page, watched = tab
    hostile = next(a for a in served.store.articles() if a.title == HOSTILE_TITLE)
    detail = read.article_detail(served.store, hostile.id)
    assert detail is not None and detail["stories"]
    paths = ["/", f"/articles/{hostile.id}", "/search?q=Evil", "/search?q=%3Cscript%3Ewindow.__pwned%3D1%3C/script%3E",
             *(f"/stories/{s['id']}" for s in detail["stories"])]
    for path in paths:
        visit(page, watched, served.base + path)
        # the hostile text is on the page as text
        shown = page.locator("main").inner_text()
        assert ("<b onclick=alert(1)>News</b>" if path == "/" else "window.__pwned") in shown, path
        # hovering and clicking where the injected handlers would sit runs nothing either
        for el in page.locator("main h1, main .article-text, main blockquote, main td").all()[:12]:
            if el.is_visible():
                el.hover()
        assert page.evaluate("window.__pwned === undefined"), path
        assert page.evaluate("document.querySelectorAll('script').length") == 1, path
        assert page.evaluate("document.querySelectorAll('main img, main svg[onload], main [onerror], "
                             "main [onmouseover], main [onclick]').length") == 0, path
        assert not watched.errors and not watched.dialogs, (path, watched.errors, watched.dialogs)
    # the javascript: URL is shown as text, never as a link
    page.goto(f"{served.base}/articles/{hostile.id}")
    assert page.locator("a[href^='javascript']").count() == 0
    assert "javascript:window.__pwned = 4" in page.locator("dl.article-meta").inner_text()


# -- screenshots for the README -------------------------------------------------------------------

def test_screenshots(demo_runs: Any, chromium: Any, tmp_path: Path) -> None:
    """The story list, the demo story, and an article at a followed citation, on the demo store alone."""
    out = Path(os.environ.get("NEWSWEAVE_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    with demo_runs.copy("sqlite") as url, Served(url) as served:
        story = next(s for s in read.list_stories(served.store).items if s["article_count"] >= 5)
        detail = read.story_detail(served.store, story["id"])
        assert detail is not None
        # a discrepancy's minority value: the sloppy rewrite's misspelling of the colonel's name
        disc = next(d for d in detail["discrepancies"] if d["kind"] == "spelling")
        wrong = next(v for v in disc["values"] if v["value"] != disc.get("supported_value"))
        ev = wrong["evidence"][0]
        context = chromium.new_context(viewport={"width": 1280, "height": 860}, device_scale_factor=1)
        page = context.new_page()
        try:
            shots = {
                "service-stories.png": f"{served.base}/",
                "service-story.png": f"{served.base}/stories/{story['id']}",
                "service-quotes.png": f"{served.base}/stories/{story['id']}#quotes",
                "service-article.png": f"{served.base}/articles/{ev['article_id']}?hl={ev['start']}-{ev['end']}"
                                       f"#c-{ev['start']}-{ev['end']}",
            }
            for name, address in shots.items():
                page.goto(address, wait_until="load")
                page.screenshot(path=str(out / name))
                assert (out / name).stat().st_size > 20_000, name
            assert page.locator("mark.hl").inner_text() == ev["text"]
        finally:
            context.close()
