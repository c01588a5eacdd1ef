"""The web UI's routes: one server-rendered page per resource, from :mod:`newsweave.service.read`.

Pages are Jinja2 templates with autoescape on and a ``finalize`` hook that drops control
characters (:func:`newsweave.report.output.clean`), so every value from an article (titles,
texts, names, quotes, URLs) is escaped where it is printed. Responses carry a
Content-Security-Policy that allows only the UI's own script and style files: even a value
that slipped past escaping could not run. Handlers are plain ``def`` functions, so FastAPI
runs them in its thread pool and a slow store query does not block the event loop.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

import newsweave.service.web.present as present
from newsweave.report.output import clean
from newsweave.report.render import MT_EXPLAINED, event_phrase
from newsweave.service import read
from newsweave.service.deps import answer_cache, etag_for, etag_matches, get_store
from newsweave.service.search import SearchQueryError

HERE = Path(__file__).resolve().parent
PAGE_SIZE = 20
#: Citation kinds underlined in an article's text (mentions, claims and events cover most of a text:
#: they are listed when a followed citation is one of them, but not underlined).
MARKED_KINDS = frozenset({"summary", "key_date", "quote", "discrepancy", "profile", "credit"})

#: Only the UI's own files may run or style a page; nothing may frame it.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _finalize(value: Any) -> Any:
    """Every printed value: None prints nothing; text loses control characters (escaping comes after)."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return clean(value)
    return value


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, finalize=_finalize,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals.update(cite_href=present.cite_href, cite_groups=present.cite_groups, safe_url=present.safe_url,
                       article_label=present.article_label, evidence_list=present.evidence_list,
                       event_phrase=event_phrase,
                       MT_EXPLAINED=MT_EXPLAINED, sparkline=present.sparkline)
    env.filters["pct"] = lambda v: "unknown" if v is None else f"{float(v):.0%}"
    return env


templates = Jinja2Templates(env=_environment())
router = APIRouter(include_in_schema=False)


def not_modified(request: Request) -> Response | None:
    """``304 Not Modified`` when the browser's copy of this page is current (the API's ETags: store state,
    path and query), the page as built before when the app kept it (:mod:`newsweave.service.cache`),
    else None; the page's ETag is kept for :func:`page`."""
    version = read.store_version(get_store(request))
    read.STATE.set(version)
    etag = etag_for(version, request)
    request.state.web_etag = (version, etag)
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    cache = answer_cache(request)
    kept = cache.get(etag) if cache is not None else None
    if kept is not None:
        return HTMLResponse(kept, headers={**SECURITY_HEADERS, "ETag": etag, "Cache-Control": "no-cache"})
    return None


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """A rendered template with the UI's security headers (and its ETag, when the store did not change meanwhile)."""
    headers = dict(SECURITY_HEADERS)
    version, etag = getattr(request.state, "web_etag", (None, None))
    if status_code == 200 and etag and read.store_version(get_store(request)) == version:
        headers.update({"ETag": etag, "Cache-Control": "no-cache"})
    response = templates.TemplateResponse(request, name, context, status_code=status_code, headers=headers)
    cache = answer_cache(request)
    if cache is not None and "ETag" in headers:
        cache.put(str(etag), bytes(response.body))
    return response


def not_found(request: Request, what: str, detail: str = "") -> HTMLResponse:
    """The 404 page: what was not found, and where to go instead."""
    return page(request, "error.html", {"status": 404, "title": f"{what} not found", "detail": detail},
                status_code=404)


def _day(value: str | None) -> tuple[str | None, str | None]:
    """An ISO date from a filter field (empty: none) and the problem with it, if any."""
    if not value:
        return None, None
    try:
        return date.fromisoformat(value.strip()).isoformat(), None
    except ValueError:
        return None, f"“{clean(value, one_line=True)[:40]}” is not a date (use YYYY-MM-DD)"


def _offset(value: str | None) -> int:
    try:
        return max(0, min(int(value or 0), 10**7))
    except ValueError:
        return 0


def here(request: Request, **params: Any) -> str:
    """This page's path and query (relative, so it works behind any proxy), with ``params`` set."""
    query = {**request.query_params, **{k: str(v) for k, v in params.items()}}
    return request.url.path + "?" + urlencode(query)


def pager(request: Request, total: int | None, offset: int, limit: int, shown: int) -> dict[str, Any]:
    """Links to the previous and next page of a list, keeping the other query parameters."""
    prev_href = here(request, offset=max(0, offset - limit)) if offset > 0 else None
    more = offset + shown < total if total is not None else shown >= limit
    next_href = here(request, offset=offset + limit) if more else None
    return {"prev": prev_href, "next": next_href, "first": offset + 1 if shown else 0, "last": offset + shown,
            "total": total}


def _items(result: Any) -> tuple[list[Any], int | None]:
    """The items and total of a read-model page (an object or a dict)."""
    if isinstance(result, dict):
        return list(result.get("items") or []), result.get("total")
    return list(getattr(result, "items", []) or []), getattr(result, "total", None)


def _entity_filter(store: Any, value: str) -> tuple[str | None, str | None]:
    """The entity id a filter names (an id, or any spelling of a name) and its canonical name."""
    rec = read.record(store, "entity", value)
    if rec is not None:
        return value, str(rec.get("name") or value)
    named = sorted(read.entities_named(store, value), key=lambda e: -len(e.get("article_ids") or []))
    return (named[0]["id"], str(named[0].get("name") or value)) if named else (None, None)


@router.get("/", response_class=HTMLResponse)
def story_list(request: Request, since: str | None = None, until: str | None = None, outlet: str | None = None,
               entity: str | None = None, offset: str | None = None) -> Response:
    """The stories, most active first, with filters by date, outlet and entity."""
    if (cached := not_modified(request)) is not None:
        return cached
    store = get_store(request)
    since_day, since_err = _day(since)
    until_day, until_err = _day(until)
    errors = [e for e in (since_err, until_err) if e]
    entity_id, entity_name = _entity_filter(store, entity.strip()) if entity and entity.strip() else (None, None)
    start = _offset(offset)
    if entity and entity.strip() and entity_id is None:
        errors.append(f"No person, place or organization is named “{clean(entity, one_line=True)[:80]}”.")
        result: Any = read.Page([], 0, PAGE_SIZE, start)
    else:
        result = read.list_stories(store, since=since_day, until=until_day, outlet=outlet or None,
                                   entity=entity_id, limit=PAGE_SIZE, offset=start)
    items, total = _items(result)
    filters = {"since": since or "", "until": until or "", "outlet": outlet or "", "entity": entity or ""}
    return page(request, "stories.html", {
        "stories": items, "filters": filters, "outlets": read.list_outlets(store), "errors": errors,
        "entity_name": entity_name, "filtered": any(filters.values()),
        "pager": pager(request, total, start, PAGE_SIZE, len(items)),
    })


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, story_id: str,
               show_all: Annotated[str | None, Query(alias="all")] = None) -> Response:
    """One story: summary, key timeline, who's who, quotes by outlet, discrepancies, sources, reuse.

    Long sections (a big story has hundreds of quotes and events) show their first items, the
    best supported first, with a link to the whole page (``?all=1``).
    """
    if (cached := not_modified(request)) is not None:
        return cached
    detail = read.story_detail(get_store(request), story_id, full=show_all == "1")
    if detail is None:
        return not_found(request, "Story", f"There is no story with the id “{story_id}”.")
    cut = {key: n for key, n in detail["totals"].items() if n > len(detail.get(key) or [])}
    articles = {str(a["id"]): a for a in detail.get("articles", [])}
    quotes = [{**q, "columns": present.outlet_columns(q, articles)} for q in detail.get("quotes", [])]
    unit, cov = read.coverage(a.get("published") for a in articles.values())
    outlets = sorted({str(a["source"]) for a in articles.values() if a.get("source")})
    return page(request, "story.html", {"d": detail, "articles": articles, "quotes": quotes, "coverage": cov,
                                        "coverage_unit": unit, "outlets": outlets, "cut": cut,
                                        "all_href": here(request, all=1)})


@router.get("/entities/{entity_id}", response_class=HTMLResponse)
def entity_page(request: Request, entity_id: str) -> Response:
    """One entity: every spelling and role with the articles that use it, its stories and quotes."""
    if (cached := not_modified(request)) is not None:
        return cached
    detail = read.entity_detail(get_store(request), entity_id)
    if detail is None:
        return not_found(request, "Entity", f"There is no entity with the id “{entity_id}”.")
    articles = {str(a["id"]): a for a in detail.get("articles", [])}
    return page(request, "entity.html", {"e": detail, "articles": articles})


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, article_id: str, hl: str | None = None) -> Response:
    """One article's text with every cited span marked and the followed citation (``?hl=S-E``) highlighted."""
    if (cached := not_modified(request)) is not None:
        return cached
    detail = read.article_detail(get_store(request), article_id)
    if detail is None:
        return not_found(request, "Article", f"There is no article with the id “{article_id}”.")
    text = str(detail.get("text") or "")
    asked = present.parse_span(hl)
    span = present.valid_hl(asked, text)
    citations = detail.get("citations") or []
    copied = [(int(c["start"]), int(c["end"])) for c in citations if c.get("kind") == "reuse"]
    shown = [c for c in citations if c.get("kind") in MARKED_KINDS]
    before, inside, after = present.article_segments(text, shown, copied, span)
    return page(request, "article.html", {
        "a": detail, "before": before, "inside": inside, "after": after, "hl": span, "marked": shown,
        "hl_refused": hl if hl and span is None else None,
        "cited_here": [c for c in citations if span and int(c["start"]) == span[0] and int(c["end"]) == span[1]],
    })


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: str | None = None, offset: str | None = None) -> Response:
    """Full-text search over articles, stories, entities and quotes."""
    if (cached := not_modified(request)) is not None:
        return cached
    store = get_store(request)
    query = clean(q or "", one_line=True).strip()[:500]
    start = _offset(offset)
    items: list[Any] = []
    total: int | None = 0
    problem = None
    entities: list[dict[str, Any]] = []
    if query:
        try:
            items, total = _items(read.search(store, query, limit=PAGE_SIZE, offset=start))
        except SearchQueryError:
            problem = "Type at least one word (letters or digits) to search for."
        if start == 0:
            entities = sorted(read.entities_named(store, query), key=lambda e: -len(e.get("article_ids") or []))[:10]
    results = [{**r, "snippet_parts": present.snippet_parts(r.get("snippet"))} for r in items]
    return page(request, "search.html", {"q": query, "results": results, "problem": problem, "entities": entities,
                                         "pager": pager(request, total, start, PAGE_SIZE, len(items))})
