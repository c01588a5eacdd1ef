"""FastAPI dependencies of the service: the store, settings, the bearer token, pages, dates and ETags.

Typed aliases (``StoreDep``, ``PageDep``, ...) in the manner of the FastAPI full-stack
template, so that every router declares what it needs the same way.

ETags are strong and come from the store's state (:func:`newsweave.service.read.store_version`)
and the request's path and query: a client that sends ``If-None-Match`` with the ETag it
has gets ``304 Not Modified`` without the service building the answer again, and any change
to the store (new articles, a stage's new records) changes every ETag. The version is read
before and after the answer is built; when a writer committed in between, the answer goes
out without an ETag rather than with one that might name another state.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from newsweave.config import Settings
from newsweave.service import read
from newsweave.service.cache import AnswerCache
from newsweave.service.errors import Forbidden, InconsistentRequest, InvalidRequest, NotFound, Unauthorized
from newsweave.store import Store

_bearer = HTTPBearer(auto_error=False, description="the service's token (Settings.api_token, NEWSWEAVE_API_TOKEN)")


def get_store(request: Request) -> Store:
    """The app's open store (``app.state.store``)."""
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    """The app's settings (``app.state.settings``)."""
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _check_token(settings: Settings, credentials: HTTPAuthorizationCredentials | None) -> None:
    if settings.api_token is None:
        raise Forbidden("this service has no API token configured (set NEWSWEAVE_API_TOKEN), so it takes "
                        "no requests that need one")
    if credentials is None:
        raise Unauthorized("this endpoint needs the service's token: send 'Authorization: Bearer TOKEN'")
    if not hmac.compare_digest(credentials.credentials.encode(), settings.api_token.encode()):
        raise Unauthorized("the bearer token is not this service's token")


def require_read(request: Request, settings: SettingsDep) -> None:
    """Reads are open unless ``Settings.api_protect_reads``; then they need the token.

    The header is read here rather than through :class:`HTTPBearer`, which would mark every
    read as requiring it in the OpenAPI document; :func:`newsweave.service.app.create_app`
    marks them when the settings say so.
    """
    if settings.api_protect_reads:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        given = HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip()) \
            if scheme.lower() == "bearer" and token.strip() else None
        _check_token(settings, given)


def require_write(settings: SettingsDep, credentials: Credentials) -> None:
    """Ingest needs the token (and a token must be configured)."""
    _check_token(settings, credentials)


@dataclass(slots=True)
class PageParams:
    """``limit`` and ``offset`` of a list request."""

    limit: int
    offset: int


def page_params(limit: Annotated[int, Query(ge=1, le=read.MAX_LIMIT, description="items per page")] = 50,
                offset: Annotated[int, Query(ge=0, le=10_000_000, description="items to skip")] = 0) -> PageParams:
    """The page asked for."""
    return PageParams(limit, offset)


PageDep = Annotated[PageParams, Depends(page_params)]


@dataclass(slots=True)
class DateRange:
    """``since``/``until`` as ISO days (either may be None)."""

    since: str | None
    until: str | None


_DAY = r"^\d{4}-\d{2}-\d{2}$"


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(f"{name} {value!r} is not a day of the calendar (YYYY-MM-DD)",
                             detail=[{"location": ["query", name], "message": "not a calendar day",
                                      "type": "date_from_datetime_parsing"}]) from None


def date_range(since: Annotated[str | None, Query(pattern=_DAY, description="first day, YYYY-MM-DD",
                                                  json_schema_extra={"format": "date"})] = None,
               until: Annotated[str | None, Query(pattern=_DAY, description="last day, YYYY-MM-DD (included)",
                                                  json_schema_extra={"format": "date"})] = None,
               ) -> DateRange:
    """The date window asked for: ISO days only (E101 otherwise); E102 when it ends before it begins."""
    first, last = _day(since, "since"), _day(until, "until")
    if first and last and first > last:
        raise InconsistentRequest(f"since {first} is after until {last}",
                                  detail={"since": first.isoformat(), "until": last.isoformat()})
    return DateRange(first.isoformat() if first else None, last.isoformat() if last else None)


DatesDep = Annotated[DateRange, Depends(date_range)]


def page_links(request: Request, page: read.Page) -> dict[str, Any]:
    """``items, total, limit, offset`` of a page, with ``next``/``prev`` URLs."""
    nxt = page.offset + page.limit
    prev = max(0, page.offset - page.limit)
    return {"items": page.items, "total": page.total, "limit": page.limit, "offset": page.offset,
            "next": str(request.url.include_query_params(offset=nxt, limit=page.limit)) if nxt < page.total else None,
            "prev": str(request.url.include_query_params(offset=prev, limit=page.limit)) if page.offset > 0 else None}


def etag_for(version: str, request: Request) -> str:
    digest = hashlib.sha256(f"{version}\n{request.url.path}\n{request.url.query}".encode()).hexdigest()[:40]
    return f'"{digest}"'


def etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return etag in {t.strip().removeprefix("W/") for t in header.split(",")}


def respond(request: Request, store: Store, model: type[BaseModel], build: Callable[[], Any],
            status_code: int = 200) -> Response:
    """The answer ``build()`` makes, validated by ``model``, as JSON with a strong ETag (or 304).

    ``build`` returns the data (or raises a :class:`~newsweave.service.errors.ServiceError`);
    it is not called when the client's ``If-None-Match`` already names the current ETag.
    """
    before = read.store_version(store)
    read.STATE.set(before)  # large records read for this state are kept parsed for the next request in it
    etag = etag_for(before, request)
    headers = {"Cache-Control": "no-cache", "ETag": etag}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    cache = answer_cache(request)
    kept = cache.get(etag) if cache is not None and status_code == 200 else None
    if kept is not None:
        return Response(kept, status_code=status_code, media_type="application/json", headers=headers)
    content = model.model_validate(build()).model_dump_json().encode()
    if read.store_version(store) != before:
        del headers["ETag"]  # a writer committed meanwhile: this answer may hold either state
    elif cache is not None and status_code == 200:
        cache.put(etag, content)
    return Response(content, status_code=status_code, media_type="application/json", headers=headers)


def answer_cache(request: Request) -> AnswerCache | None:
    """The app's cache of built answers, or None (``Settings.api_cache_mb`` 0)."""
    cache: AnswerCache | None = getattr(request.app.state, "answers", None)
    return cache if cache is not None and cache.max_bytes > 0 else None


def respond_found(request: Request, store: Store, model: type[BaseModel], fetch: Callable[[], Any],
                  missing: str) -> Response:
    """:func:`respond` for one item: ``fetch()`` returns it, or None for 404 (E103) with the message ``missing``."""
    def build() -> Any:
        found = fetch()
        if found is None:
            raise NotFound(missing)
        return found

    return respond(request, store, model, build)
