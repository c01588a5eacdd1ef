"""Speakers of quotes: named, pronoun, anonymous description; pronouns resolved to compatible names.

A pronoun goes to the nearest earlier named speaker that fits it: ``he``/``she``
need a person whose gender (from honorifics, and from the pronouns the
article uses right after that person is the only one named in a sentence) does
not clash; ``they`` an organisation or group; ``it`` an organisation. Quote
speakers are searched further back than other named subjects. A definite
description ("the official") refers back to the first unnamed source with the
same head word ("a senior White House official") and stays anonymous. Hand-written
because spaCy's small English model has no coreference component and
coreferee/neuralcoref do not support spaCy 3.8.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newsweave.models import Span
from newsweave.quotes.marks import _trim
from newsweave.quotes.model import Quote, SpeakerKind

if TYPE_CHECKING:
    from spacy.tokens import Doc
    from spacy.tokens import Token as SpacyToken

PRONOUNS_MALE = {"he", "him", "his"}
PRONOUNS_FEMALE = {"she", "her", "hers"}
PRONOUNS_PLURAL = {"they", "them", "their"}
PRONOUNS_SELF = {"i", "we", "me", "us", "you"}
HONORIFIC_MALE = {"mr", "mr.", "sir", "lord", "king", "prince", "father", "brother"}
HONORIFIC_FEMALE = {
    "mrs",
    "mrs.",
    "ms",
    "ms.",
    "miss",
    "lady",
    "dame",
    "queen",
    "princess",
    "madam",
    "sister",
}
SPEAKER_DEPS = {"nsubj", "nsubjpass", "csubj"}

def subtree_span(tok: SpacyToken, lo: int, hi: int, text: str, cue: SpacyToken | None = None) -> Span:
    """Character span of ``tok``'s subtree, clipped to ``[lo, hi)`` and trimmed of punctuation.

    With ``cue``, the branch of the subtree that holds the cue is left out: the speaker of
    "documents that showed …" is "documents", not the whole clause.
    """
    skip: set[int] = set()
    if cue is not None:
        for child in tok.children:
            if any(t.i == cue.i for t in child.subtree):
                skip |= {t.i for t in child.subtree}
    toks = [t for t in tok.subtree if t.idx >= lo and t.idx + len(t.text) <= hi and t.i not in skip]
    # keep the contiguous run around the head only
    ids = sorted(t.i for t in toks)
    run = [tok.i]
    for i in range(tok.i - 1, -1, -1):
        if i in ids:
            run.insert(0, i)
        else:
            break
    for i in range(tok.i + 1, tok.i + 200):
        if i in ids:
            run.append(i)
        else:
            break
    doc = tok.doc
    a, b = doc[run[0]].idx, doc[run[-1]].idx + len(doc[run[-1]].text)
    s, e = _trim(text, a, b, " \t\n,;:-—–")
    return Span(s, e) if s < e else Span(a, b)


def name_core(tok: SpacyToken) -> tuple[int, int]:
    """Token range of the name around a head noun: compounds/flat parts and titles to its left."""
    lo = hi = tok.i
    for child in tok.children:
        if child.dep_ in {"compound", "flat", "nmod"} and child.pos_ == "PROPN" and child.i < tok.i:
            lo = min(lo, child.i)
        if child.dep_ in {"flat"} and child.i > tok.i:
            hi = max(hi, child.i)
    return lo, hi


# ---------------------------------------------------------------------------
# speakers
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class Speaker:
    span: Span
    kind: SpeakerKind
    text: str
    core: Span
    head_lower: str
    entity_label: str = ""


def _entity_over(doc: Doc, start: int, end: int) -> tuple[Span, str] | None:
    for ent in doc.ents:
        if ent.start_char < end and ent.end_char > start and ent.label_ in {"PERSON", "ORG", "NORP", "GPE"}:
            return Span(ent.start_char, ent.end_char), ent.label_
    return None


def make_speaker(
    tok: SpacyToken, lo: int, hi: int, text: str, anon_heads: set[str], cue: SpacyToken | None = None
) -> Speaker:
    doc = tok.doc
    span = subtree_span(tok, lo, hi, text, cue)
    low = tok.text.lower()
    if tok.pos_ == "PRON" or low in PRONOUNS_MALE | PRONOUNS_FEMALE | PRONOUNS_PLURAL | PRONOUNS_SELF:
        return Speaker(Span(tok.idx, tok.idx + len(tok.text)), "pronoun", tok.text, span, low)
    a, b = name_core(tok)
    core = Span(doc[a].idx, doc[b].idx + len(doc[b].text))
    if any(c.dep_ == "conj" for c in tok.children):
        # "Washington, Canada and most Latin American nations": the speaker is the whole list
        kind: SpeakerKind = "named" if tok.pos_ == "PROPN" else "anonymous"
        return Speaker(span, kind, text[span.start : span.end], span, low)
    ent = _entity_over(doc, core.start, core.end)
    head_in_ent = ent is not None and ent[0].start <= tok.idx < ent[0].end
    if tok.pos_ == "PROPN" or (head_in_ent and ent is not None and ent[1] in {"PERSON", "ORG"}):
        if ent is not None:
            core = Span(
                min(core.start, ent[0].start) if ent[0].start >= span.start else core.start,
                max(core.end, ent[0].end) if ent[0].end <= span.end else core.end,
            )
            if ent[1] == "PERSON":
                core = ent[0]
        return Speaker(span, "named", text[core.start : core.end], core, low, ent[1] if ent else "")
    kind = "anonymous" if tok.pos_ in {"NOUN", "PROPN", "ADJ", "NUM"} else "unknown"
    if kind == "anonymous" and low not in anon_heads and tok.lemma_.lower() not in anon_heads:
        # a described source all the same ("the former colonel"); flag by low confidence later
        pass
    return Speaker(span, kind, text[span.start : span.end], span, low)


def name_key(name: str) -> str:
    """Last alphabetic word of a name, lower-cased (``'Col. Jose Luis Silva' -> 'silva'``)."""
    words = re.findall(r"[^\W\d_]+", name.lower())
    return words[-1] if words else name.lower()


def person_genders(doc: Doc) -> dict[str, str]:
    """Gender per person name key from honorifics and the pronouns used around sole mentions."""
    votes: dict[str, Counter[str]] = {}
    ents = list(doc.ents)  # once: ``sent.ents`` builds every entity of the doc again for each sentence
    first_ent = 0
    for sent in doc.sents:
        while first_ent < len(ents) and ents[first_ent].start < sent.start:
            first_ent += 1
        within = []  # as ``sent.ents``: the entities wholly inside the sentence, up to one that crosses its end
        for e in ents[first_ent:]:
            if e.end > sent.end:
                break
            within.append(e)
        persons = [e for e in within if e.label_ == "PERSON"]
        keys = {name_key(e.text) for e in persons}
        for e in persons:
            prev = doc[e.start - 1].text.lower() if e.start > 0 else ""
            key = name_key(e.text)
            if prev in HONORIFIC_MALE:
                votes.setdefault(key, Counter())["m"] += 3
            elif prev in HONORIFIC_FEMALE:
                votes.setdefault(key, Counter())["f"] += 3
        if len(keys) == 1:
            key = next(iter(keys))
            first = persons[0].end
            for t in doc[first : sent.end]:
                w = t.text.lower()
                if w in PRONOUNS_MALE:
                    votes.setdefault(key, Counter())["m"] += 1
                elif w in PRONOUNS_FEMALE:
                    votes.setdefault(key, Counter())["f"] += 1
    return {k: c.most_common(1)[0][0] for k, c in votes.items() if c}


def resolve_pronouns(pairs: list[tuple[Quote, Speaker | None]], doc: Doc, genders: dict[str, str]) -> None:
    """Pronoun speakers -> the nearest earlier compatible named speaker (quote speakers first)."""
    named: list[tuple[int, Span, str, str, bool]] = []  # (position, span, name, label, is quote speaker)
    for quote, spk in pairs:
        if spk is not None and spk.kind == "named" and quote.speaker is not None:
            label = spk.entity_label or "PERSON"
            named.append((spk.core.start, spk.core, spk.text, label, True))
    for ent in doc.ents:
        if ent.label_ in {"PERSON", "ORG", "NORP"} and ent.root.dep_ in SPEAKER_DEPS:
            named.append((ent.start_char, Span(ent.start_char, ent.end_char), ent.text, ent.label_, False))
    named.sort(key=lambda x: x[0])
    # partial names ("Silva") take the longest earlier full name with the same last word
    full: dict[str, str] = {}
    for _, _, name, label, _q in named:
        if label == "PERSON":
            key = name_key(name)
            if len(name) > len(full.get(key, "")):
                full[key] = name
    described: dict[str, tuple[Span, str]] = {}  # head word -> first full description of an unnamed source
    for q, spk in pairs:
        if q.speaker_kind == "named" and q.speaker_text:
            q.speaker_text = full.get(name_key(q.speaker_text), q.speaker_text)
        if spk is not None and spk.kind == "anonymous" and q.speaker is not None:
            # "the official" after "a senior White House official": the same unnamed source, not a name
            if spk.text.lower().startswith(("the ", "this ", "that ")) and spk.head_lower in described:
                q.speaker_ref, q.speaker_text = described[spk.head_lower]
            else:
                described.setdefault(spk.head_lower, (spk.span, spk.text))
        if spk is None or spk.kind != "pronoun" or q.speaker is None:
            continue
        pron = spk.head_lower
        if pron in PRONOUNS_SELF:
            continue  # the writer or the quoted person's own "I": no antecedent outside the quote
        pos = q.speaker.start
        for p, span, name, label, is_quote in reversed(named):
            if p >= pos or span.start < pos - (4000 if is_quote else 600):
                continue
            g = genders.get(name_key(name), "")
            if pron in PRONOUNS_MALE | PRONOUNS_FEMALE:
                if label != "PERSON":
                    continue
                want = "m" if pron in PRONOUNS_MALE else "f"
                if g and g != want:
                    continue
            elif pron in PRONOUNS_PLURAL:
                if label not in {"ORG", "NORP"}:
                    continue
            elif pron == "it" and label != "ORG":
                continue
            q.speaker_ref = span
            q.speaker_text = full.get(name_key(name), name) if label == "PERSON" else name
            q.confidence = min(q.confidence, 0.75)
            break
