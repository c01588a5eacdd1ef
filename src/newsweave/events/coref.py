"""Cross-document event coreference: mentions of one real event, across articles, become one group.

The method follows the event-template view of Cybulska & Vossen (2015): an event is a trigger together
with its setting (participants, place, time), and two mentions corefer when their triggers mean the same
action *and* their settings are compatible. In four steps, inside each document cluster (a story, or a
corpus topic):

1. **Settings of the articles.** Each article's profile is the bag of the lemmas of its named-entity
   tokens (people, organisations, places, dates, numbers, works, events). Within the document cluster the
   profiles are weighted by TF-IDF (scikit-learn, sublinear tf, IDF from the cluster's own articles, so that
   names every article shares weigh little and the names that tell two similar events apart weigh much)
   and grouped by average-link agglomerative clustering with a fixed cosine threshold
   (:attr:`CorefSettings.doc_threshold`). Articles of different groups report different real events (two
   earthquakes, two rehab stays), so their mentions never corefer. This is the "lemma-delta" idea of
   Upadhyay et al. (2016) and the document clustering of Barhom et al. (2019), done without training.
2. **Trigger classes.** Within a group of articles, mentions corefer when their triggers have the same
   lemma, the same Porter stem (derivations and spaCy's lemma slips: "shooting"/"shoot", "checks"/"check",
   "escaped"/"escape"; NLTK's stemmer, which needs no data), or, when an encoder is given, lemmas whose
   embeddings (MiniLM, :mod:`newsweave.annotate.embeddings`) have a cosine of at least
   :attr:`CorefSettings.trigger_threshold` ("kill"/"murder", "quake"/"earthquake"). WordNet is not
   installed here, hence the stemmer and the embedding instead of synsets.
3. **Reporting verbs** ("say", "tell", "confirm", ...: :data:`newsweave.events.extract.REPORTING`) name a
   speech act, which is one event only for one speaker: they link only when their sentences share a named
   participant.
4. **Settings of the mentions** (options, off by default): two mentions whose sentences carry explicit day
   dates (TIMEX values ``YYYY-MM-DD``) and no date in common are different events (a trigger class is split
   by date, its undated mentions join the date of their own article's mentions, else the largest date);
   mentions of two articles whose sentences name participants, none shared, are different events. On the
   ECB+ training topics both cost points (sentence dates there are mostly datelines and relative dates
   resolved from different publication days; participant lists of one sentence are too partial), so the
   setting of an event is judged at the article level (step 1) by default.

5. **Roles of extracted events** (on by default; only mentions built by :func:`mentions_from_events` have
   them): mentions whose event actors differ (entity id, else folded text), or whose own clause dates differ
   at day precision, are different events ("the United States recognized Guaido" on the 23rd vs "the colonel
   recognized Guaido" on the 26th); mentions without roles join the nearest mention of their article that has
   them. The ECB+ bench gives gold mentions without roles, so this step is not measured there.

Settings are fixed (:data:`DEFAULT_SETTINGS`); they were chosen on the training topics of the standard
ECB+ split (Cybulska & Vossen 2015) and are reported on its development topics as well (see
``bench/bench_event_coref.py`` and ``bench/results/event_coref.md``, which score every variant tried). Each
group keeps the reasons that joined it: the shared trigger lemma or the similar lemmas, the names its
articles share, the shared speaker of a reporting verb, the date that split it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from newsweave.events.extract import REPORTING
from newsweave.events.timex import timexes_for_article
from newsweave.events.timex_values import TimeExpr
from newsweave.models import AnnotatedArticle, Span, content_id

#: spaCy entity types whose tokens make an article's setting (:func:`article_profile`).
PROFILE_TYPES = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "DATE", "CARDINAL",
                           "WORK_OF_ART", "PRODUCT"})
#: spaCy entity types that can be a mention's participant or place (a shared speaker, victim, city).
PARTICIPANT_TYPES = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC"})
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_HEAD_POS = ("VERB", "NOUN", "ADJ", "PROPN")

Encoder = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True, slots=True)
class CorefSettings:
    """Fixed settings of :func:`group_mentions`."""

    #: average-link cosine above which articles of one document cluster report the same real event
    doc_threshold: float = 0.15
    #: cosine of trigger-lemma embeddings above which two trigger classes are one action (None: no embedding)
    trigger_threshold: float | None = 0.7
    #: reporting verbs link only when their sentences share a named participant
    reporting_needs_participant: bool = True
    #: explicit day dates that differ split a trigger class (off: on ECB+ training topics the sentence dates are
    #: mostly datelines and relative dates resolved from different publication days, and the split cost 4 points)
    split_on_dates: bool = False
    #: mentions of different articles link only when their sentences' named participants are not disjoint
    participants_must_agree: bool = False
    #: mentions whose extracted actors differ, or whose clause dates (day precision) differ, are different events
    split_on_roles: bool = True
    #: linkage of the article grouping (scikit-learn AgglomerativeClustering)
    linkage: str = "average"


DEFAULT_SETTINGS = CorefSettings()


@dataclass(slots=True)
class EventMention:
    """One event mention: its trigger in an article, with the setting its sentence gives."""

    article_id: str
    trigger: Span
    trigger_text: str
    lemma: str
    sentence: Span
    #: folded names of the people, organisations and places named in the sentence
    participants: tuple[str, ...] = ()
    #: explicit day dates (TIMEX values ``YYYY-MM-DD``) of the sentence
    dates: tuple[str, ...] = ()
    #: the extracted event's actor (entity id, else folded text) when known (:func:`mentions_from_events`)
    actor: str | None = None
    #: the actor as written (for the reasons shown to the user)
    actor_text: str | None = None
    #: the extracted event's own date (its clause's or governing clause's TIMEX, day precision) when known
    when: str | None = None
    id: str = field(default="")

    def __post_init__(self) -> None:
        if not self.id:
            self.id = content_id(f"{self.article_id}:{self.trigger.start}:{self.trigger.end}", "em_")

    def cite(self) -> dict[str, Any]:
        """The trigger as a citation: article and character span."""
        return {"article_id": self.article_id, "start": self.trigger.start, "end": self.trigger.end,
                "text": self.trigger_text}


@dataclass(slots=True)
class EventGroup:
    """Mentions of one real event, with the reasons that joined them."""

    id: str
    mentions: list[EventMention]
    reasons: list[str]

    @property
    def article_ids(self) -> list[str]:
        return sorted({m.article_id for m in self.mentions})

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "article_ids": self.article_ids, "mentions": [m.cite() for m in self.mentions],
                "lemmas": sorted({m.lemma for m in self.mentions}), "reasons": self.reasons}


# --- mentions and article profiles -----------------------------------------------------------


def _fold(text: str) -> str:
    from newsweave.entities.names import fold

    words = fold(text).strip(" .,;:'\"").split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def _sentence_of(doc: AnnotatedArticle, start: int) -> Span:
    ann = doc.annotation
    for s in ann.sentences if ann is not None else ():
        if s.start <= start < s.end:
            return s
    return Span(0, len(doc.article.text))


def _day_dates(timexes: Iterable[TimeExpr], sent: Span) -> tuple[str, ...]:
    return tuple(sorted({t.value[:10] for t in timexes if t.type in ("DATE", "TIME") and not t.caption
                         and sent.start <= t.start and t.end <= sent.end and _DAY.match(t.value[:10])}))


def head_lemma(doc: AnnotatedArticle, start: int, end: int) -> str:
    """Lemma of the syntactic head of ``[start, end)`` (a verb or noun preferred), lower-cased; the
    lower-cased text when no token lies there."""
    ann = doc.annotation
    toks = ann.tokens if ann is not None else []
    idx = [i for i, t in enumerate(toks) if t.start < end and t.end > start]
    if not idx:
        return doc.article.text[start:end].strip().lower()
    inside = set(idx)
    heads = [i for i in idx if toks[i].head not in inside or toks[i].head == i]
    pref = [i for i in heads if toks[i].pos in _HEAD_POS] or heads or idx
    return toks[pref[-1]].lemma.lower()


def mentions_for_article(doc: AnnotatedArticle, spans: Iterable[tuple[int, int]],
                         timexes: Sequence[TimeExpr] | None = None) -> list[EventMention]:
    """Event mentions at the given trigger spans of one annotated article, with their sentence's setting.

    Args:
        doc: the article and its spaCy annotation.
        spans: trigger character spans (e.g. gold mentions, or the triggers of extracted events).
        timexes: the article's time expressions (computed when None).
    """
    tx = list(timexes) if timexes is not None else timexes_for_article(doc)
    text = doc.article.text
    ents = doc.annotation.entities if doc.annotation is not None else []
    out = []
    for start, end in spans:
        sent = _sentence_of(doc, start)
        parts = tuple(sorted({_fold(text[e.start:e.end]) for e in ents if e.label in PARTICIPANT_TYPES
                              and sent.start <= e.start < sent.end} - {""}))
        out.append(EventMention(article_id=doc.article.id, trigger=Span(start, end), trigger_text=text[start:end],
                                lemma=head_lemma(doc, start, end), sentence=sent, participants=parts,
                                dates=_day_dates(tx, sent)))
    return out


def mentions_from_events(events: Sequence[Any], docs: Sequence[AnnotatedArticle]) -> list[EventMention]:
    """Event mentions at the triggers of extracted events (:class:`newsweave.events.extract.Event`), in order,
    with the event's actor and its own day date (from its clause, not the publication date) as roles."""
    by_article: dict[str, list[Any]] = defaultdict(list)
    for e in events:
        by_article[e.article_id].append(e)
    out: list[EventMention] = []
    for d in docs:
        evs = by_article.get(d.article.id)
        if not evs:
            continue
        for e, m in zip(evs, mentions_for_article(d, [(e.trigger.start, e.trigger.end) for e in evs]), strict=True):
            m.actor = e.actor_entity_id or (_fold(e.actor_text) if e.actor_text else None)
            m.actor_text = e.actor_text
            if e.date and e.date_precision == "day" and e.date_source in ("clause", "governing"):
                m.when = e.date[:10]
            out.append(m)
    return out


def article_profile(doc: AnnotatedArticle) -> Counter[str]:
    """An article's setting: counts of the lemmas of its named-entity tokens (types :data:`PROFILE_TYPES`)."""
    ann = doc.annotation
    if ann is None:
        return Counter()
    return Counter(t.lemma.lower() for t in ann.tokens if t.ent_type in PROFILE_TYPES)


# --- step 1: articles that report the same real event ----------------------------------------


def article_groups(profiles: Mapping[str, Counter[str]], cluster_of: Mapping[str, Any] | None = None,
                   threshold: float = DEFAULT_SETTINGS.doc_threshold,
                   linkage: str = DEFAULT_SETTINGS.linkage) -> dict[str, tuple[Any, int]]:
    """Group the articles of each document cluster by the similarity of their profiles.

    Returns ``{article id: (cluster, group number)}``; articles without a cluster form one cluster. A
    threshold <= 0 puts every article of a cluster in one group (no grouping).
    """
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    by_cluster: dict[Any, list[str]] = defaultdict(list)
    for a in sorted(profiles):
        by_cluster[(cluster_of or {}).get(a)].append(a)
    out: dict[str, tuple[Any, int]] = {}
    for c, ids in by_cluster.items():
        if threshold <= 0:
            out.update({a: (c, 0) for a in ids})
            continue
        if len(ids) == 1 or not any(profiles[a] for a in ids):
            out.update({a: (c, k) for k, a in enumerate(ids)})
            continue
        vec = TfidfVectorizer(analyzer=lambda p: [w for w, n in p.items() for _ in range(n)], sublinear_tf=True)
        x = vec.fit_transform([profiles[a] for a in ids])
        sim = (x @ x.T).toarray()
        labels = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage=linkage,
                                         distance_threshold=1.0 - threshold).fit_predict(np.clip(1.0 - sim, 0, 2))
        out.update({a: (c, int(k)) for a, k in zip(ids, labels, strict=True)})
    return out


# --- steps 2-4: mentions ---------------------------------------------------------------------


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    from nltk.stem.porter import PorterStemmer

    return PorterStemmer()


def stem(lemma: str) -> str:
    """Porter stem of a lemma ("shooting" -> "shoot", "announcement" -> "announc")."""
    return str(_stemmer().stem(lemma))


class _Union:
    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, x: Any) -> Any:
        p = self.parent.setdefault(x, x)
        while p != self.parent.setdefault(p, p):
            self.parent[x] = p = self.parent[p]
        return p

    def union(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _lemma_vectors(lemmas: Sequence[str], encoder: Encoder | None) -> dict[str, np.ndarray]:
    if encoder is None or not lemmas:
        return {}
    vecs = np.asarray(encoder(list(lemmas)), dtype=np.float32)
    return dict(zip(lemmas, vecs, strict=True))


def _split_by_date(members: list[EventMention]) -> list[tuple[list[EventMention], str | None]]:
    """A trigger class whose mentions carry several explicit day dates, split by date (see module doc)."""
    dated: dict[str, list[EventMention]] = defaultdict(list)
    for m in members:
        if m.dates:
            dated[m.dates[0]].append(m)
    if len(dated) <= 1:
        return [(members, None)]
    # mentions with several dates go with any of them already present; undated ones with their article
    art_date: dict[str, Counter[str]] = defaultdict(Counter)
    for d, ms in dated.items():
        for m in ms:
            art_date[m.article_id][d] += 1
    largest = max(dated, key=lambda d: (len(dated[d]), d))
    parts: dict[str, list[EventMention]] = defaultdict(list)
    for m in members:
        if m.dates:
            parts[m.dates[0]].append(m)
        elif art_date[m.article_id]:
            parts[art_date[m.article_id].most_common(1)[0][0]].append(m)
        else:
            parts[largest].append(m)
    return [(ms, d) for d, ms in sorted(parts.items())]


def _split_by_participants(members: list[EventMention]) -> list[list[EventMention]]:
    """Link mentions of one article, and of two articles when neither sentence names a participant or they share
    one; the connected parts."""
    uf = _Union()
    for i, a in enumerate(members):
        uf.find(i)
        for j in range(i + 1, len(members)):
            b = members[j]
            if a.article_id == b.article_id or not a.participants or not b.participants or \
                    set(a.participants) & set(b.participants):
                uf.union(i, j)
    parts: dict[int, list[EventMention]] = defaultdict(list)
    for i, m in enumerate(members):
        parts[uf.find(i)].append(m)
    return list(parts.values())


def group_mentions(mentions: Sequence[EventMention], profiles: Mapping[str, Counter[str]],
                   cluster_of: Mapping[str, Any] | None = None, encoder: Encoder | None = None,
                   settings: CorefSettings = DEFAULT_SETTINGS) -> list[EventGroup]:
    """Group event mentions into cross-document events.

    Args:
        mentions: the mentions (from :func:`mentions_for_article` or :func:`mentions_from_events`).
        profiles: ``{article id: article_profile(...)}`` for every article of a mention.
        cluster_of: ``{article id: document cluster}`` (story or topic); mentions of different clusters
            never corefer. None: all articles are one cluster.
        encoder: texts -> unit vectors (e.g. ``english_encoder().encode``) for similar trigger lemmas;
            None: same lemma or stem only.
        settings: :data:`DEFAULT_SETTINGS` unless an experiment says otherwise.

    Returns:
        Groups (singletons included) in order of their first mention; each with its reasons.
    """
    for m in mentions:
        if m.article_id not in profiles:
            raise KeyError(f"no profile for article {m.article_id!r}")
    agroup = article_groups({a: profiles[a] for a in {m.article_id for m in mentions}}, cluster_of,
                            settings.doc_threshold, settings.linkage)
    vectors = _lemma_vectors(sorted({m.lemma for m in mentions}), encoder if settings.trigger_threshold else None)
    by_group: dict[tuple[Any, int], list[EventMention]] = defaultdict(list)
    for m in mentions:
        by_group[agroup[m.article_id]].append(m)
    groups: list[EventGroup] = []
    for members in by_group.values():
        groups.extend(_group_within(members, profiles, vectors, settings))
    first = {m.id: i for i, m in enumerate(mentions)}
    for g in groups:
        g.mentions.sort(key=lambda m: first[m.id])
    groups.sort(key=lambda g: first[g.mentions[0].id])
    return groups


def _roles_conflict(a: EventMention, b: EventMention) -> bool:
    return bool((a.actor and b.actor and a.actor != b.actor) or (a.when and b.when and a.when != b.when))


def _split_by_roles(members: list[EventMention]) -> list[tuple[list[EventMention], str | None]]:
    """Mentions with known roles (actor, own date) form complete-link subgroups of compatible roles, in text
    order; a mention without roles joins the subgroup of the nearest mention of its article that has roles, else
    the largest subgroup."""
    seeds: list[list[EventMention]] = []
    for m in members:
        if m.actor is None and m.when is None:
            continue
        home = next((g for g in seeds if not any(_roles_conflict(m, x) for x in g)), None)
        if home is None:
            seeds.append([m])
        else:
            home.append(m)
    if len(seeds) <= 1:
        return [(members, None)]
    where = {m.id: i for i, g in enumerate(seeds) for m in g}
    parts: list[list[EventMention]] = [[] for _ in seeds]
    largest = max(range(len(seeds)), key=lambda i: len(seeds[i]))
    for m in members:
        if m.id in where:
            parts[where[m.id]].append(m)
            continue
        same = [x for x in members if x.id in where and x.article_id == m.article_id]
        near = min(same, key=lambda x: abs(x.trigger.start - m.trigger.start), default=None)
        parts[where[near.id] if near is not None else largest].append(m)
    out: list[tuple[list[EventMention], str | None]] = []
    for p in parts:
        actors = sorted({m.actor_text or m.actor for m in p if m.actor})
        days = sorted({m.when for m in p if m.when})
        out.append((p, "split by roles: " + "; ".join(x for x in (
            f"actor {', '.join(actors)}" if actors else "", f"date {', '.join(days)}" if days else "") if x)))
    return out


def _shared_names(members: Sequence[EventMention], profiles: Mapping[str, Counter[str]], top: int = 5) -> list[str]:
    arts = sorted({m.article_id for m in members})
    if len(arts) < 2:
        return []
    common = Counter[str]()
    for a in arts:
        for w in profiles[a]:
            common[w] += 1
    from spacy.lang.en.stop_words import STOP_WORDS

    return [w for w, n in common.most_common() if n >= 2 and w not in STOP_WORDS and any(c.isalnum() for c in w)][:top]


def _group_within(members: list[EventMention], profiles: Mapping[str, Counter[str]],
                  vectors: Mapping[str, np.ndarray], s: CorefSettings) -> list[EventGroup]:
    """Steps 2-4 inside one group of articles that report the same real event."""
    uf = _Union()
    why: dict[Any, list[str]] = defaultdict(list)
    reporting = [m for m in members if s.reporting_needs_participant and m.lemma in REPORTING]
    rep_ids = {m.id for m in reporting}
    plain = [m for m in members if m.id not in rep_ids]
    # step 2: trigger classes by stem, then by embedding of the lemmas
    by_stem: dict[str, list[EventMention]] = defaultdict(list)
    for m in plain:
        by_stem[stem(m.lemma)].append(m)
    stems = sorted(by_stem)
    for st in stems:
        uf.find(("stem", st))
    if vectors and s.trigger_threshold is not None:
        means = {}
        for st in stems:
            v = np.mean([vectors[m.lemma] for m in by_stem[st]], axis=0)
            means[st] = v / max(float(np.linalg.norm(v)), 1e-12)
        mat = np.stack([means[st] for st in stems]) if stems else np.zeros((0, 1))
        sim = mat @ mat.T
        for i in range(len(stems)):
            for j in range(i + 1, len(stems)):
                if sim[i, j] >= s.trigger_threshold:
                    sa, sb = stems[i], stems[j]
                    why[("stem", sa)].append(f"similar triggers {sorted({m.lemma for m in by_stem[sa]})} ~ "
                                             f"{sorted({m.lemma for m in by_stem[sb]})} (cosine {sim[i, j]:.2f})")
                    uf.union(("stem", sa), ("stem", sb))
    classes: dict[Any, list[EventMention]] = defaultdict(list)
    for st in stems:
        classes[uf.find(("stem", st))].extend(by_stem[st])
    # step 3: reporting verbs with a shared named participant
    ru = _Union()
    for i, a in enumerate(reporting):
        ru.find(a.id)
        for b in reporting[i + 1 :]:
            shared = set(a.participants) & set(b.participants)
            if stem(a.lemma) == stem(b.lemma) and shared:
                why[("rep", a.id)].append(f"reporting verb {a.lemma!r}, same participant {sorted(shared)[0]!r}")
                ru.union(a.id, b.id)
    for m in reporting:
        classes[("rep", ru.find(m.id))].append(m)
    # step 4: dates; then the groups with their reasons
    out = []
    reason_of: dict[Any, list[str]] = defaultdict(list)
    for key, reasons in why.items():
        root = uf.find(key) if key[0] == "stem" else ("rep", ru.find(key[1]))
        reason_of[root].extend(reasons)
    for key, ms in classes.items():
        pieces = _split_by_participants(ms) if s.participants_must_agree and key[0] == "stem" else [ms]
        by_role = [r for piece in pieces for r in (_split_by_roles(piece) if s.split_on_roles else [(piece, None)])]
        parts = [(p, day, role) for piece, role in by_role
                 for p, day in (_split_by_date(piece) if s.split_on_dates else [(piece, None)])]
        for part, day, role in parts:
            reasons = []
            lemmas = sorted({m.lemma for m in part})
            if len(part) > 1:
                reasons.append(f"same trigger lemma {lemmas[0]!r}" if len(lemmas) == 1
                               else f"triggers {lemmas} share a stem or a similar meaning")
                reasons.extend(dict.fromkeys(reason_of.get(key, [])))
                names = _shared_names(part, profiles)
                if names:
                    reasons.append(f"articles share {', '.join(names)}")
            if role is not None:
                reasons.append(role)
            if day is not None:
                reasons.append(f"split by explicit date: {day}")
            out.append(EventGroup(id=content_id("|".join(sorted(m.id for m in part)), "eg_"), mentions=part,
                                  reasons=reasons))
    return out
