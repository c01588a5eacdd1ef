"""Event extraction: who did what to whom, when and where, typed with the PLOVER ontology.

Triggers are verbs and nouns of a hand-written lexicon (package data
``events_plover_lexicon.json``, built from the CAMEO-to-PLOVER table) plus a few
multi-word phrases that sharpen the meaning ("cut diplomatic relations" ->
SANCTION/break-relations, "issue an ultimatum" -> THREATEN/ultimatum). Actor and
target come from the dependency parse stored in the article's annotation
(subject / object / agent, inherited through control verbs, conjunctions and
reported speech), polarity and modality from negation, modal auxiliaries,
"if"-clauses and governing verbs such as "refuse to" or "threaten to". The date
is the clause's time expression (see :mod:`newsweave.events.timex`), else that of the
governing clause, else the nearest in the sentence, else the publication date
(then ``date_precision`` is "unknown": the event happened by that date).

No library here does PLOVER event coding over spaCy parses (PETRARCH2 needs
CoreNLP parses and CAMEO dictionaries), hence the rules.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from newsweave.events.timex import timexes_for_article
from newsweave.events.timex_values import TimeExpr, value_precision
from newsweave.models import AnnotatedArticle, Span, Token, content_id

logger = logging.getLogger(__name__)

EntityOf = Callable[[str, int, int], "str | None"]
Polarity = Literal["asserted", "negated"]
Modality = Literal["actual", "hypothetical", "conditional"]

#: Modes that sharpen the PLOVER type with the act named by the issue.
SHARP_MODES = frozenset({"recognize", "defect", "break-relations", "expel", "sanctions", "ultimatum", "appeal",
                         "accuse", "denounce", "protest", "arrest"})
REPORTING = frozenset({"say", "tell", "report", "state", "add", "note", "write", "announce", "claim", "quote",
                       "explain", "believe", "think", "know", "confirm"})
_NEGATING_GOVERNORS = frozenset({"refuse", "decline", "fail", "deny", "reject", "stop", "cease", "avoid"})
_HYPOTHETICAL_GOVERNORS = frozenset({"threaten", "plan", "want", "intend", "propose", "hope", "seek", "try",
                                     "vow", "pledge", "promise", "offer", "expect", "call", "urge", "ask",
                                     "demand", "consider", "prepare", "aim", "agree", "encourage", "join"})
_MODALS_HYPO = frozenset({"would", "could", "might", "may", "should", "must", "can", "ought"})
_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "you", "who", "which", "that", "him", "her",
                       "them", "us"})
_NOUN_DEPS_KEEP = frozenset({"compound", "amod", "det", "poss", "nmod", "nummod", "case", "punct", "cc", "conj",
                             "appos", "prep", "pobj", "quantmod", "advmod", "predet", "npadvmod"})


@dataclass(slots=True)
class Event:
    """One event mention in one article, with evidence spans into ``Article.text``."""

    article_id: str
    trigger: Span
    trigger_text: str
    lemma: str
    type: str
    mode: str | None
    sentence: Span
    actor_text: str | None = None
    actor_span: Span | None = None
    actor_entity_id: str | None = None
    target_text: str | None = None
    target_span: Span | None = None
    target_entity_id: str | None = None
    location_text: str | None = None
    location_span: Span | None = None
    date: str | None = None
    date_precision: str = "unknown"
    date_source: str = "unknown"  # clause | governing | sentence | publication | unknown
    date_evidence: Span | None = None
    polarity: Polarity = "asserted"
    modality: Modality = "actual"
    id: str = field(default="")
    #: head phrase of the actor / target (no conjuncts): entity linking tries it before the whole phrase
    actor_head: Span | None = None
    target_head: Span | None = None

    def __post_init__(self) -> None:
        if not self.id:
            self.id = content_id(f"{self.article_id}:{self.trigger.start}:{self.trigger.end}:{self.type}", "ev_")

    def evidence(self, text: str | None = None) -> list[dict[str, Any]]:
        """Evidence records: the sentence, then the date expression when it lies elsewhere."""
        out: list[dict[str, Any]] = [{"article_id": self.article_id, "start": self.sentence.start,
                                      "end": self.sentence.end}]
        d = self.date_evidence
        if d is not None and not (self.sentence.start <= d.start and d.end <= self.sentence.end):
            out.append({"article_id": self.article_id, "start": d.start, "end": d.end})
        if text is not None:
            for e in out:
                e["text"] = text[e["start"] : e["end"]]
        return out

    def to_dict(self, text: str | None = None) -> dict[str, Any]:
        """Dossier form (schema section "events" plus the added fields)."""

        def sp(s: Span | None) -> dict[str, int] | None:
            return None if s is None else {"start": s.start, "end": s.end}

        return {
            "id": self.id, "type": self.type, "mode": self.mode,
            "actor_entity_id": self.actor_entity_id, "target_entity_id": self.target_entity_id,
            "date": self.date, "date_precision": self.date_precision, "article_ids": [self.article_id],
            "evidence": self.evidence(text),
            "trigger": {"article_id": self.article_id, "start": self.trigger.start, "end": self.trigger.end,
                        "text": self.trigger_text},
            "actor_text": self.actor_text, "target_text": self.target_text,
            "actor_span": sp(self.actor_span), "target_span": sp(self.target_span),
            "location": self.location_text, "location_span": sp(self.location_span),
            "polarity": self.polarity, "modality": self.modality,
            "date_source": self.date_source, "date_evidence": sp(self.date_evidence),
        }

    def to_raw(self, text: str) -> dict[str, Any]:
        """What extraction found, without entity ids: the dossier form plus the lemma and head phrases.

        :meth:`from_raw` gives the event back; :func:`link_entities` then attaches entity ids.
        """
        row = self.to_dict(text)
        row["actor_entity_id"] = row["target_entity_id"] = None
        row["lemma"] = self.lemma
        row["actor_head"] = None if self.actor_head is None else [self.actor_head.start, self.actor_head.end]
        row["target_head"] = None if self.target_head is None else [self.target_head.start, self.target_head.end]
        return row

    @classmethod
    def from_raw(cls, row: dict[str, Any]) -> Event:
        """The event of a :meth:`to_raw` row (entity ids unset)."""

        def sp(v: Any) -> Span | None:
            if v is None:
                return None
            return Span(v[0], v[1]) if isinstance(v, list) else Span(v["start"], v["end"])

        trig, sent = row["trigger"], row["evidence"][0]
        return cls(
            article_id=trig["article_id"], trigger=Span(trig["start"], trig["end"]), trigger_text=trig["text"],
            lemma=row["lemma"], type=row["type"], mode=row["mode"], sentence=Span(sent["start"], sent["end"]),
            actor_text=row["actor_text"], actor_span=sp(row["actor_span"]),
            target_text=row["target_text"], target_span=sp(row["target_span"]),
            location_text=row["location"], location_span=sp(row["location_span"]),
            date=row["date"], date_precision=row["date_precision"], date_source=row["date_source"],
            date_evidence=sp(row["date_evidence"]), polarity=row["polarity"], modality=row["modality"],
            id=row["id"], actor_head=sp(row["actor_head"]), target_head=sp(row["target_head"]),
        )


#: Bump when what :func:`events_for_article` finds changes: stored extractions are then redone.
EXTRACT_VERSION = "extract/2"


def link_entities(events: Sequence[Event], entity_of: EntityOf) -> None:
    """Set actor and target entity ids as :func:`events_for_article` does with ``entity_of``."""
    for ev in events:
        for role, span, head in (("actor", ev.actor_span, ev.actor_head), ("target", ev.target_span, ev.target_head)):
            ent = None
            if span is not None:
                hs, he = (head.start, head.end) if head is not None else (span.start, span.end)
                ent = entity_of(ev.article_id, hs, he) or entity_of(ev.article_id, span.start, span.end)
            if role == "actor":
                ev.actor_entity_id = ent
            else:
                ev.target_entity_id = ent


@lru_cache(maxsize=1)
def load_lexicon() -> dict[str, Any]:
    """The PLOVER trigger lexicon shipped as package data."""
    raw = resources.files("newsweave").joinpath("data/events_plover_lexicon.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


class _Tree:
    """Children index over an annotation's tokens."""

    def __init__(self, toks: Sequence[Token]) -> None:
        self.toks = toks
        self.children: list[list[int]] = [[] for _ in toks]
        for i, t in enumerate(toks):
            if t.head != i:
                self.children[t.head].append(i)

    def kids(self, i: int, *deps: str) -> list[int]:
        return [c for c in self.children[i] if not deps or self.toks[c].dep in deps]

    def subtree(self, i: int) -> list[int]:
        out, stack = [], [i]
        while stack:
            j = stack.pop()
            out.append(j)
            stack.extend(self.children[j])
        return sorted(out)


def _np_span(tree: _Tree, i: int, with_conj: bool = True) -> tuple[int, int]:
    """Character span of the noun phrase headed by token ``i`` (no relative clauses)."""
    toks = tree.toks
    keep = [i]
    stack = [i]
    while stack:
        j = stack.pop()
        for c in tree.children[j]:
            dep = toks[c].dep
            if dep in ("relcl", "acl", "advcl", "punct") and c > i:
                continue
            if dep in ("conj", "cc") and not with_conj:
                continue
            if dep not in _NOUN_DEPS_KEEP:
                continue
            if dep == "prep" and toks[c].lemma not in ("of", "in", "like") and c > i:
                continue
            keep.append(c)
            stack.append(c)
    lo, hi = min(keep), max(keep)
    while hi > lo and toks[hi].dep == "punct":
        hi -= 1
    while lo < hi and toks[lo].dep in ("punct", "cc"):
        lo += 1
    return toks[lo].start, toks[hi].end


def _subject(tree: _Tree, i: int, depth: int = 0) -> int | None:
    """Subject token of the predicate at ``i``, inherited through xcomp, conj and relative clauses."""
    toks = tree.toks
    subs = tree.kids(i, "nsubj", "csubj")
    if subs:
        return subs[-1]  # the parser sometimes splits "EU members Britain, ..." into two subjects
    for c in tree.kids(i, "agent"):
        for p in tree.kids(c, "pobj"):
            return p
    if depth > 4 or toks[i].head == i:
        return None
    h = toks[i].head
    dep = toks[i].dep
    if dep in ("xcomp", "conj", "advcl", "pcomp"):
        # "called on X to join": the object of the governor controls the xcomp
        if dep == "xcomp":
            objs = tree.kids(h, "dobj")
            if objs and toks[h].lemma in ("urge", "ask", "call", "order", "force", "tell", "encourage"):
                return objs[0]
        return _subject(tree, h, depth + 1)
    if dep == "relcl":
        return h
    if dep == "acl" and toks[h].pos in ("NOUN", "PROPN"):
        return h
    return None


def _object(tree: _Tree, i: int) -> int | None:
    """Target token of the predicate at ``i``: object, passive subject or a prepositional object."""
    toks = tree.toks
    for dep in ("dobj", "nsubjpass", "dative", "attr"):
        for c in tree.kids(i, dep):
            return c
    for p in tree.kids(i, "prep"):
        if toks[p].lemma in ("with", "against", "on", "to", "from", "for", "toward", "towards", "of", "at"):
            for o in tree.kids(p, "pobj"):
                return o
    return None


def _noun_roles(tree: _Tree, i: int) -> tuple[int | None, int | None]:
    """Actor and target of a nominal trigger ("U.S. recognition of Guaido", "Maduro's defection from")."""
    toks = tree.toks
    actor = None
    target = None
    for c in tree.children[i]:
        if toks[c].dep in ("poss", "compound") and c < i and toks[c].pos in ("PROPN", "NOUN", "PRON"):
            actor = c
    for p in tree.kids(i, "prep"):
        lem = toks[p].lemma
        objs = tree.kids(p, "pobj")
        if not objs:
            continue
        if lem == "by" and actor is None:
            actor = objs[0]
        elif lem in ("of", "for", "against", "with", "from", "on", "to") and target is None:
            target = objs[0]
            # "the recognition of the United States" -> the holder, when something else is recognized
    return actor, target


def _resolve_pronoun(tree: _Tree, i: int | None, pred: int) -> int | None:
    """A subject pronoun in a reported clause refers to the reporter's subject ("X said they would ...")."""
    if i is None or tree.toks[i].pos != "PRON":
        return i
    j, steps = pred, 0
    toks = tree.toks
    while toks[j].head != j and steps < 5:
        h = toks[j].head
        if toks[h].lemma in REPORTING or toks[j].dep in ("ccomp", "xcomp", "conj", "advcl"):
            s = _subject(tree, h)
            if s is not None and toks[s].pos != "PRON":
                return s
        j = h
        steps += 1
    return i


#: collective nouns that act without a determiner ("police fired tear gas", "government troops")
_COLLECTIVE_ACTORS = frozenset({"police", "military", "army", "government", "parliament", "congress", "senate",
                                "opposition", "administration", "security", "coalition", "media", "public",
                                "leadership", "cabinet", "council", "court", "jury", "committee", "board",
                                "management", "staff", "navy", "intelligence", "prosecution", "defense"})
_INDEFINITE = frozenset({"a", "an", "another", "some", "any", "such", "no"})
_THIRD_PERSON = frozenset({"he", "she", "they", "him", "her", "them"})


def _real_actor(tree: _Tree, k: int) -> bool:
    """Whether the phrase headed by ``k`` names someone who can act.

    Not: a pronoun other than he/she/they ("you", "we", "that", "it"), a singular common noun introduced as
    indefinite or bare ("a letter", "large scale"). Named entities, plurals ("protesters"),
    definite and possessive phrases ("the colonel", "Venezuela's envoy") and collective
    nouns ("police") are real actors.
    """
    t = tree.toks[k]
    if t.pos == "PRON":
        # "he", "she", "they" point at someone the article names (entity coreference may link them);
        # "you", "we", "it", "that", "which", "something" do not name an actor of a news event
        return t.lemma.lower() in _THIRD_PERSON
    if t.pos == "PROPN" or t.ent_type or t.tag in ("NNS", "NNPS"):
        return True
    if t.pos not in ("NOUN", "NUM"):
        return t.pos not in ("DET", "ADJ", "ADV", "SCONJ", "CCONJ", "PART", "PUNCT", "SYM", "X")
    if t.lemma.lower() in _COLLECTIVE_ACTORS:
        return True
    dets = [tree.toks[c] for c in tree.kids(k, "det", "poss", "compound", "nmod", "nummod")]
    if any(d.dep in ("poss", "compound", "nmod") for d in dets):
        return True
    return any(d.dep == "det" and d.lemma.lower() not in _INDEFINITE for d in dets)


def _polarity_modality(tree: _Tree, i: int) -> tuple[Polarity, Modality]:
    """Negation and modality from the trigger's dependents and its governing predicates."""
    toks = tree.toks
    polarity: Polarity = "asserted"
    modality: Modality = "actual"
    for c in tree.children[i]:
        t = toks[c]
        if t.dep == "neg" or (t.dep == "advmod" and t.lemma in ("never",)):
            polarity = "negated"
        if t.dep == "advmod" and t.lemma in ("long", "longer") and any(
            toks[k].lemma == "no" for k in tree.children[c]
        ):
            polarity = "negated"
        if t.dep in ("aux",) and t.lemma in _MODALS_HYPO:
            modality = "hypothetical"
        if t.dep == "advcl" and any(toks[m].lemma in ("if", "unless") for m in tree.kids(c, "mark")):
            modality = "conditional"
        if t.dep == "mark" and t.lemma in ("if", "unless"):
            modality = "conditional"
    if toks[i].dep == "acl" and toks[i].tag == "VB" and modality == "actual":
        modality = "hypothetical"  # an infinitive after a noun ("their quest to sign him", "a bid to topple")
    # governors: "refused to recognize", "threatened to expel", "would ... if"
    j, steps = i, 0
    while toks[j].head != j and steps < 3 and toks[j].dep in ("xcomp", "pcomp", "pobj", "prep", "dobj"):
        h = toks[j].head
        lem = toks[h].lemma
        if lem in _NEGATING_GOVERNORS and toks[j].dep == "xcomp":
            polarity = "negated" if polarity == "asserted" else "asserted"
        elif lem in _HYPOTHETICAL_GOVERNORS and modality == "actual":
            modality = "hypothetical"
        if any(toks[c].lemma in _MODALS_HYPO and toks[c].dep == "aux" for c in tree.children[h]) and \
                modality == "actual":
            modality = "hypothetical"
        j = h
        steps += 1
    return polarity, modality


#: verbs whose clause states a wish or an imagined world, not a fact ("wished it were 1825")
_WISH_GOVERNORS = frozenset({"wish", "imagine", "suppose", "pretend", "dream", "fantasize"})


def states_fact(tree: _Tree, i: int) -> bool:
    """Whether token ``i``'s clause states something as happened or happening.

    False for a negated clause ("the vote did not take place on March 3"), a hypothetical or
    conditional one (modal auxiliaries, "if"/"unless", governors such as "plan to", "hope to")
    and a wish ("wished it were 1825"). The clause is that of the nearest verb above ``i``.
    """
    toks = tree.toks
    j, steps = i, 0
    while toks[j].pos not in ("VERB", "AUX") and toks[j].head != j and steps < 8:
        j, steps = toks[j].head, steps + 1
    polarity, modality = _polarity_modality(tree, j)
    if polarity != "asserted" or modality != "actual":
        return False
    steps = 0
    while toks[j].head != j and steps < 4:
        h = toks[j].head
        if toks[h].lemma.lower() in _WISH_GOVERNORS and toks[j].dep in ("ccomp", "xcomp"):
            return False
        j, steps = h, steps + 1
    return True


def fact_test(tokens: Sequence[Token]) -> Callable[[int], bool]:
    """``states_fact`` over one annotation's tokens (the dependency index built once)."""
    tree = _Tree(tokens)
    return lambda i: states_fact(tree, i)


def _is_past_or_present_clause(tree: _Tree, i: int) -> bool:
    return tree.toks[i].tag in ("VBD", "VBN", "VBZ", "VBP", "VBG")


def _match_trigger(tree: _Tree, i: int, lex: dict[str, Any]) -> tuple[str, str | None] | None:
    """PLOVER type and mode for token ``i``, preferring multi-word phrases anchored on it."""
    toks = tree.toks
    t = toks[i]
    lemma = t.lemma.lower()
    if t.pos in ("VERB", "NOUN", "PROPN") or (t.pos == "AUX" and lemma not in ("be", "have", "do")):
        sub = {toks[k].lemma.lower() for k in tree.subtree(i) if k != i and abs(k - i) <= 8}
        for words, etype, mode in lex["phrases"]:
            if words[0] == lemma and all(w in sub for w in words[1:]):
                return etype, mode
    if t.pos == "VERB" and lemma in lex["verbs"]:
        etype, mode = lex["verbs"][lemma]
        return etype, mode
    if t.pos in ("NOUN",) and lemma in lex["nouns"]:
        etype, mode = lex["nouns"][lemma]
        return etype, mode
    if t.pos == "NOUN" and t.lemma.lower() + "s" in lex["nouns"]:
        etype, mode = lex["nouns"][t.lemma.lower() + "s"]
        return etype, mode
    return None


def _clause_owner(tree: _Tree, tok: int, triggers: set[int]) -> int:
    """The trigger or verb that a time expression token attaches to."""
    toks = tree.toks
    j, steps = toks[tok].head, 0
    while steps < 12:
        if j in triggers or (toks[j].pos in ("VERB", "AUX") and toks[j].dep != "aux"):
            return j
        if toks[j].head == j:
            return j
        j = toks[j].head
        steps += 1
    return j


def _date_usable(t: TimeExpr) -> bool:
    """Time expressions that can date an event (not deadlines such as 'in eight days', not durations, not
    'now'-like references, not a photo caption's date)."""
    if t.type not in ("DATE", "TIME") or t.value.endswith("_REF") or t.caption:
        return False
    low = t.text.lower()
    return not low.startswith(("in ", "within "))


def events_for_article(
    doc: AnnotatedArticle,
    entity_of: EntityOf | None = None,
    typed_only: bool = True,
    timexes: Sequence[TimeExpr] | None = None,
) -> list[Event]:
    """Events of one annotated article.

    Args:
        doc: the article and its spaCy annotation (articles without annotation yield no events).
        entity_of: optional ``(article_id, start, end) -> entity id`` for actors, targets and locations.
        typed_only: keep only triggers of the PLOVER lexicon; False also returns every other verb
            predicate (type ``"OTHER"``), which the timeline benchmark needs.
        timexes: precomputed time expressions of the article (computed when None).

    Returns:
        Events in text order.
    """
    art, ann = doc.article, doc.annotation
    if ann is None or not ann.tokens:
        return []
    text = art.text
    toks = ann.tokens
    tree = _Tree(toks)
    lex = load_lexicon()
    tx = list(timexes) if timexes is not None else timexes_for_article(doc)
    # token index of each timex's last token
    tok_at = {t.start: k for k, t in enumerate(toks)}
    sent_of: list[Span] = []
    si = 0
    sents = ann.sentences or [Span(0, len(text))]
    for t in toks:
        while si + 1 < len(sents) and t.start >= sents[si].end:
            si += 1
        sent_of.append(sents[si])

    found: dict[int, tuple[str, str | None]] = {}
    for i, t in enumerate(toks):
        m = _match_trigger(tree, i, lex)
        if m is not None:
            found[i] = m
        elif not typed_only and t.pos == "VERB" and t.lemma not in REPORTING:
            found[i] = ("OTHER", None)
    trig_set = set(found)

    # attach each usable timex to its owner (trigger or verb)
    owner_dates: dict[int, list[tuple[TimeExpr, int]]] = {}
    tx_tok: list[tuple[TimeExpr, int]] = []
    for tex in tx:
        if not _date_usable(tex):
            continue
        ks = [k for k in range(len(toks)) if toks[k].start >= tex.start and toks[k].end <= tex.end]
        if not ks:
            continue
        head = next((k for k in ks if toks[k].head not in ks), ks[-1])
        own = _clause_owner(tree, head, trig_set)
        owner_dates.setdefault(own, []).append((tex, head))
        tx_tok.append((tex, head))
    del tok_at

    events: list[Event] = []
    for i, (etype, mode) in sorted(found.items()):
        t = toks[i]
        if t.pos == "VERB" or t.pos == "AUX":
            actor = _resolve_pronoun(tree, _subject(tree, i), i)
            target = _object(tree, i)
        else:
            actor, target = _noun_roles(tree, i)
            if actor is None:
                # inherit from the governing predicate ("... an ultimatum", "announced his defection")
                j, steps = t.head, 0
                while steps < 4 and j != toks[j].head and toks[j].pos not in ("VERB", "AUX"):
                    j = toks[j].head
                    steps += 1
                if toks[j].pos in ("VERB", "AUX"):
                    actor = _resolve_pronoun(tree, _subject(tree, j), j)
        polarity, modality = _polarity_modality(tree, i)
        if t.pos != "VERB" and modality == "hypothetical" and not any(
            toks[c].dep == "aux" for c in tree.children[i]
        ):
            modality = "actual"  # an ultimatum or a recognition exists even when reported in a conditional
        if target is not None and toks[target].pos == "NOUN" and toks[target].lemma in lex["nouns"]:
            # "declaration of support for X": the target is X
            for p in tree.kids(target, "prep"):
                objs = tree.kids(p, "pobj")
                if objs and toks[p].lemma in ("for", "of", "to", "against"):
                    target = objs[0]
                    break
        sent = sent_of[i]
        # date: own clause, governing clause, sentence, publication date
        def nearest(owned: list[tuple[TimeExpr, int]], k: int) -> TimeExpr:
            return min(owned, key=lambda th: abs(th[1] - k))[0]

        date_t: TimeExpr | None = nearest(owner_dates[i], i) if i in owner_dates else None
        source = "clause"
        if date_t is None:
            j, steps = i, 0
            while toks[j].head != j and steps < 4:
                j = toks[j].head
                steps += 1
                if j in owner_dates:
                    date_t, source = nearest(owner_dates[j], i), "governing"
                    break
        if date_t is None:
            cands = [(abs(toks[h].start - t.start), tt) for tt, h in tx_tok if sent.start <= tt.start < sent.end]
            if cands:
                date_t, source = min(cands, key=lambda c: c[0])[1], "sentence"
        ev = Event(article_id=art.id, trigger=Span(t.start, t.end), trigger_text=text[t.start : t.end],
                   lemma=t.lemma, type=etype, mode=mode, sentence=sent, polarity=polarity, modality=modality)
        if date_t is not None:
            ev.date = date_t.value[:10] if date_t.type == "TIME" else date_t.value
            ev.date_precision = value_precision(ev.date)
            ev.date_source = source
            ev.date_evidence = Span(date_t.start, date_t.end)
        elif art.published:
            ev.date, ev.date_precision, ev.date_source = art.published, "unknown", "publication"
        if actor is not None and not _real_actor(tree, actor):
            logger.debug("events: %s [%d:%d] actor %r is no one who acts; left unknown", art.id, t.start, t.end,
                         text[toks[actor].start : toks[actor].end])
            actor = None
        for role, k in (("actor", actor), ("target", target)):
            if k is None:
                continue
            s, e = _np_span(tree, k)
            hs, he = _np_span(tree, k, with_conj=False)
            if role == "actor" and toks[k].dep == "nsubj":
                for sib in tree.kids(toks[k].head, "nsubj"):
                    if sib < k:
                        s = min(s, _np_span(tree, sib)[0])
            surface = text[s:e]
            # The head phrase first; else the whole phrase (an appositive names the entity: "the head of
            # state, Nicolás Maduro").
            ent = (entity_of(art.id, hs, he) or entity_of(art.id, s, e)) if entity_of else None
            if role == "actor":
                ev.actor_text, ev.actor_span, ev.actor_entity_id = surface, Span(s, e), ent
                ev.actor_head = Span(hs, he)
            else:
                ev.target_text, ev.target_span, ev.target_entity_id = surface, Span(s, e), ent
                ev.target_head = Span(hs, he)
        loc = _location(tree, i, ann.entities)
        if loc is not None:
            ev.location_text, ev.location_span = text[loc.start : loc.end], loc
        events.append(ev)
    return events


def _location(tree: _Tree, i: int, ents: Sequence[Any]) -> Span | None:
    """A GPE/LOC/FAC entity in an 'in/at' phrase of the trigger."""
    toks = tree.toks
    for p in tree.kids(i, "prep"):
        if toks[p].lemma not in ("in", "at"):
            continue
        for o in tree.kids(p, "pobj"):
            for e in ents:
                if e.label in ("GPE", "LOC", "FAC") and e.start <= toks[o].start < e.end:
                    return Span(e.start, e.end)
    return None


def extract_events(
    docs: Sequence[AnnotatedArticle],
    entity_of: EntityOf | None = None,
    typed_only: bool = True,
) -> list[Event]:
    """Events of many annotated articles.

    Args:
        docs: annotated articles (non-English ones, without annotation, are skipped).
        entity_of: optional ``(article_id, start, end) -> entity id`` from entity resolution;
            without it (or when it returns None) actors and targets keep only their surface text.
        typed_only: see :func:`events_for_article`.

    Returns:
        All events, article by article, in text order; ids are content-derived and stable.
    """
    out: list[Event] = []
    for d in docs:
        out.extend(events_for_article(d, entity_of, typed_only))
    return out


def main_event(events: Sequence[Event], start: int, end: int) -> Event | None:
    """The event that a coder would pick for a sentence: the highest typed, asserted trigger in it."""
    cands = [e for e in events if start <= e.trigger.start < end and e.type != "OTHER"]
    if not cands:
        return None
    # verbs over nouns, non-reporting, earlier first; prefer events with both roles
    def rank(e: Event) -> tuple[int, int, int]:
        return (0 if e.actor_text else 1, 0 if e.target_text else 1, e.trigger.start)

    return min(cands, key=rank)
