"""Claims (subject, slot, value) and their independent support."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from newsweave.service import read
from newsweave.service.api.common import read_router
from newsweave.service.deps import PageDep, StoreDep, page_links, respond
from newsweave.service.schemas import Claim, Page

router = read_router("claims")


@router.get("/claims", response_model=Page[Claim], summary="Claims, the best independently supported first")
def list_claims(request: Request, store: StoreDep, page: PageDep,
                entity: Annotated[str | None, Query(description="claims about this entity id")] = None,
                story: Annotated[str | None, Query(description="claims citing this story's articles")] = None,
                slot: Annotated[str | None, Query(description="role, name, ...")] = None,
                min_sources: Annotated[int, Query(ge=0, le=1000, description="at least this many independent "
                                                                           "sources")] = 0) -> Response:
    """Each claim with the articles making it, its evidence spans, and how many independent sources agree."""
    return respond(request, store, Page[Claim], lambda: page_links(request, read.list_claims(
        store, entity=entity, story=story, slot=slot, min_sources=min_sources, limit=page.limit,
        offset=page.offset)))
