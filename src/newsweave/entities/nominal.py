"""Nominal and pronoun mentions ("the colonel", "the Venezuelan envoy", "he") linked to named entities.

After :func:`~newsweave.entities.resolve.resolve_entities` has given every name mention its
entity, this module links the *other* mentions of an article to those entities, each link with
a confidence and a reason, and chains unnamed ones ("a man ... the man ... he") so that
later stages and the benchmark can group them:

* **Pronouns** (he/him/his/himself, she/..., it/its, they/them/their) take the nearest
  preceding compatible mention within :data:`PRONOUN_WINDOW` sentences (the same sentence
  first, then earlier ones; subjects preferred, then mentions higher in the parse tree, as in
  Hobbs' and Lappin & Leass's ranking: "Silva told Reuters that an official ... but that he
  was ..." is Silva):
  *compatible* means the right kind (he/she: a person; it: an organization, place or thing;
  they: an organization or a plural noun phrase), gender (from honorifics, gendered role
  nouns and the pronouns written right after a sole named person: no given-name table ships
  with the project's dependencies) and number; a non-reflexive pronoun is never the
  co-argument of its own antecedent ("Silva praised him": him is not Silva), a reflexive one
  takes the nearest preceding subject of its own sentence ("..., who declared himself"). With
  nothing in the window, a person pronoun takes the article's clearly most-mentioned person so
  far (lower confidence), or a name later in the same sentence ("In his speech, Maduro ...").
* **Nominals** link as a predicate nominal or an appositive to the named mention they
  describe when the head noun is of the same kind ("Silva is the only diplomat"; not "It was a
  question"). Otherwise only definite ones (a common-noun head with "the", a demonstrative or
  a possessive) link, in this order: to an earlier mention with the same head noun ("a man
  ... the man"); to a named person whose stated role or title (any article of the story) has the head noun or one of
  its near-synonyms ("the envoy" / "military attaché"), preceding first, else later in the
  article; to an organization or place whose name ends in the head noun ("the ministry" /
  "Defense Ministry"); else, for a place noun or a generic organization noun ("the company",
  not an institutional one such as "the government" or "the military"), to the only entity of
  that kind named in the previous two sentences. A person noun without a stated role to agree
  with ("the victim", "the man") is not linked to a name on proximity alone: in news such
  descriptions name further participants (victims, suspects, witnesses) as often as the person
  just named (on ECB+ dev that link was right about 1 time in 5, see bench/results/entities.md).
  A place or nationality modifier that disagrees with the candidate's roles ("the Colombian
  envoy" vs a Venezuelan attaché) blocks a role link. Indefinite nominals start a new referent.
* **Across articles** (one story): a definite nominal left unlinked takes the entity that the
  same head noun links to (with confidence >= :data:`STORY_SOURCE_CONFIDENCE`) in at least two
  other articles of the story, when no article of the story links it to another entity; a
  proper noun the name tagger missed takes the one entity of the article (else of the story)
  with that surname or one-word name. A relative pronoun ("who", "which") refers to the noun its
  clause modifies.

Hand-written rather than taken from a library: no coreference model package (with its weights)
is available to this project offline, spaCy's small English model has no coreference component,
and the noun classes cannot come from WordNet because its data is a separate download; the small
word lists below (person, organization and place nouns, gendered nouns, near-synonym role
groups) were written from general knowledge of English, not from any evaluation corpus.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from newsweave.entities.mentions import Mention, _ArticleView
from newsweave.entities.names import demonym_place, fold, split_suffix, strip_possessive, title_of
from newsweave.models import AnnotatedArticle

#: How many sentences back a pronoun looks for its antecedent (0 = its own sentence only).
PRONOUN_WINDOW = 3
#: How many sentences back a nominal looks for the only entity of its kind.
NOMINAL_WINDOW = 2

#: Only nominal links at least this sure (a role, a name head, an earlier same-head mention) spread over a story.
STORY_SOURCE_CONFIDENCE = 0.65

#: pronoun -> (wanted kind, gender, number); kinds: person, thing (organization/place/thing), group
PRONOUNS: dict[str, tuple[str, str | None, str]] = {
    **{w: ("person", "m", "sg") for w in ("he", "him", "his", "himself")},
    **{w: ("person", "f", "sg") for w in ("she", "her", "hers", "herself")},
    **{w: ("thing", None, "sg") for w in ("it", "its", "itself")},
    **{w: ("group", None, "pl") for w in ("they", "them", "their", "theirs", "themselves")},
}
RELATIVE = frozenset(["who", "whom", "whose", "which", "that"])
REFLEXIVE = frozenset(["himself", "herself", "itself", "themselves"])
SUBJECT_DEPS = frozenset(["nsubj", "nsubjpass", "csubj"])
DEFINITE_DETS = frozenset(["the", "this", "that", "these", "those"])
INDEFINITE_DETS = frozenset(["a", "an", "another", "some", "any", "one", "no", "every", "each", "many", "several"])

_FEMALE = (
    "woman women girl lady actress mother wife daughter sister queen princess spokeswoman chairwoman congresswoman "
    "businesswoman grandmother aunt niece widow girlfriend bride heiress duchess starlet mom mum ms mrs miss missus "
    "madam sportswoman policewoman councilwoman stepmother granddaughter fiancee"
)
_MALE = (
    "man men boy father husband son brother king prince spokesman chairman congressman businessman grandfather "
    "uncle nephew widower boyfriend groom mister mr sir lord duke dad sportsman policeman councilman stepfather "
    "grandson fiance gunman"
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: gendered nouns, honorifics and titles (folded lemma -> "f" | "m")
GENDERED: dict[str, str] = {**{w: "f" for w in _FEMALE.split()}, **{w: "m" for w in _MALE.split()}}

#: nouns naming a person that the title lexicon does not list as a role
PERSON_NOUNS = _words(
    "person people man woman boy girl child kid baby teen teenager youth adult resident citizen local neighbor "
    "neighbour friend relative family mother father wife husband son daughter brother sister parent girlfriend "
    "boyfriend fiance fiancee partner spouse widow widower grandmother grandfather star celebrity actor actress "
    "singer rapper musician artist model comedian director producer writer author designer athlete player "
    "striker midfielder defender goalkeeper coach manager captain champion boxer driver pilot passenger rider "
    "suspect gunman shooter killer attacker assailant robber thief burglar murderer hijacker bomber culprit "
    "perpetrator accused defendant convict inmate prisoner detainee fugitive victim survivor witness "
    "hostage patient doctor nurse surgeon physician officer policeman policewoman cop trooper deputy agent "
    "detective investigator soldier marine sailor veteran commander firefighter paramedic rescuer worker employee "
    "staffer executive boss founder owner chief head leader president chairman ceo spokesman spokeswoman "
    "spokesperson official officials minister lawmaker senator congressman congresswoman governor mayor "
    "candidate nominee politician diplomat envoy ambassador attache consul emissary lawyer attorney prosecutor "
    "judge counsel reporter journalist correspondent photographer editor analyst expert researcher scientist "
    "professor teacher student priest pastor bishop pope imam rabbi monk nun king queen prince princess "
    "heir teammate rival opponent winner loser guest host fan customer client buyer seller owner tenant "
    "man-child newcomer veteran rookie hero starlet singer-songwriter mogul tycoon billionaire millionaire "
    "entrepreneur businessman businesswoman banker trader investor activist protester protestor demonstrator "
    "rebel militant fighter terrorist insurgent extremist dictator ruler monarch emperor successor predecessor "
    "incumbent individual someone anyone mother-of-two father-of-two"
)

#: organization nouns that describe any organization of their sort ("the company" after "Apple")
GENERIC_ORG_NOUNS = _words(
    "company firm corporation corp business group conglomerate giant maker manufacturer producer retailer "
    "chain carrier airline bank lender insurer publisher network broadcaster channel station studio label "
    "startup brand outfit operator provider supplier developer distributor subsidiary unit division "
    "association federation league alliance coalition organization organisation institute institution "
    "foundation charity university college school academy hospital clinic church team club side squad "
    "franchise band newspaper paper magazine website site consortium cartel gang union"
)
#: institutional nouns: "the government", "the military" name the institution of a place in context, not
#: the organization named last; they link to a name only when the name ends in them ("Defense Ministry")
INSTITUTION_NOUNS = _words(
    "party government administration regime ministry department agency office bureau commission committee "
    "council board authority court tribunal parliament legislature congress senate assembly cabinet "
    "police army military navy force forces militia guard service"
)
ORG_NOUNS = GENERIC_ORG_NOUNS | INSTITUTION_NOUNS

PLACE_NOUNS = _words(
    "country nation state city town village capital region province island area county district territory "
    "republic kingdom neighborhood neighbourhood suburb municipality continent peninsula"
)

#: near-synonym role groups: a nominal with one of them agrees with a role stating another
ROLE_GROUPS: tuple[frozenset[str], ...] = tuple(frozenset(g.split()) for g in (
    "envoy diplomat ambassador attache consul emissary",
    "spokesman spokeswoman spokesperson",
    "lawmaker legislator senator congressman congresswoman representative",
    "chair chairman chairwoman chairperson",
    "lawyer attorney counsel",
    "doctor physician surgeon",
    "chief executive ceo",
    "policeman policewoman officer cop",
    "singer vocalist",
    "actress actor star",
))


@dataclass(slots=True)
class Reference:
    """A pronoun or nominal mention (or, for spans handed in, any mention) and what it refers to.

    ``entity_id`` is the named entity it is linked to (None: no named entity); ``antecedent``
    the span of the mention it was linked through (None: a first mention); ``chain`` the
    span of the first mention of its chain in the article (itself when it starts one), so
    that unnamed referents ("a man ... the man ... he") can still be grouped.
    """

    article_id: str
    start: int
    end: int
    text: str
    kind: str  # "pronoun" | "nominal" | "name" | "role" | "demonym" | "proper" | "other"
    head: str  # folded lemma of the head word
    entity_id: str | None = None
    antecedent: tuple[int, int] | None = None
    chain: tuple[int, int] = (0, 0)
    confidence: float = 0.0
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the span (evidence), its kind, and the link with confidence and reason."""
        out: dict[str, Any] = {
            "article_id": self.article_id, "start": self.start, "end": self.end, "text": self.text,
            "kind": self.kind, "head": self.head, "entity_id": self.entity_id,
            "confidence": round(self.confidence, 3), "reason": self.reason,
        }
        if self.antecedent is not None:
            out["antecedent"] = {"start": self.antecedent[0], "end": self.antecedent[1]}
        return out


@dataclass(slots=True)
class _Referent:
    """Something a later pronoun or nominal may point back to."""

    start: int
    end: int
    sent: int
    tok: int
    kind: str  # person | organization | place | thing
    gender: str | None
    number: str
    subject: bool
    head: str
    chain: tuple[int, int]
    entity_id: str | None = None
    is_name: bool = False
    mods: frozenset[str] = field(default_factory=frozenset)


@dataclass(slots=True)
class EntityFacts:
    """What the resolution says about one entity, gathered over all its mentions."""

    kind: str
    name_words: tuple[str, ...]
    roles: set[str] = field(default_factory=set)  # canonical role words and role head nouns
    places: set[str] = field(default_factory=set)  # places named or implied in its roles
    gender: str | None = None


def span_head(view: _ArticleView, start: int, end: int) -> int | None:
    """Token index of the syntactic head of a character span (through a preposition to its object)."""
    i, j = view.token_range(start, end)
    idx = [k for k in range(i, j) if view.toks[k].start >= start and view.toks[k].end <= end]
    if not idx:
        return None
    inside = set(idx)
    heads = [k for k in idx if view.toks[k].head not in inside or view.toks[k].head == k] or idx
    h = heads[0]
    if view.toks[h].pos == "ADP":
        objs = [k for k in idx if view.toks[k].head == h and view.toks[k].pos != "PUNCT"]
        if objs:
            h = objs[0]
    return h


def canon(word: str) -> str:
    """Canonical role word of a folded noun (the title lexicon's form: "attaché" -> "attache")."""
    hit = title_of(word)
    return hit[0] if hit else fold(word)


def noun_kind(lemma: str) -> str:
    """person | organization | place | thing, for a folded head lemma."""
    if lemma in PERSON_NOUNS or title_of(lemma) is not None:
        return "person"
    if lemma in ORG_NOUNS:
        return "organization"
    if lemma in PLACE_NOUNS:
        return "place"
    return "thing"


def _role_group(word: str) -> frozenset[str]:
    for g in ROLE_GROUPS:
        if word in g:
            return g
    return frozenset([word])


def entity_facts(mentions: Sequence[Mention], docs: dict[str, AnnotatedArticle]) -> dict[str, EntityFacts]:
    """Kind, name words, role words, role places and gender of each entity, from all its mentions.

    Gender votes: an honorific or gendered role noun in a stated role (3 votes); a he/she
    pronoun in the sentence of a mention that is the only person named in it, after the
    mention, or in the next sentence when that names no person (1 vote each).
    """
    views: dict[str, _ArticleView] = {}
    cues: dict[int, dict[str, Any]] = {}
    for m in mentions:
        doc = docs.get(m.article_id)
        if m.entity_id and doc is not None and doc.annotation is not None:
            view = views.get(m.article_id) or views.setdefault(m.article_id, _ArticleView(doc))
            cues[id(m)] = mention_cues(view, m)
    return facts_from_cues(mentions, cues)


def _he_she(view: _ArticleView, lo: int, hi: int) -> dict[str, int]:
    """Gender -> number of he/she pronouns (any form) in a character range."""
    out: Counter[str] = Counter()
    i, j = view.token_range(lo, hi)
    for k in range(i, j):
        p = PRONOUNS.get(view.word(k).lower())
        if p and p[0] == "person" and p[1]:
            out[p[1]] += 1
    return dict(out)


def mention_cues(view: _ArticleView, m: Mention) -> dict[str, Any]:
    """What one name mention's article says about its entity, whichever entity it resolves to (JSON).

    ``nouns`` and ``places``: role head nouns and places of its stated roles; ``votes``: gender votes
    of gendered role nouns; ``honorific``: the gender of an honorific written just before it; ``after``
    and ``after_next``: he/she pronouns after it to the end of its sentence, and to the end of the
    next one (None without a next sentence), which :func:`facts_from_cues` counts as the resolution allows.
    """
    nouns: set[str] = set()
    places: set[str] = set()
    votes: Counter[str] = Counter()
    for r in m.roles:
        i, j = view.token_range(r.start, r.end)
        for k in range(i, j):
            t = view.toks[k]
            low = fold(t.lemma)
            if t.pos == "NOUN":
                nouns.add(canon(low))
            if low in GENDERED:
                votes[GENDERED[low]] += 3
            place = demonym_place(view.word(k)) if t.pos in ("ADJ", "PROPN") else None
            if place:
                places.add(fold(place))
            elif t.pos == "PROPN" and t.ent_type in ("GPE", "LOC"):
                places.add(fold(view.word(k)))
    honorific = None
    if m.start > 0:
        before = view.text[max(0, m.start - 6): m.start].split()
        if before and fold(before[-1]).rstrip(".") in GENDERED:
            honorific = GENDERED[fold(before[-1]).rstrip(".")]
    nxt = m.sentence + 1 < len(view.sentences)
    return {"nouns": sorted(nouns), "places": sorted(places), "votes": dict(votes), "honorific": honorific,
            "after": _he_she(view, m.end, view.sentences[m.sentence].end),
            "after_next": _he_she(view, m.end, view.sentences[m.sentence + 1].end) if nxt else None}


def facts_from_cues(mentions: Sequence[Mention], cues: dict[int, dict[str, Any]]) -> dict[str, EntityFacts]:
    """:func:`entity_facts` from the resolved mentions and their :func:`mention_cues` (by ``id(mention)``;
    a mention without cues adds its kind and name only)."""
    facts: dict[str, EntityFacts] = {}
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    by_article: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        if not m.entity_id:
            continue
        by_article[m.article_id].append(m)
        f = facts.get(m.entity_id)
        if f is None:
            f = facts[m.entity_id] = EntityFacts(m.kind, tuple(m.key))
        elif len(m.key) > len(f.name_words):
            f.name_words = tuple(m.key)
        c = cues.get(id(m))
        if c is None:
            continue
        for r in m.roles:
            f.roles |= set(r.words)
        f.roles.update(c["nouns"])
        f.places.update(c["places"])
        votes[m.entity_id].update(c["votes"])
        if m.kind == "person" and c["honorific"]:
            votes[m.entity_id][c["honorific"]] += 3
    for ms in by_article.values():
        persons_in: dict[int, set[str]] = defaultdict(set)
        for m in ms:
            if m.kind == "person" and m.entity_id:
                persons_in[m.sentence].add(m.entity_id)
        for m in ms:
            c = cues.get(id(m))
            if c is None or m.kind != "person" or not m.entity_id or persons_in[m.sentence] != {m.entity_id}:
                continue
            nxt = c["after_next"] is not None and not persons_in.get(m.sentence + 1)
            votes[m.entity_id].update(c["after_next"] if nxt else c["after"])
    for eid, v in votes.items():
        if eid in facts and v:
            (g1, n1), *rest = [*v.most_common(2), ("", 0)]
            if n1 > rest[0][1]:
                facts[eid].gender = g1
    return facts


def _mods(view: _ArticleView, h: int) -> frozenset[str]:
    """Places named by the modifiers of a noun ("Venezuelan", "U.S."), folded."""
    out: set[str] = set()
    for c in view.children.get(h, []):
        if c > h or view.toks[c].dep not in ("amod", "compound", "nmod", "poss"):
            continue
        w = view.word(c)
        place = demonym_place(w)
        if place:
            out.add(fold(place))
        elif view.toks[c].ent_type in ("GPE", "LOC"):
            out.add(fold(w))
    return frozenset(out)


def _determiner(view: _ArticleView, h: int) -> str:
    """definite | indefinite | bare, from the noun's determiner or possessive."""
    for c in view.children.get(h, []):
        t = view.toks[c]
        w = view.word(c).lower()
        if t.dep == "det" and w in DEFINITE_DETS:
            return "definite"
        if t.dep == "det" and w in INDEFINITE_DETS:
            return "indefinite"
        if t.dep == "poss":
            return "definite"
    return "bare"


class _ArticleLinker:
    """Links the pronouns and nominals of one article, in text order."""

    def __init__(self, doc: AnnotatedArticle, names: list[Mention], facts: dict[str, EntityFacts]) -> None:
        self.doc = doc
        self.aid = doc.article.id
        self.view = _ArticleView(doc)
        self.facts = facts
        self.names = [m for m in names if m.entity_id]
        self.name_tok: dict[int, Mention] = {}
        self.role_tok: dict[int, Mention] = {}
        for m in self.names:
            i, j = self.view.token_range(m.start, m.end)
            for k in range(i, j):
                self.name_tok[k] = m
            for r in m.roles:  # the role's head noun only: not "embassy" in "attaché at its embassy"
                rh = span_head(self.view, r.start, r.end)
                if rh is not None:
                    self.role_tok.setdefault(rh, m)
        self.referents: list[_Referent] = []
        self.name_count: Counter[str] = Counter()
        self._pending = sorted(self.names, key=lambda m: m.start)
        #: the role words and places of entity facts that role links compared (all they read of them)
        self.asked_roles: set[str] = set()
        self.asked_places: set[str] = set()

    # ------------------------------------------------------------------ referents

    def _is_subject(self, k: int) -> bool:
        return self.view.toks[k].dep in SUBJECT_DEPS

    def _add_names_before(self, offset: int) -> None:
        while self._pending and self._pending[0].start < offset:
            m = self._pending.pop(0)
            h = span_head(self.view, m.start, m.end)
            if h is None:
                continue
            eid = m.entity_id
            assert eid is not None
            f = self.facts.get(eid)
            self.name_count[eid] += 1
            self.referents.append(_Referent(
                m.start, m.end, m.sentence, h, m.kind, f.gender if f else None, "sg", self._is_subject(h),
                fold(self.view.word(h)), (m.start, m.end), eid, True))

    def _chain_entity(self, chain: tuple[int, int]) -> str | None:
        for r in self.referents:
            if r.chain == chain and r.entity_id:
                return r.entity_id
        return None

    # ------------------------------------------------------------------ one span

    def link(self, start: int, end: int) -> Reference:
        """The reference for one span (handed in or found), linked against what precedes it."""
        self._add_names_before(start)
        text = self.view.text[start:end]
        h = span_head(self.view, start, end)
        if h is None:
            return Reference(self.aid, start, end, text, "other", fold(text), chain=(start, end))
        tok = self.view.toks[h]
        word = self.view.word(h).lower()
        lemma = fold(tok.lemma)
        base = Reference(self.aid, start, end, text, "other", lemma, chain=(start, end))
        if h in self.name_tok:
            m = self.name_tok[h]
            base.kind, base.entity_id, base.confidence, base.reason = "name", m.entity_id, 1.0, "name"
            return base
        if h in self.role_tok and tok.pos != "PRON":
            m = self.role_tok[h]
            base.kind = "role"
            name = self._name_referent(m)
            self._finish(base, h, m.kind, None, "sg", name, 0.9, f"role stated next to '{m.text}'", m.entity_id)
            base.antecedent = (m.start, m.end)
            return base
        if word in PRONOUNS and tok.pos == "PRON":
            base.kind = "pronoun"
            self._pronoun(base, h, word)
        elif word in RELATIVE and tok.tag in ("WP", "WP$", "WDT"):
            base.kind = "pronoun"
            self._relative(base, h)
        elif tok.pos == "NOUN":
            base.kind = "nominal"
            self._nominal(base, h, lemma)
        else:
            place = demonym_place(self.view.word(h)) if tok.pos in ("ADJ", "PROPN", "NOUN") else None
            eid = self._entity_named(fold(place), "place") if place else None
            if eid:
                base.kind, base.entity_id, base.confidence, base.reason = "demonym", eid, 0.8, f"demonym of {place}"
            elif tok.pos == "PROPN":
                base.kind = "proper"
                self._proper(base, h)
        return base

    def _name_referent(self, m: Mention) -> _Referent | None:
        return next((r for r in self.referents if r.is_name and r.start == m.start), None)

    def _relative(self, ref: Reference, h: int) -> None:
        """A relative pronoun ("who", "which") refers to the noun its clause modifies."""
        k, steps = h, 0
        while self.view.toks[k].dep != "relcl" and self.view.toks[k].head != k and steps < 4:
            k, steps = self.view.toks[k].head, steps + 1
        noun = self.view.toks[k].head if self.view.toks[k].dep == "relcl" else None
        cand = next((r for r in reversed(self.referents) if noun is not None and r.tok == noun), None)
        if cand is None and noun is not None and (noun in self.name_tok or noun in self.role_tok):
            cand = self._name_referent(self.name_tok.get(noun) or self.role_tok[noun])
        self._finish(ref, h, cand.kind if cand else "thing", cand.gender if cand else None,
                     cand.number if cand else "sg", cand, 0.9 if cand else 0.0,
                     "relative pronoun of the noun its clause modifies" if cand else "")

    def _proper(self, ref: Reference, h: int) -> None:
        """A proper noun the name tagger left out: the one entity of the article with that surname or name."""
        w = fold(strip_possessive(self.view.word(h)))
        surname = {m.entity_id for m in self.names if m.kind == "person" and split_suffix(tuple(m.key))[0][-1:] == (w,)}
        whole = {m.entity_id for m in self.names if tuple(m.key) == (w,)}
        given = {m.entity_id for m in self.names if m.kind == "person" and len(m.key) >= 2 and m.key[0] == w}
        for ids, conf, what in ((surname, 0.8, "surname"), (whole, 0.8, "name"), (given, 0.6, "given name")):
            if len(ids) == 1:
                (eid,) = ids
                ref.entity_id, ref.confidence = eid, conf
                ref.reason = f"untagged proper noun '{w}' is the {what} of one entity of the article"
                break
        self._finish(ref, h, "person" if ref.entity_id in surname | given else "thing", None, "sg", None,
                     ref.confidence, ref.reason, ref.entity_id)

    def _entity_named(self, folded: str, kind: str) -> str | None:
        for m in self.names:
            if m.kind == kind and " ".join(m.key) == folded:
                return m.entity_id
        return None

    def _finish(self, ref: Reference, h: int, kind: str, gender: str | None, number: str,
                cand: _Referent | None, conf: float, reason: str, eid: str | None = None) -> None:
        sent = self.view.sentence_of(self.view.toks[h].start)
        if cand is not None:
            ref.antecedent = (cand.start, cand.end)
            ref.chain = cand.chain
            ref.entity_id = cand.entity_id or self._chain_entity(cand.chain)
            ref.confidence, ref.reason = conf, reason
        elif eid is not None:
            ref.entity_id, ref.confidence, ref.reason = eid, conf, reason
        if ref.entity_id and gender is None:
            f = self.facts.get(ref.entity_id)
            gender = f.gender if f else None
        self.referents.append(_Referent(
            ref.start, ref.end, sent, h, kind, gender, number, self._is_subject(h), ref.head, ref.chain,
            ref.entity_id, False, _mods(self.view, h)))

    # ------------------------------------------------------------------ pronouns

    def _pronoun(self, ref: Reference, h: int, word: str) -> None:
        want, gender, number = PRONOUNS[word]
        sent = self.view.sentence_of(self.view.toks[h].start)
        window = PRONOUN_WINDOW if want == "person" else NOMINAL_WINDOW
        pt = self.view.toks[h]
        cands = []
        # "Silva praised him": him is not Silva, nor anyone Silva is (binding principle B)
        coargs = {self._key(r) for r in self.referents
                  if r.sent == sent and self.view.toks[r.tok].head == pt.head and r.tok != pt.head}
        for r in self.referents:
            if r.start >= ref.start or r.sent < sent - window:
                continue
            if not _kind_fits(want, r) or (gender and r.gender and r.gender != gender):
                continue
            if word in REFLEXIVE:  # bound in its clause: a subject of the same sentence
                if not (r.sent == sent and r.subject):
                    continue
            elif pt.dep != "poss" and self._key(r) in coargs:
                continue
            dist = sent - r.sent
            if word in REFLEXIVE:  # the most local subject, not the most prominent one
                cands.append(((0, 0, 0, -r.start), r))
                continue
            cands.append(((dist, 0 if r.subject else 1, self._depth(r.tok), -r.start if dist == 0 else r.start), r))
        kind = {"person": "person", "thing": "thing", "group": "organization"}[want]
        if cands:
            cands.sort(key=lambda x: x[0])
            best = cands[0][1]
            dist = cands[0][0][0]
            rivals = {self._key(r) for key, r in cands if key[0] == dist} - {self._key(best)}
            conf = (0.8 if dist == 0 else 0.75 if dist == 1 else 0.6) - (0.15 if rivals else 0.0)
            what = "subject" if best.subject else "mention"
            self._finish(ref, h, best.kind if want != "person" else "person", gender, number, best, conf,
                         f"nearest compatible {what} {dist} sentence(s) back: '{self.view.text[best.start:best.end]}'")
            return
        if want == "person" and word not in REFLEXIVE:
            counts = [(n, eid) for eid, n in self.name_count.items()
                      if self.facts.get(eid) and self.facts[eid].kind == "person"
                      and (not gender or not self.facts[eid].gender or self.facts[eid].gender == gender)]
            counts.sort(reverse=True)
            if counts and counts[0][0] >= 2 and (len(counts) == 1 or counts[0][0] > counts[1][0]):
                self._finish(ref, h, kind, gender, number, None, 0.4,
                             "the most-mentioned compatible person of the article so far", counts[0][1])
                return
            ahead = [m for m in self._pending if self.view.sentence_of(m.start) == sent and m.kind == "person"
                     and _gender_fits(gender, self.facts.get(m.entity_id or ""))]
            if ahead:
                self._finish(ref, h, kind, gender, number, None, 0.5,
                             f"the person named next in the sentence: '{ahead[0].text}'", ahead[0].entity_id)
                return
        self._finish(ref, h, kind, gender, number, None, 0.0, "")

    def _depth(self, k: int) -> int:
        """Steps from a token up to its sentence's root: the higher a mention, the more prominent."""
        n = 0
        while self.view.toks[k].head != k and n < 50:
            k, n = self.view.toks[k].head, n + 1
        return n

    @staticmethod
    def _key(r: _Referent) -> Any:
        return r.entity_id or r.chain

    # ------------------------------------------------------------------ nominals

    def _nominal(self, ref: Reference, h: int, lemma: str) -> None:
        view = self.view
        tok = view.toks[h]
        number = "pl" if tok.tag in ("NNS", "NNPS") else "sg"
        head = canon(lemma)
        kind = noun_kind(lemma)
        gender = GENDERED.get(lemma)
        det = _determiner(view, h)
        sent = view.sentence_of(tok.start)
        mods = _mods(view, h)
        if tok.dep == "attr":  # "Silva is the military attaché": the named subject (of the noun's kind)
            subj = [r for r in self.referents if r.sent == sent and r.subject and view.toks[r.tok].head == tok.head]
            if subj and subj[-1].entity_id and subj[-1].kind == kind:
                self._finish(ref, h, subj[-1].kind, gender, number, subj[-1], 0.7, "predicate nominal of the subject")
                return
        if tok.dep == "appos" and view.toks[tok.head].pos in ("PROPN", "NOUN"):
            prev = [r for r in self.referents if r.tok == tok.head and r.kind == kind]
            if prev:
                self._finish(ref, h, prev[-1].kind, gender, number, prev[-1], 0.85, "appositive")
                return
        if det != "definite":
            self._finish(ref, h, kind, gender, number, None, 0.0, "")
            return
        same = [r for r in self.referents if not r.is_name and r.head == lemma and r.number == number
                and r.start < ref.start and not (r.mods and mods and not r.mods & mods)]
        if same:
            r = same[-1]
            self._finish(ref, h, kind, gender, number, r, 0.75, f"same head noun as '{view.text[r.start:r.end]}'")
            return
        if number != "sg" or kind == "thing":
            self._finish(ref, h, kind, gender, number, None, 0.0, "")
            return
        eid, conf, reason = self._by_role(head, kind, gender, mods, ref.start)
        if eid is None:
            eid, conf, reason = self._by_name_head(lemma, kind, ref.start)
        if eid is None:
            eid, conf, reason = self._by_type(kind, lemma, sent, ref.start)
        self._finish(ref, h, kind, gender, number, None, conf if eid else 0.0, reason if eid else "", eid)

    def _by_role(self, head: str, kind: str, gender: str | None, mods: frozenset[str],
                 start: int) -> tuple[str | None, float, str]:
        if kind != "person":
            return None, 0.0, ""
        group = _role_group(head)
        self.asked_roles |= group
        self.asked_places |= mods
        before: list[str] = []
        after: list[str] = []
        for m in self.names:
            f = self.facts.get(m.entity_id or "")
            if f is None or f.kind != "person" or not (f.roles & group):
                continue
            if gender and f.gender and f.gender != gender:
                continue
            if mods and f.places and not (mods & f.places):
                continue
            (before if m.start < start else after).append(m.entity_id or "")
        if before:
            n = len(set(before))
            return before[-1], 0.85 if n == 1 else 0.7, f"stated role agrees with '{head}'"
        if after:
            return after[0], 0.65, f"stated role agrees with '{head}' (named later in the article)"
        return None, 0.0, ""

    def _by_name_head(self, lemma: str, kind: str, start: int) -> tuple[str | None, float, str]:
        if kind not in ("organization", "place"):
            return None, 0.0, ""
        hits = [m for m in self.names if m.kind == kind and m.start < start and m.key and m.key[-1] == lemma]
        if hits:
            return hits[-1].entity_id, 0.8, f"the name '{hits[-1].text}' ends in '{lemma}'"
        return None, 0.0, ""

    def _by_type(self, kind: str, lemma: str, sent: int, start: int) -> tuple[str | None, float, str]:
        if kind not in ("organization", "place") or lemma in INSTITUTION_NOUNS:
            return None, 0.0, ""  # a person description without a stated role may be anyone; see the docstring
        ids = {r.entity_id for r in self.referents
               if r.is_name and r.kind == kind and r.start < start and sent - NOMINAL_WINDOW <= r.sent <= sent
}
        if len(ids) == 1:
            (eid,) = ids
            return eid, 0.5, f"the only {kind} named in the previous {NOMINAL_WINDOW} sentences"
        return None, 0.0, ""


def _gender_fits(gender: str | None, f: EntityFacts | None) -> bool:
    return f is not None and (gender is None or f.gender is None or f.gender == gender)


def _kind_fits(want: str, r: _Referent) -> bool:
    if want == "person":
        return r.kind == "person" and r.number == "sg"
    if want == "thing":
        return r.kind in ("organization", "place", "thing") and r.number == "sg"
    return (r.kind == "organization" and r.is_name) or (r.number == "pl" and r.kind in ("person", "organization"))


def find_spans(doc: AnnotatedArticle) -> list[tuple[int, int]]:
    """Pronoun and common-noun phrase spans of an article, in text order (for linking without given spans).

    A noun phrase runs from its leftmost left dependent to its head noun ("the 32-year-old
    actress"); compounds and nouns inside names are not phrases of their own.
    """
    if doc.annotation is None:
        return []
    view = _ArticleView(doc)
    out: list[tuple[int, int]] = []
    for k, t in enumerate(view.toks):
        if (t.pos == "PRON" and view.word(k).lower() in PRONOUNS) or (
                view.word(k).lower() in RELATIVE and t.tag in ("WP", "WP$", "WDT")):
            out.append((t.start, t.end))
        elif t.pos == "NOUN" and t.dep not in ("compound",) and not t.ent_type:
            left = [view.subtree(c)[0] for c in view.children.get(k, []) if c < k and view.toks[c].pos != "PUNCT"]
            a = min(left, default=k)
            out.append((view.toks[a].start, t.end))
    return out


def link_references(
    docs: Sequence[AnnotatedArticle], mentions: Sequence[Mention], story_of: dict[str, str] | None = None,
    spans: dict[str, list[tuple[int, int]]] | None = None,
) -> list[Reference]:
    """Link the pronoun and nominal mentions of each article to the resolved named entities.

    Args:
        docs: the annotated articles.
        mentions: the name mentions of :func:`~newsweave.entities.resolve.resolve_entities`,
            with their entity ids.
        story_of: article id -> story id, for the cross-article step (None: one story).
        spans: article id -> character spans to link (e.g. gold mentions); None finds the
            pronouns and common-noun phrases itself (:func:`find_spans`).

    Returns:
        One :class:`Reference` per span, in article and text order. Spans found here that
        link to nothing are left out; handed-in spans are all returned.
    """
    by_doc = {d.article.id: d for d in docs if d.annotation is not None}
    facts = entity_facts(mentions, by_doc)
    names: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        names[m.article_id].append(m)
    out: list[Reference] = []
    for aid, doc in by_doc.items():
        out += link_article(doc, names.get(aid, []), facts, spans.get(aid, []) if spans is not None else None)[0]
    return link_in_stories(out, mentions, story_of, keep_unlinked=spans is not None)


def link_article(doc: AnnotatedArticle, names: list[Mention], facts: dict[str, EntityFacts],
                 spans: list[tuple[int, int]] | None = None) -> tuple[list[Reference], tuple[set[str], set[str]]]:
    """The references of one article (``spans``, or those :func:`find_spans` finds) linked within it,
    in text order, before the links across the articles of its story (:func:`link_in_stories`).

    Returns:
        The references, and what the links read of the facts' role words and places besides each named
        entity's kind and gender: ``(role words, places)``; facts that differ only outside these give the
        same links.
    """
    linker = _ArticleLinker(doc, names, facts)
    refs = [linker.link(s, e) for s, e in sorted(set(spans if spans is not None else find_spans(doc)))]
    return refs, (linker.asked_roles, linker.asked_places)


def link_in_stories(refs: list[Reference], mentions: Sequence[Mention], story_of: dict[str, str] | None,
                    keep_unlinked: bool = False) -> list[Reference]:
    """Links across the articles of each story (in place) over every article's :func:`link_article`;
    returns the references, without those that link to nothing unless ``keep_unlinked``."""
    _story_links(refs, story_of, _surnames_by_story(mentions, story_of))
    return refs if keep_unlinked else [r for r in refs if r.entity_id or r.antecedent]


def _story(story_of: dict[str, str] | None, aid: str) -> str:
    return "_all" if story_of is None else story_of.get(aid, "_article:" + aid)


def _surnames_by_story(mentions: Sequence[Mention], story_of: dict[str, str] | None) -> dict[str, dict[str, set[str]]]:
    """Story -> surname of a full person name (or a one-word name) -> entity ids."""
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for m in mentions:
        base = split_suffix(tuple(m.key))[0]
        if m.entity_id and base and (m.kind == "person" or len(base) == 1):
            out[_story(story_of, m.article_id)][base[-1]].add(m.entity_id)
    return out


def _story_links(refs: list[Reference], story_of: dict[str, str] | None,
                 surnames: dict[str, dict[str, set[str]]] | None = None) -> None:
    """An unlinked definite nominal takes the entity its head noun links to in 2+ other articles of its
    story; an unlinked proper noun the one entity of the story with that surname (or one-word name)."""
    def story(aid: str) -> str:
        return _story(story_of, aid)

    for r in refs:
        if r.kind == "proper" and not r.entity_id and surnames is not None:
            ids = surnames.get(story(r.article_id), {}).get(r.head, set())
            if len(ids) == 1:
                (r.entity_id,) = ids
                r.confidence, r.reason = 0.6, "untagged proper noun is the surname of one entity of the story"

    linked: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in refs:
        if r.kind == "nominal" and r.entity_id and r.confidence >= STORY_SOURCE_CONFIDENCE:
            linked[(story(r.article_id), r.head)][r.entity_id].add(r.article_id)
    chains: dict[tuple[str, tuple[int, int]], list[Reference]] = defaultdict(list)
    for r in refs:
        chains[(r.article_id, r.chain)].append(r)
    for r in refs:
        if r.kind != "nominal" or r.entity_id or r.antecedent is not None:
            continue
        by_entity = linked.get((story(r.article_id), r.head))
        if not by_entity or len(by_entity) != 1:
            continue
        ((eid, arts),) = by_entity.items()
        others = arts - {r.article_id}
        if len(others) < 2:
            continue
        for member in chains[(r.article_id, r.chain)]:
            if member.entity_id is None:
                member.entity_id, member.confidence = eid, 0.45
                member.reason = f"in this story '{r.head}' refers to this entity in {len(others)} other articles"
