"""Discrepancies: where sources disagree or err, each value with its sources, and the supported value."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, Response

from newsweave.service import read
from newsweave.service.api.common import NOT_FOUND, read_router
from newsweave.service.deps import PageDep, StoreDep, page_links, respond, respond_found
from newsweave.service.schemas import Discrepancy, Page

router = read_router("discrepancies")


@router.get("/discrepancies", response_model=Page[Discrepancy], summary="Discrepancies between sources")
def list_discrepancies(request: Request, store: StoreDep, page: PageDep,
                       story: Annotated[str | None, Query(description="those citing this story's articles")] = None,
                       entity: Annotated[str | None, Query(description="those about this entity id")] = None,
                       kind: Annotated[str | None, Query(description="spelling, role, number, ...")] = None,
                       ) -> Response:
    """Both ``story`` and ``entity``: the story's discrepancies about the entity."""
    return respond(request, store, Page[Discrepancy], lambda: page_links(request, read.list_discrepancies(
        store, story=story, entity=entity, kind=kind, limit=page.limit, offset=page.offset)))


@router.get("/discrepancies/{discrepancy_id}", response_model=Discrepancy, responses=NOT_FOUND,
            summary="One discrepancy")
def discrepancy(request: Request, store: StoreDep,
                discrepancy_id: Annotated[str, Path(min_length=1, max_length=200)]) -> Response:
    """Each value, the articles holding it with evidence spans, their independent support, the supported value."""
    return respond_found(request, store, Discrepancy, lambda: read.record(store, "discrepancy", discrepancy_id),
                         f"no discrepancy {discrepancy_id!r}")
