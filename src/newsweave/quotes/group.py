"""Cross-outlet quote groups: the same statement as rendered by different articles.

Quotes are cut into statements (sentences of the quoted words; an indirect
quote is one statement). Two statements of different articles match when their
normalized wording is close (rapidfuzz ``ratio``, or ``partial_ratio`` for a
truncated rendering of at least ``min_partial_words`` words), or, where
wording fails (translation, rewording), when their MiniLM embeddings
(:func:`newsweave.annotate.embeddings.english_encoder`) are close and the speakers do
not clash. Thresholds are fitted on PolNeAR train by ``bench/bench_quotes.py``
and packaged in ``data/quotes_params.json``.

:class:`QuoteGrouper` is incremental: statements join the best matching
existing group or found a new one whose id is derived from the founding
statement (article id, span, normalized words), so ids are stable across runs
and do not change when later articles join. Its state is a JSON-able dict;
:meth:`QuoteGrouper.resume` (and :func:`add_to_groups`) takes it up again from
stored groups.

Cost: wording is scored only between statements that share at least half the
distinct words of the shorter one (:data:`BLOCK_SHARE`, found by prefix
filtering on an inverted index of words, :class:`_WordBlocks`), so a
statement's cost grows with the statements that share its rarer words rather
than with the story; on the stores measured (bench notes in the commit) no
pair matching on wording shared fewer, and the groups equal those of scoring
every pair. Embeddings are compared with every earlier statement, a block of
rows at a time (memory: :data:`_ROWS` x statements).
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from rapidfuzz import fuzz

from newsweave.models import Span, content_id
from newsweave.quotes.model import Quote, _load_packaged
from newsweave.textutil import fold

_ABBREV = (
    r"(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bJr)(?<!\bSr)(?<!\bGen)(?<!\bCol)(?<!\bSen)"
    r"(?<!\bRep)(?<!\bGov)(?<!\bLt)(?<!\bNo)(?<!\b[A-Z])"
)
_SENT_END = re.compile(_ABBREV + r"[.!?…]+[\"'”’»]*\s+(?=[\"'“‘«„(]?[A-Z0-9])")


class Encoder(Protocol):
    """Anything with ``encode(texts) -> (n, d)`` unit vectors (e.g. ``english_encoder()``)."""

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(slots=True)
class GroupParams:
    """Matching thresholds (similarities in [0, 1])."""

    lexical: float = 0.86
    partial: float = 0.92
    min_partial_words: int = 6
    embedding: float = 0.82
    min_embedding_words: int = 5
    min_statement_words: int = 3

    @classmethod
    def default(cls) -> GroupParams:
        """Packaged fitted thresholds when present, else the hand-set defaults."""
        fitted = _load_packaged("quotes_params.json")
        if fitted and "group" in fitted:
            return cls.from_dict(fitted["group"])
        return cls()

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {k: getattr(self, k) for k in self.__slots__}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GroupParams:
        """Inverse of :meth:`to_dict` (unknown keys ignored)."""
        names = set(cls.__slots__)
        return cls(**{k: v for k, v in data.items() if k in names})


def normalize(text: str) -> str:
    """Lower-case words only: quote styles, punctuation, accents and spacing do not count."""
    text = re.sub(r"[’'`]", "", text.lower() if text.isascii() else fold(text))  # fold is lower() on ASCII
    return " ".join(re.findall(r"\w+", text))


def split_statements(quote: Quote, text: str) -> list[Span]:
    """Sentence-sized pieces of a quote's content parts (an indirect quote is one piece)."""
    if quote.kind == "indirect":
        return [quote.content]
    out: list[Span] = []
    for part in quote.parts:
        pos = part.start
        for m in _SENT_END.finditer(text, part.start, part.end):
            end = m.end()
            piece = text[pos:end].rstrip()
            if piece.strip():
                out.append(Span(pos, pos + len(piece)))
            pos = end
        if pos < part.end and text[pos : part.end].strip():
            out.append(Span(pos, part.end))
    return out


@dataclass(slots=True)
class Statement:
    """One statement of one quote: the unit that is matched across outlets."""

    quote: Quote
    span: Span
    text: str
    norm: str

    @property
    def key(self) -> tuple[str, int, int]:
        """Where it is: (article id, start, end)."""
        return (self.quote.article_id, self.span.start, self.span.end)


@dataclass(slots=True)
class Variant:
    """One article's rendering of a grouped statement."""

    article_id: str
    start: int
    end: int
    text: str
    quote_id: str
    kind: str
    speaker_text: str | None
    speaker_entity_id: str | None
    speaker_kind: str
    speaker: Span | None
    cue: Span | None
    cue_text: str | None
    medium: str | None
    confidence: float
    similarity: float
    differences: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Dossier form (schema ``quotes[].variants[]`` plus optional fields)."""
        return {
            "article_id": self.article_id,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "quote_id": self.quote_id,
            "kind": self.kind,
            "speaker_text": self.speaker_text,
            "speaker_entity_id": self.speaker_entity_id,
            "speaker_kind": self.speaker_kind,
            "speaker": None
            if self.speaker is None
            else {"start": self.speaker.start, "end": self.speaker.end},
            "cue": None if self.cue is None else {"start": self.cue.start, "end": self.cue.end},
            "cue_text": self.cue_text,
            "medium": self.medium,
            "confidence": round(self.confidence, 3),
            "similarity": round(self.similarity, 3),
            "differences": self.differences,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Variant:
        """Inverse of :meth:`to_dict`."""
        sp, cue = d.get("speaker"), d.get("cue")
        return cls(
            article_id=d["article_id"],
            start=d["start"],
            end=d["end"],
            text=d["text"],
            quote_id=d["quote_id"],
            kind=d["kind"],
            speaker_text=d.get("speaker_text"),
            speaker_entity_id=d.get("speaker_entity_id"),
            speaker_kind=d.get("speaker_kind", "unknown"),
            speaker=None if sp is None else Span(sp["start"], sp["end"]),
            cue=None if cue is None else Span(cue["start"], cue["end"]),
            cue_text=d.get("cue_text"),
            medium=d.get("medium"),
            confidence=float(d.get("confidence", 0.5)),
            similarity=float(d.get("similarity", 1.0)),
            differences=list(d.get("differences", [])),
        )


@dataclass(slots=True)
class QuoteGroup:
    """One statement across articles; ``text`` is the reference wording (longest direct variant)."""

    id: str
    variants: list[Variant]
    speaker_text: str | None = None
    speaker_entity_id: str | None = None
    speaker_kind: str = "unknown"

    @property
    def text(self) -> str:
        """Reference wording: the longest direct rendering, else the longest of all."""
        return self.reference.text

    @property
    def reference(self) -> Variant:
        """The variant whose wording the others are compared with."""
        direct = [v for v in self.variants if v.kind == "direct"] or self.variants
        return max(direct, key=lambda v: (len(normalize(v.text).split()), -self.variants.index(v)))

    @property
    def article_ids(self) -> list[str]:
        """Articles holding a variant, in first-seen order."""
        return list(dict.fromkeys(v.article_id for v in self.variants))

    def refresh(self, canonical: Mapping[str, str] | None = None) -> None:
        """Recompute the group speaker (majority over variants) and each variant's differences."""
        votes: Counter[tuple[str | None, str | None, str]] = Counter()
        for v in self.variants:
            if v.speaker_entity_id or (
                v.speaker_text and v.speaker_kind in {"named", "pronoun", "anonymous"}
            ):
                name = v.speaker_text
                if canonical and name:
                    name = canonical.get(name, name)
                kind = "named" if v.speaker_kind == "pronoun" else v.speaker_kind
                votes[(v.speaker_entity_id, name, kind)] += 2 if kind == "named" else 1
        if votes:
            (eid, name, kind), _ = max(votes.items(), key=lambda kv: (kv[1], kv[0][2] == "named"))
            self.speaker_entity_id, self.speaker_text, self.speaker_kind = eid, name, kind
        else:
            self.speaker_entity_id, self.speaker_text, self.speaker_kind = None, None, "unknown"
        ref = self.reference
        for v in self.variants:
            v.differences = [] if v is ref else word_differences(ref.text, v.text)

    def to_dict(self) -> dict[str, Any]:
        """Dossier form (schema section ``quotes``) plus ``speaker_kind``."""
        return {
            "id": self.id,
            "text": self.text,
            "speaker_entity_id": self.speaker_entity_id,
            "speaker_text": self.speaker_text,
            "speaker_kind": self.speaker_kind,
            "article_ids": self.article_ids,
            "variants": [v.to_dict() for v in self.variants],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> QuoteGroup:
        """Inverse of :meth:`to_dict`."""
        return cls(
            id=d["id"],
            variants=[Variant.from_dict(v) for v in d["variants"]],
            speaker_text=d.get("speaker_text"),
            speaker_entity_id=d.get("speaker_entity_id"),
            speaker_kind=d.get("speaker_kind", "unknown"),
        )


def word_differences(reference: str, variant: str) -> list[dict[str, str]]:
    """Word-level edits from the reference wording to a variant (case/punctuation ignored).

    Returns:
        ``[{"op": "replace"|"delete"|"insert", "reference": ..., "variant": ...}]``.
    """
    a, b = normalize(reference).split(), normalize(variant).split()
    out: list[dict[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op != "equal":
            out.append({"op": op, "reference": " ".join(a[i1:i2]), "variant": " ".join(b[j1:j2])})
    return out


def _speaker_name(q: Quote) -> str | None:
    return q.speaker_text if q.speaker_kind in {"named", "pronoun"} else None


def speakers_compatible(a: Quote, b: Quote) -> bool:
    """False only when both speakers are known and clearly different people/bodies."""
    if a.speaker_entity_id and b.speaker_entity_id:
        return a.speaker_entity_id == b.speaker_entity_id
    na, nb = _speaker_name(a), _speaker_name(b)
    if not na or not nb:
        return True
    ka, kb = normalize(na).split(), normalize(nb).split()
    if not ka or not kb:
        return True
    # last names equal up to a typo ("Silva"/"Salva"), or one name contains the other
    return fuzz.ratio(ka[-1], kb[-1]) >= 75 or set(ka) <= set(kb) or set(kb) <= set(ka)


def canonical_names(quotes: Sequence[Quote]) -> dict[str, str]:
    """Map each named speaker spelling to the most frequent compatible spelling in ``quotes``."""
    counts = Counter(
        q.speaker_text for q in quotes if q.speaker_text and q.speaker_kind in {"named", "pronoun"}
    )
    names = sorted(counts, key=lambda n: (-counts[n], -len(n), n))
    words = {n: normalize(n).split() for n in names}
    out: dict[str, str] = {}
    for n in names:
        kn = words[n]
        for c in names:
            if c == n or counts[c] < counts[n] or (c in out and out[c] != c):
                continue
            kc = words[c]
            if (
                kn
                and kc
                and len(kn[-1]) > 3
                and fuzz.ratio(kn[-1], kc[-1]) >= 75
                and (len(kn) == 1 or len(kc) == 1 or fuzz.ratio(kn[0], kc[0]) >= 75)
            ):
                out[n] = c
                break
        out.setdefault(n, n)
    return out


class QuoteGrouper:
    """Online grouping of quote statements across articles.

    Args:
        params: thresholds (default :meth:`GroupParams.default`).
        encoder: sentence encoder for the embedding fallback (default: the
            packaged English MiniLM, loaded on first use); pass ``False`` to
            match on wording only.
    """

    def __init__(self, params: GroupParams | None = None, encoder: Encoder | bool | None = None) -> None:
        self.params = params or GroupParams.default()
        self._encoder = encoder
        self.groups: list[QuoteGroup] = []
        self._norms: list[list[str]] = []  # per group: normalized variant texts
        self._vecs: list[np.ndarray] = []  # per group: (k, d) variant embeddings
        self._speakers: list[list[Quote]] = []
        self._all_quotes: list[Quote] = []

    def _encode(self, texts: list[str]) -> np.ndarray | None:
        if self._encoder is False or not texts:
            return None
        if self._encoder is None or self._encoder is True:
            from newsweave.annotate.embeddings import english_encoder

            self._encoder = english_encoder()
        enc: Encoder = self._encoder
        return np.asarray(enc.encode(texts), dtype=np.float32)

    def statements(self, quotes: Sequence[Quote], texts: Mapping[str, str],
                   order: Mapping[str, int] | None = None) -> list[Statement]:
        """Statements of ``quotes`` long enough to match, sorted by (article id, start), or by (``order`` of the
        article, article id, start) when given."""
        out: list[Statement] = []
        for q in quotes:
            text = texts[q.article_id]
            for sp in split_statements(q, text):
                s = text[sp.start : sp.end]
                norm = normalize(s)
                if len(norm.split()) >= self.params.min_statement_words:
                    out.append(Statement(q, sp, s, norm))
        if order is None:
            out.sort(key=lambda s: s.key)
        else:
            out.sort(key=lambda s: (order.get(s.quote.article_id, len(order)), *s.key))
        return out

    def score(self, a: str, b: str) -> float:
        """Wording similarity of two normalized statements in [0, 1] (truncation-tolerant)."""
        best = fuzz.ratio(a, b) / 100.0
        short = min(len(a.split()), len(b.split()))
        if short >= self.params.min_partial_words:
            part = fuzz.partial_ratio(a, b) / 100.0
            if part >= self.params.partial:
                best = max(best, part)
        return best

    def add(self, quotes: Sequence[Quote], texts: Mapping[str, str],
            order: Mapping[str, int] | None = None) -> list[QuoteGroup]:
        """Group the statements of new quotes, joining existing groups where they match.

        Each new statement (in (article id, start) order, or in ``order`` of the articles) joins the group
        holding its best match among the statements before it, or founds a new group. Wording is scored only
        against the earlier statements that share enough words with it (:class:`_WordBlocks`); embeddings
        against every earlier statement, a block of :data:`_ROWS` new statements at a time, so that memory
        stays rows x statements.

        Args:
            quotes: quotes of new articles (from :func:`newsweave.quotes.extract_quotes`).
            texts: article id -> text for every article the quotes come from.
            order: article id -> rank (e.g. ingestion order), the order statements join in; default the
                article id.

        Returns:
            All groups (old and new), each refreshed.
        """
        known = {(v.article_id, v.start, v.end) for g in self.groups for v in g.variants}
        stmts = [st for st in self.statements(quotes, texts, order) if st.key not in known]  # re-adding is a no-op
        seen_q = {q.id for q in self._all_quotes}
        self._all_quotes.extend(q for q in quotes if q.id not in seen_q)
        if not stmts:
            return self._refresh()
        p = self.params
        vecs = self._encode([s.text for s in stmts])
        words = np.array([len(s.norm.split()) for s in stmts])
        if vecs is None:
            vecs = np.zeros((len(stmts), 1), dtype=np.float32)
        vecs = np.where((words >= p.min_embedding_words)[:, None], vecs, 0.0).astype(np.float32)
        # every variant so far, flat (group by group), then the new statements
        old_norms = [n for norms in self._norms for n in norms]
        old_group = [g for g, norms in enumerate(self._norms) for _ in norms]
        cols = old_norms + [st.norm for st in stmts]
        col_long = [len(n.split()) >= p.min_partial_words for n in cols]
        old_vecs = [v for v in self._vecs if v.size]
        dim = vecs.shape[1]
        flat_old = np.vstack(old_vecs) if old_vecs and old_vecs[0].shape[1] == dim else np.zeros((0, dim))
        if flat_old.shape[0] != len(old_norms):
            flat_old = np.zeros((len(old_norms), dim), dtype=np.float32)
        all_vecs = np.vstack([flat_old, vecs]).astype(np.float32)
        use_vecs = bool(np.any(vecs)) and bool(np.any(all_vecs))
        col_group = old_group + [-1] * len(stmts)
        n_old = len(old_norms)
        blocks = _WordBlocks(cols, BLOCK_SHARE)
        for k in range(n_old):
            blocks.add(k)
        cos = np.zeros((0, 0), dtype=np.float32)
        chunk_start = 0
        for i, st in enumerate(stmts):
            col = n_old + i  # earlier statements of this batch count, later ones not yet
            if use_vecs and i % _ROWS == 0:  # the next rows' embedding scores, against every statement so far
                chunk_start = i
                cos = vecs[i : i + _ROWS] @ all_vecs[: n_old + i + _ROWS].T
            sim: dict[int, float] = {}
            for j in blocks.candidates(col):
                g = col_group[j]
                if sim.get(g) == 1.0:  # no other variant of the group can score higher
                    continue
                s = self._lexical(st.norm, cols[j], col_long[col] and col_long[j])
                if s >= p.lexical and s > sim.get(g, 0.0):
                    sim[g] = s
            if use_vecs:
                row = cos[i - chunk_start, :col]
                g_cos: dict[int, float] = {}
                for j in np.flatnonzero(row >= p.embedding).tolist():
                    g = col_group[j]
                    if g not in sim:
                        g_cos[g] = max(g_cos.get(g, -1.0), float(row[j]))
                for g, c in g_cos.items():
                    if all(speakers_compatible(st.quote, o) for o in self._speakers[g]):
                        sim[g] = c
            best, best_sim = -1, 0.0
            if sim:  # the best group; on a tie the one founded first
                best = min(sim, key=lambda g: (-sim[g], g))
                best_sim = sim[best]
            var = _variant(st, best_sim if best >= 0 else 1.0)
            vec = vecs[i : i + 1]
            if best >= 0:
                self.groups[best].variants.append(var)
                self._norms[best].append(st.norm)
                self._vecs[best] = np.vstack([self._vecs[best], vec])
                self._speakers[best].append(st.quote)
            else:
                gid = content_id(f"{st.quote.article_id}:{st.span.start}:{st.span.end}:{st.norm}", "qg_")
                self.groups.append(QuoteGroup(gid, [var]))
                self._norms.append([st.norm])
                self._vecs.append(vec)
                self._speakers.append([st.quote])
                best = len(self.groups) - 1
            col_group[col] = best
            blocks.add(col)
        return self._refresh()

    @classmethod
    def resume(cls, groups: Sequence[QuoteGroup], quotes: Sequence[Quote], params: GroupParams | None = None,
               encoder: Encoder | bool | None = None) -> QuoteGrouper:
        """A grouper holding ``groups`` as :meth:`add` left them, ready to add the statements of more articles.

        Args:
            groups: groups made by :meth:`add` (e.g. read back from their records), in the order they were
                founded; their variants' embeddings are asked of ``encoder`` again (a cached one reads them back).
            quotes: the quotes the groups were made from (speakers are compared on embedding matches).
            params, encoder: as for :class:`QuoteGrouper`.
        """
        obj = cls(params, encoder)
        obj.groups = list(groups)
        obj._norms = [[normalize(v.text) for v in g.variants] for g in obj.groups]
        texts = [v.text for g in obj.groups for v in g.variants]
        words = np.array([len(n.split()) for norms in obj._norms for n in norms], dtype=np.int64)
        vecs = obj._encode(texts)
        if vecs is None:
            vecs = np.zeros((len(texts), 1), dtype=np.float32)
        vecs = np.where((words >= obj.params.min_embedding_words)[:, None], vecs, 0.0).astype(np.float32)
        ends = np.cumsum([len(norms) for norms in obj._norms])
        obj._vecs = [vecs[e - len(norms) : e] for e, norms in zip(ends.tolist(), obj._norms, strict=True)]
        obj._all_quotes = list(quotes)
        by_id = {q.id: q for q in quotes}
        obj._speakers = [[by_id[v.quote_id] for v in g.variants if v.quote_id in by_id] for g in obj.groups]
        return obj

    def _lexical(self, a: str, b: str, both_long: bool) -> float:
        """Wording similarity of two normalized statements as the grouping compares it: ``ratio``, or
        ``partial_ratio`` where both are long enough and it reaches ``partial``; 0 below ``lexical``
        (float32, as scores were when computed in blocks)."""
        p = self.params
        best = np.float32(fuzz.ratio(a, b, score_cutoff=p.lexical * 100 - _SLACK)) / np.float32(100.0)
        if both_long:
            part = np.float32(fuzz.partial_ratio(a, b, score_cutoff=p.partial * 100)) / np.float32(100.0)
            if part >= p.partial:
                best = max(best, part)
        return float(best)

    def _refresh(self) -> list[QuoteGroup]:
        """Recompute speakers and differences of every group."""
        canon = canonical_names(self._all_quotes)
        for group in self.groups:
            group.refresh(canon)
        return self.groups

    def to_state(self) -> dict[str, Any]:
        """JSON-able state: params, groups, and each group's variant embeddings."""
        return {
            "params": self.params.to_dict(),
            "groups": [g.to_dict() for g in self.groups],
            "norms": self._norms,
            "vectors": [v.round(5).tolist() for v in self._vecs],
            "quotes": [q.to_dict() for q in self._all_quotes],
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any], encoder: Encoder | bool | None = None) -> QuoteGrouper:
        """Inverse of :meth:`to_state`."""
        obj = cls(GroupParams.from_dict(state["params"]), encoder)
        obj.groups = [QuoteGroup.from_dict(g) for g in state["groups"]]
        obj._norms = [list(n) for n in state["norms"]]
        obj._vecs = [np.asarray(v, dtype=np.float32) for v in state["vectors"]]
        obj._all_quotes = [Quote.from_dict(q) for q in state["quotes"]]
        by_id = {q.id: q for q in obj._all_quotes}
        obj._speakers = [[by_id[v.quote_id] for v in g.variants if v.quote_id in by_id] for g in obj.groups]
        return obj


#: new statements whose embedding scores are computed together (memory: this many rows x every statement so far)
_ROWS = 256
#: wording scores below the threshold are cut off inside rapidfuzz; the exact float32 test follows
_SLACK = 0.01
#: two statements are scored on wording only when they share at least this share of the distinct words of one
#: of them (a statement and its rewording, translation or truncation share far more; embeddings are compared
#: with every statement regardless)
BLOCK_SHARE = 0.5


class _WordBlocks:
    """Which earlier statements a statement's wording is scored against: those that share at least ``share``
    of the distinct words of the one of the two with fewer (found by prefix filtering).

    Every statement's distinct words are ranked rarest first (by how many of the statements hold them, then
    alphabetically); a statement with ``n`` words that needs ``a = ceil(share * n)`` of them shared holds one
    in its first ``n - a + 1`` (its *prefix*). Looking a statement's prefix up among every word of the
    statements added so far, and its every word up among their prefixes, finds each earlier statement that
    shares enough words, and few others (then counted out): the cost of a statement grows with the statements
    sharing its rare words, not with the story.
    """

    def __init__(self, norms: Sequence[str], share: float) -> None:
        distinct = [set(n.split()) for n in norms]
        df = Counter(w for ws in distinct for w in ws)
        self.sets = distinct
        self.words = [sorted(ws, key=lambda w: (df[w], w)) for ws in distinct]
        #: shared words needed when a statement is the one of the two with fewer words (ceil is monotone, so a
        #: pair needs the smaller of the two statements' needs)
        self.need = [max(1, math.ceil(share * len(ws))) for ws in self.words]
        self.cut = [len(ws) - k + 1 for ws, k in zip(self.words, self.need, strict=True)]
        self.every: dict[str, list[int]] = {}
        self.prefix: dict[str, list[int]] = {}

    def add(self, i: int) -> None:
        """Make statement ``i`` a candidate for the statements looked up after it."""
        ws = self.words[i]
        for w in ws:
            self.every.setdefault(w, []).append(i)
        for w in ws[: self.cut[i]]:
            self.prefix.setdefault(w, []).append(i)

    def candidates(self, i: int) -> list[int]:
        """The statements added so far that share enough words with statement ``i``, in the order added."""
        ws = self.words[i]
        seen: set[int] = set()
        for w in ws[: self.cut[i]]:
            seen.update(self.every.get(w, ()))
        for w in ws:
            seen.update(self.prefix.get(w, ()))
        mine, need, sets = self.sets[i], self.need, self.sets
        k = need[i]
        return sorted(j for j in seen if len(mine & sets[j]) >= min(k, need[j]))


def _variant(st: Statement, sim: float) -> Variant:
    q = st.quote
    return Variant(
        article_id=q.article_id,
        start=st.span.start,
        end=st.span.end,
        text=st.text,
        quote_id=q.id,
        kind=q.kind,
        speaker_text=q.speaker_text,
        speaker_entity_id=q.speaker_entity_id,
        speaker_kind=q.speaker_kind,
        speaker=q.speaker,
        cue=q.cue,
        cue_text=q.cue_text,
        medium=q.medium,
        confidence=q.confidence,
        similarity=sim,
    )


def group_quotes(
    quotes: Sequence[Quote],
    texts: Mapping[str, str],
    *,
    params: GroupParams | None = None,
    encoder: Encoder | bool | None = None,
    order: Mapping[str, int] | None = None,
) -> list[QuoteGroup]:
    """Group quotes of many articles into statements shared across outlets (batch form).

    Args:
        quotes: quotes of all articles.
        texts: article id -> article text.
        params: thresholds (default :meth:`GroupParams.default`).
        encoder: see :class:`QuoteGrouper`.
        order: article id -> rank, the order statements join groups in (see :meth:`QuoteGrouper.add`).

    Returns:
        Groups, multi-article groups first, then by first variant position.
    """
    return _in_dossier_order(QuoteGrouper(params, encoder).add(quotes, texts, order))


def add_to_groups(
    groups: Sequence[QuoteGroup],
    quotes: Sequence[Quote],
    new_quotes: Sequence[Quote],
    texts: Mapping[str, str],
    *,
    params: GroupParams | None = None,
    encoder: Encoder | bool | None = None,
    order: Mapping[str, int] | None = None,
) -> list[QuoteGroup]:
    """Add the quotes of new articles to groups made before (see :meth:`QuoteGrouper.resume`).

    The result equals :func:`group_quotes` over all the quotes (with the same ``order``) when every new
    article comes after every old one in that order; otherwise statements join groups in the order they
    arrived, and some may be grouped otherwise (the grouping is greedy, so it depends on the order).

    Args:
        groups: the groups made from ``quotes``, in the order they were founded.
        quotes: the quotes the groups were made from.
        new_quotes: quotes of the new articles.
        texts: article id -> text, for the new quotes' articles.
        params, encoder: see :class:`QuoteGrouper`.
        order: see :func:`group_quotes`.

    Returns:
        All groups, in the order of :func:`group_quotes`.
    """
    return _in_dossier_order(QuoteGrouper.resume(groups, quotes, params, encoder).add(new_quotes, texts, order))


def _in_dossier_order(groups: Sequence[QuoteGroup]) -> list[QuoteGroup]:
    """Multi-article groups first, then by first variant position."""
    return sorted(groups, key=lambda g: (-len(g.article_ids), g.variants[0].article_id, g.variants[0].start))
