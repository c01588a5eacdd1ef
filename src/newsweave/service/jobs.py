"""Ingest jobs: articles (JSON records) or page URLs posted to the API, stored and analysed in the background.

A job runs in one worker thread at a time, so that jobs take turns as writers (the store
serialises writers across processes too: SQLite ``BEGIN IMMEDIATE`` with a busy timeout,
PostgreSQL advisory locks, and :meth:`Store.exclusive` around the analysis, which a feed
watcher in another process also takes). Each job opens a store of its own: a stage's
:meth:`Store.deferred` block keeps its pending writes on the store object, which the
request threads reading through the app's store must not share.

Every input gets a fate, as in ``newsweave ingest``: a record becomes an article by the same
reader as an ``articles.jsonl`` line (:func:`newsweave.ingest.records.from_record`, then the
shared rules of :func:`newsweave.ingest.to_article`), and is ``stored``, ``duplicate`` (with
the id it duplicates) or ``skipped`` (with the reason). A URL is fetched by the feeds module's
:class:`~newsweave.ingest.fetch.Fetcher` (robots.txt, per-host delay, retries, size and time
limits) and read as the watcher reads a page; its fate is the fetch's when it fails.
Jobs are kept in the store (state key ``service:job:<id>``, written at each step of a job: queued,
running, its inputs' fates, done or failed), the most recent ``Settings.api_jobs_kept``, so that
they outlive a restart of the service. A job that was queued or running when the service stopped
is shown as ``failed`` with that reason when the service starts again: the articles it had stored
are kept (posting the same inputs again gives them as duplicates and stores the rest). A store
that cannot take the write at the moment (a long writer elsewhere) leaves the job in memory only,
with a warning in the log.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError

from newsweave.config import Settings
from newsweave.errors import StoreError
from newsweave.models import Article, InputFate
from newsweave.store import Store
from newsweave.store.schema import state

logger = logging.getLogger(__name__)

JobKind = Literal["articles", "urls"]
JobStatus = Literal["queued", "running", "done", "failed"]
#: state key prefix of the kept jobs
STATE_PREFIX = "service:job:"
INTERRUPTED = ("interrupted: the service stopped before this job finished; the articles it had stored are "
               "kept (post the same inputs again: those come back as duplicates, the rest are stored)")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(slots=True)
class JobState:
    """One job as the API shows it."""

    id: str
    kind: JobKind
    status: JobStatus
    created: str
    inputs: int
    started: str | None = None
    finished: str | None = None
    fates: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    stages: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see :class:`newsweave.service.schemas.Job`)."""
        return {k: getattr(self, k) for k in self.__slots__}


def _job_of(kept: dict[str, Any]) -> JobState:
    """A job from its stored form."""
    return JobState(**{k: v for k, v in kept.items() if k in JobState.__slots__})


def _fate(f: InputFate) -> dict[str, Any]:
    return {"input": f.input, "status": f.status, "reason": f.reason, "article_id": f.article_id}


def store_new(store: Store, named: Sequence[tuple[str, Article | str]]) -> list[InputFate]:
    """Store the articles of ``(input name, article or skip reason)``; the fate of each, in order.

    An article already stored, or repeated within the batch, is a duplicate naming the id;
    one whose values the store refuses is skipped with the store's reason.
    """
    from newsweave.pipeline import store_articles

    articles = [r for _, r in named if isinstance(r, Article)]
    known = store.known_ids(a.id for a in articles)
    first_seen: dict[str, Article] = {}
    for a in articles:
        if a.id not in known:
            first_seen.setdefault(a.id, a)  # the first input with a text is the one stored, as in a file
    new = list(first_seen.values())
    added, refused = store_articles(store, new)
    first: dict[str, str] = {}
    fates: list[InputFate] = []
    for name, result in named:
        if isinstance(result, str):
            fates.append(InputFate(name, "skipped", result))
        elif result.id in refused:
            fates.append(InputFate(name, "skipped", refused[result.id]))
        elif result.id in first:
            fates.append(InputFate(name, "duplicate", f"same text as {first[result.id]} ({result.id})", result.id))
        elif result.id in added:
            first[result.id] = name
            fates.append(InputFate(name, "stored", "", result.id))
        else:
            first[result.id] = name
            fates.append(InputFate(name, "duplicate", f"already stored as {result.id}", result.id))
    return fates


def read_records(records: Sequence[Any], name: str, settings: Settings) -> list[tuple[str, Article | str]]:
    """Records in the articles.jsonl shape as ``(input name, article or skip reason)``.

    Each is named ``<name>#<its id>`` (or ``#item<k>``) as a record of a JSON file is.
    """
    from newsweave.ingest import to_article
    from newsweave.ingest.records import read_record, record_name

    today = datetime.now(UTC).date()
    out: list[tuple[str, Article | str]] = []
    for k, rec in enumerate(records):
        draft = read_record(rec, record_name(name, rec, f"item{k}"))
        try:
            out.append((draft.input, to_article(draft, settings, today)))
        except Exception as exc:  # one odd record must not end the job
            logger.exception("reading %s failed", draft.input)
            out.append((draft.input, f"record could not be read: {type(exc).__name__}: {exc}"))
    return out


def fetch_pages(store: Store, urls: Sequence[str], settings: Settings) -> list[tuple[str, Article | str]]:
    """Fetch each page URL and read its article: ``(url, article or why not)``.

    Raises:
        ImportError: the feeds module (``newsweave.ingest.fetch``) is not there.
    """
    from newsweave.ingest.fetch import Fetcher, check_url
    from newsweave.ingest.watch import Entry, read_page

    today = datetime.now(UTC).date()
    out: list[tuple[str, Article | str]] = []
    with Fetcher(settings, state=store, public_only=not settings.api_ingest_private_hosts) as fetcher:
        for url in urls:
            bad = check_url(url)
            if bad:
                out.append((url, bad))
                continue
            fate, article = read_page(fetcher, Entry(url=url, feed="api"), settings, today)
            out.append((url, article if article is not None else f"{fate.status}: {fate.reason}".rstrip(": ")))
    return out


class Jobs:
    """Runs ingest jobs one at a time in a worker thread and remembers the latest ones.

    Args:
        settings: the store URL (each job opens its own store) and pipeline options.
        open_store: how a job opens the store (default: ``Store(settings.db_url)``).
        kept_in: the store that keeps the jobs across restarts (the service's own); None: memory only.
    """

    def __init__(self, settings: Settings, open_store: Callable[[], Store] | None = None,
                 kept_in: Store | None = None) -> None:
        self.settings = settings
        self.open_store = open_store or (lambda: Store(settings.db_url))
        self.kept_in = kept_in
        self._jobs: OrderedDict[str, JobState] = OrderedDict()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsweave-ingest")
        for job in self._load():
            self._jobs[job.id] = job
            if job.status in ("queued", "running"):
                self._update(job.id, status="failed", finished=job.finished or _now(), error=INTERRUPTED)

    def _load(self) -> list[JobState]:
        """The jobs kept in the store, oldest first."""
        if self.kept_in is None:
            return []
        with self.kept_in.engine.connect() as conn:
            rows = conn.execute(select(state.c.value).where(state.c.key.startswith(STATE_PREFIX))).scalars()
            found = [_job_of(r) for r in rows if isinstance(r, dict)]
        return sorted(found, key=lambda j: (j.created, j.id))

    def _keep(self, job: JobState | None, forget: Sequence[str] = ()) -> None:
        """Write a job's state to the store (and drop forgotten ones); on failure it stays in memory only."""
        if self.kept_in is None:
            return
        try:
            if job is not None:
                self.kept_in.set_state(STATE_PREFIX + job.id, job.to_dict())
            if forget:
                with self.kept_in.engine.begin() as conn:
                    conn.execute(delete(state).where(state.c.key.in_([STATE_PREFIX + k for k in forget])))
        except (StoreError, SQLAlchemyError) as exc:
            logger.warning("ingest job %s kept in memory only (the store did not take it: %s)",
                           job.id if job else ", ".join(forget), exc)

    def submit(self, kind: JobKind, items: Sequence[Any], analyze: bool = True) -> JobState:
        """Queue a job over ``items`` (records, or URLs); returns its state (a copy) at once."""
        job = JobState(id=uuid.uuid4().hex[:16], kind=kind, status="queued", created=_now(), inputs=len(items))
        with self._lock:
            self._jobs[job.id] = job
            forgotten = self._forget_old()
            kept = replace(job)
        self._keep(kept, forgotten)
        self._pool.submit(self._run, job.id, kind, list(items), analyze)
        return self.get(job.id) or job

    def get(self, job_id: str) -> JobState | None:
        """A copy of a job's state (this process's own, else as the store keeps it: another worker process
        of the same service may run it), or None."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                return replace(job, fates=list(job.fates))
        kept = self.kept_in.get_state(STATE_PREFIX + job_id) if self.kept_in is not None else None
        return _job_of(kept) if isinstance(kept, dict) else None

    def all(self) -> list[JobState]:
        """Copies of every remembered job (this process's and those the store keeps), the newest first."""
        with self._lock:
            mine = {j.id: replace(j, fates=list(j.fates)) for j in reversed(self._jobs.values())}
        others = [j for j in reversed(self._load()) if j.id not in mine]
        # newest first; within one second, this process's own in the order they were posted (a stable sort)
        return sorted([*mine.values(), *others], key=lambda j: j.created, reverse=True)

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking jobs; with ``wait``, let the running and queued ones finish."""
        self._pool.shutdown(wait=wait, cancel_futures=not wait)

    def _forget_old(self) -> list[str]:
        """Drop the oldest finished jobs beyond ``api_jobs_kept``; their ids."""
        gone: list[str] = []
        while len(self._jobs) > self.settings.api_jobs_kept:
            oldest = next((k for k, j in self._jobs.items() if j.status in ("done", "failed")), None)
            if oldest is None:
                break
            del self._jobs[oldest]
            gone.append(oldest)
        return gone

    def _update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
            for key, value in changes.items():
                setattr(job, key, value)
            kept = replace(job, fates=list(job.fates))
        self._keep(kept)

    def _run(self, job_id: str, kind: JobKind, items: list[Any], analyze: bool) -> None:
        self._update(job_id, status="running", started=_now())
        try:
            with self.open_store() as store:
                if kind == "articles":
                    named = read_records(items, f"api:job-{job_id}", self.settings)
                else:
                    named = fetch_pages(store, items, self.settings)
                fates = store_new(store, named)
                counts: dict[str, int] = {}
                for f in fates:
                    counts[f.status] = counts.get(f.status, 0) + 1
                self._update(job_id, fates=[_fate(f) for f in fates], counts=counts)
                if analyze:
                    from newsweave.pipeline import analyze as run_analyze

                    report = run_analyze([], store, self.settings)
                    self._update(job_id, stages=dict(report.stages),
                                 failures={k: f"{type(v).__name__}: {v}" for k, v in report.failures.items()})
            self._update(job_id, status="done", finished=_now())
        except Exception as exc:  # the job fails with its reason; the service goes on
            logger.exception("ingest job %s failed", job_id)
            self._update(job_id, status="failed", finished=_now(), error=f"{type(exc).__name__}: {exc}")
