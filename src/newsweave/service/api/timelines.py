"""Timelines: a story's key dates and its full event list; events by date, story and entity."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, Response

from newsweave.service import read
from newsweave.service.api.common import NOT_FOUND, read_router
from newsweave.service.deps import DatesDep, PageDep, StoreDep, page_links, respond, respond_found
from newsweave.service.schemas import Event, Page, Timeline

router = read_router("timelines")


@router.get("/stories/{story_id}/timeline", response_model=Timeline, responses=NOT_FOUND,
            summary="A story's key timeline and every extracted event")
def story_timeline(request: Request, store: StoreDep,
                   story_id: Annotated[str, Path(min_length=1, max_length=200)]) -> Response:
    """Key dates (cited statements, support) in date order, then every event entry, the main ones first."""
    return respond_found(request, store, Timeline, lambda: read.timeline(store, story_id),
                         f"no story {story_id!r} (GET /api/stories lists them)")


@router.get("/events", response_model=Page[Event], summary="Dated events in a date range, by date")
def events(request: Request, store: StoreDep, page: PageDep, dates: DatesDep,
           story: Annotated[str | None, Query(description="only events stated in this story")] = None,
           entity: Annotated[str | None, Query(description="only events with this entity id as actor or target")]
           = None) -> Response:
    """An event is in the range when every day its date may mean is: one dated only "2019" is in no week of 2019.

    Undated events are in no range (the story timeline lists them).
    """
    return respond(request, store, Page[Event], lambda: page_links(request, read.list_events(
        store, since=dates.since, until=dates.until, story=story, entity=entity, limit=page.limit,
        offset=page.offset)))
