"""Cross-document entity resolution: one entity per person, organization and place.

Per article, :mod:`newsweave.entities.mentions` finds name mentions, their roles, and
links short forms to full names. Here the per-article entities are merged across
articles in four steps, each stricter about context than the last:

1. **Same name.** Identical folded keys (accents and case ignored, aliases such as
   "U.S." -> "United States" applied) merge everywhere; an accent-only difference is
   flagged ``accent_variant``.
2. **Structured person names.** Full names that differ only in what one of them leaves
   out or abbreviates merge: middle names and initials ("Donald J. Trump" / "Donald
   Trump", "Hillary Rodham Clinton" / "Hillary Clinton"), a numeral suffix ("Robert S.
   Mueller III" / "Robert Mueller", unless another suffix of that name is seen) and, within
   a shared story, a given-name short form from the nickname table ("Steve" / "Steven",
   flagged ``short_form``). A different suffix is a different person ("Donald Trump Jr." is
   not "Donald Trump"). A less specific name that fits two names which do not fit each other
   ("George Bush" with "George W. Bush" and "George H. W. Bush") stays apart.
3. **Short forms in a story.** A one-word person name ("Silva") joins the one full name
   in the same story it fits (else in the same storyline, when one is given); a bare
   surname prefers a name without "Jr."; if several fit it stays apart (never guessed). Owner-less
   organizations ("the Defense Ministry") join the one owned form in the story
   ("Venezuela's Defense Ministry"); an acronym joins the organization it spells.
4. **Misspellings.** Names one edit apart (substitution, transposition, insertion,
   deletion: "Salva"/"Silva", "Guadio"/"Guaido") merge only within a shared story *and*
   when context agrees: a shared role word or a shared quotation is required, co-occurring
   entities and identical other name parts add support, conflicting roles count against.
   The rarer spelling is flagged ``likely_misspelling`` with a confidence and the name it
   is taken to misspell. Two different places of the gazetteer ("Iran" / "Iraq",
   :mod:`newsweave.entities.places`), a given-name short form and a plural ("Clintons") are
   never misspellings.
5. Everything else stays apart: different people with similar names are never merged on
   the name alone.

Entity ids are content hashes of kind + canonical name (+ story for story-scoped short
forms), so they are stable across runs.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from newsweave.entities.mentions import (
    DemonymMention,
    LocalEntity,
    Mention,
    extract_mentions,
    link_in_article,
    prefer_senior,
)
from newsweave.entities.names import (
    acronym_of,
    alias_of,
    deletion_keys,
    fold,
    has_diacritics,
    is_short_form,
    looks_like_acronym,
    name_parts,
    names_compatible,
    parse_person_name,
    partial_of,
    split_suffix,
    token_similar,
)
from newsweave.entities.places import different_known_places, is_major_place
from newsweave.models import AnnotatedArticle, Evidence, content_id

logger = logging.getLogger(__name__)

__all__ = ["Entity", "EntityResolution", "Evidence", "Role", "Variant", "resolve_entities"]

ACCENT_VARIANT = "accent_variant"
LIKELY_MISSPELLING = "likely_misspelling"
ACRONYM = "acronym"
SHORT_FORM = "short_form"
_ONE_STORY = "_all"
#: Minimum context score for a misspelling merge (needs a shared role or quote besides).
MISSPELLING_MIN_SCORE = 1.5


@dataclass(slots=True)
class Variant:
    """One surface form of an entity, the articles using it, and flags."""

    text: str
    article_ids: list[str]
    evidence: list[Evidence]
    flags: list[str] = field(default_factory=list)
    confidence: float | None = None  # for a likely misspelling: how sure the merge is
    misspelling_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Dossier form."""
        out: dict[str, Any] = {
            "text": self.text, "article_ids": self.article_ids, "flags": self.flags,
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if self.confidence is not None:
            out["confidence"] = round(self.confidence, 3)
        if self.misspelling_of is not None:
            out["misspelling_of"] = self.misspelling_of
        return out


@dataclass(slots=True)
class Role:
    """A title or position as the articles state it (grouped by normalized text)."""

    text: str
    key: str
    article_ids: list[str]
    evidence: list[Evidence]

    def to_dict(self) -> dict[str, Any]:
        """Dossier form."""
        return {
            "text": self.text, "normalized": self.key, "article_ids": self.article_ids,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(slots=True)
class Entity:
    """One real-world person, organization or place across all articles."""

    id: str
    name: str
    kind: str
    variants: list[Variant]
    roles: list[Role]
    article_ids: list[str]

    def to_dict(self) -> dict[str, Any]:
        """Dossier form (schema section ``entities``)."""
        return {
            "id": self.id, "name": self.name, "kind": self.kind,
            "variants": [v.to_dict() for v in self.variants],
            "roles": [r.to_dict() for r in self.roles],
            "article_ids": self.article_ids,
        }


class SpanIndex:
    """Entity lookup by character span, built from ``(article_id, start, end, entity_id, priority)`` rows.

    Priority 0 is a name mention, 1 a role or appositive tied to a name, 2 a demonym.
    It is built from a fresh resolution or from stored mention records alike.
    """

    def __init__(self, rows: Iterable[tuple[str, int, int, str, int]]) -> None:
        spans: dict[str, list[tuple[int, int, str, int]]] = defaultdict(list)
        for aid, s, e, eid, prio in rows:
            spans[aid].append((s, e, eid, prio))
        self._index: dict[str, tuple[list[int], list[tuple[int, int, str, int]]]] = {}
        for aid, found in spans.items():
            found.sort()
            self._index[aid] = ([r[0] for r in found], found)

    @classmethod
    def from_records(cls, resolution: dict[str, Any]) -> SpanIndex:
        """From the stored form of :meth:`EntityResolution.to_dict` (``mentions`` and ``demonyms``)."""
        rows: list[tuple[str, int, int, str, int]] = []
        for m in resolution.get("mentions", []):
            if m.get("entity_id"):
                rows.append((m["article_id"], m["start"], m["end"], m["entity_id"], 0))
                rows += [(m["article_id"], r["start"], r["end"], m["entity_id"], 1) for r in m.get("roles", [])]
        rows += [(d["article_id"], d["start"], d["end"], d["entity_id"], 2)
                 for d in resolution.get("demonyms", []) if d.get("entity_id")]
        return cls(rows)

    def entity_at(self, article_id: str, start: int, end: int | None = None) -> str | None:
        """Entity id for a character offset or span in an article, or None.

        An exact span match wins; otherwise a name mention wins over a role span (an
        appositive or title tied to a name), which wins over a demonym ("Venezuelan" ->
        Venezuela, when that place is an entity); among equals the largest overlap wins.

        Args:
            article_id: the article.
            start: a character offset (or the span start).
            end: the span end (exclusive); None looks up the single offset ``start``.

        Returns:
            The entity id, or None when nothing there belongs to an entity.
        """
        if article_id not in self._index:
            return None
        starts, rows = self._index[article_id]
        e = start + 1 if end is None else max(end, start + 1)
        best: tuple[bool, int, int, str] | None = None
        for s0, e0, eid, prio in rows[: bisect_right(starts, e - 1)]:
            overlap = min(e, e0) - max(start, s0)
            if overlap <= 0:
                continue
            cand = (end is not None and (s0, e0) == (start, end), -prio, overlap, eid)
            if best is None or cand[:3] > best[:3]:
                best = cand
        return best[3] if best else None


@dataclass(slots=True)
class EntityResolution:
    """Entities, every mention (with its entity id and roles) and demonym links, with span lookup."""

    entities: list[Entity]
    mentions: list[Mention]
    demonyms: list[DemonymMention]
    demonym_entity: dict[tuple[str, int, int], str] = field(default_factory=dict)
    index: SpanIndex = field(init=False)

    def __post_init__(self) -> None:
        rows: list[tuple[str, int, int, str, int]] = []
        for m in self.mentions:
            if m.entity_id:
                rows.append((m.article_id, m.start, m.end, m.entity_id, 0))
                # a speaker written as "a key military official" maps too
                rows += [(m.article_id, r.start, r.end, m.entity_id, 1) for r in m.roles]
        rows += [(aid, s, e, eid, 2) for (aid, s, e), eid in self.demonym_entity.items()]
        self.index = SpanIndex(rows)

    def entity(self, entity_id: str) -> Entity | None:
        """The entity with this id, or None."""
        for ent in self.entities:
            if ent.id == entity_id:
                return ent
        return None

    def entity_at(self, article_id: str, start: int, end: int | None = None) -> str | None:
        """Entity id at a span; see :meth:`SpanIndex.entity_at`."""
        return self.index.entity_at(article_id, start, end)

    def to_dict(self) -> dict[str, Any]:
        """JSON form for storage: entities, mentions with entity ids and roles, demonym links."""
        return {
            "entities": [e.to_dict() for e in self.entities],
            "mentions": [m.to_dict() for m in self.mentions],
            "demonyms": [
                {"article_id": d.article_id, "start": d.start, "end": d.end, "text": d.text, "place": d.place,
                 "entity_id": self.demonym_entity.get((d.article_id, d.start, d.end))}
                for d in self.demonyms
            ],
        }


class _UnionFind:
    """Union-find over local-entity indices; the root is the smaller index (stable)."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        """Root of i (path halving)."""
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> int:
        """Join the sets of a and b; returns the new root."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        lo, hi = min(ra, rb), max(ra, rb)
        self.parent[hi] = lo
        return lo


@dataclass(slots=True)
class _Misspelling:
    """A merge of a rarer spelling into an entity, for flagging."""

    locals: list[int]
    of_root: int
    confidence: float


class _Resolver:
    """The cross-document merge steps over local entities."""

    def __init__(self, locs: list[LocalEntity], story: list[str], storyline: list[str] | None = None) -> None:
        self.locs = locs
        self.story = story
        self.storyline = storyline if storyline is not None else story
        self.uf = _UnionFind(len(locs))
        self.misspellings: list[_Misspelling] = []

    def members(self) -> dict[int, list[int]]:
        """Root -> member local indices."""
        out: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.locs)):
            out[self.uf.find(i)].append(i)
        return out

    def run(self) -> None:
        """All merge steps in order."""
        self._relabel_surnames()
        self._attach_owned()
        self._same_key()
        self._compatible_names()
        self._partials()
        self._acronyms()
        self._misspellings()

    def _relabel_surnames(self) -> None:
        """A one-word non-person name equal to a person's surname in the story is that person
        (an organization, or a place that is no major place: "Pelosi" tagged GPE)."""
        surnames: dict[str, set[str]] = defaultdict(set)
        for i, loc in enumerate(self.locs):
            base = split_suffix(loc.key)[0]
            if loc.kind == "person" and base:
                surnames[self.story[i]].add(base[-1])
        for i, loc in enumerate(self.locs):
            text = loc.mentions[0].text
            if (
                loc.kind in ("organization", "place") and len(loc.key) == 1 and loc.owner is None
                and loc.key[0] in surnames[self.story[i]] and not looks_like_acronym(text)
                and not (loc.kind == "place" and is_major_place(text))
            ):
                loc.kind = "person"
                for m in loc.mentions:
                    m.kind = "person"

    def _attach_owned(self) -> None:
        """Owner-less organization -> the one owned organization of that name in the story."""
        owned: dict[tuple[str, tuple[str, ...]], set[tuple[str, ...] | str]] = defaultdict(set)
        first: dict[tuple[str, tuple[str, ...], str], int] = {}
        for i, loc in enumerate(self.locs):
            if loc.kind != "person" and loc.owner is not None:
                owned[(self.story[i], loc.key)].add(loc.owner)
                first.setdefault((self.story[i], loc.key, loc.owner), i)
        for i, loc in enumerate(self.locs):
            if loc.kind != "person" and loc.owner is None:
                owners = owned.get((self.story[i], loc.key), set())
                if len(owners) == 1:
                    (owner,) = owners
                    assert isinstance(owner, str)
                    self.uf.union(first[(self.story[i], loc.key, owner)], i)

    def _same_key(self) -> None:
        """Identical full keys merge everywhere; one-word person names only within a story."""
        by_key: dict[tuple[Any, ...], int] = {}
        for i, loc in enumerate(self.locs):
            kind = "person" if loc.kind == "person" else "other"
            if loc.is_partial:
                k: tuple[Any, ...] = ("partial", self.story[i], loc.key)
            else:
                k = (kind, loc.key, loc.owner if kind == "other" else None)
            if k in by_key:
                self.uf.union(by_key[k], i)
            else:
                by_key[k] = i

    def _root_key(self, members: list[int]) -> tuple[str, ...]:
        return max((self.locs[i].key for i in members), key=lambda k: (len(k), k))

    def _compatible_names(self) -> None:
        """Full person names that can name one person merge (see :func:`compatible_groups`)."""
        members = self.members()
        keys: dict[int, tuple[str, ...]] = {}
        stories: dict[int, set[str]] = {}
        for r, ms in members.items():
            if not any(self.locs[i].kind == "person" for i in ms):
                continue
            key = self._root_key(ms)
            if name_parts(key).given is not None:
                keys[r] = key
                stories[r] = {self.story[i] for i in ms}
        for group in compatible_groups(keys, stories):
            first = min(group)
            for r in group:
                self.uf.union(first, r)

    def _partials(self) -> None:
        """One-word person names -> the one full name they fit in the same story (else storyline)."""
        members = self.members()
        full: dict[int, tuple[str, ...]] = {}
        by_story: dict[str, set[int]] = defaultdict(set)
        by_line: dict[str, set[int]] = defaultdict(set)
        for r, ms in members.items():
            key = self._root_key(ms)
            if self.locs[r].kind == "person" and len(split_suffix(key)[0]) >= 2:
                full[r] = key
                for i in ms:
                    by_story[self.story[i]].add(r)
                    by_line[self.storyline[i]].add(r)
        for i, loc in enumerate(self.locs):
            if not loc.is_partial:
                continue
            cands: list[int] = []
            for roots in (by_story.get(self.story[i], set()), by_line.get(self.storyline[i], set())):
                cands = prefer_senior(loc.key, sorted(r for r in roots if partial_of(loc.key, full[r])),
                                      lambda r: full[r])
                if cands:
                    break
            if len(cands) == 1:
                self.uf.union(cands[0], i)

    def _acronyms(self) -> None:
        """An acronym organization -> the one organization in the story whose initials it spells."""
        members = self.members()
        by_story: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        for r, ms in members.items():
            key = self._root_key(ms)
            if self.locs[r].kind != "person" and len(key) >= 2:
                for i in ms:
                    by_story[self.story[i]][acronym_of(list(key))].add(r)
        for i, loc in enumerate(self.locs):
            if loc.kind != "person" and len(loc.key) == 1 and looks_like_acronym(loc.mentions[0].text):
                cands = by_story[self.story[i]].get(loc.key[0].upper(), set())
                if len(cands) == 1:
                    self.uf.union(cands.pop(), i)

    def _context(self, members: list[int], stories: set[str]) -> dict[str, Any]:
        roles: set[str] = set()
        role_keys: set[str] = set()
        quotes: set[tuple[str, ...]] = set()
        arts: set[str] = set()
        for i in members:
            if self.story[i] not in stories:
                continue
            arts.add(self.locs[i].article_id)
            for m in self.locs[i].mentions:
                for r in m.roles:
                    roles |= r.words
                    role_keys.add(r.key)
                for q in m.quotes:
                    quotes |= {q[k : k + 5] for k in range(max(1, len(q) - 4))}
        return {"roles": roles, "role_keys": role_keys, "quotes": quotes, "articles": arts}

    def _misspellings(self) -> None:
        """Merge names one edit apart when a shared story and context agree."""
        members = self.members()
        info: dict[int, dict[str, Any]] = {}
        block: dict[tuple[str, str], set[int]] = defaultdict(set)
        art_roots: dict[str, set[int]] = defaultdict(set)
        for r, ms in members.items():
            key = self._root_key(ms)
            kind = "person" if any(self.locs[i].kind == "person" for i in ms) else "other"
            info[r] = {"key": key, "kind": kind, "stories": {self.story[i] for i in ms},
                       "n_articles": len({self.locs[i].article_id for i in ms}),
                       "n_mentions": sum(len(self.locs[i].mentions) for i in ms)}
            for i in ms:
                art_roots[self.locs[i].article_id].add(r)
            last = split_suffix(key)[0][-1] if split_suffix(key)[0] else ""
            if len(last) >= 4:
                for d in deletion_keys(last):
                    block[(kind, d)].add(r)
        pairs: set[tuple[int, int]] = set()
        for roots in block.values():
            if 1 < len(roots) <= 50:
                rs = sorted(roots)
                for x in range(len(rs)):
                    for y in range(x + 1, len(rs)):
                        pairs.add((rs[x], rs[y]))
        for a, b in sorted(pairs):
            ra, rb = self.uf.find(a), self.uf.find(b)
            if ra == rb or ra != a or rb != b:
                continue  # one side was merged already in this step: keep merges one level deep
            ia, ib = info[a], info[b]
            shared = ia["stories"] & ib["stories"]
            if not shared or not _names_one_edit(ia["key"], ib["key"], ia["kind"] == "person" == ib["kind"]):
                continue
            if ia["kind"] == "other" and different_known_places(" ".join(ia["key"]), " ".join(ib["key"])):
                continue  # "Iran" / "Iraq": two real places, not a misspelling
            score, strong = self._score(members[a], members[b], shared, art_roots, ia["key"], ib["key"])
            if not strong or score < MISSPELLING_MIN_SCORE:
                continue
            big, small = (a, b) if (ia["n_articles"], ia["n_mentions"], ib["key"]) >= (
                ib["n_articles"], ib["n_mentions"], ia["key"]) else (b, a)
            self.misspellings.append(_Misspelling(list(members[small]), big, score / (score + 1.0)))
            self.uf.union(a, b)
            logger.info("misspelling merge %s -> %s (score %.2f)", info[small]["key"], info[big]["key"], score)

    def _score(
        self, ma: list[int], mb: list[int], stories: set[str], art_roots: dict[str, set[int]],
        ka: tuple[str, ...], kb: tuple[str, ...],
    ) -> tuple[float, bool]:
        ca, cb = self._context(ma, stories), self._context(mb, stories)
        score, strong = 0.0, False
        if ca["roles"] & cb["roles"] or ca["role_keys"] & cb["role_keys"]:
            score += 1.0
            strong = True
        elif ca["roles"] and cb["roles"]:
            score -= 0.5
        if ca["quotes"] & cb["quotes"]:
            score += 1.0
            strong = True
        ra, rb = self.uf.find(ma[0]), self.uf.find(mb[0])
        co_a = {r for art in ca["articles"] for r in art_roots[art]} - {ra, rb}
        co_b = {r for art in cb["articles"] for r in art_roots[art]} - {ra, rb}
        if co_a and co_b and len(co_a & co_b) / len(co_a | co_b) >= 0.25:
            score += 0.5
        if (len(ka) >= 2 and len(kb) >= 2 and ka[:-1] == kb[:-1]) or (len(ka) >= 2 and ka[1:] == kb[1:]):
            score += 0.5
        return score, strong


def compatible_groups(keys: dict[int, tuple[str, ...]], stories: dict[int, set[str]]) -> list[list[int]]:
    """Groups of full person names (root -> folded key) that name one person.

    Two names are linked when :func:`~newsweave.entities.names.names_compatible` says so
    (given-name short forms only when they share a story). A name whose linked names are
    not all linked with each other is ambiguous ("George Bush" with "George W. Bush" and
    "George H. W. Bush"; "Robert Mueller" with "... III" and "... IV") and stays alone; the
    rest fall into groups in which every two names are linked.

    Returns:
        Lists of roots with two or more members.
    """
    blocks: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for r, key in keys.items():
        blocks[name_parts(key).surname].append(r)
    out: list[list[int]] = []
    for roots in blocks.values():
        if len(roots) < 2:
            continue
        adj: dict[int, set[int]] = {r: set() for r in roots}
        for x, y in combinations(sorted(roots), 2):
            if names_compatible(keys[x], keys[y], short_forms=bool(stories[x] & stories[y])):
                adj[x].add(y)
                adj[y].add(x)
        hubs = {r for r in roots if any(b not in adj[a] for a, b in combinations(sorted(adj[r]), 2))}
        seen: set[int] = set(hubs)
        for r in sorted(roots):
            if r in seen:
                continue
            comp, stack = [], [r]
            seen.add(r)
            while stack:
                x = stack.pop()
                comp.append(x)
                for y in adj[x] - seen:
                    seen.add(y)
                    stack.append(y)
            if len(comp) > 1 and all(b in adj[a] for a, b in combinations(comp, 2)):
                out.append(sorted(comp))
    return out


def _misspelt(x: str, y: str) -> bool:
    """One edit apart, and not a plural of the other ("Clintons" / "Clinton")."""
    if x + "s" == y or y + "s" == x or x + "es" == y or y + "es" == x:
        return False
    return token_similar(x, y)


def _names_one_edit(a: tuple[str, ...], b: tuple[str, ...], person: bool = True) -> bool:
    """Same length and suffix, exactly one token differs by one edit (a given-name short form does
    not count); or, for people, a one-word name vs a full name's surname."""
    (a, sa), (b, sb) = split_suffix(a), split_suffix(b)
    if a == b or sa != sb:
        return False
    if len(a) != len(b):
        short, full = (a, b) if len(a) < len(b) else (b, a)
        return person and len(short) == 1 and short[0] != full[-1] and _misspelt(short[0], full[-1])
    diff = [(k, x, y) for k, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    if len(diff) != 1:
        return False
    k, x, y = diff[0]
    if person and k == 0 and len(a) >= 2 and is_short_form(x, y):
        return False
    return _misspelt(x, y)


def _display_name(mentions: list[Mention], key: tuple[str, ...]) -> str:
    """Canonical surface: an alias's canonical name, else the most frequent full form (diacritics preferred)."""
    for m in mentions:
        canon = alias_of(m.text)
        if canon and len(mentions) > 0 and fold(canon).split() == list(key):
            return canon
    full = [m for m in mentions if tuple(m.key) == key and m.owner is None] or [
        m for m in mentions if tuple(m.key) == key] or mentions
    counts = Counter(m.text for m in full)
    by_fold: dict[str, list[str]] = defaultdict(list)
    for t in counts:
        by_fold[fold(t)].append(t)
    best_fold = max(by_fold, key=lambda f: (sum(counts[t] for t in by_fold[f]), len(f), f))
    forms = by_fold[best_fold]
    return max(forms, key=lambda t: (has_diacritics(t), counts[t], t))


def resolve_entities(
    docs: Sequence[AnnotatedArticle], story_of: dict[str, str] | None = None,
    storyline_of: dict[str, str] | None = None,
) -> EntityResolution:
    """Find and resolve entity mentions across articles.

    Args:
        docs: annotated articles (those without annotation are skipped).
        story_of: article id -> story id from the stories stage; short names and misspellings
            only merge within a story. None treats all articles as one story; an article missing
            from the map is a story of its own.
        storyline_of: article id -> storyline id (a group of stories); a bare surname with no
            full name to join in its story looks there next. None: the story only.

    Returns:
        The :class:`EntityResolution`: entities (sorted by number of articles, then name),
        all mentions with their entity ids and roles, and demonym links.
    """
    arts: list[ArticleEntities] = []
    for doc in docs:
        mentions, dm = extract_mentions(doc)
        arts.append(ArticleEntities(doc.article.id, mentions, link_in_article(mentions), dm))
    return resolve_local(arts, story_of, storyline_of)


@dataclass(slots=True)
class ArticleEntities:
    """What one article alone gives the resolution: its name mentions, its local entities (which hold
    those mentions) and its demonyms."""

    article_id: str
    mentions: list[Mention]
    locals: list[LocalEntity]
    demonyms: list[DemonymMention]


def resolve_local(
    arts: Sequence[ArticleEntities], story_of: dict[str, str] | None = None,
    storyline_of: dict[str, str] | None = None,
) -> EntityResolution:
    """Resolve the local entities of articles (in this order) across articles.

    Args:
        arts: each article's mentions and local entities (:func:`link_in_article`); the
            mentions get their entity ids, and a relabelled kind, in place.
        story_of: as for :func:`resolve_entities`.
        storyline_of: as for :func:`resolve_entities`.

    Returns:
        The :class:`EntityResolution`, as :func:`resolve_entities` makes it.
    """
    locs: list[LocalEntity] = []
    story: list[str] = []
    line: list[str] = []
    all_mentions: list[Mention] = []
    demos: list[DemonymMention] = []
    for art in arts:
        demos += art.demonyms
        all_mentions += art.mentions
        aid = art.article_id
        st = _ONE_STORY if story_of is None else story_of.get(aid, "_article:" + aid)
        ln = st if storyline_of is None else storyline_of.get(aid, st)
        for loc in art.locals:
            locs.append(loc)
            story.append(st)
            line.append(ln)
    res = _Resolver(locs, story, line)
    res.run()
    entities = _build_entities(res)
    by_name = {(e.kind, fold(e.name)): e.id for e in entities}
    demonym_entity = {
        (d.article_id, d.start, d.end): by_name[("place", fold(d.place))]
        for d in demos if ("place", fold(d.place)) in by_name
    }
    mentions = sorted(all_mentions, key=lambda m: (m.article_id, m.start))
    return EntityResolution(entities, mentions, demos, demonym_entity)


def _build_entities(res: _Resolver) -> list[Entity]:
    flagged: dict[int, _Misspelling] = {i: ms for ms in res.misspellings for i in ms.locals}
    entities: list[Entity] = []
    used: set[str] = set()
    for root, members in sorted(res.members().items()):
        mentions = sorted((m for i in members for m in res.locs[i].mentions), key=lambda m: (m.article_id, m.start))
        correct = [m for i in members if i not in flagged for m in res.locs[i].mentions] or mentions
        key = _display_key(res, [i for i in members if i not in flagged] or members)
        name = _display_name(correct, key)
        kinds = Counter(res.locs[i].kind for i in members for _ in res.locs[i].mentions)
        kind = "person" if kinds["person"] * 2 >= sum(kinds.values()) else kinds.most_common(1)[0][0]
        scoped = all(res.locs[i].is_partial for i in members)
        basis = f"{kind}\x1f{fold(name)}" + (f"\x1f{res.story[root]}" if scoped else "")
        owners = {res.locs[i].owner for i in members if res.locs[i].owner}
        if owners:
            basis += "\x1f" + ",".join(sorted(o for o in owners if o))
        eid = content_id(basis, "ent_")
        if eid in used:
            eid = content_id(basis + f"\x1f{mentions[0].article_id}:{mentions[0].start}", "ent_")
        used.add(eid)
        for m in mentions:
            m.entity_id = eid
        variants = _variants(res, members, flagged, name)
        roles = _roles(mentions)
        arts = sorted({m.article_id for m in mentions})
        entities.append(Entity(eid, name, kind, variants, roles, arts))
    entities.sort(key=lambda e: (-len(e.article_ids), e.name, e.id))
    return entities


def _display_key(res: _Resolver, members: list[int]) -> tuple[str, ...]:
    """The key to name an entity by: for a person, the full name written most often ("Donald
    Trump" over a rarer "Donald J. Trump"), ties to the longer; otherwise the longest key."""
    if res.locs[members[0]].kind != "person":
        return res._root_key(members)
    counts: Counter[tuple[str, ...]] = Counter()
    for i in members:
        key = res.locs[i].key
        if len(split_suffix(key)[0]) >= 2:
            counts[key] += len(res.locs[i].mentions)
    if not counts:
        return res._root_key(members)
    return max(counts, key=lambda k: (counts[k], len(k), k))


def _variants(res: _Resolver, members: list[int], flagged: dict[int, _Misspelling], name: str) -> list[Variant]:
    by_text: dict[str, list[tuple[Mention, int]]] = defaultdict(list)
    for i in members:
        for m in res.locs[i].mentions:
            by_text[m.text].append((m, i))
    texts = set(by_text)
    name_given = name_parts(parse_person_name(name).key).given if res.locs[members[0]].kind == "person" else None
    out = []
    for text, rows in sorted(by_text.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        flags: list[str] = []
        conf = None
        of = None
        f = fold(text)
        if any(t != text and fold(t) == f and has_diacritics(t) and not has_diacritics(text) for t in texts | {name}):
            flags.append(ACCENT_VARIANT)
        miss = [flagged[i] for _, i in rows if i in flagged]
        if miss and len(miss) == len(rows):
            flags.append(LIKELY_MISSPELLING)
            conf = max(x.confidence for x in miss)
            of = name
        if looks_like_acronym(text) and not looks_like_acronym(name):
            flags.append(ACRONYM)
        if name_given is not None:
            given = name_parts(parse_person_name(text).key).given
            if given is not None and is_short_form(given, name_given):
                flags.append(SHORT_FORM)
        ordered = sorted(rows, key=lambda r: (r[0].article_id, r[0].start))
        ev = [Evidence(m.article_id, m.start, m.end, m.text) for m, _ in ordered]
        out.append(Variant(text, sorted({m.article_id for m, _ in rows}), ev, flags, conf, of))
    return out


def _roles(mentions: list[Mention]) -> list[Role]:
    by_key: dict[str, list[tuple[Mention, Any]]] = defaultdict(list)
    for m in mentions:
        for r in m.roles:
            by_key[r.key].append((m, r))
    out = []
    for key, rows in by_key.items():
        texts = Counter(r.text for _, r in rows)
        text = max(texts, key=lambda t: (texts[t], t))
        ev = [Evidence(m.article_id, r.start, r.end, r.text) for m, r in rows]
        out.append(Role(text, key, sorted({m.article_id for m, _ in rows}), ev))
    out.sort(key=lambda r: (-len(r.article_ids), r.key))
    return out
