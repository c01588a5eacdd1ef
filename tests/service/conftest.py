"""Fixtures of the service tests: copies of the analysed demo store per backend and API clients over them.

The module-scoped ``api_url`` is a copy of the demo store (``demo_runs`` in tests/conftest.py)
where two articles are given outlets, so that filters by outlet have something to find. Tests
that write (ingest, ETags after a change, concurrent writers) take ``fresh_copy`` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from newsweave.config import Settings
from newsweave.service.app import create_app
from newsweave.store import Store
from newsweave.store.schema import articles

TOKEN = "test-token-7c1f"
#: Outlets given to two demo articles (the seeds are plain text without one).
OUTLETS = {"a62974f1fe56c4210": "Reuters", "a0c14f903980846ee": "The Epoch Times"}


def give_outlets(url: str) -> None:
    """Set the ``source`` of two demo articles (an UPDATE: the full-text triggers see it too)."""
    with Store(url) as store, store.transaction() as conn:
        assert conn is not None
        for aid, outlet in OUTLETS.items():
            conn.execute(update(articles).where(articles.c.id == aid).values(source=outlet))


def make_client(url: str, **settings: Any) -> TestClient:
    """A TestClient over the app for the store at ``url`` (enter it with ``with``)."""
    return TestClient(create_app(Settings(db_url=url, **{"api_token": TOKEN, **settings})))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api_url(request: pytest.FixtureRequest, demo_runs: Any) -> Iterator[str]:
    """A copy of the analysed demo store (outlets set on two articles), once per backend."""
    with demo_runs.copy(str(request.param)) as url:
        give_outlets(url)
        yield url


@pytest.fixture(scope="module")
def api(api_url: str) -> Iterator[TestClient]:
    """A client of the app over ``api_url`` (reads open, ingest with :data:`TOKEN`)."""
    with make_client(api_url) as client:
        yield client


@pytest.fixture()
def fresh_copy(demo_runs: Any, api_url: str) -> Callable[[], AbstractContextManager[str]]:
    """Makes another copy of the demo store on ``api_url``'s backend, for a test that writes."""
    backend = "sqlite" if api_url.startswith("sqlite") else "postgresql"
    return lambda: demo_runs.copy(backend)
