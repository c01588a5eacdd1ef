"""Articles: metadata lists with filters, and one article with its text, annotations and cited spans."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, Response

from newsweave.service import read
from newsweave.service.api.common import NOT_FOUND, read_router
from newsweave.service.deps import DatesDep, PageDep, StoreDep, page_links, respond, respond_found
from newsweave.service.schemas import ArticleDetail, ArticleMeta, Page

router = read_router("articles")


@router.get("/articles", response_model=Page[ArticleMeta], summary="Articles (metadata), latest first")
def list_articles(request: Request, store: StoreDep, page: PageDep, dates: DatesDep,
                  outlet: Annotated[str | None, Query(description="only this outlet's")] = None,
                  entity: Annotated[str | None, Query(description="only those mentioning this entity id")] = None,
                  story: Annotated[str | None, Query(description="only this story's")] = None) -> Response:
    """Article metadata without text; ``since``/``until`` bound the publication day (undated ones are then out)."""
    return respond(request, store, Page[ArticleMeta], lambda: page_links(request, read.list_articles(
        store, since=dates.since, until=dates.until, outlet=outlet, entity=entity, story=story, limit=page.limit,
        offset=page.offset)))


@router.get("/articles/{article_id}", response_model=ArticleDetail, responses=NOT_FOUND,
            summary="One article: text, stories, every cited span into it")
def article(request: Request, store: StoreDep, article_id: Annotated[str, Path(min_length=1, max_length=200)],
            annotations: Annotated[bool, Query(description="also the sentences, tokens and named entities")]
            = False) -> Response:
    """The text and metadata, the stories it is in, and every record's cited span in it, by position."""
    return respond_found(request, store, ArticleDetail,
                         lambda: read.article_detail(store, article_id, annotations=annotations),
                         f"no article {article_id!r}")
