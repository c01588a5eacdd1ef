"""Runs the stages in order, incrementally, with progress.

Ingest stores what is new (content-hash ids make re-ingest a no-op); annotate
runs spaCy only on articles without an annotation, one transaction per batch, so
a killed run resumes where it stopped. Later stages are registered in
:data:`STAGES`; each one declares a fingerprint of what it reads and is skipped
when that fingerprint has not changed since its last run.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from newsweave.config import Settings
from newsweave.ingest import read_inputs
from newsweave.models import AnnotatedArticle, Article, InputFate
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

    def counts(self) -> dict[str, int]:
        """Inputs by status."""
        out: dict[str, int] = {"stored": 0, "duplicate": 0, "skipped": 0}
        for f in self.fates:
            out[f.status] += 1
        return out


def ingest(paths: Iterable[str | Path], store: Store, settings: Settings,
           progress: Progress | None = None) -> list[InputFate]:
    """Read every input and store the new articles, in batches (one transaction each).

    Returns:
        The fate of every input: stored, duplicate (with the id it duplicates) or
        skipped (with the reason).
    """
    progress = progress or _NoProgress()
    task = progress.add_task("ingest", total=None)
    fates: list[InputFate] = []
    pending: list[tuple[str, Article]] = []
    first_input: dict[str, str] = {}

    def flush() -> None:
        known = store.known_ids(a.id for _, a in pending)
        added = set(store.add_articles([a for _, a in pending if a.id not in known]))
        for name, art in pending:
            first = first_input[art.id]
            if art.id in added and first == name:
                fates.append(InputFate(name, "stored", "", art.id))
            elif first == name:
                fates.append(InputFate(name, "duplicate", f"already stored as {art.id}", art.id))
            else:
                fates.append(InputFate(name, "duplicate", f"same text as {first} ({art.id})", art.id))
        pending.clear()

    for name, result in read_inputs(paths, settings):
        progress.advance(task)
        if isinstance(result, str):
            logger.warning("skipped %s: %s", name, result)
            fates.append(InputFate(name, "skipped", result))
            continue
        first_input.setdefault(result.id, name)
        pending.append((name, result))
        if len(pending) >= INGEST_BATCH:
            flush()
    if pending:
        flush()
    # Keep the report in input order even though duplicates are decided per batch.
    order = {name: k for k, name in enumerate(dict.fromkeys(f.input for f in fates))}
    fates.sort(key=lambda f: order[f.input])
    return fates


def annotate_new(store: Store, settings: Settings, progress: Progress | None = None) -> int:
    """Annotate stored English articles that have no annotation yet; returns how many were done."""
    from newsweave.annotate import annotate, load_nlp

    todo = store.unannotated_ids("en")
    if not todo:
        return 0
    progress = progress or _NoProgress()
    task = progress.add_task("annotate", total=len(todo))
    nlp = load_nlp(settings.spacy_model)
    done = 0
    step = max(settings.batch_size, 1) * 4
    for k in range(0, len(todo), step):
        batch = store.articles(todo[k : k + step])
        anns = list(annotate(batch, nlp, batch_size=settings.batch_size))
        store.put_annotations(anns)
        done += len(anns)
        progress.advance(task, len(batch))
    return done


def load_annotated(store: Store, ids: Iterable[str] | None = None) -> list[AnnotatedArticle]:
    """Stored articles with their annotations, in ingestion order."""
    arts = store.articles(ids)
    anns = store.annotations([a.id for a in arts])
    return [AnnotatedArticle(a, anns.get(a.id)) for a in arts]


def fingerprint(*parts: Any) -> str:
    """A short stable hash of JSON-able parts (what a stage read, and its version)."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:20]


@dataclass(slots=True)
class Stage:
    """One analysis step after annotation.

    ``run(store, settings)`` reads what is stored and writes its records; it returns
    a one-line account of what it did. ``inputs(store)`` returns a fingerprint of
    what it reads: when unchanged since the last run, the stage is skipped.
    """

    name: str
    run: Callable[[Store, Settings], str]
    inputs: Callable[[Store], str]


#: Analysis stages after ingest and annotate, in order. Filled by :mod:`newsweave.stages`.
STAGES: list[Stage] = []


def run_stages(store: Store, settings: Settings, progress: Progress | None = None,
               force: bool = False) -> dict[str, str]:
    """Run every registered stage whose inputs changed; returns what each did."""
    from newsweave import stages as _register  # noqa: F401  (fills STAGES)

    progress = progress or _NoProgress()
    out: dict[str, str] = {}
    task = progress.add_task("analyse", total=len(STAGES))
    for stage in STAGES:
        key = f"stage:{stage.name}"
        fp = stage.inputs(store)
        if not force and store.get_state(key) == fp:
            out[stage.name] = "unchanged, not recomputed"
        else:
            try:
                out[stage.name] = stage.run(store, settings)
            except Exception as exc:  # one failing stage must not lose the others' work
                logger.exception("stage %s failed", stage.name)
                out[stage.name] = f"FAILED ({type(exc).__name__}: {exc}); its previous records are kept"
                continue
            store.set_state(key, fp)
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
    """
    report = RunReport()
    ctx = progress_factory() if progress_factory else nullcontext(None)
    with ctx as progress:
        report.fates = ingest(paths, store, settings, progress)
        n = annotate_new(store, settings, progress)
        report.stages["annotate"] = f"{n} articles annotated" if n else "nothing new to annotate"
        report.stages.update(run_stages(store, settings, progress, force=force))
    return report

