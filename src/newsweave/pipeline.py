"""Runs the stages in order, incrementally, with progress.

Ingest stores what is new (content-hash ids make re-ingest a no-op); annotate
runs spaCy only on articles without an annotation, one transaction per batch, so
a killed run resumes where it stopped. Later stages are registered in
:data:`STAGES`; each one declares a fingerprint of what it reads and is skipped
when that fingerprint has not changed since its last run. A stage's records and
its fingerprint are committed together, so a run killed at any point and run
again ends with the same store as a run never interrupted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from threadpoolctl import threadpool_limits

from newsweave.config import Settings
from newsweave.errors import StoreValueError
from newsweave.ingest import read_inputs
from newsweave.models import Annotation, Article, InputFate
from newsweave.stages import STAGES
from newsweave.steps import fingerprint
from newsweave.store import Store

logger = logging.getLogger(__name__)

INGEST_BATCH = 200


class Progress(Protocol):
    """What the pipeline needs from a progress display (rich's Progress fits)."""

    def add_task(self, description: str, *args: Any, **kwargs: Any) -> Any:
        """Start a task; ``total`` is passed by keyword."""

    def advance(self, task_id: Any, advance: float = ...) -> None:
        """Advance a task."""


class _NoProgress:
    def add_task(self, description: str, *args: Any, **kwargs: Any) -> int:
        return 0

    def advance(self, task_id: Any, advance: float = 1) -> None:
        return None


@dataclass(slots=True)
class RunReport:
    """What one run did: the fate of every input, and what each stage did."""

    fates: list[InputFate] = field(default_factory=list)
    stages: dict[str, str] = field(default_factory=dict)
    #: the exception of each stage that failed (its previous records were kept)
    failures: dict[str, BaseException] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Inputs by status."""
        out: dict[str, int] = {"stored": 0, "duplicate": 0, "skipped": 0}
        for f in self.fates:
            out[f.status] += 1
        return out


def store_articles(store: Store, batch: Sequence[Article]) -> tuple[set[str], dict[str, str]]:
    """Store a batch in one transaction; if a value in it cannot be stored, store it article by article.

    Returns:
        The ids added, and the reason for each article id that could not be stored
        (the others of its batch are stored all the same).
    """
    try:
        return set(store.add_articles(batch)), {}
    except StoreValueError as exc:
        if len(batch) == 1:
            return set(), {batch[0].id: exc.reason}
    added: set[str] = set()
    refused: dict[str, str] = {}
    for art in batch:
        try:
            added.update(store.add_articles([art]))
        except StoreValueError as exc:
            refused[art.id] = exc.reason
    return added, refused


def ingest(paths: Iterable[str | Path], store: Store, settings: Settings,
           progress: Progress | None = None) -> list[InputFate]:
    """Read every input and store the new articles, in batches (one transaction each).

    An article with a value the store cannot hold is skipped with the reason; the
    rest of its batch is stored all the same.

    Returns:
        The fate of every input, in the order the inputs were read: stored,
        duplicate (with the id it duplicates) or skipped (with the reason).
    """
    progress = progress or _NoProgress()
    task = progress.add_task("ingest", total=None)
    fates: list[InputFate | None] = []  # by position in the input order
    pending: list[tuple[int, str, Article]] = []
    first_input: dict[str, str] = {}
    refused: dict[str, str] = {}

    def flush() -> None:
        known = store.known_ids(a.id for _, _, a in pending)
        new = list({a.id: a for _, _, a in pending if a.id not in known}.values())
        added, bad = store_articles(store, new)
        for aid, reason in bad.items():
            logger.warning("could not store article %s: %s", aid, reason)
        refused.update(bad)
        for pos, name, art in pending:
            first = first_input[art.id]
            if art.id in refused:
                fates[pos] = InputFate(name, "skipped", refused[art.id])
            elif art.id in added and first == name:
                fates[pos] = InputFate(name, "stored", "", art.id)
            elif first == name:
                fates[pos] = InputFate(name, "duplicate", f"already stored as {art.id}", art.id)
            else:
                fates[pos] = InputFate(name, "duplicate", f"same text as {first} ({art.id})", art.id)
        pending.clear()

    for name, result in read_inputs(paths, settings):
        progress.advance(task)
        fates.append(None)
        if isinstance(result, str):
            logger.warning("skipped %s: %s", name, result)
            fates[-1] = InputFate(name, "skipped", result)
        elif result.id in refused:
            fates[-1] = InputFate(name, "skipped", refused[result.id])
        else:
            first_input.setdefault(result.id, name)
            pending.append((len(fates) - 1, name, result))
            if len(pending) >= INGEST_BATCH:
                flush()
    if pending:
        flush()
    return [f for f in fates if f is not None]


def annotate_new(store: Store, settings: Settings, progress: Progress | None = None) -> int:
    """Annotate stored English articles that have no annotation yet; returns how many were done.

    One ``nlp.pipe`` runs over all of them (in ``settings.annotate_processes`` processes,
    when there are enough articles for it to pay; see
    :func:`newsweave.annotate.nlp.choose_processes`), reading the articles from the store
    a batch at a time. Each group of ``settings.annotate_batch`` annotations is stored in
    one transaction: a run killed halfway keeps the groups it finished, and the next run
    goes on from there.
    """
    from newsweave.annotate.nlp import annotate, choose_processes, load_nlp

    todo = store.unannotated_ids("en")
    if not todo:
        return 0
    progress = progress or _NoProgress()
    task = progress.add_task("annotate", total=len(todo))
    nlp = load_nlp(settings.spacy_model)
    step = max(settings.annotate_batch, 1)
    processes = choose_processes(settings.annotate_processes, len(todo))
    if processes > 1:
        logger.info("annotating %d articles in %d processes", len(todo), processes)

    def stored() -> Iterator[Article]:
        for k in range(0, len(todo), step):
            yield from store.articles(todo[k : k + step])

    done = 0
    pending: list[Annotation] = []
    # spaCy's batches no larger than a transaction's: each transaction is stored as soon as it is parsed
    batch_size = min(max(settings.batch_size, 1), step)
    for ann in annotate(stored(), nlp, batch_size=batch_size, processes=processes):
        pending.append(ann)
        if len(pending) >= step:
            store.put_annotations(pending)
            done += len(pending)
            progress.advance(task, len(pending))
            pending = []
    if pending:
        store.put_annotations(pending)
        done += len(pending)
        progress.advance(task, len(pending))
    return done


def run_stages(store: Store, settings: Settings, progress: Progress | None = None,
               force: bool = False, failures: dict[str, BaseException] | None = None) -> dict[str, str]:
    """Run every registered stage whose inputs changed; returns what each did.

    Each stage's records and fingerprint are written in one transaction at its end
    (:meth:`Store.deferred`), so a stage is either done or not done, never half done.
    A stage that raises is reported (and its exception put in ``failures`` when given);
    the later stages still run.
    """
    progress = progress or _NoProgress()
    out: dict[str, str] = {}
    task = progress.add_task("analyse", total=len(STAGES))
    # Which articles are annotated is part of what every stage reads: another run may have stored
    # articles that this one sees but has not annotated (it will be annotated before that run's stages).
    annotated = fingerprint(store.annotated_ids())
    for stage in STAGES:
        key = f"stage:{stage.name}"
        fp = fingerprint(stage.inputs(store), annotated)
        if not force and store.get_state(key) == fp:
            out[stage.name] = "unchanged, not recomputed"
        else:
            try:
                # All the stage's records and its fingerprint land in one transaction: killed
                # halfway, it left nothing, and the next run redoes it from the same inputs.
                # BLAS on one thread: the stages multiply small per-story matrices, where a second thread
                # only spins (the summary's LSA took 4x the CPU time with two under load; bench/RESULTS.md)
                with store.deferred(), threadpool_limits(limits=1, user_api="blas"):
                    said = stage.run(store, settings)
                    store.set_state(key, fp)
            except Exception as exc:  # one failing stage must not lose the others' work
                # one line here; the traceback goes to whoever asked for the failures (the CLI's --debug)
                logger.warning("stage %s failed: %s: %s", stage.name, type(exc).__name__, exc,
                               exc_info=failures is None)
                out[stage.name] = f"FAILED ({type(exc).__name__}: {exc}); its previous records are kept"
                if failures is not None:
                    failures[stage.name] = exc
            else:
                out[stage.name] = said
        progress.advance(task)
    return out


def analyze(paths: Iterable[str | Path], store: Store, settings: Settings,
            progress_factory: Callable[[], AbstractContextManager[Any]] | None = None,
            force: bool = False) -> RunReport:
    """Ingest the paths, annotate what is new, and run every stage whose inputs changed.

    Args:
        paths: files and directories to ingest (may be empty to re-run over the store).
        store: an open store.
        settings: run options.
        progress_factory: makes a progress display (e.g. ``rich.progress.Progress``).
        force: re-run every stage even when its inputs did not change.

    Returns:
        A :class:`RunReport`.

    Two runs on one store at once both finish: ingestion interleaves (one write
    transaction at a time), annotation and the stages run in one process at a time
    (:meth:`Store.exclusive`); the second sees what the first stored and redoes only
    what changed.
    """
    report = RunReport()
    ctx = progress_factory() if progress_factory else nullcontext(None)
    with ctx as progress:
        report.fates = ingest(paths, store, settings, progress)
        with store.exclusive("analysis"):
            n = annotate_new(store, settings, progress)
            report.stages["annotate"] = f"{n} articles annotated" if n else "nothing new to annotate"
            report.stages.update(run_stages(store, settings, progress, force=force, failures=report.failures))
    return report

