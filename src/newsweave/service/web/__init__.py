"""The web UI for analysts, served by the service's FastAPI app.

Server-rendered Jinja2 pages (autoescaped) with one small script and one stylesheet, no
front-end build: a story list, story pages, entity pages, article pages that highlight a
followed citation, and search. Data comes from :mod:`newsweave.service.read`, the read model
the REST API uses too, so the pages and the API never disagree.

:func:`mount_web` adds the pages and the static files to an app. Call it after the app's own
exception handlers are registered: it keeps them, and only answers a browser asking for a
page that does not exist (outside ``/api``) with an HTML 404 page instead of a JSON body.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from newsweave.service.web.pages import HERE, not_found, router

__all__ = ["mount_web"]

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api") and "text/html" in request.headers.get("accept", "")


def mount_web(app: FastAPI) -> None:
    """Serve the web UI from ``app``: pages at ``/``, ``/stories/{id}``, ``/entities/{id}``,
    ``/articles/{id}``, ``/search``, static files under ``/static``.

    The pages read the store at ``app.state.store``.
    """
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="web-static")
    app.include_router(router)
    previous: Handler = app.exception_handlers.get(StarletteHTTPException, http_exception_handler)

    async def html_not_found(request: Request, exc: Exception) -> Response:
        if isinstance(exc, StarletteHTTPException) and exc.status_code == 404 and _wants_html(request):
            return not_found(request, "Page", f"Nothing lives at {request.url.path}.")
        response = previous(request, exc)
        return await response if inspect.isawaitable(response) else response

    app.add_exception_handler(StarletteHTTPException, html_not_found)
