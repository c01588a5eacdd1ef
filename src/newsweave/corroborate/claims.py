"""Claims, independent support, discrepancies between outlets.

Works on the dossier forms of the earlier stages (entities, quotes, events,
reuse), so that it can be re-run over what is stored. Support counts
*independent origins*: evidence that lies inside a passage an article copied
from another counts for the origin, not again for the copy.

Discrepancy kinds:

- ``spelling``: a name variant flagged by entity resolution as a likely
  misspelling, against the consensus spelling.
- ``role``: two outlets give the same person different specific offices
  (ambassador vs military attaché) or ranks; generic descriptions ("a key
  military official") conflict with nothing, so paraphrase raises no flag.
- ``polarity``: one source says X did Y, another that X did not / no longer does.
- ``date``: the same event dated differently.
- ``quote_wording``: variants of one quote that differ in negation or numbers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from newsweave.models import Evidence, content_id
from newsweave.reuse.independence import Independence
from newsweave.textutil import fold

#: Specific offices: two different ones for the same person in the same story conflict.
OFFICES = {
    "ambassador": "ambassador", "envoy extraordinary": "ambassador",
    "attache": "military attaché", "attaché": "military attaché",
    "consul": "consul", "consul general": "consul",
    "defense minister": "defense minister", "defence minister": "defense minister",
    "foreign minister": "foreign minister", "interior minister": "interior minister",
    "secretary of state": "secretary of state", "secretary general": "secretary general",
    "secretary-general": "secretary general",
    "vice president": "vice president", "prime minister": "prime minister",
    "spokesman": "spokesperson", "spokeswoman": "spokesperson", "spokesperson": "spokesperson",
    "chief of staff": "chief of staff", "governor": "governor", "mayor": "mayor",
    "senator": "senator", "congressman": "member of congress", "congresswoman": "member of congress",
    "judge": "judge", "prosecutor": "prosecutor", "attorney general": "attorney general",
    "founder": "founder", "editor": "editor",
}
#: Military and police ranks, compared as a slot of their own.
RANKS = {
    "general": "general", "gen.": "general", "gen": "general", "colonel": "colonel", "col.": "colonel",
    "col": "colonel", "lieutenant colonel": "lieutenant colonel", "lt. col.": "lieutenant colonel",
    "major": "major", "maj.": "major", "captain": "captain", "capt.": "captain", "lieutenant": "lieutenant",
    "lt.": "lieutenant", "sergeant": "sergeant", "sgt.": "sergeant", "admiral": "admiral", "adm.": "admiral",
}
#: Words that turn a statement's meaning around when a quote variant adds or drops them.
NEGATIONS = {"not", "no", "never", "n't", "nothing", "none", "nobody", "neither", "nor", "without", "cannot"}


def _find_terms(text: str, table: dict[str, str]) -> set[str]:
    folded = fold(text)
    found: set[str] = set()
    for term in sorted(table, key=len, reverse=True):
        pat = r"(?<![\w])" + re.escape(fold(term)) + r"(?![\w])"
        if re.search(pat, folded):
            value = table[term]
            # "lieutenant colonel" contains "colonel": keep the longest reading only.
            if not any(value != v and value in v for v in found):
                found.add(value)
    return found


def offices_of(role: str) -> set[str]:
    """The specific offices a role text names (``"Venezuela's military attaché"`` -> military attaché)."""
    return _find_terms(role, OFFICES)


def ranks_of(role: str) -> set[str]:
    """The ranks a role text names."""
    return _find_terms(role, RANKS)


@dataclass(slots=True)
class Claim:
    """A normalized statement (subject, slot, value) with the articles and spans that support it."""

    subject: str
    subject_name: str
    slot: str
    value: str
    article_ids: list[str]
    evidence: list[Evidence] = field(default_factory=list)
    independent_sources: int = 0

    @property
    def id(self) -> str:
        """Stable id from the statement."""
        return content_id(f"{self.subject}|{self.slot}|{fold(self.value)}", prefix="c")

    def to_dict(self) -> dict[str, Any]:
        """Dossier form."""
        return {
            "id": self.id, "subject_id": self.subject, "subject": self.subject_name, "slot": self.slot,
            "value": self.value, "article_ids": self.article_ids,
            "independent_sources": self.independent_sources,
            "evidence": [e.to_dict() for e in self.evidence],
        }


@dataclass(slots=True)
class ValueSupport:
    """One of the conflicting values of a discrepancy."""

    value: str
    article_ids: list[str]
    evidence: list[Evidence]
    independent_sources: int

    def to_dict(self) -> dict[str, Any]:
        """Dossier form."""
        return {"value": self.value, "article_ids": self.article_ids,
                "independent_sources": self.independent_sources,
                "evidence": [e.to_dict() for e in self.evidence]}


@dataclass(slots=True)
class Discrepancy:
    """Conflicting values for one slot, with which the independent sources support."""

    kind: str
    description: str
    entity_id: str | None
    values: list[ValueSupport]
    supported_value: str | None
    confidence: float
    story_id: str | None = None

    @property
    def id(self) -> str:
        """Stable id."""
        key = "|".join([self.kind, self.entity_id or "", *sorted(fold(v.value) for v in self.values)])
        return content_id(key, prefix="d")

    def article_ids(self) -> list[str]:
        """Every article cited by one of the values."""
        return sorted({a for v in self.values for a in v.article_ids})

    def to_dict(self) -> dict[str, Any]:
        """Dossier form."""
        return {
            "id": self.id, "kind": self.kind, "description": self.description, "entity_id": self.entity_id,
            "story_id": self.story_id, "values": [v.to_dict() for v in self.values],
            "supported_value": self.supported_value, "confidence": round(self.confidence, 3),
        }


def _ev(items: Iterable[dict[str, Any]]) -> list[Evidence]:
    return [Evidence(e["article_id"], e["start"], e["end"], e.get("text", "")) for e in items]


def _support(values: list[ValueSupport]) -> tuple[str | None, float]:
    """The value most independent sources support, and a confidence from the margin."""
    ranked = sorted(values, key=lambda v: (-v.independent_sources, -len(v.article_ids), v.value))
    if len(ranked) < 2 or ranked[0].independent_sources == ranked[1].independent_sources:
        return None, 0.5
    top, second = ranked[0].independent_sources, ranked[1].independent_sources
    return ranked[0].value, round(top / (top + second), 3)


def entity_claims(entities: Sequence[dict[str, Any]], ind: Independence) -> list[Claim]:
    """Name and role claims from resolved entities."""
    claims: list[Claim] = []
    for ent in entities:
        for var in ent.get("variants", []):
            evs = _ev(var.get("evidence", []))
            claims.append(Claim(ent["id"], ent["name"], "name", var["text"], sorted(var["article_ids"]), evs,
                                ind.count(evs, [] if evs else var["article_ids"])))
        for role in ent.get("roles", []):
            evs = _ev(role.get("evidence", []))
            claims.append(Claim(ent["id"], ent["name"], "role", role["text"], sorted(role["article_ids"]), evs,
                                ind.count(evs, [] if evs else role["article_ids"])))
    return claims


def spelling_discrepancies(entities: Sequence[dict[str, Any]], ind: Independence,
                           labels: dict[str, str] | None = None) -> list[Discrepancy]:
    """Flagged misspelled variants of one entity against its consensus spelling (one per entity)."""
    labels = labels or {}
    out: list[Discrepancy] = []
    for ent in entities:
        variants = ent.get("variants", [])
        flagged = [v for v in variants if "likely_misspelling" in (v.get("flags") or [])]
        good = [v for v in variants if "likely_misspelling" not in (v.get("flags") or [])]
        if not flagged or not good:
            continue
        consensus_ids = sorted({a for v in good for a in v["article_ids"]})
        consensus_ev = [e for v in good for e in _ev(v.get("evidence", []))]
        values = [ValueSupport(ent["name"], consensus_ids, consensus_ev[:12],
                               ind.count(consensus_ev, [] if consensus_ev else consensus_ids))]
        for bad in flagged:
            bad_ev = _ev(bad.get("evidence", []))
            values.append(ValueSupport(bad["text"], sorted(bad["article_ids"]), bad_ev,
                                       ind.count(bad_ev, [] if bad_ev else bad["article_ids"])))
        supported, conf = _support(values)
        carriers = sorted({labels.get(a, a) for v in values[1:] for a in v.article_ids})
        spellings = " / ".join(f'"{v.value}"' for v in values[1:])
        out.append(Discrepancy(
            "spelling", f"{', '.join(carriers)} spell{'s' if len(carriers) == 1 else ''} {ent['name']} as {spellings}",
            ent["id"], values, supported or ent["name"], max(conf, 0.6),
        ))
    return out


def role_discrepancies(entities: Sequence[dict[str, Any]], ind: Independence) -> list[Discrepancy]:
    """Different specific offices (or ranks) stated for the same person by different articles."""
    out: list[Discrepancy] = []
    for ent in entities:
        if ent.get("kind") not in ("PERSON", "person", "PER"):
            continue
        for slot, reader in (("office", offices_of), ("rank", ranks_of)):
            by_value: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for role in ent.get("roles", []):
                for value in reader(role["text"]):
                    by_value[value].append(role)
            if len(by_value) < 2:
                continue
            # Only a conflict when different articles hold different values (one article may
            # legitimately give two offices, e.g. "founder and executive editor").
            holders = {v: {a for r in roles for a in r["article_ids"]} for v, roles in by_value.items()}
            if all(holders[a] & holders[b] for a in holders for b in holders if a < b):
                continue
            values = []
            for value, roles in sorted(by_value.items()):
                evs = [e for r in roles for e in _ev(r.get("evidence", []))]
                aids = sorted(holders[value])
                texts = sorted({r["text"] for r in roles})
                values.append(ValueSupport(f"{value} ({'; '.join(texts)})", aids, evs,
                                           ind.count(evs, [] if evs else aids)))
            supported, conf = _support(values)
            desc = f"{ent['name']}'s {slot} differs: " + " vs ".join(
                f"{value} in {len(holders[value])} article(s)" for value in sorted(by_value))
            out.append(Discrepancy("role", desc, ent["id"], values, supported, conf))
    return out


def _event_key(ev: dict[str, Any]) -> tuple[str, str, str]:
    """Type, actor and target; only entity ids count, since surface words ("we", "the deal") do not
    identify the same participant across articles."""
    return (ev.get("type") or "", ev.get("actor_entity_id") or "", ev.get("target_entity_id") or "")


def _polarity(ev: dict[str, Any]) -> str:
    pol = (ev.get("polarity") or "").lower()
    if pol in ("negated", "negative", "neg", "no longer"):
        return "negated"
    return "asserted"


#: An asserted event of the second type backs the negated side of a polarity conflict about the first:
#: a colonel who defected from (REJECT) a government does not recognize (SUPPORT) its head.
OPPOSITE = {"SUPPORT": "REJECT", "COOPERATE": "REJECT", "AGREE": "REJECT"}


def _verb(evs: Sequence[dict[str, Any]]) -> str:
    modes: list[str] = [str(ev["mode"]) for ev in evs if ev.get("mode")]
    return (max(set(modes), key=modes.count) if modes else str(evs[0].get("type") or "act")).lower()


def event_discrepancies(events: Sequence[dict[str, Any]], ind: Independence,
                        names: dict[str, str]) -> list[Discrepancy]:
    """Polarity conflicts (X did Y vs X did not / no longer) and date conflicts for one event.

    Only explicit polarity raises a conflict (an asserted and a negated report of the
    same action by the same actor on the same target); asserted opposite actions
    (:data:`OPPOSITE`) then count as support for the negated side.
    """
    out: list[Discrepancy] = []
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for ev in events:
        if (ev.get("modality") or "actual") not in ("actual", "asserted", None):
            continue  # "would recognize if ..." conflicts with nothing
        key = _event_key(ev)
        if key[1] and key[2]:
            groups[key].append(ev)
    for (etype, actor, target), evs in groups.items():
        actor_name = names.get(actor, actor)
        target_name = names.get(target, target)
        verb = _verb(evs)
        by_pol: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for ev in evs:
            by_pol[_polarity(ev)].append(ev)
        if len(by_pol) == 2:
            opposite = [ev for ev in groups.get((OPPOSITE.get(etype, ""), actor, target), [])
                        if _polarity(ev) == "asserted"]
            values = []
            for pol in ("asserted", "negated"):
                backing = by_pol[pol] + (opposite if pol == "negated" else [])
                evid = [e for ev in backing for e in _ev(ev.get("evidence", []))]
                aids = sorted({a for ev in backing for a in ev.get("article_ids", [])})
                if pol == "asserted":
                    label = f"{actor_name} {verb}s {target_name}"
                else:
                    label = f"{actor_name} does not / no longer {verb}s {target_name}"
                    if opposite:
                        label += f" (and {_verb(opposite)}s)"
                values.append(ValueSupport(label, aids, evid, ind.count(evid, [] if evid else aids)))
            supported, conf = _support(values)
            out.append(Discrepancy(
                "polarity", f"Sources disagree whether {actor_name} {verb}s {target_name}",
                actor if actor in names else None, values, supported, conf))
        asserted = by_pol.get("asserted", [])
        by_date: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for ev in asserted:
            # Only a date the clause itself states (not the nearest date elsewhere in the sentence).
            if ev.get("date") and ev.get("date_precision") == "day" and ev.get("date_source") in ("clause",
                                                                                                 "governing"):
                by_date[ev["date"]].append(ev)
        if len(by_date) >= 2:
            values = []
            for date, dev in sorted(by_date.items()):
                evid = [e for ev in dev for e in _ev(ev.get("evidence", []))]
                aids = sorted({a for ev in dev for a in ev.get("article_ids", [])})
                values.append(ValueSupport(date, aids, evid, ind.count(evid, [] if evid else aids)))
            supported, conf = _support(values)
            out.append(Discrepancy("date", f"{actor_name} {verb} {target_name}: dates differ",
                                   actor if actor in names else None, values, supported, conf))
    return out


_NUM = re.compile(r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million)\b",
                  re.I)


_ASIDE = re.compile(r"\([^)]*\)|\b\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?|\b\d{1,2}\s*[ap]\.?m\.?", re.I)


def _meaning_signature(text: str) -> tuple[frozenset[str], frozenset[str], str]:
    """Negation words, numbers, and the rest of the wording with both removed.

    Parenthesized asides (unit or currency conversions) and clock times (written
    "6:00 p.m." by one outlet and "18:00" by another) are left out first.
    """
    text = _ASIDE.sub(" ", text)
    words = re.findall(r"[a-z0-9]+(?:'[a-z]+)?|n't", fold(text).replace("’", "'"))
    neg = frozenset(w for w in words if w in NEGATIONS or w.endswith("n't"))
    nums = frozenset(fold(m) for m in _NUM.findall(text))
    rest = " ".join(w for w in words if w not in neg and fold(w) not in nums and not w.endswith("n't"))
    return neg, nums, rest


def quote_discrepancies(quotes: Sequence[dict[str, Any]], ind: Independence,
                        min_similarity: float = 85.0) -> list[Discrepancy]:
    """Two outlets' renderings of one statement that agree word for word except in negation or numbers.

    A variant pair is compared only when, with negation words and numbers taken out, its
    wordings are near-identical (rapidfuzz ratio >= ``min_similarity``): then a negation
    added or dropped, or a number changed, changes the meaning. Paraphrases and different
    statements of one speaker raise nothing.
    """
    from rapidfuzz import fuzz

    out: list[Discrepancy] = []
    for q in quotes:
        variants = q.get("variants", [])
        sigs = [(v, _meaning_signature(v["text"])) for v in variants]
        flagged: dict[tuple[frozenset[str], frozenset[str]], list[dict[str, Any]]] = defaultdict(list)
        for i, (va, (na, ma, ra)) in enumerate(sigs):
            for vb, (nb, mb, rb) in sigs[i + 1:]:
                # A number one outlet adds (an age, a year) is more detail, not a different meaning:
                # numbers differ when each side has one the other lacks (5.9 vs 6.1).
                numbers_differ = bool(ma - mb) and bool(mb - ma)
                if va["article_id"] == vb["article_id"] or (bool(na) == bool(nb) and not numbers_differ):
                    continue
                if not ra or not rb or fuzz.ratio(ra, rb) < min_similarity:
                    continue
                for v, key in ((va, (frozenset({"neg"}) if na else frozenset(), ma)),
                               (vb, (frozenset({"neg"}) if nb else frozenset(), mb))):
                    if v not in flagged[key]:
                        flagged[key].append(v)
        if len(flagged) < 2:
            continue
        values = []
        for vs in flagged.values():
            evid = [Evidence(v["article_id"], v["start"], v["end"], v["text"]) for v in vs]
            values.append(ValueSupport(vs[0]["text"], sorted({v["article_id"] for v in vs}), evid, ind.count(evid)))
        supported, conf = _support(values)
        who = q.get("speaker_text") or "an unattributed speaker"
        out.append(Discrepancy("quote_wording", f"Outlets render a statement by {who} with a different meaning "
                               "(negation or numbers differ)", q.get("speaker_entity_id"), values, supported, conf))
    return out


def find_discrepancies(entities: Sequence[dict[str, Any]], quotes: Sequence[dict[str, Any]],
                       events: Sequence[dict[str, Any]], reuse: Sequence[dict[str, Any]],
                       labels: dict[str, str] | None = None) -> list[Discrepancy]:
    """Every discrepancy among the given records.

    Args:
        entities: dossier ``entities[]``.
        quotes: dossier ``quotes[]``.
        events: dossier ``events[]`` (``polarity`` and ``modality`` fields are used when present).
        reuse: dossier ``reuse[]``, for independence.
        labels: readable names of articles for descriptions (article id -> label).

    Returns:
        Discrepancies, spelling first, then roles, events and quotes.
    """
    ind = Independence(reuse)
    names = {e["id"]: e["name"] for e in entities}
    return [
        *spelling_discrepancies(entities, ind, labels),
        *role_discrepancies(entities, ind),
        *event_discrepancies(events, ind, names),
        *quote_discrepancies(quotes, ind),
    ]


def claims(entities: Sequence[dict[str, Any]], events: Sequence[dict[str, Any]],
           quotes: Sequence[dict[str, Any]], reuse: Sequence[dict[str, Any]]) -> list[Claim]:
    """Every claim with its independent support: names, roles, events and statements."""
    ind = Independence(reuse)
    names = {e["id"]: e["name"] for e in entities}
    out = entity_claims(entities, ind)
    for ev in events:
        # An event is a claim about its participants only when both are resolved entities.
        actor, target = ev.get("actor_entity_id"), ev.get("target_entity_id")
        if not actor or not target or (ev.get("modality") or "actual") != "actual":
            continue
        evid = _ev(ev.get("evidence", []))
        verb = (ev.get("mode") or ev.get("type") or "act").lower()
        value = f"{'not ' if _polarity(ev) == 'negated' else ''}{verb} {names.get(target, target)}"
        if ev.get("date") and ev.get("date_precision") not in (None, "unknown"):
            value += f" on {ev['date']}"
        out.append(Claim(actor, names.get(actor, actor), "event", value, sorted(ev.get("article_ids", [])), evid,
                         ind.count(evid, [] if evid else ev.get("article_ids", []))))
    for q in quotes:
        evid = [Evidence(v["article_id"], v["start"], v["end"]) for v in q.get("variants", [])]
        speaker = q.get("speaker_entity_id") or q.get("speaker_text") or "unknown speaker"
        out.append(Claim(speaker, names.get(speaker, speaker), "said", q["text"], sorted(q["article_ids"]), evid,
                         ind.count(evid)))
    return _merge(out, ind)


def _merge(found: list[Claim], ind: Independence) -> list[Claim]:
    """One claim per id: variants that differ only in accents or case are the same statement."""
    by_id: dict[str, Claim] = {}
    for c in found:
        if c.id not in by_id:
            by_id[c.id] = c
            continue
        kept = by_id[c.id]
        kept.article_ids = sorted(set(kept.article_ids) | set(c.article_ids))
        kept.evidence += c.evidence
        kept.independent_sources = ind.count(kept.evidence, [] if kept.evidence else kept.article_ids)
    return list(by_id.values())
