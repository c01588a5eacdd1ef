"""The REST API: one router per resource, all under ``/api`` (see :func:`newsweave.service.app.create_app`).

Every read answers JSON described by a pydantic model (:mod:`newsweave.service.schemas`), with a
strong ETag (``If-None-Match`` -> 304) and, for lists, ``limit``/``offset`` pages with the total
and ``next``/``prev`` links. Errors have one body (:mod:`newsweave.service.errors`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from newsweave.service.deps import require_read
from newsweave.service.schemas import ErrorBody

#: Error responses every read endpoint may give (documented in the OpenAPI document).
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "reads need the token (Settings.api_protect_reads) and it is missing"},
    403: {"model": ErrorBody, "description": "reads need a token but the service has none configured"},
    422: {"model": ErrorBody, "description": "invalid parameters (E101, E102, E110)"},
    503: {"model": ErrorBody, "description": "the store failed (E010)"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "no such item (E103)"}}


def read_router(tag: str) -> APIRouter:
    """A router for read endpoints: tagged, open or token-protected as the settings say, errors documented."""
    return APIRouter(tags=[tag], dependencies=[Depends(require_read)], responses=ERRORS)


def routers() -> list[APIRouter]:
    """Every router of the API, in the order the OpenAPI document lists them."""
    from newsweave.service.api import (
        articles,
        claims,
        discrepancies,
        entities,
        ingest,
        meta,
        profiles,
        quotes,
        reuse,
        search,
        stories,
        timelines,
    )

    return [meta.router, stories.router, timelines.router, articles.router, entities.router, quotes.router,
            claims.router, discrepancies.router, profiles.router, reuse.router, search.router, ingest.router]
