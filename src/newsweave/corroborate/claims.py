"""Claims, independent support, discrepancies between outlets.

Works on the dossier forms of the earlier stages (entities, quotes, events,
reuse), so that it can be re-run over what is stored. Support counts
*independent origins*: evidence that lies inside a passage an article copied
from another counts for the origin, not again for the copy.

Discrepancy kinds:

- ``spelling``: a name variant flagged by entity resolution as a likely
  misspelling, against the consensus spelling; a short or familiar form of a
  given name ("Steve" / "Steven") or a plural or possessive ("the Clintons") is
  another form of the name, not a misspelling.
- ``role``: two outlets of the same time give the same person different
  specific offices (ambassador vs military attaché) or ranks; generic
  descriptions ("a key military official") conflict with nothing, so
  paraphrase raises no flag. A role carries the publication date of the
  article stating it: offices stated months apart are a career change, and a
  past or future office ("former senator") is not a current one.
- ``polarity``: one source says X did Y, another that X did not / no longer does.
- ``date``: the same event dated differently.
- ``quote_wording``: renderings of one statement whose aligned, overlapping
  wording has a different value in the same slot: a negation on one side only,
  or different numbers or dates (numbers normalized: words, digits, scales).
- ``statement_polarity``, ``statement_number``, ``statement_date``: the same
  comparison for sentences outside quotes that articles of one story state in
  nearly the same words (:mod:`.statements`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
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
    # heads of state and government, ministers and chairs: the titles a rewrite most often gets wrong
    "president": "president", "chancellor": "chancellor", "premier": "premier",
    "chairman": "chair", "chairwoman": "chair", "chairperson": "chair", "king": "monarch", "queen": "monarch",
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
    #: publication dates of the supporting articles (a role is said to hold as of these dates)
    dates: list[str] = field(default_factory=list)

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
            **({"dates": self.dates} if self.dates else {}),
        }


@dataclass(slots=True)
class ValueSupport:
    """One of the conflicting values of a discrepancy."""

    value: str
    article_ids: list[str]
    evidence: list[Evidence]
    independent_sources: int
    #: publication dates of the articles stating the value (roles: when it was said to hold)
    dates: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Dossier form."""
        out = {"value": self.value, "article_ids": self.article_ids,
               "independent_sources": self.independent_sources,
               "evidence": [e.to_dict() for e in self.evidence]}
        if self.dates:
            out["dates"] = self.dates
        return out


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


def entity_claims(entities: Sequence[dict[str, Any]], ind: Independence,
                  dates: Mapping[str, str | None] | None = None) -> list[Claim]:
    """Name and role claims from resolved entities; a role claim carries the dates of the articles stating it."""
    dates = dates or {}
    claims: list[Claim] = []
    for ent in entities:
        for var in ent.get("variants", []):
            evs = _ev(var.get("evidence", []))
            claims.append(Claim(ent["id"], ent["name"], "name", var["text"], sorted(var["article_ids"]), evs,
                                ind.count(evs, [] if evs else var["article_ids"])))
        for role in ent.get("roles", []):
            evs = _ev(role.get("evidence", []))
            claims.append(Claim(ent["id"], ent["name"], "role", role["text"], sorted(role["article_ids"]), evs,
                                ind.count(evs, [] if evs else role["article_ids"]),
                                sorted({d for a in role["article_ids"] if (d := dates.get(a))})))
    return claims


_POSSESSIVE = re.compile(r"(?:'s|'|’s|’)$")


def _name_tokens(name: str) -> list[str]:
    tokens = [t for t in re.split(r"[\s.]+", fold(name).replace("’", "'")) if t]
    return tokens[1:] if tokens[:1] == ["the"] else tokens


def _plural_or_possessive(a: str, b: str) -> bool:
    """``a`` is ``b`` with a plural or possessive ending ("Clintons", "Clinton's", "Clintons'")."""
    stem = _POSSESSIVE.sub("", a)
    return a != b and (stem == b or stem in (b + "s", b + "es"))


def _short_form(a: str, b: str) -> bool:
    """``a`` and ``b`` are one given name in a full and a short or familiar form ("Steve" / "Steven",
    "Bill" / "William"), by the curated table of the ``nicknames`` package."""
    from nicknames import NickNamer
    from rapidfuzz.distance import Levenshtein

    if Levenshtein.distance(a, b) <= 1 and not (a.startswith(b) or b.startswith(a)):
        return False  # "Hilary" / "Hillary": the table lists spelling variants too; one letter off is a typo
    namer = _nicknamer(NickNamer)
    return b in namer.nicknames_of(a) or a in namer.nicknames_of(b) or bool(
        namer.canonicals_of(a) & namer.canonicals_of(b))


_NAMER: list[Any] = []


def _nicknamer(factory: Any) -> Any:
    if not _NAMER:
        _NAMER.append(factory())
    return _NAMER[0]


def same_name_form(variant: str, other: str) -> bool:
    """Whether ``variant`` is ``other`` written another legitimate way, not misspelt: word for word the
    same except one word that is a plural or possessive of the other's ("the Clintons" / "Clinton") or a
    short or familiar form of the same given name ("Steve Jobs" / "Steven Jobs"). A variant with fewer
    words is compared with the same number of words at either end of ``other``."""
    a, b = _name_tokens(variant), _name_tokens(other)
    if not a or not b:
        return False
    if len(a) != len(b):
        short, long_ = (a, b) if len(a) < len(b) else (b, a)
        candidates = [long_[:len(short)], long_[-len(short):]]
        pairs = [(short, c) if short is a else (c, short) for c in candidates]
    else:
        pairs = [(a, b)]
    for x, y in pairs:
        diff = [(p, q) for p, q in zip(x, y, strict=True) if p != q]
        if len(diff) == 1:
            p, q = diff[0]
            if _plural_or_possessive(p, q) or _plural_or_possessive(q, p) or _short_form(p, q):
                return True
    return False


def spelling_discrepancies(entities: Sequence[dict[str, Any]], ind: Independence,
                           labels: dict[str, str] | None = None) -> list[Discrepancy]:
    """Flagged misspelled variants of one entity against its consensus spelling (one per entity)."""
    labels = labels or {}
    out: list[Discrepancy] = []
    for ent in entities:
        variants = ent.get("variants", [])
        good = [v for v in variants if "likely_misspelling" not in (v.get("flags") or [])]
        forms = [ent["name"], *(v["text"] for v in good)]
        flagged = [v for v in variants if "likely_misspelling" in (v.get("flags") or [])
                   and not any(same_name_form(v["text"], f) for f in forms)]
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


#: Words that put an office in the past or the future ("former attorney general", "senator-elect"): such a
#: role states a career, not what the person is now, and conflicts with nothing.
_NOT_CURRENT = re.compile(
    r"\b(?:former|formerly|ex|then|onetime|one-time|erstwhile|previous|previously|past|late|future|incoming|"
    r"elect|designate|nominee|nominated|would-be|candidate|hopeful|retired|once|until|later|subsequently|"
    r"was|served|had been)\b")
#: Two articles further apart than this (in days, by publication date) may state two offices because the
#: person moved from one to the other: a change, not a conflict. Fixed, not tuned.
ROLE_CHANGE_DAYS = 30


def is_current(role: str) -> bool:
    """Whether a role text states an office held now (not "former ...", "then-...", "...-elect")."""
    return not _NOT_CURRENT.search(fold(role))


def _days_apart(a: str | None, b: str | None) -> int | None:
    from datetime import date

    if not a or not b:
        return None
    try:
        return abs((date.fromisoformat(a[:10]) - date.fromisoformat(b[:10])).days)
    except ValueError:
        return None


def _contemporary(a: str, b: str, dates: Mapping[str, str | None], stories: Mapping[str, str] | None) -> bool:
    """Whether two different articles speak of the same time: both dated, within :data:`ROLE_CHANGE_DAYS`
    of each other; one undated, when both report the same event-level story (``stories``: article id ->
    story id; without a story map an undated pair counts as the same time, since nothing shows that
    time passed between them)."""
    if a == b:
        return False
    days = _days_apart(dates.get(a), dates.get(b))
    if days is not None:
        return days <= ROLE_CHANGE_DAYS
    if stories is None:
        return True
    return stories.get(a) is not None and stories.get(a) == stories.get(b)


def _full_names(entities: Sequence[dict[str, Any]]) -> dict[tuple[str, ...], set[str]]:
    """Folded word tuples of every person's names of two words or more -> the ids of the entities so named."""
    out: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for ent in entities:
        if ent.get("kind") not in ("PERSON", "person", "PER"):
            continue
        for text in [ent["name"], *(v["text"] for v in ent.get("variants", []))]:
            words = tuple(re.findall(r"\w+", fold(text)))
            if len(words) >= 2:
                out[words].add(ent["id"])
    return out


def _names_someone_else(role: str, entity_id: str, names: dict[tuple[str, ...], set[str]]) -> bool:
    """Whether a role text names another person ("former National Security Adviser Henry Kissinger",
    "...; and George H.W. Bush, the U.S. ambassador"): the office there is that person's, picked up
    from a neighbouring item of a list, not a statement about this one."""
    words = re.findall(r"\w+", fold(role))
    for n in range(2, 5):
        for i in range(len(words) - n + 1):
            ids = names.get(tuple(words[i:i + n]))
            if ids and entity_id not in ids:
                return True
    return False


def role_discrepancies(entities: Sequence[dict[str, Any]], ind: Independence,
                       dates: Mapping[str, str | None] | None = None,
                       stories: Mapping[str, str] | None = None) -> list[Discrepancy]:
    """Different specific offices (or ranks) stated for the same person by different articles of one time.

    Each role carries the publication date of the articles that state it (``dates``: article id -> ISO
    date). Offices stated by articles more than :data:`ROLE_CHANGE_DAYS` apart are a change over time
    (attorney general in 2017, senator in 2010), not a conflict; so are offices stated by undated articles
    of different stories (:func:`_contemporary`). A role marked as past or future ("former senator",
    "then-attorney general", "senator-elect") states no current office at all, and a role text naming
    another person states that person's office (:func:`_names_someone_else`).
    """
    dates = dates or {}
    names = _full_names(entities)
    out: list[Discrepancy] = []
    for ent in entities:
        if ent.get("kind") not in ("PERSON", "person", "PER"):
            continue
        for slot, reader in (("office", offices_of), ("rank", ranks_of)):
            by_value: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for role in ent.get("roles", []):
                if not is_current(role["text"]) or _names_someone_else(role["text"], ent["id"], names):
                    continue
                for value in reader(role["text"]):
                    by_value[value].append(role)
            if len(by_value) < 2:
                continue
            # Only a conflict when different articles of the same time hold different values (one article
            # may legitimately give two offices, e.g. "founder and executive editor").
            holders = {v: {a for r in roles for a in r["article_ids"]} for v, roles in by_value.items()}
            clashing = {v for v in holders for w in holders if v != w
                        and any(_contemporary(a, b, dates, stories) for a in holders[v] for b in holders[w])}
            if len(clashing) < 2:
                continue
            values = []
            for value in sorted(clashing):
                roles = by_value[value]
                evs = [e for r in roles for e in _ev(r.get("evidence", []))]
                aids = sorted(holders[value])
                texts = sorted({r["text"] for r in roles})
                values.append(ValueSupport(f"{value} ({'; '.join(texts)})", aids, evs,
                                           ind.count(evs, [] if evs else aids),
                                           sorted({d for a in aids if (d := dates.get(a))})))
            supported, conf = _support(values)
            desc = f"{ent['name']}'s {slot} differs: " + " vs ".join(
                f"{value} in {len(holders[value])} article(s)" for value in sorted(clashing))
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


#: Words a date line of a web page may hold beside the date ("Posted 2/3/2009 11:11 PM", "on September 10th").
_HEADER_WORDS = {"posted", "published", "updated", "last", "modified", "on", "at", "by", "pm", "am", "p", "a", "m",
                 "et", "est", "edt", "gmt", "bst", "utc", "pst", "pdt", "cet", "ist", "th", "st", "nd", "rd",
                 "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                 "mon", "tue", "wed", "thu", "fri", "sat", "sun"}


def date_from_header(ev: dict[str, Any]) -> bool:
    """Whether an event's date was read from a line of its own that holds nothing but a date (a page's date
    line that sentence splitting glued to the first sentence): the date of the page, not of the event."""
    de = ev.get("date_evidence") or {}
    if "start" not in de or "end" not in de:
        return False
    for e in ev.get("evidence", []):
        text = e.get("text") or ""
        s, t = de["start"] - e["start"], de["end"] - e["start"]
        if not text or s < 0 or t > len(text):
            continue
        line_start = text.rfind("\n", 0, s) + 1
        line_end = text.find("\n", t)
        line_end = len(text) if line_end < 0 else line_end
        if line_start == 0 and line_end == len(text):
            return False  # the date is inside running text
        rest = fold(text[line_start:s] + " " + text[t:line_end])
        return all(w in _HEADER_WORDS for w in re.findall(r"[a-z]+", rest))
    return False


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
            # Only a date the clause itself states (not the nearest date elsewhere in the sentence), and
            # not a page's date line glued to the first sentence ("Posted 2/3/2009 11:11 PM").
            if ev.get("date") and ev.get("date_precision") == "day" and ev.get("date_source") in (
                    "clause", "governing") and not date_from_header(ev):
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


#: Number words that :func:`text_to_num.text2num` reads when they stand in a run ("twenty-one", "two hundred").
_NUMBER_WORDS = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty",
    "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "million", "billion",
    "trillion",
}
#: A scale written after digits ("$140 million", "$140m", "3bn").
_SCALES = {"hundred": 100, "thousand": 1_000, "k": 1_000, "million": 1_000_000, "m": 1_000_000, "mn": 1_000_000,
           "mln": 1_000_000, "billion": 1_000_000_000, "bn": 1_000_000_000, "b": 1_000_000_000,
           "trillion": 1_000_000_000_000, "tn": 1_000_000_000_000}
_MONTHS = {
    "january": "jan", "jan": "jan", "february": "feb", "feb": "feb", "march": "mar", "april": "apr", "apr": "apr",
    "may": "may", "june": "jun", "july": "jul", "august": "aug", "aug": "aug", "september": "sep",
    "sept": "sep", "sep": "sep", "october": "oct", "oct": "oct", "november": "nov", "nov": "nov",
    "december": "dec", "dec": "dec",
}
_DAY_WORDS = {
    "monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri",
    "saturday": "sat", "sunday": "sun",
}  # "today" / "yesterday" are relative to each article's own date: "today" and "on Monday" may be one day
#: Words that carry no meaning of their own beside a negation ("I do not recognize" vs "I recognize").
_NEGATION_SUPPORT = {"do", "does", "did"}
_CONTRACTIONS = [
    (re.compile(r"\bwon't\b"), "will not"), (re.compile(r"\bcan't\b"), "can not"),
    (re.compile(r"\bcannot\b"), "can not"), (re.compile(r"\bshan't\b"), "shall not"),
    (re.compile(r"\bain't\b"), "is not"), (re.compile(r"n't\b"), " not"),
    # the apostrophe left out ("cant", "didnt"); not "wont" / "shant", which are words of their own
    (re.compile(r"\bcant\b"), "can not"),
    (re.compile(r"\b(do|does|did|is|was|were|are|has|have|had|would|could|should|must|need)nt\b"), r"\1 not"),
]
_TOKEN = re.compile(r"@t\d{4}[a-z]*|tel\d+|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[a-z]+(?:'[a-z]+)*|[%$€£]")
#: A telephone number ("0800 555 111", "(202) 555-0143", "+44 20 7946 0958"): an identifier, not a figure;
#: read as one word whatever its grouping.
_PHONE = re.compile(r"(?<![\w.,])(?:\+\d{1,3}[\s-]?)?(?:\(?0\d{1,4}\)?(?:[\s-]\d{2,4}){1,4}"
                    r"|\(?\d{3}\)?[\s.-]\d{3}[.-]\d{4})(?![\w]|[.,]\d)")
_ZONES = r"gmt|utc|bst|cet|cest|et|est|edt|ct|cst|cdt|mt|mst|mdt|pt|pst|pdt|ist|jst|aest"
#: A clock time ("6:00 p.m.", "18:00", "6 pm", "08:30 GMT"), read as a time of day in 24 hours with its zone if
#: one is written: "6:00 p.m." and "18:00" are one time; "10 p.m. ET" and "03:00 GMT" are not compared.
_CLOCK = re.compile(r"\b(\d{1,2}):(\d{2})(?::\d{2})?(?:\s*([ap])\.?m\b\.?)?(?:\s*(" + _ZONES + r")\b)?"
                    r"|\b(\d{1,2})(?:\.(\d{2}))?\s*([ap])\.?m\b\.?(?:\s*(" + _ZONES + r")\b)?")
_ASIDE = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def _clock(m: re.Match[str]) -> str:
    hour_text, minute, half, zone = ((m[1], m[2], m[3], m[4]) if m[1] is not None
                                     else (m[5], m[6] or "00", m[7], m[8]))
    hour = int(hour_text)
    if half == "p" and hour < 12:
        hour += 12
    elif half == "a" and hour == 12:
        hour = 0
    if hour > 23 or int(minute) > 59:
        return m[0]
    return f" @t{hour:02d}{minute}{zone or ''} "


def _dates_conflict(da: set[str], db: set[str]) -> bool:
    """Different days or months on each side, or different times of day in the same zone (``t``-values)."""
    days_a = {d for d in da if not (d[:1] == "t" and d[1:5].isdigit())}
    days_b = {d for d in db if not (d[:1] == "t" and d[1:5].isdigit())}
    if days_a and days_b and days_a != days_b:
        return True
    times_a, times_b = da - days_a, db - days_b
    return bool(times_a and times_b and not times_a & times_b
                and any(x[5:] == y[5:] for x in times_a for y in times_b))


#: Units a figure may be given in, to one base unit per quantity (exact definitions: 1 mile = 1,609.344 m,
#: 1 ft = 0.3048 m, 1 lb = 0.45359237 kg, 1 mph = 0.44704 m/s), so that "30 miles" and "48km" compare.
_UNITS: dict[tuple[str, ...], tuple[float, str]] = {
    ("miles",): (1609.344, "m"), ("mile",): (1609.344, "m"), ("mi",): (1609.344, "m"),
    ("km",): (1000.0, "m"), ("kilometres",): (1000.0, "m"), ("kilometers",): (1000.0, "m"),
    ("kilometre",): (1000.0, "m"), ("kilometer",): (1000.0, "m"), ("metres",): (1.0, "m"), ("meters",): (1.0, "m"),
    ("feet",): (0.3048, "m"), ("ft",): (0.3048, "m"), ("foot",): (0.3048, "m"),
    ("mph",): (0.44704, "m/s"), ("km", "h"): (1 / 3.6, "m/s"), ("kph",): (1 / 3.6, "m/s"),
    ("kmh",): (1 / 3.6, "m/s"), ("kilometres", "per", "hour"): (1 / 3.6, "m/s"),
    ("kilometers", "per", "hour"): (1 / 3.6, "m/s"), ("miles", "per", "hour"): (0.44704, "m/s"),
    ("kg",): (1.0, "kg"), ("kilograms",): (1.0, "kg"), ("lbs",): (0.45359237, "kg"), ("lb",): (0.45359237, "kg"),
    ("tonnes",): (1000.0, "kg"), ("acres",): (4046.8564224, "m2"), ("hectares",): (10000.0, "m2"),
}
_CURRENCY_BEFORE = {"$": "usd", "us$": "usd", "€": "eur", "euro": "eur", "eur": "eur", "£": "gbp", "usd": "usd"}
_CURRENCY_AFTER = {"dollars": "usd", "euros": "eur", "euro": "eur"}


def _number_token(value: float, unit: str = "") -> str:
    text = str(int(value)) if float(value).is_integer() else repr(round(value, 6))
    return "#" + text + (f"|{unit}" if unit else "")


def _number_value(tok: str) -> tuple[float, str]:
    text, _, unit = tok[1:].partition("|")
    return float(text), unit


def _same_quantity(a: str, b: str) -> bool | None:
    """Whether two number tokens give the same figure (a converted unit within 3%, as writers round
    conversions); ``None`` when they are not comparable (different units or currencies)."""
    (x, ux), (y, uy) = _number_value(a), _number_value(b)
    if ux != uy:
        return None
    if ux in ("", "usd", "eur", "gbp"):
        return x == y
    return abs(x - y) <= 0.03 * max(abs(x), abs(y))


def _numbers_conflict(va: list[str], vb: list[str]) -> bool:
    """A figure on each side with no equal on the other, and the two comparable (same unit or currency)."""
    lone_a = [a for a in va if not any(_same_quantity(a, b) for b in vb)]
    lone_b = [b for b in vb if not any(_same_quantity(a, b) for a in va)]
    return any(_same_quantity(a, b) is False for a in lone_a for b in lone_b)


def _words_to_number(words: list[str]) -> float | None:
    from text_to_num import text2num

    try:
        return float(text2num(" ".join(words), "en"))
    except ValueError:
        return None


def wording_tokens(text: str) -> list[str]:
    """The words of a quote with formatting taken out, for comparing two outlets' renderings.

    Contractions are spelled out ("won't" -> "will not"), numbers normalized whether written in words or
    digits, with thousands separators or a scale ("eight-year-old" and "8-year-old" both give ``#8``,
    "$140 million" and "$140m" both ``#140000000``), "%" and "per cent" read as ``percent``, month and
    weekday names as ``@``-tokens, clock times as ``@t``-tokens in 24 hours with their zone if written
    ("6:00 p.m." and "18:00" both ``@t1800``). Parenthesized asides (unit or currency conversions) are
    left out first.
    """
    text = fold(text).replace("’", "'").replace("‘", "'")
    text = _ASIDE.sub(" ", _PHONE.sub(lambda m: " tel" + re.sub(r"\D", "", m[0]) + " ", text))
    text = _CLOCK.sub(_clock, text)
    for pat, repl in _CONTRACTIONS:
        text = pat.sub(repl, text)
    raw = _TOKEN.findall(text)
    out: list[str] = []
    i = 0
    while i < len(raw):
        tok = raw[i]
        if tok in _NUMBER_WORDS and tok not in ("hundred", "thousand", "million", "billion", "trillion"):
            j = i + 1
            while j < len(raw) and (raw[j] in _NUMBER_WORDS or (raw[j] == "and" and j + 1 < len(raw)
                                                                 and raw[j + 1] in _NUMBER_WORDS)):
                j += 1
            value = _words_to_number(raw[i:j])
            if value is not None:
                out.append(_number_token(value))
                i = j
                continue
        if tok[0].isdigit():
            value = float(tok.replace(",", ""))
            unit = _CURRENCY_BEFORE.get(raw[i - 1], "") if i > 0 else ""
            if i + 1 < len(raw) and raw[i + 1] in ("m", "b") and not unit:
                # "600m" without a currency: metres or million ("600m people")? Comparable with nothing else.
                out.append(_number_token(value, raw[i + 1] + "?"))
                i += 2
                continue
            if i + 1 < len(raw) and raw[i + 1] in _SCALES:
                value *= _SCALES[raw[i + 1]]
                i += 1
            for n in (3, 2, 1):
                key = tuple(raw[i + 1:i + 1 + n])
                if len(key) == n and key in _UNITS:
                    factor, unit = _UNITS[key]
                    value *= factor
                    i += n
                    break
            else:
                if i + 1 < len(raw) and raw[i + 1] in _CURRENCY_AFTER:
                    unit = _CURRENCY_AFTER[raw[i + 1]]
                    i += 1
            out.append(_number_token(value, unit))
        elif tok in ("%", "percent") or (tok == "per" and i + 1 < len(raw) and raw[i + 1] == "cent"):
            out.append("percent")
            i += 1 if tok == "per" else 0
        elif tok in _MONTHS:
            out.append("@" + _MONTHS[tok])
        elif tok in _DAY_WORDS:
            out.append("@" + _DAY_WORDS[tok])
        else:
            out.append(tok)
        i += 1
    return out


def _slot_kind(tok: str) -> str | None:
    if tok.startswith("#"):
        return "number"
    if tok.startswith("@"):
        return "date"
    if tok in NEGATIONS:
        return "negation"
    return None


@dataclass(frozen=True, slots=True)
class WordingConflict:
    """Where two renderings of one statement differ in meaning: the slot and each side's words there."""

    kind: str
    a: str
    b: str


#: Words that make a figure a bound, not a value ("at least 3", "more than 40", "up to 200").
_BOUNDS = [("at", "least"), ("more", "than"), ("less", "than"), ("fewer", "than"), ("up", "to"), ("as", "many", "as"),
           ("over",), ("under",), ("nearly",), ("almost",), ("upwards", "of"), ("at", "most"), ("no", "more", "than"),
           ("not", "more", "than"), ("beyond",), ("exceeding",)]


def _bound_before(tokens: list[str]) -> bool:
    return any(tuple(tokens[-len(b):]) == b for b in _BOUNDS)


def _slot_sized(op: tuple[str, int, int, int, int]) -> bool:
    return op[2] - op[1] <= 2 and op[4] - op[3] <= 2


def _compare(a: str, b: str, min_matched: int = 3,
             min_similarity: float = 0.8) -> tuple[bool, WordingConflict | None]:
    """Whether two renderings align as one statement, and the conflict in their aligned part if any."""
    return compare_tokens(wording_tokens(a), wording_tokens(b), min_matched, min_similarity)


def compare_tokens(ta: list[str], tb: list[str], min_matched: int = 3, min_similarity: float = 0.8,
                   slot_only: bool = False) -> tuple[bool, WordingConflict | None]:
    """:func:`_compare` on :func:`wording_tokens` already made. ``slot_only``: a different number or date
    is a conflict only where nothing but figures and dates differ at that place ("3 people" / "5 people",
    not "3 dead" / "5 injured": another quantity, not another value of the same one); a figure right
    after a month name ("March 5" / "March 8") is a date."""
    from difflib import SequenceMatcher

    ops = SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes()

    def edge_value(op: tuple[str, int, int, int, int]) -> bool:
        # Different figures at the very end ("within 72 hours" / "within 30 days") are one slot, kept;
        # anything else past the last match is one outlet quoting more, or a cut ("don’" / "don’t").
        if op[0] != "replace" or not _slot_sized(op):
            return False
        kinds_a = {_slot_kind(t) for t in ta[op[1]:op[2]]}
        kinds_b = {_slot_kind(t) for t in tb[op[3]:op[4]]}
        return bool(kinds_a & kinds_b & {"number", "date"})

    changed = True
    while changed:
        changed = False
        if ops and ops[0][0] != "equal" and not edge_value(ops[0]):
            ops.pop(0)
            changed = True
        if ops and ops[-1][0] != "equal" and not edge_value(ops[-1]):
            ops.pop()
            changed = True
        # A one-word match at an edge followed by more than a slot-sized difference is chance ("the").
        if len(ops) > 1 and ops[0][0] == "equal" and ops[0][2] - ops[0][1] == 1 and not _slot_sized(ops[1]):
            ops.pop(0)
            changed = True
        if len(ops) > 1 and ops[-1][0] == "equal" and ops[-1][2] - ops[-1][1] == 1 and not _slot_sized(ops[-2]):
            ops.pop()
            changed = True
    matched = sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag == "equal")
    if matched < min_matched:
        return False, None
    diff_a = diff_b = 0
    for tag, i1, i2, j1, j2 in ops:
        if tag != "equal":
            diff_a += sum(1 for t in ta[i1:i2] if not _slot_kind(t) and t not in _NEGATION_SUPPORT)
            diff_b += sum(1 for t in tb[j1:j2] if not _slot_kind(t) and t not in _NEGATION_SUPPORT)
    if 2 * matched / (2 * matched + diff_a + diff_b) < min_similarity:
        return False, None
    # One statement: the shorter rendering lies (nearly) inside the aligned part, or the two share a long
    # stretch; three shared words with each going on differently ("four villages had been destroyed ..." /
    # "five villages had been badly hit") are two statements.
    covered = min(ops[-1][2] - ops[0][1], ops[-1][4] - ops[0][3])
    if matched < 8 and covered < 0.8 * min(len(ta), len(tb)):
        return False, None
    # Negated on both sides, wherever each puts its negation ("it posed no threat" / "the missile didn't pose
    # a threat"; a few words past the aligned part count, since the verb's auxiliary may lie just outside it).
    near = 4
    negated_a = any(_slot_kind(t) == "negation" for t in ta[max(0, ops[0][1] - near):ops[-1][2] + near])
    negated_b = any(_slot_kind(t) == "negation" for t in tb[max(0, ops[0][3] - near):ops[-1][4] + near])
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            continue
        sa, sb = ta[i1:i2], tb[j1:j2]
        neg_a = negated_a != negated_b and any(_slot_kind(t) == "negation" for t in sa)
        neg_b = negated_a != negated_b and any(_slot_kind(t) == "negation" for t in sb)
        # A negated verb: the negation (with "do"-support and at most one other word, "no longer") is all
        # that differs there; a whole clause one outlet adds ("not one person, but") is more content.
        extra_a = [t for t in sa if _slot_kind(t) != "negation" and t not in _NEGATION_SUPPORT]
        extra_b = [t for t in sb if _slot_kind(t) != "negation" and t not in _NEGATION_SUPPORT]
        if neg_a != neg_b and len(extra_a) <= 1 and len(extra_b) <= 1:
            return True, WordingConflict("negation", " ".join(sa), " ".join(sb))
        if slot_only and (any(not _slot_kind(t) for t in sa) or any(not _slot_kind(t) for t in sb)):
            continue
        nums_a = [t for t in sa if _slot_kind(t) == "number"]
        nums_b = [t for t in sb if _slot_kind(t) == "number"]
        if slot_only and _bound_before(ta[:i1]):
            continue  # "at least 3" and "at least 10" dead are both true when 10 died
        if nums_a and nums_b and _numbers_conflict(nums_a, nums_b):
            after_month = slot_only and i1 > 0 and ta[i1 - 1][1:] in _MONTHS.values() and ta[i1 - 1][0] == "@"
            return True, WordingConflict("date" if after_month else "number", " ".join(t[1:] for t in nums_a),
                                         " ".join(t[1:] for t in nums_b))
        dates_a = {t[1:] for t in sa if _slot_kind(t) == "date"}
        dates_b = {t[1:] for t in sb if _slot_kind(t) == "date"}
        if dates_a and dates_b and _dates_conflict(dates_a, dates_b):
            return True, WordingConflict("date", " ".join(sorted(dates_a)), " ".join(sorted(dates_b)))
    return True, None


def wording_conflict(a: str, b: str) -> WordingConflict | None:
    """A different value in the same slot of two renderings of one statement, or ``None``.

    The token sequences (:func:`wording_tokens`) are aligned; what one outlet quotes beyond the other's
    excerpt, at either end, is left out (an outlet may quote more of a statement, or cut it at an
    apostrophe), and so is a one-word match at an edge. What is left must share 3 words and be
    near-identical (Dice over the aligned words, not counting negations, numbers, dates and
    "do"-support, >= 0.8), else the two are different statements and nothing is compared. Inside the
    aligned part a conflict is a negation present on one side only (a negated verb: "do not recognize" /
    "recognize", "no longer" / -), or different numbers / dates in the same slot on both sides; a
    figure, date or clause one outlet adds and the other omits is more detail, not a conflict.
    """
    return _compare(a, b)[1]


#: Renderings of one statement in articles published further apart than this (days) are taken for two
#: statements: a speaker repeats a formula about a new event ("the missile fell into the sea 1,180 km east
#: of Cape Erimo" on 28 August, "2,000 kilometers east of Cape Erimo" on 14 September). Fixed, not tuned.
QUOTE_SAME_DAYS = 7


def quote_discrepancies(quotes: Sequence[dict[str, Any]], ind: Independence,
                        dates: Mapping[str, str | None] | None = None) -> list[Discrepancy]:
    """Outlets' renderings of one statement that differ in meaning in the part both quote.

    The variants of a quote group are sorted into readings: a variant joins the first reading whose first
    variant it aligns with and agrees with (:func:`wording_conflict` finds no conflict); one that conflicts
    with every reading it aligns with starts a new reading; one that aligns with none (another excerpt of
    the statement) is left out, and so is one published more than :data:`QUOTE_SAME_DAYS` from a
    reading's first variant (``dates``: article id -> ISO date). Two or more readings from different
    articles make a discrepancy.
    """
    dates = dates or {}
    out: list[Discrepancy] = []
    for q in quotes:
        variants = q.get("variants", [])
        if len({v["article_id"] for v in variants}) < 2:
            continue
        readings: list[list[dict[str, Any]]] = []
        first_conflict: WordingConflict | None = None
        for v in variants:
            placed = False
            clash: WordingConflict | None = None
            for reading in readings:
                days = _days_apart(dates.get(reading[0]["article_id"]), dates.get(v["article_id"]))
                if days is not None and days > QUOTE_SAME_DAYS:
                    continue  # another statement, not another rendering of this one
                aligned, c = _compare(reading[0]["text"], v["text"])
                if aligned and c is None:
                    reading.append(v)
                    placed = True
                    break
                if c is not None and clash is None:
                    clash = c
            if placed:
                continue
            if not readings or clash is not None:
                readings.append([v])
                first_conflict = first_conflict or clash
        readings = [r for r in readings if r]
        if len(readings) < 2 or first_conflict is None:
            continue
        if len({a for r in readings for a in {v["article_id"] for v in r}}) < 2:
            continue
        values = []
        for vs in readings:
            evid = [Evidence(v["article_id"], v["start"], v["end"], v["text"]) for v in vs]
            values.append(ValueSupport(vs[0]["text"], sorted({v["article_id"] for v in vs}), evid, ind.count(evid)))
        supported, conf = _support(values)
        who = q.get("speaker_text") or "an unattributed speaker"
        c = first_conflict
        detail = (f'a negation one outlet has and another lacks ("{c.a or "-"}" vs "{c.b or "-"}")'
                  if c.kind == "negation" else f"{c.kind}s differ: {c.a} vs {c.b}")
        out.append(Discrepancy("quote_wording", f"Outlets render a statement by {who} with a different meaning "
                               f"({detail})", q.get("speaker_entity_id"), values, supported, conf))
    return out


def find_discrepancies(entities: Sequence[dict[str, Any]], quotes: Sequence[dict[str, Any]],
                       events: Sequence[dict[str, Any]], reuse: Sequence[dict[str, Any]],
                       labels: dict[str, str] | None = None,
                       dates: Mapping[str, str | None] | None = None,
                       stories: Mapping[str, str] | None = None) -> list[Discrepancy]:
    """Every discrepancy among the given records.

    Args:
        entities: dossier ``entities[]``.
        quotes: dossier ``quotes[]``.
        events: dossier ``events[]`` (``polarity`` and ``modality`` fields are used when present).
        reuse: dossier ``reuse[]``, for independence.
        labels: readable names of articles for descriptions (article id -> label).
        dates: publication dates of articles (article id -> ISO date or None); offices stated far apart
            in time are a change, not a conflict (:func:`role_discrepancies`).
        stories: article id -> event-level story id, to tell whether undated articles speak of one time.

    Returns:
        Discrepancies, spelling first, then roles, events and quotes.
    """
    ind = Independence(reuse)
    names = {e["id"]: e["name"] for e in entities}
    return [
        *spelling_discrepancies(entities, ind, labels),
        *role_discrepancies(entities, ind, dates, stories),
        *event_discrepancies(events, ind, names),
        *quote_discrepancies(quotes, ind, dates),
    ]


def claims(entities: Sequence[dict[str, Any]], events: Sequence[dict[str, Any]],
           quotes: Sequence[dict[str, Any]], reuse: Sequence[dict[str, Any]],
           dates: Mapping[str, str | None] | None = None) -> list[Claim]:
    """Every claim with its independent support: names, roles (with the dates of the articles stating
    them), events and statements."""
    ind = Independence(reuse)
    names = {e["id"]: e["name"] for e in entities}
    out = entity_claims(entities, ind, dates)
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
        kept.dates = sorted(set(kept.dates) | set(c.dates))
        kept.independent_sources = ind.count(kept.evidence, [] if kept.evidence else kept.article_ids)
    return list(by_id.values())
