"""Shared fixtures: the spaCy pipeline (loaded once), the demo corpus, fresh stores on SQLite and PostgreSQL.

Tests that take ``db_url`` (or ``db_settings``, ``db_store``) run once per backend.
Each PostgreSQL run gets a database of its own, created on the server at
``NEWSWEAVE_TEST_PG`` (default: ``postgresql://postgres@127.0.0.1:5432/postgres``,
trust auth) and dropped afterwards. When no server answers, those runs are
skipped with the reason (shown in the header of every test run), unless
``NEWSWEAVE_REQUIRE_POSTGRES=1`` (CI) makes them fail instead.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from newsweave.config import Settings
from newsweave.store import Store

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "corpus" / "seeds"
RESOURCES = Path(__file__).resolve().parent / "resources"

BACKENDS = ["sqlite", "postgresql"]
PG_ADMIN = os.environ.get("NEWSWEAVE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def nlp():  # type: ignore[no-untyped-def]
    """The English spaCy pipeline, loaded once per test session."""
    from newsweave.annotate.nlp import load_nlp

    return load_nlp()


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The demo corpus folder."""
    if not SEEDS.is_dir():
        pytest.skip(f"demo corpus not found at {SEEDS}")
    return SEEDS


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at a fresh SQLite file."""
    return Settings(db_url=f"sqlite:///{tmp_path / 'test.db'}")


@pytest.fixture()
def store(settings: Settings) -> Iterator[Store]:
    """A fresh, migrated store."""
    s = Store(settings.db_url)
    yield s
    s.close()


# -- both backends ---------------------------------------------------------------------------

@lru_cache(maxsize=1)
def postgres_unavailable() -> str | None:
    """Why the test PostgreSQL server cannot be used, or None when it answers."""
    try:
        import psycopg
    except ImportError as exc:
        return f"the psycopg driver is not installed ({exc})"
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=5, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        return f"no PostgreSQL server answers at {PG_ADMIN}: {first}"
    return None


def require_postgres() -> None:
    """Skip (or, with NEWSWEAVE_REQUIRE_POSTGRES=1, fail) when the test server does not answer."""
    why = postgres_unavailable()
    if why is None:
        return
    if os.environ.get("NEWSWEAVE_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{why} (NEWSWEAVE_REQUIRE_POSTGRES=1)")
    pytest.skip(why)


def pytest_report_header(config: pytest.Config) -> str:
    """Say at the start of a (not quiet) run whether the PostgreSQL tests can run."""
    why = postgres_unavailable()
    return f"postgresql: {PG_ADMIN}" if why is None else f"postgresql: NOT AVAILABLE, its tests skip: {why}"


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Say at the end of every run, quiet or not, why PostgreSQL tests were skipped."""
    why = postgres_unavailable()
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if why and why in str(r.longrepr)]
    if skipped:
        terminalreporter.write_line(f"{len(skipped)} PostgreSQL tests SKIPPED: {why} "
                                    "(NEWSWEAVE_REQUIRE_POSTGRES=1 makes them fail)", yellow=True)


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, connect_timeout=5, autocommit=True) as conn:
        conn.execute(sql)


def _pg_url(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG_ADMIN).set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False)


@contextmanager
def fresh_database(backend: str, folder: Path, template: str | None = None) -> Iterator[str]:
    """The URL of a new empty database (or a copy of ``template``'s), removed afterwards."""
    if backend == "sqlite":
        path = folder / f"nw_{uuid.uuid4().hex[:8]}.db"
        if template is not None:
            src = sqlite3.connect(template.removeprefix("sqlite:///"))
            dst = sqlite3.connect(path)
            src.backup(dst)
            src.close()
            dst.close()
        yield f"sqlite:///{path}"
        return
    require_postgres()
    name = f"nw_test_{uuid.uuid4().hex[:12]}"
    source = f" TEMPLATE {template.rsplit('/', 1)[1]}" if template is not None else ""
    _pg_admin(f'CREATE DATABASE "{name}"{source}')
    try:
        yield _pg_url(name)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database, once on SQLite and once on PostgreSQL."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture()
def db_settings(db_url: str) -> Settings:
    """Settings on a fresh database of each backend."""
    return Settings(db_url=db_url)


@pytest.fixture()
def db_store(db_url: str) -> Iterator[Store]:
    """A fresh, migrated store on each backend."""
    s = Store(db_url)
    yield s
    s.close()


# -- the demo corpus analysed once per backend ------------------------------------------------

@dataclass(slots=True)
class DemoRun:
    """The seeds analysed into a store that is kept for the session (do not change it: use a copy)."""

    url: str
    first: Any  # pipeline.RunReport of the first run
    again: Any  # pipeline.RunReport of a second run over the same inputs
    dossier: dict[str, Any]


def comparable(dossier: dict[str, Any]) -> dict[str, Any]:
    """A dossier without what depends on the run rather than the corpus: which run stored an input."""
    return {k: v for k, v in dossier.items() if k != "inputs"}


class DemoRuns:
    """Builds :class:`DemoRun` per backend on first use."""

    def __init__(self, folder: Path, seeds: Path) -> None:
        self.folder, self.seeds = folder, seeds
        self.runs: dict[str, DemoRun] = {}
        self._dbs: list[Any] = []

    def get(self, backend: str) -> DemoRun:
        if backend not in self.runs:
            from newsweave import pipeline
            from newsweave.report.dossier import build_dossier

            cm = fresh_database(backend, self.folder)
            url = cm.__enter__()
            self._dbs.append(cm)
            settings = Settings(db_url=url)
            with Store(url) as store:
                first = pipeline.analyze([self.seeds], store, settings)
                dossier = build_dossier(store, first.fates)
                again = pipeline.analyze([self.seeds], store, settings)
            self.runs[backend] = DemoRun(url, first, again, dossier)
        return self.runs[backend]

    @contextmanager
    def copy(self, backend: str) -> Iterator[str]:
        """A fresh database holding what the demo store holds."""
        with fresh_database(backend, self.folder, template=self.get(backend).url) as url:
            yield url

    def close(self) -> None:
        for cm in reversed(self._dbs):
            cm.__exit__(None, None, None)


@pytest.fixture(scope="session")
def demo_runs(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Iterator[DemoRuns]:
    """The demo corpus analysed (in this process) once per backend, on first use."""
    runs = DemoRuns(tmp_path_factory.mktemp("demo_runs"), seeds_dir)
    yield runs
    runs.close()


@pytest.fixture(params=BACKENDS)
def demo_url(request: pytest.FixtureRequest, demo_runs: DemoRuns) -> Iterator[str]:
    """A copy of the analysed demo store, on each backend."""
    with demo_runs.copy(str(request.param)) as url:
        yield url


def spy_annotation_loads(monkeypatch: pytest.MonkeyPatch, *modules: Any) -> list[str]:
    """Make ``load_annotated`` in each module record the ids it loads (and fail when asked for all);
    returns the list it fills."""
    from newsweave.steps import load_annotated

    loaded: list[str] = []

    def spy(s: Store, ids: Any = None) -> Any:
        assert ids is not None, "the stage loaded every annotation"
        loaded.extend(ids)
        return load_annotated(s, ids)

    for module in modules:
        monkeypatch.setattr(module, "load_annotated", spy)
    return loaded


def move_mentions(store: Store, entity_id: str, to: str) -> None:
    """As if the entities stage re-resolved: every mention of ``entity_id`` now belongs to ``to``."""
    mentions = [dict(m, entity_id=to) if m.get("entity_id") == entity_id else m for m in store.records("mention")]
    store.replace_records("mention", [(f"{m['article_id']}:{m['start']}:{m['end']}", m, [m["article_id"]])
                                      for m in mentions])


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a ``newsweave`` child process (no store URL inherited from the caller)."""
    env = {k: v for k, v in os.environ.items() if k != "NEWSWEAVE_DB"}
    env.update(extra)
    return env


def newsweave_command() -> list[str]:
    """How to run the ``newsweave`` command with this interpreter (as the installed script does)."""
    return [sys.executable, "-c", "from newsweave.cli import main; main()"]
