"""Error bodies of the service, with stable codes in newsweave's ``[E0xx]`` style (service codes E1xx).

Every error the API answers has one JSON shape, :class:`~newsweave.service.schemas.ErrorBody`::

    {"error": {"code": "E103", "status": 404, "message": "[E103] no story 'x'", "detail": null}}

``code`` is stable (clients and tests match on it), ``message`` starts with ``[code]`` as
every :class:`~newsweave.errors.NewsweaveError` does, ``detail`` carries structured facts
(the invalid parameters of a 422). Codes: E101 invalid request (422), E102 inconsistent
parameters (422: a date range that ends before it begins), E103 not found (404), E104 no or
wrong bearer token (401), E105 forbidden (403: ingest over HTTP not enabled), E106 request
too large (413), E107 method not allowed (405), E110 a search query without words (422),
E010 the store failed (503), E199 an unexpected failure (500, logged with its traceback).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from newsweave.errors import NewsweaveError, StoreError
from newsweave.service.search import SearchQueryError

logger = logging.getLogger(__name__)


class ServiceError(NewsweaveError):
    """An error the API answers with an HTTP status and a stable code."""

    code = "E100"
    status = 400

    def __init__(self, message: str, detail: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.detail = detail
        self.headers = headers


class InvalidRequest(ServiceError):
    """A parameter or body is not valid."""

    code, status = "E101", 422


class InconsistentRequest(ServiceError):
    """Parameters that are valid alone but not together (``since`` after ``until``)."""

    code, status = "E102", 422


class NotFound(ServiceError):
    """No such story, entity, article, job, ... (or no such route)."""

    code, status = "E103", 404


class Unauthorized(ServiceError):
    """No bearer token, or not the configured one."""

    code, status = "E104", 401

    def __init__(self, message: str, detail: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message, detail, headers or {"WWW-Authenticate": 'Bearer realm="newsweave"'})


class Forbidden(ServiceError):
    """The request is understood but this service does not allow it (ingest without a configured token)."""

    code, status = "E105", 403


class TooLarge(ServiceError):
    """A request carries more than the service takes at once."""

    code, status = "E106", 413


class NotAllowed(ServiceError):
    """The path exists but not for this method."""

    code, status = "E107", 405


#: HTTP status -> the class whose code an error of that status gets.
BY_STATUS: dict[int, type[ServiceError]] = {c.status: c for c in (
    InvalidRequest, NotFound, Unauthorized, Forbidden, TooLarge, NotAllowed)}


def body(code: str, status: int, message: str, detail: Any = None) -> dict[str, Any]:
    """The JSON error body."""
    text = message if message.startswith(f"[{code}]") else f"[{code}] {message}"
    return {"error": {"code": code, "status": status, "message": text, "detail": detail}}


def error_response(code: str, status: int, message: str, detail: Any = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    """A JSON error response (never cached)."""
    return JSONResponse(body(code, status, message, detail), status_code=status,
                        headers={"Cache-Control": "no-store", **(headers or {})})


def _validation_detail(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        out.append({"location": [str(p) for p in err.get("loc", ())], "message": str(err.get("msg", "")),
                    "type": str(err.get("type", ""))})
    return out


async def _service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return error_response(exc.code, exc.status, str(exc), exc.detail, exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = _validation_detail(exc)
    where = "; ".join(f"{'.'.join(d['location'])}: {d['message']}" for d in detail[:5])
    return error_response("E101", 422, f"invalid request: {where}", detail)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    cls = BY_STATUS.get(exc.status_code)
    code = cls.code if cls else f"E1{exc.status_code // 100}0"
    message = str(exc.detail) if exc.detail else "error"
    if exc.status_code == 404 and message == "Not Found":
        message = f"nothing at {request.url.path} (the API is under /api; see /api/openapi.json)"
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    return error_response(code, exc.status_code, message, None, dict(exc.headers or {}))


async def _search_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SearchQueryError)
    return error_response(exc.code, 422, str(exc))


async def _store_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StoreError)
    logger.error("store error on %s %s: %s", request.method, request.url.path, exc)
    return error_response(exc.code, 503, f"the store failed: {exc.reason}", None, {"Retry-After": "5"})


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response("E199", 500, f"unexpected {type(exc).__name__} (logged on the server)")


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` with the JSON error body."""
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(SearchQueryError, _search_error)
    app.add_exception_handler(StoreError, _store_error)
    app.add_exception_handler(Exception, _unexpected)
