"""Service health and the outlets the store holds."""

from __future__ import annotations

from fastapi import Request, Response

from newsweave import __version__
from newsweave.service import read
from newsweave.service.api.common import read_router
from newsweave.service.deps import StoreDep, respond
from newsweave.service.schemas import Health

router = read_router("service")


@router.get("/health", response_model=Health, summary="The service is up and its store answers")
def health(request: Request, store: StoreDep) -> Response:
    """The store's backend, how many articles it holds, and its version (the basis of every ETag)."""
    return respond(request, store, Health, lambda: {
        "status": "ok", "version": __version__, "store": store.dialect, "articles": store.count_articles(),
        "store_version": read.store_version(store)})


@router.get("/outlets", response_model=list[str], summary="Outlets (article sources), sorted")
def outlets(request: Request, store: StoreDep) -> Response:
    """The distinct outlet names, for filters by ``outlet``."""
    from pydantic import RootModel

    return respond(request, store, RootModel[list[str]], lambda: read.list_outlets(store))
