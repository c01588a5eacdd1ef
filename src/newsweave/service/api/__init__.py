"""The REST API: one router per resource, all under ``/api`` (see :func:`newsweave.service.app.create_app`).

Every read answers JSON described by a pydantic model (:mod:`newsweave.service.schemas`), with a
strong ETag (``If-None-Match`` -> 304) and, for lists, ``limit``/``offset`` pages with the total
and ``next``/``prev`` links. Errors have one body (:mod:`newsweave.service.errors`).
"""

from __future__ import annotations

from fastapi import APIRouter

from newsweave.service.api.common import ERRORS, NOT_FOUND, read_router

__all__ = ["ERRORS", "NOT_FOUND", "read_router", "routers"]


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
        watch,
    )

    return [meta.router, stories.router, timelines.router, articles.router, entities.router, quotes.router,
            claims.router, discrepancies.router, profiles.router, reuse.router, search.router, ingest.router,
            watch.router]
