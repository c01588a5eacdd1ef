"""Entities: people, organizations and places, with every spelling and role and the articles using each."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, Response

from newsweave.service import read
from newsweave.service.api.common import NOT_FOUND, read_router
from newsweave.service.deps import PageDep, StoreDep, page_links, respond, respond_found
from newsweave.service.schemas import Entity, EntityDetail, Page

router = read_router("entities")


@router.get("/entities", response_model=Page[Entity], summary="Entities, the most mentioned first")
def list_entities(request: Request, store: StoreDep, page: PageDep,
                  kind: Annotated[str | None, Query(description="person, organization, place, ...")] = None,
                  name: Annotated[str | None, Query(description="any spelling (accents, case, spacing aside)",
                                                    max_length=300)] = None,
                  story: Annotated[str | None, Query(description="only those mentioned in this story")] = None,
                  ) -> Response:
    """Each entity with its spellings (flagged misspellings), roles, and the articles using each."""
    return respond(request, store, Page[Entity], lambda: page_links(request, read.list_entities(
        store, kind=kind, name=name, story=story, limit=page.limit, offset=page.offset)))


@router.get("/entities/{entity_id}", response_model=EntityDetail, responses=NOT_FOUND,
            summary="One entity: spellings, roles, stories, articles, quotes, claims, discrepancies, events")
def entity(request: Request, store: StoreDep, entity_id: Annotated[str, Path(min_length=1, max_length=200)],
           everything: Annotated[bool, Query(alias="all", description="every item of every list")] = False,
           ) -> Response:
    """Everything about an entity; long lists hold their first 100 items (``totals`` says how many there are;
    ``?all=true`` gives every one, the list endpoints page through them)."""
    return respond_found(request, store, EntityDetail, lambda: read.entity_detail(store, entity_id, full=everything),
                         f"no entity {entity_id!r} (GET /api/entities?name=NAME finds one by name)")
