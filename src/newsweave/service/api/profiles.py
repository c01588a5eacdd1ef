"""Source profiles: per outlet, originality, credited wires, loaded terms and translation signs, with spans."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Request, Response

from newsweave.service import read
from newsweave.service.api.common import NOT_FOUND, read_router
from newsweave.service.deps import PageDep, StoreDep, page_links, respond, respond_found
from newsweave.service.schemas import Page, Profile

router = read_router("profiles")


@router.get("/profiles", response_model=Page[Profile], summary="Source profiles, one per outlet")
def list_profiles(request: Request, store: StoreDep, page: PageDep,
                  story: Annotated[str | None, Query(description="outlets with an article in this story")] = None,
                  ) -> Response:
    """Every outlet's profile (or those of a story's outlets), by outlet."""
    return respond(request, store, Page[Profile], lambda: page_links(request, read.list_profiles(
        store, story=story, limit=page.limit, offset=page.offset)))


@router.get("/profiles/{outlet}", response_model=Profile, responses=NOT_FOUND, summary="One outlet's profile")
def profile(request: Request, store: StoreDep, outlet: Annotated[str, Path(min_length=1, max_length=300)],
            ) -> Response:
    """The profile of the outlet named exactly so (as ``/api/profiles`` lists it; URL-encode it)."""
    return respond_found(request, store, Profile, lambda: read.profile(store, outlet),
                         f"no profile for outlet {outlet!r}")
