"""The service's application: the REST API under ``/api`` and the web UI over one store, served by uvicorn.

:func:`create_app` opens the store (migrating it to the newest revision, which builds the
full-text index of an older store), installs the JSON error bodies, the routers of
:mod:`newsweave.service.api` and the ingest job runner; :func:`run` serves it. OpenAPI is at
``/api/openapi.json`` (interactive docs at ``/api/docs``).

Readers and writers share the store safely: request handlers are synchronous functions that
FastAPI runs in its thread pool, each read takes its own pooled connection (SQLite in WAL mode
lets readers go on while one writer commits; PostgreSQL is MVCC), and every write — an ingest
job here, a ``newsweave watch`` or ``newsweave analyze`` in another process — goes through the
store's writer lock (:mod:`newsweave.store.repository`), so nobody sees "database is locked".
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from newsweave import __version__
from newsweave.config import Settings
from newsweave.ingest.watch import Watcher
from newsweave.service import errors
from newsweave.service.api import routers
from newsweave.service.cache import AnswerCache
from newsweave.service.jobs import Jobs
from newsweave.service.watching import ServiceWatch
from newsweave.store import Store

logger = logging.getLogger(__name__)

DESCRIPTION = """Cited story dossiers from many news articles, as a service.

Every item cites its evidence: an article id and a character span (`start`, `end`) into that
article's text (`GET /api/articles/{id}`). Reads are open unless the service is configured to
require its bearer token; ingest always requires it. Lists take `limit`/`offset` and answer
`total` with `next`/`prev` links. Answers carry strong ETags: send `If-None-Match` to get
`304 Not Modified` while the store has not changed. Errors have one body:
`{"error": {"code", "status", "message", "detail"}}` with stable codes.
"""


def create_app(settings: Settings | None = None, feeds: Sequence[str] | None = None, watch_every: float = 900.0,
               watcher: Watcher | None = None) -> FastAPI:
    """The FastAPI application over the store ``settings.db_url``.

    Args:
        settings: the store URL, the API token and pipeline options (default: from the environment).
        feeds: feeds to keep the store current from while the app runs (a watch run at start, then every
            ``watch_every`` seconds; see :mod:`newsweave.service.watching`); none by default.
        watcher: the :class:`~newsweave.ingest.watch.Watcher` to run (default: one of ``feeds``).

    Raises:
        StoreError: the store cannot be opened or migrated (one line saying why).
    """
    settings = settings or Settings()
    store = Store(settings.db_url)
    jobs = Jobs(settings, kept_in=store)
    watch = ServiceWatch(feeds, watch_every, settings, watcher) if feeds else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if watch is not None:
            watch.start()
        yield
        if watch is not None:
            watch.close()  # a run under way finishes first
        jobs.shutdown(wait=True)  # a running job finishes (its writes are whole transactions either way)
        store.close()

    app = FastAPI(title="newsweave", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  openapi_url="/api/openapi.json", docs_url="/api/docs", redoc_url=None)
    app.state.settings = settings
    app.state.store = store
    app.state.jobs = jobs
    app.state.answers = AnswerCache(settings.api_cache_mb * 2**20)
    app.state.watch = watch
    errors.install(app)
    for router in routers():
        app.include_router(router, prefix="/api")
    if settings.api_protect_reads:
        _document_protected_reads(app)
    from newsweave.service.web import mount_web

    mount_web(app)  # after the error handlers: it keeps them for /api and answers browsers with HTML pages
    return app


def _document_protected_reads(app: FastAPI) -> None:
    """Mark every API read as needing the bearer token in the OpenAPI document (reads are protected)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = build()
            for path, ops in spec.get("paths", {}).items():
                for method, op in ops.items():
                    if path.startswith("/api/") and method == "get" and "security" not in op:
                        op["security"] = [{"HTTPBearer": []}]
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


#: The settings a worker process of :func:`run` takes from the environment (see :mod:`newsweave.config`).
WORKER_ENVIRONMENT = {"db_url": "NEWSWEAVE_DB", "api_token": "NEWSWEAVE_API_TOKEN",
                      "api_protect_reads": "NEWSWEAVE_API_PROTECT_READS",
                      "api_ingest_private_hosts": "NEWSWEAVE_API_INGEST_PRIVATE",
                      "api_cache_mb": "NEWSWEAVE_API_CACHE_MB",
                      "user_agent": "NEWSWEAVE_USER_AGENT", "annotate_batch": "NEWSWEAVE_ANNOTATE_BATCH",
                      "annotate_processes": "NEWSWEAVE_ANNOTATE_PROCESSES"}


def app_from_environment() -> FastAPI:
    """The app of one worker process of ``run(workers=N)``: its settings from the environment."""
    return create_app(Settings())


def run(host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None,
        feeds: Sequence[str] | None = None, watch_every: float = 900.0, workers: int = 1) -> None:
    """Serve the app with uvicorn until interrupted (keeping ``feeds`` current every ``watch_every`` seconds).

    ``workers`` > 1: that many server processes share the port (uvicorn's supervisor restarts one that
    dies); each builds the app from the environment, into which the settings of
    :data:`WORKER_ENVIRONMENT` are written first (the others take their defaults), and keeps its own
    answer cache. Ingest jobs are kept in the store, so any worker answers for a job another one runs.
    Feeds are watched by one process only: ``feeds`` needs ``workers`` 1 (or ``newsweave watch`` beside).

    Raises:
        StoreError: the store cannot be opened or migrated.
        ValueError: ``feeds`` with ``workers`` > 1.
    """
    import uvicorn

    if workers > 1:
        if feeds:
            raise ValueError("feeds are watched by one process: serve them with one worker, or run "
                             "`newsweave watch` beside a service with several")
        settings = settings or Settings()
        Store(settings.db_url).close()  # migrated once, before the workers open it
        for name, variable in WORKER_ENVIRONMENT.items():
            value = getattr(settings, name)
            if value is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = ("1" if value else "0") if isinstance(value, bool) else str(value)
        logger.info("serving %s on http://%s:%d with %d worker processes", settings.db_url, host, port, workers)
        uvicorn.run("newsweave.service.app:app_from_environment", factory=True, host=host, port=port,
                    workers=workers, log_level="info", proxy_headers=False)
        return
    app = create_app(settings, feeds=feeds, watch_every=watch_every)
    logger.info("serving %s on http://%s:%d", app.state.store.url, host, port)
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
