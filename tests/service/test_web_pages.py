"""The web UI's pages through FastAPI's TestClient, on SQLite and PostgreSQL.

Every page loads on the analysed demo store plus one hostile article (script tags and attribute
injection in its title, outlet, URL, text and a quote), the hostile values are shown escaped and
never as markup, unknown ids answer HTML 404 pages, and a followed citation wraps exactly the
cited characters. The presentation helpers are checked on tables of small cases.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import markupsafe
import pytest
from fastapi.testclient import TestClient

from newsweave import pipeline
from newsweave.config import Settings
from newsweave.service import read
from newsweave.service.app import create_app
from newsweave.service.web import pages, present
from newsweave.store import Store

HOSTILE_TITLE = 'Colonel <script>window.__pwned = 1</script> defects" onmouseover="window.__pwned = 2'
HOSTILE_SOURCE = "Evil <b onclick=alert(1)>News</b>"
HOSTILE_URL = "javascript:window.__pwned = 4"
HOSTILE_TEXT = (
    "CARACAS (Evil) — Venezuela's military attache <script>window.__pwned = 5</script> in Washington, "
    "Colonel Jose Luis Silva, said on Saturday that he no longer recognizes President Nicolas Maduro "
    "<img src=x onerror=\"window.__pwned = 6\"> as the leader of the country.\n\n"
    "\"I urge my brothers <svg onload=window.__pwned=7> in the armed forces to recognize Juan Guaido,\" "
    "Silva said in a video recorded at the embassy.\n\n"
    "Maduro said the United States was behind a coup attempt against his government in Caracas."
)
PAGE_HEADERS = {"accept": "text/html"}


def esc(text: str) -> str:
    """``text`` as the templates print it (Jinja2's autoescape)."""
    return str(markupsafe.escape(text))


OTHER_TEXT = (
    "LISBON (Harbor Gazette) — Floods closed the port of Lisbon on Monday after three days of heavy rain, "
    "the harbour authority said.\n\n"
    "\"We have never seen the river this high in March,\" harbour master Ana Costa told reporters at the docks.\n\n"
    "Portugal's civil protection agency said more than 400 people had left their homes along the Tagus and "
    "that the water would not fall before Thursday. Ferries to Barreiro stayed in port."
)


def other_record() -> dict[str, Any]:
    """An unrelated article (another story, outlet and month), so that lists have more than one story."""
    return {"id": "other-1", "title": "Floods close the port of Lisbon", "source": "Harbor Gazette",
            "url": "https://harbor.example/floods", "published": "2020-03-02", "text": OTHER_TEXT}


def hostile_record() -> dict[str, Any]:
    """One article record whose every field tries to inject markup or script."""
    return {"id": "evil-1", "title": HOSTILE_TITLE, "source": HOSTILE_SOURCE, "url": HOSTILE_URL,
            "published": "2019-01-28", "text": HOSTILE_TEXT}


def add_hostile(url: str, folder: Path) -> None:
    """Analyse the hostile and the unrelated article into the store at ``url`` (beside the demo articles)."""
    path = folder / "hostile.jsonl"
    path.write_text(json.dumps(hostile_record()) + "\n" + json.dumps(other_record()) + "\n")
    with Store(url) as store:
        pipeline.analyze([path], store, Settings(db_url=url))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web_url(request: pytest.FixtureRequest, demo_runs: Any, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[str]:
    """A copy of the analysed demo store with the hostile article analysed in, on each backend."""
    with demo_runs.copy(str(request.param)) as url:
        add_hostile(url, tmp_path_factory.mktemp("hostile"))
        yield url


@pytest.fixture(scope="module")
def client(web_url: str) -> Iterator[TestClient]:
    """The service app (API and web UI) over that store."""
    with TestClient(create_app(Settings(db_url=web_url))) as c:
        yield c


@pytest.fixture(scope="module")
def store(client: TestClient) -> Store:
    """The app's own store (to look up what the pages should show)."""
    s: Store = client.app.state.store  # type: ignore[attr-defined]
    return s


def get_page(client: TestClient, path: str, status: int = 200) -> str:
    """The HTML of a page, checked for its status, type and security headers."""
    r = client.get(path, headers=PAGE_HEADERS)
    assert r.status_code == status, (path, r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    return r.text


def links(page: str, prefix: str) -> list[str]:
    """The distinct link targets in a page that start with ``prefix``, in order."""
    return list(dict.fromkeys(html.unescape(h) for h in re.findall(r'href="([^"]+)"', page) if
                              html.unescape(h).startswith(prefix)))


def no_markup_from(page: str) -> None:
    """None of the hostile values appears as markup, anywhere in ``page``."""
    lowered = page.lower()
    for bad in ("<script>window", "<img src=x", "<svg onload", "<b onclick", 'onmouseover="window',
                "href=\"javascript:", "onerror=\"window"):
        assert bad not in lowered, bad
    assert len(re.findall(r"<script\b", lowered)) == 1  # the UI's own script tag only
    assert '<script src="/static/web.js" defer></script>' in page


def hostile_article_id(store: Store) -> str:
    return next(a.id for a in store.articles() if a.title == HOSTILE_TITLE)


# -- every page loads --------------------------------------------------------------------------

def test_every_page_loads_with_the_demo_data(client: TestClient, store: Store) -> None:
    home = get_page(client, "/")
    assert "<h1>Stories</h1>" in home and '<svg class="spark"' in home
    no_markup_from(home)
    stories = links(home, "/stories/")
    assert stories, "the story list links no story"
    entities: set[str] = set()
    articles: set[str] = set()
    for story in stories:  # storylines, and the event stories their pages link
        page = get_page(client, story)
        stories += [s for s in links(page, "/stories/") if s.split("#")[0] not in stories and "#" not in s]
        for section in ("summary", "timeline", "who", "quotes", "discrepancies", "sources", "reuse"):
            assert f'<section id="{section}"' in page, (story, section)
        no_markup_from(page)
        entities.update(links(page, "/entities/")[:4])
        articles.update(a.split("?")[0].split("#")[0] for a in links(page, "/articles/"))
    assert articles == {f"/articles/{a.id}" for a in store.articles()}  # every article is reachable
    for path in sorted(articles):
        no_markup_from(get_page(client, path))
    assert entities
    for path in sorted(entities):
        page = get_page(client, path)
        assert "Every spelling" in page and "Roles and titles" in page and "/stories/" in page
        no_markup_from(page)


def test_the_demo_story_page_shows_its_sections(client: TestClient, store: Store) -> None:
    demo = next(s for s in read.list_stories(store).items if "Maduro" in s["label"] and s["article_count"] >= 5)
    page = get_page(client, f"/stories/{demo['id']}")
    detail = read.story_detail(store, demo["id"])
    assert detail is not None
    # every summary sentence and its citation into the article it comes from
    for line in detail["summary"]:
        assert esc(line["text"]) in page
        ev = line["evidence"][0]
        assert esc(present.cite_href(ev)) in page
    # discrepancies with the supported value marked
    assert detail["discrepancies"] and 'class="discrepancy"' in page and "supported" in page
    supported = [d["supported_value"] for d in detail["discrepancies"] if d.get("supported_value")]
    assert any(f"Supported value: <strong>{esc(v)}</strong>" in page for v in supported)
    # quotes side by side, with wording differences marked
    assert 'class="columns"' in page and '<ins class="diff">' in page
    # who's who: a flagged misspelling of a name, and a link to the entity
    assert "likely_misspelling" in page and "/entities/" in page
    # reuse and source profiles
    assert "reuses" in page and 'class="profile"' in page


def test_long_sections_are_cut_with_a_link_to_all(client: TestClient, store: Store,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    demo = next(s for s in read.list_stories(store).items if s["article_count"] >= 5)
    monkeypatch.setattr(client.app.state.answers, "max_bytes", 0)  # pages built now, with these caps
    monkeypatch.setitem(read.SECTION_CAPS, "quotes", 2)
    monkeypatch.setitem(read.SECTION_CAPS, "entities", 3)
    page = get_page(client, f"/stories/{demo['id']}")
    whole_detail = read.story_detail(store, demo["id"], full=True)
    cut_detail = read.story_detail(store, demo["id"])
    assert whole_detail is not None and cut_detail is not None and whole_detail["complete"]
    n_quotes = len(whole_detail["quotes"])
    assert n_quotes > 2 and cut_detail["totals"]["quotes"] == n_quotes and not cut_detail["complete"]
    # the cut keeps the first items of the whole list, in its order
    assert [q["id"] for q in cut_detail["quotes"]] == [q["id"] for q in whole_detail["quotes"][:2]]
    assert [e["id"] for e in cut_detail["entities"]] == [e["id"] for e in whole_detail["entities"][:3]]
    assert page.count('<figure class="quote">') == 2 and f"Showing 2 of {n_quotes}" in page
    assert page.count('<th scope="row"><a href="/entities/') == 3
    assert f'href="/stories/{demo["id"]}?all=1#quotes"' in page
    whole = get_page(client, f"/stories/{demo['id']}?all=1")
    assert whole.count('<figure class="quote">') == n_quotes and "Showing 2 of" not in whole


def test_search_finds_articles_and_names(client: TestClient) -> None:
    page = get_page(client, "/search?q=Maduro")
    assert "/articles/" in page and "<mark>Maduro</mark>" in page
    assert "People, places and organizations named" in page
    hit = next(h for h in links(page, "/articles/") if "?hl=" in h)
    art = hit.split("?")[0]
    assert get_page(client, hit.split("#")[0]).count('class="hl"') == 1, art
    assert "Type at least one word" in get_page(client, "/search?q=%3F%21")
    assert "Nothing" not in get_page(client, "/search")
    assert "No article contains all of" in get_page(client, "/search?q=zzzyxw")


def test_story_list_filters_and_pagination(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    everything = links(get_page(client, "/"), "/stories/")
    assert len(everything) >= 2
    # by outlet: only the hostile article names one
    page = get_page(client, "/?" + urlencode({"outlet": HOSTILE_SOURCE}))
    assert len(links(page, "/stories/")) == 1
    assert not links(get_page(client, "/?outlet=Nobody"), "/stories/")
    # by entity, by any spelling of its name, or by id
    assert links(get_page(client, "/?entity=Guadio"), "/stories/")
    assert "No person, place or organization is named" in get_page(client, "/?entity=Nobody+Atall")
    # by date: the demo story is on 2019-01-27
    january = links(get_page(client, "/?since=2019-01-01&until=2019-01-31"), "/stories/")
    march = links(get_page(client, "/?since=2020-03-01"), "/stories/")
    assert len(january) == 1 and len(march) == 1 and january != march
    assert not links(get_page(client, "/?since=2021-01-01"), "/stories/")
    assert "is not a date" in get_page(client, "/?since=yesterday")
    # pages of one story each, with the filters kept in the links
    monkeypatch.setattr(client.app.state.answers, "max_bytes", 0)  # pages built now, with this size
    monkeypatch.setattr(pages, "PAGE_SIZE", 1)
    first = get_page(client, "/?since=2019-01-01")
    nxt = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert nxt and "since=2019-01-01" in html.unescape(nxt[1]) and "offset=1" in html.unescape(nxt[1])
    second = get_page(client, html.unescape(nxt[1]))
    assert links(second, "/stories/") != links(first, "/stories/")
    assert 'rel="prev"' in second


# -- citations -------------------------------------------------------------------------------

def _marked(page: str, start: int, end: int) -> str:
    """The text inside the followed citation's element."""
    m = re.search(rf'<mark class="hl" id="c-{start}-{end}" tabindex="-1">(.*?)</mark>', page, re.S)
    assert m, f"no highlighted span c-{start}-{end}"
    return html.unescape(re.sub(r"<[^>]+>", "", m[1]))


def test_a_followed_citation_wraps_exactly_the_cited_characters(client: TestClient, store: Store) -> None:
    demo = next(s for s in read.list_stories(store).items if s["article_count"] >= 5)
    detail = read.story_detail(store, demo["id"])
    assert detail is not None
    evidence = [ev for line in detail["summary"] for ev in line["evidence"]]
    evidence += [ev for d in detail["discrepancies"] for v in d["values"] for ev in v["evidence"][:2]]
    assert len(evidence) >= 5
    for ev in evidence:
        art = store.article(ev["article_id"])
        assert art is not None
        page = get_page(client, f"/articles/{ev['article_id']}?hl={ev['start']}-{ev['end']}")
        assert _marked(page, ev["start"], ev["end"]) == art.text[ev["start"]:ev["end"]]
        assert "The citation you followed" in page
    # the whole text is on the page, in order, once (nothing added or dropped around the marks)
    body = re.search(r'<div class="article-text"[^>]*>(.*?)</div>', page, re.S)
    assert body and html.unescape(re.sub(r"<[^>]+>", "", body[1])) == art.text


@pytest.mark.parametrize("hl", ["5-2", "0-0", "abc", "-1-4", "99999999-999999999"])
def test_a_citation_outside_the_text_is_refused_plainly(client: TestClient, store: Store, hl: str) -> None:
    aid = hostile_article_id(store)
    page = get_page(client, f"/articles/{aid}?hl={hl}")
    assert 'class="hl"' not in page
    if re.fullmatch(r"\d+-\d+", hl):
        assert "is not inside this article" in page


# -- untrusted text ---------------------------------------------------------------------------

def test_hostile_article_is_escaped_everywhere(client: TestClient, store: Store) -> None:
    aid = hostile_article_id(store)
    article_page = get_page(client, f"/articles/{aid}")
    no_markup_from(article_page)
    assert esc(HOSTILE_TITLE) in article_page  # shown, as text
    assert "&lt;script&gt;window.__pwned = 5&lt;/script&gt;" in article_page
    assert esc(HOSTILE_SOURCE) in article_page
    assert "(not a web address)" in article_page and 'href="javascript' not in article_page
    story_ids = [s["id"] for s in read.article_detail(store, aid)["stories"]]  # type: ignore[index]
    assert story_ids
    for sid in story_ids:
        page = get_page(client, f"/stories/{sid}")
        no_markup_from(page)
    home = get_page(client, "/")
    no_markup_from(home)
    assert esc(HOSTILE_SOURCE) in home  # in the outlet filter and the story's outlets
    found = get_page(client, "/search?q=Evil")
    no_markup_from(found)
    assert f"/articles/{aid}" in found
    # the query itself is untrusted too
    echoed = get_page(client, "/search?q=%3Cscript%3Ewindow.__pwned%3D9%3C%2Fscript%3E")
    no_markup_from(echoed)
    assert "&lt;script&gt;window.__pwned=9&lt;/script&gt;" in echoed


def test_ids_in_paths_are_escaped_in_404_pages(client: TestClient) -> None:
    page = get_page(client, "/stories/%3Cscript%3Ealert(1)%3C%2Fscript%3E", status=404)
    no_markup_from(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# -- 404s -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/stories/nope", "/entities/nope", "/articles/nope", "/no/such/page"])
def test_unknown_pages_answer_an_html_404(client: TestClient, path: str) -> None:
    page = get_page(client, path, status=404)
    assert "not found" in page and 'href="/"' in page and 'role="search"' in page


def test_the_api_keeps_its_json_errors(client: TestClient) -> None:
    r = client.get("/api/no-such-endpoint", headers=PAGE_HEADERS)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    r = client.get("/no/such/page")  # a client that does not ask for HTML gets the JSON body too
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")


def test_pages_carry_etags_and_answer_304(client: TestClient, store: Store) -> None:
    aid = hostile_article_id(store)
    for path in ("/", f"/articles/{aid}", "/search?q=Maduro"):
        first = client.get(path, headers=PAGE_HEADERS)
        etag = first.headers["etag"]
        again = client.get(path, headers={**PAGE_HEADERS, "if-none-match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        assert client.get(path + ("&" if "?" in path else "?") + "offset=0", headers=PAGE_HEADERS
                          ).headers["etag"] != etag  # another query is another page
    assert "etag" not in client.get("/stories/nope", headers=PAGE_HEADERS).headers


def test_static_files_are_served(client: TestClient) -> None:
    for path, kind in (("/static/web.css", "text/css"), ("/static/web.js", "javascript"),
                       ("/static/favicon.svg", "image/svg+xml")):
        r = client.get(path)
        assert r.status_code == 200 and kind in r.headers["content-type"], path


def test_an_empty_store_explains_what_to_do(settings: Settings) -> None:
    with TestClient(create_app(settings)) as fresh:
        home = get_page(fresh, "/")
        assert "No stories yet" in home and "newsweave analyze" in home
        assert "No article contains all of" in get_page(fresh, "/search?q=Maduro")
        get_page(fresh, "/stories/s1", status=404)


# -- presentation helpers -----------------------------------------------------------------------

@pytest.mark.parametrize(("url", "ok"), [
    ("https://example.com/a?b=1", True), ("http://example.com", True), ("HTTP://EXAMPLE.COM/x", True),
    ("javascript:alert(1)", False), (" javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False), ("//evil.example/x", False), ("/relative", False),
    ("https://", False), ("http://exa\nmple.com", False), ("vbscript:x", False), (None, False), (42, False),
])
def test_only_http_urls_become_links(url: Any, ok: bool) -> None:
    assert (present.safe_url(url) is not None) is ok


@pytest.mark.parametrize(("reference", "variant", "expected"), [
    ("the army must act now", "the army must act now", [("same", "the army must act now")]),
    ("the army must act now", "The Army must act, now!", [("same", "The Army must act, now!")]),
    ("the armed forces must act", "the army must act",
     [("same", "the "), ("removed", "armed forces"), ("added", "army "), ("same", "must act")]),
    ("we will win", "we will surely win", [("same", "we will "), ("added", "surely "), ("same", "win")]),
    ("we will not win", "we will win", [("same", "we will "), ("removed", "not"), ("same", "win")]),
])
def test_word_diff_marks_wording_differences(reference: str, variant: str, expected: list[tuple[str, str]]) -> None:
    pieces = present.word_diff(reference, variant)
    assert [(p.op, p.text) for p in pieces] == expected
    assert "".join(p.text for p in pieces if p.op != "removed") == variant


def test_article_segments_keep_every_character_and_the_followed_span_whole() -> None:
    text = "Alpha beta gamma delta epsilon zeta eta theta."
    cites = [{"start": 0, "end": 10, "label": "a"}, {"start": 6, "end": 22, "label": "b"},
             {"start": 30, "end": 99, "label": "past the end"}, {"start": 4, "end": 4, "label": "empty"}]
    before, inside, after = present.article_segments(text, cites, copied=[(17, 28)], hl=(8, 25))
    assert "".join(s.text for s in before + inside + after) == text
    assert "".join(s.text for s in inside) == text[8:25]
    assert [s.cited for s in before] == [["a"], ["a", "b"]]
    assert any(s.copied for s in inside) and any(s.copied for s in after)
    assert after[-1].cited == ["past the end"] and after[-1].end == len(text)
    whole, none1, none2 = present.article_segments(text, cites)
    assert "".join(s.text for s in whole) == text and not none1 and not none2


@pytest.mark.parametrize(("value", "span"), [
    ("3-9", (3, 9)), ("0-1", (0, 1)), ("9-3", None), ("4-4", None), ("a-b", None), ("", None), (None, None),
    ("3-9; drop", None), ("1234567890-1234567891", None),
])
def test_parse_span(value: str | None, span: tuple[int, int] | None) -> None:
    assert present.parse_span(value) == span


def test_sparkline_columns_and_description() -> None:
    cov = [{"date": "2019-01-27", "count": 3}, {"date": "2019-01-28", "count": 0}, {"date": "2019-01-29", "count": 1}]
    s = present.sparkline(cov, "day")
    assert s is not None and len(s.bars) == 2
    assert s.bars[0][3] > s.bars[1][3]  # the busy day is the taller column
    assert all(x >= 0 and x + w <= s.width and y >= 0 and y + h <= s.height for x, y, w, h in s.bars)
    assert s.description == "4 dated articles over 3 days from 2019-01-27 to 2019-01-29; most on 2019-01-27 (3)"
    weekly = present.sparkline([{"date": "2019-01-21", "count": 1}, {"date": "2019-01-28", "count": 2}], "week")
    assert weekly is not None and "most in the week of 2019-01-28" in weekly.description
    assert present.sparkline([], "day") is None and present.sparkline([{"date": "2019-01-01", "count": 0}]) is None


def test_cite_href_and_groups() -> None:
    ev = {"article_id": "a/b?c", "start": 3, "end": 9}
    assert present.cite_href(ev) == "/articles/a%2Fb%3Fc?hl=3-9#c-3-9"
    rec = {"evidence": [{"article_id": "x", "start": 1, "end": 2}, {"article_id": "y", "start": 1, "end": 2},
                        {"article_id": "x", "start": 5, "end": 6}, {"article_id": "z", "start": 0, "end": 1}]}
    groups, left = present.cite_groups(rec, most=2)
    assert [[e["start"] for e in g] for g in groups] == [[1, 5], [1]] and left == 1
    assert present.evidence_list({"evidence": {"article_id": "x", "start": 1, "end": 2}}) == [
        {"article_id": "x", "start": 1, "end": 2}]


def test_snippet_parts() -> None:
    snip = {"text": "said Maduro on Monday", "start": 100, "end": 121, "match": {"start": 105, "end": 111}}
    assert present.snippet_parts(snip) == ("said ", "Maduro", " on Monday")
    assert present.snippet_parts({"text": "no match", "start": 0, "match": None}) == ("no match", "", "")
    assert present.snippet_parts(None) is None
