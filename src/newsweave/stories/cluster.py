"""Online story clustering: articles join events, events group into storylines.

Articles arrive one at a time (in publication order where known). Each is turned
into cheap features read from its stored annotation (:func:`story_features`):
content lemmas, named-entity strings, persons (under the fullest name the article
gives, so namesakes differ), places and numbers, title words, years named, the
publication day (or none), any reference back in time ("last month's attack") and,
optionally, a dense sentence embedding.

**Specific evidence, not famous names.** Terms, entities and numbers are weighted by
how rare they are in the stream so far (document frequencies kept online in the
clusterer's state, :meth:`StoryClusterer.idf`): a head of state named in a third of
all articles counts for little, a village's name for a lot.

**Time is evidence.** News events are bursty: the candidate events of a dated article
are those with a dated member at most ``model.window_days`` away (and which would
then span at most ``model.max_span_days``). Only an explicit follow-up widens that
window: a reference back ("last month's", "a week ago") whose horizon covers the gap,
plus a shared specific entity; the join's reason says so. An undated article is
placed on text alone; an article without a publication date whose text opens with a
dated line gets a date *estimate* (:attr:`StoryFeatures.day_estimated`), used for the
window only and never as a publication date (an event's dates come from its members'
publication dates).

Candidates come from an inverted index over each event's strongest terms, with
posting lists capped to the most recent events, so adding one article costs the same
however many are stored. Each candidate is scored by a monotone logistic model
(:class:`newsweave.stories.model.StoryModel`): similarity features (cosines of terms,
entities, title, persons, places, numbers; nearest recent member; the most specific
shared entity; year agreement) have non-negative weights, conflicts (persons, places
or numbers known on both sides, the latest year) and the date gap non-positive ones,
so a longer gap never makes a join more likely and no join is confident without
evidence. The article joins the best event when its probability passes the tuned
threshold, otherwise it starts a new event.

**Storylines** link a new event to an earlier storyline only with stated evidence:
a shared specific entity and term similarity, within a bounded horizon; the link's
reason is kept on the event (:attr:`Story.link_reason`).

After a batch of arrivals, :meth:`StoryClusterer.consolidate` revisits the events
that changed: an event whose two halves would not join each other (under the same
model) is split, and articles left alone in small events move to an event that has
since grown around them (within the same time window); its settings are tuned on
out-of-fold replays (:func:`newsweave.stories.fit.tune_consolidation`). Every move
carries its reason.

The clusterer's whole state (document frequencies, events, storylines, index)
round-trips through a JSON-able dict (:meth:`StoryClusterer.to_dict`).
"""

from __future__ import annotations

import heapq
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from newsweave.models import AnnotatedArticle, Article, EntitySpan
from newsweave.reuse.detect import words
from newsweave.stories.model import (
    EVENT_FEATURES,
    Assignment,
    Move,
    Story,
    StoryModel,
    load_model,
    sigmoid,
)

logger = logging.getLogger(__name__)

CONTENT_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM"})
ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"})
#: Entity kinds compared on their own (a different victim, place or count marks a different event).
KINDS = {
    "PERSON": "persons",
    "GPE": "places",
    "LOC": "places",
    "FAC": "places",
    "CARDINAL": "numbers",
    "MONEY": "numbers",
    "QUANTITY": "numbers",
}
#: an article's unit TF-IDF vectors: (terms, entities)
_Vecs = tuple[dict[str, float], dict[str, float]]
#: an event is bisected again only once it has grown by this factor since its last check
SPLIT_RECHECK_GROWTH = 1.5
#: members of each half whose join probability to the other half is computed (the most recent)
SPLIT_SAMPLE = 12
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
#: pseudo-documents added to the document count in :meth:`StoryClusterer.idf`, so that in a
#: short stream a name every article shares still counts for something
IDF_PRIOR_DOCS = 10
#: how specific (:meth:`StoryClusterer.rarity`) a shared entity must be to support a follow-up
FOLLOWUP_RARITY = 0.5
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_MONTH_NO = {m: k for k, m in enumerate(_MONTHS.replace("|sept", "").split("|"), 1)}
_DATELINE = re.compile(
    rf"\b(?:(?P<mon>{_MONTHS})[a-z]*\.? (?P<day>\d{{1,2}}),? (?P<year>(?:19|20)\d\d)"
    rf"|(?P<day2>\d{{1,2}}) (?P<mon2>{_MONTHS})[a-z]*\.?,? (?P<year2>(?:19|20)\d\d)"
    r"|(?P<iso>(?:19|20)\d\d-\d\d-\d\d))\b",
    re.IGNORECASE,
)
#: references back in time and the gaps (days) they can cover: an explicit follow-up
BACK_REFERENCES = (
    (
        re.compile(
            r"\b(?:last week(?:'s|end)?|earlier this week|(?:a|one) week ago|(?:several|a few) days ago)\b", re.I
        ),
        3,
        14,
    ),
    (
        re.compile(
            r"\b(?:last month(?:'s)?|earlier this month|(?:a|one) month ago|(?:two|three|several|a few) weeks ago)\b",
            re.I,
        ),
        10,
        62,
    ),
)


def _stopwords() -> frozenset[str]:
    """English stop words (scikit-learn's list)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


_STOP = _stopwords()


@dataclass(slots=True)
class StoryFeatures:
    """What the clusterer needs from one article; cheap to compute from a stored annotation."""

    article_id: str
    day: int | None
    terms: dict[str, int]
    entities: dict[str, int]
    title_terms: list[str]
    label: str
    embedding: np.ndarray | None = None
    years: list[int] = field(default_factory=list)
    kinds: dict[str, dict[str, int]] = field(default_factory=dict)
    #: ``day`` is an estimate read from the article's opening dated line, not its publication date
    day_estimated: bool = False
    #: the article's reference back in time ("last month's"), and the range of gaps (days) it covers
    back_ref: str = ""
    back_days: tuple[int, int] = (0, 0)


def _day(published: str | None) -> int | None:
    """Proleptic ordinal of an ISO date, or ``None``."""
    if not published:
        return None
    try:
        return date.fromisoformat(published[:10]).toordinal()
    except ValueError:
        return None


def estimate_day(text: str, head: int = 200) -> int | None:
    """A date estimate from an article's opening (a dateline such as "March 3, 2011"), or ``None``.

    Only the first ``head`` characters are read: a date there dates the report; a date
    further down usually dates something the report talks about.
    """
    m = _DATELINE.search(text[:head])
    if m is None:
        return None
    try:
        if m["iso"]:
            return date.fromisoformat(m["iso"]).toordinal()
        mon, day, year = (m["mon"], m["day"], m["year"]) if m["mon"] else (m["mon2"], m["day2"], m["year2"])
        return date(int(year), _MONTH_NO[mon.lower()[:3]], int(day)).toordinal()
    except (ValueError, KeyError):
        return None


def back_reference(text: str) -> tuple[str, tuple[int, int]]:
    """The first reference back in time in ``text`` and the gaps (days) it covers, or ``("", (0, 0))``."""
    for pattern, lo, hi in BACK_REFERENCES:
        m = pattern.search(text)
        if m is not None:
            return m.group(0), (lo, hi)
    return "", (0, 0)


def _lead(text: str, limit: int = 110) -> str:
    """The first sentence-like line of a text, cut at a word boundary."""
    for line in text.split("\n"):
        line = line.strip()
        if len(line.split()) >= 4:
            cut = line.split(". ")[0]
            if len(cut) <= limit:
                return cut.rstrip(".")
            return cut[:limit].rsplit(" ", 1)[0] + " …"
    return text.strip()[:limit]


def _person_aliases(text: str, entities: Sequence[EntitySpan]) -> dict[str, str]:
    """Surname -> the article's full name for it ("williams" -> "esther williams").

    A person is compared between articles under the fullest name the article gives, so that
    two people sharing a surname (an actress and a footballer called Williams) do not look like
    one; a surname the article never expands stays as it is. When an article names two people
    with one surname, the first full name wins.
    """
    out: dict[str, str] = {}
    for ent in entities:
        if ent.label != "PERSON":
            continue
        toks = [w for w, _, _ in words(text[ent.start : ent.end])]
        if len(toks) > 1:
            out.setdefault(toks[-1], " ".join(toks))
    return out


def story_features(item: AnnotatedArticle, embedding: np.ndarray | None = None) -> StoryFeatures:
    """Features of one article for clustering.

    Args:
        item: the article and its stored annotation (``None`` for non-English
            articles: plain word tokens are used instead of lemmas, no entities).
        embedding: optional unit sentence embedding of the article.

    Returns:
        The article's :class:`StoryFeatures`.
    """
    art: Article = item.article
    text = art.text
    terms: Counter[str] = Counter()
    ents: Counter[str] = Counter()
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    if item.annotation is not None:
        full_name = _person_aliases(text, item.annotation.entities)
        for tok in item.annotation.tokens:
            if tok.pos not in CONTENT_POS:
                continue
            lemma = words(tok.lemma)
            if not lemma:
                continue
            term = " ".join(w for w, _, _ in lemma)
            if term in _STOP or (len(term) < 2 and not term.isdigit()):
                continue
            terms[term] += 1
        for ent in item.annotation.entities:
            if ent.label not in ENTITY_LABELS and ent.label not in KINDS:
                continue
            toks = [w for w, _, _ in words(text[ent.start : ent.end])]
            if toks and toks[0] == "the":
                toks = toks[1:]
            if not toks:
                continue
            kind = KINDS.get(ent.label)
            if kind is not None:
                kinds[kind][full_name.get(toks[-1], toks[-1]) if kind == "persons" else " ".join(toks)] += 1
            if ent.label not in ENTITY_LABELS:
                continue
            ents[" ".join(toks)] += 1
            if ent.label == "PERSON" and len(toks) > 1:
                ents[toks[-1]] += 1
    else:
        for w, _, _ in words(text):
            if w not in _STOP and len(w) > 2:
                terms[w] += 1
    title = [w for w, _, _ in words(art.title or "") if w not in _STOP]
    label = art.title.strip() if art.title and art.title.strip() else _lead(text)
    years = {int(y) for y in _YEAR.findall(text)}
    if art.published:
        years.add(int(art.published[:4]))
    day = _day(art.published)
    estimated = day is None and (day := estimate_day(text)) is not None
    ref, ref_days = back_reference(text)
    return StoryFeatures(
        art.id,
        day,
        dict(terms),
        dict(ents),
        title,
        label,
        embedding,
        sorted(years),
        {k: dict(v) for k, v in kinds.items()},
        estimated,
        ref,
        ref_days,
    )


# ---------------------------------------------------------------------------
# sparse helpers
# ---------------------------------------------------------------------------


def _unit(weights: dict[str, float]) -> dict[str, float]:
    """L2-normalized copy."""
    norm = math.sqrt(sum(v * v for v in weights.values()))
    return {k: v / norm for k, v in weights.items()} if norm > 0 else {}


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    """Sparse dot product (iterates the smaller dict)."""
    if len(a) > len(b):
        a, b = b, a
    get = b.get
    return sum([v * get(k, 0.0) for k, v in a.items()])


@dataclass(slots=True)
class _Centroid:
    """Sum of unit vectors, with its squared norm kept up to date; pruned to ``cap`` terms."""

    vec: dict[str, float] = field(default_factory=dict)
    norm2: float = 0.0

    def cos(self, unit: dict[str, float]) -> float:
        """Cosine with a unit vector."""
        return _dot(unit, self.vec) / math.sqrt(self.norm2) if self.norm2 > 0 else 0.0

    def add(self, unit: dict[str, float], cap: int) -> None:
        """Add a unit vector."""
        vec = self.vec
        n2 = self.norm2
        for k, v in unit.items():
            old = vec.get(k, 0.0)
            new = old + v
            vec[k] = new
            n2 += new * new - old * old
        self.norm2 = n2
        if len(vec) > 2 * cap:
            self.vec = dict(sorted(vec.items(), key=lambda kv: -kv[1])[:cap])
            self.norm2 = sum(v * v for v in self.vec.values())


@dataclass(slots=True)
class _Cluster:
    """An event or a storyline."""

    id: str
    terms: _Centroid = field(default_factory=_Centroid)
    entities: _Centroid = field(default_factory=_Centroid)
    title: Counter[str] = field(default_factory=Counter)
    years: set[int] = field(default_factory=set)
    emb_sum: np.ndarray | None = None
    size: int = 0
    first_day: int | None = None
    last_day: int | None = None
    article_ids: list[str] = field(default_factory=list)
    parent: str | None = None
    children: list[str] = field(default_factory=list)
    label: str = ""
    label_score: float = -1.0
    year_docs: Counter[int] = field(default_factory=Counter)
    n_with_years: int = 0
    top_years: Counter[int] = field(default_factory=Counter)
    members: list[tuple[dict[str, float], dict[str, float], np.ndarray | None]] = field(default_factory=list)
    kinds: dict[str, _Centroid] = field(default_factory=dict)
    checked: int = 0  # size at the last split check (see StoryClusterer.consolidate)
    link_reason: str = ""  # an event's reason for being in its storyline

    def gap(self, day: int | None) -> float:
        """Days between ``day`` and the cluster's date range; 0 when either is unknown."""
        if day is None or self.first_day is None or self.last_day is None:
            return 0.0
        if self.first_day <= day <= self.last_day:
            return 0.0
        return float(min(abs(day - self.first_day), abs(day - self.last_day)))

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the state."""
        return {
            "id": self.id,
            "terms": self.terms.vec,
            "entities": self.entities.vec,
            "title": dict(self.title),
            "years": sorted(self.years),
            "emb_sum": None if self.emb_sum is None else self.emb_sum.tolist(),
            "size": self.size,
            "first_day": self.first_day,
            "last_day": self.last_day,
            "article_ids": self.article_ids,
            "parent": self.parent,
            "children": self.children,
            "label": self.label,
            "label_score": self.label_score,
            "year_docs": {str(k): v for k, v in self.year_docs.items()},
            "n_with_years": self.n_with_years,
            "top_years": {str(k): v for k, v in self.top_years.items()},
            "kinds": {k: c.vec for k, c in self.kinds.items()},
            "checked": self.checked,
            "link_reason": self.link_reason,
            "members": [
                {"terms": t, "entities": e, "embedding": None if m is None else m.tolist()} for t, e, m in self.members
            ],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> _Cluster:
        """Inverse of :meth:`to_dict`."""
        terms = _Centroid(dict(d["terms"]), sum(v * v for v in d["terms"].values()))
        ents = _Centroid(dict(d["entities"]), sum(v * v for v in d["entities"].values()))
        emb = None if d["emb_sum"] is None else np.asarray(d["emb_sum"], dtype=np.float32)
        return cls(
            d["id"],
            terms,
            ents,
            Counter(d["title"]),
            set(d["years"]),
            emb,
            d["size"],
            d["first_day"],
            d["last_day"],
            list(d["article_ids"]),
            d["parent"],
            list(d["children"]),
            d["label"],
            d["label_score"],
            Counter({int(k): v for k, v in d["year_docs"].items()}),
            d["n_with_years"],
            Counter({int(k): v for k, v in d["top_years"].items()}),
            [
                (
                    dict(m["terms"]),
                    dict(m["entities"]),
                    None if m["embedding"] is None else np.asarray(m["embedding"], dtype=np.float32),
                )
                for m in d["members"]
            ],
            {k: _Centroid(dict(v), sum(x * x for x in v.values())) for k, v in d["kinds"].items()},
            int(d.get("checked", 0)),
            str(d.get("link_reason", "")),
        )


def _named(shared: Sequence[tuple[str, float]], n: int = 3) -> str:
    """The first ``n`` shared entities with their rarity, for a reason."""
    return ", ".join(f"'{e}' ({r:.2f})" for e, r in shared[:n])


def _distance(f: StoryFeatures, c: _Cluster) -> str:
    """Days between an article and a cluster's dates, for a reason (measured before the article joins)."""
    return "date unknown" if f.day is None or c.first_day is None else f"{c.gap(f.day):.0f} days"


def _two_means(vecs: Sequence[dict[str, float]], seeds: int = 1) -> list[list[int]]:
    """Spherical 2-means of unit vectors from ``seeds`` deterministic starts (0/1 per vector).

    Start ``k`` pairs the ``k``-th farthest vector from the centroid with the vector farthest
    from it; distinct two-way results are returned (none if the vectors cannot be split).
    One start by default: three found more false splits on ECB+ dev (bench/results/stories.md).
    """
    total = _Centroid()
    for v in vecs:
        total.add(v, 10**9)
    far = sorted(range(len(vecs)), key=lambda i: total.cos(vecs[i]))[:seeds]
    out: list[list[int]] = []
    for s0 in far:
        s1 = min(range(len(vecs)), key=lambda i: _dot(vecs[i], vecs[s0]))
        cents = [_Centroid(dict(vecs[s0]), 1.0), _Centroid(dict(vecs[s1]), 1.0)]
        assign: list[int] = []
        for _ in range(10):
            new = [0 if cents[0].cos(v) >= cents[1].cos(v) else 1 for v in vecs]
            if new == assign or len(set(new)) < 2:
                break
            assign = new
            cents = [_Centroid(), _Centroid()]
            for v, g in zip(vecs, assign, strict=True):
                cents[g].add(v, 10**9)
        if len(set(assign)) == 2 and assign not in out and [1 - g for g in assign] not in out:
            out.append(assign)
    return out


# ---------------------------------------------------------------------------
# the clusterer
# ---------------------------------------------------------------------------


class StoryClusterer:
    """Online two-level clusterer (events, storylines) over :class:`StoryFeatures`.

    Args:
        model: join decisions and settings; ``None`` loads the packaged model.
        top_terms: strongest terms of each article that go into the index.
        posting_cap: most recent events kept per index term.
        max_candidates: events scored per article.
        centroid_cap: terms kept per event centroid.
        member_cap: most recent members kept per cluster for nearest-member similarity.
        member_candidates: candidates (closest by term cosine) whose members are compared.
        split_cap: most recent members of an event that :meth:`consolidate` bisects.
        reassign_max: largest event whose members :meth:`consolidate` may move elsewhere.
    """

    def __init__(
        self,
        model: StoryModel | None = None,
        top_terms: int = 24,
        posting_cap: int = 64,
        max_candidates: int = 24,
        centroid_cap: int = 300,
        member_cap: int = 8,
        member_candidates: int = 6,
        split_cap: int = 48,
        reassign_max: int = 3,
    ) -> None:
        self.model = model if model is not None else load_model()
        self.top_terms = top_terms
        self.posting_cap = posting_cap
        self.max_candidates = max_candidates
        self.centroid_cap = centroid_cap
        self.member_cap = member_cap
        self.member_candidates = member_candidates
        self.split_cap = split_cap
        self.reassign_max = reassign_max
        self.n_docs = 0
        #: document frequencies: terms as they are, entities under "@", numbers under "#"
        self.df: Counter[str] = Counter()
        self.events: dict[str, _Cluster] = {}
        self.storylines: dict[str, _Cluster] = {}
        self.event_index: dict[str, list[str]] = {}
        self.storyline_index: dict[str, list[str]] = {}
        self.article_event: dict[str, str] = {}
        self._next = 0
        #: events changed since the last :meth:`consolidate`
        self._dirty: set[str] = set()
        self._kind_memo: tuple[StoryFeatures | None, int, dict[str, dict[str, float]]] = (None, -1, {})

    # -- vectors -----------------------------------------------------------

    def idf(self, key: str) -> float:
        """Inverse document frequency of a df key in the stream so far: ``log((N + N0) / (df + 1))``.

        ``N0`` (:data:`IDF_PRIOR_DOCS`) keeps a short stream's shared names from counting for nothing.
        """
        return math.log((self.n_docs + IDF_PRIOR_DOCS) / (self.df.get(key, 0) + 1))

    def rarity(self, key: str) -> float:
        """How specific a df key is, in [0, 1]: its idf over the largest idf possible now."""
        top = math.log(self.n_docs + IDF_PRIOR_DOCS)
        return max(0.0, min(1.0, self.idf(key) / top)) if top > 0 else 0.0

    def _weigh(self, counts: dict[str, int], prefix: str) -> dict[str, float]:
        """Unit vector of log-scaled counts times idf (keys looked up as ``prefix + key``)."""
        log = math.log
        return _unit({k: (1.0 + log(c)) * self.idf(prefix + k) for k, c in counts.items()})

    def _vectors(self, f: StoryFeatures) -> tuple[dict[str, float], dict[str, float]]:
        """Unit TF-IDF vectors of terms and of entities (entities share the df table under "@")."""
        return self._weigh(f.terms, ""), self._weigh(f.entities, "@")

    def _kind_vecs(self, f: StoryFeatures) -> dict[str, dict[str, float]]:
        """Unit TF-IDF vectors of the persons, places and numbers an article names.

        The last result is reused while neither the article nor the document count changed.
        """
        if self._kind_memo[0] is f and self._kind_memo[1] == self.n_docs:
            return self._kind_memo[2]
        out = {k: self._weigh(v, "#" if k == "numbers" else "@") for k, v in f.kinds.items() if v}
        self._kind_memo = (f, self.n_docs, out)
        return out

    def specific_shared(self, ev: dict[str, float], c: _Cluster, min_rarity: float = 0.0) -> list[tuple[str, float]]:
        """Entities of an article that cluster ``c`` also has, most specific first, with their rarity."""
        shared = [(e, self.rarity("@" + e)) for e in ev if e in c.entities.vec]
        return sorted((x for x in shared if x[1] >= min_rarity), key=lambda x: (-x[1], x[0]))

    def _keys(self, tv: dict[str, float], ev: dict[str, float]) -> list[str]:
        """Index keys of an article: its strongest terms and entities."""
        top = sorted(tv.items(), key=lambda kv: -kv[1])[: self.top_terms]
        topents = sorted(ev.items(), key=lambda kv: -kv[1])[: self.top_terms // 2]
        return [t for t, _ in top] + ["@" + e for e, _ in topents]

    def _candidates(
        self,
        index: dict[str, list[str]],
        keys: list[str],
        weights: dict[str, float],
        live: dict[str, _Cluster],
        allow: Callable[[_Cluster], bool] | None = None,
    ) -> list[str]:
        """Clusters of ``live`` sharing index keys with the article (and passing ``allow``), best first."""
        votes: dict[str, float] = defaultdict(float)
        ok: dict[str, bool] = {}
        for k in keys:
            w = weights.get(k, 0.0)
            for cid in index.get(k, ()):
                if cid not in live:  # an event emptied by consolidation may linger in old posting lists
                    continue
                if allow is not None:
                    if cid not in ok:
                        ok[cid] = allow(live[cid])
                    if not ok[cid]:
                        continue
                votes[cid] += w
        return heapq.nlargest(self.max_candidates, votes, key=votes.__getitem__)

    def _index(self, index: dict[str, list[str]], keys: list[str], cid: str) -> None:
        for k in keys:
            post = index.setdefault(k, [])
            if cid in post:
                post.remove(cid)
            post.append(cid)
            if len(post) > self.posting_cap:
                del post[0]

    # -- time --------------------------------------------------------------

    def window(self, f: StoryFeatures, ev: dict[str, float], c: _Cluster) -> str | None:
        """Whether event ``c`` is a candidate for ``f`` by time.

        Returns:
            ``""`` inside the time window (or when either side is undated: text alone decides),
            the follow-up's reason when only an explicit reference back widens it, ``None`` when
            the event is out of reach.
        """
        if f.day is None or c.first_day is None or c.last_day is None:
            return ""
        m = self.model
        gap = c.gap(f.day)
        if gap <= m.window_days and max(c.last_day, f.day) - min(c.first_day, f.day) <= m.max_span_days:
            return ""
        lo, hi = f.back_days
        if f.day > c.last_day and lo <= gap <= hi:
            shared = self.specific_shared(ev, c, FOLLOWUP_RARITY)
            if shared:
                names = ", ".join(f"'{e}'" for e, _ in shared[:3])
                return f"follow-up: refers back ('{f.back_ref}') {gap:.0f} days after the event, shares {names}"
        return None

    # -- features ----------------------------------------------------------

    def pair_features(
        self, f: StoryFeatures, tv: dict[str, float], ev: dict[str, float], clusters: Sequence[_Cluster]
    ) -> np.ndarray:
        """Features (:data:`EVENT_FEATURES`) between an article and candidate events (rows)."""
        names = EVENT_FEATURES
        rows = np.zeros((len(clusters), len(names)), dtype=np.float64)
        emb = f.embedding if self.model.uses_embeddings else None
        tw = {k: v * self.idf(k) for k, v in Counter(f.title_terms).items()}
        tnorm = math.sqrt(sum(v * v for v in tw.values()))
        years = set(f.years)
        top_year = max(years) if years else 0
        kunits = self._kind_vecs(f)
        cts = [c.terms.cos(tv) for c in clusters]
        # nearest-member similarities only for the few candidates closest to the article (bounded cost)
        near = set(heapq.nlargest(self.member_candidates, range(len(clusters)), key=cts.__getitem__))
        for r, c in enumerate(clusters):
            members = c.members if r in near else []
            shared = self.specific_shared(ev, c)
            vals: dict[str, float] = {
                "cos_terms": cts[r],
                "cos_entities": c.entities.cos(ev),
                "specific_shared": shared[0][1] if shared else 0.0,
                "log_gap_days": math.log1p(c.gap(f.day)),
                "cos_title": 0.0,
                "cos_embedding": 0.0,
                "member_embedding": 0.0,
                "year_share": 0.0,
                "top_year_conflict": 0.0,
            }
            if tnorm > 0 and c.title:
                cw = {k: v * self.idf(k) for k, v in c.title.items()}
                cn = math.sqrt(sum(v * v for v in cw.values()))
                vals["cos_title"] = sum(v * cw.get(k, 0.0) for k, v in tw.items()) / (tnorm * cn) if cn > 0 else 0.0
            if emb is not None and c.emb_sum is not None:
                n = float(np.linalg.norm(c.emb_sum))
                vals["cos_embedding"] = float(emb @ c.emb_sum) / n if n > 0 else 0.0
                membs = [m for _, _, m in members if m is not None]
                if membs:
                    vals["member_embedding"] = max(0.0, float(np.max(np.vstack(membs) @ emb)))
            for kind in ("persons", "places", "numbers"):
                kc = c.kinds.get(kind)
                ku = kunits.get(kind)
                known = kc is not None and ku is not None and kc.norm2 > 0
                vals["cos_" + kind] = kc.cos(ku) if known and kc is not None and ku is not None else 0.0
                vals["has_" + kind] = 1.0 if known else 0.0
            vals["member_entities"] = max((_dot(ev, me) for _, me, _ in members), default=0.0)
            vals["member_terms"] = max((_dot(tv, mt) for mt, _, _ in members), default=0.0)
            if years and c.n_with_years:
                vals["year_share"] = max(c.year_docs[y] for y in years) / c.n_with_years
                vals["top_year_conflict"] = 1.0 - c.top_years[top_year] / c.n_with_years
            rows[r] = [vals[n] for n in names]
        return rows

    def _score(self, x: np.ndarray) -> np.ndarray:
        """Join probabilities of feature rows."""
        return sigmoid(x @ np.asarray(self.model.event_coef) + self.model.event_intercept)

    # -- update ------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        self._next += 1
        return f"{prefix}{self._next}"

    def _join(self, c: _Cluster, f: StoryFeatures, tv: dict[str, float], ev: dict[str, float], sim: float) -> None:
        c.terms.add(tv, self.centroid_cap)
        c.entities.add(ev, self.centroid_cap)
        c.title.update(f.title_terms)
        c.years.update(f.years)
        if f.years:
            c.year_docs.update(f.years)
            c.n_with_years += 1
            c.top_years[max(f.years)] += 1
        for kind, unit in self._kind_vecs(f).items():
            c.kinds.setdefault(kind, _Centroid()).add(unit, self.centroid_cap)
        c.members.append((tv, ev, f.embedding))
        if len(c.members) > self.member_cap:
            del c.members[0]
        if f.embedding is not None:
            c.emb_sum = f.embedding.astype(np.float32) if c.emb_sum is None else c.emb_sum + f.embedding
        c.size += 1
        if f.day is not None and not f.day_estimated:  # an estimate never dates an event
            c.first_day = f.day if c.first_day is None else min(c.first_day, f.day)
            c.last_day = f.day if c.last_day is None else max(c.last_day, f.day)
        # label: the most central member, preferring members that have a title
        score = sim + (1.0 if f.title_terms else 0.0)
        if score > c.label_score:
            c.label, c.label_score = f.label, score

    def observe(self, f: StoryFeatures) -> None:
        """Count an article's terms, entities and numbers into the document frequencies."""
        self.n_docs += 1
        self.df.update(f.terms.keys())
        self.df.update("@" + e for e in f.entities)
        self.df.update("#" + n for n in f.kinds.get("numbers", {}))

    def candidates(self, f: StoryFeatures) -> tuple[dict[str, float], dict[str, float], list[str], list[str]]:
        """Vectors, index keys and candidate event ids (within the time window) for an article.

        Call after :meth:`observe`.
        """
        tv, ev = self._vectors(f)
        keys = self._keys(tv, ev)
        weights = dict(tv)
        weights.update({"@" + e: w for e, w in ev.items()})

        def allow(c: _Cluster) -> bool:
            return self.window(f, ev, c) is not None

        return tv, ev, keys, self._candidates(self.event_index, keys, weights, self.events, allow)

    def _storyline(
        self, f: StoryFeatures, tv: dict[str, float], ev: dict[str, float], keys: list[str]
    ) -> tuple[_Cluster | None, str]:
        """The storyline a new event links to (``None``: a new one) and the stated reason.

        A link needs a shared entity at least ``storyline_min_rarity`` specific and term cosine
        at least ``storyline_min_terms``, within ``storyline_horizon_days`` of the storyline's
        dated articles; the best such storyline by term plus entity cosine is chosen.
        """
        m = self.model
        weights = {**tv, **{"@" + e: w for e, w in ev.items()}}

        def allow(s: _Cluster) -> bool:
            return f.day is None or s.first_day is None or s.gap(f.day) <= m.storyline_horizon_days

        best: tuple[float, _Cluster, str] | None = None
        near_miss = ""
        for sid in self._candidates(self.storyline_index, keys, weights, self.storylines, allow):
            s = self.storylines[sid]
            ct = s.terms.cos(tv)
            shared = self.specific_shared(ev, s, m.storyline_min_rarity)
            if not shared or ct < m.storyline_min_terms:
                if not near_miss:
                    near_miss = f" (closest {sid}: terms {ct:.2f}, {len(shared)} specific shared entities)"
                continue
            score = ct + s.entities.cos(ev)
            if best is None or score > best[0]:
                why = (
                    f"in storyline {sid}: shares specific {_named(shared)} (rarity >= {m.storyline_min_rarity:.2f}), "
                    f"terms {ct:.2f} >= {m.storyline_min_terms:.2f}, {_distance(f, s)} from its articles"
                )
                best = (score, s, why)
        if best is None:
            return None, "new storyline: no storyline within reach shares a specific entity and its terms" + near_miss
        return best[1], best[2]

    def add(self, f: StoryFeatures) -> Assignment:
        """Add one article: join the best event or start a new one (and place it in a storyline).

        Args:
            f: the article's features (:func:`story_features`).

        Returns:
            The :class:`Assignment`, with the probability and the reason for the decision.
        """
        if f.article_id in self.article_event:
            ev_id = self.article_event[f.article_id]
            e = self.events[ev_id]
            return Assignment(f.article_id, ev_id, e.parent or "", False, False, 1.0, "already clustered")
        self.observe(f)
        tv, ev, keys, cand = self.candidates(f)
        clusters = [self.events[c] for c in cand]
        best_p, best, k = 0.0, None, 0
        x = np.zeros((0, len(EVENT_FEATURES)))
        if clusters:
            x = self.pair_features(f, tv, ev, clusters)
            p = self._score(x)
            k = int(np.argmax(p))
            best_p, best = float(p[k]), clusters[k]
        estimated = ", the article's date estimated from its text" if f.day_estimated else ""
        if best is not None and best_p >= self.model.event_threshold:
            row = dict(zip(EVENT_FEATURES, x[k], strict=True))
            # the evidence as it was before joining (the join moves the event's dates and entities)
            follow, gap, shared = self.window(f, ev, best), _distance(f, best), _named(self.specific_shared(ev, best))
            self._join(best, f, tv, ev, row["cos_terms"])
            best.article_ids.append(f.article_id)
            self._index(self.event_index, keys, best.id)
            self.article_event[f.article_id] = best.id
            self._dirty.add(best.id)
            sl = self.storylines[best.parent or ""]
            self._join(sl, f, tv, ev, row["cos_terms"])
            sl.article_ids.append(f.article_id)
            self._index(self.storyline_index, keys, sl.id)
            why = (
                f"joined {best.id} (p={best_p:.2f} >= {self.model.event_threshold:.2f}; "
                f"terms {row['cos_terms']:.2f}, entities {row['cos_entities']:.2f}, "
                f"most specific shared: {shared or 'none'}; "
                f"gap {gap}{estimated}{'; ' + follow if follow else ''})"
            )
            return Assignment(f.article_id, best.id, sl.id, False, False, best_p, why)
        event = _Cluster(self._new_id("e"))
        why_new = (
            f"no event reached p >= {self.model.event_threshold:.2f} (best {best.id} p={best_p:.2f})"
            if best is not None
            else "no candidate event within the time window shares index terms"
        ) + estimated
        sl_found, why_sl = self._storyline(f, tv, ev, keys)
        if sl_found is None:
            sl = _Cluster(self._new_id("s"))
            self.storylines[sl.id] = sl
        else:
            sl = sl_found
        event.parent = sl.id
        event.link_reason = why_sl
        sl.children.append(event.id)
        self.events[event.id] = event
        self._join(event, f, tv, ev, 0.0)
        event.article_ids.append(f.article_id)
        self._index(self.event_index, keys, event.id)
        self.article_event[f.article_id] = event.id
        self._dirty.add(event.id)
        self._join(sl, f, tv, ev, 0.0 if sl_found is None else sl.terms.cos(tv))
        sl.article_ids.append(f.article_id)
        self._index(self.storyline_index, keys, sl.id)
        return Assignment(
            f.article_id, event.id, sl.id, True, sl_found is None, best_p, f"new event: {why_new}; {why_sl}"
        )

    def add_many(self, feats: Iterable[StoryFeatures]) -> list[Assignment]:
        """Add articles in the given order."""
        return [self.add(f) for f in feats]

    # -- consolidation -----------------------------------------------------

    def _rebuild(self, c: _Cluster, feats: Sequence[StoryFeatures]) -> None:
        """Recompute a cluster's centroids and counts from its members' features (ids kept)."""
        fresh = _Cluster(c.id, parent=c.parent, children=c.children, link_reason=c.link_reason)
        for f in feats:
            tv, ev = self._vectors(f)
            self._join(fresh, f, tv, ev, fresh.terms.cos(tv) if fresh.size else 0.0)
            fresh.article_ids.append(f.article_id)
        for name in _Cluster.__slots__:
            setattr(c, name, getattr(fresh, name))

    def _bisections(self, feats: Sequence[StoryFeatures], vecs: Sequence[_Vecs]) -> list[list[int]]:
        """Candidate two-way splits of members (0/1 per member), one per view of the articles.

        Views: terms and entities (what the articles are about), and the specifics alone
        (entities, persons, places, numbers and years: who, where, how many, when), which
        separate two events of one kind better. Each is a spherical 2-means from a
        deterministic start (:func:`_two_means`), so a re-run gives the same splits.
        """
        about, specific = [], []
        for f, (tv, ev) in zip(feats, vecs, strict=True):
            v = dict(tv)
            v.update({"@" + k: w for k, w in ev.items()})
            about.append(_unit(v))
            sp = {"@" + k: w for k, w in ev.items()}
            for kind, unit in self._kind_vecs(f).items():
                sp.update({f"{kind}:{k}": w for k, w in unit.items()})
            sp.update({f"year:{y}": 1.0 for y in f.years})
            specific.append(_unit(sp))
        out: list[list[int]] = []
        for view in (about, specific):
            out += [a for a in _two_means(view) if a not in out and [1 - g for g in a] not in out]
        return out

    def _part(self, members: Sequence[tuple[StoryFeatures, _Vecs]]) -> _Cluster:
        """A scratch event built from some articles' features and vectors."""
        c = _Cluster("")
        for f, (tv, ev) in members:
            self._join(c, f, tv, ev, 0.0)
        return c

    def _join_probability(self, f: StoryFeatures, vecs: _Vecs, c: _Cluster) -> float:
        """The event model's probability that ``f`` (with its vectors) belongs to event ``c``."""
        return float(self._score(self.pair_features(f, vecs[0], vecs[1], [c]))[0])

    def _relocate(self, article_id: str, target: _Cluster, lookup: Callable[[str], StoryFeatures | None]) -> None:
        """Take an article out of its event (and storyline) and put it into ``target``."""
        f = lookup(article_id)
        if f is None:
            return
        old = self.events[self.article_event[article_id]]
        tv, ev = self._vectors(f)
        old_sl, new_sl = self.storylines[old.parent or ""], self.storylines[target.parent or ""]
        old.article_ids.remove(article_id)
        if old.article_ids:
            self._rebuild(old, [g for g in map(lookup, old.article_ids) if g is not None])
        else:
            del self.events[old.id]
            old_sl.children.remove(old.id)
        self._join(target, f, tv, ev, target.terms.cos(tv))
        target.article_ids.append(article_id)
        self.article_event[article_id] = target.id
        keys = self._keys(tv, ev)
        self._index(self.event_index, keys, target.id)
        if old_sl is not new_sl:
            old_sl.article_ids.remove(article_id)
            if old_sl.article_ids:
                self._rebuild(old_sl, [g for g in map(lookup, old_sl.article_ids) if g is not None])
            else:
                del self.storylines[old_sl.id]
            self._join(new_sl, f, tv, ev, new_sl.terms.cos(tv))
            new_sl.article_ids.append(article_id)
            self._index(self.storyline_index, keys, new_sl.id)

    def _cross_join(
        self, halves: Sequence[Sequence[tuple[StoryFeatures, _Vecs]]]
    ) -> tuple[list[_Cluster], list[list[float]]]:
        """Scratch events of two halves, and each half's members' join probabilities to the other half.

        Only the ``SPLIT_SAMPLE`` most recent members of each half are scored (bounded cost).
        """
        parts = [self._part(h) for h in halves]
        sampled = [h[-SPLIT_SAMPLE:] for h in halves]
        return parts, [[self._join_probability(f, v, parts[1 - k]) for f, v in sampled[k]] for k in (0, 1)]

    def _best_bisection(
        self, fs: Sequence[StoryFeatures], vecs: Sequence[_Vecs]
    ) -> tuple[float, list[list[tuple[StoryFeatures, _Vecs]]]] | None:
        """The candidate bisection whose halves are least likely to join each other, with that probability.

        The probability is the mean join probability of each half's (at most ``SPLIT_SAMPLE``
        most recent) members to the other half; bisections with a half smaller than
        ``model.split_min_part`` are not considered (``None`` when none is left).
        """
        best: tuple[float, list[list[tuple[StoryFeatures, _Vecs]]]] | None = None
        for assign in self._bisections(fs, vecs):
            halves = [[(f, v) for f, v, g in zip(fs, vecs, assign, strict=True) if g == k] for k in (0, 1)]
            if min(len(h) for h in halves) < self.model.split_min_part:
                continue
            cross = [q for half in self._cross_join(halves)[1] for q in half]
            p = sum(cross) / len(cross)
            if best is None or p < best[0]:
                best = (p, halves)
        return best

    def _try_split(self, e: _Cluster, lookup: Callable[[str], StoryFeatures | None]) -> list[Move]:
        """Split ``e`` in two when its halves would not join each other (see :meth:`consolidate`)."""
        m = self.model
        ids = e.article_ids[-self.split_cap :]
        feats = [lookup(a) for a in ids]
        if any(f is None for f in feats):
            return []
        fs = [f for f in feats if f is not None]
        e.checked = e.size
        best = self._best_bisection(fs, [self._vectors(f) for f in fs])
        if best is None or best[0] >= m.split_threshold:
            return []
        p, halves = best
        # the half holding the event's first member keeps the event's id
        keep = 0 if e.article_ids[0] not in {f.article_id for f, _ in halves[1]} else 1
        moved = halves[1 - keep]
        new = _Cluster(self._new_id("e"), parent=e.parent, link_reason=f"split from {e.id} (same storyline)")
        self.events[new.id] = new
        self.storylines[e.parent or ""].children.append(new.id)
        moved_ids = {f.article_id for f, _ in moved}
        e.article_ids = [a for a in e.article_ids if a not in moved_ids]
        self._rebuild(e, [g for g in map(lookup, e.article_ids) if g is not None])
        self._rebuild(new, [f for f, _ in moved])
        e.checked, new.checked = e.size, new.size
        for f, (tv, ev) in moved:
            self.article_event[f.article_id] = new.id
            self._index(self.event_index, self._keys(tv, ev), new.id)
        why = (
            f"split from {e.id}: its two halves ({len(e.article_ids)} and {len(moved)} articles) "
            f"would join each other with mean p={p:.2f} < {m.split_threshold:.2f}"
        )
        return [Move(f.article_id, e.id, new.id, e.parent or "", 1.0 - p, why) for f, _ in moved]

    def _try_reassign(self, e: _Cluster, lookup: Callable[[str], StoryFeatures | None]) -> list[Move]:
        """Move the members of a small event to a better event that now exists."""
        moves = []
        for a in list(e.article_ids):
            f = lookup(a)
            if f is None or e.id not in self.events:
                continue
            tv, ev, _, ids = self.candidates(f)
            cand = [c for c in (self.events[i] for i in ids) if c.id != e.id and c.size > e.size]
            if not cand:
                continue
            p = self._score(self.pair_features(f, tv, ev, cand))
            k = int(np.argmax(p))
            if p[k] < self.model.reassign_threshold:
                continue
            target = cand[k]
            from_id, sizes = e.id, (e.size, target.size)
            self._relocate(a, target, lookup)
            moves.append(
                Move(
                    a,
                    from_id,
                    target.id,
                    target.parent or "",
                    float(p[k]),
                    f"moved from {from_id} ({sizes[0]} articles) to {target.id} ({sizes[1]} articles): "
                    f"p={p[k]:.2f} >= {self.model.reassign_threshold:.2f} once {target.id} had grown",
                )
            )
        return moves

    def consolidate(
        self, lookup: Callable[[str], StoryFeatures | None], select: Callable[[_Cluster], bool] | None = None
    ) -> list[Move]:
        """Revisit the events changed since the last call: split merged events, re-place fragments.

        Online decisions are made with what was known when each article arrived; the first
        report of a second, similar event can join the first one, and an early article can
        start an event of its own before the reports it belongs with exist. This pass, run
        after a batch of :meth:`add` calls, re-examines only the events touched since the last
        pass (so its cost does not grow with the number stored):

        * **split**: an event that has grown by half since it was last checked has its
          (most recent ``split_cap``) members bisected in two views (:meth:`_bisections`);
          for the candidate whose halves are least likely to join each other, if both halves
          have at least ``model.split_min_part`` members and their members' mean join
          probability to the other half (the same event model as for joins; at most
          ``SPLIT_SAMPLE`` recent members of each half) is below
          ``model.split_threshold``,
          the half without the event's first member becomes a new event of the same storyline;
        * **re-place**: each member of a changed event of at most ``reassign_max`` articles
          moves to a larger event when its join probability there reaches
          ``model.reassign_threshold``.

        Both settings are tuned on labelled data with the join model
        (:func:`newsweave.stories.fit.fit_model`).

        Args:
            lookup: features of a stored article by id (``None`` if unavailable: that
                event is left as it is).
            select: revisit only the changed events it accepts (the others stay marked
                for a later pass); ``None`` revisits all.

        Returns:
            The moves made, each with its reason.
        """
        live = [self.events[e] for e in self._dirty if e in self.events]
        dirty = sorted((c for c in live if select is None or select(c)), key=lambda c: int(c.id[1:]))
        self._dirty = {c.id for c in live} - {c.id for c in dirty}
        moves: list[Move] = []
        if self.model.split_threshold > 0:
            for e in dirty:
                # re-checked only after growing by half: the cost per added article stays bounded
                if e.size >= 2 * self.model.split_min_part and e.size >= SPLIT_RECHECK_GROWTH * e.checked:
                    moves += self._try_split(e, lookup)
        if self.model.reassign_threshold <= 1:
            for e in dirty:
                if e.id in self.events and e.size <= self.reassign_max:
                    moves += self._try_reassign(e, lookup)
        return moves

    # -- output ------------------------------------------------------------

    def stories(self) -> list[Story]:
        """Events and storylines as dossier records (storylines first)."""

        def iso(day: int | None) -> str | None:
            return None if day is None else date.fromordinal(day).isoformat()

        out = [
            Story(
                s.id,
                s.label,
                "storyline",
                list(s.article_ids),
                iso(s.first_day),
                iso(s.last_day),
                None,
                list(s.children),
            )
            for s in self.storylines.values()
        ]
        out += [
            Story(
                e.id,
                e.label,
                "event",
                list(e.article_ids),
                iso(e.first_day),
                iso(e.last_day),
                e.parent,
                [],
                e.link_reason or None,
            )
            for e in self.events.values()
        ]
        return out

    def to_dict(self) -> dict[str, Any]:
        """The whole state as a JSON-able dict."""
        return {
            "params": {
                "top_terms": self.top_terms,
                "posting_cap": self.posting_cap,
                "max_candidates": self.max_candidates,
                "centroid_cap": self.centroid_cap,
                "member_cap": self.member_cap,
                "member_candidates": self.member_candidates,
                "split_cap": self.split_cap,
                "reassign_max": self.reassign_max,
            },
            "model": self.model.to_dict(),
            "n_docs": self.n_docs,
            "df": dict(self.df),
            "events": [e.to_dict() for e in self.events.values()],
            "storylines": [s.to_dict() for s in self.storylines.values()],
            "event_index": self.event_index,
            "storyline_index": self.storyline_index,
            "next": self._next,
            "dirty": sorted(self._dirty),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StoryClusterer:
        """Rebuild a clusterer from :meth:`to_dict` output."""
        obj = cls(StoryModel.from_dict(d["model"]), **d["params"])
        obj.n_docs = d["n_docs"]
        obj.df = Counter(d["df"])
        obj.events = {e["id"]: _Cluster.from_dict(e) for e in d["events"]}
        obj.storylines = {s["id"]: _Cluster.from_dict(s) for s in d["storylines"]}
        obj.event_index = {k: list(v) for k, v in d["event_index"].items()}
        obj.storyline_index = {k: list(v) for k, v in d["storyline_index"].items()}
        obj.article_event = {a: e.id for e in obj.events.values() for a in e.article_ids}
        obj._next = d["next"]
        obj._dirty = set(d.get("dirty", ()))
        return obj
