"""Quotes: statements grouped across outlets (each outlet's wording and span), by speaker, story or article."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from newsweave.service import read
from newsweave.service.api.common import read_router
from newsweave.service.deps import PageDep, StoreDep, page_links, respond
from newsweave.service.schemas import Page, QuoteGroup

router = read_router("quotes")


@router.get("/quotes", response_model=Page[QuoteGroup], summary="Quote groups, the most widely carried first")
def list_quotes(request: Request, store: StoreDep, page: PageDep,
                speaker: Annotated[str | None, Query(description="the speaker's entity id")] = None,
                story: Annotated[str | None, Query(description="only groups with a wording in this story")] = None,
                article: Annotated[str | None, Query(description="only groups with a wording in this article")]
                = None) -> Response:
    """One group per statement; ``variants`` are each outlet's wording with its span and speaker as written."""
    return respond(request, store, Page[QuoteGroup], lambda: page_links(request, read.list_quotes(
        store, speaker=speaker, story=story, article=article, limit=page.limit, offset=page.offset)))
