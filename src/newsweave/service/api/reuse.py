"""Reuse: who copied whom, with every copied passage's span in the copy and in the origin."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from newsweave.service import read
from newsweave.service.api.common import read_router
from newsweave.service.deps import PageDep, StoreDep, page_links, respond
from newsweave.service.schemas import Page, Reuse

router = read_router("reuse")


@router.get("/reuse", response_model=Page[Reuse], summary="Copy -> origin links, the largest share first")
def list_reuse(request: Request, store: StoreDep, page: PageDep,
               article: Annotated[str | None, Query(description="links where this article is copy or origin")]
               = None,
               story: Annotated[str | None, Query(description="links citing this story's articles")] = None,
               min_share: Annotated[float, Query(ge=0, le=1, description="smallest share of the copy reused")]
               = 0.0) -> Response:
    """Each link: copy, origin, share, how the origin was decided, passages with spans on both sides."""
    return respond(request, store, Page[Reuse], lambda: page_links(request, read.list_reuse(
        store, article=article, story=story, min_share=min_share, limit=page.limit, offset=page.offset)))
