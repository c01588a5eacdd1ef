"""Shared fixtures: the spaCy pipeline (loaded once), the demo corpus, a fresh store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsweave.config import Settings
from newsweave.store import Store

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "corpus" / "seeds"
RESOURCES = Path(__file__).resolve().parent / "resources"


@pytest.fixture(scope="session")
def nlp():  # type: ignore[no-untyped-def]
    """The English spaCy pipeline, loaded once per test session."""
    from newsweave.annotate import load_nlp

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
