"""The API against its own OpenAPI document (``/api/openapi.json``), checked by schemathesis.

Schemathesis generates requests for every read operation from the document and checks each
answer: no server error, a status code and content type the document lists, a body that
validates against the documented response schema. The run is bounded (a few examples per
operation, no per-example deadline, a fixed seed) so that it stays well under a minute;
ingest is left out (generated articles would start analysis jobs) and has tests of its own.

The schema is loaded when the module is imported (as schemathesis's ``parametrize`` needs),
from the app over an empty store; the requests then go to the app over the analysed demo
store, which a fixture puts behind the same ASGI entry point. (``schemathesis.pytest.from_fixture``
would avoid the indirection, but it does not run under pytest 9.)
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from newsweave.config import Settings
from newsweave.service.app import create_app
from tests.service.conftest import TOKEN, give_outlets

AUTH = {"Authorization": f"Bearer {TOKEN}"}


class Switch:
    """An ASGI app that passes every request to the app it currently points at."""

    def __init__(self, target: Any) -> None:
        self.target = target

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.target(scope, receive, send)


def _empty_app() -> Any:
    folder = Path(tempfile.mkdtemp(prefix="nw-openapi-"))
    try:
        app = create_app(Settings(db_url=f"sqlite:///{folder / 'empty.db'}", api_token=TOKEN))
        app.openapi()  # built once, while the empty store is there
        app.state.store.close()
        return app
    finally:
        shutil.rmtree(folder, ignore_errors=True)


SWITCH = Switch(_empty_app())
schema = schemathesis.openapi.from_asgi("/api/openapi.json", SWITCH).include(method="GET")


@pytest.fixture(scope="module", autouse=True)
def demo_app(demo_runs: Any) -> Iterator[None]:
    """Point the schema's ASGI entry at the app over a copy of the analysed demo store (SQLite)."""
    with demo_runs.copy("sqlite") as url:
        give_outlets(url)
        app = create_app(Settings(db_url=url, api_token=TOKEN))
        empty, SWITCH.target = SWITCH.target, app
        try:
            yield
        finally:
            SWITCH.target = empty
            app.state.jobs.shutdown()
            app.state.store.close()


@schema.parametrize()
@settings(max_examples=4, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_read_conforms_to_the_openapi_document(case: Any) -> None:
    case.call_and_validate(headers=AUTH)
