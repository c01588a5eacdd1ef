"""Full-text search over articles (SQLite FTS5 or PostgreSQL full-text, see :mod:`newsweave.service.search`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from newsweave.service import read
from newsweave.service.api.common import read_router
from newsweave.service.deps import DatesDep, PageDep, StoreDep, page_links, respond
from newsweave.service.schemas import Page, SearchHit

router = read_router("search")


@router.get("/search", response_model=Page[SearchHit], summary="Articles matching words, the best first")
def search(request: Request, store: StoreDep, page: PageDep, dates: DatesDep,
           q: Annotated[str, Query(min_length=1, max_length=500, description="words, all of which must occur "
                                                                             "(stemmed; no operators)")],
           outlet: Annotated[str | None, Query(description="only this outlet's articles")] = None) -> Response:
    """Each hit: article metadata, a snippet, the matched word's span (evidence) and the article's stories."""
    return respond(request, store, Page[SearchHit], lambda: page_links(request, read.search(
        store, q, page.limit, page.offset, since=dates.since, until=dates.until, outlet=outlet)))
