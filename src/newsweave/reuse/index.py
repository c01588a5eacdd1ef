"""The reuse stage, incrementally: per-article fingerprints and a persistent index in the store.

:func:`newsweave.reuse.detect.detect_reuse` finds reuse from scratch over a list of
articles. :func:`update_reuse` keeps the same records current as articles arrive (or
go), from the same functions, reading only the articles a change can reach:

* each article is fingerprinted once (:class:`Fingerprint`: its word 8-gram hashes, its
  furniture line keys, its MinHash signature), stored as a record of kind
  ``reuse_raw`` scoped by the article (as the other stages keep theirs);
* the table ``reuse_index`` holds, for every key of those fingerprints, the articles
  that hold it: by 8-gram (candidate pairs: grams in more than
  :data:`~newsweave.reuse.detect.MAX_DF` articles make none), by outlet line (furniture:
  a line of an outlet in two articles), by LSH band (near-duplicates);
* a run aligns the candidate pairs of each new article; the pairs among stored articles
  whose candidacy changed because a gram crossed ``MAX_DF`` (aligned, or their link
  dropped); every pair of a stored article whose furniture changed (a new article of its
  outlet repeats one of its lines, or the one that did is gone); and it rewrites only the
  records whose content changed.

Records: ``reuse`` links (id ``copy<origin``) scoped by ``copy<``, ``duplicate`` pairs (``a=b``) by
``a=``, ``article_reuse`` by the article, so that each article's can be replaced alone; a scope is
its records' id up to the separator (which no article id holds), so records read in (scope, id)
order come in id order, as when they were all in one scope.
The result equals :func:`~newsweave.reuse.detect.detect_reuse` over the stored articles in
ingestion order, however the articles arrived (``tests/reuse/test_incremental.py``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, select
from sqlalchemy.engine import Connection

from newsweave.models import Article, Span
from newsweave.reuse.detect import article_reuse, duplicate_pair, furniture_spans, reuse_link
from newsweave.reuse.fingerprint import MAX_DF, band_keys, gram_hashes, line_keys, minhash_values, outlet_of
from newsweave.store import Store
from newsweave.store.schema import reuse_index

logger = logging.getLogger(__name__)

#: record kind of the per-article fingerprints
FP_KIND = "reuse_raw"
#: state key holding the version of the index the store holds; another value (or none) rebuilds it
STATE_KEY = "reuse:index"
INDEX_VERSION = "reuse-index/1"
#: kinds of keys in ``reuse_index``
GRAMS, LINES, BANDS = 0, 1, 2
#: the stage's output record kinds
OUTPUT_KINDS = ("reuse", "article_reuse", "duplicate")
#: keys bound in one ``IN (...)``
_CHUNK = 500


@dataclass(slots=True)
class Fingerprint:
    """What the reuse stage keeps of one article: made once, from the article alone."""

    article_id: str
    #: CRC-32 of its word 8-grams, sorted
    grams: list[int]
    #: ``(key, start, end)`` of its lines with words (none when it has no outlet)
    lines: list[tuple[int, int, int]]
    #: MinHash hash values of its word 5-shingles (``None``: no words)
    minhash: list[int] | None

    @classmethod
    def of(cls, art: Article) -> Fingerprint:
        """Fingerprint one article."""
        return cls(art.id, sorted(gram_hashes(art.text)), line_keys(art.text, outlet_of(art)),
                   minhash_values(art.text))

    def keys(self, kind: int) -> set[int]:
        """Its keys of one kind in the index."""
        if kind == GRAMS:
            return set(self.grams)
        if kind == LINES:
            return {k for k, _, _ in self.lines}
        return set(band_keys(self.minhash)) if self.minhash is not None else set()

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"article_id": self.article_id, "grams": self.grams, "lines": [list(x) for x in self.lines],
                "minhash": self.minhash}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Fingerprint:
        """Read back :meth:`to_dict`."""
        return cls(d["article_id"], d["grams"], [(k, s, e) for k, s, e in d["lines"]], d["minhash"])


class IndexTable:
    """The stored postings (``reuse_index``): reads see what was committed before this run, writes join
    the stage's transaction (:meth:`Store.deferred`). ``empty``: read nothing (the index is being rebuilt)."""

    def __init__(self, store: Store, empty: bool) -> None:
        self.store, self.empty = store, empty

    def _rows(self, query: Any, kind: int, keys: list[int]) -> Iterator[Any]:
        if self.empty or not keys:
            return
        with self.store.engine.connect() as conn:
            for k in range(0, len(keys), _CHUNK):
                yield from conn.execute(query.where(reuse_index.c.kind == kind,
                                                    reuse_index.c.key.in_(keys[k : k + _CHUNK])))

    def counts(self, kind: int, keys: Iterable[int]) -> dict[int, int]:
        """How many articles hold each key (keys no article holds are left out)."""
        query = select(reuse_index.c.key, func.count()).group_by(reuse_index.c.key)
        return {int(k): int(n) for k, n in self._rows(query, kind, list(keys))}

    def postings(self, kind: int, keys: Iterable[int]) -> dict[int, set[str]]:
        """The articles that hold each key."""
        out: dict[int, set[str]] = defaultdict(set)
        for k, aid in self._rows(select(reuse_index.c.key, reuse_index.c.article_id), kind, list(keys)):
            out[int(k)].add(aid)
        return out

    def _write(self, fn: Any) -> None:
        # the store's own deferral: these rows land in the stage's one transaction, with its records
        self.store._apply(fn)

    def clear(self) -> None:
        """Delete every posting."""
        self._write(lambda c: c.execute(delete(reuse_index)))

    def add(self, kind: int, rows: list[tuple[int, str]]) -> None:
        """Add ``(key, article id)`` postings."""
        if not rows:
            return
        # the driver's own executemany: SQLAlchemy's per-row parameter handling cost more than the insert
        mark = "?" if self.store.engine.dialect.paramstyle == "qmark" else "%s"
        sql = f"INSERT INTO reuse_index (kind, key, article_id) VALUES ({mark}, {mark}, {mark})"
        self._write(lambda c: c.exec_driver_sql(sql, [(kind, k, a) for k, a in rows]))

    def remove(self, kind: int, rows: list[tuple[int, str]]) -> None:
        """Remove ``(key, article id)`` postings."""
        if not rows:
            return
        stmt = delete(reuse_index).where(and_(reuse_index.c.kind == kind, reuse_index.c.key == bindparam("k"),
                                              reuse_index.c.article_id == bindparam("a")))

        def write(c: Connection) -> None:
            c.execute(stmt, [{"k": k, "a": a} for k, a in rows])

        self._write(write)


class KeyView:
    """Counts and postings of one kind of key, as stored and after this run (stored + added - removed)."""

    def __init__(self, table: IndexTable, kind: int, added: dict[int, set[str]], removed: dict[int, set[str]]):
        self.table, self.kind, self.added, self.removed = table, kind, added, removed
        self._count: dict[int, int] = {}
        self._post: dict[int, set[str]] = {}

    @property
    def touched(self) -> set[int]:
        """The keys this run adds or removes articles to or from."""
        return set(self.added) | set(self.removed)

    def fetch_counts(self, keys: Iterable[int]) -> None:
        """Read the stored counts of ``keys`` not read yet."""
        want = {k for k in keys if k not in self._count}
        found = self.table.counts(self.kind, want)
        self._count.update((k, found.get(k, 0)) for k in want)

    def fetch_postings(self, keys: Iterable[int]) -> None:
        """Read the stored postings of ``keys`` not read yet."""
        want = {k for k in keys if k not in self._post}
        found = self.table.postings(self.kind, want)
        self._post.update((k, found.get(k, set())) for k in want)

    def old_count(self, key: int) -> int:
        """How many articles held ``key`` before this run."""
        return self._count[key]

    def new_count(self, key: int) -> int:
        """How many articles hold ``key`` after this run."""
        return self._count[key] + len(self.added.get(key, ())) - len(self.removed.get(key, ()))

    def old_postings(self, key: int) -> set[str]:
        """The articles that held ``key`` before this run."""
        return self._post[key]

    def new_postings(self, key: int) -> set[str]:
        """The articles that hold ``key`` after this run."""
        return (self._post[key] - self.removed.get(key, set())) | self.added.get(key, set())


def _in_range(df: int) -> bool:
    """Whether a gram in ``df`` articles makes candidate pairs (as in :func:`detect.candidate_pairs`)."""
    return 1 < df <= MAX_DF


class _Run:
    """One update of the index and the records (see the module's docstring)."""

    def __init__(self, store: Store, min_words: int, min_share: float) -> None:
        self.store, self.min_words, self.min_share = store, min_words, min_share
        self.built = store.get_state(STATE_KEY) == INDEX_VERSION
        self.order = list(store.iter_article_ids())
        self.pos = {a: n for n, a in enumerate(self.order)}
        self.table = IndexTable(store, empty=not self.built)
        self.texts: dict[str, Article] = {}
        self.fps: dict[str, Fingerprint] = {}
        self.links: dict[str, list[dict[str, Any]]] = {}  # copy -> its links after this run

    def stored(self, kind: str, scope: str) -> list[dict[str, Any]]:
        """Records of ``kind`` in ``scope`` before this run (none when rebuilding)."""
        return self.store.records(kind, scope=scope) if self.built else []

    def load(self, ids: Iterable[str]) -> None:
        """Read the articles of ``ids`` not read yet."""
        want = [a for a in dict.fromkeys(ids) if a not in self.texts]
        if want:
            self.texts.update((a.id, a) for a in self.store.articles(want))

    def fp(self, aid: str) -> Fingerprint:
        """An article's fingerprint (made in this run or stored)."""
        if aid not in self.fps:
            (rec,) = self.store.records(FP_KIND, scope=aid)
            self.fps[aid] = Fingerprint.from_dict(rec)
        return self.fps[aid]

    def pair(self, x: str, y: str) -> tuple[str, str]:
        """The pair in ingestion order."""
        return (x, y) if self.pos[x] < self.pos[y] else (y, x)

    def run(self) -> str:
        """Update everything; returns what was done."""
        store = self.store
        if self.built:
            indexed = store.record_scopes(FP_KIND)
        else:
            indexed = set()
            self.table.clear()
            for record_kind in (FP_KIND, *OUTPUT_KINDS):
                store.drop_scopes(record_kind, store.record_scopes(record_kind))
        new = [a for a in self.order if a not in indexed]
        gone = indexed - self.pos.keys()
        self.load(new)
        self.fps.update((a, Fingerprint.of(self.texts[a])) for a in new)
        views: dict[int, KeyView] = {}
        for kind in (GRAMS, LINES, BANDS):
            added: dict[int, set[str]] = defaultdict(set)
            removed: dict[int, set[str]] = defaultdict(set)
            for a in new:
                for k in self.fps[a].keys(kind):
                    added[k].add(a)
            for d in gone:
                for k in self.fp(d).keys(kind):
                    removed[k].add(d)
            views[kind] = KeyView(self.table, kind, dict(added), dict(removed))

        pairs, dropped = self.candidates(views[GRAMS], new, gone)
        refurnished = self.refurnished(views[LINES], gone)
        pairs |= self.partners(views[GRAMS], refurnished)
        involved = {x for p in pairs | dropped for x in p} | refurnished | set(new)
        furniture = self.furniture(views[LINES], involved)
        n_links = self.write_links(pairs, dropped, gone, furniture)
        summarize = (involved | set(self.links)) - gone
        furniture.update(self.furniture(views[LINES], summarize - furniture.keys()))
        n_summaries = self.write_summaries(summarize, gone, furniture)
        n_dups = self.write_duplicates(views[BANDS], new, gone)

        for kind, view in views.items():
            self.table.remove(kind, [(k, a) for k, ids in view.removed.items() for a in sorted(ids)])
            self.table.add(kind, [(k, a) for k, ids in view.added.items() for a in sorted(ids)])
        for a in new:
            store.replace_records(FP_KIND, [(a, self.fps[a].to_dict(), [a])], scope=a)
        store.drop_scopes(FP_KIND, gone)
        store.set_state(STATE_KEY, INDEX_VERSION)
        done = (f"{len(new)} articles fingerprinted, {len(gone)} gone; {len(pairs)} pairs aligned "
                f"({len(refurnished)} stored articles with changed furniture, {len(dropped)} pairs no longer "
                f"candidates); records rewritten: {n_links} reuse scopes, {n_summaries} article summaries, "
                f"{n_dups} near-duplicate scopes")
        if not self.built:
            return (f"reuse index built from all {len(self.order)} stored articles "
                    f"(the store had none of version {INDEX_VERSION}): {done}")
        return done

    def candidates(self, grams: KeyView, new: list[str], gone: set[str]
                   ) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        """The candidate pairs of the new articles plus the stored pairs that became candidates, and
        the stored pairs that stopped being candidates (a gram they share crossed ``MAX_DF``)."""
        touched = grams.touched
        grams.fetch_counts(touched)
        grams.fetch_postings(k for k in touched if _in_range(grams.old_count(k)) or _in_range(grams.new_count(k)))
        pairs: set[tuple[str, str]] = set()
        for n in new:
            for k in self.fps[n].grams:
                if _in_range(grams.new_count(k)):
                    pairs.update(self.pair(n, m) for m in grams.new_postings(k) if m != n)
        crossed = [k for k in touched if _in_range(grams.old_count(k)) != _in_range(grams.new_count(k))]
        check = {self.pair(x, y) for k in crossed for x, y in combinations(sorted(grams.old_postings(k) - gone), 2)}
        sets = {a: set(self.fp(a).grams) for p in check for a in p}
        shared = {p: sets[p[0]] & sets[p[1]] for p in check}
        grams.fetch_counts(k for s in shared.values() for k in s)
        dropped: set[tuple[str, str]] = set()
        for p, common in shared.items():
            was = any(_in_range(grams.old_count(k)) for k in common)
            now = any(_in_range(grams.new_count(k)) for k in common)
            if now and not was:
                pairs.add(p)
            elif was and not now:
                dropped.add(p)
        return pairs, dropped

    def refurnished(self, lines: KeyView, gone: set[str]) -> set[str]:
        """Stored articles (not new, not gone) one of whose lines became furniture or stopped being it."""
        lines.fetch_counts(lines.touched)
        flipped = [k for k in lines.touched if (lines.old_count(k) >= 2) != (lines.new_count(k) >= 2)]
        lines.fetch_postings(flipped)
        return {a for k in flipped for a in lines.old_postings(k)} - gone

    def partners(self, grams: KeyView, articles: set[str]) -> set[tuple[str, str]]:
        """Every candidate pair, after this run, of ``articles``."""
        keys = {k for a in articles for k in self.fp(a).grams}
        grams.fetch_counts(keys)
        grams.fetch_postings(k for k in keys if _in_range(grams.new_count(k)))
        return {self.pair(a, m) for a in articles for k in self.fp(a).grams if _in_range(grams.new_count(k))
                for m in grams.new_postings(k) if m != a}

    def furniture(self, lines: KeyView, articles: set[str]) -> dict[str, list[Span]]:
        """The furniture of ``articles`` after this run."""
        lines.fetch_counts(k for a in articles for k, _, _ in self.fp(a).lines)
        return {a: furniture_spans(self.fp(a).lines, lines.new_count) for a in articles}

    def write_links(self, pairs: set[tuple[str, str]], dropped: set[tuple[str, str]], gone: set[str],
                    furniture: dict[str, list[Span]]) -> int:
        """Align ``pairs``, drop the links of ``dropped`` and of gone articles; rewrite the scopes that changed."""
        self.load(a for p in pairs for a in p)
        changes: dict[str, dict[str, dict[str, Any] | None]] = defaultdict(dict)  # copy -> origin -> link
        for x, y in sorted(pairs, key=lambda p: (self.pos[p[0]], self.pos[p[1]])):
            origin, copy, link = reuse_link(self.texts[x], self.texts[y], furniture, self.min_words, self.min_share)
            changes[copy][origin] = link.to_dict() if link is not None else None
        for x, y in dropped:
            changes[x][y] = changes[y][x] = None
        if gone and self.built:
            for r in self.store.records("reuse"):
                if r["origin_article_id"] in gone:
                    changes[r["copy_article_id"]][r["origin_article_id"]] = None
        self.store.drop_scopes("reuse", (f"{d}<" for d in gone))
        return self._rewrite("reuse", changes, gone, "<", "origin_article_id", self.links)

    def _rewrite(self, kind: str, changes: dict[str, dict[str, dict[str, Any] | None]], gone: set[str],
                 sep: str, other: str, keep: dict[str, list[dict[str, Any]]] | None = None) -> int:
        """Apply ``changes`` (article -> other article -> record or None) to the stored records of ``kind``
        (ids ``article{sep}other``, scoped by ``article{sep}``); write the scopes that changed; returns how many."""
        written = 0
        for art, change in changes.items():
            if art in gone:
                continue
            scope = f"{art}{sep}"
            old = {r[other]: r for r in self.stored(kind, scope)}
            now = dict(old)
            for o, rec in change.items():
                if rec is None:
                    now.pop(o, None)
                else:
                    now[o] = rec
            if keep is not None:
                keep[art] = list(now.values())
            if now != old:
                self.store.replace_records(kind, [(f"{scope}{o}", r, [art, o]) for o, r in sorted(now.items())],
                                           scope=scope)
                written += 1
        return written

    def write_summaries(self, articles: set[str], gone: set[str], furniture: dict[str, list[Span]]) -> int:
        """Recompute the ``article_reuse`` record of ``articles``; rewrite those that changed."""
        todo = sorted(articles, key=self.pos.__getitem__)
        self.load(todo)
        written = 0
        for a in todo:
            links = self.links[a] if a in self.links else self.stored("reuse", f"{a}<")
            copied = [Span(p["copy_start"], p["copy_end"]) for r in links for p in r["passages"]]
            rec = article_reuse(self.texts[a], copied, any(r["origin_uncertain"] for r in links), furniture[a])
            now = rec.to_dict()
            if self.stored("article_reuse", a) != [now]:
                self.store.replace_records("article_reuse", [(a, now, [a])], scope=a)
                written += 1
        self.store.drop_scopes("article_reuse", gone)
        return written

    def write_duplicates(self, bands: KeyView, new: list[str], gone: set[str]) -> int:
        """Near-duplicate pairs of the new articles; drop those of gone articles."""
        keys = {n: self.fps[n].keys(BANDS) for n in new}
        bands.fetch_postings(k for ks in keys.values() for k in ks)
        pairs = {self.pair(n, m) for n, ks in keys.items() for k in ks for m in bands.new_postings(k) if m != n}
        self.load(a for p in pairs for a in p)
        changes: dict[str, dict[str, dict[str, Any] | None]] = defaultdict(dict)  # earlier -> later -> pair
        for x, y in pairs:
            dup = duplicate_pair(self.texts[x], self.texts[y])
            if dup is not None:
                changes[x][y] = dup.to_dict()
        if gone and self.built:
            for r in self.store.records("duplicate"):
                if r["article_b"] in gone:
                    changes[r["article_a"]][r["article_b"]] = None
        self.store.drop_scopes("duplicate", (f"{d}=" for d in gone))
        return self._rewrite("duplicate", changes, gone, "=", "article_b")


def update_reuse(store: Store, min_words: int = 8, min_share: float = 0.0) -> str:
    """Bring the reuse records and the index up to date with the stored articles.

    Fingerprints the articles stored since the last run and updates only the records a
    change can reach (see the module's docstring); with no index of this version in the
    store, builds it from every stored article (and says so).

    Args:
        store: the store (inside :meth:`Store.deferred`, all writes land in one transaction).
        min_words: shortest passage kept, in words (as :func:`~newsweave.reuse.detect.detect_reuse`).
        min_share: links whose copy share is below this are dropped.

    Returns:
        One line saying what was done.
    """
    return _Run(store, min_words, min_share).run()
