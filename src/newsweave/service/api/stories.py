"""Stories and storylines: the list (most active first, with outlets and coverage) and one story's page."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path, Query, Request, Response

from newsweave.service import read
from newsweave.service.api.common import NOT_FOUND, read_router
from newsweave.service.deps import DatesDep, PageDep, StoreDep, page_links, respond, respond_found
from newsweave.service.schemas import Page, StoryDetail, StoryListItem

router = read_router("stories")

Level = Literal["storyline", "event"]
StoryId = Annotated[str, Path(description="a story id (storyline or event)", min_length=1, max_length=200)]


def _list(request: Request, store: StoreDep, page: PageDep, dates: DatesDep, outlet: str | None,
          entity: str | None, q: str | None, level: Level | None) -> Response:
    return respond(request, store, Page[StoryListItem], lambda: page_links(request, read.list_stories(
        store, since=dates.since, until=dates.until, outlet=outlet, entity=entity, q=q, limit=page.limit,
        offset=page.offset, level=level)))


@router.get("/stories", response_model=Page[StoryListItem], summary="Stories, most active first")
def list_stories(request: Request, store: StoreDep, page: PageDep, dates: DatesDep,
                 outlet: Annotated[str | None, Query(description="only stories with an article from this outlet")]
                 = None,
                 entity: Annotated[str | None, Query(description="only stories that mention this entity id")] = None,
                 q: Annotated[str | None, Query(description="only stories with an article matching these words",
                                                max_length=500)] = None,
                 level: Annotated[Level | None, Query(description="storyline or event (default: storylines, or "
                                                                  "event stories when there are none)")] = None,
                 ) -> Response:
    """Stories by their latest day, then size; each with dates, outlets and articles per day (or week, month).

    ``since``/``until`` keep the stories whose first-to-last dates meet the window.
    """
    return _list(request, store, page, dates, outlet, entity, q, level)


@router.get("/storylines", response_model=Page[StoryListItem], summary="Storylines, most active first")
def list_storylines(request: Request, store: StoreDep, page: PageDep, dates: DatesDep,
                    outlet: str | None = None, entity: str | None = None,
                    q: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    """Storylines only (``/api/stories?level=storyline``)."""
    return _list(request, store, page, dates, outlet, entity, q, "storyline")


@router.get("/stories/{story_id}", response_model=StoryDetail, responses=NOT_FOUND,
            summary="One story: summary, timeline, who's who, quotes, claims, discrepancies, sources, reuse")
def story(request: Request, store: StoreDep, story_id: StoryId,
          everything: Annotated[bool, Query(alias="all", description="every item of every section (a big story "
                                                                     "has hundreds of quotes and events)")] = False,
          ) -> Response:
    """A story's summary, key timeline, who's who, quotes, claims, discrepancies, sources and reuse, every item
    citing its evidence (article id and character span).

    Long sections hold their first items (the best supported, most widely carried or most central first);
    ``totals`` says how many each has, and ``?all=true`` gives every one.
    """
    return respond_found(request, store, StoryDetail, lambda: read.story_detail(store, story_id, full=everything),
                         f"no story {story_id!r} (GET /api/stories lists them)")
