"""What every read router shares: the errors it may answer (documented in the OpenAPI document) and how a
read router is made (tagged, open or token-protected as the settings say)."""

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
